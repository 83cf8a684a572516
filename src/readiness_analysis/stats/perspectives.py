"""Theme profiles per role and per group, safe against small cells (the SELFIE comparison).

:func:`perspective_summary` gives, per institution (latest wave) and theme, the mean and
n of every role and every group (the optional ``role`` and ``group`` columns of the
scan, :mod:`readiness_analysis.io.perspectives`), weighted as the other summaries are;
:func:`largest_gaps` names the largest differences between two shown roles or groups.

Disclosure control
------------------
The institution's own mean and n per theme are shown elsewhere in its report, so a
role's or group's figure must not be recoverable from the shown ones. A cell is one
role (or group) of one institution and theme; it is *hidden* when

1. **small**: it has fewer than ``MIN_CELL`` respondents;
2. **complement**: the respondents of the institution and theme who are in no shown cell
   of that partition (the hidden cells plus those without a role, or without a group)
   number 1 to ``MIN_CELL - 1``. Their total is the institution's total minus the shown
   cells', so it would reveal them: the smallest shown cell is hidden too, until the
   hidden respondents number 0 or at least ``MIN_CELL``;
3. **overlap**: a shown role cell A and a shown group cell B differ by 1 to
   ``MIN_CELL - 1`` respondents (``|A Δ B|``), or A and the complement of B do
   (``|A Δ B'| = N - |A Δ B|``): the difference of their totals would reveal those few.
   The smaller of the two cells is hidden (the group cell on a tie);
4. **linked**: a role or group hidden in one theme is hidden in every theme of the
   institution, since the readiness index (the mean of the themes) and the other themes
   would give a hidden theme away.

The rules are applied in turn until nothing changes. Sums of several shown cells
compared with one another (beyond the pairs of rule 3) are not audited; with one role
and one group column and the minimum cell size this is the usual level of protection of
published tables. Gaps (:func:`largest_gaps`) are only computed between shown cells, so
no difference reveals a hidden one.

Everything is computed on whole columns (groupby, merge, numpy); the rules loop at most
once per cell hidden, never over rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from readiness_analysis.io.perspectives import PERSPECTIVES, ROLE
from readiness_analysis.stats.disclosure import MIN_CELL
from readiness_analysis.stats.scores import READINESS, summarise_scores

__all__ = ["GAP_COLUMNS", "SUMMARY_COLUMNS", "largest_gaps", "perspective_summary",
           "present_perspectives", "with_perspectives"]

#: Columns of :func:`perspective_summary`.
SUMMARY_COLUMNS = ("institution", "wave", "theme", "dimension", "category", "n",
                   "n_teachers", "mean", "n_all", "mean_all", "suppressed", "reason")
#: Columns of :func:`largest_gaps`.
GAP_COLUMNS = ("institution", "wave", "theme", "dimension", "high", "low", "mean_high",
               "mean_low", "n_high", "n_low", "diff")
_PARTITION = ["institution", "wave", "theme", "dimension"]
_CELL = ["institution", "wave", "dimension", "category"]


def with_perspectives(scores: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """``scores`` with the ``role`` and ``group`` of each respondent, where ``responses`` has them.

    ``scores`` must be :func:`readiness_analysis.stats.scores.theme_scores` of
    ``responses``: one block of rows per theme, each holding the respondents in the order
    of ``responses``. The columns come as categoricals (codes, not repeated strings).

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> from readiness_analysis.stats.scores import theme_scores
    >>> responses = pd.DataFrame({"respondent_id": ["p1", "p2"], "institution": ["X", "X"],
    ...                           "wave": [1, 1], "n_teachers": [1, 1],
    ...                           "role": pd.array(["docent", None], dtype="string"),
    ...                           "vis_1": [2.0, 4.0]})
    >>> scores = with_perspectives(theme_scores(responses, load_instrument()), responses)
    >>> scores.loc[scores.theme == "vision", "role"].tolist()
    ['docent', nan]
    """
    present = [c for c in PERSPECTIVES if c in responses]
    if not present:
        return scores
    blocks, rest = divmod(len(scores), max(len(responses), 1))
    if rest or (len(responses) and blocks == 0):
        raise ValueError("scores do not hold one block of rows per theme of these responses")
    out = scores.copy()
    for column in present:
        values = pd.Categorical(responses[column].astype(object).where(
            responses[column].notna(), None))
        out[column] = pd.Categorical.from_codes(np.tile(values.codes, blocks),
                                                dtype=values.dtype)
    return out


def present_perspectives(scores: pd.DataFrame) -> list[str]:
    """The perspective columns of ``scores`` that hold at least one value.

    Examples
    --------
    >>> present_perspectives(pd.DataFrame({"role": [None, "docent"], "group": [None, None]}))
    ['role']
    """
    return [c for c in PERSPECTIVES if c in scores and scores[c].notna().any()]


def perspective_summary(scores: pd.DataFrame, *, weighted: bool = False,
                        min_n: int = MIN_CELL,
                        dimensions: Sequence[str] = PERSPECTIVES) -> pd.DataFrame:
    """Mean and n per role and per group, per institution and theme (latest wave), suppressed.

    Parameters
    ----------
    scores : DataFrame
        Theme scores with ``role`` and/or ``group`` (:func:`with_perspectives`).
    weighted : bool
        Weight interviews by ``n_teachers``, as
        :func:`readiness_analysis.stats.scores.summarise_scores` does.
    min_n : int
        The minimum cell size (``MIN_CELL``).
    dimensions : sequence of str
        Which perspective columns to summarise (those present and not all empty).

    Returns
    -------
    DataFrame
        :data:`SUMMARY_COLUMNS`: one row per institution, wave (its latest), theme,
        dimension (``role`` or ``group``) and category (the role or group), with ``n``,
        ``n_teachers``, ``mean``, the institution's ``n_all`` and ``mean_all`` for the
        theme, ``suppressed`` and ``reason`` (``small``, ``complement``, ``overlap``,
        ``linked``; empty when shown). A suppressed cell keeps its ``n`` but its ``mean``
        is NaN. Empty (with these columns) when no perspective column holds a value.

    Notes
    -----
    The disclosure rules are in the module docstring.

    Examples
    --------
    >>> scores = pd.DataFrame({
    ...     "institution": ["X"] * 7, "wave": [1] * 7, "theme": ["vision"] * 7,
    ...     "score": [2.0, 3.0, 4.0, 4.0, 5.0, 4.0, 1.0], "n_teachers": [1] * 7,
    ...     "role": ["docent"] * 3 + ["leiding"] * 3 + ["student"]})
    >>> s = perspective_summary(scores)
    >>> s[["category", "n", "mean", "reason"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'category': 'docent', 'n': 3, 'mean': nan, 'reason': 'complement'},
     {'category': 'leiding', 'n': 3, 'mean': 4.333333333333333, 'reason': ''},
     {'category': 'student', 'n': 1, 'mean': nan, 'reason': 'small'}]
    """
    present = [d for d in present_perspectives(scores) if d in dimensions]
    if scores.empty or not present:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    latest = _latest(scores)
    total = summarise_scores(latest, ["institution", "wave"], weighted=weighted)
    total = _plain(total).rename(columns={"n": "n_all", "mean": "mean_all"})
    cells = pd.concat([_cells(latest, d, weighted) for d in present], ignore_index=True)
    cells = cells.merge(total[["institution", "wave", "theme", "n_all", "mean_all"]],
                        on=["institution", "wave", "theme"], how="left")
    reason = _hide(cells, latest, min_n)
    cells["suppressed"] = reason != ""
    cells["reason"] = reason
    cells["mean"] = cells["mean"].where(~cells["suppressed"])
    cells["mean_all"] = cells["mean_all"].where(cells["n_all"] >= min_n)
    cells["theme"] = pd.Categorical(cells["theme"], categories=_themes(scores), ordered=True)
    order = cells.sort_values(["institution", "dimension", "theme", "category"],
                              key=_dimension_order, kind="stable")
    return order[list(SUMMARY_COLUMNS)].reset_index(drop=True)


def largest_gaps(summary: pd.DataFrame, dimension: str = ROLE, *, top: int = 3,
                 exclude: Sequence[str] = (READINESS,)) -> pd.DataFrame:
    """The largest differences between two shown roles (or groups), per institution.

    Per institution and theme the highest and the lowest shown mean of ``dimension``
    (themes with fewer than two shown categories have no gap); the ``top`` largest per
    institution, largest first (ties: instrument order). Suppressed cells never enter.

    Parameters
    ----------
    summary : DataFrame
        From :func:`perspective_summary`.
    dimension : {"role", "group"}
    top : int
        Gaps kept per institution.
    exclude : sequence of str
        Themes left out (default: the readiness index, a mean of the others).

    Returns
    -------
    DataFrame
        :data:`GAP_COLUMNS`.

    Examples
    --------
    >>> summary = pd.DataFrame({
    ...     "institution": ["X"] * 3, "wave": [1] * 3, "theme": ["vision"] * 3,
    ...     "dimension": ["role"] * 3, "category": ["docent", "leiding", "student"],
    ...     "n": [4, 3, 1], "mean": [3.1, 3.9, None], "suppressed": [False, False, True]})
    >>> gaps = largest_gaps(summary)
    >>> gaps[["high", "low", "diff"]].round(2).to_dict("records")
    [{'high': 'leiding', 'low': 'docent', 'diff': 0.8}]
    """
    shown = summary[(summary["dimension"] == dimension) & ~summary["suppressed"].astype(bool)
                    & ~summary["theme"].astype(str).isin(list(exclude))
                    & summary["mean"].notna()]
    keys = ["institution", "wave", "theme"]
    ranked = shown.sort_values([*keys, "mean", "category"], kind="stable")
    low = ranked.drop_duplicates(keys, keep="first")
    high = ranked.sort_values([*keys, "mean", "category"], ascending=[True] * 3 + [False, True],
                              kind="stable").drop_duplicates(keys, keep="first")
    pairs = high.merge(low, on=keys, suffixes=("_high", "_low"))
    pairs = pairs[pairs["category_high"] != pairs["category_low"]]
    gaps = pd.DataFrame({
        **{k: pairs[k] for k in keys}, "dimension": dimension,
        "high": pairs["category_high"], "low": pairs["category_low"],
        "mean_high": pairs["mean_high"], "mean_low": pairs["mean_low"],
        "n_high": pairs["n_high"], "n_low": pairs["n_low"],
        "diff": pairs["mean_high"] - pairs["mean_low"]})
    gaps = gaps.sort_values(["institution", "diff", "theme"], ascending=[True, False, True],
                            kind="stable")
    return gaps.groupby("institution", sort=False, observed=True).head(top)[
        list(GAP_COLUMNS)].reset_index(drop=True)


# --------------------------------------------------------------------------- summaries


def _latest(scores: pd.DataFrame) -> pd.DataFrame:
    """The scored rows of each institution's latest wave."""
    scored = scores[scores["score"].notna()]
    last = scored.groupby("institution", observed=True)["wave"].transform("max")
    return scored[scored["wave"] == last]


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """A summary with text keys as plain strings (merges then match whatever the dtype)."""
    out = table.copy()
    for column in ("institution", "theme", "category"):
        if column in out:
            out[column] = out[column].astype(str)
    out["wave"] = out["wave"].astype("int64")
    return out


def _cells(latest: pd.DataFrame, dimension: str, weighted: bool) -> pd.DataFrame:
    """Mean, n and teachers per institution, wave, theme and category of ``dimension``."""
    table = summarise_scores(latest, ["institution", "wave", dimension], weighted=weighted)
    table = _plain(table.rename(columns={dimension: "category"}))
    table["dimension"] = dimension
    return table[["institution", "wave", "theme", "dimension", "category", "n",
                  "n_teachers", "mean"]]


def _themes(scores: pd.DataFrame) -> list[str]:
    theme = scores["theme"]
    if isinstance(theme.dtype, pd.CategoricalDtype):
        return [str(t) for t in theme.cat.categories]
    return list(dict.fromkeys(theme.astype(str)))


def _dimension_order(column: pd.Series) -> pd.Series:
    """Sort key: roles before groups, everything else as it is."""
    if column.name == "dimension":
        return column.map({d: k for k, d in enumerate(PERSPECTIVES)})
    return column


# --------------------------------------------------------------------------- suppression


def _hide(cells: pd.DataFrame, latest: pd.DataFrame, min_n: int) -> pd.Series:
    """Why each cell is hidden (``small``, ``complement``, ``overlap``, ``linked``) or ``""``.

    Applies the rules of the module docstring until nothing changes.
    """
    reason = pd.Series(np.where(cells["n"] < min_n, "small", ""), index=cells.index,
                       dtype=object)
    overlaps = _overlap_counts(latest)
    for _ in range(len(cells) + 1):
        before = reason.copy()
        reason = _linked(cells, reason)
        reason = _complement(cells, reason, min_n)
        reason = _overlap(cells, reason, overlaps, min_n)
        if reason.equals(before):
            break
    return reason


def _linked(cells: pd.DataFrame, reason: pd.Series) -> pd.Series:
    """Rule 4: a category hidden in one theme is hidden in all of its institution's."""
    hidden = (reason != "").groupby([cells[k] for k in _CELL]).transform("any")
    return reason.where(~hidden | (reason != ""), "linked")


def _complement(cells: pd.DataFrame, reason: pd.Series, min_n: int) -> pd.Series:
    """Rule 2: hide the smallest shown cell where 1 to min_n - 1 respondents are hidden."""
    shown = reason == ""
    shown_n = cells["n"].where(shown, 0).groupby([cells[k] for k in _PARTITION]).transform("sum")
    hidden_n = cells["n_all"] - shown_n
    exposed = shown & (hidden_n > 0) & (hidden_n < min_n)
    if not exposed.any():
        return reason
    first = cells[exposed].sort_values(["n", "category"], kind="stable").drop_duplicates(
        _PARTITION, keep="first")
    out = reason.copy()
    out[first.index] = "complement"
    return out


def _overlap_counts(latest: pd.DataFrame) -> pd.DataFrame:
    """Respondents per institution, wave, theme, role and group (both given)."""
    if not all(c in latest for c in PERSPECTIVES):
        return pd.DataFrame(columns=["institution", "wave", "theme", "role", "group", "both"])
    both = latest[latest["role"].notna() & latest["group"].notna()]
    counts = both.groupby(["institution", "wave", "theme", "role", "group"], observed=True,
                          dropna=True).size().rename("both").reset_index()
    counts = _plain(counts)
    for column in PERSPECTIVES:
        counts[column] = counts[column].astype(str)
    return counts


def _overlap(cells: pd.DataFrame, reason: pd.Series, overlaps: pd.DataFrame,
             min_n: int) -> pd.Series:
    """Rule 3: of a shown role and group cell that nearly coincide (or complement), hide one."""
    shown = cells[reason == ""]
    keys = ["institution", "wave", "theme"]
    roles = shown[shown["dimension"] == "role"]
    groups = shown[shown["dimension"] == "group"]
    if roles.empty or groups.empty:
        return reason
    pairs = roles.reset_index().merge(groups.reset_index(), on=keys, suffixes=("_r", "_g"))
    pairs = pairs.merge(overlaps.rename(columns={"role": "category_r", "group": "category_g"}),
                        on=[*keys, "category_r", "category_g"], how="left")
    both = pairs["both"].fillna(0)
    apart = pairs["n_r"] + pairs["n_g"] - 2 * both  # |A Δ B|
    against = pairs["n_all_r"] - apart  # |A Δ B'|
    bad = ((apart > 0) & (apart < min_n)) | ((against > 0) & (against < min_n))
    if not bad.any():
        return reason
    hit = pairs[bad]
    victim = np.where(hit["n_r"] < hit["n_g"], hit["index_r"], hit["index_g"])
    out = reason.copy()
    out[np.unique(victim)] = "overlap"
    return out
