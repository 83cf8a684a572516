"""Theme scores per respondent and their summaries per institution and wave."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .instrument import Instrument

__all__ = ["MIN_CELL", "READINESS", "summarise_scores", "suppress_small_cells", "theme_scores"]

MIN_CELL = 3
READINESS = "readiness"
_META = ["respondent_id", "institution", "wave", "n_teachers"]


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
        ``theme``, ``score``, ``n_items``; themes in instrument order, then ``readiness``.

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
    wide, counts = {}, {}
    for theme in instrument.theme_ids:
        items = [i for i in instrument.items_of(theme) if i in responses]
        block = responses[items].to_numpy(dtype=float) if items else np.empty((len(responses), 0))
        answered = np.sum(~np.isnan(block), axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nansum(block, axis=1) / answered
        wide[theme] = np.where(answered >= instrument.min_items, mean, np.nan)
        counts[theme] = answered
    scores = pd.DataFrame(wide, index=responses.index)
    n_themes = scores.notna().sum(axis=1)
    wide[READINESS] = scores.mean(axis=1).where(n_themes > 0).to_numpy()
    counts[READINESS] = n_themes.to_numpy()
    return _to_long(responses[_META], wide, counts)


def _to_long(meta: pd.DataFrame, wide: dict, counts: dict) -> pd.DataFrame:
    parts = []
    for theme, values in wide.items():
        part = meta.copy()
        part["theme"] = theme
        part["score"] = values
        part["n_items"] = counts[theme]
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    long["theme"] = pd.Categorical(long["theme"], categories=list(wide), ordered=True)
    return long


def summarise_scores(
    scores: pd.DataFrame, by: list[str], *, agree_from: float = 4.0, weighted: bool = False
) -> pd.DataFrame:
    """Summarise theme scores per group.

    Parameters
    ----------
    scores : DataFrame
        As returned by :func:`theme_scores`.
    by : list of str
        Grouping columns besides ``theme``, e.g. ``["institution", "wave"]`` or
        ``["wave"]`` for the pooled figures.
    agree_from : float
        A score at or above this counts as agreeing (4 = "mee eens").
    weighted : bool
        Weight each row (interview) by its ``n_teachers`` for mean and share agreeing.

    Returns
    -------
    DataFrame
        One row per group and theme with ``n`` (respondents with a score),
        ``n_teachers``, ``mean``, ``sd``, ``median``, ``q1``, ``q3``, ``agree``.

    Examples
    --------
    >>> df = pd.DataFrame({"theme": ["t"] * 3, "score": [2.0, 3.0, 4.0],
    ...                    "institution": ["X"] * 3, "n_teachers": [1, 1, 2]})
    >>> summarise_scores(df, ["institution"])[["n", "mean", "agree"]].to_dict("records")
    [{'n': 3, 'mean': 3.0, 'agree': 0.3333333333333333}]
    """
    valid = scores.dropna(subset=["score"])
    groups = valid.groupby([*by, "theme"], observed=True, sort=True)
    rows = []
    for key, group in groups:
        x = group["score"].to_numpy(dtype=float)
        w = group["n_teachers"].to_numpy(dtype=float) if weighted else np.ones_like(x)
        rows.append(
            {
                **dict(zip([*by, "theme"], key, strict=True)),
                "n": len(x),
                "n_teachers": int(group["n_teachers"].sum()),
                "mean": float(np.average(x, weights=w)),
                "sd": float(np.std(x, ddof=1)) if len(x) > 1 else np.nan,
                "median": float(np.median(x)),
                "q1": float(np.quantile(x, 0.25)),
                "q3": float(np.quantile(x, 0.75)),
                "agree": float(np.average(x >= agree_from, weights=w)),
            }
        )
    columns = [*by, "theme", "n", "n_teachers", "mean", "sd", "median", "q1", "q3", "agree"]
    return pd.DataFrame(rows, columns=columns)


def suppress_small_cells(table: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Blank the statistics of groups with fewer than ``min_n`` respondents.

    Adds a boolean ``suppressed`` column; ``n`` itself stays visible.

    Examples
    --------
    >>> t = pd.DataFrame({"n": [2, 5], "mean": [3.0, 4.0]})
    >>> suppress_small_cells(t)["mean"].isna().tolist()
    [True, False]
    """
    out = table.copy()
    out["suppressed"] = out["n"] < min_n
    stats = [c for c in ("mean", "sd", "median", "q1", "q3", "agree") if c in out]
    out.loc[out["suppressed"], stats] = np.nan
    return out
