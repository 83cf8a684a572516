"""Confidence intervals of group means and of the change between waves.

- :func:`bootstrap_means`: an interval of each group's mean score;
- :func:`wave_change`: change in mean between consecutive waves, with its interval.

The rule (``method="auto"``, what the summaries and reports carry):

- **No interval below** :data:`MIN_INTERVAL_N` **(3) scores** per sample (weighted: below
  an effective sample size of 3, see below), nor when every score is equal. With one or
  two scores there is no usable estimate of the spread.
- **From 3 scores on, the Student t-interval** ``mean ± t(n-1) · s / sqrt(n)``; for a
  change between waves the Welch interval (Welch-Satterthwaite degrees of freedom).
  Evidence, from ``benchmarks/bench_coverage.py`` (20,000 samples per cell of theme
  scores that are means of 2-4 integer answers, see ``tests/stats/coverage.py``): it
  contains the true mean in 94.1-96.2 % of the samples at n = 3, 93.5-94.7 % at
  n = 4-5, 93.4-94.8 % at n = 7-10 and 94.6-95.0 % at n = 30 for distributions centred
  low, in the middle and high on the scale; the test in ``tests/stats/test_bootstrap.py``
  fails below 93 % at n = 3, 5, 10 and 30. Where the scores pile up at one end of the
  scale (a mean of 1.5 or 4.5 from two items) it covers 90.6-93.3 % at n = 5-20.
- **BCa is not the default**: in the same simulation (4,000 samples per cell, 1,000
  resamples each) it covered 65-77 % at n = 3, 83-85 % at n = 5, 90-91 % at n = 10 and
  93.1-94.0 % at n = 30, below the t-interval at every n up to 50 (the bootstrap
  distribution of 3-10 lattice scores is too coarse and too narrow). It stays available
  (``method="BCa"``, and ``"percentile"``) and equals
  R ``boot.ci(type = "bca")``; see the Notes of :func:`bootstrap_means`.

Weighted figures (``weighted=True``, interviews weighted by ``n_teachers``) use Kish's
effective sample size ``n_eff = (sum w)^2 / sum w^2`` (Kish, 1965): the t-interval has
``n_eff - 1`` degrees of freedom and standard error ``s_w / sqrt(n_eff)`` with the
weighted variance ``s_w^2``, and the minimum of 3 applies to ``n_eff`` (three interviews
of 1, 1 and 4 teachers have ``n_eff = 2``: no interval).

References: Student (1908); Welch (1947); Kish, L. (1965), *Survey Sampling*, Wiley;
Efron, B. & Tibshirani, R. J. (1993), *An Introduction to the Bootstrap*, ch. 14
(BCa); Davison, A. C. & Hinkley, D. V. (1997), *Bootstrap Methods and their
Application*, 5.3 (R ``boot``).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from typing import NamedTuple, TypeVar

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri, stdtrit

from readiness_analysis.stats.groups import Grouping, grouping, teacher_weights

__all__ = ["AUTO_METHOD", "METHODS", "MIN_INTERVAL_N", "bootstrap_means", "wave_change"]


MIN_INTERVAL_N = 3
"""Fewest scores (per sample; Kish's effective n when weighted) for any interval."""


METHODS = ("auto", "t", "BCa", "percentile")
"""Interval methods; ``"auto"`` applies the rule of the module docstring."""


AUTO_METHOD = "t"
"""The interval ``"auto"`` (the reports' default) uses at every n (see the module docstring)."""


_METHODS = {name.lower(): name for name in METHODS}


_MAX_BATCH_CELLS = 2_000_000  # resamples x n per batch: bounds the bootstrap's memory


_BLOCK_ROWS = 2_000_000  # scores per block of whole groups in the t-interval: bounds memory


_MAX_DENOMINATOR = 10**6  # exact tie detection: common denominator of the scores at most this


_RATIONAL_TOLERANCE = 1e-9  # a score within this (relative) of a fraction is that fraction


_CI_COLUMNS = ["ci_low", "ci_high", "ci_method", "ci_note"]
_Real = TypeVar("_Real", float, np.ndarray)  # a figure of one group, or of every group


class _Interval(NamedTuple):
    low: float
    high: float
    method: str
    note: str


class _Sample(NamedTuple):
    x: np.ndarray
    w: np.ndarray | None  # n_teachers as weights, None unweighted


def bootstrap_means(
    scores: pd.DataFrame,
    by: Sequence[str],
    *,
    seed: int | None,
    n_resamples: int = 2000,
    method: str = "auto",
    confidence_level: float = 0.95,
    weighted: bool = False,
) -> pd.DataFrame:
    r"""Confidence intervals of the mean theme score per group (t-interval by default).

    Parameters
    ----------
    scores : DataFrame
        As returned by :func:`theme_scores` (``score``, ``theme``, the ``by`` columns
        and ``n_teachers``, 1 per row when absent).
    by : sequence of str
        Grouping columns besides ``theme``: ``["institution", "wave"]`` per institution,
        ``["wave"]`` for the pooled figures.
    seed : int or None
        Required. The same seed and data give identical bootstrap intervals; ``None``
        draws fresh entropy (not reproducible). The t-interval does not use it.
    n_resamples : int
        Bootstrap resamples per group (``"BCa"``, ``"percentile"``).
    method : {"auto", "t", "BCa", "percentile"}
        Interval method (case-insensitive); ``"auto"`` is the rule of the module
        docstring (:data:`AUTO_METHOD`).
    confidence_level : float
        Two-sided coverage, 0.95 for a 95 % interval.
    weighted : bool
        The ``n_teachers``-weighted mean, as ``summarise_scores(weighted=True)``, with
        interviews (rows) as the units; see Notes.

    Returns
    -------
    DataFrame
        One row per group and theme, as :func:`summarise_scores` (groups without any
        score left out; all-missing or empty input gives an empty frame with these
        columns): the ``by`` columns, ``theme``, ``n`` (rows, i.e. interviews),
        ``n_teachers`` (teachers in them, the weighted n), ``mean``, ``ci_low``,
        ``ci_high``, ``ci_method`` (``"t"``, ``"BCa"`` or ``"percentile"``) and
        ``ci_note`` (empty, or why the interval is NaN). Merge it onto a summary with
        ``on=[*by, "theme"]``.

    Notes
    -----
    ``"t"``: :math:`\bar x \pm t_{1-\alpha/2}(n_{eff}-1)\, s_w/\sqrt{n_{eff}}`, which
    without weights is Student's interval (:math:`n_{eff} = n`).

    The bootstrap methods resample the rows of a group with replacement ``n_resamples``
    times and recompute the mean, and follow R ``boot.ci`` (Davison & Hinkley 1997):
    the quantiles are ``boot``'s ``norm.inter`` (the :math:`(R+1)\alpha`-th order
    statistic, interpolated on the normal scale between two). ``"percentile"`` takes
    them at :math:`\alpha/2` and :math:`1-\alpha/2`. ``"BCa"`` (Efron & Tibshirani 1993,
    ch. 14) takes them at
    :math:`\Phi(\hat z_0 + (\hat z_0 + z_\alpha)/(1 - \hat a(\hat z_0 + z_\alpha)))`,
    with :math:`\hat z_0 = \Phi^{-1}(\#\{t^* < \hat t\}/R)`, counting only resampled
    means *strictly* below the estimate (R's ``qnorm(mean(t < t0))``; ties do not count),
    and the acceleration :math:`\hat a = \sum L_i^3 / (6 (\sum L_i^2)^{3/2})` from the
    jackknife influence values :math:`L_i = (n-1)(\bar t_{(\cdot)} - t_{(-i)})` (R
    ``empinf(type = "jack")``; per wave, with the wave's sign, for a change), which for a
    mean are closed-form, so BCa costs no more than the percentile interval at any n.

    Ties are decided exactly. Theme scores are means of a few integer answers, so with
    4-5 scores 10-40 % of the resampled means equal the sample mean exactly, and float
    rounding of the sums would decide which of them count as below. Every score is
    therefore written as a fraction with denominator at most :math:`10^6` (within a
    relative :math:`10^{-9}`: thirds, quarters, weights), all scores over one common
    denominator and all weights over another, and each resampled (weighted) mean
    compared with the estimate as a ratio of integer sums (Python integers: no
    overflow). When a score is no such fraction (measured data with many decimals, where
    ties are practically impossible) the floats are compared.

    With ``weighted``, the resampling units are the interviews (rows): each is drawn
    with replacement together with its weight :math:`w_i` = ``n_teachers``, and the
    statistic is the weighted mean :math:`\sum w_i x_i / \sum w_i`, the ``mean`` of
    ``summarise_scores(weighted=True)``. The teachers of one interview answered together,
    so the interview is the cluster: resampling teachers one by one (the repeated rows)
    would treat them as independent and give too narrow an interval. Hence ``n`` and
    the BCa jackknife count interviews, and the minimum n applies to the effective
    :math:`n_{eff}` of the interviews' weights. A weight of 0 gives no interval (a
    note); a missing or negative one raises ``ValueError``.

    No interval (NaN, with the reason in ``ci_note``) when a group has fewer than
    ``MIN_INTERVAL_N`` (3) scores or weighted an effective size below 3, when all its
    scores are equal, or (BCa) when no resample lies on one side of the estimate.

    Computation: the t-interval is computed for all groups at once, on whole columns
    (groups of one size stacked into a matrix, in blocks of about 2 million scores that
    bound the memory), and equals to the bit the interval of each group computed on its
    own. The bootstrap methods take one group at a time, each from its own generator.

    Reproducibility: each group gets its own generator,
    ``numpy.random.default_rng([seed, h])``, with ``h`` the first 8 bytes (little
    endian) of the SHA-256 of ``"col=value|...|theme=<theme>"`` over the ``by`` columns
    and theme. A group's interval therefore does not depend on which other groups are in
    the data (an institution's own report and the study report agree). Per batch of at
    most 2 million resampled values, each sample draws ``rng.integers(0, n, (batch, n))``
    row indices.

    Examples
    --------
    >>> df = pd.DataFrame({"institution": ["X"] * 5, "theme": ["vision"] * 5,
    ...                    "score": [2.0, 3.0, 3.5, 4.0, 5.0]})
    >>> ci = bootstrap_means(df, ["institution"], seed=1)
    >>> ci[["n", "mean", "ci_method"]].to_dict("records")
    [{'n': 5, 'mean': 3.5, 'ci_method': 't'}]
    >>> bool(ci.ci_low.iloc[0] < 3.5 < ci.ci_high.iloc[0])
    True
    """
    keys = [*by, "theme"]
    columns = [*keys, "n", "n_teachers", "mean", *_CI_COLUMNS]
    if _choose_method(method) == "t":
        return _t_means(scores, keys, weighted, confidence_level, columns)
    rows = []
    for key, x, w, teachers in _groups(scores, keys, weighted):
        rng = functools.partial(_group_rng, seed, keys, key)
        interval = _interval([_Sample(x, w)], rng=rng, method=method,
                             n_resamples=n_resamples, level=confidence_level)
        rows.append([*key, len(x), teachers, _mean(x, w), *interval])
    return pd.DataFrame(rows, columns=columns)


def wave_change(
    scores: pd.DataFrame,
    by: Sequence[str] = ("institution",),
    *,
    seed: int | None,
    n_resamples: int = 2000,
    method: str = "auto",
    confidence_level: float = 0.95,
    weighted: bool = False,
) -> pd.DataFrame:
    r"""Change of the mean theme score between consecutive waves, with its CI.

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
    pseudonymised per export and not linked across waves. ``"t"`` (the default rule)
    is Welch's interval: standard error :math:`\sqrt{se_1^2 + se_2^2}` and
    Welch-Satterthwaite degrees of freedom from each wave's (effective) n. The
    bootstrap methods resample each wave separately (R ``boot``'s strata) and take the
    difference of the two (weighted) means; BCa's acceleration uses the jackknife of
    each wave. Weighted, interviews are resampled with their ``n_teachers``, as in
    :func:`bootstrap_means`. The Welch intervals are computed for all pairs at once, as
    the t-intervals of :func:`bootstrap_means`. NaN with a note when a wave has fewer than
    ``MIN_INTERVAL_N`` scores (or effective n) or both waves are constant. The
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
    columns = [*keys, *pair, "n_from", "n_to", "n_teachers_from", "n_teachers_to",
               "mean_from", "mean_to", "diff", *_CI_COLUMNS]
    if _choose_method(method) == "t":
        return _t_changes(scores, keys, weighted, confidence_level, columns)
    rows = []
    for key, waves in _waves(scores, keys, weighted):
        for (wave_a, a, wa, ta), (wave_b, b, wb, tb) in itertools.pairwise(waves):
            rng = functools.partial(_group_rng, seed, [*keys, *pair], (*key, wave_a, wave_b))
            interval = _interval([_Sample(a, wa), _Sample(b, wb)], rng=rng, method=method,
                                 n_resamples=n_resamples, level=confidence_level)
            mean_a, mean_b = _mean(a, wa), _mean(b, wb)
            rows.append([*key, wave_a, wave_b, len(a), len(b), ta, tb, mean_a, mean_b,
                         mean_b - mean_a, *interval])
    return pd.DataFrame(rows, columns=columns)


def _groups(scores: pd.DataFrame, keys: list[str], weighted: bool) -> Iterator[tuple]:
    """Yield ``(key, scores, weights, teachers)`` per group, sorted; NaN scores dropped.

    Weights are ``n_teachers`` as floats, or None when unweighted; ``teachers`` is
    their sum (an int) either way.
    """
    g = grouping(scores, keys)
    teachers = teacher_weights(scores, g.rows, weighted=weighted)
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


def _interval(samples: list[_Sample], *, rng: Callable[[], np.random.Generator], method: str,
              n_resamples: int, level: float) -> _Interval:
    """CI of the mean of one sample, or of the difference (second minus first) of two.

    ``rng`` makes the group's generator; only a bootstrap calls it.
    """
    used = _choose_method(method)
    reason = _no_interval_reason(samples)
    if reason:
        return _Interval(np.nan, np.nan, used, reason)
    if used == "t":
        low, high = _t_interval(samples, level)
        return _Interval(low, high, used, "")
    draws = _resample(samples, rng(), n_resamples)
    alphas = np.array([(1 - level) / 2, (1 + level) / 2])
    if used == "BCa":
        if draws.below == 0 or draws.below == len(draws.stats):
            return _Interval(np.nan, np.nan, used,
                             "BCa bias correction undefined: no resample on one side")
        z0 = ndtri(draws.below / len(draws.stats))
        z = z0 + ndtri(alphas)
        alphas = ndtr(z0 + z / (1 - _acceleration(samples) * z))
    low, high = _norm_inter(draws.stats, alphas)
    return _Interval(float(low), float(high), used, "")


def _choose_method(method: str) -> str:
    """The method asked for; ``"auto"`` is :data:`AUTO_METHOD`."""
    used = _METHODS.get(method.lower())
    if used is None:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    return AUTO_METHOD if used == "auto" else used


def _effective_n(sample: _Sample) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2``; ``n`` without weights."""
    if sample.w is None:
        return float(len(sample.x))
    total = float(sample.w.sum())
    return total * total / float((sample.w**2).sum()) if total > 0 else 0.0


def _no_interval_reason(samples: list[_Sample]) -> str:
    where = " in a wave" if len(samples) > 1 else ""
    if any(len(s.x) < MIN_INTERVAL_N for s in samples):
        return f"fewer than {MIN_INTERVAL_N} scores{where}"
    if any(s.w is not None and not (np.all(np.isfinite(s.w)) and np.all(s.w > 0))
           for s in samples):
        return "weights (n_teachers) not positive"
    if any(_effective_n(s) < MIN_INTERVAL_N for s in samples):
        return f"effective sample size (Kish) below {MIN_INTERVAL_N}{where}"
    if all(np.all(s.x == s.x[0]) for s in samples):
        return "all scores equal: no variation to resample"
    return ""


# --------------------------------------------------------------------------- t-interval


def _mean_se_df(sample: _Sample) -> tuple[float, float, float]:
    """(Weighted) mean, its standard error and the degrees of freedom.

    Kish's effective sample size ``n_eff = (sum w)^2 / sum w^2`` takes the place of
    ``n``: ``se^2 = s_w^2 / n_eff`` with the weighted variance
    ``s_w^2 = sum w (x - m)^2 / sum w * n_eff / (n_eff - 1)``, and ``df = n_eff - 1``.
    Without weights this is ``s / sqrt(n)`` with ``n - 1`` degrees of freedom.
    """
    x, w = sample
    n_eff = _effective_n(sample)
    if w is None:
        return float(x.mean()), float(x.std(ddof=1) / np.sqrt(n_eff)), n_eff - 1
    m = float(np.sum(w * x) / np.sum(w))
    spread = float(np.sum(w * (x - m) ** 2) / np.sum(w))
    return m, float(np.sqrt(spread / (n_eff - 1))), n_eff - 1


def _t_interval(samples: list[_Sample], level: float) -> tuple[float, float]:
    """Student (one sample) or Welch (difference of two) t-interval."""
    parts = [_mean_se_df(s) for s in samples]
    if len(parts) == 1:
        centre, se, df = parts[0]
    else:
        (m_a, se_a, df_a), (m_b, se_b, df_b) = parts
        centre, se = m_b - m_a, float(np.hypot(se_a, se_b))
        df = _welch_df(se_a, df_a, se_b, df_b)
    half = float(stdtrit(df, (1 + level) / 2)) * se
    return centre - half, centre + half


# ------------------------------------------------------- t-interval on whole columns


class _Cells(NamedTuple):
    """What the t-interval needs of every group of a :class:`Grouping`, one entry each.

    Each figure is the one :func:`_mean_se_df` and :func:`_mean` give for the group
    alone, to the bit (see :func:`_cell_figures`); ``se`` and ``df`` are NaN for
    groups of fewer than ``MIN_INTERVAL_N`` scores, which get no interval.
    """

    n: np.ndarray  # scores (rows, interviews)
    teachers: np.ndarray  # sum of n_teachers, rounded to an integer
    mean: np.ndarray  # (weighted) mean; NaN without weight
    se: np.ndarray  # standard error, s_w / sqrt(n_eff)
    df: np.ndarray  # degrees of freedom, n_eff - 1
    n_eff: np.ndarray  # Kish's effective n (n unweighted)
    positive: np.ndarray  # every weight finite and > 0 (True unweighted)
    constant: np.ndarray  # every score of the group equal


def _t_means(scores: pd.DataFrame, keys: list[str], weighted: bool, level: float,
             columns: list[str]) -> pd.DataFrame:
    """:func:`bootstrap_means` with the t-interval, for all groups at once."""
    g = grouping(scores, keys)
    if g.size == 0:
        return pd.DataFrame([], columns=columns)
    cells = _cell_figures(g, teacher_weights(scores, g.rows, weighted=weighted), weighted)
    reason = _reasons([cells])
    ok = reason == ""
    low, high = _t_bounds(cells.mean, cells.se, cells.df, ok, level)
    table = {key: g.labels[key].tolist() for key in keys}  # as a frame of rows infers them
    table.update(n=cells.n, n_teachers=cells.teachers, mean=cells.mean, ci_low=low,
                 ci_high=high, ci_method=["t"] * g.size, ci_note=reason.tolist())
    return pd.DataFrame(table)[columns]


def _t_changes(scores: pd.DataFrame, keys: list[str], weighted: bool, level: float,
               columns: list[str]) -> pd.DataFrame:
    """:func:`wave_change` with Welch's interval, for all pairs of waves at once.

    Groups are numbered in sorted key order with the wave last, so the waves of one
    ``keys`` group are consecutive groups, in order: a pair is two neighbours with the
    same ``keys``.
    """
    g = grouping(scores, [*keys, "wave"])
    teachers = teacher_weights(scores, g.rows, weighted=weighted)  # refuses bad weights
    same = np.ones(max(g.size - 1, 0), dtype=bool)
    for key in keys:
        values = g.labels[key].to_numpy()
        same &= values[:-1] == values[1:]
    first = np.flatnonzero(same)
    if not len(first):
        return pd.DataFrame([], columns=columns)
    cells = _cell_figures(g, teachers, weighted)
    a, b = (_Cells(*(figure[i] for figure in cells)) for i in (first, first + 1))
    reason = _reasons([a, b])
    ok = reason == ""
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.hypot(a.se, b.se)
        df = _welch_df(a.se, a.df, b.se, b.df)
    diff = b.mean - a.mean
    low, high = _t_bounds(diff, se, df, ok, level)
    wave = g.labels["wave"]
    table = {key: g.labels[key].take(first).tolist() for key in keys}
    table.update(wave_from=wave.take(first).tolist(), wave_to=wave.take(first + 1).tolist(),
                 n_from=a.n, n_to=b.n, n_teachers_from=a.teachers, n_teachers_to=b.teachers,
                 mean_from=a.mean, mean_to=b.mean, diff=diff, ci_low=low, ci_high=high,
                 ci_method=["t"] * len(first), ci_note=reason.tolist())
    return pd.DataFrame(table)[columns]


def _welch_df(se_a: _Real, df_a: _Real, se_b: _Real, df_b: _Real) -> _Real:
    """Welch-Satterthwaite degrees of freedom, for floats and for arrays alike.

    Only ``*``, ``+`` and ``/``, which round the same in Python and in numpy, so that the
    intervals of all pairs at once equal each pair's alone to the bit; powers do not:
    numpy's ``**`` and ``np.power`` round differently from C ``pow`` in some releases.

    Examples
    --------
    >>> _welch_df(1.0, 9.0, 1.0, 9.0)
    18.0
    """
    var_a, var_b = se_a * se_a, se_b * se_b
    return (var_a + var_b) * (var_a + var_b) / (var_a * var_a / df_a + var_b * var_b / df_b)


def _t_bounds(centre: np.ndarray, se: np.ndarray, df: np.ndarray, ok: np.ndarray,
              level: float) -> tuple[np.ndarray, np.ndarray]:
    """``centre -/+ t(df) se`` where ``ok``, NaN elsewhere (as :func:`_t_interval`)."""
    with np.errstate(invalid="ignore"):
        half = stdtrit(np.where(ok, df, 1.0), (1 + level) / 2) * se
    return np.where(ok, centre - half, np.nan), np.where(ok, centre + half, np.nan)


def _reasons(samples: list[_Cells]) -> np.ndarray:
    """Why each group (or pair of groups) gets no interval: :func:`_no_interval_reason`.

    An object array of strings, ``""`` where there is an interval; the first reason
    that applies, in the order of :func:`_no_interval_reason`.
    """
    where = " in a wave" if len(samples) > 1 else ""
    checks = [
        (np.any([s.n < MIN_INTERVAL_N for s in samples], axis=0),
         f"fewer than {MIN_INTERVAL_N} scores{where}"),
        (np.any([~s.positive for s in samples], axis=0), "weights (n_teachers) not positive"),
        (np.any([s.n_eff < MIN_INTERVAL_N for s in samples], axis=0),
         f"effective sample size (Kish) below {MIN_INTERVAL_N}{where}"),
        (np.all([s.constant for s in samples], axis=0),
         "all scores equal: no variation to resample"),
    ]
    reason = np.full(len(samples[0].n), "", dtype=object)
    for applies, text in reversed(checks):  # the first check that applies wins
        reason[applies] = text
    return reason


def _cell_figures(g: Grouping, teachers: np.ndarray, weighted: bool) -> _Cells:
    """:class:`_Cells` of every group of ``g``, computed on whole arrays.

    The groups are taken in blocks of about :data:`_BLOCK_ROWS` scores (whole groups),
    which bounds the memory. Within a block the rows are sorted by group (stably: in
    frame order within a group, as :meth:`Grouping.split` gives them), and the groups of
    one size are stacked into a matrix, one group per row, and reduced along the rows.
    A row of a C-ordered matrix is summed exactly as a one-dimensional array of its
    values is (numpy's pairwise summation over the same elements), so each figure equals
    that of the group on its own to the bit. There are at most about ``sqrt(2 rows)``
    distinct sizes, so the loops run over blocks and sizes, never over groups.
    """
    figures = {name: np.full(g.size, np.nan) for name in ("teachers", "mean", "se", "df",
                                                            "n_eff")}
    figures.update(positive=np.ones(g.size, dtype=bool), constant=np.ones(g.size, dtype=bool))
    for lo, hi in _blocks(g.n, _BLOCK_ROWS):
        rows = None if hi - lo == g.size else np.flatnonzero((g.ids >= lo) & (g.ids < hi))
        local = g.ids - lo if rows is None else g.ids[rows] - lo
        # a stable sort of uint16 is a radix sort: about twice as fast as of int64
        order = np.argsort(local.astype(np.uint16 if hi - lo <= 2**16 else np.int64),
                           kind="stable")
        if rows is not None:
            order = rows[order]
        x, t = g.x[order], teachers[order]
        sizes = g.n[lo:hi]
        starts = np.cumsum(sizes) - sizes
        by_size = np.argsort(sizes, kind="stable")
        edges = np.flatnonzero(np.diff(sizes[by_size], prepend=-1, append=-1))
        for first, stop in itertools.pairwise(edges):
            cells = by_size[first:stop]
            index = starts[cells][:, None] + np.arange(sizes[cells[0]])
            for name, values in _size_figures(x[index], t[index], weighted).items():
                figures[name][lo + cells] = values
    return _Cells(g.n, np.rint(figures["teachers"]).astype(np.int64), figures["mean"],
                  figures["se"], figures["df"], figures["n_eff"], figures["positive"],
                  figures["constant"])


def _size_figures(x: np.ndarray, t: np.ndarray, weighted: bool) -> dict[str, np.ndarray]:
    """The figures of groups of one size: ``x`` and ``t`` hold one group per row.

    The same operations as :func:`_mean`, :func:`_effective_n` and :func:`_mean_se_df`
    on one group, along ``axis=1``; ``se`` and ``df`` only from ``MIN_INTERVAL_N`` scores.
    """
    size = x.shape[1]
    out = {"teachers": t.sum(axis=1), "constant": np.all(x == x[:, :1], axis=1)}
    if not weighted:
        out["mean"] = x.mean(axis=1)
        out["n_eff"] = np.full(len(x), float(size))
        if size >= MIN_INTERVAL_N:
            out["se"] = x.std(axis=1, ddof=1) / np.sqrt(float(size))
            out["df"] = out["n_eff"] - 1
        return out
    out["positive"] = np.all(np.isfinite(t) & (t > 0), axis=1)
    total = t.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.sum(t * x, axis=1) / total
        out["mean"] = np.where(total > 0, mean, np.nan)
        out["n_eff"] = np.where(total > 0, total * total / np.sum(t**2, axis=1), 0.0)
        if size >= MIN_INTERVAL_N:
            spread = np.sum(t * (x - mean[:, None]) ** 2, axis=1) / total
            out["se"] = np.sqrt(spread / (out["n_eff"] - 1))
            out["df"] = out["n_eff"] - 1
    return out


def _blocks(sizes: np.ndarray, rows: int) -> Iterator[tuple[int, int]]:
    """Ranges ``[lo, hi)`` of group numbers with about ``rows`` scores each (whole groups)."""
    cumulative = np.cumsum(sizes)
    if not len(cumulative):
        return
    cuts = np.searchsorted(cumulative, np.arange(rows, cumulative[-1], rows), side="right")
    edges = np.unique(np.concatenate([[0], cuts, [len(sizes)]]))
    yield from ((int(lo), int(hi)) for lo, hi in itertools.pairwise(edges))


# --------------------------------------------------------------------------- bootstrap


class _Draws(NamedTuple):
    stats: np.ndarray  # the resampled statistics (floats)
    below: int  # how many lie strictly below the estimate, decided exactly where possible


def _resample(samples: list[_Sample], rng: np.random.Generator, n_resamples: int) -> _Draws:
    """Resample every sample ``n_resamples`` times; the statistic and the count below it.

    Per batch of at most ``_MAX_BATCH_CELLS // n`` resamples, each sample in turn draws
    ``rng.integers(0, n, (batch, n))`` row indices (the stream scipy's bootstrap draws).
    """
    n_max = max(len(s.x) for s in samples)
    batch = max(1, min(n_resamples, _MAX_BATCH_CELLS // n_max))
    exact = _exact_parts(samples)
    stats, below, done = [], 0, 0
    while done < n_resamples:
        size = min(batch, n_resamples - done)
        rows = [rng.integers(0, len(s.x), (size, len(s.x))) for s in samples]
        stats.append(_statistic(samples, rows))
        below += _count_below(samples, rows, exact, stats[-1])
        done += size
    return _Draws(np.concatenate(stats), below)


def _statistic(samples: list[_Sample], rows: list[np.ndarray | None]) -> np.ndarray:
    """(Weighted) mean of each resample (rows None: the sample itself), or the difference."""
    means = []
    for (x, w), r in zip(samples, rows, strict=True):
        xs, ws = (x, w) if r is None else (x[r], None if w is None else w[r])
        means.append(np.mean(xs, axis=-1) if ws is None
                     else np.sum(ws * xs, axis=-1) / np.sum(ws, axis=-1))
    return means[0] if len(means) == 1 else means[1] - means[0]


def _exact_parts(samples: list[_Sample]) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Integer numerators ``X * W`` and weights ``W`` per sample, or None (see Notes).

    All scores share one denominator and all weights another, so each (weighted) mean is
    ``sum(X W) / (D sum(W))`` with the same ``D``: comparing two means, or differences
    of means, needs only integers. None when a value is no fraction with a denominator
    up to ``_MAX_DENOMINATOR`` or a resampled sum could overflow int64.
    """
    scores = _common_integers(np.concatenate([s.x for s in samples]))
    weights = _common_integers(np.concatenate(
        [np.ones(len(s.x)) if s.w is None else s.w for s in samples]))
    if scores is None or weights is None:
        return None
    n_max = max(len(s.x) for s in samples)
    bound = int(np.abs(scores).max()) * int(weights.max()) * n_max
    if bound >= 2**62 or int(weights.max()) * n_max >= 2**62:
        return None
    parts, start = [], 0
    for s in samples:
        stop = start + len(s.x)
        x_int, w_int = scores[start:stop], weights[start:stop]
        parts.append((x_int * w_int, w_int))
        start = stop
    return parts


def _common_integers(values: np.ndarray) -> np.ndarray | None:
    """``values * D`` as exact int64 for the least common denominator ``D``, or None."""
    unique, inverse = np.unique(values, return_inverse=True)
    fractions = [Fraction(float(v)).limit_denominator(_MAX_DENOMINATOR) for v in unique]
    if any(abs(float(f) - v) > _RATIONAL_TOLERANCE * max(1.0, abs(v))
           for f, v in zip(fractions, unique, strict=True)):
        return None
    denominator = math.lcm(*(f.denominator for f in fractions))
    if denominator > _MAX_DENOMINATOR:
        return None
    numerators = [f.numerator * (denominator // f.denominator) for f in fractions]
    if max(abs(v) for v in numerators) >= 2**31:
        return None
    return np.array(numerators, dtype=np.int64)[inverse]


def _count_below(samples: list[_Sample], rows: list[np.ndarray],
                 exact: list[tuple[np.ndarray, np.ndarray]] | None, stats: np.ndarray) -> int:
    """Resamples whose statistic is strictly below the estimate (R boot's ``t < t0``)."""
    if exact is None:  # no common denominator: compare floats (ties practically impossible)
        return int(np.sum(stats < _statistic(samples, [None] * len(samples))))
    star = [(xw[r].sum(axis=1).astype(object), w[r].sum(axis=1).astype(object))
            for (xw, w), r in zip(exact, rows, strict=True)]
    zero = [(int(xw.sum()), int(w.sum())) for xw, w in exact]
    (p, q), (p0, q0) = _exact_ratio(star), _exact_ratio(zero)
    return int(np.sum(p * q0 < p0 * q))  # q, q0 > 0: p/q < p0/q0


def _exact_ratio(parts: list[tuple]) -> tuple:
    """Numerator and (positive) denominator of a mean ``P/Q``, or of ``Pb/Qb - Pa/Qa``."""
    if len(parts) == 1:
        return parts[0]
    (p_a, q_a), (p_b, q_b) = parts
    return p_b * q_a - p_a * q_b, q_a * q_b


def _acceleration(samples: list[_Sample]) -> float:
    """BCa acceleration from jackknife influence values, as R ``empinf(type = "jack")``.

    Per sample (stratum) ``L_i = (n - 1) (mean_j t_(-j) - t_(-i))``, with the sign of the
    sample in the statistic (minus for the first wave of a difference); then
    ``a = sum L^3 / (6 (sum L^2)^1.5)`` over all samples. A mean's leave-one-out values
    are closed-form, so this costs O(n).
    """
    influence = []
    for sign, (x, w) in zip([1.0] if len(samples) == 1 else [-1.0, 1.0], samples, strict=True):
        w = np.ones(len(x)) if w is None else w
        loo = (np.sum(w * x) - w * x) / (np.sum(w) - w)
        influence.append(sign * (len(x) - 1) * (loo.mean() - loo))
    values = np.concatenate(influence)
    return float(np.sum(values**3) / (6 * np.sum(values**2) ** 1.5))


def _norm_inter(t: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Quantiles of ``t`` at ``alphas`` as R boot's ``norm.inter``.

    The ``(R + 1) alpha``-th order statistic; between two order statistics, interpolation
    on the normal quantile scale; the extreme order statistic beyond them.
    """
    t = np.sort(t[np.isfinite(t)])
    size = len(t)
    out = np.empty(len(alphas))
    for j, alpha in enumerate(alphas):
        rank = (size + 1) * alpha
        k = int(rank)
        if k == rank and 0 < k <= size:
            out[j] = t[k - 1]
        elif k <= 0:
            out[j] = t[0]
        elif k >= size:
            out[j] = t[-1]
        else:
            lo, hi = ndtri(k / (size + 1)), ndtri((k + 1) / (size + 1))
            out[j] = t[k - 1] + (ndtri(alpha) - lo) / (hi - lo) * (t[k] - t[k - 1])
    return out
