"""Score tables for the statistics tests: one group, random groups, rows per teacher."""

import numpy as np
import pandas as pd

from readiness_analysis.stats.scores import READINESS


def one_group(values, *, institution="X", theme="t", wave=1, weights=None) -> pd.DataFrame:
    """A scores frame of one group: the columns bootstrap and variation functions need."""
    n = len(values)
    return pd.DataFrame({"institution": [institution] * n, "wave": [wave] * n,
                         "theme": [theme] * n, "score": np.asarray(values, dtype=float),
                         "n_teachers": weights if weights is not None else [1] * n})


def weighted_group(values, weights, *, institution="X", theme="t", wave=1) -> pd.DataFrame:
    """One group whose rows (interviews) count ``weights`` teachers each."""
    return one_group(values, institution=institution, theme=theme, wave=wave, weights=weights)


def random_scores(seed=0, n=400) -> pd.DataFrame:
    """Scores of three institutions, two waves and three themes, a tenth of them missing."""
    rng = np.random.default_rng(seed)
    score = rng.integers(3, 16, n) / 3.0
    score[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({
        "institution": rng.choice(["B", "A", "C"], n),
        "wave": rng.integers(1, 3, n),
        "theme": pd.Categorical(rng.choice(["vision", "tools", READINESS], n),
                                categories=["vision", "tools", READINESS], ordered=True),
        "score": score,
        "n_teachers": rng.integers(1, 4, n),
    })


def repeat_teachers(frame: pd.DataFrame) -> pd.DataFrame:
    """Each row repeated n_teachers times, each copy one teacher: the definition."""
    out = frame.loc[frame.index.repeat(frame["n_teachers"])].reset_index(drop=True)
    return out.assign(n_teachers=1)
