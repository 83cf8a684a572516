"""Theme profiles per role and per group (stats/perspectives.py): suppression that holds.

Every shown figure is checked the way an attacker would use it: the institution's own
total (shown in its report) minus the shown cells must never give away a hidden cell,
nor may two shown cells of a role and a group differ by a few respondents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from readiness_analysis.stats.disclosure import MIN_CELL
from readiness_analysis.stats.perspectives import (
    SUMMARY_COLUMNS,
    largest_gaps,
    perspective_summary,
    with_perspectives,
)
from readiness_analysis.stats.scores import summarise_scores, theme_scores


def _scores(roles, groups=None, *, themes=("vision",), seed=1, wave=1, institution="X"):
    """One score per respondent and theme; ``roles``/``groups`` one entry per respondent."""
    rng = np.random.default_rng(seed)
    n = len(roles)
    frame = pd.DataFrame({
        "respondent_id": np.tile([f"p{i}" for i in range(n)], len(themes)),
        "institution": institution, "wave": wave, "n_teachers": 1,
        "theme": np.repeat(list(themes), n),
        "score": rng.integers(1, 6, size=n * len(themes)).astype(float),
        "role": np.tile(np.array(roles, dtype=object), len(themes)),
    })
    if groups is not None:
        frame["group"] = np.tile(np.array(groups, dtype=object), len(themes))
    return frame


def _recover(scores: pd.DataFrame, summary: pd.DataFrame, dimension: str = "role"):
    """What the shown figures give away: per theme, the total of the respondents in no
    shown cell (institution total minus the shown cells' totals), and how many they are."""
    whole = summarise_scores(scores, ["institution"])
    out = {}
    for theme, cells in summary[summary["dimension"] == dimension].groupby(
            "theme", observed=True):
        total = whole.loc[whole["theme"] == theme].iloc[0]
        shown = cells[~cells["suppressed"]]
        rest_n = int(total["n"] - shown["n"].sum())
        rest_sum = total["mean"] * total["n"] - (shown["mean"] * shown["n"]).sum()
        out[str(theme)] = (rest_n, rest_sum)
    return out


@pytest.mark.parametrize("small", [1, 2, 3])
def test_a_cell_of_n_1_2_3_is_suppressed_below_the_minimum_only(small):
    roles = ["docent"] * 6 + ["student"] * 5 + ["leiding"] * small
    summary = perspective_summary(_scores(roles))
    cell = summary.set_index("category").loc["leiding"]
    assert cell["n"] == small
    assert bool(cell["suppressed"]) == (small < MIN_CELL)
    assert pd.isna(cell["mean"]) == (small < MIN_CELL)
    if small < MIN_CELL:  # one more cell hidden, so the small one cannot be worked out
        assert summary["suppressed"].sum() == 2
        assert cell["reason"] == "small"
    else:
        assert not summary["suppressed"].any()


@pytest.mark.parametrize("small", [1, 2])
def test_a_suppressed_mean_cannot_be_recovered_from_the_shown_ones(small):
    roles = ["docent"] * 6 + ["student"] * 5 + ["leiding"] * small
    scores = _scores(roles, seed=small)
    summary = perspective_summary(scores)
    rest_n, _ = _recover(scores, summary)["vision"]
    assert rest_n == 0 or rest_n >= MIN_CELL  # the hidden ones are never fewer than MIN_CELL
    # without the complementary cell the small one would be exactly recoverable
    shown_wrongly = summary.copy()
    docent = shown_wrongly["category"] == "docent"
    if shown_wrongly.loc[docent, "suppressed"].item():
        shown_wrongly.loc[docent, "suppressed"] = False
    else:
        shown_wrongly.loc[shown_wrongly["category"] == "student", "suppressed"] = False
    cells = scores[scores["role"] != "leiding"].groupby("role")["score"].mean()
    shown_wrongly.loc[shown_wrongly["category"].isin(cells.index), "mean"] = (
        shown_wrongly["category"].map(cells))
    n, total = _recover(scores, shown_wrongly)["vision"]
    true = scores.loc[scores["role"] == "leiding", "score"].sum()
    assert n == small and total == pytest.approx(true)  # the attack the rule prevents


def test_respondents_without_a_role_count_as_hidden():
    """Everyone has a role but one: showing every role would give that one away."""
    roles = ["docent"] * 6 + ["student"] * 5 + [None]
    scores = _scores(roles)
    summary = perspective_summary(scores)
    assert summary["suppressed"].sum() == 1  # the smaller role, beside the one without
    rest_n, _ = _recover(scores, summary)["vision"]
    assert rest_n >= MIN_CELL


def test_hidden_respondents_that_are_enough_need_no_second_cell():
    roles = ["docent"] * 6 + ["student"] * 5 + ["leiding", "leiding", "staf"]
    summary = perspective_summary(_scores(roles)).set_index("category")
    assert summary["reason"].to_dict() == {"docent": "", "leiding": "small", "staf": "small",
                                           "student": ""}


def test_a_role_hidden_in_one_theme_is_hidden_in_all():
    """Else the overall score and the other themes would give the hidden theme away."""
    roles = ["docent"] * 6 + ["student"] * 4 + ["leiding"] * 3
    scores = _scores(roles, themes=("vision", "time"))
    missing = (scores["theme"] == "time") & (scores["respondent_id"] == "p12")
    scores.loc[missing, "score"] = np.nan  # one leader skipped a theme: n 2 there
    summary = perspective_summary(scores)
    leiding = summary[summary["category"] == "leiding"].set_index("theme")["reason"]
    assert leiding.astype(str).to_dict() == {"vision": "linked", "time": "small"}
    for theme, (rest_n, _) in _recover(scores, summary).items():
        assert rest_n == 0 or rest_n >= MIN_CELL, theme


def test_a_role_and_a_group_that_differ_by_one_respondent_are_not_both_shown():
    """Team A is all the teachers plus one student: their difference is that student."""
    roles = ["docent"] * 6 + ["student"] * 6
    groups = ["A"] * 7 + ["B"] * 5
    summary = perspective_summary(_scores(roles, groups))
    shown = set(summary[~summary["suppressed"]].set_index(["dimension", "category"]).index)
    assert not {("role", "docent"), ("group", "A")} <= shown
    assert not {("role", "student"), ("group", "B")} <= shown  # the same, the other way
    assert not {("role", "student"), ("group", "A")} <= shown  # A' = B: student Δ B = 1
    assert (summary["reason"] == "overlap").any() and len(shown) >= 1


def test_every_pair_of_shown_role_and_group_cells_is_safe():
    rng = np.random.default_rng(4)
    roles = rng.choice(["docent", "student", "leiding"], size=40, p=[0.5, 0.4, 0.1])
    groups = rng.choice(["A", "B", "C"], size=40)
    scores = _scores(list(roles), list(groups), themes=("vision", "time", "tools"))
    summary = perspective_summary(scores)
    people = scores[scores["theme"] == "vision"]
    shown = summary[~summary["suppressed"] & (summary["theme"] == "vision")]
    for _, a in shown[shown["dimension"] == "role"].iterrows():
        for _, b in shown[shown["dimension"] == "group"].iterrows():
            in_a, in_b = people["role"] == a["category"], people["group"] == b["category"]
            for apart in ((in_a ^ in_b).sum(), (in_a ^ ~in_b).sum()):
                assert apart == 0 or apart >= MIN_CELL
    for dimension in ("role", "group"):
        for rest_n, _ in _recover(scores, summary, dimension).values():
            assert rest_n == 0 or rest_n >= MIN_CELL


def test_gaps_are_only_between_shown_cells():
    roles = ["docent"] * 4 + ["leiding"] * 4 + ["student"]
    scores = _scores(roles)
    scores.loc[scores["role"] == "docent", "score"] = 3.0
    scores.loc[scores["role"] == "leiding", "score"] = 4.0
    scores.loc[scores["role"] == "student", "score"] = 1.0  # the largest gap, but hidden
    summary = perspective_summary(scores)
    assert set(summary.loc[~summary["suppressed"], "category"]) == {"leiding"}
    assert largest_gaps(summary).empty  # one shown role: nothing to compare
    roles = ["docent"] * 4 + ["leiding"] * 4 + ["student"] * 4 + ["staf"]
    scores = _scores(roles)
    for role, value in {"docent": 3.0, "leiding": 4.5, "student": 2.0, "staf": 5.0}.items():
        scores.loc[scores["role"] == role, "score"] = value
    summary = perspective_summary(scores)
    gaps = largest_gaps(summary)
    shown = set(summary.loc[~summary["suppressed"], "category"])
    assert {"staf"} & shown == set()
    assert set(gaps["high"]) | set(gaps["low"]) <= shown
    assert gaps[["high", "low"]].iloc[0].tolist() == [
        summary.loc[~summary["suppressed"]].sort_values("mean")["category"].iloc[-1],
        summary.loc[~summary["suppressed"]].sort_values("mean")["category"].iloc[0]]
    assert gaps["diff"].iloc[0] == pytest.approx(gaps["mean_high"].iloc[0]
                                                 - gaps["mean_low"].iloc[0])


def test_the_latest_wave_and_the_weights_are_used():
    early = _scores(["docent"] * 3 + ["student"] * 3, wave=1)
    late = _scores(["docent"] * 3 + ["student"] * 4, wave=2, seed=9)
    late["n_teachers"] = [1, 2, 3, 1, 1, 1, 1]
    summary = perspective_summary(pd.concat([early, late]), weighted=True)
    assert set(summary["wave"]) == {2}
    docent = late[late["role"] == "docent"]
    expected = np.average(docent["score"], weights=docent["n_teachers"])
    assert summary.set_index("category").loc["docent", "mean"] == pytest.approx(expected)


def test_empty_one_role_and_all_missing():
    assert perspective_summary(_scores([]).iloc[0:0]).columns.tolist() == list(SUMMARY_COLUMNS)
    assert perspective_summary(_scores([None] * 5)).empty  # every role missing
    assert perspective_summary(_scores(["docent"] * 5).drop(columns="role")).empty
    one = perspective_summary(_scores(["docent"] * 5))  # the one role is everyone: shown
    assert one["category"].tolist() == ["docent"] and not one["suppressed"].any()
    assert largest_gaps(one).empty
    tiny = perspective_summary(_scores(["docent"] * 2))  # the institution itself is small
    assert tiny["suppressed"].all() and tiny["mean_all"].isna().all()


def test_with_perspectives_follows_the_respondents(instrument):
    responses = pd.DataFrame({
        "respondent_id": ["p1", "p2", "p3"], "institution": ["X"] * 3, "n_teachers": 1,
        "wave": 1, "role": pd.array(["docent", None, "student"], dtype="string"),
        "group": pd.array(["A", "B", None], dtype="string"),
        "vis_1": [1.0, 2.0, 3.0], "vis_2": [1.0, 2.0, 3.0]})
    scores = with_perspectives(theme_scores(responses, instrument), responses)
    vision = scores[scores["theme"] == "vision"].set_index("respondent_id")
    assert vision["role"].tolist()[::2] == ["docent", "student"]
    assert pd.isna(vision.loc["p2", "role"])
    assert vision.loc["p2", "group"] == "B"
    plain = responses.drop(columns=["role", "group"])
    assert with_perspectives(theme_scores(plain, instrument), plain).columns.tolist() == (
        theme_scores(plain, instrument).columns.tolist())
