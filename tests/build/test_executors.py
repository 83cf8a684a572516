"""Executors (build/executors.py): chosen by option; a failing task is a failed report."""

import sys

import nbformat
import pytest

from readiness_analysis.build.executors import (
    InProcessExecutor,
    ProcessExecutor,
    RenderTask,
    make_executor,
)
from readiness_analysis.build.jobs import ReportJob
from readiness_analysis.core.errors import RenderError

from .notebooks import notebook


def test_worker_kernel_takes_the_time_out_of_each_task(tmp_path):
    nb = tmp_path / "slow.ipynb"
    nbformat.write(notebook("import time\ntime.sleep(120)"), nb)
    job = ReportJob("Slow", nb, tmp_path / "slow.html", {})
    with InProcessExecutor() as executor:
        [outcome] = list(executor.run([RenderTask(0, job, "index.html", cell_timeout=2)]))
    # cell 2: papermill's injected-parameters cell comes first
    assert outcome.page is None and "cell 2 ran longer than the cell time-out of 2 s" in (
        outcome.error)


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


@pytest.mark.parametrize("warm", [False, True])
@pytest.mark.parametrize("make", [InProcessExecutor, lambda: ProcessExecutor(1)],
                         ids=["in-process", "worker-process"])
def test_a_warmed_up_executor_renders_in_a_kernel_with_the_report_modules(tmp_path, warm,
                                                                           make):
    nb = tmp_path / "check.ipynb"
    nbformat.write(notebook("import sys\n"
                            "print('readiness_analysis.report.study' in sys.modules)"), nb)
    job = ReportJob("Check", nb, tmp_path / "check.html", {})
    with make() as executor:
        if warm:
            executor.warm_up(tmp_path, ("readiness_analysis.report.study",))
        [outcome] = list(executor.run([RenderTask(0, job, None)]))
    assert outcome.error is None, outcome.error
    assert f"<pre>{warm}" in outcome.page
