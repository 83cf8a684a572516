"""The action section of an institution report (placeholder until issue 17 lands).

Per priority what to do first, and the action plan a school can edit.
"""

from __future__ import annotations

from IPython.display import HTML

from readiness_analysis.report.data import ReportData
from readiness_analysis.report.text import DEFAULT_LANGUAGE

__all__ = ["action_section"]


def action_section(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """The action section (empty for now)."""
    return HTML("")
