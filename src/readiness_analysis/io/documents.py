"""Read the inventory of vision and policy documents per institution (sub-question 1).

Sub-question 1 of the study asks which vision and policy documents on blended learning
each institution has and what they aim for. This module reads a hand-made inventory of
those documents and checks it; :mod:`readiness_analysis.report.documents` answers the
question per institution: which documents exist, whether they define blended learning
(and how), whether they set concrete goals, whether there is an implementation plan, and
whether teachers know the documents (recommendations R1 and R2).

Input format of ``documents.csv``: one row per document, header in row 1. CSV files may
be comma or semicolon separated, UTF-8 (with or without BOM) or cp1252 (Dutch Excel);
``.xlsx`` works too (the file is read by :func:`readiness_analysis.io.scan.read_scan`).
Column names are matched case-insensitively; other columns are ignored.

- ``institution``: the institution's name, spelled as in the scan export (cleaned as the
  scan's names are: NFC, invisible characters removed, white space collapsed).
- ``title``: the document's title; one row per (institution, title).
- ``year``: year of the document, four digits from 1990 to 2100.
- ``kind``: ``vision``, ``policy``, ``implementation_plan`` or ``team_plan``
  (Dutch: ``visie``, ``beleid``, ``implementatieplan``, ``teamplan``).
- ``defines_blended``: ``yes``/``no``, does the document define blended learning.
- ``definition``: ``han`` (the HAN Blended Leren Bloem), ``face_to_face_plus_online``,
  ``other`` or ``none`` (Dutch ``anders``, ``geen``); ``none`` exactly when
  ``defines_blended`` is ``no``.
- ``concrete_goals``: ``yes``/``no``, does it set concrete goals.
- ``implementation_plan``: ``yes``/``no``, does it contain or come with an implementation
  plan (always ``yes`` for a document of kind ``implementation_plan``).
- ``known_by_teachers``: ``yes``, ``partly``, ``no`` or ``unknown``: whether the
  interviews showed that teachers know the document.
- ``aims`` (optional): short free text, what the document aims for.
- ``source`` (optional): where the information comes from.

Titles, aims and sources are screened for personal data (e-mail addresses, phone
numbers, postcodes, BSN-like numbers and the names of ``redact_names.txt``): each span
found becomes ``[…]`` (:mod:`readiness_analysis.io.redact`). An institution that looks
like personal data is an error.

Yes/no answers may be Dutch (``ja``, ``nee``, ``deels``, ``onbekend``); case, white space,
hyphens and spaces versus underscores do not matter. The result always holds the English
codes above.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from readiness_analysis.core.errors import DataValidationError, Problem
from readiness_analysis.io.institutions import clean_name
from readiness_analysis.io.redact import Redactor, echo, looks_personal
from readiness_analysis.io.scan import read_scan

__all__ = ["COLUMNS", "DEFINITIONS", "KINDS", "KNOWN", "read_documents"]

KINDS = ("vision", "policy", "implementation_plan", "team_plan")
DEFINITIONS = ("han", "face_to_face_plus_online", "other", "none")
KNOWN = ("yes", "partly", "no", "unknown")
REQUIRED = (
    "institution", "title", "year", "kind", "defines_blended", "definition",
    "concrete_goals", "implementation_plan", "known_by_teachers",
)
OPTIONAL = ("aims", "source")
COLUMNS = REQUIRED + OPTIONAL
BOOLEANS = ("defines_blended", "concrete_goals", "implementation_plan")
YEARS = (1990, 2100)


# --------------------------------------------------------------------------- reading


class _CellError(ValueError):
    """A cell that cannot be read; becomes a located :class:`Problem`."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def _key(value: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(value).strip().casefold())


def _text(value: object) -> str:
    return " ".join(str(value).split())


def _year(value: object) -> int:
    text = str(value).strip()
    if re.fullmatch(r"\d{4}(\.0+)?", text) and YEARS[0] <= int(float(text)) <= YEARS[1]:
        return int(float(text))
    raise _CellError(f"year {echo(text)} is not a year from {YEARS[0]} to {YEARS[1]}",
               "write the year of the document as four digits, e.g. 2022")


def _choice(table: dict[str, Any], message: str, hint: str) -> Callable[[object], Any]:
    def parse(value: object) -> Any:
        if _key(value) in table:
            return table[_key(value)]
        raise _CellError(message.format(value=echo(str(value).strip())), hint)

    return parse


_BOOLEAN = _choice({"yes": True, "ja": True, "no": False, "nee": False},
                   "{value} is not yes or no", "use yes or no (ja, nee)")
_PARSERS: dict[str, Callable[[object], Any]] = {
    "institution": clean_name,
    "title": _text,
    "year": _year,
    "kind": _choice(
        {**{k: k for k in KINDS}, "visie": "vision", "beleid": "policy",
         "implementatieplan": "implementation_plan", "teamplan": "team_plan"},
        "unknown kind {value}",
        "use vision, policy, implementation_plan or team_plan "
        "(visie, beleid, implementatieplan, teamplan)",
    ),
    "definition": _choice(
        {**{d: d for d in DEFINITIONS}, "anders": "other", "geen": "none"},
        "unknown definition {value}",
        "use han, face_to_face_plus_online, other or none (anders, geen)",
    ),
    "known_by_teachers": _choice(
        {**{k: k for k in KNOWN}, "ja": "yes", "deels": "partly", "nee": "no",
         "onbekend": "unknown"},
        "{value} is not yes, partly, no or unknown",
        "use yes, partly, no or unknown (ja, deels, nee, onbekend)",
    ),
    **dict.fromkeys(BOOLEANS, _BOOLEAN),
}


def read_documents(path: str | Path, *, redactor: Redactor | None = None) -> pd.DataFrame:
    r"""Read and check an inventory of vision and policy documents.

    Parameters
    ----------
    path : str or Path
        ``documents.csv`` (or ``.xlsx``) in the format of the module docstring.
    redactor : Redactor, optional
        Screens ``title``, ``aims`` and ``source`` for personal data and records what
        it redacted, by row; default a new one with the patterns only (the text is
        redacted all the same).

    Returns
    -------
    DataFrame
        One row per document with the columns of :data:`COLUMNS`: text columns with
        normalised white space, ``year`` as Int64, yes/no columns as bool, ``kind``,
        ``definition`` and ``known_by_teachers`` as English codes, ``aims`` and ``source``
        NA when empty. A file with only a header gives an empty frame.

    Raises
    ------
    DataValidationError
        Listing every problem as ``file:row:column: message (hint)``: a missing required
        column, an empty required cell, an unknown kind or definition, a bad yes/no
        answer, an implausible year, a definition that contradicts ``defines_blended``,
        an ``implementation_plan`` document without ``implementation_plan`` yes, a
        duplicate (institution, title), and an institution that looks like personal
        data (not echoed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "documents.csv"
    >>> _ = p.write_text(
    ...     "institution;title;year;kind;defines_blended;definition;concrete_goals;"
    ...     "implementation_plan;known_by_teachers\n"
    ...     "Instelling A;Onderwijsvisie;2022;visie;ja;han;nee;nee;deels\n")
    >>> read_documents(p)[["kind", "defines_blended", "known_by_teachers"]].values.tolist()
    [['vision', True, 'partly']]
    """
    raw = read_scan(path)
    frame, source = raw.frame, raw.source
    frame.columns = [c.casefold() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame]
    if missing:
        raise DataValidationError(
            [Problem(source, 1, c, "required column missing", "add it") for c in missing]
        )
    records, problems, seen = [], list(raw.problems), {}  # rows the reader could not read
    redactor = Redactor() if redactor is None else redactor
    for idx, record in frame.iterrows():
        if record.isna().all():  # a blank line
            continue
        parsed, found = _check_row(record, raw.rows[idx], source)
        found += _check_duplicate(parsed, raw.rows[idx], source, seen)
        problems += found
        records.append(_redacted(parsed, raw.rows[idx], source, redactor))
    if problems:
        raise DataValidationError(problems)
    return _documents_frame(records)


def _check_row(record: pd.Series, line: int, source: str) -> tuple[dict, list[Problem]]:
    parsed: dict[str, Any] = {}
    problems = []
    for column in REQUIRED:
        value = record[column]
        if pd.isna(value) or not str(value).strip():
            problems.append(Problem(source, line, column, f"{column} is empty"))
            continue
        try:
            parsed[column] = _PARSERS[column](value)
        except _CellError as bad:
            problems.append(Problem(source, line, column, bad.message, bad.hint))
    for column in OPTIONAL:
        value = record.get(column, pd.NA)
        parsed[column] = pd.NA if pd.isna(value) else _text(value)
    return parsed, problems + _check_consistency(parsed, line, source)


def _redacted(parsed: dict, line: int, source: str, redactor: Redactor) -> dict:
    """The parsed row with personal data in its free text redacted (and recorded)."""
    for column in ("title", *OPTIONAL):
        if column in parsed:
            parsed[column] = redactor.text(parsed[column], file=source, row=line,
                                           column=column)
    return parsed


def _check_consistency(parsed: dict, line: int, source: str) -> list[Problem]:
    problems = []
    if "institution" in parsed and looks_personal(parsed["institution"]):
        problems.append(Problem(
            source, line, "institution",
            f"institution looks like {looks_personal(parsed['institution'])}, not a name",
            "write the institution's name as in the scan; personal data do not belong here"))
    defines, definition = parsed.get("defines_blended"), parsed.get("definition")
    if defines is True and definition == "none":
        problems.append(Problem(
            source, line, "definition", "defines_blended is yes but definition is 'none'",
            "say which definition it uses: han, face_to_face_plus_online or other"))
    if defines is False and definition not in (None, "none"):
        problems.append(Problem(
            source, line, "definition",
            f"definition is {definition!r} but defines_blended is no",
            "use definition none, or set defines_blended to yes"))
    if parsed.get("kind") == "implementation_plan" and parsed.get("implementation_plan") is False:
        problems.append(Problem(
            source, line, "implementation_plan",
            "a document of kind implementation_plan must have implementation_plan yes",
            "set it to yes, or change the kind"))
    return problems


def _check_duplicate(parsed: dict, line: int, source: str, seen: dict) -> list[Problem]:
    if "institution" not in parsed or "title" not in parsed:
        return []
    key = (parsed["institution"].casefold(), parsed["title"].casefold())
    if key not in seen:
        seen[key] = line
        return []
    return [Problem(source, line, "title",
                    f"duplicate document {echo(parsed['title'])} of "
                    f"{echo(parsed['institution'])} "
                    f"(first on row {seen[key]})", "give each document one row")]


def _documents_frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=list(COLUMNS))
    types = {c: "str" for c in COLUMNS} | {"year": "Int64"} | dict.fromkeys(BOOLEANS, bool)
    return frame.astype(types)


# -------------------------------------------------------------------------- analysis


# ---------------------------------------------------------------- HAN Blended Leren Bloem


