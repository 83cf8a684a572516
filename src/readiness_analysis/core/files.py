"""Atomic file writes and SHA-256 hashing, in one place.

Every file the package writes goes to a temporary file beside its target first
(``.<name>.<8 random characters>.tmp``) and is then renamed over it with
:func:`os.replace`, which is atomic on POSIX and Windows: a build killed half-way leaves
each output either as it was or complete, never half written. A build removes the
temporary files an interrupted build left behind
(:func:`readiness_analysis.build.pipeline.remove_stale_temporaries`). The SHA-256 helpers
are what the provenance, the incremental build and the manifest record.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from readiness_analysis.core.errors import ReadinessError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "STAGING_PREFIX",
    "atomic_write",
    "chunks_sha256",
    "excel_safe",
    "explained",
    "explained_os_error",
    "file_sha256",
    "finish_staged",
    "staged_files",
    "text_sha256",
    "write_csv",
    "write_json",
    "write_parquet",
    "write_text",
    "write_texts",
]

# Text cells a spreadsheet would run as a formula start with one of these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Staging folders of :func:`staged_files`: ``.staging-<random>`` in the target folder.
STAGING_PREFIX = ".staging-"
_COMMIT = ".commit.json"  # in a staging folder: the files to move, written last
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}


def explained_os_error(exc: OSError, path: str | Path) -> ReadinessError | None:
    """A full disk or a refused permission as a one-line located error; else None.

    Disk full (``ENOSPC``, ``EDQUOT``): which file, and how much space the folder's file
    system has left. Permission (``EACCES``, ``EPERM``, ``EROFS``): which folder, and
    which user was refused.

    Examples
    --------
    >>> import errno, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> str(explained_os_error(OSError(errno.ENOSPC, "No space"), folder / "a.csv")
    ...     )  # doctest: +ELLIPSIS
    '.../a.csv: the disk is full: a.csv could not be written (... free in ...)'
    >>> explained_os_error(OSError(errno.ENOENT, "gone"), folder / "a.csv") is None
    True
    """
    path = Path(path)
    folder = path.parent
    if exc.errno in _NO_SPACE:
        return ReadinessError(
            f"the disk is full: {path.name} could not be written ({free_space(folder)} free in "
            f"{folder})", file=path,
            hint="free some space on that disk, or choose a folder on another disk")
    if exc.errno in _DENIED:
        why = "is read-only" if exc.errno == errno.EROFS else "may not be written"
        existing = next((f for f in (folder, *folder.parents) if f.exists()), folder)
        what = (f"the folder {folder}" if existing == folder
                else f"the folder {folder} cannot be made: {existing}")
        return ReadinessError(
            f"permission denied: {what} {why} by user {_user()}", file=path,
            hint="choose a folder that user may write to, or ask for write permission")
    return None


@contextlib.contextmanager
def explained(path: str | Path) -> Iterator[None]:
    """Raise :func:`explained_os_error` for a full disk or a refused permission in the block.

    Other errors pass unchanged.

    Examples
    --------
    >>> import errno
    >>> with explained("/out/a.csv"):  # doctest: +ELLIPSIS
    ...     raise PermissionError(errno.EACCES, "Permission denied")
    Traceback (most recent call last):
    readiness_analysis.core.errors.ReadinessError: /out/a.csv: permission denied: the folder ...
    """
    try:
        yield
    except OSError as exc:
        located = explained_os_error(exc, path)
        if located is None:
            raise
        raise located from None


def free_space(folder: str | Path) -> str:
    """Free space on the file system of ``folder`` (or of its nearest existing parent).

    Examples
    --------
    >>> free_space("/no/such/folder/below/root").endswith(("bytes", "KB", "MB", "GB"))
    True
    """
    folder = Path(folder)
    for candidate in (folder, *folder.parents):
        try:
            free = shutil.disk_usage(candidate).free
        except OSError:
            continue
        for unit in ("bytes", "KB", "MB", "GB"):
            if free < 1024 or unit == "GB":
                return f"{free:,.0f} {unit}" if unit == "bytes" else f"{free:,.1f} {unit}"
            free /= 1024
    return "unknown space"


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name (a container without passwd entry): the uid
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "?"


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> None:
    """Let ``write`` fill a temporary file beside ``path``, then rename it over ``path``.

    The folder is created when missing. ``mkstemp`` creates the temporary file owner-only
    (0600); before the rename it gets the mode any new file gets (0666 minus the umask),
    so that a shared drive or web server can read the outputs. When ``write`` fails, the
    temporary file is removed and ``path`` is left as it was.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "sub" / "a.txt"
    >>> atomic_write(target, lambda tmp: tmp.write_text("hello", encoding="utf-8"))
    >>> target.read_text(encoding="utf-8"), [p.name for p in target.parent.iterdir()]
    ('hello', ['a.txt'])
    """
    path = Path(path)
    tmp = _staged(path, write)
    with explained(path):
        try:
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def _staged(path: Path, write: Callable[[Path], None]) -> Path:
    """A temporary file beside ``path`` that ``write`` filled, with the mode of a new file."""
    with explained(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        tmp = Path(name)
        try:
            write(tmp)
            os.chmod(tmp, 0o666 & ~_umask())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return tmp


def write_texts(files: dict[Path, str]) -> None:
    """Write several texts as UTF-8 so that all of them are replaced, or none.

    Every text is written to a temporary file beside its path first; only when all are
    written are they renamed into place, in the order given (a rename needs no space).
    When one cannot be written (a full disk), the temporary files are removed and every
    path is left as it was, so that what a manifest says of them stays true.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_texts({folder / "a.md": "plan", folder / "a.html": "page"})
    >>> sorted(p.name for p in folder.iterdir())
    ['a.html', 'a.md']
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, text in files.items():
            staged.append((_staged(Path(path), lambda tmp, t=text: _write_utf8(tmp, t)),
                           Path(path)))
        for tmp, path in staged:
            with explained(path):
                os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> None:
    r"""Write ``text`` as UTF-8 to ``path`` atomically (newlines as the platform writes them).

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "a.txt"
    >>> write_text(target, "line\n")
    >>> target.read_bytes()
    b'line\n'
    """
    atomic_write(path, lambda tmp: _write_utf8(tmp, text))


def _write_utf8(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def write_json(path: str | Path, data: object) -> None:
    r"""Write ``data`` as indented UTF-8 JSON with a final newline, atomically.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "a.json"
    >>> write_json(target, {"naam": "één"})
    >>> target.read_text(encoding="utf-8")
    '{\n  "naam": "één"\n}\n'
    """
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_csv(path: str | Path, frame: pd.DataFrame) -> None:
    r"""Write a table as CSV (no index, ``\n`` line ends, :func:`excel_safe`), atomically.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> target = Path(tempfile.mkdtemp()) / "a.csv"
    >>> write_csv(target, pd.DataFrame({"a": ["=1+1", "x"]}))
    >>> target.read_text(encoding="utf-8")
    "a\n'=1+1\nx\n"
    """
    write_text(path, excel_safe(frame).to_csv(index=False, lineterminator="\n"))


def write_parquet(path: str | Path, frame: pd.DataFrame) -> None:
    """Write a table as parquet (no index), atomically.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> target = Path(tempfile.mkdtemp()) / "a.parquet"
    >>> write_parquet(target, pd.DataFrame({"a": [1, 2]}))
    >>> pd.read_parquet(target)["a"].tolist()
    [1, 2]
    """
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Defuse text cells that a spreadsheet would run as a formula (CSV injection).

    Text cells starting with ``= + - @``, a tab or a carriage return get a leading
    apostrophe, as OWASP advises; numbers are left alone. Only CSVs written for people to
    open use this; the package itself reads the parquet files.

    Examples
    --------
    >>> import pandas as pd
    >>> excel_safe(pd.DataFrame({"a": ["=1+1", "ok", "-x"], "b": [-1, 2, 3]})).to_dict("list")
    {'a': ["'=1+1", 'ok', "'-x"], 'b': [-1, 2, 3]}
    """
    import pandas as pd  # here: the rest of core stays free of pandas

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v
            )
    return out


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in blocks.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x"; _ = p.write_bytes(b"abc")
    >>> file_sha256(p)[:12]
    'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def text_sha256(text: str) -> str:
    """SHA-256 of a text's UTF-8 bytes.

    Examples
    --------
    >>> text_sha256("abc")[:12]
    'ba7816bf8f01'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chunks_sha256(*chunks: bytes | str) -> str:
    """SHA-256 over several chunks (text as UTF-8), each followed by a NUL byte.

    The separator keeps ``("ab", "c")`` and ``("a", "bc")`` apart.

    Examples
    --------
    >>> chunks_sha256("ab", "c") == chunks_sha256("a", "bc")
    False
    >>> chunks_sha256("a", b"b") == chunks_sha256(b"a", "b")
    True
    """
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        digest.update(b"\x00")
    return digest.hexdigest()


@contextlib.contextmanager
def staged_files(folder: str | Path) -> Iterator[Path]:
    r"""Write a set of files into a staging folder; they replace those in ``folder`` together.

    The block writes into the yielded staging folder (``.staging-<random>``, made in
    ``folder`` so that it is on the same file system). When the block ends normally, a
    commit list is written into the staging folder (the commit point) and each file is
    renamed into ``folder``, replacing the old one; the staging folder is then removed.
    When the block fails, or is interrupted, the staging folder is removed and ``folder``
    keeps its previous set, untouched. A process killed in the instant between the commit
    point and the last rename leaves a committed staging folder, which
    :func:`finish_staged` completes. Only regular files directly in the staging folder
    are moved; files in ``folder`` that the block did not write stay as they are.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with staged_files(folder) as staging:
    ...     write_text(staging / "a.csv", "a\n")
    ...     write_text(staging / "b.csv", "b\n")
    >>> sorted(p.name for p in folder.iterdir())
    ['a.csv', 'b.csv']
    >>> with staged_files(folder) as staging:  # doctest: +ELLIPSIS
    ...     write_text(staging / "a.csv", "new\n")
    ...     raise OSError("the disk is full")
    Traceback (most recent call last):
    OSError: the disk is full
    >>> (folder / "a.csv").read_text(), sorted(p.name for p in folder.iterdir())
    ('a\n', ['a.csv', 'b.csv'])
    """
    folder = Path(folder)
    with explained(folder / STAGING_PREFIX):
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=STAGING_PREFIX))
    try:
        yield staging
        names = sorted(p.name for p in staging.iterdir()
                       if p.is_file() and not p.is_symlink() and not p.name.startswith("."))
        write_json(staging / _COMMIT, names)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _commit(staging)


def _commit(staging: Path) -> None:
    """Rename every file of a committed staging folder into its parent; remove the folder."""
    names = json.loads((staging / _COMMIT).read_text(encoding="utf-8"))
    for name in names:
        if not isinstance(name, str) or Path(name).name != name or name.startswith("."):
            continue  # a commit list names plain files of the staging folder, nothing else
        source = staging / name
        if source.is_file() and not source.is_symlink():
            os.replace(source, staging.parent / name)
    (staging / _COMMIT).unlink()
    _remove_staging(staging)


def _remove_staging(staging: Path) -> None:
    """Remove a staging folder's files (not following links), then the folder if empty."""
    for path in staging.iterdir():
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # something not ours inside: leave it
        staging.rmdir()


def finish_staged(folder: str | Path) -> list[Path]:
    """Complete or remove the staging folders an interrupted :func:`staged_files` left.

    A committed staging folder (its commit list written) is completed: its files replace
    those in ``folder``. An uncommitted one is removed: ``folder`` keeps its previous set.
    Only folders named ``.staging-<random>`` directly in ``folder``, not links, are
    looked at. Returns the staging folders handled; a missing ``folder`` is no error.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> half = folder / ".staging-abcd1234"; half.mkdir()
    >>> _ = (half / "a.csv").write_text("half")
    >>> [p.name for p in finish_staged(folder)], list(folder.iterdir())
    (['.staging-abcd1234'], [])
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    handled = []
    for staging in sorted(folder.glob(f"{STAGING_PREFIX}*")):
        if staging.is_symlink() or not staging.is_dir():
            continue
        if (staging / _COMMIT).is_file():
            _commit(staging)
        else:
            _remove_staging(staging)
        handled.append(staging)
    return handled
