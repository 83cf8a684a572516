"""The action section and the action plan (report/actions.py, build/plans.py).

Per priority of page one: the study's tip with real, escaped links, the first step, who it
concerns and the questions to ask again; the same rows as an editable plan (CSV for a
spreadsheet, formula-safe; Markdown), written by the build beside the report.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from readiness_analysis.build.batch import render_all
from readiness_analysis.build.executors import Executor, RenderOutcome
from readiness_analysis.build.incremental import Fingerprint, up_to_date
from readiness_analysis.build.jobs import ReportJob
from readiness_analysis.core.files import text_sha256
from readiness_analysis.core.words import Localised
from readiness_analysis.report import institution
from readiness_analysis.report.actions import (
    action_plan,
    action_section,
    link_plan,
    plan_csv,
    plan_files,
    plan_markdown,
    plan_names,
    remeasured_items,
)
from readiness_analysis.report.data import load_report_data
from readiness_analysis.report.labels import called
from readiness_analysis.report.text import text
from readiness_analysis.spec.study import GENERIC, generic_study

INSTITUTIONS = ("Instelling A", "Instelling B", "Instelling C")


@pytest.fixture(scope="module")
def demo_data(prepared_demo):
    return {name: load_report_data(prepared_demo, name) for name in INSTITUTIONS}


def _headings(section: str) -> list[str]:
    return re.findall(r"<h3>(.*?)</h3>", section)


def _with_recommendation(data, rec_id: str, **changes):
    """The data with one recommendation of the study changed."""
    recs = tuple(replace(r, **changes) if r.id == rec_id else r for r in data.study.recommendations)
    return replace(data, study=replace(data.study, recommendations=recs))


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("name", INSTITUTIONS)
def test_section_follows_page_one_in_order_place_and_close_call_wording(demo_data, name, lang):
    data = demo_data[name]
    section = action_section(data, lang).data
    shown = institution.first_priorities(data)
    # The ranking table (appendix) lists the same ranking, first rows first, with places.
    places = institution.priorities(data, lang)[text("columns.priority", lang)]
    expected = []
    for rec_id, place in zip(shown["recommendation"], places, strict=False):
        rec = data.study.recommendation(rec_id)
        title = text("actions.title", lang, title=rec.title[lang], n=data.study.number(rec_id))
        expected.append(text("actions.block", lang, place=place, title=title))
    assert [h.replace("&amp;", "&") for h in _headings(section)] == expected
    line = institution.stability_line(data, lang)
    assert line and line.replace("'", "&#x27;") in section  # the same words as page one


def test_tips_link_as_real_escaped_anchors(demo_data):
    data = demo_data["Instelling A"]
    section = action_section(data).data
    for rec_id in institution.first_priorities(data)["recommendation"]:
        for link in data.study.recommendation(rec_id).links:
            assert re.search(rf'<a href="{re.escape(link)}" rel="noopener noreferrer"', section)
    hostile = _with_recommendation(
        data, str(institution.first_priorities(data)["recommendation"].iloc[0]),
        tip=Localised({"nl": "<script>alert(1)</script> & meer"}),
        links=("https://example.org/a?x=1&y=2",))
    section = action_section(hostile).data
    assert "<script>" not in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; meer" in section
    assert '<a href="https://example.org/a?x=1&amp;y=2"' in section
    assert ">example.org</a>" in section  # the site, never the address, as link text


def test_two_links_to_one_site_read_apart(demo_data):
    data = demo_data["Instelling A"]
    first = str(institution.first_priorities(data)["recommendation"].iloc[0])
    both = _with_recommendation(data, first, links=("https://www.a.nl/over-ons/",
                                                    "https://a.nl/onderzoek-b"))
    labels = re.findall(r'target="_blank">(.*?)</a>', action_section(both).data)
    assert labels[:2] == ["a.nl: over ons", "a.nl: onderzoek b"]


def test_missing_parts_get_a_short_note_never_an_invention(demo_data):
    data = demo_data["Instelling B"]
    first = str(institution.first_priorities(data)["recommendation"].iloc[0])
    bare = _with_recommendation(data, first, tip=Localised(), links=(),
                                first_step=Localised(), concerns=Localised())
    block = action_section(bare).data.split("<section class='action'>")[1]
    named = called(data.study)
    for key in ("actions.no_tip", "actions.no_first_step", "actions.no_concerns"):
        assert text(key, called=named) in block
    row = action_plan(bare).iloc[0]
    assert row[text("actions.columns.first_step")] == text("actions.not_given", called=named)
    assert row[text("actions.columns.concerns")] == text("actions.not_given", called=named)
    assert row[text("actions.columns.owner")] == ""


def test_a_recommendation_without_questions_says_so(demo_data):
    data = demo_data["Instelling B"]
    first = "R3"
    # A study of this one recommendation, linked to no theme of the instrument.
    unlinked = replace(data, study=replace(data.study, recommendations=(
        replace(data.study.recommendation(first), themes=()),)))
    unlinked = replace(unlinked, instrument=replace(unlinked.instrument, themes=tuple(
        replace(t, recommendation=None) for t in unlinked.instrument.themes)))
    assert remeasured_items(unlinked, first) == []
    assert text("actions.no_items") in action_section(unlinked).data


def test_questions_to_ask_again_are_the_themes_items_in_words(demo_data):
    data = demo_data["Instelling A"]
    for rec_id, themes in data.study.links(data.instrument).items():
        items = remeasured_items(data, rec_id, "en")
        assert items == [i.text["en"] for i in data.instrument.items if i.theme in themes]
        assert not any(i.id in " ".join(items) for i in data.instrument.items)  # no ids


def test_a_study_without_recommendations_shows_nothing_and_has_no_plan(demo_data):
    data = demo_data["Instelling A"]
    plain = replace(data, study=generic_study(data.instrument))
    assert action_section(plain).data == ""
    assert action_plan(plain).empty
    assert plan_files(plain, "instelling-a.html") == {}


def test_without_a_ranking_every_recommendation_comes_unranked(demo_data):
    data = demo_data["Instelling A"]
    one = replace(data, study=replace(data.study, recommendations=data.study.recommendations[1:2]))
    section = action_section(one).data
    word = text("actions.block", place="1", title="").split()[0]  # "Prioriteit"
    assert len(_headings(section)) == 1 and word not in section
    assert action_plan(one)[text("actions.columns.priority")].tolist() == [""]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_plan_rows_are_the_sections_priorities(demo_data, lang):
    data = demo_data["Instelling C"]
    plan = action_plan(data, lang)
    assert list(plan.columns) == [text(f"actions.columns.{c}", lang) for c in (
        "priority", "recommendation", "first_step", "concerns", "measure", "owner", "deadline",
        "status")]
    headings = [h.replace("&amp;", "&") for h in _headings(action_section(data, lang).data)]
    rows = [text("actions.block", lang, place=p, title=r) for p, r in zip(
        plan[text("actions.columns.priority", lang)],
        plan[text("actions.columns.recommendation", lang)], strict=True)]
    assert rows == headings
    for rec_id, cell in zip(institution.first_priorities(data)["recommendation"],
                            plan[text("actions.columns.measure", lang)], strict=True):
        assert cell.split("\n") == remeasured_items(data, rec_id, lang)
    to_fill = [text(f"actions.columns.{c}", lang) for c in ("owner", "deadline", "status")]
    assert (plan[to_fill] == "").all().all()


def test_the_csv_is_formula_safe_and_opens_in_a_spreadsheet(demo_data):
    data = demo_data["Instelling A"]
    first = str(institution.first_priorities(data)["recommendation"].iloc[0])
    risky = _with_recommendation(data, first, first_step=Localised({"nl": "=HYPERLINK(\"x\")"}),
                                 concerns=Localised({"nl": "@SUM(A1); -1"}))
    plan = action_plan(risky)
    csv = plan_csv(plan, "nl", note=text("synthetic"))
    assert csv.startswith("\ufeff")  # UTF-8 with BOM: Excel reads ë, é and – right
    back = pd.read_csv(io.StringIO(csv.removeprefix("\ufeff")), sep=";", skiprows=1,
                       dtype=str, keep_default_na=False)
    assert list(back.columns) == list(plan.columns) and len(back) == len(plan)
    assert back.iloc[0][text("actions.columns.first_step")] == "'=HYPERLINK(\"x\")"
    assert back.iloc[0][text("actions.columns.concerns")] == "'@SUM(A1); -1"
    assert back.iloc[0][text("actions.columns.measure")] == plan.iloc[0][
        text("actions.columns.measure")]  # the line breaks survive inside the cell
    english = plan_csv(action_plan(data, "en"), "en")
    assert english.splitlines()[0].count(",") == 7  # a comma between English fields


def test_the_markdown_table_keeps_its_shape(demo_data):
    data = demo_data["Instelling A"]
    first = str(institution.first_priorities(data)["recommendation"].iloc[0])
    piped = _with_recommendation(data, first, first_step=Localised({"nl": "a | b <i>c</i>"}))
    plan = action_plan(piped)
    lines = plan_markdown(plan, "Actieplan").splitlines()
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == len(plan) + 2
    assert all(len(re.findall(r"(?<!\\)\|", line)) == len(plan.columns) + 1 for line in table)
    assert "a \\| b &lt;i&gt;c&lt;/i&gt;" in table[2]


def test_plan_files_carry_the_synthetic_note_and_the_reports_names(demo_data):
    data = demo_data["Instelling A"]
    files = plan_files(data, "reports/institutions/instelling-a.html")
    assert sorted(files) == ["instelling-a.actieplan.csv", "instelling-a.actieplan.md"]
    assert data.synthetic
    assert all(text("synthetic") in content for content in files.values())
    assert plan_names("instelling-a.en.html", "en") == {
        "csv": "instelling-a.en.action-plan.csv", "md": "instelling-a.en.action-plan.md"}


def test_the_report_links_to_its_plan_relatively(demo_data):
    section = action_section(demo_data["Instelling A"]).data
    # nbconvert may reorder the attributes; the link is found either way
    reordered = section.replace('<a href="actieplan.csv" data-action-plan="csv">',
                                '<a data-action-plan="csv" href="actieplan.csv">')
    page = link_plan(reordered, "reports/institutions/instelling-a.html")
    assert 'href="instelling-a.actieplan.csv"' in page
    assert 'href="instelling-a.actieplan.md"' in page
    assert "href=\"actieplan." not in page


class _Pages(Executor):
    """An executor that returns ready pages at once (no notebook runs)."""

    def __init__(self, page: str) -> None:
        self.page = page

    def run(self, tasks):
        for task in tasks:
            yield RenderOutcome(task.index, self.page, None, 0.0)


def test_the_build_writes_the_plan_beside_the_report_and_records_it(prepared_demo, demo_data,
                                                                   tmp_path):
    reports = tmp_path / "reports"
    page = action_section(demo_data["Instelling B"]).data
    jobs = [ReportJob("Instelling B", Path("x.ipynb"), reports / "institutions" / "b.html",
                      {"institution": "Instelling B", "processed_dir": str(prepared_demo)},
                      institution="Instelling B"),
            ReportJob("Studie", Path("s.ipynb"), reports / "study.html", {})]
    results = render_all(jobs, reports_dir=reports, executor=_Pages(page), progress=False)
    folder = reports / "institutions"
    assert sorted(p.name for p in folder.iterdir()) == [
        "b.actieplan.csv", "b.actieplan.md", "b.html"]
    written = (folder / "b.html").read_text(encoding="utf-8")
    assert 'href="b.actieplan.csv"' in written and 'href="b.actieplan.md"' in written
    entry = json.loads(json.dumps(results[0].__dict__))
    assert entry["status"] == "ok" and entry["output_sha256"] == text_sha256(written)
    assert set(entry["companions"]) == {"institutions/b.actieplan.csv",
                                        "institutions/b.actieplan.md"}
    assert results[1].companions == {}
    # The incremental build keeps the report only while its plan is there, unchanged.
    entry["input_hash"] = Fingerprint.of({}).digest
    assert up_to_date(entry, Fingerprint.of({}), reports)
    (folder / "b.actieplan.md").write_text("edited", encoding="utf-8")
    assert not up_to_date(entry, Fingerprint.of({}), reports)
    (folder / "b.actieplan.csv").unlink()
    assert not up_to_date(entry, Fingerprint.of({}), reports)


def test_a_report_without_a_plan_removes_an_old_one(prepared_demo, tmp_path):
    reports = tmp_path / "reports"
    folder = reports / "institutions"
    folder.mkdir(parents=True)
    for name in plan_names("b.html").values():
        (folder / name).write_text("old", encoding="utf-8")
    (folder / "other.actieplan.csv").write_text("keep", encoding="utf-8")
    processed = tmp_path / "processed"
    processed.mkdir()
    for source in Path(prepared_demo).iterdir():
        (processed / source.name).write_bytes(source.read_bytes())
    provenance = json.loads((processed / "provenance.json").read_text(encoding="utf-8"))
    provenance["study"] = {**provenance.get("study", {}), "source": GENERIC}  # no advice
    (processed / "provenance.json").write_text(json.dumps(provenance), encoding="utf-8")
    assert load_report_data(processed, "Instelling B").study.recommendations == ()
    job = ReportJob("Instelling B", Path("x.ipynb"), folder / "b.html",
                    {"institution": "Instelling B", "processed_dir": str(processed)},
                    institution="Instelling B")
    results = render_all([job], reports_dir=reports, executor=_Pages("<p>x</p>"),
                         progress=False)
    assert results[0].status == "ok" and results[0].companions == {}
    assert sorted(p.name for p in folder.iterdir()) == ["b.html", "other.actieplan.csv"]


@pytest.mark.notebooks
def test_the_demo_build_has_a_plan_beside_every_institution_report(demo_build):
    _, base = demo_build
    reports = base / "reports"
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    institutions = [e for e in manifest["reports"] if e["institution"]]
    assert institutions
    for entry in institutions:
        page = reports / entry["path"]
        names = plan_names(page)
        html = page.read_text(encoding="utf-8")
        for name in names.values():
            assert (page.parent / name).is_file()
            assert f'href="{name}"' in html
        assert sorted(entry["companions"]) == sorted(
            str(Path(entry["path"]).parent / n) for n in names.values())


@pytest.mark.parametrize(("n", "ranked"), [(1, False), (2, False), (3, True)])
def test_too_few_respondents_for_a_ranking_give_every_recommendation_unranked(demo_data, n,
                                                                              ranked):
    data = demo_data["Instelling A"]
    summary = data.summary.copy()
    summary.loc[summary["institution"] == "Instelling A", "n"] = n  # around MIN_CELL (3)
    few = replace(data, summary=summary, fragments=data.fragments.iloc[0:0])
    section = action_section(few).data
    plan = action_plan(few)
    places = plan[text("actions.columns.priority")].tolist()
    if ranked:
        assert all(places) and len(plan) >= 3
        assert all(h.startswith(text("actions.block", place="", title="")[:10])
                   for h in _headings(section))
    else:  # all recommendations, in the study's order, not called priorities
        assert places == [""] * len(data.study.recommendations)
        numbers = [int(re.search(r"(\d+)\)$", h)[1]) for h in _headings(section)]
        assert numbers == list(range(1, len(data.study.recommendations) + 1))
        assert text("actions.intro_unranked", called=called(data.study)) in section
