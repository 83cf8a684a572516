"""The build as a user without privileges: real permission checks, not mocked (issue 20).

Root passes every permission check, so the mocked ``EACCES`` of ``tests/core`` never meets
a real one. Run as root, these tests drop every capability with ``setpriv`` (util-linux):
the build keeps uid 0 but the kernel checks the mode bits like for any other user, so a
folder of mode 0555 refuses it. Run as another user, they run the build as that user.
Each refused folder must stop the build with one line naming the folder and the user,
before anything is written; a read-only raw folder and a read-only home folder must build.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from readiness_analysis.core.files import file_sha256

from ..build.notebooks import notebook

pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")

# One cell that touches what writes state in a home folder: IPython (the kernel itself),
# matplotlib's font cache and configuration.
FIGURE = "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nplt.figure()"


def _unprivileged() -> list[str]:
    """The command prefix that runs a program without the power to override permissions."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    drop = [setpriv, "--bounding-set=-all", "--inh-caps=-all", "--"] if setpriv else []
    if not setpriv or subprocess.run([*drop, "true"], capture_output=True).returncode:
        pytest.skip("running as root, and setpriv cannot drop the capabilities here")
    return drop


def _user() -> str:
    return subprocess.run([sys.executable, "-c", "import getpass; print(getpass.getuser())"],
                          capture_output=True, text=True, check=True).stdout.strip()


def _notebooks(folder: Path) -> Path:
    folder.mkdir()
    nbformat.write(notebook(FIGURE, parameters="processed_dir = ''\nlang = 'nl'"),
                   folder / "study_report.ipynb")
    nbformat.write(notebook(FIGURE, "print(institution)",
                            parameters="institution = ''\nprocessed_dir = ''\nlang = 'nl'"),
                   folder / "institution_report.ipynb")
    return folder


def _read_only(folder: Path) -> Path:
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return folder


def _build(tmp_path: Path, raw: Path, processed: Path, reports: Path):
    home, temp = tmp_path / "home", tmp_path / "temp"
    for folder in (home, temp):
        folder.mkdir(exist_ok=True)
    _read_only(home)
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(temp)}
    for name in ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR", "MPLCONFIGDIR",
                 "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "READINESS_RUNTIME_DIR",
                 "READINESS_PSEUDONYM_KEY"):
        env.pop(name, None)
    notebooks = _notebooks(tmp_path / "nb")
    command = [*_unprivileged(), sys.executable, "-m", "readiness_analysis.cli", "build",
               "--raw", str(raw), "--processed", str(processed), "--reports", str(reports),
               "--notebooks", str(notebooks), "--no-progress"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def _refused(result, folder: Path, user: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"permission denied: the folder {folder}" in lines[0], lines[0]
    assert f"by user {user} (choose a folder that user may write to" in lines[0], lines[0]


def test_a_read_only_raw_folder_and_home_folder_build(tmp_path, raw_copy):
    raw = _read_only(raw_copy)
    before = {p: file_sha256(p) for p in raw.rglob("*") if p.is_file()}
    processed, reports = tmp_path / "processed", tmp_path / "reports"
    result = _build(tmp_path, raw, processed, reports)
    assert result.returncode == 0, result.stderr
    assert (reports / "study.html").is_file() and (processed / "responses.parquet").is_file()
    assert {p: file_sha256(p) for p in raw.rglob("*") if p.is_file()} == before
    assert list((tmp_path / "home").rglob("*")) == []  # no ~/.ipython, ~/.cache, ~/.config
    assert list((tmp_path / "temp").rglob("*")) == []  # the runtime folder is gone
    key = tmp_path / ".pseudonym.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_a_report_folder_the_user_may_not_write_stops_the_build_first(tmp_path, raw_dir):
    reports = tmp_path / "reports"
    reports.mkdir(mode=0o555)
    result = _build(tmp_path, raw_dir, tmp_path / "processed", reports)
    _refused(result, reports, _user())
    assert not (tmp_path / "processed").exists() and list(reports.iterdir()) == []


def test_a_processed_folder_that_cannot_be_made_names_the_parent_that_refused(tmp_path,
                                                                            raw_dir):
    parent = tmp_path / "shared"
    parent.mkdir(mode=0o555)
    result = _build(tmp_path, raw_dir, parent / "processed", tmp_path / "reports")
    _refused(result, parent / "processed", _user())
    assert f"cannot be made: {parent} may not be written" in result.stderr
    assert not (tmp_path / "reports").exists()


def test_a_key_folder_the_user_may_not_write_stops_the_build_before_any_output(tmp_path,
                                                                             raw_dir):
    parent = tmp_path / "project"
    processed = parent / "processed"
    processed.mkdir(parents=True)
    parent.chmod(0o555)  # the processed folder may be written, the key's folder not
    result = _build(tmp_path, raw_dir, processed, tmp_path / "reports")
    _refused(result, parent, _user())
    assert ".pseudonym.key" in result.stderr
    assert list(processed.iterdir()) == [] and not (tmp_path / "reports").exists()
