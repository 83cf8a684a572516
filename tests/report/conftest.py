"""Fixtures of the report tests: processed demo data with a row for every rejection."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from readiness_analysis.build import prepare as pipeline
from readiness_analysis.report.text import catalogue

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
    f"X-6,info@instelling.nl,1,1,{_ITEMS}",            # reject personal data as institution
]


@pytest.fixture(scope="session")
def bad_rows() -> list[str]:
    """The scan rows ``rejecting_build`` adds: each trips one cleaning step."""
    return list(BAD_ROWS)


@pytest.fixture(scope="session")
def rejecting_build(tmp_path_factory, raw_dir) -> Path:
    """Processed data of the demo scan plus one row for every way a row can be rejected."""
    base = tmp_path_factory.mktemp("rejecting")
    raw = base / "raw"
    shutil.copytree(raw_dir, raw)
    scan = raw / "scan_responses.csv"
    scan.write_text(scan.read_text(encoding="utf-8").rstrip("\n") + "\n"
                    + "\n".join(BAD_ROWS) + "\n", encoding="utf-8")
    pipeline.prepare(raw, base / "p")
    return base / "p"


@pytest.fixture(scope="session")
def step_labels() -> dict[str, dict[str, str]]:
    """The label of each cleaning step per language, from the text catalogue."""
    return {lang: {k.removeprefix("step."): v for k, v in catalogue(lang).items()
                   if k.startswith("step.")} for lang in ("nl", "en")}


@pytest.fixture(scope="session")
def prepared_demo(tmp_path_factory, raw_dir) -> Path:
    """The demo raw folder through the data stage only (no reports): a processed folder."""
    out = tmp_path_factory.mktemp("prepared_demo") / "processed"
    pipeline.prepare(raw_dir, out)
    return out


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the figures a test drew (pyplot keeps every one until closed)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
