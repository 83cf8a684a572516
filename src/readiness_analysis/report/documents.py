"""Sub-question 1 in tables, and the HAN Blended Leren Bloem in HTML.

Which documents each institution has, what is missing, and how the teachers' scan
answers on vision compare with what the documents say. The words are the catalogue's
``inventory.*`` and ``bloem.*`` groups; the Bloem's own text is spec data
(:mod:`readiness_analysis.spec.bloem`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from readiness_analysis.io.documents import DEFINITIONS, KINDS
from readiness_analysis.report.labels import agreeing
from readiness_analysis.report.text import DEFAULT_LANGUAGE, catalogue
from readiness_analysis.spec.bloem import Bloem, load_bloem
from readiness_analysis.spec.instrument import Instrument
from readiness_analysis.stats.disclosure import MIN_CELL

__all__ = [
    "ELEMENTS",
    "VISION_ITEMS",
    "bloem_html",
    "documents_overview",
    "institution_documents",
    "missing_elements",
    "vision_alignment",
    "vision_share_header",
]


ELEMENTS = ("definition", "concrete_goals", "implementation_plan", "known_by_teachers")


#: Scan items on vision and the aspect of the documents each is compared with.
VISION_ITEMS = (("vis_1", "known"), ("vis_2", "concrete"), ("vis_3", "shared"),
                ("vis_4", "shared"))


# The catalogue groups under ``inventory.`` that the tables use, plus ``bloem.``.
_GROUPS = ("columns", "kinds", "definitions", "answers", "status", "aspects", "say")


def _labels(lang: str) -> dict[str, Any]:
    """The inventory's words in ``lang``, by group (catalogue ``inventory.*``, ``bloem.*``).

    Raises
    ------
    ReadinessError
        When there is no catalogue for ``lang``.
    """
    words = catalogue(lang)
    labels: dict[str, Any] = {g: _group(words, f"inventory.{g}.") for g in _GROUPS}
    labels["bloem"] = _group(words, "bloem.")
    return labels


def _group(words: dict[str, str], prefix: str) -> dict[str, str]:
    return {k.removeprefix(prefix): v for k, v in words.items() if k.startswith(prefix)}


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
    documents: pd.DataFrame, lang: str = DEFAULT_LANGUAGE,
    institutions: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Per institution: its documents per kind and what they establish (sub-question 1).

    Parameters
    ----------
    documents : DataFrame
        As returned by :func:`read_documents`.
    lang : str
        Language of column headers and values (a catalogue in report/locale).
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
    documents: pd.DataFrame, lang: str = DEFAULT_LANGUAGE,
    institutions: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Per institution: which of definition, goals, plan and teachers' knowledge is missing.

    This answers where a definition of blended learning, concrete goals and an
    implementation plan are missing (recommendations R1 and R2).

    Parameters
    ----------
    documents : DataFrame
        As returned by :func:`read_documents`.
    lang : str
        Language of column headers and values (a catalogue in report/locale).
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
    documents: pd.DataFrame, institution: str, lang: str = DEFAULT_LANGUAGE
) -> pd.DataFrame:
    """One institution's documents, as a table for its report.

    Parameters
    ----------
    documents : DataFrame
        As returned by :func:`read_documents`.
    institution : str
        The institution, spelled as in ``documents``.
    lang : str
        Language of column headers and values (a catalogue in report/locale).

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
    lang: str = DEFAULT_LANGUAGE,
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
        holding values of their scale, already reverse-keyed.
    instrument : Instrument
        Gives the item statements and where agreeing starts: the ``agree_from`` of each
        item's scale (of the default scale for an item the instrument lacks).
    institution : str
        The institution, spelled the same in both tables.
    lang : str
        Language of column headers and values (a catalogue in report/locale).
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
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> docs = pd.DataFrame({"institution": ["A"], "title": ["Visie"], "year": [2022],
    ...     "kind": ["vision"], "defines_blended": [True], "definition": ["han"],
    ...     "concrete_goals": [False], "implementation_plan": [False],
    ...     "known_by_teachers": ["no"]})
    >>> resp = pd.DataFrame({"institution": ["A"] * 3, "n_teachers": [1, 2, 1],
    ...     "wave": [1] * 3, "vis_1": [4.0, 2.0, 5.0]})
    >>> row = vision_alignment(docs, resp, load_instrument(), "A", "en").iloc[0]
    >>> row["Documents"], int(row["n"]), round(float(row["Share answering (strongly) agree"]), 3)
    ('known by teachers: no', 3, 0.667)
    """
    t = _labels(lang)
    c = t["columns"]
    said = _documents_say(_summary(documents, institution), t)
    own = _own_responses(responses, institution, wave)
    texts = {item.id: item.text.get(lang) for item in instrument.items}
    rows = []
    for item, aspect in VISION_ITEMS:
        n, teachers, share = _agreement(own, item, _agree_from(instrument, item), weighted)
        rows.append([t["aspects"][aspect], item, texts.get(item, pd.NA), said[aspect],
                     n, teachers, share])
    keys = ("aspect", "item", "statement", "documents", "n", "teachers")
    share = vision_share_header(instrument, lang)
    return pd.DataFrame(rows, columns=[*(c[k] for k in keys), share])


def vision_share_header(instrument: Instrument, lang: str = DEFAULT_LANGUAGE) -> str:
    """The header of :func:`vision_alignment`'s share column, in the items' answer words.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> vision_share_header(load_instrument(), "en")
    'Share answering (strongly) agree'
    """
    scales = [instrument.scale_of_item(item) if item in instrument.item_ids
              else instrument.default_scale for item, _ in VISION_ITEMS]
    return _labels(lang)["columns"]["agree"].format(words=agreeing(scales, lang))


def _documents_say(s: dict[str, Any], t: dict[str, Any]) -> dict[str, str]:
    phrase = t["say"]
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


def _agree_from(instrument: Instrument, item: str) -> int:
    """Where agreeing starts on ``item``'s scale (the default scale for an unknown item)."""
    if item in instrument.item_ids:
        return instrument.scale_of_item(item).agree_from
    return instrument.default_scale.agree_from


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


def bloem_html(lang: str = DEFAULT_LANGUAGE, bloem: Bloem | None = None) -> str:
    """The HAN Blended Leren Bloem as a small HTML snippet for the R1 section of a report.

    The definition is a blockquote (Dutch, verbatim, ``lang="nl"``; in English followed by
    our translation), then the four learning environments as a list. All text is escaped;
    the snippet loads nothing and runs nothing (no scripts, styles, links or images).

    Parameters
    ----------
    lang : str
        Language of the surrounding text (a catalogue in report/locale).
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
