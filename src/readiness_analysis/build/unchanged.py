"""A rebuild with nothing changed does nothing: decided before the data stage runs.

The data stage (reading, cleaning, scoring, intervals) and the per-report fingerprints
(:mod:`readiness_analysis.build.incremental`) read every processed table; at national
scale that takes longer than a user should wait to learn that nothing changed. So a build
that ends with every report ``ok`` records in ``manifest.json`` (key ``unchanged``, one
record per report language) a *build key*: a SHA-256 over everything the data stage and
the reports are made from, none of it a data table:

=================  ===========================================================================
part               what it covers
=================  ===========================================================================
``raw``            every entry directly in the raw folder: name, and the file's SHA-256 (a
                   symbolic link: its target, not followed); hidden files left out
``instrument``     the instrument file's SHA-256 (a shipped one: ``package`` covers it)
``study``          the study file's SHA-256; the files it reads (quotes, definition) are
                   checked against the SHA-256s the record keeps
``notebooks``      the two report notebooks' bytes
``package``        the package version and its own files (:func:`~.version.package_sha`)
``key``            a SHA-256 of the pseudonym key (never the key itself)
``options``        the options that change processed data or reports (weighted, invalid
                   answers, strict, QDA case variable, language)
=================  ===========================================================================

The record also keeps the SHA-256 of every file in the processed folder and of the index
page. The next build with the same key skips both stages (:func:`nothing_changed`) when
those files, every report listed for the language and each file it brings along still
have their recorded SHA-256s. Anything else (a raw byte, an option, a deleted report, an
edited processed file) runs the full build, whose fingerprints then decide what renders.
A build that selects institutions, forces, prints PDFs or writes a problem file always
runs in full: their results are not in the record.

Nothing here imports pandas: ``readiness build`` checks this before loading the
analysis stack.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from readiness_analysis.build.keys import KEY_ENV, key_file_for
from readiness_analysis.build.notebooks import (
    INSTITUTION_NOTEBOOK,
    STUDY_NOTEBOOK,
    default_notebooks_dir,
)
from readiness_analysis.core.files import chunks_sha256, file_sha256, write_json
from readiness_analysis.core.version import package_sha

__all__ = ["NOTHING_CHANGED", "Unchanged", "build_key", "check", "nothing_changed", "remember",
           "summary"]

MANIFEST = "manifest.json"
RECORD = "unchanged"
#: What a build that found nothing changed says on stderr.
NOTHING_CHANGED = ("nothing changed since the last build (raw files, instrument, study, "
                   "notebooks, options, package): nothing prepared or rendered")


@dataclass(frozen=True)
class Unchanged:
    """A build that found nothing changed: the manifest entries of its language's reports."""

    entries: list[dict]
    account: str  # the row account line of the build that made the record
    index: Path  # the index page of the language


def summary(reports: int, rendered: int, failed: int, skipped: int, wall_s: float) -> str:
    """The one line a build ends with (:meth:`~.pipeline.BuildResult.summary`).

    Examples
    --------
    >>> summary(201, 0, 0, 201, 0.42)
    '201 reports: 0 rendered, 0 failed, 201 skipped (up to date) in 0.4 s'
    """
    return (f"{reports} reports: {rendered} rendered, {failed} failed, {skipped} skipped "
            f"(up to date) in {wall_s:.1f} s")


def _folder_sha(folder: Path) -> str:
    """SHA-256 over the names and contents of the entries directly in ``folder``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> before = _folder_sha(folder)
    >>> _ = (folder / "a.csv").write_text("x")
    >>> before == _folder_sha(folder)
    False
    """
    parts = []
    for path in sorted(Path(folder).iterdir()) if Path(folder).is_dir() else ():
        if path.name.startswith("."):
            continue
        if path.is_symlink():
            parts.append(f"{path.name}->{os.readlink(path)}")
        elif path.is_file():
            parts.append(f"{path.name}:{file_sha256(path)}")
        else:
            parts.append(f"{path.name}/")
    return chunks_sha256(*parts)


def _key_sha(processed_dir: Path) -> str | None:
    """SHA-256 of the pseudonym key in use; None when there is none yet (or unreadable)."""
    if KEY_ENV in os.environ:
        return chunks_sha256(os.environ[KEY_ENV].encode("utf-8", "surrogateescape"))
    try:
        return chunks_sha256(key_file_for(processed_dir).read_bytes().strip())
    except OSError:
        return None


def build_key(raw_dir: Path, processed_dir: Path, notebooks_dir: Path, *,
              instrument: Path | None, study: Path | None, options: dict) -> str | None:
    """The build key (see the module docstring); None when there is no pseudonym key yet.

    Where the folders are is not part of it: the same files elsewhere give the same key,
    as they give the same fingerprints (:mod:`~.incremental`).

    Examples
    --------
    >>> import tempfile
    >>> base = Path(tempfile.mkdtemp())
    >>> os.environ[KEY_ENV] = "a-secret-of-some-length"
    >>> key = lambda **o: build_key(base / "raw", base / "p", base / "nb",
    ...                             instrument=None, study=None, options=o)
    >>> key(weighted=False) == key(weighted=False), key(weighted=False) == key(weighted=True)
    (True, False)
    >>> del os.environ[KEY_ENV]
    """
    key = _key_sha(processed_dir)
    if key is None:
        return None
    notebooks = [file_sha256(p) if p.is_file() else "" for p in
                 (notebooks_dir / STUDY_NOTEBOOK, notebooks_dir / INSTITUTION_NOTEBOOK)]
    parts = {
        "raw": _folder_sha(raw_dir),
        "instrument": file_sha256(instrument) if instrument else "<package>",
        "study": file_sha256(study) if study else "<package>",
        "notebooks": chunks_sha256(*notebooks),
        "package": package_sha(),
        "key": key,
        "options": json.dumps(options, sort_keys=True),
    }
    return chunks_sha256(json.dumps(parts, sort_keys=True))


def _files_sha(folder: Path) -> dict[str, str]:
    """The SHA-256 of every regular, not hidden file directly in ``folder``, by name."""
    return {p.name: file_sha256(p) for p in sorted(folder.iterdir())
            if p.is_file() and not p.is_symlink() and not p.name.startswith(".")}


def _manifest(reports_dir: Path) -> dict:
    try:
        manifest = json.loads((reports_dir / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _language_entries(manifest: dict, lang: str) -> list[dict]:
    return [e for e in manifest.get("reports", [])
            if isinstance(e, dict) and (e.get("parameters") or {}).get("lang") == lang]


def remember(reports_dir: Path, processed_dir: Path, *, lang: str, key: str, index: Path,
             study_files: tuple[str, ...] = (), account: str = "") -> None:
    """Record ``key`` in the manifest, with the SHA-256s :func:`nothing_changed` checks.

    Called at the end of a build in which every report is ``ok``. A record of another
    language stays as long as the manifest does (its own check covers the processed
    files this build may have rewritten); a build that rewrites the manifest drops it.
    """
    manifest = _manifest(reports_dir)
    records = manifest.get(RECORD) if isinstance(manifest.get(RECORD), dict) else {}
    records[lang] = {
        "key": key,
        "processed": _files_sha(processed_dir),
        "study_files": {name: file_sha256(name) for name in study_files},
        "index": [index.name, file_sha256(index)],
        "account": account,
    }
    manifest[RECORD] = records
    write_json(reports_dir / MANIFEST, manifest)


def _intact(entry: dict, reports_dir: Path) -> bool:
    """Whether a report's file, and each file it brings along, has its recorded SHA-256."""
    if entry.get("status") != "ok" or not isinstance(entry.get("path"), str):
        return False
    files = {entry["path"]: entry.get("output_sha256"), **(entry.get("companions") or {})}
    return all((reports_dir / path).is_file() and file_sha256(reports_dir / path) == digest
               for path, digest in files.items())


def nothing_changed(reports_dir: Path, processed_dir: Path, *, lang: str,
                    key: str | None) -> Unchanged | None:
    """The reports of ``lang`` when nothing changed since the build that recorded ``key``.

    None when anything differs (see the module docstring): then the build runs in full.

    Examples
    --------
    >>> nothing_changed(Path("/nonexistent"), Path("/nonexistent"), lang="nl", key="k")
    """
    manifest = _manifest(reports_dir) if key else {}
    records = manifest.get(RECORD)
    record = records.get(lang) if isinstance(records, dict) else None
    if not isinstance(record, dict) or record.get("key") != key:
        return None
    entries = _language_entries(manifest, lang)
    index_name, index_sha = (record.get("index") or ["", ""])[:2]
    checks = (
        lambda: processed_dir.is_dir() and _files_sha(processed_dir) == record.get("processed"),
        lambda: all(Path(n).is_file() and file_sha256(n) == s
                    for n, s in (record.get("study_files") or {}).items()),
        lambda: bool(index_name) and (reports_dir / index_name).is_file()
        and file_sha256(reports_dir / index_name) == index_sha,
        lambda: bool(entries) and all(_intact(e, reports_dir) for e in entries),
    )
    if not all(check() for check in checks):
        return None
    return Unchanged(entries, str(record.get("account", "")), reports_dir / index_name)


def check(raw_dir: str | Path, processed_dir: str | Path, reports_dir: str | Path, *,
          notebooks_dir: str | Path | None = None, instrument: str | Path | None = None,
          study: str | Path | None = None, lang: str, weighted: bool = False,
          invalid_answers: str = "reject", strict: bool = False,
          case_variable: str | None = None) -> tuple[str | None, Unchanged | None]:
    """The build key of these arguments, and what :func:`nothing_changed` finds for it.

    Takes the arguments of :func:`readiness_analysis.build.pipeline.build` that change
    processed data or reports; paths are made absolute as the build makes them.

    Examples
    --------
    >>> check("/nonexistent/raw", "/nonexistent/p", "/nonexistent/r", lang="nl")[1]
    """
    raw, processed, reports = (_absolute(p) for p in (raw_dir, processed_dir, reports_dir))
    notebooks = _absolute(default_notebooks_dir() if notebooks_dir is None else notebooks_dir)
    options = {"weighted": weighted, "invalid_answers": invalid_answers, "strict": strict,
               "case_variable": case_variable, "lang": lang}
    key = build_key(raw, processed, notebooks,
                    instrument=_absolute(instrument) if instrument else None,
                    study=_absolute(study) if study else None, options=options)
    return key, nothing_changed(reports, processed, lang=lang, key=key)


def _absolute(path: str | Path) -> Path:
    """As the build makes paths absolute (:func:`~.prepare.absolute_path`)."""
    return Path(path).expanduser().absolute()
