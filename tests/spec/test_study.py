"""The study definition (spec/study.py): the shipped guide, a researcher's own, bad files."""

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

import readiness_analysis.spec.study as study_module
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


def _one_recommendation(tmp_path, **fields):
    return _write(tmp_path, {"id": "s", "title": "x", "recommendations": [
        {"id": "A", "title": "t", **fields}]})


def test_first_step_and_concerns_are_optional_texts_by_language(tmp_path):
    study = load_study(_one_recommendation(
        tmp_path, first_step={"nl": "Plan een teamoverleg.", "en": "Plan a team meeting."},
        concerns="teamleiders"))
    rec = study.recommendation("A")
    assert (rec.first_step["en"], rec.first_step["nl"]) == ("Plan a team meeting.",
                                                            "Plan een teamoverleg.")
    assert rec.concerns["nl"] == rec.concerns["en"] == "teamleiders"
    (tmp_path / "bare").mkdir()
    bare = load_study(_one_recommendation(tmp_path / "bare", concerns="")).recommendation("A")
    assert not bare.first_step and not bare.concerns  # left out or empty: the study is silent


@pytest.mark.parametrize(("fields", "message"), [
    ({"first_step": ["a", "b"]}, "first_step of recommendation 'A' must be a text"),
    ({"concerns": {"nl": ""}}, "concerns of recommendation 'A' must be a text"),
    ({"links": ["javascript:alert(1)"]}, "link 'javascript:alert\\(1\\)' of recommendation 'A' "
                                         "is not a web address"),
    ({"links": ["data:text/html,<script>alert(1)</script>"]}, "is not a web address"),
    ({"links": ["https://"]}, "is not a web address"),
    ({"links": ["ftp://example.org/x"]}, "is not a web address"),
    ({"links": ['https://example.org/" onmouseover="alert(1)']},
     "holds a space, quote, bracket or control character"),
    ({"links": ["https://example.org/<script>"]}, "holds a space, quote, bracket"),
    ({"links": ["https://example.org/a b"]}, "holds a space"),
    ({"links": ["https://example.org/\nx"]}, "control character"),
])
def test_bad_actions_and_hostile_links_are_refused_with_file_and_key(tmp_path, fields, message):
    path = _one_recommendation(tmp_path, **fields)
    with pytest.raises(StudyError, match=message) as info:
        load_study(path)
    assert info.value.file == str(path)


def test_plain_web_addresses_pass():
    links = [link for rec in load_study().recommendations for link in rec.links]
    assert all(link.startswith("https://") for link in links)


def _action_comments() -> dict[tuple[str, str], str]:
    """The comment above each first_step and concerns of the shipped study, by (id, key)."""
    path = Path(study_module.__file__).parent / "study" / "study.yaml"
    found, comment, rec = {}, [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("- id:"):
            rec = stripped.split(":", 1)[1].strip()
        if stripped.startswith("#"):
            comment.append(stripped.lstrip("# "))
            continue
        key = stripped.split(":", 1)[0]
        if key in ("first_step", "concerns") and line.startswith("    " + key):
            found[(rec, key)] = " ".join(comment)
        comment = []
    return found


def test_every_shipped_first_step_and_concerns_cites_the_guide():
    comments = _action_comments()
    study = load_study()
    given = {(r.id, key) for r in study.recommendations for key in ("first_step", "concerns")
             if getattr(r, key)}
    assert set(comments) == given and given  # each one has its comment, none is silent
    for (rec_id, _), comment in comments.items():
        assert comment.startswith(f"Guide, Aanbeveling {study.number(rec_id)}:"), comment
    # Where the guide says neither what comes first nor who (R3), the keys are left out.
    r3 = study.recommendation("R3")
    assert not r3.first_step and not r3.concerns


@needs_study_text
def test_the_passages_the_actions_cite_are_verbatim_in_the_guide(study_text):
    guide = normalise_printed(study_text.read_text(encoding="utf-8"))
    cited = [q for comment in _action_comments().values()
             for q in re.findall(r'"([^"]+)"', comment)]
    assert len(cited) >= 6
    for passage in cited:
        assert normalise_printed(passage) in guide, passage


@needs_study_text
def test_every_tip_link_the_guide_prints_is_in_the_study(study_text):
    printed = set(re.findall(r"https?://\S+", study_text.read_text(encoding="utf-8")))
    footer = {"https://mbomediawijs.nl"}  # on every page of the guide, not a tip's link
    ours = {link.split("://")[1].rstrip("/") for rec in load_study().recommendations
            for link in rec.links}
    assert {link.split("://")[1].rstrip("/") for link in printed - footer} == ours
