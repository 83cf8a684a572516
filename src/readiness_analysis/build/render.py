"""Render one report: execute its notebook and turn it into a self-contained HTML page.

A report is rendered in three steps: papermill parameterises the notebook (the same
``injected-parameters`` cell as ``papermill`` writes), a warm kernel executes it
(:class:`readiness_analysis.build.kernel.WarmKernel`, one per worker, reset between
reports), and nbconvert's ``HTMLExporter`` turns it into HTML without code, prompts or log
output, which :func:`readiness_analysis.report.page.page_html` wraps in the shared page.
Many reports at once, each in the kernel of the worker it lands on, is
:func:`readiness_analysis.build.batch.render_all`.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from readiness_analysis.build.jobs import ReportJob
from readiness_analysis.build.kernel import KERNEL, WarmKernel
from readiness_analysis.build.plans import plan_files_of, write_report
from readiness_analysis.report.actions import PLAN_MIME
from readiness_analysis.report.page import page_html

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = ["notebook_html", "parameterized_notebook", "render_notebook", "render_page",
           "render_report"]


def parameterized_notebook(job: ReportJob) -> NotebookNode:
    """The job's notebook with papermill's ``injected-parameters`` cell added.

    Examples
    --------
    >>> from pathlib import Path
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


def render_notebook(job: ReportJob, *, home: str | None = None,
                    kernel: WarmKernel | None = None) -> tuple[str, dict[str, str] | None]:
    """Execute ``job``'s notebook; return the report page and the plan it made.

    The plan is the output the notebook displays with
    :func:`readiness_analysis.report.actions.plan_output` (``{format: text}``, empty
    when the report has no priorities), taken out of the notebook before it becomes
    HTML; ``None`` when the notebook displays none (a notebook of one's own).

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
    plan = _take_plan(nb)
    page = page_html(title=job.page_title or job.title, body=notebook_html(nb), lang=job.lang,
                     home=home, site_name=job.site_name)
    return page, plan


def _take_plan(nb: NotebookNode) -> dict[str, str] | None:
    """Remove the plan output (:data:`~readiness_analysis.report.actions.PLAN_MIME`); return it."""
    plan = None
    for cell in nb.cells:
        kept = []
        for output in cell.get("outputs", []):
            if PLAN_MIME in output.get("data", {}):
                plan = dict(output["data"][PLAN_MIME])
            else:
                kept.append(output)
        if "outputs" in cell:
            cell.outputs = kept
    return plan


def render_page(job: ReportJob, *, home: str | None = None,
                kernel: WarmKernel | None = None) -> str:
    """Execute ``job``'s notebook and return the report page as HTML text.

    Parameters
    ----------
    job : ReportJob
    home : str, optional
        Link to the index page, relative to the report; default none, as every report
        of a build has (see :func:`readiness_analysis.report.page.page_html`).
    kernel : WarmKernel, optional
        Kernel to run in (kept warm for the next report); default: a new one, shut down
        afterwards.

    Raises
    ------
    RenderError
        When a cell fails (the message names the cell and the error) or the kernel dies.
    """
    return render_notebook(job, home=home, kernel=kernel)[0]


def render_report(job: ReportJob, *, home: str | None = None,
                  kernel: WarmKernel | None = None) -> None:
    """Execute ``job.notebook`` and write it as HTML to ``job.output``, with its plan.

    An institution report's action plan is written beside it, as a build writes it
    (:func:`readiness_analysis.build.plans.write_report`).

    Raises
    ------
    RenderError
        When a cell fails (the message names the cell and the error) or the kernel dies;
        nothing is written then.

    Examples
    --------
    >>> from pathlib import Path
    >>> job = ReportJob("Studie", Path("notebooks/study_report.ipynb"),
    ...                 Path("reports/study.html"), {"processed_dir": "data/processed"})
    >>> render_report(job)  # doctest: +SKIP
    """
    page, plan = render_notebook(job, home=home, kernel=kernel)
    write_report(job, page, plan_files_of(job, plan), job.output.parent)


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
