"""Messages of cleaning: decimal answers, blank rows, personal columns, counts, duplicates
and missing items, each as a user of ``readiness validate`` reads them."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness_analysis.clean import clean_scan
from readiness_analysis.cli import main
from readiness_analysis.contracts import ContractError, validate_responses
from readiness_analysis.errors import DataValidationError
from readiness_analysis.ingest import RawTable, plural, read_scan
from readiness_analysis.instrument import load_instrument

KEY = b"messages"
INSTRUMENT = load_instrument()
PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _clean(path):
    return clean_scan(read_scan(path), INSTRUMENT, key=KEY)


def _raw(columns: dict[str, list]) -> RawTable:
    frame = pd.DataFrame(columns, dtype=object)
    return RawTable(frame, range(2, 2 + len(frame)), "t.csv")


def _all_text(result) -> str:
    """Everything cleaning says: warnings, problems, the log and the rejected rows."""
    return "\n".join([*(str(p) for p in result.warnings + result.problems),
                      result.log.to_csv(), result.rejected.to_csv()])


# --- plural -------------------------------------------------------------------------------

@pytest.mark.parametrize(("count", "expected"), [
    (0, "0 values"), (1, "1 value"), (2, "2 values"), (1_000, "1,000 values")])
def test_plural_puts_the_noun_in_the_right_number(count, expected):
    assert plural(count, "value") == expected


def test_plural_takes_an_irregular_plural():
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(2, "entry", "entries") == "2 entries"


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


def test_one_contract_failure_is_singular():
    frame = pd.DataFrame({"respondent_id": ["p"], "institution": ["X"], "n_teachers": [0],
                          "wave": [1], **{i: [3.0] for i in INSTRUMENT.item_ids}})
    with pytest.raises(ContractError) as info:
        validate_responses(frame, INSTRUMENT)
    assert "1 failure in all" in str(info.value)
