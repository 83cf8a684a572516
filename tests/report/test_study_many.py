"""The study report's figure and table with many institutions (report/study.py).

Up to ``MANY_INSTITUTIONS`` the study report keeps one box and one column per
institution; above it, the figure is a caterpillar plot per theme and the table the
distribution of the institutions' means, with no institution name and a size that does
not grow with the number of institutions. The summaries here are made by the tests
(numpy), with small cells suppressed as ``stats.pooled.summarise_all`` leaves them; the
figures are checked as matplotlib objects, not as pixels.
"""

from __future__ import annotations

import dataclasses
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from readiness_analysis.report import study
from readiness_analysis.report.data import ReportData
from readiness_analysis.report.html import table as html_table
from readiness_analysis.report.labels import theme_labels, unit_noun
from readiness_analysis.report.numbers import count, number
from readiness_analysis.report.text import catalogue
from readiness_analysis.stats.disclosure import MIN_CELL

MANY = study.MANY_INSTITUTIONS
PAGE_PX = 960  # the report's main column (report.css: max-width 60rem)
PHONE_PX = 390


def _names(n: int) -> list[str]:
    return [f"ROC Kwartier {i:04d}" for i in range(n)]


def _scores(names: list[str], themes: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """Respondent-level theme scores: 1 to 7 respondents per institution.

    The first institution has one respondent (all its cells small); a fifth of the other
    scores are missing, so that some institutions are too small on some themes only.
    """
    rows = []
    for k, name in enumerate(names):
        for r in range(1 if k == 0 else int(rng.integers(2, 8))):
            for theme in themes:
                if k == 0 or rng.random() > 0.2:
                    rows.append((f"{name}-{r}", name, 1, 1, theme, float(rng.uniform(1, 5)), 3))
    return pd.DataFrame(rows, columns=["respondent_id", "institution", "wave", "n_teachers",
                                       "theme", "score", "n_items"])


def _summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Institution and pooled rows as the build writes them, small cells suppressed."""
    own = (scores.groupby(["institution", "wave", "theme"], sort=False)["score"]
           .agg(n="size", mean="mean", sd="std").reset_index())
    half = 1.96 * own["sd"].fillna(0) / np.sqrt(own["n"])
    own = own.assign(ci_low=own["mean"] - half, ci_high=own["mean"] + half)
    own["suppressed"] = own["n"] < MIN_CELL
    own.loc[own["suppressed"], ["mean", "sd", "ci_low", "ci_high"]] = np.nan
    kept = own[~own["suppressed"]]
    pooled = (kept.groupby(["wave", "theme"])["mean"].mean().reset_index()
              .assign(institution=None, n=100, suppressed=False))
    return pd.concat([own, pooled], ignore_index=True)


def _data(n: int, instrument, seed: int = 0) -> ReportData:
    """Report data of ``n`` institutions over the instrument's themes."""
    rng = np.random.default_rng(seed)
    scores = _scores(_names(n), list(theme_labels(instrument)), rng)
    responses = scores.drop_duplicates("respondent_id")[
        ["respondent_id", "institution", "wave", "n_teachers"]]
    return ReportData(responses=responses, scores=scores, summary=_summary(scores),
                      fragments=pd.DataFrame(), cleaning_log=pd.DataFrame(), provenance={},
                      instrument=instrument)


@pytest.fixture(scope="module")
def datasets(instrument) -> dict[int, ReportData]:
    return {n: _data(n, instrument, seed=n) for n in (3, MANY, MANY + 1, 200, 1000)}


@pytest.fixture
def captured(monkeypatch) -> list[tuple]:
    """The figures ``distribution_figure`` would embed, instead of their PNGs."""
    seen: list[tuple] = []
    monkeypatch.setattr(study, "figure",
                        lambda fig, alt, caption="": seen.append((fig, alt, caption)) or None)
    monkeypatch.setattr(study, "responsive_figure",
                        lambda wide, narrow, *, alt, caption:
                        seen.append((wide, narrow, alt, caption)) or None)
    yield seen
    plt.close("all")


def _texts(fig: plt.Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(plt.Text) if t.get_text()]


def _legend_entries(fig: plt.Figure) -> list[str]:
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    return [t.get_text() for legend in legends for t in legend.get_texts()]


def _hidden(data: ReportData) -> pd.DataFrame:
    """(institution, theme) cells not shown: under MIN_CELL, or nobody scored the theme."""
    rows = data.summary.dropna(subset=["institution"])
    every = pd.MultiIndex.from_product([rows["institution"].unique(), rows["theme"].unique()])
    shown = pd.MultiIndex.from_frame(rows.loc[rows["n"] >= MIN_CELL, ["institution", "theme"]])
    return every.difference(shown).to_frame(index=False, name=["institution", "theme"])


# --- up to the threshold: the old figure and table ----------------------------------------

@pytest.mark.parametrize("n", [3, MANY])
def test_up_to_the_threshold_one_box_and_one_column_per_institution(datasets, captured, n):
    data = datasets[n]
    assert not study.many_institutions(data)
    study.distribution_figure(data, "nl")
    [(fig, alt, caption)] = captured
    large = sorted(set(data.summary.dropna(subset=["institution"]).query("n >= @MIN_CELL")
                       ["institution"]))
    assert sorted(_legend_entries(fig)) == large  # the old box plot: small ones left out
    assert caption.startswith(catalogue("nl")["distribution_caption"].format(in_wave=""))
    assert alt == catalogue("nl")["comparison_alt"]
    frame = study.institution_comparison(data, "nl")
    assert frame.columns.tolist() == ["Thema", *_names(n)]
    assert study.institution_comparison_note(data, "nl").data == ""


def test_up_to_the_threshold_the_table_holds_each_institutions_mean(datasets):
    data = datasets[3]
    frame = study.institution_comparison(data, "en").set_index("Theme")
    labels = theme_labels(data.instrument, "en")
    for row in data.summary.dropna(subset=["institution"]).itertuples():
        assert frame.loc[labels[row.theme], row.institution] == number(row.mean, "en")


# --- above it: distributions, no names ----------------------------------------------------

def test_above_the_threshold_the_figure_size_does_not_grow(datasets, captured):
    for n in (MANY + 1, 1000):
        assert study.many_institutions(datasets[n])
        study.distribution_figure(datasets[n], "nl")
    sizes = {(tuple(w.get_size_inches()), tuple(s.get_size_inches()))
             for w, s, _, _ in captured}
    assert len(sizes) == 1
    wide, narrow, _, _ = captured[0]
    assert wide.get_size_inches()[0] * wide.dpi <= PAGE_PX
    assert narrow.get_size_inches()[0] * narrow.dpi <= PHONE_PX
    themes = len(theme_labels(datasets[200].instrument))
    assert len(wide.axes) == len(narrow.axes) == themes
    assert wide.get_size_inches()[1] < narrow.get_size_inches()[1] <= 2.0 * themes + 1


@pytest.mark.parametrize("n", [MANY + 1, 200, 1000])
def test_above_the_threshold_the_figure_names_no_institution(datasets, captured, n):
    data = datasets[n]
    study.distribution_figure(data, "en")
    [(wide, narrow, alt, caption)] = captured
    for fig in (wide, narrow):
        assert _legend_entries(fig) == ["Mean of one institution, with 95% interval",
                                        "All institutions"]
        words = " ".join([*_texts(fig), alt, caption])
        assert not any(name in words for name in _names(n))


@pytest.mark.parametrize("n", [MANY + 1, 1000])
def test_suppressed_cells_are_not_drawn_and_counted_in_the_caption(datasets, captured, n):
    data = datasets[n]
    hidden = _hidden(data)
    assert len(hidden)  # the generator makes small cells; the test means nothing without
    study.distribution_figure(data, "en")
    [(wide, _, _, caption)] = captured
    labels = theme_labels(data.instrument, "en")
    rows = data.summary.dropna(subset=["institution"])
    for ax, theme in zip(wide.axes, labels, strict=True):
        shown = rows[(rows["theme"] == theme) & rows["mean"].notna()]
        [points] = [line for line in ax.lines if line.get_marker() == "o"]
        assert len(points.get_xdata()) == len(shown)
        assert sorted(points.get_ydata()) == pytest.approx(sorted(shown["mean"]))
        assert list(points.get_ydata()) == sorted(points.get_ydata())  # sorted: caterpillar
        assert len(ax.collections[0].get_segments()) == len(shown)  # one interval each
    assert count(len(hidden), "many.cell", "en") in caption
    assert count(hidden["institution"].nunique(), "plural.institution", "en") in caption


def test_marks_shrink_and_fade_as_institutions_grow(datasets, captured):
    for n in (MANY + 1, 1000):
        study.distribution_figure(datasets[n], "nl")
    few, many = (next(line for line in w.axes[0].lines if line.get_marker() == "o")
                 for w, _, _, _ in captured)
    assert many.get_markersize() < few.get_markersize()
    assert many.get_alpha() < few.get_alpha()


def test_the_pooled_mean_is_a_line_in_each_panel(datasets, captured):
    data = datasets[200]
    study.distribution_figure(data, "nl")
    [(wide, _, _, _)] = captured
    pooled = data.summary[data.summary["institution"].isna()].set_index("theme")["mean"]
    for ax, theme in zip(wide.axes, theme_labels(data.instrument), strict=True):
        flat = [line for line in ax.lines if line.get_marker() in ("None", "", None)]
        assert [line.get_ydata()[0] for line in flat] == [pytest.approx(pooled[theme])]


@pytest.mark.parametrize("n", [MANY + 1, 200, 1000])
def test_above_the_threshold_the_table_has_a_row_per_theme_and_fixed_columns(datasets, n):
    data = datasets[n]
    frame = study.institution_comparison(data, "nl")
    t = catalogue("nl")
    assert frame.columns.tolist() == [
        t["theme"], *(t[f"many.columns.{k}"] for k in
                      ("shown", "suppressed", "pooled", "min", "p10", "median", "p90", "max"))]
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html_table(frame).data)
    assert not any(name in cell for cell in cells for name in _names(n))
    hidden = _hidden(data).groupby("theme").size()
    labels = theme_labels(data.instrument, "nl")
    for theme, label in labels.items():
        row = frame[frame[t["theme"]] == label].iloc[0]
        assert row[t["many.columns.suppressed"]] == hidden.get(theme, 0)
        assert row[t["many.columns.shown"]] + row[t["many.columns.suppressed"]] == n


def test_the_table_spread_is_the_spread_of_the_shown_means(datasets):
    data = datasets[200]
    frame = study.institution_comparison(data, "en").set_index("Theme")
    rows = data.summary.dropna(subset=["institution"])
    for theme, label in theme_labels(data.instrument, "en").items():
        means = rows.loc[(rows["theme"] == theme), "mean"].dropna()
        assert frame.loc[label, "Lowest"] == number(means.min(), "en")
        assert frame.loc[label, "Median"] == number(means.median(), "en")
        assert frame.loc[label, "P90"] == number(means.quantile(0.9), "en")
        assert frame.loc[label, "Highest"] == number(means.max(), "en")


def test_a_theme_with_every_cell_suppressed_draws_nothing_and_says_why(datasets, captured):
    data = datasets[200]
    theme = data.instrument.theme_ids[0]
    summary = data.summary.copy()
    mine = summary["institution"].notna() & (summary["theme"] == theme)
    summary.loc[mine, "n"] = MIN_CELL - 1
    summary.loc[~summary["institution"].notna() & (summary["theme"] == theme), "mean"] = np.nan
    data = dataclasses.replace(data, summary=summary)
    study.distribution_figure(data, "en")
    [(wide, _, _, caption)] = captured
    [points] = [line for line in wide.axes[0].lines if line.get_marker() == "o"]
    assert len(points.get_xdata()) == 0
    units = unit_noun(data.study, "en")  # the demo study counts interviews
    assert [t.get_text() for t in wide.axes[0].texts] == [f"fewer than {MIN_CELL} {units}"]
    assert count(200, "plural.institution", "en") in caption
    row = study.institution_comparison(data, "en").iloc[0]
    assert (row["Institutions"], row["Not shown"], row["Median"]) == (0, 200, "–")


def test_the_html_embeds_a_wide_and_a_phone_version(datasets):
    block = study.distribution_figure(datasets[MANY + 1], "en").data
    assert block.count("data:image/png;base64,") == 2
    assert re.search(r"<source media='\(max-width: [^']+\)' srcset='data:image/png", block)
    assert re.search(r"<img src='data:image/png;base64,[^']+' alt='[^']{40,}'[^>]*>", block)
    assert "<figcaption>Mean theme score of every institution: per theme" in block


def test_captions_name_the_wave_only_when_the_data_have_several(datasets):
    data = datasets[MANY + 1]
    assert study._in_wave(data, "en") == ""
    two = data.responses.assign(wave=[1 + i % 2 for i in range(len(data.responses))])
    two_waves = dataclasses.replace(data, responses=two)
    assert study._in_wave(two_waves, "en") == ", wave 2"
    assert study._in_wave(two_waves, "nl") == ", meting 2"


def test_above_the_threshold_a_note_points_to_the_csv(datasets):
    note = study.institution_comparison_note(datasets[200], "nl").data
    assert "verwerkte gegevens" in note and "200 instellingen" in note  # no file name in Dutch
    assert "institution_scores.csv" in study.institution_comparison_note(datasets[200], "en").data


def test_a_weighted_build_says_the_means_are_weighted(datasets, captured):
    data = datasets[MANY + 1]
    study.distribution_figure(dataclasses.replace(data, provenance={"weighted": True}), "en")
    study.distribution_figure(data, "en")
    weighted, unweighted = (caption for _, _, _, caption in captured)
    sentence = catalogue("en")["many.weighted"]
    assert sentence in weighted and sentence not in unweighted


@pytest.mark.parametrize("n", [MANY + 1, 200, 1000])
def test_above_the_threshold_participants_are_counted_not_listed(datasets, n):
    data = datasets[n]
    table = study.participants(data, "en")
    assert len(table) == 1 and list(table.columns) == [
        "Institutions", "Interviews", "Teachers", "Lowest per institution",
        "Median per institution", "Highest per institution"]
    per = data.responses.groupby("institution").size()
    assert table.iloc[0, :3].tolist() == [n, len(data.responses), len(data.responses)]
    assert (table.iloc[0, 3], table.iloc[0, 5]) == (per.min(), per.max())
    assert not set(map(str, table.to_numpy().ravel())) & set(_names(n))


def test_up_to_the_threshold_participants_are_listed(datasets):
    assert len(study.participants(datasets[MANY], "en")) == MANY + 1  # and the total row


def test_the_study_guide_explains_the_intervals_for_many_institutions(datasets):
    guide = study.reading_guide(datasets[MANY + 1], "en").data
    assert "The 95% confidence interval (t-interval: in simulations" in guide
    assert "box plots" not in guide
    assert "box plots" in study.reading_guide(datasets[MANY], "en").data


@pytest.mark.parametrize("columns", [3, 1])
def test_long_theme_names_wrap_inside_the_figure_not_past_its_edge(datasets, monkeypatch,
                                                                    columns):
    from readiness_analysis.report import plots

    data = datasets[MANY + 1]
    long = {t: f"{label} and assessment pressure in the first year"
            for t, label in plots._theme_labels(data.instrument, "en").items()}
    monkeypatch.setattr(plots, "_theme_labels", lambda instrument, lang: long)
    fig = plots.institution_caterpillar(study._institution_rows(data), study.latest_pooled(data),
                                        data.instrument, lang="en", columns=columns)
    fig.canvas.draw()
    titles = {ax: ax._left_title for ax in fig.axes}  # set_title(loc="left"); no public getter
    assert len(titles) == len(long)
    assert all(t.get_window_extent().x1 <= fig.bbox.x1 for t in titles.values())
    assert all(t.get_text().count("\n") == 1 for t in titles.values())  # wrapped, not cut
    for ax, title in titles.items():  # the second line stays clear of the panel above
        for above in (b for b in fig.axes if b.get_position().y0 > ax.get_position().y1):
            assert title.get_window_extent().y1 < above.xaxis.label.get_window_extent().y0
    plt.close(fig)
