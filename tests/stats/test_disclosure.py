"""Disclosure control (stats/disclosure.py): statistics of small cells are suppressed, and
pooled figures count only large enough cells of at least three institutions."""

import numpy as np
import pandas as pd
import pytest

from readiness_analysis.stats.compare import (
    STATUS_FEW_INSTITUTIONS,
    compare_groups,
    compare_institutions,
)
from readiness_analysis.stats.disclosure import (
    MIN_CELL,
    MIN_INSTITUTIONS,
    pool,
    suppress_few_institutions,
    suppress_small_cells,
)


def test_small_cells_are_suppressed():
    table = pd.DataFrame({"n": [1, 2, 3], "mean": [1.0, 2.0, 3.0], "agree": [0.0, 1.0, 0.5]})
    out = suppress_small_cells(table)
    assert out["suppressed"].tolist() == [True, True, False]
    assert out["mean"].isna().tolist() == [True, True, False]
    assert out["n"].tolist() == [1, 2, 3]


def test_small_cells_of_new_tables_are_suppressed():
    ci = pd.DataFrame({"n": [2, 3], "mean": [1.0, 2.0], "ci_low": [0.5, 1.5],
                       "ci_high": [1.5, 2.5], "iqr": [1.0, 1.0]})
    out = suppress_small_cells(ci)
    assert out[["mean", "ci_low", "ci_high", "iqr"]].iloc[0].isna().all()
    assert out["ci_low"].iloc[1] == 1.5
    change = pd.DataFrame({"n_from": [5, 2], "n_to": [4, 9], "diff": [0.5, 1.0],
                           "mean_from": [2.0, 3.0], "ci_low": [0.1, 0.2]})
    out = suppress_small_cells(change)
    assert out["suppressed"].tolist() == [False, True]
    assert out[["diff", "mean_from", "ci_low"]].iloc[1].isna().all()
    assert out["n_from"].tolist() == [5, 2]


# --- pooled figures: only cells of at least MIN_CELL, and at least MIN_INSTITUTIONS --------


def _table(sizes: dict[str, int], wave: int = 1) -> pd.DataFrame:
    return pd.DataFrame({"institution": [k for k, n in sizes.items() for _ in range(n)],
                         "wave": wave})


def test_the_rule_is_three_respondents_and_three_institutions():
    assert MIN_CELL == 3 and MIN_INSTITUTIONS == 3


@pytest.mark.parametrize(("small", "enters"), [(1, False), (2, False), (3, True)])
def test_a_cell_enters_from_min_cell_respondents(small, enters):
    p = pool(_table({"A": 4, "B": 4, "C": 4, "D": small}))
    assert p.rows[-small:].all() == enters and p.rows[:12].all()
    assert p.institutions == 3 + enters
    assert p.excluded_respondents == (0 if enters else small)
    assert p.excluded_institutions == (0 if enters else 1)


@pytest.mark.parametrize(("institutions", "shown"), [(0, False), (1, False), (2, False),
                                                     (3, True), (4, True)])
def test_a_pooled_figure_needs_three_qualifying_institutions(institutions, shown):
    sizes = {name: 3 for name in "ABCD"[:institutions]}
    p = pool(_table({**sizes, "small": 2}))
    assert p.shown == shown and p.institutions == institutions


def test_only_counted_rows_make_a_cell():
    t = _table({"A": 3, "B": 3, "C": 3})
    counted = np.ones(9, dtype=bool)
    counted[0] = False  # one of A's respondents did not answer: A has 2 on this figure
    p = pool(t, counted)
    assert not p.rows[:3].any() and p.rows[3:].all()
    assert (p.institutions, p.excluded_institutions, p.excluded_respondents) == (2, 1, 2)
    assert not p.shown
    nobody = pool(t, np.zeros(9, dtype=bool))  # all missing
    assert (nobody.institutions, nobody.respondents, nobody.excluded_respondents) == (0, 0, 0)


def test_cells_are_per_wave():
    t = pd.concat([_table({"A": 3, "B": 3, "C": 3}), _table({"A": 2, "B": 3, "C": 3}, 2)])
    p = pool(t)
    assert p.rows.sum() == 15 and p.excluded_respondents == 2
    assert p.excluded_institutions == 0  # A still counts with its first wave
    assert not pool(t, cell=("institution",)).excluded_respondents  # over both waves: 5


def test_an_empty_table_pools_nothing():
    p = pool(_table({}))
    assert p.rows.size == 0 and p.respondents == 0 and not p.shown


def test_pooled_rows_over_two_institutions_lose_their_statistics_but_not_their_counts():
    t = pd.DataFrame({"institution": ["A", None, None], "n_institutions": [1, 2, 3],
                      "n": [5, 10, 15], "mean": [3.0, 3.5, 4.0], "agree": [0.2, 0.4, 0.6],
                      "ci_low": [2.0, 3.0, 3.5], "suppressed": False})
    out = suppress_few_institutions(t)
    assert out["suppressed"].tolist() == [False, True, False]  # A's own row is no pooled row
    assert out.loc[1, ["mean", "agree", "ci_low"]].isna().all()
    assert out["n"].tolist() == [5, 10, 15]


def _scores(sizes: dict[str, int]) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = [(k, float(rng.integers(1, 6))) for k, n in sizes.items() for _ in range(n)]
    return pd.DataFrame(rows, columns=["institution", "score"]).assign(theme="vision", wave=1)


def test_a_small_school_is_left_out_of_the_comparison_and_cannot_change_it():
    big = {"A": 6, "B": 6, "C": 6}
    scores = _scores({**big, "D": 1})
    row = compare_institutions(scores).overall.iloc[0]
    assert row["status"] == "ok" and row["n_groups"] == 3
    assert (row["n_excluded"], row["excluded_institutions"]) == (1, 1)
    for answer in (1.0, 5.0):  # every candidate answer of D gives the same test
        other = scores.assign(score=scores["score"].where(scores["institution"] != "D", answer))
        pd.testing.assert_frame_equal(compare_institutions(other).overall,
                                      compare_institutions(scores).overall)
    plain = compare_groups(_scores(big)).overall.iloc[0]
    assert row["h"] == pytest.approx(plain["h"]) and row["p"] == pytest.approx(plain["p"])


def test_two_qualifying_schools_are_not_compared_and_leave_the_holm_family():
    two = _scores({"A": 6, "B": 6, "D": 2})
    three = _scores({"A": 6, "B": 6, "C": 6}).assign(theme="tools")
    result = compare_institutions(pd.concat([two, three], ignore_index=True))
    overall = result.overall.set_index("theme")
    assert overall.loc["vision", "status"] == STATUS_FEW_INSTITUTIONS
    assert np.isnan(overall.loc["vision", ["h", "p", "p_adjusted", "epsilon2"]].astype(float)).all()
    assert overall.loc["tools", "status"] == "ok"
    assert overall.loc["tools", "p_adjusted"] == pytest.approx(overall.loc["tools", "p"])


def test_one_institution_is_still_one_group():
    row = compare_institutions(_scores({"A": 2})).overall.iloc[0]
    assert row["status"] == "one group"
