"""Disclosure control: statistics of groups under the minimum cell size are blanked."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MIN_CELL", "suppress_small_cells"]


MIN_CELL = 3


_SUPPRESSED = ("mean", "sd", "median", "q1", "q3", "agree", "ci_low", "ci_high", "min",
               "max", "iqr", "range", "rank", "mean_from", "mean_to", "diff")


def suppress_small_cells(table: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Blank the statistics of groups with fewer than ``min_n`` respondents.

    Adds a boolean ``suppressed`` column; counts themselves stay visible. Works on the
    tables of this module: the group size is ``n``, or for :func:`wave_change` the
    smaller of ``n_from`` and ``n_to``.

    Examples
    --------
    >>> t = pd.DataFrame({"n": [2, 5], "mean": [3.0, 4.0]})
    >>> suppress_small_cells(t)["mean"].isna().tolist()
    [True, False]
    """
    out = table.copy()
    size = out["n"] if "n" in out else out[["n_from", "n_to"]].min(axis=1)
    out["suppressed"] = size < min_n
    stats = [c for c in _SUPPRESSED if c in out]
    out.loc[out["suppressed"], stats] = np.nan
    return out
