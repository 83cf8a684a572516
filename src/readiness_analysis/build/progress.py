"""Build progress on stderr: a bar on a terminal, one plain line per report elsewhere.

On a terminal, :class:`Progress` shows a tqdm bar (reports done, elapsed and remaining
time) with one line per finished report above it. When the stream is not a terminal (CI
logs, a pipe, a file), it writes no bar and no carriage returns: one line per report
with the elapsed time and an estimate of the time left.

The data stage has no count to show; :class:`Stage` says a step is running once it has
taken more than a couple of seconds (reading a large export, cleaning it, the bootstrap
intervals), again every minute, and when it is done. Quick steps write nothing.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from readiness_analysis.build.jobs import ReportResult

__all__ = ["Progress", "Stage", "format_seconds"]


def format_seconds(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a duration in seconds.

    Examples
    --------
    >>> format_seconds(75.4)
    '1:15'
    >>> format_seconds(3725)
    '1:02:05'
    """
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Progress of ``total`` reports on ``stream`` (default: stderr).

    Parameters
    ----------
    total : int
        Reports to render.
    stream : text stream, optional
        Where to write; default ``sys.stderr`` (looked up when writing).
    enabled : bool
        False writes nothing.
    bar : bool, optional
        Force the bar on or off; default: on when ``stream`` is a terminal.

    Examples
    --------
    >>> import io
    >>> from readiness_analysis.build.jobs import ReportResult
    >>> out = io.StringIO()
    >>> with Progress(2, stream=out) as progress:
    ...     progress.update(ReportResult(None, "Study", "study.html", "ok", None, {},
    ...                                  duration_s=1.5))
    >>> out.getvalue().startswith("[1/2] Study ... ok (1.5s)")
    True
    """

    def __init__(self, total: int, *, stream: TextIO | None = None, enabled: bool = True,
                 bar: bool | None = None) -> None:
        self.total = total
        self.enabled = enabled
        self.done = 0
        self._stream = stream
        self._bar_wanted = bar
        self._bar: Any = None
        self._start = time.perf_counter()

    @property
    def stream(self) -> TextIO:
        """The stream written to."""
        return self._stream if self._stream is not None else sys.stderr

    def __enter__(self) -> Progress:
        self._start = time.perf_counter()
        if self.enabled and self.total and self._use_bar():
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, file=self.stream, unit="report",
                             dynamic_ncols=True, leave=False)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _use_bar(self) -> bool:
        if self._bar_wanted is not None:
            return self._bar_wanted
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def note(self, line: str) -> None:
        """Write one line of text (above the bar, when there is one)."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def update(self, result: ReportResult) -> None:
        """One report finished: say how it went (and, without a bar, the time left)."""
        self.done += 1
        if not self.enabled:
            return
        mark = "ok" if result.status == "ok" else f"FAILED: {result.error}"
        line = f"[{self.done}/{self.total}] {result.title} ... {mark} ({result.duration_s:.1f}s)"
        if self._bar is not None:
            self._bar.write(line, file=self.stream)
            self._bar.update(1)
            return
        elapsed = time.perf_counter() - self._start
        left = elapsed / self.done * (self.total - self.done)
        print(f"{line} | {format_seconds(elapsed)} elapsed, ~{format_seconds(left)} left",
              file=self.stream, flush=True)


class Stage:
    """A line on ``stream`` while a step runs longer than ``after`` seconds.

    Used as a context manager around one step of the data stage. Nothing is written
    when the step ends within ``after`` seconds; otherwise ``<name> ...`` after
    ``after`` seconds, ``<name>: still running (m:ss)`` every ``every`` seconds, and
    ``<name>: done in m:ss`` at the end (also when it failed: ``stopped after``).

    Parameters
    ----------
    name : str
        What the step does, e.g. ``"reading scan_responses.csv"``.
    enabled : bool
        False writes nothing (and starts no timer).
    stream : text stream, optional
        Default ``sys.stderr`` (looked up when writing).
    after, every : float
        Seconds before the first line, and between the next ones.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with Stage("counting", stream=out, after=0.0, every=60):
    ...     time.sleep(0.1)
    >>> out.getvalue().splitlines()
    ['counting ...', 'counting: done in 0:00']
    >>> with Stage("quick", stream=out):
    ...     pass
    >>> len(out.getvalue().splitlines())
    2
    """

    def __init__(self, name: str, *, enabled: bool = True, stream: TextIO | None = None,
                 after: float = 2.0, every: float = 60.0) -> None:
        self.name, self.enabled = name, enabled
        self._stream, self._after, self._every = stream, after, every
        self._stop = threading.Event()
        self._spoke = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = time.perf_counter()

    def _write(self, line: str) -> None:
        stream = self._stream if self._stream is not None else sys.stderr
        print(line, file=stream, flush=True)

    def _watch(self) -> None:
        if self._stop.wait(self._after):
            return
        self._spoke.set()
        self._write(f"{self.name} ...")
        while not self._stop.wait(self._every):
            elapsed = format_seconds(time.perf_counter() - self._start)
            self._write(f"{self.name}: still running ({elapsed})")

    def __enter__(self) -> Stage:
        self._start = time.perf_counter()
        if self.enabled:
            self._thread = threading.Thread(target=self._watch, daemon=True,
                                            name=f"stage {self.name}")
            self._thread.start()
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        if self._spoke.is_set():
            how = "done in" if exc_type is None else "stopped after"
            self._write(f"{self.name}: {how} {format_seconds(time.perf_counter() - self._start)}")
