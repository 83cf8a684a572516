"""The contract of the cleaned responses (io/contracts.py): each violation named."""

import numpy as np
import pandas as pd
import pytest

from readiness_analysis.io.contracts import ContractError, validate_responses


def _valid(instrument, n=3):
    meta = pd.DataFrame({"respondent_id": [f"p{i}" for i in range(n)],
                         "institution": ["X"] * n, "n_teachers": [1] * n, "wave": [1] * n})
    items = pd.DataFrame(3.0, index=range(n), columns=instrument.item_ids)
    return pd.concat([meta, items], axis=1)


def test_clean_output_satisfies_the_contract(instrument):
    frame = _valid(instrument)
    frame.loc[0, "def_1"] = np.nan
    assert validate_responses(frame, instrument) is frame


@pytest.mark.parametrize(
    ("change", "column"),
    [
        (lambda f: f.__setitem__("def_1", 7.0), "def_1"),
        (lambda f: f.__setitem__("def_2", 2.5), "def_2"),
        (lambda f: f.__setitem__("n_teachers", 0), "n_teachers"),
        (lambda f: f.__setitem__("respondent_id", "same"), "respondent_id"),
        (lambda f: f.__setitem__("institution", ""), "institution"),
    ],
)
def test_contract_violations_name_the_column(instrument, change, column):
    frame = _valid(instrument)
    change(frame)
    with pytest.raises(ContractError) as info:
        validate_responses(frame, instrument)
    assert info.value.column == column
    assert "rebuild" in str(info.value)


def test_missing_or_extra_item_column_breaks_the_contract(instrument):
    with pytest.raises(ContractError):
        validate_responses(_valid(instrument).drop(columns="def_1"), instrument)
    with pytest.raises(ContractError):
        validate_responses(_valid(instrument).assign(extra=1.0), instrument)


def test_one_contract_failure_is_singular(instrument):
    frame = pd.DataFrame({"respondent_id": ["p"], "institution": ["X"], "n_teachers": [0],
                          "wave": [1], **{i: [3.0] for i in instrument.item_ids}})
    with pytest.raises(ContractError) as info:
        validate_responses(frame, instrument)
    assert "1 failure in all" in str(info.value)
