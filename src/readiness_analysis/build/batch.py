"""Render many reports: on an executor, with progress, isolating failures.

:func:`render_all` hands one task per report to an executor
(:mod:`readiness_analysis.build.executors`: this process, local worker processes or a Dask
cluster) and writes each page as its outcome comes back, in this process: workers never
write to the report folder. A report that fails is recorded with its error, and every
other report is still rendered and written.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from readiness_analysis.build.executors import Executor, RenderOutcome, RenderTask, make_executor
from readiness_analysis.build.interrupt import signals_held
from readiness_analysis.build.jobs import ReportJob, ReportResult
from readiness_analysis.build.plans import plan_files_of, write_report
from readiness_analysis.build.progress import Progress

__all__ = ["render_all"]


def render_all(
    jobs: list[ReportJob],
    *,
    reports_dir: Path,
    n_jobs: int = 1,
    scheduler: str | None = None,
    executor: Executor | None = None,
    progress: Progress | bool = True,
    on_result: Callable[[int, ReportResult], None] | None = None,
    cell_timeout: int | None = None,
) -> list[ReportResult]:
    """Render every job; a failure is recorded, never raised.

    Parameters
    ----------
    jobs : list of ReportJob
    reports_dir : Path
        The report folder; result paths are made relative to it.
    n_jobs : int
        Reports rendered at the same time (local worker processes, one warm kernel each).
    scheduler : str, optional
        Run on Dask instead: a scheduler address, or ``"local"`` for a local cluster of
        ``n_jobs`` workers (see :func:`readiness_analysis.build.executors.make_executor`).
    executor : Executor, optional
        Use this executor (it is not closed); overrides ``n_jobs`` and ``scheduler``.
    progress : Progress or bool
        Progress shown on stderr (a bar on a terminal, one line per report otherwise).
    on_result : callable, optional
        Called with ``(position in jobs, result)`` as each report finishes.
    cell_timeout : int, optional
        Seconds one notebook cell may run; a report with a cell that runs longer fails
        (the others still render). ``None``: no limit.

    Returns
    -------
    list of ReportResult
        In the order of ``jobs``.

    Examples
    --------
    >>> results = render_all(jobs, reports_dir=Path("reports"), n_jobs=2)  # doctest: +SKIP
    >>> [r.status for r in results]  # doctest: +SKIP
    ['ok', 'ok', 'failed']
    """
    # No link home: a report stands on its own (a school receives only its own file).
    tasks = [RenderTask(i, job, None, cell_timeout) for i, job in enumerate(jobs)]
    owned = executor is None and bool(tasks)
    if owned:
        executor = make_executor(min(n_jobs, len(tasks)), scheduler)
    bar = progress if isinstance(progress, Progress) else Progress(len(tasks), enabled=progress)
    results: list[ReportResult | None] = [None] * len(jobs)
    try:
        with bar:
            for outcome in executor.run(tasks) if tasks else ():
                with signals_held():  # no page on disk without its recorded result
                    result = _finish(jobs[outcome.index], outcome, reports_dir)
                    results[outcome.index] = result
                    if on_result is not None:
                        on_result(outcome.index, result)
                bar.update(result)
    finally:
        if owned:
            executor.close()
    return [r or _lost(job, reports_dir) for r, job in zip(results, jobs, strict=True)]


def _lost(job: ReportJob, reports_dir: Path) -> ReportResult:
    """The result of a job the executor returned nothing for."""
    return ReportResult(job.institution, job.title, os.path.relpath(job.output, reports_dir),
                        "failed", "no result came back from the executor", job.parameters)


def _finish(job: ReportJob, outcome: RenderOutcome, reports_dir: Path) -> ReportResult:
    """Write the page of a finished render (if it succeeded) and describe the result.

    The page comes with the files it brings along (an institution's action plan, made
    by its kernel; see :mod:`readiness_analysis.build.plans`).
    """
    digest, written, error = None, {}, outcome.error
    if outcome.page is not None:
        try:
            files = plan_files_of(job, outcome.plan)
        except Exception as exc:  # one report's plan must not stop the others
            error = f"action plan: {type(exc).__name__}: {exc}"
        else:
            digest, written = write_report(job, outcome.page, files, reports_dir)
    return ReportResult(
        institution=job.institution, title=job.title,
        path=os.path.relpath(job.output, reports_dir),
        status="ok" if error is None else "failed", error=error,
        parameters=job.parameters, duration_s=outcome.duration_s, output_sha256=digest,
        companions=written,
    )
