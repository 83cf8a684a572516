"""Theme scores per respondent and what is computed from them.

- :func:`theme_scores`: one score per respondent and theme, plus the readiness index;
- :func:`summarise_scores`: n, mean, SD, quartiles and share agreeing per group;
- :func:`bootstrap_means`: seeded bootstrap confidence intervals of the group means;
- :func:`team_variation`: how far a team's answers lie apart, and which themes divide it
  most (study sub-question 2);
- :func:`wave_change`: change in mean between consecutive waves, with a bootstrap CI;
- :func:`suppress_small_cells`: blank every statistic of a group under ``MIN_CELL``.

All group statistics are computed with pandas groupby or numpy on whole columns, so a
million respondents take seconds (``benchmarks/bench_indices.py``); only the bootstrap
loops over groups, because :func:`scipy.stats.bootstrap` takes one set of samples.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import DegenerateDataWarning, bootstrap

from .instrument import Instrument

__all__ = [
    "BCA_MAX_N",
    "MIN_BOOTSTRAP_N",
    "MIN_CELL",
    "READINESS",
    "bootstrap_means",
    "summarise_scores",
    "suppress_small_cells",
    "team_variation",
    "theme_scores",
    "wave_change",
]

MIN_CELL = 3
READINESS = "readiness"
MIN_BOOTSTRAP_N = 3
"""Fewest scores (per sample) for a bootstrap interval; fewer give NaN and a note."""
BCA_MAX_N = 10_000
"""Largest sample for BCa; its jackknife costs n² operations, larger samples use percentile."""

_META = ["respondent_id", "institution", "wave", "n_teachers"]
_SUPPRESSED = ("mean", "sd", "median", "q1", "q3", "agree", "ci_low", "ci_high", "min",
               "max", "iqr", "range", "rank", "mean_from", "mean_to", "diff")
_METHODS = {"bca": "BCa", "percentile": "percentile"}
_RNG_KEYWORD = "rng" if "rng" in inspect.signature(bootstrap).parameters else "random_state"
_MAX_BATCH_CELLS = 2_000_000  # resamples x n per scipy batch: bounds the bootstrap's memory
_CI_COLUMNS = ["ci_low", "ci_high", "ci_method", "ci_note"]
_DENSE_MAX_IDS = 50_000_000  # key combinations counted with bincount; more are factorized
_QUANTILE_CHUNK_ROWS = 2_000_000  # scores sorted at once for quantiles: bounds their memory
_HISTOGRAM_MAX_CELLS = 4_000_000  # groups x distinct scores summed densely (weighted quantiles)


# --------------------------------------------------------------------------- scores


def theme_scores(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Score every respondent on every theme, plus an overall readiness index.

    A theme score is the mean of the respondent's answered items of that theme (already
    reverse-keyed by cleaning); it is NA when fewer than ``instrument.min_items`` items
    were answered. The readiness index is the mean of the available theme scores.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses (see :func:`readiness_analysis.clean.clean_scan`).
    instrument : Instrument

    Returns
    -------
    DataFrame
        Long format: ``respondent_id``, ``institution``, ``wave``, ``n_teachers``,
        ``theme``, ``score``, ``n_items``; themes in instrument order, then ``readiness``,
        each block holding the respondents in their input order.

    Notes
    -----
    Text columns (``respondent_id``, ``institution``) come back as categoricals, with
    sorted categories, and ``theme`` as an ordered categorical: the long frame has one
    row per respondent and theme, and repeating codes instead of strings keeps it small
    and fast to group. Compare them with strings as usual (``scores.institution == "X"``).

    Examples
    --------
    >>> from readiness_analysis.instrument import load_instrument
    >>> inst = load_instrument()
    >>> df = pd.DataFrame({"respondent_id": ["p1"], "institution": ["X"], "wave": [1],
    ...                    "n_teachers": [1], "vis_1": [2.0], "vis_2": [4.0]})
    >>> s = theme_scores(df, inst)
    >>> float(s.loc[s.theme == "vision", "score"].iloc[0])
    3.0
    """
    themes = [*instrument.theme_ids, READINESS]
    wide, counts = _wide_scores(responses, instrument)
    return _to_long(responses[_META], themes, wide, counts)


def _wide_scores(responses: pd.DataFrame, instrument: Instrument) -> tuple[np.ndarray, ...]:
    """Scores and answered counts as (theme, respondent) arrays, readiness last."""
    n, n_themes = len(responses), len(instrument.theme_ids)
    wide = np.full((n_themes + 1, n), np.nan)
    counts = np.zeros((n_themes + 1, n), dtype=np.int64)
    for t, theme in enumerate(instrument.theme_ids):
        total = np.zeros(n)
        for item in (i for i in instrument.items_of(theme) if i in responses):
            x = responses[item].to_numpy(dtype=float)  # one column at a time: no n x k copy
            answered = ~np.isnan(x)
            counts[t] += answered
            np.add(total, x, out=total, where=answered)
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(total, counts[t], out=wide[t], where=counts[t] >= instrument.min_items)
    themes = wide[:n_themes]
    counts[n_themes] = np.sum(~np.isnan(themes), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        wide[n_themes] = np.nansum(themes, axis=0) / counts[n_themes]
    return wide, counts


def _to_long(meta: pd.DataFrame, themes: list[str], wide: np.ndarray,
             counts: np.ndarray) -> pd.DataFrame:
    columns = {name: _repeat(meta[name], len(themes)) for name in meta.columns}
    codes = np.repeat(np.arange(len(themes), dtype=np.int8 if len(themes) < 128 else np.int32),
                      len(meta))
    columns["theme"] = pd.Categorical.from_codes(
        codes, dtype=pd.CategoricalDtype(themes, ordered=True))
    columns["score"] = wide.ravel()
    columns["n_items"] = counts.ravel()
    return pd.DataFrame(columns, copy=False)


def _repeat(column: pd.Series, times: int) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """The column ``times`` times over; text becomes a categorical (codes, not strings)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categorical = column.array
    elif pd.api.types.is_numeric_dtype(column.dtype):
        if isinstance(column.dtype, np.dtype):
            return np.tile(column.to_numpy(), times)
        return column.array.take(np.tile(np.arange(len(column)), times))
    else:
        codes, uniques = pd.factorize(column, sort=True)
        categorical = pd.Categorical.from_codes(codes, categories=uniques)
    return pd.Categorical.from_codes(np.tile(categorical.codes, times), dtype=categorical.dtype)


# --------------------------------------------------------------------------- summaries


def summarise_scores(
    scores: pd.DataFrame, by: list[str], *, agree_from: float = 4.0, weighted: bool = False
) -> pd.DataFrame:
    r"""Summarise theme scores per group.

    Parameters
    ----------
    scores : DataFrame
        As returned by :func:`theme_scores`: ``score``, ``theme``, the ``by`` columns and
        ``n_teachers`` (teachers in the interview; 1 per row when the column is absent).
    by : list of str
        Grouping columns besides ``theme``, e.g. ``["institution", "wave"]`` or
        ``["wave"]`` for the pooled figures.
    agree_from : float
        A score at or above this counts as agreeing (4 = "mee eens").
    weighted : bool
        Treat ``n_teachers`` as frequency weights: every statistic counts each teacher,
        as if each row (interview) were repeated ``n_teachers`` times.

    Returns
    -------
    DataFrame
        One row per group and theme with ``n`` (rows, i.e. interviews, with a score),
        ``n_teachers`` (teachers in those rows: the sum of the weights, the weighted n),
        ``mean``, ``sd``, ``median``, ``q1``, ``q3``, ``agree``; groups in sorted order,
        themes in instrument order. Groups without any score are left out. ``n`` is the
        unit of suppression (:func:`suppress_small_cells`) whether weighted or not.

    Raises
    ------
    ValueError
        When ``weighted`` and an ``n_teachers`` of a scored row is missing or negative.

    Notes
    -----
    Unweighted, every statistic is that of the scores of the group; ``sd`` has
    ``ddof=1`` (NaN for one score) and the quartiles interpolate linearly (numpy's
    default, Hyndman & Fan type 7).

    Weighted, :math:`w_i` = ``n_teachers`` are frequency weights: every statistic equals
    the unweighted one of the data with row :math:`i` repeated :math:`w_i` times, so
    mean, SD, quartiles and share fit together. With :math:`W = \sum w_i`:

    - ``mean`` :math:`\bar x_w = \sum w_i x_i / W`; ``agree`` :math:`= \sum w_i
      [x_i \ge a] / W`;
    - ``sd`` :math:`= \sqrt{\sum w_i (x_i - \bar x_w)^2 / (W - 1)}`, NaN when
      :math:`W \le 1` (one interview of three teachers has SD 0);
    - quantile :math:`p` is :math:`x_{(k)} + f\,(x_{(k+1)} - x_{(k)})` with
      :math:`(W - 1)\,p = k + f` and :math:`x_{(k)}` the :math:`k`-th (from 0) of the
      repeated sorted scores, as R ``Hmisc::wtd.quantile(x, w, type = "quantile",
      normwt = FALSE)``. (numpy's ``np.quantile(..., weights=w)`` offers only
      ``method="inverted_cdf"``, a different definition.)

    Rows of weight 0 count for ``n`` only. Everything is computed on whole columns
    (``np.bincount`` over group ids; unweighted quartiles by one ``groupby.quantile``,
    weighted ones from a weighted histogram of the distinct scores per group), never in
    a Python loop over groups. For confidence intervals of the means see
    :func:`bootstrap_means`.

    References
    ----------
    Hyndman, R. J. & Fan, Y. (1996). Sample quantiles in statistical packages. *The
    American Statistician*, 50(4), 361-365.

    Examples
    --------
    >>> df = pd.DataFrame({"theme": ["t"] * 3, "score": [2.0, 3.0, 4.0],
    ...                    "institution": ["X"] * 3, "n_teachers": [1, 1, 2]})
    >>> summarise_scores(df, ["institution"])[["n", "mean", "agree"]].to_dict("records")
    [{'n': 3, 'mean': 3.0, 'agree': 0.3333333333333333}]
    >>> w = summarise_scores(df, ["institution"], weighted=True)  # as 2, 3, 4, 4
    >>> w[["n", "n_teachers", "mean", "median", "agree"]].to_dict("records")
    [{'n': 3, 'n_teachers': 4, 'mean': 3.25, 'median': 3.5, 'agree': 0.5}]
    """
    keys = [*by, "theme"]
    columns = [*keys, "n", "n_teachers", "mean", "sd", "median", "q1", "q3", "agree"]
    g = _grouping(scores, keys)
    if g.size == 0:
        return pd.DataFrame(columns=columns)
    w = _teachers(scores, g.rows, weighted=True) if weighted else None
    quartiles = g.quantiles({"median": 0.5, "q1": 0.25, "q3": 0.75}, w)  # before: peak memory
    teachers = w if weighted else _teachers(scores, g.rows, weighted=False)
    table = g.labels.assign(
        n=g.n,
        n_teachers=np.rint(g.sum(teachers)).astype(np.int64),
        mean=g.mean(w),
        sd=g.sd(w),
        agree=g.share(g.x >= agree_from, w),
    )
    return table.join(quartiles)[columns]


def _teachers(scores: pd.DataFrame, rows: np.ndarray, *, weighted: bool) -> np.ndarray:
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


class _Grouping:
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


def _grouping(scores: pd.DataFrame, keys: list[str]) -> _Grouping:
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
    return _Grouping(ids, rows, x[rows], labels)


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


# --------------------------------------------------------------------------- bootstrap


class _Interval(NamedTuple):
    low: float
    high: float
    method: str
    note: str


def bootstrap_means(
    scores: pd.DataFrame,
    by: Sequence[str],
    *,
    seed: int | None,
    n_resamples: int = 2000,
    method: str = "BCa",
    confidence_level: float = 0.95,
    weighted: bool = False,
) -> pd.DataFrame:
    r"""Bootstrap confidence intervals of the mean theme score per group.

    Parameters
    ----------
    scores : DataFrame
        As returned by :func:`theme_scores` (``score``, ``theme``, the ``by`` columns
        and ``n_teachers``, 1 per row when absent).
    by : sequence of str
        Grouping columns besides ``theme``: ``["institution", "wave"]`` per institution,
        ``["wave"]`` for the pooled figures.
    seed : int or None
        Required. The same seed and data give identical intervals; ``None`` draws fresh
        entropy (not reproducible).
    n_resamples : int
        Bootstrap resamples per group.
    method : {"BCa", "percentile"}
        Interval method (case-insensitive).
    confidence_level : float
        Two-sided coverage, 0.95 for a 95 % interval.
    weighted : bool
        Bootstrap the ``n_teachers``-weighted mean, as ``summarise_scores(weighted=True)``,
        resampling interviews (rows), not teachers; see Notes.

    Returns
    -------
    DataFrame
        One row per group and theme, as :func:`summarise_scores` (groups without any
        score left out; all-missing or empty input gives an empty frame with these
        columns): the ``by`` columns, ``theme``, ``n`` (rows, i.e. interviews),
        ``n_teachers`` (teachers in them, the weighted n), ``mean``, ``ci_low``,
        ``ci_high``, ``ci_method`` (the method actually used) and ``ci_note`` (empty, or
        why the interval is NaN or why another method was used). Merge it onto a
        summary with ``on=[*by, "theme"]``.

    Notes
    -----
    Each interval comes from :func:`scipy.stats.bootstrap` (``vectorized=True``): the
    respondents of a group are resampled with replacement ``n_resamples`` times and the
    mean recomputed each time. ``"percentile"`` takes the :math:`\alpha/2` and
    :math:`1-\alpha/2` quantiles of these means. ``"BCa"`` (the default; Efron &
    Tibshirani 1993, ch. 14) shifts those quantile levels to
    :math:`\Phi(\hat z_0 + (\hat z_0 + z_\alpha)/(1 - \hat a(\hat z_0 + z_\alpha)))`,
    with bias correction :math:`\hat z_0` from the share of resampled means below the
    sample mean and acceleration :math:`\hat a` from the jackknife; it corrects for
    the skew of bounded 1-5 scores near the ends of the scale. For samples larger than
    ``BCA_MAX_N`` the jackknife (n² work) is skipped and the percentile interval used,
    which is then practically the same. Work and memory per group grow with
    ``n_resamples * n``; resamples are processed in batches of at most 2 million values.

    With ``weighted``, the resampling units are the interviews (rows): each is drawn
    with replacement together with its weight :math:`w_i` = ``n_teachers``, and the
    statistic is the weighted mean :math:`\sum w_i x_i / \sum w_i`, the ``mean`` of
    ``summarise_scores(weighted=True)``. The teachers of one interview answered together,
    so the interview is the cluster: resampling teachers one by one (the repeated rows)
    would treat them as independent and give too narrow an interval. Hence ``n``,
    ``MIN_BOOTSTRAP_N`` and the BCa jackknife count interviews. A weight of 0 gives no
    interval (a note); a missing or negative one raises ``ValueError``.

    No interval (NaN, with the reason in ``ci_note``) when a group has fewer than
    ``MIN_BOOTSTRAP_N`` (3) scores - with 1 score there is nothing to resample and with
    2 the bootstrap distribution has only three values - or when all its scores are
    equal (no variation: every resample gives the same mean).

    Reproducibility: each group gets its own generator,
    ``numpy.random.default_rng([seed, h])``, with ``h`` the first 8 bytes (little
    endian) of the SHA-256 of ``"col=value|...|theme=<theme>"`` over the ``by`` columns
    and theme. A group's interval therefore does not depend on which other groups are in
    the data (an institution's own report and the study report agree).

    Examples
    --------
    >>> df = pd.DataFrame({"institution": ["X"] * 5, "theme": ["vision"] * 5,
    ...                    "score": [2.0, 3.0, 3.5, 4.0, 5.0]})
    >>> ci = bootstrap_means(df, ["institution"], seed=1)
    >>> ci[["n", "mean", "ci_method"]].to_dict("records")
    [{'n': 5, 'mean': 3.5, 'ci_method': 'BCa'}]
    >>> bool(ci.ci_low.iloc[0] < 3.5 < ci.ci_high.iloc[0])
    True
    """
    keys = [*by, "theme"]
    rows = []
    for key, x, w, teachers in _groups(scores, keys, weighted):
        interval = _interval([(x, w)], rng=_group_rng(seed, keys, key), method=method,
                             n_resamples=n_resamples, level=confidence_level)
        rows.append([*key, len(x), teachers, _mean(x, w), *interval])
    return pd.DataFrame(rows, columns=[*keys, "n", "n_teachers", "mean", *_CI_COLUMNS])


def wave_change(
    scores: pd.DataFrame,
    by: Sequence[str] = ("institution",),
    *,
    seed: int | None,
    n_resamples: int = 2000,
    method: str = "BCa",
    confidence_level: float = 0.95,
    weighted: bool = False,
) -> pd.DataFrame:
    """Change of the mean theme score between consecutive waves, with a bootstrap CI.

    Parameters
    ----------
    scores : DataFrame
        As returned by :func:`theme_scores` (needs ``wave``).
    by : sequence of str
        Grouping columns besides ``theme`` and ``wave``; ``()`` for the pooled figures.
    seed : int or None
        Required; as in :func:`bootstrap_means`.
    n_resamples, method, confidence_level, weighted
        As in :func:`bootstrap_means`.

    Returns
    -------
    DataFrame
        One row per group, theme and pair of consecutive waves: the ``by`` columns,
        ``theme``, ``wave_from``, ``wave_to``, ``n_from``, ``n_to`` (rows, i.e.
        interviews), ``n_teachers_from``, ``n_teachers_to`` (teachers in them, the
        weighted n), ``mean_from``,
        ``mean_to``, ``diff`` (``mean_to - mean_from``), ``ci_low``, ``ci_high``,
        ``ci_method``, ``ci_note``. Empty, with these columns, when no group has scores
        in two waves.

    Notes
    -----
    Consecutive means consecutive among the waves in which that group has scores (waves
    1 and 3 are compared when a school skipped wave 2; ``wave_from``/``wave_to`` say
    which). The two waves are treated as independent samples - respondents are
    pseudonymised per export and not linked across waves - so
    :func:`scipy.stats.bootstrap` resamples each wave separately
    (``paired=False``) and the statistic is the difference of the two (weighted)
    means; BCa's acceleration uses the jackknife of each sample. Weighted, interviews
    are resampled with their ``n_teachers``, as in :func:`bootstrap_means`. NaN with a note when a
    wave has fewer than ``MIN_BOOTSTRAP_N`` scores or both waves are constant. The
    generator of a row is seeded as in :func:`bootstrap_means`, from the ``by`` values,
    theme and both waves.

    Examples
    --------
    >>> df = pd.DataFrame({"institution": ["X"] * 6, "theme": ["time"] * 6,
    ...                    "wave": [1, 1, 1, 2, 2, 2],
    ...                    "score": [2.0, 3.0, 4.0, 3.0, 4.0, 5.0]})
    >>> ch = wave_change(df, seed=1, method="percentile")
    >>> ch[["wave_from", "wave_to", "n_from", "n_to", "diff"]].to_dict("records")
    [{'wave_from': 1, 'wave_to': 2, 'n_from': 3, 'n_to': 3, 'diff': 1.0}]
    """
    keys = [*by, "theme"]
    pair = ["wave_from", "wave_to"]
    rows = []
    for key, waves in _waves(scores, keys, weighted):
        for (wave_a, a, wa, ta), (wave_b, b, wb, tb) in itertools.pairwise(waves):
            rng = _group_rng(seed, [*keys, *pair], (*key, wave_a, wave_b))
            interval = _interval([(a, wa), (b, wb)], rng=rng, method=method,
                                 n_resamples=n_resamples, level=confidence_level)
            mean_a, mean_b = _mean(a, wa), _mean(b, wb)
            rows.append([*key, wave_a, wave_b, len(a), len(b), ta, tb, mean_a, mean_b,
                         mean_b - mean_a, *interval])
    columns = [*keys, *pair, "n_from", "n_to", "n_teachers_from", "n_teachers_to",
               "mean_from", "mean_to", "diff", *_CI_COLUMNS]
    return pd.DataFrame(rows, columns=columns)


def _groups(scores: pd.DataFrame, keys: list[str], weighted: bool) -> Iterator[tuple]:
    """Yield ``(key, scores, weights, teachers)`` per group, sorted; NaN scores dropped.

    Weights are ``n_teachers`` as floats, or None when unweighted; ``teachers`` is
    their sum (an int) either way.
    """
    g = _grouping(scores, keys)
    teachers = _teachers(scores, g.rows, weighted=weighted)
    for key, (x, t) in g.split(g.x, teachers):
        yield key, x, t if weighted else None, int(np.rint(t.sum()))


def _waves(scores: pd.DataFrame, keys: list[str], weighted: bool) -> Iterator[tuple]:
    """Yield ``(key, [(wave, scores, weights, teachers), ...])``, waves in order."""
    groups = _groups(scores, [*keys, "wave"], weighted)
    for key, parts in itertools.groupby(groups, key=lambda group: group[0][:-1]):
        yield key, [(k[-1], x, w, t) for k, x, w, t in parts]


def _mean(x: np.ndarray, w: np.ndarray | None) -> float:
    """(Weighted) mean; NaN without scores or weight."""
    if len(x) == 0 or (w is not None and not w.sum() > 0):
        return np.nan
    return float(np.average(x, weights=w))


def _group_rng(seed: int | None, names: Sequence[str], key: Sequence) -> np.random.Generator:
    """A group's own generator: ``default_rng([seed, h])``, ``h`` from the group's key."""
    if seed is None:
        return np.random.default_rng()
    text = "|".join(f"{name}={value}" for name, value in zip(names, key, strict=True))
    digest = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
    return np.random.default_rng([seed, digest])


def _interval(samples: list[tuple[np.ndarray, np.ndarray | None]], *, rng: np.random.Generator,
              method: str, n_resamples: int, level: float) -> _Interval:
    """CI of the mean of one sample, or of the difference (second minus first) of two."""
    used = _METHODS.get(method.lower())
    if used is None:
        raise ValueError(f"method must be 'BCa' or 'percentile', not {method!r}")
    reason = _no_interval_reason(samples)
    if reason:
        return _Interval(np.nan, np.nan, used, reason)
    note = ""
    n_max = max(len(x) for x, _ in samples)
    if used == "BCa" and n_max > BCA_MAX_N:
        used, note = "percentile", f"BCa skipped for n > {BCA_MAX_N} (jackknife cost)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        result = bootstrap(
            [np.arange(len(x)) for x, _ in samples], _mean_statistic(samples),
            n_resamples=n_resamples, batch=max(1, min(n_resamples, _MAX_BATCH_CELLS // n_max)),
            vectorized=True, paired=False, confidence_level=level, method=used.lower(),
            **{_RNG_KEYWORD: rng},
        )
    low, high = (float(v) for v in result.confidence_interval)
    if np.isnan(low) or np.isnan(high):
        return _Interval(np.nan, np.nan, used, "degenerate bootstrap distribution")
    return _Interval(low, high, used, note)


def _no_interval_reason(samples: list[tuple[np.ndarray, np.ndarray | None]]) -> str:
    where = " in a wave" if len(samples) > 1 else ""
    if any(len(x) < MIN_BOOTSTRAP_N for x, _ in samples):
        return f"fewer than {MIN_BOOTSTRAP_N} scores{where}"
    if any(w is not None and not (np.all(np.isfinite(w)) and np.all(w > 0)) for _, w in samples):
        return "weights (n_teachers) not positive"
    if all(np.all(x == x[0]) for x, _ in samples):
        return "all scores equal: no variation to resample"
    return ""


def _mean_statistic(
    samples: list[tuple[np.ndarray, np.ndarray | None]],
) -> Callable[..., np.ndarray]:
    """Vectorised statistic over resampled *indices*: (weighted) mean, or difference."""

    def mean(i: np.ndarray, x: np.ndarray, w: np.ndarray | None, axis: int) -> np.ndarray:
        i = i.astype(np.intp, copy=False)
        if w is None:
            return np.mean(x[i], axis=axis)
        return np.sum(w[i] * x[i], axis=axis) / np.sum(w[i], axis=axis)

    def statistic(*indices: np.ndarray, axis: int = -1) -> np.ndarray:
        means = [mean(i, x, w, axis) for i, (x, w) in zip(indices, samples, strict=True)]
        return means[0] if len(means) == 1 else means[1] - means[0]

    return statistic


# --------------------------------------------------------------------------- variation


def team_variation(
    scores: pd.DataFrame,
    by: Sequence[str] = ("institution", "wave"),
    *,
    min_n: int = MIN_CELL,
    weighted: bool = False,
) -> pd.DataFrame:
    """How far apart a team's scores lie per theme, and which themes divide it most.

    Parameters
    ----------
    scores : DataFrame
        As returned by :func:`theme_scores`.
    by : sequence of str
        The team: grouping columns besides ``theme`` (default per institution and wave).
    min_n : int
        Themes with fewer scores (interviews) than this get no rank (their spread says
        little and would be suppressed in a report anyway).
    weighted : bool
        Treat ``n_teachers`` as frequency weights, as ``summarise_scores(weighted=True)``.

    Returns
    -------
    DataFrame
        One row per team and theme: the ``by`` columns, ``theme``, ``n`` (rows, i.e.
        interviews), ``n_teachers`` (teachers in them, the weighted n), ``mean``,
        ``sd``, ``q1``, ``q3``, ``iqr``, ``min``, ``max``, ``range`` and ``rank``
        (nullable integer; 1 = divides the team most). Sorted per team by rank, unranked
        rows last in theme order.

    Notes
    -----
    ``sd`` has ``ddof=1``; ``iqr = q3 - q1`` with linear-interpolation quartiles (as in
    :func:`summarise_scores`); ``range = max - min``. Unweighted the unit is the row
    (interview); ``weighted``, every statistic is that of the rows repeated
    ``n_teachers`` times, exactly as in :func:`summarise_scores` (``min`` and ``max``
    over rows of weight > 0). Within a team, themes are ranked by ``sd`` (largest
    first), ties broken by ``iqr`` (largest first); themes equal on both (to 10
    decimals) share the lower rank (1, 1, 3). The readiness index is listed but not
    ranked: it is not a theme. ``min_n`` counts interviews (``n``), weighted or not.

    Examples
    --------
    >>> df = pd.DataFrame({"institution": ["X"] * 6, "theme": ["a"] * 3 + ["b"] * 3,
    ...                    "score": [1.0, 3.0, 5.0, 3.0, 3.0, 4.0]})
    >>> tv = team_variation(df, ["institution"])
    >>> tv[["theme", "n", "sd", "iqr", "range", "rank"]].round(3)
      theme  n     sd  iqr  range  rank
    0     a  3  2.000  2.0    4.0     1
    1     b  3  0.577  0.5    1.0     2
    """
    keys = [*by, "theme"]
    columns = [*keys, "n", "n_teachers", "mean", "sd", "q1", "q3", "iqr", "min", "max",
               "range", "rank"]
    g = _grouping(scores, keys)
    if g.size == 0:
        return pd.DataFrame(columns=columns)
    teachers = _teachers(scores, g.rows, weighted=weighted)
    w = teachers if weighted else None
    low, high = g.extremes(w)
    table = g.labels.assign(n=g.n, n_teachers=np.rint(g.sum(teachers)).astype(np.int64),
                            mean=g.mean(w), sd=g.sd(w), min=low, max=high)
    table = table.join(g.quantiles({"q1": 0.25, "q3": 0.75}, w))
    table["iqr"] = table["q3"] - table["q1"]
    table["range"] = table["max"] - table["min"]
    table["position"] = np.arange(len(table))
    table["rank"] = _spread_rank(table, list(by), min_n)
    table = table.sort_values([*by, "rank", "position"], na_position="last", kind="stable")
    return table[columns].reset_index(drop=True)


def _spread_rank(table: pd.DataFrame, by: list[str], min_n: int) -> pd.Series:
    """Rank of each theme within its team: sd descending, then iqr descending."""
    eligible = table[(table["n"] >= min_n) & (table["theme"] != READINESS)
                     & table["sd"].notna()]
    team = eligible.groupby(by, sort=False).ngroup() if by else pd.Series(0, eligible.index)
    ranked = pd.DataFrame({"team": team, "sd": eligible["sd"].round(10),
                           "iqr": eligible["iqr"].round(10)})
    ranked = ranked.sort_values(["team", "sd", "iqr"], ascending=[True, False, False])
    ranked["rank"] = ranked.groupby("team").cumcount() + 1
    ranked["rank"] = ranked.groupby(["team", "sd", "iqr"], dropna=False)["rank"].transform("min")
    return ranked["rank"].reindex(table.index).astype("Int64")


# --------------------------------------------------------------------------- privacy


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
