"""``invalid_answers="missing"``: an invalid item answer becomes NA instead of rejecting
its row, with a located warning per cell and one step in the cleaning log.

Boundaries decided here:

* a row whose every answer is invalid is kept with all items NA, as the default path
  keeps a row with an identifier and institution but only empty answers;
* a row with an invalid answer and a meta problem is rejected for the meta problem only,
  and its invalid answers are not reported (only kept rows' cells are set to missing);
* ``reject`` (the default) behaves as before.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from readiness_analysis import pipeline
from readiness_analysis.build import _jobs
from readiness_analysis.clean import clean_scan
from readiness_analysis.cli import main
from readiness_analysis.coding import DEFAULT_CODEBOOK
from readiness_analysis.contracts import validate_responses
from readiness_analysis.incremental import fingerprints
from readiness_analysis.ingest import RawTable, read_scan
from readiness_analysis.instrument import load_instrument
from readiness_analysis.reporting import STEP_LABELS, step_label

from .conftest import NOTEBOOKS, RAW

KEY = b"invalid"
INSTRUMENT = load_instrument()
STEP = "set invalid answers to missing"


def _raw(columns: dict[str, list]) -> RawTable:
    frame = pd.DataFrame(columns, dtype=object)
    return RawTable(frame, range(2, 2 + len(frame)), "t.csv")


def _clean(columns: dict[str, list], mode: str = "missing"):
    return clean_scan(_raw(columns), INSTRUMENT, key=KEY, invalid_answers=mode)


MIXED = {
    "respondent_id": ["r1", "r2", "r3", "r4"],
    "institution": ["A", "A", "A", "A"],
    "def_1": ["7", "3,5", "abc", "4"],
    "def_2": ["2", "5", "1", "3"],
}


def test_default_rejects_rows_as_before():
    result = _clean(MIXED, "reject")
    assert len(result.responses) == 1 and len(result.rejected) == 3
    assert "check answers" in set(result.log["step"]) and STEP not in set(result.log["step"])
    assert clean_scan(_raw(MIXED), INSTRUMENT, key=KEY).log.equals(result.log)


def test_missing_keeps_rows_with_the_cell_na_and_a_located_warning():
    result = _clean(MIXED)
    assert len(result.responses) == 4 and result.rejected.empty and result.problems == []
    assert result.responses["def_1"].isna().tolist() == [True, True, True, False]
    assert result.responses["def_2"].tolist() == [2.0, 5.0, 1.0, 3.0]
    cells = [w for w in result.warnings if w.message.endswith("; set to missing")]
    assert [(w.file, w.row, w.column) for w in cells] == [
        ("t.csv", 2, "def_1"), ("t.csv", 3, "def_1"), ("t.csv", 4, "def_1")]
    assert str(cells[0]).startswith("t.csv:2:def_1: value '7' is outside the scale 1-5")
    assert "unknown answer 'abc'" in cells[2].message
    # the same message as the rejection, with "set to missing" added
    rejected = _clean(MIXED, "reject").problems
    assert [w.message for w in cells] == [f"{p.message}; set to missing" for p in rejected]
    validate_responses(result.responses, INSTRUMENT)


def test_missing_logs_one_step_with_the_number_of_cells():
    result = _clean(MIXED)
    log = result.log.set_index("step")
    assert list(result.log["step"]).count(STEP) == 1 and "check answers" not in log.index
    row = log.loc[STEP]
    assert row["rows_in"] == row["rows_out"] == 4
    assert row["rejected"] == 0 and row["blank"] == 0
    assert row["detail"] == "3 cells"
    assert result.n_raw == len(result.responses) + len(result.rejected) + result.n_blank
    # the column warning for numbers outside the scale says what happened to them
    column = [w for w in result.warnings if w.row == 1 and w.column == "def_1"]
    assert column and column[0].message.endswith("their cells are set to missing")


def test_the_step_is_logged_also_when_no_answer_was_invalid():
    result = _clean({"respondent_id": ["r1"], "institution": ["A"], "def_1": ["4"]})
    step = result.log[result.log["step"] == STEP]
    assert step["detail"].tolist() == ["0 cells"] and step["rejected"].tolist() == [0]


def test_row_with_every_answer_invalid_is_kept_as_an_all_empty_row_is():
    items = INSTRUMENT.item_ids
    invalid = {"respondent_id": ["r1"], "institution": ["A"], **{i: ["9"] for i in items}}
    empty = {"respondent_id": ["r1"], "institution": ["A"], **{i: [None] for i in items}}
    kept = _clean(invalid)
    default = clean_scan(_raw(empty), INSTRUMENT, key=KEY)  # the default path's all-NA row
    assert len(default.responses) == 1
    assert len(kept.responses) == 1 and kept.responses[items].isna().all(axis=None)
    assert kept.log.set_index("step").loc[STEP, "detail"] == f"{len(items)} cells"
    pd.testing.assert_frame_equal(kept.responses, default.responses)


@pytest.mark.parametrize("meta, column", [
    ({"respondent_id": [None]}, "respondent_id"),
    ({"institution": [" "]}, "institution"),
    ({"wave": ["x"]}, "wave"),
    ({"n_teachers": ["0"]}, "n_teachers"),
])
def test_invalid_answer_and_meta_problem_rejects_for_the_meta_problem(meta, column):
    row = {"respondent_id": ["r1"], "institution": ["A"], "def_1": ["7"], **meta}
    columns = {k: [*v, ok] for k, v, ok in zip(
        row, row.values(), ["r2", "A", "3", "1", "1"], strict=False)}
    result = _clean(columns)
    assert result.rejected["column"].tolist() == [column]
    assert [p.column for p in result.problems] == [column]
    assert not any(w.message.endswith("; set to missing") for w in result.warnings)
    assert len(result.responses) == 1
    assert result.log.set_index("step").loc[STEP, "detail"] == "0 cells"


def test_duplicate_with_an_invalid_answer_is_rejected_as_a_duplicate():
    result = _clean({"respondent_id": ["r1", "r1"], "institution": ["A", "A"],
                     "def_1": ["4", "abc"]})
    assert result.rejected["reason"].str.startswith("duplicate respondent_id").all()
    assert len(result.responses) == 1 and result.responses["def_1"].tolist() == [4.0]
    assert not any(w.message.endswith("; set to missing") for w in result.warnings)


def test_unknown_mode_is_an_error():
    with pytest.raises(ValueError, match="reject, missing"):
        _clean(MIXED, "drop")


def test_the_step_has_dutch_and_english_labels():
    assert step_label(STEP, "nl") == "Ongeldige antwoorden leeg gemaakt"
    assert step_label(STEP, "en") == "Invalid answers set to missing"
    assert STEP in STEP_LABELS["nl"] and STEP in STEP_LABELS["en"]


# --- validate -----------------------------------------------------------------------------


@pytest.fixture
def bad_scan(tmp_path) -> Path:
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,def_1,def_2\nr1,A,7,2\nr2,A,3,abc\nr3,A,4,4\n")
    return path


def test_validate_exits_zero_when_only_answers_were_invalid(bad_scan, capsys):
    assert main(["validate", str(bad_scan)]) == 1
    capsys.readouterr()
    assert main(["validate", "--invalid-answers", "missing", str(bad_scan)]) == 0
    out, err = capsys.readouterr()
    assert f"{bad_scan}:2:def_1: value '7' is outside the scale 1-5; set to missing" in out
    assert f"{bad_scan}:3:def_2: unknown answer 'abc'" in out
    assert "3 valid rows, 0 rejected" in err


def test_validate_still_fails_on_meta_problems_under_missing(tmp_path, capsys):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,def_1\nr1,,7\nr2,A,3\n")
    assert main(["validate", "--invalid-answers", "missing", str(path)]) == 1
    out = capsys.readouterr().out
    assert ":2:institution: institution is empty" in out and ":2:def_1:" not in out


def test_validate_rejects_an_unknown_mode(bad_scan):
    with pytest.raises(SystemExit):
        main(["validate", "--invalid-answers", "drop", str(bad_scan)])


# --- build and provenance -----------------------------------------------------------------


def test_build_flag_reaches_the_api(monkeypatch):
    from readiness_analysis import build as build_module
    from readiness_analysis.errors import ReadinessError

    seen = {}

    def fake_build(*args, **kwargs):
        seen.update(kwargs)
        raise ReadinessError("stop here")

    monkeypatch.setattr(build_module, "build", fake_build)
    assert main(["build", "--invalid-answers", "missing"]) == 2
    assert seen["invalid_answers"] == "missing"
    assert main(["build"]) == 2
    assert seen["invalid_answers"] == "reject"


def test_build_passes_the_mode_to_prepare(monkeypatch, tmp_path):
    from readiness_analysis import build as build_module
    from readiness_analysis.errors import ReadinessError

    seen = {}

    def fake_prepare(*args, **kwargs):
        seen.update(kwargs)
        raise ReadinessError("stop here")

    monkeypatch.setattr(build_module, "prepare", fake_prepare)
    with pytest.raises(ReadinessError):
        build_module.build(RAW, tmp_path / "p", tmp_path / "r", notebooks_dir=NOTEBOOKS,
                           invalid_answers="missing")
    assert seen["invalid_answers"] == "missing"


@pytest.fixture
def raw_with_bad_answers(tmp_path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    scan = raw / "scan_responses.csv"
    lines = scan.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    at = header.index("def_1")
    for i in (1, 2):  # two respondents with an answer off the scale
        cells = lines[i].split(",")
        cells[at] = "7"
        lines[i] = ",".join(cells)
    scan.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return raw


def _prints(processed: Path) -> list[str]:
    jobs = _jobs(["Instelling A"], NOTEBOOKS, processed.parent / "r", processed, "nl")
    return [f.digest for f in fingerprints(
        jobs, processed, instrument_source=INSTRUMENT.source,
        codebook_source=f"<package>/{DEFAULT_CODEBOOK}")]


def test_prepare_records_the_mode_and_switching_changes_the_fingerprints(
        raw_with_bad_answers, tmp_path):
    processed = tmp_path / "p"
    rejected = pipeline.prepare(raw_with_bad_answers, processed)
    before = _prints(processed)
    assert json.loads((processed / "provenance.json").read_text())["invalid_answers"] == \
        "reject"
    assert len(rejected.clean.rejected) == 2

    kept = pipeline.prepare(raw_with_bad_answers, processed, invalid_answers="missing")
    provenance = json.loads((processed / "provenance.json").read_text())
    assert provenance["invalid_answers"] == "missing"
    assert kept.clean.rejected.empty
    assert len(kept.clean.responses) == len(rejected.clean.responses) + 2
    log = pd.read_csv(processed / "cleaning_log.csv")
    assert log.loc[log["step"] == STEP, "detail"].tolist() == ["2 cells"]
    assert pd.read_csv(processed / "rejected_rows.csv").empty
    after = _prints(processed)
    assert all(a != b for a, b in zip(before, after, strict=True))  # every report renders


def test_the_recorded_mode_alone_changes_the_fingerprints(tmp_path):
    """The fingerprints read provenance.json: the recorded mode by itself re-renders."""
    processed = tmp_path / "p"
    pipeline.prepare(RAW, processed)
    before = _prints(processed)
    path = processed / "provenance.json"
    provenance = json.loads(path.read_text(encoding="utf-8"))
    provenance["invalid_answers"] = "missing"
    path.write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
    after = _prints(processed)
    assert all(a != b for a, b in zip(before, after, strict=True))


def test_demo_data_clean_the_same_under_both_modes():
    raw = read_scan(RAW / "scan_responses.csv")
    default = clean_scan(raw, INSTRUMENT, key=KEY)
    missing = clean_scan(raw, INSTRUMENT, key=KEY, invalid_answers="missing")
    pd.testing.assert_frame_equal(default.responses, missing.responses)
