"""Turn coded segments from QDA software into the package's fragment table.

A QDA export has one row per coder × segment × code. The analysis needs one fragment per
coded passage with its codes, plus, when several coders coded the same passages, the
units on which their agreement is computed (by the build, with
``readiness_analysis.stats.agreement``). Passages are matched across coders by document
and position (or by document and text where the tool gives no positions, as Taguette and
QualCoder CSVs do), because QDA tools give each coder's selection its own id.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from readiness_analysis.core.errors import DataValidationError, Problem
from readiness_analysis.core.tables import QDA_FILES
from readiness_analysis.io.institutions import clean_name
from readiness_analysis.io.qda import read_coded_segments
from readiness_analysis.spec.codebook import Codebook

__all__ = [
    "find_qda_export",
    "fragments_from_segments",
    "read_qda_fragments",
]


def find_qda_export(raw_dir: str | Path) -> Path | None:
    """The QDA export in ``raw_dir`` (``coded_segments.qdpx`` or ``.csv``), if any."""
    for name in QDA_FILES:
        if (Path(raw_dir) / name).is_file():
            return Path(raw_dir) / name
    return None


def _unit_ids(segments: pd.DataFrame) -> pd.Series:
    """One id per passage, shared by every coder who coded it."""
    positioned = segments["start"].notna() & segments["end"].notna()
    by_span = (segments["document"].astype(str) + "@" + segments["start"].astype(str) + "-"
               + segments["end"].astype(str))
    by_text = segments["document"].astype(str) + "@" + segments["text"].str.strip()
    return by_span.where(positioned, by_text)


def _institution(case) -> str | None:
    """A segment's case as an institution name, cleaned as the scan's (None when empty)."""
    if case is None or (not isinstance(case, str) and pd.isna(case)):
        return None
    return clean_name(case) or None


def fragments_from_segments(segments: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """One row per passage × code, in the shape of :func:`.fragments.read_fragments`.

    The codes of all coders are pooled; a code's rank orders codes by how many coders
    gave it (then codebook order), so the primary code is the one most coders agree on.

    Examples
    --------
    >>> from readiness_analysis.spec.codebook import load_codebook
    >>> seg = pd.DataFrame({"fragment_id": ["x#1", "x#2"], "document": ["d", "d"],
    ...     "case": ["Instelling A"] * 2, "coder": ["an", "bo"], "code": ["willingness"] * 2,
    ...     "start": [0, 0], "end": [9, 9], "text": ["Leuk idee"] * 2})
    >>> f = fragments_from_segments(seg, load_codebook())
    >>> f[["fragment_id", "institution", "code", "rank", "coder"]].values.tolist()
    [['x#1', 'Instelling A', 'willingness', 1, 'an;bo']]
    """
    segments = segments.assign(unit=_unit_ids(segments))
    order = {code: k for k, code in enumerate(codebook.names)}
    rows = []
    for _, unit in segments.groupby("unit", sort=False):
        votes = unit.groupby("code")["coder"].nunique()
        ranked = sorted(votes.index, key=lambda c: (-votes[c], order.get(c, len(order))))
        first = unit.iloc[0]
        for rank, code in enumerate(ranked, start=1):
            entry = codebook[code]
            rows.append({
                "fragment_id": str(first["fragment_id"]),
                "institution": _institution(first["case"]),
                "document": str(first["document"]),
                "section": None,
                "coder": ";".join(sorted(unit["coder"].dropna().astype(str).unique())),
                "code": code, "rank": rank, "valence": entry.valence, "theme": entry.theme,
                "recommendation": entry.recommendation, "text": str(first["text"]),
            })
    return pd.DataFrame(rows)


def read_qda_fragments(path: str | Path, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a QDA export; return (fragments, double-coded units).

    The second table holds ``fragment_id`` (the passage), ``coder`` and ``code`` of every
    passage that two or more coders coded: the units of coder agreement. It is empty
    unless at least two coders coded the same passages.

    Raises
    ------
    DataValidationError
        When segments carry codes that are not in the codebook (each one located).
    """
    result = read_coded_segments(path, codebook_codes=set(codebook.names))
    unknown = [p for p in result.problems if "codebook" in p.message]
    if unknown:
        raise DataValidationError(unknown)
    segments = result.segments
    if segments.empty:
        raise DataValidationError([Problem(str(path), None, None, "no coded segments found",
                                           "export the coded segments again")])
    fragments = fragments_from_segments(segments, codebook)
    units = segments.assign(fragment_id=_unit_ids(segments))
    double = units.groupby("fragment_id")["coder"].nunique() >= 2
    chosen = units[units["fragment_id"].isin(double[double].index)]
    return fragments, chosen[["fragment_id", "coder", "code"]].reset_index(drop=True)
