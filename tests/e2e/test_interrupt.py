"""SIGINT and SIGTERM stop a build within seconds and keep what is complete (issue 20).

A real signal is sent to a real ``readiness build`` in a subprocess, once its first report
is written: the build must exit 130 (SIGINT) or 143 (SIGTERM) with the one-line account,
leave no kernel running, keep the earlier reports with their manifest entries, and leave
no runtime folder, connection file or IPython/matplotlib state behind.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from readiness_analysis.build.pipeline import build
from readiness_analysis.core.files import file_sha256

from ..build.notebooks import notebook

psutil = pytest.importorskip("psutil")

STUDY_PARAMETERS = "processed_dir = ''\nlang = 'nl'"
INSTITUTION_PARAMETERS = "institution = ''\nprocessed_dir = ''\nlang = 'nl'"


def _notebooks(folder: Path, institution_cell: str) -> Path:
    folder.mkdir(exist_ok=True)
    nbformat.write(notebook("print('study', processed_dir)", parameters=STUDY_PARAMETERS),
                   folder / "study_report.ipynb")
    nbformat.write(notebook(institution_cell, parameters=INSTITUTION_PARAMETERS),
                   folder / "institution_report.ipynb")
    return folder


def _entries(reports: Path) -> dict:
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    return {entry["path"]: entry for entry in manifest["reports"]}


def _kernels(process):
    """The kernel processes below ``process`` (in worker processes, too)."""
    return [p for p in psutil.Process(process.pid).children(recursive=True)
            if "ipykernel" in " ".join(p.cmdline())]


def _wait_until(condition, timeout: float, process) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


@pytest.mark.parametrize(("signum", "jobs"), [(signal.SIGINT, 1), (signal.SIGTERM, 2)])
def test_a_signal_stops_the_build_and_keeps_the_earlier_reports(tmp_path, raw_copy, signum,
                                                               jobs):
    processed, reports, nb = tmp_path / "processed", tmp_path / "reports", tmp_path / "nb"
    first = build(raw_copy, processed, reports, progress=False,
                  notebooks_dir=_notebooks(nb, "print(institution)"))
    assert first.ok
    before = {p: file_sha256(p) for p in (reports / "institutions").glob("*.html")}
    entries = _entries(reports)
    study_sha = file_sha256(reports / "study.html")
    _notebooks(nb, "import time\ntime.sleep(60)\nprint(institution)")  # every report renders
    nbformat.write(notebook("print('study again', processed_dir)", parameters=STUDY_PARAMETERS),
                   nb / "study_report.ipynb")
    temp, home = tmp_path / "temp", tmp_path / "home"
    temp.mkdir(), home.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "HOME": str(home)}
    for name in ("JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR", "READINESS_RUNTIME_DIR"):
        env.pop(name, None)
    command = [sys.executable, "-m", "readiness_analysis.cli", "build", "--raw", str(raw_copy),
               "--processed", str(processed), "--reports", str(reports), "--notebooks", str(nb),
               "--no-progress", "--jobs", str(jobs)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        _wait_until(lambda: file_sha256(reports / "study.html") != study_sha, 120, process)
        _wait_until(lambda: len(_kernels(process)) >= jobs, 60, process)  # rendering, asleep
        kernels = _kernels(process)
        everything = psutil.Process(process.pid).children(recursive=True)
        sent = time.monotonic()
        process.send_signal(signum)
        _, err = process.communicate(timeout=60)
        elapsed = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signum, err
    assert elapsed < 20, elapsed  # it takes about a second; 60 s cells would take minutes
    assert len(kernels) == jobs
    assert "interrupted: 4 reports kept, 3 not rendered" in err.splitlines(), err
    assert "Traceback" not in err, err
    _, alive = psutil.wait_procs(everything, timeout=5)
    assert not alive, [p.cmdline() for p in alive]
    # The earlier institution reports are as they were, listed with their earlier entries.
    assert {p: file_sha256(p) for p in before} == before
    manifest = _entries(reports)
    assert set(manifest) == set(entries)
    for path, entry in entries.items():
        if path != "study.html":
            assert manifest[path]["output_sha256"] == entry["output_sha256"]
    assert manifest["study.html"]["output_sha256"] == file_sha256(reports / "study.html")
    # Nothing left in the temp folder or the home folder, and no lock.
    assert list(temp.iterdir()) == [], list(temp.rglob("*"))
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []
    assert not (processed / ".readiness.lock").exists()
