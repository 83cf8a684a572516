"""The data stages of a build: raw files in, processed files out.

``prepare`` runs ingest → clean → indices → coding and writes everything the reports
read into ``processed_dir``. Raw files are only read; their SHA-256 is taken before and
after, and the build fails if a raw file changed under it.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import __version__
from .clean import CleanResult, clean_scan
from .coding import Codebook, build_evidence, load_codebook, read_fragments
from .contracts import validate_responses
from .documents import COLUMNS as DOCUMENT_COLUMNS
from .documents import read_documents
from .errors import ReadinessError
from .indices import (
    MIN_CELL,
    bootstrap_means,
    summarise_scores,
    suppress_small_cells,
    theme_scores,
    wave_change,
)
from .ingest import find_scan_file, read_scan
from .institutions import ALIAS_FILE, load_aliases, normalise_institution
from .instrument import Instrument, load_instrument
from .qda_fragments import AGREEMENT_COLUMNS, QDA_FILES, find_qda_export, read_qda_fragments

__all__ = ["KEY_ENV", "Prepared", "excel_safe", "file_sha256", "pooled_scores", "prepare",
           "pseudonym_key", "summarise_all"]

KEY_ENV = "READINESS_PSEUDONYM_KEY"
FRAGMENTS_FILE = "fragments.csv"
DOCUMENTS_FILE = "documents.csv"


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare` wrote, for the render stage."""

    processed_dir: Path
    institutions: list[str]
    inputs: dict[str, str]
    clean: CleanResult


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in blocks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x"; _ = p.write_bytes(b"abc")
    >>> file_sha256(p)[:12]
    'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pseudonym_key(processed_dir: str | Path) -> bytes:
    """Secret key for respondent pseudonyms.

    Taken from the environment variable ``READINESS_PSEUDONYM_KEY`` when set; otherwise
    from ``.pseudonym.key`` beside ``processed_dir`` (created once with random bytes and
    owner-only permissions). The key itself is never written into any output.
    """
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV].encode("utf-8")
    key_file = Path(processed_dir).resolve().parent / ".pseudonym.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip().encode("utf-8")


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

    Parameters
    ----------
    raw_dir : path
        Holds ``scan_responses.(csv|xlsx|sav)`` and ``fragments.csv``; never written to.
    processed_dir : path
        Receives ``responses.parquet``, ``rejected_rows.csv``, ``cleaning_log.csv``,
        ``scores.parquet``, ``institution_scores.parquet`` (and ``.csv``; see
        :func:`summarise_all`: small cells suppressed, pooled rows only over institutions
        with at least ``MIN_CELL`` respondents), ``wave_change.parquet`` (and ``.csv``,
        small cells suppressed), ``fragments.parquet``, ``evidence.csv`` and
        ``provenance.json``.
    instrument, codebook : optional
        Default: the ones shipped with the package.
    weighted : bool
        Weight interviews by ``n_teachers`` in the summaries.
    seed : int
        Seed of the bootstrap confidence intervals (same seed, same intervals).
    invalid_answers : {"reject", "missing"}
        An invalid item answer rejects its row (default) or is set to missing with a
        warning (see :func:`readiness_analysis.clean.clean_scan`). Recorded in
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
    scan_file = find_scan_file(raw_dir)
    inputs = _hash_inputs(raw_dir, scan_file)
    aliases = load_aliases(raw_dir)
    result = clean_scan(read_scan(scan_file), instrument, key=pseudonym_key(out), aliases=aliases,
                        invalid_answers=invalid_answers)
    validate_responses(result.responses, instrument)
    scores = theme_scores(result.responses, instrument)
    agree = instrument.agree_from or instrument.scale_max
    summary = summarise_all(scores, agree_from=agree, weighted=weighted, seed=seed)
    fragments, coder_agreement = _fragments(raw_dir, codebook)
    documents = _documents(raw_dir, aliases)
    out.mkdir(parents=True, exist_ok=True)
    _write_parquet(result.responses, out / "responses.parquet")
    _write_csv(result.rejected, out / "rejected_rows.csv")
    _write_csv(result.log, out / "cleaning_log.csv")
    _write_parquet(scores, out / "scores.parquet")
    _write_parquet(summary, out / "institution_scores.parquet")
    _write_csv(summary, out / "institution_scores.csv")
    changes = suppress_small_cells(wave_change(scores, seed=seed, weighted=weighted))
    _write_parquet(changes, out / "wave_change.parquet")
    _write_csv(changes, out / "wave_change.csv")
    _write_parquet(fragments, out / "fragments.parquet")
    _write_csv(build_evidence(fragments), out / "evidence.csv")
    _write_parquet(documents, out / "documents.parquet")
    _write_csv(coder_agreement, out / "agreement.csv")
    provenance = _provenance(raw_dir, scan_file, inputs, instrument, codebook, weighted,
                             invalid_answers)
    _write_text(json.dumps(provenance, indent=2, ensure_ascii=False) + "\n",
                out / "provenance.json")
    if _hash_inputs(raw_dir, scan_file) != inputs:
        raise ReadinessError(
            "a raw file changed while the build was reading it",
            file=raw_dir,
            hint="wait until the export is complete, then build again",
        )
    institutions = sorted(result.responses["institution"].dropna().unique().tolist())
    return Prepared(out, institutions, inputs, result)


def summarise_all(scores: pd.DataFrame, *, agree_from: float = 4.0, weighted: bool = False,
                  seed: int = 2023, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Per-institution and pooled summaries with CIs, safe against small cells.

    Institution rows (``institution``, ``wave``, ``theme``) with fewer than ``min_n``
    respondents keep their counts but lose every statistic
    (:func:`readiness_analysis.indices.suppress_small_cells`). Pooled rows (``institution``
    empty) are computed from :func:`pooled_scores`: only the institutions whose own cell
    (wave x theme) has at least ``min_n`` respondents count, so a pooled figure next to the
    other institutions' own figures never gives away a suppressed institution's figure
    (complementary disclosure). ``n_institutions`` and ``n_excluded`` say what a pooled
    row covers: institutions pooled, and respondents left out; a wave and theme without
    any large enough institution keeps a row with ``n`` 0 and no statistics.

    Parameters
    ----------
    scores : DataFrame
        From :func:`readiness_analysis.indices.theme_scores`.
    agree_from, weighted : optional
        As in :func:`readiness_analysis.indices.summarise_scores`.
    seed : int
        Seed of the bootstrap intervals.
    min_n : int
        Smallest cell shown and pooled (``MIN_CELL``).

    Returns
    -------
    DataFrame
        The summary columns, ``ci_low``, ``ci_high``, ``ci_method``, ``ci_note``,
        ``n_institutions``, ``n_excluded`` and ``suppressed``.

    Examples
    --------
    >>> df = pd.DataFrame({"institution": ["A"] * 3 + ["B"] * 2, "wave": 1,
    ...                    "theme": "vision", "n_teachers": 1,
    ...                    "score": [2.0, 3.0, 4.0, 5.0, 5.0]})
    >>> s = summarise_all(df)
    >>> s[["n", "mean", "n_institutions", "n_excluded", "suppressed"]].values.tolist()
    [[3, 3.0, 1, 0, False], [2, nan, 1, 0, True], [3, 3.0, 1, 2, False]]
    """
    own = _summary(scores, ["institution", "wave"], agree_from, weighted, seed)
    own = own.assign(n_institutions=1, n_excluded=0)
    pooled = _pooled_summary(scores, agree_from, weighted, seed, min_n)
    summary = pd.concat([own, pooled], ignore_index=True)
    return suppress_small_cells(summary, min_n)


def pooled_scores(scores: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """The scores that may enter a pooled figure: only cells of at least ``min_n``.

    A cell is one institution, wave and theme; its size is the number of respondents
    with a score there.

    Examples
    --------
    >>> df = pd.DataFrame({"institution": ["A"] * 3 + ["B"] * 2, "wave": 1,
    ...                    "theme": "vision", "score": [2.0, 3.0, 4.0, 5.0, 5.0]})
    >>> pooled_scores(df)["institution"].tolist()
    ['A', 'A', 'A']
    """
    scored = scores[scores["score"].notna()]
    size = scored.groupby(["institution", "wave", "theme"], observed=True)["score"].transform(
        "size")
    return scored[size >= min_n]


def _pooled_summary(scores: pd.DataFrame, agree: float, weighted: bool, seed: int,
                    min_n: int) -> pd.DataFrame:
    """Pooled rows over the large enough cells, with what they cover."""
    keys = ["wave", "theme"]
    scored = scores[scores["score"].notna()]
    kept = pooled_scores(scores, min_n)
    coverage = (scored.groupby(keys, observed=True).size().rename("n_all").reset_index()
                .merge(kept.groupby(keys, observed=True)["institution"].nunique()
                       .rename("n_institutions").reset_index(), on=keys, how="left"))
    stats = _summary(kept, ["wave"], agree, weighted, seed)
    table = coverage.merge(stats, on=keys, how="left")
    table["n"] = table["n"].fillna(0).astype("int64")
    table["n_teachers"] = table["n_teachers"].fillna(0).astype("int64")
    table["n_institutions"] = table["n_institutions"].fillna(0).astype("int64")
    table["n_excluded"] = table.pop("n_all") - table["n"]
    columns = ["institution", *stats.columns, "n_institutions", "n_excluded"]
    return table.assign(institution=None)[columns]


def _summary(scores, by: list[str], agree: float, weighted: bool, seed: int) -> pd.DataFrame:
    """Summary statistics with seeded bootstrap CIs of the mean (see indices)."""
    stats = summarise_scores(scores, by, agree_from=agree, weighted=weighted)
    cis = bootstrap_means(scores, by, seed=seed, weighted=weighted)
    keys = [*by, "theme"]
    return stats.merge(cis[[*keys, "ci_low", "ci_high", "ci_method", "ci_note"]], on=keys,
                       how="left")


def _hash_inputs(raw_dir: Path, scan_file: Path) -> dict[str, str]:
    files = [scan_file, raw_dir / FRAGMENTS_FILE, raw_dir / DOCUMENTS_FILE, raw_dir / ALIAS_FILE,
             *(raw_dir / name for name in QDA_FILES)]
    return {p.name: file_sha256(p) for p in files if p.is_file()}


def _fragments(raw_dir: Path, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Coded fragments from ``fragments.csv`` or a QDA export, and coder agreement."""
    path, export = raw_dir / FRAGMENTS_FILE, find_qda_export(raw_dir)
    if path.is_file() and export is not None:
        raise ReadinessError(
            f"both {FRAGMENTS_FILE} and {export.name} found", file=raw_dir,
            hint="keep one source of coded fragments in the raw folder",
        )
    if export is not None:
        return read_qda_fragments(export, codebook)
    if not path.is_file():
        columns = ["fragment_id", "institution", "section", "coder", "document", "code", "rank",
                   "valence", "theme", "recommendation", "text"]
        return pd.DataFrame(columns=columns), pd.DataFrame(columns=list(AGREEMENT_COLUMNS))
    return read_fragments(path, codebook), pd.DataFrame(columns=list(AGREEMENT_COLUMNS))


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


def _documents(raw_dir: Path, aliases: dict[str, str]) -> pd.DataFrame:
    """The policy-document inventory (optional), institutions spelled as in the scan."""
    path = raw_dir / DOCUMENTS_FILE
    if not path.is_file():
        return pd.DataFrame(columns=list(DOCUMENT_COLUMNS))
    documents = read_documents(path)
    documents["institution"] = documents["institution"].map(
        lambda name: normalise_institution(name, aliases))
    return documents


def _provenance(raw_dir, scan_file, inputs, instrument, codebook, weighted,
                invalid_answers: str = "reject") -> dict:
    sidecar = scan_file.with_suffix(".synthetic.json")
    synthetic = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.is_file() else None
    return {
        "package_version": __version__,
        "commit": _git_commit(),
        "inputs": inputs,
        "scan_file": scan_file.name,
        "synthetic": synthetic,
        "instrument": {"id": instrument.id, "version": instrument.version,
                       "source": instrument.source},
        "codebook": {"id": codebook.id, "version": codebook.version},
        "weighted": weighted,
        "invalid_answers": invalid_answers,
    }


def _write_text(text: str, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Defuse text cells that a spreadsheet would run as a formula (CSV injection).

    Text cells starting with ``= + - @``, a tab or a carriage return get a leading
    apostrophe, as OWASP advises; numbers are left alone. Only CSVs written for people to
    open use this; the package itself reads the parquet files.

    Examples
    --------
    >>> excel_safe(pd.DataFrame({"a": ["=1+1", "ok", "-x"], "b": [-1, 2, 3]})).to_dict("list")
    {'a': ["'=1+1", 'ok', "'-x"], 'b': [-1, 2, 3]}
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v
            )
    return out


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    _write_text(excel_safe(frame).to_csv(index=False, lineterminator="\n"), path)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)
