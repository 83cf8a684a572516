"""Execute report notebooks with papermill and convert them to self-contained HTML.

One function renders one report (:func:`render_report`); :func:`render_all` renders many,
in parallel when asked, isolating failures: a report that fails is recorded with its
error and every other report is still written.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import jinja2
import nbformat

from . import __version__
from .errors import ReadinessError, RenderError

__all__ = ["ReportJob", "ReportResult", "render_all", "render_report", "slugify", "write_page"]

KERNEL = "python3"
# The kernel's start-up warning about TCP transport is noise for report builders.
_KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]


def slugify(name: str) -> str:
    """A file-name-safe slug: ASCII letters, digits and hyphens only.

    Examples
    --------
    >>> slugify("ROC van Amsterdam – MBO College West")
    'roc-van-amsterdam-mbo-college-west'
    >>> slugify("../../etc/passwd")
    'etc-passwd'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:80].rstrip("-") or "report"


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
    """What happened to one report; one entry of ``manifest.json``."""

    institution: str | None
    title: str
    path: str
    status: str
    error: str | None
    parameters: dict
    package_version: str = __version__
    duration_s: float = 0.0
    inputs: dict = field(default_factory=dict)


def _env() -> jinja2.Environment:
    loader = jinja2.PackageLoader("readiness_analysis", "templates")
    return jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(["j2"]))


def write_page(path: Path, *, title: str, body: str, lang: str, home: str, footer: str) -> None:
    """Write one self-contained HTML page in the shared look (atomically).

    ``body`` is trusted HTML (already escaped by its producer); ``title`` and ``footer``
    are escaped here.
    """
    css = (resources.files("readiness_analysis") / "templates" / "report.css").read_text("utf-8")
    page = _env().get_template("page.html.j2").render(
        title=title, body=jinja2.utils.markupsafe.Markup(body), lang=lang, css=css,
        home=home, footer=footer, version=__version__, site_name="readiness-analysis",
    )
    _atomic_write(path, page)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def render_report(job: ReportJob, *, home: str = "index.html") -> None:
    """Execute ``job.notebook`` with papermill and write it as HTML to ``job.output``.

    Raises
    ------
    RenderError
        When a cell fails (the message names the cell and the error) or conversion fails.

    Examples
    --------
    >>> job = ReportJob("Studie", Path("notebooks/study_report.ipynb"),
    ...                 Path("reports/study.html"), {"processed_dir": "data/processed"})
    >>> render_report(job)  # doctest: +SKIP
    """
    import papermill

    with tempfile.TemporaryDirectory(prefix="readiness-") as tmp:
        executed = Path(tmp) / "executed.ipynb"
        try:
            papermill.execute_notebook(
                str(job.notebook), str(executed), parameters=job.parameters,
                kernel_name=KERNEL, progress_bar=False, log_output=False,
                cwd=str(job.notebook.parent), extra_arguments=_KERNEL_ARGS,
            )
        except papermill.PapermillExecutionError as exc:
            raise RenderError(
                f"cell {exc.exec_count} failed: {exc.ename}: {_first_line(exc.evalue)}",
                file=job.notebook,
                hint="open the notebook in JupyterLab with these parameters to debug",
            ) from None
        body = _to_html_body(executed)
    footer = f"readiness-analysis {__version__}"
    write_page(job.output, title=job.title, body=body, lang=job.lang, home=home, footer=footer)


def _first_line(text: str) -> str:
    return (str(text).strip().splitlines() or [""])[0][:300]


def _to_html_body(executed: Path) -> str:
    """Convert an executed notebook to an HTML fragment without code, prompts or stderr."""
    from nbconvert import HTMLExporter

    notebook = nbformat.read(executed, as_version=4)
    notebook.cells = [c for c in notebook.cells if "remove_cell" not in c.metadata.get("tags", [])]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not _is_log(o)]
    exporter = HTMLExporter(template_name="basic")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(notebook)
    return body


def _is_log(output) -> bool:
    return output.get("output_type") == "stream" and output.get("name") == "stderr"


def _render_one(job: ReportJob, home: str) -> ReportResult:
    start = time.perf_counter()
    status, error = "ok", None
    try:
        render_report(job, home=home)
    except ReadinessError as exc:
        status, error = "failed", str(exc)
    except Exception as exc:  # one report's unexpected failure must not stop the others
        status, error = "failed", f"{type(exc).__name__}: {_first_line(exc)}"
    return ReportResult(
        institution=job.institution, title=job.title, path=str(job.output), status=status,
        error=error, parameters=job.parameters, duration_s=round(time.perf_counter() - start, 2),
    )


def render_all(jobs: list[ReportJob], *, reports_dir: Path, n_jobs: int = 1) -> list[ReportResult]:
    """Render every job, ``n_jobs`` at a time; a failure is recorded, never raised.

    Results come back in the order of ``jobs``; paths are made relative to ``reports_dir``.
    """
    def home_of(job: ReportJob) -> str:
        return os.path.relpath(reports_dir / "index.html", job.output.parent)

    results: list[ReportResult] = []
    if n_jobs <= 1 or len(jobs) <= 1:
        for i, job in enumerate(jobs, start=1):
            results.append(_report_progress(i, len(jobs), _render_one(job, home_of(job))))
    else:
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            futures = [pool.submit(_render_one, job, home_of(job)) for job in jobs]
            for i, future in enumerate(futures, start=1):
                results.append(_report_progress(i, len(jobs), future.result()))
    for result in results:
        result.path = os.path.relpath(result.path, reports_dir)
    return results


def _report_progress(i: int, total: int, result: ReportResult) -> ReportResult:
    mark = "ok" if result.status == "ok" else f"FAILED: {result.error}"
    print(f"[{i}/{total}] {result.title} ... {mark} ({result.duration_s:.1f}s)", file=sys.stderr)
    return result


def index_body(results: list[ReportResult], *, lang: str, synthetic_note: str | None) -> str:
    """HTML body of ``reports/index.html``: every report with its status."""
    labels = {
        "nl": ("Rapporten", ["Rapport", "Status", "Melding"], {"ok": "klaar", "failed": "mislukt"}),
        "en": ("Reports", ["Report", "Status", "Message"], {"ok": "done", "failed": "failed"}),
    }[lang]
    entries = [
        {**asdict(r), "status_label": labels[2].get(r.status, r.status)} for r in results
    ]
    return _env().get_template("index_body.html.j2").render(
        heading=labels[0], headers=labels[1], entries=entries, synthetic=synthetic_note
    )
