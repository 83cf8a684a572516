"""One build at a time per folder: a lock file holding the build's pid and host.

A build locks its processed folder and its report folder (:func:`build_locks`), so two
builds never write the same folder at once, also when they share only one of them.

:func:`build_lock` creates ``.readiness.lock`` in the processed folder with ``O_EXCL``
(so of two builds started at once exactly one gets it), writes the holder's pid, host
and start time into it, and removes it when the build ends, also on an error. A second
build on the same folder stops with a message naming the holder. A lock whose pid no
longer runs on this host (a build that was killed) is stale: the next build takes it
over and says so on stderr. A lock of another host, or on Windows (where no process can
be probed safely without an extra dependency), is never taken over: the message says to
delete it when no build runs.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.core.files import explained

__all__ = ["LOCK_FILE", "build_lock", "build_locks"]

LOCK_FILE = ".readiness.lock"


@contextmanager
def build_lock(folder: str | Path) -> Iterator[Path]:
    """Hold the build lock of ``folder`` (created when missing) for the ``with`` block.

    A folder the lock created is removed again when the build left nothing in it (a
    build refused before writing leaves no empty processed folder behind).

    Parameters
    ----------
    folder : path
        The processed folder of the build.

    Yields
    ------
    Path
        The lock file.

    Raises
    ------
    ReadinessError
        When another build that still runs holds the lock (the message names its pid,
        host and start time), or the lock file cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with build_lock(folder) as lock:
    ...     json.loads(lock.read_text())["pid"] == os.getpid()
    True
    >>> (folder / LOCK_FILE).exists()
    False
    """
    folder = Path(folder)
    created = not folder.exists()
    lock = folder / LOCK_FILE
    with explained(lock):
        folder.mkdir(parents=True, exist_ok=True)
        _acquire(lock)
    try:
        yield lock
    finally:
        lock.unlink(missing_ok=True)
        if created:
            with suppress(OSError):  # not empty: the build wrote into it
                folder.rmdir()


@contextmanager
def build_locks(*folders: str | Path) -> Iterator[list[Path]]:
    """Hold the build lock of every folder (each once, in the order given).

    A folder given twice (the same folder for processed data and reports) is locked once.
    When one of the locks is held by another build, the ones already taken are released
    and the :class:`ReadinessError` of :func:`build_lock` is raised.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with build_locks(folder / "processed", folder / "reports", folder / "reports") as locks:
    ...     [lock.parent.name for lock in locks]
    ['processed', 'reports']
    """
    seen: set[Path] = set()
    with ExitStack() as stack:
        locks = []
        for folder in folders:
            real = Path(folder).resolve()
            if real in seen:
                continue
            seen.add(real)
            locks.append(stack.enter_context(build_lock(folder)))
        yield locks


def _acquire(lock: Path) -> None:
    holder = {"pid": os.getpid(), "host": socket.gethostname(),
              "started": datetime.now(UTC).isoformat(timespec="seconds")}
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            _take_over_if_stale(lock)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(holder, handle)
        return
    raise ReadinessError("could not take the build lock: other builds keep taking it",
                         file=lock, hint="wait until the other builds finish")


def _take_over_if_stale(lock: Path) -> None:
    """Remove ``lock`` when its holder is dead; otherwise raise naming the holder."""
    try:
        text = lock.read_text(encoding="utf-8")
    except FileNotFoundError:  # the holder just finished
        return
    except OSError as exc:
        raise ReadinessError(f"cannot read the build lock ({exc.strerror})", file=lock,
                             hint="check the folder's permissions") from None
    holder = _holder(text)
    if holder is None or _alive(holder):
        raise ReadinessError(_held(holder), file=lock.parent,
                             hint=f"wait for that build to finish; if none runs, delete {lock}")
    # Move the stale lock aside and check it is the one read: of two builds taking over
    # at once, the second must not remove the lock the first just made.
    aside = lock.with_name(f"{LOCK_FILE}.{os.getpid()}.stale")
    try:
        os.replace(lock, aside)
    except FileNotFoundError:
        return
    if aside.read_text(encoding="utf-8") != text:
        with suppress(FileExistsError):
            os.link(aside, lock)
        aside.unlink(missing_ok=True)
        raise ReadinessError(_held(_holder(text)), file=lock.parent,
                             hint="wait for that build to finish")
    aside.unlink(missing_ok=True)
    print(f"note: took over the build lock of {lock.parent}: build pid {holder['pid']} "
          f"(started {holder['started']}) no longer runs", file=sys.stderr)


def _holder(text: str) -> dict | None:
    """The lock's pid, host and start time, or None when it is not (yet) written."""
    try:
        holder = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(holder, dict) or not isinstance(holder.get("pid"), int):
        return None
    return {"pid": holder["pid"], "host": str(holder.get("host", "?")),
            "started": str(holder.get("started", "?"))}


def _held(holder: dict | None) -> str:
    """The refusal, in one line.

    Examples
    --------
    >>> _held({"pid": 42, "host": "pc", "started": "2026-01-01T10:00:00+00:00"})
    'another build is running on this folder (pid 42 on pc, started 2026-01-01T10:00:00+00:00)'
    """
    if holder is None:
        return "another build is starting on this folder (its lock is not written yet)"
    return (f"another build is running on this folder (pid {holder['pid']} on "
            f"{holder['host']}, started {holder['started']})")


def _alive(holder: dict) -> bool:
    """Whether the holder may still run: always, unless it is a dead pid of this host."""
    pid = holder["pid"]
    if holder["host"] != socket.gethostname() or os.name == "nt":
        return True  # Windows: os.kill(pid, 0) would end the process, not probe it
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # runs, as another user
        return True
    return True
