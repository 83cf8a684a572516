"""Tests of readiness_analysis.stats.compare against R and hand-computed values.

The R reference values come from scripts/compare_reference.R (R is not needed here).
"""

from __future__ import annotations

import doctest
import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.stats import bootstrap, compare, disclosure
from readiness_analysis.stats.compare import (
    GROUP_COLUMNS,
    PAIR_COLUMNS,
    ComparisonError,
    TooFewScoresError,
    compare_groups,
    compare_waves,
    model_differences,
)

from ..references import dataset, reference

REFERENCE = reference("compare")
ABS = 1e-6  # statistics and effect sizes
REL = 1e-6  # p-values


def _table(name: str) -> pd.DataFrame:
    return dataset("compare", name)


def _close(actual, expected, *, rel: bool = False) -> None:
    if rel:
        assert actual == pytest.approx(expected, rel=REL, abs=1e-300)
    else:
        assert actual == pytest.approx(expected, abs=ABS)


GROUP_CASES = list(zip(REFERENCE["group_sources"], REFERENCE["groups"], strict=True))
GROUP_IDS = [f"{source}-{case['theme']}" for source, case in GROUP_CASES]


@pytest.fixture(scope="module")
def group_results() -> dict[str, compare.GroupComparison]:
    return {name: compare_groups(_table(name)) for name in set(REFERENCE["group_sources"])}


def _overall_row(results, source: str, theme: str) -> pd.Series:
    overall = results[source].overall.set_index("theme")
    return overall.loc[theme]


# --- agreement with R ---------------------------------------------------------------------


def test_reference_was_made_with_r():
    assert REFERENCE["r_version"].startswith("R version")
    assert REFERENCE["generated_by"] == "scripts/compare_reference.R"
    assert len(REFERENCE["groups"]) == 4
    assert REFERENCE["waves"]
    assert len(REFERENCE["models"]) == 2


@pytest.mark.parametrize(("source", "case"), GROUP_CASES, ids=GROUP_IDS)
def test_kruskal_wallis_matches_r(group_results, source, case):
    row = _overall_row(group_results, source, case["theme"])
    assert row["status"] == "ok"
    assert row["n"] == case["n"]
    assert row["n_groups"] == case["n_groups"]
    assert row["min_group_n"] == min(case["group_n"])
    for column in ("h", "df", "epsilon2", "eta2_h"):
        _close(row[column], case[column])
    _close(row["p"], case["p"], rel=True)


@pytest.mark.parametrize(("source", "case"), GROUP_CASES, ids=GROUP_IDS)
def test_pairwise_mann_whitney_and_holm_match_r(group_results, source, case):
    pairs = group_results[source].pairwise
    pairs = pairs[pairs["theme"] == case["theme"]].reset_index(drop=True)
    expected = pd.DataFrame(case["pairwise"])
    assert pairs[["group1", "group2"]].to_numpy().tolist() == (
        expected[["group1", "group2"]].to_numpy().tolist()
    )
    assert pairs["n1"].tolist() == expected["n1"].tolist()
    assert pairs["n2"].tolist() == expected["n2"].tolist()
    assert (pairs["status"] == "ok").all()
    np.testing.assert_allclose(pairs["u"], expected["u"], atol=ABS, rtol=0)
    np.testing.assert_allclose(pairs["rank_biserial"], expected["rank_biserial"], atol=ABS)
    np.testing.assert_allclose(pairs["p"], expected["p"], rtol=REL)
    np.testing.assert_allclose(pairs["p_holm"], expected["p_holm"], rtol=REL)


def test_two_groups_report_mann_whitney_in_overall(group_results):
    case = dict(GROUP_CASES)["toothgrowth"]
    row = _overall_row(group_results, "toothgrowth", "len")
    pair = case["pairwise"][0]
    _close(row["u"], pair["u"])
    _close(row["rank_biserial"], pair["rank_biserial"])
    _close(row["p_u"], pair["p"], rel=True)
    # one pair: Holm changes nothing
    _close(group_results["toothgrowth"].pairwise.loc[0, "p_holm"], pair["p"], rel=True)


def test_more_than_two_groups_leave_mann_whitney_columns_empty(group_results):
    row = _overall_row(group_results, "insectsprays", "count")
    assert math.isnan(row["u"]) and math.isnan(row["p_u"]) and math.isnan(row["rank_biserial"])
    assert len(group_results["insectsprays"].pairwise) == 15


def test_waves_match_r():
    # 9 + 9 scores per pair: below ASYMPTOTIC_TOTAL, so R's asymptotic p-value (exact =
    # FALSE) is p_asymptotic and p is the permutation p-value, Holm-adjusted in p_holm
    result = compare_waves(_table("warpbreaks"))
    expected = pd.DataFrame(REFERENCE["waves"])
    keys = ["institution", "theme", "wave1", "wave2", "n1", "n2"]
    assert result[keys].to_numpy().tolist() == expected[keys].to_numpy().tolist()
    assert (result["status"] == "ok").all()
    np.testing.assert_allclose(result["u"], expected["u"], atol=ABS, rtol=0)
    np.testing.assert_allclose(result["rank_biserial"], expected["rank_biserial"], atol=ABS)
    np.testing.assert_allclose(result["p_asymptotic"], expected["p"], rtol=REL)
    for _, family in expected.groupby("institution"):  # R's Holm of the asymptotic p
        np.testing.assert_allclose(compare._holm_adjust(family["p"]), family["p_holm"],
                                   rtol=REL)
    assert set(result["p_method"]) == {"permutation"}  # C(18, 9) = 48620 splits
    assert (result["p_mc_se"] <= 0.005).all()
    for _, family in result.groupby("institution"):
        np.testing.assert_allclose(family["p_holm"], compare._holm_adjust(family["p"]))


@pytest.mark.parametrize(("source", "case"), GROUP_CASES, ids=GROUP_IDS)
def test_large_groups_keep_the_asymptotic_p_of_r(group_results, source, case):
    row = _overall_row(group_results, source, case["theme"])
    assert row["p_method"] == "asymptotic" and math.isnan(row["p_mc_se"])
    assert row["p_asymptotic"] == row["p"]
    pairs = group_results[source].pairwise
    assert set(pairs["p_method"]) == {"asymptotic"}


def _python_term(r_name: str) -> str:
    if r_name == "(Intercept)":
        return "Intercept"
    for factor in ("institution", "wave"):
        if r_name.startswith(factor):
            return f"{factor}[T.{r_name[len(factor) :]}]"
    raise AssertionError(r_name)


@pytest.mark.parametrize("case", REFERENCE["models"], ids=lambda c: c["source"])
def test_ols_hc3_model_matches_r(case):
    result = model_differences(
        _table(case["source"]), case["theme"], wave="wave" if case["with_wave"] else None
    )
    expected = pd.DataFrame(case["coefficients"])
    table = result.coefficients
    assert table["term"].tolist() == [_python_term(name) for name in expected["r_name"]]
    assert result.n == case["n"]
    assert result.df_resid == case["df_resid"]
    _close(result.r_squared, case["r_squared"])
    for column in ("estimate", "se", "t", "ci_low", "ci_high"):
        np.testing.assert_allclose(table[column], expected[column], atol=ABS, err_msg=column)
    np.testing.assert_allclose(table["p"], expected["p"], rtol=REL)
    joint = pd.DataFrame(case["joint"])
    assert result.tests["term"].tolist() == joint["term"].tolist()
    np.testing.assert_allclose(result.tests["f"], joint["f"], atol=ABS)
    assert result.tests["df_num"].tolist() == joint["df_num"].tolist()
    assert result.tests["df_den"].tolist() == joint["df_den"].tolist()
    np.testing.assert_allclose(result.tests["p"], joint["p"], rtol=REL)


def test_single_wave_is_left_out_of_the_model():
    # airquality has wave 1 only: the default wave="wave" must give the R model without it
    case = REFERENCE["models"][0]
    result = model_differences(_table("airquality"), "ozone")
    assert result.formula == "score ~ institution"
    assert result.baseline == {"institution": "m05"}
    _close(result.coefficients["se"].iloc[1], case["coefficients"]["se"][1])


def test_holm_leaves_missing_p_values_out_as_r_does():
    case = REFERENCE["holm_with_na"]
    rows = [{"p": np.nan if p is None else p, "p_holm": np.nan} for p in case["p"]]
    adjusted = [row["p_holm"] for row in compare._holm(rows)]
    expected = [np.nan if p is None else p for p in case["holm"]]
    np.testing.assert_allclose(adjusted, expected, rtol=1e-12)


def test_r_returns_nothing_for_constant_scores():
    # the reason for the "all scores equal" status: R's statistics are NaN/NA there
    assert REFERENCE["constant_scores"] == {"kruskal_statistic": None, "wilcox_p": None}


# --- hand-computed cases ----------------------------------------------------------------

# A = 1 2 2 3 3, B = 3 4 4 5 5. Midranks: 1 -> 1, 2 -> 2.5, 3 -> 5, 4 -> 7.5, 5 -> 9.5, so
# R_A = 16, R_B = 39, U_A = 16 - 15 = 1 and r_rb = 2/25 - 1 = -0.92. Ties of size 2, 3, 2, 2
# give sum(t^3 - t) = 42, so H = (12/110 * (16^2 + 39^2)/5 - 33) / (1 - 42/990).
# Mann-Whitney: var(U) = 25/12 * (11 - 42/90), z = (|1 - 12.5| - 0.5) / sd.
TWO = pd.DataFrame(
    {
        "institution": list("AAAAABBBBB"),
        "theme": "vision",
        "score": [1, 2, 2, 3, 3, 3, 4, 4, 5, 5],
    }
)
TWO_H = (12 / 110 * (16**2 + 39**2) / 5 - 33) / (1 - 42 / 990)
TWO_Z = 11 / math.sqrt(25 / 12 * (11 - 42 / 90))


# Exact p of TWO by hand: of the C(10, 5) = 252 ways to pick A's five scores, those with
# |R_A - 27.5| >= 11.5 count; every pick of A is a multiset of the midranks above.
def _two_exact_p() -> float:
    ranks = [1, 2.5, 2.5, 5, 5, 5, 7.5, 7.5, 9.5, 9.5]
    extreme = sum(abs(sum(pick) - 27.5) >= 11.5 - 1e-9
                  for pick in itertools.combinations(ranks, 5))
    return extreme / math.comb(10, 5)


def test_hand_computed_two_groups():
    row = compare_groups(TWO).overall.iloc[0]
    assert row["h"] == pytest.approx(TWO_H, abs=1e-12)
    chi2 = math.erfc(math.sqrt(TWO_H / 2))  # chi2, df 1
    assert row["p_asymptotic"] == pytest.approx(chi2, rel=1e-12)
    assert row["epsilon2"] == pytest.approx(TWO_H / 9, abs=1e-12)
    assert row["eta2_h"] == pytest.approx((TWO_H - 1) / 8, abs=1e-12)
    assert row["u"] == 1.0
    assert row["rank_biserial"] == pytest.approx(-0.92, abs=1e-12)
    # 5 + 5 scores: exact, and for two groups the p of H is the two-sided p of U
    assert (row["p_method"], row["p_mc_se"]) == ("exact", 0.0)
    assert row["p"] == pytest.approx(_two_exact_p(), rel=1e-12)
    assert row["p_u"] == row["p"]
    pair = compare_groups(TWO).pairwise.iloc[0]
    assert pair["p"] == row["p"]
    assert pair["p_asymptotic"] == pytest.approx(math.erfc(TWO_Z / math.sqrt(2)), rel=1e-12)


def test_swapping_the_groups_flips_the_rank_biserial():
    swapped = TWO.assign(institution=TWO["institution"].map({"A": "B", "B": "A"}))
    row = compare_groups(swapped).overall.iloc[0]
    assert row["u"] == 24.0
    assert row["rank_biserial"] == pytest.approx(0.92, abs=1e-12)
    assert row["h"] == pytest.approx(TWO_H, abs=1e-12)


def test_one_respondent_per_group_when_thresholds_allow_it():
    # ranks 1, 2, 3: H = 12/12 * (1 + 4 + 9) - 12 = 2, p = exp(-1); eta2_H is 0/0. Every
    # one of the 3! splits gives the same H, so the exact p-value is 1.
    scores = pd.DataFrame({"institution": list("ABC"), "theme": "t", "score": [1.0, 2, 3]})
    row = compare_groups(scores, min_n=1, min_total=1).overall.iloc[0]
    assert row["status"] == "ok"
    assert row["h"] == pytest.approx(2.0, abs=1e-12)
    assert row["p_asymptotic"] == pytest.approx(math.exp(-1), rel=1e-12)
    assert (row["p"], row["p_method"]) == (1.0, "exact")
    assert row["epsilon2"] == pytest.approx(1.0, abs=1e-12)
    assert math.isnan(row["eta2_h"])


def test_hc3_standard_error_of_a_group_difference_by_hand():
    # dummy regression: leverage 1/n_g, so HC3 var(mean_g) = sum(e^2)/(n_g - 1)^2
    a = np.tile([1.0, 2.0, 4.0], 5)
    b = np.tile([3.0, 3.0, 6.0, 4.0, 5.0], 3)
    scores = pd.DataFrame(
        {"institution": ["A"] * 15 + ["B"] * 15, "theme": "t", "score": np.r_[a, b]}
    )
    result = model_differences(scores, "t", wave=None)
    se = math.sqrt(sum((a - a.mean()) ** 2) / 14**2 + sum((b - b.mean()) ** 2) / 14**2)
    row = result.coefficients.set_index("term").loc["institution[T.B]"]
    assert row["estimate"] == pytest.approx(b.mean() - a.mean(), abs=1e-12)
    assert row["se"] == pytest.approx(se, rel=1e-10)
    assert result.tests.loc[0, "f"] == pytest.approx(row["t"] ** 2, rel=1e-10)
    assert result.df_resid == 28


# --- the sample-size rule ------------------------------------------------------------------


def _scores(sizes: dict[str, int], theme: str = "t", seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    labels = [label for label, n in sizes.items() for _ in range(n)]
    return pd.DataFrame(
        {
            "respondent_id": [f"r{i}" for i in range(len(labels))],
            "institution": labels,
            "wave": 1,
            "theme": theme,
            "score": rng.integers(1, 6, len(labels)).astype(float),
        }
    )


def test_demo_sized_data_get_a_permutation_p_value():
    # the demo study: 5, 5 and 4 interviews, 252,252 splits: Monte Carlo
    result = compare_groups(_scores({"Instelling A": 5, "Instelling B": 5, "Instelling C": 4}))
    row = result.overall.iloc[0]
    assert row["status"] == "ok" and row["note"] == ""
    assert row["p_method"] == "permutation"
    assert 0 < row["p_mc_se"] <= math.sqrt(0.25 / compare.N_PERMUTATIONS)
    assert row["p"] >= 1 / (compare.N_PERMUTATIONS + 1)
    assert (row["n"], row["n_groups"], row["min_group_n"]) == (14, 3, 4)
    assert len(result.pairwise) == 3
    assert set(result.pairwise["p_method"]) == {"exact"}  # C(10, 5) and C(9, 4) splits


def test_a_group_below_min_n_is_not_tested():
    result = compare_groups(_scores({"Instelling A": 5, "Instelling B": 5, "Instelling C": 2}))
    row = result.overall.iloc[0]
    assert row["status"] == "n too small"
    assert row["note"] == "Instelling C has 2 scores (fewer than 3)"
    assert row[["h", "df", "p", "p_asymptotic", "p_adjusted", "epsilon2"]].isna().all()
    assert row["p_method"] == ""
    assert (result.pairwise["status"] == "n too small").all()
    assert result.pairwise[["u", "p", "p_holm", "rank_biserial"]].isna().all().all()


@pytest.mark.parametrize(("sizes", "method"), [
    ({"A": 3, "B": 5}, "exact"),  # the smallest allowed: 3 per group, 8 in all
    ({"A": 4, "B": 16}, "exact"),  # a group below 5
    ({"A": 9, "B": 9}, "permutation"),  # total below 20
    ({"A": 5, "B": 5, "C": 10}, "asymptotic"),  # both thresholds met, inclusive
])
def test_which_p_value(sizes, method):
    row = compare_groups(_scores(sizes)).overall.iloc[0]
    assert (row["status"], row["p_method"]) == ("ok", method)
    if method == "asymptotic":
        assert row["p"] == row["p_asymptotic"]


def test_min_total_is_where_p_below_05_becomes_possible():
    # the documented reason for MIN_TOTAL = 8: the most extreme split of two groups of
    # at least MIN_N scores reaches p < .05 from 8 scores on, not at 7
    def smallest_p(n1, n2):
        scores = pd.DataFrame({"institution": ["A"] * n1 + ["B"] * n2, "theme": "t",
                               "score": np.arange(n1 + n2, dtype=float)})
        return compare_groups(scores, min_n=1, min_total=1).overall.loc[0, "p"]
    assert smallest_p(3, 4) > 0.05 and smallest_p(3, 3) > 0.05
    assert smallest_p(3, 5) < 0.05 and smallest_p(4, 4) < 0.05
    assert smallest_p(3, 5) == pytest.approx(2 / 56, rel=1e-12)
    assert compare.MIN_TOTAL == 8 and compare.MIN_N == 3


def test_min_n_is_the_reports_smallest_cell_and_interval():
    # the documented reason for MIN_N: no test on a group the reports would not show
    assert compare.MIN_N == disclosure.MIN_CELL == bootstrap.MIN_INTERVAL_N


def test_threshold_is_inclusive():
    row = compare_groups(_scores({"A": 3, "B": 3, "C": 3})).overall.iloc[0]
    assert row["status"] == "ok"
    assert not math.isnan(row["p"])


def test_one_respondent_per_group_is_too_small_by_default():
    row = compare_groups(_scores({"A": 1, "B": 1, "C": 1})).overall.iloc[0]
    assert row["status"] == "n too small"
    assert row["note"] == "A has 1 score (fewer than 3)"


def test_a_group_of_one_among_large_groups_is_not_tested():
    row = compare_groups(_scores({"A": 1, "B": 30, "C": 30})).overall.iloc[0]
    assert (row["status"], row["note"]) == ("n too small", "A has 1 score (fewer than 3)")


def test_total_threshold():
    row = compare_groups(_scores({"A": 5, "B": 5}), min_total=11).overall.iloc[0]
    assert row["status"] == "n too small"
    assert row["note"] == "n = 10 (fewer than 11)"
    assert math.isnan(row["u"])


def test_one_group():
    result = compare_groups(_scores({"A": 20}))
    row = result.overall.iloc[0]
    assert (row["status"], row["note"], row["n_groups"]) == (
        "one group",
        "only A: nothing to compare",
        1,
    )
    assert math.isnan(row["h"])
    assert result.pairwise.empty


def test_all_scores_equal():
    scores = _scores({"A": 6, "B": 6}).assign(score=3.0)
    result = compare_groups(scores)
    row = result.overall.iloc[0]
    assert row["status"] == "all scores equal"
    assert math.isnan(row["h"]) and math.isnan(row["p"]) and math.isnan(row["u"])
    assert result.pairwise.loc[0, "status"] == "all scores equal"


def test_constant_pair_is_left_out_of_holm():
    scores = pd.DataFrame(
        {
            "institution": ["A"] * 5 + ["B"] * 5 + ["C"] * 5,
            "theme": "t",
            "score": [3.0] * 10 + [1.0, 2.0, 4.0, 5.0, 5.0],
        }
    )
    pairs = compare_groups(scores).pairwise.set_index(["group1", "group2"])
    assert pairs.loc[("A", "B"), "status"] == "all scores equal"
    assert math.isnan(pairs.loc[("A", "B"), "p_holm"])
    # A-C and B-C are identical tests: Holm over two equal p-values doubles both
    p = pairs.loc[("A", "C"), "p"]
    assert pairs.loc[("B", "C"), "p"] == pytest.approx(p, rel=1e-12)
    assert pairs.loc[("A", "C"), "p_holm"] == pytest.approx(min(1.0, 2 * p), rel=1e-12)


def test_missing_scores_are_left_out():
    clean = compare_groups(TWO).overall
    holes = pd.concat(
        [TWO, pd.DataFrame({"institution": ["A", "B"], "theme": "vision", "score": np.nan})]
    )
    pd.testing.assert_frame_equal(compare_groups(holes).overall, clean)


def test_group_without_scores_stops_the_theme():
    scores = pd.concat(
        [TWO, pd.DataFrame({"institution": ["C"] * 5, "theme": "vision", "score": np.nan})]
    )
    row = compare_groups(scores).overall.iloc[0]
    assert row["status"] == "n too small"
    assert row["note"] == "C has 0 scores (fewer than 3)"


def test_rows_without_group_label_are_dropped():
    unlabelled = pd.DataFrame({"institution": [None] * 3, "theme": "vision", "score": 1.0})
    result = compare_groups(pd.concat([TWO, unlabelled]))
    pd.testing.assert_frame_equal(result.overall, compare_groups(TWO).overall)


def test_empty_input_gives_empty_tables_with_columns():
    empty = TWO.iloc[:0]
    result = compare_groups(empty)
    assert result.overall.empty and result.pairwise.empty
    assert list(result.overall.columns) == ["theme", *GROUP_COLUMNS]
    assert list(result.pairwise.columns) == ["theme", "group1", "group2", *PAIR_COLUMNS]


def test_themes_are_separate_and_in_category_order():
    scores = pd.concat([TWO.assign(theme="zeta", wave=1),
                        _scores({"A": 2, "B": 4}, theme="alpha")])
    scores["theme"] = pd.Categorical(scores["theme"], ["zeta", "alpha", "unused"])
    overall = compare_groups(scores).overall
    assert overall["theme"].tolist() == ["zeta", "alpha"]
    assert overall["status"].tolist() == ["ok", "n too small"]
    assert overall.loc[0, "h"] == pytest.approx(TWO_H, abs=1e-12)


def test_row_order_does_not_matter(group_results):
    shuffled = _table("airquality").sample(frac=1.0, random_state=3)
    result = compare_groups(shuffled)
    pd.testing.assert_frame_equal(result.overall, group_results["airquality"].overall)
    pd.testing.assert_frame_equal(result.pairwise, group_results["airquality"].pairwise)


def test_group_by_wave():
    result = compare_groups(_table("warpbreaks"), group="wave")
    row = result.overall.iloc[0]
    assert (row["status"], row["n_groups"], row["n"]) == ("ok", 3, 54)
    assert result.pairwise[["group1", "group2"]].to_numpy().tolist() == [[1, 2], [1, 3], [2, 3]]
    assert result.group == "wave"


def test_nullable_and_integer_scores_equal_floats():
    as_int = TWO.assign(score=TWO["score"].astype("Int64"))
    pd.testing.assert_frame_equal(compare_groups(as_int).overall, compare_groups(TWO).overall)


# --- across themes, waves, permutations, weights ------------------------------------------


def _themes(n_themes: int, sizes: dict[str, int], seed: int = 5) -> pd.DataFrame:
    """Scores of several themes; theme j shifts group B by j / 2 so that p-values vary."""
    parts = []
    for j in range(n_themes):
        part = _scores(sizes, theme=f"t{j:02d}", seed=seed + j)
        part.loc[part["institution"] == "B", "score"] += j / 2
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize(("adjust", "method"), [("holm", "holm"), ("BH", "fdr_bh")])
def test_themes_are_adjusted_together_as_statsmodels_does(adjust, method):
    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    scores = _themes(8, {"A": 12, "B": 12, "C": 12})
    scores.loc[scores["theme"] == "t03", "score"] = 2.0  # untested: left out of the family
    overall = compare_groups(scores, adjust=adjust).overall
    tested = overall["status"] == "ok"
    assert tested.sum() == 7
    expected = multipletests(overall.loc[tested, "p"], method=method)[1]
    np.testing.assert_allclose(overall.loc[tested, "p_adjusted"], expected, rtol=1e-12)
    assert overall.loc[~tested, "p_adjusted"].isna().all()
    assert (overall.loc[tested, "p_adjusted"] >= overall.loc[tested, "p"]).all()
    assert compare_groups(scores, adjust=adjust).adjust == adjust


def test_one_tested_theme_is_its_own_family():
    row = compare_groups(TWO).overall.iloc[0]
    assert row["p_adjusted"] == row["p"]


def test_adjustment_uses_the_permutation_p_of_small_themes():
    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    overall = compare_groups(_themes(4, {"A": 4, "B": 5})).overall
    assert set(overall["p_method"]) == {"exact"}
    np.testing.assert_allclose(overall["p_adjusted"],
                               multipletests(overall["p"], method="holm")[1], rtol=1e-12)


def _two_waves() -> pd.DataFrame:
    first = _scores({"A": 6, "B": 6}, seed=3).assign(wave=1)
    second = _scores({"A": 7, "B": 5, "C": 4}, seed=4).assign(wave=2)
    second.loc[second["institution"] == "B", "score"] = 5.0
    return pd.concat([first, second], ignore_index=True)


def test_latest_wave_only_by_default():
    scores = _two_waves()
    result = compare_groups(scores)
    latest = compare_groups(scores[scores["wave"] == 2], wave="all")
    assert result.wave == 2
    assert (result.overall.loc[0, "n"], result.overall.loc[0, "n_groups"]) == (16, 3)
    pd.testing.assert_frame_equal(result.overall, latest.overall)


def test_a_chosen_wave_or_all_waves():
    scores = _two_waves()
    first = compare_groups(scores, wave=1)
    assert (first.wave, first.overall.loc[0, "n"], first.overall.loc[0, "n_groups"]) == (1, 12, 2)
    pooled = compare_groups(scores, wave="all")
    assert (pooled.wave, pooled.overall.loc[0, "n"]) == ("all", 28)


def test_latest_wave_follows_category_order():
    scores = _two_waves().assign(wave=lambda d: d["wave"].map({1: "autumn", 2: "spring"}))
    scores["wave"] = pd.Categorical(scores["wave"], ["spring", "autumn"])
    assert compare_groups(scores).wave == "autumn"


def test_grouping_by_wave_uses_every_wave():
    scores = _two_waves()
    result = compare_groups(scores, group="wave")
    assert (result.wave, result.overall.loc[0, "n"]) == ("all", 28)
    with pytest.raises(ComparisonError, match="comparing the waves themselves"):
        compare_groups(scores, group="wave", wave=1)


def test_unknown_wave_and_missing_wave_column():
    with pytest.raises(ComparisonError, match=r"no scores of wave 3") as info:
        compare_groups(_two_waves(), wave=3)
    assert "waves present: 1, 2" in str(info.value)
    with pytest.raises(ComparisonError, match=r"lacks column\(s\): wave"):
        compare_groups(TWO, wave=1)
    assert compare_groups(TWO).wave is None  # no wave column: the whole table


def _exact_kruskal_p(samples: list[np.ndarray]) -> float:
    """scipy's exact permutation p-value of the Kruskal-Wallis H (every split)."""
    pooled = np.concatenate(samples)
    n, ties = len(pooled), stats.tiecorrect(stats.rankdata(pooled))

    def h(*x, axis=-1):  # tie-corrected H of every resample at once (vectorized)
        ranks = stats.rankdata(np.concatenate(x, axis=axis), axis=axis)
        edges = np.cumsum([part.shape[axis] for part in x])[:-1]
        core = sum(r.sum(axis=axis) ** 2 / r.shape[axis]
                   for r in np.split(ranks, edges, axis=axis))
        return (12 / (n * (n + 1)) * core - 3 * (n + 1)) / ties

    assert h(*samples) == pytest.approx(stats.kruskal(*samples).statistic, rel=1e-12)
    result = stats.permutation_test(samples, h, permutation_type="independent",
                                    n_resamples=np.inf, alternative="greater", vectorized=True)
    return float(result.pvalue)


SMALL = pd.DataFrame({
    "institution": list("AAABBBBCCC"), "theme": "t",
    "score": [1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0, 2.0, 3.0, 3.0],  # ties across groups
})


def test_exact_p_matches_scipy_enumeration():
    row = compare_groups(SMALL).overall.iloc[0]
    assert (row["p_method"], row["p_mc_se"]) == ("exact", 0.0)  # 4200 splits
    samples = [g["score"].to_numpy() for _, g in SMALL.groupby("institution")]
    assert row["p"] == pytest.approx(_exact_kruskal_p(samples), rel=1e-12)


def test_exact_pairwise_p_matches_scipy_enumeration():
    pairs = compare_groups(SMALL).pairwise
    for pair in pairs.itertuples():
        x = SMALL.loc[SMALL["institution"] == pair.group1, "score"].to_numpy()
        y = SMALL.loc[SMALL["institution"] == pair.group2, "score"].to_numpy()
        assert pair.p_method == "exact"
        assert pair.p == pytest.approx(_exact_kruskal_p([x, y]), rel=1e-12)
    np.testing.assert_allclose(pairs["p_holm"], compare._holm_adjust(pairs["p"]))


def test_monte_carlo_p_is_within_its_error_of_the_exact_p(monkeypatch):
    exact = compare_groups(SMALL).overall.iloc[0]
    monkeypatch.setattr(compare, "EXACT_LIMIT", 0)
    for seed in (1, 2, 3):
        row = compare_groups(SMALL, seed=seed).overall.iloc[0]
        assert row["p_method"] == "permutation"
        assert row["p_mc_se"] == pytest.approx(
            math.sqrt(row["p"] * (1 - row["p"]) / compare.N_PERMUTATIONS))
        assert abs(row["p"] - exact["p"]) < 4 * row["p_mc_se"]


def test_monte_carlo_drawing_only_the_small_groups_agrees_with_exact(monkeypatch):
    exact = compare_groups(SMALL).overall.iloc[0]
    monkeypatch.setattr(compare, "EXACT_LIMIT", 0)
    monkeypatch.setattr(compare, "_SHUFFLE_ALL_N", 0)  # the path of large tables
    row = compare_groups(SMALL).overall.iloc[0]
    assert abs(row["p"] - exact["p"]) < 4 * row["p_mc_se"]


def test_a_small_school_among_thousands_of_respondents():
    # 3 scores against 6000: too many splits to enumerate, so Monte Carlo; the exact p
    # follows from the multivariate hypergeometric law of the three scores' values
    rng = np.random.default_rng(11)
    big = rng.integers(1, 6, 6000).astype(float)
    small = np.array([1.0, 1.0, 2.0])
    scores = pd.DataFrame({"institution": ["A"] * 3 + ["B"] * 6000, "theme": "t",
                           "score": np.r_[small, big]})
    row = compare_groups(scores).overall.iloc[0]
    assert row["p_method"] == "permutation"
    values, counts = np.unique(np.r_[small, big], return_counts=True)
    midranks = np.cumsum(counts) - (counts - 1) / 2
    expected_sum, observed = 3 * (len(scores) + 1) / 2, midranks[[0, 0, 1]].sum()
    p = 0.0
    for picks in itertools.product(range(4), repeat=len(values)):
        if sum(picks) == 3:
            ways = math.prod(math.comb(int(c), k) for c, k in zip(counts, picks, strict=True))
            total = float(np.dot(picks, midranks))
            if abs(total - expected_sum) >= abs(observed - expected_sum) - 1e-9:
                p += ways / math.comb(len(scores), 3)
    assert abs(row["p"] - p) < 4 * row["p_mc_se"] + 1e-4


def test_midranks_are_scipys():
    x = np.array([3.0, 1.0, 3.0, 2.0, 3.0, 1.0, 5.5])
    np.testing.assert_array_equal(compare._midranks(x), stats.rankdata(x))


def test_pairwise_can_be_left_out():
    full = compare_groups(SMALL)
    lean = compare_groups(SMALL, pairwise=False)
    assert lean.pairwise.empty and list(lean.pairwise.columns) == list(full.pairwise.columns)
    pd.testing.assert_frame_equal(lean.overall, full.overall)


def test_monte_carlo_p_is_never_zero(monkeypatch):
    monkeypatch.setattr(compare, "EXACT_LIMIT", 0)
    scores = pd.DataFrame({"institution": ["A"] * 4 + ["B"] * 15, "theme": "t",
                           "score": np.arange(19, dtype=float)})
    row = compare_groups(scores, n_permutations=199).overall.iloc[0]
    # the observed split is the most extreme one: only it (and its mirror) reach it
    assert row["p"] >= 1 / 200 and row["p"] < 0.05


def test_permutation_p_is_seeded_and_per_theme():
    scores = _themes(3, {"A": 5, "B": 5, "C": 4})
    one = compare_groups(scores).overall
    again = compare_groups(scores).overall
    pd.testing.assert_frame_equal(one, again)
    assert set(one["p_method"]) == {"permutation"}
    other = compare_groups(scores, seed=2).overall
    assert not np.array_equal(one["p"], other["p"])
    alone = compare_groups(scores[scores["theme"] == "t01"]).overall
    assert alone.loc[0, "p"] == one.set_index("theme").loc["t01", "p"]


def test_weighted_gives_kish_n_and_the_same_tests():
    scores = _scores({"A": 5, "B": 5, "C": 4}).assign(n_teachers=[1, 2, 3, 1, 1] * 2 + [4] * 4)
    plain = compare_groups(scores).overall
    weighted = compare_groups(scores, weighted=True).overall
    w = scores["n_teachers"].to_numpy(dtype=float)
    assert weighted.loc[0, "n_eff"] == pytest.approx(w.sum() ** 2 / (w**2).sum(), rel=1e-12)
    assert math.isnan(plain.loc[0, "n_eff"])
    pd.testing.assert_frame_equal(weighted.drop(columns="n_eff"), plain.drop(columns="n_eff"))


def test_weighted_leaves_missing_scores_out_of_kish_n():
    scores = _scores({"A": 4, "B": 4}).assign(n_teachers=[2, 2, 2, 2, 1, 1, 1, 9])
    scores.loc[7, "score"] = np.nan
    assert compare_groups(scores, weighted=True).overall.loc[0, "n_eff"] == pytest.approx(
        (8 + 3) ** 2 / (16 + 3))


def test_weighted_needs_usable_teacher_counts():
    with pytest.raises(ComparisonError, match=r"lacks column\(s\): n_teachers"):
        compare_groups(TWO, weighted=True)
    bad = TWO.assign(n_teachers=[1.0] * 9 + [np.nan])
    with pytest.raises(ComparisonError, match="n_teachers must be a count") as info:
        compare_groups(bad, weighted=True)
    assert info.value.column == "n_teachers"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"adjust": "bonferroni"}, "adjust must be one of holm, BH"),
    ({"n_permutations": 0}, "n_permutations must be at least 1"),
    ({"n_permutations": 99.5}, "n_permutations must be an integer"),
])
def test_invalid_options_raise(kwargs, message):
    with pytest.raises(ComparisonError, match=message):
        compare_groups(TWO, **kwargs)


def test_empty_input_has_the_new_columns():
    result = compare_groups(TWO.iloc[:0], weighted=False)
    assert {"p_method", "p_mc_se", "p_asymptotic", "p_adjusted", "n_eff"} <= set(
        result.overall.columns)
    assert result.overall.empty


def test_all_equal_and_one_group_have_no_adjusted_p():
    scores = pd.concat([_scores({"A": 6, "B": 6}, theme="flat").assign(score=3.0),
                        _scores({"A": 6}, theme="alone"), TWO.assign(wave=1)])
    overall = compare_groups(scores).overall.set_index("theme")
    assert overall.loc["flat", "status"] == "all scores equal"
    assert overall.loc["alone", "status"] == "one group"
    assert overall.loc[["flat", "alone"], "p_adjusted"].isna().all()
    assert overall.loc["vision", "p_adjusted"] == overall.loc["vision", "p"]  # family of one


# --- compare_waves boundaries ------------------------------------------------------------------


def test_one_wave_gives_empty_table_with_columns():
    result = compare_waves(_scores({"A": 10, "B": 10}))
    assert result.empty
    assert list(result.columns) == [
        "institution", "theme", "wave1", "wave2", *PAIR_COLUMNS
    ]  # fmt: skip


def test_waves_are_consecutive_per_institution_and_small_ones_flagged():
    a = _scores({"A": 12}).assign(wave=[1] * 6 + [3] * 6)
    b = _scores({"B": 9}, seed=2).assign(wave=[1] * 5 + [2] * 2 + [3] * 2)
    b["score"] = [1.0, 2, 3, 4, 5, 1, 2, 3, 4]
    result = compare_waves(pd.concat([a, b]))
    assert result[["institution", "wave1", "wave2"]].to_numpy().tolist() == [
        ["A", 1, 3],
        ["B", 1, 2],
        ["B", 2, 3],
    ]
    assert result["status"].tolist() == ["ok", "n too small", "n too small"]
    assert result.loc[1, "note"] == "2 has 2 scores (fewer than 3)"
    assert result.loc[1:, ["u", "p", "p_holm"]].isna().all().all()
    # A's family has one tested pair, B's none: Holm changes nothing
    assert result.loc[0, "p_holm"] == pytest.approx(result.loc[0, "p"], rel=1e-12)
    assert result.loc[0, "p_method"] == "exact"  # 6 + 6 scores: C(12, 6) splits
    strict = compare_waves(pd.concat([a, b]), min_total=13)
    assert strict.loc[0, ["status", "note"]].tolist() == ["n too small", "n = 12 (fewer than 13)"]


def test_waves_hand_computed():
    scores = TWO.assign(institution="X", wave=[1] * 5 + [2] * 5)
    row = compare_waves(scores).iloc[0]
    assert (row["wave1"], row["wave2"], row["n1"], row["n2"]) == (1, 2, 5, 5)
    assert row["u"] == 1.0
    assert row["rank_biserial"] == pytest.approx(-0.92, abs=1e-12)
    assert row["p_asymptotic"] == pytest.approx(math.erfc(TWO_Z / math.sqrt(2)), rel=1e-12)
    assert row["p"] == pytest.approx(_two_exact_p(), rel=1e-12)


# --- model_differences boundaries ---------------------------------------------------------------


def test_model_on_demo_sized_data_gives_a_message_not_a_p_value():
    scores = _scores({"Instelling A": 5, "Instelling B": 5, "Instelling C": 4})
    with pytest.raises(TooFewScoresError) as info:
        model_differences(scores, "t")
    message = str(info.value)
    assert "needs at least 25 scores and at least 5 per level" in message
    assert "has 4 scores for institution Instelling C" in message
    assert isinstance(info.value, ComparisonError)


def test_model_total_threshold():
    with pytest.raises(TooFewScoresError, match=r"has 20 \(fewer than 25\)"):
        model_differences(_scores({"A": 10, "B": 10}), "t")
    assert model_differences(_scores({"A": 10, "B": 10}), "t", min_total=20).n == 20


def test_model_wave_levels_need_min_n():
    scores = _scores({"A": 15, "B": 15}).assign(wave=[1] * 12 + [2] * 3 + [1] * 15)
    with pytest.raises(TooFewScoresError, match="3 scores for wave 2"):
        model_differences(scores, "t")
    assert model_differences(scores, "t", wave=None).formula == "score ~ institution"


@pytest.mark.parametrize(
    ("scores", "theme", "message"),
    [
        (_scores({"A": 30}), "t", "from one institution only"),
        (_scores({"A": 15, "B": 15}), "other", "no scores for theme 'other'"),
        (_scores({"A": 15, "B": 15}).assign(score=2.0), "t", "all scores of theme 't' are equal"),
    ],
)
def test_model_invalid_data(scores, theme, message):
    with pytest.raises(ComparisonError, match=message) as info:
        model_differences(scores, theme)
    assert not isinstance(info.value, TooFewScoresError)


def test_model_institution_without_scores_is_too_small():
    scores = pd.concat(
        [
            _scores({"A": 15, "B": 15}),
            pd.DataFrame({"institution": ["C"] * 6, "wave": 1, "theme": "t", "score": np.nan}),
        ]
    )
    with pytest.raises(TooFewScoresError, match="has 0 scores for institution C"):
        model_differences(scores, "t")


def test_model_confounded_institution_and_wave():
    scores = _scores({"A": 15, "B": 15}).assign(wave=[1] * 15 + [2] * 15)
    with pytest.raises(ComparisonError, match="institution and wave are confounded"):
        model_differences(scores, "t")


def test_model_levels_follow_category_order():
    scores = _scores({"A": 15, "B": 15})
    scores["institution"] = pd.Categorical(scores["institution"], ["B", "A"])
    result = model_differences(scores, "t")
    assert result.baseline == {"institution": "B"}
    assert result.coefficients["term"].tolist() == ["Intercept", "institution[T.A]"]


def test_model_needs_min_n_of_two():
    with pytest.raises(ComparisonError, match="min_n must be at least 2"):
        model_differences(_scores({"A": 15, "B": 15}), "t", min_n=1)


# --- invalid input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "kwargs", "message", "column"),
    [
        (TWO.assign(score=list("abcdeabcde")), {}, "not numeric (dtype", "score"),
        (TWO.assign(score=[True, False] * 5), {}, "not numeric (dtype bool)", "score"),
        (TWO.assign(score=[np.inf] + [1.0] * 9), {}, "infinite", "score"),
        (TWO.drop(columns="theme"), {}, "lacks column(s): theme", None),
        (TWO, {"group": "school"}, "lacks column(s): school", None),
        (TWO, {"min_n": 0}, "min_n must be at least 1, got 0", None),
        (TWO, {"min_total": 2.5}, "min_total must be an integer", None),
        (TWO.to_numpy(), {}, "must be a DataFrame, not ndarray", None),
    ],
)
def test_invalid_input_raises(scores, kwargs, message, column):
    with pytest.raises(ComparisonError) as info:
        compare_groups(scores, **kwargs)
    assert message in str(info.value)
    assert info.value.column == column
    assert isinstance(info.value, ReadinessError)


def test_compare_waves_checks_its_columns():
    with pytest.raises(ComparisonError, match=r"lacks column\(s\): wave"):
        compare_waves(TWO)


def test_input_is_not_modified():
    scores = _table("airquality")
    before = scores.copy()
    compare_groups(scores)
    compare_waves(scores)
    model_differences(scores, "ozone")
    pd.testing.assert_frame_equal(scores, before)


def test_docstring_examples_run():
    result = doctest.testmod(compare, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 8
    assert result.failed == 0


def test_kruskal_equals_scipy_with_many_groups_ties_and_unequal_sizes():
    # compare._kruskal writes scipy's H out (for speed with hundreds of institutions)
    rng = np.random.default_rng(19)
    samples = [rng.integers(1, 6, size=rng.integers(1, 30)) / 2 for _ in range(200)]
    row = compare._kruskal(samples)
    expected = stats.kruskal(*samples)
    assert row["h"] == pytest.approx(float(expected.statistic), rel=1e-12)
    assert row["p"] == pytest.approx(float(expected.pvalue), rel=1e-10)
    assert row["df"] == 199


def test_samples_keep_the_category_order_and_the_order_of_rows():
    rows = pd.DataFrame({"g": pd.Categorical(["b", "a", "b", "c", "a"],
                                             categories=["c", "b", "a", "unused"]),
                         "v": [1.0, 2.0, np.nan, 4.0, 0.5]})
    samples = compare._samples(rows, "g", "v")
    assert list(samples) == ["c", "b", "a"]  # observed categories, in category order
    assert [x.tolist() for x in samples.values()] == [[4.0], [1.0], [2.0, 0.5]]
