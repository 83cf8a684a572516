"""Tests for readiness_analysis.stats.agreement against published worked examples.

Reference data live in tests/fixtures/agreement/ (sources in its README.md). Values that
are not read from a fixture are derived by hand in the comments next to them.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pandas as pd
import pytest

from readiness_analysis.core.errors import CodingError
from readiness_analysis.stats.agreement import (
    AGREEMENT_COLUMNS,
    ALPHA_BANDS,
    KAPPA_BANDS,
    OVERALL,
    KappaResult,
    agreement,
    alpha_band,
    cohen_kappa,
    kappa_band,
    krippendorff_alpha,
)

from ..references import dataset, reference

Z95 = 1.959963984540054


def units_by_coders(fixture: dict) -> pd.DataFrame:
    """Fixture data are observers x units (as printed); the package wants units x coders."""
    data = np.array(fixture["data"], dtype=float)  # JSON null -> NaN
    return pd.DataFrame(data.T, columns=fixture["observers"])


def expand(table: list[list[int]], categories: list) -> tuple[list, list]:
    """Turn a contingency table (rows coder A, columns coder B) into two lists of codes."""
    codes_a, codes_b = [], []
    for (i, row_code), (j, col_code) in itertools.product(enumerate(categories), repeat=2):
        codes_a += [row_code] * table[i][j]
        codes_b += [col_code] * table[i][j]
    return codes_a, codes_b


# ----------------------------------------------------------------- by-hand reference code


def coincidences(units: list[list]) -> tuple[list, np.ndarray]:
    """Krippendorff's coincidence matrix, written out from its definition.

    o_ck = sum over units u of (number of ordered c-k pairs of values in u) / (m_u - 1),
    over units with m_u >= 2 values.
    """
    values = sorted({v for unit in units for v in unit})
    index = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for unit in units:
        m = len(unit)
        if m < 2:
            continue
        for i, j in itertools.permutations(range(m), 2):
            o[index[unit[i]], index[unit[j]]] += 1 / (m - 1)
    return values, o


def nominal_alpha_by_hand(o: np.ndarray) -> float:
    """alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k."""
    n_c = o.sum(axis=1)
    n = n_c.sum()
    disagreeing = o.sum() - np.trace(o)
    expected = n**2 - (n_c**2).sum()
    return 1 - (n - 1) * disagreeing / expected


def observed_units(fixture: dict) -> list[list]:
    columns = zip(*fixture["data"], strict=True)
    return [[v for v in column if v is not None] for column in columns]


def kappa_by_hand(table: np.ndarray) -> tuple[float, float, float]:
    p = table / table.sum()
    p_o = np.trace(p)
    p_e = float(p.sum(axis=1) @ p.sum(axis=0))
    return p_o, p_e, (p_o - p_e) / (1 - p_e)


def kappa_se_by_hand(table: np.ndarray) -> float:
    """Large-sample SE of Fleiss, Cohen & Everitt (1969), written out with loops.

    var = [sum_i p_ii (1 - (p_i. + p_.i)(1 - k))^2
           + (1 - k)^2 sum_{i != j} p_ij (p_.i + p_j.)^2
           - (k - p_e (1 - k))^2] / (n (1 - p_e)^2)
    """
    n = table.sum()
    p = table / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    _, p_e, k = kappa_by_hand(table)
    size = len(p)
    a = sum(p[i, i] * (1 - (rows[i] + cols[i]) * (1 - k)) ** 2 for i in range(size))
    b = sum(p[i, j] * (cols[i] + rows[j]) ** 2 for i in range(size) for j in range(size) if i != j)
    c = (k - p_e * (1 - k)) ** 2
    return math.sqrt((a + (1 - k) ** 2 * b - c) / (n * (1 - p_e) ** 2))


# ----------------------------------------------------------------- Krippendorff's alpha


def test_alpha_binary_example_krippendorff_2011():
    fixture = reference("agreement", "krippendorff2011_a_binary")
    alpha = krippendorff_alpha(units_by_coders(fixture))
    assert round(alpha, fixture["decimals"]) == fixture["expected"]["nominal"]
    # by hand: 1 - (n - 1) o_01 / (n_0 n_1) = 1 - 19 * 4 / (14 * 6)
    assert alpha == pytest.approx(1 - 19 * 4 / (14 * 6), abs=1e-12)


def test_coincidence_matrix_by_hand_matches_source_and_package():
    fixture = reference("agreement", "krippendorff2011_a_binary")
    values, o = coincidences(observed_units(fixture))
    assert values == fixture["coincidences"]["values"]
    np.testing.assert_allclose(o, fixture["coincidences"]["matrix"])
    by_hand = nominal_alpha_by_hand(o)
    assert round(by_hand, 3) == fixture["expected"]["nominal"]
    assert krippendorff_alpha(units_by_coders(fixture)) == pytest.approx(by_hand, abs=1e-12)


def test_alpha_nominal_two_observers_krippendorff_2011():
    fixture = reference("agreement", "krippendorff2011_b_nominal_two_observers")
    alpha = krippendorff_alpha(units_by_coders(fixture))
    assert round(alpha, fixture["decimals"]) == fixture["expected"]["nominal"]


def test_alpha_string_codes_give_the_same_value():
    fixture = reference("agreement", "krippendorff2011_b_nominal_two_observers")
    labels = {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}
    table = units_by_coders(fixture).map(lambda v: labels[int(v)])
    numeric = krippendorff_alpha(units_by_coders(fixture))
    assert krippendorff_alpha(table) == pytest.approx(numeric, abs=1e-12)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_any_observers_missing_krippendorff_2011(level):
    fixture = reference("agreement", "krippendorff2011_c_any_observers_missing")
    alpha = krippendorff_alpha(units_by_coders(fixture), level=level)
    assert round(alpha, fixture["decimals"]) == fixture["expected"][level]


def test_alpha_missing_values_by_hand():
    fixture = reference("agreement", "krippendorff2011_c_any_observers_missing")
    by_hand = nominal_alpha_by_hand(coincidences(observed_units(fixture))[1])
    assert round(by_hand, 3) == fixture["expected"]["nominal"]
    assert krippendorff_alpha(units_by_coders(fixture)) == pytest.approx(by_hand, abs=1e-12)


def test_alpha_ordinal_string_codes_need_and_use_their_order():
    fixture = reference("agreement", "krippendorff2011_c_any_observers_missing")
    order = ["zeer laag", "laag", "midden", "hoog", "zeer hoog"]
    table = units_by_coders(fixture).map(lambda v: None if np.isnan(v) else order[int(v) - 1])
    with pytest.raises(CodingError, match="order"):
        krippendorff_alpha(table, level="ordinal")
    alpha = krippendorff_alpha(table, level="ordinal", categories=order)
    assert round(alpha, 3) == fixture["expected"]["ordinal"]


def test_alpha_takes_units_in_rows():
    # The source's observers x units layout, passed untransposed, is a different data set:
    # ten "coders" rating two "units". Guards the documented orientation.
    fixture = reference("agreement", "krippendorff2011_a_binary")
    untransposed = krippendorff_alpha(np.array(fixture["data"], dtype=float))
    assert round(untransposed, 3) != fixture["expected"]["nominal"]


def test_alpha_single_coded_units_do_not_count():
    fixture = reference("agreement", "krippendorff2011_b_nominal_two_observers")
    table = units_by_coders(fixture)
    extra = pd.DataFrame({"A": [1.0, 3.0], "B": [np.nan, np.nan]})
    with_extra = krippendorff_alpha(pd.concat([table, extra], ignore_index=True))
    assert with_extra == pytest.approx(krippendorff_alpha(table), abs=1e-12)


def test_alpha_perfect_agreement_is_one():
    table = pd.DataFrame({"A": ["x", "y", "z", None], "B": ["x", "y", "z", "x"], "C": [None] * 4})
    assert krippendorff_alpha(table) == 1.0


def test_alpha_is_undefined_without_variation():
    # D_e = 0: every pairable value is the same, alpha = 0/0 -> NaN (documented choice)
    table = pd.DataFrame({"A": ["x", "x", "y"], "B": ["x", "x", None]})
    assert math.isnan(krippendorff_alpha(table))
    assert math.isnan(krippendorff_alpha([[1, 1], [1, 1]]))


def test_alpha_accepts_none_and_pd_na():
    table = pd.DataFrame({"A": ["x", "y", pd.NA, "x"], "B": ["x", "y", "x", None]})
    # units 1, 2 and 4 are pairable and agree
    assert krippendorff_alpha(table) == 1.0


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pd.DataFrame(), "empty"),
        ([], "empty"),
        (pd.DataFrame({"A": [1, 2, 3]}), "at least two coders"),
        ([1, 2, 3], "at least two coders"),
        (pd.DataFrame({"A": [np.nan, np.nan], "B": [np.nan, np.nan]}), "no codes"),
        (pd.DataFrame({"A": [1, np.nan], "B": [np.nan, 2]}), "two or more coders"),
    ],
)
def test_alpha_rejects_unusable_tables(table, message):
    with pytest.raises(CodingError, match=message):
        krippendorff_alpha(table)


def test_alpha_rejects_bad_arguments():
    table = pd.DataFrame({"A": ["x", "y"], "B": ["x", "x"]})
    with pytest.raises(CodingError, match="level of measurement"):
        krippendorff_alpha(table, level="nominaal")
    with pytest.raises(CodingError, match="interval"):
        krippendorff_alpha(table, level="interval")
    with pytest.raises(CodingError, match="not among the categories: y"):
        krippendorff_alpha(table, categories=["x"])


# ----------------------------------------------------------------- Cohen's kappa


def test_kappa_grant_example():
    fixture = reference("agreement", "kappa_grant_proposals")
    table = np.array(fixture["table"], dtype=float)
    p_o, p_e, kappa = kappa_by_hand(table)
    assert (round(p_o, 3), round(p_e, 3)) == (
        fixture["expected"]["p_o"],
        fixture["expected"]["p_e"],
    )
    assert round(kappa, 3) == fixture["expected"]["kappa"]

    result = cohen_kappa(*expand(fixture["table"], fixture["categories"]))
    assert result.kappa == pytest.approx(kappa, abs=1e-12)
    assert result.n == 50
    # by hand (Fleiss, Cohen & Everitt): var = (.10972 + .10188 - .01) / (50 * .25)
    assert result.se == pytest.approx(kappa_se_by_hand(table), abs=1e-12)
    assert result.se == pytest.approx(math.sqrt(0.2016 / 12.5), abs=1e-12)
    assert result.ci_low == pytest.approx(result.kappa - Z95 * result.se, abs=1e-12)
    assert result.ci_high == pytest.approx(result.kappa + Z95 * result.se, abs=1e-12)


@pytest.mark.parametrize(
    ("table", "exact", "band"),
    [
        # n = 9: p_o = 7/9, p_e = (1*3 + 8*6)/81 = 51/81 -> kappa = 12/30 = 2/5 exactly,
        # which statsmodels returns as 0.4000000000000002 ("fair" is .21-.40)
        ([[1, 0], [2, 6]], 2 / 5, "fair"),
        # n = 10: p_o = .8, p_e = .3*.5 + .7*.5 = .5 -> kappa = 3/5; computed 0.6000000000000001
        ([[3, 0], [2, 5]], 3 / 5, "moderate"),
    ],
)
def test_kappa_on_a_band_boundary_is_not_pushed_up_by_rounding_noise(table, exact, band):
    codes = expand(table, ["ja", "nee"])
    result = cohen_kappa(*codes)
    assert result.kappa == pytest.approx(exact, abs=1e-12)
    assert result.band == band
    assert kappa_band(exact + 1e-15) == band


def test_kappa_cohen_1960_example():
    fixture = reference("agreement", "cohen1960_table1")
    counts = np.rint(np.array(fixture["proportions"]) * fixture["n"]).astype(int)
    p_o, p_e, _ = kappa_by_hand(counts.astype(float))
    assert round(p_o, 2) == fixture["expected"]["p_o"]
    assert round(p_e, 2) == fixture["expected"]["p_c"]
    result = cohen_kappa(*expand(counts.tolist(), ["1", "2", "3"]))
    assert round(result.kappa, fixture["decimals"]) == fixture["expected"]["kappa"]
    assert result.n == fixture["n"]
    assert result.se == pytest.approx(kappa_se_by_hand(counts.astype(float)), abs=1e-12)


def test_kappa_three_codes_by_hand():
    a = ["ict", "ict", "tijd", "visie", "tijd", "ict", "visie", "visie"]
    b = ["ict", "tijd", "tijd", "visie", "ict", "ict", "visie", "tijd"]
    # agree on 5 of 8; margins A (ict, tijd, visie) = 3, 2, 3 and B = 3, 3, 2:
    # p_e = (9 + 6 + 6) / 64 = 21/64, kappa = (40/64 - 21/64) / (43/64) = 19/43
    assert cohen_kappa(a, b).kappa == pytest.approx(19 / 43, abs=1e-12)
    assert cohen_kappa(b, a).kappa == pytest.approx(19 / 43, abs=1e-12)


def test_kappa_perfect_agreement():
    result = cohen_kappa(["x", "y", "x", "z"], ["x", "y", "x", "z"])
    assert result.kappa == pytest.approx(1.0)
    assert result.se == pytest.approx(0.0, abs=1e-12)
    assert (result.ci_low, result.ci_high) == pytest.approx((1.0, 1.0))
    assert result.band == "almost_perfect"


def test_kappa_is_undefined_when_both_coders_use_one_code():
    result = cohen_kappa(["x"] * 5, ["x"] * 5)
    assert math.isnan(result.kappa)
    assert math.isnan(result.se)
    assert result.n == 5
    assert result.band == "undefined"
    assert str(result) == "κ undefined (n = 5)"


def test_kappa_drops_pairs_with_a_missing_code():
    a = ["x", "y", None, "x", np.nan, "y"]
    b = ["x", "y", "x", pd.NA, "y", "x"]
    result = cohen_kappa(a, b)
    assert result.n == 3
    assert result.kappa == pytest.approx(cohen_kappa(["x", "y", "y"], ["x", "y", "x"]).kappa)


def test_kappa_pairs_series_by_position_not_index():
    a = pd.Series(["x", "y", "y", "x"], index=[3, 2, 1, 0])
    b = pd.Series(["x", "y", "x", "x"], index=[0, 1, 2, 3])
    assert cohen_kappa(a, b) == cohen_kappa(list(a), list(b))


def test_kappa_confidence_level():
    fixture = reference("agreement", "kappa_grant_proposals")
    codes = expand(fixture["table"], fixture["categories"])
    result = cohen_kappa(*codes, confidence=0.90)
    z90 = 1.6448536269514722
    assert result.ci_high - result.kappa == pytest.approx(z90 * result.se, abs=1e-12)
    assert result.confidence == 0.90


@pytest.mark.parametrize(
    ("codes_a", "codes_b", "message"),
    [
        (["x", "y"], ["x"], "different numbers"),
        ([], [], "no codes"),
        (["x", None], [None, "y"], "no fragment was coded by both"),
    ],
)
def test_kappa_rejects_unusable_input(codes_a, codes_b, message):
    with pytest.raises(CodingError, match=message):
        cohen_kappa(codes_a, codes_b)


def test_kappa_rejects_bad_arguments():
    with pytest.raises(CodingError, match="confidence"):
        cohen_kappa(["x", "y"], ["x", "y"], confidence=95)


def test_kappa_result_is_frozen_and_readable():
    fixture = reference("agreement", "kappa_grant_proposals")
    codes = expand(fixture["table"], fixture["categories"])
    result = cohen_kappa(*codes)
    assert isinstance(result, KappaResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.kappa = 1.0  # type: ignore[misc]
    assert str(result) == "κ = 0.400 (SE = 0.127, 95% CI [0.151, 0.649], n = 50): fair"


# ----------------------------------------------------------------- bands


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (-0.01, "poor"),
        (0.0, "slight"),
        (0.20, "slight"),
        (0.205, "fair"),
        (0.40, "fair"),
        (0.41, "moderate"),
        (0.60, "moderate"),
        (0.61, "substantial"),
        (0.80, "substantial"),
        (0.81, "almost_perfect"),
        (1.0, "almost_perfect"),
        (math.nan, "undefined"),
    ],
)
def test_kappa_band_landis_koch(value, band):
    assert kappa_band(value) == band
    assert band in KAPPA_BANDS


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (1.0, "reliable"),
        (0.800, "reliable"),
        (0.7999, "tentative"),
        (0.667, "tentative"),
        (0.6669, "unreliable"),
        (-0.2, "unreliable"),
        (math.nan, "undefined"),
    ],
)
def test_alpha_band_krippendorff(value, band):
    assert alpha_band(value) == band
    assert band in ALPHA_BANDS


def test_bands_speak_no_language():
    """Bands are codes; the report catalogue words them (tests/report/test_words.py)."""
    with pytest.raises(TypeError):
        kappa_band(0.5, lang="en")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        agreement(small_segments(), lang="en")  # type: ignore[call-arg]


# ----------------------------------------------------------------- agreement()


def small_segments() -> pd.DataFrame:
    return dataset("agreement", "segments_small")


# Hand computation for segments_small.csv (f1-f6 double-coded, f7 single-coded: left out).
# Presence per fragment f1..f6 (A / B):
#   ict   A 1 1 0 0 0 1  B 1 1 0 0 0 0  p_o 5/6, p_e = 3/6*2/6 + 3/6*4/6 = 1/2 -> kappa 2/3
#         o11 = 4, o01 = o10 = 1, o00 = 6; n1 = 5, n0 = 7 -> alpha 1 - 11*1/35 = 24/35
#   tijd  A 0 1 1 0 0 0  B 0 0 1 1 0 0  p_o 4/6, p_e = 5/9 -> kappa 1/4
#         o11 = 2, o01 = o10 = 2, o00 = 6; n1 = 4, n0 = 8 -> alpha 1 - 11*2/32 = 5/16
#   visie A 0 0 0 1 0 0  B 0 0 0 1 0 1  p_o 5/6, p_e = 22/36 -> kappa 8/14 = 4/7
#         o11 = 2, o01 = o10 = 1, o00 = 8; n1 = 3, n0 = 9 -> alpha 1 - 11/27 = 16/27
#   overall: 18 (fragment, code) units; 11: 4, 10: 2, 01: 2, 00: 10
#         p_o 14/18, p_e = 1/9 + 4/9 = 5/9 -> kappa 1/2
#         o11 = 8, o01 = o10 = 4, o00 = 20; n1 = 12, n0 = 24 -> alpha 1 - 35*4/288 = 37/72
SMALL_EXPECTED = pd.DataFrame(
    {
        "code": ["ict", "tijd", "visie", OVERALL],
        "n_fragments": [6, 6, 6, 6],
        "n_coders": [2, 2, 2, 2],
        "kappa": [2 / 3, 1 / 4, 4 / 7, 1 / 2],
        "alpha": [24 / 35, 5 / 16, 16 / 27, 37 / 72],
        "kappa_band": ["substantial", "fair", "moderate", "moderate"],
        "alpha_band": ["tentative", "unreliable", "unreliable", "unreliable"],
    }
)


def assert_same_table(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        actual.reset_index(drop=True).astype(object),
        expected.reset_index(drop=True).astype(object),
        check_exact=False,
        atol=1e-12,
    )


def test_agreement_small_double_coded_set():
    table = agreement(small_segments(), one_coder="exclude")
    assert list(table.columns) == list(AGREEMENT_COLUMNS)
    assert_same_table(table, SMALL_EXPECTED)


def test_agreement_matches_the_scalar_functions():
    segments = small_segments()
    seen = segments.loc[segments["fragment_id"] != "f7", ["fragment_id", "coder"]]
    ict = set(
        segments.loc[segments["code"] == "ict", ["fragment_id", "coder"]].itertuples(
            index=False, name=None
        )
    )
    presence = seen.drop_duplicates().assign(
        ict=[
            float(pair in ict) for pair in seen.drop_duplicates().itertuples(index=False, name=None)
        ]
    )
    wide = presence.pivot(index="fragment_id", columns="coder", values="ict")
    row = agreement(segments, one_coder="exclude").set_index("code").loc["ict"]
    assert row["kappa"] == pytest.approx(cohen_kappa(wide["A"], wide["B"]).kappa)
    assert row["alpha"] == pytest.approx(krippendorff_alpha(wide))


def test_agreement_does_not_depend_on_row_order_or_duplicates():
    segments = small_segments()
    shuffled = segments.sample(frac=1.0, random_state=3)
    doubled = pd.concat([segments, segments.iloc[:4]], ignore_index=True)
    assert_same_table(agreement(shuffled, one_coder="exclude"), SMALL_EXPECTED)
    assert_same_table(agreement(doubled, one_coder="exclude"), SMALL_EXPECTED)


def test_agreement_codebook_order_and_unused_code():
    table = agreement(small_segments(), codes=["visie", "ict", "tijd", "nooit"],
                      one_coder="exclude")
    assert table["code"].tolist() == ["visie", "ict", "tijd", "nooit", OVERALL]
    unused = table.set_index("code").loc["nooit"]
    assert math.isnan(unused["kappa"])
    assert math.isnan(unused["alpha"])
    assert unused["kappa_band"] == unused["alpha_band"] == "undefined"
    # the pooled row now also counts the 6 agreed absences of "nooit" (documented):
    # 24 units; 11: 4, 10: 2, 01: 2, 00: 16 -> p_o 5/6, p_e 1/16 + 9/16 -> kappa 5/9
    # o11 = 8, o01 = o10 = 4, o00 = 32; n1 = 12, n0 = 36 -> alpha 1 - 47*4/432 = 61/108
    overall = table.set_index("code").loc[OVERALL]
    assert overall["kappa"] == pytest.approx(5 / 9, abs=1e-12)
    assert overall["alpha"] == pytest.approx(61 / 108, abs=1e-12)


def test_agreement_three_coders_has_alpha_but_no_kappa():
    segments = pd.DataFrame(
        {
            "fragment_id": [1, 1, 1, 2, 2, 2, 3, 3],
            "coder": ["A", "B", "C", "A", "B", "C", "A", "B"],
            "code": ["x", "x", None, None, None, None, "x", "x"],
        }
    )
    # units: f1 {1, 1, 0}, f2 {0, 0, 0}, f3 {1, 1} (C did not code f3)
    # o11 = 2/2 + 2/1 = 3, o10 = o01 = 2/2 = 1, o00 = 6/2 = 3; n1 = n0 = 4, n = 8
    # alpha = 1 - 7 * 1 / (4 * 4) = 9/16
    table = agreement(segments).set_index("code")
    for code in ("x", OVERALL):
        row = table.loc[code]
        assert row["n_coders"] == 3
        assert row["n_fragments"] == 3
        assert math.isnan(row["kappa"])
        assert pd.isna(row["kappa_band"])
        assert row["alpha"] == pytest.approx(9 / 16, abs=1e-12)
        assert row["alpha_band"] == "unreliable"


def test_agreement_all_agree_on_every_code():
    segments = pd.DataFrame(
        {
            "fragment_id": ["f1", "f1", "f2", "f2", "f3", "f3"],
            "coder": ["A", "B"] * 3,
            "code": ["ict", "ict", "tijd", "tijd", None, None],
        }
    )
    table = agreement(segments)
    assert table["kappa"].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert table["alpha"].tolist() == pytest.approx([1.0, 1.0, 1.0])


@pytest.mark.parametrize(
    ("segments", "message"),
    [
        ([("f1", "A", "ict")], "DataFrame"),
        (pd.DataFrame(columns=["fragment_id", "coder", "code"]), "no coded fragments"),
        (pd.DataFrame({"fragment_id": ["f1"], "code": ["ict"]}), "missing column"),
        (
            pd.DataFrame({"fragment_id": ["f1", "f2"], "coder": ["A", "A"], "code": ["x", "y"]}),
            "at least two coders, found 1",
        ),
        (
            pd.DataFrame({"fragment_id": ["f1", "f2"], "coder": ["A", "B"], "code": ["x", "x"]}),
            "no fragment was coded by two coders",
        ),
        (
            pd.DataFrame({"fragment_id": ["f1", "f1"], "coder": ["A", "B"], "code": [None, None]}),
            "no codes",
        ),
        (
            pd.DataFrame({"fragment_id": ["f1", "f1"], "coder": ["A", None], "code": ["x", "x"]}),
            "no coder",
        ),
        (
            pd.DataFrame(
                {"fragment_id": ["f1", "f1"], "coder": ["A", "B"], "code": [OVERALL, "x"]}
            ),
            "reserved",
        ),
    ],
)
def test_agreement_rejects_unusable_input(segments, message):
    with pytest.raises(CodingError, match=message):
        agreement(segments, one_coder="exclude")


def test_agreement_rejects_codes_outside_the_codebook():
    with pytest.raises(CodingError, match="not in the codebook: visie"):
        agreement(small_segments(), codes=["ict", "tijd"])


# ----------------------------------------------------------------- unitized alpha

# Krippendorff (1995, p. 57): four pairs of coders on a continuum of 24 positions, as DKPro
# Statistics encodes it (Krippendorff1995Test.createExample): per pair, (begin, length) of
# each coder's units. Published: D_o (at 24 positions) and alpha (continuous continuum).
K1995 = {
    "A": ([(2, 8), (14, 6)], [(4, 4), (15, 2)], 0.03125, 0.553),
    "B": ([(0, 18)], [(0, 2), (2, 1), (3, 1), (4, 1), (5, 1), (6, 3), (9, 1)], 2.26736, -0.926),
    "C": ([(2, 6), (10, 2), (14, 4), (20, 2)], [(0, 2), (4, 4), (10, 4), (16, 2), (20, 2)],
          0.02777, 0.679),
    "D": ([(0, 2), (2, 8), (10, 4), (14, 6), (20, 4)],
          [(0, 4), (4, 4), (8, 7), (15, 2), (17, 7)], 0.38715, 0.066),
}


def k1995_spans(category, stretch):
    first, second, _, _ = K1995[category]
    rows = [(coder, begin * stretch, (begin + length) * stretch)
            for coder, units in (("one", first), ("two", second)) for begin, length in units]
    return pd.DataFrame({"document": "d", "coder": [r[0] for r in rows], "code": category,
                         "start": [r[1] for r in rows], "end": [r[2] for r in rows]})


@pytest.mark.parametrize("category", list(K1995))
def test_unitized_alpha_reproduces_krippendorff_1995(category):
    from readiness_analysis.stats import agreement as module

    spans = k1995_spans(category, 1)
    first, second = ([(s, e) for s, e in zip(g["start"], g["end"], strict=True)]
                     for _, g in spans.groupby("coder"))
    sections = [module._sections(module._merged(u), 24) for u in (first, second)]
    observed = 2 * module._pair_disagreement(*sections) / (2 * 1 * 24**2)
    assert observed == pytest.approx(K1995[category][2], abs=1e-5)
    # the published D_e has a small error (DKPro's note), hence 0.02 as in DKPro's test
    alpha = module.unitized_alpha(k1995_spans(category, 1000), {"d": 24_000}, category)
    assert alpha == pytest.approx(K1995[category][3], abs=0.02)


def test_unitized_alpha_is_one_for_identical_units_and_nan_without_them():
    from readiness_analysis.stats.agreement import unitized_alpha

    same = pd.DataFrame({"document": "d", "coder": ["a", "b"], "code": "x",
                         "start": [3, 3], "end": [9, 9]})
    assert unitized_alpha(same, {"d": 40}, "x") == pytest.approx(1.0)
    assert math.isnan(unitized_alpha(same, {"d": 40}, "nobody"))
    assert math.isnan(unitized_alpha(same[same["coder"] == "a"], {"d": 40}, "x"))
