"""The demo with roles and groups (data/demo-perspectives), built end to end.

One build of one institution: its report compares the roles and the groups side by
side, says the small roles are not shown, never prints a suppressed figure (in the
table, the figure's legend or the gaps named), and is marked synthetic.
"""

from __future__ import annotations

import html
import re

import pytest

from readiness_analysis.build.pipeline import build
from readiness_analysis.report.data import load_report_data
from readiness_analysis.report.numbers import decimal
from readiness_analysis.report.text import text
from readiness_analysis.stats.perspectives import perspective_summary

from ..paths import NOTEBOOKS, ROOT

DEMO = ROOT / "data" / "demo-perspectives"
INSTITUTION = "Instelling A"  # two school leaders: suppressed, and a second role with them


@pytest.fixture(scope="module")
def perspectives_build(tmp_path_factory):
    base = tmp_path_factory.mktemp("perspectives")
    result = build(DEMO / "raw", base / "processed", base / "reports", notebooks_dir=NOTEBOOKS,
                   instrument=DEMO / "instrument.yaml", institutions=[INSTITUTION],
                   progress=False)
    page = (base / "reports" / "institutions" / "instelling-a.html").read_text(
        encoding="utf-8")
    return result, base, page


def _section(page: str) -> str:
    start = page.index(text("perspectives.heading"))
    return page[start: page.index(text("perspectives.caution"), start)]


def _tables(section: str) -> list[list[list[str]]]:
    """Every table of the section as rows of cell texts (header row first)."""
    return [[[html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
              for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
             for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]
            for table in re.findall(r"<table.*?</table>", section, re.S)]


def test_the_report_compares_roles_and_groups_and_shows_no_suppressed_figure(
        perspectives_build):
    result, base, page = perspectives_build
    assert not result.failed
    assert "banner synthetic" in page  # the synthetic demo is marked so
    section = _section(page)
    assert text("perspectives.by.role") in section and text("perspectives.by.group") in section
    data = load_report_data(base / "processed", INSTITUTION)
    summary = perspective_summary(data.scores, weighted=data.weighted)
    labels = {"role": {r: data.instrument.role_label(r) for r in data.instrument.respondent_roles}}
    hidden = summary[summary["suppressed"]]
    assert set(hidden.loc[hidden["dimension"] == "role", "category"]) == {
        "leidinggevende", "student"}  # 2 leaders, and the smallest role beside them
    role_table, group_table = _tables(section)[:2]
    header = role_table[0]
    for category, label in labels["role"].items():
        column = next(k for k, h in enumerate(header) if h.startswith(label + " ("))
        cells = summary[(summary["dimension"] == "role") & (summary["category"] == category)]
        shown = [row[column] for row in role_table[1:]]
        if cells["suppressed"].all():
            assert set(shown) == {text("perspectives.hidden")}, label
        else:
            assert shown == [decimal(m, "nl", 1) for m in cells["mean"]], label
    assert all(text("perspectives.hidden") not in row for row in group_table[1:])
    gaps = re.findall(r"<li>(.*?)</li>", section, re.S)
    assert gaps  # the largest gaps are named
    for gap in gaps:
        for category in ("leidinggevende", "student"):
            label = labels["role"][category]
            assert not gap.startswith(label) and f"dan {label.lower()}:" not in gap, gap
    alts = re.findall(r"alt=[\"']([^\"']*)", section)
    assert len(alts) == 2 and "Leidinggevenden" not in alts[0] and "Docenten" in alts[0]
