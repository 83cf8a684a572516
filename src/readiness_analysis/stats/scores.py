"""Theme scores per respondent and what is computed from them.

- :func:`theme_scores`: one score per respondent and theme, plus the readiness index;
- :func:`summarise_scores`: n, mean, SD, quartiles and share agreeing per group;
- :func:`team_variation`: how far a team's answers lie apart, and which themes divide it
  most (study sub-question 2).

Confidence intervals and wave change are in :mod:`.bootstrap`, small-cell suppression in
:mod:`.disclosure`.

All group statistics are computed with pandas groupby or numpy on whole columns, so a
million respondents take seconds (``benchmarks/bench_indices.py``), and so is the
t-interval the reports show (:func:`readiness_analysis.stats.bootstrap.bootstrap_means`);
only the bootstrap methods (BCa, percentile) loop over groups, each group drawing from
its own random generator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from readiness_analysis.core.tables import META_COLUMNS, SCORE_COLUMNS
from readiness_analysis.spec.instrument import Instrument
from readiness_analysis.stats.disclosure import MIN_CELL
from readiness_analysis.stats.groups import (
    grouping,
    teacher_weights,
)

__all__ = ["READINESS", "agree_thresholds", "scale_bounds", "summarise_scores",
           "team_variation", "theme_scores"]

READINESS = "readiness"

_META = [c for c in SCORE_COLUMNS if c in META_COLUMNS]  # in the order of scores.parquet


# --------------------------------------------------------------------------- scores


def theme_scores(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Score every respondent on every theme, plus an overall readiness index.

    A theme score is the mean of the respondent's answered items of that theme (already
    reverse-keyed by cleaning), on the theme's scale; it is NA when fewer than
    ``instrument.min_items`` items were answered. The readiness index is the mean of the
    available theme scores, on the instrument's default scale: a theme on a scale with
    another range enters it mapped linearly onto the default range (a 1-4 score of 4 counts
    as 5 beside a 1-5 scale).

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses (see :func:`readiness_analysis.io.clean.clean_scan`).
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
    >>> from readiness_analysis.spec.instrument import load_instrument
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
    themes = _on_default_scale(wide[:n_themes], instrument)
    counts[n_themes] = np.sum(~np.isnan(themes), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        wide[n_themes] = np.nansum(themes, axis=0) / counts[n_themes]
    return wide, counts


def _on_default_scale(themes: np.ndarray, instrument: Instrument) -> np.ndarray:
    """Theme scores (theme x respondent) mapped onto the default scale's range.

    Themes on a scale of the default's range are left as they are (the same array when
    all are), so that a one-scale instrument's readiness index is exactly the plain mean.
    """
    default = instrument.default_scale
    out = themes
    for t, theme in enumerate(instrument.theme_ids):
        scale = instrument.scale_of_theme(theme)
        if scale.same_range(default):
            continue
        if out is themes:
            out = themes.copy()
        out[t] = default.min + (themes[t] - scale.min) * (
            (default.max - default.min) / (scale.max - scale.min))
    return out


def agree_thresholds(instrument: Instrument) -> dict[str, int]:
    """Where agreeing starts, per theme: its scale's ``agree_from`` (readiness: the default).

    Pass it as ``agree_from`` to :func:`summarise_scores` so that every theme's share
    agreeing is counted on its own scale.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> thresholds = agree_thresholds(load_instrument())
    >>> thresholds["vision"], thresholds[READINESS]
    (4, 4)
    """
    thresholds = {theme: instrument.scale_of_theme(theme).agree_from
                  for theme in instrument.theme_ids}
    thresholds[READINESS] = instrument.default_scale.agree_from
    return thresholds


def scale_bounds(instrument: Instrument) -> dict[str, tuple[int, int]]:
    """The lowest and highest possible score per theme (readiness: the default scale's).

    A theme score is a mean of answers on the theme's scale, so it cannot lie outside
    these bounds; neither can the mean of theme scores.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> scale_bounds(load_instrument())["vision"]
    (1, 5)
    """
    bounds = {theme: (instrument.scale_of_theme(theme).min, instrument.scale_of_theme(theme).max)
              for theme in instrument.theme_ids}
    bounds[READINESS] = (instrument.default_scale.min, instrument.default_scale.max)
    return bounds


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
    scores: pd.DataFrame, by: list[str], *, agree_from: float | Mapping[str, float] = 4.0,
    weighted: bool = False
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
    agree_from : float or mapping of str to float
        A score at or above this counts as agreeing (4 = "mee eens"): one threshold for
        every theme, or one per theme (as :func:`agree_thresholds` gives) when themes
        are on different scales.
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
    g = grouping(scores, keys)
    if g.size == 0:
        return pd.DataFrame(columns=columns)
    w = teacher_weights(scores, g.rows, weighted=True) if weighted else None
    quartiles = g.quantiles({"median": 0.5, "q1": 0.25, "q3": 0.75}, w)  # before: peak memory
    teachers = w if weighted else teacher_weights(scores, g.rows, weighted=False)
    table = g.labels.assign(
        n=g.n,
        n_teachers=np.rint(g.sum(teachers)).astype(np.int64),
        mean=g.mean(w),
        sd=g.sd(w),
        agree=g.share(g.x >= _thresholds(scores, g.rows, agree_from), w),
    )
    return table.join(quartiles)[columns]


def _thresholds(scores: pd.DataFrame, rows: np.ndarray,
                agree_from: float | Mapping[str, float]) -> float | np.ndarray:
    """The agree threshold of each kept row (one number when there is one for all)."""
    if not isinstance(agree_from, Mapping):
        return agree_from
    theme = scores["theme"]
    if isinstance(theme.dtype, pd.CategoricalDtype):  # map the categories, not every row
        table = np.array([agree_from.get(str(c), np.nan) for c in theme.cat.categories]
                         + [np.nan])
        per_row = table[theme.cat.codes.to_numpy()][rows]
    else:
        per_row = theme.astype(str).map(agree_from).to_numpy(dtype=float)[rows]
    if np.isnan(per_row).any():
        missing = theme[rows].iloc[int(np.flatnonzero(np.isnan(per_row))[0])]
        raise ValueError(f"agree_from gives no threshold for theme {str(missing)!r}; "
                         "pass one per theme, e.g. agree_thresholds(instrument)")
    return per_row


# --------------------------------------------------------------------------- bootstrap


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
    g = grouping(scores, keys)
    if g.size == 0:
        return pd.DataFrame(columns=columns)
    teachers = teacher_weights(scores, g.rows, weighted=weighted)
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


