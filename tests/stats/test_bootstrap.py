"""Bootstrap intervals and wave change (stats/bootstrap.py): reproducible streams, R's boot,
and interviews (clusters) resampled with their weights."""

import hashlib

import numpy as np
import pandas as pd
import pytest

from readiness_analysis.stats import bootstrap
from readiness_analysis.stats.bootstrap import MIN_BOOTSTRAP_N, bootstrap_means, wave_change
from readiness_analysis.stats.scores import summarise_scores

from ..references import reference
from .frames import one_group, random_scores, repeat_teachers, weighted_group

CI_COLUMNS = ["ci_low", "ci_high", "ci_method", "ci_note"]


# --------------------------------------------------------------------------- bootstrap

SAMPLE = [1.17, 2.05, 2.48, 3.02, 3.33, 3.91, 4.46, 4.87]  # no lattice: few tied means


@pytest.mark.parametrize("method", ["BCa", "percentile"])
def test_bootstrap_is_reproducible_with_a_seed(method):
    scores = pd.concat([one_group(SAMPLE), one_group(SAMPLE[::-1], institution="Y")])
    first = bootstrap_means(scores, ["institution"], seed=11, method=method)
    again = bootstrap_means(scores, ["institution"], seed=11, method=method)
    other = bootstrap_means(scores, ["institution"], seed=12, method=method)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first[["ci_low", "ci_high"]], other[["ci_low", "ci_high"]])


def test_group_interval_does_not_depend_on_other_groups():
    alone = bootstrap_means(one_group(SAMPLE, institution="Y"), ["institution"], seed=5)
    scores = pd.concat([one_group([1.0, 5.0, 3.0, 2.0]), one_group(SAMPLE, institution="Y")])
    together = bootstrap_means(scores, ["institution"], seed=5)
    assert together.iloc[1][["ci_low", "ci_high"]].tolist() == \
        alone.iloc[0][["ci_low", "ci_high"]].tolist()
    # the same data under another name gets its own stream
    renamed = bootstrap_means(one_group(SAMPLE, institution="Z"), ["institution"], seed=5)
    assert renamed.iloc[0][["ci_low", "ci_high"]].tolist() != \
        alone.iloc[0][["ci_low", "ci_high"]].tolist()


@pytest.mark.parametrize("method", ["BCa", "percentile"])
@pytest.mark.parametrize("weighted", [False, True])
def test_ci_contains_the_mean(method, weighted):
    scores = random_scores(seed=7)
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
    out = bootstrap_means(one_group(x), ["institution"], seed=2024, method="percentile",
                          n_resamples=3000).iloc[0]
    # documented: default_rng([seed, h]), h = first 8 bytes of sha256("institution=X|theme=t")
    h = int.from_bytes(hashlib.sha256(b"institution=X|theme=t").digest()[:8], "little")
    rng = np.random.default_rng([2024, h])
    means = x[rng.integers(0, len(x), (3000, len(x)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    assert out["ci_low"] == pytest.approx(low, abs=1e-12)
    assert out["ci_high"] == pytest.approx(high, abs=1e-12)


def _reference_cases():
    return [pytest.param(case, id=case["name"]) for case in reference("indices")["cases"]]


@pytest.mark.parametrize("method", ["BCa", "percentile"])
@pytest.mark.parametrize("case", _reference_cases())
def test_ci_matches_r_boot(case, method):
    # R boot and scipy draw different resamples: they agree up to Monte Carlo error
    # (about 0.003 here, from 200,000 resamples each side)
    if case["name"] == "two_sample":
        scores = pd.concat([one_group(case["from"], wave=1), one_group(case["to"], wave=2)])
        row = wave_change(scores, seed=1, method=method, n_resamples=200_000).iloc[0]
        assert row["diff"] == pytest.approx(case["estimate"], abs=1e-12)
    else:
        weighted = "w" in case
        scores = one_group(case["x"], weights=case.get("w"))
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
    row = bootstrap_means(one_group(values), ["institution"], seed=1, method=method).iloc[0]
    assert row["n"] == len(values) and row["mean"] == pytest.approx(np.mean(values))
    assert np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
    assert row["ci_note"] == note


def test_all_missing_or_empty_scores_give_no_groups():
    columns = ["institution", "theme", "n", "n_teachers", "mean", *CI_COLUMNS]
    missing = bootstrap_means(one_group([np.nan, np.nan, np.nan]), ["institution"], seed=1)
    assert missing.empty and missing.columns.tolist() == columns
    empty = bootstrap_means(one_group([]), ["institution"], seed=1)
    assert empty.empty and empty.columns.tolist() == columns


def test_three_scores_are_enough_for_an_interval():
    row = bootstrap_means(one_group([2.0, 3.0, 5.0]), ["institution"], seed=1).iloc[0]
    assert row["ci_note"] == "" and row["ci_low"] < row["ci_high"]


def test_large_groups_fall_back_to_percentile(monkeypatch):
    monkeypatch.setattr(bootstrap, "BCA_MAX_N", 5)
    row = bootstrap_means(one_group(SAMPLE), ["institution"], seed=1).iloc[0]
    assert row["ci_method"] == "percentile" and "BCa skipped" in row["ci_note"]
    assert row["ci_low"] < row["mean"] < row["ci_high"]


def test_unknown_bootstrap_method_is_refused():
    with pytest.raises(ValueError, match="BCa"):
        bootstrap_means(one_group(SAMPLE), ["institution"], seed=1, method="basic")


def test_weighted_bootstrap_needs_positive_weights():
    scores = one_group(SAMPLE, weights=[1, 1, 0, 1, 1, 1, 1, 1])
    row = bootstrap_means(scores, ["institution"], seed=1, weighted=True).iloc[0]
    assert np.isnan(row["ci_low"]) and "weights" in row["ci_note"]


# --------------------------------------------------------------------------- wave change


def test_wave_change_by_hand():
    scores = pd.concat([
        one_group([2.0, 3.0, 4.0], wave=1), one_group([3.0, 4.0, 4.5, 5.0], wave=2),
        one_group([1.0, 2.0, 3.0], wave=1, institution="Y"),  # one wave only: no row
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
    scores = pd.concat([one_group([2.0, 3.0, 4.0], weights=[1, 1, 2], wave=1),
                        one_group([2.0, 4.0, 4.0], institution="Y", wave=2)])
    pooled = wave_change(scores, (), seed=1, weighted=True).iloc[0]
    assert pooled["mean_from"] == 3.25 and pooled["diff"] == pytest.approx(10 / 3 - 3.25)
    assert "institution" not in pooled.index


def test_wave_change_compares_consecutive_waves_with_scores():
    scores = pd.concat([one_group([1.0, 2.0, 3.0], wave=1), one_group([2.0, 3.0, 4.0], wave=3),
                        one_group([np.nan, np.nan, np.nan], wave=4),
                        one_group([3.0, 4.0, 5.0], wave=5)])
    out = wave_change(scores, seed=1)
    assert out[["wave_from", "wave_to"]].values.tolist() == [[1, 3], [3, 5]]
    assert out["diff"].tolist() == [1.0, 1.0]


def test_wave_change_of_one_wave_is_empty_with_columns():
    out = wave_change(one_group(SAMPLE), seed=1)
    assert out.empty
    assert out.columns.tolist() == ["institution", "theme", "wave_from", "wave_to", "n_from",
                                    "n_to", "n_teachers_from", "n_teachers_to", "mean_from",
                                    "mean_to", "diff", *CI_COLUMNS]


def test_wave_change_without_interval_says_why():
    scores = pd.concat([one_group([2.0, 3.0], wave=1), one_group([3.0, 4.0, 5.0], wave=2),
                        one_group([3.0, 3.0, 3.0], theme="u", wave=1),
                        one_group([4.0, 4.0, 4.0], theme="u", wave=2)])
    out = wave_change(scores, seed=1).set_index("theme")
    assert out.loc["t", "diff"] == 1.5 and np.isnan(out.loc["t", "ci_low"])
    assert out.loc["t", "ci_note"] == f"fewer than {MIN_BOOTSTRAP_N} scores in a wave"
    assert out.loc["u", "diff"] == 1.0 and np.isnan(out.loc["u", "ci_high"])
    assert out.loc["u", "ci_note"].startswith("all scores equal")


# ------------------------------------------------ weighted: interviews resampled with their weights


def test_weighted_bootstrap_resamples_interviews_with_their_weights():
    x = np.array([1.17, 2.05, 2.48, 3.02, 3.33, 3.91, 4.46, 4.87])
    w = np.array([1, 3, 1, 2, 1, 4, 1, 2])
    out = bootstrap_means(weighted_group(x, w), ["institution"], seed=2024, method="percentile",
                          n_resamples=3000, weighted=True).iloc[0]
    summary = summarise_scores(weighted_group(x, w), ["institution"], weighted=True).iloc[0]
    assert (out["n"], out["n_teachers"]) == (8, 15)
    assert out["mean"] == pytest.approx(summary["mean"], rel=1e-12)
    # documented stream; rows (interviews) drawn, each with its weight
    h = int.from_bytes(hashlib.sha256(b"institution=X|theme=t").digest()[:8], "little")
    rows = np.random.default_rng([2024, h]).integers(0, len(x), (3000, len(x)))
    means = (w[rows] * x[rows]).sum(axis=1) / w[rows].sum(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((low, high), abs=1e-12)
    # resampling teachers one by one would pretend 15 independent answers: narrower
    teachers = bootstrap_means(repeat_teachers(weighted_group(x, w)), ["institution"], seed=2024,
                               method="percentile", n_resamples=3000).iloc[0]
    assert teachers["ci_high"] - teachers["ci_low"] < out["ci_high"] - out["ci_low"]


def test_weighted_wave_change_uses_the_weighted_means_and_counts():
    scores = pd.concat([weighted_group([2.0, 3.0, 4.0], [1, 1, 2], wave=1),
                        weighted_group([2.0, 4.0, 4.0, 5.0], [3, 1, 1, 1], wave=2)])
    row = wave_change(scores, seed=1, weighted=True).iloc[0]
    summary = summarise_scores(scores, ["institution", "wave"], weighted=True)
    assert (row["n_from"], row["n_to"], row["n_teachers_from"], row["n_teachers_to"]) == \
        (3, 4, 4, 6)
    assert [row["mean_from"], row["mean_to"]] == pytest.approx(summary["mean"].tolist())
    assert row["diff"] == pytest.approx(summary["mean"].iloc[1] - summary["mean"].iloc[0])
