"""Answer shares per theme (stats/itemstats.py), by hand and weighted by teachers."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness_analysis.spec.instrument import load_instrument
from readiness_analysis.stats.itemstats import answer_shares

from .frames import repeat_teachers

INSTRUMENT = load_instrument()


def test_answer_shares_by_hand(instrument):
    df = pd.DataFrame({"inf_1": [1.0, 2.0, np.nan], "inf_2": [2.0, np.nan, np.nan],
                       "inf_3": [5.0, 5.0, np.nan]})
    row = answer_shares(df, instrument).set_index("theme").loc["infrastructure"]
    assert row["n"] == 2 and row["answers"] == 5
    assert [row[v] for v in range(1, 6)] == pytest.approx([0.2, 0.4, 0, 0, 0.4])
    empty = answer_shares(df, instrument).set_index("theme").loc["vision"]
    assert empty["answers"] == 0 and np.isnan(empty[3])


@settings(max_examples=40, deadline=None)
@given(answers=st.lists(st.tuples(st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, np.nan]),
                                  st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, np.nan]),
                                  st.integers(1, 6)), min_size=1, max_size=30))
def test_weighted_answer_shares_are_those_of_the_repeated_rows(answers):
    responses = pd.DataFrame(answers, columns=["vis_1", "vis_2", "n_teachers"])
    weighted = answer_shares(responses, INSTRUMENT, weighted=True)
    repeated = answer_shares(repeat_teachers(responses), INSTRUMENT)
    np.testing.assert_allclose(weighted[[1, 2, 3, 4, 5]].to_numpy(float),
                               repeated[[1, 2, 3, 4, 5]].to_numpy(float), rtol=1e-12)
    assert weighted["n_teachers"].tolist() == repeated["n"].tolist()
    unweighted = answer_shares(responses, INSTRUMENT)
    assert weighted[["n", "answers"]].equals(unweighted[["n", "answers"]])
