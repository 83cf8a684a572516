"""The whole pipeline: raw data → processed data → reports, index and manifest."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .errors import ReadinessError
from .instrument import load_instrument
from .pipeline import file_sha256, prepare
from .render import ReportJob, ReportResult, index_body, render_all, slugify, write_page
from .reporting import text

__all__ = ["BuildResult", "build"]

STUDY_NOTEBOOK = "study_report.ipynb"
INSTITUTION_NOTEBOOK = "institution_report.ipynb"


@dataclass(frozen=True)
class BuildResult:
    """Outcome of :func:`build`: one result per report; ``ok`` when none failed."""

    reports: list[ReportResult]
    reports_dir: Path

    @property
    def ok(self) -> bool:
        """True when every report rendered."""
        return all(r.status == "ok" for r in self.reports)

    @property
    def failed(self) -> list[ReportResult]:
        """The reports that failed."""
        return [r for r in self.reports if r.status != "ok"]


def build(
    raw_dir: str | Path = "data/raw",
    processed_dir: str | Path = "data/processed",
    reports_dir: str | Path = "reports",
    *,
    notebooks_dir: str | Path = "notebooks",
    instrument: str | Path | None = None,
    institutions: list[str] | None = None,
    lang: str = "nl",
    jobs: int = 1,
) -> BuildResult:
    """Run every stage and write all reports, ``index.html`` and ``manifest.json``.

    Parameters
    ----------
    raw_dir, processed_dir, reports_dir, notebooks_dir : path
        Where the inputs, processed data, reports and report notebooks are.
    instrument : path, optional
        Instrument YAML; default: the one shipped with the package.
    institutions : list of str, optional
        Render only these institution reports (the study report is always rendered).
    lang : {"nl", "en"}
        Report language.
    jobs : int
        Reports rendered in parallel.

    Returns
    -------
    BuildResult

    Examples
    --------
    >>> result = build("data/raw", "data/processed", "reports")  # doctest: +SKIP
    >>> result.ok  # doctest: +SKIP
    True
    """
    if lang not in ("nl", "en"):
        raise ReadinessError(f"unknown language {lang!r}", hint="use nl or en")
    notebooks, reports = Path(notebooks_dir), Path(reports_dir)
    for name in (STUDY_NOTEBOOK, INSTITUTION_NOTEBOOK):
        if not (notebooks / name).is_file():
            raise ReadinessError(
                f"report notebook {name} not found", file=notebooks,
                hint="run from the project folder or pass --notebooks",
            )
    inst = load_instrument(instrument)
    prepared = prepare(raw_dir, processed_dir, instrument=inst)
    chosen = _choose(prepared.institutions, institutions)
    jobs_list = _jobs(chosen, notebooks, reports, Path(processed_dir), lang)
    results = render_all(jobs_list, reports_dir=reports, n_jobs=jobs)
    inputs = dict(prepared.inputs)
    inputs.update({nb.name: file_sha256(nb) for nb in {j.notebook for j in jobs_list}})
    for result in results:
        result.inputs = inputs
    _write_index(reports, results, lang, prepared)
    _write_manifest(reports, results)
    return BuildResult(results, reports)


def _choose(available: list[str], wanted: list[str] | None) -> list[str]:
    if not wanted:
        return available
    unknown = [w for w in wanted if w not in available]
    if unknown:
        raise ReadinessError(
            f"unknown institution {unknown[0]!r}", hint=f"choose from: {', '.join(available)}"
        )
    return [a for a in available if a in wanted]


def _jobs(institutions, notebooks: Path, reports: Path, processed: Path, lang: str):
    processed_abs = str(processed.resolve())
    study_title = "Studierapport" if lang == "nl" else "Study report"
    jobs = [
        ReportJob(study_title, notebooks / STUDY_NOTEBOOK, reports / "study.html",
                  {"processed_dir": processed_abs, "lang": lang}, lang)
    ]
    slugs: set[str] = set()
    for name in institutions:
        slug = slugify(name)
        while slug in slugs:  # two names that slug alike still get two files
            slug += "-x"
        slugs.add(slug)
        jobs.append(
            ReportJob(name, notebooks / INSTITUTION_NOTEBOOK,
                      reports / "institutions" / f"{slug}.html",
                      {"institution": name, "processed_dir": processed_abs, "lang": lang},
                      lang, institution=name)
        )
    return jobs


def _write_index(reports: Path, results, lang: str, prepared) -> None:
    synthetic = prepared_synthetic(prepared)
    note = text("synthetic", lang) if synthetic else None
    body = index_body(results, lang=lang, synthetic_note=note)
    write_page(reports / "index.html", title="readiness-analysis", body=body, lang=lang,
               home="index.html", footer=f"readiness-analysis {__version__}")


def prepared_synthetic(prepared) -> bool:
    """Whether the scan data behind a build came from the synthetic generator."""
    provenance = json.loads((prepared.processed_dir / "provenance.json").read_text("utf-8"))
    return bool(provenance.get("synthetic"))


def _write_manifest(reports: Path, results) -> None:
    manifest = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "package_version": __version__,
        "reports": [asdict(r) for r in results],
    }
    tmp = reports / ".manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, reports / "manifest.json")
