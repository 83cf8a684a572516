"""Figures (report/plots.py): names and labels are drawn as text, never read as math."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from readiness_analysis.report import plots
from readiness_analysis.report.labels import theme_labels

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
