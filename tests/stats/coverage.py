"""Coverage simulation of the interval of group means (stats/bootstrap.py).

Shared by the coverage test (tests/stats/test_bootstrap.py, quick) and the benchmark
(benchmarks/bench_coverage.py, more replications, sizes and distributions). A population
of theme scores is drawn once: each respondent has a latent level ``N(centre, 0.7)`` and
answers ``items`` questions as ``round(level + N(0, 0.6))`` clipped to 1-5; the theme score
is the mean of the answers, so it lies on the lattice of the scan's theme scores (thirds
for three items, ...). Samples of ``n`` are drawn with replacement from the population,
whose mean is therefore the true mean exactly. The intervals are computed by the public
:func:`bootstrap_means`, every sample as one group.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from readiness_analysis.stats.bootstrap import bootstrap_means

#: Realistic theme-score distributions: (centre of the latent level, items per theme).
SCENARIOS = {"middle": (3.2, 3), "high": (4.2, 2), "low": (1.9, 4)}
#: Distributions piled up at one end of the scale (benchmark only; see the README).
EXTREME_SCENARIOS = {"ceiling": (4.7, 2), "floor": (1.2, 2)}


class Coverage(NamedTuple):
    share: float  # intervals that contain the true mean, of those shown
    shown: float  # samples that got an interval
    width: float  # mean width of the intervals shown


def population(centre: float, items: int, *, size: int = 100_000, seed: int = 1) -> np.ndarray:
    """Theme scores of a population: means of ``items`` integer answers 1-5."""
    rng = np.random.default_rng(seed)
    level = rng.normal(centre, 0.7, size)
    answers = np.rint(level[:, None] + rng.normal(0.0, 0.6, (size, items)))
    return np.clip(answers, 1, 5).mean(axis=1)


def samples(scores: np.ndarray, n: int, reps: int, *, seed: int,
            weighted: bool = False) -> pd.DataFrame:
    """``reps`` samples of ``n`` scores as one scores frame, one institution per sample.

    Weighted, each row (interview) gets 1-3 teachers at random, independent of its score.
    """
    rng = np.random.default_rng(seed)
    x = scores[rng.integers(0, len(scores), reps * n)]
    return pd.DataFrame({"institution": np.repeat(np.arange(reps), n), "wave": 1,
                         "theme": "t", "score": x,
                         "n_teachers": rng.integers(1, 4, reps * n) if weighted else 1})


def coverage(scores: np.ndarray, n: int, reps: int, *, method: str = "auto", seed: int = 0,
             weighted: bool = False, n_resamples: int = 1000) -> Coverage:
    """Share of the intervals (of ``reps`` samples of ``n``) that contain the true mean.

    Samples without an interval (all scores equal) are left out of the share and counted
    in ``shown``. The true mean of the weighted figures is the population mean as well:
    the weights are independent of the scores.
    """
    frame = samples(scores, n, reps, seed=seed, weighted=weighted)
    ci = bootstrap_means(frame, ["institution"], seed=seed, method=method, weighted=weighted,
                         n_resamples=n_resamples)
    shown = ci["ci_low"].notna()
    truth = float(scores.mean())
    hit = (ci["ci_low"] <= truth) & (truth <= ci["ci_high"])
    width = (ci["ci_high"] - ci["ci_low"])[shown]
    return Coverage(float(hit[shown].mean()), float(shown.mean()), float(width.mean()))
