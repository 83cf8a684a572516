"""How numbers are written in reports: decimal comma in Dutch, a dash when missing."""

from __future__ import annotations

import pandas as pd

__all__ = ["number"]


def number(value: float, lang: str = "nl", pattern: str = "{:.2f}") -> str:
    """Format a number for a report: a dash when missing, a decimal comma in Dutch.

    Examples
    --------
    >>> number(2.5), number(2.5, "en"), number(float("nan")), number(0.25, "nl", "{:+.1f}")
    ('2,50', '2.50', '–', '+0,2')
    """
    if pd.isna(value):
        return "–"
    out = pattern.format(value)
    return out.replace(".", ",") if lang == "nl" else out
