"""Rendering a report (build/render.py): the page is what papermill and nbconvert give,
without code, logs or removed cells; and the build layer's docstring examples hold.

The notebooks here are tiny, so these tests take seconds; the real report notebooks are
exercised in tests/build/test_pipeline.py and tests/e2e/.
"""

import re

import nbformat
import papermill

from readiness_analysis.build.jobs import ReportJob
from readiness_analysis.build.render import notebook_html, render_notebook, render_page
from readiness_analysis.report.actions import PLAN_MIME

from .notebooks import notebook


def test_render_page_is_what_papermill_and_nbconvert_give(kernel, tmp_path):
    nb = notebook("print(f'report of {institution}')", parameters='institution = "X"')
    nb.cells.append(nbformat.v4.new_markdown_cell("## Heading"))
    path = tmp_path / "report.ipynb"
    nbformat.write(nb, path)
    job = ReportJob("T", path, tmp_path / "t.html", {"institution": "Inst <B>"}, "en")
    page = render_page(job, kernel=kernel)
    executed = papermill.execute_notebook(str(path), None, parameters=job.parameters,
                                          kernel_name="python3", progress_bar=False)
    # papermill gives its injected cell a random id; ours is fixed, so pages are stable
    body = re.sub(r'(celltag_injected-parameters" id="cell-id=)[0-9a-f]+', r"\1injected-parameters",
                  notebook_html(executed))
    assert "report of Inst &lt;B&gt;" in page and '<h2 id="Heading">' in page
    assert body in page
    assert render_page(job, kernel=kernel) == page  # same inputs, same bytes


def test_the_plan_a_kernel_displays_comes_back_apart_from_the_page(kernel, tmp_path):
    bundle = {PLAN_MIME: {"csv": "a;b", "md": "# Plan"}, "text/plain": "PLAN NOTE"}
    shown = f"display({bundle!r}, raw=True)"
    for name, cells, plan in [("with", ["print('page')", shown], {"csv": "a;b", "md": "# Plan"}),
                              ("without", ["print('page')"], None)]:
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(notebook(*cells, parameters="institution = 'X'"), path)
        job = ReportJob("T", path, tmp_path / f"{name}.html", {"institution": "A"}, "en",
                        institution="A")
        page, got = render_notebook(job, kernel=kernel)
        assert got == plan and "page" in page
        assert "PLAN NOTE" not in page and "# Plan" not in page


def test_notebook_html_drops_code_logs_and_removed_cells():
    nb = notebook("print('shown')")
    nb.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="shown\n"),
        nbformat.v4.new_output("stream", name="stderr", text="a log line\n"),
    ]
    hidden = nbformat.v4.new_markdown_cell("secret note")
    hidden.metadata["tags"] = ["remove_cell"]
    nb.cells.append(hidden)
    html = notebook_html(nb)
    assert "shown" in html and "a log line" not in html and "secret note" not in html
    assert "print(" not in html
    assert len(nb.cells) == 2  # the caller's notebook is not changed


def test_docstring_examples_hold():
    import doctest

    from readiness_analysis.build import (
        batch,
        executors,
        incremental,
        jobs,
        kernel,
        prepare,
        progress,
        render,
    )
    from readiness_analysis.build import pipeline as build

    for module in (batch, build, executors, incremental, jobs, kernel, prepare, progress, render):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
