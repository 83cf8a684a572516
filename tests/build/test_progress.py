"""Progress output (build/progress.py): plain lines without a terminal, a bar on one."""

import functools
import io
import re
import time

import pytest

from readiness_analysis.build import prepare as stage
from readiness_analysis.build.jobs import ReportResult
from readiness_analysis.build.progress import Progress, Stage, format_seconds
from readiness_analysis.io.synth import SynthDesign, write_synthetic_scan


def _result(title, status="ok", error=None, duration=1.25):
    return ReportResult(None, title, f"{title}.html", status, error, {}, duration_s=duration)


def test_progress_without_a_terminal_writes_plain_lines_with_time_left():
    out = io.StringIO()
    with Progress(2, stream=out) as progress:
        progress.note("rendering 2 of 2 reports (0 up to date)")
        progress.update(_result("Study"))
        progress.update(_result("Instelling B", "failed", "cell 3 failed: KeyError: 'x'"))
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and len(lines) == 3
    assert re.fullmatch(r"\[1/2\] Study \.\.\. ok \(1\.2s\) \| 0:\d\d elapsed, ~0:\d\d left",
                        lines[1])
    assert lines[2].startswith("[2/2] Instelling B ... FAILED: cell 3 failed: KeyError")
    assert lines[2].endswith("~0:00 left")


def test_progress_on_a_terminal_draws_a_bar():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    with Progress(2, stream=out) as progress:
        progress.update(_result("Study"))
    assert "\r" in out.getvalue() and "[1/2] Study ... ok" in out.getvalue()
    quiet = io.StringIO()
    with Progress(2, stream=quiet, enabled=False) as progress:
        progress.update(_result("Study"))
    assert quiet.getvalue() == "" and format_seconds(61) == "1:01"


# ----------------------------------------------------------------- stages of the data stage


def test_a_stage_that_takes_long_says_so_while_it_runs_and_when_done():
    out = io.StringIO()
    with Stage("bootstrap intervals", stream=out, after=0.05, every=0.1):
        time.sleep(0.35)
        assert out.getvalue().startswith("bootstrap intervals ...\n")  # during the stage
    lines = out.getvalue().splitlines()
    assert lines[0] == "bootstrap intervals ..."
    assert "bootstrap intervals: still running (0:00)" in lines
    assert lines[-1] == "bootstrap intervals: done in 0:00"


def test_a_quick_or_disabled_stage_writes_nothing_and_a_failed_one_says_stopped():
    out = io.StringIO()
    with Stage("quick", stream=out):
        pass
    with Stage("off", stream=out, enabled=False, after=0.0):
        time.sleep(0.05)
    assert out.getvalue() == ""
    with pytest.raises(ValueError), Stage("failing", stream=out, after=0.0):
        time.sleep(0.05)
        raise ValueError
    assert out.getvalue().splitlines() == ["failing ...", "failing: stopped after 0:00"]


def test_prepare_names_each_slow_step_on_stderr_only_with_progress(tmp_path, monkeypatch,
                                                                   capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_synthetic_scan(raw / "scan_responses.csv", SynthDesign(institutions=2,
                                                                 respondents=4, seed=1))
    monkeypatch.setenv("READINESS_PSEUDONYM_KEY", "a-key-for-this-test-only")
    monkeypatch.setattr(stage, "Stage", functools.partial(Stage, after=0.0))  # all "slow"
    stage.prepare(raw, tmp_path / "quiet", progress=False)
    assert capsys.readouterr().err == ""
    stage.prepare(raw, tmp_path / "loud", progress=True)
    said = [line for line in capsys.readouterr().err.splitlines() if " ..." in line]
    assert said == [f"reading {raw} ...", "cleaning the scan ...",
                    "scores, summaries and bootstrap intervals ..."]
