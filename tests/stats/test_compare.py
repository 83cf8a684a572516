"""Tests of readiness_analysis.stats.compare against R and hand-computed values.

The R reference values come from scripts/compare_reference.R (R is not needed here).
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.stats import compare
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
    result = compare_waves(_table("warpbreaks"))
    expected = pd.DataFrame(REFERENCE["waves"])
    keys = ["institution", "theme", "wave1", "wave2", "n1", "n2"]
    assert result[keys].to_numpy().tolist() == expected[keys].to_numpy().tolist()
    assert (result["status"] == "ok").all()
    np.testing.assert_allclose(result["u"], expected["u"], atol=ABS, rtol=0)
    np.testing.assert_allclose(result["rank_biserial"], expected["rank_biserial"], atol=ABS)
    np.testing.assert_allclose(result["p"], expected["p"], rtol=REL)
    np.testing.assert_allclose(result["p_holm"], expected["p_holm"], rtol=REL)


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


def test_hand_computed_two_groups():
    row = compare_groups(TWO).overall.iloc[0]
    assert row["h"] == pytest.approx(TWO_H, abs=1e-12)
    assert row["p"] == pytest.approx(math.erfc(math.sqrt(TWO_H / 2)), rel=1e-12)  # chi2, df 1
    assert row["epsilon2"] == pytest.approx(TWO_H / 9, abs=1e-12)
    assert row["eta2_h"] == pytest.approx((TWO_H - 1) / 8, abs=1e-12)
    assert row["u"] == 1.0
    assert row["rank_biserial"] == pytest.approx(-0.92, abs=1e-12)
    assert row["p_u"] == pytest.approx(math.erfc(TWO_Z / math.sqrt(2)), rel=1e-12)


def test_swapping_the_groups_flips_the_rank_biserial():
    swapped = TWO.assign(institution=TWO["institution"].map({"A": "B", "B": "A"}))
    row = compare_groups(swapped).overall.iloc[0]
    assert row["u"] == 24.0
    assert row["rank_biserial"] == pytest.approx(0.92, abs=1e-12)
    assert row["h"] == pytest.approx(TWO_H, abs=1e-12)


def test_one_respondent_per_group_when_thresholds_allow_it():
    # ranks 1, 2, 3: H = 12/12 * (1 + 4 + 9) - 12 = 2, p = exp(-1); eta2_H is 0/0
    scores = pd.DataFrame({"institution": list("ABC"), "theme": "t", "score": [1.0, 2, 3]})
    row = compare_groups(scores, min_n=1, min_total=1).overall.iloc[0]
    assert row["status"] == "ok"
    assert row["h"] == pytest.approx(2.0, abs=1e-12)
    assert row["p"] == pytest.approx(math.exp(-1), rel=1e-12)
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


def test_demo_sized_data_say_n_too_small():
    # the demo study: 5, 5 and 4 interviews
    result = compare_groups(_scores({"Instelling A": 5, "Instelling B": 5, "Instelling C": 4}))
    row = result.overall.iloc[0]
    assert row["status"] == "n too small"
    assert row["note"] == "Instelling C has 4 scores (fewer than 5)"
    assert row[["h", "df", "p", "epsilon2", "eta2_h"]].isna().all()
    assert (row["n"], row["n_groups"], row["min_group_n"]) == (14, 3, 4)
    assert len(result.pairwise) == 3
    assert (result.pairwise["status"] == "n too small").all()
    assert result.pairwise[["u", "p", "p_holm", "rank_biserial"]].isna().all().all()


def test_threshold_is_inclusive():
    row = compare_groups(_scores({"A": 5, "B": 5, "C": 5})).overall.iloc[0]
    assert row["status"] == "ok"
    assert not math.isnan(row["p"])


def test_one_respondent_per_group_is_too_small_by_default():
    row = compare_groups(_scores({"A": 1, "B": 1, "C": 1})).overall.iloc[0]
    assert row["status"] == "n too small"
    assert row["note"] == "A has 1 score (fewer than 5)"


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
    assert row["note"] == "C has 0 scores (fewer than 5)"


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
    scores = pd.concat([TWO.assign(theme="zeta"), _scores({"A": 2, "B": 2}, theme="alpha")])
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
    result = compare_waves(pd.concat([a, b]))
    assert result[["institution", "wave1", "wave2"]].to_numpy().tolist() == [
        ["A", 1, 3],
        ["B", 1, 2],
        ["B", 2, 3],
    ]
    assert result["status"].tolist() == ["ok", "n too small", "n too small"]
    assert result.loc[1, "note"] == "2 has 2 scores (fewer than 5)"
    assert result.loc[1:, ["u", "p", "p_holm"]].isna().all().all()
    # A's family has one tested pair, B's none: Holm changes nothing
    assert result.loc[0, "p_holm"] == pytest.approx(result.loc[0, "p"], rel=1e-12)
    strict = compare_waves(pd.concat([a, b]), min_total=13)
    assert strict.loc[0, ["status", "note"]].tolist() == ["n too small", "n = 12 (fewer than 13)"]


def test_waves_hand_computed():
    scores = TWO.assign(institution="X", wave=[1] * 5 + [2] * 5)
    row = compare_waves(scores).iloc[0]
    assert (row["wave1"], row["wave2"], row["n1"], row["n2"]) == (1, 2, 5, 5)
    assert row["u"] == 1.0
    assert row["rank_biserial"] == pytest.approx(-0.92, abs=1e-12)
    assert row["p"] == pytest.approx(math.erfc(TWO_Z / math.sqrt(2)), rel=1e-12)


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
