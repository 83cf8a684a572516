"""Reports follow the study definition (spec/study.py): titles, units, optional sections."""

from __future__ import annotations

from dataclasses import replace

import pytest

from readiness_analysis.core.words import Localised
from readiness_analysis.report import common, institution, study
from readiness_analysis.report.data import load_report_data
from readiness_analysis.spec.study import Recommendation, Study, generic_study, load_study


@pytest.fixture(scope="module")
def processed(prepared_demo):
    return prepared_demo


@pytest.fixture(scope="module")
def demo(processed):
    return load_report_data(processed, "Instelling A")


def _student_study() -> Study:
    rec = Recommendation("mentor", Localised({"en": "Give every student a mentor"}),
                         tip=Localised({"en": "Start in year one."}),
                         links=("https://example.org/m",), themes=("vision",))
    return Study(id="survey", title=Localised({"en": "Student survey"}), respondent="student",
                 called=Localised({"en": "the survey"}), recommendations=(rec,))


def test_demo_reports_keep_the_guides_words(demo):
    assert common.title(demo, "en").data == "<h1>Blended Learning readiness: Instelling A</h1>"
    n, teachers = len(demo.responses), int(demo.responses["n_teachers"].sum())
    summary = institution.summary_block(demo, "nl").data
    assert summary.startswith(f"<p><strong>Wie deden mee:</strong> {n} interviews met "
                              f"{teachers} docenten.</p>")
    assert "</p><h3>Eerst aanpakken</h3>" in summary  # after the uncertainty line, if any
    assert "aanbevelingen uit de handreiking die voor deze instelling" in summary
    assert common.recommendations_heading(demo, "advice", "nl").data == (
        "<h2>De vijf aanbevelingen voor deze instelling</h2>")
    assert [common.has_section(demo, s) for s in common.OPTIONAL_SECTIONS] == [
        True, True, True, True, False]


def test_a_study_without_recommendations_gets_no_advice(demo):
    plain = replace(demo, study=generic_study(demo.instrument))
    assert not common.has_section(plain, "recommendations")
    assert not common.has_section(plain, "joint")
    summary = institution.summary_block(plain, "en").data
    assert summary.startswith(
        f"<p><strong>Who took part:</strong> {len(plain.responses)} respondents.</p>")
    assert "First to tackle" not in summary and "recommendation" not in summary
    assert common.title(plain, "en").data == (
        "<h1>Blended Learning Readiness Scan (reconstruction): Instelling A</h1>")
    assert institution.variation_heading(plain, "en").data == (
        "<h2>Differences between respondents</h2>")


def test_fragments_and_documents_sections_follow_data_and_questions(demo):
    plain = replace(demo, study=generic_study(demo.instrument), documents=demo.documents.iloc[:0],
                    fragments=demo.fragments.iloc[:0], pooled_fragments=demo.fragments.iloc[:0])
    assert not common.has_section(plain, "fragments")
    assert not common.has_section(plain, "documents")
    asked = replace(plain, study=load_study())  # the guide asks about both
    assert common.has_section(asked, "fragments") and common.has_section(asked, "documents")
    with pytest.raises(ValueError, match="unknown section"):
        common.has_section(demo, "appendix")


def test_units_name_every_count_of_a_student_study(processed):
    data = replace(load_report_data(processed), study=_student_study())
    table = study.participants(data, "en")
    assert list(table.columns) == ["Institution", "Students"]
    assert table.iloc[-1].tolist() == ["Total", len(data.responses)]
    assert study.section_heading(data, "scores", "en").data == (
        "<h2>Theme scores per institution</h2>")


def test_own_recommendations_are_ranked_and_shown_with_their_parts(demo):
    own = replace(demo, study=_student_study())
    ranked = institution.priorities(own, "en")
    assert ranked.iloc[:, 1].tolist() == ["Give every student a mentor (recommendation 1)"]
    (block,) = list(institution.recommendation_blocks(own, "en"))
    assert "<h3>Recommendation 1: Give every student a mentor</h3>" in block.data
    assert "Tip from the survey" in block.data and "Start in year one." in block.data
    assert "Quotes from" not in block.data and "What the study found" not in block.data
    assert "the survey&#x27;s order" in institution.ranking_rule(own, "en").data


def test_sub_questions_head_the_study_report_sections(processed):
    data = load_report_data(processed)
    heading = study.section_heading(data, "hindering", "en").data
    assert heading.startswith("<h2>Sub-question 3</h2><p><em>Which factors hinder teachers")
    blocks = list(study.study_recommendation_blocks(data, "nl"))
    assert len(blocks) == 5 and "HAN" in blocks[0].data and "HAN" not in blocks[1].data
