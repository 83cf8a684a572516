"""Seeded bootstrap confidence intervals of group means, and the change between waves.

- :func:`bootstrap_means`: BCa (or percentile) intervals of each group's mean score;
- :func:`wave_change`: change in mean between consecutive waves, with a bootstrap CI.

Only the bootstrap loops over groups, because :func:`scipy.stats.bootstrap` takes one set
of samples; every group has its own random stream, derived from the seed and its key.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import DegenerateDataWarning, bootstrap

from readiness_analysis.stats.groups import grouping, teacher_weights

__all__ = ["BCA_MAX_N", "MIN_BOOTSTRAP_N", "bootstrap_means", "wave_change"]


MIN_BOOTSTRAP_N = 3
"""Fewest scores (per sample) for a bootstrap interval; fewer give NaN and a note."""


BCA_MAX_N = 10_000
"""Largest sample for BCa; its jackknife costs n² operations, larger samples use percentile."""


_METHODS = {"bca": "BCa", "percentile": "percentile"}


_RNG_KEYWORD = "rng" if "rng" in inspect.signature(bootstrap).parameters else "random_state"


_MAX_BATCH_CELLS = 2_000_000  # resamples x n per scipy batch: bounds the bootstrap's memory


_CI_COLUMNS = ["ci_low", "ci_high", "ci_method", "ci_note"]


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
