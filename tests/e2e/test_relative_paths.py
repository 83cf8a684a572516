"""Relative paths given to ``readiness build`` name the same files inside the notebooks.

The report notebooks run in the notebooks folder, not where the user typed the command:
a path stored relative (the instrument in provenance.json, which the reports load again)
used to make every report fail with "cannot read the file".
"""

from __future__ import annotations

import json
import shutil
from importlib import resources

import pytest

from readiness_analysis.cli import main
from readiness_analysis.spec.instrument import DEFAULT_INSTRUMENT

from ..build.accounting_data import write_scan

pytestmark = pytest.mark.notebooks


def test_a_relative_instrument_from_another_folder_renders_every_report(tmp_path, monkeypatch,
                                                                        capsys):
    shipped = resources.files("readiness_analysis.spec") / "instruments" / DEFAULT_INSTRUMENT
    with resources.as_file(shipped) as source:
        shutil.copy(source, tmp_path / "my.yaml")  # not the shipped file: loaded by its path
    write_scan(tmp_path / "raw", 12, empty_rows=1)
    monkeypatch.chdir(tmp_path)  # neither the checkout nor its notebooks folder
    code = main(["build", "--raw", "raw", "--processed", "processed", "--reports", "reports",
                 "--instrument", "my.yaml", "--lang", "en", "--no-progress"])
    out = capsys.readouterr().out
    manifest = json.loads((tmp_path / "reports" / "manifest.json").read_text("utf-8"))
    assert [(r["path"], r["status"], r["error"]) for r in manifest["reports"]] == [
        ("study.en.html", "ok", None), ("institutions/school-a.en.html", "ok", None),
        ("institutions/school-b.en.html", "ok", None)]
    assert code == 0
    provenance = json.loads((tmp_path / "processed" / "provenance.json").read_text("utf-8"))
    assert provenance["instrument"]["source"] == str(tmp_path / "my.yaml")
    assert "12 rows read: 12 kept, 0 rejected" in out and "1 respondent answered no theme" in out
    study = (tmp_path / "reports" / "study.en.html").read_text("utf-8")
    assert "1 respondent answered no theme and is not counted in the figures." in study
