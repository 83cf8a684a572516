"""Sections of the institution report: summary, priorities, profile, team, documents, advice.

Every function takes the report data of one institution (``load_report_data(processed,
institution)``, which remembers the institution) and returns a DataFrame or an
``IPython.display.HTML`` block for ``notebooks/institution_report.ipynb`` to display.
Blocks that the study report shows as well live in :mod:`~readiness_analysis.report.common`.
"""

from __future__ import annotations

import functools
import html

import pandas as pd
from IPython.display import HTML

from readiness_analysis.core.clock import build_time
from readiness_analysis.io.clean import row_account
from readiness_analysis.report import documents, trend
from readiness_analysis.report.common import (
    pooled_note,
    recommendation_heading,
    tip,
    unscored_line,
)
from readiness_analysis.report.data import (
    ReportData,
    fragments_supplied,
    latest_pooled,
    latest_responses,
    latest_wave,
    once_per_data,
    scored_respondents,
    waves,
)
from readiness_analysis.report.html import (
    caption,
    figure,
    heading,
    labelled,
    prose,
    quotes,
)
from readiness_analysis.report.labels import (
    called,
    in_sentence,
    profile_heading,
    respondents,
    spelled,
    theme_labels,
    unit_noun,
    unit_word,
    valence_label,
    who,
)
from readiness_analysis.report.numbers import number
from readiness_analysis.report.plots import diverging_alt, diverging_answers, theme_profile
from readiness_analysis.report.text import DEFAULT_LANGUAGE, catalogue, text
from readiness_analysis.spec.study import Study
from readiness_analysis.stats import itemstats
from readiness_analysis.stats.disclosure import MIN_CELL, MIN_QUARTILES, suppress_small_cells
from readiness_analysis.stats.ranking import (
    CLEAR_ORDER,
    MIN_FRAGMENTS,
    N_RESAMPLES,
    SCAN_WEIGHT,
    TOP,
    rank_stability,
    strengths,
)
from readiness_analysis.stats.scores import READINESS

__all__ = [
    "accounting_lines",
    "answers_block",
    "change_part",
    "change_table",
    "first_priorities",
    "own_documents",
    "own_fragments_block",
    "place",
    "priorities",
    "priority_rule",
    "profile_data",
    "profile_figure",
    "profile_title",
    "provenance_table",
    "ranking_basis",
    "ranking_rule",
    "recommendation_blocks",
    "stability_line",
    "strengths_items",
    "summary_block",
    "variation_heading",
    "variation_table",
    "vision_alignment_table",
]

# The rule that explains a ranking, by what the ranking rests on (stats.ranking.BASES).
_RULES = {"scan+interviews": "ranking.rule", "scan": "ranking.rule_scan",
          "interviews": "ranking.rule_interviews", "none": "ranking.rule_none"}
_INTROS = {"scan+interviews": "rank_intro", "interviews": "rank_intro_interviews",
           "none": "rank_intro_none"}


def _own_summary(data: ReportData) -> pd.DataFrame:
    """The institution's summary rows of the latest wave, small cells suppressed.

    Once per report data object: page one, the ranking, the profile and the team table
    all ask for it, about twenty times a report.
    """
    return once_per_data(data, "institution.own_summary",
                         lambda d: suppress_small_cells(latest_wave(d.institution_summary())))


def _ranking(data: ReportData) -> pd.DataFrame:
    """The ranking with its stability (:func:`.ranking.rank_stability`), latest wave.

    Only the institution's own fragments are evidence; the study's published quotes are not.
    Computed once per report data object (its 2,000 redraws take a noticeable part of a
    second, and page one, the actions and the appendix all ask for it).
    """
    return once_per_data(data, "institution.ranking", lambda d: rank_stability(
        latest_wave(d.scores), _own_summary(d), d.instrument, d.fragments,
        links=d.study.links(d.instrument), weighted=d.weighted))


def _percent(share: float, lang: str) -> str:
    """A share (0-1) as a whole percentage."""
    return number(share * 100, lang, "{:.0f}%")


def _mean_of(series: pd.Series, themes, lang: str) -> str:
    """The mean of ``series`` over ``themes`` (one decimal), a dash when none has a value."""
    values = [series[t] for t in themes if t in series and pd.notna(series[t])]
    return _number(sum(values) / len(values), lang, "{:.1f}") if values else "–"


@functools.lru_cache(maxsize=4096)
def _number(value: float, lang: str, pattern: str) -> str:
    """:func:`~readiness_analysis.report.numbers.number`, remembered.

    Babel takes a quarter of a millisecond a number, and page one, the evidence lines
    and the appendix write the same few means again and again.
    """
    return number(value, lang, pattern)


def _theme_means(data: ReportData) -> tuple[pd.Series, pd.Series]:
    """Own (small cells suppressed) and pooled theme means of the latest wave, by theme.

    Once per report data object: every evidence line reads them.
    """
    return once_per_data(data, "institution.means",
                         lambda d: (_own_summary(d).set_index("theme")["mean"],
                                    latest_pooled(d).set_index("theme")["mean"]))


def _reading(row, data: ReportData, lang: str) -> str:
    """The one-line evidence of a ranked recommendation: need, strengths, own fragments.

    The need's themes (conditions) come with the pooled mean as context; linked strengths
    come apart; only the institution's own hindering fragments are counted.
    """
    own, pooled = _theme_means(data)
    labels = ", ".join(in_sentence(data.instrument.theme_label(t, lang)) for t in row.conditions)
    if row.basis in ("interviews", "none"):
        parts = [text("ranking.scan_small", lang, units=unit_noun(data.study, lang),
                      pooled=_mean_of(pooled, row.conditions or row.strengths, lang))]
    elif not row.conditions:
        parts = [text("rank_check.strengths_only", lang)]
    else:
        parts = [_with_pooled("ranking.scan", lang, _mean_of(pooled, row.conditions, lang),
                              themes=labels, own=_mean_of(own, row.conditions, lang))]
    if row.strengths and row.basis not in ("interviews", "none"):
        items = ", ".join(_strength_item(t, own, pooled, data, lang) for t in row.strengths)
        parts.append(text("rank_check.strength_reading", lang, items=items))
    if fragments_supplied(data) and (len(data.fragments) or row.basis == "none"):
        parts.append(_fragments_reading(row, lang))  # else the rule says there are none
    return "; ".join(parts)


def _strength_item(theme: str, own: pd.Series, pooled: pd.Series, data: ReportData,
                   lang: str) -> str:
    return _with_pooled("rank_check.strength_item", lang, _mean_of(pooled, [theme], lang),
                        theme=in_sentence(data.instrument.theme_label(theme, lang)),
                        own=_mean_of(own, [theme], lang))


def _with_pooled(key: str, lang: str, pooled: str, **values: object) -> str:
    """``key`` with the pooled mean beside the own one, or ``key_own`` when it is withheld.

    The pooled mean is withheld (a dash) when fewer than
    :data:`~.disclosure.MIN_INSTITUTIONS` institutions qualify.
    """
    if pooled == "–":
        return text(f"{key}_own", lang, **values)
    return text(key, lang, pooled=pooled, **values)


def _fragments_reading(row, lang: str) -> str:
    """How many of the institution's own hindering fragments support the recommendation."""
    if not row.n_hindering:
        return text("ranking.no_own", lang)
    key = "rank_check.own_used" if row.interviews_used else "rank_check.own_too_few"
    return text(key, lang, n=row.n_barriers, total=row.n_hindering)


def priorities(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The study's recommendations ranked for this institution, with a one-line reading.

    When there is no basis for a ranking (see :func:`readiness_analysis.stats.ranking.
    rank_recommendations`), the recommendations come in the study's order and the
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
        rank: [place(row) for row in ranking.itertuples()],
        rec: [f"{data.study.recommendation(r).title[lang]} "
              f"({text('page_one.ref', lang, n=data.study.number(r))})"
              for r in ranking["recommendation"]],
    })
    if ranking["p_top"].notna().any():
        frame[text("rank_check.p_top", lang, top=spelled(TOP, lang))] = [
            _percent(p, lang) for p in ranking["p_top"]]
        frame[text("rank_check.rank_range", lang)] = [
            _span(lo, hi) for lo, hi in zip(ranking["rank_low"], ranking["rank_high"],
                                            strict=True)]
    frame[reading] = [_reading(row, data, lang) for row in ranking.itertuples()]
    return frame.drop(columns=rank) if ranking["rank"].isna().all() else frame


def _span(low, high) -> str:
    """A range of places: "2" or "1–3"."""
    return str(low) if low == high else f"{low}–{high}"


def place(row) -> str:
    """The place a school reads: the rank, or the span its group of equals shares.

    ``row`` is a row (``itertuples``) of the ranking (:func:`first_priorities`); "" when
    it has no rank.

    Examples
    --------
    >>> from types import SimpleNamespace as Row
    >>> place(Row(rank=2, group_low=1, group_high=3)), place(Row(rank=4, group_low=None,
    ...                                                        group_high=None))
    ('1–3', '4')
    """
    if pd.isna(row.rank):
        return ""
    if pd.isna(row.group_low):
        return str(row.rank)
    return _span(row.group_low, row.group_high)


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
    """Page one of the report: who took part, what to tackle first, strengths, change.

    Who took part (latest wave), and whether so few that the figures are uncertain
    (:func:`uncertainty_line`); the first three priorities as a list, each with the
    reason in one line and the close-call wording of :func:`stability_line`; the strengths
    (:func:`strengths_items`); the change since the previous wave as a small figure and a
    sentence (:mod:`~readiness_analysis.report.trend`). When nothing allows a ranking, all
    recommendations come in the study's order without being called priorities; a study
    without recommendations gets who took part, strengths and change only, and no page
    of its own in print (the profile follows on page one). The full
    ranking table and its rule are for the method appendix (:func:`priorities`,
    :func:`ranking_rule`).

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> summary_block(load_report_data("data/processed", "Instelling A"))  # doctest: +SKIP
    """
    parts = [labelled(text("participants", lang), _count_line(data, lang))]
    uncertain = uncertainty_line(data, lang)
    if uncertain:
        parts.append(f"<p>{html.escape(uncertain)}</p>")
    if data.study.recommendations:
        parts.append(_priorities_part(data, lang))
    strong = strengths_items(data, lang)
    if strong:
        parts.append(f"<h3>{text('page_one.strengths', lang)}</h3>"
                     f"<p>{html.escape(strong)}</p>")
    parts.append(change_part(data, lang))
    if data.study.recommendations:  # print: the decision alone on page one
        parts.append("<div class='page-end'></div>")
    return HTML("".join(parts))


def _priorities_part(data: ReportData, lang: str) -> str:
    """The priorities of page one: an intro, the list, the close-call line, a pointer."""
    basis = ranking_basis(data)
    n_recs = len(data.study.recommendations)
    words = {"called": called(data.study, lang), "n_recs": spelled(n_recs, lang),
             "top": spelled(min(TOP, n_recs), lang), "units": unit_noun(data.study, lang)}
    ranked = basis != "none" and n_recs > 1
    shown = first_priorities(data)
    if ranked:  # a tie across the last place shown brings in all who share it
        words["top"] = spelled(len(shown), lang)
    if n_recs == 1:
        intro = text("rank_intro_single", lang, **words)
    elif basis == "scan":
        intro = text("rank_intro_scan", lang, why=_why_scan_only(data, lang), **words)
    else:
        intro = text(_INTROS[basis], lang, **words)
    items = "".join(_priority_item(row, data, lang, ranked) for row in shown.itertuples())
    after = [stability_line(data, lang)] if ranked else []
    after.append(text("page_one.more", lang, called=called(data.study, lang)))
    return (f"<h3>{text('page_one.first', lang)}</h3><p>{html.escape(intro)}</p>"
            f"<ul class='priorities'>{items}</ul>"
            + "".join(f"<p>{html.escape(line)}</p>" for line in after if line))


def first_priorities(data: ReportData) -> pd.DataFrame:
    """The ranking rows page one lists: the first :data:`~.ranking.TOP` places.

    Every recommendation that shares a place with them (a group of practically equal
    ones reaching into the top) comes too, so a tie is never cut in two. Without a
    ranking (one recommendation, or no basis), every recommendation in the study's order.
    The action section (:mod:`~readiness_analysis.report.actions`) follows the same rows.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> first_priorities(load_report_data("data/processed", "Instelling A"))  # doctest: +SKIP
    """
    ranking = _ranking(data)
    if ranking.empty or ranking["rank"].isna().all() or len(ranking) == 1:
        return ranking
    low = ranking["group_low"].fillna(ranking["rank"])
    return ranking[low <= TOP]


def _priority_item(row, data: ReportData, lang: str, ranked: bool) -> str:
    """One priority of page one: its place (when ranked), title, number and reason."""
    rec = data.study.recommendation(row.recommendation)
    where = f"<span class='place'>{html.escape(place(row))}</span> " if ranked else ""
    ref = text("page_one.ref", lang, n=data.study.number(row.recommendation))
    reason = _plain_reason(row, data, lang)
    return (f"<li>{where}<div><strong>{html.escape(rec.title[lang])}</strong> "
            f"({html.escape(ref)})" + (f"<br>{html.escape(reason)}" if reason else "")
            + "</div></li>")


def _plain_reason(row, data: ReportData, lang: str) -> str:
    """Why a recommendation comes where it does, in one plain line ("" when nothing says)."""
    parts = []
    if row.conditions and row.basis not in ("interviews", "none"):
        own, pooled = _theme_means(data)
        themes = _listed([in_sentence(data.instrument.theme_label(t, lang))
                          for t in row.conditions], lang)
        parts.append(_with_pooled("page_one.reason", lang,
                                  _mean_of(pooled, row.conditions, lang), themes=themes,
                                  own=_mean_of(own, row.conditions, lang)))
    elif row.basis in ("interviews", "none"):
        parts.append(text("page_one.reason_small", lang))
    if row.n_hindering and row.basis in ("interviews", "scan+interviews"):
        parts.append(text("page_one.reason_fragments", lang, n=row.n_barriers,
                          total=row.n_hindering))
    line = "; ".join(parts)
    return line[:1].upper() + line[1:]


def _listed(words: list[str], lang: str) -> str:
    """Words joined as "a", "a en b", "a, b en c" in the report language."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {text('rank_check.and', lang)} {words[-1]}"


def change_part(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> str:
    """The change since the previous wave: heading, figure and sentence ("" with one wave).

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> change_part(load_report_data("data/processed", "Instelling A"))  # doctest: +SKIP
    ''
    """
    change = trend.last_change(data.changes)
    if change.empty:
        return ""
    waves_shown = {"wave_from": int(change["wave_from"].iloc[0]),
                   "wave_to": int(change["wave_to"].iloc[0])}
    fig = trend.change_figure(change, data.instrument, lang)
    return (heading("change", lang, level=3).data
            + figure(fig, alt=text("trend.alt", lang, **waves_shown)).data
            + f"<p>{html.escape(trend.change_line(change, data.instrument, lang))}</p>"
            + caption(text("trend.clear", lang)).data)


def stability_line(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> str:
    """How certain the first places are: close calls named as such ("" without a check).

    Every group of practically equal recommendations (see :mod:`.ranking`) that reaches
    into the first :data:`~.ranking.TOP` places is named; when none does, the line says
    that the order of the first places is clear.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> stability_line(load_report_data("data/processed", "Instelling A"))  # doctest: +SKIP
    'Aanbevelingen 2, 3 en 5 zijn voor deze instelling praktisch gelijk (samen plaats 1–3): ...'
    """
    ranking = _ranking(data)
    if ranking.empty or ranking["group"].isna().all():
        return ""
    if ranking["group"].nunique() == 1 and len(ranking) > 1:
        return text("rank_check.all_equal", lang, n_recs=spelled(len(ranking), lang))
    top = ranking[ranking["group_low"] <= TOP]
    lines = [_equal_line(members, data, lang) for _, members in top.groupby("group")
             if len(members) > 1]
    if lines:
        return " ".join(lines)
    return text("rank_check.settled", lang, top=spelled(min(TOP, len(ranking)), lang),
                clear=_percent(CLEAR_ORDER, lang))


def _equal_line(members: pd.DataFrame, data: ReportData, lang: str) -> str:
    numbers = [str(n) for n in sorted(data.study.number(r) for r in members["recommendation"])]
    listed = ", ".join(numbers[:-1]) + f" {text('rank_check.and', lang)} {numbers[-1]}"
    return text("rank_check.equal", lang, numbers=listed, low=members["group_low"].iloc[0],
                high=members["group_high"].iloc[0])


def strengths_items(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> str:
    """Page one's strengths: the strength themes, else the best themes above mid-scale.

    An instrument that marks strength themes (``role: strength``) gets their means; they
    are shown apart and never count as need. Otherwise the (at most three) themes with the
    highest mean of this institution that lie above the middle of their scale are named
    with their means; "" when no theme does.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> strengths_items(load_report_data("data/processed", "Instelling A"))  # doctest: +SKIP
    'Bereidheid 3,8 (alle instellingen 3,8), ...'
    """
    own = _own_summary(data).dropna(subset=["mean"])
    if own.empty:  # every theme suppressed: nothing to call strong
        return ""
    declared = strengths(own, data.instrument)
    if not declared.empty:
        return _declared_strengths(declared, data, lang)
    own = own[own["theme"].astype(str) != READINESS]
    best = own[own["mean"] > _middles(own, data)].nlargest(TOP, "mean")
    if best.empty:
        return ""
    return text("page_one.highest", lang, items=_strength_items(best, data, lang))


def _middles(themes: pd.DataFrame, data: ReportData) -> pd.Series:
    """The middle of each row's theme scale (rows with ``theme``)."""
    scales = themes["theme"].astype(str).map(data.instrument.scale_of_theme)
    return scales.map(lambda scale: (scale.min + scale.max) / 2)


def _declared_strengths(declared: pd.DataFrame, data: ReportData, lang: str) -> str:
    """The instrument's strength themes with their means, and which are not strong here.

    A theme is a strength theme by what it measures, not by this institution's score: one
    at or below the middle of its scale is named as not (yet) a strength to build on.
    """
    items = _strength_items(declared, data, lang)
    key = "page_one.declared" if data.study.recommendations else "page_one.declared_plain"
    line = text(key, lang, items=items[:1].upper() + items[1:])
    low = declared[declared["mean"] <= _middles(declared, data)]
    if low.empty:
        return line
    names = ", ".join(in_sentence(data.instrument.theme_label(t, lang)) for t in low["theme"])
    return f"{line} {text('page_one.declared_low', lang, themes=names)}"


def _strength_items(themes: pd.DataFrame, data: ReportData, lang: str) -> str:
    """"theme own (all institutions pooled), ..." for the rows of ``themes`` (theme, mean)."""
    means = themes.set_index("theme")["mean"]
    pooled = _theme_means(data)[1]
    return ", ".join(_strength_item(t, means, pooled, data, lang) for t in themes["theme"])


def _count_line(data: ReportData, lang: str) -> str:
    """Who took part in the latest wave (the wave is named when there are more)."""
    all_waves = waves(data)
    scored = scored_respondents(data)  # the headline n: respondents with a theme score
    latest = scored[scored["wave"] == all_waves[-1]] if all_waves else scored
    if len(all_waves) > 1:
        used = "wave_used" if data.study.recommendations else "wave_used_profile"
        return " ".join([text("count_line_wave", lang, wave=all_waves[-1],
                              who=who(data.study, latest, lang)), text(used, lang)])
    return text("count_line", lang, who=who(data.study, latest, lang))


#: Page one warns that the figures are uncertain when the profile's 95% intervals reach,
#: on average, at least this share of the scale's range either side of the mean (a tenth:
#: 0.4 points on a 1-5 scale; at four respondents they reach about 0.5 to 0.9).
UNCERTAIN_HALF_WIDTH = 0.1


def uncertainty_line(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> str:
    """A warning that few respondents make the figures uncertain ("" when they do not).

    The measure is the mean half-width of the theme intervals on the instrument's default
    scale (the one whose points the sentence names), against
    :data:`UNCERTAIN_HALF_WIDTH` of that scale's range.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> uncertainty_line(load_report_data("data/processed", "Instelling A"))  # doctest: +SKIP
    'Met zo weinig interviews zijn de cijfers onzeker: ...'
    """
    own = _own_summary(data)
    if not {"ci_low", "ci_high"} <= set(own.columns):
        return ""
    scale = data.instrument.default_scale
    themes = [t for t in data.instrument.theme_ids if data.instrument.scale_of_theme(t) == scale]
    on_scale = own[own["theme"].astype(str).isin(themes)]  # the themes, not the overall score
    half = ((on_scale["ci_high"] - on_scale["ci_low"]) / 2).dropna()
    if half.empty or half.mean() < UNCERTAIN_HALF_WIDTH * (scale.max - scale.min):
        return ""
    return text("page_one.uncertain", lang, units=unit_noun(data.study, lang),
                half=number(half.mean(), lang, "{:.1f}"))


def _why_scan_only(data: ReportData, lang: str) -> str:
    """Why the interviews do not count for this institution's ranking."""
    if not fragments_supplied(data):
        return text("why_not_supplied", lang)
    own = data.fragments["fragment_id"].nunique() if len(data.fragments) else 0
    if own == 0:
        return text("rank_check.why_no_own", lang)
    return text("rank_check.why_few_own" if own < MIN_FRAGMENTS else "why_no_hindering", lang)


def priority_rule(lang: str = DEFAULT_LANGUAGE, basis: str = "scan+interviews", *,
                  why: str = "", wave: int | None = None, study: Study | None = None) -> HTML:
    """The ranking rule in one paragraph, for the report, as it applies to ``basis``.

    ``study`` names the study whose order breaks ties (default: "the study").

    Examples
    --------
    >>> priority_rule("en", "none").data[:40]
    "<p class='caption'>No ranking: the scan "
    >>> "70% distance" in priority_rule("en").data
    True
    """
    named = called(study, lang) if study is not None else text("study_called", lang)
    units = unit_noun(study, lang) if study is not None else unit_word("respondent", lang)
    rule = text(_RULES[basis], lang, why=why, units=units,
                scan_weight=_percent(SCAN_WEIGHT, lang),
                interview_weight=_percent(1 - SCAN_WEIGHT, lang), called=named)
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
    basis = ranking_basis(data)
    rule = priority_rule(lang, basis, why=_why_scan_only(data, lang),
                         wave=all_waves[-1] if len(all_waves) > 1 else None, study=data.study)
    check = ""
    if basis in ("scan", "scan+interviews"):
        check = caption(text("rank_check.rule", lang, n_resamples=N_RESAMPLES,
                             top=spelled(TOP, lang), clear=_percent(CLEAR_ORDER, lang))).data
    return HTML(rule.data + check + pooled_note(data, lang).data)


def recommendation_blocks(data: ReportData, lang: str = DEFAULT_LANGUAGE):
    """Yield one HTML block per recommendation, in this institution's priority order.

    Each block: heading, what the study found, the institution's own coded fragments for
    it (if any), the study's published quotes for it, and the study's practical tip; a
    part the study does not give is left out.
    """
    study = data.study
    published = study.quotes_frame()
    named = called(study, lang)
    for row in _ranking(data).itertuples():
        rec = study.recommendation(row.recommendation)
        own = data.fragments[(data.fragments["recommendation"] == row.recommendation)]
        parts = [recommendation_heading(study, rec.id, lang).data,
                 labelled(text("columns.evidence", lang), _reading(row, data, lang))]
        if pd.notna(row.p_top):
            parts.append(labelled(text("columns.priority", lang), text(
                "rank_check.block", lang, top=spelled(TOP, lang), p=_percent(row.p_top, lang),
                places=_span(row.rank_low, row.rank_high))))
        if rec.summary:
            parts.append(labelled(text("rec.study_says", lang), rec.summary[lang]))
        if len(own):
            parts += [f"<p><strong>{text('own_fragments', lang)}</strong></p>", quotes(own).data]
        if rec.with_definition and study.definition is not None:
            parts.append(documents.bloem_html(lang, study.definition))
        mine = published[published["recommendation"] == rec.id]
        if len(mine):
            parts += [f"<p><strong>{text('rec.quotes', lang, called=named)}</strong></p>",
                      quotes(mine).data]
        if rec.tip or rec.links:
            parts.append(tip(rec, named, lang))
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
        *([("codebook", f"{prov['codebook']['id']} {prov['codebook']['version']}")]
          if fragments_supplied(data) else []),
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


def profile_title(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """The profile section's heading, in the instrument's words ("Readiness-profiel")."""
    return HTML(f"<h2>{html.escape(profile_heading(data.instrument, lang))}</h2>")


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
    fig = theme_profile(own, pooled, data.instrument, lang=lang, own_label=institution,
                        units=unit_noun(data.study, lang))
    alt = text("profile_alt", lang, institution=institution)
    return HTML(figure(fig, alt=alt).data + pooled_note(data, lang).data)


def answers_block(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """The answers per theme (latest wave) as diverging bars, or why they are not shown.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> answers_block(load_report_data("data/processed", "Instelling A"))  # doctest: +SKIP
    """
    shares = itemstats.answer_shares(latest_responses(data), data.instrument,
                                     weighted=data.weighted)
    units = unit_noun(data.study, lang)
    if shares.empty or shares["n"].max() < MIN_CELL:
        return HTML(f"<p>{html.escape(text('suppressed', lang, units=units))}</p>")
    fig = diverging_answers(shares, data.instrument, lang=lang, units=units)
    return figure(fig, alt=diverging_alt(data.instrument, lang))


def variation_heading(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """"Verschillen binnen het team" for teachers' answers, else between the respondents."""
    if "teacher" in (data.study.respondent, data.study.members):
        title = heading("variation", lang)
    else:
        title = heading("variation_other", lang, unit=unit_noun(data.study, lang))
    own = _own_summary(data)
    if not ((own["n"] >= MIN_CELL) & (own["n"] < MIN_QUARTILES)).any():
        return title
    note = text("variation_few", lang, min_n=MIN_QUARTILES, units=unit_noun(data.study, lang))
    return HTML(title.data + caption(note).data)


def variation_table(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Themes ordered by how much the team differs (SD of theme scores, latest wave).

    The middle half (Q1–Q3) is withheld below
    :data:`~readiness_analysis.stats.disclosure.MIN_QUARTILES` scores: with the mean and
    SD it would give away every score.
    """
    own = _own_summary(data)
    own = own[own["theme"].astype(str) != READINESS].sort_values("sd", ascending=False)
    t = catalogue(lang)
    return pd.DataFrame({
        t["theme"]: [data.instrument.theme_label(str(th), lang) for th in own["theme"]],
        t["n"]: own["n"].astype(int).values,
        t["sd"]: [number(v, lang) for v in own["sd"]],
        t["columns.middle_half"]: [
            f"{number(a, lang)} – {number(b, lang)}" if pd.notna(a) and n >= MIN_QUARTILES
            else "–" for a, b, n in zip(own["q1"], own["q3"], own["n"], strict=True)],
    })


def own_documents(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The institution's own vision and policy documents (sub-question 1)."""
    return documents.institution_documents(data.documents, data.own_institution(), lang)


def vision_alignment_table(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The documents next to the teachers' scan answers on vision (known, concrete, shared).

    The share agreeing shows as a whole percentage, a dash where suppressed; the item ids
    are left out (the statement says which question it is).
    """
    frame = documents.vision_alignment(data.documents, data.responses, data.instrument,
                                       data.own_institution(), lang)
    share = documents.vision_share_header(data.instrument, lang)
    return frame.drop(columns=text("inventory.columns.item", lang)).assign(**{
        share: frame[share].map(lambda v: "–" if pd.isna(v) else _percent(v, lang))})


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
    """Row accounting: this institution's kept respondents and the whole file's account."""
    rows = row_account(data.cleaning_log)
    own = respondents(data.study, len(scored_respondents(data)), lang)
    values = {"own": own, "raw": rows["raw"], "kept": rows["kept"],
              "rejected": rows["rejected"], "blank": rows["blank"]}
    n_waves = len(waves(data))
    if n_waves > 1:
        line = text("rows.institution_waves", lang, waves=n_waves, **values)
    else:
        line = text("rows.institution", lang, **values)
    return prose(" ".join(part for part in (line, unscored_line(data, lang)) if part))


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
