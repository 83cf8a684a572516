"""Stopping a build on SIGINT (Ctrl-C) or SIGTERM: promptly, keeping what is complete.

While :func:`stop_on_signals` runs, the first SIGINT or SIGTERM raises
:class:`BuildInterrupted` in the build's main thread, wherever it is: the data stage
leaves the previous processed set (see :mod:`readiness_analysis.build.prepare`), the
render stage kills its kernels and workers, and the pipeline writes the index and
manifest of what is complete before the exception reaches the command line, which
prints ``interrupted: N reports kept, M not rendered`` and exits with 128 + the signal
number (130 for SIGINT, 143 for SIGTERM). Further signals while it stops are ignored:
stopping takes seconds, and a second Ctrl-C must not cut that short. Inside
:func:`signals_held` (a finished report being written and recorded) a signal waits until
the block ends, so that no page is on disk without its manifest entry.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["BuildInterrupted", "signals_held", "stop_on_signals"]

#: The signals that stop a build.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Hold:
    """Whether a stop waits (``depth`` > 0), and the signal that arrived meanwhile."""

    depth = 0
    pending: int | None = None


_HOLD = _Hold()


class BuildInterrupted(KeyboardInterrupt):
    """A build stopped by a signal; ``kept`` and ``not_rendered`` count the reports.

    A :class:`KeyboardInterrupt`, so that no ``except Exception`` on the way swallows it.

    Examples
    --------
    >>> stop = BuildInterrupted(signal.SIGTERM)
    >>> stop.exit_code, stop.line()
    (143, 'interrupted (SIGTERM) before any report was rendered: the reports are as they were')
    >>> stop.kept, stop.not_rendered = 3, 2
    >>> stop.line()
    'interrupted: 3 reports kept, 2 not rendered'
    """

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)
        self.kept: int | None = None  # set once the render stage has recorded what is done
        self.not_rendered: int | None = None

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a process ended by it."""
        return 128 + self.signum

    def line(self) -> str:
        """What the command line prints."""
        if self.kept is None:
            return (f"interrupted ({signal.Signals(self.signum).name}) before any report was "
                    "rendered: the reports are as they were")
        return f"interrupted: {self.kept} reports kept, {self.not_rendered} not rendered"


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Raise :class:`BuildInterrupted` on the first SIGINT or SIGTERM in the ``with`` block.

    The previous handlers are put back afterwards. Outside the main thread (where Python
    cannot install signal handlers) the block runs unchanged.

    Examples
    --------
    >>> import os
    >>> with stop_on_signals():
    ...     try:
    ...         os.kill(os.getpid(), signal.SIGTERM)
    ...     except BuildInterrupted as stop:
    ...         print(stop.exit_code)
    143
    >>> signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    True
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopped: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if stopped:  # already stopping
            return
        stopped.append(signum)
        if _HOLD.depth:
            _HOLD.pending = signum  # raised when signals_held ends
            return
        raise BuildInterrupted(signum)

    before = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, previous in before.items():
            signal.signal(signum, previous)


@contextmanager
def signals_held() -> Iterator[None]:
    """Let a stop signal that arrives in the block wait until the block is done.

    For the short steps that must not be cut in half: a report's page written and its
    result recorded. Outside :func:`stop_on_signals` it changes nothing.

    Examples
    --------
    >>> import os
    >>> with stop_on_signals():
    ...     try:
    ...         with signals_held():
    ...             os.kill(os.getpid(), signal.SIGINT)
    ...             print("written and recorded")
    ...     except BuildInterrupted as stop:
    ...         print(stop.exit_code)
    written and recorded
    130
    """
    _HOLD.depth += 1
    try:
        yield
    finally:
        _HOLD.depth -= 1
        if not _HOLD.depth and _HOLD.pending is not None:  # also when the block failed
            signum, _HOLD.pending = _HOLD.pending, None
            raise BuildInterrupted(signum)
