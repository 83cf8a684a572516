"""Tests of readiness_analysis.stats.structure against R psych and known cases.

The psych reference values come from scripts/structure_reference.R (R is not needed here).
"""

from __future__ import annotations

import dataclasses
import doctest
import warnings

import numpy as np
import pandas as pd
import pytest

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.stats import structure
from readiness_analysis.stats.structure import (
    StructureError,
    StructureWarning,
    TooFewRespondentsError,
    explore_structure,
    parallel_analysis,
)

from ..references import dataset, reference

REFERENCE = reference("structure")
CASES = {case["name"]: case for case in REFERENCE["cases"]}
# psych and statsmodels maximise the same likelihood and GPA-rotate from the same start:
# they agree to about 2e-5 (ML) and 8e-4 (principal axes: psych stops iterating when the
# communalities change by less than 0.001). The asserted tolerances leave some room.
TOL = {"ml": 1e-4, "pa": 2e-3}


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return dataset("structure", "bfi25")


@pytest.fixture(scope="module")
def solutions(bfi) -> dict[str, structure.StructureResult]:
    # themes do not change the fit; they label the factors (test_bfi_factors_are_the_big_five)
    return {
        name: explore_structure(
            bfi[case["items"]],
            case["nfactors"],
            method=case["fm"],
            rotation=case["rotate"],
            themes={item: item[0] for item in case["items"]},
        )
        for name, case in CASES.items()
    }


def _two_factor_data(n: int = 400, seed: int = 7, loading: float = 0.8) -> pd.DataFrame:
    """Items a1-a4 measure factor 1, b1-b4 factor 2 (correlated 0.3), plus noise."""
    rng = np.random.default_rng(seed)
    factors = rng.multivariate_normal([0, 0], [[1, 0.3], [0.3, 1]], size=n)
    noise = rng.standard_normal((n, 8)) * np.sqrt(1 - loading**2)
    values = loading * np.repeat(factors, 4, axis=1) + noise
    return pd.DataFrame(
        values, columns=[f"a{i}" for i in range(1, 5)] + [f"b{i}" for i in range(1, 5)]
    )


THEMES = {f"{t}{i}": t.upper() for t in "ab" for i in range(1, 5)}


def _match_columns(actual: np.ndarray, expected: np.ndarray) -> tuple[list[int], np.ndarray]:
    """For each expected column, the actual column most aligned with it, and its sign."""
    order, signs = [], []
    for j in range(expected.shape[1]):
        products = [abs(actual[:, i] @ expected[:, j]) for i in range(actual.shape[1])]
        order.append(int(np.argmax(products)))
        signs.append(np.sign(actual[:, order[-1]] @ expected[:, j]))
    assert sorted(order) == list(range(expected.shape[1])), "factors do not pair up"
    return order, np.array(signs)


# --- agreement with R psych -----------------------------------------------------------------


def test_reference_was_made_with_psych():
    assert REFERENCE["psych_version"] == "2.2.9"
    assert REFERENCE["r_version"].startswith("R version")
    assert {"bfi25_ml_5", "agree_consc_ml_2", "bfi25_pa_5", "agree_consc_ml_2_none"} <= set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_loadings_match_psych_up_to_order_and_sign(solutions, name):
    case = CASES[name]
    result = solutions[name]
    expected = np.array(case["loadings"]).T
    order, signs = _match_columns(result.loadings.to_numpy(), expected)
    matched = result.loadings.to_numpy()[:, order] * signs
    np.testing.assert_allclose(matched, expected, atol=TOL[case["fm"]], rtol=0)
    assert list(result.loadings.index) == case["items"]
    assert result.n == case["n"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_factor_correlations_match_psych(solutions, name):
    case = CASES[name]
    result = solutions[name]
    order, signs = _match_columns(result.loadings.to_numpy(), np.array(case["loadings"]).T)
    phi = result.factor_correlations.to_numpy()[np.ix_(order, order)] * np.outer(signs, signs)
    np.testing.assert_allclose(phi, np.array(case["phi"]), atol=TOL[case["fm"]], rtol=0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_communalities_match_psych(solutions, name):
    case = CASES[name]
    items = solutions[name].items
    tol = TOL[case["fm"]]
    np.testing.assert_allclose(items["communality"], case["communality"], atol=tol, rtol=0)
    np.testing.assert_allclose(items["uniqueness"], case["uniquenesses"], atol=tol, rtol=0)


def _quartimin(loadings: np.ndarray) -> float:
    squared = loadings**2
    return float(((squared.sum(axis=1) ** 2 - (squared**2).sum(axis=1)) / 4).sum())


def test_oblimin_really_rotates(solutions):
    # guards against the rotation being skipped: it must lower the quartimin criterion a lot
    rotated = solutions["agree_consc_ml_2"].loadings.to_numpy()
    plain = solutions["agree_consc_ml_2_none"].loadings.to_numpy()
    assert _quartimin(rotated) < 0.5 * _quartimin(plain)
    for name in ("agree_consc_ml_2", "bfi25_ml_5"):
        expected = _quartimin(np.array(CASES[name]["loadings"]).T)
        assert _quartimin(solutions[name].loadings.to_numpy()) == pytest.approx(expected, rel=1e-3)
    phi = solutions["bfi25_ml_5"].factor_correlations.to_numpy()
    assert np.abs(phi - np.eye(5)).max() > 0.1
    assert solutions["agree_consc_ml_2_none"].factor_correlations.to_numpy().tolist() == [
        [1.0, 0.0],
        [0.0, 1.0],
    ]


@pytest.fixture(scope="module")
def bfi_parallel(bfi) -> structure.ParallelAnalysis:
    return parallel_analysis(bfi, n_iter=10, seed=REFERENCE["parallel"]["seed"])


def test_observed_eigenvalues_match_psych(bfi_parallel):
    result = bfi_parallel
    expected = REFERENCE["parallel"]["pc_values"]
    np.testing.assert_allclose(result.eigenvalues["observed"], expected, atol=1e-10)
    assert result.n == REFERENCE["parallel"]["n"]


def test_suggested_components_match_psych_on_bfi(bfi_parallel):
    # psych: ncomp = 5; the 5th and 6th eigenvalues are 1.55 and 1.07, random ones ~1.1
    result = bfi_parallel
    assert result.eigenvalues["retain"].tolist() == [True] * 5 + [False] * 20
    assert result.n_factors == REFERENCE["parallel"]["ncomp"] == 5


def test_bfi_factors_are_the_big_five(solutions):
    result = solutions["bfi25_ml_5"]
    assert sorted(result.factor_themes.values()) == ["A", "C", "E", "N", "O"]
    assert result.items["as_expected"].sum() >= 24
    assert result.items.loc["N1", "loads_on"] == "N"


def test_themes_do_not_change_the_solution(bfi):
    items = CASES["agree_consc_ml_2"]["items"]
    plain = explore_structure(bfi[items], 2)
    themed = explore_structure(bfi[items], 2, themes={item: item[0] for item in items})
    pd.testing.assert_frame_equal(plain.loadings, themed.loadings)
    assert plain.factor_themes == {}
    assert "theme" not in plain.items
    assert sorted(themed.factor_themes.values()) == ["A", "C"]


# --- parallel analysis: known cases --------------------------------------------------------


def test_two_clear_factors_suggest_two():
    result = parallel_analysis(_two_factor_data(), n_iter=50, seed=1)
    assert result.n_factors == 2
    assert result.eigenvalues["retain"].tolist() == [True, True] + [False] * 6


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pure_noise_suggests_at_most_one(seed):
    noise = pd.DataFrame(np.random.default_rng(100 + seed).standard_normal((300, 10)))
    assert parallel_analysis(noise, n_iter=50, seed=seed).n_factors <= 1


@pytest.mark.parametrize(("n", "p"), [(8, 5), (60, 12)])
def test_random_eigenvalues_have_the_distribution_of_simulated_data(n, p):
    """The Wishart draws give the eigenvalues of normal data sets' correlation matrices.

    Each eigenvalue's 5,000 draws are compared with 5,000 from data simulated as Horn
    describes, by a two-sample Kolmogorov-Smirnov test; at n = 8 the test tells apart
    a draw with one degree of freedom too many (p < 0.001 on every eigenvalue).
    """
    from scipy import stats

    rng = np.random.default_rng(n)
    simulated = np.array([np.linalg.eigvalsh(np.corrcoef(rng.standard_normal((n, p)),
                                                         rowvar=False))[::-1]
                          for _ in range(5_000)])
    drawn = structure._random_eigenvalues(n, p, 5_000, np.random.default_rng(n + 1))
    assert drawn.shape == (5_000, p) and (np.diff(drawn, axis=1) <= 1e-12).all()
    np.testing.assert_allclose(drawn.sum(axis=1), p)  # the trace of a correlation matrix
    pvalues = [stats.ks_2samp(drawn[:, j], simulated[:, j]).pvalue for j in range(p)]
    assert min(pvalues) > 0.001, pvalues


def test_parallel_analysis_is_reproducible_with_a_seed():
    data = _two_factor_data()
    first = parallel_analysis(data, n_iter=10, seed=5)
    again = parallel_analysis(data, n_iter=10, seed=5)
    other = parallel_analysis(data, n_iter=10, seed=6)
    pd.testing.assert_frame_equal(first.eigenvalues, again.eigenvalues)
    assert not np.allclose(first.eigenvalues["random_mean"], other.eigenvalues["random_mean"])
    pd.testing.assert_series_equal(first.eigenvalues["observed"], other.eigenvalues["observed"])


def test_parallel_analysis_table_structure():
    data = _two_factor_data()
    result = parallel_analysis(data, n_iter=30, seed=2, quantile=0.5)
    table = result.eigenvalues
    assert list(table.columns) == ["observed", "random_mean", "random_quantile", "retain"]
    assert table.index.tolist() == list(range(1, 9))
    assert table["observed"].sum() == pytest.approx(8.0)  # trace of a correlation matrix
    assert table["observed"].is_monotonic_decreasing
    # the median of 30 draws is close to their mean; the 95 % quantile is above both
    high = parallel_analysis(data, n_iter=30, seed=2).eigenvalues["random_quantile"]
    assert (high.iloc[:3] > table["random_quantile"].iloc[:3]).all()
    assert (result.n, result.n_iter, result.seed, result.quantile) == (400, 30, 2, 0.5)


def test_parallel_analysis_uses_complete_rows_only():
    data = _two_factor_data()
    holes = data.copy()
    holes.iloc[:50, 0] = np.nan
    assert parallel_analysis(holes, n_iter=5).n == 350
    expected = parallel_analysis(data.iloc[50:], n_iter=5)
    pd.testing.assert_frame_equal(
        parallel_analysis(holes, n_iter=5).eigenvalues, expected.eigenvalues
    )


# --- explore_structure: known cases ---------------------------------------------------------


def test_two_factor_data_recovered():
    result = explore_structure(_two_factor_data(), themes=THEMES)
    assert result.n_factors == 2  # from the parallel analysis
    assert result.items["as_expected"].all()
    assert sorted(result.factor_themes.values()) == ["A", "B"]
    loadings = result.loadings.abs().to_numpy()
    assert (loadings.max(axis=1) > 0.7).all()
    assert (loadings.min(axis=1) < 0.1).all()
    assert result.factor_correlations.iloc[0, 1] == pytest.approx(0.3, abs=0.1)
    np.testing.assert_allclose(result.items["communality"], 0.64, atol=0.08)


def test_item_table_columns_and_primary_loading():
    result = explore_structure(_two_factor_data(), 2, themes=THEMES)
    table = result.items
    assert list(table.columns) == [
        "communality",
        "uniqueness",
        "factor",
        "loading",
        "theme",
        "loads_on",
        "as_expected",
    ]
    for item, row in table.iterrows():
        assert row["loading"] == result.loadings.loc[item].abs().max() * np.sign(row["loading"])
    np.testing.assert_allclose(table["communality"] + table["uniqueness"], 1.0)


def test_misplaced_item_is_flagged():
    themes = {**THEMES, "a4": "B"}  # a4 claimed for theme B but measures factor 1
    result = explore_structure(_two_factor_data(), 2, themes=themes)
    assert result.items["as_expected"].tolist() == [True] * 3 + [False] + [True] * 4
    assert result.items.loc["a4", "loads_on"] == "A"


def test_factor_order_and_signs():
    data = _two_factor_data()
    data[["b1", "b2", "b3", "b4"]] *= -1  # a factor of reversed items
    data["a1"] = data["a1"] + 0.0
    result = explore_structure(data, 2, rotation="oblimin")
    ss = (result.loadings**2).sum()
    assert ss.is_monotonic_decreasing
    assert (result.loadings.sum() > 0).all()
    # reversing the b items flips the sign of their factor's correlation
    assert result.factor_correlations.iloc[0, 1] == pytest.approx(-0.3, abs=0.1)


def test_one_factor_is_not_rotated():
    result = explore_structure(_two_factor_data(), 1)
    assert result.loadings.shape == (8, 1)
    assert result.factor_correlations.to_numpy().tolist() == [[1.0]]


def test_principal_axes_close_to_maximum_likelihood():
    data = _two_factor_data()
    ml = explore_structure(data, 2).loadings
    pa = explore_structure(data, 2, method="pa").loadings
    order, signs = _match_columns(pa.to_numpy(), ml.to_numpy())
    np.testing.assert_allclose(pa.to_numpy()[:, order] * signs, ml, atol=0.05)


def test_explore_structure_is_reproducible_with_a_seed():
    data = _two_factor_data()
    first = explore_structure(data, seed=3)
    again = explore_structure(data, seed=3)
    pd.testing.assert_frame_equal(first.loadings, again.loadings)
    pd.testing.assert_frame_equal(first.items, again.items)


def test_result_is_frozen():
    result = explore_structure(_two_factor_data(), 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.n = 3  # type: ignore[misc]
    assert (result.method, result.rotation, result.n) == ("ml", "oblimin", 400)


def test_clean_fits_do_not_warn(bfi):
    with warnings.catch_warnings():
        warnings.simplefilter("error", StructureWarning)
        explore_structure(_two_factor_data(), 2)
        explore_structure(bfi[CASES["agree_consc_ml_2"]["items"]], 2, method="pa")


def test_rotation_that_does_not_converge_warns(monkeypatch):
    monkeypatch.setattr(structure, "_ROTATION_MAX_ITER", 2)
    with pytest.warns(StructureWarning, match="oblimin rotation did not converge in 2"):
        explore_structure(_two_factor_data(), 2)


def test_heywood_case_warns():
    data = _two_factor_data()
    data["a5"] = data["a1"] + 1e-6 * np.random.default_rng(0).standard_normal(len(data))
    with pytest.warns(StructureWarning, match="factor analysis"):
        explore_structure(data, 2)


# --- the sample-size rule and invalid input -------------------------------------------------


def test_too_few_respondents_message():
    data = _two_factor_data(n=99)
    with pytest.raises(TooFewRespondentsError) as info:
        explore_structure(data, 2)
    message = str(info.value)
    assert "exploratory factor analysis needs at least 100 respondents with complete answers" in (
        message
    )
    assert "this data has 99" in message
    assert isinstance(info.value, StructureError)
    assert isinstance(info.value, ReadinessError)


def test_threshold_is_inclusive():
    assert explore_structure(_two_factor_data(n=100), 2).n == 100


def test_five_per_item_rule(bfi):
    # 25 items need 125 complete respondents
    complete = bfi.dropna()
    with pytest.raises(TooFewRespondentsError, match=r"at least 125 .* this data has 124"):
        explore_structure(complete.iloc[:124], 5)


def test_incomplete_rows_do_not_count():
    data = _two_factor_data(n=120)
    data.iloc[:30, 2] = np.nan
    with pytest.raises(TooFewRespondentsError, match="this data has 90"):
        explore_structure(data, 2)


def test_too_few_respondents_checked_before_parallel_analysis():
    data = _two_factor_data(n=20)
    with pytest.raises(TooFewRespondentsError, match="this data has 20"):
        explore_structure(data)


def test_demo_sized_interview_data():
    # the demo study: 14 interviews
    data = _two_factor_data(n=14)
    with pytest.raises(TooFewRespondentsError, match="this data has 14"):
        explore_structure(data, 2)


ITEMS = _two_factor_data(n=150)


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        (ITEMS.iloc[:, :2], {}, "at least 3 items, got 2"),
        (ITEMS.assign(a1="x"), {}, "not numeric"),
        (ITEMS.assign(a1=ITEMS["a1"] > 0), {}, "not numeric (dtype bool)"),
        (ITEMS.assign(a1=np.inf), {}, "infinite"),
        (ITEMS.assign(a2=3.0), {}, "same answer for every complete respondent"),
        (ITEMS, {"n_factors": 0}, "n_factors must be at least 1"),
        (ITEMS, {"n_factors": 2.0}, "n_factors must be an integer"),
        (ITEMS, {"n_factors": 5}, "5 factors are too many to identify from 8 items"),
        (ITEMS, {"n_factors": 2, "rotation": "varimax"}, "unknown rotation 'varimax'"),
        (ITEMS, {"n_factors": 2, "method": "minres"}, "unknown method 'minres'"),
        (ITEMS, {"n_factors": 2, "themes": {"a1": "A"}}, "themes lacks item(s): a2"),
        (ITEMS.to_numpy(), {}, "must be a DataFrame, not ndarray"),
    ],
)
def test_invalid_input_raises(data, kwargs, message):
    with pytest.raises(StructureError) as info:
        explore_structure(data, **kwargs)
    assert message in str(info.value)
    assert not isinstance(info.value, TooFewRespondentsError)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_iter": 0}, "n_iter must be a positive integer"),
        ({"quantile": 1.0}, "quantile must be between 0 and 1"),
    ],
)
def test_parallel_analysis_invalid_options(kwargs, message):
    with pytest.raises(StructureError, match=message):
        parallel_analysis(ITEMS, **kwargs)


def test_parallel_analysis_needs_more_respondents_than_items():
    with pytest.raises(StructureError, match="has 8 for 8 items"):
        parallel_analysis(ITEMS.iloc[:8])
    assert parallel_analysis(ITEMS.iloc[:9], n_iter=5).n == 9


def test_input_is_not_modified():
    data = ITEMS.copy()
    data.iloc[0, 0] = np.nan
    before = data.copy()
    explore_structure(data, 2)
    parallel_analysis(data, n_iter=5)
    pd.testing.assert_frame_equal(data, before)


def test_docstring_examples_run():
    with warnings.catch_warnings():
        warnings.simplefilter("error", StructureWarning)
        result = doctest.testmod(structure)
    assert result.attempted >= 4
    assert result.failed == 0
