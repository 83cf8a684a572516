import numpy as np
import pandas as pd
import pytest

from readiness_analysis.findings import SCAN_WEIGHT, rank_recommendations
from readiness_analysis.itemstats import answer_shares


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


def test_answer_shares_by_hand(instrument):
    df = pd.DataFrame({"inf_1": [1.0, 2.0, np.nan], "inf_2": [2.0, np.nan, np.nan],
                       "inf_3": [5.0, 5.0, np.nan]})
    row = answer_shares(df, instrument).set_index("theme").loc["infrastructure"]
    assert row["n"] == 2 and row["answers"] == 5
    assert [row[v] for v in range(1, 6)] == pytest.approx([0.2, 0.4, 0, 0, 0.4])
    empty = answer_shares(df, instrument).set_index("theme").loc["vision"]
    assert empty["answers"] == 0 and np.isnan(empty[3])


def test_joint_display_puts_scan_and_codes_per_recommendation(instrument):
    from readiness_analysis.coding import load_codebook
    from readiness_analysis.findings import joint_display

    summary = pd.DataFrame({"theme": ["infrastructure", "tools"], "mean": [2.0, 3.5],
                            "n": [10, 9]})
    frags = pd.DataFrame({"fragment_id": ["a", "b", "b", "c"],
                          "code": ["wifi_infrastructure", "wifi_infrastructure",
                                   "tools_not_facilitated", "willingness"],
                          "valence": ["hindering", "hindering", "hindering", "stimulating"],
                          "recommendation": ["R3", "R3", "R3", "R4"]})
    table = joint_display(summary, frags, instrument, load_codebook(), "en").set_index(
        "Recommendation")
    assert table.loc["R3", "Scan"] == ("ICT infrastructure and wifi: 2.00 (n = 10); "
                                       "Digital tools and resources: 3.50 (n = 9)")
    assert table.loc["R3", "Hindering"] == "Wifi and ICT infrastructure (2); Tools not provided (1)"
    assert table.loc["R4", "Stimulating"] == "Willingness (1)" and table.loc["R1", "Scan"] == "–"
