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

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "atomic_write",
    "chunks_sha256",
    "excel_safe",
    "file_sha256",
    "text_sha256",
    "write_csv",
    "write_json",
    "write_parquet",
    "write_text",
]

# Text cells a spreadsheet would run as a formula start with one of these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)

    atomic_write(path, write)


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
