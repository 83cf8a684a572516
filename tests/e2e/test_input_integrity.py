"""Input integrity end to end (issue 21): one institution per name however it is typed,
stray quotes found where they opened, and names drawn on figures as text."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from readiness_analysis.build.pipeline import build
from readiness_analysis.io.synth import SynthDesign, write_synthetic_scan

NAMES = {"Instelling A": "Kosten $x^$ College", "Instelling B": r"$\alpha$ College",
         "Instelling C": "Zo\u00eb College"}


def _raw(raw):
    """Synthetic scan: names with dollars, one school typed both NFC and NFD (with a
    zero-width space), and one row whose stray quote swallowed the two rows after it."""
    write_synthetic_scan(raw / "scan_responses.csv", SynthDesign(institutions=3,
                                                                 respondents=4, seed=5))
    df = pd.read_csv(raw / "scan_responses.csv", dtype=str, keep_default_na=False)
    df["institution"] = df["institution"].map(NAMES)
    zoe = df.index[df["institution"] == NAMES["Instelling C"]]
    nfd = unicodedata.normalize("NFD", NAMES["Instelling C"])
    df.loc[zoe[::2], "institution"] = nfd + "\u200b"
    lines = df.to_csv(index=False, lineterminator="\n").splitlines()
    cells = lines[2].split(",")
    cells[1] = '"' + cells[1]  # the quote opens in row 3 ...
    lines[2] = ",".join(cells)
    lines[4] = lines[4].replace(",", '",', 2).replace('",', ",", 1)  # ... and closes in row 5
    (raw / "scan_responses.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.notebooks
def test_hostile_names_and_a_stray_quote_build_with_one_report_per_school(tmp_path,
                                                                           notebooks_dir):
    raw = tmp_path / "raw"
    raw.mkdir()
    _raw(raw)
    result = build(raw, tmp_path / "p", tmp_path / "r", notebooks_dir=notebooks_dir)
    assert result.ok
    responses = pd.read_parquet(tmp_path / "p" / "responses.parquet")
    assert sorted(responses["institution"].unique()) == sorted(NAMES.values())  # Zoë once
    rejected = pd.read_csv(tmp_path / "p" / "rejected_rows.csv")
    swallowed = rejected[rejected["reason"].str.contains("swallowed the rows after it")]
    assert swallowed["source_row"].tolist() == [3]
    assert swallowed["column"].tolist() == ["institution"]
    log = pd.read_csv(tmp_path / "p" / "cleaning_log.csv")
    assert log["detail"].str.contains("removed U+200B, composed to NFC", regex=False).any()
    pages = {p.name: p.read_text() for p in (tmp_path / "r" / "institutions").glob("*.html")}
    assert len(pages) == 3
    index = (tmp_path / "r" / "index.html").read_text()
    for name in NAMES.values():
        assert name in index  # drawn and listed as typed


@pytest.mark.notebooks
def test_fragments_and_documents_are_spelled_as_the_scan_and_logged(
        tmp_path, raw_copy, notebooks_dir):
    (raw_copy / "institution_aliases.yaml").write_text("Instelling A: [Inst. A]\n",
                                                       encoding="utf-8")
    fragments = pd.read_csv(raw_copy / "fragments.csv", dtype=str, keep_default_na=False)
    own = {"fragment_id": "OWN1", "section": "R3", "institution": "Inst. A",
           "coder": "study", "codes": "wifi_infrastructure",
           "text": "Eigen fragment via een alias."}
    lower = {**own, "fragment_id": "OWN2", "institution": "instelling  a",
             "text": "Eigen fragment met andere hoofdletters."}
    pd.concat([fragments, pd.DataFrame([own, lower])]).to_csv(raw_copy / "fragments.csv",
                                                              index=False)
    documents = pd.read_csv(raw_copy / "documents.csv", dtype=str, keep_default_na=False)
    documents["institution"] = documents["institution"].str.upper()
    documents.to_csv(raw_copy / "documents.csv", index=False)

    result = build(raw_copy, tmp_path / "processed", tmp_path / "reports",
                   notebooks_dir=notebooks_dir, institutions=["Instelling A"], progress=False)

    assert result.ok, [r.error for r in result.reports if r.status != "ok"]
    page = (tmp_path / "reports" / "institutions" / "instelling-a.html").read_text("utf-8")
    assert "Eigen fragment via een alias." in page
    assert "Eigen fragment met andere hoofdletters." in page
    kept = pd.read_parquet(tmp_path / "processed" / "documents.parquet")
    assert set(kept["institution"]) <= {"Instelling A", "Instelling B", "Instelling C"}
    log = pd.read_csv(tmp_path / "processed" / "cleaning_log.csv")
    notes = set(log.loc[log["step"] == "note", "detail"])
    assert "fragments: institution 'Inst. A' -> 'Instelling A'" in notes
    assert "documents: institution 'INSTELLING A' -> 'Instelling A'" in notes
