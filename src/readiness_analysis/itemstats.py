"""Item-level answer distributions (for diverging stacked bars)."""

from __future__ import annotations

import pandas as pd

from .instrument import Instrument

__all__ = ["answer_shares"]


def answer_shares(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Share of each answer value per theme, over all items of the theme.

    Answers are taken after reverse keying (cleaning already recoded them), so a high
    value always means "more ready". Missing answers are left out of the shares.

    Returns
    -------
    DataFrame
        One row per theme (instrument order): ``theme``, ``n`` (respondents with at least
        one answer in the theme), ``answers`` (number of answers), then one column per
        scale value with its share (0-1; rows sum to 1, or are all NaN without answers).

    Examples
    --------
    >>> from readiness_analysis.instrument import load_instrument
    >>> df = pd.DataFrame({"vis_1": [1.0, 5.0], "vis_2": [5.0, None]})
    >>> row = answer_shares(df, load_instrument()).set_index("theme").loc["vision"]
    >>> int(row["n"]), int(row["answers"]), round(float(row[5]), 3)
    (2, 3, 0.667)
    """
    values = list(instrument.scale)
    rows = []
    for theme in instrument.theme_ids:
        items = [i for i in instrument.items_of(theme) if i in responses]
        block = responses[items] if items else pd.DataFrame(index=responses.index)
        answers = block.stack().dropna() if items else pd.Series(dtype=float)
        counts = answers.value_counts().reindex(values, fill_value=0)
        total = int(counts.sum())
        shares = (counts / total) if total else counts.astype(float) * float("nan")
        rows.append({"theme": theme, "n": int(block.notna().any(axis=1).sum()),
                     "answers": total, **shares.to_dict()})
    return pd.DataFrame(rows, columns=["theme", "n", "answers", *values])
