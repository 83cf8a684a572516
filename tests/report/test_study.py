"""Tables of the study report (report/study.py): the rejection steps in the report's
language, agreement verdicts and group differences."""

from __future__ import annotations

import dataclasses
import html
import re

import pandas as pd

from readiness_analysis.report import study
from readiness_analysis.report.data import load_report_data
from readiness_analysis.report.html import table as html_table
from readiness_analysis.report.labels import step_label


def _cells(frame: pd.DataFrame) -> list[str]:
    return [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", html_table(frame).data)]


def test_dutch_rejection_table_shows_no_english_step_identifiers(rejecting_build, step_labels):
    data = load_report_data(rejecting_build)
    cells = _cells(study.rejection_steps(data, "nl"))
    for step in step_labels["nl"]:
        assert not any(step in cell for cell in cells), step
    assert "Lege rijen verwijderen" in cells and "Dubbele respondenten verwijderen" in cells
    english = _cells(study.rejection_steps(data, "en"))
    assert "Remove blank rows" in english and "drop blank rows" not in english


def test_rejection_table_accounts_for_every_rejected_row(rejecting_build, bad_rows):
    data = load_report_data(rejecting_build)
    table = study.rejection_steps(data, "nl")
    assert table["Afgewezen"].sum() + table["Leeg"].sum() == len(bad_rows)
    assert table["Leeg"].sum() == 1  # the blank row: set aside, not rejected
    assert table["Stap"].iloc[0] == "Bestand inlezen (onleesbare rijen)"


def test_unknown_step_keeps_its_identifier(rejecting_build):
    data = load_report_data(rejecting_build)
    log = pd.DataFrame({"step": ["read", "a future step"], "rows_in": [5, 5],
                        "rows_out": [5, 4], "rejected": [0, 1], "blank": [0, 0],
                        "detail": ["", ""]})
    table = study.rejection_steps(dataclasses.replace(data, cleaning_log=log), "nl")
    assert table["Stap"].tolist() == ["a future step"]
    assert step_label("a future step", "en") == "a future step"


def test_agreement_band_follows_the_report_language(rejecting_build):
    data = load_report_data(rejecting_build)
    agreement = pd.DataFrame({"code": ["k1"], "n_fragments": [10], "n_coders": [2],
                              "kappa": [0.5], "alpha": [0.85], "kappa_band": ["moderate"],
                              "alpha_band": ["reliable"]})
    data = dataclasses.replace(data, agreement=agreement)
    assert study.agreement_table(data, "en")["Verdict"].tolist() == ["reliable"]
    assert study.agreement_table(data, "nl")["Oordeel"].tolist() == ["betrouwbaar"]


def test_untested_themes_are_explained_in_dutch(rejecting_build):
    data = load_report_data(rejecting_build)
    one = data.scores[data.scores["institution"] == "Instelling A"]
    table = study.group_differences(dataclasses.replace(data, scores=one), "nl")
    assert set(table["Toelichting"]) == {"minder dan twee instellingen: niets te vergelijken"}
    english = study.group_differences(dataclasses.replace(data, scores=one), "en")
    assert english["Note"].str.contains("nothing to compare").all()
