"""Disclosure control: what the reports may show of small groups, and of all groups pooled.

Two rules, used by every table and figure of the reports:

- **Small cells.** A group (an institution in a wave, on a theme) with fewer than
  :data:`MIN_CELL` respondents keeps its count, but none of its statistics is shown
  (:func:`suppress_small_cells`).
- **Pooled figures count only large enough cells, and need three institutions.** Every
  figure over several institutions -- pooled means and shares, reliability (alpha,
  omega), comparisons between institutions, the factor analysis -- is computed only over
  the cells of at least :data:`MIN_CELL` respondents (:func:`pool`), and is shown only
  when at least :data:`MIN_INSTITUTIONS` institutions qualify (:attr:`Pool.shown`).
  Otherwise a school that knows its own answers could subtract them from the pooled
  figure: with a small school in the pool, it would get that school's suppressed
  figures (the reconstruction attack of issue 21); with only two qualifying
  institutions, each would get the other's from its own and the pooled one. The
  respondents and institutions left out are counted (:class:`Pool`), so that a report
  can say so under the figure.

What the rules do not cover: schools that pool their own answers (two of three schools
together can subtract both from a pooled figure), and counts, which stay visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["MIN_CELL", "MIN_INSTITUTIONS", "MIN_QUARTILES", "Pool", "pool",
           "suppress_few_institutions", "suppress_small_cells"]


#: Fewest respondents of a cell (institution, wave, theme) whose statistics are shown.
MIN_CELL = 3
#: Fewest qualifying institutions (cells of at least MIN_CELL) for any pooled figure.
MIN_INSTITUTIONS = 3
#: Fewest respondents of a cell whose quartiles (the middle half) are shown: with its mean,
#: SD, Q1 and Q3 printed, four scores or fewer can be solved for exactly (four equations),
#: so a team of three or four could read each colleague's score.
MIN_QUARTILES = 5


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


@dataclass(frozen=True)
class Pool:
    """Who a pooled figure covers, and who it leaves out (see :func:`pool`).

    Attributes
    ----------
    rows : ndarray of bool
        Per row of the table given to :func:`pool`: whether it enters the figure.
    institutions, respondents : int
        Qualifying institutions, and the rows they bring in.
    excluded_institutions, excluded_respondents : int
        Institutions without any qualifying cell, and the counted rows left out (of any
        institution: a cell of another wave may be too small as well).
    min_institutions : int
        Fewest qualifying institutions for the figure to be shown.
    """

    rows: np.ndarray
    institutions: int
    respondents: int
    excluded_institutions: int
    excluded_respondents: int
    min_institutions: int = MIN_INSTITUTIONS

    @property
    def shown(self) -> bool:
        """Whether enough institutions qualify for the pooled figure to be shown."""
        return self.institutions >= self.min_institutions


def pool(table: pd.DataFrame, counted: Sequence[bool] | pd.Series | None = None, *,
         cell: Sequence[str] = ("institution", "wave"), min_n: int = MIN_CELL,
         min_institutions: int = MIN_INSTITUTIONS) -> Pool:
    """The rows of ``table`` that may enter a pooled figure, and what is left out.

    A row counts when ``counted`` says so (a respondent with an answer or a score for the
    figure; default every row). A cell is one value of the ``cell`` columns present in
    ``table`` (an institution in a wave); a counted row enters the figure only when its
    cell has at least ``min_n`` counted rows. The figure may be shown only when the
    entering rows come from at least ``min_institutions`` institutions
    (:attr:`Pool.shown`).

    Parameters
    ----------
    table : DataFrame
        One row per respondent (and wave), with an ``institution`` column.
    counted : sequence of bool, optional
        Which rows the figure would use.
    cell : sequence of str
        The columns of a cell; those absent from ``table`` are ignored.
    min_n, min_institutions : int
        :data:`MIN_CELL` and :data:`MIN_INSTITUTIONS`.

    Examples
    --------
    >>> t = pd.DataFrame({"institution": list("AAABBBCCCD"), "wave": 1})
    >>> p = pool(t)
    >>> p.rows.tolist()
    [True, True, True, True, True, True, True, True, True, False]
    >>> p.institutions, p.excluded_institutions, p.excluded_respondents, p.shown
    (3, 1, 1, True)
    >>> pool(t.iloc[3:]).shown  # B and C qualify: two institutions, nothing pooled shown
    False
    """
    counts = (np.ones(len(table), dtype=bool) if counted is None
              else np.asarray(counted, dtype=bool))
    keys = [c for c in cell if c in table]
    frame = table[keys].assign(_counted=counts).reset_index(drop=True)
    size = frame.groupby(keys, observed=True, dropna=False)["_counted"].transform("sum")
    rows = counts & (size.to_numpy() >= min_n)
    names = table["institution"].to_numpy()
    kept = set(pd.unique(names[rows]))
    every = set(pd.unique(names[counts]))
    return Pool(rows=rows, institutions=len(kept), respondents=int(rows.sum()),
                excluded_institutions=len(every - kept),
                excluded_respondents=int(counts.sum() - rows.sum()),
                min_institutions=min_institutions)


def suppress_few_institutions(table: pd.DataFrame,
                              min_institutions: int = MIN_INSTITUTIONS) -> pd.DataFrame:
    """Blank the statistics of pooled rows over fewer than ``min_institutions`` institutions.

    Pooled rows are those without an ``institution``; ``n_institutions`` says how many
    qualifying institutions they pool. Counts stay; ``suppressed`` is set.

    Examples
    --------
    >>> t = pd.DataFrame({"institution": [None, None], "n_institutions": [2, 3], "n": [9, 12],
    ...                   "mean": [3.0, 4.0], "suppressed": False})
    >>> suppress_few_institutions(t)["mean"].isna().tolist()
    [True, False]
    """
    out = table.copy()
    few = out["institution"].isna() & (out["n_institutions"] < min_institutions)
    out["suppressed"] = out.get("suppressed", False) | few
    stats = [c for c in _SUPPRESSED if c in out]
    out.loc[few, stats] = np.nan
    return out
