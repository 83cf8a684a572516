"""Weighting by n_teachers is one definition: frequency weights ("each teacher counts").

Every weighted statistic must equal the unweighted statistic of the data with each row
repeated ``n_teachers`` times; ``n`` stays the number of rows (interviews) and
``n_teachers`` is the weighted n. Bootstrap intervals resample interviews (clusters).
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness_analysis import indices
from readiness_analysis.indices import (
    bootstrap_means,
    summarise_scores,
    team_variation,
    wave_change,
)
from readiness_analysis.instrument import load_instrument
from readiness_analysis.itemstats import answer_shares

REFERENCE = Path(__file__).parent / "fixtures" / "weighted_reference.json"
INSTRUMENT = load_instrument()
SUMMARY_STATS = ["mean", "sd", "median", "q1", "q3", "agree"]
VARIATION_STATS = ["mean", "sd", "q1", "q3", "iqr", "min", "max", "range"]


def _repeat(frame: pd.DataFrame) -> pd.DataFrame:
    """Each row repeated n_teachers times, each copy one teacher: the definition."""
    out = frame.loc[frame.index.repeat(frame["n_teachers"])].reset_index(drop=True)
    return out.assign(n_teachers=1)


def _scores(values, weights, *, institution="X", theme="t", wave=1) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame({"institution": [institution] * n, "wave": [wave] * n,
                         "theme": [theme] * n, "score": np.asarray(values, dtype=float),
                         "n_teachers": weights})


# --------------------------------------------------------------------------- property

LATTICE = [v / 12 for v in range(12, 61)]  # theme scores: means of up to 4 items, 1-5


@st.composite
def weighted_scores(draw) -> pd.DataFrame:
    """Random scores of a few institutions, waves and themes, integer weights 1-6."""
    n = draw(st.integers(1, 40))
    lattice = draw(st.booleans())
    score = st.sampled_from(LATTICE) if lattice else st.floats(1, 5, allow_nan=False)
    scores = [draw(st.one_of(score, st.just(np.nan)) if draw(st.booleans()) else score)
              for _ in range(n)]
    return pd.DataFrame({
        "institution": draw(st.lists(st.sampled_from("AB"), min_size=n, max_size=n)),
        "wave": draw(st.lists(st.integers(1, 2), min_size=n, max_size=n)),
        "theme": draw(st.lists(st.sampled_from(["vision", "time"]), min_size=n, max_size=n)),
        "score": scores,
        "n_teachers": draw(st.lists(st.integers(1, 6), min_size=n, max_size=n)),
    })


def _assert_close(weighted: pd.DataFrame, repeated: pd.DataFrame, stats: list[str]) -> None:
    np.testing.assert_allclose(weighted[stats].to_numpy(float), repeated[stats].to_numpy(float),
                               rtol=1e-9, atol=1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=weighted_scores(), dense=st.booleans())
def test_weighted_summary_is_the_summary_of_the_repeated_rows(data, dense):
    cells = indices._HISTOGRAM_MAX_CELLS if dense else 0  # histogram or np.unique cells
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indices, "_HISTOGRAM_MAX_CELLS", cells)
        for by in (["institution", "wave"], ["wave"]):
            weighted = summarise_scores(data, by, weighted=True)
            repeated = summarise_scores(_repeat(data), by)
            keys = [*by, "theme"]
            assert weighted[keys].values.tolist() == repeated[keys].values.tolist()
            _assert_close(weighted, repeated, SUMMARY_STATS)
            assert weighted["n_teachers"].tolist() == repeated["n"].tolist()
            rows = data.dropna(subset=["score"]).groupby(keys, observed=True).size()
            assert weighted["n"].tolist() == rows.tolist()


@settings(max_examples=40, deadline=None)
@given(data=weighted_scores())
def test_weighted_team_variation_is_that_of_the_repeated_rows(data):
    weighted = team_variation(data, ["institution"], weighted=True)
    repeated = team_variation(_repeat(data), ["institution"])
    keys = ["institution", "theme"]
    weighted, repeated = (t.sort_values(keys).reset_index(drop=True)
                          for t in (weighted, repeated))
    assert weighted[keys].values.tolist() == repeated[keys].values.tolist()
    _assert_close(weighted, repeated, VARIATION_STATS)
    assert weighted["n_teachers"].tolist() == repeated["n"].tolist()


@settings(max_examples=40, deadline=None)
@given(answers=st.lists(st.tuples(st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, np.nan]),
                                  st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, np.nan]),
                                  st.integers(1, 6)), min_size=1, max_size=30))
def test_weighted_answer_shares_are_those_of_the_repeated_rows(answers):
    responses = pd.DataFrame(answers, columns=["vis_1", "vis_2", "n_teachers"])
    weighted = answer_shares(responses, INSTRUMENT, weighted=True)
    repeated = answer_shares(_repeat(responses), INSTRUMENT)
    np.testing.assert_allclose(weighted[[1, 2, 3, 4, 5]].to_numpy(float),
                               repeated[[1, 2, 3, 4, 5]].to_numpy(float), rtol=1e-12)
    assert weighted["n_teachers"].tolist() == repeated["n"].tolist()
    unweighted = answer_shares(responses, INSTRUMENT)
    assert weighted[["n", "answers"]].equals(unweighted[["n", "answers"]])


# --------------------------------------------------------------------------- R Hmisc


def _reference_cases():
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["name"]) for case in reference["cases"]]


@pytest.mark.parametrize("case", _reference_cases())
def test_weighted_statistics_match_r_hmisc(case):
    scores = _scores(case["x"], case["w"])
    row = summarise_scores(scores, ["institution"], weighted=True).iloc[0]
    assert row["mean"] == pytest.approx(case["mean"], rel=1e-12)
    assert row["sd"] == pytest.approx(case["sd"], rel=1e-12)
    expected = dict(zip(case["probs"], case["quantiles"], strict=True))
    assert [row["q1"], row["median"], row["q3"]] == \
        pytest.approx([expected[0.25], expected[0.5], expected[0.75]], rel=1e-12)
    g = indices._grouping(scores, ["institution", "theme"])
    levels = {str(p): p for p in case["probs"]}
    q = g.quantiles(levels, g.x * 0 + np.asarray(case["w"], dtype=float))
    assert q.iloc[0].tolist() == pytest.approx(case["quantiles"], rel=1e-12)
    np.testing.assert_allclose(case["quantiles"], case["quantiles_repeated"], rtol=1e-12)


# --------------------------------------------------------------------------- by hand


def test_weighted_mean_lies_within_the_weighted_quartiles():
    # the trial's complaint: a weighted mean above the unweighted Q3
    scores = _scores([1.25, 1.5, 1.75, 2.0, 2.25, 3.75], [1, 1, 1, 1, 1, 6])
    plain = summarise_scores(scores, ["institution"]).iloc[0]
    row = summarise_scores(scores, ["institution"], weighted=True).iloc[0]
    assert (row["n"], row["n_teachers"]) == (6, 11)
    assert row["mean"] == pytest.approx((1.25 + 1.5 + 1.75 + 2.0 + 2.25 + 6 * 3.75) / 11)
    assert plain["q3"] < row["mean"]  # the old, mixed output
    assert (row["q1"], row["median"], row["q3"]) == (1.875, 3.75, 3.75)
    assert row["q1"] <= row["mean"] <= row["q3"]
    assert row["sd"] == pytest.approx(np.std(np.repeat(scores.score, scores.n_teachers),
                                             ddof=1))
    assert row["agree"] == 0.0


def test_one_interview_of_several_teachers_has_sd_zero():
    row = summarise_scores(_scores([3.0], [3]), ["institution"], weighted=True).iloc[0]
    assert (row["n"], row["n_teachers"], row["sd"], row["median"]) == (1, 3, 0.0, 3.0)
    one = summarise_scores(_scores([3.0], [1]), ["institution"], weighted=True).iloc[0]
    assert np.isnan(one["sd"])


def test_unit_weights_change_nothing():
    rng = np.random.default_rng(5)
    scores = _scores(rng.integers(4, 21, 50) / 4, [1] * 50)
    pd.testing.assert_frame_equal(summarise_scores(scores, ["institution"], weighted=True),
                                  summarise_scores(scores, ["institution"]), rtol=1e-12)


def test_rows_of_weight_zero_count_for_n_only():
    scores = _scores([1.0, 2.0, 5.0, 4.0], [1, 2, 0, 1])
    row = summarise_scores(scores, ["institution"], weighted=True).iloc[0]
    same = summarise_scores(_scores([1.0, 2.0, 4.0], [1, 2, 1]), ["institution"],
                            weighted=True).iloc[0]
    assert (row["n"], row["n_teachers"]) == (4, 4)
    assert row[SUMMARY_STATS].tolist() == pytest.approx(same[SUMMARY_STATS].tolist())
    tv = team_variation(scores, ["institution"], weighted=True).iloc[0]
    assert (tv["min"], tv["max"]) == (1.0, 4.0)
    none = summarise_scores(_scores([3.0, 4.0], [0, 0]), ["institution"], weighted=True)
    assert none["n"].tolist() == [2] and none[SUMMARY_STATS].isna().all(axis=None)


@pytest.mark.parametrize("bad", [np.nan, -1])
def test_weights_must_be_counts(bad):
    scores = _scores([1.0, 2.0, 3.0], [1.0, bad, 2.0])
    with pytest.raises(ValueError, match="n_teachers must be a count"):
        summarise_scores(scores, ["institution"], weighted=True)
    with pytest.raises(ValueError, match="n_teachers must be a count"):
        bootstrap_means(scores, ["institution"], seed=1, weighted=True)
    assert summarise_scores(scores, ["institution"])["n"].tolist() == [3]  # unweighted: fine


# --------------------------------------------------------------------------- bootstrap


def test_weighted_bootstrap_resamples_interviews_with_their_weights():
    x = np.array([1.17, 2.05, 2.48, 3.02, 3.33, 3.91, 4.46, 4.87])
    w = np.array([1, 3, 1, 2, 1, 4, 1, 2])
    out = bootstrap_means(_scores(x, w), ["institution"], seed=2024, method="percentile",
                          n_resamples=3000, weighted=True).iloc[0]
    summary = summarise_scores(_scores(x, w), ["institution"], weighted=True).iloc[0]
    assert (out["n"], out["n_teachers"]) == (8, 15)
    assert out["mean"] == pytest.approx(summary["mean"], rel=1e-12)
    # documented stream; rows (interviews) drawn, each with its weight
    h = int.from_bytes(hashlib.sha256(b"institution=X|theme=t").digest()[:8], "little")
    rows = np.random.default_rng([2024, h]).integers(0, len(x), (3000, len(x)))
    means = (w[rows] * x[rows]).sum(axis=1) / w[rows].sum(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((low, high), abs=1e-12)
    # resampling teachers one by one would pretend 15 independent answers: narrower
    teachers = bootstrap_means(_repeat(_scores(x, w)), ["institution"], seed=2024,
                               method="percentile", n_resamples=3000).iloc[0]
    assert teachers["ci_high"] - teachers["ci_low"] < out["ci_high"] - out["ci_low"]


def test_weighted_wave_change_uses_the_weighted_means_and_counts():
    scores = pd.concat([_scores([2.0, 3.0, 4.0], [1, 1, 2], wave=1),
                        _scores([2.0, 4.0, 4.0, 5.0], [3, 1, 1, 1], wave=2)])
    row = wave_change(scores, seed=1, weighted=True).iloc[0]
    summary = summarise_scores(scores, ["institution", "wave"], weighted=True)
    assert (row["n_from"], row["n_to"], row["n_teachers_from"], row["n_teachers_to"]) == \
        (3, 4, 4, 6)
    assert [row["mean_from"], row["mean_to"]] == pytest.approx(summary["mean"].tolist())
    assert row["diff"] == pytest.approx(summary["mean"].iloc[1] - summary["mean"].iloc[0])
