"""The perspectives section of an institution report (report/perspectives.py)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from readiness_analysis.io.clean import clean_scan
from readiness_analysis.io.scan import RawTable
from readiness_analysis.io.synth import SynthDesign, synthesize_scan
from readiness_analysis.report.data import ReportData, load_report_data
from readiness_analysis.report.perspectives import perspective_section, perspective_table
from readiness_analysis.spec.instrument import load_instrument
from readiness_analysis.stats.perspectives import perspective_summary, with_perspectives
from readiness_analysis.stats.scores import theme_scores

from ..paths import ROOT

ROLES = load_instrument(ROOT / "data" / "demo-perspectives" / "instrument.yaml")


def _data(design: SynthDesign, instrument=ROLES) -> ReportData:
    """One institution's report data, made from a synthetic scan (no build)."""
    raw = synthesize_scan(design, instrument).astype(object)
    raw = raw.where(raw.notna(), None)
    cleaned = clean_scan(RawTable(raw, range(2, 2 + len(raw)), "s.csv"), instrument, key=b"k")
    scores = with_perspectives(theme_scores(cleaned.responses, instrument), cleaned.responses)
    empty = pd.DataFrame()
    return ReportData(cleaned.responses, scores, empty, empty, empty, {"synthetic": True},
                      instrument, institution="Instelling A")


def test_no_section_without_role_or_group_columns(prepared_demo):
    data = load_report_data(prepared_demo, "Instelling A")
    assert perspective_section(data).data == ""


def test_no_section_with_one_role_only():
    data = _data(SynthDesign(1, 12, roles=("docent",)))
    assert perspective_section(data).data == ""


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_section_names_roles_by_their_labels_and_gaps_in_words(lang):
    data = _data(SynthDesign(1, 40, roles=("docent", "student")))
    section = perspective_section(data, lang).data
    words = {"nl": ("Docenten", "Studenten", "zijn positiever over", "tegen"),
             "en": ("Teachers", "Students", "are more positive about", "versus")}[lang]
    for word in words:
        assert word in section
    assert "docent" not in re.sub(r"<[^>]+>", " ", section).split()  # labels, not ids
    assert "<table" in section and "<img" in section


def test_the_table_marks_suppressed_cells_and_shows_the_rest():
    data = _data(SynthDesign(1, 30, roles=("docent", "student", "leidinggevende=0.07")))
    summary = perspective_summary(data.scores)
    counts = summary[summary["theme"] == "readiness"].set_index("category")["n"]
    assert counts["leidinggevende"] < 3  # the design draws one or two leaders
    table = perspective_table(data, summary, "role")
    leaders = next(c for c in table.columns if c.startswith("Leidinggevenden ("))
    assert set(table[leaders]) == {"niet getoond"}
    assert table.columns[-1].startswith("Alle respondenten (")
    assert table.iloc[-1, 0] == data.instrument.index["nl"]  # the overall score last


def test_group_names_from_the_data_are_escaped_and_drawn_as_typed(instrument):
    data = _data(SynthDesign(1, 30, groups=("<b>Team</b> A", "Team $x^$ B")), instrument)
    section = perspective_section(data).data
    assert "&lt;b&gt;Team&lt;/b&gt; A" in section and "<b>Team" not in section
    assert "Team $x^$ B" in section  # a figure with this name in its legend did not fail
