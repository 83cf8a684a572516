import re

import pandas as pd
import pytest

from readiness_analysis.coding import (
    build_evidence,
    code_frequencies,
    load_codebook,
    read_fragments,
)
from readiness_analysis.errors import CodingError, DataValidationError
from readiness_analysis.study import load_study, published_quotes

from .conftest import RAW, STUDY_TEXT


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def _normalise(text: str) -> str:
    """Undo the printed layout: line-break hyphenation, tabs, repeated spaces."""
    text = re.sub(r"-\s*\n\s*", "", text)
    return " ".join(text.split())


@pytest.mark.skipif(not STUDY_TEXT.exists(), reason="shared/ study text not beside the repo")
def test_every_quote_is_verbatim_in_the_published_guide():
    guide = _normalise(STUDY_TEXT.read_text(encoding="utf-8"))
    # Hyphens that really belong to a word (rooster-ruimte) survive only without a break.
    for text in published_quotes()["text"]:
        words = _normalise(text)
        assert words in guide or words.replace("rooster-ruimte", "roosterruimte") in guide, text


def test_demo_fragments_are_the_published_quotes_unattributed():
    raw = pd.read_csv(RAW / "fragments.csv", dtype=str, keep_default_na=False)
    quotes = published_quotes()
    assert len(raw) == 26
    assert raw["text"].tolist() == quotes["text"].tolist()
    assert raw["section"].tolist() == quotes["recommendation"].tolist()
    assert (raw["institution"] == "").all()


def test_codebook_is_complete(codebook):
    for code in codebook.codes:
        assert code.definition and code.example and code.valence in ("hindering", "stimulating")
        assert code.recommendation in {"R1", "R2", "R3", "R4", "R5"}
    assert {"hindering", "stimulating"} == {c.valence for c in codebook.codes}


def test_each_quote_lands_under_the_studys_recommendation(codebook):
    fragments = read_fragments(RAW / "fragments.csv", codebook)
    primary = fragments[fragments["rank"] == 1].set_index("fragment_id")
    assert (primary["recommendation"] == primary["section"]).all()
    evidence = build_evidence(fragments)
    assert list(evidence.columns) == ["recommendation", "fragment_id", "institution", "code",
                                      "valence", "text"]
    assert evidence["fragment_id"].nunique() == 26
    assert evidence.groupby("recommendation")["fragment_id"].nunique().to_dict()["R5"] >= 9


def test_frequencies_count_fragments_not_rows(codebook):
    fragments = read_fragments(RAW / "fragments.csv", codebook)
    freq = code_frequencies(fragments, codebook).set_index("code")["fragments"]
    assert freq["colleague_digital_skills"] == 3
    assert freq["wifi_infrastructure"] == 2
    assert freq.sum() == len(fragments)


def test_unknown_code_and_empty_text_are_located(tmp_path, codebook):
    path = tmp_path / "fragments.csv"
    path.write_text("fragment_id,institution,codes,text\nf1,,wifi_infrastructure,ok\n"
                    "f2,,made_up,tekst\nf3,,willingness,\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        read_fragments(path, codebook)
    messages = [str(p) for p in info.value.problems]
    hint = "(add it to the codebook or fix the spelling)"
    assert f"{path}:3:codes: unknown code 'made_up' {hint}" in messages
    assert f"{path}:4:text: text is empty" in messages


def test_codebook_with_bad_valence(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text("codes:\n  - code: x\n    valence: good\n", encoding="utf-8")
    with pytest.raises(CodingError, match="valence 'good'"):
        load_codebook(path)


def test_study_structure():
    study = load_study()
    assert study["method"] == {"interviews": 14, "teachers": 23, "institutions": 3,
                               "instrument": "Blended Leren Readiness Scan (HAN, 2021)"}
    assert [q["id"] for q in study["sub_questions"]] == ["SQ1", "SQ2", "SQ3", "SQ4"]
