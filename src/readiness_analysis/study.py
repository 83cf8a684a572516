"""The published study: its questions, recommendations and verbatim quotes."""

from __future__ import annotations

import io
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml

__all__ = ["load_study", "published_quotes", "recommendation_title"]


def _read(name: str) -> str:
    return (resources.files("readiness_analysis") / "study" / name).read_text(encoding="utf-8")


@cache
def load_study() -> dict[str, Any]:
    """The study's method, questions and recommendations (R1-R5), as shipped.

    Examples
    --------
    >>> load_study()["method"]["interviews"]
    14
    >>> [r["id"] for r in load_study()["recommendations"]]
    ['R1', 'R2', 'R3', 'R4', 'R5']
    """
    return yaml.safe_load(_read("study.yaml"))


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
