"""Screening free text for personal data (issue 21, "free text screened")."""

from __future__ import annotations

import pandas as pd
import pytest

from readiness_analysis.core.errors import DataValidationError
from readiness_analysis.io.redact import (
    REDACTED,
    Redactor,
    echo,
    elfproef,
    find_personal,
    load_names,
    looks_personal,
    redact,
)


@pytest.mark.parametrize(("text", "kind"), [
    ("j.de.vries@roc-midden.nl", "e-mail"),
    ("Mail: Anna_B+scan@Student.School.EU.", "e-mail"),
    ("06-12345678", "phone"),
    ("06 1234 5678", "phone"),
    ("0612345678", "phone"),
    ("020-1234567", "phone"),
    ("(020) 123 45 67", "phone"),
    ("Tel:020 1234567", "phone"),
    ("+31 6 1234 5678", "phone"),
    ("+31 (0)20 123 4567", "phone"),
    ("0031 20 1234567", "phone"),
    ("+442071838750", "phone"),
    ("+1 415 555 2671", "phone"),
    ("6525 EC", "postcode"),
    ("1011AB Amsterdam", "postcode"),
    ("123456782", "bsn"),
    ("bsn 1234.56.782", "bsn"),
    ("111 222 333", "bsn"),
    ("Bel 06-12345678.", "phone"),
    ("bel (020) 123 45 67, of mail", "phone"),
    ("BSN 123456782, geboren", "bsn"),
    ("tel.: 0612345678", "phone"),
])
def test_personal_data_are_found(text, kind):
    found = find_personal(text)
    assert [s.kind for s in found] == [kind]


@pytest.mark.parametrize("text", [
    "schooljaar 2023-2024", "van 2019 tot 2024", "op 01-02-2023 om 10:30", "cijfer 3,5",
    "score 4.25 (sd 0,83)", "interview A-1-0001", "fragment F-2023-0042", "1990-2000 2010-2020",
    "123456789",  # nine digits that fail the elfproef
    "scores 1 2 3 4 5 6 7 8 9 0", "2023 en 2024", "in 2022 IT-beleid", "pagina 12-14",
    "www.school.nl/visie", "ISBN 978-90-1234-567-8", "versie 1.2.3", "n = 1234",
    "tussen 08:30 en 16:30", "5 SA", "kosten € 1.250.000", "p = 0,612345678",
    "ratio 1.0612345678", "op 12/06/2023", "id 10612345678", "om 10:30:0612345678",
])
def test_dates_scores_years_ids_and_times_are_not_personal(text):
    assert find_personal(text) == []
    assert redact(text) == (text, {})


def test_elfproef():
    assert elfproef("123456782") and elfproef("111222333")
    assert not elfproef("123456789") and not elfproef("000000000") and not elfproef("12345678")


def test_redact_replaces_each_span_and_counts_kinds():
    text, counts = redact("Bel Jan (06-12345678) of mail jan@x.nl, 6525 EC", names=["jan"])
    assert text == f"Bel {REDACTED} ({REDACTED}) of mail {REDACTED}, {REDACTED}"
    assert counts == {"name": 1, "phone": 1, "e-mail": 1, "postcode": 1}


def test_names_are_whole_words_whatever_their_case():
    names = ["Piet", "Marijke  Oosterhuis"]
    assert redact("PIET en marijke oosterhuis", names)[0] == f"{REDACTED} en {REDACTED}"
    assert redact("Pieter en Piets fiets", names)[0] == "Pieter en Piets fiets"
    assert redact("Hello", names=["", "  "])[0] == "Hello"


def test_looks_personal_names_the_kind_but_not_names():
    assert looks_personal("info@roc.nl") == "an e-mail address"
    assert looks_personal("06-12345678") == "a phone number"
    assert looks_personal("Da Vinci College 2") is None


def test_echo_is_short_redacted_and_quoted():
    assert echo("vijf") == "'vijf'"
    line = echo("mail a@b.nl " + "x" * 50_000_000)
    assert len(line) < 120 and "a@b.nl" not in line and "50,000,012 characters" in line
    assert echo("it's") == '"it\'s"'


def test_redactor_records_file_row_column_kind_never_the_value():
    r = Redactor()
    cells = pd.Series(["a@b.nl en a@b.nl", None, "geen", "a@b.nl en a@b.nl"])
    out = r.column(cells, file="/raw/fragments.csv", rows=[2, 3, 4, 5], column="text",
                   ids=["F1", "F2", "F3", "F4"])
    assert out.tolist()[::2] == [f"{REDACTED} en {REDACTED}", "geen"]
    assert pd.isna(out[1])
    frame = r.frame()
    assert frame.to_dict("records") == [
        {"file": "fragments.csv", "row": 2, "fragment_id": "F1", "column": "text",
         "kind": "e-mail", "count": 2},
        {"file": "fragments.csv", "row": 5, "fragment_id": "F4", "column": "text",
         "kind": "e-mail", "count": 2}]
    assert "a@b.nl" not in frame.to_csv()
    assert r.notes() == ["fragments.csv: 4 spans redacted as […] (4 e-mail addresses); "
                         "listed in redactions.csv"]


def test_redactor_without_findings_returns_the_column_and_an_empty_frame():
    r = Redactor()
    cells = pd.Series(["geen", "ook niet"])
    assert r.column(cells, file="f.csv", column="text") is cells
    assert r.frame().empty and r.notes() == []
    assert r.text(pd.NA, file="f.csv", row=2, column="x") is pd.NA


def test_load_names(tmp_path):
    assert load_names(tmp_path) == ()
    (tmp_path / "redact_names.txt").write_text("\ufeffAnna  de Boer # coach\n\n# x\nPiet\n",
                                               encoding="utf-8")
    assert load_names(tmp_path) == ("Anna de Boer", "Piet")
    (tmp_path / "redact_names.txt").write_bytes(b"Jos\xe9\n")
    with pytest.raises(DataValidationError, match=r"redact_names\.txt: the file is not UTF-8"):
        load_names(tmp_path)


# ------------------------------------------------------------ the readers screen free text

from readiness_analysis.io.clean import clean_scan  # noqa: E402
from readiness_analysis.io.documents import read_documents  # noqa: E402
from readiness_analysis.io.fragments import read_fragments  # noqa: E402
from readiness_analysis.io.scan import read_scan  # noqa: E402

DOCUMENT_HEADER = ("institution,title,year,kind,defines_blended,definition,concrete_goals,"
                   "implementation_plan,known_by_teachers,aims\n")


def test_fragment_texts_are_redacted_and_recorded_by_row(tmp_path, codebook):
    path = tmp_path / "fragments.csv"
    code = codebook.names[0]
    path.write_text("fragment_id,institution,codes,text\n"
                    f"F1,A,{code},Mail Piet op piet@roc.nl of bel 06-12345678\n"
                    f"F2,A,{code},Schooljaar 2023-2024 om 10:30\n", encoding="utf-8")
    redactor = Redactor(["Piet"])
    fragments = read_fragments(path, codebook, redactor=redactor)
    assert fragments["text"].tolist() == [
        f"Mail {REDACTED} op {REDACTED} of bel {REDACTED}", "Schooljaar 2023-2024 om 10:30"]
    assert redactor.frame()[["file", "row", "fragment_id", "column", "kind"]].values.tolist() == [
        ["fragments.csv", 2, "F1", "text", "e-mail"], ["fragments.csv", 2, "F1", "text", "phone"],
        ["fragments.csv", 2, "F1", "text", "name"]]
    assert read_fragments(path, codebook)["text"][0].count(REDACTED) == 2  # default: patterns


def test_a_fragment_institution_that_is_an_e_mail_address_is_a_located_error(tmp_path,
                                                                           codebook):
    path = tmp_path / "fragments.csv"
    path.write_text(f"fragment_id,institution,codes,text\nF1,jan@roc.nl,{codebook.names[0]},x\n")
    with pytest.raises(DataValidationError) as info:
        read_fragments(path, codebook)
    assert str(info.value).startswith(f"{path}:2:institution: institution looks like an "
                                      "e-mail address, not a name")
    assert "jan@roc.nl" not in str(info.value)


def test_document_titles_and_aims_are_redacted(tmp_path):
    path = tmp_path / "documents.csv"
    path.write_text(DOCUMENT_HEADER + "A,Visie (contact: 020-1234567),2022,visie,ja,han,nee,"
                    "nee,ja,Vragen aan a.b@roc.nl\n", encoding="utf-8")
    redactor = Redactor()
    documents = read_documents(path, redactor=redactor)
    assert documents.loc[0, "title"] == f"Visie (contact: {REDACTED})"
    assert documents.loc[0, "aims"] == f"Vragen aan {REDACTED}"
    assert redactor.frame()[["row", "column", "kind"]].values.tolist() == [
        [2, "title", "phone"], [2, "aims", "e-mail"]]
    path.write_text(DOCUMENT_HEADER + "06-12345678,Visie,2022,visie,ja,han,nee,nee,ja,\n")
    with pytest.raises(DataValidationError, match="2:institution: institution looks like a "
                                                  "phone number") as info:
        read_documents(path)
    assert "12345678" not in str(info.value)


def test_answer_cells_in_rejected_rows_are_redacted_and_recorded(tmp_path, instrument):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,def_1\nr1,A,mail: x@y.nl\nr2,A,Marijke\n"
                    "r3,A,4\n")
    redactor = Redactor(["marijke"])
    result = clean_scan(read_scan(path), instrument, key=b"k", redactor=redactor)
    assert result.rejected["reason"].tolist() == [
        f"unknown answer 'mail: {REDACTED}'; expected 1-5 or a scale label",
        f"unknown answer '{REDACTED}'; expected 1-5 or a scale label"]
    assert redactor.frame()[["file", "row", "column", "kind"]].values.tolist() == [
        ["scan.csv", 2, "def_1", "e-mail"], ["scan.csv", 3, "def_1", "name"]]
    assert "x@y.nl" not in result.account.warning() if result.account.warning() else True


@pytest.mark.parametrize("value", ["info@roc.nl", "+31 6 1234 5678", "6525 EC", "123456782"])
def test_an_institution_that_looks_like_personal_data_rejects_its_row(tmp_path, instrument,
                                                                      value):
    path = tmp_path / "scan.csv"
    path.write_text(f'respondent_id,institution,def_1\nr1,"{value}",4\nr2,A,3\n'
                    f'r3,"{value} ",2\n')
    result = clean_scan(read_scan(path), instrument, key=b"k")
    assert result.responses["institution"].tolist() == ["A"]
    assert result.rejected["source_row"].tolist() == [2, 4]
    assert result.rejected["column"].tolist() == ["institution"] * 2
    assert result.rejected["reason"].str.startswith("institution looks like").all()
    shown = (result.rejected.to_csv() + result.log.to_csv()
             + " ".join(map(str, [*result.problems, *result.warnings])))
    assert value not in shown and value.strip() not in shown
    assert "reject personal data as institution" in result.log["step"].tolist()
