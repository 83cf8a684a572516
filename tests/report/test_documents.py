"""Tables of the document inventory (report/documents.py): overview, missing elements,
one institution's documents, vision next to the scan, and the Blended Leren Bloem."""

import numpy as np
import pandas as pd
import pytest

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.io.documents import read_documents
from readiness_analysis.report.documents import (
    bloem_html,
    documents_overview,
    institution_documents,
    missing_elements,
    vision_alignment,
)
from readiness_analysis.spec.bloem import Bloem, Environment, load_bloem

from ..helpers import normalise_printed

HEADER = ("institution,title,year,kind,defines_blended,definition,concrete_goals,"
          "implementation_plan,known_by_teachers")


def _write(tmp_path, *lines, name="documents.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def inventory(tmp_path):
    return read_documents(_write(
        tmp_path, HEADER,
        "A,Visie A,2022,vision,yes,han,no,no,no",
        "A,Beleid A,2021,policy,no,none,yes,no,unknown",
        "A,Visie A addendum,2023,vision,no,none,no,no,no",
        "B,Plan B,2021,implementation_plan,yes,other,yes,yes,no",
        "B,Visie B,2020,vision,yes,face_to_face_plus_online,no,no,yes",
        "C,Teamplan C,2023,team_plan,no,none,no,no,unknown",
    ))


def test_overview_counts_kinds_and_combines_the_documents(inventory):
    overview = documents_overview(inventory, institutions=["A", "B", "C", "D"])
    assert overview.columns.tolist() == [
        "Instelling", "Documenten", "Visie (aantal)", "Beleid (aantal)",
        "Implementatieplan (aantal)", "Teamplan (aantal)", "Definieert blended leren",
        "Definitie", "Concrete doelen", "Implementatieplan", "Bekend bij docenten"]
    assert overview.values.tolist() == [
        ["A", 3, 2, 1, 0, 0, "ja", "HAN-definitie (Blended Leren Bloem)", "ja", "nee", "nee"],
        ["B", 2, 1, 0, 1, 0, "ja", "combinatie van face-to-face en online, andere definitie",
         "ja", "ja", "deels"],
        ["C", 1, 0, 0, 0, 1, "nee", "geen", "nee", "nee", "onbekend"],
        ["D", 0, 0, 0, 0, 0, "nee", "geen", "nee", "nee", "geen documenten"],
    ]


def test_overview_in_english_and_default_institutions(inventory):
    overview = documents_overview(inventory, "en")
    assert overview["Institution"].tolist() == ["A", "B", "C"]
    assert overview["Known by teachers"].tolist() == ["no", "partly", "unknown"]
    assert overview["Definition"].iloc[1] == "face-to-face plus online, other definition"


def test_missing_elements_names_what_is_missing(inventory):
    missing = missing_elements(inventory, institutions=["A", "B", "C", "D"])
    assert missing.columns.tolist() == ["Instelling", "Definitie", "Concrete doelen",
                                        "Implementatieplan", "Bekend bij docenten",
                                        "Ontbreekt"]
    assert missing.values.tolist() == [
        ["A", "aanwezig", "aanwezig", "ontbreekt", "ontbreekt",
         "Implementatieplan, Bekend bij docenten"],
        ["B", "aanwezig", "aanwezig", "aanwezig", "deels", "niets"],
        ["C", "ontbreekt", "ontbreekt", "ontbreekt", "onbekend",
         "Definitie, Concrete doelen, Implementatieplan"],
        ["D", "ontbreekt", "ontbreekt", "ontbreekt", "ontbreekt",
         "Definitie, Concrete doelen, Implementatieplan, Bekend bij docenten"],
    ]
    english = missing_elements(inventory, "en")
    assert english.iloc[2].tolist() == ["C", "missing", "missing", "missing", "unknown",
                                        "Definition, Concrete goals, Implementation plan"]


def test_institution_documents_only_that_institution_oldest_first(inventory):
    table = institution_documents(inventory, "B", "en")
    assert table.columns.tolist() == ["Title", "Year", "Kind", "Definition", "Concrete goals",
                                      "Implementation plan", "Known by teachers", "Aims",
                                      "Source"]
    assert table["Title"].tolist() == ["Visie B", "Plan B"]
    assert table["Kind"].tolist() == ["Vision", "Implementation plan"]
    assert table["Known by teachers"].tolist() == ["yes", "no"]
    empty = institution_documents(inventory, "Z")
    assert empty.empty and empty.columns.tolist()[:2] == ["Titel", "Jaar"]


def test_unknown_language_is_refused(inventory):
    with pytest.raises(ReadinessError, match="unknown report language"):
        documents_overview(inventory, "de")


def _responses():
    nan = np.nan
    return pd.DataFrame({
        "respondent_id": ["p1", "p2", "p3", "p4", "q1", "q2", "q3"],
        "institution": ["A"] * 4 + ["Y"] * 3,
        "n_teachers": [1, 3, 1, 2, 1, 1, 1],
        "wave": [1] * 7,
        "vis_1": [5.0, 4.0, 2.0, nan, 5.0, 5.0, 5.0],   # A: n=3, agree 2/3
        "vis_2": [4.0, nan, nan, 1.0, 5.0, 5.0, 5.0],   # A: n=2 -> suppressed
        "vis_3": [1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0],   # A: n=4, agree 1/4
        "vis_4": [nan] * 4 + [5.0] * 3,                 # A: n=0
    })


def test_vision_alignment_puts_documents_next_to_shares(inventory, instrument):
    table = vision_alignment(inventory, _responses(), instrument, "A")
    assert table.columns.tolist() == ["Aspect", "Item", "Stelling", "Documenten", "n",
                                      "Docenten", "Aandeel (helemaal) mee eens"]
    assert table["Item"].tolist() == ["vis_1", "vis_2", "vis_3", "vis_4"]
    assert table["Aspect"].tolist() == ["Bekendheid", "Concrete doelen en plan",
                                        "Gedragen en betrokken", "Gedragen en betrokken"]
    assert table["Documenten"].tolist() == [
        "bekend bij docenten: nee", "concrete doelen: ja; implementatieplan: nee",
        "visiedocumenten: 2", "visiedocumenten: 2"]
    assert table["Stelling"].iloc[0] == "Ik ken de visie van mijn instelling op blended leren."
    assert table["n"].tolist() == [3, 2, 4, 0]
    assert table["Docenten"].tolist() == [5, 3, 7, 0]
    shares = table["Aandeel (helemaal) mee eens"].tolist()
    assert shares[0] == pytest.approx(2 / 3) and shares[2] == pytest.approx(1 / 4)
    assert np.isnan(shares[1]) and np.isnan(shares[3])  # n = 2 and n = 0 are suppressed


def test_vision_alignment_weighting_waves_and_english(inventory, instrument):
    responses = _responses()
    later = pd.DataFrame({"respondent_id": ["p5", "p6", "p7"], "institution": ["A"] * 3,
                          "n_teachers": [1, 1, 1], "wave": [2] * 3, "vis_1": [1.0] * 3})
    both = pd.concat([responses, later], ignore_index=True)
    latest = vision_alignment(inventory, both, instrument, "A", "en")
    assert latest["n"].iloc[0] == 3 and latest["Share answering (strongly) agree"].iloc[0] == 0.0
    assert latest["Documents"].iloc[0] == "known by teachers: no"
    first = vision_alignment(inventory, both, instrument, "A", "en", wave=1)
    assert first["Share answering (strongly) agree"].iloc[0] == pytest.approx(2 / 3)
    weighted = vision_alignment(inventory, responses, instrument, "A", weighted=True)
    # vis_1 answered by 1 + 3 + 1 teachers, of whom 1 + 3 agree
    assert weighted["Aandeel (helemaal) mee eens"].iloc[0] == pytest.approx(4 / 5)


def test_vision_alignment_without_documents_or_respondents(inventory, instrument):
    table = vision_alignment(inventory, _responses(), instrument, "Y")
    assert table["Documenten"].iloc[0] == "bekend bij docenten: geen documenten"
    assert table["Aandeel (helemaal) mee eens"].tolist() == [1.0] * 4
    nobody = vision_alignment(inventory, _responses(), instrument, "C")
    assert nobody["n"].tolist() == [0] * 4
    assert nobody["Aandeel (helemaal) mee eens"].isna().all()


def test_bloem_paraphrases_are_not_passed_off_as_quotes(study_text):
    guide = normalise_printed(study_text.read_text(encoding="utf-8")) if study_text.exists() else ""
    for env in load_bloem().environments:
        assert env.paraphrase["nl"] not in guide
    assert "eigen woorden, geen citaten" in bloem_html("nl")
    assert "our own wording, not quotes" in bloem_html("en")


def test_bloem_html_quotes_the_definition_and_lists_the_environments():
    bloem = load_bloem()
    snippet = bloem_html("nl")
    assert f'<blockquote lang="nl"><p>{bloem.definition}</p></blockquote>' in snippet
    assert snippet.count("<li>") == 4
    assert "De samenleving</strong>" in snippet and "toegevoegd in de nieuwe definitie" in snippet
    english = bloem_html("en")
    assert "Our translation:" in english and "Our translation:" not in snippet
    assert '<div class="bloem" lang="en">' in english
    for html in (snippet, english):
        lowered = html.lower()
        for banned in ("<script", "http", "src=", "<link", "<style", "href="):
            assert banned not in lowered


def test_bloem_html_escapes_text():
    evil = "<script>alert('x')</script> & co"
    bloem = Bloem(name={"nl": "Bloem & <b>"}, definition=evil, translation_en="",
                  source="HAN <2022>", cited_in={},
                  environments=(Environment("x", {"nl": "<i>"}, {"nl": evil}),),
                  note={"nl": "a > b"})
    snippet = bloem_html("nl", bloem)
    assert "<script" not in snippet and "<i>" not in snippet and "<b>" not in snippet
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in snippet
    assert "HAN &lt;2022&gt;" in snippet and "a &gt; b" in snippet
