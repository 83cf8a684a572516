"""A researcher's own questionnaire: reports follow its scales and its (empty) study.

Issue 15: with an English instrument on 4, 6 or 2 points, no recommendations and no
study file, the reports must not borrow the demo study's words, scale or sections, and a
relative ``--instrument`` path must work from any working folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from readiness_analysis.cli import main
from readiness_analysis.report import plots
from readiness_analysis.report.data import latest_responses, load_report_data
from readiness_analysis.report.institution import profile_data
from readiness_analysis.stats import itemstats

AGREE4 = ["Strongly disagree", "Disagree", "Agree", "Strongly agree"]
FREQ4 = ["Never", "Sometimes", "Often", "Always"]
AGREE6 = ["Strongly disagree", "Disagree", "Slightly disagree", "Slightly agree", "Agree",
          "Strongly agree"]
YES_NO = ["No", "Yes"]
COLLEGES = ["North College", "South College", "East College"]
# What the demo study would bring along and a researcher's report must not say.
# The guide's own words: never in a report of another study.
GUIDE = re.compile(r"blended|handreiking|\bthe guide\b|\bR[1-5]\b|willingness", re.IGNORECASE)
BORROWED = re.compile(r"blended|handreiking|\bthe guide\b|\bR[1-5]\b|interview|"
                      r"\(1\s*[-–]\s*5\)|five answers|vijf antwoord", re.IGNORECASE)


def _scale(labels: list[str], first: int = 1) -> list[dict]:
    return [{"value": first + i, "label": label} for i, label in enumerate(labels)]


def _instrument(scale: list[str], other: list[str] | None = None) -> dict:
    """Two themes of three items each; with ``other``, the second theme on that scale."""
    first = 0 if scale == YES_NO else 1
    values = _scale(scale, first)
    if scale[-1] == "Strongly agree":
        values[-1]["label"] = ["Strongly agree", "Strong agree"]  # a declared synonym
    spec = {"id": "student_survey", "version": "1", "title": "Student engagement survey",
            "scale": values, "min_items": 1,
            "themes": [{"id": "belong", "label": "Sense of belonging"},
                       {"id": "study", "label": "Study habits"}],
            "items": [{"id": f"{t}_{i}", "theme": t, "text": f"Statement {i} on {t}"}
                      for t in ("belong", "study") for i in (1, 2, 3)]}
    if other:
        spec["scales"] = {"frequency": {"values": _scale(other)}}
        spec["themes"][1]["scale"] = "frequency"
    return spec


def _export(spec: dict, labels: dict[str, list[str]], path: Path) -> None:
    """Answers as the labels a survey tool writes, 12 students per college.

    Every third "Strongly agree" is written "strong agree": a variant the instrument
    declares as a synonym (and the case differs).
    """
    rng = np.random.default_rng(15)
    rows = []
    for college in COLLEGES:
        for k in range(12):
            row = {"respondent_id": f"{college[:1]}{k:02d}", "institution": college}
            for item in spec["items"]:
                choices = labels[item["theme"]]
                answer = choices[int(rng.integers(len(choices)))]
                if answer == "Strongly agree" and k % 3 == 0:
                    answer = "strong agree"
                row[item["id"]] = answer
            rows.append(row)
    pd.DataFrame(rows).to_csv(path, index=False)


def _files(base: Path, spec: dict, labels: dict[str, list[str]]) -> None:
    (base / "raw").mkdir(parents=True)
    (base / "instrument.yaml").write_text(yaml.safe_dump(spec, sort_keys=False),
                                          encoding="utf-8")
    _export(spec, labels, base / "raw" / "scan_responses.csv")


def _visible_text(page: str) -> str:
    """A report page without embedded images and tags: what a reader sees."""
    page = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", page)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


CASES = {
    "four_points_two_scales": (_instrument(AGREE4, FREQ4),
                               {"belong": AGREE4, "study": FREQ4}),
    "six_points": (_instrument(AGREE6), {"belong": AGREE6, "study": AGREE6}),
    "two_points": (_instrument(YES_NO), {"belong": YES_NO, "study": YES_NO}),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def own_build(request, tmp_path_factory):
    """Build one case with --lang en from another working folder, relative paths only."""
    base = tmp_path_factory.mktemp(request.param)
    spec, labels = CASES[request.param]
    _files(base / "study", spec, labels)
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    monkey = pytest.MonkeyPatch()
    monkey.chdir(elsewhere)
    try:
        code = main(["build", "--raw", "../study/raw", "--processed", "../out/processed",
                     "--reports", "../out/reports", "--instrument", "../study/instrument.yaml",
                     "--lang", "en", "--no-progress"])
    finally:
        monkey.undo()
    return code, base / "out"


def test_every_report_renders_from_another_folder(own_build):
    code, out = own_build
    assert code == 0
    pages = sorted((out / "reports").rglob("*.html"))
    assert len(pages) == 1 + 1 + len(COLLEGES)  # index, study, one per college
    data = load_report_data(out / "processed")
    assert Path(data.provenance["instrument"]["source"]).is_absolute()
    export = (out.parent / "study" / "raw" / "scan_responses.csv").read_text(encoding="utf-8")
    assert ("strong agree" in export) == ("Strongly agree" in export)
    assert len(data.responses) == 12 * len(COLLEGES)  # the synonym rejected no row
    assert int(data.cleaning_log["rejected"].sum()) == 0


def test_no_report_borrows_the_demo_study(own_build):
    _, out = own_build
    for page in sorted((out / "reports").rglob("*.html")):
        seen = _visible_text(page.read_text(encoding="utf-8"))
        found = BORROWED.search(seen)
        assert found is None, (page.name, seen[max(0, found.start() - 80):found.end() + 80])
        assert "Student engagement survey" in seen or page.name == "index.en.html"


def _scales_of(data) -> dict[str, tuple[int, int]]:
    return {t: (data.instrument.scale_of_theme(t).min, data.instrument.scale_of_theme(t).max)
            for t in data.instrument.theme_ids}


def test_axes_follow_each_scale(own_build):
    _, out = own_build
    data = load_report_data(out / "processed", COLLEGES[0])
    own, pooled = profile_data(data)
    fig = plots.theme_profile(own, pooled, data.instrument, lang="en", own_label=COLLEGES[0])
    ranges = {tuple(round(x) for x in ax.get_xlim()) for ax in fig.axes if ax.has_data()}
    assert ranges == set(_scales_of(data).values())


def test_diverging_bars_have_a_neutral_only_where_the_scale_has_one(own_build):
    _, out = own_build
    data = load_report_data(out / "processed", COLLEGES[0])
    shares = itemstats.answer_shares(latest_responses(data), data.instrument)
    fig = plots.diverging_answers(shares, data.instrument, lang="en")
    labels = [text.get_text() for ax in fig.axes for legend in [ax.get_legend()] if legend
              for text in legend.get_texts()] + [
        text.get_text() for legend in fig.legends for text in legend.get_texts()]
    assert not any("neutral" in label.lower() for label in labels)
    colours = [tuple(p.get_facecolor()) for ax in fig.axes for p in ax.patches]
    assert len(set(colours)) >= 2


def test_a_study_file_brings_its_own_recommendation_quote_and_unit(tmp_path, monkeypatch):
    spec, labels = CASES["four_points_two_scales"]
    _files(tmp_path / "study", spec, labels)
    study = {"id": "survey", "title": {"en": "Student voice"}, "respondent": "student",
             "called": {"en": "the survey"}, "quotes": "quotes.csv",
             "recommendations": [{"id": "mentor", "title": {"en": "Give every student a mentor"},
                                  "tip": {"en": "Start in year one."}, "themes": ["belong"],
                                  "links": ["https://example.org/mentor"]}]}
    (tmp_path / "study" / "study.yaml").write_text(yaml.safe_dump(study), encoding="utf-8")
    (tmp_path / "study" / "quotes.csv").write_text(
        'quote_id,recommendation,text\nq1,mentor,"My mentor knew my name."\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path / "study")
    code = main(["build", "--raw", "raw", "--processed", "../out/p", "--reports", "../out/r",
                 "--instrument", "instrument.yaml", "--study", "study.yaml", "--lang", "en",
                 "--no-progress"])
    assert code == 0
    page = _visible_text((tmp_path / "out" / "r" / "institutions" / "north-college.en.html")
                         .read_text(encoding="utf-8"))
    assert "Student voice: North College" in page and "12 students" in page
    assert "Recommendation 1: Give every student a mentor" in page
    assert "My mentor knew my name." in page and "Tip from the survey" in page
    assert "The recommendation from the survey:" in page and "first one" not in page
    assert "The recommendation for this institution" in page
    assert GUIDE.search(page) is None
    study_page = _visible_text((tmp_path / "out" / "r" / "study.en.html")
                               .read_text(encoding="utf-8"))
    assert "The recommendation and its quotes" in study_page
    assert "Sub-question" not in study_page and GUIDE.search(study_page) is None
