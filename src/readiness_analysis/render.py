"""Execute report notebooks and convert them to self-contained HTML.

One function renders one report (:func:`render_report`); :func:`render_all` renders many,
in parallel when asked, isolating failures: a report that fails is recorded with its
error and every other report is still written.

A report is rendered in three steps: papermill parameterises the notebook (the same
``injected-parameters`` cell as ``papermill`` writes), a warm kernel executes it
(:class:`readiness_analysis.kernel.WarmKernel`, one per worker, reset between reports), and
nbconvert's ``HTMLExporter`` turns it into HTML without code, prompts or log output.
Where the kernels run is up to an executor (:mod:`readiness_analysis.executors`): this
process, local worker processes, or a Dask cluster.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from . import __version__
from .kernel import KERNEL, WarmKernel

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from .executors import Executor, RenderOutcome
    from .progress import Progress

__all__ = [
    "ReportJob",
    "ReportResult",
    "index_body",
    "notebook_html",
    "page_html",
    "parameterized_notebook",
    "render_all",
    "render_page",
    "render_report",
    "slugify",
    "write_page",
]


# Names that Windows refuses as file names, whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
             *(f"lpt{i}" for i in range(1, 10))}


def slugify(name: str) -> str:
    """A file-name-safe slug: ASCII letters, digits and hyphens only.

    Examples
    --------
    >>> slugify("ROC van Amsterdam – MBO College West")
    'roc-van-amsterdam-mbo-college-west'
    >>> slugify("../../etc/passwd")
    'etc-passwd'
    >>> slugify("职业教育学院")  # no Latin letters: a stable name from a hash
    'i-9cf37a5f7f'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].rstrip("-")
    if slug and slug not in _RESERVED:
        return slug
    return "i-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class ReportJob:
    """One report to render: which notebook, with which parameters, to which file."""

    title: str
    notebook: Path
    output: Path
    parameters: dict
    lang: str = "nl"
    institution: str | None = None


@dataclass
class ReportResult:
    """What happened to one report; one entry of ``manifest.json``.

    Attributes
    ----------
    institution, title, path, parameters
        Which report (``path`` relative to the report folder).
    status : {"ok", "failed"}
        ``ok``: the file at ``path`` is a good report for the current inputs.
    error : str or None
        Why it failed.
    package_version : str
        Version of readiness-analysis that rendered it.
    duration_s : float
        Seconds its render took (when it was rendered).
    inputs : dict
        SHA-256 of the raw files and notebooks it was rendered from.
    rendered : bool
        True when this build rendered it; False when the report from an earlier build
        was kept because its inputs had not changed (or, with ``--institution``, because
        it was not selected).
    input_hash : str or None
        SHA-256 over everything the report depends on (see
        :mod:`readiness_analysis.incremental`); ``input_parts`` has the hash of each part.
    output_sha256 : str or None
        SHA-256 of the HTML file written.
    """

    institution: str | None
    title: str
    path: str
    status: str
    error: str | None
    parameters: dict
    package_version: str = __version__
    duration_s: float = 0.0
    inputs: dict = field(default_factory=dict)
    rendered: bool = True
    input_hash: str | None = None
    input_parts: dict = field(default_factory=dict)
    output_sha256: str | None = None


@cache
def _env() -> jinja2.Environment:
    loader = jinja2.PackageLoader("readiness_analysis", "templates")
    return jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(["j2"]))


@cache
def _css() -> str:
    return (resources.files("readiness_analysis") / "templates" / "report.css").read_text("utf-8")


def page_html(*, title: str, body: str, lang: str, home: str, footer: str) -> str:
    """One self-contained HTML page in the shared look.

    ``body`` is trusted HTML (already escaped by its producer); ``title`` and ``footer``
    are escaped here.

    Examples
    --------
    >>> page = page_html(title="A & B", body="<p>x</p>", lang="en", home="index.html",
    ...                  footer="f")
    >>> "<title>A &amp; B" in page and '<html lang="en">' in page
    True
    """
    return _env().get_template("page.html.j2").render(
        title=title, body=jinja2.utils.markupsafe.Markup(body), lang=lang, css=_css(),
        home=home, footer=footer, version=__version__, site_name="readiness-analysis",
    )


def write_page(path: Path, *, title: str, body: str, lang: str, home: str, footer: str) -> None:
    """Write one self-contained HTML page in the shared look (atomically).

    ``body`` is trusted HTML (already escaped by its producer); ``title`` and ``footer``
    are escaped here. A file that already holds exactly this page is left untouched.
    """
    page = page_html(title=title, body=body, lang=lang, home=home, footer=footer)
    if not (path.is_file() and path.read_text(encoding="utf-8") == page):
        _atomic_write(path, page)


def _atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``.

    ``mkstemp`` creates the file owner-only (0600); the page gets the mode any new file
    gets (0666 minus the umask), so a shared drive or web server can read the reports.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        if hasattr(os, "fchmod"):  # POSIX; on Windows the file is not owner-only anyway
            os.fchmod(handle.fileno(), 0o666 & ~_umask())
    os.replace(tmp, path)


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask


def parameterized_notebook(job: ReportJob) -> NotebookNode:
    """The job's notebook with papermill's ``injected-parameters`` cell added.

    Examples
    --------
    >>> job = ReportJob("S", Path("notebooks/study_report.ipynb"), Path("s.html"),
    ...                 {"lang": "en"})
    >>> nb = parameterized_notebook(job)  # doctest: +SKIP
    >>> [c.metadata.tags for c in nb.cells][:3]  # doctest: +SKIP
    [['remove_cell'], ['parameters'], ['injected-parameters']]
    """
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(
        load_notebook_node(str(job.notebook)), job.parameters, kernel_name=KERNEL
    )
    for cell in nb.cells:  # a fixed id instead of papermill's random one: same inputs, same HTML
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
    return nb


def render_page(job: ReportJob, *, home: str = "index.html",
                kernel: WarmKernel | None = None) -> str:
    """Execute ``job``'s notebook and return the report page as HTML text.

    Parameters
    ----------
    job : ReportJob
    home : str
        Link to the index page, relative to the report.
    kernel : WarmKernel, optional
        Kernel to run in (kept warm for the next report); default: a new one, shut down
        afterwards.

    Raises
    ------
    RenderError
        When a cell fails (the message names the cell and the error) or the kernel dies.
    """
    nb = parameterized_notebook(job)
    if kernel is None:
        with WarmKernel() as own:
            own.execute(nb, cwd=job.notebook.parent, source=job.notebook)
    else:
        kernel.execute(nb, cwd=job.notebook.parent, source=job.notebook)
    return page_html(title=job.title, body=notebook_html(nb), lang=job.lang, home=home,
                     footer=f"readiness-analysis {__version__}")


def render_report(job: ReportJob, *, home: str = "index.html",
                  kernel: WarmKernel | None = None) -> None:
    """Execute ``job.notebook`` and write it as HTML to ``job.output``.

    Raises
    ------
    RenderError
        When a cell fails (the message names the cell and the error) or the kernel dies;
        nothing is written then.

    Examples
    --------
    >>> job = ReportJob("Studie", Path("notebooks/study_report.ipynb"),
    ...                 Path("reports/study.html"), {"processed_dir": "data/processed"})
    >>> render_report(job)  # doctest: +SKIP
    """
    _atomic_write(job.output, render_page(job, home=home, kernel=kernel))


@cache
def _exporter():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="basic")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def notebook_html(notebook: NotebookNode) -> str:
    """An executed notebook as an HTML fragment without code, prompts or stderr.

    Cells tagged ``remove_cell`` are left out.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Hi")])
    >>> '<h1 id="Hi">' in notebook_html(nb)
    True
    """
    import nbformat

    notebook = nbformat.from_dict(notebook)  # a copy: the caller's notebook stays as it was
    notebook.cells = [c for c in notebook.cells
                      if "remove_cell" not in c.metadata.get("tags", [])]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not _is_log(o)]
    body, _ = _exporter().from_notebook_node(notebook)
    return body


def _is_log(output) -> bool:
    return output.get("output_type") == "stream" and output.get("name") == "stderr"


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
        ``n_jobs`` workers (see :func:`readiness_analysis.executors.make_executor`).
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
    from .executors import RenderTask, make_executor
    from .progress import Progress

    tasks = [RenderTask(i, job, _home(job, reports_dir), cell_timeout)
             for i, job in enumerate(jobs)]
    owned = executor is None and bool(tasks)
    if owned:
        executor = make_executor(min(n_jobs, len(tasks)), scheduler)
    bar = progress if isinstance(progress, Progress) else Progress(len(tasks), enabled=progress)
    results: list[ReportResult | None] = [None] * len(jobs)
    try:
        with bar:
            for outcome in executor.run(tasks) if tasks else ():
                result = _finish(jobs[outcome.index], outcome, reports_dir)
                results[outcome.index] = result
                bar.update(result)
                if on_result is not None:
                    on_result(outcome.index, result)
    finally:
        if owned:
            executor.close()
    return [r or _lost(job, reports_dir) for r, job in zip(results, jobs, strict=True)]


def _home(job: ReportJob, reports_dir: Path) -> str:
    return os.path.relpath(reports_dir / "index.html", job.output.parent)


def _lost(job: ReportJob, reports_dir: Path) -> ReportResult:
    """The result of a job the executor returned nothing for."""
    return ReportResult(job.institution, job.title, os.path.relpath(job.output, reports_dir),
                        "failed", "no result came back from the executor", job.parameters)


def _finish(job: ReportJob, outcome: RenderOutcome, reports_dir: Path) -> ReportResult:
    """Write the page of a finished render (if it succeeded) and describe the result."""
    digest = None
    if outcome.page is not None:
        _atomic_write(job.output, outcome.page)
        digest = hashlib.sha256(outcome.page.encode("utf-8")).hexdigest()
    return ReportResult(
        institution=job.institution, title=job.title,
        path=os.path.relpath(job.output, reports_dir),
        status="ok" if outcome.error is None else "failed", error=outcome.error,
        parameters=job.parameters, duration_s=outcome.duration_s, output_sha256=digest,
    )


def index_body(results: list[ReportResult], *, lang: str, synthetic_note: str | None) -> str:
    """HTML body of ``reports/index.html``: every report with its status.

    When the reports are not all in one language (``--institution`` with another
    ``--lang`` than the earlier build), each title says its language.

    Examples
    --------
    >>> nl = ReportResult(None, "Studierapport", "study.html", "ok", None, {"lang": "nl"})
    >>> from dataclasses import replace
    >>> en = replace(nl, title="Instelling A", parameters={"lang": "en"})
    >>> "Instelling A (en)" in index_body([nl, en], lang="nl", synthetic_note=None)
    True
    >>> "(nl)" in index_body([nl], lang="nl", synthetic_note=None)
    False
    """
    labels = {
        "nl": ("Rapporten", ["Rapport", "Status", "Melding"], {"ok": "klaar", "failed": "mislukt"}),
        "en": ("Reports", ["Report", "Status", "Message"], {"ok": "done", "failed": "failed"}),
    }[lang]
    languages = {(r.parameters or {}).get("lang", lang) for r in results}
    entries = [
        {**asdict(r), "status_label": labels[2].get(r.status, r.status),
         "title": r.title if len(languages) < 2
         else f"{r.title} ({(r.parameters or {}).get('lang', lang)})"}
        for r in results
    ]
    return _env().get_template("index_body.html.j2").render(
        heading=labels[0], headers=labels[1], entries=entries, synthetic=synthetic_note
    )
