"""Group statistics on whole columns: grouping keys, teacher weights, (weighted) quantiles.

The machinery behind :mod:`.scores` and :mod:`.bootstrap`: groups are integer codes of
their key columns, so that counts, sums and quantiles of a million scores are numpy
calls, not loops over groups.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd

__all__ = ["Grouping", "grouping", "teacher_weights"]


_DENSE_MAX_IDS = 50_000_000  # key combinations counted with bincount; more are factorized


_QUANTILE_CHUNK_ROWS = 2_000_000  # scores sorted at once for quantiles: bounds their memory


_HISTOGRAM_MAX_CELLS = 4_000_000  # groups x distinct scores summed densely (weighted quantiles)


def teacher_weights(scores: pd.DataFrame, rows: np.ndarray, *, weighted: bool) -> np.ndarray:
    """``n_teachers`` of the kept rows as floats (missing as 0; 1 without the column).

    As weights (``weighted``) they must be counts: a missing or negative one is refused.
    """
    if "n_teachers" not in scores:
        return np.ones(np.count_nonzero(rows))
    teachers = scores["n_teachers"].to_numpy(dtype=float, na_value=np.nan)[rows]
    if weighted and not np.all(teachers >= 0):  # False for NaN too
        raise ValueError("n_teachers must be a count >= 0 in every scored row to weight by "
                         "it; clean the export with clean_scan or fill missing counts with 1")
    return np.nan_to_num(teachers)


class Grouping:
    """Rows with a score, numbered by group, for whole-column group statistics.

    ``ids[i]`` is the group (0..size-1, in sorted key order) of the i-th kept row;
    ``rows`` marks the kept rows of the frame (a score and no missing key); ``x`` their
    scores; ``labels`` one row of key values per group. Groups follow the order
    ``groupby(sort=True)`` gives: category order for categoricals, sorted values
    otherwise. Groups without scores do not exist. Methods taking ``w`` (one frequency
    weight per kept row, or None) give the statistic of the rows repeated ``w`` times.
    """

    def __init__(self, ids: np.ndarray, rows: np.ndarray, x: np.ndarray,
                 labels: pd.DataFrame) -> None:
        self.ids, self.rows, self.x, self.labels = ids, rows, x, labels
        self.size = len(labels)
        self.n = np.bincount(ids, minlength=self.size)

    def sum(self, values: np.ndarray | None) -> np.ndarray:
        """Per-group sum of ``values`` (one per kept row); the counts when None."""
        if values is None:
            return self.n.astype(float)
        return np.bincount(self.ids, weights=values, minlength=self.size)

    def share(self, flags: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
        """(Weighted) share of kept rows with ``flags`` per group; NaN without weight."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.sum(flags if w is None else w * flags) / self.sum(w)

    def mean(self, w: np.ndarray | None = None) -> np.ndarray:
        """(Weighted) mean score per group; NaN for a group of weight 0."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.sum(self.x if w is None else w * self.x) / self.sum(w)

    def sd(self, w: np.ndarray | None = None) -> np.ndarray:
        """Sample SD (ddof=1, two-pass) per group; NaN for groups of (weight) one or less."""
        deviation = self.x - self.mean(w)[self.ids]
        squares = deviation**2 if w is None else w * deviation**2
        size = self.n if w is None else self.sum(w)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(size > 1, np.sqrt(self.sum(squares) / (size - 1)), np.nan)

    def quantiles(self, names: dict[str, float], w: np.ndarray | None = None) -> pd.DataFrame:
        """Named quantiles per group, interpolated linearly (numpy's default, type 7).

        Unweighted: ``groupby.quantile`` in chunks of whole groups of about
        ``_QUANTILE_CHUNK_ROWS`` scores, which bounds the memory of its sort. Weighted:
        :func:`_weighted_quantiles` (one weighted histogram, no sort of the rows).
        """
        levels = list(names.values())
        if w is None:
            parts = [_group_quantiles(ids, x, levels) for ids, x in self._chunks()]
            q = parts[0] if len(parts) == 1 else pd.concat(parts).sort_index()
        else:
            q = _weighted_quantiles(self.ids, self.x, w, levels, self.size)
        return pd.DataFrame({name: q[level].to_numpy() for name, level in names.items()},
                            index=self.labels.index)

    def _chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(ids, x)`` of whole groups, about ``_QUANTILE_CHUNK_ROWS`` rows at a time."""
        sizes = np.diff(self._chunk_edges(_QUANTILE_CHUNK_ROWS))
        if len(sizes) == 1:
            yield self.ids, self.x
            return
        chunk_of_row = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)[self.ids]
        for chunk in range(len(sizes)):
            rows = np.flatnonzero(chunk_of_row == chunk)
            yield self.ids.take(rows), self.x.take(rows)

    def _chunk_edges(self, rows: int) -> np.ndarray:
        """Edges of ranges of group ids with about ``rows`` scores each (whole groups)."""
        cumulative = np.cumsum(self.n)
        cuts = np.searchsorted(cumulative, np.arange(rows, cumulative[-1], rows), side="right")
        return np.unique(np.concatenate([[0], cuts, [self.size]]))

    def extremes(self, w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Minimum and maximum score per group (of rows with weight > 0 when weighted)."""
        x = self.x if w is None else np.where(w > 0, self.x, np.nan)
        both = pd.Series(x).groupby(self.ids).agg(["min", "max"])
        return both["min"].to_numpy(), both["max"].to_numpy()

    def split(self, *values: np.ndarray) -> Iterator[tuple[tuple, list[np.ndarray]]]:
        """Yield ``(key, [v[rows of the group] for v in values])`` per group, in order.

        Within a group, rows keep their order in the frame.
        """
        order = np.argsort(self.ids, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(self.n)])
        keys = self.labels.itertuples(index=False, name=None)
        for key, lo, hi in zip(keys, bounds[:-1], bounds[1:], strict=True):
            yield key, [v[order[lo:hi]] for v in values]


def _group_quantiles(ids: np.ndarray, x: np.ndarray, levels: list[float]) -> pd.DataFrame:
    """Quantiles of ``x`` per id: one row per id (sorted), one column per level."""
    return pd.Series(x).groupby(ids, sort=False).quantile(levels).unstack(-1).sort_index()


def _weighted_quantiles(ids: np.ndarray, x: np.ndarray, w: np.ndarray, levels: list[float],
                        size: int) -> pd.DataFrame:
    """Type-7 quantiles per id of ``x`` with each value repeated ``w`` times.

    One row per id 0..size-1, one column per level, as :func:`_group_quantiles`; NaN
    for an id of weight 0. The weights are summed per (id, distinct score) cell -
    with ``np.bincount`` when there are at most ``_HISTOGRAM_MAX_CELLS`` cells (scores
    take few distinct values), else over ``np.unique`` of the cells - which lists the
    cells sorted by id, then score, for :func:`_cell_quantiles`.
    """
    codes, values = pd.factorize(x, sort=True)
    cell = ids * len(values) + codes
    if size * len(values) <= _HISTOGRAM_MAX_CELLS:
        weight = np.bincount(cell, weights=w, minlength=size * len(values))
        cell = np.flatnonzero(weight)
        weight = weight[cell]
    else:
        cell, inverse = np.unique(cell, return_inverse=True)
        weight = np.bincount(inverse, weights=w)
    group, code = np.divmod(cell, len(values))
    return _cell_quantiles(group, values[code], weight, levels).reindex(range(size))


def _cell_quantiles(ids: np.ndarray, x: np.ndarray, w: np.ndarray,
                    levels: list[float]) -> pd.DataFrame:
    """Type-7 quantiles per id of cells sorted by (id, x), each repeated ``w`` times.

    Element ``k`` (0-based) of a group's repeated sorted scores is its first cell whose
    cumulative weight exceeds ``k`` (sums of whole numbers are exact in float64 below
    2**53); quantile ``p`` interpolates between elements ``floor(h)`` and the next, with
    ``h = (W - 1) p`` and ``W`` the group's weight.
    """
    if len(ids) == 0:
        return pd.DataFrame(columns=levels, dtype=float)
    cum = np.cumsum(w)
    starts = np.flatnonzero(np.diff(ids, prepend=-1))
    ends = np.append(starts[1:], len(ids)) - 1
    before = np.where(starts > 0, cum[starts - 1], 0.0)
    total = cum[ends] - before
    out = {}
    for p in levels:
        h = np.maximum((total - 1) * p, 0.0)
        k = np.floor(h)
        low, high = (x[np.clip(np.searchsorted(cum, before + j, side="right"), starts, ends)]
                     for j in (k, np.minimum(k + 1, np.maximum(total - 1, 0.0))))
        out[p] = np.where(total > 0, low + (h - k) * (high - low), np.nan)
    return pd.DataFrame(out, index=ids[starts])


def grouping(scores: pd.DataFrame, keys: list[str]) -> Grouping:
    """Number the groups of ``keys`` without sorting or hashing the rows.

    Each key column becomes integer codes (categorical codes, offsets of small-range
    integers, or ``pd.factorize(sort=True)``); the codes combine into one row-major id
    (as ``np.ravel_multi_index``) and ids of groups without scores are squeezed out.
    """
    x = scores["score"].to_numpy(dtype=float)
    rows = ~np.isnan(x)
    raw = np.zeros(len(x), dtype=np.int64)
    levels = []
    for key in keys:  # row-major id, as np.ravel_multi_index; one key's codes at a time
        code, level = _codes(scores[key])
        levels.append(level)
        if math.prod(len(v) for v in levels) >= 2**62:
            raise ValueError(f"too many combinations of {keys} to group on")
        rows &= code >= 0
        raw *= len(level)
        raw += code
        del code
    sizes = tuple(len(level) for level in levels)
    raw = raw[rows]
    used, ids = _squeeze(raw, math.prod(sizes))
    positions = np.unravel_index(used, sizes)
    labels = pd.DataFrame({key: pd.Series(level.take(pos).tolist(), dtype=_label_dtype(level))
                           for key, level, pos in zip(keys, levels, positions, strict=True)})
    del raw
    return Grouping(ids, rows, x[rows], labels)


def _squeeze(raw: np.ndarray, n_ids: int) -> tuple[np.ndarray, np.ndarray]:
    """Used ids (sorted) and each row's position among them."""
    if n_ids <= _DENSE_MAX_IDS:
        used = np.flatnonzero(np.bincount(raw, minlength=n_ids))
        lookup = np.zeros(n_ids, dtype=np.int64)
        lookup[used] = np.arange(len(used))
        return used, lookup[raw]
    ids, used = pd.factorize(raw, sort=True)
    return np.asarray(used), ids.astype(np.int64)


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 = missing) and the values they stand for, in sorted order."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories
    values = column.to_numpy()
    if values.dtype.kind in "iu" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low <= max(len(values), 1024):
            return np.subtract(values, low, dtype=np.int64), pd.Index(np.arange(low, high + 1))
    codes, uniques = pd.factorize(column, sort=True)
    return codes.astype(np.int64), pd.Index(uniques)


def _label_dtype(level: pd.Index) -> object:
    """Plain dtype for a label column: numbers keep theirs, text the default string."""
    return level.dtype if level.dtype.kind in "iufb" else None
