"""Figures (report/plots.py): names and labels are drawn as text, never read as math;
text readable on a phone, numbers in the report language, intervals visible on the bars,
reversed answers explained."""

from __future__ import annotations

import base64
import dataclasses
import io
import re
import struct

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.collections import LineCollection

from readiness_analysis.report import plots, trend
from readiness_analysis.report.html import figure, min_text_px
from readiness_analysis.report.labels import theme_labels
from readiness_analysis.stats.itemstats import answer_shares

ODD_NAMES = ["Kosten $x^$ College", r"$\alpha$ College", "a $ b", r"a\$b"]


def _drawn(fig: plt.Figure) -> list[str]:
    """Every text of the figure as matplotlib draws it (after its math preprocessing)."""
    fig.canvas.draw()  # fails here when a text is broken mathtext
    shown = []
    for t in fig.findobj(plt.Text):
        if t.get_text():
            out, is_math = t._preprocess_math(t.get_text())
            assert is_math is False, t.get_text()
            shown.append(out)
    return shown


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ODD_NAMES)
def test_institution_names_with_dollars_are_drawn_literally(instrument, name):
    own = pd.DataFrame({"theme": ["vision", "didactics"], "mean": [2.0, 3.0], "n": [5, 5]})
    fig = plots.theme_profile(own, own.assign(mean=3.0), instrument, lang="en",
                              own_label=name)
    assert name in _drawn(fig)
    assert _png(fig)


def test_box_plot_legend_and_note_draw_names_literally(instrument):
    names = ["Kosten $x^$ College"] * 3 + [r"$\alpha$ College"] * 3 + ["$small$"]
    scores = pd.DataFrame({"theme": "vision", "score": [1.0, 2, 3, 4, 5, 3, 2],
                           "institution": names})
    fig = plots.score_distribution(scores, instrument, lang="en")
    drawn = _drawn(fig)
    assert "Kosten $x^$ College" in drawn and r"$\alpha$ College" in drawn
    assert any("$small$" in t for t in drawn)  # the note on what was left out
    assert _png(fig)


def test_theme_labels_with_latex_never_fail_a_figure(instrument, monkeypatch):
    labels = dict(theme_labels(instrument, "en"))
    labels["vision"] = r"Kennis van $\LaTeX$"
    monkeypatch.setattr(plots, "theme_labels", lambda *_: labels)
    own = pd.DataFrame({"theme": ["vision"], "mean": [2.0], "n": [5]})
    fig = plots.theme_profile(own, own.assign(mean=3.0), instrument, lang="en")
    assert r"Kennis van $\LaTeX$" in _drawn(fig)
    assert _png(fig)
    scores = pd.DataFrame({"theme": "vision", "score": [1.0, 2, 3], "institution": "A"})
    assert r"Kennis van $\LaTeX$" in _drawn(plots.score_distribution(scores, instrument))


def test_very_long_names_are_shortened_in_figures_and_kept_apart(instrument):
    long_a, long_b = "A" * 5000 + " een", "A" * 5000 + " twee"
    scores = pd.DataFrame({"theme": "vision", "score": [1.0, 2, 3] * 2,
                           "institution": [long_a] * 3 + [long_b] * 3})
    fig = plots.score_distribution(scores, instrument, lang="en")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert len(legend) == 2 and len(set(legend)) == 2  # two schools stay two entries
    assert all(len(t) <= plots.FIGURE_LABEL_MAX and "…" in t for t in legend)
    assert fig.get_size_inches()[0] < 20
    assert len(_png(fig)) < 500_000


def test_figure_text_leaves_ordinary_names_alone():
    assert plots.figure_text("Zoë College") == "Zoë College"
    assert plots.figure_text("x" * 60) == "x" * 60
    assert plots.figure_text("x" * 61) == "x" * 59 + "…"


# --- phone width, numbers, intervals, reversed answers (issue 17) -----------------------

PHONE_COLUMN = 350  # CSS px of a report's column on a 390 px screen
THEMES = ["vision", "infrastructure", "didactics", "willingness"]


def _answers(instrument, n: int = 6) -> pd.DataFrame:
    items = [i.id for i in instrument.items]
    return pd.DataFrame({item: [float(1 + (k + j) % 5) for k in range(n)]
                         for j, item in enumerate(items)})


def _figures(instrument, lang: str = "nl") -> dict[str, plt.Figure]:
    own = pd.DataFrame({"theme": THEMES, "mean": [2.1, 3.4, 2.8, 4.0], "n": [5, 5, 2, 5],
                        "ci_low": [1.6, 2.9, 2.2, 3.5], "ci_high": [2.6, 3.9, 3.4, 4.5]})
    scores = pd.DataFrame({"theme": "vision", "score": [1.0, 2, 3, 4, 2.5, 3.5],
                           "institution": ["Instelling A"] * 3 + ["Instelling B"] * 3})
    return {"profile": plots.theme_profile(own, own.assign(mean=3.0), instrument, lang=lang),
            "boxes": plots.score_distribution(scores, instrument, lang=lang),
            "answers": plots.diverging_answers(answer_shares(_answers(instrument), instrument),
                                               instrument, lang=lang),
            "change": trend.change_figure(pd.DataFrame({
                "theme": THEMES, "wave_from": 1, "wave_to": 2, "mean_from": [2.0, 3.0, 2.5, 4.0],
                "mean_to": [2.6, 2.8, 2.5, 4.2]}), instrument, lang)}


def _png_width(block: str) -> int:
    data = base64.b64decode(re.search(r"base64,([^']+)'", block).group(1))
    return struct.unpack(">I", data[16:20])[0]  # the PNG header's width


@pytest.mark.parametrize("kind", ["profile", "boxes", "answers", "change"])
def test_figure_text_is_at_least_10_px_in_a_phone_column(instrument, kind):
    fig = _figures(instrument)[kind]
    for other in _figures(instrument).values():
        if other is not fig:
            plt.close(other)
    assert min(t.get_fontsize() for t in plots.drawn_texts(fig)) >= plots.TEXT_PT
    block = figure(fig, alt="x").data
    smallest = float(re.search(r"data-min-text-px='([\d.]+)'", block).group(1))
    width = _png_width(block)
    assert smallest * min(1.0, PHONE_COLUMN / width) >= 10, (smallest, width)


def test_min_text_px_is_the_smallest_drawn_text():
    fig, ax = plt.subplots(dpi=72)
    ax.set_xticks([0, 1], ["a", "b"], fontsize=14)
    ax.set_yticks([])
    ax.set_title("t", fontsize=20)
    assert min_text_px(fig) == 14
    ax.text(0.5, 0.5, "klein", fontsize=6)
    assert min_text_px(fig) == 6
    plt.close(fig)


def test_axes_use_decimal_commas_in_dutch_and_points_in_english():
    fig, ax = plt.subplots()
    ax.set_xlim(1, 2)
    ax.set_xticks([1.0, 1.5, 2.0])
    for lang, ticks in (("nl", ["1,0", "1,5", "2,0"]), ("en", ["1.0", "1.5", "2.0"])):
        plots._local_numbers(ax.xaxis, lang)
        fig.canvas.draw()
        assert [t.get_text() for t in ax.get_xticklabels()] == ticks  # one number of decimals
    ax.set_xticks([1.0, 2.0])
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2"]  # whole numbers: none
    plt.close(fig)


def test_no_decimal_point_on_any_dutch_figure(instrument):
    for fig in _figures(instrument, "nl").values():
        fig.canvas.draw()
        ticks = [t.get_text() for ax in fig.axes
                 for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]]
        assert not [t for t in ticks if re.search(r"\d\.\d", t)], ticks
        plt.close(fig)


def test_intervals_have_a_light_outline_on_the_dark_bars(instrument):
    fig = _figures(instrument)["profile"]
    lines = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    assert lines, "no interval drawn"
    for line in lines:
        strokes = [e for e in line.get_path_effects() if hasattr(e, "_gc")]
        assert any(e._gc.get("foreground") == "white" for e in strokes)
    plt.close(fig)


def test_the_answer_legend_says_reversed_questions_were_reversed(instrument):
    assert any(item.reverse for item in instrument.items)
    fig = _figures(instrument, "en")["answers"]
    title = fig.legends[0].get_title().get_text().replace("\n", " ")
    assert title == plots.reversal_note(instrument.default_scale, "en")
    assert "strongly agree" in title and "reversed" in title
    plt.close(fig)


def test_no_reversal_note_without_reversed_questions(instrument):
    plain = dataclasses.replace(instrument, items=tuple(dataclasses.replace(i, reverse=False)
                                                        for i in instrument.items))
    fig = plots.diverging_answers(answer_shares(_answers(plain), plain), plain, lang="en")
    assert fig.legends[0].get_title().get_text() == ""
    plt.close(fig)


def test_a_long_institution_name_in_the_legend_stays_clear_of_the_n(instrument):
    name = "St. Bartholomew's Metropolitan College of Hospitality, Tourism and Care"
    own = pd.DataFrame({"theme": ["vision", "didactics"], "mean": [2.0, 3.0], "n": [43, 43]})
    fig = plots.theme_profile(own, own.assign(mean=3.0), instrument, lang="en",
                              own_label=name)
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    n_title = ax._right_title.get_window_extent(renderer)
    assert ax._right_title.get_text() == "n = 43"
    assert not legend.overlaps(n_title)
    assert legend.x0 >= 0 and legend.x1 <= fig.bbox.width  # inside the figure
    entry = [t.get_text() for t in ax.get_legend().get_texts()][-1]
    assert entry.startswith("St. Bartholomew's") and "\n" in entry  # on two lines
    plt.close(fig)
