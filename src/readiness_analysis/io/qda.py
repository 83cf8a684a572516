r"""Read coded interview fragments exported from QDA software into one tidy table.

Four exports are read, each following the tool's own export code or the published
exchange schema (not a guess):

* **Taguette** "highlights" CSV, as written by ``highlights_csv`` in
  ``taguette/export.py`` (repository remram44/taguette): header ``id, document, tag,
  content``; one row per highlight *and* tag (a highlight with two tags gives two rows
  with the same ``id``), ``tag`` empty for an untagged highlight, ``content`` the
  highlight as plain text. The export has no coder, case or character offsets.
* **Taguette** "highlights" Excel file, as written by ``highlights_xslx`` in the same
  file: the same four columns on a sheet ``highlights``.
* **QualCoder** coding report CSV, as written by ``DialogReportCodes.export_csv_file``
  in ``src/qualcoder/report_codes.py`` (repository ccbogel/QualCoder): UTF-8 with BOM,
  every cell quoted, header ``File, Coder, Coded, Id, Codename, Coded_Memo`` (or
  ``Case, Filename, Coder, ...`` when the report was run by case), then one ``Category``
  column per level of the deepest code (leaf to root, so parent codes first), then
  optional ``FileVar_<name>`` and ``CaseVar_<name>`` columns. ``Id`` is ``ctid:<n>``
  for text, ``imid:<n>``/``avid:<n>`` for image and audio/video codings. QualCoder
  does not pad the ``Category`` cells of codes with fewer levels, so the variable
  cells are taken from the end of each row. The export has no character offsets.
* **REFI-QDA** project exchange ``.qdpx``: a zip holding ``project.qde`` (XML in
  namespace ``urn:QDA-XML:project:1.0``) and the source files under ``sources/``,
  following the REFI-QDA Project schema ``Project-mrt2019.xsd`` (QDA-XML 1.0, release
  18 March 2019; the copy read is the one QualCoder ships in ``qualcoder/xsd.py``).
  Read are ``Users/User`` (guid, name), ``CodeBook/Codes/Code`` (guid, name, nested
  ``Code`` children, named here ``"Parent/Child"``), ``Variables/Variable``,
  ``Cases/Case`` (``SourceRef``, ``SelectionRef``, ``VariableValue``) and each
  ``Sources/TextSource`` with its text (``PlainTextContent`` inline, or
  ``plainTextPath="internal://<file>"`` read from ``sources/<file>``, or ``Sources/<file>``
  as NVivo writes it, in the zip), its
  ``PlainTextSelection`` (``startPosition``, ``endPosition``, ``creatingUser``) and
  their ``Coding/CodeRef`` (``targetGUID``). Positions are character positions in the
  plain text, start inclusive and end exclusive (``text[start:end]``, as QualCoder's
  REFI-QDA export writes them from its own ``pos0``/``pos1``). A ``Coding`` directly
  on a ``TextSource`` codes the whole text. Codings of picture, PDF, audio and video
  sources are not read; they are reported as problems.

Shapes of real exports that are read as their tools mean them: a ``Case`` without a
name (MAXQDA's document variables) is no case name, its variables are the source's (take
the institution from one with ``case_variable``; an unknown variable lists those found);
a ``Case`` whose GUID is also a ``Code`` (NVivo's case nodes), coded on a source, makes
the source a member of the case instead of coding it; offsets that count each ``\r\n`` as
one character (ATLAS.ti) are detected and read against the text with ``\n`` line breaks,
with a logged note in :attr:`CodedSegments.sources`; Taguette's Excel export is read as
its CSV. Every file and every member of a ``.qdpx`` is read within
:data:`MAX_MEMBER_BYTES` (all members together within :data:`MAX_TOTAL_BYTES`), and a
damaged archive or member (truncated, bad deflate stream, bad CRC) is one
:class:`~readiness_analysis.core.errors.CodingError` naming it.

The readers are registered in :data:`QDA_FORMATS`, one entry per export with how to
recognise it; :func:`read_coded_segments` picks the reader and its error hint names the
formats from that table, so a new QDA export is one entry there.

Every reader returns a :class:`CodedSegments`: the kept ``segments``, the ``dropped``
ones and the ``problems`` found, so nothing is left out silently. Problems are also
emitted as one :class:`CodingWarning`; with ``strict=True`` the first problem raises a
:class:`~readiness_analysis.core.errors.CodingError` instead. Structural faults (a missing
column, a broken zip, XML that is not REFI-QDA, an unknown code GUID, a selection
outside its text) always raise :class:`~readiness_analysis.core.errors.CodingError`.
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import openpyxl
import pandas as pd

from readiness_analysis.core.errors import CodingError, CodingWarning, Problem, shorten
from readiness_analysis.core.registry import Registry
from readiness_analysis.core.words import either, plural

__all__ = [
    "MAX_MEMBER_BYTES",
    "MAX_TOTAL_BYTES",
    "QDA_FORMATS",
    "QDA_NAMESPACE",
    "SEGMENT_COLUMNS",
    "SOURCE_COLUMNS",
    "CodedSegments",
    "CodingWarning",
    "QdaExport",
    "QdaFormat",
    "read_coded_segments",
    "read_qualcoder",
    "read_refi_qdpx",
    "read_taguette",
    "read_taguette_xlsx",
    "unknown_code_hint",
]

_log = logging.getLogger(__name__)

SEGMENT_COLUMNS = ("fragment_id", "document", "case", "coder", "code", "start", "end", "text")
#: Columns of :attr:`CodedSegments.sources`: one row per text source read.
SOURCE_COLUMNS = ("document", "characters", "case", "notes")
#: The most bytes one file (a CSV or xlsx export, or one member of a ``.qdpx``) may unpack
#: to; interview transcripts are a few hundred kB, so this only stops broken or hostile
#: archives (a "zip bomb") before they fill the memory.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
#: The most bytes all members of one ``.qdpx`` read together may unpack to.
MAX_TOTAL_BYTES = 256 * 1024 * 1024
QDA_NAMESPACE = "urn:QDA-XML:project:1.0"
_NS = {"q": QDA_NAMESPACE}
TAGUETTE_COLUMNS = ("id", "document", "tag", "content")
QUALCODER_COLUMNS = ("Coder", "Coded", "Id", "Codename")
_TAGUETTE_HINT = "export the highlights from Taguette as CSV (id, document, tag, content)"
_QUALCODER_HINT = "export the report from QualCoder's Reports > Coding reports as csv"
_QDPX_HINT = "export the project again from the QDA program as REFI-QDA project (.qdpx)"
_DAMAGED_HINT = ("the file is damaged (cut off while copying or downloading?): copy it again, "
                 "or export the project again from the QDA program")
# What zipfile and zlib raise on a damaged archive or member (bad deflate stream, bad CRC,
# truncated data, unsupported or encrypted compression).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
               RuntimeError, ValueError)
_NON_TEXT_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")

Issue = tuple[str, str]  # (message, hint) of a segment that cannot be kept


@dataclass(frozen=True, eq=False)
class CodedSegments:
    """Coded segments read from one export, with what was left out and why.

    Attributes
    ----------
    segments : DataFrame
        The kept segments, columns :data:`SEGMENT_COLUMNS` (``start``/``end`` Int64).
    dropped : DataFrame
        Segments not kept (empty text, no code, not a text coding), same columns.
    problems : tuple of Problem
        One per dropped segment and per code missing from the codebook (those segments
        are kept), plus non-text codings of a ``.qdpx``, in file order.
    sources : DataFrame
        One row per text source with codings (:data:`SOURCE_COLUMNS`): its name, its
        number of characters (as its offsets count them; NA without offsets), its case
        and the corrections made while reading it (``"; "``-joined, empty if none).
    renamed : dict
        Code names of the export that were matched to a codebook code other than by
        exact name (``"Readiness/Technology"`` -> ``"technology"``): on their leaf
        name, or after folding case and spaces. ``segments`` holds the codebook name.
    n_codes : int or None
        Codes the export's own codebook defines (a ``.qdpx``; None for CSV exports).

    """

    segments: pd.DataFrame
    dropped: pd.DataFrame
    problems: tuple[Problem, ...]
    sources: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=list(SOURCE_COLUMNS)))
    renamed: dict = field(default_factory=dict)
    n_codes: int | None = None


@dataclass(frozen=True)
class _Segment:
    fragment_id: str
    document: str
    case: str
    coder: str
    code: str
    start: int | None
    end: int | None
    text: str
    row: int | None = None  # spreadsheet row in a CSV export
    issue: Issue | None = None


# --------------------------------------------------------------------------- public API


def read_coded_segments(
    path: str | Path,
    codebook_codes: Iterable[str] | None = None,
    *,
    strict: bool = False,
    case_variable: str | None = None,
) -> CodedSegments:
    """Read a Taguette, QualCoder or REFI-QDA export, whichever ``path`` is.

    A ``.qdpx`` or any zip is read as REFI-QDA; a CSV whose header has ``tag`` as
    Taguette, one starting with ``File``/``Case`` or holding ``Codename`` as QualCoder
    (the formats of :data:`QDA_FORMATS`).

    Parameters
    ----------
    path : str or Path
        The export file.
    codebook_codes : iterable of str, optional
        The code names of the codebook. A code of the export is matched to it exactly,
        else with case, spaces, ``-`` and ``_`` folded, else (a nested code
        ``"Parent/Child"``) on its leaf name when no other code of the export has that
        leaf; such matches are in :attr:`CodedSegments.renamed`. A segment whose code
        still is not in it is kept and reported as a problem, with a "did you mean".
    strict : bool, default False
        Raise :class:`CodingError` on the first problem instead of warning.
    case_variable : str, optional
        Name of a case or document variable holding the case (e.g. the institution);
        its value replaces the case membership. Not available for Taguette.

    Returns
    -------
    CodedSegments
        The segments, the dropped segments and the problems.

    Raises
    ------
    CodingError
        The file is not a recognised export, is malformed, or (``strict``) has a problem.

    Examples
    --------
    >>> result = read_coded_segments("data/raw/interviews.qdpx", {"Barrier"})  # doctest: +SKIP
    >>> list(result.segments.columns)  # doctest: +SKIP
    ['fragment_id', 'document', 'case', 'coder', 'code', 'start', 'end', 'text']

    """
    path = Path(path)
    name, export = _pick_format(path)
    options: dict = {"codebook_codes": codebook_codes, "strict": strict}
    if case_variable is not None:
        if not export.variables:
            raise CodingError(
                f"a {name} export has no variables to take the case from",
                file=path,
                hint=f"leave out --case-variable (case_variable=) for {name} exports",
            )
        options["case_variable"] = case_variable
    return export.read(path, **options)


def read_taguette(
    path: str | Path,
    codebook_codes: Iterable[str] | None = None,
    *,
    strict: bool = False,
) -> CodedSegments:
    r"""Read a Taguette highlights CSV export (``id, document, tag, content``).

    ``fragment_id`` is ``<file stem>#<highlight id>``: a highlight with several tags
    gives one row per tag with the same ``fragment_id``. ``case``, ``coder`` are empty
    and ``start``/``end`` NA (Taguette exports neither). Untagged highlights are dropped.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    codebook_codes : iterable of str, optional
        Known code names; tags not among them are reported.
    strict : bool, default False
        Raise :class:`CodingError` on the first problem instead of warning.

    Returns
    -------
    CodedSegments
        The segments, the dropped segments and the problems.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> csv_file = pathlib.Path(tempfile.mkdtemp()) / "highlights.csv"
    >>> lines = ["id,document,tag,content", "4,roc_a,barrier,Te weinig tijd."]
    >>> _ = csv_file.write_text("\r\n".join(lines) + "\r\n")
    >>> read_taguette(csv_file).segments[["fragment_id", "code", "text"]].values.tolist()
    [['highlights#4', 'barrier', 'Te weinig tijd.']]

    """
    path = Path(path)
    rows = _read_csv_rows(path)
    segments = list(_taguette_segments(rows, path))
    return _screen(segments, path, codebook_codes, strict)


def read_taguette_xlsx(
    path: str | Path,
    codebook_codes: Iterable[str] | None = None,
    *,
    strict: bool = False,
) -> CodedSegments:
    """Read a Taguette highlights Excel export (sheet ``highlights``).

    Taguette's ``highlights_xslx`` (``taguette/export.py``) writes the columns of its CSV
    export (``id, document, tag, content``) to a sheet named ``highlights``; it is read
    as :func:`read_taguette` reads the CSV (the first sheet when none is so named).

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file.
    codebook_codes : iterable of str, optional
        Known code names; tags not among them are reported.
    strict : bool, default False
        Raise :class:`CodingError` on the first problem instead of warning.

    Returns
    -------
    CodedSegments
        The segments, the dropped segments and the problems.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> book = openpyxl.Workbook()
    >>> sheet = book.active
    >>> sheet.title = "highlights"
    >>> for row in (["id", "document", "tag", "content"], ["4", "roc_a", "barrier", "Tijd."]):
    ...     sheet.append(row)
    >>> xlsx = pathlib.Path(tempfile.mkdtemp()) / "highlights.xlsx"
    >>> book.save(xlsx)
    >>> read_taguette_xlsx(xlsx).segments[["fragment_id", "code"]].values.tolist()
    [['highlights#4', 'barrier']]

    """
    path = Path(path)
    rows = _read_xlsx_rows(path)
    segments = list(_taguette_segments(rows, path))
    return _screen(segments, path, codebook_codes, strict)


def read_qualcoder(
    path: str | Path,
    codebook_codes: Iterable[str] | None = None,
    *,
    strict: bool = False,
    case_variable: str | None = None,
) -> CodedSegments:
    r"""Read a QualCoder coding report CSV export.

    ``fragment_id`` is ``<file stem>#<Id>`` (``ctid:<n>``); ``code`` is the code name
    prefixed by its categories and parent codes, root first (``"Readiness/Technology"``),
    as in a REFI-QDA export of the same project; ``case`` is the ``Case`` column of a
    report by case, else empty; ``start``/``end`` are NA (not exported). Image and
    audio/video codings are dropped.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    codebook_codes : iterable of str, optional
        Known code names (with their category path); others are reported.
    strict : bool, default False
        Raise :class:`CodingError` on the first problem instead of warning.
    case_variable : str, optional
        Take the case from the ``CaseVar_<name>`` or else ``FileVar_<name>`` column.

    Returns
    -------
    CodedSegments
        The segments, the dropped segments and the problems.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> csv_file = pathlib.Path(tempfile.mkdtemp()) / "report.csv"
    >>> header = '"File","Coder","Coded","Id","Codename","Coded_Memo","Category"'
    >>> row = '"roc_a.txt","anna","Te weinig tijd.","ctid:3","Time","","Barrier"'
    >>> _ = csv_file.write_text(header + "\r\n" + row + "\r\n", encoding="utf-8-sig")
    >>> read_qualcoder(csv_file).segments[["fragment_id", "code"]].values.tolist()
    [['report#ctid:3', 'Barrier/Time']]

    """
    path = Path(path)
    rows = _read_csv_rows(path)
    segments = list(_qualcoder_segments(rows, path, case_variable))
    return _screen(segments, path, codebook_codes, strict)


def read_refi_qdpx(
    path: str | Path,
    codebook_codes: Iterable[str] | None = None,
    *,
    strict: bool = False,
    case_variable: str | None = None,
) -> CodedSegments:
    """Read the coded text selections of a REFI-QDA project (``.qdpx``).

    Follows the REFI-QDA Project schema ``Project-mrt2019.xsd`` (see the module
    docstring). One row per ``Coding`` of a ``PlainTextSelection``: ``fragment_id`` is
    ``<file stem>#<selection guid>``, ``coder`` the name of the coding's (else the
    selection's) ``creatingUser``, ``code`` the code path ``"Parent/Child"``, ``case``
    the names of the cases holding the selection or its source (``"; "``-joined),
    ``text`` the plain text sliced ``[start:end]``.

    Parameters
    ----------
    path : str or Path
        The ``.qdpx`` file.
    codebook_codes : iterable of str, optional
        Known code names; others are reported.
    strict : bool, default False
        Raise :class:`CodingError` on the first problem instead of warning.
    case_variable : str, optional
        Name of a ``Variable``: its value on the text source, else on the source's
        cases, becomes the case.

    Returns
    -------
    CodedSegments
        The segments, the dropped segments and the problems.

    Raises
    ------
    CodingError
        Not a zip, no ``project.qde``, not REFI-QDA XML, a missing source text, an
        unknown code GUID or a selection outside its text.

    Examples
    --------
    >>> result = read_refi_qdpx("tests/fixtures/qda/example.qdpx")
    >>> result.segments[["coder", "code", "text"]].iloc[0].tolist()
    ['Anna', 'Readiness/Technology', 'We werken met Teams.']

    """
    path = Path(path)
    with _open_qdpx(path) as archive:
        budget = _Budget(archive, path)
        root = _project_root(budget, path)
        project = _Project.from_root(root, path, case_variable)
        segments: list[_Segment] = []
        sources: list[dict] = []
        for source in root.iterfind("q:Sources/q:TextSource", _NS):
            read = _read_text_source(source, project, budget)
            if read is not None:
                segments += read[0]
                sources.append(read[1])
    return _screen(segments, path, codebook_codes, strict, _non_text_problems(root, path),
                   sources=sources, names=project.codes.values(), n_codes=len(project.codes))


# ------------------------------------------------------------------- dispatch and CSV


class QdaExport:
    r"""A file to be read as a QDA export, as far as recognising its format needs.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> csv_file = pathlib.Path(tempfile.mkdtemp()) / "highlights.csv"
    >>> _ = csv_file.write_text("id,document,tag,content\r\n")
    >>> export = QdaExport(csv_file)
    >>> export.is_zip, export.header
    (False, ['id', 'document', 'tag', 'content'])
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @cached_property
    def is_zip(self) -> bool:
        """Whether the file is a zip archive (whatever its name)."""
        return zipfile.is_zipfile(self.path)

    @cached_property
    def header(self) -> list[str]:
        """The stripped cells of the first CSV row; empty for a zip archive.

        Raises :class:`~readiness_analysis.core.errors.CodingError` for a file that is
        not UTF-8 text or is empty.
        """
        return [] if self.is_zip else _read_csv_rows(self.path)[0]


@dataclass(frozen=True)
class QdaFormat:
    """One QDA export the package reads: its reader and how to recognise it.

    Attributes
    ----------
    read : callable
        ``read(path, codebook_codes=None, *, strict=False[, case_variable=None])``
        returning :class:`CodedSegments`.
    described : str
        The export as the hint of an unrecognised file names it ("a REFI-QDA .qdpx").
    recognise : callable
        ``recognise(export)``: whether the :class:`QdaExport` is of this format.
    suffixes : tuple of str
        File suffixes (lower case) that are always this format, whatever the content.
    variables : bool
        Whether the export has variables to take the case from (``case_variable``).
    """

    read: Callable[..., CodedSegments]
    described: str
    recognise: Callable[[QdaExport], bool]
    suffixes: tuple[str, ...] = ()
    variables: bool = True


def _is_taguette(export: QdaExport) -> bool:
    return "tag" in export.header


def _is_qualcoder(export: QdaExport) -> bool:
    header = export.header
    return "Codename" in header or header[:1] in (["File"], ["Case"])


def _is_zip(export: QdaExport) -> bool:
    return export.is_zip


#: The QDA exports read, by name: a file is of the first format that claims its suffix,
#: else of the first that recognises it. The hint for an unrecognised file names them in
#: this order. A new QDA export is one entry here.
QDA_FORMATS: Registry[QdaFormat] = Registry("QDA format", {
    "Taguette": QdaFormat(
        read_taguette, "a Taguette highlights CSV (id, document, tag, content)", _is_taguette,
        variables=False),
    "Taguette xlsx": QdaFormat(
        read_taguette_xlsx, "a Taguette highlights Excel file (.xlsx)", lambda export: False,
        suffixes=(".xlsx",), variables=False),
    "QualCoder": QdaFormat(
        read_qualcoder,
        "a QualCoder coding report CSV (File, Coder, Coded, Id, Codename, ...)", _is_qualcoder),
    "REFI-QDA": QdaFormat(read_refi_qdpx, "a REFI-QDA .qdpx", _is_zip, suffixes=(".qdpx",)),
})


def _pick_format(path: Path) -> tuple[str, QdaFormat]:
    """The name and format of the export at ``path`` (see :data:`QDA_FORMATS`)."""
    _require_file(path)
    suffix = path.suffix.lower()
    for name, export_format in QDA_FORMATS.items():
        if suffix in export_format.suffixes:
            return name, export_format
    export = QdaExport(path)
    for name, export_format in QDA_FORMATS.items():
        if export_format.recognise(export):
            return name, export_format
    raise CodingError(
        f"not a recognised QDA export (header: {', '.join(map(shorten, export.header))})",
        file=path,
        row=1,
        hint="give " + either(f.described for f in QDA_FORMATS.values()),
    )


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise CodingError("file not found", file=path, hint="check the path of the export")


def _require_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_MEMBER_BYTES:
        raise CodingError(
            f"the file has {size:,} bytes, more than the {MAX_MEMBER_BYTES:,} an export may have",
            file=path, hint="check that this is the export of the coded segments",
        )


def _read_csv_rows(path: Path) -> list[list[str]]:
    _require_file(path)
    _require_size(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CodingError(
            f"not UTF-8 text ({err.reason} at byte {err.start})",
            file=path,
            hint="export the CSV again as UTF-8",
        ) from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not any(rows):
        raise CodingError("file is empty", file=path, hint="export the coded segments again")
    rows[0] = [cell.strip() for cell in rows[0]]
    return rows


def _read_xlsx_rows(path: Path) -> list[list[str]]:
    """The cells of the ``highlights`` sheet (else the first) as text; blank rows empty."""
    _require_file(path)
    _require_size(path)
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_TOTAL_BYTES:
            raise CodingError(
                f"the workbook unpacks to {unpacked:,} bytes, more than {MAX_TOTAL_BYTES:,}",
                file=path, hint="check that this is Taguette's highlights export")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except CodingError:
        raise
    except (*_ZIP_ERRORS, KeyError, openpyxl.utils.exceptions.InvalidFileException) as err:
        raise CodingError(f"not a readable Excel workbook ({_reason(err)})", file=path,
                          hint="export the highlights from Taguette again as Excel") from None
    try:
        sheet = book["highlights"] if "highlights" in book.sheetnames else book.worksheets[0]
        rows = [["" if value is None else str(value) for value in row]
                for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    rows = [row if any(cell.strip() for cell in row) else [] for row in rows]
    if not any(rows):
        raise CodingError("file is empty", file=path, hint="export the coded segments again")
    rows[0] = [cell.strip() for cell in rows[0]]
    return rows


def _column_index(header: list[str], names: Iterable[str], path: Path, hint: str) -> dict:
    index = {}
    for name in names:
        if name not in header:
            raise CodingError(
                f"missing required column {name!r} (header: {', '.join(map(shorten, header))})",
                file=path,
                row=1,
                column=name,
                hint=hint,
            )
        index[name] = header.index(name)
    return index


def _cell(row: list[str], position: int) -> str:
    return row[position] if position < len(row) else ""


def _taguette_segments(rows: list[list[str]], path: Path) -> Iterator[_Segment]:
    index = _column_index(rows[0], TAGUETTE_COLUMNS, path, _TAGUETTE_HINT)
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        cells = {name: _cell(row, i) for name, i in index.items()}
        tag = cells["tag"].strip()
        issue = None if tag else ("highlight has no tag", "tag it in Taguette or delete it")
        yield _Segment(
            fragment_id=f"{path.stem}#{cells['id'].strip() or f'row{number}'}",
            document=cells["document"].strip(),
            case="",
            coder="",
            code=tag,
            start=None,
            end=None,
            text=cells["content"],
            row=number,
            issue=issue,
        )


@dataclass(frozen=True)
class _QualCoderLayout:
    by_case: bool
    index: dict
    first_extra: int  # first Category / variable column
    variables: tuple[str, ...]  # FileVar_/CaseVar_ headers, in order

    @classmethod
    def from_header(cls, header: list[str], path: Path) -> _QualCoderLayout:
        by_case = header[:1] == ["Case"]
        first = ("Case", "Filename") if by_case else ("File",)
        index = _column_index(header, first + QUALCODER_COLUMNS, path, _QUALCODER_HINT)
        extras = [i for i, h in enumerate(header) if h == "Category" or _is_variable(h)]
        variables = tuple(h for h in header if _is_variable(h))
        return cls(by_case, index, extras[0] if extras else len(header), variables)

    def categories(self, row: list[str]) -> list[str]:
        stop = len(row) - len(self.variables)
        return [c.strip() for c in row[self.first_extra : stop] if c.strip()]

    def variable_values(self, row: list[str]) -> dict[str, str]:
        values = row[len(row) - len(self.variables) :] if self.variables else []
        return dict(zip(self.variables, values, strict=False))


def _is_variable(header: str) -> bool:
    return header.startswith(("FileVar_", "CaseVar_"))


def _qualcoder_segments(
    rows: list[list[str]], path: Path, case_variable: str | None
) -> Iterator[_Segment]:
    layout = _QualCoderLayout.from_header(rows[0], path)
    if case_variable and not {f"CaseVar_{case_variable}", f"FileVar_{case_variable}"} & set(
            layout.variables):
        found = ", ".join(repr(v.split("_", 1)[1]) for v in layout.variables) or "none"
        raise CodingError(
            f"the report has no variable {case_variable!r} to take the institution from; "
            f"the variables it has: {found}",
            file=path, row=1,
            hint="pass --case-variable with one of these names, or run the report with "
                 "its case and file variables (CaseVar_/FileVar_ columns)")
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        cells = {name: _cell(row, i).strip() for name, i in layout.index.items()}
        coding_id = cells["Id"] or f"row{number}"
        issue = _qualcoder_issue(coding_id)
        yield _Segment(
            fragment_id=f"{path.stem}#{coding_id}",
            document=cells["Filename"] if layout.by_case else cells["File"],
            case=_qualcoder_case(layout, row, cells, case_variable),
            coder=cells["Coder"],
            code="/".join([*reversed(layout.categories(row)), cells["Codename"]]),
            start=None,
            end=None,
            text="" if issue else _cell(row, layout.index["Coded"]),
            row=number,
            issue=issue,
        )


def _qualcoder_case(
    layout: _QualCoderLayout, row: list[str], cells: dict, case_variable: str | None
) -> str:
    if case_variable:
        values = layout.variable_values(row)
        for header in (f"CaseVar_{case_variable}", f"FileVar_{case_variable}"):
            if values.get(header, "").strip():
                return values[header].strip()
    return cells["Case"] if layout.by_case else ""


def _qualcoder_issue(coding_id: str) -> Issue | None:
    kinds = {"imid:": "an image coding", "avid:": "an audio/video coding"}
    for prefix, kind in kinds.items():
        if coding_id.startswith(prefix):
            return f"{kind}, not coded text", "only coded text is analysed; nothing to do"
    return None


# --------------------------------------------------------------------------- REFI-QDA


def _open_qdpx(path: Path) -> zipfile.ZipFile:
    _require_file(path)
    try:
        return zipfile.ZipFile(path)
    except _ZIP_ERRORS as err:
        raise CodingError(
            f"not a valid zip archive, so not a REFI-QDA project (.qdpx): {_reason(err)}",
            file=path,
            hint=_QDPX_HINT,
        ) from None


def _reason(err: BaseException) -> str:
    """One line saying what was wrong with an archive or member."""
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    if isinstance(err, zlib.error):
        return f"its compressed data are corrupt: {text}"
    if "CRC" in text:
        return f"its checksum does not match its contents: {text}"
    return text


class _Budget:
    """Reads the members of one archive, each and all together within the size caps."""

    def __init__(self, archive: zipfile.ZipFile, path: Path) -> None:
        self.archive, self.path, self.left = archive, path, MAX_TOTAL_BYTES

    def read(self, member: str) -> bytes:
        """The bytes of ``member``; a :class:`CodingError` naming it when too big or damaged."""
        info = self.archive.getinfo(member)
        limit = min(MAX_MEMBER_BYTES, self.left)
        if info.file_size > limit:
            raise self._too_big(member, info.file_size, limit)
        try:
            with self.archive.open(info) as stream:
                data = stream.read(limit + 1)
        except _ZIP_ERRORS as err:
            raise CodingError(f"{member} in the archive cannot be unpacked: {_reason(err)}",
                              file=self.path, hint=_DAMAGED_HINT) from None
        if len(data) > limit:
            raise self._too_big(member, len(data), limit)
        self.left -= len(data)
        return data

    def _too_big(self, member: str, size: int, limit: int) -> CodingError:
        cap = ("a member may have" if limit == MAX_MEMBER_BYTES
               else f"left of the {MAX_TOTAL_BYTES:,} all members together may have")
        return CodingError(
            f"{member} in the archive unpacks to {size:,} bytes or more, more than the "
            f"{limit:,} {cap}",
            file=self.path,
            hint="interview transcripts are far smaller: check that this is the right project, "
                 "or export it without media files",
        )


def _project_root(budget: _Budget, path: Path) -> ET.Element:
    if "project.qde" not in budget.archive.namelist():
        raise CodingError(
            "the zip holds no project.qde, so it is not a REFI-QDA project",
            file=path,
            hint=_QDPX_HINT,
        )
    data = budget.read("project.qde")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as err:
        raise CodingError(
            f"project.qde is not well-formed XML: {err}", file=path, hint=_QDPX_HINT
        ) from None
    if root.tag != f"{{{QDA_NAMESPACE}}}Project":
        raise CodingError(
            f"project.qde is not REFI-QDA XML: root element is {root.tag!r}, "
            f"expected 'Project' in namespace {QDA_NAMESPACE!r}",
            file=path,
            hint=_QDPX_HINT,
        )
    return root


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


@dataclass(frozen=True)
class _Case:
    name: str  # empty for a nameless Case (MAXQDA's document variables)
    members: frozenset[str]  # source and selection GUIDs
    values: dict[str, str]  # variable name -> value


@dataclass(frozen=True)
class _Project:
    path: Path
    users: dict[str, str]
    codes: dict[str, str]
    cases: tuple[_Case, ...]
    variables: dict[str, str]
    case_guids: frozenset[str] = frozenset()
    case_variable: str | None = None

    @classmethod
    def from_root(cls, root: ET.Element, path: Path, case_variable: str | None) -> _Project:
        variables = {
            _guid(v.get("guid")): v.get("name", "")
            for v in root.iterfind("q:Variables/q:Variable", _NS)
        }
        users = {
            _guid(u.get("guid")): u.get("name") or u.get("id") or u.get("guid", "")
            for u in root.iterfind("q:Users/q:User", _NS)
        }
        case_elements = list(root.iterfind("q:Cases/q:Case", _NS))
        case_guids = frozenset(_guid(c.get("guid")) for c in case_elements)
        codes: dict[str, str] = {}
        _collect_codes(root.find("q:CodeBook/q:Codes", _NS), "", codes, case_guids)
        coded = _case_node_members(root, case_guids)
        cases = tuple(_read_case(c, variables, coded) for c in case_elements)
        if case_variable is not None:
            case_variable = _variable_name(case_variable, variables, cases, root, path)
        return cls(path, users, codes, cases, variables, case_guids, case_variable)

    def coder(self, *elements: ET.Element) -> str:
        for element in elements:
            user = element.get("creatingUser")
            if user:
                return self.users.get(_guid(user), user)
        return ""

    def case(self, source: ET.Element, selection_guid: str) -> str:
        source_guid = _guid(source.get("guid"))
        cases = [c for c in self.cases if {source_guid, selection_guid} & c.members]
        if self.case_variable:
            own = _variable_values(source, self.variables).get(self.case_variable, "")
            values = {own} if own else {c.values.get(self.case_variable, "") for c in cases}
            if values - {""}:
                return "; ".join(sorted(values - {""}))
        return "; ".join(sorted({c.name for c in cases if c.name}))

    def document_variables(self, source: ET.Element) -> list[str]:
        """Names of the variables of ``source`` and its nameless cases (document variables)."""
        source_guid = _guid(source.get("guid"))
        names = set(_variable_values(source, self.variables))
        for case in self.cases:
            if not case.name and source_guid in case.members:
                names |= set(case.values)
        return sorted(names)


def _collect_codes(
    parent: ET.Element | None, prefix: str, out: dict[str, str], skip: frozenset[str]
) -> None:
    """Code GUID -> ``"Parent/Child"`` path; NVivo case nodes (GUIDs in ``skip``) are left out."""
    if parent is None:
        return
    for code in parent.iterfind("q:Code", _NS):
        guid = _guid(code.get("guid"))
        if guid in skip:
            _collect_codes(code, prefix, out, skip)
            continue
        name = code.get("name", "")
        full = f"{prefix}/{name}" if prefix else name
        out[guid] = full
        _collect_codes(code, full, out, skip)


def _case_node_members(root: ET.Element, case_guids: frozenset[str]) -> dict[str, set[str]]:
    """Case GUID -> sources and selections coded with it (NVivo's case nodes)."""
    members: dict[str, set[str]] = {}
    if not case_guids:
        return members
    for source in root.iterfind("q:Sources/q:TextSource", _NS):
        for element in (source, *source.iterfind("q:PlainTextSelection", _NS)):
            for ref in element.iterfind("q:Coding/q:CodeRef", _NS):
                target = _guid(ref.get("targetGUID"))
                if target in case_guids:
                    members.setdefault(target, set()).add(_guid(source.get("guid")))
    return members


def _read_case(case: ET.Element, variables: dict[str, str], coded: dict) -> _Case:
    refs = case.iterfind("q:SourceRef", _NS), case.iterfind("q:SelectionRef", _NS)
    members = {_guid(ref.get("targetGUID")) for group in refs for ref in group}
    members |= coded.get(_guid(case.get("guid")), set())
    name = (case.get("name") or "").strip()
    return _Case(name, frozenset(members), _variable_values(case, variables))


def _variable_name(
    wanted: str, variables: dict[str, str], cases: tuple, root: ET.Element, path: Path
) -> str:
    """The project's spelling of variable ``wanted`` (case and spaces folded), or an error."""
    names = sorted(set(variables.values()))
    if wanted in names:
        return wanted
    folded = [n for n in names if _fold(n) == _fold(wanted)]
    if len(folded) == 1:
        return folded[0]
    found = ", ".join(repr(n) for n in names) or "none"
    raise CodingError(
        f"the project has no variable {wanted!r} to take the institution from; "
        f"the variables it has: {found}",
        file=path,
        hint="pass --case-variable with one of these names, or leave it out to use the cases",
    )


def _variable_values(element: ET.Element, variables: dict[str, str]) -> dict[str, str]:
    values = {}
    for item in element.iterfind("q:VariableValue", _NS):
        ref = item.find("q:VariableRef", _NS)
        name = variables.get(_guid(None if ref is None else ref.get("targetGUID")))
        value = [child.text or "" for child in item if child is not ref]
        if name and value:
            values[name] = value[0].strip()
    return values


def _read_text_source(
    source: ET.Element, project: _Project, budget: _Budget
) -> tuple[list[_Segment], dict] | None:
    """The segments of one text source and its row of :attr:`CodedSegments.sources`."""
    selections = source.findall("q:PlainTextSelection", _NS)
    whole = source.findall("q:Coding", _NS)
    if not selections and not whole:
        return None
    text = _source_text(source, budget, project.path)
    positions = [_positions(source, selection, project.path) for selection in selections]
    text, notes = _line_breaks(text, positions, source, project.path)
    segments = []
    for selection, position in zip(selections, positions, strict=True):
        span = _check_span(source, selection, position, len(text), project.path)
        for coding in selection.iterfind("q:Coding", _NS):
            segments.append(_coded_segment(source, selection, coding, span, text, project))
    for coding in whole:
        segments.append(_coded_segment(source, source, coding, (0, len(text)), text, project))
    case = project.case(source, "")
    if not case and not project.case_variable and project.document_variables(source):
        found = ", ".join(project.document_variables(source))
        notes.append(f"no case; document variables {found}: pass --case-variable NAME to "
                     "take the institution from one")
    row = {"document": _source_name(source), "characters": len(text), "case": case,
           "notes": "; ".join(notes)}
    return [seg for seg in segments if seg is not None], row


def _coded_segment(
    source: ET.Element,
    selection: ET.Element,
    coding: ET.Element,
    span: tuple[int, int],
    text: str,
    project: _Project,
) -> _Segment | None:
    """The segment of one ``Coding``; None for a coding with a case node (NVivo)."""
    guid = selection.get("guid", "")
    ref = coding.find("q:CodeRef", _NS)
    target = "" if ref is None else ref.get("targetGUID", "")
    if _guid(target) in project.case_guids:
        return None
    code = project.codes.get(_guid(target))
    if code is None:
        raise CodingError(
            f"selection {guid} in source {_source_name(source)!r} is coded with "
            f"code GUID {target!r}, which the CodeBook does not define",
            file=project.path,
            hint="the project is incomplete or edited by hand; " + _QDPX_HINT,
        )
    return _Segment(
        fragment_id=f"{project.path.stem}#{guid}",
        document=_source_name(source),
        case=project.case(source, _guid(guid)),
        coder=project.coder(coding, selection),
        code=code,
        start=span[0],
        end=span[1],
        text=text[span[0] : span[1]],
    )


def _source_name(source: ET.Element) -> str:
    return source.get("name") or source.get("guid", "")


def _positions(source: ET.Element, selection: ET.Element, path: Path) -> tuple[int, int]:
    try:
        return int(selection.get("startPosition", "")), int(selection.get("endPosition", ""))
    except ValueError:
        where = f"selection {selection.get('guid', '')} in source {_source_name(source)!r}"
        raise CodingError(
            f"{where} has no integer startPosition/endPosition",
            file=path,
            hint="both attributes are required by the REFI-QDA schema; " + _QDPX_HINT,
        ) from None


def _check_span(
    source: ET.Element, selection: ET.Element, position: tuple[int, int], length: int,
    path: Path,
) -> tuple[int, int]:
    start, end = position
    if not 0 <= start <= end <= length:
        where = f"selection {selection.get('guid', '')} in source {_source_name(source)!r}"
        raise CodingError(
            f"{where} spans characters {start}-{end}, outside its text of {length} characters",
            file=path,
            hint="the source text in the .qdpx does not match the coding; " + _QDPX_HINT,
        )
    return start, end


def _misfits(text: str, positions: list[tuple[int, int]]) -> int:
    """Selection boundaries that split a CRLF pair or a word: offsets that do not fit."""
    count = 0
    for boundary in (b for pair in positions for b in pair):
        if 0 < boundary < len(text):
            before, after = text[boundary - 1], text[boundary]
            if (before, after) == ("\r", "\n") or (before.isalnum() and after.isalnum()):
                count += 1
    return count


def _line_breaks(
    text: str, positions: list[tuple[int, int]], source: ET.Element, path: Path
) -> tuple[str, list[str]]:
    r"""The text the offsets count, and a note when CRLF had to be counted once.

    ATLAS.ti counts a ``\r\n`` line break as one character. When the offsets fit the
    text with each ``\r\n`` counted once better than the text as stored (fewer selection
    boundaries inside a word or a CRLF pair, none beyond its end), the text is read with
    ``\n`` line breaks and a note is logged. On a tie the text is read as stored.
    """
    if "\r\n" not in text or not positions:
        return text, []
    once = text.replace("\r\n", "\n")
    if any(end > len(once) for _, end in positions):
        return text, []
    if _misfits(once, positions) >= _misfits(text, positions):
        return text, []
    note = (f"offsets count each CRLF line break as one character (as ATLAS.ti does): "
            f"read against the text with {text.count(chr(13) + chr(10))} LF line breaks")
    _log.info("%s: text source %r: %s", path, _source_name(source), note)
    return once, [note]


def _source_text(source: ET.Element, budget: _Budget, path: Path) -> str:
    content = source.find("q:PlainTextContent", _NS)
    if content is not None:
        return content.text or ""
    where = f"text source {_source_name(source)!r}"
    location = source.get("plainTextPath", "")
    if not location.startswith("internal://"):
        missing = (
            "has no plain text" if not location else f"has its text outside the zip ({location})"
        )
        raise CodingError(
            f"{where} {missing}",
            file=path,
            hint="export the project with its sources included (plainTextPath internal://...)",
        )
    member = _archive_member(budget.archive, location.removeprefix("internal://"))
    if member is None:
        raise CodingError(
            f"{where}: sources/{location.removeprefix('internal://')} is missing from the zip",
            file=path,
            hint=_QDPX_HINT,
        )
    try:
        return budget.read(member).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CodingError(
            f"{where}: {member} is not UTF-8 text", file=path, hint=_QDPX_HINT
        ) from None


def _archive_member(archive: zipfile.ZipFile, name: str) -> str | None:
    names = archive.namelist()
    for candidate in (f"sources/{name}", f"Sources/{name}"):
        if candidate in names:
            return candidate
    found = [n for n in names if n.rsplit("/", 1)[-1].lower() == name.lower()]
    return found[0] if len(found) == 1 else None


def _non_text_problems(root: ET.Element, path: Path) -> list[Problem]:
    problems = []
    for kind in _NON_TEXT_SOURCES:
        for source in root.iterfind(f"q:Sources/q:{kind}", _NS):
            count = sum(1 for _ in source.iter(f"{{{QDA_NAMESPACE}}}Coding"))
            if count:
                message = (
                    f"{count} codings of {kind} {_source_name(source)!r} are not text; not read"
                )
                hint = "only TextSource codings are read; code the text as a text source"
                problems.append(Problem(str(path), None, None, message, hint))
    return problems


# ------------------------------------------------------------------ screening, output


def _screen(
    segments: list[_Segment],
    path: Path,
    codebook_codes: Iterable[str] | None,
    strict: bool,
    extra: Iterable[Problem] = (),
    *,
    sources: list[dict] | None = None,
    names: Iterable[str] = (),
    n_codes: int | None = None,
) -> CodedSegments:
    known = None if codebook_codes is None else frozenset(codebook_codes)
    renamed = {} if known is None else _resolve(
        known, {seg.code for seg in segments} | set(names))
    kept, dropped, problems = [], [], []
    for seg in segments:
        issue = seg.issue or _emptiness(seg)
        if issue:
            dropped.append(seg)
            problems.append(_problem(path, seg, *issue))
            continue
        if seg.code in renamed:
            seg = replace(seg, code=renamed[seg.code])
        kept.append(seg)
        if known is not None and seg.code not in known:
            hint = unknown_code_hint(seg.code, known)
            problems.append(_problem(path, seg, f"code {seg.code!r} is not in the codebook", hint))
    problems.extend(extra)
    _report(problems, path, strict)
    used = {seg.code for seg in segments}
    frame = pd.DataFrame(sources or [], columns=list(SOURCE_COLUMNS))
    frame["characters"] = frame["characters"].astype("Int64")
    return CodedSegments(_frame(kept), _frame(dropped), tuple(problems), frame,
                         {k: v for k, v in renamed.items() if k in used}, n_codes)


def _fold(name: str) -> str:
    """A code or variable name with case, spaces, hyphens and underscores folded."""
    return re.sub(r"[\s_-]+", "_", name.strip().casefold())


def _leaf(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _resolve(known: frozenset[str], names: set[str]) -> dict[str, str]:
    """Export code name -> codebook code, for names that match other than exactly.

    Tried in order: the name with case and spaces folded, then (for a nested code
    ``"Parent/Child"``) its leaf name, exactly and then folded, when no other code of
    the export has the same leaf. A match must be to exactly one codebook code.
    """
    by_fold: dict[str, list[str]] = {}
    for code in known:
        by_fold.setdefault(_fold(code), []).append(code)
    leaves: dict[str, int] = {}
    for name in names:
        leaves[_fold(_leaf(name))] = leaves.get(_fold(_leaf(name)), 0) + 1
    out = {}
    for name in sorted(names):
        if name in known:
            continue
        candidates = [name]
        if "/" in name and leaves[_fold(_leaf(name))] == 1:
            candidates.append(_leaf(name))
        for candidate in candidates:
            match = [candidate] if candidate in known else by_fold.get(_fold(candidate), [])
            if len(match) == 1:
                out[name] = match[0]
                break
    return out


def unknown_code_hint(code: str, known: Iterable[str]) -> str:
    """What to do about a code that is not in the codebook, with a "did you mean".

    The suggestion is the codebook code closest to the code's leaf name after folding
    case and spaces (:func:`difflib.get_close_matches`, cutoff 0.6), if any.

    Examples
    --------
    >>> unknown_code_hint("wifi infra", {"wifi_infrastructure", "willingness"}).split("?")[0]
    "did you mean 'wifi_infrastructure'"
    """
    by_fold = {_fold(k): k for k in known}
    close = difflib.get_close_matches(_fold(_leaf(code)), list(by_fold), n=1, cutoff=0.6)
    advice = "add the code to the codebook or correct it in the QDA project"
    if "/" in code:
        advice = (f"the code is nested; its leaf name {_leaf(code)!r} is not a codebook code "
                  "either (or other codes share it): " + advice)
    return f"did you mean {by_fold[close[0]]!r}? {advice}" if close else advice


def _emptiness(seg: _Segment) -> Issue | None:
    if seg.start is not None and seg.start == seg.end:
        return "empty segment (start equals end)", "remove the empty coding in the QDA program"
    if not seg.text.strip():
        return "segment has no text", "remove the empty coding in the QDA program"
    return None


def _problem(path: Path, seg: _Segment, message: str, hint: str) -> Problem:
    where = f"segment {seg.fragment_id} ({seg.document!r}, code {seg.code!r})"
    return Problem(str(path), seg.row, None, f"{where}: {message}", hint)


def _report(problems: list[Problem], path: Path, strict: bool) -> None:
    if not problems:
        return
    if strict:
        first, more = problems[0], len(problems) - 1
        suffix = f" (and {plural(more, 'more problem')})" if more else ""
        raise CodingError(first.message + suffix, hint=first.hint, file=path, row=first.row)
    lines = "\n".join(f"  {problem}" for problem in problems)
    warnings.warn(
        CodingWarning(f"{path}: {plural(len(problems), 'problem')} in coded segments:\n{lines}"),
        stacklevel=4,
    )


def _frame(segments: list[_Segment]) -> pd.DataFrame:
    data = {name: [getattr(seg, name) for seg in segments] for name in SEGMENT_COLUMNS}
    frame = pd.DataFrame(data, columns=list(SEGMENT_COLUMNS))
    text_columns = [c for c in SEGMENT_COLUMNS if c not in ("start", "end")]
    frame[text_columns] = frame[text_columns].astype(str)
    frame["start"] = pd.array(data["start"], dtype="Int64")
    frame["end"] = pd.array(data["end"], dtype="Int64")
    return frame
