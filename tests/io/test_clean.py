"""Cleaning the scan (io/clean.py): every raw row kept or rejected with its row number,
pseudonyms, personal and unknown columns, and the messages about decimal answers, blank
rows, duplicates and missing items, each as a user of ``readiness validate`` reads them."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness_analysis.cli import main
from readiness_analysis.core.errors import DataValidationError, Problem
from readiness_analysis.io import clean
from readiness_analysis.io.clean import clean_scan, pseudonym
from readiness_analysis.io.contracts import validate_responses
from readiness_analysis.io.scan import RawTable, read_scan
from readiness_analysis.spec.instrument import load_instrument

KEY = b"messages"
INSTRUMENT = load_instrument()
PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _clean(path, instrument=INSTRUMENT):
    return clean_scan(read_scan(path), instrument, key=KEY)


def _raw(columns: dict[str, list]) -> RawTable:
    frame = pd.DataFrame(columns, dtype=object)
    return RawTable(frame, range(2, 2 + len(frame)), "t.csv")


def _all_text(result) -> str:
    """Everything cleaning says: warnings, problems, the log and the rejected rows."""
    return "\n".join([*(str(p) for p in result.warnings + result.problems),
                      result.log.to_csv(), result.rejected.to_csv()])


# --- counts in messages -------------------------------------------------------------------


def test_one_value_outside_the_scale_is_singular():
    result = clean_scan(_raw({"respondent_id": ["r1", "r2"], "institution": ["A", "A"],
                              "def_1": ["9", "3"]}), INSTRUMENT, key=KEY)
    flagged = [p.message for p in result.warnings if p.column == "def_1"]
    assert flagged == ["1 value outside the scale 1-5 (from 9 to 9): their rows are rejected"]


# --- decimal answers ----------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["3,5", "3.5", "1,25", "4.99"])
def test_a_decimal_inside_the_range_says_it_is_not_an_answer(cell):
    result = clean_scan(_raw({"respondent_id": ["r1", "r2"], "institution": ["A", "A"],
                              "def_1": [cell, "4"]}), INSTRUMENT, key=KEY)
    assert [str(p) for p in result.problems] == [
        f"t.csv:2:def_1: '{cell}' is not one of the scale's answers 1-5 (whole numbers or "
        "labels) (enter a whole number from 1 to 5 or a scale label; the instrument has no "
        "answers in between)"]
    assert "outside" not in _all_text(result)
    assert result.rejected["source_row"].tolist() == [2]
    assert result.responses["def_1"].tolist() == [4.0]


@pytest.mark.parametrize(("cell", "kept"), [("3,0", True), ("3.0", True), ("7,5", False),
                                            ("0,5", False), ("5,01", False)])
def test_whole_decimals_are_answers_and_decimals_outside_the_range_are_outside(cell, kept):
    result = clean_scan(_raw({"respondent_id": ["r1"], "institution": ["A"],
                              "def_1": [cell]}), INSTRUMENT, key=KEY)
    assert len(result.responses) == int(kept)
    if not kept:
        assert result.problems[0].message == f"value '{cell}' is outside the scale 1-5"


# --- blank rows ---------------------------------------------------------------------------

def _excel_export(path, rows: list[str], blank_lines: int) -> None:
    """A semicolon CSV as Dutch Excel writes it, with ``;;;`` lines below the data."""
    header = "respondent_id;institution;def_1;Opmerking"
    path.write_text("\n".join([header, *rows, *[";;;"] * blank_lines]) + "\n",
                    encoding="cp1252")


def test_trailing_blank_rows_are_set_aside_not_rejected(tmp_path):
    path = tmp_path / "scan.csv"
    _excel_export(path, ["r1;A;4;", "r2;A;9;", "r3;A;2;"], blank_lines=7)
    result = _clean(path)
    assert (result.n_raw, len(result.responses), len(result.rejected), result.n_blank) == (
        10, 2, 1, 7)
    assert not any("blank" in p.message for p in result.problems)
    assert result.rejected["source_row"].tolist() == [3]
    step = result.log[result.log["step"] == "drop blank rows"].iloc[0]
    assert (step["rows_in"], step["rows_out"], step["rejected"], step["blank"]) == (
        10, 3, 0, 7)
    assert step["detail"] == "rows 5-11"
    assert [str(w) for w in result.warnings if "blank" in w.message] == [
        f"{path}: 7 blank rows set aside (rows 5-11): not respondents, so neither kept nor "
        "rejected (nothing to do; spreadsheet programs often leave empty rows below the data)"]


def test_validate_passes_a_file_whose_only_oddity_is_blank_rows(tmp_path, capsys):
    path = tmp_path / "scan.csv"
    _excel_export(path, ["r1;A;4;", "r2;A;3;"], blank_lines=3)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "blank row" in out and out.count("[warning]") == out.count("\n")


def test_white_space_and_ignored_columns_decide_what_is_blank():
    result = clean_scan(_raw({
        "respondent_id": ["r1", "  ", None, None],
        "institution": ["A", "\t", None, None],
        "def_1": ["3", None, None, None],
        "Opmerking": [None, " ", "iets", None],  # an ignored column with text: not blank
    }), INSTRUMENT, key=KEY)
    assert result.n_blank == 2
    assert result.log.loc[result.log["step"] == "drop blank rows", "detail"].item() == (
        "rows 3, 5")
    assert result.rejected[["source_row", "reason"]].values.tolist() == [
        [4, "respondent_id is empty"]]


def test_a_file_of_only_blank_rows_is_refused_like_an_empty_one(tmp_path):
    path = tmp_path / "scan.csv"
    _excel_export(path, [], blank_lines=3)
    with pytest.raises(DataValidationError) as info:
        _clean(path)
    assert str(info.value) == (f"{path}:2: the file has a header but only blank rows "
                               "(rows 2-4) (export the scan again with its answers)")


# --- personal columns ---------------------------------------------------------------------

PERSONAL_HEADERS = [
    "E-mailadres", "e-mail adres", "Emailadres", "Email", "Mail", "RecipientEmail",
    "Achternaam", "Voornaam", "Volledige naam", "Roepnaam", "Tussenvoegsel", "Naam",
    "Uw naam", "Name", "Full name", "First Name", "Last name", "Surname", "Username",
    "RecipientLastName", "Gebruikersnaam", "Telefoon", "Telefoonnummer", "Phone",
    "Phone number", "Mobiel", "Mobile phone", "Geboortedatum", "Date of birth", "Birthdate",
    "Postcode", "Zip code", "Postal code", "Adres", "Woonplaats", "Address", "Straatnaam",
    "IP-adres", "IP address", "IPAddress", "ipaddr", "LocationLatitude",
    "Student-/personeelsnummer", "Studentnummer", "Personeelsnummer", "Leerlingnummer",
    "Student ID", "Employee number", "BSN",
]
NOT_PERSONAL_HEADERS = [
    "Opmerkingen", "Opmerking", "Start time", "Completion time", "Tijdstempel", "Timestamp",
    "Duration (in seconds)", "Progress", "Finished", "Status", "Participant", "Leeftijd",
    "Smartphone gebruik", "Naam school", "Naam van de opleiding", "Team", "Mailing",
    "UserLanguage", "E-learning", "Tip", "Postbus", "Telecom?", "Naam van het team",
]


def _headers_result(headers: list[str], values: list | None = None):
    columns = {"respondent_id": ["r1", "r2"], "institution": ["A", "A"], "n_teachers": ["1", "2"],
               "wave": ["1", "1"], "def_1": ["3", "4"], INSTRUMENT.items[1].text["nl"]: ["2", "2"]}
    columns.update({h: values or ["x", "y"] for h in headers})
    return clean_scan(_raw(columns), INSTRUMENT, key=KEY)


def _flagged(result) -> set:
    return {p.column for p in result.warnings if p.message.startswith("personal data column")}


@pytest.mark.parametrize("header", PERSONAL_HEADERS)
def test_personal_columns_are_recognised_by_their_header(header):
    result = _headers_result([header])
    assert _flagged(result) == {header}
    assert header not in result.responses
    warning = next(p for p in result.warnings if p.column == header)
    assert str(warning) == (f"t.csv:1:{header}: personal data column dropped (personal data "
                            "are not needed for the analysis: leave them out of the export)")


@pytest.mark.parametrize("header", NOT_PERSONAL_HEADERS)
def test_other_unknown_columns_are_not_called_personal(header):
    result = _headers_result([header])
    assert not _flagged(result)
    assert [p.message for p in result.warnings if p.column == header] == [
        "unknown column ignored"]


def test_meta_and_item_columns_are_kept_not_flagged():
    result = _headers_result([])
    assert not _flagged(result)
    assert result.responses[["n_teachers", "wave", "def_1", "def_2"]].values.tolist() == [
        [1, 1, 3.0, 2.0], [2, 1, 4.0, 2.0]]
    assert result.responses["institution"].tolist() == ["A", "A"]


DUTCH_PHONE = st.builds(
    lambda area, digits, form: form.format(area, digits),
    st.sampled_from(["06", "020", "010", "024"]),
    st.from_regex(r"[1-9][0-9]{6}", fullmatch=True),
    st.sampled_from(["{}{}", "{}-{}", "{} {}", "({}) {}"]),
).filter(lambda s: sum(c.isdigit() for c in s) == 10)
INTERNATIONAL_PHONE = st.from_regex(r"\+31 ?6 ?[0-9]{4} ?[0-9]{4}", fullmatch=True)


@PROPERTY
@given(values=st.lists(st.emails(), min_size=2, max_size=2),
       header=st.sampled_from(["Contact", "Bereikbaar via", "Q12", "Opmerking"]))
def test_unknown_columns_holding_e_mail_addresses_are_personal(values, header):
    result = _headers_result([header], values)
    assert _flagged(result) == {header}
    warning = next(p for p in result.warnings if p.column == header)
    assert warning.message == ("personal data column dropped: its values look like e-mail "
                               "addresses")
    text = _all_text(result)
    assert not any(v in text for v in values)  # the values are never shown


@PROPERTY
@given(values=st.lists(st.one_of(DUTCH_PHONE, INTERNATIONAL_PHONE), min_size=2, max_size=2))
def test_unknown_columns_holding_phone_numbers_are_personal(values):
    result = _headers_result(["Bereikbaar op"], values)
    warning = next(p for p in result.warnings if p.column == "Bereikbaar op")
    assert warning.message == "personal data column dropped: its values look like phone numbers"
    assert not any(v in _all_text(result) for v in values)


@PROPERTY
@given(values=st.lists(st.one_of(
    st.integers(-10**6, 10**9).map(str), st.sampled_from(
        ["mee eens", "3", "4,5", "2023-05-01", "01-05-2023 10:15", "1234 AB", "@school",
         "info at school", "n.v.t.", "ja", "14:03:22", "612345678"]),
    st.text(alphabet="abcdefghij ", max_size=12)), min_size=2, max_size=2),
    header=st.sampled_from(["Opmerking", "Q7", "Start time"]))
def test_other_values_do_not_make_a_column_personal(values, header):
    result = _headers_result([header], values)
    assert not _flagged(result)


def test_a_few_addresses_in_a_comment_column_do_not_make_it_personal():
    values = ["prima", "goed", "mail me: a@b.nl", "x@y.nl", "ok"]
    columns = {"respondent_id": [f"r{i}" for i in range(5)], "institution": ["A"] * 5,
               "def_1": ["3"] * 5, "Opmerking": values}
    result = clean_scan(_raw(columns), INSTRUMENT, key=KEY)
    assert not _flagged(result)  # 1 of 5 cells looks like an address: a comment column


# --- duplicates ---------------------------------------------------------------------------

def test_a_duplicate_names_the_row_it_duplicates(tmp_path):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,wave,def_1\nr1,A,1,3\nr2,A,1,3\nr1,A,2,3\n"
                    "r2,A,1,4\nr2,A,1,5\n")
    result = _clean(path)
    assert [str(p) for p in result.problems] == [
        f"{path}:5:respondent_id: duplicate respondent_id in this wave: same respondent_id "
        "and wave as row 3 (keep one of the two rows, or give them different waves)",
        f"{path}:6:respondent_id: duplicate respondent_id in this wave: same respondent_id "
        "and wave as row 3 (keep one of the two rows, or give them different waves)"]
    assert len(result.responses) == 3


def test_ids_that_get_the_same_pseudonym_are_duplicates():
    result = clean_scan(_raw({"respondent_id": ["r1", " r1 ", 17.0, "17"],
                              "institution": ["A"] * 4, "def_1": ["3"] * 4}),
                        INSTRUMENT, key=KEY)
    assert result.rejected["reason"].tolist() == [
        "duplicate respondent_id in this wave: same respondent_id and wave as row 2",
        "duplicate respondent_id in this wave: same respondent_id and wave as row 4"]
    assert result.responses["respondent_id"].is_unique


# --- missing items ------------------------------------------------------------------------

def _missing_warning(items: list[str]):
    columns = {"respondent_id": ["r1"], "institution": ["A"], **{i: ["3"] for i in items}}
    result = clean_scan(_raw(columns), INSTRUMENT, key=KEY)
    found = [p for p in result.warnings if "items found" in p.message]
    assert len(found) <= 1
    return found[0] if found else None


def test_a_nearly_empty_instrument_says_how_many_items_and_which_themes_are_missing():
    warning = _missing_warning(["def_1"])
    assert warning.message == (
        "1 of the instrument's 34 items found; 33 item columns missing (all their answers "
        "NA): def_2, def_3, vis_1, vis_2, vis_3, vis_4, inf_1, inf_2, inf_3, tool_1, …; "
        "10 themes without any item (no scores): vision, infrastructure, tools, timetable, "
        "development, time, willingness, student_fit, teacher_skills, current_use")
    assert warning.hint.startswith("a partial scan is fine")
    assert "blended_readiness" in warning.hint


def test_one_missing_item_is_named_without_a_theme_clause():
    warning = _missing_warning([i for i in INSTRUMENT.item_ids if i != "vis_2"])
    assert warning.message == ("33 of the instrument's 34 items found; 1 item column missing "
                               "(all their answers NA): vis_2")


def test_a_theme_without_items_is_named_in_the_singular():
    warning = _missing_warning([i for i in INSTRUMENT.item_ids
                                if i not in INSTRUMENT.items_of("definition")])
    assert warning.message.endswith("; 1 theme without any item (no scores): definition")


def test_a_complete_instrument_gives_no_missing_item_warning():
    assert _missing_warning(INSTRUMENT.item_ids) is None


# --- rows, identifiers and columns of whole exports -------------------------------------


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


# --- invalid answers set to missing ----------------------------------------------------
# ``invalid_answers="missing"``: an invalid item answer becomes NA instead of rejecting its
# row, with a located warning per cell and one step in the cleaning log. Boundaries:
# * a row whose every answer is invalid is kept with all items NA, as the default path
#   keeps a row with an identifier and institution but only empty answers;
# * a row with an invalid answer and a meta problem is rejected for the meta problem only,
#   and its invalid answers are not reported (only kept rows' cells are set to missing);
# * ``reject`` (the default) behaves as before.
# How the mode reaches validate, build, provenance and fingerprints: tests/test_cli.py,
# tests/build/test_pipeline.py and tests/build/test_prepare.py; its step's labels:
# tests/report/test_labels.py.

STEP = "set invalid answers to missing"


MIXED = {
    "respondent_id": ["r1", "r2", "r3", "r4"],
    "institution": ["A", "A", "A", "A"],
    "def_1": ["7", "3,5", "abc", "4"],
    "def_2": ["2", "5", "1", "3"],
}


def _clean_cells(columns: dict[str, list], mode: str = "missing"):
    return clean_scan(_raw(columns), INSTRUMENT, key=KEY, invalid_answers=mode)


def test_default_rejects_rows_as_before():
    result = _clean_cells(MIXED, "reject")
    assert len(result.responses) == 1 and len(result.rejected) == 3
    assert "check answers" in set(result.log["step"]) and STEP not in set(result.log["step"])
    assert clean_scan(_raw(MIXED), INSTRUMENT, key=KEY).log.equals(result.log)


def test_missing_keeps_rows_with_the_cell_na_and_a_located_warning():
    result = _clean_cells(MIXED)
    assert len(result.responses) == 4 and result.rejected.empty and result.problems == []
    assert result.responses["def_1"].isna().tolist() == [True, True, True, False]
    assert result.responses["def_2"].tolist() == [2.0, 5.0, 1.0, 3.0]
    cells = [w for w in result.warnings if w.message.endswith("; set to missing")]
    assert [(w.file, w.row, w.column) for w in cells] == [
        ("t.csv", 2, "def_1"), ("t.csv", 3, "def_1"), ("t.csv", 4, "def_1")]
    assert str(cells[0]).startswith("t.csv:2:def_1: value '7' is outside the scale 1-5")
    assert "unknown answer 'abc'" in cells[2].message
    # the same message as the rejection, with "set to missing" added
    rejected = _clean_cells(MIXED, "reject").problems
    assert [w.message for w in cells] == [f"{p.message}; set to missing" for p in rejected]
    validate_responses(result.responses, INSTRUMENT)


def test_missing_logs_one_step_with_the_number_of_cells():
    result = _clean_cells(MIXED)
    log = result.log.set_index("step")
    assert list(result.log["step"]).count(STEP) == 1 and "check answers" not in log.index
    row = log.loc[STEP]
    assert row["rows_in"] == row["rows_out"] == 4
    assert row["rejected"] == 0 and row["blank"] == 0
    assert row["detail"] == "3 cells"
    assert result.n_raw == len(result.responses) + len(result.rejected) + result.n_blank
    # the column warning for numbers outside the scale says what happened to them
    column = [w for w in result.warnings if w.row == 1 and w.column == "def_1"]
    assert column and column[0].message.endswith("their cells are set to missing")


def test_the_step_is_logged_also_when_no_answer_was_invalid():
    result = _clean_cells({"respondent_id": ["r1"], "institution": ["A"], "def_1": ["4"]})
    step = result.log[result.log["step"] == STEP]
    assert step["detail"].tolist() == ["0 cells"] and step["rejected"].tolist() == [0]


def test_row_with_every_answer_invalid_is_kept_as_an_all_empty_row_is():
    items = INSTRUMENT.item_ids
    invalid = {"respondent_id": ["r1"], "institution": ["A"], **{i: ["9"] for i in items}}
    empty = {"respondent_id": ["r1"], "institution": ["A"], **{i: [None] for i in items}}
    kept = _clean_cells(invalid)
    default = clean_scan(_raw(empty), INSTRUMENT, key=KEY)  # the default path's all-NA row
    assert len(default.responses) == 1
    assert len(kept.responses) == 1 and kept.responses[items].isna().all(axis=None)
    assert kept.log.set_index("step").loc[STEP, "detail"] == f"{len(items)} cells"
    pd.testing.assert_frame_equal(kept.responses, default.responses)


@pytest.mark.parametrize("meta, column", [
    ({"respondent_id": [None]}, "respondent_id"),
    ({"institution": [" "]}, "institution"),
    ({"wave": ["x"]}, "wave"),
    ({"n_teachers": ["0"]}, "n_teachers"),
])
def test_invalid_answer_and_meta_problem_rejects_for_the_meta_problem(meta, column):
    row = {"respondent_id": ["r1"], "institution": ["A"], "def_1": ["7"], **meta}
    columns = {k: [*v, ok] for k, v, ok in zip(
        row, row.values(), ["r2", "A", "3", "1", "1"], strict=False)}
    result = _clean_cells(columns)
    assert result.rejected["column"].tolist() == [column]
    assert [p.column for p in result.problems] == [column]
    assert not any(w.message.endswith("; set to missing") for w in result.warnings)
    assert len(result.responses) == 1
    assert result.log.set_index("step").loc[STEP, "detail"] == "0 cells"


def test_duplicate_with_an_invalid_answer_is_rejected_as_a_duplicate():
    result = _clean_cells({"respondent_id": ["r1", "r1"], "institution": ["A", "A"],
                     "def_1": ["4", "abc"]})
    assert result.rejected["reason"].str.startswith("duplicate respondent_id").all()
    assert len(result.responses) == 1 and result.responses["def_1"].tolist() == [4.0]
    assert not any(w.message.endswith("; set to missing") for w in result.warnings)


def test_unknown_mode_is_an_error():
    with pytest.raises(ValueError, match="reject, missing"):
        _clean_cells(MIXED, "drop")


def test_demo_data_clean_the_same_under_both_modes(raw_dir):
    raw = read_scan(raw_dir / "scan_responses.csv")
    default = clean_scan(raw, INSTRUMENT, key=KEY)
    missing = clean_scan(raw, INSTRUMENT, key=KEY, invalid_answers="missing")
    pd.testing.assert_frame_equal(default.responses, missing.responses)


# ================================================================= properties (hypothesis)
# Recoding and row accounting hold whatever the cells; each property runs at most 50
# examples without deadline.

LO, HI = INSTRUMENT.scale_min, INSTRUMENT.scale_max
REVERSED = [i.id for i in INSTRUMENT.items if i.reverse]
FIFTY_EXAMPLES = settings(max_examples=50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
PAD = st.sampled_from(["", " ", "  ", "\u00a0"])


@FIFTY_EXAMPLES
@given(values=st.lists(st.integers(LO, HI), min_size=1, max_size=20),
       item=st.sampled_from(REVERSED))
def test_reverse_keying_twice_is_the_identity_and_stays_in_scale(values, item):
    def recode(cells):
        raw = _raw({"respondent_id": [f"r{i}" for i in range(len(cells))],
                    "institution": ["A"] * len(cells), item: [str(c) for c in cells]})
        return clean_scan(raw, INSTRUMENT, key=KEY).responses[item]

    once = recode(values)
    assert once.tolist() == [LO + HI - v for v in values]
    assert once.between(LO, HI).all()
    assert recode([int(v) for v in once]).tolist() == [float(v) for v in values]


@FIFTY_EXAMPLES
@given(value=st.integers(LO, HI), lang=st.sampled_from(["nl", "en"]),
       item=st.sampled_from(INSTRUMENT.item_ids), case=st.sampled_from(["lower", "upper",
                                                                          "title", "same"]),
       pad=PAD, number_form=st.sampled_from(["{}", "{}.0", "{},0", " {} "]))
def test_labels_and_numbers_map_to_the_same_value(value, lang, item, case, pad, number_form):
    label = INSTRUMENT.scale[value][lang]
    label = label if case == "same" else getattr(label, case)()
    spaced = pad + label.replace(" ", "  ") + pad
    raw = _raw({"respondent_id": ["r1", "r2"], "institution": ["A", "A"],
                item: [spaced, number_form.format(value)]})
    result = clean_scan(raw, INSTRUMENT, key=KEY)
    assert result.rejected.empty
    by_label, by_number = result.responses[item].tolist()
    assert by_label == by_number
    reverse = item in REVERSED
    assert by_number == (LO + HI - value if reverse else value)


JUNK = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.integers(-3, 9).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from([lab[lang] for lab in INSTRUMENT.scale.values() for lang in ("nl", "en")]
                    + list(INSTRUMENT.missing)),
    # cells that broke cleaning once, or could: blanks the reader would have made NA,
    # non-finite and huge numbers, formulas, a repeated header, odd digits
    st.sampled_from(["", " ", "\u2028", "\x00", "inf", "-inf", "nan", "1e400", "1e300",
                     "=1+1", "respondent_id", "1e0", "٣", "4,5", "2.0", "-0"]),
)


@FIFTY_EXAMPLES
@given(data=st.data(), n=st.integers(1, 25),
       items=st.lists(st.sampled_from(INSTRUMENT.item_ids), min_size=1, max_size=4,
                      unique=True),
       unreadable=st.sets(st.integers(2, 40), max_size=3))
def test_every_row_is_kept_or_rejected_whatever_the_cells(data, n, items, unreadable):
    def column(valid):  # about half valid cells, so that some rows survive to the end
        return st.lists(st.one_of(st.none(), st.sampled_from(valid), JUNK), min_size=n,
                        max_size=n)

    columns = {
        "respondent_id": data.draw(column(["r1", "r2", "r3", " r1 ", "17", "17.0"])),
        "institution": data.draw(column(["A", "Instelling B", " a "])),
        "n_teachers": data.draw(column(["1", "2", "3.0"])),
        "wave": data.draw(column(["1", "2"])),
        **{item: data.draw(column([str(v) for v in range(LO, HI + 1)])) for item in items},
    }
    frame = pd.DataFrame(columns, dtype=object)
    # rows the reader could not read sit between the frame's rows
    numbers = [r for r in range(2, 2 + n + len(unreadable)) if r not in unreadable][:n]
    problems = tuple(Problem("t.csv", r, None, "row has 9 cells, the header has 4")
                     for r in sorted(unreadable) if r < 2 + n + len(unreadable))
    raw = RawTable(frame, numbers, "t.csv", problems)
    blank = [all(v is None or not str(v).split() for v in row)
             for row in frame.itertuples(index=False)]
    if all(blank) and not problems:  # nothing but blank rows: the file is refused
        with pytest.raises(DataValidationError, match="only blank rows"):
            clean_scan(raw, INSTRUMENT, key=KEY)
        return
    result = clean_scan(raw, INSTRUMENT, key=KEY)
    # rows read = kept + rejected + blank; blank rows are set aside, never rejected
    assert (len(result.responses) + len(result.rejected) + result.n_blank
            == raw.n_rows == result.n_raw)
    assert result.n_blank == sum(blank)
    blank_rows = {row for row, empty in zip(numbers, blank, strict=True) if empty}
    assert not set(result.rejected["source_row"]) & blank_rows
    log = result.log
    assert log["rejected"].sum() == len(result.rejected)
    assert (log["rows_out"] == log["rows_in"] - log["rejected"] - log["blank"]).all()
    assert log["rows_out"].iloc[-1] == len(result.responses)
    assert result.rejected["source_row"].is_unique
    assert set(result.rejected["source_row"]) <= set(numbers) | {p.row for p in problems}
    answers = result.responses[INSTRUMENT.item_ids].to_numpy(dtype=float)
    assert np.all(np.isnan(answers) | ((answers >= LO) & (answers <= HI)))
    if len(result.responses):
        validate_responses(result.responses, INSTRUMENT)


@FIFTY_EXAMPLES
@given(identifier=st.text(min_size=1, max_size=40), key=st.binary(min_size=1, max_size=32),
       other=st.binary(min_size=1, max_size=32))
def test_pseudonyms_are_stable_keyed_and_never_the_identifier(identifier, key, other):
    name = pseudonym(identifier, key)
    assert name == pseudonym(identifier, key)
    assert name != identifier
    assert len(name) == 13 and name[0] == "P" and int(name[1:], 16) >= 0
    if other != key:
        assert pseudonym(identifier, other) != name


@FIFTY_EXAMPLES
@given(ids=st.lists(st.text(max_size=20), max_size=12), key=st.binary(max_size=100))
def test_pseudonyms_of_a_column_are_those_of_each_identifier(ids, key):
    # one HMAC key set-up for the column (keys shorter than, equal to and longer than the
    # 64-byte block) and each distinct identifier once: the bytes of hmac.new per cell
    column = pd.Series([*ids, None, *ids[:2]], dtype="string")
    expected = [pseudonym(clean._id_text(value), key) for value in column]
    assert clean._pseudonyms(column, key) == expected
    digest = hmac.new(key, "".join(ids).encode(), hashlib.sha256).hexdigest()
    assert clean._Hmac(key).hexdigest("".join(ids).encode()) == digest


@pytest.mark.parametrize("length", [0, 1, 63, 64, 65, 200])
def test_keyed_hash_equals_hmac_at_every_key_length(length):
    key = bytes(range(256))[:length]
    for message in (b"", b"r1", "é".encode() * 100):
        assert clean._Hmac(key).hexdigest(message) == \
            hmac.new(key, message, hashlib.sha256).hexdigest()


@FIFTY_EXAMPLES
@given(ids=st.lists(st.from_regex(r"[a-z0-9.@]{3,12}", fullmatch=True), min_size=1,
                    max_size=10, unique=True))
def test_cleaned_ids_are_pseudonyms_and_stable_across_runs(ids):
    raw = _raw({"respondent_id": ids, "institution": ["A"] * len(ids), "def_1": ["3"] * len(ids)})
    first = clean_scan(raw, INSTRUMENT, key=KEY).responses["respondent_id"].tolist()
    again = clean_scan(raw, INSTRUMENT, key=KEY).responses["respondent_id"].tolist()
    assert first == again == [pseudonym(i, KEY) for i in ids]
    assert not set(first) & set(ids)
    assert len(set(first)) == len(ids)


# --- quoting trouble (issue 21) -------------------------------------------------------

SWALLOWED = ("respondent_id,institution,def_1,def_2\nr1,Instelling A,3,4\n"
             'r2,"Instelling B,3,4\nr3,Instelling A,2,2\nr4,Instelling B",5,5\n'
             "r5,Instelling A,1,1\nr6,Instelling B,3,3\n")


def test_a_stray_quote_rejects_the_row_where_it_opened(tmp_path):
    path = tmp_path / "scan.csv"
    path.write_text(SWALLOWED, encoding="utf-8")
    result = _clean(path)
    assert result.responses["def_1"].tolist() == [3.0, 1.0, 3.0]  # no made-up respondent
    assert not result.responses["institution"].str.contains("\n").any()
    (problem,) = result.problems
    assert (problem.row, problem.column) == (3, "institution")
    assert "a quote opened in this row swallowed the rows after it" in problem.message
    assert "r3" not in problem.message and "r4" not in problem.message  # no swallowed ids
    assert result.rejected["source_row"].tolist() == [3]
    assert len(result.responses) + len(result.rejected) == result.n_raw


def test_an_institution_far_longer_than_the_others_is_a_located_warning(tmp_path):
    path = tmp_path / "scan.csv"
    long = "Instelling A " + "x" * 150
    path.write_text("respondent_id,institution,def_1\n" + "".join(
        f"r{k},Instelling {'AB'[k % 2]},3\n" for k in range(6)) + f"r9,{long},3\n"
        + f"r10,{'y' * 1_000_000},3\n" + f"r11,{'y' * 1_000_000},3\n", encoding="utf-8")
    result = _clean(path)
    found = [w for w in result.warnings if "far longer than the others" in w.message]
    assert [(w.row, w.column) for w in found] == [(8, "institution"), (9, "institution")]
    assert "1,000,000 characters long" in found[1].message and "2 rows" in found[1].message
    assert all(len(str(w)) < 400 for w in found)  # the cell is not echoed
    assert len(result.responses) == 9  # kept: a long name is odd, not unreadable

def test_one_long_name_that_every_row_shares_is_kept(tmp_path):
    path = tmp_path / "scan.csv"
    name = "Regionaal Opleidingscentrum voor Techniek, Media en Vormgeving Noord-Holland"
    path.write_text("respondent_id,institution,def_1\n"
                    + "".join(f'r{k},"{name}",3\n' for k in range(4)), encoding="utf-8")
    assert len(_clean(path).responses) == 4


def test_validate_reports_the_stray_quote(tmp_path, capsys):
    path = tmp_path / "scan.csv"
    path.write_text(SWALLOWED, encoding="utf-8")
    assert main(["validate", str(path)]) != 0
    out = capsys.readouterr()
    assert f"{path}:3:institution: this cell spans 3 lines" in out.out + out.err


# --- answer scales per item -----------------------------------------------------------------


def _scaled_instrument(tmp_path):
    """Theme ``a`` on a 4-point agreement scale, ``b`` on 6 points, ``c`` yes/no (0-1)."""
    agree = [{"value": 1, "label": {"nl": "zeer oneens", "en": ["Strongly disagree"]}},
             {"value": 2, "label": {"nl": "oneens", "en": "Disagree"}},
             {"value": 3, "label": {"nl": "eens", "en": "Agree"}},
             {"value": 4, "label": {"nl": "zeer eens",
                                    "en": ["Strongly agree", "Strong agree"]}}]
    data = {
        "id": "t", "version": "1", "scale": agree, "agree_from": 3,
        "missing": ["don't know"],
        "scales": {"six": {"values": [{"value": v, "label": f"p{v}"} for v in range(1, 7)]},
                   "yn": [{"value": 0, "label": ["nee", "no"]},
                          {"value": 1, "label": ["ja", "yes", "\u201cyes\u201d"]}]},
        "themes": [{"id": "a", "label": "A"}, {"id": "b", "label": "B", "scale": "six"},
                   {"id": "c", "label": "C", "scale": "yn"}],
        "items": [{"id": "a1", "theme": "a", "text": "x"},
                  {"id": "a2", "theme": "a", "text": "y", "reverse": True},
                  {"id": "b1", "theme": "b", "text": "z", "reverse": True},
                  {"id": "c1", "theme": "c", "text": "w", "reverse": True}],
    }
    path = tmp_path / "scaled.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_instrument(path)


def _scaled(tmp_path, **cells):
    n = len(next(iter(cells.values())))
    columns = {"respondent_id": [f"r{i}" for i in range(n)], "institution": ["A"] * n,
               **cells}
    return clean_scan(_raw(columns), _scaled_instrument(tmp_path), key=KEY)


def test_each_item_is_recoded_and_reverse_keyed_on_its_own_scale(tmp_path):
    result = _scaled(tmp_path, a1=["1", "4"], a2=["1", "4"], b1=["1", "6"], c1=["0", "1"])
    assert result.problems == []
    out = result.responses
    assert out["a1"].tolist() == [1.0, 4.0]
    assert out["a2"].tolist() == [4.0, 1.0]  # 1 + 4 - x
    assert out["b1"].tolist() == [6.0, 1.0]  # 1 + 6 - x
    assert out["c1"].tolist() == [1.0, 0.0]  # 0 + 1 - x


def test_ranges_are_checked_per_item_scale(tmp_path):
    result = _scaled(tmp_path, a1=["5", "1"], b1=["5", "6"], c1=["2", "1"])
    by_column = {p.column: p.message for p in result.problems}
    assert by_column == {"a1": "value '5' is outside the scale 1-4",
                         "c1": "value '2' is outside the scale 0-1"}
    warned = {p.column: p.message for p in result.warnings if p.column in ("a1", "b1", "c1")}
    assert warned == {
        "a1": "1 value outside the scale 1-4 (from 5 to 5): their rows are rejected",
        "c1": "1 value outside the scale 0-1 (from 2 to 2): their rows are rejected"}
    assert len(result.rejected) == 1 and result.responses["b1"].tolist() == [1.0]


def test_labels_of_one_scale_do_not_count_on_another(tmp_path):
    result = _scaled(tmp_path, a1=["ja", "Agree"], c1=["Agree", "ja"])
    assert [(p.row, p.column) for p in result.problems] == [(2, "a1"), (2, "c1")]
    assert "expected 1-4 or a scale label" in result.problems[0].message
    assert "expected 0-1 or a scale label" in result.problems[1].message


@pytest.mark.parametrize(("cell", "value"), [
    ("Strong agree", 4.0), ("STRONG   agree", 4.0), ("  strongly agree ", 4.0),
    ("zeer eens", 4.0), ("strongly disagree", 1.0)])
def test_declared_synonyms_and_labels_map_whatever_their_case_and_spacing(tmp_path, cell,
                                                                          value):
    result = _scaled(tmp_path, a1=[cell, "2"])
    assert result.problems == [] and result.responses["a1"].tolist() == [value, 2.0]


@pytest.mark.parametrize("cell", ["\u201cyes\u201d", '"yes"', "\u201dYES\u201c", "yes"])
def test_typographic_quotes_read_as_plain_ones(tmp_path, cell):
    result = _scaled(tmp_path, c1=[cell, "nee"])
    assert result.problems == []
    assert result.responses["c1"].tolist() == [0.0, 1.0]  # reverse-keyed on 0-1


def test_missing_labels_match_with_typographic_apostrophes(tmp_path):
    result = _scaled(tmp_path, a1=["Don\u2019t know", "don't   KNOW"], b1=["2", "3"])
    assert result.problems == [] and result.responses["a1"].isna().all()


def test_an_undeclared_variant_is_still_an_unknown_answer(tmp_path):
    result = _scaled(tmp_path, a1=["Strongly agreed", "1"])
    assert [str(p) for p in result.problems] == [
        "t.csv:2:a1: unknown answer 'Strongly agreed'; expected 1-4 or a scale label"]


def test_contract_checks_each_item_on_its_scale(tmp_path):
    result = _scaled(tmp_path, a1=["4"], b1=["6"], c1=["1"])
    instrument = _scaled_instrument(tmp_path)
    validate_responses(result.responses, instrument)
    broken = result.responses.assign(a1=6.0)  # 6 is on b1's scale, not on a1's
    with pytest.raises(Exception, match="a1"):
        validate_responses(broken, instrument)
