"""From evidence to advice: rank a study's recommendations for one institution.

The rule is deliberately simple, so that a school can follow it by hand:

``priority(R) = SCAN_WEIGHT × need(R) + (1 − SCAN_WEIGHT) × barriers(R)``

- ``need(R)``: how far the institution's mean scores on the *condition* themes linked to
  R lie below the top of the scale, as a share of the scale's range (0 = everyone fully
  agrees, 1 = everyone fully disagrees); themes are averaged with equal weight. Need is
  judged **against the scale**, not against the pooled mean of all institutions: a theme
  on which every school scores low is still a need for each of them, and the pooled mean
  of a handful of schools (this one included) is no standard. The pooled mean is shown
  next to the school's mean as context, never used in the rule.
- Themes the instrument marks ``role: strength`` (enablers such as willingness or current
  use) are never averaged into need: a high willingness must not hide a low time to
  experiment. They are reported apart, as strengths (:func:`strengths`). A recommendation
  linked to strengths only has no need part.
- ``barriers(R)``: the share of the institution's *own* coded hindering fragments that
  support R. Only fragments attributed to the institution count; the study's published
  quotes are illustrations, not evidence about a school they were not attributed to. With
  the scan the interview part is used from ``MIN_FRAGMENTS`` own coded fragments on
  (fewer cannot carry 30% of a ranking).

Ties are broken by the study's order (the first recommendation before the last).

When one part of the evidence is missing, the rule says so instead of pretending
(``basis`` column of :func:`rank_recommendations`):

- ``"scan+interviews"``: the rule above;
- ``"scan"``: no own hindering fragments to use: ``priority(R) = need(R)``;
- ``"interviews"``: the scan part cannot be computed (every linked theme suppressed,
  fewer than ``MIN_CELL`` respondents) but the institution has own hindering fragments:
  ``priority(R) = barriers(R)``;
- ``"none"``: neither: no ranking; the recommendations keep the study's order and
  ``priority`` and ``rank`` are empty.

**Rank stability** (:func:`rank_stability`). A ranking of five recommendations from five
respondents is fragile. The respondents of the institution are resampled with replacement
(``N_RESAMPLES`` seeded bootstrap resamples, the *same* resamples for every
recommendation, weighted means when the summary is weighted); the interview part is held
fixed. Each resample is ranked by the rule above. Per recommendation the output gives
``p_top`` (the share of resamples in which it is among the first ``TOP``) and its rank
interval (the 2.5% and 97.5% quantiles of its bootstrap ranks).

Two recommendations are **practically equal** when neither comes first in at least
``CLEAR_ORDER`` (90%) of the resamples. We judge the pair, not overlapping rank intervals
(with a handful of respondents the intervals of almost any two recommendations overlap,
and overlapping intervals are a needlessly strict test of a difference) nor ``p_top``
(which says whether a recommendation belongs to a set, not whether it comes before
another). Walking the observed order, a recommendation joins the current group when it
is practically equal to any of its members, else (every member comes first clearly) it
opens the next group; so no two practically equal neighbours are ever given different
places. Members of a group share a rank range (e.g. "1–3") and the report names them as
a close call instead of printing 1, 2, 3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from readiness_analysis.spec.instrument import STRENGTH, Instrument, Scale

__all__ = ["BASES", "CLEAR_ORDER", "MIN_FRAGMENTS", "N_RESAMPLES", "SCAN_WEIGHT", "SEED",
           "TOP", "rank_recommendations", "rank_stability", "strengths"]

SCAN_WEIGHT = 0.7
MIN_FRAGMENTS = 5
BASES = ("scan+interviews", "scan", "interviews", "none")
"""What a ranking rests on, from most to least evidence (see the module docstring)."""
TOP = 3
"""The size of the "first priorities" whose membership :func:`rank_stability` reports."""
N_RESAMPLES = 2000
SEED = 16
CLEAR_ORDER = 0.9
"""Share of resamples in which one recommendation must come first for an order to count."""
_COLUMNS = ["recommendation", "need", "barriers", "n_barriers", "n_hindering",
            "interviews_used", "priority", "basis", "conditions", "strengths", "_order"]
_DIGITS = 12  # priorities are compared rounded, so float noise does not break a tie
_MAX_BATCH_CELLS = 2_000_000  # resamples x respondents per batch: bounds memory


def _theme_means(summary: pd.DataFrame) -> pd.Series:
    if summary.empty:
        return pd.Series(dtype=float)
    return summary.groupby("theme", observed=True)["mean"].mean().dropna()


def _conditions(instrument: Instrument, themes: Sequence[str]) -> list[str]:
    """The themes of ``themes`` that count as conditions (need), in their order."""
    known = set(instrument.theme_ids)
    return [t for t in themes if t in known and instrument.theme(t).role != STRENGTH]


def _need(summary: pd.DataFrame, instrument: Instrument,
          links: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """Scale distance below the top, per recommendation, from condition-theme means.

    Each theme's distance is a share of its own scale's range, so themes on different
    scales weigh alike.
    """
    means = _theme_means(summary)
    need = {}
    for rec, linked in links.items():
        values = [_below_top(means[t], instrument.scale_of_theme(t))
                  for t in _conditions(instrument, linked) if t in means]
        need[rec] = sum(values) / len(values) if values else float("nan")
    return need


def _below_top(mean: float, scale: Scale) -> float:
    """How far ``mean`` lies below the top of ``scale``, as a share of its range."""
    return (scale.max - mean) / (scale.max - scale.min)


def _hindering(fragments: pd.DataFrame) -> pd.DataFrame:
    if fragments.empty:
        return fragments
    return fragments[fragments["valence"] == "hindering"]


def _barriers(hindering: pd.DataFrame, recs: Sequence[str]) -> dict[str, float]:
    total = hindering["fragment_id"].nunique() if len(hindering) else 0
    counts = (hindering.groupby("recommendation")["fragment_id"].nunique() if total
              else pd.Series(dtype=int))
    return {r: (counts.get(r, 0) / total if total else 0.0) for r in recs}


def strengths(summary: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """The institution's means on the themes the instrument marks as strengths.

    Suppressed themes (no mean) are left out; the order is the instrument's.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> summary = pd.DataFrame({"theme": ["willingness", "vision"], "mean": [3.8, 2.0]})
    >>> strengths(summary, load_instrument()).to_dict("records")
    [{'theme': 'willingness', 'mean': 3.8}]
    """
    means = _theme_means(summary)
    rows = [{"theme": t.id, "mean": float(means[t.id])} for t in instrument.themes
            if t.role == STRENGTH and t.id in means]
    return pd.DataFrame(rows, columns=["theme", "mean"])


def rank_recommendations(
    summary: pd.DataFrame,
    instrument: Instrument,
    own_fragments: pd.DataFrame,
    *,
    links: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """Rank a study's recommendations for one institution by the rule in the module docstring.

    Parameters
    ----------
    summary : DataFrame
        The institution's theme summary (``theme``, ``mean``; e.g. latest wave only,
        suppressed cells with a missing mean).
    instrument : Instrument
        Gives each theme's scale and role (condition or strength).
    own_fragments : DataFrame
        The institution's own coded fragments (``fragment_id``, ``valence``,
        ``recommendation``). The study's unattributed quotes are no evidence and are not
        taken.
    links : mapping
        The study's recommendation ids, in its order, each with the theme ids it rests on
        (:meth:`readiness_analysis.spec.study.Study.links`).

    Returns
    -------
    DataFrame
        One row per recommendation, best first: ``recommendation``, ``need``,
        ``barriers``, ``n_barriers`` (own hindering fragments supporting it),
        ``n_hindering`` (all own hindering fragments), ``interviews_used`` (whether the
        interview part counts), ``priority``, ``basis`` (one of :data:`BASES`),
        ``conditions`` and ``strengths`` (the linked theme ids of each role), ``rank``
        (empty when ``basis`` is ``"none"``: then the rows keep the study's order).

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> from readiness_analysis.spec.study import load_study
    >>> links = load_study().links(load_instrument())
    >>> summary = pd.DataFrame({"theme": ["vision", "infrastructure"], "mean": [1.5, 4.5]})
    >>> frags = pd.DataFrame({"fragment_id": ["f1"], "valence": ["hindering"],
    ...                       "recommendation": ["R2"]})
    >>> rank_recommendations(summary, load_instrument(), frags.iloc[:0], links=links)[
    ...     "recommendation"].tolist()[:2]
    ['R2', 'R3']

    Without scan scores and without own fragments there is no ranking:

    >>> none = rank_recommendations(summary.iloc[:0], load_instrument(), frags.iloc[:0],
    ...                             links=links)
    >>> none["basis"].iloc[0], bool(none["rank"].isna().all()), none["recommendation"].tolist()[:2]
    ('none', True, ['R1', 'R2'])
    """
    need = _need(summary, instrument, links)
    scan = any(pd.notna(v) for v in need.values())
    hindering = _hindering(own_fragments)
    n_own = own_fragments["fragment_id"].nunique() if len(own_fragments) else 0
    used = len(hindering) > 0 and (n_own >= MIN_FRAGMENTS or not scan)
    basis = _basis(scan, used)
    barriers = _barriers(hindering if used else hindering.iloc[:0], list(links))
    n_hindering = hindering["fragment_id"].nunique() if len(hindering) else 0
    rows = []
    for order, (rec, linked) in enumerate(links.items()):
        conditions = _conditions(instrument, linked)
        rows.append({
            "recommendation": rec, "need": need[rec], "barriers": barriers[rec],
            "n_barriers": hindering.loc[hindering["recommendation"] == rec,
                                        "fragment_id"].nunique() if n_hindering else 0,
            "n_hindering": n_hindering, "interviews_used": used,
            "priority": _priority(basis, need[rec], barriers[rec]), "basis": basis,
            "conditions": tuple(conditions),
            "strengths": tuple(t for t in linked if t not in conditions
                               and t in instrument.theme_ids),
            "_order": order,
        })
    return _ranked(pd.DataFrame(rows, columns=_COLUMNS), basis)


def _basis(scan: bool, interviews: bool) -> str:
    """Which of :data:`BASES` a ranking rests on."""
    if scan:
        return "scan+interviews" if interviews else "scan"
    return "interviews" if interviews else "none"


def _priority(basis: str, need: float, barriers: float) -> float:
    """The documented rule for one recommendation, given the basis."""
    if basis == "none":
        return float("nan")
    if basis == "interviews" or (basis == "scan+interviews" and pd.isna(need)):
        return barriers
    if basis == "scan":
        return need
    return SCAN_WEIGHT * need + (1 - SCAN_WEIGHT) * barriers


def _ranked(table: pd.DataFrame, basis: str) -> pd.DataFrame:
    """Best first (ties in the study's order); no ranks when there is no basis."""
    table = table.assign(_key=table["priority"].round(_DIGITS))
    table = table.sort_values(["_key", "_order"], ascending=[False, True], na_position="last")
    if basis == "none":
        table = table.sort_values("_order")
    ranks = [pd.NA] * len(table) if basis == "none" else range(1, len(table) + 1)
    table["rank"] = pd.array(ranks, dtype="Int64")
    return table.drop(columns=["_order", "_key"]).reset_index(drop=True)


def rank_stability(
    scores: pd.DataFrame,
    summary: pd.DataFrame,
    instrument: Instrument,
    own_fragments: pd.DataFrame,
    *,
    links: Mapping[str, Sequence[str]],
    weighted: bool = False,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
) -> pd.DataFrame:
    """How stable the institution's ranking is when its respondents are resampled.

    See the module docstring for the procedure and for "practically equal".

    Parameters
    ----------
    scores : DataFrame
        The institution's respondent-level theme scores of the wave that ``summary``
        summarises (``respondent_id``, ``theme``, ``score``; ``n_teachers`` when
        ``weighted``).
    summary, instrument, own_fragments, links
        As for :func:`rank_recommendations` (suppressed themes in ``summary`` stay out of
        every resample too).
    weighted : bool
        Weight respondents by ``n_teachers``, as the summary's means are.
    n_resamples, seed : int
        The bootstrap's size and seed (the same seed gives the same answer).

    Returns
    -------
    DataFrame
        :func:`rank_recommendations`'s table plus ``p_top`` (share of resamples in the
        first :data:`TOP`), ``rank_low`` and ``rank_high`` (2.5% and 97.5% quantiles of
        the bootstrap ranks), ``group`` (1 for the first group of practically equal
        recommendations, ...), ``group_low`` and ``group_high`` (the ranks the group
        spans). These are empty when the ranking does not rest on the scan (there are no
        respondents to resample).

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> inst = load_instrument()
    >>> scores = pd.DataFrame({"respondent_id": [f"p{i}" for i in range(8)] * 2,
    ...                        "theme": ["vision"] * 8 + ["infrastructure"] * 8,
    ...                        "score": [1.0, 1.5, 1.0, 2.0, 1.5, 1.0, 1.0, 1.5]
    ...                                 + [4.5, 5.0, 4.5, 4.0, 5.0, 4.5, 5.0, 4.5]})
    >>> summary = scores.groupby("theme", as_index=False)["score"].mean().rename(
    ...     columns={"score": "mean"})
    >>> links = {"R2": ["vision"], "R3": ["infrastructure"]}
    >>> table = rank_stability(scores, summary, inst, scores.iloc[:0], links=links)
    >>> table[["recommendation", "p_top", "group"]].values.tolist()
    [['R2', 1.0, 1], ['R3', 1.0, 2]]
    """
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, not {n_resamples}")
    ranking = rank_recommendations(summary, instrument, own_fragments, links=links)
    blank = {"p_top": np.nan, "rank_low": pd.NA, "rank_high": pd.NA, "group": pd.NA,
             "group_low": pd.NA, "group_high": pd.NA}
    if ranking.empty or ranking["basis"].iloc[0] not in ("scan", "scan+interviews"):
        return _with_ints(ranking.assign(**blank))
    keys = _bootstrap_keys(scores, summary, instrument, ranking, links, weighted,
                           n_resamples, seed)
    if keys is None:  # the summary has means but ``scores`` no respondents for them
        return _with_ints(ranking.assign(**blank))
    order = list(ranking["recommendation"])
    where = [list(links).index(r) for r in order]  # study order -> observed order
    ranks, keys = _row_ranks(keys)[:, where], keys[:, where]
    low, high = (np.quantile(ranks, q, axis=0, method="inverted_cdf") for q in (0.025, 0.975))
    groups = _groups(keys)
    table = ranking.assign(p_top=(ranks <= TOP).mean(axis=0), rank_low=low.astype(int),
                           rank_high=high.astype(int), group=groups)
    spans = table.groupby("group")["rank"].agg(["min", "max"])
    table["group_low"] = table["group"].map(spans["min"])
    table["group_high"] = table["group"].map(spans["max"])
    return _with_ints(table)


def _with_ints(table: pd.DataFrame) -> pd.DataFrame:
    for column in ("rank_low", "rank_high", "group", "group_low", "group_high"):
        table[column] = pd.array(table[column], dtype="Int64")
    return table


def _groups(keys: np.ndarray) -> list[int]:
    """Groups of practically equal recommendations; columns of ``keys`` in observed order.

    A recommendation opens the next group only when every member of the current group
    comes first clearly; practically equal to any one of them, it joins. Judged against
    the group's first member alone, two practically equal neighbours could land in two
    groups (89% and 88% in the top places, shown as places 1-2 and 3-4). "Comes first"
    is a strictly higher priority: a tie broken by the study's order is no evidence of an
    order.
    """
    groups, members, current = [], [], 1
    for col in range(keys.shape[1]):
        if members and all(np.mean(keys[:, m] > keys[:, col]) >= CLEAR_ORDER
                           for m in members):
            members, current = [], current + 1
        members.append(col)
        groups.append(current)
    return groups


def _bootstrap_keys(scores: pd.DataFrame, summary: pd.DataFrame, instrument: Instrument,
                    ranking: pd.DataFrame, links: Mapping[str, Sequence[str]],
                    weighted: bool, n_resamples: int, seed: int) -> np.ndarray | None:
    """Sort keys (resamples x recommendations, columns in the study's order).

    A key is the rounded priority, ``-inf`` where it is missing. None without respondents.
    """
    means = _theme_means(summary)
    themes = [t for t in instrument.theme_ids if t in means]
    values, weights = _wide(scores, themes, weighted)
    study_order = list(links)
    cols = [[themes.index(t) for t in _conditions(instrument, links[r]) if t in themes]
            for r in study_order]
    scales = [instrument.scale_of_theme(t) for t in themes]
    top = np.array([s.max for s in scales], dtype=float)
    span = np.array([s.max - s.min for s in scales], dtype=float)
    barriers = ranking.set_index("recommendation").loc[study_order, "barriers"].to_numpy(float)
    basis = ranking["basis"].iloc[0]
    rng = np.random.default_rng(seed)
    n = len(values)
    if n == 0:
        return None
    batch = max(1, _MAX_BATCH_CELLS // n)
    out = []
    for start in range(0, n_resamples, batch):
        counts = _resample_counts(rng, n, min(batch, n_resamples - start))
        distance = (top - _resampled_means(counts * weights, values)) / span
        out.append(_key(_priorities(distance, cols, barriers, basis)))
    return np.concatenate(out)


def _resample_counts(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """How often each of ``n`` respondents is drawn, per resample (size x n; rows sum to n).

    The counts of drawing ``n`` respondents with replacement, as ``rng.multinomial(n,
    [1/n] * n, size)`` gives them in distribution, four times faster: numpy's multinomial
    draws a binomial per respondent and resample.

    Examples
    --------
    >>> _resample_counts(np.random.default_rng(0), 4, 3).sum(axis=1).tolist()
    [4, 4, 4]
    """
    drawn = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, None]
    return np.bincount(drawn.ravel(), minlength=size * n).reshape(size, n)


def _wide(scores: pd.DataFrame, themes: list[str],
          weighted: bool) -> tuple[np.ndarray, np.ndarray]:
    """Respondents x themes scores (NaN where missing) and each respondent's weight."""
    kept = scores[scores["theme"].astype(str).isin(themes) & scores["score"].notna()]
    wide = kept.pivot_table(index="respondent_id", columns=kept["theme"].astype(str),
                            values="score", aggfunc="mean", observed=True)
    wide = wide.reindex(columns=themes)
    if weighted:
        teachers = kept.groupby("respondent_id", observed=True)["n_teachers"].first()
        weights = teachers.reindex(wide.index).fillna(0).to_numpy(float)
    else:
        weights = np.ones(len(wide))
    return wide.to_numpy(float), weights


def _resampled_means(counts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(Weighted) theme means per resample; NaN where a resample has no score of a theme."""
    present = ~np.isnan(values)
    total = counts @ np.where(present, values, 0.0)
    weight = counts @ present.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, total / weight, np.nan)


def _priorities(distance: np.ndarray, cols: list[list[int]], barriers: np.ndarray,
                basis: str) -> np.ndarray:
    """The rule of :func:`_priority`, for every resample at once (columns in study order)."""
    need = np.full((len(distance), len(cols)), np.nan)
    for j, linked in enumerate(cols):
        if linked:
            part = distance[:, linked]
            counted = (~np.isnan(part)).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                need[:, j] = np.where(counted > 0, np.nansum(part, axis=1) / counted, np.nan)
    if basis == "scan":
        return need
    mixed = SCAN_WEIGHT * need + (1 - SCAN_WEIGHT) * barriers
    return np.where(np.isnan(need), barriers, mixed)


def _key(priority: np.ndarray) -> np.ndarray:
    """Priorities rounded (float noise is no difference), missing ones lowest."""
    key = np.round(priority, _DIGITS)
    return np.where(np.isnan(key), -np.inf, key)


def _row_ranks(key: np.ndarray) -> np.ndarray:
    """Ranks per row, best first, ties in column order."""
    order = np.argsort(-key, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, order.shape[1] + 1)[None, :], axis=1)
    return ranks
