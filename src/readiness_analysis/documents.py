"""Vision and policy documents per institution (sub-question 1) and the HAN Blended Leren Bloem.

Sub-question 1 of the study asks which vision and policy documents on blended learning
each institution has and what they aim for. This module reads a hand-made inventory of
those documents, checks it, and answers the question per institution: which documents
exist, whether they define blended learning (and how), whether they set concrete goals,
whether there is an implementation plan, and whether teachers know the documents
(recommendations R1 and R2). :func:`vision_alignment` puts the documents next to the
teachers' own scan answers on vision. The module also ships the HAN Blended Leren Bloem,
the definition recommendation R1 proposes (:func:`load_bloem`, :func:`bloem_html`).

Input format of ``documents.csv``: one row per document, header in row 1. CSV files may
be comma or semicolon separated, UTF-8 (with or without BOM) or cp1252 (Dutch Excel);
``.xlsx`` works too (the file is read by :func:`readiness_analysis.ingest.read_scan`).
Column names are matched case-insensitively; other columns are ignored.

- ``institution``: the institution's name, spelled as in the scan export.
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

Yes/no answers may be Dutch (``ja``, ``nee``, ``deels``, ``onbekend``); case, white space,
hyphens and spaces versus underscores do not matter. The result always holds the English
codes above.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .errors import DataValidationError, Problem, ReadinessError
from .indices import MIN_CELL
from .ingest import read_scan
from .instrument import Instrument

__all__ = [
    "COLUMNS",
    "DEFINITIONS",
    "KINDS",
    "KNOWN",
    "VISION_ITEMS",
    "Bloem",
    "Environment",
    "bloem_html",
    "documents_overview",
    "institution_documents",
    "load_bloem",
    "missing_elements",
    "read_documents",
    "vision_alignment",
]

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
ELEMENTS = ("definition", "concrete_goals", "implementation_plan", "known_by_teachers")
#: Scan items on vision and the aspect of the documents each is compared with.
VISION_ITEMS = (("vis_1", "known"), ("vis_2", "concrete"), ("vis_3", "shared"),
                ("vis_4", "shared"))
BLOEM_FILE = "bloem.yaml"

TEXT: dict[str, dict[str, Any]] = {
    "nl": {
        "columns": {
            "institution": "Instelling", "title": "Titel", "year": "Jaar", "kind": "Soort",
            "documents": "Documenten", "defines_blended": "Definieert blended leren",
            "definition": "Definitie", "concrete_goals": "Concrete doelen",
            "implementation_plan": "Implementatieplan",
            "known_by_teachers": "Bekend bij docenten", "aims": "Ambitie", "source": "Bron",
            "count": "{kind} (aantal)", "missing": "Ontbreekt", "aspect": "Aspect",
            "item": "Item", "statement": "Stelling", "n": "n", "teachers": "Docenten",
            "agree": "Aandeel (helemaal) mee eens",
        },
        "kinds": {"vision": "Visie", "policy": "Beleid",
                  "implementation_plan": "Implementatieplan", "team_plan": "Teamplan"},
        "definitions": {"han": "HAN-definitie (Blended Leren Bloem)",
                        "face_to_face_plus_online": "combinatie van face-to-face en online",
                        "other": "andere definitie", "none": "geen"},
        "answers": {"yes": "ja", "no": "nee", "partly": "deels", "unknown": "onbekend",
                    "none": "geen documenten", "nothing": "niets"},
        "status": {"present": "aanwezig", "partly": "deels", "missing": "ontbreekt",
                   "unknown": "onbekend"},
        "aspects": {"known": "Bekendheid", "concrete": "Concrete doelen en plan",
                    "shared": "Gedragen en betrokken"},
        "documents": {"known": "bekend bij docenten: {known}",
                      "concrete": "concrete doelen: {goals}; implementatieplan: {plan}",
                      "shared": "visiedocumenten: {visions}"},
        "bloem": {"environments": "De vier leeromgevingen van de Bloem:",
                  "added": "toegevoegd in de nieuwe definitie", "source": "Bron",
                  "translation": "",
                  "own_words": "De beschrijvingen van de leeromgevingen en de toelichting "
                  "zijn in eigen woorden, geen citaten."},
    },
    "en": {
        "columns": {
            "institution": "Institution", "title": "Title", "year": "Year", "kind": "Kind",
            "documents": "Documents", "defines_blended": "Defines blended learning",
            "definition": "Definition", "concrete_goals": "Concrete goals",
            "implementation_plan": "Implementation plan",
            "known_by_teachers": "Known by teachers", "aims": "Aims", "source": "Source",
            "count": "{kind} (count)", "missing": "Missing", "aspect": "Aspect",
            "item": "Item", "statement": "Statement", "n": "n", "teachers": "Teachers",
            "agree": "Share (strongly) agreeing",
        },
        "kinds": {"vision": "Vision", "policy": "Policy",
                  "implementation_plan": "Implementation plan", "team_plan": "Team plan"},
        "definitions": {"han": "HAN definition (Blended Learning Flower)",
                        "face_to_face_plus_online": "face-to-face plus online",
                        "other": "other definition", "none": "none"},
        "answers": {"yes": "yes", "no": "no", "partly": "partly", "unknown": "unknown",
                    "none": "no documents", "nothing": "nothing"},
        "status": {"present": "present", "partly": "partly", "missing": "missing",
                   "unknown": "unknown"},
        "aspects": {"known": "Known", "concrete": "Concrete goals and plan",
                    "shared": "Shared and involved"},
        "documents": {"known": "known by teachers: {known}",
                      "concrete": "concrete goals: {goals}; implementation plan: {plan}",
                      "shared": "vision documents: {visions}"},
        "bloem": {"environments": "The four learning environments of the Flower:",
                  "added": "added in the new definition", "source": "Source",
                  "translation": "Our translation:",
                  "own_words": "The descriptions of the environments and the note are our "
                  "own wording, not quotes."},
    },
}


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
    raise _CellError(f"year {text!r} is not a year from {YEARS[0]} to {YEARS[1]}",
               "write the year of the document as four digits, e.g. 2022")


def _choice(table: dict[str, Any], message: str, hint: str) -> Callable[[object], Any]:
    def parse(value: object) -> Any:
        if _key(value) in table:
            return table[_key(value)]
        raise _CellError(message.format(value=str(value).strip()), hint)

    return parse


_BOOLEAN = _choice({"yes": True, "ja": True, "no": False, "nee": False},
                   "{value!r} is not yes or no", "use yes or no (ja, nee)")
_PARSERS: dict[str, Callable[[object], Any]] = {
    "institution": _text,
    "title": _text,
    "year": _year,
    "kind": _choice(
        {**{k: k for k in KINDS}, "visie": "vision", "beleid": "policy",
         "implementatieplan": "implementation_plan", "teamplan": "team_plan"},
        "unknown kind {value!r}",
        "use vision, policy, implementation_plan or team_plan "
        "(visie, beleid, implementatieplan, teamplan)",
    ),
    "definition": _choice(
        {**{d: d for d in DEFINITIONS}, "anders": "other", "geen": "none"},
        "unknown definition {value!r}",
        "use han, face_to_face_plus_online, other or none (anders, geen)",
    ),
    "known_by_teachers": _choice(
        {**{k: k for k in KNOWN}, "ja": "yes", "deels": "partly", "nee": "no",
         "onbekend": "unknown"},
        "{value!r} is not yes, partly, no or unknown",
        "use yes, partly, no or unknown (ja, deels, nee, onbekend)",
    ),
    **dict.fromkeys(BOOLEANS, _BOOLEAN),
}


def read_documents(path: str | Path) -> pd.DataFrame:
    r"""Read and check an inventory of vision and policy documents.

    Parameters
    ----------
    path : str or Path
        ``documents.csv`` (or ``.xlsx``) in the format of the module docstring.

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
        an ``implementation_plan`` document without ``implementation_plan`` yes, and a
        duplicate (institution, title).

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
    for idx, record in frame.iterrows():
        if record.isna().all():  # a blank line
            continue
        parsed, found = _check_row(record, raw.rows[idx], source)
        found += _check_duplicate(parsed, raw.rows[idx], source, seen)
        problems += found
        records.append(parsed)
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


def _check_consistency(parsed: dict, line: int, source: str) -> list[Problem]:
    problems = []
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
                    f"duplicate document {parsed['title']!r} of {parsed['institution']!r} "
                    f"(first on row {seen[key]})", "give each document one row")]


def _documents_frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=list(COLUMNS))
    types = {c: "str" for c in COLUMNS} | {"year": "Int64"} | dict.fromkeys(BOOLEANS, bool)
    return frame.astype(types)


# -------------------------------------------------------------------------- analysis


def _labels(lang: str) -> dict[str, Any]:
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {', '.join(TEXT)}, not {lang!r}")
    return TEXT[lang]


def _combine_known(values: Iterable[str]) -> str:
    """One answer for several documents: ``none`` without documents, ``partly`` if mixed."""
    values = list(values)
    answered = {v for v in values if v != "unknown"}
    if not values:
        return "none"
    if not answered:
        return "unknown"
    return answered.pop() if answered in ({"yes"}, {"no"}) else "partly"


def _summary(documents: pd.DataFrame, institution: str) -> dict[str, Any]:
    """What an institution's documents say, as codes (the basis of every table)."""
    docs = documents[documents["institution"] == institution]
    return {
        "documents": len(docs),
        "counts": {kind: int((docs["kind"] == kind).sum()) for kind in KINDS},
        "defines": bool(docs["defines_blended"].any()),
        "definitions": [d for d in DEFINITIONS[:-1] if (docs["definition"] == d).any()],
        "goals": bool(docs["concrete_goals"].any()),
        "plan": bool(docs["implementation_plan"].any()),
        "known": _combine_known(docs["known_by_teachers"]),
    }


def _institutions(documents: pd.DataFrame, institutions: Iterable[str] | None) -> list[str]:
    if institutions is not None:
        return list(institutions)
    return sorted(documents["institution"].unique())


def _yes(value: bool, t: dict[str, Any]) -> str:
    return t["answers"]["yes" if value else "no"]


def documents_overview(
    documents: pd.DataFrame, lang: str = "nl", institutions: Iterable[str] | None = None
) -> pd.DataFrame:
    """Per institution: its documents per kind and what they establish (sub-question 1).

    Parameters
    ----------
    documents : DataFrame
        As returned by :func:`read_documents`.
    lang : {"nl", "en"}
        Language of column headers and values.
    institutions : iterable of str, optional
        Institutions to show, in this order; one without documents shows zero documents.
        Default: every institution in ``documents``, sorted.

    Returns
    -------
    DataFrame
        One row per institution: institution, number of documents, number per kind,
        whether any document defines blended learning, the definitions used (joined
        with ``", "``), whether there are concrete goals and an implementation plan, and
        whether teachers know the documents: yes or no when all documents with a known
        answer agree, partly when they are mixed or partly known, unknown when no
        document has an answer, "no documents" without documents.

    Examples
    --------
    >>> docs = pd.DataFrame({"institution": ["A"], "title": ["Visie"], "year": [2022],
    ...     "kind": ["vision"], "defines_blended": [True], "definition": ["han"],
    ...     "concrete_goals": [False], "implementation_plan": [False],
    ...     "known_by_teachers": ["no"]})
    >>> overview = documents_overview(docs, "en")
    >>> int(overview.loc[0, "Vision (count)"]), overview.loc[0, "Definition"]
    (1, 'HAN definition (Blended Learning Flower)')
    """
    t = _labels(lang)
    rows = [_overview_row(inst, _summary(documents, inst), t)
            for inst in _institutions(documents, institutions)]
    return pd.DataFrame(rows, columns=_overview_columns(t))


def _overview_columns(t: dict[str, Any]) -> list[str]:
    c = t["columns"]
    counts = [c["count"].format(kind=t["kinds"][k]) for k in KINDS]
    keys = ("defines_blended", "definition", "concrete_goals", "implementation_plan",
            "known_by_teachers")
    return [c["institution"], c["documents"], *counts, *(c[k] for k in keys)]


def _overview_row(institution: str, s: dict[str, Any], t: dict[str, Any]) -> list:
    definitions = ", ".join(t["definitions"][d] for d in s["definitions"])
    return [
        institution, s["documents"], *s["counts"].values(), _yes(s["defines"], t),
        definitions or t["definitions"]["none"], _yes(s["goals"], t), _yes(s["plan"], t),
        t["answers"][s["known"]],
    ]


def missing_elements(
    documents: pd.DataFrame, lang: str = "nl", institutions: Iterable[str] | None = None
) -> pd.DataFrame:
    """Per institution: which of definition, goals, plan and teachers' knowledge is missing.

    This answers where a definition of blended learning, concrete goals and an
    implementation plan are missing (recommendations R1 and R2).

    Parameters
    ----------
    documents : DataFrame
        As returned by :func:`read_documents`.
    lang : {"nl", "en"}
        Language of column headers and values.
    institutions : iterable of str, optional
        Institutions to show, in this order (one without documents misses everything).
        Default: every institution in ``documents``, sorted.

    Returns
    -------
    DataFrame
        One row per institution and one column per element (definition, concrete goals,
        implementation plan, known by teachers) holding present, missing, or for
        teachers' knowledge also partly or unknown; the last column lists the missing
        elements, or "nothing".

    Examples
    --------
    >>> docs = pd.DataFrame({"institution": ["A"], "title": ["Visie"], "year": [2022],
    ...     "kind": ["vision"], "defines_blended": [True], "definition": ["han"],
    ...     "concrete_goals": [False], "implementation_plan": [False],
    ...     "known_by_teachers": ["partly"]})
    >>> missing_elements(docs, "en").iloc[0].tolist()
    ['A', 'present', 'missing', 'missing', 'partly', 'Concrete goals, Implementation plan']
    """
    t = _labels(lang)
    c = t["columns"]
    rows = []
    for institution in _institutions(documents, institutions):
        status = _element_status(_summary(documents, institution))
        gone = [c[e] for e in ELEMENTS if status[e] == "missing"]
        rows.append([institution, *(t["status"][status[e]] for e in ELEMENTS),
                     ", ".join(gone) or t["answers"]["nothing"]])
    return pd.DataFrame(rows, columns=[c["institution"], *(c[e] for e in ELEMENTS),
                                       c["missing"]])


def _element_status(s: dict[str, Any]) -> dict[str, str]:
    known = {"yes": "present", "partly": "partly", "no": "missing", "unknown": "unknown",
             "none": "missing"}
    present = {True: "present", False: "missing"}
    return {"definition": present[s["defines"]], "concrete_goals": present[s["goals"]],
            "implementation_plan": present[s["plan"]], "known_by_teachers": known[s["known"]]}


def institution_documents(
    documents: pd.DataFrame, institution: str, lang: str = "nl"
) -> pd.DataFrame:
    """One institution's documents, as a table for its report.

    Parameters
    ----------
    documents : DataFrame
        As returned by :func:`read_documents`.
    institution : str
        The institution, spelled as in ``documents``.
    lang : {"nl", "en"}
        Language of column headers and values.

    Returns
    -------
    DataFrame
        One row per document, oldest first (then by kind and title): title, year, kind,
        definition ("none" when it defines none), concrete goals, implementation plan,
        known by teachers, aims, source. Empty (same columns) for an institution without
        documents.

    Examples
    --------
    >>> docs = pd.DataFrame({"institution": ["A"], "title": ["Visie"], "year": [2022],
    ...     "kind": ["vision"], "defines_blended": [True], "definition": ["han"],
    ...     "concrete_goals": [False], "implementation_plan": [False],
    ...     "known_by_teachers": ["partly"], "aims": ["Flexibel onderwijs"],
    ...     "source": [pd.NA]})
    >>> institution_documents(docs, "A").iloc[0][["Soort", "Bekend bij docenten"]].tolist()
    ['Visie', 'deels']
    """
    t = _labels(lang)
    docs = documents[documents["institution"] == institution].copy()
    docs["_kind"] = docs["kind"].map(KINDS.index)
    docs = docs.sort_values(["year", "_kind", "title"], kind="stable")
    yes = {True: t["answers"]["yes"], False: t["answers"]["no"]}
    keys = ("title", "year", "kind", "definition", "concrete_goals", "implementation_plan",
            "known_by_teachers", "aims", "source")
    values = {
        "title": docs["title"], "year": docs["year"], "kind": docs["kind"].map(t["kinds"]),
        "definition": docs["definition"].map(t["definitions"]),
        "concrete_goals": docs["concrete_goals"].map(yes),
        "implementation_plan": docs["implementation_plan"].map(yes),
        "known_by_teachers": docs["known_by_teachers"].map(t["answers"]),
        "aims": docs.get("aims", pd.NA), "source": docs.get("source", pd.NA),
    }
    out = pd.DataFrame({t["columns"][k]: values[k] for k in keys})
    return out.reset_index(drop=True)


def vision_alignment(
    documents: pd.DataFrame,
    responses: pd.DataFrame,
    instrument: Instrument,
    institution: str,
    lang: str = "nl",
    *,
    wave: int | None = None,
    weighted: bool = False,
) -> pd.DataFrame:
    """An institution's documents next to its teachers' scan answers on vision (R2).

    Each scan item on vision (:data:`VISION_ITEMS`) becomes a row: ``vis_1`` (I know the
    vision) against whether the documents are known by teachers, ``vis_2`` (concrete
    goals and plan) against whether the documents set concrete goals and have an
    implementation plan, ``vis_3`` (teachers involved) and ``vis_4`` (team shares the
    vision) against the number of vision documents.

    Parameters
    ----------
    documents : DataFrame
        As returned by :func:`read_documents`.
    responses : DataFrame
        Cleaned responses: ``institution``, ``n_teachers``, ``wave`` and item columns
        holding 1-5, already reverse-keyed.
    instrument : Instrument
        Gives the item statements and ``agree_from`` (default 4).
    institution : str
        The institution, spelled the same in both tables.
    lang : {"nl", "en"}
        Language of column headers and values.
    wave : int, optional
        The scan wave to use; default the institution's latest wave.
    weighted : bool
        Weight each respondent (interview) by its ``n_teachers`` for the share agreeing.

    Returns
    -------
    DataFrame
        One row per item: aspect, item id, statement, what the documents say, ``n``
        (respondents who answered the item), teachers in those respondents, and the
        share agreeing (score >= ``agree_from``, 0-1), NaN when n < ``MIN_CELL`` (3).

    Examples
    --------
    >>> from readiness_analysis.instrument import load_instrument
    >>> docs = pd.DataFrame({"institution": ["A"], "title": ["Visie"], "year": [2022],
    ...     "kind": ["vision"], "defines_blended": [True], "definition": ["han"],
    ...     "concrete_goals": [False], "implementation_plan": [False],
    ...     "known_by_teachers": ["no"]})
    >>> resp = pd.DataFrame({"institution": ["A"] * 3, "n_teachers": [1, 2, 1],
    ...     "wave": [1] * 3, "vis_1": [4.0, 2.0, 5.0]})
    >>> row = vision_alignment(docs, resp, load_instrument(), "A", "en").iloc[0]
    >>> row["Documents"], int(row["n"]), round(float(row["Share (strongly) agreeing"]), 3)
    ('known by teachers: no', 3, 0.667)
    """
    t = _labels(lang)
    c = t["columns"]
    said = _documents_say(_summary(documents, institution), t)
    own = _own_responses(responses, institution, wave)
    agree_from = instrument.agree_from if instrument.agree_from is not None else 4
    texts = {item.id: item.text.get(lang) for item in instrument.items}
    rows = []
    for item, aspect in VISION_ITEMS:
        n, teachers, share = _agreement(own, item, agree_from, weighted)
        rows.append([t["aspects"][aspect], item, texts.get(item, pd.NA), said[aspect],
                     n, teachers, share])
    keys = ("aspect", "item", "statement", "documents", "n", "teachers", "agree")
    return pd.DataFrame(rows, columns=[c[k] for k in keys])


def _documents_say(s: dict[str, Any], t: dict[str, Any]) -> dict[str, str]:
    phrase = t["documents"]
    return {
        "known": phrase["known"].format(known=t["answers"][s["known"]]),
        "concrete": phrase["concrete"].format(goals=_yes(s["goals"], t),
                                              plan=_yes(s["plan"], t)),
        "shared": phrase["shared"].format(visions=s["counts"]["vision"]),
    }


def _own_responses(
    responses: pd.DataFrame, institution: str, wave: int | None
) -> pd.DataFrame:
    own = responses[responses["institution"] == institution]
    if "wave" not in own or own.empty:
        return own
    return own[own["wave"] == (own["wave"].max() if wave is None else wave)]


def _agreement(
    own: pd.DataFrame, item: str, agree_from: float, weighted: bool
) -> tuple[int, int, float]:
    if item not in own:
        return 0, 0, np.nan
    answered = own[own[item].notna()]
    teachers = (answered["n_teachers"] if "n_teachers" in answered
                else pd.Series(1, index=answered.index))
    n = len(answered)
    if n < MIN_CELL:
        return n, int(teachers.sum()), np.nan
    agree = answered[item].to_numpy(dtype=float) >= agree_from
    weights = teachers.to_numpy(dtype=float) if weighted else None
    return n, int(teachers.sum()), float(np.average(agree, weights=weights))


# ---------------------------------------------------------------- HAN Blended Leren Bloem


@dataclass(frozen=True)
class Environment:
    """One learning environment (petal) of the HAN Blended Leren Bloem.

    ``paraphrase`` is our own one-line description, not a quote.
    """

    id: str
    label: dict[str, str]
    paraphrase: dict[str, str]
    added_in_new_definition: bool = False


@dataclass(frozen=True)
class Bloem:
    """The HAN Blended Leren Bloem; build it with :func:`load_bloem`.

    ``definition`` is the verbatim Dutch quote; ``translation_en`` and ``note`` are ours.
    """

    name: dict[str, str]
    definition: str
    translation_en: str
    source: str
    cited_in: dict[str, str]
    environments: tuple[Environment, ...]
    note: dict[str, str]


def load_bloem(path: str | Path | None = None) -> Bloem:
    """Read the HAN Blended Leren Bloem (definition and learning environments).

    Parameters
    ----------
    path : str or Path, optional
        A YAML file in the format of the shipped ``study/bloem.yaml`` (the default).

    Raises
    ------
    ReadinessError
        When a required key is missing, naming the file and the key.

    Examples
    --------
    >>> bloem = load_bloem()
    >>> [e.id for e in bloem.environments], bloem.source
    (['online', 'campus', 'werkplek', 'samenleving'], 'HAN (2022)')
    """
    if path is None:
        ref = resources.files("readiness_analysis") / "study" / BLOEM_FILE
        text, source = ref.read_text(encoding="utf-8"), f"<package>/study/{BLOEM_FILE}"
    else:
        text, source = Path(path).read_text(encoding="utf-8"), str(path)
    raw = yaml.safe_load(text) or {}
    need = _needer(source)
    definition = need(raw, "definition")
    return Bloem(
        name=need(raw, "name"),
        definition=" ".join(str(need(definition, "nl")).split()),
        translation_en=str(definition.get("translation_en", "")),
        source=str(need(raw, "source")),
        cited_in=raw.get("cited_in") or {},
        environments=tuple(_environment(e, need) for e in need(raw, "environments")),
        note=need(need(raw, "note"), "paraphrase"),
    )


def _needer(source: str) -> Callable[[Any, str], Any]:
    def need(raw: Any, key: str) -> Any:
        if not isinstance(raw, dict) or raw.get(key) in (None, "", [], {}):
            raise ReadinessError(f"key {key!r} is missing", file=source,
                                 hint="compare with the shipped study/bloem.yaml")
        return raw[key]

    return need


def _environment(raw: Any, need: Callable[[Any, str], Any]) -> Environment:
    return Environment(
        id=str(need(raw, "id")),
        label=need(raw, "label"),
        paraphrase=need(raw, "paraphrase"),
        added_in_new_definition=bool(raw.get("added_in_new_definition", False)),
    )


def bloem_html(lang: str = "nl", bloem: Bloem | None = None) -> str:
    """The HAN Blended Leren Bloem as a small HTML snippet for the R1 section of a report.

    The definition is a blockquote (Dutch, verbatim, ``lang="nl"``; in English followed by
    our translation), then the four learning environments as a list. All text is escaped;
    the snippet loads nothing and runs nothing (no scripts, styles, links or images).

    Parameters
    ----------
    lang : {"nl", "en"}
        Language of the surrounding text.
    bloem : Bloem, optional
        Default: :func:`load_bloem`.

    Returns
    -------
    str
        HTML; wrap it in ``IPython.display.HTML`` to show it in a notebook.

    Examples
    --------
    >>> snippet = bloem_html("en")
    >>> snippet.count("<li>"), '<blockquote lang="nl">' in snippet
    (4, True)
    """
    t = _labels(lang)["bloem"]
    bloem = load_bloem() if bloem is None else bloem
    e = html.escape
    parts = [
        f'<div class="bloem" lang="{lang}">',
        f'<p class="bloem-title"><strong>{e(bloem.name[lang])}</strong></p>',
        f'<blockquote lang="nl"><p>{e(bloem.definition)}</p></blockquote>',
        f'<p class="source">{e(t["source"])}: {e(bloem.source)}'
        + (f", {e(bloem.cited_in[lang])}" if bloem.cited_in.get(lang) else "") + "</p>",
    ]
    if t["translation"] and bloem.translation_en:
        parts.append(f'<p class="translation"><em>{e(t["translation"])}</em> '
                     f"{e(bloem.translation_en)}</p>")
    parts += [f"<p>{e(t['environments'])}</p>", "<ul>"]
    for env in bloem.environments:
        added = f" <em>({e(t['added'])})</em>" if env.added_in_new_definition else ""
        parts.append(f"<li><strong>{e(env.label[lang])}</strong>: "
                     f"{e(env.paraphrase[lang])}{added}</li>")
    parts += ["</ul>", f'<p class="note">{e(bloem.note[lang])}</p>',
              f'<p class="own-words">{e(t["own_words"])}</p>', "</div>"]
    return "\n".join(parts)
