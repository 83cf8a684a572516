"""Sections of the institution report: summary, priorities, profile, team, documents, advice.

Every function takes the report data of one institution (``load_report_data(processed,
institution)``, which remembers the institution) and returns a DataFrame or an
``IPython.display.HTML`` block for ``notebooks/institution_report.ipynb`` to display.
Blocks that the study report shows as well live in :mod:`~readiness_analysis.report.common`.
"""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML

from readiness_analysis.core.clock import build_time
from readiness_analysis.io.clean import row_account
from readiness_analysis.report import documents
from readiness_analysis.report.common import pooled_note, recommendation_heading
from readiness_analysis.report.data import (
    ReportData,
    fragments_supplied,
    latest_pooled,
    latest_wave,
    waves,
)
from readiness_analysis.report.html import caption, figure, labelled, prose, quotes, table
from readiness_analysis.report.labels import theme_labels, valence_label
from readiness_analysis.report.numbers import number
from readiness_analysis.report.plots import theme_profile
from readiness_analysis.report.text import DEFAULT_LANGUAGE, catalogue, text
from readiness_analysis.spec.study import load_study, published_quotes, recommendation_title
from readiness_analysis.stats.disclosure import MIN_CELL, suppress_small_cells
from readiness_analysis.stats.ranking import SCAN_WEIGHT, rank_recommendations
from readiness_analysis.stats.scores import READINESS

__all__ = [
    "accounting_lines",
    "change_table",
    "own_documents",
    "own_fragments_block",
    "priorities",
    "priority_rule",
    "profile_data",
    "profile_figure",
    "provenance_table",
    "ranking_basis",
    "ranking_rule",
    "recommendation_blocks",
    "summary_block",
    "variation_table",
    "vision_alignment_table",
]

# The rule that explains a ranking, by what the ranking rests on (stats.ranking.BASES).
_RULES = {"scan+interviews": "ranking.rule", "scan": "ranking.rule_scan",
          "interviews": "ranking.rule_interviews", "none": "ranking.rule_none"}
_INTROS = {"scan+interviews": "rank_intro", "interviews": "rank_intro_interviews",
           "none": "rank_intro_none"}
_SOURCES = {"own": "ranking.source_own", "study": "ranking.source_study"}


def _own_summary(data: ReportData) -> pd.DataFrame:
    """The institution's summary rows of the latest wave, small cells suppressed."""
    return suppress_small_cells(latest_wave(data.institution_summary()))


def _ranking(data: ReportData) -> pd.DataFrame:
    pooled = data.pooled_fragments if data.pooled_fragments is not None else data.fragments
    return rank_recommendations(_own_summary(data), data.instrument, data.fragments, pooled)


def _percent(share: float, lang: str) -> str:
    """A share (0-1) as a whole percentage."""
    return number(share * 100, lang, "{:.0f}%")


def _reading(row, data: ReportData, lang: str) -> str:
    """The one-line evidence of a ranked recommendation: scan means and fragments."""
    themes = [t.id for t in data.instrument.themes if t.recommendation == row.recommendation]
    own = _own_summary(data).set_index("theme")["mean"]
    pooled = latest_pooled(data).set_index("theme")["mean"]

    def mean_of(series):
        values = [series[t] for t in themes if t in series and pd.notna(series[t])]
        return number(sum(values) / len(values), lang, "{:.1f}") if values else "–"

    labels = ", ".join(data.instrument.theme_label(t, lang).lower() for t in themes)
    if row.basis in ("interviews", "none"):
        scan = text("ranking.scan_small", lang, pooled=mean_of(pooled))
    else:
        scan = text("ranking.scan", lang, themes=labels, own=mean_of(own), pooled=mean_of(pooled))
    if not fragments_supplied(data):
        return scan
    if row.basis == "none":
        return f"{scan}; {text('ranking.no_own', lang)}"
    source = text(_SOURCES[row.barrier_source], lang)
    return f"{scan}; {text('ranking.fragments', lang, n=row.n_barriers, source=source)}"


def priorities(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The five recommendations ranked for this institution, with a one-line reading.

    When there is no basis for a ranking (see :func:`readiness_analysis.stats.ranking.
    rank_recommendations`), the recommendations come in the guide's order and the
    priority column is left out.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> data = load_report_data("data/processed", "Instelling A")  # doctest: +SKIP
    >>> priorities(data).iloc[0, 0]  # doctest: +SKIP
    1
    """
    ranking = _ranking(data)
    rank, rec, reading = (text("columns.priority", lang), text("columns.recommendation", lang),
                          text("columns.evidence", lang))
    frame = pd.DataFrame({
        rank: ranking["rank"],
        rec: [f"{r[1:]}. {recommendation_title(r, lang)}" for r in ranking["recommendation"]],
        reading: [_reading(row, data, lang) for row in ranking.itertuples()],
    })
    return frame.drop(columns=rank) if ranking["rank"].isna().all() else frame


def ranking_basis(data: ReportData) -> str:
    """What this institution's ranking rests on: one of :data:`.ranking.BASES`.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> ranking_basis(load_report_data("data/processed", "Instelling A"))  # doctest: +SKIP
    'scan+interviews'
    """
    return str(_ranking(data)["basis"].iloc[0])


def summary_block(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """The report's summary: who took part (latest wave) and the first three priorities.

    Says which wave it counts when there are several, what the ranking rests on when the
    scan or the interviews cannot be used, and lists all five recommendations in the
    guide's order (without calling them priorities) when nothing allows a ranking.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> summary_block(load_report_data("data/processed", "Instelling A"))  # doctest: +SKIP
    """
    basis = ranking_basis(data)
    ranked = priorities(data, lang)
    if basis == "scan":
        intro = text("rank_intro_scan", lang, why=_why_scan_only(data, lang))
    else:
        intro = text(_INTROS[basis], lang)
    shown = ranked if basis == "none" else ranked.head(3)
    return HTML(f"<p>{html.escape(_count_line(data, lang))} {html.escape(intro)}</p>"
                + table(shown).data)


def _count_line(data: ReportData, lang: str) -> str:
    """Interviews and teachers of the latest wave (the wave is named when there are more)."""
    all_waves = waves(data)
    latest = (data.responses[data.responses["wave"] == all_waves[-1]] if all_waves
              else data.responses)
    values = {"interviews": len(latest), "teachers": int(latest["n_teachers"].sum())}
    if len(all_waves) > 1:
        return text("count_line_wave", lang, wave=all_waves[-1], **values)
    return text("count_line", lang, **values)


def _why_scan_only(data: ReportData, lang: str) -> str:
    return text("why_no_hindering" if fragments_supplied(data) else "why_not_supplied", lang)


def priority_rule(lang: str = DEFAULT_LANGUAGE, basis: str = "scan+interviews", *,
                  why: str = "", wave: int | None = None) -> HTML:
    """The ranking rule in one paragraph, for the report, as it applies to ``basis``.

    Examples
    --------
    >>> priority_rule("en", "none").data[:40]
    "<p class='caption'>No ranking: the scan "
    >>> "70% distance" in priority_rule("en").data
    True
    """
    rule = text(_RULES[basis], lang, why=why, scan_weight=_percent(SCAN_WEIGHT, lang),
                interview_weight=_percent(1 - SCAN_WEIGHT, lang))
    if wave is not None and basis != "none":
        rule += " " + text("ranking.rule_wave", lang, wave=wave)
    return caption(rule)


def ranking_rule(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """:func:`priority_rule` for this institution's basis, wave and pooled figures.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> ranking_rule(load_report_data("data/processed", "Instelling A"))  # doctest: +SKIP
    """
    all_waves = waves(data)
    rule = priority_rule(lang, ranking_basis(data), why=_why_scan_only(data, lang),
                         wave=all_waves[-1] if len(all_waves) > 1 else None)
    return HTML(rule.data + pooled_note(data, lang).data)


def recommendation_blocks(data: ReportData, lang: str = DEFAULT_LANGUAGE):
    """Yield one HTML block per recommendation, in this institution's priority order.

    Each block: heading, what the study found, the institution's own coded fragments for
    it (if any), the study's published quotes for it, and the study's practical tip.
    """
    study = {r["id"]: r for r in load_study()["recommendations"]}
    published = published_quotes()
    for row in _ranking(data).itertuples():
        rec = study[row.recommendation]
        own = data.fragments[(data.fragments["recommendation"] == row.recommendation)]
        parts = [
            recommendation_heading(row.recommendation, lang).data,
            labelled(text("columns.evidence", lang), _reading(row, data, lang)),
            labelled(text("rec.study_says", lang), rec["summary"][lang]),
        ]
        if len(own):
            parts += [f"<p><strong>{text('own_fragments', lang)}</strong></p>", quotes(own).data]
        if row.recommendation == "R1":
            parts.append(documents.bloem_html(lang))
        mine = published[published["recommendation"] == row.recommendation]
        parts += [f"<p><strong>{text('rec.quotes', lang)}</strong></p>", quotes(mine).data,
                  labelled(text("rec.tip", lang), rec["tip"][lang])]
        yield HTML("".join(parts))


def provenance_table(data: ReportData, parameters: dict,
                     lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """What made this report: package, commit, instrument, inputs, parameters, weighting, date.

    The date is :func:`readiness_analysis.core.clock.build_time` (``SOURCE_DATE_EPOCH`` when set).
    """
    prov = data.provenance
    weighted = ("provenance_row.weighted_yes" if prov.get("weighted")
                else "provenance_row.weighted_no")
    rows = [
        ("readiness-analysis", prov.get("package_version", "")),
        ("commit", prov.get("commit") or "–"),
        ("instrument", f"{prov['instrument']['id']} {prov['instrument']['version']}"),
        ("codebook", f"{prov['codebook']['id']} {prov['codebook']['version']}"),
        *[(f"SHA-256 {name}", digest) for name, digest in sorted(prov["inputs"].items())],
        *[(f"parameter {k}", str(v)) for k, v in sorted(parameters.items())
          if k != "processed_dir"],
        (text("provenance_row.weighted", lang), text(weighted, lang)),
        (text("provenance_row.date", lang), build_time().strftime("%Y-%m-%d %H:%M UTC")),
        (text("provenance_row.min_cell", lang), str(MIN_CELL)),
    ]
    return pd.DataFrame(rows, columns=[text("columns.part", lang), text("columns.value", lang)])


def profile_data(data: ReportData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Own and pooled theme summaries of the latest wave, small cells suppressed.

    This is what the profile figure may show.
    """
    return _own_summary(data), latest_pooled(data)


def profile_figure(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """The readiness profile (latest wave) with the note on what "all institutions" covers.

    Themes with fewer than ``MIN_CELL`` respondents show no bar but a grey note
    (:func:`readiness_analysis.report.plots.theme_profile`).

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> profile_figure(load_report_data("data/processed", "Instelling A"))  # doctest: +SKIP
    """
    institution = data.own_institution()
    own, pooled = profile_data(data)
    fig = theme_profile(own, pooled, data.instrument, lang=lang, own_label=institution)
    alt = text("profile_alt", lang, institution=institution)
    return HTML(figure(fig, alt=alt).data + pooled_note(data, lang).data)


def variation_table(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Themes ordered by how much the team differs (SD of theme scores, latest wave)."""
    own = _own_summary(data)
    own = own[own["theme"].astype(str) != READINESS].sort_values("sd", ascending=False)
    t = catalogue(lang)
    return pd.DataFrame({
        t["theme"]: [data.instrument.theme_label(str(th), lang) for th in own["theme"]],
        t["n"]: own["n"].astype(int).values,
        t["sd"]: [number(v, lang) for v in own["sd"]],
        t["columns.middle_half"]: [f"{number(a, lang)} – {number(b, lang)}" if pd.notna(a)
                                   else "–" for a, b in zip(own["q1"], own["q3"], strict=True)],
    })


def own_documents(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The institution's own vision and policy documents (sub-question 1)."""
    return documents.institution_documents(data.documents, data.own_institution(), lang)


def vision_alignment_table(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The documents next to the teachers' scan answers on vision (known, concrete, shared).

    The share agreeing shows as a whole percentage, a dash where suppressed.
    """
    frame = documents.vision_alignment(data.documents, data.responses, data.instrument,
                                       data.own_institution(), lang)
    share = text("inventory.columns.agree", lang)
    return frame.assign(**{share: frame[share].map(
        lambda v: "–" if pd.isna(v) else _percent(v, lang))})


def own_fragments_block(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """The institution's own coded fragments, hindering first; a note when there are none."""
    if data.fragments.empty:
        key = "no_fragments" if fragments_supplied(data) else "no_fragments_supplied"
        return prose(text(key, lang))
    parts = []
    primary = data.fragments[data.fragments["rank"] == 1]
    for valence in ("hindering", "stimulating", "neutral"):
        chosen = primary[primary["valence"] == valence]
        if len(chosen):
            parts += [f"<h3>{valence_label(valence, lang, title=True)}</h3>", quotes(chosen).data]
    return HTML("".join(parts))


def accounting_lines(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Row accounting: this institution's kept interviews and the whole file's account."""
    rows = row_account(data.cleaning_log)
    values = {"own": len(data.responses), "raw": rows["raw"], "kept": rows["kept"],
              "rejected": rows["rejected"], "blank": rows["blank"]}
    n_waves = len(waves(data))
    if n_waves > 1:
        return prose(text("rows.institution_waves", lang, waves=n_waves, **values))
    return prose(text("rows.institution", lang, **values))


def change_table(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Per theme, the change in mean between consecutive waves with its 95% CI."""
    changes = data.changes
    if changes is None or changes.empty:
        return pd.DataFrame()
    changes = changes.assign(n=changes[["n_from", "n_to"]].min(axis=1))
    changes = suppress_small_cells(changes)
    t = catalogue(lang)
    labels = theme_labels(data.instrument, lang)
    return pd.DataFrame({
        t["theme"]: [labels.get(str(th), str(th)) for th in changes["theme"]],
        t["columns.waves"]: [f"{int(a)} → {int(b)}" for a, b in zip(
            changes["wave_from"], changes["wave_to"], strict=True)],
        t["columns.from"]: [number(v, lang) for v in changes["mean_from"]],
        t["columns.to"]: [number(v, lang) for v in changes["mean_to"]],
        t["columns.change"]: [number(v, lang, "{:+.2f}") for v in changes["diff"]],
        t["ci"]: [f"{number(lo, lang, '{:+.2f}')} – {number(hi, lang, '{:+.2f}')}"
                  if pd.notna(lo) else "–"
                  for lo, hi in zip(changes["ci_low"], changes["ci_high"], strict=True)],
    })
