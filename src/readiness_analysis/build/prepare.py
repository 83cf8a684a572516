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
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from readiness_analysis.build.keys import (  # re-exported: the data stage's key
    KEY_COMMAND,
    KEY_ENV,
    KEY_FILE,
    MIN_KEY_BYTES,
    key_file_for,
    new_key,
    pseudonym_key,
)
from readiness_analysis.build.progress import Stage
from readiness_analysis.core.errors import (
    CodingWarning,
    DataValidationError,
    Problem,
    ReadinessError,
)
from readiness_analysis.core.files import (
    file_sha256,
    staged_files,
    write_csv,
    write_json,
    write_parquet,
)
from readiness_analysis.core.tables import (
    ALIAS_FILE,
    DOCUMENTS_FILE,
    FRAGMENTS_FILE,
    PROCESSED_FILES,
    QDA_FILES,
    QDA_IMPORT_COLUMNS,
    REDACT_NAMES_FILE,
    UNIT_AGREEMENT_COLUMNS,
)
from readiness_analysis.core.version import package_version
from readiness_analysis.core.words import plural
from readiness_analysis.io.clean import CleanResult, RowAccount, check_account, clean_scan
from readiness_analysis.io.contracts import validate_responses
from readiness_analysis.io.documents import COLUMNS as DOCUMENT_COLUMNS
from readiness_analysis.io.documents import read_documents
from readiness_analysis.io.fragments import read_fragments
from readiness_analysis.io.institutions import align_institutions, institution_note, load_aliases
from readiness_analysis.io.qda_fragments import find_qda_export, read_qda_export
from readiness_analysis.io.redact import Redactor, load_names, looks_personal
from readiness_analysis.io.scan import RawTable, find_scan_file, read_scan
from readiness_analysis.report.data import has_theme_score
from readiness_analysis.spec.codebook import Codebook, load_codebook
from readiness_analysis.spec.instrument import SHIPPED, Instrument, load_instrument
from readiness_analysis.spec.study import Study, study_for
from readiness_analysis.stats.agreement import coder_agreement
from readiness_analysis.stats.bootstrap import wave_change
from readiness_analysis.stats.disclosure import suppress_small_cells
from readiness_analysis.stats.evidence import build_evidence
from readiness_analysis.stats.perspectives import with_perspectives
from readiness_analysis.stats.pooled import summarise_all
from readiness_analysis.stats.scores import agree_thresholds, scale_bounds, theme_scores

__all__ = ["KEY_COMMAND", "KEY_ENV", "KEY_FILE", "MIN_KEY_BYTES", "Prepared", "absolute_path",
           "key_file_for", "new_key", "prepare", "pseudonym_key", "recorded_source"]

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
    account: RowAccount | None = None  # rows read, kept, rejected, ...; respondents unscored


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
    qda_import: pd.DataFrame | None = None  # the import report of a QDA export
    # What was redacted from free text so far (and the names of redact_names.txt).
    redactor: Redactor = field(default_factory=Redactor)


@dataclass(frozen=True)
class _Cleaned:
    """The clean step's result: the cleaned scan; documents and fragments named as in it."""

    scan: CleanResult
    documents: pd.DataFrame
    fragments: pd.DataFrame
    qda_import: pd.DataFrame | None = None  # the QDA import report, institutions as in the scan


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
    qda_import: pd.DataFrame
    redactions: pd.DataFrame  # where free text was redacted as [...] (io.redact), no values
    provenance: dict


# How each kind of processed file is written (atomically: see readiness_analysis.core.files).
_WRITERS: dict[str, Callable[[Path, object], None]] = {
    ".parquet": write_parquet, ".csv": write_csv, ".json": write_json,
}


def absolute_path(path: str | Path) -> Path:
    """``path`` made absolute once, as the caller meant it: ``~`` expanded, links not followed.

    A build stores paths (provenance, report parameters) that notebooks read from another
    working folder, so every path is made absolute where the build receives it. It is not
    resolved: symbolic links stay as given (a build does not follow links in the raw
    folder), and ``..`` stays too, since collapsing it across a link would change what
    the path names.

    Examples
    --------
    >>> absolute_path("data/raw") == Path.cwd() / "data" / "raw"
    True
    >>> absolute_path("/x/./y")
    PosixPath('/x/y')
    """
    return Path(path).expanduser().absolute()


def recorded_source(source: str) -> str:
    """A source as provenance records it: a path absolute, a marker as it is.

    Markers are in angle brackets: a shipped file (``<package>/name``) or a study made
    from the instrument (``<instrument>``).

    Examples
    --------
    >>> recorded_source("<package>/blended_readiness_v1.yaml")
    '<package>/blended_readiness_v1.yaml'
    >>> recorded_source("my.yaml") == str(Path.cwd() / "my.yaml")
    True
    """
    if not source or source.startswith((SHIPPED, "<")):
        return source
    return str(absolute_path(source))


def prepare(
    raw_dir: str | Path,
    processed_dir: str | Path,
    *,
    instrument: Instrument | None = None,
    codebook: Codebook | None = None,
    study: Study | None = None,
    weighted: bool = False,
    seed: int = 2023,
    invalid_answers: str = "reject",
    strict: bool = False,
    case_variable: str | None = None,
    progress: bool = False,
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
        ``fragments.parquet``, ``evidence.csv``, ``documents.parquet``, ``agreement.csv``,
        ``redactions.csv`` (where free text was redacted as ``[…]``, see
        :mod:`readiness_analysis.io.redact`) and ``provenance.json``.
    instrument, codebook : optional
        Default: the ones shipped with the package.
    study : Study, optional
        What the reports say about the study; default
        :func:`readiness_analysis.spec.study.study_for` the instrument. Recorded in
        ``provenance.json``.
    weighted : bool
        Weight interviews by ``n_teachers`` in the summaries.
    seed : int
        Seed of the bootstrap confidence intervals (same seed, same intervals).
    invalid_answers : {"reject", "missing"}
        An invalid item answer rejects its row (default) or is set to missing with a
        warning (see :func:`readiness_analysis.io.clean.clean_scan`). Recorded in
        ``provenance.json``.
    strict : bool
        Fail with :class:`~readiness_analysis.core.errors.AccountingError`, before any
        processed file is written, where the row account would otherwise only warn
        (:class:`~readiness_analysis.core.errors.AccountingWarning`: more than
        :data:`readiness_analysis.io.clean.ALARM_SHARE` of the rows rejected or with
        answers set to missing; see :func:`readiness_analysis.io.clean.check_account`).
    case_variable : str, optional
        The case or document variable of a QDA export that holds the institution
        (``readiness build --case-variable NAME``; see
        :func:`readiness_analysis.io.qda_fragments.read_qda_export`).
    progress : bool
        Say on stderr which step runs, when a step (reading, cleaning, the analysis with
        its bootstrap intervals) takes more than a few seconds
        (:class:`readiness_analysis.build.progress.Stage`).

    Returns
    -------
    Prepared
        With ``account``: the row account, including the kept respondents who answered
        no theme (named in the cleaning log too, and not counted in the reports' n).

    Examples
    --------
    >>> prepared = prepare("data/raw", "data/processed")  # doctest: +SKIP
    >>> prepared.institutions  # doctest: +SKIP
    ['Instelling A', 'Instelling B', 'Instelling C']
    """
    raw_dir, out = Path(raw_dir), Path(processed_dir)
    instrument = instrument or load_instrument()
    codebook = codebook or load_codebook()
    study = study or study_for(instrument)
    with Stage(f"reading {raw_dir}", enabled=progress):
        raw = _read(raw_dir, codebook, case_variable)  # every raw input, hashed before reading
    with Stage("cleaning the scan", enabled=progress):
        cleaned = _clean(raw, instrument, key=pseudonym_key(out),
                         invalid_answers=invalid_answers)
    check_account(_account(cleaned.scan), strict=strict)  # strict: fails before writing
    with Stage("scores, summaries and bootstrap intervals", enabled=progress):
        processed = _analyse(raw, cleaned, instrument, codebook, weighted=weighted, seed=seed,
                             invalid_answers=invalid_answers, study=study)
    processed, account = _count_unscored(processed, _account(cleaned.scan))
    _write(processed, out)
    _check_unchanged(raw)
    institutions = sorted(cleaned.scan.responses["institution"].dropna().unique().tolist())
    return Prepared(out, institutions, raw.inputs, cleaned.scan, account)


# --- read -------------------------------------------------------------------------------


def _read(raw_dir: Path, codebook: Codebook, case_variable: str | None = None) -> _Raw:
    """Read every raw input: scan export, coded fragments, documents, synthetic sidecar."""
    scan_file = find_scan_file(raw_dir)
    inputs = _hash_inputs(raw_dir, scan_file)
    scan = read_scan(scan_file)
    redactor = Redactor(load_names(raw_dir))  # free text screened as it is read
    fragments, double_coded, qda_import = _read_fragments(raw_dir, codebook, case_variable,
                                                          redactor)
    return _Raw(raw_dir, scan_file, inputs, load_aliases(raw_dir), scan, fragments,
                double_coded, _read_documents(raw_dir, redactor), _synthetic(scan_file),
                qda_import, redactor)


def _hash_inputs(raw_dir: Path, scan_file: Path) -> dict[str, str]:
    files = [scan_file, raw_dir / FRAGMENTS_FILE, raw_dir / DOCUMENTS_FILE, raw_dir / ALIAS_FILE,
             *(raw_dir / name for name in QDA_FILES), raw_dir / REDACT_NAMES_FILE]
    return {p.name: file_sha256(p) for p in files if p.is_file()}


def _read_fragments(
    raw_dir: Path, codebook: Codebook, case_variable: str | None = None,
    redactor: Redactor | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """Coded fragments from ``fragments.csv`` or a QDA export (with its units and report)."""
    path, export = raw_dir / FRAGMENTS_FILE, find_qda_export(raw_dir)
    if path.is_file() and export is not None:
        raise ReadinessError(
            f"both {FRAGMENTS_FILE} and {export.name} found", file=raw_dir,
            hint="keep one source of coded fragments in the raw folder",
        )
    if export is not None:
        read = read_qda_export(export, codebook, case_variable=case_variable)
        return _screened_qda(read.fragments, export, redactor), read.units, read.report
    if case_variable is not None:
        raise ReadinessError(
            "--case-variable names a variable of a QDA export, but there is none", file=raw_dir,
            hint=f"put the export in the raw folder as one of {', '.join(QDA_FILES)}, "
                 "or leave --case-variable out")
    if not path.is_file():
        return pd.DataFrame(columns=list(NO_FRAGMENTS_COLUMNS)), None, None
    return read_fragments(path, codebook, redactor=redactor), None, None


def _screened_qda(fragments: pd.DataFrame, export: Path,
                  redactor: Redactor | None) -> pd.DataFrame:
    """A QDA export's fragments with personal data in their text redacted.

    An institution (taken from a case) that looks like personal data is an error naming
    the fragment, not the value.
    """
    redactor = Redactor() if redactor is None else redactor
    names = fragments["institution"].dropna().astype(str)
    personal = [(i, looks_personal(n)) for i, n in names.items() if looks_personal(n)]
    if personal:
        i, kind = personal[0]
        raise DataValidationError([Problem(
            str(export), None, "institution",
            f"fragment {fragments.at[i, 'fragment_id']}: the institution looks like {kind}, "
            f"not a name ({plural(len(personal), 'fragment')})",
            "name the case (or the case variable) after the institution, as in the scan")])
    fragments = fragments.copy()
    ids = fragments["fragment_id"].astype(str).tolist()
    for column in ("text", "document"):
        if column in fragments:
            fragments[column] = redactor.column(fragments[column], file=str(export),
                                                column=column, ids=ids)
    return fragments


def _read_documents(raw_dir: Path, redactor: Redactor | None = None) -> pd.DataFrame:
    """The policy-document inventory (optional; empty when there is none)."""
    path = raw_dir / DOCUMENTS_FILE
    return (read_documents(path, redactor=redactor) if path.is_file()
            else pd.DataFrame(columns=list(DOCUMENT_COLUMNS)))


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
                      invalid_answers=invalid_answers, redactor=raw.redactor)
    validate_responses(scan.responses, instrument)
    reference = scan.responses["institution"].dropna().unique().tolist()
    notes: list[str] = raw.redactor.notes()  # spans redacted, per file (io.redact)
    aligned = {}
    for what, table in (("documents", raw.documents), ("fragments", raw.fragments)):
        if table["institution"].notna().any():
            table = table.copy()
            names, changes = align_institutions(table["institution"], reference, raw.aliases)
            table["institution"] = names.astype(table["institution"].dtype)  # as read
            notes += [f"{what}: {institution_note(old, new)}" for old, new in changes.items()]
        aligned[what] = table
    _warn_not_in_scan(aligned["fragments"], reference, raw.folder)
    qda_import = raw.qda_import
    if qda_import is not None and qda_import["institution"].notna().any():
        names, _ = align_institutions(qda_import["institution"], reference, raw.aliases)
        qda_import = qda_import.assign(institution=names)  # changes logged with the fragments
    return _Cleaned(_with_notes(scan, notes), aligned["documents"], aligned["fragments"],
                    qda_import)


def _warn_not_in_scan(fragments: pd.DataFrame, reference: list[str], raw_dir: Path) -> None:
    """Warn once of fragment institutions the scan lacks: no report would show them."""
    named = fragments["institution"].dropna().astype(str)
    unknown = sorted(set(named[named.str.strip() != ""]) - set(reference))
    if not unknown:
        return
    shown = ", ".join(map(repr, unknown[:10])) + (", ..." if len(unknown) > 10 else "")
    warnings.warn(CodingWarning(
        f"{raw_dir}: coded fragments name {plural(len(unknown), 'institution')} the scan does "
        f"not have: {shown}; they get no institution report. Spell them as in the scan, or "
        f"map them in {ALIAS_FILE}"), stacklevel=2)


def _with_notes(scan: CleanResult, notes: list[str]) -> CleanResult:
    """``scan`` with ``notes`` appended to its cleaning log (rows unchanged)."""
    if not notes:
        return scan
    return replace(scan, log=_noted(scan.log, notes))


def _noted(log: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """A cleaning log with ``notes`` appended as steps that change no row."""
    rows = int(log["rows_out"].iloc[-1])
    extra = pd.DataFrame([{"step": "note", "rows_in": rows, "rows_out": rows, "rejected": 0,
                           "blank": 0, "detail": note} for note in notes])
    return pd.concat([log, extra], ignore_index=True)


def _account(scan: CleanResult) -> RowAccount:
    """The row account of the cleaned scan (from its log when cleaning gave none)."""
    return scan.account or RowAccount.from_log(scan.log)


def _count_unscored(processed: _Processed,
                    account: RowAccount) -> tuple[_Processed, RowAccount]:
    """Count the kept respondents without any theme score; note them in the cleaning log.

    They stay in ``responses.parquet`` (their answers were valid, if absent), but the
    reports' n counts only respondents with a theme score
    (:func:`readiness_analysis.report.data.scored_respondents`).
    """
    unscored = int((~has_theme_score(processed.responses, processed.scores)).sum())
    if unscored:
        note = (f"{plural(unscored, 'respondent')} answered no theme (no theme score): kept "
                "in responses.parquet, not counted in the reports' n")
        processed = replace(processed, cleaning_log=_noted(processed.cleaning_log, [note]))
    return processed, replace(account, unscored=unscored)


# --- analyse ----------------------------------------------------------------------------


def _analyse(raw: _Raw, cleaned: _Cleaned, instrument: Instrument, codebook: Codebook, *,
             weighted: bool, seed: int, invalid_answers: str, study: Study) -> _Processed:
    """Every processed table: scores, summaries, change, evidence, agreement, provenance."""
    scan = cleaned.scan
    # role and group (when the export has them) ride along for the perspective comparison
    scores = with_perspectives(theme_scores(scan.responses, instrument), scan.responses)
    agree = agree_thresholds(instrument)  # each theme's share agreeing on its own scale
    return _Processed(
        responses=scan.responses, rejected_rows=scan.rejected, cleaning_log=scan.log,
        scores=scores,
        institution_scores=summarise_all(scores, agree_from=agree, weighted=weighted, seed=seed,
                                         bounds=scale_bounds(instrument)),
        wave_change=suppress_small_cells(wave_change(scores, seed=seed, weighted=weighted)),
        fragments=cleaned.fragments, evidence=build_evidence(cleaned.fragments),
        documents=cleaned.documents, agreement=_agreement(raw.double_coded, codebook),
        qda_import=(cleaned.qda_import if cleaned.qda_import is not None
                    else pd.DataFrame(columns=list(QDA_IMPORT_COLUMNS))),
        redactions=raw.redactor.frame(),
        provenance=_provenance(raw, instrument, codebook, study, weighted, invalid_answers),
    )


def _agreement(double_coded: pd.DataFrame | None, codebook: Codebook) -> pd.DataFrame:
    """Agreement between coders per code (empty without double-coded units)."""
    if double_coded is None or double_coded.empty:
        return pd.DataFrame(columns=list(UNIT_AGREEMENT_COLUMNS))
    used = [c for c in codebook.names if c in set(double_coded["code"])]
    return coder_agreement(double_coded, codes=used)


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


def _provenance(raw: _Raw, instrument: Instrument, codebook: Codebook, study: Study,
                weighted: bool, invalid_answers: str) -> dict:
    return {
        "package_version": package_version(),
        "commit": _git_commit(),
        "inputs": raw.inputs,
        "scan_file": raw.scan_file.name,
        "synthetic": raw.synthetic,
        "instrument": {"id": instrument.id, "version": instrument.version,
                       "source": recorded_source(instrument.source)},
        "codebook": {"id": codebook.id, "version": codebook.version},
        "study": {"id": study.id, "source": recorded_source(study.source)},
        "weighted": weighted,
        "invalid_answers": invalid_answers,
    }


# --- write ------------------------------------------------------------------------------


def _write(processed: _Processed, out: Path) -> None:
    """Write every processed file, in the order of ``PROCESSED_FILES``, as one set.

    The files are written into a staging folder inside ``out`` and replace the previous
    ones only when every one of them is written (:func:`~.core.files.staged_files`): a
    full disk, an error or an interrupt half-way leaves the previous set as it was.

    Examples
    --------
    >>> from dataclasses import fields
    >>> sorted({Path(name).stem for name in PROCESSED_FILES}) == sorted(
    ...     f.name for f in fields(_Processed))
    True
    """
    with staged_files(out) as staging:
        for name in PROCESSED_FILES:
            path = staging / name
            _WRITERS[path.suffix](path, getattr(processed, path.stem))


def _check_unchanged(raw: _Raw) -> None:
    """Fail when a raw file changed while the build was reading it."""
    if _hash_inputs(raw.folder, raw.scan_file) != raw.inputs:
        raise ReadinessError(
            "a raw file changed while the build was reading it",
            file=raw.folder,
            hint="wait until the export is complete, then build again",
        )
