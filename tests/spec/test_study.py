"""The study definition (spec/study.py): the shipped guide, a researcher's own, bad files."""

import pandas as pd
import pytest
import yaml

from readiness_analysis.core.errors import StudyError
from readiness_analysis.spec.instrument import load_instrument
from readiness_analysis.spec.study import check_study, generic_study, load_study

from ..helpers import needs_study_text, normalise_printed


@needs_study_text
def test_every_quote_is_verbatim_in_the_published_guide(study_text):
    guide = normalise_printed(study_text.read_text(encoding="utf-8"))
    # Hyphens that really belong to a word (rooster-ruimte) survive only without a break.
    for text in load_study().quotes_frame()["text"]:
        words = normalise_printed(text)
        assert words in guide or words.replace("rooster-ruimte", "roosterruimte") in guide, text


@needs_study_text
def test_every_link_is_printed_in_the_guide(study_text):
    guide = study_text.read_text(encoding="utf-8")
    links = [link for rec in load_study().recommendations for link in rec.links]
    assert len(links) == 6
    for link in links:
        assert link.rstrip("/").split("://")[1] in guide, link


def test_demo_fragments_are_the_published_quotes_unattributed(raw_dir):
    raw = pd.read_csv(raw_dir / "fragments.csv", dtype=str, keep_default_na=False)
    quotes = load_study().quotes_frame()
    assert len(raw) == 26
    assert raw["text"].tolist() == quotes["text"].tolist()
    assert raw["section"].tolist() == quotes["recommendation"].tolist()
    assert (raw["institution"] == "").all()


def test_shipped_study_structure():
    study = load_study()
    assert study.method == {"interviews": 14, "teachers": 23, "institutions": 3,
                            "instrument": "Blended Leren Readiness Scan (HAN, 2021)"}
    assert [q.id for q in study.sub_questions] == ["SQ1", "SQ2", "SQ3", "SQ4"]
    assert [q.section for q in study.sub_questions] == [
        "documents", "scores", "hindering", "stimulating"]
    assert (study.respondent, study.members) == ("interview", "teacher")
    assert study.quotes_frame()["recommendation"].value_counts().sort_index().tolist() == [
        2, 5, 4, 6, 9]
    assert study.number("R4") == 4
    check_study(study, load_instrument())


def _write(tmp_path, data, **files):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_minimal_study_has_no_sections(tmp_path):
    study = load_study(_write(tmp_path, {"id": "pisa", "title": {"en": "Student survey"},
                                         "respondent": "student"}))
    assert study.title["en"] == study.title["nl"] == "Student survey"
    assert (study.recommendations, study.sub_questions, study.quotes) == ((), (), ())
    assert study.definition is None and study.quotes_frame().empty
    assert study.sub_question("scores") is None


def test_own_recommendations_with_themes_quotes_and_links(tmp_path):
    data = {"id": "s", "title": "Scan", "respondent": "teacher", "quotes": "q.csv",
            "recommendations": [{"id": "A", "title": {"en": "Fix wifi"}, "themes": ["inf"],
                                 "links": ["https://example.org/wifi"]},
                                {"id": "B", "title": "Plan"}]}
    study = load_study(_write(tmp_path, data,
                              **{"q.csv": 'quote_id,recommendation,text\nq1,A,"It, fails."\n'}))
    instrument = load_instrument()
    assert study.links(instrument) == {"A": ["inf"], "B": []}
    assert study.quotes_frame().to_dict("records") == [
        {"quote_id": "q1", "recommendation": "A", "text": "It, fails."}]
    with pytest.raises(StudyError, match=r"unknown themes \['inf'\]"):
        check_study(study, instrument)  # the shipped instrument has no theme 'inf'


@pytest.mark.parametrize(("data", "message"), [
    ({"title": "x"}, "missing key 'id'"),
    ({"id": "s"}, "missing title"),
    ({"id": "s", "title": "x", "respondent": "pupil"}, "respondent 'pupil' is not one of"),
    ({"id": "s", "title": "x", "titel": "y"}, r"unknown keys \['titel'\]"),
    ({"id": "s", "title": "x", "recommendations": [{"id": "A"}]},
     "missing title of recommendation 'A'"),
    ({"id": "s", "title": "x", "recommendations": [{"id": "A", "title": "t"},
                                                   {"id": "A", "title": "u"}]},
     "duplicate id 'A' in recommendations"),
    ({"id": "s", "title": "x", "recommendations": [
        {"id": "A", "title": "t", "links": ["www.example.org"]}]}, "is not a web address"),
    ({"id": "s", "title": "x", "sub_questions": [{"id": "Q", "text": "?", "section": "x"}]},
     "has section 'x'"),
    ({"id": "s", "title": "x", "quotes": "missing.csv"}, "not found beside the study file"),
    ({"id": "s", "title": "x", "quotes": "../quotes.csv"}, "must name a file beside"),
    ({"id": "s", "title": {"nl": ["a"]}}, "title must be a text"),
])
def test_bad_study_files_are_refused_with_file_and_key(tmp_path, data, message):
    path = _write(tmp_path, data)
    with pytest.raises(StudyError, match=message) as info:
        load_study(path)
    assert str(path) in str(info.value)


def test_quotes_must_name_a_recommendation_of_the_study(tmp_path):
    data = {"id": "s", "title": "x", "quotes": "q.csv",
            "recommendations": [{"id": "A", "title": "t"}]}
    path = _write(tmp_path, data, **{"q.csv": "quote_id,recommendation,text\nq1,A,ok\nq2,Z,no\n"})
    with pytest.raises(StudyError, match="quote 'q2'") as info:
        load_study(path)
    assert info.value.row == 3


def test_instrument_theme_naming_an_unknown_recommendation_is_refused(tmp_path):
    study = load_study(_write(tmp_path, {"id": "s", "title": "x", "recommendations": [
        {"id": "A", "title": "t"}]}))
    with pytest.raises(StudyError, match="names recommendation 'R1'"):
        check_study(study, load_instrument())


def test_generic_study_takes_the_instrument_title():
    instrument = load_instrument()
    study = generic_study(instrument)
    assert study.title == instrument.title and study.respondent == "respondent"
    check_study(study, instrument)  # no recommendations: instrument links are ignored


def test_an_empty_study_file_is_refused(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(StudyError, match="does not hold a YAML mapping"):
        load_study(path)
