"""Where report notebooks run: in this process, in local worker processes, or on Dask.

Every executor runs the same task, :func:`run_task`: render one report in the warm
kernel of the worker it lands on and return the page (or the error). The page is written
by the process that called :func:`readiness_analysis.build.batch.render_all`, so workers need
the notebooks and the processed data but never write to the report folder.

===================================  =====================================================
executor                             when
===================================  =====================================================
:class:`InProcessExecutor`           ``--jobs 1``: one warm kernel, no extra process
:class:`ProcessExecutor`             ``--jobs N``: N worker processes (spawned), one warm
                                     kernel each; needs nothing beyond the package
:class:`DaskExecutor`                ``--scheduler ADDRESS`` (a running Dask cluster) or
                                     ``--scheduler local`` (a LocalCluster of N workers);
                                     needs ``pip install readiness-analysis[dask]``
===================================  =====================================================

On a Dask cluster, every worker must have this package installed and see the notebook
and processed-data paths of the jobs (a shared file system, or the same paths).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from readiness_analysis.build.jobs import ReportJob
from readiness_analysis.build.kernel import (
    kill_worker_kernels,
    shutdown_worker_kernels,
    worker_kernel,
)
from readiness_analysis.build.render import render_notebook
from readiness_analysis.core.errors import ReadinessError, RenderError

__all__ = [
    "DaskExecutor",
    "Executor",
    "InProcessExecutor",
    "ProcessExecutor",
    "RenderOutcome",
    "RenderTask",
    "make_executor",
    "run_task",
    "warm_up_kernel",
]

DASK_EXTRA = "pip install 'readiness-analysis[dask]'"


@dataclass(frozen=True)
class RenderTask:
    """One report to render: its position in the job list, the job, the link home.

    ``home`` is ``None`` for the reports of a build: a report stands on its own (see
    :func:`readiness_analysis.report.page.page_html`). ``cell_timeout`` is the seconds one
    notebook cell may run (``None``: no limit).
    """

    index: int
    job: ReportJob
    home: str | None
    cell_timeout: int | None = None


@dataclass(frozen=True)
class RenderOutcome:
    """What a worker sends back: the page, or the error; and how long it took."""

    index: int
    page: str | None
    error: str | None
    duration_s: float
    plan: dict[str, str] | None = None  # the action plan the kernel made (render_notebook)


def run_task(task: RenderTask) -> RenderOutcome:
    """Render one report in this worker's warm kernel; never raises for a bad report.

    Examples
    --------
    >>> outcome = run_task(RenderTask(0, job, "index.html"))  # doctest: +SKIP
    >>> outcome.error is None  # doctest: +SKIP
    True
    """
    start = time.perf_counter()
    page, plan, error = None, None, None
    try:
        page, plan = render_notebook(task.job, home=task.home,
                                     kernel=worker_kernel(task.cell_timeout))
    except ReadinessError as exc:
        error = str(exc)
    except Exception as exc:  # one report's unexpected failure must not stop the others
        error = _describe(exc)
    return RenderOutcome(task.index, page, error, round(time.perf_counter() - start, 2),
                         plan)


def warm_up_kernel(cwd: Path, modules: tuple[str, ...] = (), wait: bool = True) -> None:
    """Start this worker's warm kernel and import ``modules`` there (never raises).

    With ``wait=False`` the imports run in the kernel while the caller goes on
    (:meth:`~readiness_analysis.build.kernel.WarmKernel.warm_up`).

    Examples
    --------
    >>> warm_up_kernel(Path("notebooks"), ("pandas",))  # doctest: +SKIP
    """
    worker_kernel().warm_up(cwd, modules, wait=wait)


def _describe(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"{type(exc).__name__}: {first}"


def _lost(task: RenderTask, exc: BaseException) -> RenderOutcome:
    """The outcome of a task whose worker failed (not the report: the machinery)."""
    return RenderOutcome(task.index, None, f"worker failed: {_describe(exc)}", 0.0)


class Executor(ABC):
    """Runs render tasks and yields their outcomes as they finish.

    Use as a context manager (or call :meth:`close`) so that the kernels and workers it
    started are stopped.
    """

    workers: int = 1

    @abstractmethod
    def run(self, tasks: Iterable[RenderTask]) -> Iterator[RenderOutcome]:
        """Yield the outcome of every task, in the order they finish."""

    def warm_up(self, cwd: Path, modules: tuple[str, ...] = ()) -> None:  # noqa: B027
        """Start the workers and their kernels now, while this process works on.

        For the build's data stage: each kernel starts and imports ``modules`` (those the
        report notebooks import; :func:`warm_up_kernel`, a few seconds) meanwhile, so
        that the first reports (the study report first) do not wait for that. ``cwd`` is
        the kernels' working folder (the notebooks). The default does nothing.
        """

    def close(self) -> None:  # noqa: B027 - executors without resources need nothing here
        """Stop the kernels and workers this executor started."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class InProcessExecutor(Executor):
    """One warm kernel driven from this process, one report after the other.

    Examples
    --------
    >>> with InProcessExecutor() as executor:  # doctest: +SKIP
    ...     outcomes = list(executor.run(tasks))
    """

    def warm_up(self, cwd: Path, modules: tuple[str, ...] = ()) -> None:
        """Start the kernel and send it the imports, without waiting for them.

        The kernel imports while this process runs the data stage; the first report
        waits only for what is left of that.
        """
        warm_up_kernel(cwd, modules, wait=False)

    def run(self, tasks: Iterable[RenderTask]) -> Iterator[RenderOutcome]:
        """Yield the outcome of every task, in order."""
        for task in tasks:
            yield run_task(task)

    def close(self) -> None:
        """Shut down the warm kernel."""
        shutdown_worker_kernels()


def _init_worker() -> None:
    """In a new worker process: stop its kernel when the process exits or is terminated.

    Ctrl-C in a terminal reaches every process of the foreground group; a worker ignores
    it and lets the build's main process decide (it terminates the workers, see
    :meth:`ProcessExecutor.close`). On SIGTERM a worker kills its kernel, then exits.
    """
    multiprocessing.util.Finalize(None, shutdown_worker_kernels, exitpriority=10)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_terminated)


def _worker_terminated(signum: int, frame: object) -> None:
    kill_worker_kernels()
    os._exit(128 + signum)


class ProcessExecutor(Executor):
    """``workers`` local processes, each with its own warm kernel.

    Processes are spawned (not forked), so no thread or socket of this process is
    copied into them. A worker that dies fails only the reports it was running.

    Examples
    --------
    >>> with ProcessExecutor(2) as executor:  # doctest: +SKIP
    ...     outcomes = list(executor.run(tasks))
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None

    def warm_up(self, cwd: Path, modules: tuple[str, ...] = ()) -> None:
        """Start the worker processes, each with its kernel warm (see :meth:`Executor.warm_up`).

        One warm-up per worker: each blocks its worker for the kernel's start, so the
        next is taken by another worker.
        """
        pool = self._started()
        for _ in range(self.workers):
            pool.submit(warm_up_kernel, cwd, modules)

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context,
                                             initializer=_init_worker)
        return self._pool

    def run(self, tasks: Iterable[RenderTask]) -> Iterator[RenderOutcome]:
        """Yield the outcome of every task, in the order they finish."""
        pool = self._started()
        pending = {pool.submit(run_task, task): task for task in tasks}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # the worker process died
                    result = _lost(task, exc)
                yield result
        self._pool = None
        pool.shutdown(wait=True)

    def close(self) -> None:
        """Stop the workers of a run that did not finish (interrupted), with their kernels.

        Each worker is sent SIGTERM (it kills its kernel and exits); one that has not
        exited after a few seconds is killed. Queued reports are dropped.
        """
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(OSError, ValueError):
                process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise RenderError(
            "the Dask executor needs the 'distributed' package",
            hint=f"install it with: {DASK_EXTRA}",
        ) from None
    return distributed


class DaskExecutor(Executor):
    """Render tasks on a Dask cluster; each worker thread keeps one warm kernel.

    Parameters
    ----------
    scheduler : str
        Address of a running scheduler (``tcp://host:8786``), or ``"local"`` to start a
        :class:`distributed.LocalCluster` of ``workers`` single-threaded processes.
    workers : int
        Workers of the local cluster (ignored for an address).
    timeout : str
        How long to wait for the scheduler.

    Raises
    ------
    RenderError
        When ``distributed`` is not installed or the scheduler cannot be reached.

    Examples
    --------
    >>> with DaskExecutor("local", workers=2) as executor:  # doctest: +SKIP
    ...     outcomes = list(executor.run(tasks))
    """

    def __init__(self, scheduler: str, workers: int = 1, *, timeout: str = "30s") -> None:
        distributed = _import_distributed()
        self._distributed = distributed
        self._cluster = None
        self._warm_ups: list = []
        try:
            if scheduler == "local":
                self._cluster = distributed.LocalCluster(
                    n_workers=max(1, workers), threads_per_worker=1, processes=True,
                    dashboard_address=None,
                )
                self._client = distributed.Client(self._cluster, timeout=timeout)
            else:
                self._client = distributed.Client(scheduler, timeout=timeout)
        except OSError as exc:
            self.close()
            raise RenderError(
                f"cannot reach the Dask scheduler {scheduler!r}: {_describe(exc)}",
                hint="start one with `dask scheduler`, or use --scheduler local",
            ) from None
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))

    def warm_up(self, cwd: Path, modules: tuple[str, ...] = ()) -> None:
        """Start every worker's kernel (see :meth:`Executor.warm_up`), one task each."""
        self._warm_ups = [  # held: Dask drops a task whose future is let go
            self._client.submit(warm_up_kernel, cwd, modules, workers=[address], pure=False,
                                key=f"warm-up-{uuid.uuid4().hex[:8]}")
            for address in self._client.scheduler_info().get("workers", {})]

    def run(self, tasks: Iterable[RenderTask]) -> Iterator[RenderOutcome]:
        """Yield the outcome of every task, in the order they finish."""
        build = uuid.uuid4().hex[:8]
        submitted: dict[str, RenderTask] = {}
        futures = []
        for task in tasks:
            task = replace(task, job=replace(task.job, notebook=task.job.notebook.resolve()))
            future = self._client.submit(run_task, task, key=f"render-{build}-{task.index}",
                                         pure=False)
            submitted[future.key] = task
            futures.append(future)
        for future in self._distributed.as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # the worker died or the task was lost
                yield _lost(submitted[future.key], exc)

    def close(self) -> None:
        """Stop the workers' kernels, then the client (and the local cluster)."""
        client = getattr(self, "_client", None)
        self._warm_ups = []
        if client is not None:
            with contextlib.suppress(Exception):  # a worker that is gone has no kernel left
                client.run(shutdown_worker_kernels)
            client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def make_executor(jobs: int = 1, scheduler: str | None = None) -> Executor:
    """The executor for ``--jobs`` and ``--scheduler``.

    Examples
    --------
    >>> type(make_executor(1)).__name__
    'InProcessExecutor'
    >>> type(make_executor(4)).__name__
    'ProcessExecutor'
    """
    if scheduler:
        return DaskExecutor(scheduler, workers=jobs)
    return InProcessExecutor() if jobs <= 1 else ProcessExecutor(jobs)
