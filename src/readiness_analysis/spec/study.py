"""The published study: its questions, recommendations and verbatim quotes."""

from __future__ import annotations

import io
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.core.safe_yaml import load_yaml
from readiness_analysis.core.words import Localised

__all__ = ["load_study", "published_quotes", "recommendation_title"]


def _read(name: str) -> str:
    return (resources.files("readiness_analysis.spec") / "study" / name).read_text(encoding="utf-8")


@cache
def load_study() -> dict[str, Any]:
    """The study's method, questions and recommendations (R1-R5), as shipped.

    Examples
    --------
    >>> load_study()["method"]["interviews"]
    14
    >>> [r["id"] for r in load_study()["recommendations"]]
    ['R1', 'R2', 'R3', 'R4', 'R5']

    Texts given per language are :class:`~readiness_analysis.core.words.Localised`:

    >>> load_study()["sub_questions"][0]["de"] == load_study()["sub_questions"][0]["en"]
    True
    """
    return _localised(load_yaml(_read("study.yaml"), source="<package>/study/study.yaml",
                                error=ReadinessError))


def _localised(tree: Any) -> Any:
    """``tree`` with every mapping of texts by language (a ``nl`` key) made Localised."""
    if isinstance(tree, list):
        return [_localised(v) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if "nl" in tree and all(isinstance(v, str) for v in tree.values()):
        return Localised(tree)
    return {k: _localised(v) for k, v in tree.items()}


def published_quotes() -> pd.DataFrame:
    """The 26 interview quotes of the study, verbatim, with the recommendation they support.

    Line-break hyphenation and white space of the printed layout are normalised; the
    words, punctuation and editorial notes (``[red: ...]``) are as published.

    Examples
    --------
    >>> q = published_quotes()
    >>> len(q), q["recommendation"].value_counts().sort_index().tolist()
    (26, [2, 5, 4, 6, 9])
    """
    return pd.read_csv(io.StringIO(_read("quotes.csv")), dtype=str)


def recommendation_title(rec_id: str, lang: str = "nl") -> str:
    """Title of recommendation ``rec_id`` in ``lang``.

    Examples
    --------
    >>> recommendation_title("R3", "en")
    'Get the basic facilities for blended education in order (wifi, timetables, etc.)'
    """
    for rec in load_study()["recommendations"]:
        if rec["id"] == rec_id:
            return rec["title"][lang]
    raise KeyError(rec_id)
