"""From evidence to advice: rank the study's five recommendations for one institution.

The rule is deliberately simple, so that a school can follow it by hand:

``priority(R) = SCAN_WEIGHT × need(R) + (1 − SCAN_WEIGHT) × barriers(R)``

- ``need(R)``: how far the institution's mean theme scores for the themes linked to R in
  the instrument lie below the top of the scale, as a share of the scale's range
  (0 = everyone fully agrees, 1 = everyone fully disagrees). Themes are averaged with
  equal weight.
- ``barriers(R)``: the share of the coded *hindering* fragments that support R. The
  institution's own coded fragments are used when it has at least ``MIN_FRAGMENTS``;
  otherwise the study-wide fragments (the published quotes on the demo data), and the
  output says which source was used.

Ties are broken by the study's order (R1 before R5).

When one part of the evidence is missing, the rule says so instead of pretending
(``basis`` column of :func:`rank_recommendations`):

- ``"scan+interviews"``: the rule above;
- ``"scan"``: no hindering fragments to use (e.g. no coded interviews were supplied):
  ``priority(R) = need(R)``;
- ``"interviews"``: the scan part cannot be computed (every linked theme suppressed,
  fewer than ``MIN_CELL`` respondents) but the institution has own hindering fragments:
  ``priority(R) = barriers(R)`` over its own fragments only;
- ``"none"``: neither: no ranking; the recommendations keep the guide's order and
  ``priority`` and ``rank`` are empty.
"""

from __future__ import annotations

import pandas as pd

from readiness_analysis.spec.instrument import RECOMMENDATIONS, Instrument

__all__ = ["BASES", "MIN_FRAGMENTS", "SCAN_WEIGHT", "rank_recommendations"]

SCAN_WEIGHT = 0.7
MIN_FRAGMENTS = 5
BASES = ("scan+interviews", "scan", "interviews", "none")
"""What a ranking rests on, from most to least evidence (see the module docstring)."""


def _need(summary: pd.DataFrame, instrument: Instrument) -> dict[str, float]:
    """Scale distance below the top, per recommendation, from theme means."""
    lo, hi = instrument.scale_min, instrument.scale_max
    means = summary.groupby("theme", observed=True)["mean"].mean()
    need = {}
    for rec in RECOMMENDATIONS:
        themes = [t.id for t in instrument.themes if t.recommendation == rec and t.id in means]
        values = [(hi - means[t]) / (hi - lo) for t in themes if pd.notna(means[t])]
        need[rec] = sum(values) / len(values) if values else float("nan")
    return need


def _barriers(fragments: pd.DataFrame) -> dict[str, float]:
    hindering = fragments[fragments["valence"] == "hindering"]
    total = hindering["fragment_id"].nunique()
    counts = hindering.groupby("recommendation")["fragment_id"].nunique()
    return {r: (counts.get(r, 0) / total if total else 0.0) for r in RECOMMENDATIONS}


def rank_recommendations(
    summary: pd.DataFrame,
    instrument: Instrument,
    own_fragments: pd.DataFrame,
    study_fragments: pd.DataFrame,
) -> pd.DataFrame:
    """Rank R1-R5 for one institution by the documented priority rule (module docstring).

    Parameters
    ----------
    summary : DataFrame
        The institution's theme summary (``theme``, ``mean``; e.g. latest wave only).
    instrument : Instrument
    own_fragments, study_fragments : DataFrame
        Coded fragments (``fragment_id``, ``valence``, ``recommendation``) of the
        institution and of the whole study.

    Returns
    -------
    DataFrame
        One row per recommendation, best first: ``recommendation``, ``need``,
        ``barriers``, ``barrier_source`` ("own" or "study"), ``n_barriers``, ``priority``,
        ``basis`` (one of :data:`BASES`), ``rank`` (empty when ``basis`` is ``"none"``:
        then the rows keep the guide's order).

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> summary = pd.DataFrame({"theme": ["vision", "infrastructure"], "mean": [1.5, 4.5]})
    >>> frags = pd.DataFrame({"fragment_id": ["f1"], "valence": ["hindering"],
    ...                       "recommendation": ["R2"]})
    >>> rank_recommendations(summary, load_instrument(), frags.iloc[:0], frags)[
    ...     "recommendation"].tolist()[:2]
    ['R2', 'R3']

    Without scan scores and without own fragments there is no ranking:

    >>> none = rank_recommendations(summary.iloc[:0], load_instrument(), frags.iloc[:0], frags)
    >>> none["basis"].iloc[0], bool(none["rank"].isna().all()), none["recommendation"].tolist()[:2]
    ('none', True, ['R1', 'R2'])
    """
    need = _need(summary, instrument)
    scan = any(pd.notna(v) for v in need.values())
    own_n = own_fragments["fragment_id"].nunique() if len(own_fragments) else 0
    source = "own" if own_n >= MIN_FRAGMENTS or not scan else "study"
    fragments = own_fragments if source == "own" else study_fragments
    hindering = fragments[fragments["valence"] == "hindering"]
    basis = _basis(scan, len(hindering) > 0)
    barriers = _barriers(fragments)
    rows = []
    for order, rec in enumerate(RECOMMENDATIONS):
        rows.append({
            "recommendation": rec, "need": need[rec], "barriers": barriers[rec],
            "barrier_source": source,
            "n_barriers": hindering.loc[hindering["recommendation"] == rec,
                                        "fragment_id"].nunique(),
            "priority": _priority(basis, need[rec], barriers[rec]), "basis": basis,
            "_order": order,
        })
    return _ranked(pd.DataFrame(rows), basis)


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
    """Best first (ties in the guide's order); no ranks when there is no basis."""
    table = table.sort_values(["priority", "_order"], ascending=[False, True])
    if basis == "none":
        table = table.sort_values("_order")
    ranks = [pd.NA] * len(table) if basis == "none" else range(1, len(table) + 1)
    table["rank"] = pd.array(ranks, dtype="Int64")
    return table.drop(columns="_order").reset_index(drop=True)


