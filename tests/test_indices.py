import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from readiness_analysis import indices
from readiness_analysis.indices import (
    MIN_BOOTSTRAP_N,
    READINESS,
    bootstrap_means,
    summarise_scores,
    suppress_small_cells,
    team_variation,
    theme_scores,
    wave_change,
)

BOOT_REFERENCE = Path(__file__).parent / "fixtures" / "indices" / "boot_reference.json"
CI_COLUMNS = ["ci_low", "ci_high", "ci_method", "ci_note"]


def _responses(**items):
    n = len(next(iter(items.values())))
    meta = {"respondent_id": [f"p{i}" for i in range(n)], "institution": ["X"] * n,
            "wave": [1] * n, "n_teachers": [1] * n}
    return pd.DataFrame({**meta, **items})


def _scores(values, *, institution="X", theme="t", wave=1, weights=None):
    """A scores frame of one group: the columns bootstrap and variation functions need."""
    n = len(values)
    return pd.DataFrame({"institution": [institution] * n, "wave": [wave] * n,
                         "theme": [theme] * n, "score": np.asarray(values, dtype=float),
                         "n_teachers": weights if weights is not None else [1] * n})


def _random_scores(seed=0, n=400):
    rng = np.random.default_rng(seed)
    score = rng.integers(3, 16, n) / 3.0
    score[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({
        "institution": rng.choice(["B", "A", "C"], n),
        "wave": rng.integers(1, 3, n),
        "theme": pd.Categorical(rng.choice(["vision", "tools", READINESS], n),
                                categories=["vision", "tools", READINESS], ordered=True),
        "score": score,
        "n_teachers": rng.integers(1, 4, n),
    })


# --------------------------------------------------------------------------- theme scores


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


def test_long_scores_keep_respondents_in_order_with_categorical_text(instrument):
    df = _responses(vis_1=[1.0, 5.0], vis_2=[1.0, 5.0])
    df["institution"] = ["Y", "X"]
    s = theme_scores(df, instrument)
    n_themes = len(instrument.theme_ids) + 1
    assert len(s) == 2 * n_themes
    assert s["theme"].tolist()[:2] == ["definition", "definition"]
    assert s["respondent_id"].tolist()[:4] == ["p0", "p1", "p0", "p1"]
    assert s["institution"].tolist()[:2] == ["Y", "X"]
    assert isinstance(s["institution"].dtype, pd.CategoricalDtype)
    vision = s[s.theme == "vision"]
    assert vision["score"].tolist() == [1.0, 5.0] and vision["n_items"].tolist() == [2, 2]
    assert s[s.institution == "X"]["respondent_id"].unique().tolist() == ["p1"]


# --------------------------------------------------------------------------- summaries


def test_summary_statistics_by_hand():
    scores = pd.DataFrame({"institution": ["X"] * 4, "theme": ["t"] * 4,
                           "score": [1.0, 2.0, 4.0, 5.0], "n_teachers": [1, 1, 1, 3]})
    row = summarise_scores(scores, ["institution"]).iloc[0]
    assert row["n"] == 4 and row["n_teachers"] == 6
    assert row["mean"] == 3.0 and row["median"] == 3.0
    assert row["sd"] == pytest.approx(np.sqrt(10 / 3))
    assert row["agree"] == 0.5
    weighted = summarise_scores(scores, ["institution"], weighted=True).iloc[0]
    assert weighted["n"] == 4 and weighted["n_teachers"] == 6
    assert weighted["mean"] == pytest.approx((1 + 2 + 4 + 15) / 6)
    assert weighted["agree"] == pytest.approx(4 / 6)
    # as the repeated scores 1, 2, 4, 5, 5, 5
    assert weighted["sd"] == pytest.approx(np.std([1, 2, 4, 5, 5, 5], ddof=1))
    assert (weighted["q1"], weighted["median"], weighted["q3"]) == (2.5, 4.5, 5.0)


def test_one_respondent_has_no_sd():
    scores = pd.DataFrame({"institution": ["X"], "theme": ["t"], "score": [3.0],
                           "n_teachers": [1]})
    row = summarise_scores(scores, ["institution"]).iloc[0]
    assert row["n"] == 1 and np.isnan(row["sd"])


def test_empty_scores_give_an_empty_summary():
    scores = pd.DataFrame({"institution": [], "theme": [], "score": [], "n_teachers": []})
    assert summarise_scores(scores, ["institution"]).empty


def _naive_summary(scores, by, agree_from, weighted):
    """The summary computed group by group with numpy: the reference for the fast one.

    Weighted, each score is repeated n_teachers times (frequency weights).
    """
    rows = []
    valid = scores.dropna(subset=["score"])
    for key, group in valid.groupby([*by, "theme"], observed=True, sort=True):
        x = group["score"].to_numpy()
        if weighted:
            x = np.repeat(x, group["n_teachers"].to_numpy())
        rows.append([*key, len(group), int(group["n_teachers"].sum()), np.mean(x),
                     np.std(x, ddof=1) if len(x) > 1 else np.nan, np.median(x),
                     np.quantile(x, 0.25), np.quantile(x, 0.75), np.mean(x >= agree_from)])
    columns = [*by, "theme", "n", "n_teachers", "mean", "sd", "median", "q1", "q3", "agree"]
    return pd.DataFrame(rows, columns=columns)


@pytest.mark.parametrize("by", [["institution", "wave"], ["wave"], ["institution"]])
@pytest.mark.parametrize("weighted", [False, True])
def test_summary_matches_group_by_group_computation(by, weighted):
    scores = _random_scores()
    fast = summarise_scores(scores, by, agree_from=4, weighted=weighted)
    slow = _naive_summary(scores, by, 4, weighted)
    assert fast[[*by, "theme"]].astype(str).values.tolist() == \
        slow[[*by, "theme"]].astype(str).values.tolist()
    stats = ["n", "n_teachers", "mean", "sd", "median", "q1", "q3", "agree"]
    np.testing.assert_allclose(fast[stats].to_numpy(float), slow[stats].to_numpy(float),
                               rtol=1e-12)
    assert fast["theme"].tolist()[:3] == ["vision", "tools", READINESS]  # instrument order


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("knob", ["_DENSE_MAX_IDS", "_QUANTILE_CHUNK_ROWS",
                                  "_HISTOGRAM_MAX_CELLS"])
def test_summary_is_the_same_along_the_other_code_paths(monkeypatch, knob, weighted):
    # hashed instead of dense group ids; quantiles in many chunks instead of one;
    # weighted quantiles over np.unique cells instead of a dense histogram
    scores = _random_scores(seed=3)
    default = summarise_scores(scores, ["institution", "wave"], weighted=weighted)
    monkeypatch.setattr(indices, knob, 7)
    other = summarise_scores(scores, ["institution", "wave"], weighted=weighted)
    pd.testing.assert_frame_equal(default, other)
    assert len(default) > 10


def test_summary_leaves_out_missing_keys_and_groups_without_scores():
    scores = pd.DataFrame({"institution": ["X", "X", None, "Y"], "theme": ["t"] * 4,
                           "score": [2.0, 4.0, 5.0, np.nan], "n_teachers": [1, 1, 1, 1]})
    out = summarise_scores(scores, ["institution"])
    assert out["institution"].tolist() == ["X"] and out["n"].tolist() == [2]


def test_small_cells_are_suppressed():
    table = pd.DataFrame({"n": [1, 2, 3], "mean": [1.0, 2.0, 3.0], "agree": [0.0, 1.0, 0.5]})
    out = suppress_small_cells(table)
    assert out["suppressed"].tolist() == [True, True, False]
    assert out["mean"].isna().tolist() == [True, True, False]
    assert out["n"].tolist() == [1, 2, 3]


def test_small_cells_of_new_tables_are_suppressed():
    ci = pd.DataFrame({"n": [2, 3], "mean": [1.0, 2.0], "ci_low": [0.5, 1.5],
                       "ci_high": [1.5, 2.5], "iqr": [1.0, 1.0]})
    out = suppress_small_cells(ci)
    assert out[["mean", "ci_low", "ci_high", "iqr"]].iloc[0].isna().all()
    assert out["ci_low"].iloc[1] == 1.5
    change = pd.DataFrame({"n_from": [5, 2], "n_to": [4, 9], "diff": [0.5, 1.0],
                           "mean_from": [2.0, 3.0], "ci_low": [0.1, 0.2]})
    out = suppress_small_cells(change)
    assert out["suppressed"].tolist() == [False, True]
    assert out[["diff", "mean_from", "ci_low"]].iloc[1].isna().all()
    assert out["n_from"].tolist() == [5, 2]


# --------------------------------------------------------------------------- bootstrap

SAMPLE = [1.17, 2.05, 2.48, 3.02, 3.33, 3.91, 4.46, 4.87]  # no lattice: few tied means


@pytest.mark.parametrize("method", ["BCa", "percentile"])
def test_bootstrap_is_reproducible_with_a_seed(method):
    scores = pd.concat([_scores(SAMPLE), _scores(SAMPLE[::-1], institution="Y")])
    first = bootstrap_means(scores, ["institution"], seed=11, method=method)
    again = bootstrap_means(scores, ["institution"], seed=11, method=method)
    other = bootstrap_means(scores, ["institution"], seed=12, method=method)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first[["ci_low", "ci_high"]], other[["ci_low", "ci_high"]])


def test_group_interval_does_not_depend_on_other_groups():
    alone = bootstrap_means(_scores(SAMPLE, institution="Y"), ["institution"], seed=5)
    scores = pd.concat([_scores([1.0, 5.0, 3.0, 2.0]), _scores(SAMPLE, institution="Y")])
    together = bootstrap_means(scores, ["institution"], seed=5)
    assert together.iloc[1][["ci_low", "ci_high"]].tolist() == \
        alone.iloc[0][["ci_low", "ci_high"]].tolist()
    # the same data under another name gets its own stream
    renamed = bootstrap_means(_scores(SAMPLE, institution="Z"), ["institution"], seed=5)
    assert renamed.iloc[0][["ci_low", "ci_high"]].tolist() != \
        alone.iloc[0][["ci_low", "ci_high"]].tolist()


@pytest.mark.parametrize("method", ["BCa", "percentile"])
@pytest.mark.parametrize("weighted", [False, True])
def test_ci_contains_the_mean(method, weighted):
    scores = _random_scores(seed=7)
    out = bootstrap_means(scores, ["institution", "wave"], seed=1, method=method,
                          weighted=weighted, n_resamples=500)
    summary = summarise_scores(scores, ["institution", "wave"], weighted=weighted)
    assert len(out) == len(summary) > 0
    np.testing.assert_allclose(out["mean"], summary["mean"], rtol=1e-12)
    assert out["n"].tolist() == summary["n"].tolist()
    assert ((out["ci_low"] < out["mean"]) & (out["mean"] < out["ci_high"])).all()
    assert (out["ci_method"] == method).all() and (out["ci_note"] == "").all()


def test_percentile_ci_equals_numpy_resampling_with_the_documented_stream():
    x = np.array(SAMPLE)
    out = bootstrap_means(_scores(x), ["institution"], seed=2024, method="percentile",
                          n_resamples=3000).iloc[0]
    # documented: default_rng([seed, h]), h = first 8 bytes of sha256("institution=X|theme=t")
    h = int.from_bytes(hashlib.sha256(b"institution=X|theme=t").digest()[:8], "little")
    rng = np.random.default_rng([2024, h])
    means = x[rng.integers(0, len(x), (3000, len(x)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    assert out["ci_low"] == pytest.approx(low, abs=1e-12)
    assert out["ci_high"] == pytest.approx(high, abs=1e-12)


def _reference_cases():
    reference = json.loads(BOOT_REFERENCE.read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["name"]) for case in reference["cases"]]


@pytest.mark.parametrize("method", ["BCa", "percentile"])
@pytest.mark.parametrize("case", _reference_cases())
def test_ci_matches_r_boot(case, method):
    # R boot and scipy draw different resamples: they agree up to Monte Carlo error
    # (about 0.003 here, from 200,000 resamples each side)
    if case["name"] == "two_sample":
        scores = pd.concat([_scores(case["from"], wave=1), _scores(case["to"], wave=2)])
        row = wave_change(scores, seed=1, method=method, n_resamples=200_000).iloc[0]
        assert row["diff"] == pytest.approx(case["estimate"], abs=1e-12)
    else:
        weighted = "w" in case
        scores = _scores(case["x"], weights=case.get("w"))
        row = bootstrap_means(scores, ["institution"], seed=1, method=method,
                              weighted=weighted, n_resamples=200_000).iloc[0]
        assert row["mean"] == pytest.approx(case["estimate"], abs=1e-12)
    expected = case[method.lower()]
    assert row["ci_low"] == pytest.approx(expected[0], abs=0.012)
    assert row["ci_high"] == pytest.approx(expected[1], abs=0.012)


@pytest.mark.parametrize(("values", "note"), [
    ([3.0], f"fewer than {MIN_BOOTSTRAP_N} scores"),
    ([2.0, 4.0], f"fewer than {MIN_BOOTSTRAP_N} scores"),
    ([3.0, 3.0, 3.0, 3.0], "all scores equal: no variation to resample"),
])
@pytest.mark.parametrize("method", ["BCa", "percentile"])
def test_no_interval_for_tiny_or_constant_groups(values, note, method):
    row = bootstrap_means(_scores(values), ["institution"], seed=1, method=method).iloc[0]
    assert row["n"] == len(values) and row["mean"] == pytest.approx(np.mean(values))
    assert np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
    assert row["ci_note"] == note


def test_all_missing_or_empty_scores_give_no_groups():
    columns = ["institution", "theme", "n", "n_teachers", "mean", *CI_COLUMNS]
    missing = bootstrap_means(_scores([np.nan, np.nan, np.nan]), ["institution"], seed=1)
    assert missing.empty and missing.columns.tolist() == columns
    empty = bootstrap_means(_scores([]), ["institution"], seed=1)
    assert empty.empty and empty.columns.tolist() == columns


def test_three_scores_are_enough_for_an_interval():
    row = bootstrap_means(_scores([2.0, 3.0, 5.0]), ["institution"], seed=1).iloc[0]
    assert row["ci_note"] == "" and row["ci_low"] < row["ci_high"]


def test_large_groups_fall_back_to_percentile(monkeypatch):
    monkeypatch.setattr(indices, "BCA_MAX_N", 5)
    row = bootstrap_means(_scores(SAMPLE), ["institution"], seed=1).iloc[0]
    assert row["ci_method"] == "percentile" and "BCa skipped" in row["ci_note"]
    assert row["ci_low"] < row["mean"] < row["ci_high"]


def test_unknown_bootstrap_method_is_refused():
    with pytest.raises(ValueError, match="BCa"):
        bootstrap_means(_scores(SAMPLE), ["institution"], seed=1, method="basic")


def test_weighted_bootstrap_needs_positive_weights():
    scores = _scores(SAMPLE, weights=[1, 1, 0, 1, 1, 1, 1, 1])
    row = bootstrap_means(scores, ["institution"], seed=1, weighted=True).iloc[0]
    assert np.isnan(row["ci_low"]) and "weights" in row["ci_note"]


# --------------------------------------------------------------------------- team variation


def test_team_variation_statistics_and_ranking_by_hand():
    scores = pd.concat([
        _scores([1.0, 3.0, 5.0], theme="a"),          # sd 2, iqr 2
        _scores([1.0, 1.0, 5.0, 5.0], theme="b"),     # sd 2.309, iqr 4
        _scores([2.0, 3.0, 4.0, 4.0, 4.0], theme="c"),  # sd 0.894, iqr 1
        _scores([3.0, 3.0, 5.0], theme="d"),          # sd 1.155, iqr 1
        _scores([2.0, 2.0, 4.0], theme="e"),          # same sd and iqr as d
        _scores([1.0, 5.0], theme="f"),               # n < 3: not ranked
        _scores([1.0, 5.0, 1.0, 5.0], theme=READINESS),  # not a theme: not ranked
    ])
    out = team_variation(scores, ["institution"]).set_index("theme")
    assert out.index.tolist() == ["b", "a", "d", "e", "c", "f", READINESS]
    assert out["rank"].tolist()[:5] == [1, 2, 3, 3, 5]
    assert out.loc[["f", READINESS], "rank"].isna().all()
    a = out.loc["a"]
    assert (a["n"], a["sd"], a["q1"], a["q3"], a["iqr"], a["min"], a["max"], a["range"]) == \
        (3, 2.0, 2.0, 4.0, 2.0, 1.0, 5.0, 4.0)
    assert out.loc["b", "sd"] == pytest.approx(np.std([1, 1, 5, 5], ddof=1))


def test_team_variation_breaks_sd_ties_with_iqr():
    # same SD (sqrt(2)), different IQR: the wider middle half ranks first
    narrow = [1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 5.0]
    x = np.array(narrow)
    wide = x.mean() + (np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
                                 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]) - 2.0) \
        * x.std(ddof=1) / np.std([1.0] * 8 + [3.0] * 8, ddof=1)
    scores = pd.concat([_scores(narrow, theme="narrow"), _scores(wide, theme="wide")])
    out = team_variation(scores, ["institution"])
    assert out["sd"].iloc[0] == pytest.approx(out["sd"].iloc[1], abs=1e-12)
    assert out["theme"].tolist() == ["wide", "narrow"] and out["rank"].tolist() == [1, 2]


def test_team_variation_ranks_per_team():
    scores = pd.concat([
        _scores([1.0, 3.0, 5.0], theme="a"), _scores([2.0, 3.0, 4.0], theme="b"),
        _scores([2.0, 3.0, 4.0], theme="a", wave=2), _scores([1.0, 3.0, 5.0], theme="b", wave=2),
    ])
    out = team_variation(scores)
    assert out[["wave", "theme", "rank"]].values.tolist() == \
        [[1, "a", 1], [1, "b", 2], [2, "b", 1], [2, "a", 2]]


def test_team_variation_of_no_scores_is_empty():
    out = team_variation(_scores([np.nan, np.nan]))
    assert out.empty and "rank" in out.columns and "iqr" in out.columns


# --------------------------------------------------------------------------- wave change


def test_wave_change_by_hand():
    scores = pd.concat([
        _scores([2.0, 3.0, 4.0], wave=1), _scores([3.0, 4.0, 4.5, 5.0], wave=2),
        _scores([1.0, 2.0, 3.0], wave=1, institution="Y"),  # one wave only: no row
    ])
    out = wave_change(scores, seed=3)
    assert len(out) == 1
    row = out.iloc[0]
    assert (row["institution"], row["theme"], row["wave_from"], row["wave_to"]) == ("X", "t", 1, 2)
    assert (row["n_from"], row["n_to"]) == (3, 4)
    assert row["mean_from"] == 3.0 and row["mean_to"] == 4.125 and row["diff"] == 1.125
    assert row["ci_low"] < row["diff"] < row["ci_high"] and row["ci_method"] == "BCa"
    again = wave_change(scores, seed=3)
    pd.testing.assert_frame_equal(out, again)


def test_wave_change_weighted_and_pooled():
    scores = pd.concat([_scores([2.0, 3.0, 4.0], weights=[1, 1, 2], wave=1),
                        _scores([2.0, 4.0, 4.0], institution="Y", wave=2)])
    pooled = wave_change(scores, (), seed=1, weighted=True).iloc[0]
    assert pooled["mean_from"] == 3.25 and pooled["diff"] == pytest.approx(10 / 3 - 3.25)
    assert "institution" not in pooled.index


def test_wave_change_compares_consecutive_waves_with_scores():
    scores = pd.concat([_scores([1.0, 2.0, 3.0], wave=1), _scores([2.0, 3.0, 4.0], wave=3),
                        _scores([np.nan, np.nan, np.nan], wave=4),
                        _scores([3.0, 4.0, 5.0], wave=5)])
    out = wave_change(scores, seed=1)
    assert out[["wave_from", "wave_to"]].values.tolist() == [[1, 3], [3, 5]]
    assert out["diff"].tolist() == [1.0, 1.0]


def test_wave_change_of_one_wave_is_empty_with_columns():
    out = wave_change(_scores(SAMPLE), seed=1)
    assert out.empty
    assert out.columns.tolist() == ["institution", "theme", "wave_from", "wave_to", "n_from",
                                    "n_to", "n_teachers_from", "n_teachers_to", "mean_from",
                                    "mean_to", "diff", *CI_COLUMNS]


def test_wave_change_without_interval_says_why():
    scores = pd.concat([_scores([2.0, 3.0], wave=1), _scores([3.0, 4.0, 5.0], wave=2),
                        _scores([3.0, 3.0, 3.0], theme="u", wave=1),
                        _scores([4.0, 4.0, 4.0], theme="u", wave=2)])
    out = wave_change(scores, seed=1).set_index("theme")
    assert out.loc["t", "diff"] == 1.5 and np.isnan(out.loc["t", "ci_low"])
    assert out.loc["t", "ci_note"] == f"fewer than {MIN_BOOTSTRAP_N} scores in a wave"
    assert out.loc["u", "diff"] == 1.0 and np.isnan(out.loc["u", "ci_high"])
    assert out.loc["u", "ci_note"].startswith("all scores equal")
