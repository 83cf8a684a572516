"""Institution names (io/institutions.py): one name per institution, however it is typed."""

import pandas as pd
import pytest

from readiness_analysis.core.errors import DataValidationError
from readiness_analysis.io.clean import clean_scan
from readiness_analysis.io.documents import read_documents
from readiness_analysis.io.fragments import read_fragments
from readiness_analysis.io.institutions import (
    align_institutions,
    clean_name,
    confusable_names,
    load_aliases,
    normalise_institution,
)
from readiness_analysis.io.scan import read_scan

KEY = b"test-key"


def test_institution_spellings_are_merged_and_logged(tmp_path, instrument):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,def_1\nr1,ROC van Amsterdam,3\nr2,ROCvA,3\n"
                    "r3,roc  van amsterdam ,3\nr4,Instelling X,3\nr5,instelling x,2\n"
                    "r6,Instelling X,2\n")
    result = clean_scan(read_scan(path), instrument, key=KEY, aliases=load_aliases())
    assert result.responses["institution"].tolist() == ["ROC van Amsterdam"] * 3 + [
        "Instelling X"] * 3
    notes = result.log.loc[result.log["step"] == "note", "detail"].tolist()
    assert "institution 'ROCvA' -> 'ROC van Amsterdam'" in notes
    assert "institution 'instelling x' -> 'Instelling X'" in notes


def test_user_alias_file_extends_the_shipped_table(tmp_path):
    (tmp_path / "institution_aliases.yaml").write_text(
        "Grafisch Lyceum Rotterdam:\n  - GLR\n", encoding="utf-8")
    aliases = load_aliases(tmp_path)
    assert normalise_institution(" glr ", aliases) == "Grafisch Lyceum Rotterdam"
    assert normalise_institution("ROCvA", aliases) == "ROC van Amsterdam"


def test_broken_alias_file_is_located(tmp_path):
    path = tmp_path / "institution_aliases.yaml"
    path.write_text("GLR: Grafisch Lyceum\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="must map each name to a list"):
        load_aliases(tmp_path)


# --- one institution, one name (issue 21) -------------------------------------------------

NFC, NFD = "Zo\u00eb College", "Zoe\u0308 College"
HIDDEN = ["Instelling\u200b A", "\u2066Instelling A\u2069", "Instelling A\u202e",
          "\ufeffInstelling A", "Instel\u200dling A", "Instelling\u2060 A",
          "Instelling A\u200c", "\u202aInstelling A\u202c"]


def _scan(tmp_path, names):
    path = tmp_path / "scan.csv"
    rows = "".join(f"r{k},{name},3\n" for k, name in enumerate(names))
    path.write_text("respondent_id,institution,def_1\n" + rows, encoding="utf-8")
    return read_scan(path)


def test_nfc_and_nfd_spellings_are_one_institution_and_logged(tmp_path, instrument):
    result = clean_scan(_scan(tmp_path, [NFC, NFC, NFD, NFD]), instrument, key=KEY)
    assert result.responses["institution"].tolist() == [NFC] * 4  # one school of 4, not 2+2
    notes = result.log.loc[result.log["step"] == "note", "detail"].tolist()
    assert f"institution {NFD!r} -> {NFC!r} (composed to NFC)" in notes


def test_zero_width_and_bidi_characters_are_removed_and_logged(tmp_path, instrument):
    result = clean_scan(_scan(tmp_path, ["Instelling A", *HIDDEN]), instrument, key=KEY)
    assert set(result.responses["institution"]) == {"Instelling A"}
    notes = " ".join(result.log.loc[result.log["step"] == "note", "detail"])
    for code in ("200B", "2066", "2069", "202E", "FEFF", "200D", "2060", "200C", "202A"):
        assert f"removed U+{code}" in notes


def test_aliases_match_whatever_the_unicode_form(tmp_path):
    (tmp_path / "institution_aliases.yaml").write_text(f"{NFC}:\n  - ZC\n", encoding="utf-8")
    aliases = load_aliases(tmp_path)
    assert normalise_institution("Z\u200bC", aliases) == NFC
    assert normalise_institution(NFD.upper(), aliases) == NFC


def test_look_alike_names_are_kept_apart_with_a_located_warning(tmp_path, instrument):
    cyrillic = "\u0410lpha College"  # Cyrillic capital A
    result = clean_scan(_scan(tmp_path, ["Alpha College"] * 3 + [cyrillic] * 3), instrument,
                        key=KEY)
    assert set(result.responses["institution"]) == {"Alpha College", cyrillic}
    warning = [w for w in result.warnings if "look-alike" in w.message]
    assert len(warning) == 1 and warning[0].column == "institution" and warning[0].row == 2
    assert "U+0410 CYRILLIC CAPITAL LETTER A" in warning[0].message
    notes = " ".join(result.log.loc[result.log["step"] == "note", "detail"])
    assert "differ only by look-alike characters" in notes
    assert confusable_names(["Beta", "\u0392eta", "Alpha"]) == [("Beta", "\u0392eta")]  # Greek


def test_contradictory_aliases_are_refused_naming_both_entries(tmp_path):
    path = tmp_path / "institution_aliases.yaml"
    path.write_text("A College:\n  - B College\nB College:\n  - A College\n  - C College\n",
                    encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        load_aliases(tmp_path)
    messages = [p.message for p in caught.value.problems]
    assert "'B College' is an alias of 'A College' (line 2) and a name of its own (line 3)" \
        in messages
    assert "'A College' is an alias of 'B College' (line 4) and a name of its own (line 1)" \
        in messages
    assert all(p.file == str(path) and p.row for p in caught.value.problems)


def test_a_spelling_under_two_names_is_refused_naming_both(tmp_path):
    path = tmp_path / "institution_aliases.yaml"
    path.write_text("A College:\n  - AC\nB College:\n  - ac\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        load_aliases(tmp_path)
    problem = caught.value.problems[0]
    assert problem.message == ("'ac' is an alias of both 'A College' (line 2) and "
                               "'B College' (line 4)")
    assert problem.row == 4


def test_the_shipped_alias_table_is_consistent():
    assert load_aliases()["rocva"] == "ROC van Amsterdam"


def test_fragments_and_documents_are_spelled_as_the_scan(tmp_path, codebook):
    (tmp_path / "institution_aliases.yaml").write_text("Instelling A:\n  - Inst A\n",
                                                       encoding="utf-8")
    aliases = load_aliases(tmp_path)
    frags = tmp_path / "fragments.csv"
    code = codebook.names[0]
    frags.write_text("fragment_id,institution,codes,text\n"
                     f"f1,Inst A,{code},een\nf2,instelling\u200b  a,{code},twee\n"
                     f"f3,{NFD},{code},drie\nf4,,{code},vier\n", encoding="utf-8")
    fragments = read_fragments(frags, codebook)
    assert fragments["institution"].iloc[2] == NFC  # cleaned on reading
    assert pd.isna(fragments["institution"].iloc[3])
    aligned, changes = align_institutions(fragments["institution"],
                                          ["Instelling A", NFC], aliases)
    assert aligned.tolist()[:3] == ["Instelling A", "Instelling A", NFC]
    assert pd.isna(aligned.iloc[3])
    assert changes == {"Inst A": "Instelling A", "instelling a": "Instelling A"}
    docs = tmp_path / "documents.csv"
    docs.write_text("institution,title,year,kind,defines_blended,definition,concrete_goals,"
                    "implementation_plan,known_by_teachers\n"
                    f"{NFD}\u200b,Visie,2022,vision,no,none,no,no,unknown\n", encoding="utf-8")
    assert read_documents(docs)["institution"].tolist() == [NFC]


def test_clean_name_is_idempotent():
    for name in [NFC, NFD, *HIDDEN, "  a  b "]:
        assert clean_name(clean_name(name)) == clean_name(name)
