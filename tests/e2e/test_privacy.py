"""Privacy end to end: nothing that identifies a respondent leaves ``data/raw`` (issue 9).

The raw export here carries what real exports carry: respondent ids that are e-mail
addresses, a name column, an e-mail column and a free-text column, plus rows that are
rejected. After a build, no processed file and no report may contain any of them, and no
report may contain a pseudonym either (reports show aggregates only).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from readiness_analysis.build.pipeline import build
from readiness_analysis.io.synth import SynthDesign, write_synthetic_scan

pytestmark = pytest.mark.notebooks


def _personal_raw(raw: Path) -> dict[str, list[str]]:
    """Synthetic answers with identifying columns added; returns what must not leak."""
    write_synthetic_scan(raw / "scan_responses.csv",
                         SynthDesign(institutions=3, respondents=6, seed=11))
    frame = pd.read_csv(raw / "scan_responses.csv", dtype=str, keep_default_na=False)
    n = len(frame)
    secrets = {
        "respondent_id": [f"docent.{i:03d}.vanderberg@mbo-school.nl" for i in range(n)],
        "Naam": [f"Marijke Oosterhuis-{i:03d}" for i in range(n)],
        "E-mail": [f"m.oosterhuis{i:03d}@prive-mail.nl" for i in range(n)],
    }
    frame = frame.assign(**secrets)
    frame.loc[1, "def_1"] = "99"        # out of scale: this row is rejected
    frame.loc[2, "institution"] = ""    # no institution: rejected as well
    frame.to_csv(raw / "scan_responses.csv", index=False)
    return secrets


def _texts(folder: Path) -> dict[str, str]:
    """Every output file as text; parquet tables as their column names and cells."""
    texts = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name == ".pseudonym.key":
            continue
        if path.suffix == ".parquet":
            table = pd.read_parquet(path)
            texts[str(path)] = " ".join(map(str, table.columns)) + table.to_csv(index=False)
        else:
            texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    return texts


@pytest.fixture(scope="module")
def personal_build(tmp_path_factory, notebooks_dir):
    base = tmp_path_factory.mktemp("privacy")
    (base / "raw").mkdir()
    secrets = _personal_raw(base / "raw")
    result = build(base / "raw", base / "processed", base / "reports",
                   notebooks_dir=notebooks_dir, progress=False)
    assert result.ok
    return base, secrets


def test_rows_were_kept_and_rejected(personal_build):
    base, secrets = personal_build
    kept = pd.read_parquet(base / "processed" / "responses.parquet")
    rejected = pd.read_csv(base / "processed" / "rejected_rows.csv")
    assert len(kept) == len(secrets["Naam"]) - 2
    assert sorted(set(rejected["source_row"])) == [3, 4]  # file rows 3 and 4 (header is 1)


@pytest.mark.parametrize("column", ["respondent_id", "Naam", "E-mail"])
def test_no_identifier_reaches_processed_files_or_reports(personal_build, column):
    base, secrets = personal_build
    texts = {**_texts(base / "processed"), **_texts(base / "reports")}
    assert len(texts) > 10
    for value in secrets[column]:
        leaks = [name for name, text in texts.items() if value in text]
        assert leaks == [], f"{value!r} found in {leaks}"
    assert not any(column in pd.read_parquet(p).columns
                   for p in (base / "processed").glob("*.parquet") if column != "respondent_id")


def test_reports_carry_no_pseudonyms(personal_build):
    base, _ = personal_build
    pseudonyms = pd.read_parquet(base / "processed" / "responses.parquet")["respondent_id"]
    assert pseudonyms.str.len().min() >= 8
    for name, text in _texts(base / "reports").items():
        assert not [p for p in pseudonyms if p in text], name
