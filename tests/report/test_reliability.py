"""The reliability table of reports (report/reliability.py): notes on odd themes, and the
cached study-wide table, which is never served stale."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections import OrderedDict
from pathlib import Path

import pandas as pd
import pytest

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.report import reliability
from readiness_analysis.report.data import load_report_data
from readiness_analysis.stats.reliability import ALPHA_MIN_N, OMEGA_MIN_N

from ..references import reference


def _enlarged(data, rows: int):
    """The report data with its responses repeated up to ``rows`` rows."""
    repeats = -(-rows // len(data.responses))
    responses = pd.concat([data.responses] * repeats, ignore_index=True).iloc[:rows]
    return dataclasses.replace(data, responses=responses)


def _three_item_theme(data) -> str:
    return next(t for t in data.instrument.theme_ids if len(data.instrument.items_of(t)) == 3)


def test_reliability_table_explains_a_theme_whose_items_cancel_out(rejecting_build):
    data = _enlarged(load_report_data(rejecting_build), ALPHA_MIN_N)
    theme = _three_item_theme(data)
    first, second, third = data.instrument.items_of(theme)
    n = len(data.responses)
    x, y = [1.0 + i % 2 for i in range(n)], [1.0 + (i // 2) % 2 for i in range(n)]
    responses = data.responses.assign(**{first: x, second: y,
                                         third: [6 - a - b for a, b in zip(x, y, strict=True)]})
    table = reliability.reliability_table(dataclasses.replace(data, responses=responses), "nl")
    row = table.set_index("Thema").loc[data.instrument.theme_label(theme, "nl")]
    assert row["alpha"] == "–"
    assert "heffen elkaar op" in row["Opmerking"]
    numbers = " ".join(table[["alpha", "omega"]].astype(str).to_numpy().ravel())
    assert "inf" not in numbers and "∞" not in numbers


def test_demo_reliability_is_withheld_with_the_reason(rejecting_build):
    data = load_report_data(rejecting_build)
    assert len(data.responses) < ALPHA_MIN_N
    table = reliability.reliability_table(data, "en")
    shown = table[["alpha", "95% CI alpha (Feldt)", "omega"]].to_numpy().ravel()
    assert set(shown) == {"–"}
    computed = ~table["Note"].str.startswith("cannot be computed")
    assert computed.any()
    assert table.loc[computed, "Note"].str.contains(f"fewer than {ALPHA_MIN_N}").all()


def test_alpha_with_feldt_interval_from_the_minimum_but_omega_later(rejecting_build):
    data = _enlarged(load_report_data(rejecting_build), ALPHA_MIN_N)
    table = reliability.reliability_table(data, "en").set_index("Theme")
    row = table.loc[data.instrument.theme_label(_three_item_theme(data), "en")]
    assert row["n"] == ALPHA_MIN_N < OMEGA_MIN_N
    low, high = (float(v) for v in row["95% CI alpha (Feldt)"].split(" – "))
    assert low < float(row["alpha"]) < high
    assert row["omega"] == "–" and f"fewer than {OMEGA_MIN_N}" in row["Note"]


def test_improper_omega_is_not_shown_and_said_in_words(rejecting_build):
    improper = pd.DataFrame(reference("psych", "feldt_reference")["improper"]["data"])
    data = _enlarged(load_report_data(rejecting_build), len(improper))
    theme = _three_item_theme(data)
    items = dict(zip(data.instrument.items_of(theme), improper.to_numpy().T, strict=True))
    data = dataclasses.replace(data, responses=data.responses.assign(**items))
    table = reliability.reliability_table(data, "nl").set_index("Thema")
    row = table.loc[data.instrument.theme_label(theme, "nl")]
    assert row["omega"] == "–" and row["alpha"] != "–"
    assert "ongeldige" in row["Opmerking"] and "een lading van 1 of meer" in row["Opmerking"]
    others = table.drop(index=row.name)
    assert (others["omega"] != "–").any()  # proper solutions of the other themes are shown


@pytest.fixture
def processed(rejecting_build, tmp_path, monkeypatch) -> Path:
    """A private copy of the processed data, an empty cache, and a call counter."""
    target = tmp_path / "p"
    shutil.copytree(rejecting_build, target)
    monkeypatch.setattr(reliability, "_RELIABILITY_CACHE", OrderedDict())
    return target


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    made: list[str] = []
    compute = reliability.reliability_table

    def counting(data, lang="nl"):
        made.append(lang)
        return compute(data, lang)

    monkeypatch.setattr(reliability, "reliability_table", counting)
    return made


def test_second_call_is_served_from_the_cache(processed, calls):
    first, n = reliability.study_reliability_table(processed)
    second, n_again = reliability.study_reliability_table(str(processed))
    assert calls == ["nl"]
    pd.testing.assert_frame_equal(first, second)
    assert n == n_again == len(pd.read_parquet(processed / "responses.parquet"))
    reliability.study_reliability(processed, "nl")
    assert calls == ["nl"]


def test_language_is_part_of_the_key(processed, calls):
    reliability.study_reliability_table(processed, "nl")
    english, _ = reliability.study_reliability_table(processed, "en")
    assert calls == ["nl", "en"]
    assert "Theme" in english.columns


def test_changed_responses_are_never_served_stale(processed, calls):
    _, n = reliability.study_reliability_table(processed)
    path = processed / "responses.parquet"
    before = path.stat()
    pd.read_parquet(path).iloc[:-1].to_parquet(path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # same mtime: content counts
    _, n_after = reliability.study_reliability_table(processed)
    assert calls == ["nl", "nl"]
    assert n_after == n - 1


def test_changed_provenance_invalidates_the_cache(processed, calls):
    reliability.study_reliability_table(processed)
    provenance = processed / "provenance.json"
    provenance.write_text(provenance.read_text(encoding="utf-8") + " ", encoding="utf-8")
    reliability.study_reliability_table(processed)
    assert calls == ["nl", "nl"]


def test_cached_table_cannot_be_changed_by_a_caller(processed, calls):
    table, _ = reliability.study_reliability_table(processed)
    table.iloc[0, 0] = "changed"
    again, _ = reliability.study_reliability_table(processed)
    assert again.iloc[0, 0] != "changed"
    assert calls == ["nl"]


def test_cache_matches_the_direct_computation(processed):
    cached, n = reliability.study_reliability_table(processed, "en")
    data = load_report_data(processed)
    pd.testing.assert_frame_equal(cached, reliability.reliability_table(data, "en"))
    block = reliability.study_reliability(processed, "en").data
    assert f"rest on {n} interviews" in block and "<table" in block
    assert "not the reliability of one teacher" in block


def test_missing_processed_files_raise_the_usual_error(tmp_path, monkeypatch):
    monkeypatch.setattr(reliability, "_RELIABILITY_CACHE", OrderedDict())
    with pytest.raises(ReadinessError, match="processed data missing"):
        reliability.study_reliability_table(tmp_path)
