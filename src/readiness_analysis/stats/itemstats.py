"""Item-level answer distributions (for diverging stacked bars)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from readiness_analysis.spec.instrument import Instrument

__all__ = ["answer_shares"]


def answer_shares(
    responses: pd.DataFrame, instrument: Instrument, *, weighted: bool = False
) -> pd.DataFrame:
    """Share of each answer value per theme, over all items of the theme.

    Answers are taken after reverse keying (cleaning already recoded them), so a high
    value always means "more ready". Each theme counts the values of its own scale
    (``instrument.scale_of_theme``); missing answers, and values off that scale, are left
    out of the shares.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses: one row per respondent (interview), one column per item and
        ``n_teachers`` (1 per row when the column is absent).
    instrument : Instrument
    weighted : bool
        Treat ``n_teachers`` as frequency weights: each answer counts once per teacher,
        as if each row were repeated ``n_teachers`` times (as
        ``summarise_scores(weighted=True)``). Then the shares are shares of teachers'
        answers; unweighted, of the interviews' answers.

    Returns
    -------
    DataFrame
        One row per theme (instrument order): ``theme``, ``n`` (rows, i.e. interviews,
        with at least one answer in the theme), ``n_teachers`` (teachers in those rows),
        ``answers`` (number of answers, unweighted), then one column per answer value of
        any of the instrument's scales, lowest first, with its share (0-1; a theme's own
        values sum to 1, or are all NaN without answers; values not on the theme's scale
        are NaN).

    Raises
    ------
    ValueError
        When ``weighted`` and an ``n_teachers`` is missing or negative.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> df = pd.DataFrame({"vis_1": [1.0, 5.0], "vis_2": [5.0, None]})
    >>> row = answer_shares(df, load_instrument()).set_index("theme").loc["vision"]
    >>> int(row["n"]), int(row["answers"]), round(float(row[5]), 3)
    (2, 3, 0.667)
    >>> df["n_teachers"] = [1, 3]  # the second interview: three teachers answered 5
    >>> row = answer_shares(df, load_instrument(), weighted=True).set_index("theme")
    >>> int(row.loc["vision", "n_teachers"]), float(row.loc["vision", 5])
    (4, 0.8)
    """
    every = sorted({v for t in instrument.theme_ids for v in instrument.scale_of_theme(t).values})
    teachers = _teachers(responses, weighted=weighted)
    rows = []
    for theme in instrument.theme_ids:
        values = instrument.scale_of_theme(theme).values
        items = [i for i in instrument.items_of(theme) if i in responses]
        block = responses[items].to_numpy(dtype=float, na_value=np.nan).reshape(
            len(responses), len(items))
        weight = teachers[:, None] if weighted else 1.0
        counts = np.array([np.sum((block == v) * weight) for v in values], dtype=float)
        total = counts.sum()
        shares = counts / total if total > 0 else np.full(len(values), np.nan)
        answering = ~np.isnan(block).all(axis=1)
        rows.append({"theme": theme, "n": int(answering.sum()),
                     "n_teachers": int(np.rint(teachers[answering].sum())),
                     "answers": int(np.isin(block, values).sum()),
                     **dict(zip(values, shares, strict=True))})
    return pd.DataFrame(rows, columns=["theme", "n", "n_teachers", "answers", *every])


def _teachers(responses: pd.DataFrame, *, weighted: bool) -> np.ndarray:
    """``n_teachers`` per row as floats (missing as 0; 1 without the column)."""
    if "n_teachers" not in responses:
        return np.ones(len(responses))
    teachers = responses["n_teachers"].to_numpy(dtype=float, na_value=np.nan)
    if weighted and not np.all(teachers >= 0):  # False for NaN too
        raise ValueError("n_teachers must be a count >= 0 in every row to weight by it; "
                         "clean the export with clean_scan or fill missing counts with 1")
    return np.nan_to_num(teachers)
