"""Perspectives and groups in an institution report (placeholder until issue 17 lands).

Theme profiles per role and per group side by side.
"""

from __future__ import annotations

from IPython.display import HTML

from readiness_analysis.report.data import ReportData
from readiness_analysis.report.text import DEFAULT_LANGUAGE

__all__ = ["perspective_section"]


def perspective_section(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """The perspectives section (empty for now)."""
    return HTML("")
