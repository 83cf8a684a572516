"""The warm kernel (build/kernel.py): a clean session per notebook, restarts after a
failure, a dead kernel or a cell over the time-out."""

from pathlib import Path

import pytest

from readiness_analysis.build.kernel import WarmKernel
from readiness_analysis.core.errors import RenderError

from .notebooks import notebook, output_text


def test_warm_kernel_starts_each_notebook_from_a_clean_session(kernel, tmp_path):
    dirty = notebook(
        "import matplotlib.pyplot as plt, warnings, os\nsecret = 42\nfig = plt.figure()\n"
        "plt.rcParams['lines.linewidth'] = 9\nwarnings.simplefilter('error')\nos.chdir('/')"
    )
    kernel.execute(dirty, cwd=tmp_path)
    starts = kernel.starts
    check = notebook(
        "import matplotlib.pyplot as plt, warnings, os\n"
        "print('secret' in globals(), plt.get_fignums(), plt.rcParams['lines.linewidth'],"
        " ('error', None, Warning, None, 0) in warnings.filters, os.getcwd())"
    )
    kernel.execute(check, cwd=tmp_path)
    assert output_text(check, 0).strip() == f"False [] 1.5 False {tmp_path}"
    assert kernel.starts == starts  # the same kernel: warm


def test_a_failing_cell_restarts_the_kernel_and_poisons_nothing(kernel, tmp_path):
    poison = notebook("import json\njson.poisoned = True", "", "raise ValueError('boom')")
    with pytest.raises(RenderError, match=r"x.ipynb: cell 2 failed: ValueError: boom"):
        kernel.execute(poison, cwd=tmp_path, source=Path("x.ipynb"))
    assert not kernel.alive
    check = notebook("import json\nprint(hasattr(json, 'poisoned'))")
    kernel.execute(check, cwd=tmp_path)
    assert output_text(check, 0).strip() == "False"


def test_a_dead_kernel_is_a_render_error_and_the_next_report_runs(kernel, tmp_path):
    with pytest.raises(RenderError, match="kernel failed: DeadKernelError"):
        kernel.execute(notebook("import os\nos._exit(1)"), cwd=tmp_path)
    check = notebook("1 + 1")
    kernel.execute(check, cwd=tmp_path)
    assert output_text(check, 0) == "2"


def test_a_cell_over_the_time_out_fails_the_report_and_the_next_one_runs(tmp_path):
    slow = notebook("x = 1", "", "import time\ntime.sleep(120)", "print('never')")
    with WarmKernel(cell_timeout=3) as kernel:
        with pytest.raises(RenderError) as error:
            kernel.execute(slow, cwd=tmp_path, source=Path("slow.ipynb"))
        assert str(error.value).startswith(
            "slow.ipynb: cell 2 ran longer than the cell time-out of 3 s and was stopped")
        assert "--cell-timeout" in error.value.hint
        assert not kernel.alive  # stopped: the sleeping kernel is not reused
        check = notebook("import time\ntime.sleep(0.5)\nprint('ok')")
        kernel.execute(check, cwd=tmp_path)
        assert output_text(check, 0).strip() == "ok"


def test_a_kernel_in_a_runtime_folder_keeps_its_files_there_and_is_killed_at_once(tmp_path):
    import os
    import time

    import nbformat

    from readiness_analysis.build.kernel import runtime_folder

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os\nprint(os.environ['IPYTHONDIR'], os.environ['MPLCONFIGDIR'])")])
    with runtime_folder() as folder:
        kernel = WarmKernel()
        kernel.execute(nb, cwd=tmp_path)
        assert nb.cells[0].outputs[0]["text"].split() == [str(folder / "ipython"),
                                                          str(folder / "matplotlib")]
        connection = list((folder / "jupyter").glob("kernel-*.json"))
        assert len(connection) == 1
        pid = kernel._km.provisioner.process.pid
        start = time.monotonic()
        kernel.kill()
        assert time.monotonic() - start < 5 and not kernel.alive
        assert not connection[0].exists()
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not folder.exists()


def test_a_report_kernel_runs_one_blas_thread_unless_told(monkeypatch, tmp_path):
    from readiness_analysis.build.kernel import ONE_THREAD, WarmKernel

    for name in ONE_THREAD:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # the user's own setting is kept
    nb = notebook(f"import os\nprint([os.environ.get(n) for n in {ONE_THREAD!r}])")
    with WarmKernel() as kernel:
        kernel.execute(nb, cwd=tmp_path)
    assert output_text(nb, 0).strip() == "['1', '1', '3']"


REPORT_MODULES = ("readiness_analysis.report.institution", "no_such_module.at_all")
MODULES = ("import sys, matplotlib.pyplot as plt\n"
           "print([m for m in ('readiness_analysis.report.institution', 'seaborn') "
           "if m in sys.modules], plt.get_fignums(), "
           "sorted(k for k in globals() if k[0] != '_'))")


@pytest.mark.parametrize("wait", [True, False])
def test_a_warmed_up_kernel_has_the_report_modules_and_a_clean_session(tmp_path, wait):
    with WarmKernel() as cold, WarmKernel() as warm:
        warm.warm_up(tmp_path, REPORT_MODULES, wait=wait)
        assert warm.alive and warm.starts == 1
        checks = [notebook(MODULES), notebook(MODULES)]
        cold.execute(checks[0], cwd=tmp_path)
        warm.execute(checks[1], cwd=tmp_path)
        assert warm.starts == 1  # the warm-up's kernel renders the report
    cold_text, warm_text = (output_text(check, 0).strip() for check in checks)
    assert cold_text.startswith("[] [] [")  # nothing of the report layer imported yet
    # the same namespace (nothing the warm-up defined is left) and no open figure
    assert warm_text == cold_text.replace(
        "[] [] [", "['readiness_analysis.report.institution', 'seaborn'] [] [", 1)


def test_a_warm_up_that_fails_leaves_the_kernel_to_start_on_the_first_report(tmp_path):
    kernel = WarmKernel(kernel_name="no-such-kernel")
    kernel.warm_up(tmp_path)  # does not raise
    assert not kernel.alive and kernel.starts == 0
    with pytest.raises(RenderError, match="no-such-kernel"):  # the report says why
        kernel.execute(notebook("1"), cwd=tmp_path)
