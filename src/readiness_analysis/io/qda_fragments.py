"""Turn coded segments from QDA software into the package's fragment table.

A QDA export has one row per coder x selection x code. The analysis needs one fragment
per coded passage with its codes, plus, when several coders coded the same documents, the
units on which their agreement is computed (by the build, with
``readiness_analysis.stats.agreement.coder_agreement``), and an account of the import
(``qda_import.csv``).

The unit rule
-------------
QDA tools give each coder's selection its own id and its own boundaries, so passages are
matched across coders by document and position: two selections of one document are one
passage when their overlap covers at least :data:`OVERLAP_THRESHOLD` (90%) of each of
them, that is of the longer one; passages are the connected groups of selections so
matched (of any coder, so that one coder's two codings of one passage are one passage
too). Without positions (Taguette and QualCoder CSVs) selections are matched on their
stripped text.

This follows the unitising view of agreement (Krippendorff, 1995; 2004): a
coder's decision about a stretch of text counts whether or not the other coder selected
exactly the same characters, and a stretch one coder coded and the other left uncoded is a
disagreement, not a missing value. QualCoder's coder comparison (``report_compare_coder_file``)
takes the same view at the level of characters: every overlap of two coders' codings
counts (``max(0, min(end) - max(start))``), and a character one coder coded and the other
did not is a disagreement. The threshold is QDA Miner's "code overlap" criterion and its
default: codings of two coders agree in location when they overlap each other on 90% of
their length (Provalis Research, *QDA Miner User's Manual*, coding agreement). Selections
that differ by a few characters are so one passage, while a sentence inside another
coder's paragraph, or two selections that merely touch, are not; set ``threshold`` to
change it. A passage coded by one coder, in a document another coder coded, counts as a
disagreement in the agreement table, and is reported beside it without those passages
(``kappa_paired``, ``alpha_paired``);
Krippendorff's unitized alpha, which needs no threshold, is reported per code too
(``alpha_unitized``, :func:`readiness_analysis.stats.agreement.unitized_alpha`).

References
----------
Provalis Research. *QDA Miner: Qualitative data analysis software. User's manual*.
Montreal: Provalis Research (coding agreement, option "Code overlap": "By default, this
criterion is set to 90%").

Krippendorff, K. (1995). On the reliability of unitizing continuous data. *Sociological
Methodology*, 25, 47-76.

Krippendorff, K. (2004). *Content analysis: An introduction to its methodology*
(2nd ed.). Sage.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from readiness_analysis.core.errors import CodingWarning, DataValidationError, Problem
from readiness_analysis.core.tables import QDA_FILES, QDA_IMPORT_COLUMNS
from readiness_analysis.core.words import plural
from readiness_analysis.io.institutions import clean_name
from readiness_analysis.io.qda import CodedSegments, read_coded_segments, unknown_code_hint
from readiness_analysis.spec.codebook import Codebook

__all__ = [
    "OVERLAP_THRESHOLD",
    "UNIT_COLUMNS",
    "QdaImport",
    "find_qda_export",
    "fragments_from_segments",
    "import_report",
    "passage_ids",
    "read_qda_export",
    "read_qda_fragments",
]

#: Two selections of one document are one passage when their overlap covers at least this
#: share of each of them (of the longer one): QDA Miner's default (see the module docstring).
OVERLAP_THRESHOLD = 0.9
#: Columns of the units table (one row per passage x coder x code) the build passes to
#: ``stats.agreement.coder_agreement``.
UNIT_COLUMNS = ("fragment_id", "document", "coder", "code", "start", "end", "document_length")


def find_qda_export(raw_dir: str | Path) -> Path | None:
    """The QDA export in ``raw_dir`` (``coded_segments.qdpx`` or ``.csv``), if any."""
    for name in QDA_FILES:
        if (Path(raw_dir) / name).is_file():
            return Path(raw_dir) / name
    return None


def _check_threshold(threshold: float) -> None:
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must lie in (0, 1], not {threshold!r}")


def _matches(a: tuple[int, int], b: tuple[int, int], threshold: float) -> bool:
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    longer = max(a[1] - a[0], b[1] - b[0])
    return overlap > 0 and overlap >= threshold * longer


def _span_groups(spans: list[tuple[int, int]], threshold: float) -> dict[tuple, tuple]:
    """Each span -> (start, end) of its passage: the union of the spans matched to it."""
    ordered = sorted(set(spans))
    parent = list(range(len(ordered)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    active: list[int] = []  # spans that may still overlap the next ones
    for i, span in enumerate(ordered):
        active = [j for j in active if ordered[j][1] > span[0]]
        for j in active:
            if _matches(ordered[j], span, threshold):
                parent[root(i)] = root(j)
        active.append(i)
    bounds: dict[int, tuple[int, int]] = {}
    for i, (start, end) in enumerate(ordered):
        lo, hi = bounds.get(root(i), (start, end))
        bounds[root(i)] = (min(lo, start), max(hi, end))
    return {span: bounds[root(i)] for i, span in enumerate(ordered)}


def passage_ids(segments: pd.DataFrame, threshold: float = OVERLAP_THRESHOLD) -> pd.Series:
    """One id per passage, shared by every selection (of any coder) matched to it.

    Parameters
    ----------
    segments : DataFrame
        Coded segments (:data:`readiness_analysis.io.qda.SEGMENT_COLUMNS`).
    threshold : float, default :data:`OVERLAP_THRESHOLD`
        Share of each of two selections (of the longer) their overlap must cover, in (0, 1].

    Returns
    -------
    Series
        ``"<document>@<start>-<end>"`` (the union of the matched selections), or
        ``"<document>@<text>"`` for a segment without positions; index of ``segments``.

    Examples
    --------
    >>> seg = pd.DataFrame({"document": ["d"] * 3, "start": [0, 1, 40], "end": [20, 21, 50],
    ...                     "text": ["x"] * 3})
    >>> passage_ids(seg).tolist()
    ['d@0-21', 'd@0-21', 'd@40-50']
    """
    _check_threshold(threshold)
    frame = segments.reset_index(drop=True)
    positioned = frame["start"].notna() & frame["end"].notna()
    ids = (frame["document"].astype(str) + "@"
           + frame["text"].astype(str).str.strip()).astype(object)
    for document, group in frame[positioned].groupby("document", sort=False):
        spans = list(zip(group["start"].astype(int), group["end"].astype(int), strict=True))
        passage = _span_groups(spans, threshold)
        ids.loc[group.index] = [f"{document}@{lo}-{hi}" for lo, hi in map(passage.get, spans)]
    return pd.Series(ids.to_numpy(), index=segments.index, dtype=object)


def _institution(case) -> str | None:
    """A segment's case as an institution name, cleaned as the scan's (None when empty)."""
    if case is None or (not isinstance(case, str) and pd.isna(case)):
        return None
    return clean_name(case) or None


def _fragment_rows(unit: pd.DataFrame, codebook: Codebook, order: dict) -> list[dict]:
    """The rows of one passage: one per code, with the coders who gave it."""
    votes = unit.groupby("code")["coder"].nunique()
    ranked = sorted(votes.index, key=lambda c: (-votes[c], order.get(c, len(order))))
    first = unit.iloc[0]
    longest = unit["text"].iloc[int(unit["text"].astype(str).str.len().to_numpy().argmax())]
    cases = [c for c in unit["case"] if _institution(c)]
    rows = []
    for rank, code in enumerate(ranked, start=1):
        entry = codebook[code]
        coders = unit.loc[unit["code"] == code, "coder"].dropna().astype(str)
        rows.append({
            "fragment_id": str(first["fragment_id"]),
            "institution": _institution(cases[0]) if cases else None,
            "document": str(first["document"]), "section": None,
            "coder": ";".join(sorted(set(coders))),
            "code": code, "rank": rank, "valence": entry.valence, "theme": entry.theme,
            "recommendation": entry.recommendation, "text": str(longest),
        })
    return rows


def fragments_from_segments(
    segments: pd.DataFrame, codebook: Codebook, *, threshold: float = OVERLAP_THRESHOLD
) -> pd.DataFrame:
    """One row per passage x code, in the shape of :func:`.fragments.read_fragments`.

    Passages are matched by :func:`passage_ids`. A passage's text is its longest
    selection; ``coder`` lists the coders who gave the row's code. A code's rank orders
    the codes of a passage by how many coders gave it (then codebook order), so the
    primary code is the one most coders agree on.

    Examples
    --------
    >>> from readiness_analysis.spec.codebook import load_codebook
    >>> seg = pd.DataFrame({"fragment_id": ["x#1", "x#2"], "document": ["d", "d"],
    ...     "case": ["Instelling A"] * 2, "coder": ["an", "bo"], "code": ["willingness"] * 2,
    ...     "start": [0, 0], "end": [10, 9], "text": ["Leuk idee!", "Leuk idee"]})
    >>> f = fragments_from_segments(seg, load_codebook())
    >>> f[["fragment_id", "institution", "code", "rank", "coder", "text"]].values.tolist()
    [['x#1', 'Instelling A', 'willingness', 1, 'an;bo', 'Leuk idee!']]
    """
    segments = segments.assign(unit=passage_ids(segments, threshold))
    order = {code: k for k, code in enumerate(codebook.names)}
    rows = [row for _, unit in segments.groupby("unit", sort=False)
            for row in _fragment_rows(unit, codebook, order)]
    return pd.DataFrame(rows)


def _units(segments: pd.DataFrame, sources: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The units of agreement: passage x coder x code, in documents two coders coded."""
    coders = segments.groupby("document")["coder"].nunique()
    shared = segments[segments["document"].map(coders) >= 2]
    if segments["coder"].nunique() < 2 or shared.empty:
        return pd.DataFrame(columns=list(UNIT_COLUMNS))
    lengths = dict(zip(sources["document"], sources["characters"], strict=True))
    units = shared.assign(fragment_id=passage_ids(shared, threshold),
                          document_length=shared["document"].map(lengths))
    return units[list(UNIT_COLUMNS)].reset_index(drop=True)


@dataclass(frozen=True)
class QdaImport:
    """What :func:`read_qda_export` made of a QDA export.

    Attributes
    ----------
    fragments : DataFrame
        One row per passage x code (as :func:`fragments_from_segments`).
    units : DataFrame
        The units of coder agreement (:data:`UNIT_COLUMNS`); empty unless two coders
        coded the same documents.
    report : DataFrame
        The import report (``qda_import.csv``, :func:`import_report`).
    """

    fragments: pd.DataFrame
    units: pd.DataFrame
    report: pd.DataFrame


def _unknown_codes(result: CodedSegments, path: Path, codebook: Codebook) -> list[Problem]:
    """One problem per code not in the codebook, with its count and a "did you mean"."""
    segments = result.segments[~result.segments["code"].isin(set(codebook.names))]
    problems = []
    for code, group in segments.groupby("code", sort=False):
        documents = sorted(set(group["document"]))
        where = f"{plural(len(group), 'segment')} in {', '.join(map(repr, documents[:3]))}"
        more = f" and {len(documents) - 3} more documents" if len(documents) > 3 else ""
        problems.append(Problem(str(path), None, "code",
                                f"code {code!r} is not in the codebook ({where}{more})",
                                unknown_code_hint(code, codebook.names)))
    return problems


def _no_segments(result: CodedSegments, path: Path) -> Problem:
    if result.n_codes and result.dropped.empty:
        return Problem(str(path), None, None,
                       f"the project holds a codebook ({plural(result.n_codes, 'code')}) but "
                       "no codings: no text was coded, or the project was exported before coding",
                       "code the interviews in the QDA program and export the project again")
    dropped = f" ({plural(len(result.dropped), 'segment')} dropped)" if len(result.dropped) else ""
    return Problem(str(path), None, None, f"no coded segments found{dropped}",
                   "export the coded segments again")


def _read(path: Path, codebook: Codebook, case_variable: str | None) -> CodedSegments:
    """The export read with the codebook; problems other than codes warned once, briefly."""
    with warnings.catch_warnings():  # the reader warns every problem; summed up below
        warnings.simplefilter("ignore", CodingWarning)
        result = read_coded_segments(path, codebook_codes=set(codebook.names),
                                     case_variable=case_variable)
    others = [p for p in result.problems if "is not in the codebook" not in p.message]
    if others:
        shown = "; ".join(str(p) for p in others[:3])
        rest = f" (and {len(others) - 3} more; see qda_import.csv)" if len(others) > 3 else ""
        warnings.warn(CodingWarning(f"{path.name}: {plural(len(others), 'segment problem')} "
                                    f"not read: {shown}{rest}"), stacklevel=3)
    return result


def read_qda_export(
    path: str | Path,
    codebook: Codebook,
    *,
    case_variable: str | None = None,
    threshold: float = OVERLAP_THRESHOLD,
) -> QdaImport:
    """Read a QDA export into fragments, units of agreement and an import report.

    Parameters
    ----------
    path : str or Path
        The export (``.qdpx``, CSV or Taguette ``.xlsx``).
    codebook : Codebook
        Codes are matched to it exactly, else after folding case and spaces, else on
        the leaf name of a nested code (see :func:`readiness_analysis.io.qda.read_coded_segments`).
    case_variable : str, optional
        A case or document variable holding the institution (``--case-variable``).
    threshold : float, default :data:`OVERLAP_THRESHOLD`
        The overlap rule of :func:`passage_ids`.

    Returns
    -------
    QdaImport

    Raises
    ------
    DataValidationError
        Codes that are not in the codebook (one problem per code, each with a "did you
        mean"), or no coded segments at all (saying so when the project holds a codebook
        but no codings).
    CodingError
        The export cannot be read (see :func:`.qda.read_coded_segments`).

    Examples
    --------
    >>> from readiness_analysis.spec.codebook import load_codebook
    >>> read = read_qda_export("data/raw/coded_segments.qdpx", load_codebook())  # doctest: +SKIP
    """
    path = Path(path)
    result = _read(path, codebook, case_variable)
    unknown = _unknown_codes(result, path, codebook)
    if unknown:
        raise DataValidationError(unknown)
    if result.segments.empty:
        raise DataValidationError([_no_segments(result, path)])
    fragments = fragments_from_segments(result.segments, codebook, threshold=threshold)
    units = _units(result.segments, result.sources, threshold)
    report = import_report(result, threshold=threshold)
    _warn_no_institution(report, path)
    return QdaImport(fragments, units, report)


def _warn_no_institution(report: pd.DataFrame, path: Path) -> None:
    """One warning naming the interviews whose fragments go to no institution, and why."""
    lost = report.loc[report["institution"].isna()].drop_duplicates("document")
    if lost.empty:
        return
    documents = lost["document"].astype(str).tolist()
    named = ", ".join(repr(d) for d in documents[:5]) + (", ..." if len(documents) > 5 else "")
    found = sorted({v.strip() for note in lost["corrections"].dropna()
                    for names in re.findall(r"document variables ([^:]+):", note)
                    for v in names.split(",")})
    hint = (f"their document variables are {', '.join(found)}: pass --case-variable NAME to "
            "take the institution from one" if found else
            "give each interview a case named after its institution (or a case variable and "
            "--case-variable NAME)")
    warnings.warn(CodingWarning(
        f"{path.name}: {plural(len(documents), 'interview')} without an institution ({named}): "
        f"their fragments count for no institution; {hint}"), stacklevel=3)


def read_qda_fragments(
    path: str | Path, codebook: Codebook, *, case_variable: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a QDA export; return (fragments, units of agreement) of :func:`read_qda_export`.

    The units (:data:`UNIT_COLUMNS`) hold every passage of the documents two or more
    coders coded, one row per passage x coder x code: those coded by one coder too,
    which ``coder_agreement`` counts as disagreement. They are empty unless at least two
    coders coded the same documents.

    Raises
    ------
    DataValidationError
        When segments carry codes that are not in the codebook (one problem per code).
    """
    read = read_qda_export(path, codebook, case_variable=case_variable)
    return read.fragments, read.units


def _corrections(result: CodedSegments, document: str, codes: set) -> str:
    notes = result.sources.loc[result.sources["document"] == document, "notes"]
    found = [n for n in notes if isinstance(n, str) and n]
    found += [f"code {old!r} read as {new!r}" for old, new in sorted(result.renamed.items())
              if new in codes and old != new]
    return "; ".join(found)


def import_report(result: CodedSegments, *, threshold: float = OVERLAP_THRESHOLD) -> pd.DataFrame:
    """Per source and coder: where it went, its codings and passages, what was corrected.

    Columns :data:`readiness_analysis.core.tables.QDA_IMPORT_COLUMNS`: ``document``,
    ``institution`` (the cleaned case), ``coder``, ``codings`` (segments kept),
    ``passages`` (passages the coder coded), ``matched_passages`` (of those, passages
    another coder coded too), ``one_coder_passages`` (passages only this coder coded)
    and ``corrections`` (CRLF offsets, codes matched on their leaf or folded name, a
    missing case).

    Examples
    --------
    >>> from readiness_analysis.io.qda import CodedSegments, SEGMENT_COLUMNS
    >>> seg = pd.DataFrame({"fragment_id": ["x#1", "x#2", "x#3"], "document": ["d"] * 3,
    ...     "case": ["A"] * 3, "coder": ["an", "bo", "an"], "code": ["k"] * 3,
    ...     "start": [0, 1, 30], "end": [10, 10, 40], "text": ["t"] * 3})
    >>> empty = pd.DataFrame(columns=list(SEGMENT_COLUMNS))
    >>> report = import_report(CodedSegments(seg, empty, ()))
    >>> report[["coder", "codings", "matched_passages", "one_coder_passages"]].values.tolist()
    [['an', 2, 1, 1], ['bo', 1, 1, 0]]
    """
    segments = result.segments
    if segments.empty:
        return pd.DataFrame(columns=list(QDA_IMPORT_COLUMNS))
    segments = segments.assign(passage=passage_ids(segments, threshold))
    coders_of = segments.groupby("passage")["coder"].nunique()
    coders_of_document = segments.groupby("document")["coder"].nunique()
    rows = []
    for (document, coder), group in segments.groupby(["document", "coder"], sort=False):
        passages = set(group["passage"])
        matched = sum(coders_of[p] >= 2 for p in passages)
        alone = len(passages) - matched if coders_of_document[document] >= 2 else 0
        cases = [c for c in group["case"] if _institution(c)]
        rows.append({
            "document": document, "institution": _institution(cases[0]) if cases else None,
            "coder": coder, "codings": len(group), "passages": len(passages),
            "matched_passages": int(matched), "one_coder_passages": alone,
            "corrections": _corrections(result, document, set(group["code"])),
        })
    return pd.DataFrame(rows, columns=list(QDA_IMPORT_COLUMNS))
