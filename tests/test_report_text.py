"""Report text: cleaning steps in the report's language, agreement bands, reliability notes,
and the cached study-wide reliability table."""

from __future__ import annotations

import ast
import dataclasses
import html
import os
import re
import shutil
from collections import OrderedDict
from pathlib import Path

import pandas as pd
import pytest

from readiness_analysis import clean, pipeline, reporting, sections
from readiness_analysis.reporting import STEP_LABELS, step_label

from .conftest import RAW

# Rows that each trip one cleaning step of clean.clean_scan (the demo file has 38 columns).
_ITEMS = ",".join(["3"] * 34)
BAD_ROWS = [
    "," * 37,                                          # drop blank rows
    "respondent_id,institution" + "," * 36,            # drop extra header rows
    f",Instelling A,1,1,{_ITEMS}",                     # require respondent_id
    f"X-1,,1,1,{_ITEMS}",                              # require institution
    f"X-2,Instelling A,1,1,abc,{_ITEMS[2:]}",          # check answers
    f"X-3,Instelling A,0,1,{_ITEMS}",                  # check n_teachers
    f"X-4,Instelling A,1,x,{_ITEMS}",                  # check wave
    f"A-1-0001,Instelling A,1,1,{_ITEMS}",             # drop duplicates
    f"X-5,Instelling A,1,1,{_ITEMS},9,9",              # read (more cells than the header)
]


@pytest.fixture(scope="module")
def rejecting_build(tmp_path_factory) -> Path:
    """Processed data of the demo scan plus one row for every way a row can be rejected."""
    base = tmp_path_factory.mktemp("rejecting")
    raw = base / "raw"
    shutil.copytree(RAW, raw)
    scan = raw / "scan_responses.csv"
    scan.write_text(scan.read_text(encoding="utf-8").rstrip("\n") + "\n"
                    + "\n".join(BAD_ROWS) + "\n", encoding="utf-8")
    pipeline.prepare(raw, base / "p")
    return base / "p"


def _cells(frame: pd.DataFrame) -> list[str]:
    return [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", reporting.table(frame).data)]


# --- cleaning steps -----------------------------------------------------------------------


def test_every_step_clean_emits_has_a_dutch_and_an_english_label(rejecting_build):
    log = pd.read_csv(rejecting_build / "cleaning_log.csv")
    emitted = set(log["step"])
    for lang in ("nl", "en"):
        assert emitted <= set(STEP_LABELS[lang]), emitted - set(STEP_LABELS[lang])
    # the fixture trips every labelled rejection step, so the labels are all in use
    acted = (log["rejected"] > 0) | (log["blank"] > 0)  # blank rows: set aside, not rejected
    # "set invalid answers to missing" (invalid_answers="missing") rejects no row; its
    # labels are checked in tests/test_invalid_answers.py
    never_rejects = {"note", "set invalid answers to missing"}
    assert set(log.loc[acted, "step"]) == set(STEP_LABELS["nl"]) - never_rejects
    assert "note" in emitted


def _step_arguments(tree: ast.AST):
    """Step arguments in clean.py: reject(_, step), reject_where(_, _, _, step), _step(step)."""
    position = {"reject": 1, "reject_where": 3, "_step": 0}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            index = position.get(node.func.attr)
            if index is not None and len(node.args) > index:
                yield node.args[index]
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "step":
                    yield value


def test_step_names_written_in_clean_source_have_labels():
    tree = ast.parse(Path(clean.__file__).read_text(encoding="utf-8"))
    literal, prefixes = set(), set()
    for arg in _step_arguments(tree):
        if isinstance(arg, ast.Constant):
            literal.add(arg.value)
        elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
            prefixes.add(arg.values[0].value)
    assert {"read", "note", "check answers", "drop duplicates"} <= literal
    assert literal <= set(STEP_LABELS["nl"]) & set(STEP_LABELS["en"])
    # f-string steps ("require {column}", "check {column}") over the meta columns
    assert prefixes == {"require ", "check "}
    for column in clean.REQUIRED:
        assert f"require {column}" in STEP_LABELS["nl"]
    for column in set(clean.META_COLUMNS) - set(clean.REQUIRED):
        assert f"check {column}" in STEP_LABELS["en"]


def test_dutch_and_english_labels_are_complete_and_readable():
    assert set(STEP_LABELS["nl"]) == set(STEP_LABELS["en"])
    for step, label in STEP_LABELS["nl"].items():
        assert label != step and "_" not in label
        assert STEP_LABELS["en"][step][0].isupper() and "_" not in STEP_LABELS["en"][step]


def test_dutch_rejection_table_shows_no_english_step_identifiers(rejecting_build):
    data = reporting.load_report_data(rejecting_build)
    cells = _cells(sections.rejection_steps(data, "nl"))
    for step in STEP_LABELS["nl"]:
        assert not any(step in cell for cell in cells), step
    assert "Lege rijen verwijderen" in cells and "Dubbele respondenten verwijderen" in cells
    english = _cells(sections.rejection_steps(data, "en"))
    assert "Remove blank rows" in english and "drop blank rows" not in english


def test_rejection_table_accounts_for_every_rejected_row(rejecting_build):
    data = reporting.load_report_data(rejecting_build)
    table = sections.rejection_steps(data, "nl")
    assert table["Afgewezen"].sum() + table["Leeg"].sum() == len(BAD_ROWS)
    assert table["Leeg"].sum() == 1  # the blank row: set aside, not rejected
    assert table["Stap"].iloc[0] == "Bestand inlezen (onleesbare rijen)"


def test_unknown_step_keeps_its_identifier(rejecting_build):
    data = reporting.load_report_data(rejecting_build)
    log = pd.DataFrame({"step": ["read", "a future step"], "rows_in": [5, 5],
                        "rows_out": [5, 4], "rejected": [0, 1], "blank": [0, 0],
                        "detail": ["", ""]})
    table = sections.rejection_steps(dataclasses.replace(data, cleaning_log=log), "nl")
    assert table["Stap"].tolist() == ["a future step"]
    assert step_label("a future step", "en") == "a future step"


# --- agreement bands and reliability notes ------------------------------------------------


def test_agreement_band_follows_the_report_language(rejecting_build):
    data = reporting.load_report_data(rejecting_build)
    agreement = pd.DataFrame({"code": ["k1"], "n_fragments": [10], "n_coders": [2],
                              "kappa": [0.5], "alpha": [0.85], "kappa_band": ["matig"],
                              "alpha_band": ["betrouwbaar"]})
    data = dataclasses.replace(data, agreement=agreement)
    assert sections.agreement_table(data, "en")["Verdict"].tolist() == ["reliable"]
    assert sections.agreement_table(data, "nl")["Oordeel"].tolist() == ["betrouwbaar"]


def test_reliability_table_explains_a_theme_whose_items_cancel_out(rejecting_build):
    data = reporting.load_report_data(rejecting_build)
    theme = next(t for t in data.instrument.theme_ids if len(data.instrument.items_of(t)) == 3)
    first, second, third = data.instrument.items_of(theme)
    n = len(data.responses)
    x, y = [1.0 + i % 2 for i in range(n)], [1.0 + (i // 2) % 2 for i in range(n)]
    responses = data.responses.assign(**{first: x, second: y,
                                         third: [6 - a - b for a, b in zip(x, y, strict=True)]})
    table = reporting.reliability_table(dataclasses.replace(data, responses=responses), "nl")
    row = table.set_index("Thema").loc[data.instrument.theme_label(theme, "nl")]
    assert row["alpha"] == "–"
    assert "heffen elkaar op" in row["Opmerking"]
    numbers = " ".join(table[["alpha", "omega"]].astype(str).to_numpy().ravel())
    assert "inf" not in numbers and "∞" not in numbers


# --- the cached study-wide reliability table ----------------------------------------------


@pytest.fixture
def processed(rejecting_build, tmp_path, monkeypatch) -> Path:
    """A private copy of the processed data, an empty cache, and a call counter."""
    target = tmp_path / "p"
    shutil.copytree(rejecting_build, target)
    monkeypatch.setattr(reporting, "_RELIABILITY_CACHE", OrderedDict())
    return target


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    made: list[str] = []
    compute = reporting.reliability_table

    def counting(data, lang="nl"):
        made.append(lang)
        return compute(data, lang)

    monkeypatch.setattr(reporting, "reliability_table", counting)
    return made


def test_second_call_is_served_from_the_cache(processed, calls):
    first, n = reporting.study_reliability_table(processed)
    second, n_again = reporting.study_reliability_table(str(processed))
    assert calls == ["nl"]
    pd.testing.assert_frame_equal(first, second)
    assert n == n_again == len(pd.read_parquet(processed / "responses.parquet"))
    reporting.study_reliability(processed, "nl")
    assert calls == ["nl"]


def test_language_is_part_of_the_key(processed, calls):
    reporting.study_reliability_table(processed, "nl")
    english, _ = reporting.study_reliability_table(processed, "en")
    assert calls == ["nl", "en"]
    assert "Theme" in english.columns


def test_changed_responses_are_never_served_stale(processed, calls):
    _, n = reporting.study_reliability_table(processed)
    path = processed / "responses.parquet"
    before = path.stat()
    pd.read_parquet(path).iloc[:-1].to_parquet(path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # same mtime: content counts
    _, n_after = reporting.study_reliability_table(processed)
    assert calls == ["nl", "nl"]
    assert n_after == n - 1


def test_changed_provenance_invalidates_the_cache(processed, calls):
    reporting.study_reliability_table(processed)
    provenance = processed / "provenance.json"
    provenance.write_text(provenance.read_text(encoding="utf-8") + " ", encoding="utf-8")
    reporting.study_reliability_table(processed)
    assert calls == ["nl", "nl"]


def test_cached_table_cannot_be_changed_by_a_caller(processed, calls):
    table, _ = reporting.study_reliability_table(processed)
    table.iloc[0, 0] = "changed"
    again, _ = reporting.study_reliability_table(processed)
    assert again.iloc[0, 0] != "changed"
    assert calls == ["nl"]


def test_cache_matches_the_direct_computation(processed):
    cached, n = reporting.study_reliability_table(processed, "en")
    data = reporting.load_report_data(processed)
    pd.testing.assert_frame_equal(cached, reporting.reliability_table(data, "en"))
    block = reporting.study_reliability(processed, "en").data
    assert f"estimated from {n} respondents" in block and "<table" in block


def test_missing_processed_files_raise_the_usual_error(tmp_path, monkeypatch):
    monkeypatch.setattr(reporting, "_RELIABILITY_CACHE", OrderedDict())
    with pytest.raises(reporting.ReadinessError, match="processed data missing"):
        reporting.study_reliability_table(tmp_path)


def test_untested_themes_are_explained_in_dutch(rejecting_build):
    data = reporting.load_report_data(rejecting_build)
    one = data.scores[data.scores["institution"] == "Instelling A"]
    table = sections.group_differences(dataclasses.replace(data, scores=one), "nl")
    assert set(table["Toelichting"]) == {"minder dan twee instellingen: niets te vergelijken"}
    english = sections.group_differences(dataclasses.replace(data, scores=one), "en")
    assert english["Note"].str.contains("nothing to compare").all()


@pytest.mark.parametrize("lang, interviews, teachers", [
    ("nl", "aandeel interviews", "aandeel docenten"),
    ("en", "share of interviews", "share of teachers")])
def test_reading_guide_says_what_weighted_figures_count(lang, interviews, teachers):
    from readiness_analysis.reporting import reading_guide

    plain, weighted = reading_guide(lang).data, reading_guide(lang, weighted=True).data
    assert interviews in plain and teachers not in plain
    assert teachers in weighted and interviews not in weighted
    assert "bootstrap over interviews" in weighted and "{" not in plain + weighted


def test_missing_processed_data_under_a_relative_path_names_the_working_folder(tmp_path,
                                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(reporting.ReadinessError) as info:
        reporting.load_report_data("../data/processed")
    message = str(info.value)
    assert "processed data missing: responses.parquet" in message
    assert f"relative to the working folder {tmp_path}" in message
    with pytest.raises(reporting.ReadinessError) as info:
        reporting.load_report_data(tmp_path / "absent")
    assert "relative to the working folder" not in str(info.value)
