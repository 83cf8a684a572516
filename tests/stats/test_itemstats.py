"""Answer shares per theme (stats/itemstats.py), by hand and weighted by teachers."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness_analysis.spec.instrument import load_instrument
from readiness_analysis.stats.itemstats import answer_shares

from ..scales import two_scale_instrument
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


def test_answer_shares_count_each_theme_on_its_own_scale(tmp_path):
    inst = two_scale_instrument(tmp_path)
    df = pd.DataFrame({"a1": [1.0, 4.0], "a2": [4.0, np.nan], "o1": [5.0, 6.0],
                       "o2": [6.0, 6.0]})
    shares = answer_shares(df, inst).set_index("theme")
    assert list(shares.columns[3:]) == [1, 2, 3, 4, 5, 6]
    agree, often = shares.loc["agree"], shares.loc["often"]
    assert [agree[v] for v in range(1, 5)] == pytest.approx([1 / 3, 0, 0, 2 / 3])
    assert np.isnan(agree[5]) and np.isnan(agree[6])  # not values of the 1-4 scale
    assert [often[v] for v in range(1, 7)] == pytest.approx([0, 0, 0, 0, 0.25, 0.75])
    assert agree["answers"] == 3 and often["answers"] == 4


def test_a_value_off_the_theme_scale_is_not_an_answer(tmp_path):
    inst = two_scale_instrument(tmp_path)
    df = pd.DataFrame({"a1": [5.0, 6.0, 1.0]})  # 5 and 6 are on the other theme's scale
    agree = answer_shares(df, inst).set_index("theme").loc["agree"]
    assert agree["answers"] == 1 and agree[1] == 1.0
