"""Incremental builds: what each report depends on, and whether it must be rendered again.

Every report gets a fingerprint: a SHA-256 over named parts, each a SHA-256 itself.

=================  ===========================================================================
part               what it covers
=================  ===========================================================================
``own``            institution reports: the institution's rows of every processed table
                   with an ``institution`` column (responses, scores, summaries, fragments,
                   evidence, ...), all columns; a respondent's role and group count here
                   only, not in ``shared``
``pooled``         the rows of those tables without an institution (the pooled summary
                   rows every report compares with)
``shared``         study-wide data every institution report shows: the item answers of all
                   respondents (reliability table), the codes of all fragments (priorities),
                   tables without an ``institution`` column (cleaning log), and
                   ``provenance.json`` without the raw files' SHA-256s and the commit
``data``           the study report: every processed table in full, and the provenance
``notebook``       the notebook's cells (type, source, tags), not its stored outputs
``instrument``     the instrument file's text
``study``          the files of a study file (study, quotes, definition); none when shipped
``codebook``       the codebook file's text
``parameters``     the notebook parameters (institution, language); not where the processed
                   folder is, whose content the parts above cover
``package``        the package version and a SHA-256 of the package's own files
=================  ===========================================================================

So a change to one institution's own rows renders that institution's report (and the
study report) again and leaves the others alone; a change to pooled figures renders all.
Raw-file SHA-256s are not a part: a report whose processed inputs did not change is kept
with the provenance of the build that rendered it (its manifest entry keeps that build's
``inputs``).

A report is kept (not rendered) when the previous ``manifest.json`` has an ``ok`` entry
for its path with the same ``input_hash``, and the HTML file still has the recorded
``output_sha256`` (and each file it brings along, its action plan, the SHA-256 recorded
in ``companions``). ``--force`` renders everything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from readiness_analysis.core.files import chunks_sha256, file_sha256
from readiness_analysis.core.tables import META_COLUMNS
from readiness_analysis.core.version import package_sha
from readiness_analysis.io.perspectives import PERSPECTIVES
from readiness_analysis.spec.instrument import SHIPPED, source_file

__all__ = ["Fingerprint", "fingerprints", "previous_entries", "up_to_date"]

# Provenance keys that describe where the data came from, not what they are.
VOLATILE_PROVENANCE = ("inputs", "commit")
# Columns of all rows that every institution report shows, per processed table.
FRAGMENT_CODE_COLUMNS = ("fragment_id", "code", "valence", "recommendation")


@dataclass(frozen=True)
class Fingerprint:
    """What one report depends on: ``digest`` over the SHA-256 of each part in ``parts``."""

    digest: str
    parts: dict[str, str]

    @classmethod
    def of(cls, parts: dict[str, str]) -> Fingerprint:
        """Combine named part hashes into one fingerprint.

        Examples
        --------
        >>> Fingerprint.of({"a": "1"}).digest == Fingerprint.of({"a": "1"}).digest
        True
        >>> Fingerprint.of({"a": "1"}).digest == Fingerprint.of({"a": "2"}).digest
        False
        """
        return cls(chunks_sha256(json.dumps(parts, sort_keys=True)), dict(sorted(parts.items())))


def _row_hashes(frame: pd.DataFrame) -> pd.Series:
    """One 64-bit hash per row (stable across runs), computed column-wise in C."""
    try:
        return pd.util.hash_pandas_object(frame, index=False)
    except TypeError:  # unhashable cells (lists, dicts): hash their text instead
        return pd.util.hash_pandas_object(frame.astype(str), index=False)


def _table_sha(frame: pd.DataFrame, hashes: pd.Series | None = None) -> str:
    """SHA-256 of a table: column names, dtypes and every row, in order.

    Examples
    --------
    >>> a = pd.DataFrame({"x": [1, 2]})
    >>> _table_sha(a) == _table_sha(a.copy()), _table_sha(a) == _table_sha(a.iloc[::-1])
    (True, False)
    """
    hashes = _row_hashes(frame) if hashes is None else hashes
    header = json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()])
    return chunks_sha256(header, hashes.to_numpy().tobytes())


@dataclass(frozen=True)
class _Tables:
    """The processed data, read once, with the hashes the fingerprints need."""

    own: dict[str, dict[str, str]]  # institution -> table -> sha of its rows
    pooled: str
    shared: str
    everything: str

    @classmethod
    def read(cls, processed: Path) -> _Tables:
        own: dict[str, dict[str, str]] = {}
        pooled, shared, everything = [], [], []
        for path in sorted(processed.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            if path.suffix == ".json":
                text = _json_part(path)
                shared.append((path.name, chunks_sha256(text)))
                everything.append((path.name, chunks_sha256(text)))
                continue
            frame = _read_table(path)
            if frame is None:
                continue
            hashes = _row_hashes(frame)
            everything.append((path.name, _table_sha(frame, hashes)))
            if "institution" not in frame.columns:
                shared.append((path.name, _table_sha(frame, hashes)))
                continue
            _split(path.name, frame, hashes, own, pooled, shared)
        return cls(own, chunks_sha256(json.dumps(pooled)), chunks_sha256(json.dumps(shared)),
                   chunks_sha256(json.dumps(everything)))

    def own_sha(self, institution: str) -> str:
        """SHA-256 of the institution's rows of every table."""
        return chunks_sha256(json.dumps(sorted(self.own.get(institution, {}).items())))


def _read_table(path: Path) -> pd.DataFrame | None:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(path, low_memory=False)
    return None


def _json_part(path: Path) -> str:
    """A JSON file as canonical text, without the volatile provenance keys."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in VOLATILE_PROVENANCE}
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def _split(name: str, frame: pd.DataFrame, hashes: pd.Series, own: dict, pooled: list,
           shared: list) -> None:
    """Hash a table with an ``institution`` column: per institution, pooled, shared."""
    values = hashes.to_numpy()
    institution = frame["institution"]
    for key, positions in frame.groupby(institution, sort=True, dropna=True).indices.items():
        own.setdefault(str(key), {})[name] = chunks_sha256(name, values[positions].tobytes())
    pooled.append((name, chunks_sha256(values[institution.isna().to_numpy()].tobytes())))
    columns = _shared_columns(name, frame)
    if columns:
        shared.append((name, _table_sha(frame[columns])))


def _shared_columns(name: str, frame: pd.DataFrame) -> list[str]:
    """Columns of all rows that every institution report shows (see the module doc)."""
    if name.startswith("responses."):  # the answers; who answered (role, group) is own
        return [c for c in frame.columns if c not in (*META_COLUMNS, *PERSPECTIVES)]
    if name.startswith("fragments."):
        return [c for c in FRAGMENT_CODE_COLUMNS if c in frame.columns]
    return []


def _notebook_sha(path: Path) -> str:
    """SHA-256 of a notebook's cells (type, source, tags): saved outputs do not count.

    Read as plain JSON: importing nbformat costs seconds, and a rebuild that renders
    nothing should not pay for it.
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = [[c.get("cell_type"), _joined(c.get("source", "")),
              c.get("metadata", {}).get("tags", [])] for c in nb.get("cells", [])]
    kernelspec = nb.get("metadata", {}).get("kernelspec", {})
    return chunks_sha256(json.dumps([kernelspec, cells], sort_keys=True))


def _joined(source: str | list[str]) -> str:
    return "".join(source) if isinstance(source, list) else source


def _source_sha(source: str, folder: str) -> str:
    """SHA-256 of an instrument or codebook, shipped (``<package>/name``) or a file."""
    if source.startswith(SHIPPED):
        return chunks_sha256(source_file(source, folder).read_bytes())
    return file_sha256(source)


def fingerprints(jobs: Iterable, processed_dir: Path, *, instrument_source: str,
                 codebook_source: str, study_files: Iterable[str] = ()) -> list[Fingerprint]:
    """The fingerprint of every job (a :class:`~readiness_analysis.build.jobs.ReportJob`).

    Parameters
    ----------
    jobs : iterable of ReportJob
        Institution reports have ``job.institution`` set; the others are study-wide.
    processed_dir : Path
        The processed data the reports read.
    instrument_source, codebook_source : str
        Where the instrument and codebook came from (``<package>/...`` or a path).
    study_files : iterable of str
        The files a study file read (``Study.files``; none for a shipped study, which
        ``package`` covers).

    Examples
    --------
    >>> prints = fingerprints(jobs, Path("data/processed"),  # doctest: +SKIP
    ...                       instrument_source="<package>/blended_readiness_v1.yaml",
    ...                       codebook_source="<package>/blended_v1.yaml")
    """
    tables = _Tables.read(Path(processed_dir))
    common = {
        "instrument": _source_sha(instrument_source, "instruments"),
        "codebook": _source_sha(codebook_source, "codebooks"),
        "study": chunks_sha256(*(f"{name}:{file_sha256(name)}" for name in study_files)),
        "package": package_sha(),
    }
    notebooks: dict[Path, str] = {}
    prints = []
    for job in jobs:
        if job.notebook not in notebooks:
            notebooks[job.notebook] = _notebook_sha(job.notebook)
        parts = {**common, "notebook": notebooks[job.notebook],
                 "parameters": _parameters_sha(job.parameters)}
        if job.institution is None:
            parts["data"] = tables.everything
        else:
            parts.update(own=tables.own_sha(job.institution), pooled=tables.pooled,
                         shared=tables.shared)
        prints.append(Fingerprint.of(parts))
    return prints


def previous_entries(reports_dir: Path) -> dict[str, dict]:
    """The entries of the last ``manifest.json`` by report path; empty when there is none.

    Examples
    --------
    >>> previous_entries(Path("/nonexistent"))
    {}
    """
    try:
        manifest = json.loads((Path(reports_dir) / "manifest.json").read_text("utf-8"))
        return {e["path"]: e for e in manifest.get("reports", []) if "path" in e}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def up_to_date(entry: dict | None, fingerprint: Fingerprint, reports_dir: Path) -> bool:
    """Whether the report of ``entry`` can be kept unrendered.

    It can when it was rendered ok from the same inputs and its file is unchanged since.

    Examples
    --------
    >>> up_to_date(None, Fingerprint.of({}), Path("reports"))
    False
    """
    if not entry or entry.get("status") != "ok" or entry.get("input_hash") != fingerprint.digest:
        return False
    files = {entry["path"]: entry.get("output_sha256"), **(entry.get("companions") or {})}
    return all((Path(reports_dir) / path).is_file()
               and file_sha256(Path(reports_dir) / path) == digest
               for path, digest in files.items())


def _parameters_sha(parameters: dict) -> str:
    """SHA-256 of the notebook parameters, without the processed folder's location.

    Examples
    --------
    >>> _parameters_sha({"lang": "nl", "processed_dir": "/a"}) == _parameters_sha(
    ...     {"lang": "nl", "processed_dir": "/b"})
    True
    """
    kept = {k: v for k, v in parameters.items() if k != "processed_dir"}
    return chunks_sha256(json.dumps(kept, sort_keys=True))
