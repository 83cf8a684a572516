"""Reading scan exports (io/scan.py): csv, xlsx and sav in their encodings and quirks,
and the registry of readers."""

import csv
import io
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness_analysis.core.errors import DataValidationError
from readiness_analysis.io import scan
from readiness_analysis.io.clean import clean_scan
from readiness_analysis.io.scan import find_scan_file, read_scan
from readiness_analysis.io.synth import synthesize_scan
from readiness_analysis.spec.instrument import load_instrument

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


# ------------------------------------------------------------------ the reader registry


def _read_fake(path):
    return scan.RawTable(pd.DataFrame({"respondent_id": ["r1"]}), range(2, 3), str(path))


@pytest.fixture
def with_fake_reader(monkeypatch):
    """SCAN_READERS extended by a fake ``.ods`` reader, for this test only."""
    readers = scan.SCAN_READERS.copy()
    readers.register(".ods", _read_fake)
    monkeypatch.setattr(scan, "SCAN_READERS", readers)
    return readers


def test_suffixes_come_from_the_reader_registry(with_fake_reader):
    assert scan.scan_suffixes() == (".csv", ".xlsx", ".sav", ".ods")
    assert tuple(with_fake_reader) == scan.scan_suffixes()


def test_a_registered_reader_is_found_and_used(tmp_path, with_fake_reader):
    (tmp_path / "scan_responses.ods").write_bytes(b"not really a spreadsheet")
    found = find_scan_file(tmp_path)
    assert found.name == "scan_responses.ods"
    assert read_scan(found).frame["respondent_id"].tolist() == ["r1"]


def test_hints_name_every_registered_reader(tmp_path, with_fake_reader):
    with pytest.raises(DataValidationError) as info:
        find_scan_file(tmp_path)
    assert info.value.hint == (
        "put exactly one of scan_responses.csv, .xlsx, .sav or .ods in this folder")
    (tmp_path / "scan.txt").write_text("respondent_id\nr1\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        read_scan(tmp_path / "scan.txt")
    assert info.value.hint == "use .csv, .xlsx, .sav or .ods"
    (tmp_path / "scan.csv").write_bytes(b"PK\x03\x04" + bytes(range(256)))
    with pytest.raises(DataValidationError) as info:
        read_scan(tmp_path / "scan.csv")
    assert info.value.hint.endswith("give the file its real extension: .xlsx, .sav or .ods")


def test_the_shipped_hints_are_unchanged(tmp_path):
    with pytest.raises(DataValidationError) as info:
        find_scan_file(tmp_path)
    assert info.value.hint == (
        "put exactly one of scan_responses.csv, .xlsx or .sav in this folder")
    with pytest.raises(DataValidationError) as info:
        read_scan(tmp_path / "scan.ods")
    assert info.value.hint == "use .csv, .xlsx or .sav"


def test_a_suffix_is_registered_once():
    with pytest.raises(ValueError, match=r"scan reader '\.csv' is already registered"):
        scan.SCAN_READERS.copy().register(".csv", _read_fake)


# ================================================================= properties (hypothesis)
# Each property runs at most 50 examples without deadline. Files are written to a fresh
# temporary folder per example (hypothesis does not reset function-scoped fixtures
# between examples).

INSTRUMENT = load_instrument()
LO, HI = INSTRUMENT.scale_min, INSTRUMENT.scale_max
PROPERTY = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def _folder():
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


# Text every supported encoding can hold (cp1252 is the narrowest), with the characters
# that need quoting in CSV: every delimiter, quotes and line breaks.
CP1252_TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 éëïçüÉ-'.,;\t\"\n")), min_size=1, max_size=12
).filter(lambda s: s.strip())
PAD = st.sampled_from(["", " ", "  ", "\u00a0"])


@st.composite
def answer_tables(draw):
    """A scan table of valid answers: cells as written and as they must read back."""
    n = draw(st.integers(1, 12))
    items = draw(st.lists(st.sampled_from(INSTRUMENT.item_ids), min_size=1, max_size=5,
                          unique=True))
    ids = draw(st.lists(st.from_regex(r"[A-Za-z0-9_]{1,8}", fullmatch=True), min_size=n,
                        max_size=n, unique=True))
    rows, expected = [], []
    for rid in ids:
        name = draw(CP1252_TEXT)
        answers = draw(st.lists(st.one_of(st.none(), st.integers(LO, HI)),
                                min_size=len(items), max_size=len(items)))
        pads = draw(st.lists(PAD, min_size=2 + len(items), max_size=2 + len(items)))
        cells = [rid, name, *("" if a is None else str(a) for a in answers)]
        rows.append([f"{p}{c}{p}" if c else c for p, c in zip(pads, cells, strict=True)])
        expected.append([rid, name.strip(), *(None if a is None else str(a) for a in answers)])
    return ["respondent_id", "institution", *items], rows, expected


def _write_csv(path: Path, header, rows, sep: str, encoding: str, blanks: set[int],
               crlf: bool) -> list[int]:
    """Write the table; return the spreadsheet row number of each data row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    numbers, line = [], 2
    for row in rows:
        while line in blanks:
            buffer.write("\r\n" if crlf else "\n")
            line += 1
        writer.writerow(row)
        numbers.append(line)
        line += 1
    path.write_bytes(buffer.getvalue().encode(encoding))
    return numbers


def _cells(frame: pd.DataFrame) -> list[list]:
    return [[None if pd.isna(v) else str(v) for v in row] for row in
            frame.astype(object).itertuples(index=False)]


@PROPERTY
@given(
    table=answer_tables(),
    sep=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    blanks=st.sets(st.integers(2, 20), max_size=4),
    crlf=st.booleans(),
    reader=st.sampled_from(["one chunk", "many chunks", "text columns", "wide reader"]),
)
def test_valid_answers_read_back_unchanged(table, sep, encoding, blanks, crlf, reader):
    header, rows, expected = table
    settings_for = {
        "one chunk": {},
        "many chunks": {"CHUNK_CELLS": 1, "MIN_CHUNK_ROWS": 2},
        "text columns": {"CHUNK_CELLS": 1, "MIN_CHUNK_ROWS": 2, "DICTIONARY_LIMIT": 0},
        "wide reader": {"WIDE_COLUMNS": 0},
    }[reader]
    with _folder() as tmp, pytest.MonkeyPatch.context() as patch:
        for name, value in settings_for.items():
            patch.setattr(scan, name, value)
        path = tmp / "scan.csv"
        numbers = _write_csv(path, header, rows, sep, encoding, blanks, crlf)
        raw = read_scan(path)
    assert raw.frame.columns.tolist() == header
    assert not raw.problems
    data = [i for i, row in enumerate(_cells(raw.frame)) if any(v is not None for v in row)]
    assert [_cells(raw.frame)[i] for i in data] == expected
    assert [raw.rows[i] for i in data] == numbers
    # the blank lines are rows too: cleaning sets them aside, neither kept nor rejected
    assert len(raw.frame) == numbers[-1] - 1
    result = clean_scan(raw, INSTRUMENT, key=KEY)
    assert result.n_blank == len(raw.frame) - len(rows)
    assert len(result.responses) + len(result.rejected) == len(rows)


@PROPERTY
@given(table=answer_tables())
def test_xlsx_reads_back_the_same_cells_as_csv(table):
    header, rows, _ = table
    frame = pd.DataFrame(rows, columns=header)
    with _folder() as tmp:
        frame.to_csv(tmp / "scan.csv", index=False)
        frame.to_excel(tmp / "scan.xlsx", index=False)
        from_csv, from_xlsx = read_scan(tmp / "scan.csv"), read_scan(tmp / "scan.xlsx")
    assert _cells(from_xlsx.frame) == _cells(from_csv.frame)  # text cells stay text
    assert list(from_xlsx.rows) == list(from_csv.rows)


# --- quoting trouble (issue 21) -------------------------------------------------------

SWALLOWED = ("respondent_id,institution,def_1,def_2\nr1,Instelling A,3,4\n"
             'r2,"Instelling B,3,4\nr3,Instelling A,2,2\nr4,Instelling B",5,5\n'
             "r5,Instelling A,1,1\nr6,Instelling B,3,3\n")


def test_a_semicolon_header_over_comma_rows_is_a_located_error(tmp_path):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id;institution;def_1\nr1,Instelling A,3\nr2,Instelling B,4\n",
                    encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        read_scan(path)
    (problem,) = caught.value.problems
    assert problem.row == 1
    assert problem.message == "the header row is separated by ';' but the rows below it by ','"


@pytest.mark.parametrize("text", [
    "id;school;q\nr1;A;3\n",                      # one delimiter throughout
    'id;school;q\nr1;"A, B";3\n',                 # a comma inside a quoted cell
    "id;school;q\n\nr1;A;3\n",                    # a blank line first
    "id,school\nr1\nr2\n",                        # rows of one cell: no other delimiter
    "id;school;q\n" + "r1;A;3\n" * 50000,         # rows beyond the sample
])
def test_files_whose_rows_use_the_header_delimiter_are_read(tmp_path, text):
    path = tmp_path / "scan.csv"
    path.write_text(text, encoding="utf-8")
    assert len(read_scan(path).frame.columns) >= 2


def test_a_cell_with_line_breaks_and_delimiters_is_found_where_its_quote_opened(tmp_path):
    path = tmp_path / "scan.csv"
    path.write_text(SWALLOWED, encoding="utf-8")
    raw = read_scan(path)
    assert len(raw.frame) == 4  # six lines of data, four rows: two were swallowed
    found = scan.quote_trouble(raw)
    (problem,) = found.values()
    assert (problem.file, problem.row, problem.column) == (str(path), 3, "institution")
    assert "spans 3 lines (from line 3 of the file)" in problem.message


def test_line_numbers_count_earlier_multiline_cells(tmp_path):
    path = tmp_path / "scan.csv"
    path.write_text('id,school,note\nr1,A,"one\ntwo"\nr2,"B,1\nr3,C",x\n', encoding="utf-8")
    raw = read_scan(path)
    (problem,) = scan.quote_trouble(raw).values()  # "one\ntwo" has no delimiter
    assert problem.row == 3 and "from line 4 of the file" in problem.message
    assert scan.quote_trouble(raw, ["note"]) == {}  # only the columns asked for


def test_free_text_with_line_breaks_alone_is_no_trouble(tmp_path):
    path = tmp_path / "scan.csv"
    path.write_text('id,school,note\nr1,A,"one\ntwo"\n', encoding="utf-8")
    assert scan.quote_trouble(read_scan(path)) == {}
