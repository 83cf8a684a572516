"""Blocks that both reports show: banners, notes, the theme table, a recommendation's heading.

The institution report (:mod:`~readiness_analysis.report.institution`) and the study
report (:mod:`~readiness_analysis.report.study`) each have their own sections; what they
share lives here, so that a note reads the same in both.
"""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML

from readiness_analysis.io.clean import row_account
from readiness_analysis.report.data import ReportData, latest_pooled, waves
from readiness_analysis.report.html import banner, caption, paragraph
from readiness_analysis.report.labels import theme_labels
from readiness_analysis.report.numbers import count, number
from readiness_analysis.report.text import DEFAULT_LANGUAGE, catalogue, text
from readiness_analysis.spec.instrument import Instrument
from readiness_analysis.spec.study import recommendation_title
from readiness_analysis.stats.disclosure import suppress_small_cells

__all__ = ["accounting", "documents_note", "instrument_note", "pooled_note", "reading_guide",
           "recommendation_heading", "synthetic_banner", "theme_table"]


def synthetic_banner(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """A banner saying the scan data are synthetic (empty when they are real)."""
    if not data.synthetic:
        return HTML("")
    return banner(text("synthetic", lang), "synthetic")


def instrument_note(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Which instrument was used, with its own note (e.g. that it is a reconstruction)."""
    inst = data.instrument
    line = text("instrument_note", lang, title=inst.title[lang], version=inst.version,
                note=inst.note.get(lang, ""))
    return HTML(f"<p>{html.escape(line)}</p>")


def reading_guide(lang: str = DEFAULT_LANGUAGE, weighted: bool = False) -> HTML:
    """How to read the numbers: scale, theme score, n, share agreeing, SD, dashes.

    With ``weighted``, it says that the figures count teachers, not interviews.

    Examples
    --------
    >>> "aandeel docenten" in reading_guide("nl", weighted=True).data
    True
    """
    share = text("guide_share_weighted" if weighted else "guide_share", lang)
    ci = text("guide_ci_weighted" if weighted else "guide_ci", lang)
    return caption(text("guide", lang, share=share, ci=ci))


def pooled_note(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """What the pooled ("all institutions") figures of the latest wave cover.

    Pooled figures count only institutions with at least ``MIN_CELL`` respondents on a
    theme (see :func:`readiness_analysis.build.prepare.summarise_all`); the note says so, with
    the number of institutions and respondents pooled and left out.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> pooled_note(load_report_data("data/processed"), "en").data  # doctest: +SKIP
    "<p class='caption'>'All institutions' counts only institutions with at least 3 ..."
    """
    pooled = latest_pooled(data)
    if pooled.empty or "n_institutions" not in pooled:
        return HTML("")
    left = int(pooled["n_excluded"].max())
    all_waves = waves(data)
    scope = (text("scope.wave", lang, wave=all_waves[-1]) if len(all_waves) > 1
             else text("latest", lang))
    institutions = count(int(pooled["n_institutions"].max()), "plural.institution", lang)
    line = text("pooled_note", lang, scope=scope, institutions=institutions,
                n=int(pooled["n"].max()),
                left=text("pooled_left", lang, x=left) if left else "")
    return caption(line)


def documents_note(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Say so when the document inventory is illustrative (as on the demo data).

    The inventory's own ``source`` column marks it (in the inventory's words).
    """
    sources = data.documents.get("source", pd.Series(dtype=str)).dropna().astype(str)
    if not sources.str.contains("illustratief|illustrative", case=False).any():
        return HTML("")
    return banner(text("inventory.illustrative", lang))


def accounting(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """One line that accounts for every raw row: read = kept + rejected + blank."""
    return paragraph("accounting_line", lang, **row_account(data.cleaning_log))


def recommendation_heading(rec_id: str, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Heading with the recommendation's number and title.

    Examples
    --------
    >>> recommendation_heading("R2", "en").data.startswith("<h3>Recommendation 2: ")
    True
    """
    line = text("rec.heading", lang, n=rec_id[1:],
                title=html.escape(recommendation_title(rec_id, lang)))
    return HTML(f"<h3>{line}</h3>")


def theme_table(summary: pd.DataFrame, instrument: Instrument,
                lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Theme scores as a readable table: small cells suppressed, labels translated.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> s = pd.DataFrame({"theme": ["vision"], "n": [2], "mean": [2.5], "sd": [0.7],
    ...                   "agree": [0.5]})
    >>> theme_table(s, load_instrument()).iloc[0, 2]
    '–'
    """
    t = catalogue(lang)
    labels = theme_labels(instrument, lang)
    shown = suppress_small_cells(summary)
    out = pd.DataFrame(
        {
            t["theme"]: shown["theme"].astype(str).map(labels),
            t["n"]: shown["n"].astype(int),
            t["mean"]: shown["mean"].map(lambda v: number(v, lang)),
            t["sd"]: shown["sd"].map(lambda v: number(v, lang)),
            t["agree"]: shown["agree"].map(lambda v: number(v * 100, lang, "{:.0f}%")),
        }
    )
    if {"ci_low", "ci_high"} <= set(shown.columns):
        out.insert(3, t["ci"], [
            "–" if pd.isna(lo) else f"{number(lo, lang)} – {number(hi, lang)}"
            for lo, hi in zip(shown["ci_low"], shown["ci_high"], strict=True)])
    if "wave" in shown and shown["wave"].nunique() > 1:
        out.insert(0, t["wave_column"], shown["wave"].astype(int).values)
    return out.reset_index(drop=True)
