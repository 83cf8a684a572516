"""The data stage of a build: raw files in, processed files out.

:func:`prepare` reads like papermill's ``execute_notebook``: a table of contents of named
steps, each a function of its own. It reads the raw folder (scan export, coded fragments,
document inventory), cleans the scan, analyses it (scores, pooled summaries, change
between waves, evidence, coder agreement), and writes every table the reports read into
``processed_dir`` through one writer, in the order of
:data:`readiness_analysis.core.tables.PROCESSED_FILES`. Raw files are only read; their
SHA-256 is taken before and after, and the build fails if a raw file changed under it.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.core.files import file_sha256, write_csv, write_json, write_parquet
from readiness_analysis.core.tables import (
    AGREEMENT_COLUMNS,
    ALIAS_FILE,
    DOCUMENTS_FILE,
    FRAGMENTS_FILE,
    PROCESSED_FILES,
    QDA_FILES,
)
from readiness_analysis.core.version import package_version
from readiness_analysis.io.clean import CleanResult, clean_scan
from readiness_analysis.io.contracts import validate_responses
from readiness_analysis.io.documents import COLUMNS as DOCUMENT_COLUMNS
from readiness_analysis.io.documents import read_documents
from readiness_analysis.io.fragments import read_fragments
from readiness_analysis.io.institutions import align_institutions, institution_note, load_aliases
from readiness_analysis.io.qda_fragments import find_qda_export, read_qda_fragments
from readiness_analysis.io.scan import RawTable, find_scan_file, read_scan
from readiness_analysis.spec.codebook import Codebook, load_codebook
from readiness_analysis.spec.instrument import Instrument, load_instrument
from readiness_analysis.stats.agreement import agreement
from readiness_analysis.stats.bootstrap import wave_change
from readiness_analysis.stats.disclosure import suppress_small_cells
from readiness_analysis.stats.evidence import build_evidence
from readiness_analysis.stats.pooled import summarise_all
from readiness_analysis.stats.scores import theme_scores

__all__ = ["KEY_ENV", "KEY_FILE", "MIN_KEY_BYTES", "Prepared", "prepare", "pseudonym_key"]

KEY_ENV = "READINESS_PSEUDONYM_KEY"
KEY_FILE = ".pseudonym.key"
#: The shortest key accepted: an empty or short key makes pseudonyms recomputable.
MIN_KEY_BYTES = 16
_KEY_FIX = (f"delete it so that the next build makes a new one (pseudonyms then change), "
            f"or set {KEY_ENV}")
# fragments.parquet when the raw folder has no coded fragments.
NO_FRAGMENTS_COLUMNS = ("fragment_id", "institution", "section", "coder", "document", "code",
                        "rank", "valence", "theme", "recommendation", "text")


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare` wrote, for the render stage."""

    processed_dir: Path
    institutions: list[str]
    inputs: dict[str, str]
    clean: CleanResult


@dataclass(frozen=True)
class _Raw:
    """What the read step took from the raw folder."""

    folder: Path
    scan_file: Path
    inputs: dict[str, str]  # SHA-256 of each raw file, before reading
    aliases: dict[str, str]
    scan: RawTable  # the scan export as read
    fragments: pd.DataFrame
    double_coded: pd.DataFrame | None  # units coded by two coders (QDA export), or None
    documents: pd.DataFrame
    synthetic: dict | None  # the generator's sidecar, when the scan is synthetic


@dataclass(frozen=True)
class _Cleaned:
    """The clean step's result: the cleaned scan; documents and fragments named as in it."""

    scan: CleanResult
    documents: pd.DataFrame
    fragments: pd.DataFrame


@dataclass(frozen=True)
class _Processed:
    """Every processed table, one field per file stem of ``PROCESSED_FILES``.

    ``institution_scores.parquet`` and ``institution_scores.csv`` are one table written
    twice, as are the two ``wave_change`` files.
    """

    responses: pd.DataFrame
    rejected_rows: pd.DataFrame
    cleaning_log: pd.DataFrame
    scores: pd.DataFrame
    institution_scores: pd.DataFrame
    wave_change: pd.DataFrame
    fragments: pd.DataFrame
    evidence: pd.DataFrame
    documents: pd.DataFrame
    agreement: pd.DataFrame
    provenance: dict


# How each kind of processed file is written (atomically: see readiness_analysis.core.files).
_WRITERS: dict[str, Callable[[Path, object], None]] = {
    ".parquet": write_parquet, ".csv": write_csv, ".json": write_json,
}


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
    key_file = Path(processed_dir).resolve().parent / KEY_FILE
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


def _new_key_file(key_file: Path) -> None:
    """Write a new random key to ``key_file`` atomically, owner-only; keep one that appeared."""
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=key_file.parent, prefix=f"{KEY_FILE}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        try:  # a link, unlike a rename, never replaces a key another build just made
            os.link(name, key_file)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            os.replace(name, key_file)
    finally:
        Path(name).unlink(missing_ok=True)


def prepare(
    raw_dir: str | Path,
    processed_dir: str | Path,
    *,
    instrument: Instrument | None = None,
    codebook: Codebook | None = None,
    weighted: bool = False,
    seed: int = 2023,
    invalid_answers: str = "reject",
) -> Prepared:
    """Run the data stages and write the processed files.

    The steps: read the raw folder, clean the scan, analyse it, write every processed
    file, and check that no raw file changed meanwhile.

    Parameters
    ----------
    raw_dir : path
        Holds ``scan_responses.(csv|xlsx|sav)`` and, optionally, ``fragments.csv`` (or a
        QDA export), ``documents.csv`` and ``institution_aliases.yaml``; never written to.
    processed_dir : path
        Receives every file of :data:`readiness_analysis.core.tables.PROCESSED_FILES`:
        ``responses.parquet``, ``rejected_rows.csv``, ``cleaning_log.csv``,
        ``scores.parquet``, ``institution_scores.parquet`` (and ``.csv``; see
        :func:`readiness_analysis.stats.pooled.summarise_all`: small cells suppressed,
        pooled rows only over institutions with at least ``MIN_CELL`` respondents),
        ``wave_change.parquet`` (and ``.csv``, small cells suppressed),
        ``fragments.parquet``, ``evidence.csv``, ``documents.parquet``, ``agreement.csv``
        and ``provenance.json``.
    instrument, codebook : optional
        Default: the ones shipped with the package.
    weighted : bool
        Weight interviews by ``n_teachers`` in the summaries.
    seed : int
        Seed of the bootstrap confidence intervals (same seed, same intervals).
    invalid_answers : {"reject", "missing"}
        An invalid item answer rejects its row (default) or is set to missing with a
        warning (see :func:`readiness_analysis.io.clean.clean_scan`). Recorded in
        ``provenance.json``.

    Examples
    --------
    >>> prepared = prepare("data/raw", "data/processed")  # doctest: +SKIP
    >>> prepared.institutions  # doctest: +SKIP
    ['Instelling A', 'Instelling B', 'Instelling C']
    """
    raw_dir, out = Path(raw_dir), Path(processed_dir)
    instrument = instrument or load_instrument()
    codebook = codebook or load_codebook()
    raw = _read(raw_dir, codebook)  # every raw input, hashed before reading
    cleaned = _clean(raw, instrument, key=pseudonym_key(out), invalid_answers=invalid_answers)
    processed = _analyse(raw, cleaned, instrument, codebook, weighted=weighted, seed=seed,
                         invalid_answers=invalid_answers)
    _write(processed, out)
    _check_unchanged(raw)
    institutions = sorted(cleaned.scan.responses["institution"].dropna().unique().tolist())
    return Prepared(out, institutions, raw.inputs, cleaned.scan)


# --- read -------------------------------------------------------------------------------


def _read(raw_dir: Path, codebook: Codebook) -> _Raw:
    """Read every raw input: scan export, coded fragments, documents, synthetic sidecar."""
    scan_file = find_scan_file(raw_dir)
    inputs = _hash_inputs(raw_dir, scan_file)
    scan = read_scan(scan_file)
    fragments, double_coded = _read_fragments(raw_dir, codebook)
    return _Raw(raw_dir, scan_file, inputs, load_aliases(raw_dir), scan, fragments,
                double_coded, _read_documents(raw_dir), _synthetic(scan_file))


def _hash_inputs(raw_dir: Path, scan_file: Path) -> dict[str, str]:
    files = [scan_file, raw_dir / FRAGMENTS_FILE, raw_dir / DOCUMENTS_FILE, raw_dir / ALIAS_FILE,
             *(raw_dir / name for name in QDA_FILES)]
    return {p.name: file_sha256(p) for p in files if p.is_file()}


def _read_fragments(raw_dir: Path, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Coded fragments from ``fragments.csv`` or a QDA export (with its double-coded units)."""
    path, export = raw_dir / FRAGMENTS_FILE, find_qda_export(raw_dir)
    if path.is_file() and export is not None:
        raise ReadinessError(
            f"both {FRAGMENTS_FILE} and {export.name} found", file=raw_dir,
            hint="keep one source of coded fragments in the raw folder",
        )
    if export is not None:
        return read_qda_fragments(export, codebook)
    if not path.is_file():
        return pd.DataFrame(columns=list(NO_FRAGMENTS_COLUMNS)), None
    return read_fragments(path, codebook), None


def _read_documents(raw_dir: Path) -> pd.DataFrame:
    """The policy-document inventory (optional; empty when there is none)."""
    path = raw_dir / DOCUMENTS_FILE
    return read_documents(path) if path.is_file() else pd.DataFrame(columns=list(DOCUMENT_COLUMNS))


def _synthetic(scan_file: Path) -> dict | None:
    """The synthetic generator's sidecar of the scan export, when there is one."""
    sidecar = scan_file.with_suffix(".synthetic.json")
    return json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.is_file() else None


# --- clean ------------------------------------------------------------------------------


def _clean(raw: _Raw, instrument: Instrument, *, key: bytes, invalid_answers: str) -> _Cleaned:
    """Clean and check the scan; spell the institutions of documents and fragments as it does.

    Documents and fragments get the scan's cleaning of names (Unicode, aliases, case and
    white space) and its exact spelling; every change is a note in the cleaning log.
    """
    scan = clean_scan(raw.scan, instrument, key=key, aliases=raw.aliases,
                      invalid_answers=invalid_answers)
    validate_responses(scan.responses, instrument)
    reference = scan.responses["institution"].dropna().unique().tolist()
    notes: list[str] = []
    aligned = {}
    for what, table in (("documents", raw.documents), ("fragments", raw.fragments)):
        if table["institution"].notna().any():
            table = table.copy()
            names, changes = align_institutions(table["institution"], reference, raw.aliases)
            table["institution"] = names.astype(table["institution"].dtype)  # as read
            notes += [f"{what}: {institution_note(old, new)}" for old, new in changes.items()]
        aligned[what] = table
    return _Cleaned(_with_notes(scan, notes), aligned["documents"], aligned["fragments"])


def _with_notes(scan: CleanResult, notes: list[str]) -> CleanResult:
    """``scan`` with ``notes`` appended to its cleaning log (rows unchanged)."""
    if not notes:
        return scan
    rows = int(scan.log["rows_out"].iloc[-1])
    extra = pd.DataFrame([{"step": "note", "rows_in": rows, "rows_out": rows, "rejected": 0,
                           "blank": 0, "detail": note} for note in notes])
    return replace(scan, log=pd.concat([scan.log, extra], ignore_index=True))


# --- analyse ----------------------------------------------------------------------------


def _analyse(raw: _Raw, cleaned: _Cleaned, instrument: Instrument, codebook: Codebook, *,
             weighted: bool, seed: int, invalid_answers: str) -> _Processed:
    """Every processed table: scores, summaries, change, evidence, agreement, provenance."""
    scan = cleaned.scan
    scores = theme_scores(scan.responses, instrument)
    agree = instrument.agree_from or instrument.scale_max
    return _Processed(
        responses=scan.responses, rejected_rows=scan.rejected, cleaning_log=scan.log,
        scores=scores,
        institution_scores=summarise_all(scores, agree_from=agree, weighted=weighted, seed=seed),
        wave_change=suppress_small_cells(wave_change(scores, seed=seed, weighted=weighted)),
        fragments=cleaned.fragments, evidence=build_evidence(cleaned.fragments),
        documents=cleaned.documents, agreement=_agreement(raw.double_coded, codebook),
        provenance=_provenance(raw, instrument, codebook, weighted, invalid_answers),
    )


def _agreement(double_coded: pd.DataFrame | None, codebook: Codebook) -> pd.DataFrame:
    """Agreement between coders per code (empty without double-coded units)."""
    if double_coded is None or double_coded.empty:
        return pd.DataFrame(columns=list(AGREEMENT_COLUMNS))
    used = [c for c in codebook.names if c in set(double_coded["code"])]
    return agreement(double_coded, codes=used)


def _git_commit() -> str | None:
    """The commit of the package's source checkout, when it is one (else None)."""
    import subprocess

    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _provenance(raw: _Raw, instrument: Instrument, codebook: Codebook, weighted: bool,
                invalid_answers: str) -> dict:
    return {
        "package_version": package_version(),
        "commit": _git_commit(),
        "inputs": raw.inputs,
        "scan_file": raw.scan_file.name,
        "synthetic": raw.synthetic,
        "instrument": {"id": instrument.id, "version": instrument.version,
                       "source": instrument.source},
        "codebook": {"id": codebook.id, "version": codebook.version},
        "weighted": weighted,
        "invalid_answers": invalid_answers,
    }


# --- write ------------------------------------------------------------------------------


def _write(processed: _Processed, out: Path) -> None:
    """Write every processed file, in the order of ``PROCESSED_FILES``.

    Examples
    --------
    >>> from dataclasses import fields
    >>> sorted({Path(name).stem for name in PROCESSED_FILES}) == sorted(
    ...     f.name for f in fields(_Processed))
    True
    """
    out.mkdir(parents=True, exist_ok=True)
    for name in PROCESSED_FILES:
        path = out / name
        _WRITERS[path.suffix](path, getattr(processed, path.stem))


def _check_unchanged(raw: _Raw) -> None:
    """Fail when a raw file changed while the build was reading it."""
    if _hash_inputs(raw.folder, raw.scan_file) != raw.inputs:
        raise ReadinessError(
            "a raw file changed while the build was reading it",
            file=raw.folder,
            hint="wait until the export is complete, then build again",
        )
