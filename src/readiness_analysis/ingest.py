"""Read scan exports (CSV, XLSX, SPSS .sav) into a raw table of text cells.

Reading never interprets answers: every cell stays as the text (or number) the file
holds, empty cells become NA, and each row keeps the line number a user sees in a
spreadsheet program, so that later problems can be reported as ``file:row:column``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import DataValidationError, Problem

__all__ = ["SCAN_STEMS", "RawTable", "find_scan_file", "read_scan"]

SCAN_STEMS = ("scan_responses",)
SUFFIXES = (".csv", ".xlsx", ".sav")


@dataclass(frozen=True)
class RawTable:
    """A file's rows as read, with the spreadsheet row number of each.

    Attributes
    ----------
    frame : DataFrame
        One column per header cell, cells as text (NA for empty).
    rows : list of int
        For each frame row, its row number in the file (header = row 1).
    source : str
        The file the rows came from.
    """

    frame: pd.DataFrame
    rows: list[int]
    source: str


def find_scan_file(raw_dir: str | Path) -> Path:
    """Return the one scan export in ``raw_dir`` (``scan_responses.csv|xlsx|sav``).

    Examples
    --------
    >>> find_scan_file("data/raw").name  # doctest: +SKIP
    'scan_responses.csv'
    """
    raw_dir = Path(raw_dir)
    found = [raw_dir / f"{s}{x}" for s in SCAN_STEMS for x in SUFFIXES]
    found = [p for p in found if p.is_file()]
    if len(found) != 1:
        what = "no scan export" if not found else f"{len(found)} scan exports"
        raise DataValidationError(
            [
                Problem(
                    str(raw_dir),
                    None,
                    None,
                    f"{what} found",
                    "put exactly one of scan_responses.csv, .xlsx or .sav in this folder",
                )
            ]
        )
    return found[0]


def read_scan(path: str | Path) -> RawTable:
    r"""Read a scan export without interpreting its answers.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (encoding and delimiter detected, BOM handled), ``.xlsx`` (first sheet)
        or ``.sav`` file.

    Returns
    -------
    RawTable

    Raises
    ------
    DataValidationError
        For an unreadable or empty file or an unknown file type.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_text("respondent_id;institution\nr1;Instelling A\n", encoding="cp1252")
    >>> read_scan(p).frame.columns.tolist()
    ['respondent_id', 'institution']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    readers = {".csv": _read_csv, ".xlsx": _read_xlsx, ".sav": _read_sav}
    if suffix not in readers:
        raise _problem(path, f"unknown file type {suffix!r}", "use .csv, .xlsx or .sav")
    if not path.is_file():
        raise _problem(path, "file not found", "check the path")
    frame, first_row = readers[suffix](path)
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.columns.empty:
        raise _problem(path, "file is empty", "export the scan again with a header row")
    rows = [first_row + i for i in range(len(frame))]
    return RawTable(frame.reset_index(drop=True), rows, str(path))


def _problem(path: Path, message: str, hint: str) -> DataValidationError:
    return DataValidationError([Problem(str(path), None, None, message, hint)])


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise _problem(path, "file is empty", "export the scan again with a header row")
    for encoding in ("utf-8-sig", "cp1252"):
        # Survey tools write UTF-8 (often with BOM) or, from Dutch Excel, cp1252; UTF-8
        # decoding almost never succeeds on cp1252 text with accents, so the order is safe.
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    best = _guess_encoding(data)
    if best is None:
        raise _problem(path, "not a text file", "export the scan as CSV, XLSX or SAV")
    return best


def _guess_encoding(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    match = from_bytes(data).best()
    return None if match is None else str(match)


def _read_csv(path: Path) -> tuple[pd.DataFrame, int]:
    text = _decode(path)
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise _problem(path, f"cannot parse CSV: {exc}", "check quotes and delimiters") from exc
    return _blank_to_na(frame), 2


def _read_xlsx(path: Path) -> tuple[pd.DataFrame, int]:
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many unrelated types for broken files
        raise _problem(path, f"cannot read Excel file: {exc}", "save it again as .xlsx") from exc
    return _blank_to_na(frame.astype(object)), 2


def _read_sav(path: Path) -> tuple[pd.DataFrame, int]:
    import pyreadstat

    try:
        frame, _ = pyreadstat.read_sav(str(path), apply_value_formats=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError and OSError
        raise _problem(path, f"cannot read SPSS file: {exc}", "save it again as .sav") from exc
    return _blank_to_na(frame.astype(object)), 1


def _blank_to_na(frame: pd.DataFrame) -> pd.DataFrame:
    def clean(value):
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return pd.NA
        if isinstance(value, str):
            value = value.strip()
            return value if value else pd.NA
        return value

    return frame.map(clean).astype(object)
