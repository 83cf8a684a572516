"""The files a report brings along: an institution report's action plan, beside it.

The action section of an institution report (:mod:`readiness_analysis.report.actions`)
has an editable plan: the build writes it beside the report as
``<report>.actieplan.csv`` and ``<report>.actieplan.md`` (``.action-plan.*`` in English;
the word comes from the catalogue), and points the report's links at those names. The
plan is made in the kernel that renders the report (the notebook displays it, see
:func:`readiness_analysis.report.actions.plan_output`) and comes back with the page; it
is written in the build's own process, so workers still never write to the report
folder.

The plan and the page are written together, all or none, and recorded in the manifest
(``companions``: path → SHA-256), so that the incremental build keeps a report only while
its plan is there unchanged: an unchanged report keeps its plan, a report rendered again
rewrites it. A report that no longer has a plan (a study without recommendations)
removes the plan files an earlier build left under its names.
"""

from __future__ import annotations

import os
from pathlib import Path

from readiness_analysis.build.jobs import ReportJob
from readiness_analysis.core.files import explained, text_sha256, write_texts
from readiness_analysis.report.actions import link_plan, plan_files, plan_names
from readiness_analysis.report.data import load_report_data

__all__ = ["companions", "plan_files_of", "write_report"]


def plan_files_of(job: ReportJob, plan: dict[str, str] | None) -> dict[Path, str]:
    """The files to write beside ``job``'s report, from the plan its kernel made.

    ``plan`` is what :func:`readiness_analysis.build.render.render_notebook` took from
    the notebook (``{format: text}``); ``None`` (a notebook that makes no plan) falls
    back to :func:`companions`, which loads the report's data again in this process.

    Examples
    --------
    >>> job = ReportJob("A", Path("nb.ipynb"), Path("r/a.html"), {}, institution="A")
    >>> plan_files_of(job, {"csv": "x", "md": "y"})
    {PosixPath('r/a.actieplan.csv'): 'x', PosixPath('r/a.actieplan.md'): 'y'}
    >>> plan_files_of(job, {})
    {}
    """
    if plan is None:
        return companions(job)
    if job.institution is None:
        return {}
    names = plan_names(job.output, job.lang)
    return {job.output.parent / names[fmt]: body for fmt, body in plan.items() if fmt in names}


def companions(job: ReportJob) -> dict[Path, str]:
    """The files to write beside ``job``'s report: path → text (none for the study report).

    Examples
    --------
    >>> job = ReportJob("Instelling A", Path("notebooks/institution_report.ipynb"),
    ...                 Path("reports/institutions/instelling-a.html"),
    ...                 {"institution": "Instelling A", "processed_dir": "data/processed"},
    ...                 institution="Instelling A")
    >>> sorted(p.name for p in companions(job))  # doctest: +SKIP
    ['instelling-a.actieplan.csv', 'instelling-a.actieplan.md']
    """
    if job.institution is None:
        return {}
    data = load_report_data(job.parameters["processed_dir"], job.institution)
    files = plan_files(data, job.output, job.lang)
    return {job.output.parent / name: content for name, content in files.items()}


def write_report(job: ReportJob, page: str, files: dict[Path, str],
                 reports_dir: Path) -> tuple[str, dict[str, str]]:
    """Write a rendered page and the files it brings along (:func:`companions`).

    The page's links to its plan point at the plan's files. All files are written, or
    none (:func:`readiness_analysis.core.files.write_texts`): a full disk leaves the
    earlier page and plan as they were, as the manifest describes them. Returns the
    page's SHA-256 and the companions' SHA-256 by path relative to ``reports_dir``.

    Raises
    ------
    ReadinessError
        When a file cannot be written (a full disk, a refused permission).

    Examples
    --------
    >>> files = companions(job)  # doctest: +SKIP
    >>> digest, written = write_report(job, page, files, Path("reports"))  # doctest: +SKIP
    >>> sorted(written)  # doctest: +SKIP
    ['institutions/instelling-a.actieplan.csv', 'institutions/instelling-a.actieplan.md']
    """
    if job.institution is not None and not files:
        _remove_stale(job)
    page = link_plan(page, job.output, job.lang) if files else page
    write_texts({**files, job.output: page})  # all of them, or none (a full disk)
    written = {os.path.relpath(path, reports_dir): text_sha256(content)
               for path, content in files.items()}
    return text_sha256(page), written


def _remove_stale(job: ReportJob) -> None:
    """Remove the plan files an earlier build wrote under this report's names."""
    for name in plan_names(job.output, job.lang).values():
        path = job.output.parent / name
        with explained(path):
            path.unlink(missing_ok=True)
