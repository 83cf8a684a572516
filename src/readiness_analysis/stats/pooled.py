"""Pooled figures that are safe to show beside each institution's own (disclosure control).

:func:`summarise_all` gives the summary table of a build (``institution_scores``): one
row per institution, wave and theme, plus pooled rows (``institution`` empty) computed
only over the institutions whose own cell is large enough (:func:`pooled_scores`), so a
pooled figure next to the other institutions' figures never gives away a suppressed one.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from readiness_analysis.stats.bootstrap import bootstrap_means
from readiness_analysis.stats.disclosure import (
    MIN_CELL,
    MIN_INSTITUTIONS,
    suppress_few_institutions,
    suppress_small_cells,
)
from readiness_analysis.stats.groups import grouping
from readiness_analysis.stats.scores import summarise_scores

__all__ = ["pooled_scores", "summarise_all"]


_CELL = ["institution", "wave", "theme"]  # one institution's figures of a wave and theme


def summarise_all(scores: pd.DataFrame, *, agree_from: float | Mapping[str, float] = 4.0,
                  weighted: bool = False, seed: int = 2023, min_n: int = MIN_CELL,
                  bounds: Mapping[str, tuple[float, float]] | None = None,
                  min_institutions: int = MIN_INSTITUTIONS) -> pd.DataFrame:
    """Per-institution and pooled summaries with CIs, safe against small cells.

    Institution rows (``institution``, ``wave``, ``theme``) with fewer than ``min_n``
    respondents keep their counts but lose every statistic
    (:func:`readiness_analysis.stats.disclosure.suppress_small_cells`). Pooled rows (``institution``
    empty) are computed from :func:`pooled_scores`: only the institutions whose own cell
    (wave x theme) has at least ``min_n`` respondents count, so a pooled figure next to the
    other institutions' own figures never gives away a suppressed institution's figure
    (complementary disclosure). ``n_institutions`` and ``n_excluded`` say what a pooled
    row covers: institutions pooled, and respondents left out; a wave and theme without
    any large enough institution keeps a row with ``n`` 0 and no statistics. A pooled row
    over fewer than ``MIN_INSTITUTIONS`` (3) institutions keeps its counts but no
    statistics either (:func:`readiness_analysis.stats.disclosure.suppress_few_institutions`):
    with two, each could work out the other's figures from its own and the pooled one.

    Parameters
    ----------
    scores : DataFrame
        From :func:`readiness_analysis.stats.scores.theme_scores`.
    agree_from, weighted : optional
        As in :func:`readiness_analysis.stats.scores.summarise_scores`: one threshold, or
        one per theme (:func:`readiness_analysis.stats.scores.agree_thresholds`).
    seed : int
        Seed of the bootstrap intervals.
    min_n : int
        Smallest cell shown and pooled (``MIN_CELL``).
    min_institutions : int
        Fewest qualifying institutions of a pooled row with statistics
        (``MIN_INSTITUTIONS``).
    bounds : mapping, optional
        The lowest and highest possible score per theme
        (:func:`readiness_analysis.stats.scores.scale_bounds`). Intervals are clipped to
        them: a mean cannot lie outside its scale, so an interval end beyond it (a
        t-interval at n = 4 can reach 5.2 on a 1-5 scale) says nothing, and clipping never
        lowers coverage.

    Returns
    -------
    DataFrame
        The summary columns, ``ci_low``, ``ci_high``, ``ci_method``, ``ci_note``,
        ``n_institutions``, ``n_excluded`` and ``suppressed``. The interval is the one
        of the documented rule (:func:`readiness_analysis.stats.bootstrap.bootstrap_means`
        with ``method="auto"``: the t-interval, Kish's effective n when weighted; none
        below ``MIN_INTERVAL_N`` scores, with the reason in ``ci_note``).

    Examples
    --------
    >>> df = pd.DataFrame({"institution": ["A"] * 3 + ["B"] * 2 + ["C"] * 3 + ["D"] * 3,
    ...                    "wave": 1, "theme": "vision", "n_teachers": 1,
    ...                    "score": [2.0, 3.0, 4.0, 5.0, 5.0, 3.0, 3.0, 3.0, 4.0, 4.0, 4.0]})
    >>> s = summarise_all(df)
    >>> s.round(2)[["n", "mean", "n_institutions", "n_excluded", "suppressed"]].values.tolist()[-2:]
    [[3, 4.0, 1, 0, False], [9, 3.33, 3, 2, False]]

    B (2 respondents) is left out of the pooled row. Without D, two institutions
    qualify, and the pooled row shows no mean:

    >>> s = summarise_all(df[df["institution"] != "D"])
    >>> s[["n", "mean", "n_institutions", "suppressed"]].values.tolist()[-1]
    [6, nan, 2, True]
    """
    own = _summary(scores, ["institution", "wave"], agree_from, weighted, seed)
    own = own.assign(n_institutions=1, n_excluded=0)
    pooled = _pooled_summary(scores, agree_from, weighted, seed, min_n)
    summary = pd.concat([own, pooled], ignore_index=True)
    if bounds is not None:
        summary = _clipped(summary, bounds)
    return suppress_few_institutions(suppress_small_cells(summary, min_n), min_institutions)


def _clipped(summary: pd.DataFrame, bounds: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    """``ci_low`` and ``ci_high`` clipped to each theme's bounds (themes without: as given)."""
    theme = summary["theme"].astype(str)
    low = theme.map({t: b[0] for t, b in bounds.items()}).astype(float)
    high = theme.map({t: b[1] for t, b in bounds.items()}).astype(float)
    return summary.assign(ci_low=summary["ci_low"].where(~(summary["ci_low"] < low), low),
                          ci_high=summary["ci_high"].where(~(summary["ci_high"] > high), high))


def pooled_scores(scores: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """The scores that may enter a pooled figure: only cells of at least ``min_n``.

    A cell is one institution, wave and theme; its size is the number of respondents
    with a score there.

    Examples
    --------
    >>> df = pd.DataFrame({"institution": ["A"] * 3 + ["B"] * 2, "wave": 1,
    ...                    "theme": "vision", "score": [2.0, 3.0, 4.0, 5.0, 5.0]})
    >>> pooled_scores(df)["institution"].tolist()
    ['A', 'A', 'A']
    """
    return scores[_pooled_cells(scores, min_n)[0]]


def _pooled_cells(scores: pd.DataFrame, min_n: int) -> tuple[np.ndarray, pd.DataFrame]:
    """Which rows :func:`pooled_scores` keeps, and the cells they are in (one row each).

    A row is kept when it has a score and its cell at least ``min_n`` of them; rows with
    a missing institution, wave or theme are in no cell. The cells come back as a frame
    of ``institution``, ``wave`` and ``theme`` with the dtypes of ``scores``.
    """
    g = grouping(scores, _CELL)
    keep = np.zeros(len(scores), dtype=bool)
    large = g.n >= min_n
    keep[g.rows] = large[g.ids]
    cells = g.labels[large].reset_index(drop=True)
    return keep, cells.astype({key: scores[key].dtype for key in _CELL})


def _counts(scores: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Scores per group of ``keys``, as a frame of the keys (dtypes of ``scores``) and ``n``.

    The same as ``groupby(keys, observed=True).size()`` of the scored rows, without
    copying the rows to group them.
    """
    g = grouping(scores, keys)
    counts = g.labels.astype({key: scores[key].dtype for key in keys})
    return counts.assign(n=g.n.astype(np.int64))


def _pooled_summary(scores: pd.DataFrame, agree: float | Mapping[str, float], weighted: bool,
                    seed: int,
                    min_n: int) -> pd.DataFrame:
    """Pooled rows over the large enough cells, with what they cover.

    The pooled figures are those of :func:`pooled_scores`, but rather than copying the
    kept rows (hundreds of MB for a million respondents), the scores outside them are set
    to missing in a frame of the columns the summary reads, which shares the others with
    ``scores``. Those rows then belong to no group, and the kept ones keep their order,
    so every figure is the same.
    """
    keys = ["wave", "theme"]
    kept, cells = _pooled_cells(scores, min_n)
    coverage = (_counts(scores, keys).rename(columns={"n": "n_all"})
                .merge(cells.groupby(keys, observed=True).size().rename("n_institutions")
                       .reset_index(), on=keys, how="left"))
    columns = [c for c in ("n_teachers", *keys) if c in scores]
    x = scores["score"].to_numpy(dtype=float)
    stats = _summary(scores[columns].assign(score=np.where(kept, x, np.nan)), ["wave"], agree,
                     weighted, seed)
    table = coverage.merge(stats, on=keys, how="left")
    table["n"] = table["n"].fillna(0).astype("int64")
    table["n_teachers"] = table["n_teachers"].fillna(0).astype("int64")
    table["n_institutions"] = table["n_institutions"].fillna(0).astype("int64")
    table["n_excluded"] = table.pop("n_all") - table["n"]
    columns = ["institution", *stats.columns, "n_institutions", "n_excluded"]
    return table.assign(institution=None)[columns]


def _summary(scores: pd.DataFrame, by: list[str], agree: float | Mapping[str, float],
             weighted: bool,
             seed: int) -> pd.DataFrame:
    """Summary statistics with the CI of the mean of the documented rule (``"auto"``)."""
    stats = summarise_scores(scores, by, agree_from=agree, weighted=weighted)
    cis = bootstrap_means(scores, by, seed=seed, weighted=weighted, method="auto")
    keys = [*by, "theme"]
    return stats.merge(cis[[*keys, "ci_low", "ci_high", "ci_method", "ci_note"]], on=keys,
                       how="left")
