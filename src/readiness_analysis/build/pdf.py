"""PDF copies of the reports (``readiness build --pdf``), printed by headless Chromium.

Every report this build rendered successfully gets a PDF beside its HTML file, with the
same name and ``.pdf`` (``institutions/instelling-a.html`` → ``institutions/instelling-a.pdf``).
A report kept from an earlier build (up to date) keeps its PDF when that is newer than the
HTML; otherwise it is printed again. A failed report gets no PDF. The PDF is laid out by
the print stylesheet of the page (``@media print`` and ``@page`` in
``report/templates/report.css``): page numbers, table headers repeated on every page,
no lost columns.

Why Chromium and not WeasyPrint
-------------------------------
* It is the engine the reports are already checked with: the browser tests
  (``tests/e2e``) open every report in headless Chromium, and CI installs it
  (``.ci/run``). A PDF made by the same engine looks like the page those tests check;
  WeasyPrint has its own layout engine (no JavaScript, its own subset of CSS), so a
  second engine would need its own checks.
* WeasyPrint is a Python package, but it needs the Pango text-layout system library
  (and its fonts and HarfBuzz) through ``cffi``: a ``pip install`` alone does not give a
  working WeasyPrint on Windows or macOS, and on Linux it depends on the distribution's
  Pango version. Chromium is one system package (``apt-get install chromium``) with
  nothing to add to the Python dependencies.
* Chromium writes tagged PDFs: each figure's alt text is in the PDF's structure tree
  (``/Alt``), so the PDF stays accessible.

Chromium prints with ``--no-pdf-header-footer`` (its own header and footer would repeat
the file path and date): page numbers come from the stylesheet's ``@page`` margin boxes,
which Chromium lays out since version 131. It runs with a throw-away profile, no network
services, and ``--no-sandbox``: the page printed is the package's own self-contained
report (no scripts, nothing fetched), and Chromium's sandbox does not start in most
containers or as root.

Which browser: ``READINESS_CHROMIUM`` (a path or a command name) when set, else the first
of ``chromium``, ``chromium-browser`` and ``google-chrome`` on ``PATH``
(:func:`find_chromium`); none found is a :class:`~readiness_analysis.core.errors.RenderError`
with the command that installs it, raised before the build starts.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from readiness_analysis.build.jobs import ReportResult
from readiness_analysis.build.progress import Progress
from readiness_analysis.core.errors import ReadinessError, RenderError
from readiness_analysis.core.files import atomic_write, free_space

__all__ = ["BROWSERS", "CHROMIUM_ENV", "PDF_TIMEOUT", "PdfResult", "find_chromium",
           "pdf_is_current", "pdf_path", "print_pdf", "write_pdfs"]

#: Environment variable naming the browser to print with (a path or a command).
CHROMIUM_ENV = "READINESS_CHROMIUM"
#: Commands tried on ``PATH``, in this order, when ``READINESS_CHROMIUM`` is not set.
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
#: Seconds one report may take to print before it fails.
PDF_TIMEOUT = 120
_INSTALL = ("install Chromium (Debian/Ubuntu: sudo apt-get install chromium) or set "
            f"{CHROMIUM_ENV} to the path of a Chromium or Chrome browser")


def find_chromium(environ: Mapping[str, str] | None = None) -> str:
    """The browser ``--pdf`` prints with: ``READINESS_CHROMIUM``, else the first on ``PATH``.

    Parameters
    ----------
    environ : mapping, optional
        The environment to read (default ``os.environ``); its ``PATH`` is searched.

    Returns
    -------
    str
        The browser's full path.

    Raises
    ------
    RenderError
        When ``READINESS_CHROMIUM`` names no executable, or none of :data:`BROWSERS` is
        on ``PATH``; the hint gives the install command.

    Examples
    --------
    >>> find_chromium({"PATH": "/nonexistent"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    readiness_analysis.core.errors.RenderError: --pdf needs headless Chromium, and ...
    """
    env = os.environ if environ is None else environ
    path = env.get("PATH", "")
    wanted = env.get(CHROMIUM_ENV, "").strip()
    if wanted:
        found = shutil.which(wanted, path=path)
        if found is None:
            raise RenderError(f"{CHROMIUM_ENV}={wanted} is not an executable browser",
                              hint=f"correct {CHROMIUM_ENV}, or unset it and {_INSTALL}")
        return found
    for name in BROWSERS:
        found = shutil.which(name, path=path)
        if found is not None:
            return found
    raise RenderError(f"--pdf needs headless Chromium, and none was found ({CHROMIUM_ENV} "
                      f"is not set; no {', '.join(BROWSERS)} on PATH)", hint=_INSTALL)


def pdf_path(html_file: str | Path) -> Path:
    """Where the PDF of a report goes: beside it, same stem, ``.pdf``.

    Examples
    --------
    >>> pdf_path("reports/institutions/instelling-a.html").as_posix()
    'reports/institutions/instelling-a.pdf'
    """
    return Path(html_file).with_suffix(".pdf")


def pdf_is_current(html_file: str | Path) -> bool:
    """Whether the report's PDF exists, is not empty and is newer than the HTML file.

    Examples
    --------
    >>> import tempfile
    >>> page = Path(tempfile.mkdtemp()) / "a.html"
    >>> _ = page.write_text("<p>a</p>")
    >>> pdf_is_current(page)
    False
    """
    html_file, pdf = Path(html_file), pdf_path(html_file)
    if not pdf.is_file() or pdf.stat().st_size == 0:
        return False
    return pdf.stat().st_mtime_ns >= Path(html_file).stat().st_mtime_ns


def _command(browser: str, page: Path, out: Path, profile: str) -> list[str]:
    return [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-sync", "--disable-extensions",
            "--disable-component-update", "--no-default-browser-check",
            f"--user-data-dir={profile}", "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
            f"--print-to-pdf={out}", page.resolve().as_uri()]


class _Running:
    """The browser processes printing now, so a stopped build can kill them at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen] = set()

    def add(self, proc: subprocess.Popen) -> None:
        with self._lock:
            self._procs.add(proc)

    def discard(self, proc: subprocess.Popen) -> None:
        with self._lock:
            self._procs.discard(proc)

    def kill_all(self) -> None:
        with self._lock:
            for proc in self._procs:
                _kill(proc)


def _kill(proc: subprocess.Popen) -> None:
    """Kill the browser and its helper processes (its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def print_pdf(html_file: str | Path, pdf_file: str | Path | None = None, *,
              browser: str | None = None, timeout: float = PDF_TIMEOUT,
              _running: _Running | None = None) -> Path:
    """Print one HTML page to PDF with headless Chromium, atomically.

    The PDF is written to a temporary file beside ``pdf_file`` and renamed over it
    (:func:`readiness_analysis.core.files.atomic_write`): a failed or stopped print leaves
    an earlier PDF as it was.

    Parameters
    ----------
    html_file : path
        The page (a self-contained report).
    pdf_file : path, optional
        Where to write; default :func:`pdf_path` of ``html_file``.
    browser : str, optional
        The browser; default :func:`find_chromium`.
    timeout : float
        Seconds before the print is killed and fails.

    Returns
    -------
    Path
        The PDF written.

    Raises
    ------
    RenderError
        The browser failed, timed out or wrote no PDF (located at the HTML file).

    Examples
    --------
    >>> print_pdf("reports/study.html")  # doctest: +SKIP
    PosixPath('reports/study.pdf')
    """
    page = Path(html_file)
    out = pdf_path(page) if pdf_file is None else Path(pdf_file)
    browser = find_chromium() if browser is None else browser
    if not page.is_file():
        raise RenderError("no such report to print", file=page)

    def write(tmp: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="readiness-chromium-") as profile:
            try:
                proc = subprocess.Popen(_command(browser, page, tmp, profile),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
            except OSError as exc:
                raise RenderError(f"cannot start {browser}: {exc.strerror or exc}", file=page,
                                  hint=_INSTALL) from None
            _watch(proc, page, timeout, _running)
        _check_complete(tmp, page, Path(browser).name)

    atomic_write(out, write)
    return out


def _check_complete(pdf: Path, page: Path, browser: str) -> None:
    """Refuse an empty file, a file that is no PDF, and a PDF cut short (no ``%%EOF``).

    A browser that runs out of disk space mid-print may still exit 0 and leave the start
    of a PDF; the trailer is how a reader knows the file is whole (PDF 1.7, 7.5.5).
    """
    size = pdf.stat().st_size
    with pdf.open("rb") as file:
        head = file.read(5)
        file.seek(max(0, size - 1024))
        tail = file.read()
    if head != b"%PDF-":
        raise RenderError(f"{browser} wrote no PDF", file=page,
                          hint="run it by hand with --headless --print-to-pdf to see why")
    if b"%%EOF" not in tail:
        raise RenderError(
            f"{browser} wrote an incomplete PDF ({size:,} bytes, no end-of-file marker; "
            f"{free_space(pdf.parent)} free in {pdf.parent})", file=page,
            hint="a full disk cuts a PDF short: free some space and build again with --pdf")


def _watch(proc: subprocess.Popen, page: Path, timeout: float,
           running: _Running | None) -> None:
    """Wait for the browser; kill it (and fail) after ``timeout`` seconds or on an error."""
    if running is not None:
        running.add(proc)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        proc.communicate()
        raise RenderError(f"printing to PDF took longer than {timeout:g} s", file=page,
                          hint="a very large report; try again, or print it by hand") from None
    except BaseException:
        _kill(proc)
        raise
    finally:
        if running is not None:
            running.discard(proc)
    if proc.returncode != 0:
        last = [line for line in err.decode("utf-8", "replace").splitlines() if line.strip()]
        raise RenderError(f"the browser failed printing to PDF (exit {proc.returncode})",
                          file=page, hint=last[-1][:200] if last else None)


@dataclass(frozen=True)
class PdfResult:
    """What became of one report's PDF.

    ``made`` is False when none was written: an up-to-date one was kept, or the print
    failed and an earlier PDF, if any, is as it was.

    ``title``, ``status`` (``ok`` or ``failed``), ``error`` and ``duration_s`` as in
    :class:`~readiness_analysis.build.jobs.ReportResult` (so the progress lines read alike);
    ``path`` is the PDF's path relative to the report folder, ``report`` the HTML's.
    """

    title: str
    report: str
    path: str
    status: str
    error: str | None = None
    duration_s: float = 0.0
    made: bool = True

    def entry(self) -> dict:
        """The manifest's record of this PDF."""
        return {"report": self.report, "path": self.path, "status": self.status,
                "error": self.error, "made": self.made}


def write_pdfs(results: Sequence[ReportResult], reports_dir: str | Path, *,
               browser: str | None = None, jobs: int = 1, timeout: float = PDF_TIMEOUT,
               progress: bool = True) -> list[PdfResult]:
    """The PDF stage of a build: a PDF beside every report that is ``ok``.

    Reports rendered by this build are printed; reports kept from an earlier build keep
    a PDF newer than their HTML (:func:`pdf_is_current`) and are printed otherwise;
    failed reports are left out. One line per PDF on stderr (:class:`Progress`). A PDF
    that fails is a failed :class:`PdfResult`, the others are still printed.

    Parameters
    ----------
    results : sequence of ReportResult
        This build's reports (``path`` relative to ``reports_dir``).
    reports_dir : path
    browser : str, optional
        Default :func:`find_chromium`.
    jobs : int
        Browsers printing at the same time.
    timeout : float
        Seconds per PDF.
    progress : bool
        Write progress lines on stderr.

    Returns
    -------
    list of PdfResult
        One per report that is ``ok``, in the order of ``results``.

    Examples
    --------
    >>> write_pdfs([], "reports", browser="chromium")
    []
    """
    reports = Path(reports_dir)
    ok = [r for r in results if r.status == "ok" and (reports / r.path).is_file()]
    if not ok:
        return []
    browser = find_chromium() if browser is None else browser
    todo = [r for r in ok if r.rendered or not pdf_is_current(reports / r.path)]
    printing = {r.path for r in todo}
    kept = {r.path: _kept(r) for r in ok if r.path not in printing}
    running = _Running()
    with Progress(len(todo), enabled=progress) as bar:
        bar.note(f"pdf: printing {len(todo)} of {len(ok)} reports with {Path(browser).name}, "
                 f"{len(kept)} up to date")

        def one(result: ReportResult) -> PdfResult:
            done = _print_one(result, reports, browser, timeout, running)
            bar.update(done)
            return done

        with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(todo) or 1))) as pool:
            try:
                made = {r.path: p for r, p in zip(todo, pool.map(one, todo), strict=True)}
            except BaseException:  # a stopped build: no browser keeps printing
                running.kill_all()
                raise
    return [made.get(r.path) or kept[r.path] for r in ok]


def _kept(result: ReportResult) -> PdfResult:
    pdf = pdf_path(result.path).as_posix()
    return PdfResult(f"PDF {result.title}", result.path, pdf, "ok", made=False)


def _print_one(result: ReportResult, reports: Path, browser: str, timeout: float,
               running: _Running) -> PdfResult:
    start = time.perf_counter()
    pdf = pdf_path(result.path).as_posix()
    try:
        print_pdf(reports / result.path, reports / pdf, browser=browser, timeout=timeout,
                  _running=running)
    except ReadinessError as exc:  # the browser failed, or the disk is full
        return PdfResult(f"PDF {result.title}", result.path, pdf, "failed", str(exc),
                         round(time.perf_counter() - start, 2), made=False)
    return PdfResult(f"PDF {result.title}", result.path, pdf, "ok", None,
                     round(time.perf_counter() - start, 2))
