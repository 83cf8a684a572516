"""Theme scores, summaries and team variation (stats/scores.py): by hand, against a
group-by-group computation, against R's Hmisc, and weighted by teachers."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness_analysis.stats import groups
from readiness_analysis.stats.bootstrap import bootstrap_means
from readiness_analysis.stats.pooled import summarise_all
from readiness_analysis.stats.scores import (
    READINESS,
    agree_thresholds,
    summarise_scores,
    team_variation,
    theme_scores,
)

from ..references import reference
from ..scales import two_scale_instrument
from .frames import one_group, random_scores, repeat_teachers, weighted_group


def _responses(**items):
    n = len(next(iter(items.values())))
    meta = {"respondent_id": [f"p{i}" for i in range(n)], "institution": ["X"] * n,
            "wave": [1] * n, "n_teachers": [1] * n}
    return pd.DataFrame({**meta, **items})


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
    scores = random_scores()
    fast = summarise_scores(scores, by, agree_from=4, weighted=weighted)
    slow = _naive_summary(scores, by, 4, weighted)
    assert fast[[*by, "theme"]].astype(str).values.tolist() == \
        slow[[*by, "theme"]].astype(str).values.tolist()
    stats = ["n", "n_teachers", "mean", "sd", "median", "q1", "q3", "agree"]
    np.testing.assert_allclose(fast[stats].to_numpy(float), slow[stats].to_numpy(float),
                               rtol=1e-12)
    assert fast["theme"].tolist()[:3] == ["vision", "tools", READINESS]  # instrument order


def test_summary_leaves_out_missing_keys_and_groups_without_scores():
    scores = pd.DataFrame({"institution": ["X", "X", None, "Y"], "theme": ["t"] * 4,
                           "score": [2.0, 4.0, 5.0, np.nan], "n_teachers": [1, 1, 1, 1]})
    out = summarise_scores(scores, ["institution"])
    assert out["institution"].tolist() == ["X"] and out["n"].tolist() == [2]


# --------------------------------------------------------------------------- team variation


def test_team_variation_statistics_and_ranking_by_hand():
    scores = pd.concat([
        one_group([1.0, 3.0, 5.0], theme="a"),          # sd 2, iqr 2
        one_group([1.0, 1.0, 5.0, 5.0], theme="b"),     # sd 2.309, iqr 4
        one_group([2.0, 3.0, 4.0, 4.0, 4.0], theme="c"),  # sd 0.894, iqr 1
        one_group([3.0, 3.0, 5.0], theme="d"),          # sd 1.155, iqr 1
        one_group([2.0, 2.0, 4.0], theme="e"),          # same sd and iqr as d
        one_group([1.0, 5.0], theme="f"),               # n < 3: not ranked
        one_group([1.0, 5.0, 1.0, 5.0], theme=READINESS),  # not a theme: not ranked
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
    scores = pd.concat([one_group(narrow, theme="narrow"), one_group(wide, theme="wide")])
    out = team_variation(scores, ["institution"])
    assert out["sd"].iloc[0] == pytest.approx(out["sd"].iloc[1], abs=1e-12)
    assert out["theme"].tolist() == ["wide", "narrow"] and out["rank"].tolist() == [1, 2]


def test_team_variation_ranks_per_team():
    scores = pd.concat([
        one_group([1.0, 3.0, 5.0], theme="a"), one_group([2.0, 3.0, 4.0], theme="b"),
        one_group([2.0, 3.0, 4.0], theme="a", wave=2),
        one_group([1.0, 3.0, 5.0], theme="b", wave=2),
    ])
    out = team_variation(scores)
    assert out[["wave", "theme", "rank"]].values.tolist() == \
        [[1, "a", 1], [1, "b", 2], [2, "b", 1], [2, "a", 2]]


def test_team_variation_of_no_scores_is_empty():
    out = team_variation(one_group([np.nan, np.nan]))
    assert out.empty and "rank" in out.columns and "iqr" in out.columns


# =========================================================================== weighting
# Weighting by n_teachers is one definition: frequency weights ("each teacher counts").
# Every weighted statistic must equal the unweighted statistic of the data with each row
# repeated ``n_teachers`` times; ``n`` stays the number of rows (interviews) and
# ``n_teachers`` is the weighted n.

SUMMARY_STATS = ["mean", "sd", "median", "q1", "q3", "agree"]


VARIATION_STATS = ["mean", "sd", "q1", "q3", "iqr", "min", "max", "range"]


# --------------------------------------------------------------------------- weighted: property


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
    cells = groups._HISTOGRAM_MAX_CELLS if dense else 0  # histogram or np.unique cells
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(groups, "_HISTOGRAM_MAX_CELLS", cells)
        for by in (["institution", "wave"], ["wave"]):
            weighted = summarise_scores(data, by, weighted=True)
            repeated = summarise_scores(repeat_teachers(data), by)
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
    repeated = team_variation(repeat_teachers(data), ["institution"])
    keys = ["institution", "theme"]
    weighted, repeated = (t.sort_values(keys).reset_index(drop=True)
                          for t in (weighted, repeated))
    assert weighted[keys].values.tolist() == repeated[keys].values.tolist()
    _assert_close(weighted, repeated, VARIATION_STATS)
    assert weighted["n_teachers"].tolist() == repeated["n"].tolist()


# --------------------------------------------------------------------------- weighted: R Hmisc


def _hmisc_cases():
    return [pytest.param(case, id=case["name"]) for case in reference("weighted")["cases"]]


@pytest.mark.parametrize("case", _hmisc_cases())
def test_weighted_statistics_match_r_hmisc(case):
    scores = weighted_group(case["x"], case["w"])
    row = summarise_scores(scores, ["institution"], weighted=True).iloc[0]
    assert row["mean"] == pytest.approx(case["mean"], rel=1e-12)
    assert row["sd"] == pytest.approx(case["sd"], rel=1e-12)
    expected = dict(zip(case["probs"], case["quantiles"], strict=True))
    assert [row["q1"], row["median"], row["q3"]] == \
        pytest.approx([expected[0.25], expected[0.5], expected[0.75]], rel=1e-12)
    g = groups.grouping(scores, ["institution", "theme"])
    levels = {str(p): p for p in case["probs"]}
    q = g.quantiles(levels, g.x * 0 + np.asarray(case["w"], dtype=float))
    assert q.iloc[0].tolist() == pytest.approx(case["quantiles"], rel=1e-12)
    np.testing.assert_allclose(case["quantiles"], case["quantiles_repeated"], rtol=1e-12)


# --------------------------------------------------------------------------- weighted: by hand


def test_weighted_mean_lies_within_the_weighted_quartiles():
    # the trial's complaint: a weighted mean above the unweighted Q3
    scores = weighted_group([1.25, 1.5, 1.75, 2.0, 2.25, 3.75], [1, 1, 1, 1, 1, 6])
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
    row = summarise_scores(weighted_group([3.0], [3]), ["institution"], weighted=True).iloc[0]
    assert (row["n"], row["n_teachers"], row["sd"], row["median"]) == (1, 3, 0.0, 3.0)
    one = summarise_scores(weighted_group([3.0], [1]), ["institution"], weighted=True).iloc[0]
    assert np.isnan(one["sd"])


def test_unit_weights_change_nothing():
    rng = np.random.default_rng(5)
    scores = weighted_group(rng.integers(4, 21, 50) / 4, [1] * 50)
    pd.testing.assert_frame_equal(summarise_scores(scores, ["institution"], weighted=True),
                                  summarise_scores(scores, ["institution"]), rtol=1e-12)


def test_rows_of_weight_zero_count_for_n_only():
    scores = weighted_group([1.0, 2.0, 5.0, 4.0], [1, 2, 0, 1])
    row = summarise_scores(scores, ["institution"], weighted=True).iloc[0]
    same = summarise_scores(weighted_group([1.0, 2.0, 4.0], [1, 2, 1]), ["institution"],
                            weighted=True).iloc[0]
    assert (row["n"], row["n_teachers"]) == (4, 4)
    assert row[SUMMARY_STATS].tolist() == pytest.approx(same[SUMMARY_STATS].tolist())
    tv = team_variation(scores, ["institution"], weighted=True).iloc[0]
    assert (tv["min"], tv["max"]) == (1.0, 4.0)
    none = summarise_scores(weighted_group([3.0, 4.0], [0, 0]), ["institution"], weighted=True)
    assert none["n"].tolist() == [2] and none[SUMMARY_STATS].isna().all(axis=None)


@pytest.mark.parametrize("bad", [np.nan, -1])
def test_weights_must_be_counts(bad):
    scores = weighted_group([1.0, 2.0, 3.0], [1.0, bad, 2.0])
    with pytest.raises(ValueError, match="n_teachers must be a count"):
        summarise_scores(scores, ["institution"], weighted=True)
    with pytest.raises(ValueError, match="n_teachers must be a count"):
        bootstrap_means(scores, ["institution"], seed=1, weighted=True)
    assert summarise_scores(scores, ["institution"])["n"].tolist() == [3]  # unweighted: fine


# --------------------------------------------------------------------------- answer scales


def test_share_agreeing_counts_each_theme_on_its_own_scale(tmp_path):
    inst = two_scale_instrument(tmp_path)
    df = _responses(a1=[3.0, 2.0, 4.0], a2=[3.0, 2.0, 4.0], o1=[4.0, 5.0, 6.0],
                    o2=[4.0, 5.0, 6.0])
    scores = theme_scores(df, inst)
    thresholds = agree_thresholds(inst)
    assert thresholds == {"agree": 3, "often": 5, READINESS: 3}
    table = summarise_scores(scores, ["institution"], agree_from=thresholds).set_index("theme")
    assert table.loc["agree", "agree"] == pytest.approx(2 / 3)  # 3 and 4 of 1-4
    assert table.loc["often", "agree"] == pytest.approx(2 / 3)  # 5 and 6 of 1-6, not 4
    # one threshold for all would count the 4 of 1-6 as agreeing
    single = summarise_scores(scores, ["institution"], agree_from=3).set_index("theme")
    assert single.loc["often", "agree"] == 1.0


def test_a_theme_without_a_threshold_is_an_error(tmp_path):
    scores = pd.DataFrame({"institution": ["X"], "theme": ["other"], "score": [3.0]})
    with pytest.raises(ValueError, match="no threshold for theme 'other'"):
        summarise_scores(scores, ["institution"], agree_from={"vision": 4})


def test_readiness_maps_other_scales_onto_the_default_range(tmp_path):
    inst = two_scale_instrument(tmp_path)
    df = _responses(a1=[4.0, 1.0], a2=[4.0, 1.0], o1=[6.0, 1.0], o2=[1.0, 1.0])
    s = theme_scores(df, inst)
    often = s[s.theme == "often"]["score"].tolist()
    assert often == [3.5, 1.0]  # the theme keeps its own 1-6 units
    readiness = s[s.theme == READINESS]["score"].tolist()
    # 3.5 on 1-6 is 1 + 2.5 * 3 / 5 = 2.5 on 1-4; with the 4 of "agree": (4 + 2.5) / 2
    assert readiness == pytest.approx([3.25, 1.0])


def test_one_scale_readiness_is_the_plain_mean(instrument):
    df = _responses(vis_1=[1.0, 5.0], vis_2=[2.0, 4.0], inf_1=[3.0, 3.0], inf_3=[4.0, 2.0])
    s = theme_scores(df, instrument).set_index(["theme", "respondent_id"])["score"]
    assert s[(READINESS, "p0")] == (1.5 + 3.5) / 2


def test_pooled_summaries_take_per_theme_thresholds(tmp_path):
    inst = two_scale_instrument(tmp_path)
    one = _responses(a1=[3.0, 2.0, 4.0], a2=[3.0, 2.0, 4.0], o1=[4.0, 5.0, 6.0],
                     o2=[4.0, 5.0, 6.0])
    # three alike institutions: a pooled figure needs three (stats.disclosure)
    df = pd.concat([one.assign(institution=i, respondent_id=one["respondent_id"] + i)
                    for i in "XYZ"], ignore_index=True)
    table = summarise_all(theme_scores(df, inst), agree_from=agree_thresholds(inst))
    often = table[table["theme"] == "often"]
    assert often["agree"].tolist() == pytest.approx([2 / 3] * 4)  # X, Y, Z, pooled
