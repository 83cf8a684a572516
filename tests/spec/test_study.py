"""The published study: its quotes, structure and the demo fragments taken from it."""

import pandas as pd

from readiness_analysis.spec.study import load_study, published_quotes

from ..helpers import needs_study_text, normalise_printed


@needs_study_text
def test_every_quote_is_verbatim_in_the_published_guide(study_text):
    guide = normalise_printed(study_text.read_text(encoding="utf-8"))
    # Hyphens that really belong to a word (rooster-ruimte) survive only without a break.
    for text in published_quotes()["text"]:
        words = normalise_printed(text)
        assert words in guide or words.replace("rooster-ruimte", "roosterruimte") in guide, text


def test_demo_fragments_are_the_published_quotes_unattributed(raw_dir):
    raw = pd.read_csv(raw_dir / "fragments.csv", dtype=str, keep_default_na=False)
    quotes = published_quotes()
    assert len(raw) == 26
    assert raw["text"].tolist() == quotes["text"].tolist()
    assert raw["section"].tolist() == quotes["recommendation"].tolist()
    assert (raw["institution"] == "").all()


def test_study_structure():
    study = load_study()
    assert study["method"] == {"interviews": 14, "teachers": 23, "institutions": 3,
                               "instrument": "Blended Leren Readiness Scan (HAN, 2021)"}
    assert [q["id"] for q in study["sub_questions"]] == ["SQ1", "SQ2", "SQ3", "SQ4"]
