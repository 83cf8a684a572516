"""The report data: the processed files one report reads, cut to its institution.

:func:`load_report_data` reads the processed folder once per report and, for an
institution report, keeps only that institution's respondents; the :class:`ReportData`
it returns remembers the institution, so that sections take the data and never the name
again. The small helpers below (waves, latest wave, pooled rows) are the data views that
several sections share. Nothing here writes text.
"""

from __future__ import annotations

import copy
import hashlib
import json
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import pandas as pd

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.spec.instrument import Instrument, load_instrument, source_file
from readiness_analysis.spec.study import Study, recorded_study, study_for
from readiness_analysis.stats.scores import READINESS

__all__ = ["PROCESSED_FILES", "ReportData", "fragments_supplied", "has_theme_score",
           "latest_pooled", "latest_responses", "latest_wave", "load_report_data",
           "once_per_data", "scored_respondents", "unscored_count", "waves"]

PROCESSED_FILES = ("responses.parquet", "scores.parquet", "institution_scores.parquet",
                   "fragments.parquet", "cleaning_log.csv", "provenance.json",
                   "documents.parquet", "wave_change.parquet")


@dataclass(frozen=True)
class ReportData:
    """The processed data one report needs (see :func:`load_report_data`).

    ``institution`` is the institution the data were cut to, ``None`` for the study
    report (all institutions); ``study`` what the reports say about the study (its title,
    respondents, recommendations: :mod:`readiness_analysis.spec.study`).
    """

    responses: pd.DataFrame
    scores: pd.DataFrame
    summary: pd.DataFrame
    fragments: pd.DataFrame
    cleaning_log: pd.DataFrame
    provenance: dict
    instrument: Instrument
    documents: pd.DataFrame | None = None
    agreement: pd.DataFrame | None = None
    changes: pd.DataFrame | None = None
    pooled_fragments: pd.DataFrame | None = None
    institution: str | None = None
    study: Study | None = None

    def __post_init__(self) -> None:
        if self.study is None:  # data made by hand: the study an instrument implies
            object.__setattr__(self, "study", study_for(self.instrument))

    @property
    def institutions(self) -> list[str]:
        """Institutions with kept respondents, sorted."""
        return sorted(self.responses["institution"].dropna().unique().tolist())

    @property
    def synthetic(self) -> bool:
        """Whether the scan answers were made by the synthetic generator."""
        return bool(self.provenance.get("synthetic"))

    @property
    def weighted(self) -> bool:
        """Whether the summaries weight interviews by their number of teachers."""
        return bool(self.provenance.get("weighted"))

    def own_institution(self) -> str:
        """The institution these data were cut to.

        Raises
        ------
        ReadinessError
            When the data are the study's (loaded without an institution).
        """
        if self.institution is None:
            raise ReadinessError(
                "this report section needs the data of one institution",
                hint="load them with load_report_data(processed_dir, institution)")
        return self.institution

    def institution_summary(self, institution: str | None = None) -> pd.DataFrame:
        """Summary rows of one institution (all waves); default the data's own institution."""
        name = self.own_institution() if institution is None else institution
        return self.summary[self.summary["institution"] == name]

    def pooled_summary(self) -> pd.DataFrame:
        """Summary rows pooled over all institutions."""
        return self.summary[self.summary["institution"].isna()]


def load_report_data(processed_dir: str | Path, institution: str | None = None) -> ReportData:
    """Load the processed files; with ``institution``, keep only its respondents.

    The pooled summary rows stay (they are the comparison every report shows);
    respondent-level tables and fragments are cut to the institution, which the data
    then carry as ``ReportData.institution``.

    Raises
    ------
    ReadinessError
        When the processed files are missing or the institution is unknown.

    Examples
    --------
    >>> data = load_report_data("data/processed", "Instelling A")  # doctest: +SKIP
    >>> data.institution  # doctest: +SKIP
    'Instelling A'
    """
    d = Path(processed_dir)
    for name in PROCESSED_FILES:
        if not (d / name).is_file():
            where = "" if d.is_absolute() else (
                f"; {d} is relative to the working folder {Path.cwd()}: run the notebook from "
                "notebooks/ or pass an absolute processed_dir")
            raise ReadinessError(
                f"processed data missing: {name}", file=d,
                hint=f"run `readiness build` (or `make report`) first{where}",
            )
    data = _processed_data(d)
    return _fresh(data) if institution is None else _only(data, institution)


# The processed folders read in this process (a warm kernel renders every report of a
# build from one folder; reading its tables takes a good part of a report's second), by
# what their files are: see _folder_key. The tables are never handed out themselves:
# _fresh and _only give every caller frames of its own (copy-on-write), so that a
# report changing its data cannot change the next report's.
_FOLDERS: OrderedDict[tuple, tuple[ReportData, tuple]] = OrderedDict()
_FOLDERS_KEPT = 2
# Bytes read at either end of a processed file for its cache key (a parquet file ends
# in its footer: the row groups' offsets and statistics, which any change of content moves).
_KEY_BYTES = 1 << 16


def _processed_data(d: Path) -> ReportData:
    """All of a processed folder's data, read once per content of its files."""
    key = _folder_key(d)
    hit = _FOLDERS.get(key)
    if hit is not None and _definitions_key(hit[0]) == hit[1]:
        _FOLDERS.move_to_end(key)
        return hit[0]
    data = _read(d)
    _FOLDERS[key] = (data, _definitions_key(data))
    while len(_FOLDERS) > _FOLDERS_KEPT:
        _FOLDERS.popitem(last=False)
    return data


def _read(d: Path) -> ReportData:
    provenance = json.loads((d / "provenance.json").read_text(encoding="utf-8"))
    instrument = _instrument(provenance)
    return ReportData(
        responses=pd.read_parquet(d / "responses.parquet"),
        scores=pd.read_parquet(d / "scores.parquet"),
        summary=pd.read_parquet(d / "institution_scores.parquet"),
        fragments=pd.read_parquet(d / "fragments.parquet"),
        cleaning_log=pd.read_csv(d / "cleaning_log.csv"),
        provenance=provenance,
        instrument=instrument,
        documents=pd.read_parquet(d / "documents.parquet"),
        agreement=_optional_csv(d / "agreement.csv"),
        changes=pd.read_parquet(d / "wave_change.parquet"),
        study=_study(provenance, instrument),
    )


def _folder_key(d: Path) -> tuple:
    """What the processed files are: path, and per file its size, mtime and both ends.

    Size and modification time (ns) change when a build rewrites a file; the SHA-256 of
    its first and last :data:`_KEY_BYTES` catches a rewrite that keeps both (a copy with
    the times kept, a file system with coarse times).
    """
    parts: list[object] = [str(d.resolve())]
    for name in (*PROCESSED_FILES, "agreement.csv"):
        path = d / name
        try:
            stat = path.stat()
            with path.open("rb") as file:
                digest = hashlib.sha256(file.read(_KEY_BYTES))
                if stat.st_size > 2 * _KEY_BYTES:
                    file.seek(-_KEY_BYTES, 2)
                digest.update(file.read(_KEY_BYTES))
            parts.append((name, stat.st_size, stat.st_mtime_ns, digest.hexdigest()))
        except OSError:
            parts.append((name, None))
    return tuple(parts)


def _definitions_key(data: ReportData) -> tuple:
    """The content of the definition files the data were read with (instrument, study).

    They live outside the processed folder, so its key does not see them change.
    """
    source = str(data.provenance.get("instrument", {}).get("source", ""))
    files = [source_file(source)] if source else []
    files += [Path(f) for f in data.study.files]
    return tuple(_sha256(f) for f in files)


def _sha256(file: Path | Traversable) -> str | None:
    try:
        return hashlib.sha256(file.read_bytes()).hexdigest()
    except OSError:
        return None


def _fresh(data: ReportData) -> ReportData:
    """The data with frames and provenance of the caller's own (the cache keeps its)."""
    frames = {f.name: getattr(data, f.name).copy(deep=False) for f in fields(data)
              if isinstance(getattr(data, f.name), pd.DataFrame)}
    return replace(data, provenance=copy.deepcopy(data.provenance), **frames)


def _optional_csv(path: Path) -> pd.DataFrame:
    """A CSV the build may leave empty (header only) or not write at all."""
    if not path.is_file() or path.stat().st_size == 0:
        return pd.DataFrame()
    return pd.read_csv(path)


def _instrument(provenance: dict) -> Instrument:
    source = provenance.get("instrument", {}).get("source", "")
    return load_instrument(None if source.startswith("<package>") else source)


def _study(provenance: dict, instrument: Instrument) -> Study:
    """The study the provenance records; a folder from before studies: the instrument's."""
    source = provenance.get("study", {}).get("source")
    return study_for(instrument) if source is None else recorded_study(source, instrument)


def _only(data: ReportData, institution: str) -> ReportData:
    if institution not in data.institutions:
        raise ReadinessError(
            f"unknown institution {institution!r}",
            hint=f"choose one of: {', '.join(data.institutions)}",
        )
    own = data.fragments["institution"] == institution
    pooled = data.fragments[["fragment_id", "code", "valence", "recommendation"]]
    scores = data.scores[data.scores["institution"] == institution].copy()
    for column in ("institution", "respondent_id", "role", "group"):
        # other institutions' names, ids and groups must not survive as unused categories
        if column in scores and isinstance(scores[column].dtype, pd.CategoricalDtype):
            scores[column] = scores[column].cat.remove_unused_categories()
    return ReportData(
        responses=data.responses[data.responses["institution"] == institution],
        scores=scores,
        summary=data.summary[
            (data.summary["institution"] == institution) | data.summary["institution"].isna()
        ],
        fragments=data.fragments[own],
        cleaning_log=data.cleaning_log.copy(deep=False),
        provenance=copy.deepcopy(data.provenance),
        instrument=data.instrument,
        documents=data.documents[data.documents["institution"] == institution],
        changes=data.changes[data.changes["institution"] == institution],
        pooled_fragments=pooled,
        institution=institution,
        study=data.study,
    )


def waves(data: ReportData) -> list[int]:
    """The waves of the responses, sorted (empty without responses).

    Examples
    --------
    >>> waves(load_report_data("data/processed"))  # doctest: +SKIP
    [1]
    """
    if "wave" not in data.responses or data.responses.empty:
        return []
    return sorted(int(w) for w in data.responses["wave"].dropna().unique())


def latest_wave(summary: pd.DataFrame) -> pd.DataFrame:
    """The rows of the latest wave of a summary (all rows when it has no waves).

    Examples
    --------
    >>> s = pd.DataFrame({"wave": [1, 2, 2], "mean": [1.0, 2.0, 3.0]})
    >>> latest_wave(s)["mean"].tolist()
    [2.0, 3.0]
    """
    if "wave" in summary and len(summary):
        return summary[summary["wave"] == summary["wave"].max()]
    return summary


def latest_pooled(data: ReportData) -> pd.DataFrame:
    """Summary rows pooled over all institutions, of the wave the report's figures show.

    That is the latest wave; in an institution's report, the institution's latest wave,
    so that a school that skipped the latest wave is compared with its own wave, not
    with one it did not take part in. Once per data object.
    """
    def compute(d: ReportData) -> pd.DataFrame:
        pooled = d.pooled_summary()
        own = waves(d) if d.institution is not None else []
        if not own or "wave" not in pooled:
            return latest_wave(pooled)
        return pooled[pooled["wave"] == own[-1]]

    return once_per_data(data, "latest_pooled", compute)


_MEMO: dict[int, tuple[weakref.ref, dict[str, object]]] = {}


def once_per_data(data: ReportData, name: str, compute: Callable[[ReportData], Any]) -> Any:
    """``compute(data)``, once per report data object and ``name``.

    The views a report asks for again and again (the pooled rows, the scored
    respondents, the own summary, the ranking, the comparison: up to twenty times a
    report) are computed from the data once; the entry goes when the data object does.
    A frame is shared by whoever asks (pandas copies on write, so none can change
    another's). ``name`` says what is kept, e.g. ``"institution.ranking"``.

    Examples
    --------
    >>> data = load_report_data("data/processed", "Instelling A")  # doctest: +SKIP
    >>> once_per_data(data, "n", len) is once_per_data(data, "n", len)  # doctest: +SKIP
    True
    """
    key = id(data)
    entry = _MEMO.get(key)
    if entry is None or entry[0]() is not data:
        entry = (weakref.ref(data, lambda _: _MEMO.pop(key, None)), {})
        _MEMO[key] = entry
    values = entry[1]
    if name not in values:
        values[name] = compute(data)
    return values[name]


def latest_responses(data: ReportData) -> pd.DataFrame:
    """Responses of the latest wave (the current picture)."""
    if data.responses.empty:
        return data.responses
    return data.responses[data.responses["wave"] == data.responses["wave"].max()]


def fragments_supplied(data: ReportData) -> bool:
    """Whether any coded interview fragments were supplied to the study (any institution).

    Examples
    --------
    >>> fragments_supplied(load_report_data("data/processed"))  # doctest: +SKIP
    True
    """
    pooled = data.pooled_fragments
    return not data.fragments.empty or (pooled is not None and not pooled.empty)


def has_theme_score(responses: pd.DataFrame, scores: pd.DataFrame) -> pd.Series:
    """Per row of ``responses``: whether that respondent has at least one theme score.

    A respondent who answered no theme (every item empty, or too few items of each theme
    for a score) is kept in the processed data but has no score to report; the headline
    n of the reports counts only respondents with a theme score (see
    :func:`scored_respondents`). Respondents are matched on ``respondent_id`` and
    ``wave``; the readiness index is not a theme.

    Examples
    --------
    >>> responses = pd.DataFrame({"respondent_id": ["p1", "p2"], "wave": [1, 1]})
    >>> scores = pd.DataFrame({"respondent_id": ["p1", "p1", "p2"], "wave": [1, 1, 1],
    ...                        "theme": ["vision", "readiness", "vision"],
    ...                        "score": [3.0, 3.0, None]})
    >>> has_theme_score(responses, scores).tolist()
    [True, False]
    """
    themes = scores[(scores["theme"] != READINESS) & scores["score"].notna()]
    scored = pd.MultiIndex.from_arrays([themes["respondent_id"].astype(str),
                                        themes["wave"].astype("int64")])
    keys = pd.MultiIndex.from_arrays([responses["respondent_id"].astype(str),
                                      responses["wave"].astype("int64")])
    return pd.Series(keys.isin(scored), index=responses.index, dtype=bool)


def scored_respondents(data: ReportData) -> pd.DataFrame:
    """The responses of respondents with at least one theme score: the reports' n.

    Examples
    --------
    >>> data = load_report_data("data/processed")  # doctest: +SKIP
    >>> len(scored_respondents(data)) <= len(data.responses)  # doctest: +SKIP
    True
    """
    return once_per_data(data, "scored", lambda d: d.responses[_scored_mask(d)])


def unscored_count(data: ReportData) -> int:
    """Kept respondents who answered no theme, so are not in the reports' n.

    Examples
    --------
    >>> unscored_count(load_report_data("data/processed"))  # doctest: +SKIP
    0
    """
    return int((~_scored_mask(data)).sum())


def _scored_mask(data: ReportData) -> pd.Series:
    return once_per_data(data, "scored_mask", lambda d: has_theme_score(d.responses, d.scores))
