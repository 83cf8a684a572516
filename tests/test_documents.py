import re

import numpy as np
import pandas as pd
import pytest

from readiness_analysis.documents import (
    COLUMNS,
    Bloem,
    Environment,
    bloem_html,
    documents_overview,
    institution_documents,
    load_bloem,
    missing_elements,
    read_documents,
    vision_alignment,
)
from readiness_analysis.errors import DataValidationError, ReadinessError
from readiness_analysis.study import load_study

from .conftest import RAW, STUDY_TEXT

HEADER = ("institution,title,year,kind,defines_blended,definition,concrete_goals,"
          "implementation_plan,known_by_teachers")
VALID = "Instelling A,Onderwijsvisie 2022-2026,2022,vision,yes,han,no,no,yes"


def _write(tmp_path, *lines, name="documents.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _messages(path):
    with pytest.raises(DataValidationError) as info:
        read_documents(path)
    return [str(p) for p in info.value.problems]


# ------------------------------------------------------------------------ demo file


def test_demo_file_validates_and_has_the_three_institutions():
    docs = read_documents(RAW / "documents.csv")
    assert sorted(docs["institution"].unique()) == ["Instelling A", "Instelling B",
                                                    "Instelling C"]
    assert list(docs.columns) == list(COLUMNS)
    assert (docs["source"] == "illustratief, afgeleid uit de handreiking").all()


def test_demo_file_says_only_what_the_guide_says():
    docs = read_documents(RAW / "documents.csv")
    visions = docs[docs["kind"] == "vision"]
    # Every school has a vision describing blended as face-to-face plus online ...
    assert visions["institution"].nunique() == 3
    assert (visions["definition"] == "face_to_face_plus_online").all()
    # ... but concrete goals and an implementation plan are missing everywhere.
    assert not docs["concrete_goals"].any() and not docs["implementation_plan"].any()
    assert visions["aims"].str.contains("plaats- en tijdsonafhankelijk").all()


def test_demo_file_is_labelled_illustrative_in_the_raw_readme():
    readme = (RAW / "README.md").read_text(encoding="utf-8")
    assert re.search(r"`documents\.csv` — \*\*ILLUSTRATIVE\.\*\*", readme)


# --------------------------------------------------------------------- bad input


BAD_ROWS = [
    ("Instelling A,Folder,2022,leaflet,yes,han,no,no,yes",
     "unknown kind 'leaflet' (use vision, policy, implementation_plan or team_plan "
     "(visie, beleid, implementatieplan, teamplan))", "kind"),
    ("Instelling A,Beleid,22,policy,no,none,no,no,yes",
     "year '22' is not a year from 1990 to 2100 (write the year of the document as four "
     "digits, e.g. 2022)", "year"),
    ("Instelling A,Beleid,1989,policy,no,none,no,no,yes",
     "year '1989' is not a year from 1990 to 2100 (write the year of the document as "
     "four digits, e.g. 2022)", "year"),
    ("Instelling A,Beleid,2022.5,policy,no,none,no,no,yes",
     "year '2022.5' is not a year from 1990 to 2100 (write the year of the document as "
     "four digits, e.g. 2022)", "year"),
    ("Instelling A,Beleid,2022,policy,no,none,misschien,no,yes",
     "'misschien' is not yes or no (use yes or no (ja, nee))", "concrete_goals"),
    ("Instelling A,Beleid,2022,policy,no,none,no,no,soms",
     "'soms' is not yes, partly, no or unknown (use yes, partly, no or unknown "
     "(ja, deels, nee, onbekend))", "known_by_teachers"),
    ("Instelling A,,2022,policy,no,none,no,no,yes", "title is empty", "title"),
    ("Instelling A,Beleid,2022,policy,yes,bloem,no,no,yes",
     "unknown definition 'bloem' (use han, face_to_face_plus_online, other or none "
     "(anders, geen))", "definition"),
    ("Instelling A,Beleid,2022,policy,no,han,no,no,yes",
     "definition is 'han' but defines_blended is no (use definition none, or set "
     "defines_blended to yes)", "definition"),
    ("Instelling A,Beleid,2022,policy,yes,none,no,no,yes",
     "defines_blended is yes but definition is 'none' (say which definition it uses: han, "
     "face_to_face_plus_online or other)", "definition"),
    ("Instelling A,Plan,2022,implementation_plan,no,none,yes,no,yes",
     "a document of kind implementation_plan must have implementation_plan yes (set it "
     "to yes, or change the kind)", "implementation_plan"),
    ("instelling a , ONDERWIJSVISIE  2022-2026,2023,vision,yes,han,no,no,yes",
     "duplicate document 'ONDERWIJSVISIE 2022-2026' of 'instelling a' (first on row 2) "
     "(give each document one row)", "title"),
]


@pytest.mark.parametrize(("row", "message", "column"), BAD_ROWS,
                         ids=[f"{c}-{i}" for i, (_, _, c) in enumerate(BAD_ROWS)])
def test_each_bad_row_gives_one_located_message(tmp_path, row, message, column):
    path = _write(tmp_path, HEADER, VALID, row)
    assert _messages(path) == [f"{path}:3:{column}: {message}"]


def test_missing_required_columns_are_each_located_in_the_header(tmp_path):
    path = _write(tmp_path, "institution,title,defines_blended,definition,concrete_goals,"
                  "implementation_plan,known_by_teachers", "Instelling A,Visie,yes,han,no,no,yes")
    assert _messages(path) == [f"{path}:1:year: required column missing (add it)",
                               f"{path}:1:kind: required column missing (add it)"]


def test_all_problems_are_listed_with_their_own_rows_across_a_blank_line(tmp_path):
    path = _write(tmp_path, HEADER, VALID, "Instelling A,Beleid,2022,beleid,no,none,nee,x,ja",
                  "", "Instelling B,,1850,team_plan,no,none,no,no,no")
    with pytest.raises(DataValidationError) as info:
        read_documents(path)
    located = [(p.row, p.column) for p in info.value.problems]
    assert located == [(3, "implementation_plan"), (5, "title"), (5, "year")]
    assert "is not yes or no (and 2 more problems)" in str(info.value)


def test_header_only_file_gives_an_empty_valid_frame(tmp_path):
    docs = read_documents(_write(tmp_path, HEADER + ",aims,source"))
    assert docs.empty and list(docs.columns) == list(COLUMNS)
    assert docs["year"].dtype == "Int64" and docs["defines_blended"].dtype == bool
    assert documents_overview(docs).empty and missing_elements(docs).empty


def test_cp1252_semicolon_csv_with_dutch_answers(tmp_path):
    path = tmp_path / "documents.csv"
    text = (
        "Institution;Title;Year;Kind;Defines_blended;Definition;Concrete_goals;"
        "Implementation_plan;Known_by_teachers;Aims\r\n"
        "Hout- en Meubileringscollège;Visie op óns onderwijs;2022; Visie ; JA ;HAN;Nee;"
        "nee;Deels;Plaats- en tijdsonafhankelijk leren\r\n"
        "Hout- en Meubileringscollège;Implementatieplan 2023;2023;implementatieplan;ja;"
        "anders;ja;JA;onbekend;\r\n"
        "Hout- en Meubileringscollège;Teamplan;2023;teamplan;nee;geen;nee;nee;misschien;\r\n"
    )
    path.write_bytes(text.encode("cp1252"))
    assert _messages(path) == [
        f"{path}:4:known_by_teachers: 'misschien' is not yes, partly, no or unknown "
        "(use yes, partly, no or unknown (ja, deels, nee, onbekend))"
    ]
    path.write_bytes(text.replace("misschien", "NEE").encode("cp1252"))
    docs = read_documents(path)
    assert docs["institution"].unique().tolist() == ["Hout- en Meubileringscollège"]
    assert docs["title"].iloc[0] == "Visie op óns onderwijs"
    assert docs["kind"].tolist() == ["vision", "implementation_plan", "team_plan"]
    assert docs["definition"].tolist() == ["han", "other", "none"]
    assert docs["defines_blended"].tolist() == [True, True, False]
    assert docs["implementation_plan"].tolist() == [False, True, False]
    assert docs["known_by_teachers"].tolist() == ["partly", "unknown", "no"]
    assert docs["year"].tolist() == [2022, 2023, 2023]
    assert docs["aims"].isna().tolist() == [False, True, True]


# ---------------------------------------------------------------------- analysis


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
    with pytest.raises(ValueError, match="lang must be one of nl, en"):
        documents_overview(inventory, "de")


# ------------------------------------------------------------------ vision vs scan


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
    assert latest["n"].iloc[0] == 3 and latest["Share (strongly) agreeing"].iloc[0] == 0.0
    assert latest["Documents"].iloc[0] == "known by teachers: no"
    first = vision_alignment(inventory, both, instrument, "A", "en", wave=1)
    assert first["Share (strongly) agreeing"].iloc[0] == pytest.approx(2 / 3)
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


# ------------------------------------------------------------------------ Bloem


def _normalise(text):
    return " ".join(re.sub(r"-\s*\n\s*", "", text).split())


def test_bloem_has_four_environments_and_the_studys_definition():
    bloem = load_bloem()
    assert [e.id for e in bloem.environments] == ["online", "campus", "werkplek",
                                                  "samenleving"]
    assert bloem.definition == load_study()["han_definition"]["nl"]
    assert bloem.source == "HAN (2022)"
    assert [e.added_in_new_definition for e in bloem.environments] == [False] * 3 + [True]
    for env in bloem.environments:
        assert env.label["nl"] and env.label["en"]
        assert env.paraphrase["nl"] and env.paraphrase["en"]


@pytest.mark.skipif(not STUDY_TEXT.exists(), reason="shared/ study text not beside the repo")
def test_bloem_definition_is_verbatim_in_the_guide():
    guide = _normalise(STUDY_TEXT.read_text(encoding="utf-8"))
    assert load_bloem().definition in guide
    assert "de leeromgeving ‘samenleving’ als extra ‘bol’ toegevoegd" in guide


def test_bloem_paraphrases_are_not_passed_off_as_quotes():
    guide = _normalise(STUDY_TEXT.read_text(encoding="utf-8")) if STUDY_TEXT.exists() else ""
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


def test_broken_bloem_file_names_the_missing_key(tmp_path):
    path = tmp_path / "bloem.yaml"
    path.write_text("name: {nl: x, en: x}\nsource: HAN\n", encoding="utf-8")
    with pytest.raises(ReadinessError) as info:
        load_bloem(path)
    assert str(info.value) == (f"{path}: key 'definition' is missing "
                               "(compare with the shipped study/bloem.yaml)")
