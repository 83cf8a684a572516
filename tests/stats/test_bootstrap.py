"""Intervals of group means and wave change (stats/bootstrap.py): the t-interval the reports
show and its coverage, reproducible bootstrap streams, R's boot (also with tied resamples),
and interviews (clusters) resampled with their weights."""

import hashlib
import itertools
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from readiness_analysis.stats import bootstrap
from readiness_analysis.stats.bootstrap import (
    AUTO_METHOD,
    METHODS,
    MIN_INTERVAL_N,
    bootstrap_means,
    wave_change,
)
from readiness_analysis.stats.scores import summarise_scores

from ..references import reference
from .coverage import SCENARIOS, coverage, population
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
    alone = bootstrap_means(one_group(SAMPLE, institution="Y"), ["institution"], seed=5,
                            method="BCa")
    scores = pd.concat([one_group([1.0, 5.0, 3.0, 2.0]), one_group(SAMPLE, institution="Y")])
    together = bootstrap_means(scores, ["institution"], seed=5, method="BCa")
    assert together.iloc[1][["ci_low", "ci_high"]].tolist() == \
        alone.iloc[0][["ci_low", "ci_high"]].tolist()
    # the same data under another name gets its own stream
    renamed = bootstrap_means(one_group(SAMPLE, institution="Z"), ["institution"], seed=5,
                              method="BCa")
    assert renamed.iloc[0][["ci_low", "ci_high"]].tolist() != \
        alone.iloc[0][["ci_low", "ci_high"]].tolist()


@pytest.mark.parametrize("method", METHODS)
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
    used = AUTO_METHOD if method == "auto" else method
    assert (out["ci_method"] == used).all() and (out["ci_note"] == "").all()


def _documented_rows(seed: int, n: int, resamples: int, name=b"institution=X|theme=t"):
    """The documented stream: default_rng([seed, h]), h = first 8 bytes of sha256(key)."""
    h = int.from_bytes(hashlib.sha256(name).digest()[:8], "little")
    return np.random.default_rng([seed, h]).integers(0, n, (resamples, n))


def test_percentile_ci_is_the_order_statistic_of_the_documented_stream():
    # R boot's norm.inter: with (R + 1) * 0.025 = 100 an integer, the 100th order statistic
    x = np.array(SAMPLE)
    out = bootstrap_means(one_group(x), ["institution"], seed=2024, method="percentile",
                          n_resamples=3999).iloc[0]
    means = np.sort(x[_documented_rows(2024, len(x), 3999)].mean(axis=1))
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((means[99], means[3899]), abs=1e-12)


def test_percentile_interpolates_on_the_normal_scale_between_order_statistics():
    x = np.array(SAMPLE)
    out = bootstrap_means(one_group(x), ["institution"], seed=2024, method="percentile",
                          n_resamples=3000).iloc[0]
    means = np.sort(x[_documented_rows(2024, len(x), 3000)].mean(axis=1))
    # (R + 1) * 0.025 = 75.025: between the 75th and 76th order statistics (R's norm.inter)
    z, z75, z76 = scipy_stats.norm.ppf([0.025, 75 / 3001, 76 / 3001])
    low = means[74] + (z - z75) / (z76 - z75) * (means[75] - means[74])
    assert out["ci_low"] == pytest.approx(low, abs=1e-12)
    assert means[74] <= out["ci_low"] <= means[75]


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


def _tie_cases():
    return [pytest.param(case, id=case["name"]) for case in reference("indices")["tie_cases"]]


def _lattice_step(case) -> float:
    """Distance between neighbouring values of the resampled statistic (exact lattice)."""
    den = case["den"]
    if "from" in case:
        return 1 / (den * len(case["from"]) * len(case["to"]))
    if "w" in case:  # weighted means have no regular lattice: the closest two of them
        return 1 / (den * sum(case["w"]) ** 2)
    return 1 / (den * len(case["num"]))


@pytest.mark.parametrize("method", ["BCa", "percentile"])
@pytest.mark.parametrize("case", _tie_cases())
def test_ci_matches_r_boot_when_many_resamples_tie_with_the_mean(case, method):
    # lattice scores (thirds, halves): R counts only resamples strictly below the estimate
    # (z0 = qnorm(mean(t < t0))), decided here on exact integer sums. Monte Carlo error of
    # a quantile of a lattice distribution is at most one lattice step (R = 200,000).
    den = case["den"]
    if "from" in case:
        scores = pd.concat([one_group(np.array(case["from"]) / den, wave=1),
                            one_group(np.array(case["to"]) / den, wave=2)])
        row = wave_change(scores, seed=1, method=method, n_resamples=200_000).iloc[0]
        assert row["diff"] == pytest.approx(case["estimate"], abs=1e-12)
    else:
        scores = one_group(np.array(case["num"]) / den, weights=case.get("w"))
        row = bootstrap_means(scores, ["institution"], seed=1, method=method,
                              weighted="w" in case, n_resamples=200_000).iloc[0]
        assert row["mean"] == pytest.approx(case["estimate"], abs=1e-12)
    assert case["share_tied"] > 0.02  # the case does test ties
    expected = case[method.lower()]
    tolerance = max(0.012, _lattice_step(case) + 1e-9)
    assert row["ci_low"] == pytest.approx(expected[0], abs=tolerance)
    assert row["ci_high"] == pytest.approx(expected[1], abs=tolerance)


@pytest.mark.parametrize("case", _tie_cases())
def test_bias_correction_counts_like_r_on_tied_resamples(case):
    # R's z0 = qnorm(mean(t < t0)): the share strictly below, ties not counted (counting
    # them half, as scipy does, is off by share_tied / 2 >= 0.014 in every case)
    den = case["den"]
    if "from" in case:
        samples = [bootstrap._Sample(np.array(case["from"]) / den, None),
                   bootstrap._Sample(np.array(case["to"]) / den, None)]
    else:
        w = None if "w" not in case else np.array(case["w"], dtype=float)
        samples = [bootstrap._Sample(np.array(case["num"]) / den, w)]
    draws = bootstrap._resample(samples, np.random.default_rng(3), 200_000)
    # Monte Carlo error of the difference of two shares from 200,000 resamples: < 0.0016
    assert draws.below / 200_000 == pytest.approx(case["share_below"], abs=0.005)
    assert case["share_tied"] / 2 > 0.01


def test_bca_counts_resamples_strictly_below_on_exact_sums():
    # thirds: a float mean of a resample tied with the estimate may round either way;
    # the exact count (Fractions) is what R's z0 = qnorm(mean(t < t0)) means
    num = np.array([5, 7, 7, 8, 10])
    x = num / 3
    rows = _documented_rows(7, len(x), 4000)
    exact = [Fraction(int(num[r].sum()), 3 * len(x)) for r in rows]
    estimate = Fraction(int(num.sum()), 3 * len(x))
    below = sum(value < estimate for value in exact) / len(exact)
    tied = sum(value == estimate for value in exact) / len(exact)
    float_tied = np.mean(x[rows].mean(axis=1) == x.mean())
    assert tied > 0.1 and float_tied < tied  # floats miss ties here: the test has teeth
    out = bootstrap_means(one_group(x), ["institution"], seed=7, method="BCa",
                          n_resamples=4000).iloc[0]
    z0 = scipy_stats.norm.ppf(below)
    loo = (x.sum() - x) / (len(x) - 1)
    influence = (len(x) - 1) * (loo.mean() - loo)
    a = np.sum(influence**3) / (6 * np.sum(influence**2) ** 1.5)
    z = z0 + scipy_stats.norm.ppf([0.025, 0.975])
    levels = scipy_stats.norm.cdf(z0 + z / (1 - a * z))
    means = np.sort(x[rows].mean(axis=1))
    ranks = np.trunc(4001 * levels).astype(int)  # both endpoints lie on plateaus here
    assert means[ranks[0] - 1] == means[ranks[0]] and means[ranks[1] - 1] == means[ranks[1]]
    assert (out["ci_low"], out["ci_high"]) == pytest.approx(
        (means[ranks[0] - 1], means[ranks[1] - 1]), abs=1e-12)


@pytest.mark.parametrize(("values", "note"), [
    ([3.0], f"fewer than {MIN_INTERVAL_N} scores"),
    ([2.0, 4.0], f"fewer than {MIN_INTERVAL_N} scores"),
    ([3.0, 3.0, 3.0, 3.0], "all scores equal: no variation to resample"),
])
@pytest.mark.parametrize("method", METHODS)
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


def test_the_reports_interval_is_student_t():
    x = np.array(SAMPLE)
    row = bootstrap_means(one_group(x), ["institution"], seed=None).iloc[0]
    expected = scipy_stats.t.interval(0.95, len(x) - 1, loc=x.mean(),
                                      scale=scipy_stats.sem(x))
    assert row["ci_method"] == AUTO_METHOD == "t"
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(expected, rel=1e-12)


def test_weighted_t_interval_uses_kish_effective_n():
    x, w = np.array(SAMPLE), np.array([1, 3, 1, 2, 1, 4, 1, 2], dtype=float)
    row = bootstrap_means(weighted_group(x, w), ["institution"], seed=1, weighted=True).iloc[0]
    n_eff = w.sum() ** 2 / (w**2).sum()
    m = np.average(x, weights=w)
    spread = np.average((x - m) ** 2, weights=w) * n_eff / (n_eff - 1)  # weighted variance
    half = scipy_stats.t.ppf(0.975, n_eff - 1) * np.sqrt(spread / n_eff)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((m - half, m + half), rel=1e-12)
    # equal weights: the unweighted interval
    same = bootstrap_means(weighted_group(x, [2] * 8), ["institution"], seed=1,
                           weighted=True).iloc[0]
    plain = bootstrap_means(one_group(x), ["institution"], seed=1).iloc[0]
    assert (same["ci_low"], same["ci_high"]) == pytest.approx((plain["ci_low"],
                                                               plain["ci_high"]), rel=1e-12)


def test_no_weighted_interval_below_the_minimum_effective_n():
    # three interviews of 1, 1 and 4 teachers: n_eff = 36 / 18 = 2 < 3
    row = bootstrap_means(weighted_group([2.0, 3.0, 4.0], [1, 1, 4]), ["institution"], seed=1,
                          weighted=True).iloc[0]
    assert np.isnan(row["ci_low"]) and row["ci_note"] == \
        f"effective sample size (Kish) below {MIN_INTERVAL_N}"


def test_huge_group_gets_a_bca_interval_quickly():
    # the jackknife of a mean is closed-form (O(n)): no fallback for large groups
    x = population(3.2, 3, size=50_000)
    row = bootstrap_means(one_group(x), ["institution"], seed=1, method="BCa",
                          n_resamples=200).iloc[0]
    t_row = bootstrap_means(one_group(x), ["institution"], seed=1).iloc[0]
    assert row["ci_method"] == "BCa" and row["ci_note"] == ""
    assert row["ci_low"] == pytest.approx(t_row["ci_low"], abs=0.01)
    assert row["ci_high"] == pytest.approx(t_row["ci_high"], abs=0.01)


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
    assert row["ci_low"] < row["diff"] < row["ci_high"] and row["ci_method"] == "t"
    welch = scipy_stats.ttest_ind([3.0, 4.0, 4.5, 5.0], [2.0, 3.0, 4.0], equal_var=False)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        tuple(welch.confidence_interval(0.95)), rel=1e-12)
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
    assert out.loc["t", "ci_note"] == f"fewer than {MIN_INTERVAL_N} scores in a wave"
    assert out.loc["u", "diff"] == 1.0 and np.isnan(out.loc["u", "ci_high"])
    assert out.loc["u", "ci_note"].startswith("all scores equal")


# ------------------------------------------------ weighted: interviews resampled with their weights


def test_weighted_bootstrap_resamples_interviews_with_their_weights():
    x = np.array([1.17, 2.05, 2.48, 3.02, 3.33, 3.91, 4.46, 4.87])
    w = np.array([1, 3, 1, 2, 1, 4, 1, 2])
    out = bootstrap_means(weighted_group(x, w), ["institution"], seed=2024, method="percentile",
                          n_resamples=3999, weighted=True).iloc[0]
    summary = summarise_scores(weighted_group(x, w), ["institution"], weighted=True).iloc[0]
    assert (out["n"], out["n_teachers"]) == (8, 15)
    assert out["mean"] == pytest.approx(summary["mean"], rel=1e-12)
    # documented stream; rows (interviews) drawn, each with its weight
    rows = _documented_rows(2024, len(x), 3999)
    means = np.sort((w[rows] * x[rows]).sum(axis=1) / w[rows].sum(axis=1))
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((means[99], means[3899]),
                                                            abs=1e-12)
    # resampling teachers one by one would pretend 15 independent answers: narrower
    teachers = bootstrap_means(repeat_teachers(weighted_group(x, w)), ["institution"], seed=2024,
                               method="percentile", n_resamples=3999).iloc[0]
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


# ------------------------------------------------ coverage: the interval keeps its promise

COVERAGE_NS = (3, 5, 10, 30)
#: Smallest share of 95 % intervals that must contain the true mean (Monte Carlo error of
#: a share near 0.95 from 2,000 samples: about 0.005).
MIN_COVERAGE = 0.93


def _coverage_line(label: str, n: int, result) -> str:
    return (f"{label:<28} n = {n:>2}: coverage {result.share:.3f} "
            f"(interval shown for {result.shown:.0%}, mean width {result.width:.2f})")


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_reports_interval_covers_at_every_n(scenario):
    # what the reports show (method "auto") at n = 3, 5, 10, 30; run with -s to read
    scores = population(*SCENARIOS[scenario])
    failures = []
    for n in COVERAGE_NS:
        result = coverage(scores, n, 2000, seed=n)
        print(_coverage_line(f"{scenario}, {AUTO_METHOD}", n, result))
        if result.share < MIN_COVERAGE:
            failures.append(n)
        assert result.shown > 0.9
    assert not failures, f"coverage below {MIN_COVERAGE} at n = {failures}"


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_weighted_interval_covers(scenario):
    # Kish's n_eff for df and the minimum; at n = 3 an interval needs three equal weights
    # (then it is the unweighted one), so the check starts at 5
    scores = population(*SCENARIOS[scenario])
    for n in COVERAGE_NS[1:]:
        result = coverage(scores, n, 1000, seed=n, weighted=True)
        print(_coverage_line(f"{scenario}, {AUTO_METHOD}, weighted", n, result))
        assert result.share >= MIN_COVERAGE, n


def test_the_coverage_check_fails_the_bca_interval_at_three():
    # the check has teeth: BCa (which the reports showed before) covers far too rarely
    result = coverage(population(*SCENARIOS["middle"]), 3, 1000, method="BCa", seed=3)
    print(_coverage_line("middle, BCa", 3, result))
    assert result.share < MIN_COVERAGE - 0.1


# ------------------------------------------------ t-interval on whole columns, group by group


def _many_groups(seed: int) -> pd.DataFrame:
    """Groups of 0-40 scores (thirds and floats), some constant, weights 0-3 teachers."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 40, 60)
    institution = np.repeat([f"I{i:02d}" for i in range(len(sizes))], sizes)
    n = len(institution)
    score = np.where(rng.random(n) < 0.5, rng.integers(3, 16, n) / 3.0, rng.random(n) * 4 + 1)
    score[np.isin(institution, ["I03", "I07"])] = 3.0
    score[rng.random(n) < 0.05] = np.nan
    teachers = rng.integers(1, 4, n)
    teachers[institution == "I05"] = 0
    order = rng.permutation(n)  # groups interleaved, as in a scores table
    return pd.DataFrame({"institution": institution[order], "wave": rng.integers(1, 4, n),
                         "theme": rng.choice(["t", "u"], n), "score": score[order],
                         "n_teachers": teachers[order]})


def _one_by_one(scores: pd.DataFrame, keys: list[str], weighted: bool) -> list[tuple]:
    """Each group's interval as ``_interval`` gives it for that group alone."""
    out = []
    for key, x, w, teachers in bootstrap._groups(scores, keys, weighted):
        interval = bootstrap._interval([bootstrap._Sample(x, w)], rng=None, method="t",
                                       n_resamples=0, level=0.95)
        out.append((*key, len(x), teachers, bootstrap._mean(x, w), *interval))
    return out


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_t_intervals_of_all_groups_at_once_equal_each_group_alone_to_the_bit(weighted, seed):
    scores = _many_groups(seed)
    keys = ["institution", "wave", "theme"]
    out = bootstrap_means(scores, keys[:2], seed=None, weighted=weighted)
    expected = _one_by_one(scores, keys, weighted)
    assert len(out) == len(expected) > 100
    got = list(out.itertuples(index=False, name=None))
    for row, want in zip(got, expected, strict=True):
        assert row[:5] == want[:5] and row[8:] == want[8:]
        assert np.array_equal(row[5:8], want[5:8], equal_nan=True)  # exact, not approx
    notes = set(out["ci_note"])
    assert "" in notes and len(notes) >= (4 if weighted else 3)  # every kind of group seen


@pytest.mark.parametrize("weighted", [False, True])
def test_welch_intervals_of_all_pairs_at_once_equal_each_pair_alone_to_the_bit(weighted):
    scores = _many_groups(4)
    out = wave_change(scores, seed=None, weighted=weighted)
    expected = []
    for key, waves in bootstrap._waves(scores, ["institution", "theme"], weighted):
        for (wave_a, a, wa, ta), (wave_b, b, wb, tb) in itertools.pairwise(waves):
            interval = bootstrap._interval([bootstrap._Sample(a, wa), bootstrap._Sample(b, wb)],
                                           rng=None, method="t", n_resamples=0, level=0.95)
            mean_a, mean_b = bootstrap._mean(a, wa), bootstrap._mean(b, wb)
            expected.append((*key, wave_a, wave_b, len(a), len(b), ta, tb, mean_a, mean_b,
                             mean_b - mean_a, *interval))
    assert len(out) == len(expected) > 50
    for row, want in zip(out.itertuples(index=False, name=None), expected, strict=True):
        assert row[:8] == want[:8] and row[13:] == want[13:]
        assert np.array_equal(row[8:13], want[8:13], equal_nan=True)


def test_blocks_of_groups_do_not_change_the_intervals(monkeypatch):
    scores = _many_groups(5)
    whole = bootstrap_means(scores, ["institution", "wave"], seed=None, weighted=True)
    change = wave_change(scores, seed=None)
    monkeypatch.setattr(bootstrap, "_BLOCK_ROWS", 7)  # many blocks, some of one big group
    pd.testing.assert_frame_equal(
        bootstrap_means(scores, ["institution", "wave"], seed=None, weighted=True), whole,
        check_exact=True)
    pd.testing.assert_frame_equal(wave_change(scores, seed=None), change, check_exact=True)
