"""The data stage (build/prepare.py): raw folder to processed files."""

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import readiness_analysis.build.keys as keys
import readiness_analysis.build.prepare as pipeline
from readiness_analysis.build.incremental import fingerprints
from readiness_analysis.build.pipeline import _jobs
from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.io.synth import SynthDesign, write_synthetic_scan
from readiness_analysis.spec.codebook import DEFAULT_CODEBOOK, load_codebook
from readiness_analysis.spec.instrument import load_instrument

from ..paths import NOTEBOOKS

INSTRUMENT = load_instrument()
STEP = "set invalid answers to missing"


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_prepare_never_writes_to_raw(raw_copy, tmp_path):
    before = _digests(raw_copy)
    prepared = pipeline.prepare(raw_copy, tmp_path / "processed")
    assert _digests(raw_copy) == before
    assert prepared.institutions == ["Instelling A", "Instelling B", "Instelling C"]


def test_build_fails_loudly_when_raw_changes_during_the_run(raw_copy, tmp_path, monkeypatch):
    real_read = pipeline.read_scan

    def read_then_change(path):
        table = real_read(path)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("late-row,Instelling A,1,1\n")
        return table

    monkeypatch.setattr(pipeline, "read_scan", read_then_change)
    with pytest.raises(ReadinessError, match="a raw file changed while the build was reading"):
        pipeline.prepare(raw_copy, tmp_path / "processed")


def test_same_inputs_give_identical_processed_files(raw_copy, tmp_path, monkeypatch):
    monkeypatch.setenv(pipeline.KEY_ENV, "fixed-test-key")
    pipeline.prepare(raw_copy, tmp_path / "one")
    pipeline.prepare(raw_copy, tmp_path / "two")
    assert _digests(tmp_path / "one") == _digests(tmp_path / "two")


def test_pseudonym_key_comes_from_environment_and_is_never_written(raw_copy, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setenv(pipeline.KEY_ENV, "secret-key-123")
    pipeline.prepare(raw_copy, tmp_path / "processed")
    for path in (tmp_path / "processed").iterdir():
        assert b"secret-key-123" not in path.read_bytes()
    ids = pd.read_parquet(tmp_path / "processed" / "responses.parquet")["respondent_id"]
    raw_ids = pd.read_csv(raw_copy / "scan_responses.csv")["respondent_id"]
    assert not set(ids) & set(raw_ids)


def test_key_file_is_created_once_with_owner_only_permissions(tmp_path, monkeypatch):
    monkeypatch.delenv(pipeline.KEY_ENV, raising=False)
    key = pipeline.pseudonym_key(tmp_path / "processed")
    key_file = tmp_path / ".pseudonym.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert pipeline.pseudonym_key(tmp_path / "processed") == key


@pytest.mark.parametrize("content", ["", "\n", "abc123"], ids=["empty", "blank", "short"])
def test_an_empty_or_short_key_file_is_refused_with_how_to_fix_it(tmp_path, monkeypatch,
                                                                 content):
    monkeypatch.delenv(pipeline.KEY_ENV, raising=False)
    (tmp_path / ".pseudonym.key").write_text(content)
    with pytest.raises(ReadinessError) as caught:
        pipeline.pseudonym_key(tmp_path / "processed")
    message = str(caught.value)
    assert ".pseudonym.key" in message and "\n" not in message
    assert "empty" in message or "only 6 bytes" in message
    assert "readiness key --new --force" in message and pipeline.KEY_ENV in message


def test_an_unreadable_key_file_is_refused_with_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.delenv(pipeline.KEY_ENV, raising=False)
    (tmp_path / ".pseudonym.key").mkdir()  # unreadable as a file, also for root
    with pytest.raises(ReadinessError,
                       match=r"cannot read the pseudonym key file .*readiness key --new"):
        pipeline.pseudonym_key(tmp_path / "processed")


def test_a_new_key_file_is_never_left_empty_when_writing_fails(tmp_path, monkeypatch):
    monkeypatch.delenv(pipeline.KEY_ENV, raising=False)

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keys.os, "fsync", full_disk)
    with pytest.raises(ReadinessError, match=r"the disk is full: \.pseudonym\.key could not be"):
        pipeline.pseudonym_key(tmp_path / "processed")
    assert list(tmp_path.iterdir()) == []  # neither a 0-byte key nor a temporary file
    monkeypatch.undo()
    monkeypatch.delenv(pipeline.KEY_ENV, raising=False)
    key = pipeline.pseudonym_key(tmp_path / "processed")
    assert len(key) == 64 and [p.name for p in tmp_path.iterdir()] == [".pseudonym.key"]
    assert (tmp_path / ".pseudonym.key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("value", ["", "   ", "sleutel-\udcff-ongeldig"],
                         ids=["empty", "blank", "not-utf8"])
def test_an_invalid_key_variable_is_refused_naming_it(tmp_path, monkeypatch, value):
    monkeypatch.setenv(pipeline.KEY_ENV, value)
    with pytest.raises(ReadinessError, match=pipeline.KEY_ENV) as caught:
        pipeline.pseudonym_key(tmp_path / "processed")
    assert "\n" not in str(caught.value)
    assert not (tmp_path / ".pseudonym.key").exists()


def test_csv_outputs_defuse_formulas_but_reports_keep_names(raw_copy, tmp_path):
    scan = pd.read_csv(raw_copy / "scan_responses.csv")
    scan.loc[scan["institution"] == "Instelling C", "institution"] = "=HYPERLINK(\"x\")"
    scan.to_csv(raw_copy / "scan_responses.csv", index=False)
    prepared = pipeline.prepare(raw_copy, tmp_path / "p")
    assert '=HYPERLINK("x")' in prepared.institutions
    csv = pd.read_csv(tmp_path / "p" / "institution_scores.csv")
    assert "'=HYPERLINK(\"x\")" in set(csv["institution"])
    assert not csv["institution"].dropna().str.startswith("=").any()
    parquet = pd.read_parquet(tmp_path / "p" / "institution_scores.parquet")
    assert '=HYPERLINK("x")' in set(parquet["institution"])


def _looks_like_formula(cell: str) -> bool:
    """A text cell a spreadsheet would run: starts with = + - @ and is not a number."""
    if not cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def test_every_csv_written_defuses_formulas_from_every_input(raw_copy, tmp_path):
    scan = pd.read_csv(raw_copy / "scan_responses.csv", dtype=str, keep_default_na=False)
    names = {"Instelling A": "=cmd|' /C calc'!A0", "Instelling B": "@SUM(1+1)",
             "Instelling C": "+31 mbo"}
    scan["institution"] = scan["institution"].map(names)
    scan.loc[0, "def_1"] = "=1+1"  # rejected; its reason quotes the cell
    scan.to_csv(raw_copy / "scan_responses.csv", index=False)
    fragments = pd.read_csv(raw_copy / "fragments.csv", dtype=str, keep_default_na=False)
    fragments.loc[0, ["institution", "coder", "text"]] = [names["Instelling A"], "-coder",
                                                          '=HYPERLINK("http://x","klik")']
    fragments.to_csv(raw_copy / "fragments.csv", index=False)
    documents = pd.read_csv(raw_copy / "documents.csv", dtype=str, keep_default_na=False)
    documents["institution"] = documents["institution"].map(names)
    documents.loc[0, "title"] = "-2+3"
    documents.to_csv(raw_copy / "documents.csv", index=False)

    prepared = pipeline.prepare(raw_copy, tmp_path / "p")
    assert set(prepared.institutions) == set(names.values())  # kept verbatim for reports
    written = sorted((tmp_path / "p").glob("*.csv"))
    assert {p.name for p in written} >= {"rejected_rows.csv", "cleaning_log.csv",
                                         "evidence.csv", "institution_scores.csv"}
    seen_defused = set()
    for path in written:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        cells = [c for column in table.columns for c in table[column]]
        assert [c for c in cells if _looks_like_formula(c)] == [], path.name
        seen_defused |= {path.name for c in cells if c.startswith("'")}
    assert {"institution_scores.csv", "evidence.csv"} <= seen_defused


def test_one_writer_writes_the_processed_files_in_the_order_of_the_table(
        raw_copy, tmp_path, monkeypatch):
    from readiness_analysis.core.tables import PROCESSED_FILES

    written = []
    for suffix, write in dict(pipeline._WRITERS).items():
        def record(path, data, write=write):
            written.append(path.name)
            write(path, data)
        monkeypatch.setitem(pipeline._WRITERS, suffix, record)
    pipeline.prepare(raw_copy, tmp_path / "p")
    assert written == list(PROCESSED_FILES)
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == sorted(PROCESSED_FILES)


# --- invalid_answers="missing": recorded in provenance, part of the fingerprints ----------


@pytest.fixture
def raw_with_bad_answers(tmp_path, raw_dir) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
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
    jobs = _jobs(["Instelling A"], NOTEBOOKS, processed.parent / "r", processed, "nl", "T")
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


def test_the_recorded_mode_alone_changes_the_fingerprints(tmp_path, raw_dir):
    """The fingerprints read provenance.json: the recorded mode by itself re-renders."""
    processed = tmp_path / "p"
    pipeline.prepare(raw_dir, processed)
    before = _prints(processed)
    path = processed / "provenance.json"
    provenance = json.loads(path.read_text(encoding="utf-8"))
    provenance["invalid_answers"] = "missing"
    path.write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
    after = _prints(processed)
    assert all(a != b for a, b in zip(before, after, strict=True))


def _qda_raw(tmp_path, content, document="Instelling A"):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_synthetic_scan(raw / "scan_responses.csv", SynthDesign(institutions=2,
                                                                 respondents=4, seed=1))
    code = load_codebook().names[0]
    (raw / "coded_segments.csv").write_text(
        f'id,document,tag,content\n1,"{document}",{code},"{content}"\n2,B,{code},Geen\n',
        encoding="utf-8")
    return raw


def test_fragments_of_a_qda_export_are_redacted_and_listed(tmp_path, monkeypatch):
    monkeypatch.setenv(pipeline.KEY_ENV, "a-key-for-this-test-only")
    raw = _qda_raw(tmp_path, "Mail a.b@roc.nl of Piet, 10:30")
    (raw / "redact_names.txt").write_text("piet\n", encoding="utf-8")
    prepared = pipeline.prepare(raw, tmp_path / "p")
    fragments = pd.read_parquet(tmp_path / "p" / "fragments.parquet")
    assert fragments["text"].tolist() == ["Mail […] of […], 10:30", "Geen"]
    redactions = pd.read_csv(tmp_path / "p" / "redactions.csv")
    assert redactions[["file", "fragment_id", "column", "kind"]].values.tolist() == [
        ["coded_segments.csv", "coded_segments#1", "text", "e-mail"],
        ["coded_segments.csv", "coded_segments#1", "text", "name"]]
    assert redactions["row"].isna().all()
    assert "redact_names.txt" in prepared.inputs  # a changed list rebuilds the reports


def test_a_build_without_personal_data_writes_an_empty_redactions_file(tmp_path, monkeypatch):
    monkeypatch.setenv(pipeline.KEY_ENV, "a-key-for-this-test-only")
    pipeline.prepare(_qda_raw(tmp_path, "Schooljaar 2023-2024, cijfer 3,5"), tmp_path / "p")
    redactions = pd.read_csv(tmp_path / "p" / "redactions.csv")
    assert redactions.empty
    assert list(redactions.columns) == ["file", "row", "fragment_id", "column", "kind", "count"]
