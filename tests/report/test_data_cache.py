"""A warm kernel reads a processed folder and an instrument once per content (issue 19).

``load_report_data`` keeps the tables of a processed folder for the next report and
``load_instrument`` the instrument of a file; neither may serve what a file no longer
says, nor let one report's changes reach the next.
"""

from __future__ import annotations

import os
import shutil
from collections import OrderedDict
from pathlib import Path

import pandas as pd
import pytest

from readiness_analysis.report import data as report_data
from readiness_analysis.report.data import load_report_data
from readiness_analysis.spec import instrument as spec_instrument
from readiness_analysis.spec.instrument import DEFAULT_INSTRUMENT, load_instrument


@pytest.fixture
def processed(rejecting_build, tmp_path, monkeypatch) -> Path:
    """A private copy of the processed data and an empty cache of folders."""
    target = tmp_path / "p"
    shutil.copytree(rejecting_build, target)
    monkeypatch.setattr(report_data, "_FOLDERS", OrderedDict())
    return target


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The parquet files read from now on."""
    made: list[str] = []
    read = pd.read_parquet

    def counted(path, *args, **kwargs):
        made.append(Path(path).name)
        return read(path, *args, **kwargs)

    monkeypatch.setattr(report_data.pd, "read_parquet", counted)
    return made


def test_the_next_report_reads_no_table_again(processed, reads):
    first = load_report_data(processed, "Instelling A")
    read = len(reads)
    second = load_report_data(processed, "Instelling B")
    assert read > 0 and len(reads) == read
    assert first.institution == "Instelling A" and second.institution == "Instelling B"
    assert set(second.responses["institution"]) == {"Instelling B"}


def test_a_rewritten_file_is_read_again_even_with_its_old_time(processed, reads):
    n = len(load_report_data(processed).responses)
    path = processed / "responses.parquet"
    before = path.stat()
    pd.read_parquet(path).iloc[:-1].to_parquet(path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert len(load_report_data(processed).responses) == n - 1


def test_a_report_changing_its_data_does_not_change_the_next(processed):
    data = load_report_data(processed, "Instelling A")
    data.summary["mean"] = 0.0
    data.cleaning_log.iloc[0, 0] = "changed"
    data.provenance["weighted"] = "changed"
    everything = load_report_data(processed)
    everything.responses.iloc[0, 0] = "changed"
    everything.provenance["instrument"]["id"] = "changed"
    again = load_report_data(processed, "Instelling A")
    assert again.summary["mean"].ne(0.0).any()
    assert again.cleaning_log.iloc[0, 0] != "changed"
    assert again.provenance["weighted"] != "changed"
    assert load_report_data(processed).responses.iloc[0, 0] != "changed"
    assert again.provenance["instrument"]["id"] != "changed"


def test_an_instrument_is_read_once_per_content(tmp_path, monkeypatch):
    monkeypatch.setattr(spec_instrument, "_INSTRUMENTS", OrderedDict())
    shipped = (Path(spec_instrument.__file__).parent / "instruments" / DEFAULT_INSTRUMENT)
    path = tmp_path / "instrument.yaml"
    path.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    first = load_instrument(path)
    assert load_instrument(path) is first
    text = path.read_text(encoding="utf-8")
    assert '\nversion: "1.0"\n' in text
    path.write_text(text.replace('\nversion: "1.0"\n', '\nversion: "9.9"\n', 1),
                    encoding="utf-8")
    changed = load_instrument(path)
    assert changed is not first and changed.version == "9.9"
    assert load_instrument() is load_instrument()  # the shipped one too
