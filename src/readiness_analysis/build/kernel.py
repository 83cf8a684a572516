"""A warm Jupyter kernel that executes report notebooks one after another.

Starting a kernel and importing pandas, seaborn and statsmodels costs more than running
a report notebook. A :class:`WarmKernel` starts one kernel and keeps it. Before each
notebook it resets the session with :func:`readiness_analysis.build.session.reset` (``%reset -f``;
open figures closed; matplotlib settings, warning filters and working folder restored), so
imported modules stay loaded while every report starts from an empty namespace.

After any failure (a failing cell, a timeout, a dead kernel) the kernel is shut down, and
the next notebook gets a new one: a failing report never leaves state behind.
Notebooks run through :class:`nbclient.NotebookClient`, as papermill runs them, but
without nbclient's signal handlers: an interrupt (SIGINT, SIGTERM) kills the kernel at
once (:meth:`WarmKernel.kill`) and reaches the build. Inside :func:`runtime_folder`,
kernels keep their connection files, IPython profile and matplotlib cache in the build's
own runtime folder, removed when the build ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readiness_analysis.core.errors import RenderError

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = ["KERNEL", "KERNEL_ARGS", "ONE_THREAD", "RUNTIME_ENV", "WarmKernel",
           "kernel_environment", "kill_worker_kernels", "remove_stale_runtime_folders",
           "runtime_folder", "shutdown_worker_kernels", "worker_kernel"]

KERNEL = "python3"
# Quiet start-up (the TCP transport warning is noise for report builders) and history in
# memory, so parallel kernels never contend for IPython's history database.
KERNEL_ARGS = ("--IPKernelApp.log_level=ERROR", "--HistoryManager.hist_file=:memory:")
_RESET = ("import readiness_analysis.build.session\n"
          "readiness_analysis.build.session.reset({cwd!r})\n")
_WARM_UP = ("import readiness_analysis.build.session\n"
            "readiness_analysis.build.session.warm_up({modules!r})\n")
# Thread counts of the BLAS and OpenMP libraries numpy, scipy and statsmodels use.
ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: Set while :func:`runtime_folder` runs: the build's own runtime folder.
RUNTIME_ENV = "READINESS_RUNTIME_DIR"
# Where the kernels' connection files and IPython's and matplotlib's state go, instead of
# the system temp folder, ~/.ipython, ~/.cache/matplotlib and ~/.config/matplotlib.
_RUNTIME_VARIABLES = {"JUPYTER_RUNTIME_DIR": "jupyter", "IPYTHONDIR": "ipython",
                      "MPLCONFIGDIR": "matplotlib"}
_RUNTIME_PREFIX = "readiness-runtime-"
_RUNTIME_MARKER = ".readiness-runtime.json"  # the build's pid and host


def kernel_environment() -> dict[str, str]:
    """The environment of a report kernel: this process's, with one BLAS thread.

    A build runs one kernel per core already; a multithreaded BLAS in each (OpenBLAS
    starts one thread per core) makes them fight over the cores, and a correlation
    matrix of a large study then costs many times its single-threaded CPU time. A
    thread setting the user made is kept.

    Examples
    --------
    >>> env = kernel_environment()
    >>> env["OPENBLAS_NUM_THREADS"] == os.environ.get("OPENBLAS_NUM_THREADS", "1")
    True
    """
    return {**{name: "1" for name in ONE_THREAD}, **os.environ}


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
        except Exception as exc:
            self.shutdown()
            raise _render_error(exc, nb, source, self._running, self.cell_timeout) from None
        except BaseException:  # interrupted (Ctrl-C, a stop signal): no time for a goodbye
            self.kill()
            raise
        return nb

    def warm_up(self, cwd: Path, modules: tuple[str, ...] = (), *, wait: bool = True) -> None:
        """Start the kernel now and import ``modules``, ahead of the first report.

        Runs :func:`readiness_analysis.build.session.warm_up` after a reset; the next
        :meth:`execute` resets the session again, so a report finds the same session as
        in a kernel that rendered reports before. With ``wait=False`` only the start is
        waited for: the warm-up is sent and runs in the kernel while this process goes
        on, and the next :meth:`execute` queues behind it. Never raises for a failure: the
        kernel is shut down and the first :meth:`execute` starts it cold (and reports the
        failure, if it is the kernel's).
        """
        import nbformat

        cwd = Path(cwd).resolve()
        warm = _WARM_UP.format(modules=tuple(modules))
        try:
            if not self.alive:
                self._start(cwd)
            if not wait:  # no output, no execution count: the kernel's reply is not read
                self._kc.execute(_RESET.format(cwd=str(cwd)) + warm, silent=True,
                                 store_history=False)
                return
            self._reset(cwd)
            self._run(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(warm)]),
                      self.startup_timeout)
        except Exception:
            self.shutdown()
        except BaseException:  # interrupted: as in execute
            self.kill()
            raise

    def shutdown(self) -> None:
        """Stop the kernel (if any); a later :meth:`execute` starts a new one."""
        km, kc = self._km, self._kc
        self._km = self._kc = None
        if kc is not None:
            kc.stop_channels()
        if km is not None:
            with contextlib.suppress(Exception):  # already dead: nothing left to stop
                _block(km.shutdown_kernel(now=True))

    def kill(self) -> None:
        """Kill the kernel's process group at once and remove its connection file.

        Unlike :meth:`shutdown` this sends no request and runs no event loop, so it is
        safe in a signal handler and while the kernel is busy.
        """
        km, kc = self._km, self._kc
        self._km = self._kc = None
        if km is None:
            return
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is not None:
            with contextlib.suppress(OSError):  # already gone
                if hasattr(os, "killpg"):  # the kernel leads a session of its own
                    os.killpg(process.pid, signal.SIGKILL)
                else:
                    process.kill()
            with contextlib.suppress(Exception):
                process.wait(timeout=5)
        if kc is not None:
            with contextlib.suppress(Exception):
                kc.stop_channels()
        with contextlib.suppress(Exception):
            km.cleanup_connection_file()

    def _start(self, cwd: Path) -> None:
        from jupyter_client.manager import AsyncKernelManager

        km = AsyncKernelManager(kernel_name=self.kernel_name)
        connection = _connection_file()  # in the build's runtime folder, when there is one
        if connection is not None:
            km.connection_file = connection
        folder = str(cwd) if cwd.is_dir() else None  # a Dask worker may not have it
        self._km = km  # before it starts: an interrupt while it starts still kills it
        _block(km.start_kernel(extra_arguments=list(KERNEL_ARGS), cwd=folder,
                               env=kernel_environment()))
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
        def started(cell: NotebookNode, cell_index: int) -> None:
            self._running = cell_index

        self._running = None
        client = _client_class()(
            nb, km=self._km, kernel_name=self.kernel_name, timeout=timeout,
            startup_timeout=self.startup_timeout, raise_on_iopub_timeout=True,
            on_cell_execute=started,
        )
        client.kc = self._kc
        client.execute()


_CLIENT: list[type] = []


def _client_class() -> type:
    """:class:`nbclient.NotebookClient` for a kernel it does not own, installing no signal handlers.

    nbclient's own SIGINT/SIGTERM handlers shut the kernel down and let the next report
    start (the report in progress failing with ``DeadKernelError``), and replace the
    build's handlers (:mod:`readiness_analysis.build.interrupt`) for good. The warm
    kernel is started, reset and stopped by :class:`WarmKernel`, so nbclient's set-up
    has nothing else to do.
    """
    if not _CLIENT:
        from nbclient import NotebookClient

        class _WarmClient(NotebookClient):
            @contextlib.asynccontextmanager
            async def async_setup_kernel(self, **kwargs: Any) -> Any:
                yield

        _CLIENT.append(_WarmClient)
    return _CLIENT[0]


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
    return _stop_all(WarmKernel.shutdown)


def kill_worker_kernels() -> int:
    """Kill every kernel of this process at once (no shutdown request); return how many.

    For a signal handler: it waits for nothing and needs no event loop.

    Examples
    --------
    >>> kill_worker_kernels() >= 0
    True
    """
    return _stop_all(WarmKernel.kill)


def _stop_all(stop: Callable[[WarmKernel], object]) -> int:
    """Apply ``stop`` to every kernel of this process; return how many were alive."""
    with _lock:
        kernels = list(_kernels)
    alive = sum(kernel.alive for kernel in kernels)
    for kernel in kernels:
        stop(kernel)
    return alive


@contextlib.contextmanager
def runtime_folder() -> Iterator[Path]:
    """A runtime folder of the build's own for the ``with`` block, removed afterwards.

    A new owner-only folder in the system temp folder receives the kernels' connection
    files (``JUPYTER_RUNTIME_DIR``), IPython's profile (``IPYTHONDIR``) and matplotlib's
    configuration and font cache (``MPLCONFIGDIR``): the variables are set for the block
    (kernels and worker processes started in it inherit them) and put back after it, and
    the folder is removed, also on an error or an interrupt. Inside another
    ``runtime_folder`` block the outer folder is used. The folders that killed builds
    left behind are removed first (:func:`remove_stale_runtime_folders`).

    Examples
    --------
    >>> with runtime_folder() as folder:
    ...     os.environ["MPLCONFIGDIR"] == str(folder / "matplotlib")
    True
    >>> folder.exists()
    False
    """
    outer = os.environ.get(RUNTIME_ENV)
    if outer and Path(outer).is_dir():
        yield Path(outer)
        return
    remove_stale_runtime_folders()
    folder = Path(tempfile.mkdtemp(prefix=f"{_RUNTIME_PREFIX}{os.getpid()}-"))  # mode 0700
    (folder / _RUNTIME_MARKER).write_text(json.dumps(
        {"pid": os.getpid(), "host": socket.gethostname()}), encoding="utf-8")
    before = {name: os.environ.get(name) for name in (RUNTIME_ENV, *_RUNTIME_VARIABLES)}
    os.environ[RUNTIME_ENV] = str(folder)
    for name, sub in _RUNTIME_VARIABLES.items():
        (folder / sub).mkdir(mode=0o700)
        os.environ[name] = str(folder / sub)
    try:
        yield folder
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale_runtime_folders(temp: str | Path | None = None) -> list[Path]:
    """Remove the runtime folders of killed builds (SIGKILL: no clean-up); return them.

    Only folders named ``readiness-runtime-<pid>-<random>`` directly in the system temp
    folder (or ``temp``), owned by this user, not links, holding the marker a build
    writes, whose build pid no longer runs on this host.

    Examples
    --------
    >>> import tempfile
    >>> temp = Path(tempfile.mkdtemp())
    >>> dead = temp / "readiness-runtime-999999999-abcd"; dead.mkdir()
    >>> _ = (dead / _RUNTIME_MARKER).write_text(json.dumps(
    ...     {"pid": 999999999, "host": socket.gethostname()}))
    >>> (temp / "readiness-runtime-1-notours").mkdir()  # no marker: not ours to remove
    >>> [p.name for p in remove_stale_runtime_folders(temp)]
    ['readiness-runtime-999999999-abcd']
    """
    removed = []
    for folder in Path(temp or tempfile.gettempdir()).glob(f"{_RUNTIME_PREFIX}*"):
        try:
            if (folder.is_symlink() or not folder.is_dir()
                    or (hasattr(os, "getuid") and folder.stat().st_uid != os.getuid())):
                continue
            holder = json.loads((folder / _RUNTIME_MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(holder, dict) and not _runs(holder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _runs(holder: dict) -> bool:
    """Whether the build that made a runtime folder may still run (unknown: yes)."""
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0 or holder.get("host") != socket.gethostname():
        return True
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _connection_file() -> str | None:
    """A connection file name in the build's runtime folder (None: jupyter's default)."""
    folder = os.environ.get(RUNTIME_ENV) and os.environ.get("JUPYTER_RUNTIME_DIR")
    if not folder or not os.path.isdir(folder):
        return None
    return os.path.join(folder, f"kernel-{uuid.uuid4()}.json")
