"""Reliability in the reports: the alpha/omega table per theme and its cached study-wide form.

Both reports show reliability over all institutions (one institution is too small for a
stable estimate), so :func:`study_reliability_table` computes it once per content of the
processed files and a warm kernel serves every report of a build from that cache.

What the table shows follows the limits of :mod:`readiness_analysis.stats.reliability`:
alpha and its Feldt interval only from ``ALPHA_MIN_N`` (30) respondents, omega only from
``OMEGA_MIN_N`` (50) and for a proper one-factor solution; otherwise a dash with the
reason in the note column. A note under the table says that the rows are interviews
(group answers), so the figures are no teacher-level reliability.

Like every pooled figure, the table counts only institutions with at least ``MIN_CELL``
respondents in a wave on a theme, and shows nothing unless ``MIN_INSTITUTIONS`` of them
qualify (:func:`readiness_analysis.stats.disclosure.pool`); a line under the table says
how many were left out (:func:`left_out_note`).
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections import OrderedDict
from importlib.resources.abc import Traversable
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from readiness_analysis.core.words import Localised
from readiness_analysis.report.data import ReportData, load_report_data
from readiness_analysis.report.html import banner, caption, table
from readiness_analysis.report.labels import respondents, unit_noun, unit_word
from readiness_analysis.report.numbers import count, number
from readiness_analysis.report.text import DEFAULT_LANGUAGE, text
from readiness_analysis.spec.instrument import source_file
from readiness_analysis.spec.study import Study
from readiness_analysis.stats.disclosure import MIN_INSTITUTIONS, Pool, pool
from readiness_analysis.stats.reliability import (
    ALPHA_MIN_N,
    OMEGA_MIN_N,
    ReliabilityError,
    ReliabilityResult,
    reliability,
)

__all__ = ["RELIABILITY_MIN_N", "group_answers_note", "left_out_note", "reliability_pools",
           "reliability_table", "small_sample_warning", "study_reliability",
           "study_reliability_table"]

#: Fewer respondents than this: no alpha or omega in the table (and a banner says so).
RELIABILITY_MIN_N = ALPHA_MIN_N

# The study of a caller that names none: plain respondents, no members.
_PLAIN = Study("", Localised())

_DASH = "–"


def reliability_table(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Cronbach's alpha with its Feldt interval and omega total per theme.

    Themes whose items do not allow an estimate (too few answers, a constant item), or
    fewer respondents than the documented minimum, or an improper factor solution, get a
    dash with the reason in the note column instead of a number that means nothing.
    Only the respondents of :func:`reliability_pools` count; a theme with fewer than
    ``MIN_INSTITUTIONS`` qualifying institutions gets a dash and says why.

    Examples
    --------
    >>> reliability_table(load_report_data("data/processed"))  # doctest: +SKIP
    """
    names = (text("theme", lang), text("columns.items", lang), "n", "alpha",
             text("reliability_note.alpha_ci_column", lang), "omega", text("columns.note", lang))
    rows = []
    for theme, (items, kept) in reliability_pools(data).items():
        row = [data.instrument.theme_label(theme, lang), len(items)]
        if not kept.shown:
            row += [kept.respondents, _DASH, _DASH, _DASH,
                    text("disclosure.withheld_cell", lang, min_institutions=MIN_INSTITUTIONS,
                         units=unit_noun(data.study, lang))]
            rows.append(row)
            continue
        try:
            with warnings.catch_warnings():  # the notes column says what the warnings say
                warnings.simplefilter("ignore")
                res = reliability(data.responses.loc[kept.rows, items].astype(float))
            row += [res.n, *_shown(res, lang, data.study)]
        except ReliabilityError as exc:
            row += [kept.respondents, _DASH, _DASH, _DASH,
                    text("reliability_note.not_computed", lang, reason=exc.message)]
        rows.append(row)
    return pd.DataFrame(rows, columns=list(names))


def reliability_pools(data: ReportData) -> dict[str, tuple[list[str], Pool]]:
    """Per theme: its items in the data and the respondents its reliability may use.

    A respondent counts on a theme when they answered at least one of its items; they
    enter only when their institution has at least ``MIN_CELL`` such respondents in
    their wave (:func:`readiness_analysis.stats.disclosure.pool`).

    Examples
    --------
    >>> pools = reliability_pools(load_report_data("data/processed"))  # doctest: +SKIP
    >>> pools["vision"][1].institutions  # doctest: +SKIP
    3
    """
    pools = {}
    for theme in data.instrument.theme_ids:
        items = [i for i in data.instrument.items_of(theme) if i in data.responses]
        answered = data.responses[items].notna().any(axis=1)  # no items: nobody
        pools[theme] = (items, pool(data.responses, answered))
    return pools


def left_out_note(pools: list[Pool], lang: str = DEFAULT_LANGUAGE,
                  study: Study | None = None) -> HTML:
    """The line under a pooled figure: who was left out to protect small institutions.

    ``pools`` are the figure's parts (one per theme); the note gives the largest number
    left out of any of them, and nothing when none was.

    Examples
    --------
    >>> import numpy as np
    >>> p = Pool(np.ones(9, bool), 3, 9, 1, 2)
    >>> left_out_note([p], "en").data
    "<p class='caption'>Left out: 1 institution with fewer than 3 respondents, 2 respondents ..."
    """
    study = study if study is not None else _PLAIN
    left = max((p.excluded_respondents for p in pools), default=0)
    if not left:
        return HTML("")
    gone = max(p.excluded_institutions for p in pools)
    values = {"who": respondents(study, left, lang), "units": unit_noun(study, lang)}
    if gone:
        return caption(text("disclosure.left_out_institutions", lang, **values,
                            institutions=count(gone, "plural.institution", lang)))
    return caption(text("disclosure.left_out", lang, **values))


def _shown(res: ReliabilityResult, lang: str, study: Study) -> tuple[str, str, str, str]:
    """Alpha, its interval, omega and the note, each withheld where the limits say so."""
    notes = [_improper_note(res, lang)] if res.omega_problems else []
    who = respondents(study, res.n, lang)
    if res.n < ALPHA_MIN_N:  # the improper solution is said as well: omega would not be shown
        notes.insert(0, text("reliability_note.too_few_alpha", lang, who=who,
                             alpha_min_n=ALPHA_MIN_N))
        return _DASH, _DASH, _DASH, "; ".join(notes)
    low, high = res.alpha_ci
    interval = _DASH if math.isnan(low) else f"{number(low, lang)} – {number(high, lang)}"
    notes.insert(0, _alpha_note(res.alpha, lang))
    omega = _DASH
    if res.n < OMEGA_MIN_N:
        notes.append(text("reliability_note.too_few_omega", lang, who=who,
                          omega_min_n=OMEGA_MIN_N))
    elif math.isnan(res.omega_total) and not res.omega_problems:
        notes.append(text("reliability_note.no_omega", lang))
    elif res.omega_proper:
        omega = number(res.omega_total, lang)
    return number(res.alpha, lang), interval, omega, "; ".join(n for n in notes if n)


def _improper_note(res: ReliabilityResult, lang: str) -> str:
    """The improper one-factor solution in words, with its largest loading."""
    problems = ", ".join(text(f"reliability_note.problem_{code}", lang)
                         for code in res.omega_problems)
    loadings = res.loadings
    item = str(loadings.abs().idxmax()) if loadings is not None else "?"
    loading = number(float(loadings[item]), lang, "{:.3f}") if loadings is not None else _DASH
    return text("reliability_note.improper", lang, problems=problems, loading=loading, item=item)


def _alpha_note(alpha: float, lang: str) -> str:
    if math.isnan(alpha):
        return text("reliability_note.zero_total", lang)
    return text("reliability_note.negative_alpha", lang) if alpha < 0 else ""


def small_sample_warning(data: ReportData | int, lang: str = DEFAULT_LANGUAGE,
                         study: Study | None = None) -> HTML:
    """A banner when there are fewer than 30 respondents: the table then shows no alpha.

    ``data`` is the report data or the number of respondents; ``study`` names them
    (default: the data's study, else respondents).

    Examples
    --------
    >>> small_sample_warning(40).data
    ''
    >>> "fewer than 30" in small_sample_warning(12, "en").data
    True
    """
    n = data if isinstance(data, int) else len(data.responses)
    if n >= RELIABILITY_MIN_N:
        return HTML("")
    if study is None:
        study = data.study if isinstance(data, ReportData) else _PLAIN
    return banner(text("reliability_note.small_sample", lang, who=respondents(study, n, lang),
                       units=unit_noun(study, lang), reliability_min_n=RELIABILITY_MIN_N))


# Study-wide reliability tables, so that a warm kernel computes them once for all reports.
# Keyed on the content of every file they depend on (see _reliability_key); a few entries
# cover the languages and processed folders of one build.
_RELIABILITY_CACHE: OrderedDict[tuple, tuple[pd.DataFrame, int, Study, list[Pool]]] = (
    OrderedDict())
_RELIABILITY_CACHE_SIZE = 8


def study_reliability_table(processed_dir: str | Path,
                            lang: str = DEFAULT_LANGUAGE) -> tuple[pd.DataFrame, int]:
    """The reliability table over all institutions and its number of respondents, cached.

    The same as :func:`reliability_table` on ``load_report_data(processed_dir)``, but
    computed once per content of the files it reads: the key holds the SHA-256 of
    ``responses.parquet``, of ``provenance.json`` and of the instrument file named there,
    the instrument's id and version, and ``lang``. A changed file is a new key, never a
    stale table. The caller gets a copy it may change.

    Raises
    ------
    ReadinessError
        When the processed files are missing (as :func:`load_report_data`).

    Examples
    --------
    >>> table, n = study_reliability_table("data/processed")  # doctest: +SKIP
    >>> n  # doctest: +SKIP
    14
    """
    frame, n, _, _ = _cached(Path(processed_dir), lang)
    return frame.copy(), n


def _cached(processed: Path, lang: str) -> tuple[pd.DataFrame, int, Study, list[Pool]]:
    """The cache entry of a processed folder and language: table, n, study and pools.

    n is the most respondents any theme pools (:func:`reliability_pools`).
    """
    key = _reliability_key(processed, lang)
    entry = _RELIABILITY_CACHE.get(key)
    if entry is None:
        data = load_report_data(processed)
        pools = [p for _, p in reliability_pools(data).values()]
        entry = (reliability_table(data, lang), max((p.respondents for p in pools), default=0),
                 data.study, pools)
        _RELIABILITY_CACHE[key] = entry
        while len(_RELIABILITY_CACHE) > _RELIABILITY_CACHE_SIZE:
            _RELIABILITY_CACHE.popitem(last=False)
    _RELIABILITY_CACHE.move_to_end(key)
    return entry


def study_reliability(processed_dir: str | Path, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Small-sample warning and reliability table over all institutions (cached).

    Examples
    --------
    >>> study_reliability("data/processed", "en")  # doctest: +SKIP
    """
    reliabilities, n, study, pools = _cached(Path(processed_dir), lang)
    return HTML(small_sample_warning(n, lang, study).data + table(reliabilities).data
                + left_out_note(pools, lang, study).data + group_answers_note(lang, study).data)


def group_answers_note(lang: str = DEFAULT_LANGUAGE, study: Study | None = None) -> HTML:
    """The limits of alpha and omega, and, for group answers, what their reliability means.

    When the study's respondents hold several members (interviews of several teachers),
    the note says the figures describe group answers, not one teacher's.

    Examples
    --------
    >>> from readiness_analysis.spec.study import load_study
    >>> "not the reliability of one teacher" in group_answers_note("en", load_study()).data
    True
    """
    study = study if study is not None else _PLAIN
    units = unit_noun(study, lang)
    limits = text("reliability_note.limits", lang, alpha_min_n=ALPHA_MIN_N,
                  omega_min_n=OMEGA_MIN_N, units=units)
    if study.members is None:
        return caption(limits)
    group = text("reliability_note.group_answers", lang, units=units,
                 one=unit_word(study.respondent, lang, one=True),
                 members=unit_word(study.members, lang),
                 member=unit_word(study.members, lang, one=True))
    return caption(f"{group} {limits}")


def _reliability_key(processed: Path, lang: str) -> tuple:
    """What the study-wide reliability table depends on, by content."""
    provenance = processed / "provenance.json"
    try:
        instrument = json.loads(provenance.read_text(encoding="utf-8")).get("instrument", {})
    except (OSError, ValueError):
        instrument = {}
    source = str(instrument.get("source", ""))
    return (lang, str(processed.resolve()), instrument.get("id"), instrument.get("version"),
            source, _sha256(processed / "responses.parquet"), _sha256(provenance),
            _sha256(source_file(source)))


def _sha256(path: Path | Traversable) -> str | None:
    """SHA-256 of a file's bytes; None when it cannot be read (the load will say why)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
