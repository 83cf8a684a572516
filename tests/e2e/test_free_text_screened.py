"""Free text screened end to end (issue 21): an e-mail address, a phone number and a
listed name typed into interview fragments, a document's aims and an answer cell reach no
report and no processed file other than as ``[…]``, and each is listed in
``redactions.csv`` by file, row, column and kind (never the value)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from readiness_analysis.build.pipeline import build

from .test_privacy import _texts

EMAIL, PHONE, NAME = "jan.de.vries@roc-midden.nl", "06-12345678", "Marijke Oosterhuis"


def _personal_free_text(raw: Path) -> str:
    """Personal data in one fragment, one document's aims and one answer; returns the id."""
    fragments = pd.read_csv(raw / "fragments.csv", dtype=str, keep_default_na=False)
    first = fragments.index[0]
    fragments.loc[first, "text"] = (f"Mail {EMAIL} of bel {PHONE}; vraag naar {NAME}. "
                                    + fragments.loc[first, "text"])
    fragments.to_csv(raw / "fragments.csv", index=False)
    documents = pd.read_csv(raw / "documents.csv", dtype=str, keep_default_na=False)
    documents.loc[0, "aims"] = f"Vragen aan {EMAIL}"
    documents.to_csv(raw / "documents.csv", index=False)
    scan = pd.read_csv(raw / "scan_responses.csv", dtype=str, keep_default_na=False)
    scan.loc[0, "def_1"] = f"zie {EMAIL}"  # an invalid answer: the row is rejected
    scan.to_csv(raw / "scan_responses.csv", index=False)
    (raw / "redact_names.txt").write_text(f"{NAME}\n", encoding="utf-8")
    return fragments.loc[first, "fragment_id"]


@pytest.mark.notebooks
@pytest.mark.filterwarnings("ignore::readiness_analysis.core.errors.AccountingWarning")
def test_personal_data_in_free_text_reach_no_report_or_processed_file(tmp_path, raw_copy,
                                                                       notebooks_dir):
    fragment = _personal_free_text(raw_copy)
    result = build(raw_copy, tmp_path / "processed", tmp_path / "reports",
                   notebooks_dir=notebooks_dir, institutions=["Instelling A"], progress=False)
    assert result.ok, [r.error for r in result.reports if r.status != "ok"]

    texts = {**_texts(tmp_path / "processed"), **_texts(tmp_path / "reports")}
    assert any(name.endswith(".html") for name in texts)
    for value in (EMAIL, PHONE, NAME, "roc-midden"):
        leaks = [name for name, text in texts.items() if value in text]
        assert leaks == [], f"{value!r} found in {leaks}"
    kept = pd.read_parquet(tmp_path / "processed" / "fragments.parquet")
    text = kept.loc[kept["fragment_id"] == fragment, "text"].iloc[0]
    assert text.startswith("Mail […] of bel […]; vraag naar […]. ")
    study = (tmp_path / "reports" / "study.html").read_text(encoding="utf-8")
    assert "[…]" in study  # the fragment is quoted, redacted

    redactions = pd.read_csv(tmp_path / "processed" / "redactions.csv", dtype=str)
    listed = redactions[["file", "row", "fragment_id", "column", "kind"]].fillna("")
    assert listed.values.tolist() == [
        ["fragments.csv", "2", fragment, "text", "e-mail"],
        ["fragments.csv", "2", fragment, "text", "phone"],
        ["fragments.csv", "2", fragment, "text", "name"],
        ["documents.csv", "2", "", "aims", "e-mail"],
        ["scan_responses.csv", "2", "", "def_1", "e-mail"]]
    log = pd.read_csv(tmp_path / "processed" / "cleaning_log.csv")
    assert "fragments.csv: 3 spans redacted as […] (1 e-mail address, 1 phone number, " \
           "1 listed name); listed in redactions.csv" in log["detail"].tolist()
