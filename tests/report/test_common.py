"""Blocks every report shares (report/common.py): the reading guide."""

from __future__ import annotations

import pytest

from readiness_analysis.report.common import reading_guide
from readiness_analysis.report.text import text


@pytest.mark.parametrize("lang, interviews, teachers", [
    ("nl", "aandeel interviews", "aandeel docenten"),
    ("en", "share of interviews", "share of teachers")])
def test_reading_guide_says_what_weighted_figures_count(lang, interviews, teachers):
    plain, weighted = reading_guide(lang).data, reading_guide(lang, weighted=True).data
    assert interviews in plain and teachers not in plain
    assert teachers in weighted and interviews not in weighted
    assert text("guide_ci_weighted", lang) in weighted and "{" not in plain + weighted
