"""Page one of the institution report (issue 17): who took part, what to tackle first with
every tie kept whole, strengths, and the change since the previous wave in a figure and a
sentence that only calls a change clear when its interval says so."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from readiness_analysis.report import institution, trend
from readiness_analysis.report.data import load_report_data
from readiness_analysis.report.labels import in_sentence
from readiness_analysis.report.text import text
from readiness_analysis.spec.instrument import CONDITION
from readiness_analysis.stats.bootstrap import wave_change
from readiness_analysis.stats.ranking import TOP


@pytest.fixture(scope="module")
def demo(prepared_demo):
    return load_report_data(prepared_demo, "Instelling A")


def _second_wave(data, shift: dict[str, float], n: int | None = None):
    """``data`` with a second wave: the same respondents (or the first ``n``) again, their
    scores moved by ``shift[theme]``; the change computed by the package's own function."""
    first = data.scores.assign(wave=1, respondent_id=data.scores["respondent_id"].astype(str))
    ids = sorted(first["respondent_id"].unique())[:n] if n else None
    second = first if ids is None else first[first["respondent_id"].isin(ids)]
    second = second.assign(wave=2, respondent_id=second["respondent_id"].astype(str) + "-w2")
    second["score"] = second["score"] + second["theme"].astype(str).map(shift).fillna(0.0)
    scores = pd.concat([first, second], ignore_index=True)
    changes = wave_change(scores, seed=7).assign(institution=data.own_institution())
    return replace(data, changes=changes)


def _items(summary: str) -> list[str]:
    return re.findall(r"\((?:aanbeveling|recommendation) (\d+)\)", summary)


def test_page_one_says_who_took_part_first(demo):
    summary = institution.summary_block(demo, "nl").data
    n, teachers = len(demo.responses), int(demo.responses["n_teachers"].sum())
    assert summary.startswith(f"<p><strong>{text('participants', 'nl')}:</strong> {n} "
                              f"interviews met {teachers} docenten.</p>")


def test_a_tie_across_the_last_place_brings_in_every_member(demo):
    ranking = institution._ranking(demo)
    low = ranking["group_low"].fillna(ranking["rank"])
    expected = ranking.loc[low <= TOP, "recommendation"].map(demo.study.number)
    summary = institution.summary_block(demo, "en").data
    assert sorted(_items(summary), key=int) == sorted(map(str, expected), key=int)
    assert len(expected) >= TOP
    # the intro counts what it lists, and every number the close-call line names is listed
    assert f"The {institution.spelled(len(expected), 'en')} recommendations" in summary
    named = re.findall(r"\d+", " ".join(re.findall(r"Recommendations ([\d, and]+) are",
                                                   summary)))
    assert set(named) <= set(_items(summary))


def test_the_place_is_not_written_twice(demo):
    table = institution.priorities(demo, "nl")
    rec = table[text("columns.recommendation", "nl")]
    assert not rec.str.match(r"^\d+\. ").any()  # no "1 | 5. Stem ..." any more
    assert rec.str.endswith(")").all()


def test_strengths_are_the_declared_strength_themes(demo):
    strong = institution.strengths_items(demo, "nl")
    assert strong.startswith("Bereidheid ") and "huidig gebruik" in strong
    assert "<h3>Sterke punten</h3>" in institution.summary_block(demo, "nl").data


def test_a_declared_strength_at_or_below_mid_scale_is_not_called_strong(demo):
    own = institution._own_summary(demo).set_index("theme")["mean"]
    strong = {t.id for t in demo.instrument.themes if t.role != CONDITION} & set(own.index)
    scales = {t: demo.instrument.scale_of_theme(t) for t in strong}
    middle = {t: (s.min + s.max) / 2 for t, s in scales.items()}
    low = sorted(t for t in strong if own[t] <= middle[t])
    line = institution.strengths_items(demo, "en")
    sentence = "so not yet a strength to build on: "
    if not low:
        assert sentence not in line
    else:
        named = line.split(sentence)[1].rstrip(".")
        assert named == ", ".join(in_sentence(demo.instrument.theme_label(t, "en")) for t in low)
    # a mean moved below the middle is named as such, one above it is not
    theme = sorted(strong)[0]
    for mean, named in ((middle[theme] - 0.5, True), (middle[theme] + 0.5, False)):
        summary = demo.institution_summary().copy()
        mine = (summary["institution"] == demo.own_institution()) & (summary["theme"] == theme)
        summary.loc[mine, "mean"] = mean
        moved = replace(demo, summary=summary)
        label = in_sentence(demo.instrument.theme_label(theme, "en"))
        shown = institution.strengths_items(moved, "en").partition(sentence)[2]
        assert (label in shown) is named


def test_without_recommendations_the_strengths_say_nothing_of_a_ranking(demo):
    plain = replace(demo, study=replace(demo.study, recommendations=()))
    assert "ranking" not in institution.strengths_items(plain, "en")
    assert "ranking" in institution.strengths_items(demo, "en")
    # and, with no decision to print alone, page one of the PDF goes on with the profile
    assert "page-end" not in institution.summary_block(plain, "en").data
    assert "page-end" in institution.summary_block(demo, "en").data


def test_without_declared_strengths_the_best_themes_above_mid_scale(demo):
    themes = tuple(replace(t, role=CONDITION) for t in demo.instrument.themes)
    plain = replace(demo, instrument=replace(demo.instrument, themes=themes))
    strong = institution.strengths_items(plain, "en")
    own = institution._own_summary(plain).set_index("theme")["mean"].drop("readiness")
    above = own[own > 3.0].sort_values(ascending=False)
    if above.empty:
        assert strong == ""
    else:
        assert strong.startswith("Highest-scoring themes")
        first = plain.instrument.theme_label(above.index[0], "en").lower()
        assert first in strong.lower()
        assert len(re.findall(r"\(all institutions", strong)) == min(TOP, len(above))


def test_one_wave_shows_no_change(demo):
    assert institution.change_part(demo, "nl") == ""
    assert trend.last_change(None).empty and trend.last_change(pd.DataFrame()).empty


def test_a_clear_rise_is_named_and_drawn(demo):
    data = _second_wave(demo, {"vision": 1.0})
    part = institution.change_part(data, "nl")
    assert "<h3>Verandering sinds de vorige meting</h3>" in part and "<img" in part
    assert "Duidelijk hoger dan bij meting 1: visie en beleid" in part
    assert "lager" not in part.split("Duidelijk hoger")[1].split("</p>")[0]
    assert part in institution.summary_block(data, "nl").data


def test_no_clear_change_says_so(demo):
    data = _second_wave(demo, {})
    line = trend.change_line(trend.last_change(data.changes), data.instrument, "en")
    assert line == "No theme is clearly higher or lower than at wave 1."


def test_a_change_without_an_interval_is_never_clear():
    change = pd.DataFrame({"theme": ["vision"], "wave_from": [1], "wave_to": [2],
                           "mean_from": [2.0], "mean_to": [3.5], "diff": [1.5],
                           "ci_low": [np.nan], "ci_high": [np.nan]})
    up, down = trend.clear_changes(change)
    assert up.empty and down.empty


@pytest.mark.parametrize("n_second, shown", [(1, False), (2, False), (3, True)])
def test_a_wave_below_the_minimum_cell_shows_no_change(demo, n_second, shown):
    data = _second_wave(demo, {"vision": 1.0}, n=n_second)
    assert (institution.change_part(data, "en") != "") is shown


def test_the_change_figure_uses_decimal_commas_in_dutch(demo):
    data = _second_wave(demo, {"vision": 0.5})
    change = trend.last_change(data.changes)
    fig = trend.change_figure(change, data.instrument, "nl")
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert ticks and all("," in t and "." not in t for t in ticks)


def test_a_withheld_pooled_mean_leaves_no_empty_comparison(demo):
    summary = demo.summary.copy()
    summary.loc[summary["institution"].isna(), "mean"] = np.nan  # fewer than 3 qualify
    data = replace(demo, summary=summary)
    page = institution.summary_block(data, "nl").data
    assert "gemiddeld " in page and "alle instellingen" not in page
    readings = institution.priorities(data, "en")[text("columns.evidence", "en")]
    assert not readings.str.contains("all institutions").any()


def test_a_school_with_every_theme_suppressed_has_no_strengths(demo):
    scores = demo.scores[demo.scores["respondent_id"].isin(
        sorted(demo.scores["respondent_id"].unique())[:2])]
    own = demo.summary["institution"] == demo.own_institution()
    summary = demo.summary.copy()
    summary.loc[own, "n"] = 2
    data = replace(demo, scores=scores, summary=summary)
    assert institution.strengths_items(data, "nl") == ""
    assert "<h3>Sterke punten</h3>" not in institution.summary_block(data, "nl").data


def test_a_rank_range_of_one_place_is_written_as_that_place(demo):
    blocks = " ".join(b.data for b in institution.recommendation_blocks(demo, "nl"))
    ranges = re.findall(r"plaats (\d+)(?:–(\d+))? in 95% van de herhalingen", blocks)
    assert len(ranges) == len(demo.study.recommendations)
    assert all(high == "" or int(high) > int(low) for low, high in ranges)  # never "5–5"


def _with_intervals(data, half: float | None):
    """``data`` with every own theme interval set to mean ± ``half`` (None: no interval)."""
    summary = data.institution_summary().copy()
    mine = summary["institution"] == data.own_institution()
    for bound, sign in (("ci_low", -1), ("ci_high", 1)):
        summary.loc[mine, bound] = (np.nan if half is None
                                    else summary.loc[mine, "mean"] + sign * half)
    return replace(data, summary=summary)


def test_few_respondents_are_said_to_make_the_figures_uncertain(demo):
    own = institution._own_summary(demo)
    themes = own[own["theme"].isin(demo.instrument.theme_ids)].dropna(subset=["ci_low"])
    half = ((themes["ci_high"] - themes["ci_low"]) / 2).mean()
    scale = demo.instrument.default_scale
    assert half >= 0.1 * (scale.max - scale.min)  # five interviews: wide intervals
    line = institution.uncertainty_line(demo, "nl")
    assert line.startswith("Met zo weinig interviews zijn de cijfers onzeker")
    assert f"gemiddeld {half:.1f}".replace(".", ",") in line
    assert line in institution.summary_block(demo, "nl").data
    width = 0.1 * (scale.max - scale.min)
    assert institution.uncertainty_line(_with_intervals(demo, width * 0.99), "en") == ""
    assert "0.4 points" in institution.uncertainty_line(_with_intervals(demo, width * 1.01),
                                                        "en")
    assert institution.uncertainty_line(_with_intervals(demo, None), "en") == ""


@pytest.mark.parametrize(("n", "withheld"), [(3, True), (4, True), (5, False)])
def test_the_middle_half_is_withheld_where_it_would_give_away_each_score(demo, n, withheld):
    """Mean, SD, Q1 and Q3 are four equations: four scores or fewer follow from them."""
    own = demo.summary["institution"] == demo.own_institution()
    summary = demo.summary.copy()
    summary.loc[own, "n"] = n
    data = replace(demo, summary=summary)
    middle = institution.variation_table(data, "en")["Middle half (Q1–Q3)"]
    assert (middle == "–").all() == withheld and (middle != "–").all() != withheld
    heading = institution.variation_heading(data, "en").data
    assert ("the middle half (Q1–Q3) is not shown" in heading) == withheld
    assert heading.startswith("<h2>Differences within the team</h2>")


def test_a_school_that_skipped_the_latest_wave_is_compared_within_its_own_wave(demo):
    from readiness_analysis.report.common import pooled_note
    from readiness_analysis.report.data import latest_pooled

    pooled = demo.summary[demo.summary["institution"].isna()]
    later = pooled.assign(wave=2, mean=pooled["mean"] + 1.0)  # a wave the school skipped
    data = replace(demo, summary=pd.concat([demo.summary, later], ignore_index=True))
    assert set(latest_pooled(data)["wave"]) == {1}
    assert latest_pooled(data)["mean"].tolist() == pooled["mean"].tolist()
    assert "(wave 1, this institution's latest:" in html.unescape(pooled_note(data, "en").data)
    whole_study = replace(data, institution=None)
    assert set(latest_pooled(whole_study)["wave"]) == {2}
    assert "(latest wave (wave 2):" in pooled_note(whole_study, "en").data
