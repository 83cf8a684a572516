"""Tests of readiness_analysis.stats.reliability against R psych and hand-computed values.

The psych reference values come from scripts/psych_reference.R (R is not needed here).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.stats import reliability as reliability_module
from readiness_analysis.stats.reliability import (
    METHODS,
    OMEGA_PROBLEMS,
    ReliabilityError,
    ReliabilityResult,
    ReliabilityWarning,
    feldt_interval,
    reliability,
)

from ..references import dataset, reference

REFERENCE = reference("psych")
CASES = {case["name"]: case for case in REFERENCE["cases"]}
TOL = 1e-4
OMEGA_TOL = 5e-3
SCALARS = ("alpha", "std_alpha", "g6", "average_r")


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return dataset("psych", "bfi_items")


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _run(data: pd.DataFrame, **kwargs) -> ReliabilityResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReliabilityWarning)
        return reliability(data, **kwargs)


def _run_case(bfi: pd.DataFrame, case: dict) -> ReliabilityResult:
    return _run(bfi[case["items"]], reverse=_as_list(case["reverse"]), method=case["method"])


# --- agreement with R psych ---------------------------------------------------------------


def test_reference_was_made_with_psych():
    assert REFERENCE["psych_version"]
    assert REFERENCE["r_version"].startswith("R version")
    assert {"agreeableness_pairwise", "conscientiousness_listwise"} <= set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_scale_statistics_match_psych_alpha(bfi, name):
    case = CASES[name]
    result = _run_case(bfi, case)
    for attribute in SCALARS:
        assert getattr(result, attribute) == pytest.approx(case[attribute], abs=TOL), attribute
    assert result.n == case["n"]
    assert result.method == case["method"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_item_statistics_match_psych_alpha(bfi, name):
    case = CASES[name]
    expected = pd.DataFrame(case["item_table"]).set_index("item")
    table = _run_case(bfi, case).items
    assert list(table.index) == case["items"]
    assert table["n"].tolist() == expected["n"].tolist()
    for column in ("r_drop", "mean", "sd"):
        np.testing.assert_allclose(table[column], expected[column], atol=TOL, err_msg=column)
    if len(case["items"]) > 2:
        np.testing.assert_allclose(
            table["alpha_if_dropped"], expected["alpha_if_dropped"], atol=TOL
        )


@pytest.mark.parametrize("name", [n for n in sorted(CASES) if len(CASES[n]["items"]) > 2])
def test_omega_total_matches_psych_omega(bfi, name):
    case = CASES[name]
    assert _run_case(bfi, case).omega_total == pytest.approx(case["omega_total"], abs=OMEGA_TOL)


def test_listwise_and_pairwise_differ_on_incomplete_data(bfi):
    # guards against `method` being ignored: the bfi items have missing answers
    pairwise = _run_case(bfi, CASES["conscientiousness_pairwise"])
    listwise = _run_case(bfi, CASES["conscientiousness_listwise"])
    assert listwise.n == bfi[CASES["conscientiousness_listwise"]["items"]].dropna().shape[0]
    assert listwise.n < pairwise.n
    assert abs(listwise.alpha - pairwise.alpha) > 1e-4


def test_reverse_keying_uses_range_of_all_items(bfi):
    # education is scored 1-5, the A items 1-6: psych reverses as (1 + 6) - x
    case = CASES["mixed_range_pairwise"]
    table = _run_case(bfi, case).items
    assert table.loc["education", "mean"] == pytest.approx(7 - bfi["education"].mean())


def test_two_items_give_nan_alpha_if_dropped_and_omega(bfi):
    case = CASES["two_items_pairwise"]
    with pytest.warns(ReliabilityWarning, match="omega total needs at least 3 items"):
        result = reliability(bfi[case["items"]], reverse=case["reverse"])
    assert math.isnan(result.omega_total)
    assert result.items["alpha_if_dropped"].isna().all()
    # psych's "alpha if dropped" for two items is C12 / C22, which is not an alpha
    assert not math.isnan(case["item_table"]["alpha_if_dropped"][0])


# --- hand-computed cases ----------------------------------------------------------------

# var(x1) = 5/3, var(x2) = 2, var(x3) = 5/3, total = [4, 7, 8, 13] has variance 14, so
# alpha = 3/2 * (1 - (16/3) / 14) = 13/14; without x2, total = [2, 5, 5, 8] has variance 6
# and alpha = 2 * (1 - (10/3) / 6) = 8/9; x1 against x2 + x3 = [3, 5, 5, 9]:
# cross products 9, sums of squares 5 and 19, r = 9 / sqrt(95).
HAND = pd.DataFrame({"x1": [1, 2, 3, 4], "x2": [2, 2, 3, 5], "x3": [1, 3, 2, 4]})


def test_hand_computed_alpha_three_items():
    result = reliability(HAND)
    assert result.alpha == pytest.approx(13 / 14, abs=1e-12)
    assert result.items.loc["x2", "alpha_if_dropped"] == pytest.approx(8 / 9, abs=1e-12)
    assert result.items.loc["x1", "r_drop"] == pytest.approx(9 / math.sqrt(95), abs=1e-12)
    assert result.n == 4


def test_alpha_equals_total_score_formula():
    # alpha = k/(k-1) * (1 - sum of item variances / variance of the total score)
    k = HAND.shape[1]
    expected = k / (k - 1) * (1 - HAND.var().sum() / HAND.sum(axis=1).var())
    assert reliability(HAND).alpha == pytest.approx(expected, abs=1e-12)


def test_std_alpha_is_spearman_brown_of_average_r():
    cor = np.corrcoef(HAND.to_numpy(), rowvar=False)
    k = cor.shape[0]
    average_r = (cor.sum() - k) / (k * (k - 1))
    result = reliability(HAND)
    assert result.average_r == pytest.approx(average_r, abs=1e-12)
    assert result.std_alpha == pytest.approx(k * average_r / (1 + (k - 1) * average_r))


def test_g6_hand_computed_from_squared_multiple_correlations():
    cor = np.corrcoef(HAND.to_numpy(), rowvar=False)
    smc = 1 - 1 / np.diag(np.linalg.inv(cor))
    expected = 1 - (3 - smc.sum()) / cor.sum()
    assert reliability(HAND).g6 == pytest.approx(expected, abs=1e-12)


# a and b answered together by rows 0-2: cov = 1; var(a) over 4 answers = 5/3, var(b) over
# 4 answers = 10/3. Pairwise alpha = 2 * (1 - 5 / 7) = 4/7. Listwise (rows 0-2): var(a) = 1,
# var(b) = 7/3, alpha = 2 * (1 - (10/3) / (16/3)) = 3/4.
MISSING = pd.DataFrame({"a": [1, 2, 3, 4, np.nan], "b": [2, 1, 4, np.nan, 5]})


def test_hand_computed_pairwise_alpha_two_items():
    result = _run(MISSING)
    assert result.alpha == pytest.approx(4 / 7, abs=1e-12)
    assert result.n == 5
    assert result.items["n"].tolist() == [4, 4]
    assert result.items.loc["a", "r_drop"] == pytest.approx(1 / math.sqrt(5 / 3 * 10 / 3))


def test_hand_computed_listwise_alpha_two_items():
    result = _run(MISSING, method="listwise")
    assert result.alpha == pytest.approx(3 / 4, abs=1e-12)
    assert result.n == 3


def test_rows_without_answers_are_not_counted():
    empty_row = pd.DataFrame({"a": [np.nan], "b": [np.nan]}, index=[99])
    result = _run(pd.concat([MISSING, empty_row]))
    assert result.n == 5
    assert result.alpha == pytest.approx(4 / 7, abs=1e-12)


def test_reverse_keying_hand_computed_mean_and_sign():
    data = pd.DataFrame({"a": [1, 2, 5], "b": [2, 3, 3]})
    result = _run(data, reverse=["b"])
    # range of all items is 1-5, so b becomes 6 - b = [4, 3, 3]
    assert result.items.loc["b", "mean"] == pytest.approx(10 / 3)
    # reversing flips the sign of the covariance: same as analysing -b
    negated = _run(data.assign(b=-data["b"]))
    assert result.alpha == pytest.approx(negated.alpha, abs=1e-12)
    assert result.reverse == ("b",)


def test_reverse_accepts_a_single_name_and_repeats():
    data = HAND.assign(x3=5 - HAND["x3"])
    once = reliability(data, reverse="x3")
    twice = reliability(data, reverse=["x3", "x3"])
    assert once.alpha == pytest.approx(twice.alpha, abs=1e-12)
    assert once.alpha == pytest.approx(13 / 14, abs=1e-12)


def test_negative_item_warns_and_lowers_alpha(bfi):
    items = bfi[CASES["agreeableness_pairwise"]["items"]]
    with pytest.warns(ReliabilityWarning, match="A1"):
        unkeyed = reliability(items)
    keyed = reliability(items, reverse=["A1"])
    assert unkeyed.items.loc["A1", "r_drop"] < 0
    assert unkeyed.alpha < keyed.alpha - 0.1


# --- invariances --------------------------------------------------------------------------


def test_column_order_does_not_matter(bfi):
    case = CASES["conscientiousness_pairwise"]
    original = _run_case(bfi, case)
    shuffled = _run(bfi[case["items"][::-1]], reverse=_as_list(case["reverse"]))
    for attribute in (*SCALARS, "omega_total", "n"):
        assert getattr(shuffled, attribute) == pytest.approx(getattr(original, attribute))
    pd.testing.assert_frame_equal(shuffled.items.loc[original.items.index], original.items)


def test_reversing_twice_restores_the_original(bfi):
    items = bfi[CASES["agreeableness_pairwise"]["items"]]
    keyed_by_hand = items.assign(A1=7 - items["A1"])  # bfi items are scored 1-6
    plain = _run(keyed_by_hand)
    twice = _run(keyed_by_hand, reverse=["A1"])
    original = _run(items)
    for attribute in (*SCALARS, "omega_total"):
        assert getattr(twice, attribute) == pytest.approx(getattr(original, attribute))
    pd.testing.assert_frame_equal(twice.items, original.items)
    assert plain.alpha == pytest.approx(CASES["agreeableness_pairwise"]["alpha"], abs=TOL)


def test_omega_does_not_depend_on_reverse(bfi):
    items = bfi[CASES["agreeableness_pairwise"]["items"]]
    assert _run(items).omega_total == pytest.approx(_run(items, reverse=["A1"]).omega_total)


def test_input_is_not_modified(bfi):
    items = bfi[CASES["agreeableness_pairwise"]["items"]].copy()
    before = items.copy()
    _run(items, reverse=["A1"], method="listwise")
    pd.testing.assert_frame_equal(items, before)


def test_nullable_integers_equal_floats():
    as_int = MISSING.astype("Int64")
    assert _run(as_int).alpha == pytest.approx(_run(MISSING).alpha, abs=1e-12)


# --- result object ------------------------------------------------------------------------


def test_result_is_frozen_and_readable():
    result = reliability(HAND)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.alpha = 1.0  # type: ignore[misc]
    text = str(result)
    assert "alpha = 0.929" in text
    assert "n = 4" in text
    assert "alpha_if_dropped" in text
    assert list(result.items.columns) == ["n", "r_drop", "alpha_if_dropped", "mean", "sd"]


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kwargs", "message", "column"),
    [
        (HAND[["x1"]], {}, "at least 2 items, got 1", None),
        (HAND.iloc[:, :0], {}, "at least 2 items, got 0", None),
        (HAND.assign(x2=3), {}, "zero variance (all 4 answers equal to 3)", "x2"),
        (HAND.assign(x3=np.nan), {}, "no answers", "x3"),
        (HAND.assign(x3=[np.nan] * 3 + [2.0]), {}, "zero variance (one answer equal", "x3"),
        (HAND.iloc[:1], {}, "at least 2 respondents, got 1", None),
        (MISSING.iloc[[0, 3, 4]], {"method": "listwise"}, "got 1 complete rows", None),
        (HAND.assign(x2=["a", "b", "c", "d"]), {}, "not numeric", "x2"),
        (HAND.assign(x2=[True, False, True, False]), {}, "not numeric", "x2"),
        (HAND, {"reverse": ["x2", "nope"]}, "unknown items: nope", None),
        (HAND, {"method": "complete"}, "unknown method 'complete'", None),
        (HAND.assign(x1=[1, 2, np.inf, 4]), {}, "infinite", None),
        (pd.DataFrame([[1, 2], [2, 1], [3, 3]], columns=["a", "a"]), {}, "duplicate", None),
    ],
)
def test_invalid_input_raises(data, kwargs, message, column):
    with pytest.raises(ReliabilityError) as info:
        reliability(data, **kwargs)
    assert message in str(info.value)
    assert info.value.column == column
    assert isinstance(info.value, ReadinessError)


def test_items_never_answered_together_raise():
    data = pd.DataFrame(
        {"a": [1, 2, 3, np.nan, np.nan], "b": [np.nan, np.nan, 1, 2, 3], "c": [1, 2, 3, 2, 1]}
    )
    with pytest.raises(ReliabilityError, match="items a and b were answered together"):
        reliability(data)


def test_non_dataframe_raises():
    with pytest.raises(ReliabilityError, match="must be a DataFrame, not ndarray"):
        reliability(HAND.to_numpy())  # type: ignore[arg-type]


# --- degenerate inputs: NaN with a reason or an error, never inf or a numpy warning --------

OPPOSITE = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [5, 4, 3, 2, 1]})
# c = -(a + b): the three items sum to zero for every respondent
CANCEL = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 1, 4, 3], "c": [-3, -3, -7, -7]})


def _strict(data: pd.DataFrame, **kwargs) -> tuple[ReliabilityResult, list[str]]:
    """Run with every warning an error except the package's own; return their messages."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("error")
        warnings.simplefilter("always", ReliabilityWarning)
        result = reliability(data, **kwargs)
    assert all(issubclass(w.category, ReliabilityWarning) for w in caught)
    return result, [str(w.message) for w in caught]


def _finite_or_nan(result: ReliabilityResult) -> bool:
    values = [result.alpha, result.std_alpha, result.g6, result.average_r, result.omega_total,
              *result.items[["r_drop", "alpha_if_dropped"]].to_numpy().ravel()]
    return not any(math.isinf(v) for v in values)


def test_opposite_items_give_nan_alpha_with_a_reason():
    result, messages = _strict(OPPOSITE)
    assert math.isnan(result.alpha) and math.isnan(result.std_alpha) and math.isnan(result.g6)
    assert result.average_r == pytest.approx(-1.0)
    assert result.items["r_drop"].tolist() == pytest.approx([-1.0, -1.0])
    assert any("total score has zero variance" in m for m in messages)
    assert any("total score has zero variance" in note for note in result.notes)
    assert "Note: the total score has zero variance" in str(result)
    assert _finite_or_nan(result)


def test_items_summing_to_a_constant_give_nan_alpha():
    result, _ = _strict(CANCEL)
    assert math.isnan(result.alpha)
    assert "alpha is NaN" in result.notes[0]
    assert _finite_or_nan(result)


def test_rest_without_variance_gives_nan_r_drop_for_that_item():
    # a + b is constant, so without c there is nothing to correlate c with
    data = OPPOSITE.assign(c=[1, 3, 2, 5, 4])
    result, _ = _strict(data)
    assert math.isnan(result.items.loc["c", "r_drop"])
    assert math.isnan(result.items.loc["c", "alpha_if_dropped"])
    assert not result.items.loc[["a", "b"], "r_drop"].isna().any()
    assert any("without item(s) c" in note for note in result.notes)
    assert _finite_or_nan(result)


def test_two_respondents_give_numbers_or_nan_without_numpy_warnings():
    result, _ = _strict(pd.DataFrame({"a": [1, 2], "b": [1, 2], "c": [2, 1]}))
    assert result.n == 2
    assert result.items["r_drop"].isna().tolist() == [True, True, False]
    assert _finite_or_nan(result)


def test_undefined_pairwise_correlation_gives_nan_omega_not_a_linalg_error():
    # a and c share rows 0 and 3, where c is constant: their correlation is undefined
    data = pd.DataFrame({"a": [1, np.nan, 1, 3], "b": [2, 3, 3, 1], "c": [1, 3, np.nan, 1],
                         "d": [3, 1, 2, 2]})
    result, messages = _strict(data)
    assert math.isnan(result.omega_total)
    assert any("items a and c have no correlation" in m for m in messages)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pd.DataFrame({"a": [3, 3, 3], "b": [3, 3, 3]}), "zero variance"),
        (pd.DataFrame({"a": [1, 2, 3]}), "at least 2 items, got 1"),
        (pd.DataFrame({"a": [np.nan] * 3, "b": [np.nan] * 3}), "got 0 respondents"),
    ],
    ids=["all-constant", "one-item", "all-missing"],
)
def test_degenerate_inputs_raise_without_numpy_warnings(data, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ReliabilityError, match=message):
            reliability(data)


WELL_BEHAVED = pd.DataFrame({"v1": [1, 2, 3, 4, 5, 3], "v2": [2, 2, 3, 5, 4, 4],
                             "v3": [2, 1, 4, 4, 5, 3]})


def test_well_behaved_scale_has_no_notes():
    result = reliability(WELL_BEHAVED)
    assert result.notes == () and result.omega_problems == () and result.omega_proper


def test_small_random_scales_never_give_inf_or_numpy_warnings():
    rng = np.random.default_rng(7)
    for trial in range(120):
        values = rng.integers(1, 4, size=(rng.integers(2, 7), rng.integers(2, 5))).astype(float)
        values[rng.random(values.shape) < 0.2] = np.nan
        data = pd.DataFrame(values, columns=[f"i{j}" for j in range(values.shape[1])])
        try:
            result, _ = _strict(data, method=METHODS[trial % 2])
        except ReliabilityError:
            continue
        assert _finite_or_nan(result), data.to_dict("list")
        undefined = [result.alpha, result.std_alpha, result.g6, result.omega_total]
        assert not np.isnan(undefined).any() or result.notes


# --- limits: Feldt's interval, improper factor solutions, the minimum n --------------------

FELDT = reference("psych", "feldt_reference")


@pytest.mark.parametrize("case", FELDT["feldt"], ids=lambda case: case["name"])
def test_feldt_interval_matches_psych_alpha_ci(case):
    low, high = feldt_interval(case["alpha"], case["n"], case["k"])
    assert (low, high) == pytest.approx((case["low"], case["high"]), abs=1e-10)


@pytest.mark.parametrize("name", ["agreeableness_pairwise", "conscientiousness_listwise"])
def test_result_carries_the_feldt_interval_of_its_alpha(bfi, name):
    case = next(c for c in FELDT["feldt"] if c["name"] == name)
    result = _run(bfi[case["items"]], reverse=_as_list(case["reverse"]), method=case["method"])
    assert result.n == case["n"]
    assert result.alpha_ci == pytest.approx((case["low"], case["high"]), abs=1e-4)
    assert result.alpha_ci[0] < result.alpha < result.alpha_ci[1]


def test_feldt_interval_is_wide_for_few_respondents_and_nan_without_alpha():
    low, high = feldt_interval(0.7, 14, 3)
    assert high - low > 0.6  # the reason alpha is withheld below ALPHA_MIN_N
    narrow = feldt_interval(0.7, 1000, 3)
    assert narrow[1] - narrow[0] < 0.1
    assert all(math.isnan(v) for v in feldt_interval(float("nan"), 30, 3))
    assert all(math.isnan(v) for v in feldt_interval(0.7, 1, 3))


def test_improper_solution_is_flagged_as_psych_warns():
    data = pd.DataFrame(FELDT["improper"]["data"])
    assert FELDT["improper"]["heywood_warning"]  # psych::fa warned of a Heywood case
    with pytest.warns(ReliabilityWarning, match="improper one-factor solution"):
        result = reliability(data)
    assert "loading_at_least_1" in result.omega_problems and not result.omega_proper
    assert set(result.omega_problems) <= set(OMEGA_PROBLEMS)
    np.testing.assert_allclose(result.loadings.to_numpy(), FELDT["improper"]["loadings"],
                               atol=0.02)
    assert result.loadings.max() >= 1
    # omega is still computed (as psych does) but carries the flag
    assert result.omega_total == pytest.approx(FELDT["improper"]["omega_total"], abs=0.02)
    assert any("do not report it" in note for note in result.notes)


def test_heywood_case_at_the_uniqueness_bound_is_flagged():
    # four respondents: x1 is explained to its bound (uniqueness 0.005)
    result, messages = _strict(HAND)
    assert result.omega_problems == ("heywood",)
    assert result.loadings["x1"] < 1 and not result.omega_proper
    assert any("Heywood case" in m for m in messages)


def test_proper_solutions_of_bfi_scales_are_not_flagged(bfi):
    for case in REFERENCE["cases"]:
        result = _run_case(bfi, case)
        assert result.omega_problems == (), case["name"]


def test_two_items_have_no_loadings_and_no_problems():
    result = _run(HAND[["x1", "x2"]])
    assert result.loadings is None and result.omega_problems == ()
    assert not result.omega_proper  # NaN omega is not a proper one



@pytest.mark.parametrize(("status", "x", "jac", "converged"), [
    (0, [0.3, 0.4], [1e-9, -1e-9], True),
    (2, [0.3, 0.4], [1e-9, 1e-9], True),  # ABNORMAL line search at the optimum
    (2, [0.005, 0.4], [0.02, 1e-9], True),  # at the lower bound, gradient pointing out
    (2, [0.3, 0.4], [0.02, 1e-9], False),  # a free uniqueness with a gradient
    (1, [0.3, 0.4], [1e-9, 1e-9], False),  # iteration limit
])
def test_convergence_is_judged_on_the_projected_gradient(status, x, jac, converged):
    fit = SimpleNamespace(status=status, x=np.array(x), jac=np.array(jac))
    assert reliability_module._converged(fit, 0.005, 1.0) is converged
