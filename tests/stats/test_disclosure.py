"""Disclosure control (stats/disclosure.py): statistics of small cells are suppressed."""

import pandas as pd

from readiness_analysis.stats.disclosure import suppress_small_cells


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
