"""The evidence behind each recommendation: fragments linked through their codes, counted."""

from __future__ import annotations

import pandas as pd

__all__ = ["build_evidence", "code_frequencies"]


def build_evidence(fragments: pd.DataFrame) -> pd.DataFrame:
    """Link every coded fragment to a recommendation through its codes.

    Returns the DESIGN.md contract: ``recommendation``, ``fragment_id``, ``institution``,
    ``code``, ``valence``, ``text`` (one row per fragment × code with a recommendation),
    sorted by recommendation, then fragment, primary code first.

    Examples
    --------
    >>> frag = pd.DataFrame({"fragment_id": ["f1"], "institution": [None], "code": ["c"],
    ...     "rank": [1], "valence": ["hindering"], "recommendation": ["R3"], "text": ["t"]})
    >>> build_evidence(frag)["recommendation"].tolist()
    ['R3']
    """
    linked = fragments.dropna(subset=["recommendation"])
    linked = linked.sort_values(["recommendation", "fragment_id", "rank"], kind="stable")
    columns = ["recommendation", "fragment_id", "institution", "code", "valence", "text"]
    return linked[columns].reset_index(drop=True)


def code_frequencies(fragments: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Count fragments and interviews per code and valence (sub-questions 3 and 4).

    Parameters
    ----------
    fragments : DataFrame
        One row per fragment × code (``fragment_id``, ``code``, ``valence``, optionally
        ``document``: the interview a fragment comes from, and ``institution``).
    by : tuple of str
        Extra grouping columns, e.g. ``("institution",)``.

    Returns
    -------
    DataFrame
        ``[*by, code, valence, fragments, interviews]``, most frequent first;
        ``interviews`` is NA when the fragments do not say which interview they are from.
        Codes and valences stay codes: the report layer gives them their words (the
        codebook's names, the catalogue's ``valence.*``).

    Examples
    --------
    >>> frag = pd.DataFrame({"fragment_id": ["f1", "f2", "f3"], "code": ["willingness"] * 3,
    ...                      "valence": ["stimulating"] * 3, "document": ["i1", "i1", "i2"]})
    >>> code_frequencies(frag)[["fragments", "interviews"]].values.tolist()
    [[3, 2]]
    """
    keys = [*by, "code", "valence"]
    grouped = fragments.groupby(keys, observed=True, dropna=False)
    counts = grouped["fragment_id"].nunique().rename("fragments").reset_index()
    if "document" in fragments and fragments["document"].notna().any():
        counts["interviews"] = grouped["document"].nunique().to_numpy()
    else:
        counts["interviews"] = pd.NA
    counts["interviews"] = counts["interviews"].astype("Int64")
    order = [True] * len(by) + [False, True]
    return counts.sort_values([*by, "fragments", "code"], ascending=order, ignore_index=True)
