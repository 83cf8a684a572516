"""Ranking the study's recommendations (stats/ranking.py): the rule and its stability."""

import numpy as np
import pandas as pd
import pytest
import yaml

from readiness_analysis.core.errors import InstrumentError
from readiness_analysis.spec.instrument import load_instrument
from readiness_analysis.spec.study import load_study
from readiness_analysis.stats import ranking
from readiness_analysis.stats.ranking import (
    CLEAR_ORDER,
    MIN_FRAGMENTS,
    SCAN_WEIGHT,
    TOP,
    rank_recommendations,
    rank_stability,
    strengths,
)

from ..scales import points, two_scale_instrument

LINKS = load_study().links(load_instrument())
# One condition theme per recommendation, for the simulations (R4's development: a condition).
ONE_THEME = {"R1": ["definition"], "R2": ["vision"], "R3": ["infrastructure"],
             "R4": ["development"], "R5": ["student_fit"]}


def _frags(rows):
    return pd.DataFrame(rows, columns=["fragment_id", "valence", "recommendation"])


def _summary(scores: pd.DataFrame) -> pd.DataFrame:
    return scores.groupby("theme", as_index=False)["score"].mean().rename(
        columns={"score": "mean"})


def _school(rng, true_means: dict[str, float], n: int, sd: float) -> pd.DataFrame:
    """Respondent-level scores of one simulated school, clipped to the 1-5 scale."""
    rows = [{"respondent_id": f"p{i}", "theme": theme,
             "score": float(np.clip(rng.normal(mean, sd), 1, 5))}
            for i in range(n) for theme, mean in true_means.items()]
    return pd.DataFrame(rows)


# --- the rule -----------------------------------------------------------------------------


def test_priority_follows_the_documented_formula(instrument):
    summary = pd.DataFrame({"theme": ["vision", "infrastructure", "tools", "timetable"],
                            "mean": [2.0, 1.0, 3.0, 5.0]})
    own = _frags([("f1", "hindering", "R3"), ("f2", "hindering", "R3"),
                  ("f3", "hindering", "R2"), ("f4", "stimulating", "R2"),
                  ("f5", "stimulating", "R1")])
    table = rank_recommendations(summary, instrument, own, links=LINKS).set_index(
        "recommendation")
    need_r2 = (5 - 2.0) / 4
    need_r3 = ((5 - 1.0) / 4 + (5 - 3.0) / 4 + 0) / 3
    assert table.loc["R2", "need"] == pytest.approx(need_r2)
    assert table.loc["R3", "need"] == pytest.approx(need_r3)
    assert table.loc["R3", "barriers"] == pytest.approx(2 / 3)
    assert table.loc["R2", "priority"] == pytest.approx(
        SCAN_WEIGHT * need_r2 + (1 - SCAN_WEIGHT) / 3)
    assert table.loc["R2", "rank"] == 1 and table.loc["R3", "rank"] == 2
    assert table["interviews_used"].all() and (table["basis"] == "scan+interviews").all()
    assert table.loc["R3", "n_barriers"] == 2 and table.loc["R3", "n_hindering"] == 3


def test_fewer_than_five_own_fragments_leave_the_scan_alone(instrument):
    summary = pd.DataFrame({"theme": ["vision", "development"], "mean": [2.0, 3.0]})
    own = _frags([(f"o{i}", "hindering", "R4") for i in range(MIN_FRAGMENTS - 1)])
    table = rank_recommendations(summary, instrument, own, links=LINKS).set_index(
        "recommendation")
    assert (table["basis"] == "scan").all() and not table["interviews_used"].any()
    assert table.loc["R4", "n_barriers"] == MIN_FRAGMENTS - 1  # still reported
    assert table.loc["R2", "rank"] == 1 and table.loc["R4", "barriers"] == 0
    five = rank_recommendations(summary, instrument, pd.concat(
        [own, _frags([("o9", "hindering", "R4")])]), links=LINKS).set_index("recommendation")
    assert five.loc["R4", "rank"] == 1 and five["interviews_used"].all()


def test_strengths_are_never_averaged_into_need(instrument):
    assert instrument.theme("willingness").role == "strength"
    assert instrument.theme("current_use").role == "strength"
    summary = pd.DataFrame({"theme": ["development", "time", "willingness", "vision"],
                            "mean": [1.5, 1.5, 5.0, 2.0]})
    table = rank_recommendations(summary, instrument, _frags([]), links=LINKS).set_index(
        "recommendation")
    assert table.loc["R4", "need"] == pytest.approx((5 - 1.5) / 4)  # willingness left out
    assert table.loc["R4", "rank"] == 1
    assert table.loc["R4", "strengths"] == ("willingness",)
    assert table.loc["R4", "conditions"] == ("development", "time")
    shown = strengths(summary, instrument)
    assert shown.to_dict("list") == {"theme": ["willingness"], "mean": [5.0]}


def test_a_recommendation_on_strengths_only_has_no_need_and_comes_last(instrument):
    links = {"R1": ["willingness"], "R2": ["vision"]}
    summary = pd.DataFrame({"theme": ["willingness", "vision"], "mean": [1.0, 4.5]})
    table = rank_recommendations(summary, instrument, _frags([]), links=links)
    assert table["recommendation"].tolist() == ["R2", "R1"]
    assert np.isnan(table.set_index("recommendation").loc["R1", "need"])


def test_only_own_fragments_are_evidence(instrument):
    """The signature takes no study-wide fragments: published quotes cannot count."""
    summary = pd.DataFrame({"theme": ["vision"], "mean": [3.0]})
    own = _frags([(f"o{i}", "hindering", "R5") for i in range(5)])
    table = rank_recommendations(summary, instrument, own, links=LINKS).set_index(
        "recommendation")
    assert table.loc["R5", "barriers"] == 1.0 and table.loc["R1", "barriers"] == 0.0
    with pytest.raises(TypeError):
        rank_recommendations(summary, instrument, own, own, links=LINKS)


def test_ties_follow_the_guides_order(instrument):
    empty = _frags([])
    top = pd.DataFrame({"theme": instrument.theme_ids, "mean": instrument.scale_max})
    table = rank_recommendations(top, instrument, empty, links=LINKS)
    assert table["recommendation"].tolist() == ["R1", "R2", "R3", "R4", "R5"]
    assert table["priority"].eq(0).all() and (table["basis"] == "scan").all()


def test_need_is_measured_on_each_theme_own_scale(tmp_path):
    inst = two_scale_instrument(tmp_path)
    links = {"R1": ["agree"], "R2": ["often"], "R3": ["agree", "often"]}
    summary = pd.DataFrame({"theme": ["agree", "often"], "mean": [3.0, 3.0]})
    table = rank_recommendations(summary, inst, _frags([]), links=links).set_index(
        "recommendation")
    assert table.loc["R1", "need"] == pytest.approx((4 - 3) / (4 - 1))
    assert table.loc["R2", "need"] == pytest.approx((6 - 3) / (6 - 1))
    assert table.loc["R3", "need"] == pytest.approx((1 / 3 + 3 / 5) / 2)
    assert table.loc["R2", "rank"] == 1


# --- the role key -------------------------------------------------------------------------


def _role_instrument(tmp_path, role):
    theme = {"id": "t0", "label": "Theme 0", **({} if role is None else {"role": role})}
    data = {"id": "r", "version": "1", "scale": points(5), "themes": [theme],
            "items": [{"id": "q1", "theme": "t0", "text": "Q1"}]}
    path = tmp_path / "roles.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_instrument(path)


def test_role_defaults_to_condition_and_is_validated_with_its_place(tmp_path):
    assert _role_instrument(tmp_path, None).theme("t0").role == "condition"
    assert _role_instrument(tmp_path, "strength").theme("t0").role == "strength"
    with pytest.raises(InstrumentError, match="theme 't0' has role 'enabler'") as err:
        _role_instrument(tmp_path, "enabler")
    assert "roles.yaml" in str(err.value) and "strength" in str(err.value)


# --- stability ----------------------------------------------------------------------------


def test_clearly_separated_needs_give_the_true_order_with_high_probability(instrument):
    rng = np.random.default_rng(1)
    truth = {"vision": 1.5, "infrastructure": 2.3, "development": 3.1, "student_fit": 3.9,
             "definition": 4.7}  # true order R2, R3, R4, R5, R1
    right = 0
    for _ in range(20):
        scores = _school(rng, truth, n=12, sd=0.4)
        table = rank_stability(scores, _summary(scores), instrument, _frags([]),
                               links=ONE_THEME, n_resamples=400)
        right += table["recommendation"].tolist() == ["R2", "R3", "R4", "R5", "R1"]
        assert table["group"].tolist() == [1, 2, 3, 4, 5]  # no close calls
        assert min(table["p_top"].tolist()[:TOP]) >= 0.95
        assert max(table["p_top"].tolist()[TOP:]) <= 0.05
    assert right >= 19


def test_equal_needs_are_called_practically_equal(instrument):
    rng = np.random.default_rng(2)
    truth = dict.fromkeys(["vision", "infrastructure", "development", "student_fit",
                           "definition"], 2.5)
    first_two_equal, fully_ordered = 0, 0
    for _ in range(30):
        scores = _school(rng, truth, n=8, sd=0.8)
        table = rank_stability(scores, _summary(scores), instrument, _frags([]),
                               links=ONE_THEME, n_resamples=400)
        first_two_equal += table["group"].iloc[0] == table["group"].iloc[1]
        fully_ordered += table["group"].nunique() == len(table)
        assert (table["rank_high"] - table["rank_low"]).max() >= 2  # wide intervals
    assert first_two_equal >= 0.8 * 30
    assert fully_ordered == 0  # never a full order made of noise


def test_exact_ties_are_equal_not_ordered_by_the_study(instrument):
    scores = pd.DataFrame([{"respondent_id": f"p{i}", "theme": t, "score": float(i % 5 + 1)}
                           for i in range(10) for t in ONE_THEME.values() for t in t])
    table = rank_stability(scores, _summary(scores), instrument, _frags([]), links=ONE_THEME)
    assert table["recommendation"].tolist() == ["R1", "R2", "R3", "R4", "R5"]
    assert table["group"].eq(1).all()
    assert (table["group_low"] == 1).all() and (table["group_high"] == 5).all()


def test_the_same_seed_gives_the_same_answer(instrument):
    close = {"vision": 2.0, "infrastructure": 2.2, "development": 2.4, "student_fit": 2.3,
             "definition": 2.1}
    scores = _school(np.random.default_rng(3), close, n=6, sd=0.7)
    run = [rank_stability(scores, _summary(scores), instrument, _frags([]), links=ONE_THEME,
                          seed=s) for s in (7, 7, 8)]
    pd.testing.assert_frame_equal(run[0], run[1])
    assert not run[0]["p_top"].equals(run[2]["p_top"])  # a seed changes Monte Carlo noise only
    assert (run[0]["p_top"] - run[2]["p_top"]).abs().max() < 0.1


def test_weights_count_a_group_answer_as_its_teachers(instrument):
    # R1 and R5 always share places 1-2, so p_top of R2 is P(R2 before R3).
    rows = [("a", 9, {"definition": 1.0, "student_fit": 1.0, "vision": 1.0,
                      "infrastructure": 3.0}),
            ("b", 1, {"definition": 1.0, "student_fit": 1.0, "vision": 5.0,
                      "infrastructure": 2.0})]
    scores = pd.DataFrame([{"respondent_id": r, "n_teachers": w, "theme": t, "score": x}
                           for r, w, answers in rows for t, x in answers.items()])
    summary = pd.DataFrame({"theme": ["definition", "student_fit", "vision", "infrastructure"],
                            "mean": [1.0, 1.0, 1.4, 2.9]})  # weighted means
    p_top = {weighted: rank_stability(scores, summary, instrument, _frags([]),
                                      links=ONE_THEME, weighted=weighted).set_index(
        "recommendation")["p_top"] for weighted in (True, False)}
    # weighted: R3 first only when both draws are b (1/4); unweighted: unless both are a
    assert p_top[True]["R2"] == pytest.approx(0.75, abs=0.04)
    assert p_top[False]["R2"] == pytest.approx(0.25, abs=0.04)
    assert p_top[True]["R1"] == p_top[True]["R5"] == 1.0


def test_one_respondent_gives_a_certain_but_honest_answer(instrument):
    scores = pd.DataFrame({"respondent_id": ["p"] * 2, "theme": ["vision", "development"],
                           "score": [1.0, 4.0]})
    table = rank_stability(scores, _summary(scores), instrument, _frags([]), links=LINKS)
    assert table["p_top"].isin([0.0, 1.0]).all()
    assert (table["rank_low"] == table["rank_high"]).all()


def test_all_suppressed_or_interviews_only_give_no_stability(instrument):
    suppressed = pd.DataFrame({"theme": ["vision"], "mean": [np.nan]})
    scores = pd.DataFrame({"respondent_id": ["p"], "theme": ["vision"], "score": [2.0]})
    none = rank_stability(scores, suppressed, instrument, _frags([]), links=LINKS)
    assert (none["basis"] == "none").all() and none["p_top"].isna().all()
    assert none["group"].isna().all()
    own = _frags([("o1", "hindering", "R4")])
    talk = rank_stability(scores, suppressed, instrument, own, links=LINKS)
    assert (talk["basis"] == "interviews").all() and talk["rank_low"].isna().all()
    assert rank_stability(scores, suppressed, instrument, own, links={}).empty


def test_no_respondent_scores_or_no_resamples(instrument):
    summary = pd.DataFrame({"theme": ["vision"], "mean": [2.0]})
    empty = pd.DataFrame(columns=["respondent_id", "theme", "score"])
    table = rank_stability(empty, summary, instrument, _frags([]), links=LINKS)
    assert (table["basis"] == "scan").all() and table["p_top"].isna().all()
    with pytest.raises(ValueError, match="n_resamples must be at least 1"):
        rank_stability(empty, summary, instrument, _frags([]), links=LINKS, n_resamples=0)


def test_a_large_school_is_resampled_in_batches(instrument):
    rng = np.random.default_rng(4)
    scores = _school(rng, {"vision": 2.0, "infrastructure": 2.2}, n=3000, sd=0.8)
    table = rank_stability(scores, _summary(scores), instrument, _frags([]),
                           links={"R2": ["vision"], "R3": ["infrastructure"]}, n_resamples=3000)
    # 3000 x 3000 counts exceed one batch; a difference of 0.2 at n = 3000 is clear
    assert table["recommendation"].tolist() == ["R2", "R3"]
    assert table["group"].tolist() == [1, 2]


def test_the_threshold_is_documented_and_strict():
    assert 0.5 < CLEAR_ORDER < 1


def test_resample_counts_are_draws_with_replacement():
    """Each row: how often each of n respondents is drawn in n draws with replacement.

    Multinomial(n, 1/n): every count has mean 1 and variance 1 - 1/n, two counts of one
    row covary by -1/n; the same generator state gives the same counts.
    """
    n, size = 5, 40_000
    counts = ranking._resample_counts(np.random.default_rng(7), n, size)
    assert counts.shape == (size, n) and (counts.sum(axis=1) == n).all()
    cov = np.cov(counts, rowvar=False)
    se = 4 / np.sqrt(size)  # about four standard errors of these moments
    assert np.allclose(counts.mean(axis=0), 1, atol=se)
    assert np.allclose(np.diag(cov), 1 - 1 / n, atol=2 * se)
    assert np.allclose(cov[~np.eye(n, dtype=bool)], -1 / n, atol=2 * se)
    again = ranking._resample_counts(np.random.default_rng(7), n, size)
    assert np.array_equal(counts, again)


def test_practically_equal_neighbours_share_a_group_even_when_the_first_is_clearly_ahead():
    from readiness_analysis.stats.ranking import _groups

    # resamples x recommendations (observed order): A beats C in 95% of the resamples,
    # but B is practically equal to both; D is clearly behind A, B and C
    rows = 100
    a = np.full(rows, 3.0)
    b = np.where(np.arange(rows) < 50, 3.5, 2.5)  # A ahead in 50%: equal
    c = np.select([np.arange(rows) < 50, np.arange(rows) < 95], [2.0, 2.8], 4.0)  # A ahead
    # of C in 95%, B in 50%
    d = np.zeros(rows)
    keys = np.column_stack([a, b, c, d])
    assert _groups(keys) == [1, 1, 1, 2]
    # judged against the group's first member alone, C would open a group of its own
    assert np.mean(a > c) >= 0.9 and np.mean(b > c) < 0.9
    assert _groups(np.column_stack([a, d, d - 1])) == [1, 2, 3]
