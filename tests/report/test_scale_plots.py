"""Figures and the reading guide follow the instrument's answer scale(s) (report/plots.py,
report/common.py): axis ranges and titles, diverging bars with a neutral only where the
scale has one, colours ordered from the lowest answer to the highest on 2 to 11 points.

The figures are checked through their matplotlib artists, never their pixels."""

from __future__ import annotations

import html

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from readiness_analysis.report import plots
from readiness_analysis.report.common import agree_header, reading_guide, scale_words, theme_table
from readiness_analysis.report.documents import vision_share_header
from readiness_analysis.report.labels import agreeing, theme_labels
from readiness_analysis.stats.itemstats import answer_shares
from readiness_analysis.stats.scores import READINESS, theme_scores

from ..scales import one_scale_instrument, two_scale_instrument


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _answers(inst, n: int = 20, seed: int = 1) -> pd.DataFrame:
    """``n`` respondents answering every item with every value of its scale in turn."""
    rng = np.random.default_rng(seed)
    columns = {}
    for item in inst.items:
        values = inst.scale_of_item(item.id).values
        columns[item.id] = rng.choice(values, size=n).astype(float)
        columns[item.id][: len(values)] = values  # every value at least once
    return pd.DataFrame(columns)


def _bars(ax) -> list[tuple[str, list]]:
    """(legend label, patches) of each stacked category of a diverging panel."""
    return [(c.get_label(), list(c.patches)) for c in ax.containers]


def _rgb(patch) -> tuple:
    return tuple(round(x, 4) for x in mcolors.to_rgb(patch.get_facecolor()))


# ------------------------------------------------------------------- diverging bars


@pytest.mark.parametrize("n", [2, 4, 6, 8, 10])
def test_even_scales_have_no_neutral_category_and_split_at_agree_from(tmp_path, n):
    inst = one_scale_instrument(tmp_path, n)
    scale = inst.default_scale
    fig = plots.diverging_answers(answer_shares(_answers(inst), inst), inst, lang="en")
    (ax,) = fig.axes
    bars = _bars(ax)
    assert [label for label, _ in bars] == [scale.label(v, "en") for v in scale.values]
    for value, (_, patches) in zip(scale.values, bars, strict=True):
        for patch in patches:
            left, right = patch.get_x(), patch.get_x() + patch.get_width()
            if patch.get_width() == 0:
                continue
            if value < scale.agree_from:  # disagreeing: entirely left of zero
                assert right <= 1e-12
            else:  # agreeing: entirely right of zero; nothing straddles it
                assert left >= -1e-12
    colours = [_rgb(patches[0]) for _, patches in bars]
    assert mcolors.to_rgb("#d9d9d9") not in colours  # no grey neutral


@pytest.mark.parametrize("n", list(range(2, 12)))
def test_colours_are_distinct_and_run_from_red_to_blue(tmp_path, n):
    for neutral in ([None, (n + 1) // 2] if n % 2 else [None]):
        inst = one_scale_instrument(tmp_path, n, neutral=neutral)
        scale = inst.default_scale
        fig = plots.diverging_answers(answer_shares(_answers(inst), inst), inst, lang="en")
        colours = [_rgb(patches[0]) for _, patches in _bars(fig.axes[0])]
        assert len(set(colours)) == n, colours
        assert colours[0] != colours[-1]
        red, blue = colours[0], colours[-1]
        assert red[0] > red[2] and blue[2] > blue[0]  # bottom red, top blue
        below = [colours[scale.values.index(v)] for v in scale.below]
        above = [colours[scale.values.index(v)] for v in scale.above]
        assert all(c[0] > c[2] for c in below) and all(c[2] > c[0] for c in above)
        # darker towards the ends: lightness grows towards the middle on each side
        light = [sum(c) for c in below]
        assert light == sorted(light)
        light = [sum(c) for c in above]
        assert light == sorted(light, reverse=True)
        plt.close(fig)


def test_a_declared_neutral_is_drawn_centred_on_zero(tmp_path):
    inst = one_scale_instrument(tmp_path, 7, neutral=4)
    fig = plots.diverging_answers(answer_shares(_answers(inst), inst), inst, lang="en")
    bars = dict(_bars(fig.axes[0]))
    for patch in bars["v4"]:
        assert patch.get_x() == pytest.approx(-patch.get_width() / 2)
    assert _rgb(bars["v4"][0]) == tuple(round(x, 4) for x in mcolors.to_rgb("#d9d9d9"))


def test_an_odd_scale_without_a_neutral_has_no_centre_category(tmp_path):
    inst = one_scale_instrument(tmp_path, 5)  # no neutral: true
    assert inst.default_scale.neutral is None and inst.default_scale.agree_from == 4
    fig = plots.diverging_answers(answer_shares(_answers(inst), inst), inst, lang="en")
    for _, patches in _bars(fig.axes[0]):
        for patch in patches:
            if patch.get_width():
                assert patch.get_x() >= -1e-12 or patch.get_x() + patch.get_width() <= 1e-12


def test_the_shipped_scale_keeps_its_colours_and_neutral(instrument):
    df = pd.DataFrame({"vis_1": [1.0, 2.0, 3.0, 4.0, 5.0]})
    fig = plots.diverging_answers(answer_shares(df, instrument), instrument)
    colours = [mcolors.to_hex(p[0].get_facecolor()) for _, p in _bars(fig.axes[0])]
    assert colours == ["#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac"]
    neutral = _bars(fig.axes[0])[2][1][0]
    assert neutral.get_x() == pytest.approx(-neutral.get_width() / 2)


def test_two_scales_draw_two_panels_each_with_its_own_legend(tmp_path):
    inst = two_scale_instrument(tmp_path)
    fig = plots.diverging_answers(answer_shares(_answers(inst), inst), inst, lang="en")
    first, second = fig.axes
    assert [t.get_text() for t in first.get_yticklabels()] == ["Agree theme"]
    assert [t.get_text() for t in second.get_yticklabels()] == ["Often theme"]
    assert len(first.get_legend().get_texts()) == 4
    assert len(second.get_legend().get_texts()) == 6


# ------------------------------------------------------------------- axes


def _summary(inst, means: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"theme": list(means), "mean": list(means.values()),
                         "n": [10] * len(means)})


@pytest.mark.parametrize(("n", "start"), [(2, 0), (4, 1), (6, 1), (11, 0)])
def test_profile_axis_range_and_title_follow_the_scale(tmp_path, n, start):
    inst = one_scale_instrument(tmp_path, n, start=start)
    lo, hi = start, start + n - 1
    own = _summary(inst, {"t0": (lo + hi) / 2, "t1": hi})
    fig = plots.theme_profile(own, own, inst, lang="en")
    (ax,) = fig.axes
    assert ax.get_xlim() == (lo, hi)
    assert ax.get_xlabel() == f"Mean score ({lo}-{hi}), with 95% confidence interval"
    assert "1-5" not in ax.get_xlabel() or (lo, hi) == (1, 5)


def test_shipped_profile_axis_reads_as_before(instrument):
    own = _summary(instrument, {"vision": 3.0})
    ax = plots.theme_profile(own, own, instrument).axes[0]
    assert ax.get_xlabel() == "Gemiddelde score (1-5), met 95%-betrouwbaarheidsinterval"
    assert ax.get_xlim() == (1, 5)


def test_profile_with_two_scales_has_one_panel_per_scale(tmp_path):
    inst = two_scale_instrument(tmp_path)
    own = _summary(inst, {"agree": 2.5, "often": 4.0, "readiness": 2.8})
    fig = plots.theme_profile(own, own, inst, lang="en")
    first, second = fig.axes
    assert first.get_xlim() == (1, 4) and second.get_xlim() == (1, 6)
    assert "(1-4)" in first.get_xlabel() and "1 = v1, 4 = v4" in first.get_xlabel()
    assert "(1-6)" in second.get_xlabel() and "6 = v6" in second.get_xlabel()
    # the readiness index is on the default scale, in the first panel
    assert [t.get_text() for t in first.get_yticklabels()] == [
        "Agree theme", theme_labels(inst, "en")[READINESS]]
    assert [t.get_text() for t in second.get_yticklabels()] == ["Often theme"]


def test_score_distribution_axis_per_scale(tmp_path):
    inst = two_scale_instrument(tmp_path)
    responses = _answers(inst).assign(respondent_id=[f"r{i}" for i in range(20)],
                                      institution="A", wave=1, n_teachers=1)
    scores = theme_scores(responses, inst)
    fig = plots.score_distribution(scores, inst, lang="en")
    first, second = fig.axes
    assert first.get_xlim() == (0.8, 4.2) and second.get_xlim() == (0.8, 6.2)
    assert first.get_xlabel().startswith("Score (1-4)")
    assert second.get_xlabel().startswith("Score (1-6)")
    one = one_scale_instrument(tmp_path, 6)
    scores = theme_scores(_answers(one).assign(respondent_id=[f"r{i}" for i in range(20)],
                                               institution="A", wave=1, n_teachers=1), one)
    (ax,) = plots.score_distribution(scores, one, lang="en").axes
    assert ax.get_xlabel() == "Score (1-6)" and ax.get_xlim() == (0.8, 6.2)


# ------------------------------------------------------------------- reading guide


@pytest.mark.parametrize(("n", "words"), [(2, "two"), (4, "four"), (6, "six"),
                                          (11, "eleven")])
def test_reading_guide_names_the_scale(tmp_path, n, words):
    inst = one_scale_instrument(tmp_path, n)
    answers, threshold = scale_words(inst, "en")
    agree = inst.default_scale.agree_from
    assert answers == f"every question has {words} answers, from 1 (v1) to {n} (v{n})"
    assert threshold == f"of {agree} or more"
    guide = reading_guide("en", instrument=inst).data
    assert answers in guide and f"theme score of {agree} or more" in guide
    assert "five answers" not in guide
    assert f"van {agree} of hoger" in reading_guide("nl", instrument=inst).data


def test_reading_guide_with_two_scales_names_each(tmp_path):
    inst = two_scale_instrument(tmp_path)
    answers, threshold = scale_words(inst, "en")
    assert answers.startswith("the questions have two answer scales (Agree theme: four answers, "
                              "from 1 (v1) to 4 (v4), agreeing from 3 (v3); Often theme: six "
                              "answers, from 1 (v1) to 6 (v6), agreeing from 5 (v5)")
    assert "1-4" in answers and theme_labels(inst, "en")[READINESS] in answers  # overall score
    assert "see above" in threshold


def test_reading_guide_escapes_scale_labels(tmp_path):
    inst = one_scale_instrument(tmp_path, 3)
    labels = dict(inst.default_scale.labels)
    labels[1] = {"nl": "<b>nee</b>", "en": "<b>no</b>"}
    object.__setattr__(inst.default_scale, "labels", labels)
    assert "<b>" not in reading_guide("en", instrument=inst).data


# ------------------------------------------------------------------- share agreeing


@pytest.mark.parametrize(("n", "header"), [(2, "% v2"), (7, "% v5 or higher"),
                                           (4, "% v3 or higher")])
def test_the_share_agreeing_is_named_in_the_scales_own_answers(tmp_path, n, header):
    inst = one_scale_instrument(tmp_path, n)
    summary = pd.DataFrame({"theme": ["t0"], "n": [10], "mean": [3.0], "sd": [1.0],
                            "agree": [0.4]})
    table = theme_table(summary, inst, "en")
    assert table.columns[-1] == header and table.iloc[0, -1] == "40%"
    guide = html.unescape(reading_guide("en", instrument=inst).data)
    assert f"'{header}' is the share" in guide and "(strongly)" not in guide


def test_a_two_step_agree_of_one_label_reads_as_before(instrument):
    assert agree_header(instrument, "nl") == "% (helemaal) mee eens"
    assert agree_header(instrument, "en") == "% (strongly) agree"
    assert vision_share_header(instrument, "nl") == "Aandeel (helemaal) mee eens"


def test_seven_points_with_somewhat_agree_are_not_called_strongly_agreeing(tmp_path):
    labels = ["strongly disagree", "disagree", "somewhat disagree", "neither", "somewhat agree",
              "agree", "strongly agree"]
    scale = {v: {"nl": f"nl {label}", "en": label} for v, label in enumerate(labels, 1)}
    inst = one_scale_instrument(tmp_path, 7, neutral=4)
    object.__setattr__(inst.default_scale, "labels", scale)
    assert agreeing([inst.default_scale], "en") == "somewhat agree or higher"
    assert agree_header(inst, "nl") == "% nl somewhat agree of hoger"


def test_scales_that_agree_differently_are_named_by_their_agree_point(tmp_path):
    inst = two_scale_instrument(tmp_path)
    assert agree_header(inst, "en") == "% at or above their scale's agree point"
