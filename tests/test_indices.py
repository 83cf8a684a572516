import numpy as np
import pandas as pd
import pytest

from readiness_analysis.indices import summarise_scores, suppress_small_cells, theme_scores


def _responses(**items):
    n = len(next(iter(items.values())))
    meta = {"respondent_id": [f"p{i}" for i in range(n)], "institution": ["X"] * n,
            "wave": [1] * n, "n_teachers": [1] * n}
    return pd.DataFrame({**meta, **items})


def test_theme_score_is_mean_of_answered_items_with_min_items_rule(instrument):
    # instrument.min_items == 2: one answered vision item gives no score
    df = _responses(vis_1=[1.0, 2.0, np.nan], vis_2=[3.0, np.nan, np.nan], vis_3=[5.0, 4.0, 2.0])
    s = theme_scores(df, instrument)
    vision = s[s.theme == "vision"]["score"].tolist()
    assert vision[0] == pytest.approx(3.0) and vision[1] == pytest.approx(3.0)
    assert np.isnan(vision[2])


def test_readiness_is_mean_of_available_theme_scores(instrument):
    df = _responses(vis_1=[2.0], vis_2=[2.0], inf_1=[4.0], inf_3=[5.0])
    s = theme_scores(df, instrument).set_index("theme")["score"]
    assert s["readiness"] == pytest.approx((2.0 + 4.5) / 2)
    assert np.isnan(s["tools"])


def test_all_missing_respondent_has_no_readiness(instrument):
    df = _responses(vis_1=[np.nan])
    s = theme_scores(df, instrument)
    assert s["score"].isna().all()


def test_summary_statistics_by_hand():
    scores = pd.DataFrame({"institution": ["X"] * 4, "theme": ["t"] * 4,
                           "score": [1.0, 2.0, 4.0, 5.0], "n_teachers": [1, 1, 1, 3]})
    row = summarise_scores(scores, ["institution"]).iloc[0]
    assert row["n"] == 4 and row["n_teachers"] == 6
    assert row["mean"] == 3.0 and row["median"] == 3.0
    assert row["sd"] == pytest.approx(np.sqrt(10 / 3))
    assert row["agree"] == 0.5
    weighted = summarise_scores(scores, ["institution"], weighted=True).iloc[0]
    assert weighted["mean"] == pytest.approx((1 + 2 + 4 + 15) / 6)
    assert weighted["agree"] == pytest.approx(4 / 6)


def test_one_respondent_has_no_sd():
    scores = pd.DataFrame({"institution": ["X"], "theme": ["t"], "score": [3.0],
                           "n_teachers": [1]})
    row = summarise_scores(scores, ["institution"]).iloc[0]
    assert row["n"] == 1 and np.isnan(row["sd"])


def test_empty_scores_give_an_empty_summary():
    scores = pd.DataFrame({"institution": [], "theme": [], "score": [], "n_teachers": []})
    assert summarise_scores(scores, ["institution"]).empty


def test_small_cells_are_suppressed():
    table = pd.DataFrame({"n": [1, 2, 3], "mean": [1.0, 2.0, 3.0], "agree": [0.0, 1.0, 0.5]})
    out = suppress_small_cells(table)
    assert out["suppressed"].tolist() == [True, True, False]
    assert out["mean"].isna().tolist() == [True, True, False]
    assert out["n"].tolist() == [1, 2, 3]
