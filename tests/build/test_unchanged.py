"""A rebuild with nothing changed does nothing (build/unchanged.py); any change rebuilds."""

import json
import os
import shutil
import subprocess
import sys

import pytest

import readiness_analysis.build.pipeline as pipeline
from readiness_analysis.build.keys import KEY_ENV

from .test_pipeline import _tiny_notebooks


class DataStageRanError(Exception):
    """Raised by the stand-in for prepare: the build did not skip the data stage."""


@pytest.fixture(scope="module")
def built(tmp_path_factory, raw_dir):
    """One build with tiny notebooks: raw copy, processed, reports, notebooks, key file."""
    base = tmp_path_factory.mktemp("unchanged")
    shutil.copytree(raw_dir, base / "raw")
    os.environ.pop(KEY_ENV, None)
    result = pipeline.build(base / "raw", base / "p", base / "r",
                            notebooks_dir=_tiny_notebooks(base / "nb"), progress=False)
    assert result.ok and "unchanged" in json.loads((base / "r" / "manifest.json").read_text())
    return base


@pytest.fixture
def copy(built, tmp_path, monkeypatch):
    """A private copy of the build, and a data stage that fails if it runs."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    target = tmp_path / "b"
    shutil.copytree(built, target, symlinks=True)

    def prepare(*args, **kwargs):
        raise DataStageRanError

    monkeypatch.setattr(pipeline, "prepare", prepare)
    return target


def _build(base, **options):
    return pipeline.build(base / "raw", base / "p", base / "r", notebooks_dir=base / "nb",
                          progress=False, **options)


def _snapshot(base):
    return {p: p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def test_nothing_changed_nothing_is_read_written_or_rendered(copy):
    before = _snapshot(copy)
    result = _build(copy)
    assert result.ok and not result.rendered
    assert len(result.skipped) == len(result.reports) == 4  # study + three institutions
    assert "rows read" in result.account_line  # the account the recording build printed
    assert result.index.name == "index.html"
    assert _snapshot(copy) == before  # not a byte written, not even the manifest


def _append(path, text):
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


CHANGES = {
    "a raw byte": lambda b: _append(b / "raw" / "documents.csv", "\n"),
    "a new raw file": lambda b: (b / "raw" / "redact_names.txt").write_text("Jansen\n"),
    "a removed raw file": lambda b: (b / "raw" / "documents.csv").unlink(),
    "a processed file": lambda b: _append(b / "p" / "evidence.csv", "\n"),
    "a deleted processed file": lambda b: (b / "p" / "agreement.csv").unlink(),
    "a report": lambda b: _append(b / "r" / "study.html", " "),
    "an action plan": lambda b: next((b / "r" / "institutions").glob("*.md")).unlink(),
    "the index": lambda b: _append(b / "r" / "index.html", " "),
    "a notebook": lambda b: _append(b / "nb" / "study_report.ipynb", " "),
    "the pseudonym key": lambda b: (b / ".pseudonym.key").write_text("f" * 64),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_any_change_runs_the_data_stage(copy, change):
    change(copy)
    with pytest.raises(DataStageRanError):
        _build(copy)


@pytest.mark.parametrize("options", [{"weighted": True}, {"invalid_answers": "missing"},
                                     {"strict": True}, {"lang": "en"}, {"force": True},
                                     {"institutions": ["Instelling A"]},
                                     {"skip_unchanged": False}], ids=str)
def test_other_options_run_the_data_stage(copy, options):
    with pytest.raises(DataStageRanError):
        _build(copy, **options)


def test_a_key_from_the_environment_is_another_key(copy, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "another-secret-of-some-length")
    with pytest.raises(DataStageRanError):
        _build(copy)


def test_the_cli_skips_without_importing_the_analysis_stack(copy):
    """``readiness build`` answers a no-change rebuild before pandas is imported."""
    args = ["build", "--raw", str(copy / "raw"), "--processed", str(copy / "p"),
            "--reports", str(copy / "r"), "--notebooks", str(copy / "nb")]
    code = ("import sys\nfrom readiness_analysis.cli import main\n"
            f"status = main({args!r})\nprint('pandas' in sys.modules, status)\n")
    env = {k: v for k, v in os.environ.items() if k != KEY_ENV}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=False)
    assert run.stdout.splitlines()[-1] == "False 0", run.stderr
    assert "4 reports: 0 rendered, 0 failed, 4 skipped (up to date)" in run.stdout
    assert "rows read" in run.stdout and "nothing changed since the last build" in run.stderr
