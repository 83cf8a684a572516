"""A warm Jupyter kernel that executes report notebooks one after another.

Starting a kernel and importing pandas, seaborn and statsmodels costs more than running
a report notebook. A :class:`WarmKernel` starts one kernel and keeps it. Before each
notebook it resets the session with :func:`readiness_analysis.build.session.reset` (``%reset -f``;
open figures closed; matplotlib settings, warning filters and working folder restored), so
imported modules stay loaded while every report starts from an empty namespace.

After any failure (a failing cell, a timeout, a dead kernel) the kernel is shut down, and
the next notebook gets a new one: a failing report never leaves state behind.
Notebooks run through :class:`nbclient.NotebookClient`, as papermill runs them.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readiness_analysis.core.errors import RenderError

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = ["KERNEL", "KERNEL_ARGS", "WarmKernel", "shutdown_worker_kernels", "worker_kernel"]

KERNEL = "python3"
# Quiet start-up (the TCP transport warning is noise for report builders) and history in
# memory, so parallel kernels never contend for IPython's history database.
KERNEL_ARGS = ("--IPKernelApp.log_level=ERROR", "--HistoryManager.hist_file=:memory:")
_RESET = ("import readiness_analysis.build.session\n"
          "readiness_analysis.build.session.reset({cwd!r})\n")


def _block(awaitable: Any) -> Any:
    """Wait for ``awaitable`` (or return a plain value) on this thread's event loop."""
    from jupyter_core.utils import ensure_async, run_sync

    async def wait() -> Any:
        return await ensure_async(awaitable)

    return run_sync(wait)()


class WarmKernel:
    """One kernel that executes notebooks in turn, reset between them.

    Parameters
    ----------
    kernel_name : str
        Kernel spec to start (default ``python3``).
    cell_timeout : int, optional
        Seconds one cell of a report may run; ``None`` (default) waits as long as it
        takes. A cell that runs longer fails the report (:class:`RenderError` naming the
        cell) and the kernel is replaced. The session reset before each report is not
        limited by it, but the report's first cell is, imports in a new kernel included.
    startup_timeout : int
        Seconds to wait for the kernel to start.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    >>> with WarmKernel() as kernel:  # doctest: +SKIP
    ...     kernel.execute(nb, cwd=Path("."))
    ...     nb.cells[0].outputs[0]["data"]["text/plain"]
    '2'
    """

    def __init__(
        self, kernel_name: str = KERNEL, *, cell_timeout: int | None = None,
        startup_timeout: int = 60,
    ) -> None:
        self.kernel_name = kernel_name
        self.cell_timeout = cell_timeout
        self.startup_timeout = startup_timeout
        self.starts = 0
        self._running: int | None = None  # index of the cell being executed
        self._km: Any = None
        self._kc: Any = None

    @property
    def alive(self) -> bool:
        """Whether a kernel is running for this object."""
        return self._km is not None

    def __enter__(self) -> WarmKernel:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()

    def execute(self, nb: NotebookNode, *, cwd: Path, source: Path | None = None) -> NotebookNode:
        """Reset the session, then execute every cell of ``nb`` in place.

        Parameters
        ----------
        nb : NotebookNode
            The (parameterised) notebook; outputs are written into it.
        cwd : Path
            Working folder of the notebook's code.
        source : Path, optional
            Notebook file named in error messages.

        Raises
        ------
        RenderError
            When a cell fails (naming the cell and error), a cell times out or the kernel
            dies. The kernel is shut down first; the next call starts a new one.
        """
        cwd = Path(cwd).resolve()
        try:
            if not self.alive:
                self._start(cwd)
            self._reset(cwd)
            self._run(nb, self.cell_timeout)
        except BaseException as exc:
            self.shutdown()
            if isinstance(exc, Exception):
                raise _render_error(exc, nb, source, self._running, self.cell_timeout) from None
            raise
        return nb

    def shutdown(self) -> None:
        """Stop the kernel (if any); a later :meth:`execute` starts a new one."""
        km, kc = self._km, self._kc
        self._km = self._kc = None
        if kc is not None:
            kc.stop_channels()
        if km is not None:
            with contextlib.suppress(Exception):  # already dead: nothing left to stop
                _block(km.shutdown_kernel(now=True))

    def _start(self, cwd: Path) -> None:
        from jupyter_client.manager import AsyncKernelManager

        km = AsyncKernelManager(kernel_name=self.kernel_name)
        folder = str(cwd) if cwd.is_dir() else None  # a Dask worker may not have it
        _block(km.start_kernel(extra_arguments=list(KERNEL_ARGS), cwd=folder))
        self._km = km
        self._kc = km.client()
        self._kc.start_channels()
        self._kc.allow_stdin = False
        _block(self._kc.wait_for_ready(timeout=self.startup_timeout))
        self.starts += 1

    def _reset(self, cwd: Path) -> None:
        import nbformat
        from nbclient.exceptions import CellExecutionError, CellTimeoutError

        reset = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            _RESET.format(cwd=str(cwd)))])
        try:
            self._run(reset, self.startup_timeout)
        except CellExecutionError as exc:
            raise RuntimeError(f"resetting the kernel session failed: {exc.ename}: "
                               f"{_first_line(exc.evalue)}") from None
        except CellTimeoutError:
            raise RuntimeError("resetting the kernel session took longer than "
                               f"{self.startup_timeout} s") from None

    def _run(self, nb: NotebookNode, timeout: int | None) -> None:
        from nbclient import NotebookClient

        def started(cell: NotebookNode, cell_index: int) -> None:
            self._running = cell_index

        self._running = None
        client = NotebookClient(
            nb, km=self._km, kernel_name=self.kernel_name, timeout=timeout,
            startup_timeout=self.startup_timeout, raise_on_iopub_timeout=True,
            on_cell_execute=started,
        )
        client.kc = self._kc
        client.execute()


def _render_error(exc: Exception, nb: NotebookNode, source: Path | None,
                  running: int | None = None, timeout: int | None = None) -> RenderError:
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    hint = "open the notebook in JupyterLab with these parameters to debug"
    if isinstance(exc, CellTimeoutError):
        message = (f"cell {_cell_number(nb, running)} ran longer than the cell time-out "
                   f"of {timeout} s and was stopped")
        hint = "make the cell faster, or allow more time with --cell-timeout SECONDS"
    elif isinstance(exc, CellExecutionError):
        message = f"cell {_failed_cell(nb)} failed: {exc.ename}: {_first_line(exc.evalue)}"
    else:
        message = f"kernel failed: {type(exc).__name__}: {_first_line(exc)}"
    return RenderError(message, file=source, hint=hint)


def _failed_cell(nb: NotebookNode) -> int | str:
    """Execution number of the failing cell as a fresh kernel counts it (non-empty code cells)."""
    number = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        number += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return number
    return "?"


def _cell_number(nb: NotebookNode, index: int | None) -> int | str:
    """Execution number of the cell at ``index``, counted as :func:`_failed_cell` counts."""
    if index is None:
        return "?"
    return sum(1 for cell in nb.cells[:index + 1]
               if cell.cell_type == "code" and cell.source.strip())


def _first_line(text: object) -> str:
    return (str(text).strip().splitlines() or [""])[0][:300]


# One warm kernel per worker thread (a worker process has one thread that renders; a Dask
# worker may have several). All of them are shut down by shutdown_worker_kernels().
_local = threading.local()
_kernels: list[WarmKernel] = []
_lock = threading.Lock()


def worker_kernel(cell_timeout: int | None = None) -> WarmKernel:
    """The warm kernel of the calling thread, created on first use.

    Parameters
    ----------
    cell_timeout : int, optional
        Seconds one cell may run from now on (see :class:`WarmKernel`); ``None``: no limit.

    Examples
    --------
    >>> worker_kernel() is worker_kernel(cell_timeout=30)
    True
    >>> worker_kernel().cell_timeout is None
    True
    """
    kernel = getattr(_local, "kernel", None)
    if kernel is None:
        kernel = _local.kernel = WarmKernel()
        with _lock:
            _kernels.append(kernel)
    kernel.cell_timeout = cell_timeout
    return kernel


def shutdown_worker_kernels() -> int:
    """Shut down every kernel :func:`worker_kernel` started in this process; return how many.

    Examples
    --------
    >>> shutdown_worker_kernels() >= 0
    True
    """
    with _lock:
        kernels = list(_kernels)
    stopped = 0
    for kernel in kernels:
        stopped += kernel.alive
        kernel.shutdown()
    return stopped
