"""The pseudonym key: the secret that turns respondent ids into pseudonyms.

A key anyone can guess would let anyone with the id list recompute the pseudonyms, so a
key is refused when empty or short, and written atomically, owner-only. Kept apart from
the data stage (:mod:`readiness_analysis.build.prepare`) so that a build that checks
whether anything changed (:mod:`readiness_analysis.build.unchanged`) reads it without
importing pandas.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.core.files import explained

__all__ = ["KEY_COMMAND", "KEY_ENV", "KEY_FILE", "MIN_KEY_BYTES", "key_file_for", "new_key",
           "pseudonym_key"]

KEY_ENV = "READINESS_PSEUDONYM_KEY"
KEY_FILE = ".pseudonym.key"
#: The shortest key accepted: an empty or short key makes pseudonyms recomputable.
MIN_KEY_BYTES = 16
#: The command that makes a new key file (every pseudonym changes with the key).
KEY_COMMAND = "readiness key --new --force"
_KEY_FIX = (f"make a new one with `{KEY_COMMAND} --processed DIR` (every pseudonym then "
            f"changes), or set {KEY_ENV}")


def pseudonym_key(processed_dir: str | Path) -> bytes:
    """Secret key for respondent pseudonyms.

    Taken from the environment variable ``READINESS_PSEUDONYM_KEY`` when set; otherwise
    from ``.pseudonym.key`` beside ``processed_dir``, created once with 32 random bytes
    (as hex) and owner-only permissions (0600). The key file is written atomically (a
    temporary file, flushed to disk, then linked into place), so a full disk never leaves
    an empty key behind. The key itself is never written into any output.

    Raises
    ------
    ReadinessError
        When the variable is set but empty or not encodable as UTF-8, or the key file is
        unreadable, empty or shorter than :data:`MIN_KEY_BYTES` bytes: a key anyone can
        guess would let anyone with the id list recompute the pseudonyms.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> key = pseudonym_key(folder / "processed")  # doctest: +SKIP
    >>> len(key), oct((folder / ".pseudonym.key").stat().st_mode & 0o777)  # doctest: +SKIP
    (64, '0o600')
    """
    if KEY_ENV in os.environ:
        return _environment_key(os.environ[KEY_ENV])
    key_file = key_file_for(processed_dir)
    if not key_file.exists() and not key_file.is_symlink():
        _new_key_file(key_file)
    try:
        key = key_file.read_bytes().strip()
    except OSError as exc:
        raise ReadinessError(f"cannot read the pseudonym key file ({exc.strerror})",
                             file=key_file, hint=_KEY_FIX) from None
    if len(key) < MIN_KEY_BYTES:
        what = "empty" if not key else f"only {len(key)} bytes (at least {MIN_KEY_BYTES})"
        raise ReadinessError(f"the pseudonym key file is {what}", file=key_file,
                             hint=_KEY_FIX)
    return key


def _environment_key(value: str) -> bytes:
    r"""The key of ``READINESS_PSEUDONYM_KEY``, refused when empty or not valid UTF-8.

    Examples
    --------
    >>> _environment_key("a-long-enough-secret")
    b'a-long-enough-secret'
    >>> _environment_key("\udcff")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    readiness_analysis.core.errors.ReadinessError: READINESS_PSEUDONYM_KEY is not valid UTF-8 ...
    """
    hint = f"set it to a text of letters and digits, or unset it to use {KEY_FILE}"
    if not value.strip():
        raise ReadinessError(f"{KEY_ENV} is set but empty", hint=hint)
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise ReadinessError(f"{KEY_ENV} is not valid UTF-8", hint=hint) from None


def key_file_for(processed_dir: str | Path) -> Path:
    """The pseudonym key file of a processed folder: ``.pseudonym.key`` beside it.

    Examples
    --------
    >>> key_file_for("/data/processed")
    PosixPath('/data/.pseudonym.key')
    """
    return Path(processed_dir).resolve().parent / KEY_FILE


def new_key(processed_dir: str | Path, *, force: bool = False) -> Path:
    """Write a new random pseudonym key for ``processed_dir``; return the key file.

    The key (32 random bytes as hex) is written atomically with owner-only permissions
    (0600) to :func:`key_file_for` the folder. A new key changes every pseudonym: the
    next build gives every respondent a new one, so reports and processed files of
    earlier builds no longer match.

    Raises
    ------
    ReadinessError
        When a key file exists and ``force`` is not given (it is left as it is).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "processed"
    >>> key = new_key(folder)
    >>> len(key.read_text()), oct(key.stat().st_mode & 0o777)
    (64, '0o600')
    >>> new_key(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    readiness_analysis.core.errors.ReadinessError: ...: a pseudonym key exists; it was not ...
    """
    key_file = key_file_for(processed_dir)
    if (key_file.exists() or key_file.is_symlink()) and not force:
        raise ReadinessError(
            "a pseudonym key exists; it was not replaced", file=key_file,
            hint="a new key changes every pseudonym, so earlier processed data and reports "
                 "no longer match; add --force to replace it anyway")
    _new_key_file(key_file, replace=True)
    return key_file


def _new_key_file(key_file: Path, *, replace: bool = False) -> None:
    """Write a new random key to ``key_file`` atomically, owner-only.

    Without ``replace`` a key that another build made meanwhile is kept.
    """
    with explained(key_file):
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=key_file.parent, prefix=f"{KEY_FILE}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32))
                handle.flush()
                os.fsync(handle.fileno())
            if replace:  # a link or key file at the place is replaced, not followed
                os.replace(name, key_file)
                return
            try:  # a link, unlike a rename, never replaces a key another build just made
                os.link(name, key_file)
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links
                os.replace(name, key_file)
        finally:
            Path(name).unlink(missing_ok=True)
