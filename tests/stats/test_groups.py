"""Grouped statistics (stats/groups.py): every code path gives the same summary."""

import pandas as pd
import pytest

from readiness_analysis.stats import groups
from readiness_analysis.stats.scores import summarise_scores

from .frames import random_scores


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("knob", ["_DENSE_MAX_IDS", "_QUANTILE_CHUNK_ROWS",
                                  "_HISTOGRAM_MAX_CELLS"])
def test_summary_is_the_same_along_the_other_code_paths(monkeypatch, knob, weighted):
    # hashed instead of dense group ids; quantiles in many chunks instead of one;
    # weighted quantiles over np.unique cells instead of a dense histogram
    scores = random_scores(seed=3)
    default = summarise_scores(scores, ["institution", "wave"], weighted=weighted)
    monkeypatch.setattr(groups, knob, 7)
    other = summarise_scores(scores, ["institution", "wave"], weighted=weighted)
    pd.testing.assert_frame_equal(default, other)
    assert len(default) > 10
