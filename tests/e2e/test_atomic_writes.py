"""Atomic outputs: a build killed half-way leaves every earlier output whole (issue 9).

Every file the package writes goes to a temporary file in the same folder first and is
then renamed over the old one (``os.replace`` is atomic on POSIX and Windows). These
tests kill a real build with SIGKILL (no ``finally``, no clean-up) at two moments, check
that each report is either the old page or a complete new one, and that the next build
completes and gives the same bytes as a build that was never interrupted.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from readiness_analysis.build import prepare as pipeline
from readiness_analysis.build.pipeline import build
from readiness_analysis.core import files
from readiness_analysis.report.page import write_page

from ..helpers import without_build_time
from ..paths import NOTEBOOKS

pytestmark = pytest.mark.notebooks
KEY = "atomic-test-key"


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every regular file below ``folder`` (temporary files excluded), by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(".tmp")}


def _change_answers(raw: Path) -> None:
    """New inputs for every report: the first item's answers move one point up (max 5)."""
    scan = raw / "scan_responses.csv"
    frame = pd.read_csv(scan, dtype=str, keep_default_na=False)
    frame["def_1"] = [str(min(int(v) + 1, 5)) if v else v for v in frame["def_1"]]
    frame.to_csv(scan, index=False)


def _start_build(raw: Path, base: Path) -> subprocess.Popen:
    """``readiness build`` in its own process group, so the kill reaches its kernels too."""
    command = [sys.executable, "-m", "readiness_analysis.cli", "build", "--raw", str(raw),
               "--processed", str(base / "processed"), "--reports", str(base / "reports"),
               "--notebooks", str(NOTEBOOKS), "--jobs", "1", "--no-progress"]
    env = {**os.environ, pipeline.KEY_ENV: KEY}
    return subprocess.Popen(command, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _kill_when(process: subprocess.Popen, changed, timeout: float = 120) -> None:
    """SIGKILL the build's process group as soon as ``changed()`` is true."""
    deadline = time.monotonic() + timeout
    while not changed():
        assert process.poll() is None, "the build finished before the moment to kill it"
        assert time.monotonic() < deadline, "the build never reached the moment to kill it"
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def _pages(reports: Path) -> dict[str, bytes]:
    return {n: without_build_time(b) for n, b in _snapshot(reports).items() if n.endswith(".html")}


def _differs(folder: Path, before: dict[str, bytes], names) -> bool:
    return any((folder / n).is_file() and (folder / n).read_bytes() != before[n] for n in names)


def _assert_whole(reports: Path, before: dict[str, bytes]) -> set[str]:
    """Each earlier report is still there, as the old page or a complete new one."""
    new = set()
    for name, old in before.items():
        page = (reports / name).read_bytes()
        if name.endswith(".html") and page != old:
            assert page.startswith(b"<!DOCTYPE html>") and page.rstrip().endswith(b"</html>")
            new.add(name)
    json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    return new


@pytest.fixture(scope="module")
def builds(tmp_path_factory, notebooks_dir, raw_dir):
    """A build of the demo data, the raw data changed afterwards, and what an uninterrupted
    build of the changed data gives; built once for the module."""
    base = tmp_path_factory.mktemp("atomic")
    raw = base / "raw"
    shutil.copytree(raw_dir, raw)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(pipeline.KEY_ENV, KEY)
        first = base / "first"
        assert build(raw, first / "processed", first / "reports", notebooks_dir=notebooks_dir,
                     progress=False).ok
        _change_answers(raw)
        clean = base / "clean"
        assert build(raw, clean / "processed", clean / "reports", notebooks_dir=notebooks_dir,
                     progress=False).ok
    return raw, first, clean


@pytest.mark.parametrize("moment", ["preparing", "rendering"])
def test_a_build_killed_half_way_leaves_old_reports_whole_and_the_next_completes(
        builds, tmp_path, monkeypatch, moment, notebooks_dir):
    raw, first, uninterrupted = builds
    base = tmp_path / "build"
    shutil.copytree(first, base)
    reports, processed = base / "reports", base / "processed"
    old_reports, old_processed = _snapshot(reports), _snapshot(processed)
    pages = [n for n in old_reports if n.endswith(".html") and n != "index.html"]

    process = _start_build(raw, base)
    if moment == "preparing":
        _kill_when(process, lambda: _differs(processed, old_processed, old_processed))
        assert _assert_whole(reports, old_reports) == set()  # no report touched yet
    else:
        _kill_when(process, lambda: _differs(reports, old_reports, pages))
        new = _assert_whole(reports, old_reports)
        assert new and set(pages) - new, "the kill should fall between two reports"

    monkeypatch.setenv(pipeline.KEY_ENV, KEY)
    result = build(raw, processed, reports, notebooks_dir=notebooks_dir, progress=False)
    assert result.ok and len(result.reports) == len(pages)
    assert _snapshot(processed) == _snapshot(uninterrupted / "processed")
    assert _pages(reports) == _pages(uninterrupted / "reports")


def _fail_half_way(monkeypatch, module) -> None:
    """Make the rename that completes a write die, as a kill between write and rename."""
    def crash(src, dst):
        raise KeyboardInterrupt("killed between writing and renaming")
    monkeypatch.setattr(module.os, "replace", crash)


def test_an_interrupted_page_write_leaves_the_old_page(tmp_path, monkeypatch):
    page = tmp_path / "report.html"
    write_page(page, title="old", body="<p>old</p>", lang="nl", home="index.html",
               footer="f")
    before = page.read_bytes()
    _fail_half_way(monkeypatch, files)
    with pytest.raises(KeyboardInterrupt):
        write_page(page, title="new", body="<p>new</p>", lang="nl", home="index.html",
                   footer="f")
    assert page.read_bytes() == before


@pytest.mark.parametrize("writer", ["write_csv", "write_parquet"])
def test_an_interrupted_processed_write_leaves_the_old_file(tmp_path, monkeypatch, writer):
    path = tmp_path / ("table.csv" if writer == "write_csv" else "table.parquet")
    getattr(files, writer)(path, pd.DataFrame({"a": [1, 2]}))
    before = path.read_bytes()
    _fail_half_way(monkeypatch, files)
    with pytest.raises(KeyboardInterrupt):
        getattr(files, writer)(path, pd.DataFrame({"a": [3, 4, 5]}))
    assert path.read_bytes() == before


def test_pages_get_the_usual_file_mode_not_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        write_page(tmp_path / "r.html", title="t", body="<p>x</p>", lang="nl",
                   home="index.html", footer="f")
        (tmp_path / "r.csv").write_text("x")  # what any other new file gets
    finally:
        os.umask(old)
    assert (tmp_path / "r.html").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "r.html").stat().st_mode == (tmp_path / "r.csv").stat().st_mode
