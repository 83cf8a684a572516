"""Reading the document inventory (io/documents.py): the demo file and located messages."""

import re

import pytest

from readiness_analysis.core.errors import DataValidationError
from readiness_analysis.io.documents import COLUMNS, read_documents
from readiness_analysis.report.documents import documents_overview, missing_elements

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


def test_demo_file_validates_and_has_the_three_institutions(raw_dir):
    docs = read_documents(raw_dir / "documents.csv")
    assert sorted(docs["institution"].unique()) == ["Instelling A", "Instelling B",
                                                    "Instelling C"]
    assert list(docs.columns) == list(COLUMNS)
    assert (docs["source"] == "illustratief, afgeleid uit de handreiking").all()


def test_demo_file_says_only_what_the_guide_says(raw_dir):
    docs = read_documents(raw_dir / "documents.csv")
    visions = docs[docs["kind"] == "vision"]
    # Every school has a vision describing blended as face-to-face plus online ...
    assert visions["institution"].nunique() == 3
    assert (visions["definition"] == "face_to_face_plus_online").all()
    # ... but concrete goals and an implementation plan are missing everywhere.
    assert not docs["concrete_goals"].any() and not docs["implementation_plan"].any()
    assert visions["aims"].str.contains("plaats- en tijdsonafhankelijk").all()


def test_demo_file_is_labelled_illustrative_in_the_raw_readme(raw_dir):
    readme = (raw_dir / "README.md").read_text(encoding="utf-8")
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


