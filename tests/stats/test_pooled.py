"""Pooled summaries (stats/pooled.py): intervals kept inside the answer scale."""

import numpy as np
import pandas as pd
import pytest

from readiness_analysis.stats.bootstrap import bootstrap_means
from readiness_analysis.stats.pooled import pooled_scores, summarise_all
from readiness_analysis.stats.scores import summarise_scores


def test_intervals_are_clipped_to_the_scale_and_never_widened():
    df = pd.DataFrame({"institution": ["A"] * 4, "wave": 1, "theme": "vision", "n_teachers": 1,
                       "score": [4.0, 5.0, 5.0, 5.0]})
    free = summarise_all(df).iloc[0]
    clipped = summarise_all(df, bounds={"vision": (1, 5)}).iloc[0]
    assert free["ci_high"] > 5 and clipped["ci_high"] == 5
    assert clipped["ci_low"] == free["ci_low"] and clipped["mean"] == free["mean"]
    other = summarise_all(df, bounds={"tools": (1, 5)}).iloc[0]  # no bounds for this theme
    assert other["ci_high"] == free["ci_high"]


def _scores(seed: int = 3) -> pd.DataFrame:
    """Ten institutions of 0-12 scores per wave and theme, some missing."""
    rng = np.random.default_rng(seed)
    n = 600
    score = rng.integers(3, 16, n) / 3.0
    score[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({
        "institution": rng.choice([f"I{i}" for i in range(10)], n, p=np.linspace(1, 10, 10) / 55),
        "wave": rng.integers(1, 3, n), "theme": rng.choice(["vision", "tools"], n),
        "score": score, "n_teachers": rng.integers(1, 4, n)})


def _large_cells(df: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """The definition: scored rows of institution x wave x theme cells of >= min_n."""
    scored = df[df["score"].notna()]
    size = scored.groupby(["institution", "wave", "theme"])["score"].transform("size")
    return scored[size >= min_n]


def test_pooled_scores_keep_the_cells_of_at_least_min_n():
    df = _scores()
    for min_n in (1, 5, 12):
        expected = _large_cells(df, min_n)
        pd.testing.assert_frame_equal(pooled_scores(df, min_n), expected)
        assert 0 < len(expected) <= df["score"].notna().sum()


@pytest.mark.parametrize("weighted", [False, True])
def test_pooled_rows_are_the_summary_of_the_pooled_scores(weighted):
    # pooled figures computed without copying the kept rows: the same as from a copy
    df = _scores()
    table = summarise_all(df, weighted=weighted, min_n=5, min_institutions=1)
    pooled = table[table["institution"].isna()].reset_index(drop=True)
    kept = _large_cells(df, 5)
    stats = summarise_scores(kept, ["wave"], weighted=weighted).merge(
        bootstrap_means(kept, ["wave"], seed=1, weighted=weighted)[
            ["wave", "theme", "ci_low", "ci_high"]], on=["wave", "theme"])
    pd.testing.assert_frame_equal(pooled[stats.columns], stats, check_exact=True)
    institutions = kept.groupby(["wave", "theme"])["institution"].nunique()
    assert pooled["n_institutions"].tolist() == institutions.tolist()
    n_all = df[df["score"].notna()].groupby(["wave", "theme"]).size()
    assert (pooled["n"] + pooled["n_excluded"]).tolist() == n_all.tolist()
    assert (pooled["n_excluded"] > 0).any()
