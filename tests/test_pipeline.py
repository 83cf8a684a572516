import hashlib

import pandas as pd
import pytest

import readiness_analysis.pipeline as pipeline
from readiness_analysis.errors import ReadinessError


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
