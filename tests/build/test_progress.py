"""Progress output (build/progress.py): plain lines without a terminal, a bar on one."""

import io
import re

from readiness_analysis.build.jobs import ReportResult
from readiness_analysis.build.progress import Progress, format_seconds


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
