"""Reliability in the reports: the alpha/omega table per theme and its cached study-wide form.

Both reports show reliability over all institutions (one institution is too small for a
stable estimate), so :func:`study_reliability_table` computes it once per content of the
processed files and a warm kernel serves every report of a build from that cache.
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

from readiness_analysis.report.data import ReportData, load_report_data
from readiness_analysis.report.html import banner, table
from readiness_analysis.report.numbers import number
from readiness_analysis.report.text import DEFAULT_LANGUAGE, text
from readiness_analysis.spec.instrument import source_file
from readiness_analysis.stats.reliability import ReliabilityError, reliability

__all__ = ["RELIABILITY_MIN_N", "reliability_table", "small_sample_warning",
           "study_reliability", "study_reliability_table"]

#: Fewer respondents than this make alpha and omega unstable (the report warns).
RELIABILITY_MIN_N = 30


def reliability_table(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Cronbach's alpha and omega total per theme, from the kept respondents.

    Themes whose items do not allow an estimate (too few answers, a constant item) get
    an empty row with the reason, instead of a number that means nothing.

    Examples
    --------
    >>> reliability_table(load_report_data("data/processed"))  # doctest: +SKIP
    """
    names = (text("theme", lang), text("columns.items", lang), "n", "alpha", "omega",
             text("columns.note", lang))
    rows = []
    for theme in data.instrument.theme_ids:
        items = [i for i in data.instrument.items_of(theme) if i in data.responses]
        row = [data.instrument.theme_label(theme, lang), len(items)]
        try:
            with warnings.catch_warnings():  # the notes column says what the warnings say
                warnings.simplefilter("ignore")
                res = reliability(data.responses[items].astype(float))
            row += [res.n, number(res.alpha, lang), number(res.omega_total, lang),
                    _alpha_note(res.alpha, lang)]
        except ReliabilityError as exc:
            row += [len(data.responses), "–", "–",
                    text("reliability_note.not_computed", lang, reason=exc.message)]
        rows.append(row)
    return pd.DataFrame(rows, columns=list(names))


def _alpha_note(alpha: float, lang: str) -> str:
    if math.isnan(alpha):
        return text("reliability_note.zero_total", lang)
    return text("reliability_note.negative_alpha", lang) if alpha < 0 else ""


def small_sample_warning(data: ReportData | int, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """A warning when reliability rests on fewer than 30 respondents (else nothing).

    ``data`` is the report data or the number of respondents.

    Examples
    --------
    >>> small_sample_warning(40).data
    ''
    >>> "(fewer than 30)" in small_sample_warning(12, "en").data
    True
    """
    n = data if isinstance(data, int) else len(data.responses)
    if n >= RELIABILITY_MIN_N:
        return HTML("")
    return banner(text("reliability_note.small_sample", lang, n=n,
                       reliability_min_n=RELIABILITY_MIN_N))


# Study-wide reliability tables, so that a warm kernel computes them once for all reports.
# Keyed on the content of every file they depend on (see _reliability_key); a few entries
# cover the languages and processed folders of one build.
_RELIABILITY_CACHE: OrderedDict[tuple, tuple[pd.DataFrame, int]] = OrderedDict()
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
    key = _reliability_key(Path(processed_dir), lang)
    entry = _RELIABILITY_CACHE.get(key)
    if entry is None:
        data = load_report_data(processed_dir)
        entry = (reliability_table(data, lang), len(data.responses))
        _RELIABILITY_CACHE[key] = entry
        while len(_RELIABILITY_CACHE) > _RELIABILITY_CACHE_SIZE:
            _RELIABILITY_CACHE.popitem(last=False)
    _RELIABILITY_CACHE.move_to_end(key)
    frame, n = entry
    return frame.copy(), n


def study_reliability(processed_dir: str | Path, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Small-sample warning and reliability table over all institutions (cached).

    Examples
    --------
    >>> study_reliability("data/processed", "en")  # doctest: +SKIP
    """
    reliabilities, n = study_reliability_table(processed_dir, lang)
    return HTML(small_sample_warning(n, lang).data + table(reliabilities).data)


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
