"""Rendering machinery: warm kernels, report isolation, progress output, fingerprints.

The notebooks here are tiny, so these tests take seconds; the real report notebooks are
exercised in test_build.py and test_parallel.py.
"""

import io
import json
import re
import sys
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

from readiness_analysis.errors import RenderError
from readiness_analysis.executors import (
    InProcessExecutor,
    ProcessExecutor,
    RenderTask,
    make_executor,
)
from readiness_analysis.incremental import (
    Fingerprint,
    fingerprints,
    previous_entries,
    up_to_date,
)
from readiness_analysis.kernel import WarmKernel
from readiness_analysis.pipeline import file_sha256
from readiness_analysis.progress import Progress, format_seconds
from readiness_analysis.render import ReportJob, ReportResult, notebook_html, render_page


def _nb(*sources, parameters=None):
    cells = [nbformat.v4.new_code_cell(s) for s in sources]
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        cells.insert(0, cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def _text(nb, index):
    outputs = nb.cells[index].outputs
    return outputs[0].get("text") or outputs[0]["data"]["text/plain"]


@pytest.fixture(scope="module")
def kernel():
    with WarmKernel() as warm:
        yield warm


def test_warm_kernel_starts_each_notebook_from_a_clean_session(kernel, tmp_path):
    dirty = _nb(
        "import matplotlib.pyplot as plt, warnings, os\nsecret = 42\nfig = plt.figure()\n"
        "plt.rcParams['lines.linewidth'] = 9\nwarnings.simplefilter('error')\nos.chdir('/')"
    )
    kernel.execute(dirty, cwd=tmp_path)
    starts = kernel.starts
    check = _nb(
        "import matplotlib.pyplot as plt, warnings, os\n"
        "print('secret' in globals(), plt.get_fignums(), plt.rcParams['lines.linewidth'],"
        " ('error', None, Warning, None, 0) in warnings.filters, os.getcwd())"
    )
    kernel.execute(check, cwd=tmp_path)
    assert _text(check, 0).strip() == f"False [] 1.5 False {tmp_path}"
    assert kernel.starts == starts  # the same kernel: warm


def test_a_failing_cell_restarts_the_kernel_and_poisons_nothing(kernel, tmp_path):
    poison = _nb("import json\njson.poisoned = True", "", "raise ValueError('boom')")
    with pytest.raises(RenderError, match=r"x.ipynb: cell 2 failed: ValueError: boom"):
        kernel.execute(poison, cwd=tmp_path, source=Path("x.ipynb"))
    assert not kernel.alive
    check = _nb("import json\nprint(hasattr(json, 'poisoned'))")
    kernel.execute(check, cwd=tmp_path)
    assert _text(check, 0).strip() == "False"


def test_a_dead_kernel_is_a_render_error_and_the_next_report_runs(kernel, tmp_path):
    with pytest.raises(RenderError, match="kernel failed: DeadKernelError"):
        kernel.execute(_nb("import os\nos._exit(1)"), cwd=tmp_path)
    check = _nb("1 + 1")
    kernel.execute(check, cwd=tmp_path)
    assert _text(check, 0) == "2"


def test_a_cell_over_the_time_out_fails_the_report_and_the_next_one_runs(tmp_path):
    slow = _nb("x = 1", "", "import time\ntime.sleep(120)", "print('never')")
    with WarmKernel(cell_timeout=3) as kernel:
        with pytest.raises(RenderError) as error:
            kernel.execute(slow, cwd=tmp_path, source=Path("slow.ipynb"))
        assert str(error.value).startswith(
            "slow.ipynb: cell 2 ran longer than the cell time-out of 3 s and was stopped")
        assert "--cell-timeout" in error.value.hint
        assert not kernel.alive  # stopped: the sleeping kernel is not reused
        check = _nb("import time\ntime.sleep(0.5)\nprint('ok')")
        kernel.execute(check, cwd=tmp_path)
        assert _text(check, 0).strip() == "ok"


def test_worker_kernel_takes_the_time_out_of_each_task(tmp_path):
    nb = tmp_path / "slow.ipynb"
    nbformat.write(_nb("import time\ntime.sleep(120)"), nb)
    job = ReportJob("Slow", nb, tmp_path / "slow.html", {})
    with InProcessExecutor() as executor:
        [outcome] = list(executor.run([RenderTask(0, job, "index.html", cell_timeout=2)]))
    # cell 2: papermill's injected-parameters cell comes first
    assert outcome.page is None and "cell 2 ran longer than the cell time-out of 2 s" in (
        outcome.error)


def test_render_page_is_what_papermill_and_nbconvert_give(kernel, tmp_path):
    nb = _nb("print(f'report of {institution}')", parameters='institution = "X"')
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


def test_notebook_html_drops_code_logs_and_removed_cells():
    nb = _nb("print('shown')")
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


def _result(title, status="ok", error=None, duration=1.25):
    return ReportResult(None, title, f"{title}.html", status, error, {}, duration_s=duration)


def test_progress_without_a_terminal_writes_plain_lines_with_time_left():
    out = io.StringIO()
    with Progress(2, stream=out) as progress:
        progress.note("rendering 2 of 2 reports (0 up to date)")
        progress.update(_result("Study"))
        progress.update(_result("Instelling B", "failed", "cell 3 failed: KeyError: 'x'"))
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and len(lines) == 3
    assert re.fullmatch(r"\[1/2\] Study \.\.\. ok \(1\.2s\) \| 0:\d\d elapsed, ~0:\d\d left",
                        lines[1])
    assert lines[2].startswith("[2/2] Instelling B ... FAILED: cell 3 failed: KeyError")
    assert lines[2].endswith("~0:00 left")


def test_progress_on_a_terminal_draws_a_bar():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    with Progress(2, stream=out) as progress:
        progress.update(_result("Study"))
    assert "\r" in out.getvalue() and "[1/2] Study ... ok" in out.getvalue()
    quiet = io.StringIO()
    with Progress(2, stream=quiet, enabled=False) as progress:
        progress.update(_result("Study"))
    assert quiet.getvalue() == "" and format_seconds(61) == "1:01"


def test_executors_by_option():
    assert isinstance(make_executor(1), InProcessExecutor)
    assert isinstance(make_executor(3), ProcessExecutor)
    assert make_executor(3).workers == 3


def test_dask_executor_without_distributed_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(RenderError, match=r"readiness-analysis\[dask\]"):
        make_executor(2, scheduler="local")


def test_a_crashing_task_is_a_failed_report_not_a_crash(tmp_path):
    job = ReportJob("Missing", tmp_path / "missing.ipynb", tmp_path / "m.html", {})
    with InProcessExecutor() as executor:
        [outcome] = list(executor.run([RenderTask(0, job, "index.html")]))
    assert outcome.page is None and "missing.ipynb" in outcome.error


# Fingerprints --------------------------------------------------------------------------

def _processed(folder: Path, answer: int = 3, text: str = "quote", pooled: float = 3.0,
               raw_sha: str = "a" * 64) -> Path:
    folder.mkdir(exist_ok=True)
    pd.DataFrame({"respondent_id": ["r1", "r2", "r3"], "institution": ["A", "B", "B"],
                  "n_teachers": [1, 2, 1], "q1": [answer, 4, 5]}
                 ).to_parquet(folder / "responses.parquet")
    pd.DataFrame({"institution": ["A", "B", None], "theme": "t", "mean": [2.0, 4.5, pooled]}
                 ).to_csv(folder / "institution_scores.csv", index=False)
    pd.DataFrame({"fragment_id": ["F1", "F2"], "institution": ["A", "B"], "code": "c",
                  "valence": "hindering", "recommendation": "R1", "text": [text, "other"]}
                 ).to_parquet(folder / "fragments.parquet")
    (folder / "provenance.json").write_text(json.dumps(
        {"inputs": {"scan.csv": raw_sha}, "commit": "abc", "synthetic": None}))
    return folder


def _jobs(tmp_path):
    nb = tmp_path / "report.ipynb"
    if not nb.exists():
        nbformat.write(_nb("print(1)", parameters="institution = 'A'"), nb)
    return [ReportJob("Study", nb, tmp_path / "study.html", {"lang": "nl"})] + [
        ReportJob(name, nb, tmp_path / f"{name}.html", {"institution": name}, institution=name)
        for name in ("A", "B")
    ]


def _digests(tmp_path, **change):
    prints = fingerprints(_jobs(tmp_path), _processed(tmp_path / "p", **change),
                          instrument_source="<package>/blended_readiness_v1.yaml",
                          codebook_source="<package>/blended_v1.yaml")
    return [p.digest for p in prints]


def test_fingerprints_follow_own_rows_pooled_rows_and_shared_answers(tmp_path):
    study, a, b = _digests(tmp_path)
    assert len({study, a, b}) == 3
    assert _digests(tmp_path) == [study, a, b]  # same data, same fingerprints
    assert _digests(tmp_path, raw_sha="b" * 64) == [study, a, b]  # provenance only
    # A's own fragment text: A and the study change, B does not
    changed = _digests(tmp_path, text="new wording")
    assert changed[0] != study and changed[1] != a and changed[2] == b
    # pooled rows and the item answers every report shows: all change
    assert all(x != y for x, y in zip(_digests(tmp_path, pooled=3.5), [study, a, b],
                                      strict=True))
    assert all(x != y for x, y in zip(_digests(tmp_path, answer=1), [study, a, b],
                                      strict=True))


def test_fingerprint_ignores_saved_outputs_but_not_code(tmp_path):
    before = _digests(tmp_path)
    nb_path = tmp_path / "report.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb.cells[1].execution_count = 7
    nbformat.write(nb, nb_path)
    assert _digests(tmp_path) == before
    nb.cells[1].source = "print(2)"
    nbformat.write(nb, nb_path)
    assert all(x != y for x, y in zip(_digests(tmp_path), before, strict=True))


def test_up_to_date_needs_same_inputs_and_untouched_output(tmp_path):
    (tmp_path / "a.html").write_text("<p>report</p>")
    entry = {"path": "a.html", "status": "ok", "input_hash": Fingerprint.of({"x": "1"}).digest,
             "output_sha256": file_sha256(tmp_path / "a.html")}
    assert up_to_date(entry, Fingerprint.of({"x": "1"}), tmp_path)
    assert not up_to_date(entry, Fingerprint.of({"x": "2"}), tmp_path)
    assert not up_to_date({**entry, "status": "failed"}, Fingerprint.of({"x": "1"}), tmp_path)
    (tmp_path / "a.html").write_text("<p>edited by hand</p>")
    assert not up_to_date(entry, Fingerprint.of({"x": "1"}), tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    assert previous_entries(tmp_path) == {}


def test_docstring_examples_hold():
    import doctest

    from readiness_analysis import build, executors, incremental, kernel, progress, render

    for module in (build, executors, incremental, kernel, progress, render):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
