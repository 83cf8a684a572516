"""Ranking the study's recommendations (stats/ranking.py): the documented priority formula."""

import pandas as pd
import pytest

from readiness_analysis.stats.ranking import SCAN_WEIGHT, rank_recommendations


def _frags(rows):
    return pd.DataFrame(rows, columns=["fragment_id", "valence", "recommendation"])


def test_priority_follows_the_documented_formula(instrument):
    summary = pd.DataFrame({"theme": ["vision", "infrastructure", "tools", "timetable"],
                            "mean": [2.0, 1.0, 3.0, 5.0]})
    study = _frags([("f1", "hindering", "R3"), ("f2", "hindering", "R3"),
                    ("f3", "hindering", "R2"), ("f4", "stimulating", "R2")])
    table = rank_recommendations(summary, instrument, study.iloc[:0], study).set_index(
        "recommendation")
    need_r2 = (5 - 2.0) / 4
    need_r3 = ((5 - 1.0) / 4 + (5 - 3.0) / 4 + 0) / 3
    assert table.loc["R2", "need"] == pytest.approx(need_r2)
    assert table.loc["R3", "need"] == pytest.approx(need_r3)
    assert table.loc["R3", "barriers"] == pytest.approx(2 / 3)
    assert table.loc["R2", "priority"] == pytest.approx(
        SCAN_WEIGHT * need_r2 + (1 - SCAN_WEIGHT) / 3)
    assert table.loc["R2", "rank"] == 1 and table.loc["R3", "rank"] == 2
    assert (table["barrier_source"] == "study").all()
    assert table.loc["R3", "n_barriers"] == 2


def test_own_fragments_are_used_from_five_on(instrument):
    summary = pd.DataFrame({"theme": ["vision"], "mean": [3.0]})
    own = _frags([(f"o{i}", "hindering", "R5") for i in range(5)])
    study = _frags([("s1", "hindering", "R1")])
    table = rank_recommendations(summary, instrument, own, study).set_index("recommendation")
    assert (table["barrier_source"] == "own").all()
    assert table.loc["R5", "barriers"] == 1.0 and table.loc["R1", "barriers"] == 0.0
    four = rank_recommendations(summary, instrument, own.iloc[:4], study)
    assert (four["barrier_source"] == "study").all()


def test_ties_follow_the_guides_order(instrument):
    empty = _frags([])
    top = pd.DataFrame({"theme": instrument.theme_ids, "mean": instrument.scale_max})
    table = rank_recommendations(top, instrument, empty, empty)
    assert table["recommendation"].tolist() == ["R1", "R2", "R3", "R4", "R5"]
    assert table["priority"].eq(0).all() and (table["basis"] == "scan").all()
