"""An incremental rebuild gives what a full build gives, byte for byte (issue 19).

The demo with roles and groups is built; then one respondent of Instelling B gets another
role (that institution's own rows change, no pooled figure does), and the folder is built
again: only B's report and the study report may render. A full build of the changed data
in a fresh folder must give the same processed files and the same reports (build date
and raw files' SHA-256s in the provenance table masked), so the reports the incremental
build kept are the ones a full build writes.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from readiness_analysis.build.keys import KEY_ENV
from readiness_analysis.build.pipeline import build
from readiness_analysis.core.clock import EPOCH_ENV

from ..helpers import without_build_time
from ..paths import NOTEBOOKS, ROOT

pytestmark = pytest.mark.notebooks
DEMO = ROOT / "data" / "demo-perspectives"
RAW_SHA = re.compile(rb"<td>[0-9a-f]{64}</td>")  # the provenance table's raw file rows


def _files(folder: Path) -> dict[str, bytes]:
    """Every output, build date and raw files' SHA-256s masked: a kept report shows the
    provenance of the build that rendered it (see build/incremental.py), the rest is equal."""
    return {p.relative_to(folder).as_posix():
            RAW_SHA.sub(b"<td><sha></td>", without_build_time(p.read_bytes()))
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"}


def _build(raw: Path, base: Path):
    return build(raw, base / "processed", base / "reports", notebooks_dir=NOTEBOOKS,
                 instrument=DEMO / "instrument.yaml", jobs=2, progress=False)


def _give_another_role(scan: Path, institution: str) -> None:
    lines = scan.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    at, role = header.index("institution"), header.index("role")
    row = next(i for i, line in enumerate(lines[1:], 1) if line.split(",")[at] == institution
               and line.split(",")[role] == "docent")
    cells = lines[row].rstrip("\n").split(",")
    cells[role] = "onderwijsondersteuner"
    lines[row] = ",".join(cells) + "\n"
    scan.write_text("".join(lines), encoding="utf-8")


def test_an_incremental_rebuild_equals_a_full_build(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "the-same-key-for-both-builds")
    monkeypatch.setenv(EPOCH_ENV, "1764028800")
    raw = tmp_path / "raw"
    shutil.copytree(DEMO / "raw", raw)
    assert _build(raw, tmp_path / "incremental").ok
    _give_another_role(raw / "scan_responses.csv", "Instelling B")
    again = _build(raw, tmp_path / "incremental")
    assert again.ok
    assert sorted(r.path for r in again.rendered) == ["institutions/instelling-b.html",
                                                      "study.html"]
    assert _build(raw, tmp_path / "full").ok
    incremental, full = (_files(tmp_path / name) for name in ("incremental", "full"))
    assert sorted(incremental) == sorted(full)
    different = [name for name in full if incremental[name] != full[name]]
    assert different == []
