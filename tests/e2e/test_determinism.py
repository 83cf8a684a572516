"""Determinism: the same inputs give the same processed files and reports (issue 9).

A second build of the demo data, in another folder, with one worker instead of two and
the same pseudonymisation key, must reproduce the session's demo build byte for byte:
every processed file, and every report once its provenance date is masked.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from readiness_analysis.build.pipeline import build
from readiness_analysis.core.clock import EPOCH_ENV, build_time
from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.report.data import load_report_data
from readiness_analysis.report.institution import provenance_table
from readiness_analysis.report.text import text

from ..helpers import without_build_time

pytestmark = pytest.mark.notebooks
# What may differ between two builds: when, how long, and where the processed data was.
VOLATILE = ("generated", "duration_s", "output_sha256")
EPOCH = "1764028800"  # 2025-11-25 00:00 UTC


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _manifest(reports: Path, processed: Path) -> dict:
    text = (reports / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text.replace(json.dumps(str(processed.resolve()))[1:-1], "<processed>"))

    def stable(entry: dict) -> dict:
        return {k: v for k, v in entry.items() if k not in VOLATILE}
    return stable({**manifest, "reports": [stable(e) for e in manifest["reports"]]})


@pytest.fixture(scope="module")
def second_build(demo_build, tmp_path_factory, notebooks_dir, raw_dir):
    _, first = demo_build
    second = tmp_path_factory.mktemp("again")
    shutil.copy2(first / ".pseudonym.key", second / ".pseudonym.key")  # same key, same input
    with pytest.MonkeyPatch.context() as patch:  # the reproducible-builds date convention
        patch.setenv(EPOCH_ENV, EPOCH)
        result = build(raw_dir, second / "processed", second / "reports",
                       notebooks_dir=notebooks_dir, jobs=1, progress=False)
    assert result.ok and len(result.rendered) == len(result.reports)
    return first, second


def test_two_builds_give_identical_processed_files(second_build):
    first, second = second_build
    files = _files(first / "processed")
    assert "responses.parquet" in files and "provenance.json" in files
    assert files == _files(second / "processed")


def test_two_builds_give_identical_report_bodies(second_build):
    first, second = second_build
    pages = {n: without_build_time(b) for n, b in _files(first / "reports").items()
             if n.endswith(".html")}
    assert len(pages) == 5  # index, study and three institutions
    again = {n: without_build_time(b) for n, b in _files(second / "reports").items()
             if n.endswith(".html")}
    assert pages == again


def test_two_builds_give_the_same_manifest_apart_from_times(second_build):
    first, second = second_build
    assert (_manifest(first / "reports", first / "processed")
            == _manifest(second / "reports", second / "processed"))


def test_the_only_difference_masked_is_the_build_time(demo_build):
    _, first = demo_build
    page = (first / "reports" / "institutions" / "instelling-a.html").read_bytes()
    masked = without_build_time(page)
    assert masked.count(b"<build time>") == 1 and len(page) - len(masked) < 20


def test_source_date_epoch_sets_the_date_of_reports_and_manifest(second_build):
    _, second = second_build
    for page in (second / "reports").rglob("*.html"):
        masked = without_build_time(page.read_bytes())
        assert page.read_bytes().count(b"2025-11-25 00:00 UTC") == masked.count(b"<build time>")
    page = (second / "reports" / "institutions" / "instelling-b.html").read_text()
    assert "2025-11-25 00:00 UTC" in page
    manifest = json.loads((second / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["generated"] == "2025-11-25T00:00:00+00:00"


@pytest.mark.parametrize("lang, weighted, expected", [("nl", False, "nee"), ("en", True, "yes")])
def test_provenance_table_says_when_and_whether_weighted(demo_build, monkeypatch, lang,
                                                         weighted, expected):
    _, first = demo_build
    data = load_report_data(first / "processed")
    data.provenance["weighted"] = weighted
    monkeypatch.setenv(EPOCH_ENV, EPOCH)
    rows = dict(provenance_table(data, {"lang": lang}, lang).itertuples(index=False))
    assert rows["datum" if lang == "nl" else "date"] == "2025-11-25 00:00 UTC"
    assert rows[text("provenance_row.weighted", lang)] == expected


@pytest.mark.parametrize("value", ["yesterday", "1e9", "99999999999999999999"])
def test_a_bad_source_date_epoch_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv(EPOCH_ENV, value)
    with pytest.raises(ReadinessError, match=r"SOURCE_DATE_EPOCH=.* is not a number of seconds"):
        build_time()
