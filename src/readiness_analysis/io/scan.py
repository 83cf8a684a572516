"""Read scan exports (CSV, XLSX, SPSS .sav) into a raw table of text cells.

Each file type has one reader, registered by its suffix in :data:`SCAN_READERS` (the
table at the end of this module); the suffixes accepted, the files
:func:`find_scan_file` looks for and the hints of error messages all come from that
table, so a new input format is one entry there: a function taking the path and
returning a :class:`RawTable`.

Reading never interprets answers: every cell stays as the text (or number) the file
holds, empty cells become NA, and each row keeps the row number a user sees in a
spreadsheet program, so that later problems can be reported as ``file:row:column``.

Rules for files from many hands (each is tested in ``tests/e2e/test_hostile_input.py``):

- **Encoding** is detected from the first megabytes: a byte-order mark (UTF-8, UTF-16,
  UTF-32), UTF-16 without a mark (from its zero bytes), UTF-8, or cp1252 (Dutch Excel).
  In a UTF-8 file, a line that is not valid UTF-8 is read as cp1252, so a file pasted
  together from two exports keeps its accents; how many lines that were is noted in
  :attr:`RawTable.notes`. A file whose first megabytes are not UTF-8 is cp1252, unless
  some of its lines are UTF-8 with Latin-1 letters (``é`` is ``Ã©`` in cp1252, which no
  cp1252 text holds): then every line is decoded on its own. A cp1252 line that happens
  to be valid UTF-8 (``Ã©`` written on purpose) is read as UTF-8.
- **Delimiter**: the most frequent of ``,`` ``;`` tab ``|`` in the header row (outside
  quotes); comma when there is none. When the first data rows use another delimiter and
  none of the header's (a ``;`` header over ``,`` rows), the file is an error naming
  both, instead of rows of one cell each.
- **Stray quotes**: a quote that opens a cell and is closed only lines later swallows
  the rows in between into one cell. :func:`quote_trouble` finds the rows whose cells
  hold line breaks *and* delimiters, with the row (and line) where the quote opened;
  cleaning rejects them.
- **Header**: row 1. Cells are stripped; an empty header cell becomes ``Unnamed: <i>``
  (0-based position). The same header twice is an error naming both columns.
- **Rows** with more cells than the header cannot be read: they are left out of
  :attr:`RawTable.frame` and listed in :attr:`RawTable.problems` with their row number,
  so cleaning rejects them and every row stays accounted for. A row with fewer cells
  has its missing cells empty, except the last row of a file that does not end with a
  line break: it was cut off and is listed in ``problems`` as well. A quoted cell that is
  never closed is an error naming its row.
- **Large CSV files** are read in chunks; cells are kept dictionary-encoded
  (categorical) while a column has few distinct values, so a 1 GB export needs far less
  memory than its size.
- **Excel**: the first sheet only (an empty first sheet is an error naming the other
  sheets); a formula cell is read as the value Excel last computed, or as its formula
  text (``=1+1``) when it was never computed. Formulas are never evaluated here.
- **Binary files** (a workbook renamed ``.csv``, a CSV renamed ``.xlsx``, garbage) are
  errors that say what the file seems to be.
- **Limits** (:class:`Limits`), checked before the cells are read, each an error naming
  the limit and the environment variable that raises it: the file's size
  (``READINESS_MAX_FILE_MB``, default 2048 MB); for a workbook, the bytes its zip
  directory says it unpacks to (``READINESS_MAX_UNPACKED_MB``, 512 MB) and the rows
  times columns its first sheet declares (``<dimension ref=...>``) or turns out to have
  (``READINESS_MAX_CELLS``, 50,000,000); the number of columns
  (``READINESS_MAX_COLUMNS``, 100,000). A cell longer than ``READINESS_MAX_CELL_CHARS``
  (1,000,000 characters) makes its row unreadable (listed in :attr:`RawTable.problems`,
  so cleaning rejects it). Error lines quote at most 80 characters of a cell
  (:func:`readiness_analysis.io.redact.echo`).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from readiness_analysis.core.errors import DataValidationError, Problem
from readiness_analysis.core.registry import Registry
from readiness_analysis.core.words import either, plural
from readiness_analysis.io.redact import echo

__all__ = [
    "LIMIT_VARIABLES",
    "SCAN_READERS",
    "SCAN_STEMS",
    "Limits",
    "RawTable",
    "RowNumbers",
    "ScanReader",
    "find_scan_file",
    "quote_trouble",
    "read_scan",
    "scan_suffixes",
]

SCAN_STEMS = ("scan_responses",)
#: Bytes read from the start of a CSV file to detect its encoding and delimiter.
SAMPLE_BYTES = 2 << 20
#: CSV files with more columns than this are read with the :mod:`csv` module (pandas'
#: parser spends about 0.1 ms per column and chunk, far too slow for 100,000 columns).
WIDE_COLUMNS = 2000
#: Cells per chunk when a CSV file is streamed (but at least ``MIN_CHUNK_ROWS`` rows).
CHUNK_CELLS = 1_000_000
MIN_CHUNK_ROWS = 1000
#: A column with more distinct values than this (and than a quarter of its rows) is
#: kept as plain text instead of dictionary-encoded.
DICTIONARY_LIMIT = 1000
DELIMITERS = (",", ";", "\t", "|")
_CP1252 = "readiness-cp1252-undefined"  # codec error handler, registered below
_LATIN1_IN_UTF8 = re.compile(rb"[\xc2\xc3][\x80-\xbf]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MAGIC = (
    (b"PK\x03\x04", "an Excel .xlsx workbook (or another zip archive)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook or a password-protected workbook"),
    (b"$FL2", "an SPSS .sav file"),
    (b"$FL3", "an SPSS .sav file"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)


class RowNumbers(Sequence):
    """Spreadsheet row numbers of a table's rows, stored as one integer array.

    Behaves as a read-only sequence of ``int`` (``rows[i]`` is a Python ``int``), so a
    table of millions of rows does not need millions of Python integers.

    Examples
    --------
    >>> rows = RowNumbers([2, 3, 5])
    >>> rows[2], len(rows), list(rows)
    (5, 3, [2, 3, 5])
    """

    def __init__(self, numbers) -> None:
        self._numbers = np.asarray(numbers, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._numbers)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return RowNumbers(self._numbers[index])
        return int(self._numbers[index])

    def __iter__(self) -> Iterator[int]:
        return iter(self._numbers.tolist())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # a sequence that compares by value

    def __repr__(self) -> str:
        return f"RowNumbers({self._numbers.tolist()!r})"


@dataclass(frozen=True)
class RawTable:
    """A file's rows as read, with the spreadsheet row number of each.

    Attributes
    ----------
    frame : DataFrame
        One column per header cell, cells as text (NA for empty). Columns of a streamed
        CSV file are categorical (few distinct values) or ``str``; Excel and SPSS cells
        keep their numbers.
    rows : sequence of int
        For each frame row, its row number in the file (header = row 1).
    source : str
        The file the rows came from.
    problems : tuple of Problem
        Rows of the file that could not be read into ``frame`` (more cells than the
        header, or cut off at the end of the file), each with its row number. They
        count as read: cleaning rejects them with this message.
    notes : tuple of str
        What reading had to decide or repair (for the cleaning log), for instance bytes
        that were not UTF-8 and were read as cp1252.
    delimiter : str or None
        The cell delimiter of a CSV file; None for other file types.
    """

    frame: pd.DataFrame
    rows: Sequence[int]
    source: str
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()
    delimiter: str | None = None

    @property
    def n_rows(self) -> int:
        """Rows below the header: the rows of ``frame`` plus the unreadable ones."""
        return len(self.frame) + len({p.row for p in self.problems})


#: The environment variable that sets each limit of :class:`Limits`.
LIMIT_VARIABLES = {
    "file_mb": "READINESS_MAX_FILE_MB",
    "unpacked_mb": "READINESS_MAX_UNPACKED_MB",
    "cells": "READINESS_MAX_CELLS",
    "columns": "READINESS_MAX_COLUMNS",
    "cell_chars": "READINESS_MAX_CELL_CHARS",
}


@dataclass(frozen=True)
class Limits:
    """What :func:`read_scan` reads at most, checked before the cells are parsed.

    The defaults are far above any scan, fragment or document file (a scan of 100,000
    respondents is some 50 MB); they stop broken or hostile files (a "zip bomb", a sheet
    declared a million rows by 16,384 columns) before they fill the memory. Each is set
    by its environment variable of :data:`LIMIT_VARIABLES`.

    Attributes
    ----------
    file_mb : float
        Size of the file on disk, in MB (2**20 bytes).
    unpacked_mb : float
        What an ``.xlsx`` unpacks to, in MB, as its zip directory states.
    cells : int
        Rows times columns of the first sheet of a workbook, as declared by its
        ``<dimension>`` and as found while reading.
    columns : int
        Columns of the header row.
    cell_chars : int
        Characters of one cell; a row with a longer cell is not read.

    Examples
    --------
    >>> Limits.from_environment({"READINESS_MAX_FILE_MB": "10"}).file_mb
    10.0
    >>> Limits.from_environment({}).columns
    100000
    """

    file_mb: float = 2048
    unpacked_mb: float = 512
    cells: int = 50_000_000
    columns: int = 100_000
    cell_chars: int = 1_000_000

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The limits, each from its variable of :data:`LIMIT_VARIABLES` when set.

        Raises
        ------
        DataValidationError
            When a variable is set to something other than a positive number.
        """
        environ = os.environ if environ is None else environ
        values = {}
        for spec in fields(cls):
            name = LIMIT_VARIABLES[spec.name]
            if environ.get(name, "").strip():
                values[spec.name] = _limit_value(name, environ[name], spec.type == "int")
        return cls(**values)

    def variable(self, limit: str) -> str:
        """``READINESS_MAX_FILE_MB=2048``: how to name a limit in a message."""
        value = getattr(self, limit)
        return f"{LIMIT_VARIABLES[limit]}={value:g}" if isinstance(value, float) else (
            f"{LIMIT_VARIABLES[limit]}={value}")


def _limit_value(name: str, text: str, whole: bool) -> float | int:
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = -1
    if not value > 0 or value != value:  # also NaN
        raise DataValidationError([Problem(
            name, None, None, f"the limit is {text.strip()!r}, not a positive "
            + ("whole number" if whole else "number"),
            f"set {name} to a positive number, or unset it for the default")])
    return value


def _over_limit(path: Path, what: str, limits: Limits, limit: str, more: str,
                row: int | None = None, column: str | None = None) -> DataValidationError:
    """The error for a file over one of its limits: names the limit and how to raise it."""
    return _problem(
        path, f"{what}, more than the limit {limits.variable(limit)}",
        f"is this the right file? to read it anyway, set {LIMIT_VARIABLES[limit]} {more}",
        row=row, column=column)


def _check_size(path: Path, limits: Limits) -> None:
    size = path.stat().st_size
    if size > limits.file_mb * 2**20:
        raise _over_limit(path, f"the file has {size / 2**20:,.1f} MB ({size:,} bytes)",
                          limits, "file_mb", f"to {-(-size // 2**20):,} or more")


def _check_columns(path: Path, n: int, limits: Limits) -> None:
    if n > limits.columns:
        raise _over_limit(path, f"the header row has {n:,} columns", limits, "columns",
                          f"to {n:,} or more", row=1)


def find_scan_file(raw_dir: str | Path) -> Path:
    """Return the one scan export in ``raw_dir`` (``scan_responses.csv|xlsx|sav``).

    The suffixes looked for are those of :data:`SCAN_READERS`, in its order.

    Examples
    --------
    >>> find_scan_file("data/raw").name  # doctest: +SKIP
    'scan_responses.csv'
    """
    raw_dir = Path(raw_dir)
    found = [raw_dir / f"{s}{x}" for s in SCAN_STEMS for x in scan_suffixes()]
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
                    f"put exactly one of {_one_of_the_names()} in this folder",
                )
            ]
        )
    return found[0]


def read_scan(path: str | Path) -> RawTable:
    r"""Read a scan export without interpreting its answers.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (encoding and delimiter detected, BOM handled, streamed in chunks),
        ``.xlsx`` (first sheet) or ``.sav`` file. The rules for broken files are in the
        module docstring.

    Returns
    -------
    RawTable

    Raises
    ------
    DataValidationError
        For an unreadable, empty or binary file, an unknown file type, duplicate column
        headers, a quoted cell that is never closed, or a file over one of its
        :class:`Limits` (size, unpacked size, declared cells, columns); located as
        ``file:row:column`` where possible.

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
    if suffix not in SCAN_READERS:
        raise _problem(path, f"unknown file type {suffix!r}", f"use {either(scan_suffixes())}")
    if not path.is_file():
        raise _problem(path, "file not found", "check the path")
    limits = Limits.from_environment()
    try:
        _check_size(path, limits)
        return _set_apart_long_cells(SCAN_READERS[suffix](path), path, limits)
    except OSError as exc:
        raise _problem(path, f"cannot read the file: {exc.strerror or exc}",
                       "check that the file is readable and not open elsewhere") from exc


def scan_suffixes() -> tuple[str, ...]:
    """The file suffixes a scan export may have: those of :data:`SCAN_READERS`, in order.

    Examples
    --------
    >>> scan_suffixes()
    ('.csv', '.xlsx', '.sav')
    """
    return tuple(SCAN_READERS)


def _one_of_the_names() -> str:
    """``scan_responses.csv, .xlsx or .sav``: the names :func:`find_scan_file` accepts."""
    first, *others = scan_suffixes()
    return either([f"{SCAN_STEMS[0]}{first}", *others])


def _real_extension(suffix: str) -> str:
    """``give the file its real extension: .xlsx or .sav`` for a file named ``.csv``."""
    return "give the file its real extension: " + either(s for s in scan_suffixes()
                                                         if s != suffix)


def _problem(path: Path, message: str, hint: str, row: int | None = None,
             column: str | None = None) -> DataValidationError:
    return DataValidationError([Problem(str(path), row, column, message, hint)])


def _head(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def _kind_of(head: bytes) -> str | None:
    """What a file seems to be, from its first bytes (None when unknown)."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def _column_name(position: int) -> str:
    """Spreadsheet letters of a 0-based column position (0 -> A, 27 -> AB)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _positions(where: Sequence[int]) -> str:
    """``3 (C) and 4 (D)``: 1-based column numbers with their spreadsheet letters."""
    named = [f"{i + 1} ({_column_name(i)})" for i in where]
    return ", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else named[0]


def _header(path: Path, cells: Sequence[object]) -> list[str]:
    """Stripped header names; empty cells named ``Unnamed: i``; duplicates are an error.

    More columns than :attr:`Limits.columns` are an error too.
    """
    _check_columns(path, len(cells), Limits.from_environment())
    names = []
    for i, cell in enumerate(cells):
        text = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else str(cell)
        names.append(text.strip() or f"Unnamed: {i}")
    seen: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        seen.setdefault(name, []).append(i)
    problems = [
        Problem(str(path), 1, name,
                f"column header {echo(name)} appears {len(where)} times, in columns "
                + _positions(where),
                "rename or delete the duplicate columns, so that each answer has one column")
        for name, where in seen.items() if len(where) > 1
    ]
    if problems:
        raise DataValidationError(problems)
    return names


def _tidy(value: object) -> object:
    """A cell as read: stripped text, the number itself, or None for an empty cell."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


# ----------------------------------------------------------------------------- encoding

def _cp1252_undefined(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the five bytes cp1252 leaves undefined are read as Latin-1."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error(_CP1252, _cp1252_undefined)


def _detect_encoding(head: bytes) -> tuple[str, bool]:
    """The encoding of a CSV file from its first bytes, and whether lines mix encodings.

    ``("utf-8", True)`` means UTF-8 and cp1252 lines side by side: each line is then
    decoded on its own (:class:`_LineDecoder`).
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", False
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32", False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", False
    half = max(len(head) // 2, 1)
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le", False
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be", False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SAMPLE_BYTES)
    except UnicodeDecodeError:
        # Not UTF-8. If some lines are UTF-8 with Latin-1 letters (é is C3 A9 in UTF-8,
        # "Ã©" in cp1252, which no cp1252 text holds), the file mixes two exports.
        return ("utf-8", True) if any(map(_utf8_latin, head.splitlines())) else (
            "cp1252", False)
    return "utf-8", False


def _utf8_latin(line: bytes) -> bool:
    if line.isascii() or not _LATIN1_IN_UTF8.search(line):
        return False
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode_sample(head: bytes, encoding: str, mixed: bool) -> str:
    if mixed:
        lines = head.splitlines(keepends=True)
        return "".join(_decode_line(line)[0] for line in lines)
    errors = _CP1252 if encoding == "cp1252" else "replace"
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    return decoder.decode(head, final=len(head) < SAMPLE_BYTES)


def _decode_line(line: bytes) -> tuple[str, bool]:
    """A line as UTF-8, or as cp1252 when it is not UTF-8 (then True)."""
    try:
        return line.decode("utf-8"), False
    except UnicodeDecodeError:
        return line.decode("cp1252", errors=_CP1252), True


class _LineDecoder(io.RawIOBase):
    """The UTF-8 bytes of a file whose lines are UTF-8 or, some of them, cp1252.

    Blocks of about a megabyte, cut after a line break, pass through unchanged when they
    are valid UTF-8 (and the file is not known to mix encodings); otherwise each line is
    decoded on its own and lines that are not UTF-8 are read as cp1252 and counted in
    ``fallback_lines``.
    """

    def __init__(self, path: Path, mixed: bool) -> None:
        super().__init__()
        self._file = open(path, "rb")  # noqa: SIM115 -- closed in close()
        self._mixed = mixed
        self._out = memoryview(b"")
        self._rest = b""
        self._eof = False
        self.fallback_lines = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not len(self._out) and not self._eof:
            self._fill()
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _fill(self) -> None:
        block = self._file.read(1 << 20)
        if not block:
            self._eof = True
            data, self._rest = self._rest, b""
        else:
            data = self._rest + block
            cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
            if cut == 0:  # no line break yet: read on
                self._rest = data
                return
            data, self._rest = data[:cut], data[cut:]
        self._out = memoryview(self._transcode(data))

    def _transcode(self, data: bytes) -> bytes:
        if not self._mixed or data.isascii():
            try:
                data.decode("utf-8")
                return data
            except UnicodeDecodeError:
                pass
        parts = []
        for line in data.splitlines(keepends=True):
            text, fallback = _decode_line(line)
            self.fallback_lines += fallback
            parts.append(text.encode("utf-8") if fallback else line)
        return b"".join(parts)

    def close(self) -> None:
        self._file.close()
        super().close()


def _open_text_source(path: Path, encoding: str, mixed: bool):
    """What the CSV parsers read: (a binary stream or the path, its encoding, decoder)."""
    if encoding in ("utf-8", "utf-8-sig"):
        decoder = _LineDecoder(path, mixed)
        return io.BufferedReader(decoder, 1 << 16), encoding, decoder
    return path, encoding, None


# ----------------------------------------------------------------------------------- CSV


def _first_record(text: str) -> str | None:
    """The first record of CSV text (up to its line break outside quotes), or None."""
    quoted = False
    for match in re.finditer(r'["\r\n]', text):
        if match.group() == '"':
            quoted = not quoted
        elif not quoted:
            return text[: match.start()]
    return None


def _sniff_delimiter(record: str) -> str:
    """The most frequent candidate delimiter outside quotes (comma on a tie or none)."""
    bare = re.sub(r'"[^"]*"', "", record)
    counts = {d: bare.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first on a tie
    return best if counts[best] else ","


def _read_csv(path: Path) -> RawTable:
    head = _head(path)
    if not head.strip():
        raise _problem(path, "file is empty", "export the scan again with a header row")
    encoding, mixed = _detect_encoding(head)
    sample = _decode_sample(head, encoding, mixed)
    kind = _kind_of(head)
    controls = len(_CONTROL.findall(sample))
    if kind is not None or controls > max(4, 0.01 * len(sample)):
        what = f"this is {kind}, not a CSV file" if kind else "this is not a text (CSV) file"
        raise _problem(path, what, "export the scan as CSV, or " + _real_extension(".csv"))
    record = _first_record(sample)
    if record is None:
        if len(head) == SAMPLE_BYTES:
            raise _problem(path, f"the header row is longer than {SAMPLE_BYTES >> 20} MB",
                           "is this a scan export? check its first row", row=1)
        record = sample
    sep = _sniff_delimiter(record)
    _check_row_delimiter(path, sample, record, sep, complete=len(head) < SAMPLE_BYTES)
    try:
        cells = next(csv.reader([record.lstrip("\ufeff")], delimiter=sep), [])
    except csv.Error as exc:
        raise _problem(path, f"cannot read the header row: {exc}", "check its quotes",
                       row=1) from exc
    if not any(c.strip() for c in cells):
        raise _problem(path, "the header row is empty",
                       "put the column names in row 1", row=1)
    header = _header(path, cells)
    source, codec, decoder = _open_text_source(path, encoding, mixed)
    try:
        if len(header) > WIDE_COLUMNS:
            frame, readable, bad = _read_wide(path, source, codec, sep, header)
        else:
            frame, readable, bad = _read_chunked(path, source, codec, sep, header)
    finally:
        if decoder is not None:
            source.close()
    problems = dict(bad)
    cut = _cut_last_row(path, head, encoding, sep, len(header))
    if cut is not None and readable and readable[-1] == len(frame) + len(bad) + 1:
        problems[readable[-1]] = Problem(
            str(path), readable[-1], None,
            f"the file ends in the middle of this row ({cut} of {len(header)} cells)",
            "the export was cut off: export the scan again")
        frame = frame.iloc[:-1]
        readable = readable[:-1]
    notes = [f"read {path.name}: encoding {encoding}, delimiter {sep!r}"]
    if decoder is not None and decoder.fallback_lines:
        n = decoder.fallback_lines
        were = "was not UTF-8 and was" if n == 1 else "were not UTF-8 and were"
        notes.append(f"{plural(n, 'line')} {were} read as cp1252 (the file mixes encodings)")
    total = len(frame) + len(problems)
    rows = range(2, 2 + total) if not problems else RowNumbers(readable)
    return RawTable(frame.reset_index(drop=True), rows, str(path),
                    tuple(problems[r] for r in sorted(problems)), tuple(notes), sep)


#: Data rows whose delimiter is compared with the header's.
DELIMITER_SAMPLE_ROWS = 10
#: Characters after the header in which those rows are looked for.
DELIMITER_SAMPLE_CHARS = 1 << 16
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _records(text: str, limit: int, complete: bool) -> list[str]:
    """Up to ``limit`` records of CSV text (the last, unterminated one only if complete)."""
    found = []
    while text and len(found) < limit:
        record = _first_record(text)
        if record is None:
            if complete:
                found.append(text)
            break
        found.append(record)
        text = _LINE_BREAK.sub("", text[len(record):], count=1)
    return found


def _check_row_delimiter(path: Path, sample: str, header: str, sep: str, *,
                         complete: bool) -> None:
    """Refuse a header whose delimiter the data rows do not use (``;`` header, ``,`` rows).

    Every non-empty row of the first :data:`DELIMITER_SAMPLE_ROWS` must lack the header's
    delimiter (outside quotes) and share one other delimiter: such rows would each be
    read as one cell, and every row rejected.
    """
    if _sniff_delimiter(header) != sep or not re.sub(r'"[^"]*"', "", header).count(sep):
        return
    window = sample[len(header): len(header) + DELIMITER_SAMPLE_CHARS]  # no big copies
    complete = complete and len(header) + len(window) == len(sample)
    rest = _LINE_BREAK.sub("", window, count=1)
    rows = [r for r in _records(rest, DELIMITER_SAMPLE_ROWS, complete) if r.strip()]
    bare = [re.sub(r'"[^"]*"', "", r) for r in rows]
    if not rows or any(sep in b for b in bare):
        return
    used = {_sniff_delimiter(b) for b in bare if any(d in b for d in DELIMITERS)}
    if len(used) != 1 or len(bare) != sum(any(d in b for d in DELIMITERS) for b in bare):
        return
    other = used.pop()
    raise _problem(
        path, f"the header row is separated by {sep!r} but the rows below it by {other!r}",
        f"export the file again, or separate the header's names by {other!r} too", row=1)


def _line_breaks(cells: pd.Series) -> np.ndarray:
    """Line breaks in each cell of a column (categorical columns: counted per category)."""
    if isinstance(cells.dtype, pd.CategoricalDtype):
        counts = pd.Series(cells.cat.categories, dtype=object).astype(str).str.count(
            _LINE_BREAK.pattern).to_numpy(dtype=np.int64)
        codes = cells.cat.codes.to_numpy()
        return np.where(codes >= 0, np.append(counts, 0)[codes], 0)
    if cells.dtype == object:
        codes, uniques = pd.factorize(cells, use_na_sentinel=True)
        counts = np.array([len(_LINE_BREAK.findall(str(u))) for u in uniques] + [0],
                          dtype=np.int64)
        return counts[codes]
    return cells.astype("string").str.count(_LINE_BREAK.pattern).fillna(0).to_numpy(
        dtype=np.int64)


def _all_line_breaks(frame: pd.DataFrame) -> np.ndarray:
    """Line breaks per row over every column (one pass over a wide table's cells)."""
    if len(frame.columns) > WIDE_COLUMNS:
        cells = frame.to_numpy(dtype=object)
        codes, uniques = pd.factorize(cells.ravel(), use_na_sentinel=True)
        counts = np.array([len(_LINE_BREAK.findall(str(u))) for u in uniques] + [0],
                          dtype=np.int64)
        return counts[codes].reshape(cells.shape).sum(axis=1)
    total = np.zeros(len(frame), dtype=np.int64)
    for column in frame.columns:
        total += _line_breaks(frame[column])
    return total


def quote_trouble(raw: RawTable, columns: Sequence[str] | None = None) -> dict[int, Problem]:
    r"""Rows of a CSV file where a stray quote seems to have swallowed the rows after it.

    A cell that holds line breaks *and* the file's delimiter is the sign: a quote opened
    in it was closed only some lines later, so those lines became part of the cell (and
    their answers and ids part of, say, an institution name). Each such row is located
    by its row number (where the quote opened) and the line of the file it starts on.

    Parameters
    ----------
    raw : RawTable
        As read by :func:`read_scan`; other than CSV files (no delimiter) have none.
    columns : sequence of str, optional
        The columns to check (default all); free-text columns may hold line breaks and
        delimiters on purpose.

    Returns
    -------
    dict
        Frame index → a :class:`Problem` naming the row, the column and the line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_text('id,school,q\nr1,"A,1\nr2,B,2\nr3,C",3\nr4,D,4\n')
    >>> [(p.row, p.column) for p in quote_trouble(read_scan(p)).values()]
    [(2, 'school')]
    """
    sep = raw.delimiter
    if sep is None or raw.frame.empty:
        return {}
    frame = raw.frame
    hits: dict[int, tuple[str, int]] = {}
    for column in frame.columns if columns is None else [c for c in frame if c in columns]:
        counts = _line_breaks(frame[column])
        broken = counts > 0
        if not broken.any():
            continue
        text = frame[column].astype("string")
        swallowed = broken & text.str.contains(sep, regex=False).fillna(False).to_numpy(bool)
        for idx in np.flatnonzero(swallowed):
            hits.setdefault(int(idx), (str(column), int(counts[idx])))
    if not hits:
        return {}
    breaks = _all_line_breaks(frame)
    before = np.concatenate([[0], np.cumsum(breaks)[:-1]])
    found = {}
    for idx, (column, cell_breaks) in sorted(hits.items()):
        row, line = raw.rows[idx], raw.rows[idx] + int(before[idx])
        lines = cell_breaks + 1
        found[int(frame.index[idx])] = Problem(
            raw.source, row, column,
            f"this cell spans {lines} lines (from line {line} of the file) and holds "
            f"delimiters ({sep!r}): a quote opened in this row swallowed the rows after it",
            "check the quotes in this row: a cell that begins with \" must end with \" in "
            "the same cell; put the swallowed rows back on lines of their own")
    return found


class _Column:
    """One column's cells, accumulated chunk by chunk.

    While the column has few distinct values it is dictionary-encoded (one small code
    per cell); a column of mostly distinct values (identifiers, free text) is kept as
    ``str`` chunks instead.
    """

    def __init__(self) -> None:
        self.lookup: dict[str, int] = {}
        self.categories: list[str] = []
        self.codes: list[np.ndarray] = []
        self.text: list | None = None
        self.n = 0

    def add(self, values: np.ndarray) -> None:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        tidy = [_tidy(u) for u in uniques]
        self.n += len(values)
        if self.text is not None:
            cells = np.array([*tidy, None], dtype=object)[codes]
            self.text.append(pd.array(cells, dtype="str"))
            return
        mapping = np.full(len(tidy) + 1, -1, dtype=np.int32)  # codes -1 (NA) -> -1
        for i, cell in enumerate(tidy):
            if cell is not None:
                mapping[i] = self.lookup.setdefault(cell, len(self.lookup))
                if mapping[i] == len(self.categories):
                    self.categories.append(cell)
        self.codes.append(mapping[codes].astype(_code_type(len(self.categories))))
        if len(self.categories) > max(DICTIONARY_LIMIT, self.n // 4):
            table = np.array([*self.categories, None], dtype=object)
            self.text = [pd.array(table[c], dtype="str") for c in self.codes]
            self.lookup, self.categories, self.codes = {}, [], []

    def finish(self) -> pd.Series:
        """The whole column; the chunks are released."""
        if self.text is not None:
            chunks, self.text = self.text, []
            return pd.concat([pd.Series(t) for t in chunks], ignore_index=True)
        chunks, self.codes = self.codes, []
        codes = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int8)
        del chunks
        categories = pd.Index(self.categories, dtype="str")
        return pd.Series(pd.Categorical.from_codes(codes, categories=categories), copy=False)


def _code_type(n: int) -> type:
    """The smallest signed integer type for codes 0..n-1 and -1 (NA)."""
    return np.int8 if n < 127 else np.int16 if n < 32_767 else np.int32


_SKIPPED = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")


def _too_many(path: Path, row: int, cells: int, expected: int) -> Problem:
    return Problem(str(path), row, None, f"row has {cells} cells, the header has {expected}",
                   "check delimiters and quotes in this row")


def _read_chunked(path: Path, source, encoding: str, sep: str, header: list[str]):
    """Stream a narrow CSV file through pandas' C parser in chunks."""
    columns = [_Column() for _ in header]
    chunk_rows = max(MIN_CHUNK_ROWS, CHUNK_CELLS // len(header))
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            reader = pd.read_csv(
                source, sep=sep, header=None, names=range(len(header)), index_col=False,
                dtype=object, na_filter=False, skip_blank_lines=False, quotechar='"',
                on_bad_lines="warn", chunksize=chunk_rows, encoding=encoding,
                encoding_errors=_CP1252 if encoding == "cp1252" else "strict", engine="c",
            )
            with reader:
                first = True
                for chunk in reader:
                    start = 1 if first else 0  # the header is the first row read
                    first = False
                    for column, position in zip(columns, range(len(header)), strict=True):
                        column.add(chunk[position].to_numpy(dtype=object)[start:])
    except pd.errors.ParserError as exc:
        raise _parser_problem(path, exc) from exc
    except (UnicodeError, ValueError) as exc:
        raise _problem(path, f"cannot read the file as CSV: {exc}",
                       "export the scan again as CSV (UTF-8)") from exc
    bad: dict[int, Problem] = {}
    for message in caught:
        if not issubclass(message.category, pd.errors.ParserWarning):
            warnings.warn_explicit(message.message, message.category, message.filename,
                                   message.lineno)
            continue
        for row, expected, cells in _SKIPPED.findall(str(message.message)):
            bad[int(row)] = _too_many(path, int(row), int(cells), int(expected))
    frame = pd.DataFrame({name: c.finish() for name, c in zip(header, columns, strict=True)},
                         copy=False)
    n = len(frame)
    readable = [r for r in range(2, 2 + n + len(bad)) if r not in bad] if bad else list(
        range(2, 2 + n))
    return frame, readable, bad


def _parser_problem(path: Path, exc: Exception) -> DataValidationError:
    text = str(exc)
    unclosed = re.search(r"EOF inside string starting at row (\d+)", text)
    if unclosed:
        return _problem(path, "a quoted cell starting in this row is never closed",
                        "the file may be cut off, or a quote is missing: export it again",
                        row=int(unclosed.group(1)) + 1)
    text = text.replace("Error tokenizing data. C error: ", "")
    return _problem(path, f"cannot parse CSV: {text}", "check quotes and delimiters")


def _read_wide(path: Path, source, encoding: str, sep: str, header: list[str]):
    """Read a CSV file with very many columns through the csv module."""
    width = len(header)
    records: list[list[str]] = []
    bad: dict[int, Problem] = {}
    readable: list[int] = []
    limit = csv.field_size_limit()
    row = 1
    try:
        csv.field_size_limit(1 << 30)
        errors = _CP1252 if encoding == "cp1252" else "strict"
        opened = (io.TextIOWrapper(source, encoding=encoding, errors=errors, newline="")
                  if not isinstance(source, Path) else
                  open(source, encoding=encoding, errors=errors, newline=""))  # noqa: SIM115
        with opened as handle:
            reader = csv.reader(handle, delimiter=sep, quotechar='"', strict=True)
            next(reader, None)
            for row, record in enumerate(reader, start=2):
                if len(record) > width:
                    bad[row] = _too_many(path, row, len(record), width)
                    continue
                records.append(record + [""] * (width - len(record)))
                readable.append(row)
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise _problem(path, "a quoted cell starting in this row is never closed",
                           "the file may be cut off, or a quote is missing: export it again",
                           row=row + 1) from exc
        raise _problem(path, f"cannot parse CSV: {exc}", "check quotes and delimiters",
                       row=row + 1) from exc
    except UnicodeError as exc:
        raise _problem(path, f"cannot read the file as CSV: {exc}",
                       "export the scan again as CSV (UTF-8)") from exc
    finally:
        csv.field_size_limit(limit)
    cells = np.array(records, dtype=object).reshape(len(records), width)
    codes, uniques = pd.factorize(cells.ravel(), use_na_sentinel=True)
    tidy = [_tidy(u) for u in uniques]
    table = np.array([*(pd.NA if t is None else t for t in tidy), pd.NA], dtype=object)
    frame = pd.DataFrame(table[codes].reshape(cells.shape), columns=header, dtype=object)
    return frame, readable, bad


def _cut_last_row(path: Path, head: bytes, encoding: str, sep: str, width: int) -> int | None:
    """Cells of the last row when the file ends without a line break in a short row."""
    size = path.stat().st_size
    span = min(size, 1 << 16)
    codec = {"utf-16": "utf-16-be" if head.startswith(codecs.BOM_UTF16_BE) else "utf-16-le",
             "utf-8-sig": "utf-8"}.get(encoding, encoding)
    if codec == "utf-32":
        return None
    if codec.startswith("utf-16") and (size - span) % 2:
        span -= 1
    with open(path, "rb") as handle:
        handle.seek(size - span)
        tail = handle.read(span).decode(codec, errors="replace")
    if not tail or tail.endswith(("\n", "\r")):
        return None
    lines = re.split(r"\r\n|\r|\n", tail)
    if len(lines) < 2 or lines[-1].count('"') % 2:
        return None  # one line only (the header), or the tail starts inside a quoted cell
    cells = next(csv.reader([lines[-1]], delimiter=sep), [])
    return len(cells) if len(cells) < width else None


# --------------------------------------------------------------------------- Excel, SPSS


def _read_xlsx(path: Path) -> RawTable:
    head = _head(path, 4096)
    if not head.startswith(b"PK\x03\x04"):
        kind = _kind_of(head) or (
            "a text file" if head and not _CONTROL.search(head.decode("latin-1")) else None)
        what = f"this is {kind}, not an Excel .xlsx workbook" if kind else (
            "this is not an Excel .xlsx workbook")
        raise _problem(path, what, "save it again as .xlsx from Excel, or "
                       + _real_extension(".xlsx"))
    _check_workbook(path, Limits.from_environment())
    try:
        sheets, title, grid = _sheet_values(path, data_only=False)
        if any(_is_formula(v) for row in grid for v in row):
            # Formulas: use the value Excel last computed; one never computed keeps its
            # text (and is then rejected as an unknown answer). Nothing is evaluated.
            cached = _sheet_values(path, data_only=True)[2]
            grid = [
                tuple(f if c is None else c  # the same value unless f is a formula
                      for f, c in zip(frow, (*crow, *[None] * (len(frow) - len(crow))),
                                      strict=False))
                for frow, crow in zip(grid, cached, strict=False)
            ]
    except DataValidationError:
        raise
    except Exception as exc:  # openpyxl raises many unrelated types for broken files
        raise _problem(path, f"cannot read Excel file: {exc}", "save it again as .xlsx") from exc
    while grid and all(_tidy(v) is None for v in grid[-1]):
        grid.pop()
    if not grid:
        others = [s for s in sheets if s != title]
        if others:
            names = ", ".join(repr(s) for s in others)
            raise _problem(path, f"the first sheet {title!r} is empty",
                           f"the scan is read from the first sheet; move it there from {names}"
                           " or delete the empty sheet")
        raise _problem(path, "file is empty", "export the scan again with a header row")
    if all(_tidy(v) is None for v in grid[0]):
        raise _problem(path, f"the header row of sheet {title!r} is empty",
                       "put the column names in row 1", row=1)
    width = max(len(r) for r in grid)
    header = _header(path, [*grid[0], *[None] * (width - len(grid[0]))])
    data = [[_tidy(v) for v in (*r, *[None] * (width - len(r)))] for r in grid[1:]]
    frame = pd.DataFrame(data, columns=header, dtype=object) if data else pd.DataFrame(
        columns=header, dtype=object)
    frame = frame.astype(object).where(frame.notna(), pd.NA)
    return RawTable(frame, range(2, 2 + len(frame)), str(path),
                    notes=(f"read {path.name}: sheet {title!r}",))


def _is_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith("=")


def _sheet_values(path: Path, data_only: bool) -> tuple[list[str], str, list[tuple]]:
    import openpyxl

    limits = Limits.from_environment()
    book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # do not trust the file's own idea of its size
        grid: list[tuple] = []
        width = 0
        for row in sheet.iter_rows(min_row=1, min_col=1, values_only=True):
            grid.append(tuple(row))
            width = max(width, len(row))
            if len(grid) * width > limits.cells or width > limits.columns:
                _check_columns(path, width, limits)
                raise _over_limit(path, f"sheet {sheet.title!r} has at least {len(grid):,} "
                                  f"rows by {width:,} columns", limits, "cells",
                                  f"to {len(grid) * width:,} or more")
        return list(book.sheetnames), sheet.title, grid
    finally:
        book.close()


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=[\"'](?:[A-Z]{1,3}\d+:)?([A-Z]{1,3})(\d+)")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\b(?:\w+:)?id=[\"']([^\"']+)")


def _check_workbook(path: Path, limits: Limits) -> None:
    """Refuse a workbook over its limits before openpyxl parses anything.

    The limits are checked from the zip directory (unpacked size) and the first sheet's
    ``<dimension ref=...>`` (rows times columns). A workbook that is not a readable zip
    archive is left to openpyxl's error.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > limits.unpacked_mb * 2**20:
                raise _over_limit(path, f"the workbook unpacks to {unpacked / 2**20:,.0f} MB",
                                  limits, "unpacked_mb", f"to {-(-unpacked // 2**20):,} or more")
            member = _first_sheet(archive)
            if member is None:
                return
            with archive.open(member) as handle:
                found = _DIMENSION.search(handle.read(1 << 16))
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, RuntimeError):
        return
    if found is None:
        return
    columns, rows = _column_number(found.group(1).decode()), int(found.group(2))
    _check_columns(path, columns, limits)
    if rows * columns > limits.cells:
        raise _over_limit(path, f"the first sheet declares {rows:,} rows by {columns:,} "
                          f"columns ({rows * columns:,} cells)", limits, "cells",
                          f"to {rows * columns:,} or more")


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    """The zip member of a workbook's first sheet (by ``xl/workbook.xml`` and its rels)."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return None
    if max(archive.getinfo(n).file_size for n in ("xl/workbook.xml",
                                                   "xl/_rels/workbook.xml.rels")) > 1 << 24:
        return None
    first = _SHEET.search(archive.read("xl/workbook.xml"))
    if first is None:
        return None
    rels = archive.read("xl/_rels/workbook.xml.rels")
    for rel in re.finditer(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        ident = re.search(rb"\bId=[\"']([^\"']+)", rel.group())
        target = re.search(rb"\bTarget=[\"']([^\"']+)", rel.group())
        if ident and target and ident.group(1) == first.group(1):
            name = target.group(1).decode()
            name = name.lstrip("/") if name.startswith("/") else f"xl/{name}"
            return name if name in names else None
    return None


def _column_number(letters: str) -> int:
    """1-based column number of spreadsheet letters (A -> 1, XFD -> 16384)."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _set_apart_long_cells(table: RawTable, path: Path, limits: Limits) -> RawTable:
    """The table with rows holding a cell over :attr:`Limits.cell_chars` set apart.

    Such rows are moved from ``frame`` to ``problems`` (so cleaning rejects them and
    fragments or documents report them), located by row and column. A CSV file no
    larger than the limit cannot hold such a cell and is not looked at.
    """
    limit = limits.cell_chars
    if table.frame.empty or (path.suffix.lower() == ".csv"
                             and path.stat().st_size <= limit):
        return table
    found = _long_cells(table.frame, limit)
    if not found:
        return table
    problems = [Problem(str(path), table.rows[i], str(column),
                        f"the cell has {n:,} characters, more than the limit "
                        f"{limits.variable('cell_chars')}",
                        f"is this the right column? to read it anyway, set "
                        f"{LIMIT_VARIABLES['cell_chars']} to {n:,} or more")
                for i, (column, n) in sorted(found.items())]
    keep = np.ones(len(table.frame), dtype=bool)
    keep[list(found)] = False
    rows = RowNumbers([r for r, k in zip(table.rows, keep, strict=True) if k])
    return replace(table, frame=table.frame[keep].reset_index(drop=True), rows=rows,
                   problems=tuple(sorted([*table.problems, *problems],
                                         key=lambda p: p.row or 0)))


def _long_cells(frame: pd.DataFrame, limit: int) -> dict[int, tuple[object, int]]:
    """Row position -> (column, length) of the first cell longer than ``limit``."""
    if len(frame.columns) > WIDE_COLUMNS:
        cells = frame.to_numpy(dtype=object)
        codes, uniques = pd.factorize(cells.ravel(), use_na_sentinel=True)
        table = np.array([len(str(u)) for u in uniques] + [0], dtype=np.int64)
        lengths = table[codes].reshape(cells.shape)
        where = np.argwhere(lengths > limit)
        found: dict[int, tuple[object, int]] = {}
        for i, j in where:
            found.setdefault(int(i), (frame.columns[j], int(lengths[i, j])))
        return found
    found = {}
    for column in frame.columns:
        lengths = _lengths(frame[column])
        for i in np.flatnonzero(lengths > limit):
            found.setdefault(int(i), (column, int(lengths[i])))
    return found


def _lengths(cells: pd.Series) -> np.ndarray:
    """Characters of each cell (0 for NA); each distinct cell measured once."""
    if isinstance(cells.dtype, pd.CategoricalDtype):
        table = pd.Series(cells.cat.categories, dtype=object).astype(str).str.len()
        codes = cells.cat.codes.to_numpy()
        return np.where(codes >= 0, np.append(table.to_numpy(dtype=np.int64), 0)[codes], 0)
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    table = np.array([len(str(u)) for u in uniques] + [0], dtype=np.int64)
    return table[codes]


def _read_sav(path: Path) -> RawTable:
    import pyreadstat

    head = _head(path, 8)
    if not head.startswith((b"$FL2", b"$FL3")):
        kind = _kind_of(head)
        what = f"this is {kind}, not an SPSS .sav file" if kind else (
            "this is not an SPSS .sav file")
        raise _problem(path, what, "save it again as .sav from SPSS, or "
                       + _real_extension(".sav"))
    try:
        frame, _ = pyreadstat.read_sav(str(path), apply_value_formats=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError and OSError
        raise _problem(path, f"cannot read SPSS file: {exc}", "save it again as .sav") from exc
    header = _header(path, list(frame.columns))
    frame.columns = header
    frame = frame.astype(object).map(_tidy)
    frame = frame.astype(object).where(frame.notna(), pd.NA)
    # SPSS has no header row: case 1 is the first data row.
    return RawTable(frame, range(1, 1 + len(frame)), str(path),
                    notes=(f"read {path.name}",))


# ------------------------------------------------------------------------- the registry

#: A scan reader: reads the file at the path into a :class:`RawTable`, raising
#: :class:`~readiness_analysis.core.errors.DataValidationError` for a broken file.
ScanReader = Callable[[Path], RawTable]

#: The scan readers, by file suffix (lower case, with the dot). The accepted suffixes,
#: the files :func:`find_scan_file` looks for and the hints of error messages come from
#: this table, in its order: a new input format is one entry here.
SCAN_READERS: Registry[ScanReader] = Registry("scan reader", {
    ".csv": _read_csv,
    ".xlsx": _read_xlsx,
    ".sav": _read_sav,
})
