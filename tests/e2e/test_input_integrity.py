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
