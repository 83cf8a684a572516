"""REFI-QDA projects shaped like the exports of MAXQDA, NVivo, ATLAS.ti and QualCoder.

Every project is written by the test, validated against the REFI-QDA project schema
(QDA-XML 1.0 ``Project.xsd``, see ``refi_schema``), read, and compared with values the
test computes on its own: texts by slicing, passages by its own (pairwise) overlap rule,
agreement with the ``krippendorff`` package and kappa by hand on a unit matrix the test
builds.
"""

from __future__ import annotations

import logging
import uuid
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import krippendorff
import numpy as np
import openpyxl
import pandas as pd
import pytest

import readiness_analysis.build.prepare as pipeline
from readiness_analysis import cli
from readiness_analysis.core.errors import CodingError, CodingWarning, DataValidationError, Problem
from readiness_analysis.core.tables import QDA_IMPORT_COLUMNS, UNIT_AGREEMENT_COLUMNS
from readiness_analysis.io import qda
from readiness_analysis.io.qda import read_coded_segments
from readiness_analysis.io.qda_fragments import (
    OVERLAP_THRESHOLD,
    find_qda_export,
    import_report,
    passage_ids,
    read_qda_export,
)
from readiness_analysis.spec.codebook import load_codebook
from readiness_analysis.stats.agreement import OVERALL, coder_agreement

from .refi_schema import schema_errors

CODEBOOK = load_codebook()

# --------------------------------------------------------------------------- builders


def gid(key: str) -> str:
    """A stable GUID per key, in the schema's GUID pattern."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, key)).upper()


def code(name: str, *children: str, key: str | None = None, codable: bool = True) -> str:
    flag = "true" if codable else "false"
    return (f'<Code guid="{gid("code:" + (key or name))}" name="{escape(name)}" '
            f'isCodable="{flag}">{"".join(children)}</Code>')


def coding(key: str, target: str, user: str | None = None) -> str:
    who = f' creatingUser="{gid("user:" + user)}"' if user else ""
    return f'<Coding guid="{gid("coding:" + key)}"{who}><CodeRef targetGUID="{target}"/></Coding>'


def selection(key: str, start: int, end: int, user: str, *codes: str) -> str:
    codings = "".join(coding(f"{key}:{c}", gid("code:" + c), user) for c in codes)
    return (f'<PlainTextSelection guid="{gid("sel:" + key)}" startPosition="{start}" '
            f'endPosition="{end}" creatingUser="{gid("user:" + user)}">{codings}'
            "</PlainTextSelection>")


def source(name: str, *parts: str, text: str | None = None, after: str = "") -> str:
    where = "" if text is not None else f' plainTextPath="internal://{name}.txt"'
    content = "" if text is None else f"<PlainTextContent>{escape(text)}</PlainTextContent>"
    return (f'<TextSource guid="{gid("src:" + name)}" name="{name}"{where}>{content}'
            f'{"".join(parts)}{after}</TextSource>')


def variable_value(name: str, value: str) -> str:
    return (f'<VariableValue><VariableRef targetGUID="{gid("var:" + name)}"/>'
            f"<TextValue>{escape(value)}</TextValue></VariableValue>")


def project(codes: list[str], sources: list[str], *, cases: str = "", variables=(),
            users=("Anna", "Bram")) -> str:
    people = "".join(f'<User guid="{gid("user:" + u)}" name="{u}"/>' for u in users)
    kinds = "".join(f'<Variable guid="{gid("var:" + v)}" name="{v}" typeOfVariable="Text"/>'
                    for v in variables)
    return ('<?xml version="1.0" encoding="utf-8"?>'
            f'<Project xmlns="urn:QDA-XML:project:1.0" name="interviews" origin="test">'
            f"<Users>{people}</Users><CodeBook><Codes>{''.join(codes)}</Codes></CodeBook>"
            + (f"<Variables>{kinds}</Variables>" if variables else "")
            + (f"<Cases>{cases}</Cases>" if cases else "")
            + f"<Sources>{''.join(sources)}</Sources></Project>")


def write_qdpx(path: Path, qde: str, texts: dict[str, str] | None = None, *,
               folder: str = "sources", compression: int = zipfile.ZIP_DEFLATED) -> Path:
    assert schema_errors(qde) == [], schema_errors(qde)
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("project.qde", qde.encode("utf-8"))
        for name, text in (texts or {}).items():
            archive.writestr(f"{folder}/{name}.txt", text.encode("utf-8"))
    return path


def span(text: str, part: str, shift: tuple[int, int] = (0, 0)) -> tuple[int, int]:
    start = text.index(part)
    return start + shift[0], start + len(part) + shift[1]


# --------------------------------------------------------------------------- the schema


def test_the_schema_check_refuses_what_the_schema_refuses():
    good = project([code("willingness")], [source("i1", text="Ja.")])
    assert schema_errors(good) == []
    bad_guid = good.replace(gid("code:willingness"), "not-a-guid")
    assert any("'guid'" in e and "pattern" in e for e in schema_errors(bad_guid))
    no_name = good.replace('name="willingness" ', "")
    assert any("'name' is required" in e for e in schema_errors(no_name))
    misordered = good.replace("<Users>", "<Sources></Sources><Users>", 1)
    assert any("Users': This element is not expected" in e for e in schema_errors(misordered))
    no_positions = project([code("x")], [source("i1", selection("s", 0, 1, "Anna", "x"),
                                                text="Ja.")]).replace(' startPosition="0"', "")
    assert any("'startPosition' is required" in e for e in schema_errors(no_positions))
    not_an_integer = no_positions.replace('endPosition="1"', 'endPosition="one"')
    assert any("'endPosition'" in e and "integer" in e for e in schema_errors(not_an_integer))


# --------------------------------------------------------------------------- MAXQDA

MAXQDA_TEXT = "Het wifi-netwerk valt steeds uit. Ik wil best leren hoe het moet."


def maxqda_project(tmp_path: Path) -> Path:
    """Lowercase sources/, a nameless Case with one SourceRef holding document variables."""
    wifi, will = span(MAXQDA_TEXT, "Het wifi-netwerk valt steeds uit."), span(
        MAXQDA_TEXT, "Ik wil best leren hoe het moet.")
    doc_vars = (f'<Case guid="{gid("case:doc")}">{variable_value("Instelling", "Instelling A")}'
                f'{variable_value("Functie", "docent")}'
                f'<SourceRef targetGUID="{gid("src:interview_a")}"/></Case>')
    qde = project([code("wifi_infrastructure"), code("willingness")],
                  [source("interview_a", selection("w", *wifi, "Anna", "wifi_infrastructure"),
                          selection("l", *will, "Anna", "willingness"))],
                  cases=doc_vars, variables=("Instelling", "Functie"))
    return write_qdpx(tmp_path / "maxqda.qdpx", qde, {"interview_a": MAXQDA_TEXT})


def test_maxqda_document_variable_is_the_institution(tmp_path):
    path = maxqda_project(tmp_path)
    for spelling in ("Instelling", "instelling "):
        result = read_coded_segments(path, CODEBOOK.names, case_variable=spelling)
        assert set(result.segments["case"]) == {"Instelling A"}
    texts = result.segments["text"].tolist()
    assert texts == ["Het wifi-netwerk valt steeds uit.", "Ik wil best leren hoe het moet."]


def test_maxqda_nameless_case_is_no_institution_and_its_guid_is_never_a_name(tmp_path):
    result = read_coded_segments(maxqda_project(tmp_path), CODEBOOK.names)
    assert set(result.segments["case"]) == {""}
    assert not any(gid("case:doc").lower() in c.lower() for c in result.segments["case"])
    note = result.sources.loc[0, "notes"]
    assert "--case-variable" in note and "Instelling" in note and "Functie" in note


def test_an_unknown_case_variable_lists_the_variables_found(tmp_path):
    with pytest.raises(CodingError) as info:
        read_coded_segments(maxqda_project(tmp_path), case_variable="Locatie")
    message = str(info.value)
    assert "no variable 'Locatie'" in message and "'Functie', 'Instelling'" in message
    assert "\n" not in message


def test_build_takes_the_institution_from_the_case_variable(raw_copy, tmp_path):
    (raw_copy / "fragments.csv").unlink()
    maxqda_project(tmp_path).rename(raw_copy / "coded_segments.qdpx")
    pipeline.prepare(raw_copy, tmp_path / "p", case_variable="Instelling")
    fragments = pd.read_parquet(tmp_path / "p" / "fragments.parquet")
    assert set(fragments["institution"]) == {"Instelling A"}
    report = pd.read_csv(tmp_path / "p" / "qda_import.csv")
    assert list(report.columns) == list(QDA_IMPORT_COLUMNS)
    assert report[["document", "institution", "coder", "codings"]].values.tolist() == [
        ["interview_a", "Instelling A", "Anna", 2]]


def test_a_build_without_the_case_variable_warns_on_the_console_naming_the_variables(
        raw_copy, tmp_path):
    (raw_copy / "fragments.csv").unlink()
    maxqda_project(tmp_path).rename(raw_copy / "coded_segments.qdpx")
    with pytest.warns(CodingWarning) as caught:
        pipeline.prepare(raw_copy, tmp_path / "p")
    lost = [str(w.message) for w in caught if "without an institution" in str(w.message)]
    assert lost == ["coded_segments.qdpx: 1 interview without an institution ('interview_a'): "
                    "their fragments count for no institution; their document variables are "
                    "Functie, Instelling: pass --case-variable NAME to take the institution "
                    "from one"]


def test_an_institution_the_scan_lacks_is_warned_and_the_report_spells_as_the_scan(
        raw_copy, tmp_path):
    (raw_copy / "fragments.csv").unlink()
    texts = {"a": MAXQDA_TEXT, "b": MAXQDA_TEXT}
    wifi = span(MAXQDA_TEXT, "Het wifi-netwerk valt steeds uit.")
    cases = "".join(f'<Case guid="{gid("case:" + name)}" name="{name}">'
                    f'<SourceRef targetGUID="{gid("src:" + doc)}"/></Case>'
                    for doc, name in (("a", "instelling a"), ("b", "ROC Nergens")))
    qde = project([code("wifi_infrastructure")],
                  [source(doc, selection("w" + doc, *wifi, "Anna", "wifi_infrastructure"))
                   for doc in texts], cases=cases)
    write_qdpx(raw_copy / "coded_segments.qdpx", qde, texts)
    with pytest.warns(CodingWarning) as caught:
        pipeline.prepare(raw_copy, tmp_path / "p")
    unknown = [str(w.message) for w in caught if "the scan does not have" in str(w.message)]
    assert len(unknown) == 1 and "1 institution the scan does not have: 'ROC Nergens';" in (
        unknown[0])
    report = pd.read_csv(tmp_path / "p" / "qda_import.csv")
    assert report["institution"].tolist() == ["Instelling A", "ROC Nergens"]


# --------------------------------------------------------------------------- NVivo

NVIVO_TEXT = "We hebben geen visie op blended leren. Maar ik wil het wel."


def test_nvivo_case_nodes_are_cases_not_codes(tmp_path):
    case_guid = gid("code:Instelling B")
    vision, will = span(NVIVO_TEXT, "We hebben geen visie op blended leren."), span(
        NVIVO_TEXT, "Maar ik wil het wel.")
    qde = project(
        [code("Cases", code("Instelling B"), codable=False), code("vision_missing"),
         code("willingness")],
        [source("interview_b", selection("v", *vision, "Bram", "vision_missing"),
                selection("w", *will, "Bram", "willingness"),
                after=coding("case", case_guid, "Bram"))],
        cases=f'<Case guid="{case_guid}" name="Instelling B"/>')
    path = write_qdpx(tmp_path / "nvivo.qdpx", qde, {"interview_b": NVIVO_TEXT},
                      folder="Sources")
    result = read_coded_segments(path, CODEBOOK.names)
    assert result.problems == ()
    assert result.segments[["case", "code", "text"]].values.tolist() == [
        ["Instelling B", "vision_missing", "We hebben geen visie op blended leren."],
        ["Instelling B", "willingness", "Maar ik wil het wel."]]


# --------------------------------------------------------------------------- ATLAS.ti

CRLF_TEXT = "Regel een: de wifi valt uit.\r\nRegel twee: ik wil leren.\r\nRegel drie: geen visie."
PARTS = ("de wifi valt uit.", "ik wil leren.", "geen visie.")


def atlas_project(tmp_path: Path, counted: str) -> Path:
    """A source stored with CRLF whose offsets count each CRLF once (ATLAS.ti) or twice."""
    counting = CRLF_TEXT.replace("\r\n", "\n") if counted == "once" else CRLF_TEXT
    codes = ("wifi_infrastructure", "willingness", "vision_missing")
    selections = [selection(f"s{i}", *span(counting, part), "Anna", c)
                  for i, (part, c) in enumerate(zip(PARTS, codes, strict=True))]
    qde = project([code(c) for c in codes], [source("interview_c", *selections)])
    return write_qdpx(tmp_path / f"atlas_{counted}.qdpx", qde, {"interview_c": CRLF_TEXT})


def test_atlas_crlf_counted_once_is_detected_and_corrected_with_a_note(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="readiness_analysis.io.qda"):
        result = read_coded_segments(atlas_project(tmp_path, "once"), CODEBOOK.names)
    assert result.segments["text"].tolist() == list(PARTS)
    assert "CRLF" in result.sources.loc[0, "notes"]
    assert result.sources.loc[0, "characters"] == len(CRLF_TEXT.replace("\r\n", "\n"))
    assert any("CRLF" in r.getMessage() for r in caplog.records)


def test_offsets_that_count_crlf_as_two_characters_are_left_as_they_are(tmp_path):
    result = read_coded_segments(atlas_project(tmp_path, "twice"), CODEBOOK.names)
    assert result.segments["text"].tolist() == list(PARTS)
    assert result.sources.loc[0, "notes"] == ""
    assert result.sources.loc[0, "characters"] == len(CRLF_TEXT)


# --------------------------------------------------------------------------- codes

CODES_TEXT = "Eerste zin. Tweede zin. Derde zin. Vierde zin."


def coded_project(tmp_path: Path, codebook: list[str], used: list[str]) -> Path:
    """One selection per code name in ``used`` (``Parent/Child`` paths as in the codebook)."""
    sentences = [s + "." for s in CODES_TEXT.split(".") if s.strip()]
    selections = [selection(f"s{i}", *span(CODES_TEXT, sentences[i % 4].strip()), "Anna", c)
                  for i, c in enumerate(used)]
    return write_qdpx(tmp_path / "codes.qdpx",
                      project(codebook, [source("i", *selections, text=CODES_TEXT)]))


def test_nested_codes_match_their_unique_leaf_and_keep_the_path(tmp_path):
    book = [code("Infrastructuur", code("wifi_infrastructure", key="Infrastructuur/wifi"),
                 codable=False)]
    path = coded_project(tmp_path, book, ["Infrastructuur/wifi"])
    result = read_coded_segments(path, CODEBOOK.names)
    assert result.problems == ()
    assert result.segments["code"].tolist() == ["wifi_infrastructure"]
    assert result.renamed == {"Infrastructuur/wifi_infrastructure": "wifi_infrastructure"}


def test_a_leaf_two_parents_share_is_not_guessed_and_the_hint_names_the_hierarchy(tmp_path):
    book = [code("A", code("willingness", key="A/w"), codable=False),
            code("B", code("willingness", key="B/w"), codable=False)]
    with pytest.raises(DataValidationError) as info:
        read_qda_export(coded_project(tmp_path, book, ["A/w", "B/w"]), CODEBOOK)
    problems = info.value.problems
    assert [p.message.split(" (")[0] for p in problems] == [
        "code 'A/willingness' is not in the codebook",
        "code 'B/willingness' is not in the codebook"]
    assert all("nested" in p.hint and "did you mean 'willingness'" in p.hint for p in problems)


def test_case_and_spaces_are_folded_and_unknown_codes_are_listed_at_once(tmp_path):
    names = ["Wifi Infrastructure", "wifi_infra", "wilingness", "zomaar iets", "wifi_infra"]
    book = [code(n) for n in dict.fromkeys(names)]
    with pytest.raises(DataValidationError) as info:
        read_qda_export(coded_project(tmp_path, book, names), CODEBOOK)
    problems = info.value.problems
    assert [p.message for p in problems] == [
        "code 'wifi_infra' is not in the codebook (2 segments in 'i')",
        "code 'wilingness' is not in the codebook (1 segment in 'i')",
        "code 'zomaar iets' is not in the codebook (1 segment in 'i')"]
    assert problems[0].hint.startswith("did you mean 'wifi_infrastructure'?")
    assert problems[1].hint.startswith("did you mean 'willingness'?")
    assert not problems[2].hint.startswith("did you mean")
    assert "(and 2 more problems)" in str(info.value) and "\n" not in str(info.value)


def test_the_console_lists_every_problem_up_to_twenty(capsys):
    problems = [Problem("p.qdpx", None, "code", f"code 'c{i}' is not in the codebook")
                for i in range(25)]
    cli._list_problems(DataValidationError(problems))
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].strip() == "p.qdpx:code: code 'c1' is not in the codebook"
    assert len(lines) == cli.SHOWN_PROBLEMS
    assert lines[-1].strip() == f"... and {25 - cli.SHOWN_PROBLEMS} more"


def test_a_codebook_only_project_says_so(tmp_path):
    path = write_qdpx(tmp_path / "atlas_codebook.qdpx", project(
        [code("wifi_infrastructure"), code("willingness")], [source("i", text=CODES_TEXT)]))
    with pytest.raises(DataValidationError, match=r"holds a codebook \(2 codes\) but no codings"):
        read_qda_export(path, CODEBOOK)


# --------------------------------------------------------------------------- two coders

TWO_TEXT = ("De wifi in dit gebouw is echt belabberd. Ik wil het graag leren, echt. "
            "Er is geen visie op onderwijs. Roosters zitten te vol voor iets nieuws. "
            "Wifi en wil gaan hier samen op.")
# (coder, part, shift of start/end, codes); each code of a passage is its own selection,
# as MAXQDA exports them
TWO_CODERS = [
    ("Anna", "De wifi in dit gebouw is echt belabberd.", (0, 0), ["wifi_infrastructure"]),
    ("Bram", "De wifi in dit gebouw is echt belabberd.", (1, -1), ["wifi_infrastructure"]),
    ("Anna", "Ik wil het graag leren, echt.", (0, 0), ["willingness"]),
    ("Bram", "Ik wil het graag leren, echt.", (0, -2), ["vision_missing"]),
    ("Anna", "Er is geen visie op onderwijs.", (0, 0), ["vision_missing"]),
    ("Bram", "Roosters zitten te vol voor iets nieuws.", (0, 0), ["rooms_timetables"]),
    ("Anna", "Wifi en wil gaan hier samen op.", (0, 0), ["wifi_infrastructure", "willingness"]),
    ("Bram", "Wifi en wil gaan hier samen op.", (2, 0), ["wifi_infrastructure", "willingness"]),
]


def two_coder_project(tmp_path: Path) -> Path:
    selections = [selection(f"{coder}{i}{c}", *span(TWO_TEXT, part, shift), coder, c)
                  for i, (coder, part, shift, codes) in enumerate(TWO_CODERS) for c in codes]
    used = sorted({c for *_, codes in TWO_CODERS for c in codes})
    qde = project([code(c) for c in used], [source("interview", *selections)],
                  cases=f'<Case guid="{gid("case:a")}" name="Instelling A">'
                        f'<SourceRef targetGUID="{gid("src:interview")}"/></Case>')
    return write_qdpx(tmp_path / "two.qdpx", qde, {"interview": TWO_TEXT})


def expected_passages(threshold: float = OVERLAP_THRESHOLD) -> list[list[int]]:
    """The passages by the unit rule, computed pairwise: groups of TWO_CODERS rows."""
    spans = [span(TWO_TEXT, part, shift) for _, part, shift, _ in TWO_CODERS]
    groups = [{i} for i in range(len(spans))]

    def match(a, b):
        overlap = min(a[1], b[1]) - max(a[0], b[0])
        return overlap > 0 and overlap >= threshold * max(a[1] - a[0], b[1] - b[0])

    merged = True
    while merged:
        merged = False
        for g in groups:
            for h in groups:
                if g is not h and any(match(spans[i], spans[j]) for i in g for j in h):
                    g |= h
                    groups.remove(h)
                    merged = True
                    break
            if merged:
                break
    return sorted(sorted(g) for g in groups)


def unit_matrix(codes: list[str], one_coder: bool) -> dict[str, np.ndarray]:
    """Per code a units x (Anna, Bram) 0/1 matrix; NaN for a coder without the passage."""
    out = {}
    for c in codes:
        rows = []
        for group in expected_passages():
            coders = {TWO_CODERS[i][0] for i in group}
            if len(coders) < 2 and not one_coder:
                continue
            rows.append([float(any(TWO_CODERS[i][0] == who and c in TWO_CODERS[i][3]
                                   for i in group)) for who in ("Anna", "Bram")])
        out[c] = np.array(rows)
    return out


def kappa_by_hand(matrix: np.ndarray) -> float:
    a, b = matrix[:, 0], matrix[:, 1]
    observed = np.mean(a == b)
    chance = a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean())
    return (observed - chance) / (1 - chance)


def test_the_unit_rule_matches_shifted_selections_and_keeps_one_coder_passages(tmp_path):
    read = read_qda_export(two_coder_project(tmp_path), CODEBOOK)
    assert expected_passages() == [[0, 1], [2, 3], [4], [5], [6, 7]]
    assert read.fragments["fragment_id"].nunique() == len(expected_passages())
    wifi = read.fragments[read.fragments["text"] == "De wifi in dit gebouw is echt belabberd."]
    assert wifi[["code", "coder"]].values.tolist() == [["wifi_infrastructure", "Anna;Bram"]]
    shared = read.fragments[read.fragments["text"].str.startswith("Ik wil")]
    # one vote each: codebook order (vision_missing before willingness)
    assert shared[["code", "coder"]].values.tolist() == [["vision_missing", "Bram"],
                                                          ["willingness", "Anna"]]
    assert read.units["fragment_id"].nunique() == len(expected_passages())


@pytest.mark.parametrize("one_coder", [True, False])
def test_agreement_equals_krippendorff_and_kappa_on_the_tests_own_unit_matrix(
        tmp_path, one_coder):
    read = read_qda_export(two_coder_project(tmp_path), CODEBOOK)
    codes = [c for c in CODEBOOK.names if c in set(read.units["code"])]
    table = coder_agreement(read.units, codes=codes).set_index("code")
    matrices = unit_matrix(codes, one_coder)
    suffix = "" if one_coder else "_paired"
    for c in codes:
        matrix = matrices[c]
        if len(np.unique(matrix)) < 2:
            assert np.isnan(table.loc[c, "alpha" + suffix])
            continue
        alpha = krippendorff.alpha(reliability_data=matrix.T, level_of_measurement="nominal")
        assert table.loc[c, "alpha" + suffix] == pytest.approx(alpha, abs=1e-12)
        assert table.loc[c, "kappa" + suffix] == pytest.approx(kappa_by_hand(matrix), abs=1e-12)
    pooled = np.vstack([matrices[c] for c in codes])
    assert table.loc[OVERALL, "alpha" + suffix] == pytest.approx(
        krippendorff.alpha(reliability_data=pooled.T, level_of_measurement="nominal"))
    assert table.loc[OVERALL, "kappa" + suffix] == pytest.approx(kappa_by_hand(pooled))
    assert table.loc[OVERALL, "n_one_coder"] == 2
    assert table.loc[OVERALL, "n_fragments"] == 5  # one-coder passages counted


def test_one_coder_passages_move_alpha_and_the_paired_columns_ignore_them(tmp_path):
    read = read_qda_export(two_coder_project(tmp_path), CODEBOOK)
    table = coder_agreement(read.units).set_index("code")
    # rooms_timetables: only Bram, one passage: a disagreement by default
    assert table.loc["rooms_timetables", "alpha_paired"] != table.loc["rooms_timetables", "alpha"]
    assert table.loc["willingness", "kappa_paired"] == pytest.approx(
        kappa_by_hand(unit_matrix(["willingness"], one_coder=False)["willingness"]))


def test_character_agreement_counts_characters_as_qualcoder(tmp_path):
    read = read_qda_export(two_coder_project(tmp_path), CODEBOOK)
    table = coder_agreement(read.units).set_index("code")
    a = np.zeros(len(TWO_TEXT), bool)
    b = np.zeros(len(TWO_TEXT), bool)
    for coder, part, shift, codes in TWO_CODERS:
        if "wifi_infrastructure" in codes:
            start, end = span(TWO_TEXT, part, shift)
            (a if coder == "Anna" else b)[start:end] = True
    expected = ((a & b).sum() + (~a & ~b).sum()) / len(TWO_TEXT)
    assert table.loc["wifi_infrastructure", "char_agreement"] == pytest.approx(expected)
    assert list(table.reset_index().columns) == list(UNIT_AGREEMENT_COLUMNS)


def test_build_writes_agreement_and_the_import_report(raw_copy, tmp_path):
    (raw_copy / "fragments.csv").unlink()
    two_coder_project(tmp_path).rename(raw_copy / "coded_segments.qdpx")
    pipeline.prepare(raw_copy, tmp_path / "p")
    agreement = pd.read_csv(tmp_path / "p" / "agreement.csv").set_index("code")
    assert agreement.loc[OVERALL, "n_fragments"] == 5
    assert agreement.loc[OVERALL, "n_one_coder"] == 2
    report = pd.read_csv(tmp_path / "p" / "qda_import.csv").set_index("coder")
    assert report.loc["Anna", ["codings", "passages", "matched_passages",
                               "one_coder_passages"]].tolist() == [5, 4, 3, 1]
    assert report.loc["Bram", ["codings", "passages", "matched_passages",
                               "one_coder_passages"]].tolist() == [5, 4, 3, 1]
    assert set(report["institution"]) == {"Instelling A"}


# --------------------------------------------------------------------------- the rule


def spans_frame(*spans: tuple[int, int]) -> pd.DataFrame:
    return pd.DataFrame({"document": ["d"] * len(spans), "start": [s for s, _ in spans],
                         "end": [e for _, e in spans], "text": ["x"] * len(spans)})


@pytest.mark.parametrize(("a", "b", "one"), [
    ((0, 10), (1, 10), True),      # overlap 9 = 90% of the longer (10)
    ((0, 10), (2, 10), False),     # overlap 8 < 9
    ((0, 10), (1, 11), True),      # shifted by one: 9 of each 10
    ((0, 10), (10, 20), False),    # touching
    ((0, 100), (0, 90), True),     # nested, 90% of the longer
    ((0, 100), (40, 50), False),   # a sentence inside a paragraph: its own passage
    ((0, 10), (0, 10), True),      # identical
])
def test_the_overlap_threshold_boundary(a, b, one):
    ids = passage_ids(spans_frame(a, b))
    assert (ids.iloc[0] == ids.iloc[1]) is one


def test_passages_chain_and_other_documents_stay_apart():
    frame = pd.concat([spans_frame((0, 100), (9, 109), (18, 118), (100, 200)),
                       spans_frame((0, 100)).assign(document="e")], ignore_index=True)
    ids = passage_ids(frame).tolist()
    # (0, 100) and (18, 118) overlap 82 < 90, but both match (9, 109) by 91;
    # (100, 200) overlaps (18, 118) by 18 only
    assert ids == ["d@0-118", "d@0-118", "d@0-118", "d@100-200", "e@0-100"]
    assert passage_ids(spans_frame()).empty
    with pytest.raises(ValueError, match="threshold"):
        passage_ids(spans_frame((0, 1)), threshold=0)


# --------------------------------------------------------------------------- archives


def damage(path: Path, member: str, how: str) -> Path:
    """Overwrite bytes of ``member``'s stored data: its content (CRC) or its deflate stream."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    if how == "crc":
        data[start + 3] ^= 0x01
    else:
        data[start : start + 4] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(("compression", "how", "reason"), [
    (zipfile.ZIP_STORED, "crc", "checksum does not match"),
    (zipfile.ZIP_DEFLATED, "deflate", "compressed data are corrupt"),
])
def test_a_damaged_member_is_one_line_naming_it(tmp_path, compression, how, reason):
    path = damage(write_qdpx(tmp_path / "p.qdpx", project(
        [code("willingness")], [source("i", selection("s", 0, 3, "Anna", "willingness"))]),
        {"i": "Ja, ik wil."}, compression=compression), "sources/i.txt", how)
    with pytest.raises(CodingError) as info:
        read_coded_segments(path)
    message = str(info.value)
    assert "sources/i.txt in the archive cannot be unpacked" in message and reason in message
    assert "\n" not in message and "copy it again" in message


def test_a_truncated_archive_is_one_line(tmp_path):
    path = maxqda_project(tmp_path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CodingError, match="not a valid zip archive") as info:
        read_coded_segments(path)
    assert "\n" not in str(info.value)


def test_a_member_over_the_cap_is_refused_before_it_is_unpacked(tmp_path, monkeypatch):
    monkeypatch.setattr(qda, "MAX_MEMBER_BYTES", 10_000)
    text = "a" * 50_000  # compresses to a few hundred bytes
    path = write_qdpx(tmp_path / "bomb.qdpx", project(
        [code("willingness")], [source("i", selection("s", 0, 3, "Anna", "willingness"))]),
        {"i": text})
    assert path.stat().st_size < 10_000
    with pytest.raises(CodingError) as info:
        read_coded_segments(path)
    assert "sources/i.txt in the archive unpacks to 50,000 bytes" in str(info.value)
    assert "10,000 a member may have" in str(info.value)


def test_all_members_together_are_capped(tmp_path, monkeypatch):
    sources = [source(f"i{k}", selection(f"s{k}", 0, 3, "Anna", "willingness"))
               for k in range(3)]
    qde = project([code("willingness")], sources)
    monkeypatch.setattr(qda, "MAX_TOTAL_BYTES", len(qde.encode()) + 2_500)
    path = write_qdpx(tmp_path / "many.qdpx", qde, {f"i{k}": "b" * 1_000 for k in range(3)})
    with pytest.raises(CodingError, match=r"sources/i2\.txt .* all members together"):
        read_coded_segments(path)


def test_a_csv_export_over_the_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(qda, "MAX_MEMBER_BYTES", 100)
    path = tmp_path / "big.csv"
    path.write_text("id,document,tag,content\n" + "1,d,willingness,x\n" * 20, encoding="utf-8")
    with pytest.raises(CodingError, match="more than the 100 an export may have"):
        read_coded_segments(path)


# --------------------------------------------------------------------------- Taguette xlsx


def test_taguette_xlsx_is_read_like_its_csv(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "highlights"
    for row in (["id", "document", "tag", "content"], ["7", "roc_a", "willingness", "Ik wil."],
                ["7", "roc_a", "wifi_infrastructure", "Ik wil."], [None, None, None, None],
                ["8", "roc_a", "", "Zonder tag."]):
        sheet.append(row)
    raw = tmp_path / "raw"
    raw.mkdir()
    book.save(raw / "coded_segments.xlsx")
    path = find_qda_export(raw)
    assert path == raw / "coded_segments.xlsx"
    with pytest.warns(qda.CodingWarning, match="highlight has no tag"):
        result = read_coded_segments(path, CODEBOOK.names)
    assert result.segments[["fragment_id", "code", "text"]].values.tolist() == [
        ["coded_segments#7", "willingness", "Ik wil."],
        ["coded_segments#7", "wifi_infrastructure", "Ik wil."]]
    assert result.dropped["fragment_id"].tolist() == ["coded_segments#8"]
    assert [p.row for p in result.problems] == [5]


def test_a_damaged_xlsx_is_one_line(tmp_path):
    path = tmp_path / "coded_segments.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(CodingError, match="not a readable Excel workbook") as info:
        read_coded_segments(path)
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- CSV exports

QUALCODER_HEADER = '"File","Coder","Coded","Id","Codename","Coded_Memo","FileVar_school"'


def qualcoder_csv(tmp_path: Path) -> Path:
    rows = [("i1.txt", "anna", "Ik wil leren.", "ctid:1", "willingness"),
            ("i1.txt", "bram", " Ik wil leren. ", "ctid:2", "willingness"),
            ("i1.txt", "anna", "Geen visie.", "ctid:3", "vision_missing")]
    lines = [QUALCODER_HEADER] + [
        ",".join(f'"{cell}"' for cell in (*row, "", "Instelling C")) for row in rows]
    path = tmp_path / "coded_segments.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return path


def test_a_qualcoder_csv_matches_passages_on_their_text(tmp_path):
    read = read_qda_export(qualcoder_csv(tmp_path), CODEBOOK, case_variable="school")
    assert read.fragments["fragment_id"].nunique() == 2
    assert set(read.fragments["institution"]) == {"Instelling C"}
    table = coder_agreement(read.units).set_index("code")
    assert table.loc[OVERALL, ["n_fragments", "n_one_coder"]].tolist() == [2, 1]
    assert np.isnan(table.loc[OVERALL, "char_agreement"])  # a CSV has no positions


def test_a_qualcoder_csv_without_the_case_variable_lists_its_variables(tmp_path):
    with pytest.raises(CodingError, match=r"no variable 'instelling'.*'school'"):
        read_qda_export(qualcoder_csv(tmp_path), CODEBOOK, case_variable="instelling")


def test_case_variable_without_a_qda_export_is_refused(raw_copy, tmp_path):
    with pytest.raises(pipeline.ReadinessError, match="--case-variable names a variable"):
        pipeline.prepare(raw_copy, tmp_path / "p", case_variable="Instelling")


def test_the_cli_passes_case_variable_to_the_build():
    args = cli._parser().parse_args(["build", "--case-variable", "Instelling"])
    assert args.case_variable == "Instelling"
    assert cli._parser().parse_args(["build"]).case_variable is None


def naive_unitized_alpha(coders: list[list[tuple[int, int]]], length: int) -> float:
    """Krippendorff's (1995) unitized alpha, every pair of sections compared (test only)."""
    def sections(units):
        out, pos = [], 0
        for b, e in sorted(units):
            out += [(pos, b, False)] if b > pos else []
            out.append((b, e, True))
            pos = e
        return out + ([(pos, length, False)] if pos < length else [])

    def delta(s, t):
        if s[2] and t[2]:
            return (s[0] - t[0]) ** 2 + (s[1] - t[1]) ** 2
        if s[2] and t[0] <= s[0] and s[1] <= t[1]:
            return (s[1] - s[0]) ** 2
        if t[2] and s[0] <= t[0] and t[1] <= s[1]:
            return (t[1] - t[0]) ** 2
        return 0

    m = len(coders)
    secs = [sections(u) for u in coders]
    d_o = sum(delta(s, t) for i in range(m) for j in range(i + 1, m) for s in secs[i]
              for t in secs[j] if min(s[1], t[1]) > max(s[0], t[0]))
    d_o = 2 * d_o / (m * (m - 1) * length**2)
    units = [e - b for u in coders for b, e in u]
    gaps = [e - b for s in secs for b, e, unit in s if not unit]
    n = len(units)
    d_e = sum((n - 1) * (2 * x**3 - 3 * x**2 + x) / 3 + x * x * sum(g - x + 1 for g in gaps
                                                                     if g >= x) for x in units)
    d_e = d_e * 2 / length / (m * length * (m * length - 1) - sum(x * (x - 1) for x in units))
    return 1 - d_o / d_e


def test_unitized_alpha_per_code_equals_a_naive_computation(tmp_path):
    read = read_qda_export(two_coder_project(tmp_path), CODEBOOK)
    table = coder_agreement(read.units).set_index("code")
    for c in ("wifi_infrastructure", "willingness"):
        coders = [[span(TWO_TEXT, part, shift) for who, part, shift, codes in TWO_CODERS
                   if who == name and c in codes] for name in ("Anna", "Bram")]
        expected = naive_unitized_alpha(coders, len(TWO_TEXT))
        assert table.loc[c, "alpha_unitized"] == pytest.approx(expected, abs=1e-12)
    assert np.isnan(table.loc[OVERALL, "alpha_unitized"])


def test_many_selections_are_matched_in_one_pass():
    n = 20_000
    starts = np.arange(n) * 100
    frame = pd.DataFrame({"document": "d", "start": np.concatenate([starts, starts + 1]),
                          "end": np.concatenate([starts + 50, starts + 52]), "text": "x"})
    ids = passage_ids(frame)
    assert ids.nunique() == n
    assert (ids.iloc[:n].to_numpy() == ids.iloc[n:].to_numpy()).all()


def test_an_export_without_segments_has_an_empty_import_report():
    from readiness_analysis.io.qda import SEGMENT_COLUMNS, CodedSegments
    from readiness_analysis.io.qda_fragments import import_report

    empty = pd.DataFrame(columns=list(SEGMENT_COLUMNS))
    report = import_report(CodedSegments(empty, empty, ()))
    assert report.empty and list(report.columns) == list(QDA_IMPORT_COLUMNS)


def test_the_build_command_prints_a_damaged_project_as_one_line(raw_copy, tmp_path, capsys):
    (raw_copy / "fragments.csv").unlink()
    path = write_qdpx(raw_copy / "coded_segments.qdpx", project(
        [code("willingness")], [source("i", selection("s", 0, 3, "Anna", "willingness"))]),
        {"i": "Ja, ik wil."}, compression=zipfile.ZIP_STORED)
    damage(path, "sources/i.txt", "crc")
    status = cli.main(["build", "--raw", str(raw_copy), "--processed", str(tmp_path / "p"),
                       "--reports", str(tmp_path / "r"), "--no-progress"])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error")]
    assert status == 2 and "Traceback" not in err
    assert len(errors) == 1 and "sources/i.txt in the archive cannot be unpacked" in errors[0]


def test_an_interview_one_coder_coded_has_no_one_coder_passages_as_agreement_counts_none():
    segments = pd.DataFrame({
        "fragment_id": [f"x#{i}" for i in range(4)], "document": ["two", "two", "two", "one"],
        "case": ["A"] * 4, "coder": ["an", "bo", "an", "an"], "code": ["k"] * 4,
        "start": [0, 0, 30, 0], "end": [10, 10, 40, 10], "text": ["t"] * 4})
    empty = pd.DataFrame(columns=list(qda.SEGMENT_COLUMNS))
    report = import_report(qda.CodedSegments(segments, empty, ()))
    counts = report.set_index(["document", "coder"])[["passages", "matched_passages",
                                                       "one_coder_passages"]]
    assert counts.loc[("two", "an")].tolist() == [2, 1, 1]
    assert counts.loc[("one", "an")].tolist() == [1, 0, 0]  # no second coder: nothing to agree
