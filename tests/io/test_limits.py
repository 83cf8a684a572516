"""Limits before reading (issue 21): small files that would exhaust memory are refused
with one line naming the limit and how to raise it; error lines quote at most 80
characters of a cell. The bombs are built small, with the limits lowered."""

from __future__ import annotations

import re
import time
import zipfile

import openpyxl
import pytest

from readiness_analysis.core.errors import DataValidationError
from readiness_analysis.io.clean import clean_scan
from readiness_analysis.io.documents import read_documents
from readiness_analysis.io.fragments import read_fragments
from readiness_analysis.io.scan import LIMIT_VARIABLES, Limits, read_scan

ONE_LINE = re.compile(r"^[^\n]+: [^\n]+ \([^\n]+\)$")


def _refused(path, variable):
    start = time.perf_counter()
    with pytest.raises(DataValidationError) as info:
        read_scan(path)
    seconds = time.perf_counter() - start
    line = str(info.value)
    assert ONE_LINE.match(line), line
    assert line.startswith(str(path)) and variable in line and "set " + variable in line
    return line, seconds


def _bomb(path, cell="XFD1048576"):
    book = openpyxl.Workbook()
    book.active.append(["respondent_id", "institution", "def_1"])
    book.active[cell] = 1
    book.save(path)
    return path


def test_a_small_workbook_with_a_cell_at_xfd1048576_is_refused_at_once(tmp_path):
    path = _bomb(tmp_path / "scan.xlsx")
    assert path.stat().st_size < 10_000
    line, seconds = _refused(path, "READINESS_MAX_CELLS")
    assert seconds < 0.5, seconds
    assert "declares 1,048,576 rows by 16,384 columns" in line


def _lie_about_dimension(path, ref="A1:C1"):
    """Rewrite the first sheet's <dimension> so that only reading finds its real size."""
    with zipfile.ZipFile(path) as source:
        members = {i.filename: source.read(i) for i in source.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    members[sheet] = re.sub(rb'<dimension ref="[^"]+"', f'<dimension ref="{ref}"'.encode(),
                            members[sheet])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)


def test_a_sheet_that_lies_about_its_dimension_is_stopped_while_reading(tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("READINESS_MAX_CELLS", "10000")
    path = _bomb(tmp_path / "scan.xlsx", cell="Z5000")
    _lie_about_dimension(path)
    line, _ = _refused(path, "READINESS_MAX_CELLS")
    assert "sheet 'Sheet' has at least 3,334 rows by 3 columns" in line
    monkeypatch.setenv("READINESS_MAX_CELLS", "200000")
    assert len(read_scan(path).frame.columns) == 26  # raised: read


def test_a_workbook_that_unpacks_to_more_than_the_limit_is_refused(tmp_path, monkeypatch):
    path = _bomb(tmp_path / "scan.xlsx", cell="C2")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (3 << 20))  # 3 MB of zeros
    assert path.stat().st_size < 20_000
    monkeypatch.setenv("READINESS_MAX_UNPACKED_MB", "2")
    line, seconds = _refused(path, "READINESS_MAX_UNPACKED_MB")
    assert "the workbook unpacks to 3 MB" in line and seconds < 0.5


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution\n" + "r1,A\n" * 1000)
    monkeypatch.setenv("READINESS_MAX_FILE_MB", "0.001")
    line, _ = _refused(path, "READINESS_MAX_FILE_MB")
    assert "more than the limit READINESS_MAX_FILE_MB=0.001" in line
    monkeypatch.delenv("READINESS_MAX_FILE_MB")
    assert len(read_scan(path).frame) == 1000


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_more_columns_than_the_limit_are_refused(tmp_path, monkeypatch, suffix):
    path = tmp_path / f"scan{suffix}"
    if suffix == ".csv":
        path.write_text("a,b,c,d\n1,2,3,4\n")
    else:
        _bomb(path, cell="D2")
    monkeypatch.setenv("READINESS_MAX_COLUMNS", "3")
    line, _ = _refused(path, "READINESS_MAX_COLUMNS")
    assert "4 columns" in line


def test_a_row_with_a_cell_over_the_length_limit_is_rejected_and_located(
        tmp_path, monkeypatch, instrument):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,def_1\nr1,A,4\nr2," + "B" * 5000 + ",3\n"
                    "r3,A,2\n")
    monkeypatch.setenv("READINESS_MAX_CELL_CHARS", "1000")
    raw = read_scan(path)
    assert raw.frame["respondent_id"].tolist() == ["r1", "r3"] and raw.n_rows == 3
    [problem] = raw.problems
    assert (problem.row, problem.column) == (3, "institution")
    assert "5,000 characters, more than the limit READINESS_MAX_CELL_CHARS=1000" in str(problem)
    result = clean_scan(raw, instrument, key=b"k")
    assert result.rejected["source_row"].tolist() == [3]
    assert len(result.responses) == 2


def test_fragments_and_documents_have_the_same_limits(tmp_path, monkeypatch, codebook):
    fragments = tmp_path / "fragments.csv"
    code = codebook.names[0]
    fragments.write_text(f"fragment_id,institution,codes,text\nF1,A,{code},{'x' * 3000}\n")
    documents = tmp_path / "documents.csv"
    documents.write_text("institution,title,year,kind,defines_blended,definition,"
                         "concrete_goals,implementation_plan,known_by_teachers\n"
                         f"A,{'T' * 3000},2022,visie,ja,han,nee,nee,ja\n")
    monkeypatch.setenv("READINESS_MAX_CELL_CHARS", "2000")
    with pytest.raises(DataValidationError, match=r"fragments.csv:2:text: the cell has 3,000"):
        read_fragments(fragments, codebook)
    with pytest.raises(DataValidationError, match=r"documents.csv:2:title: the cell has 3,000"):
        read_documents(documents)


def test_error_lines_quote_at_most_80_characters_of_a_cell(tmp_path, instrument):
    path = tmp_path / "scan.csv"
    answer = "lang antwoord " * 5000  # 70,000 characters (69,999 stripped), under the limit
    path.write_text(f"respondent_id,institution,def_1\nr1,A,{answer}\n")
    result = clean_scan(read_scan(path), instrument, key=b"k")
    [reason] = result.rejected["reason"].tolist()
    assert len(reason) < 200 and "(69,999 characters)" in reason
    assert all(len(str(p)) < 300 for p in result.problems)


@pytest.mark.parametrize("value", ["lots", "-1", "0", "nan"])
def test_a_limit_that_is_not_a_positive_number_is_an_error(value):
    with pytest.raises(DataValidationError, match="READINESS_MAX_COLUMNS: the limit is"):
        Limits.from_environment({"READINESS_MAX_COLUMNS": value})


def test_every_limit_has_a_documented_variable():
    assert set(LIMIT_VARIABLES) == {"file_mb", "unpacked_mb", "cells", "columns",
                                    "cell_chars"}
    assert Limits.from_environment({v: "7" for v in LIMIT_VARIABLES.values()}) == Limits(
        7.0, 7.0, 7, 7, 7)
