"""Small cells: suppressed in figures, left out of pooled figures, no ranking without a scan;
and reports that say which wave they count and what is missing (no interviews, no documents).
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

from readiness_analysis.build.pipeline import build
from readiness_analysis.io.synth import SynthDesign, synthesize_scan, write_synthetic_scan
from readiness_analysis.report import institution, plots
from readiness_analysis.report.common import pooled_note
from readiness_analysis.report.data import load_report_data
from readiness_analysis.report.labels import profile_heading, unit_noun
from readiness_analysis.report.study import distribution_figure, factor_block
from readiness_analysis.report.text import text
from readiness_analysis.spec.instrument import load_instrument
from readiness_analysis.spec.study import load_study
from readiness_analysis.stats.bootstrap import bootstrap_means
from readiness_analysis.stats.itemstats import answer_shares
from readiness_analysis.stats.pooled import summarise_all
from readiness_analysis.stats.ranking import rank_recommendations
from readiness_analysis.stats.scores import summarise_scores, theme_scores

SMALL = "Instelling B"

LINKS = load_study().links(load_instrument())


def _small_raw(raw):
    """Two institutions, two waves; B keeps two respondents per wave; no fragments, no
    documents."""
    write_synthetic_scan(raw / "scan_responses.csv",
                         SynthDesign(institutions=2, respondents=4, waves=2, seed=2))
    df = pd.read_csv(raw / "scan_responses.csv")
    small = df[df["institution"] == SMALL]
    drop = [i for _, rows in small.groupby("wave") for i in rows.index[2:]]
    df.drop(index=drop).to_csv(raw / "scan_responses.csv", index=False)


@pytest.fixture(scope="module")
def small_build(tmp_path_factory, notebooks_dir):
    base = tmp_path_factory.mktemp("small")
    _small_raw(base / "raw")
    result = build(base / "raw", base / "p", base / "r", notebooks_dir=notebooks_dir)
    assert result.ok
    return base


def _page(base, rel: str) -> str:
    page = (base / "r" / rel).read_text(encoding="utf-8")
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)


# --- figures ------------------------------------------------------------------------------


def test_score_distribution_leaves_out_groups_under_min_cell(instrument):
    scores = pd.DataFrame({"theme": ["vision"] * 6, "score": [1.0, 2, 3, 4, 5, 5],
                           "institution": ["A", "A", "A", "A", "B", "B"]})
    fig = plots.score_distribution(scores, instrument)
    assert [t.get_text() for t in fig.texts] == [
        "Niet getoond (minder dan 3 respondenten): B (alle thema's)"]
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["A"]
    whiskers = [line.get_xdata() for line in fig.axes[0].lines]
    assert not any(5.0 in np.asarray(x) for x in whiskers)  # B's own scores are not drawn


def test_theme_profile_draws_no_bar_for_a_small_theme(instrument):
    own = pd.DataFrame({"theme": ["vision", "tools"], "mean": [np.nan, 3.0], "n": [2, 4]})
    fig = plots.theme_profile(own, own.assign(mean=3.5), instrument, lang="en")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["fewer than 3 respondents"]
    assert sum(p.get_width() > 0 for p in ax.patches) == 1


def test_diverging_answers_draws_no_bar_for_a_small_theme(instrument):
    df = pd.DataFrame({"vis_1": [1.0, 5.0, np.nan], "inf_1": [1.0, 2.0, 5.0]})
    fig = plots.diverging_answers(answer_shares(df, instrument), instrument)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["minder dan 3 respondenten"]
    row = [t.get_text() for t in ax.get_yticklabels()].index("Visie en beleid")
    drawn = [p for p in ax.patches if abs(p.get_y() + p.get_height() / 2 - row) < 0.01]
    assert all(p.get_width() == 0 for p in drawn)


def test_study_distribution_figure_names_what_it_left_out(small_build):
    data = load_report_data(small_build / "p")
    caption = re.search(r"<figcaption>(.*?)</figcaption>",
                        distribution_figure(data, "en").data).group(1)
    # the demo study counts interviews, and the caption says so
    assert "wave 2" in caption and "fewer than 3 interviews" in caption and SMALL in caption


# --- pooled figures -----------------------------------------------------------------------


def test_pooled_figures_leave_out_small_cells_so_nothing_gives_the_small_mean(small_build):
    summary = pd.read_parquet(small_build / "p" / "institution_scores.parquet")
    scores = pd.read_parquet(small_build / "p" / "scores.parquet")
    truth = summarise_scores(scores, ["institution", "wave"])
    small = truth[truth["institution"] == SMALL].set_index(["wave", "theme"])
    own = summary[summary["institution"] == SMALL]
    assert own["mean"].isna().all() and own["suppressed"].all()  # not in the file either
    pooled = summary[summary["institution"].isna()].set_index(["wave", "theme"])
    for key, row in small.iterrows():
        # B is left out, and A alone may not be pooled (the two-institution rule): the
        # pooled row keeps its counts but no statistics; with three or more qualifying
        # institutions see tests/e2e/test_reconstruction.py
        assert np.isnan(pooled.loc[key, "mean"]) and pooled.loc[key, "suppressed"]
        assert pooled.loc[key, "n_excluded"] == row["n"] and pooled.loc[key, "n_institutions"] == 1
    changes = pd.read_parquet(small_build / "p" / "wave_change.parquet")
    assert changes.loc[changes["institution"] == SMALL, ["mean_from", "diff"]].isna().all().all()


def test_pooled_figures_equal_the_plain_pooled_mean_when_every_cell_is_large(instrument):
    design = SynthDesign(institutions=3, respondents=6, waves=2, seed=5)
    responses = synthesize_scan(design, instrument)
    scores = theme_scores(responses, instrument)
    pooled = summarise_all(scores, seed=7)
    pooled = pooled[pooled["institution"].isna()].reset_index(drop=True)
    plain = summarise_scores(scores, ["wave"])
    cis = bootstrap_means(scores, ["wave"], seed=7)
    pd.testing.assert_series_equal(pooled["mean"], plain["mean"], check_names=False)
    pd.testing.assert_series_equal(pooled["n"], plain["n"], check_names=False)
    np.testing.assert_allclose(pooled["ci_low"], cis["ci_low"])
    assert (pooled["n_institutions"] == 3).all() and (pooled["n_excluded"] == 0).all()


def test_reports_say_what_the_pooled_figures_cover(small_build):
    for rel in ("study.html", "institutions/instelling-a.html", "institutions/instelling-b.html"):
        # counted in the study's unit, as every other n of the report ("3 interviews")
        unit = unit_noun(load_study())
        # one qualifying institution: no pooled figure (stats.disclosure.MIN_INSTITUTIONS)
        page = html.unescape(_page(small_build, rel))
        assert f"staat er niet bij: minder dan 3 instellingen hebben minstens 3 {unit}" in page
    data = load_report_data(small_build / "p", "Instelling A")
    note = html.unescape(pooled_note(data, "en").data)
    assert "'All institutions' is not shown: fewer than 3 institutions" in note
    assert "own figures only" in note


# --- ranking ------------------------------------------------------------------------------


def _frags(rows):
    return pd.DataFrame(rows, columns=["fragment_id", "valence", "recommendation"])


def test_no_scan_and_no_own_fragments_gives_no_ranking(instrument):
    study = _frags([("s1", "hindering", "R5"), ("s2", "hindering", "R5")])
    suppressed = pd.DataFrame({"theme": ["vision", "tools"], "mean": [np.nan, np.nan]})
    table = rank_recommendations(suppressed, instrument, study.iloc[:0], links=LINKS)
    assert table["recommendation"].tolist() == ["R1", "R2", "R3", "R4", "R5"]
    assert table["rank"].isna().all() and table["priority"].isna().all()
    assert (table["basis"] == "none").all()


def test_no_scan_ranks_on_own_fragments_only(instrument):
    own = _frags([("o1", "hindering", "R4")])
    suppressed = pd.DataFrame({"theme": ["vision"], "mean": [np.nan]})
    table = rank_recommendations(suppressed, instrument, own, links=LINKS)
    assert table["recommendation"].iloc[0] == "R4" and table["rank"].iloc[0] == 1
    assert (table["basis"] == "interviews").all() and table["interviews_used"].all()


def test_no_fragments_ranks_on_the_scan_only(instrument):
    none = _frags([])
    summary = pd.DataFrame({"theme": ["vision", "infrastructure"], "mean": [2.0, 4.0]})
    table = rank_recommendations(summary, instrument, none, links=LINKS).set_index(
        "recommendation")
    assert (table["basis"] == "scan").all()
    assert table.loc["R2", "priority"] == pytest.approx((5 - 2.0) / 4)
    assert table.loc["R2", "rank"] == 1


def test_small_school_gets_the_guides_order_not_priorities(small_build):
    page = _page(small_build, "institutions/instelling-b.html")
    profile = page.index(f"<h2>{profile_heading(load_instrument())}")
    summary = page[page.index("<h2>Samenvatting</h2>"):profile]
    assert "geen rangorde te maken" in summary and "<th>Prioriteit</th>" not in summary
    assert "gemiddeld –" not in page and "0 belemmerende fragmenten" not in page
    assert "Geen rangorde" in page and "30%" not in page
    data = load_report_data(small_build / "p", SMALL)
    english = institution.summary_block(data, "en").data
    assert "The scan gives no ranking" in english and "<th>Priority</th>" not in english


# --- waves --------------------------------------------------------------------------------


def test_counts_are_per_wave_not_over_waves(small_build):
    study = _page(small_build, "study.html")
    totals = re.findall(r"<td>(\d)</td>\s*<td>Totaal</td>\s*<td>(\d+)</td>", study)
    assert totals == [("1", "6"), ("2", "6")]
    page = _page(small_build, "institutions/instelling-a.html")
    assert "Laatste meting (meting 2): 4 interviews met 4 docenten" in page
    assert "De rangorde gebruikt de laatste meting (meting 2)" in page
    data = load_report_data(small_build / "p", "Instelling A")
    assert "Latest wave (wave 2): 4 interviews" in institution.summary_block(data, "en").data


# --- no interviews, no documents ----------------------------------------------------------


def test_without_fragments_the_reports_say_so_and_rank_on_the_scan(small_build):
    page = _page(small_build, "institutions/instelling-a.html")
    assert page.lower().count("er zijn geen gecodeerde interviewfragmenten aangeleverd") >= 2
    assert "alleen op grond van de scan" in page and "Rangorde alleen op de scan" in page
    assert "belemmerende fragmenten" not in page and "30%" not in page
    study = _page(small_build, "study.html")
    assert "Er zijn geen gecodeerde interviewfragmenten aangeleverd" in study
    assert "<th>Fragmenten met deze code" not in study  # no empty factor tables
    for n in range(2, 6):  # each recommendation has something under its heading
        block = study[study.index(f"<h3>Aanbeveling {n}:"):]
        assert re.match(r"<h3>[^<]*</h3>\s*<p><strong>Wat de studie vond:", block)
    data = load_report_data(small_build / "p")
    assert "No coded interview fragments were supplied" in factor_block(
        data, "hindering", "en").data


def test_study_report_words_missing_documents_for_the_study(small_build):
    study = _page(small_build, "study.html")
    assert "Voor deze instelling" not in study
    assert "Er zijn geen visie- en beleidsdocumenten geïnventariseerd" in study
    assert "No vision or policy documents were inventoried" in text(
        "no_documents_study", "en")


def test_institution_report_labels_reliability_as_pooled(small_build):
    page = _page(small_build, "institutions/instelling-a.html")
    assert "<h3>Betrouwbaarheid per thema (alle instellingen samen)</h3>" in page
    assert "berekend op de antwoorden van alle instellingen samen" in page
    assert text("reliability_pooled", "en").endswith("(all institutions together)")


@pytest.mark.notebooks
def test_small_institution_is_suppressed_in_figure_data_and_tables(tmp_path, notebooks_dir):
    raw = tmp_path / "raw"
    write_synthetic_scan(raw / "scan_responses.csv", SynthDesign(institutions=2,
                                                                 respondents=4, seed=2))
    df = pd.read_csv(raw / "scan_responses.csv")
    df = df.drop(df.index[(df["institution"] == "Instelling B")][2:])  # B keeps 2 rows
    df.to_csv(raw / "scan_responses.csv", index=False)
    result = build(raw, tmp_path / "p", tmp_path / "r", notebooks_dir=notebooks_dir,
                   institutions=["Instelling B"])
    assert result.ok
    data = load_report_data(tmp_path / "p", "Instelling B")
    own, _ = institution.profile_data(data)
    assert own["mean"].isna().all() and own["suppressed"].all()
    text = (tmp_path / "r" / "institutions" / "instelling-b.html").read_text()
    assert "Minder dan 3 interviews" in text  # the study's unit, not "respondenten"
    assert not re.search(r"<td>Visie en beleid</td>\s*<td>2</td>\s*<td>\d", text)
