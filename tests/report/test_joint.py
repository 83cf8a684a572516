"""The joint display (report/joint.py): scan and codes side by side per recommendation."""

import pandas as pd

from readiness_analysis.report.joint import joint_display
from readiness_analysis.spec.codebook import load_codebook
from readiness_analysis.spec.study import load_study


def test_joint_display_puts_scan_and_codes_per_recommendation(instrument):
    summary = pd.DataFrame({"theme": ["infrastructure", "tools"], "mean": [2.0, 3.5],
                            "n": [10, 9]})
    frags = pd.DataFrame({"fragment_id": ["a", "b", "b", "c"],
                          "code": ["wifi_infrastructure", "wifi_infrastructure",
                                   "tools_not_facilitated", "willingness"],
                          "valence": ["hindering", "hindering", "hindering", "stimulating"],
                          "recommendation": ["R3", "R3", "R3", "R4"]})
    table = joint_display(summary, frags, instrument, load_codebook(), "en",
                          links=load_study().links(instrument)).set_index("Recommendation")
    assert table.loc["R3", "Scan"] == ("ICT infrastructure and wifi: 2.00 (n = 10); "
                                       "Digital tools and resources: 3.50 (n = 9)")
    assert table.loc["R3", "Hindering"] == "Wifi and ICT infrastructure (2); Tools not provided (1)"
    assert table.loc["R4", "Stimulating"] == "Willingness (1)" and table.loc["R1", "Scan"] == "–"


def test_joint_display_follows_the_studys_own_recommendations(instrument):
    summary = pd.DataFrame({"theme": ["vision", "tools"], "mean": [2.0, 3.5], "n": [10, 9]})
    frags = pd.DataFrame(columns=["fragment_id", "code", "valence", "recommendation"])
    table = joint_display(summary, frags, instrument, load_codebook(), "en",
                          links={"Plan": ["vision"], "Tools": ["tools", "time"]})
    assert table["Recommendation"].tolist() == ["Plan", "Tools"]
    assert table["Scan"].tolist() == ["Vision and policy: 2.00 (n = 10)",
                                      "Digital tools and resources: 3.50 (n = 9)"]
