import numpy as np
import pandas as pd
import pytest

from readiness_analysis.clean import clean_scan, pseudonym
from readiness_analysis.errors import DataValidationError
from readiness_analysis.ingest import find_scan_file, read_scan
from readiness_analysis.institutions import load_aliases, normalise_institution
from readiness_analysis.synth import synthesize_scan

KEY = b"test-key"


def _clean(path, instrument):
    return clean_scan(read_scan(path), instrument, key=KEY)


def _labelled(frame, instrument):
    """The same answers as Dutch answer labels, with the question text as header."""
    out = frame.copy()
    for item in instrument.items:
        out[item.id] = out[item.id].map(
            lambda v: "weet niet" if pd.isna(v) else instrument.scale[int(v)]["nl"]
        )
    return out.rename(columns={i.id: i.text["nl"] for i in instrument.items})


def test_same_answers_in_four_export_formats_give_identical_data(tmp_path, instrument):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = synthesize_scan()
    frame.to_csv(tmp_path / "numeric.csv", index=False)
    labelled = _labelled(frame, instrument)
    labelled.to_excel(tmp_path / "labels.xlsx", index=False)
    text = frame.to_csv(index=False, sep=";").replace(".0;", ";")
    (tmp_path / "dutch.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("cp1252"))
    sav = frame.copy()
    sav.columns = [c.replace("-", "_") for c in sav.columns]
    pyreadstat.write_sav(sav, str(tmp_path / "spss.sav"))
    results = [_clean(tmp_path / n, instrument)
               for n in ("numeric.csv", "labels.xlsx", "dutch.csv", "spss.sav")]
    for other in results[1:]:
        assert len(other.rejected) == 0
        pd.testing.assert_frame_equal(results[0].responses, other.responses)


def test_cp1252_semicolon_csv_with_accents(tmp_path, instrument):
    path = tmp_path / "scan.csv"
    path.write_bytes("respondent_id;institution;def_1\nr1;Hout- en Meubileringscollège;4,0\n"
                     .encode("cp1252"))
    result = _clean(path, instrument)
    assert result.responses["institution"].tolist() == ["Hout- en Meubileringscollège"]
    assert result.responses["def_1"].tolist() == [4.0]


def test_every_raw_row_is_kept_or_rejected_with_its_row_number(tmp_path, instrument):
    path = tmp_path / "scan.csv"
    path.write_text(
        "respondent_id,institution,def_1,def_2,def_3\n"
        "r1,A,4,5,2\n"        # row 2: kept, def_3 is reverse-keyed: 2 -> 4
        ",A,4,4,4\n"          # row 3: no id
        ",,,,\n"              # row 4: blank
        "r4,A,7,4,4\n"        # row 5: out of range
        "r5,A,heel goed,4,4\n"  # row 6: unknown label
        "r1,A,3,3,3\n"        # row 7: duplicate of row 2
        "r7,A,weet niet,mee eens,3\n",  # row 8: kept, label + missing code
        encoding="utf-8",
    )
    result = _clean(path, instrument)
    # read = kept + rejected + blank: the blank row is set aside, not rejected
    assert len(result.responses) + len(result.rejected) + result.n_blank == 7 == result.n_raw
    assert result.n_blank == 1
    reasons = dict(zip(result.rejected["source_row"], result.rejected["reason"], strict=True))
    assert 4 not in reasons
    assert reasons[3] == "respondent_id is empty"
    assert reasons[5] == "value '7' is outside the scale 1-5"
    assert reasons[6].startswith("unknown answer 'heel goed'")
    assert reasons[7] == ("duplicate respondent_id in this wave: same respondent_id and wave "
                          "as row 2")
    kept = result.responses.set_index(result.responses.index)
    assert kept["def_3"].tolist() == [4.0, 3.0]
    assert kept["def_1"].isna().tolist() == [False, True] and kept["def_2"].tolist() == [5.0, 4.0]
    log = result.log
    assert log["rows_out"].iloc[-1] == 2 and log["rejected"].sum() == 4
    assert log.loc[log["step"] == "drop blank rows", ["rejected", "blank", "detail"]].values.tolist(
    ) == [[0, 1, "row 4"]]
    assert (log["rows_out"] == log["rows_in"] - log["rejected"] - log["blank"]).all()


def test_pseudonyms_replace_identifiers(tmp_path, instrument):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,def_1\njan.jansen@school.nl,A,3\n")
    result = _clean(path, instrument)
    rid = result.responses["respondent_id"].iloc[0]
    assert rid == pseudonym("jan.jansen@school.nl", KEY) and "jansen" not in rid


def test_personal_columns_are_dropped_with_a_warning(tmp_path, instrument):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,naam,e-mail,def_1\nr1,A,Jan,j@x.nl,3\n")
    result = _clean(path, instrument)
    assert "naam" not in result.responses and "e-mail" not in result.responses
    dropped = [p.column for p in result.warnings if p.message == "personal data column dropped"]
    assert dropped == ["naam", "e-mail"]


def test_missing_required_column_is_a_located_error(tmp_path, instrument):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,def_1\nr1,3\n")
    with pytest.raises(DataValidationError) as info:
        _clean(path, instrument)
    expected = f"{path}:1:institution: required column missing (add it to the header)"
    assert str(info.value) == expected


def test_wrong_instrument_is_reported(tmp_path, instrument):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,Q1\nr1,A,3\n")
    with pytest.raises(DataValidationError, match="no column matches an item"):
        _clean(path, instrument)


@pytest.mark.parametrize("content", [b"", b"   \n\n"])
def test_empty_file(tmp_path, instrument, content):
    path = tmp_path / "scan.csv"
    path.write_bytes(content)
    with pytest.raises(DataValidationError, match="file is empty"):
        read_scan(path)


def test_unknown_file_type(tmp_path):
    path = tmp_path / "scan.json"
    path.write_text("{}")
    with pytest.raises(DataValidationError, match=r"unknown file type '\.json'"):
        read_scan(path)


def test_raw_file_is_not_modified(tmp_path, instrument):
    path = tmp_path / "scan.csv"
    synthesize_scan().to_csv(path, index=False)
    before = path.read_bytes()
    _clean(path, instrument)
    assert path.read_bytes() == before


def test_exactly_one_scan_export_is_required(tmp_path):
    with pytest.raises(DataValidationError, match="no scan export found"):
        find_scan_file(tmp_path)
    (tmp_path / "scan_responses.csv").write_text("x")
    (tmp_path / "scan_responses.xlsx").write_text("x")
    with pytest.raises(DataValidationError, match="2 scan exports found"):
        find_scan_file(tmp_path)


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


def test_unknown_column_is_reported_and_logged(tmp_path, instrument):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,Opmerkingen,def_1\nr1,A,leuk,3\n")
    result = _clean(path, instrument)
    assert str(result.warnings[0]) == (
        f"{path}:1:Opmerkingen: unknown column ignored (check the instrument)")
    assert "column 'Opmerkingen': unknown column ignored" in result.log["detail"].tolist()
    assert "Opmerkingen" not in result.responses


def test_every_problem_of_a_row_is_reported(tmp_path, instrument):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,def_1,def_2\nr1,A,0,zes\n")
    result = _clean(path, instrument)
    assert [str(p) for p in result.problems] == [
        f"{path}:2:def_1: value '0' is outside the scale 1-5",
        f"{path}:2:def_2: unknown answer 'zes'; expected 1-5 or a scale label",
    ]
    assert result.rejected["column"].tolist() == ["def_1;def_2"]


def test_spss_value_labels_are_mapped(tmp_path, instrument):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = pd.DataFrame({"respondent_id": ["r1", "r2"], "institution": ["A", "A"],
                          "def_1": [1.0, 5.0], "def_3": [2.0, 9.0]})
    labels = {v: instrument.scale[v]["nl"] for v in instrument.scale}
    labels_def3 = {**labels, 9: "weet niet"}
    pyreadstat.write_sav(frame, str(tmp_path / "s.sav"),
                         variable_value_labels={"def_1": labels, "def_3": labels_def3})
    result = _clean(tmp_path / "s.sav", instrument)
    assert result.responses["def_1"].tolist() == [1.0, 5.0]
    # def_3 is reverse-keyed: 2 -> 4; 9 is labelled "weet niet" -> missing
    assert result.responses["def_3"].tolist()[0] == 4.0
    assert np.isnan(result.responses["def_3"].tolist()[1])


def test_excel_with_blank_rows_and_trailing_spaces(tmp_path, instrument):
    frame = pd.DataFrame({"respondent_id": ["r1 ", None, "r2"],
                          "institution": [" Instelling A", None, "Instelling A  "],
                          "def_1": ["mee eens ", None, " Helemaal mee oneens"]})
    frame.to_excel(tmp_path / "s.xlsx", index=False)
    result = _clean(tmp_path / "s.xlsx", instrument)
    assert result.responses["def_1"].tolist() == [4.0, 1.0]
    assert set(result.responses["institution"]) == {"Instelling A"}
    assert result.rejected.empty and not result.problems
    assert result.n_blank == 1 and result.n_raw == 3
    assert [str(w) for w in result.warnings if "blank" in w.message] == [
        f"{tmp_path / 's.xlsx'}: 1 blank row set aside (row 3): not a respondent, so neither "
        "kept nor rejected (nothing to do; spreadsheet programs often leave empty rows below "
        "the data)"]


def test_one_respondent_all_missing_answers(tmp_path, instrument):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,def_1,def_2\nr1,A,,\n")
    result = _clean(path, instrument)
    assert len(result.responses) == 1
    assert np.isnan(result.responses[instrument.item_ids].to_numpy(dtype=float)).all()


def test_qualtrics_export_with_extra_header_rows(tmp_path, instrument):
    path = tmp_path / "qualtrics.csv"
    text_def1 = instrument.items[0].text["nl"]
    path.write_text(
        f'ResponseId,Instelling,"{text_def1}"\n'
        f'Response ID,Instelling,"{text_def1}"\n'
        '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2""}"\n'
        "R_1,Instelling A,mee eens\n",
        encoding="utf-8",
    )
    result = _clean(path, instrument)
    assert result.responses["def_1"].tolist() == [4.0]
    assert result.rejected["source_row"].tolist() == [2, 3]
    assert set(result.rejected["reason"]) == {"extra header row (survey tool export)"}


def test_ms_forms_export_headers(tmp_path, instrument):
    frame = pd.DataFrame({"ID": [1, 2], "Start time": ["x", "y"], "Email": ["a@b.nl", "c@d.nl"],
                          "Name": ["An", "Bo"], "School": ["Instelling A", "Instelling A"],
                          instrument.items[0].text["nl"]: ["Mee eens", "Neutraal"]})
    frame.to_excel(tmp_path / "forms.xlsx", index=False)
    result = _clean(tmp_path / "forms.xlsx", instrument)
    assert result.responses["def_1"].tolist() == [4.0, 3.0]
    assert result.responses["respondent_id"].tolist() == [pseudonym("1", KEY), pseudonym("2", KEY)]
    dropped = {p.column for p in result.warnings if p.message == "personal data column dropped"}
    assert dropped == {"Email", "Name"}
    text = result.responses.to_csv()
    assert "a@b.nl" not in text and "An," not in text
