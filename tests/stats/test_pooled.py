"""Pooled summaries (stats/pooled.py): intervals kept inside the answer scale."""

import pandas as pd

from readiness_analysis.stats.pooled import summarise_all


def test_intervals_are_clipped_to_the_scale_and_never_widened():
    df = pd.DataFrame({"institution": ["A"] * 4, "wave": 1, "theme": "vision", "n_teachers": 1,
                       "score": [4.0, 5.0, 5.0, 5.0]})
    free = summarise_all(df).iloc[0]
    clipped = summarise_all(df, bounds={"vision": (1, 5)}).iloc[0]
    assert free["ci_high"] > 5 and clipped["ci_high"] == 5
    assert clipped["ci_low"] == free["ci_low"] and clipped["mean"] == free["mean"]
    other = summarise_all(df, bounds={"tools": (1, 5)}).iloc[0]  # no bounds for this theme
    assert other["ci_high"] == free["ci_high"]
