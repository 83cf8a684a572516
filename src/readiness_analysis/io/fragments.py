"""Coded interview fragments from a ``fragments.csv``: read, check and expand per code."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from readiness_analysis.core.errors import DataValidationError, Problem
from readiness_analysis.io.institutions import clean_name
from readiness_analysis.io.redact import Redactor, echo, looks_personal
from readiness_analysis.io.scan import read_scan
from readiness_analysis.spec.codebook import Codebook

__all__ = ["FRAGMENT_COLUMNS", "read_fragments"]

FRAGMENT_COLUMNS = ("fragment_id", "institution", "codes", "text")


def read_fragments(path: str | Path, codebook: Codebook, *,
                   redactor: Redactor | None = None) -> pd.DataFrame:
    """Read coded fragments (CSV) into one row per fragment × code.

    The file has ``fragment_id``, ``institution`` (may be empty), ``codes`` (one or more
    code names separated by ``;``), ``text``, and optionally ``section`` and ``coder``.

    Parameters
    ----------
    path : str or Path
        The ``fragments.csv`` (or ``.xlsx``), read by
        :func:`readiness_analysis.io.scan.read_scan` within its limits.
    codebook : Codebook
        The codes a fragment may have.
    redactor : Redactor, optional
        Screens ``text`` and ``document`` for personal data
        (:mod:`readiness_analysis.io.redact`); spans found become ``[…]`` and are
        recorded in it by row. Default: a new one with the patterns only (the text is
        redacted all the same, the record is dropped).

    Returns
    -------
    DataFrame
        ``fragment_id``, ``institution``, ``section``, ``coder``, ``code``, ``rank``
        (1 = the fragment's first, primary code), ``valence``, ``theme``,
        ``recommendation``, ``text``. Institution names are cleaned as the scan's are
        (:func:`readiness_analysis.io.institutions.clean_name`: NFC, no invisible
        characters, white space collapsed).

    Raises
    ------
    DataValidationError
        For a missing column, an empty text, an unknown code, a duplicate fragment id or
        an institution that looks like personal data (an e-mail address, a phone
        number, ...; never echoed), each located as ``file:row:column``.

    Examples
    --------
    >>> f = read_fragments("data/raw/fragments.csv", load_codebook())  # doctest: +SKIP
    """
    raw = read_scan(path)
    frame, source = raw.frame, raw.source
    missing = [c for c in FRAGMENT_COLUMNS if c not in frame]
    if missing:
        raise DataValidationError(
            [Problem(source, 1, c, "required column missing", "add it") for c in missing]
        )
    problems, rows = list(raw.problems), []  # rows the reader could not read
    known = set(codebook.names)
    redactor = Redactor() if redactor is None else redactor
    for idx, record in frame.iterrows():
        line = raw.rows[idx]
        problems += _check_fragment(record, line, source, known)
        record = _screened(record, line, source, redactor)
        codes = [c.strip() for c in str(record["codes"]).split(";") if c.strip()]
        for rank, code in enumerate(codes, start=1):
            if code in known:
                rows.append(_fragment_row(record, code, rank, codebook))
    duplicated = frame["fragment_id"].duplicated()
    problems += [
        Problem(source, raw.rows[i], "fragment_id", "duplicate fragment id")
        for i in duplicated[duplicated].index
    ]
    if problems:
        raise DataValidationError(problems)
    return pd.DataFrame(rows)


def _screened(record: pd.Series, line: int, source: str, redactor: Redactor) -> pd.Series:
    """The record with its text (and document name) redacted for personal data."""
    record = record.copy()
    for column in ("text", "document"):
        if column in record:
            record[column] = redactor.text(record[column], file=source, row=line,
                                           column=column,
                                           fragment_id=_fragment_id(record["fragment_id"]))
    return record


def _fragment_id(value: object) -> str | None:
    return None if pd.isna(value) else str(value)


def _check_fragment(record, line: int, source: str, known: set[str]) -> list[Problem]:
    problems = []
    if pd.notna(record["institution"]) and looks_personal(record["institution"]):
        problems.append(Problem(
            source, line, "institution",
            f"institution looks like {looks_personal(record['institution'])}, not a name",
            "write the institution's name as in the scan; personal data do not belong here"))
    for column in ("fragment_id", "text", "codes"):
        if pd.isna(record[column]):
            problems.append(Problem(source, line, column, f"{column} is empty"))
    if pd.notna(record["codes"]):
        for code in str(record["codes"]).split(";"):
            if code.strip() and code.strip() not in known:
                problems.append(
                    Problem(source, line, "codes", f"unknown code {echo(code.strip())}",
                            "add it to the codebook or fix the spelling")
                )
    return problems


def _fragment_row(record, code: str, rank: int, codebook: Codebook) -> dict:
    entry = codebook[code]
    get = record.get
    return {
        "fragment_id": str(record["fragment_id"]),
        "institution": None if pd.isna(record["institution"]) else (
            clean_name(record["institution"]) or None),
        "section": None if pd.isna(get("section", pd.NA)) else str(get("section")),
        "coder": None if pd.isna(get("coder", pd.NA)) else str(get("coder")),
        "document": None if pd.isna(get("document", pd.NA)) else str(get("document")),
        "code": code,
        "rank": rank,
        "valence": entry.valence,
        "theme": entry.theme,
        "recommendation": entry.recommendation,
        "text": str(record["text"]),
    }
