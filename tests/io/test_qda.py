"""Tests for readiness_analysis.io.qda: Taguette, QualCoder and REFI-QDA importers."""

from __future__ import annotations

import contextlib
import importlib.util
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from readiness_analysis.core.errors import CodingError, ReadinessError
from readiness_analysis.io import qda
from readiness_analysis.io.qda import (
    SEGMENT_COLUMNS,
    CodingWarning,
    read_coded_segments,
    read_qualcoder,
    read_refi_qdpx,
    read_taguette,
)

from ..references import fixture_path
from .refi_schema import schema_errors

FIXTURE = fixture_path("qda", "example.qdpx")
COLUMNS = ["fragment_id", "document", "case", "coder", "code", "start", "end", "text"]

# --------------------------------------------------------------------------- helpers


def expected(rows: list[list]) -> pd.DataFrame:
    """The table the readers must return, built independently of the module."""
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype({"start": "Int64", "end": "Int64"})


@contextlib.contextmanager
def no_warnings():
    """Context in which any CodingWarning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", CodingWarning)
        yield


# --------------------------------------------------------------------------- REFI-QDA

S1 = "a1b2c3d4-0000-4000-8000-00000000000a"  # text in sources/<guid>.txt
S2 = "a1b2c3d4-0000-4000-8000-00000000000b"  # inline PlainTextContent
S1_TEXT = "De wifi valt uit. Wij willen meer feedback."
S2_TEXT = "Roosters zijn te vol."

# Written by hand after Project-mrt2019.xsd (urn:QDA-XML:project:1.0).
PROJECT_QDE = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Readiness interviews" origin="test">
  <Users>
    <User guid="0a000000-0000-4000-8000-000000000001" name="Anna"/>
    <User guid="0a000000-0000-4000-8000-000000000002" name="Bram"/>
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="c0000000-0000-4000-8000-000000000001" name="Readiness" isCodable="false">
        <Code guid="c0000000-0000-4000-8000-000000000002" name="Technology" isCodable="true"/>
        <Code guid="c0000000-0000-4000-8000-000000000003" name="Didactics" isCodable="true">
          <Code guid="c0000000-0000-4000-8000-000000000004" name="Feedback" isCodable="true"/>
        </Code>
      </Code>
      <Code guid="c0000000-0000-4000-8000-000000000005" name="Barrier" isCodable="true"/>
    </Codes>
  </CodeBook>
  <Variables>
    <Variable guid="7a000000-0000-4000-8000-000000000001" name="instelling" typeOfVariable="Text"/>
  </Variables>
  <Cases>
    <Case guid="ca000000-0000-4000-8000-000000000001" name="ROC Noord">
      <VariableValue>
        <VariableRef targetGUID="7a000000-0000-4000-8000-000000000001"/>
        <TextValue>Noorderpoort</TextValue>
      </VariableValue>
      <SourceRef targetGUID="{S1}"/>
    </Case>
    <Case guid="ca000000-0000-4000-8000-000000000002" name="ROC Zuid">
      <SourceRef targetGUID="{S2}"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="{S1}" name="interview_noord" plainTextPath="internal://{S1}.txt">
      <PlainTextSelection guid="5e000000-0000-4000-8000-000000000001" name="wifi"
          startPosition="0" endPosition="17"
          creatingUser="0a000000-0000-4000-8000-000000000001">
        <Coding guid="cd000000-0000-4000-8000-000000000001"
            creatingUser="0a000000-0000-4000-8000-000000000001">
          <CodeRef targetGUID="c0000000-0000-4000-8000-000000000002"/>
        </Coding>
        <Coding guid="cd000000-0000-4000-8000-000000000002"
            creatingUser="0a000000-0000-4000-8000-000000000002">
          <CodeRef targetGUID="{{C0000000-0000-4000-8000-000000000005}}"/>
        </Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="5e000000-0000-4000-8000-000000000002"
          startPosition="29" endPosition="42"
          creatingUser="0a000000-0000-4000-8000-000000000002">
        <Coding guid="cd000000-0000-4000-8000-000000000003">
          <CodeRef targetGUID="c0000000-0000-4000-8000-000000000004"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="{S2}" name="interview_zuid">
      <PlainTextContent>{S2_TEXT}</PlainTextContent>
      <PlainTextSelection guid="5e000000-0000-4000-8000-000000000003"
          startPosition="0" endPosition="8"
          creatingUser="0a000000-0000-4000-8000-000000000002">
        <Coding guid="cd000000-0000-4000-8000-000000000004">
          <CodeRef targetGUID="c0000000-0000-4000-8000-000000000005"/>
        </Coding>
      </PlainTextSelection>
      <VariableValue>
        <VariableRef targetGUID="7a000000-0000-4000-8000-000000000001"/>
        <TextValue>Zuiderpoort</TextValue>
      </VariableValue>
    </TextSource>
  </Sources>
</Project>
"""


def write_qdpx(path: Path, project_qde: str | None = PROJECT_QDE, sources=None) -> Path:
    """Zip project.qde and sources/<name> files into a .qdpx as a QDA program does."""
    sources = {f"{S1}.txt": S1_TEXT} if sources is None else sources
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        if project_qde is not None:
            archive.writestr("project.qde", project_qde.encode("utf-8"))
        for name, text in sources.items():
            archive.writestr(f"sources/{name}", text.encode("utf-8"))
    return path


def test_the_project_and_the_shipped_fixture_are_valid_refi_qda():
    assert schema_errors(PROJECT_QDE) == []
    with zipfile.ZipFile(FIXTURE) as archive:
        assert schema_errors(archive.read("project.qde")) == []


def test_refi_qdpx_reads_the_exact_table(tmp_path):
    path = write_qdpx(tmp_path / "interviews.qdpx")
    with no_warnings():
        result = read_refi_qdpx(path)
    pd.testing.assert_frame_equal(
        result.segments,
        expected(
            [
                [
                    "interviews#5e000000-0000-4000-8000-000000000001",
                    "interview_noord",
                    "ROC Noord",
                    "Anna",
                    "Readiness/Technology",
                    0,
                    17,
                    "De wifi valt uit.",
                ],
                [
                    "interviews#5e000000-0000-4000-8000-000000000001",
                    "interview_noord",
                    "ROC Noord",
                    "Bram",
                    "Barrier",
                    0,
                    17,
                    "De wifi valt uit.",
                ],
                [
                    "interviews#5e000000-0000-4000-8000-000000000002",
                    "interview_noord",
                    "ROC Noord",
                    "Bram",
                    "Readiness/Didactics/Feedback",
                    29,
                    42,
                    "meer feedback",
                ],
                [
                    "interviews#5e000000-0000-4000-8000-000000000003",
                    "interview_zuid",
                    "ROC Zuid",
                    "Bram",
                    "Barrier",
                    0,
                    8,
                    "Roosters",
                ],
            ]
        ),
    )
    assert list(result.segments.columns) == list(SEGMENT_COLUMNS) == COLUMNS
    assert result.dropped.empty and list(result.dropped.columns) == COLUMNS
    assert result.problems == ()


def test_refi_case_variable_takes_the_source_value_then_the_case_value(tmp_path):
    path = write_qdpx(tmp_path / "interviews.qdpx")
    result = read_refi_qdpx(path, case_variable="instelling")
    assert result.segments["case"].tolist() == [
        "Noorderpoort",
        "Noorderpoort",
        "Noorderpoort",
        "Zuiderpoort",
    ]


def test_refi_selection_ref_of_a_case_fills_the_case(tmp_path):
    qde = PROJECT_QDE.replace(
        '<Case guid="ca000000-0000-4000-8000-000000000002" name="ROC Zuid">',
        '<Case guid="ca000000-0000-4000-8000-000000000003" name="Focusgroep">'
        '<SelectionRef targetGUID="5e000000-0000-4000-8000-000000000002"/></Case>'
        '<Case guid="ca000000-0000-4000-8000-000000000002" name="ROC Zuid">',
    )
    result = read_refi_qdpx(write_qdpx(tmp_path / "p.qdpx", qde))
    assert result.segments["case"].tolist() == [
        "ROC Noord",
        "ROC Noord",
        "Focusgroep; ROC Noord",
        "ROC Zuid",
    ]


def test_shipped_fixture_reads_as_built_by_the_script():
    with no_warnings():
        result = read_coded_segments(
            FIXTURE, {"Readiness/Technology", "Barrier", "Readiness/Didactics/Feedback"}
        )
    sel = "example#5e000000-0000-4000-8000-00000000000"
    pd.testing.assert_frame_equal(
        result.segments,
        expected(
            [
                [
                    f"{sel}1",
                    "interview_roc_noord",
                    "ROC Noord",
                    "Anna",
                    "Readiness/Technology",
                    0,
                    20,
                    "We werken met Teams.",
                ],
                [
                    f"{sel}2",
                    "interview_roc_noord",
                    "ROC Noord",
                    "Bram",
                    "Readiness/Didactics/Feedback",
                    21,
                    56,
                    "Docenten missen tijd voor feedback.",
                ],
                [
                    f"{sel}2",
                    "interview_roc_noord",
                    "ROC Noord",
                    "Anna",
                    "Barrier",
                    21,
                    56,
                    "Docenten missen tijd voor feedback.",
                ],
                [
                    f"{sel}3",
                    "interview_roc_zuid",
                    "ROC Zuid",
                    "Bram",
                    "Barrier",
                    4,
                    21,
                    "rooster is te vol",
                ],
            ]
        ),
    )


def test_fixture_script_regenerates_the_shipped_fixture(tmp_path, repo_root):
    spec = importlib.util.spec_from_file_location(
        "make_qdpx_fixture", repo_root / "scripts" / "make_qdpx_fixture.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.write_qdpx(tmp_path / "example.qdpx")
    with zipfile.ZipFile(built) as new, zipfile.ZipFile(FIXTURE) as shipped:
        assert new.namelist() == shipped.namelist()
        for name in shipped.namelist():
            assert new.read(name) == shipped.read(name), name


def test_refi_coding_of_a_whole_source_spans_its_text(tmp_path):
    whole = (
        '      <Coding guid="cd000000-0000-4000-8000-000000000009" '
        'creatingUser="0a000000-0000-4000-8000-000000000001">'
        '<CodeRef targetGUID="c0000000-0000-4000-8000-000000000005"/></Coding>\n'
    )
    # the schema puts a source's own Coding after its PlainTextSelection elements
    end_of_selections = "      </PlainTextSelection>\n      <VariableValue>"
    assert end_of_selections in PROJECT_QDE
    qde = PROJECT_QDE.replace(
        end_of_selections, "      </PlainTextSelection>\n" + whole + "      <VariableValue>"
    )
    last = read_refi_qdpx(write_qdpx(tmp_path / "p.qdpx", qde)).segments.iloc[-1]
    assert last.tolist() == [
        f"p#{S2}",
        "interview_zuid",
        "ROC Zuid",
        "Anna",
        "Barrier",
        0,
        21,
        S2_TEXT,
    ]


def test_refi_codings_of_non_text_sources_are_reported(tmp_path):
    qde = PROJECT_QDE.replace(
        "  </Sources>",
        '    <PictureSource guid="b0000000-0000-4000-8000-000000000001" name="foto_lokaal">'
        '<PictureSelection guid="b0000000-0000-4000-8000-000000000002" firstX="0" firstY="0" '
        'secondX="5" secondY="5"><Coding guid="b0000000-0000-4000-8000-000000000003">'
        '<CodeRef targetGUID="c0000000-0000-4000-8000-000000000005"/></Coding>'
        "</PictureSelection></PictureSource>\n  </Sources>",
    )
    with pytest.warns(CodingWarning, match="1 codings of PictureSource 'foto_lokaal' are not text"):
        result = read_refi_qdpx(write_qdpx(tmp_path / "p.qdpx", qde))
    assert len(result.segments) == 4
    assert len(result.problems) == 1


# ----------------------------------------------------------------- REFI-QDA errors


def test_corrupt_zip_is_a_coding_error(tmp_path):
    path = tmp_path / "broken.qdpx"
    path.write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(CodingError, match=r"broken\.qdpx: not a valid zip archive") as info:
        read_refi_qdpx(path)
    assert "REFI-QDA project (.qdpx)" in info.value.hint
    assert isinstance(info.value, ReadinessError)


def test_zip_without_project_qde_is_a_coding_error(tmp_path):
    path = write_qdpx(tmp_path / "empty.qdpx", project_qde=None)
    with pytest.raises(CodingError, match=r"empty\.qdpx: the zip holds no project\.qde"):
        read_coded_segments(path)


def test_xml_that_is_not_refi_qda_is_a_coding_error(tmp_path):
    qde = PROJECT_QDE.replace('xmlns="urn:QDA-XML:project:1.0"', 'xmlns="urn:example:other"')
    with pytest.raises(CodingError, match="not REFI-QDA XML: root element is") as info:
        read_refi_qdpx(write_qdpx(tmp_path / "other.qdpx", qde))
    assert "urn:QDA-XML:project:1.0" in str(info.value)


def test_malformed_xml_is_a_coding_error(tmp_path):
    path = write_qdpx(tmp_path / "bad.qdpx", PROJECT_QDE[:300])
    with pytest.raises(CodingError, match=r"bad\.qdpx: project\.qde is not well-formed XML"):
        read_refi_qdpx(path)


def test_unknown_code_guid_is_a_coding_error(tmp_path):
    qde = PROJECT_QDE.replace(
        'CodeRef targetGUID="c0000000-0000-4000-8000-000000000004"',
        'CodeRef targetGUID="c0000000-0000-4000-8000-0000000000ff"',
    )
    with pytest.raises(CodingError) as info:
        read_refi_qdpx(write_qdpx(tmp_path / "p.qdpx", qde))
    message = str(info.value)
    assert message.startswith(
        f"{tmp_path / 'p.qdpx'}: selection 5e000000-0000-4000-8000-000000000002"
    )
    assert "in source 'interview_noord'" in message
    assert "'c0000000-0000-4000-8000-0000000000ff', which the CodeBook does not define" in message
    assert info.value.hint


def test_selection_outside_its_text_is_a_coding_error(tmp_path):
    qde = PROJECT_QDE.replace(
        'startPosition="29" endPosition="42"', 'startPosition="29" endPosition="44"'
    )
    with pytest.raises(CodingError) as info:
        read_refi_qdpx(write_qdpx(tmp_path / "p.qdpx", qde))
    assert "selection 5e000000-0000-4000-8000-000000000002 in source 'interview_noord'" in str(
        info.value
    )
    assert "spans characters 29-44, outside its text of 43 characters" in str(info.value)


def test_selection_with_end_before_start_is_a_coding_error(tmp_path):
    qde = PROJECT_QDE.replace(
        'startPosition="29" endPosition="42"', 'startPosition="29" endPosition="3"'
    )
    with pytest.raises(CodingError, match="spans characters 29-3"):
        read_refi_qdpx(write_qdpx(tmp_path / "p.qdpx", qde))


def test_missing_source_text_file_is_a_coding_error(tmp_path):
    path = write_qdpx(tmp_path / "p.qdpx", sources={})
    with pytest.raises(
        CodingError, match=f"text source 'interview_noord': sources/{S1}.txt is missing"
    ):
        read_refi_qdpx(path)


def test_empty_selection_is_dropped_with_a_warning_naming_file_and_segment(tmp_path):
    qde = PROJECT_QDE.replace(
        'startPosition="29" endPosition="42"', 'startPosition="29" endPosition="29"'
    )
    path = write_qdpx(tmp_path / "p.qdpx", qde)
    with pytest.warns(CodingWarning) as caught:
        result = read_refi_qdpx(path)
    text = str(caught[0].message)
    assert f"{path}: 1 problem in coded segments" in text
    assert "segment p#5e000000-0000-4000-8000-000000000002 ('interview_noord'" in text
    assert "empty segment (start equals end)" in text
    assert len(result.segments) == 3
    assert result.dropped[["fragment_id", "start", "end", "text"]].values.tolist() == [
        ["p#5e000000-0000-4000-8000-000000000002", 29, 29, ""]
    ]
    assert [p.file for p in result.problems] == [str(path)]


def test_empty_selection_in_strict_mode_is_a_coding_error(tmp_path):
    qde = PROJECT_QDE.replace(
        'startPosition="29" endPosition="42"', 'startPosition="29" endPosition="29"'
    )
    path = write_qdpx(tmp_path / "p.qdpx", qde)
    with pytest.raises(CodingError) as info:
        read_coded_segments(path, strict=True)
    assert str(info.value).startswith(f"{path}: segment p#5e000000-0000-4000-8000-000000000002")
    assert "empty segment" in str(info.value)


# --------------------------------------------------------------------------- Taguette

# As written by taguette/export.py highlights_csv: csv.writer, header id,document,tag,content.
TAGUETTE_CSV = (
    "id,document,tag,content\r\n"
    "12,interview_noord,barrier,De wifi valt uit.\r\n"
    "12,interview_noord,technology,De wifi valt uit.\r\n"
    '15,interview_zuid,planning.rooster,"Roosters zijn te vol, zegt het team."\r\n'
    '16,interview_zuid,barrier,"Eerste regel\nTweede regel"\r\n'
)


def test_taguette_reads_the_exact_table(tmp_path):
    path = tmp_path / "taguette_highlights.csv"
    path.write_text(TAGUETTE_CSV, encoding="utf-8", newline="")
    with no_warnings():
        result = read_taguette(path)
    na = None
    pd.testing.assert_frame_equal(
        result.segments,
        expected(
            [
                [
                    "taguette_highlights#12",
                    "interview_noord",
                    "",
                    "",
                    "barrier",
                    na,
                    na,
                    "De wifi valt uit.",
                ],
                [
                    "taguette_highlights#12",
                    "interview_noord",
                    "",
                    "",
                    "technology",
                    na,
                    na,
                    "De wifi valt uit.",
                ],
                [
                    "taguette_highlights#15",
                    "interview_zuid",
                    "",
                    "",
                    "planning.rooster",
                    na,
                    na,
                    "Roosters zijn te vol, zegt het team.",
                ],
                [
                    "taguette_highlights#16",
                    "interview_zuid",
                    "",
                    "",
                    "barrier",
                    na,
                    na,
                    "Eerste regel\nTweede regel",
                ],
            ]
        ),
    )


def test_taguette_untagged_and_empty_highlights_are_dropped_not_silently(tmp_path):
    path = tmp_path / "hl.csv"
    path.write_text(
        "id,document,tag,content\r\n"
        "1,doc_a,,Niet getagd.\r\n"
        "2,doc_a,barrier,\r\n"
        "3,doc_a,barrier,Goed.\r\n",
        encoding="utf-8",
    )
    with pytest.warns(CodingWarning) as caught:
        result = read_taguette(path)
    assert result.segments["fragment_id"].tolist() == ["hl#3"]
    assert result.dropped["fragment_id"].tolist() == ["hl#1", "hl#2"]
    assert [str(p) for p in result.problems] == [
        f"{path}:2: segment hl#1 ('doc_a', code ''): highlight has no tag "
        "(tag it in Taguette or delete it)",
        f"{path}:3: segment hl#2 ('doc_a', code 'barrier'): segment has no text "
        "(remove the empty coding in the QDA program)",
    ]
    assert "hl#1" in str(caught[0].message) and "hl#2" in str(caught[0].message)


def test_taguette_empty_highlight_in_strict_mode_is_a_coding_error(tmp_path):
    path = tmp_path / "hl.csv"
    path.write_text("id,document,tag,content\r\n2,doc_a,barrier,   \r\n", encoding="utf-8")
    with pytest.raises(
        CodingError,
        match=r"hl\.csv:2: segment hl#2 \('doc_a', code 'barrier'\): segment has no text",
    ):
        read_taguette(path, strict=True)


@pytest.mark.parametrize("missing", ["id", "document", "tag", "content"])
def test_taguette_missing_column_is_a_coding_error(tmp_path, missing):
    header = [c for c in ("id", "document", "tag", "content") if c != missing]
    path = tmp_path / "hl.csv"
    path.write_text(
        ",".join(header) + "\r\n" + ",".join("x" * len(header)) + "\r\n", encoding="utf-8"
    )
    with pytest.raises(CodingError) as info:
        read_taguette(path)
    assert str(info.value).startswith(f"{path}:1:{missing}: missing required column {missing!r}")
    assert "Taguette" in info.value.hint


# -------------------------------------------------------------------------- QualCoder

# As written by DialogReportCodes.export_csv_file (src/qualcoder/report_codes.py):
# utf-8-sig, every cell quoted, category cells not padded for codes with fewer levels.
QUALCODER_FILE_CSV = (
    '"File","Coder","Coded","Id","Codename","Coded_Memo","Category","Category"\r\n'
    '"interview_noord.txt","anna","De wifi valt uit.","ctid:1","Technology","","Readiness"\r\n'
    '"interview_noord.txt","bram","meer feedback","ctid:2","Feedback","memo",'
    '"Didactics","Readiness"\r\n'
    '"foto.png","anna","image","imid:1","Barrier",""\r\n'
    '"interview_zuid.txt","bram","Roosters","ctid:3","Barrier",""\r\n'
)

QUALCODER_CASE_CSV = (
    '"Case","Filename","Coder","Coded","Id","Codename","Coded_Memo","Category",'
    '"FileVar_instelling","CaseVar_sector"\r\n'
    '"ROC Noord","interview_noord.txt","anna","De wifi valt uit.","ctid:1","Technology","",'
    '"Readiness","Noorderpoort","techniek"\r\n'
    '"ROC Zuid","interview_zuid.txt","bram","Roosters","ctid:3","Barrier","","","zorg"\r\n'
)


def test_qualcoder_file_report_reads_the_exact_table(tmp_path):
    path = tmp_path / "coding_report.csv"
    path.write_text(QUALCODER_FILE_CSV, encoding="utf-8-sig", newline="")
    with pytest.warns(CodingWarning, match="an image coding, not coded text"):
        result = read_qualcoder(path)
    na = None
    pd.testing.assert_frame_equal(
        result.segments,
        expected(
            [
                [
                    "coding_report#ctid:1",
                    "interview_noord.txt",
                    "",
                    "anna",
                    "Readiness/Technology",
                    na,
                    na,
                    "De wifi valt uit.",
                ],
                [
                    "coding_report#ctid:2",
                    "interview_noord.txt",
                    "",
                    "bram",
                    "Readiness/Didactics/Feedback",
                    na,
                    na,
                    "meer feedback",
                ],
                [
                    "coding_report#ctid:3",
                    "interview_zuid.txt",
                    "",
                    "bram",
                    "Barrier",
                    na,
                    na,
                    "Roosters",
                ],
            ]
        ),
    )
    assert result.dropped["fragment_id"].tolist() == ["coding_report#imid:1"]
    assert result.problems[0].row == 4


def test_qualcoder_case_report_fills_case_and_realigns_variables(tmp_path):
    path = tmp_path / "by_case.csv"
    path.write_text(QUALCODER_CASE_CSV, encoding="utf-8-sig", newline="")
    with no_warnings():
        plain = read_qualcoder(path)
        sector = read_qualcoder(path, case_variable="sector")
        instelling = read_coded_segments(path, case_variable="instelling")
    na = None
    pd.testing.assert_frame_equal(
        plain.segments,
        expected(
            [
                [
                    "by_case#ctid:1",
                    "interview_noord.txt",
                    "ROC Noord",
                    "anna",
                    "Readiness/Technology",
                    na,
                    na,
                    "De wifi valt uit.",
                ],
                [
                    "by_case#ctid:3",
                    "interview_zuid.txt",
                    "ROC Zuid",
                    "bram",
                    "Barrier",
                    na,
                    na,
                    "Roosters",
                ],
            ]
        ),
    )
    assert sector.segments["case"].tolist() == ["techniek", "zorg"]
    # the file variable is empty for interview_zuid: the case membership is kept
    assert instelling.segments["case"].tolist() == ["Noorderpoort", "ROC Zuid"]


@pytest.mark.parametrize("missing", ["File", "Coder", "Coded", "Id", "Codename"])
def test_qualcoder_missing_column_is_a_coding_error(tmp_path, missing):
    header = [h for h in ("File", "Coder", "Coded", "Id", "Codename", "Coded_Memo") if h != missing]
    path = tmp_path / "report.csv"
    path.write_text(",".join(f'"{h}"' for h in header) + "\r\n", encoding="utf-8-sig")
    with pytest.raises(CodingError) as info:
        read_qualcoder(path)
    assert str(info.value).startswith(f"{path}:1:{missing}: missing required column {missing!r}")
    assert "QualCoder" in info.value.hint


# ------------------------------------------------------------- dispatch and codebook


def test_dispatch_recognises_each_export(tmp_path):
    taguette = tmp_path / "t.csv"
    taguette.write_text(TAGUETTE_CSV, encoding="utf-8", newline="")
    qualcoder = tmp_path / "q.csv"
    qualcoder.write_text(QUALCODER_CASE_CSV, encoding="utf-8-sig", newline="")
    qdpx = write_qdpx(tmp_path / "p.zip")  # content decides, not only the extension
    assert read_coded_segments(taguette).segments["code"].tolist()[0] == "barrier"
    assert read_coded_segments(qualcoder).segments["case"].tolist() == ["ROC Noord", "ROC Zuid"]
    assert read_coded_segments(qdpx).segments["start"].tolist() == [0, 0, 29, 0]


def test_dispatch_rejects_an_unknown_csv(tmp_path):
    path = tmp_path / "scan.csv"
    path.write_text("respondent,V1\r\n1,4\r\n", encoding="utf-8")
    with pytest.raises(CodingError, match=r"scan\.csv:1: not a recognised QDA export") as info:
        read_coded_segments(path)
    assert "REFI-QDA .qdpx" in info.value.hint


def test_dispatch_rejects_a_missing_file_and_case_variable_for_taguette(tmp_path):
    with pytest.raises(CodingError, match="file not found"):
        read_coded_segments(tmp_path / "nope.qdpx")
    path = tmp_path / "t.csv"
    path.write_text(TAGUETTE_CSV, encoding="utf-8")
    with pytest.raises(CodingError, match="Taguette export has no variables"):
        read_coded_segments(path, case_variable="instelling")


def test_codes_outside_the_codebook_are_kept_and_reported(tmp_path):
    path = write_qdpx(tmp_path / "p.qdpx")
    codebook = {"Readiness/Technology", "Barrier"}
    with pytest.warns(CodingWarning) as caught:
        result = read_coded_segments(path, codebook)
    assert len(result.segments) == 4 and result.dropped.empty
    assert [p.message for p in result.problems] == [
        "segment p#5e000000-0000-4000-8000-000000000002 ('interview_noord', code "
        "'Readiness/Didactics/Feedback'): "
        "code 'Readiness/Didactics/Feedback' is not in the codebook"
    ]
    assert str(path) in str(caught[0].message)


def test_codes_outside_the_codebook_in_strict_mode_are_a_coding_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(TAGUETTE_CSV, encoding="utf-8", newline="")
    with pytest.raises(CodingError) as info:
        read_coded_segments(path, {"barrier"}, strict=True)
    message = str(info.value)
    assert message.startswith(f"{path}:3: segment t#12 ('interview_noord', code 'technology')")
    assert "is not in the codebook (and 1 more problem)" in message


def test_problem_rows_are_spreadsheet_rows_even_after_blank_lines(tmp_path):
    path = tmp_path / "hl.csv"
    path.write_text(
        "id,document,tag,content\r\n\r\n1,doc_a,barrier,Goed.\r\n\r\n2,doc_a,,Zonder tag.\r\n",
        encoding="utf-8",
    )
    with pytest.warns(CodingWarning, match=r"hl\.csv:5: segment hl#2"):
        result = read_taguette(path)
    assert result.segments["fragment_id"].tolist() == ["hl#1"]
    assert [p.row for p in result.problems] == [5]


def test_empty_csv_and_non_utf8_csv_are_coding_errors(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("\r\n", encoding="utf-8")
    with pytest.raises(CodingError, match=r"empty\.csv: file is empty"):
        read_taguette(empty)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,document,tag,content\r\n1,café,x,één\r\n".encode("latin-1"))
    with pytest.raises(CodingError, match=r"latin\.csv: not UTF-8 text"):
        read_coded_segments(latin)


# ------------------------------------------------------------------ the format registry


def _read_fake(path, codebook_codes=None, *, strict=False):
    empty = pd.DataFrame(columns=list(SEGMENT_COLUMNS))
    return qda.CodedSegments(empty, empty, ())


@pytest.fixture
def with_fake_format(monkeypatch):
    """QDA_FORMATS extended by a fake format (header ``fake_id``, or suffix ``.fake``)."""
    formats = qda.QDA_FORMATS.copy()
    formats.register("FakeQDA", qda.QdaFormat(
        _read_fake, "a FakeQDA export (fake_id, ...)",
        lambda export: export.header[:1] == ["fake_id"], suffixes=(".fake",), variables=False))
    monkeypatch.setattr(qda, "QDA_FORMATS", formats)
    return formats


def test_the_shipped_formats_are_registered_in_hint_order():
    assert list(qda.QDA_FORMATS) == ["Taguette", "Taguette xlsx", "QualCoder", "REFI-QDA"]


def test_a_registered_format_is_recognised_by_content_and_suffix(tmp_path, with_fake_format):
    by_content = tmp_path / "export.csv"
    by_content.write_text("fake_id,text\r\n1,x\r\n", encoding="utf-8")
    by_suffix = tmp_path / "export.fake"
    by_suffix.write_bytes(b"\xff\xfe binary, never read as CSV")
    for path in (by_content, by_suffix):
        assert read_coded_segments(path).segments.empty
    with pytest.raises(CodingError, match="a FakeQDA export has no variables"):
        read_coded_segments(by_content, case_variable="instelling")


def test_the_hint_names_every_registered_format(tmp_path, with_fake_format):
    path = tmp_path / "scan.csv"
    path.write_text("respondent,V1\r\n1,4\r\n", encoding="utf-8")
    with pytest.raises(CodingError) as info:
        read_coded_segments(path)
    assert info.value.hint == (
        "give a Taguette highlights CSV (id, document, tag, content), a Taguette highlights "
        "Excel file (.xlsx), a QualCoder coding "
        "report CSV (File, Coder, Coded, Id, Codename, ...), a REFI-QDA .qdpx or a FakeQDA "
        "export (fake_id, ...)")


def test_a_zip_is_never_read_as_csv_while_recognising(tmp_path):
    path = write_qdpx(tmp_path / "p.zip")
    export = qda.QdaExport(path)
    assert export.is_zip and export.header == []
