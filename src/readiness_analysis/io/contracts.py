"""Data contracts: the column types and ranges that processed data must satisfy.

Cleaning promises a table the analysis can trust; this module states that promise as a
pandera schema built from the instrument, and the pipeline validates against it before
any analysis runs. A violation here is a bug in cleaning (or a hand-edited processed
file), so the error says exactly which column and rows break which rule.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from readiness_analysis.core.errors import ContractError, shorten
from readiness_analysis.core.words import plural
from readiness_analysis.io.perspectives import PERSPECTIVES, ROLE
from readiness_analysis.spec.instrument import Instrument

__all__ = ["ContractError", "responses_schema", "validate_responses"]


def responses_schema(instrument: Instrument) -> pa.DataFrameSchema:
    """The contract of ``responses.parquet`` for ``instrument``.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> schema = responses_schema(load_instrument())
    >>> sorted(schema.columns)[:3]
    ['def_1', 'def_2', 'def_3']
    """
    columns = {
        "respondent_id": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
        "institution": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
        "n_teachers": pa.Column(int, pa.Check.ge(1), nullable=False),
        "wave": pa.Column(int, pa.Check.ge(1), nullable=False),
    }
    for column in PERSPECTIVES:  # optional: role and group, when the export has them
        checks = [pa.Check.str_length(min_value=1)]
        if column == ROLE and instrument.respondent_roles:
            checks.append(pa.Check.isin(list(instrument.respondent_roles)))
        columns[column] = pa.Column(str, checks, nullable=True, required=False)
    for item in instrument.item_ids:  # each item on its own scale
        values = instrument.scale_of_item(item).values
        columns[item] = pa.Column(float, pa.Check.isin(values), nullable=True)
    return pa.DataFrameSchema(
        columns,
        strict=True,
        ordered=True,
        unique=["respondent_id", "wave"],
        coerce=False,
        name="responses",
    )


def validate_responses(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Check cleaned responses against the contract; return them unchanged.

    Raises
    ------
    ContractError
        Naming the column, the rule and up to five offending values.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> inst = load_instrument()
    >>> bad = pd.DataFrame({"respondent_id": ["p"], "institution": ["X"],
    ...                     "n_teachers": [0], "wave": [1]})
    >>> validate_responses(bad, inst)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    readiness_analysis.core.errors.ContractError: responses: ...
    """
    schema = responses_schema(instrument)
    frame = responses.astype({"respondent_id": str, "institution": str}, errors="ignore")
    for column in PERSPECTIVES:  # text with NA: checked as object strings
        if column in frame:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.iloc[0]
        column = None if pd.isna(first["column"]) else str(first["column"])
        values = ", ".join(map(shorten, cases["failure_case"].head(5)))
        raise ContractError(
            f"responses: rule {first['check']} fails on column {shorten(column)} ({values}); "
            f"{plural(len(cases), 'failure')} in all",
            column=column,
            hint="this is a bug in cleaning or a hand-edited processed file: rebuild",
        ) from None
    return responses
