"""Read coded interview fragments exported from QDA software into one tidy table.

Three exports are read, each following the tool's own export code or the published
exchange schema (not a guess):

* **Taguette** "highlights" CSV, as written by ``highlights_csv`` in
  ``taguette/export.py`` (repository remram44/taguette): header ``id, document, tag,
  content``; one row per highlight *and* tag (a highlight with two tags gives two rows
  with the same ``id``), ``tag`` empty for an untagged highlight, ``content`` the
  highlight as plain text. The export has no coder, case or character offsets.
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
  ``plainTextPath="internal://<file>"`` read from ``sources/<file>`` in the zip), its
  ``PlainTextSelection`` (``startPosition``, ``endPosition``, ``creatingUser``) and
  their ``Coding/CodeRef`` (``targetGUID``). Positions are character positions in the
  plain text, start inclusive and end exclusive (``text[start:end]``, as QualCoder's
  REFI-QDA export writes them from its own ``pos0``/``pos1``). A ``Coding`` directly
  on a ``TextSource`` codes the whole text. Codings of picture, PDF, audio and video
  sources are not read; they are reported as problems.

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
import io
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from readiness_analysis.core.errors import CodingError, CodingWarning, Problem
from readiness_analysis.core.registry import Registry
from readiness_analysis.core.words import either, plural

__all__ = [
    "QDA_FORMATS",
    "QDA_NAMESPACE",
    "SEGMENT_COLUMNS",
    "CodedSegments",
    "CodingWarning",
    "QdaExport",
    "QdaFormat",
    "read_coded_segments",
    "read_qualcoder",
    "read_refi_qdpx",
    "read_taguette",
]

SEGMENT_COLUMNS = ("fragment_id", "document", "case", "coder", "code", "start", "end", "text")
QDA_NAMESPACE = "urn:QDA-XML:project:1.0"
_NS = {"q": QDA_NAMESPACE}
TAGUETTE_COLUMNS = ("id", "document", "tag", "content")
QUALCODER_COLUMNS = ("Coder", "Coded", "Id", "Codename")
_TAGUETTE_HINT = "export the highlights from Taguette as CSV (id, document, tag, content)"
_QUALCODER_HINT = "export the report from QualCoder's Reports > Coding reports as csv"
_QDPX_HINT = "export the project again from the QDA program as REFI-QDA project (.qdpx)"
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

    """

    segments: pd.DataFrame
    dropped: pd.DataFrame
    problems: tuple[Problem, ...]


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
        The code names of the codebook (nested codes as ``"Parent/Child"``). A segment
        whose code is not in it is kept and reported as a problem.
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
                hint=f"leave case_variable unset for {name} exports",
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
        root = _project_root(archive, path)
        project = _Project.from_root(root, path, case_variable)
        segments = [
            seg
            for source in root.iterfind("q:Sources/q:TextSource", _NS)
            for seg in _text_source_segments(source, project, archive)
        ]
    return _screen(segments, path, codebook_codes, strict, _non_text_problems(root, path))


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
        f"not a recognised QDA export (header: {', '.join(export.header)})",
        file=path,
        row=1,
        hint="give " + either(f.described for f in QDA_FORMATS.values()),
    )


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise CodingError("file not found", file=path, hint="check the path of the export")


def _read_csv_rows(path: Path) -> list[list[str]]:
    _require_file(path)
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


def _column_index(header: list[str], names: Iterable[str], path: Path, hint: str) -> dict:
    index = {}
    for name in names:
        if name not in header:
            raise CodingError(
                f"missing required column {name!r} (header: {', '.join(header)})",
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
    except zipfile.BadZipFile:
        raise CodingError(
            "not a valid zip archive, so not a REFI-QDA project (.qdpx)",
            file=path,
            hint=_QDPX_HINT,
        ) from None


def _project_root(archive: zipfile.ZipFile, path: Path) -> ET.Element:
    try:
        data = archive.read("project.qde")
    except KeyError:
        raise CodingError(
            "the zip holds no project.qde, so it is not a REFI-QDA project",
            file=path,
            hint=_QDPX_HINT,
        ) from None
    except (zipfile.BadZipFile, OSError) as err:
        raise CodingError(
            f"project.qde cannot be read: {err}", file=path, hint=_QDPX_HINT
        ) from None
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
    name: str
    members: frozenset[str]  # source and selection GUIDs
    values: dict[str, str]  # variable name -> value


@dataclass(frozen=True)
class _Project:
    path: Path
    users: dict[str, str]
    codes: dict[str, str]
    cases: tuple[_Case, ...]
    variables: dict[str, str]
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
        codes: dict[str, str] = {}
        _collect_codes(root.find("q:CodeBook/q:Codes", _NS), "", codes)
        cases = tuple(_read_case(c, variables) for c in root.iterfind("q:Cases/q:Case", _NS))
        return cls(path, users, codes, cases, variables, case_variable)

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
            value = _variable_values(source, self.variables).get(self.case_variable, "")
            values = [value] if value else [c.values.get(self.case_variable, "") for c in cases]
            if any(values):
                return "; ".join(sorted({v for v in values if v}))
        return "; ".join(sorted({c.name for c in cases}))


def _collect_codes(parent: ET.Element | None, prefix: str, out: dict[str, str]) -> None:
    if parent is None:
        return
    for code in parent.iterfind("q:Code", _NS):
        name = code.get("name", "")
        full = f"{prefix}/{name}" if prefix else name
        out[_guid(code.get("guid"))] = full
        _collect_codes(code, full, out)


def _read_case(case: ET.Element, variables: dict[str, str]) -> _Case:
    refs = case.iterfind("q:SourceRef", _NS), case.iterfind("q:SelectionRef", _NS)
    members = frozenset(_guid(ref.get("targetGUID")) for group in refs for ref in group)
    name = case.get("name") or case.get("guid", "")
    return _Case(name, members, _variable_values(case, variables))


def _variable_values(element: ET.Element, variables: dict[str, str]) -> dict[str, str]:
    values = {}
    for item in element.iterfind("q:VariableValue", _NS):
        ref = item.find("q:VariableRef", _NS)
        name = variables.get(_guid(None if ref is None else ref.get("targetGUID")))
        value = [child.text or "" for child in item if child is not ref]
        if name and value:
            values[name] = value[0].strip()
    return values


def _text_source_segments(
    source: ET.Element, project: _Project, archive: zipfile.ZipFile
) -> Iterator[_Segment]:
    selections = source.findall("q:PlainTextSelection", _NS)
    whole = source.findall("q:Coding", _NS)
    if not selections and not whole:
        return
    text = _source_text(source, archive, project.path)
    for selection in selections:
        yield from _selection_segments(source, selection, text, project)
    for coding in whole:
        yield _coded_segment(source, source, coding, (0, len(text)), text, project)


def _selection_segments(
    source: ET.Element, selection: ET.Element, text: str, project: _Project
) -> Iterator[_Segment]:
    span = _selection_span(source, selection, len(text), project.path)
    for coding in selection.iterfind("q:Coding", _NS):
        yield _coded_segment(source, selection, coding, span, text, project)


def _coded_segment(
    source: ET.Element,
    selection: ET.Element,
    coding: ET.Element,
    span: tuple[int, int],
    text: str,
    project: _Project,
) -> _Segment:
    guid = selection.get("guid", "")
    ref = coding.find("q:CodeRef", _NS)
    target = "" if ref is None else ref.get("targetGUID", "")
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


def _selection_span(
    source: ET.Element, selection: ET.Element, length: int, path: Path
) -> tuple[int, int]:
    guid = selection.get("guid", "")
    where = f"selection {guid} in source {_source_name(source)!r}"
    try:
        start = int(selection.get("startPosition", ""))
        end = int(selection.get("endPosition", ""))
    except ValueError:
        raise CodingError(
            f"{where} has no integer startPosition/endPosition",
            file=path,
            hint="both attributes are required by the REFI-QDA schema; " + _QDPX_HINT,
        ) from None
    if not 0 <= start <= end <= length:
        raise CodingError(
            f"{where} spans characters {start}-{end}, outside its text of {length} characters",
            file=path,
            hint="the source text in the .qdpx does not match the coding; " + _QDPX_HINT,
        )
    return start, end


def _source_text(source: ET.Element, archive: zipfile.ZipFile, path: Path) -> str:
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
    member = _archive_member(archive, location.removeprefix("internal://"))
    if member is None:
        raise CodingError(
            f"{where}: sources/{location.removeprefix('internal://')} is missing from the zip",
            file=path,
            hint=_QDPX_HINT,
        )
    try:
        return archive.read(member).decode("utf-8-sig")
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
) -> CodedSegments:
    known = None if codebook_codes is None else frozenset(codebook_codes)
    kept, dropped, problems = [], [], []
    for seg in segments:
        issue = seg.issue or _emptiness(seg)
        if issue:
            dropped.append(seg)
            problems.append(_problem(path, seg, *issue))
            continue
        kept.append(seg)
        if known is not None and seg.code not in known:
            hint = "add the code to the codebook or correct it in the QDA project"
            problems.append(_problem(path, seg, f"code {seg.code!r} is not in the codebook", hint))
    problems.extend(extra)
    _report(problems, path, strict)
    return CodedSegments(_frame(kept), _frame(dropped), tuple(problems))


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
        suffix = f" (and {more} more problems)" if more else ""
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
