"""Report builds: the naive way against ``readiness build --jobs 2``, on synthetic data.

Usage (from the repository root)::

    python benchmarks/bench_build.py                      # 50 and 500 institutions
    python benchmarks/bench_build.py --sizes 10 --respondents 30 --naive-sample 2  # quick

For each size, in one run, on synthetic scan data (``--respondents`` per institution,
seed 1, plus the demo fragments):

1. where the time of one institution report goes: kernel start, imports, each notebook
   cell, papermill's own overhead, HTML conversion (the nbconvert CLI against the
   in-process exporter), cold against a warm kernel;
2. the naive build: a loop calling the ``papermill`` CLI and ``jupyter nbconvert --to
   html --no-input`` once per report (from the bin folder of this Python), for the study
   report and ``--naive-sample`` institution reports (at 500 institutions the whole loop
   would take hours; what is compared is the cost per report);
3. ``readiness build --jobs N`` into a fresh report folder, and the study report's time
   in it;
4. the same command again with nothing changed (it should do nothing);
5. one answer of one respondent changed: the data stage alone, then the rebuild.

For where the time of one report goes cell by cell and call by call, see
``profile_report.py``.

The code and notebooks measured are a snapshot of ``src/`` and ``notebooks/`` taken at
the start (put first on ``PYTHONPATH`` for this process, the CLIs and the kernels), so
edits made in the tree while the benchmark runs change nothing in it.

Wall time is what a user waits; CPU time (this process's children: CLIs, workers and
kernels) is what the reports cost, and is less disturbed by other work on the machine.
The load average is printed before and after: on a busy machine, read the CPU figures.
Nothing is asserted; the figures are for reading.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BIN = Path(sys.executable).parent


def machine() -> str:
    cpu = "unknown CPU"
    info = Path("/proc/cpuinfo")
    if info.exists():
        found = re.search(r"model name\s*:\s*(.+)", info.read_text())
        cpu = found.group(1).strip() if found else cpu
    mem = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(re.search(r"MemTotal:\s*(\d+)", meminfo.read_text()).group(1))
        mem = f", {kb / 2**20:.0f} GiB RAM"
    return (f"{os.cpu_count()} cores ({cpu}){mem}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}")


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


class Clock:
    """Wall and children's CPU seconds of a block."""

    def __enter__(self) -> Clock:
        self.wall0 = time.perf_counter()
        self.cpu0 = self._cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = self._cpu() - self.cpu0

    @staticmethod
    def _cpu() -> float:
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = resource.getrusage(resource.RUSAGE_SELF)
        return kids.ru_utime + kids.ru_stime + own.ru_utime + own.ru_stime


def make_data(base: Path, institutions: int, respondents: int) -> Path:
    from readiness_analysis.io.synth import SynthDesign, write_synthetic_scan

    raw = base / "raw"
    write_synthetic_scan(raw / "scan_responses.csv",
                         SynthDesign(institutions=institutions, respondents=respondents, seed=1))
    shutil.copy(ROOT / "data" / "raw" / "fragments.csv", raw / "fragments.csv")
    return raw


def _cell_seconds(cell) -> float:
    run = cell.metadata.get("execution", {})
    if "iopub.execute_input" not in run:
        return 0.0
    start = dt.datetime.fromisoformat(run["iopub.execute_input"].replace("Z", "+00:00"))
    end = dt.datetime.fromisoformat(run["iopub.status.idle"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def breakdown(processed: Path, institution: str, out: Path) -> None:
    """Where the time of one institution report goes, cold and warm."""
    import papermill

    from readiness_analysis.build.jobs import ReportJob
    from readiness_analysis.build.kernel import WarmKernel
    from readiness_analysis.build.render import notebook_html, parameterized_notebook

    out.mkdir(parents=True, exist_ok=True)
    job = ReportJob(institution, NOTEBOOKS / "institution_report.ipynb", out / "x.html",
                    {"institution": institution, "processed_dir": str(processed), "lang": "nl"},
                    "nl", institution)
    kernel = WarmKernel()
    with Clock() as start:
        kernel._start(NOTEBOOKS)  # the bare kernel start, timed on its own
    with Clock() as cold:
        cold_nb = parameterized_notebook(job)
        kernel.execute(cold_nb, cwd=NOTEBOOKS)
    warm_runs = []
    for _ in range(3):  # the fastest of three, with its cells
        with Clock() as warm:
            warm_nb = parameterized_notebook(job)
            kernel.execute(warm_nb, cwd=NOTEBOOKS)
        warm_runs.append((warm.wall, warm, warm_nb))
    kernel.shutdown()
    _, warm, warm_nb = min(warm_runs, key=lambda run: run[0])
    with Clock() as html_first:
        notebook_html(warm_nb)
    with Clock() as html:  # a worker converts many: the exporter is built once
        notebook_html(warm_nb)
    executed = out / "executed.ipynb"
    with Clock() as pm_api:
        papermill.execute_notebook(str(job.notebook), str(executed), parameters=job.parameters,
                                   kernel_name="python3", progress_bar=False,
                                   cwd=str(NOTEBOOKS))
    with Clock() as pm_cli:
        _papermill_cli(job.notebook, executed, job.parameters)
    with Clock() as nbconvert_cli:
        _nbconvert_cli(executed)

    cold_cells = [_cell_seconds(c) for c in cold_nb.cells if c.cell_type == "code"]
    warm_cells = [_cell_seconds(c) for c in warm_nb.cells if c.cell_type == "code"]
    sources = [c.source for c in warm_nb.cells if c.cell_type == "code"]
    print(f"\n== One institution report ({institution}), seconds (wall)")
    print(f"  kernel start (new kernel, ready)              {start.wall:6.2f}")
    print(f"  imports + first-use warm-up (cold - warm)     {cold.wall - warm.wall:6.2f}  "
          f"(cells: {sum(cold_cells):.2f} cold, {sum(warm_cells):.2f} warm)")
    print("  notebook cells in a warm kernel:")
    for seconds, source in sorted(zip(warm_cells, sources, strict=True), reverse=True)[:6]:
        line = next((x for x in source.splitlines() if x.strip() and not x.startswith("#")), "")
        if "display(r.heading(" in line:
            line = line.split("display(r.heading(")[1].split(",")[0] + " section"
        print(f"    {seconds:6.2f}  {line[:60]}")
    print(f"    {sum(warm_cells):6.2f}  all cells")
    print(f"  warm report (reset + parameterise + execute)  {warm.wall:6.2f}  "
          f"(cold, first in a new kernel: {cold.wall:.2f})")
    print(f"  HTML conversion in process                    {html.wall:6.2f}  "
          f"(first call, exporter built: {html_first.wall:.2f})")
    print(f"  papermill.execute_notebook (new kernel)       {pm_api.wall:6.2f}")
    print(f"  papermill CLI (new process and kernel)        {pm_cli.wall:6.2f}")
    print(f"  jupyter nbconvert --to html --no-input CLI    {nbconvert_cli.wall:6.2f}")
    naive = pm_cli.wall + nbconvert_cli.wall
    ours = warm.wall + html.wall
    print(f"  per report: naive {naive:.2f} s, warm kernel {ours:.2f} s "
          f"(x{naive / ours:.1f})")


def _papermill_cli(notebook: Path, output: Path, parameters: dict) -> None:
    command = [str(BIN / "papermill"), str(notebook), str(output), "-k", "python3",
               "--cwd", str(NOTEBOOKS), "--no-progress-bar"]
    for key, value in parameters.items():
        command += ["-p", key, str(value)]
    subprocess.run(command, check=True, capture_output=True)


def _nbconvert_cli(executed: Path) -> None:
    subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                    str(executed)], check=True, capture_output=True)


def naive_build(processed: Path, institutions: list[str], out: Path, sample: int) -> int:
    """papermill CLI + nbconvert CLI per report, one after the other: the study report and
    the first ``sample`` institution reports (the per-report cost is what is compared)."""
    out.mkdir(parents=True, exist_ok=True)
    jobs = [("study", NOTEBOOKS / "study_report.ipynb",
             {"processed_dir": str(processed), "lang": "nl"})]
    jobs += [(f"inst{i:03d}", NOTEBOOKS / "institution_report.ipynb",
              {"institution": name, "processed_dir": str(processed), "lang": "nl"})
             for i, name in enumerate(institutions[:sample])]
    for name, notebook, parameters in jobs:
        executed = out / f"{name}.ipynb"
        _papermill_cli(notebook, executed, parameters)
        _nbconvert_cli(executed)
    return len(jobs)


def change_one_answer(raw: Path) -> str:
    """Change one item answer of the first respondent; return that row's institution."""
    path = raw / "scan_responses.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header, row = lines[0].rstrip("\n").split(","), lines[1].rstrip("\n").split(",")
    item = next(i for i, name in enumerate(header) if re.fullmatch(r"[A-Za-z]+\d*_\d+", name)
                and row[i] in {"1", "2", "3", "4", "5"})
    row[item] = "1" if row[item] != "1" else "2"
    lines[1] = ",".join(row) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return row[header.index("institution")]


def readiness_build(raw: Path, base: Path, jobs: int, reports: str) -> tuple[str, str]:
    """Run the CLI; return its plan line (what renders and why) and its summary line."""
    command = [str(BIN / "readiness"), "build", "--raw", str(raw), "--processed",
               str(base / "processed"), "--reports", str(base / reports), "--notebooks",
               str(NOTEBOOKS), "--jobs", str(jobs)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"readiness build failed ({done.returncode}):\n{done.stderr[-2000:]}")
    plan = next((line for line in done.stderr.splitlines()
                 if line.startswith(("rendering ", "all "))), "")
    return plan, done.stdout.strip().splitlines()[-1]


def snapshot(base: Path) -> None:
    """Run everything below from a copy of src/ and notebooks/ (see the module doc)."""
    global NOTEBOOKS
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "src", base / "src", ignore=skip)
    NOTEBOOKS = Path(shutil.copytree(ROOT / "notebooks", base / "notebooks", ignore=skip))
    paths = [str(base / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    sys.path.insert(0, str(base / "src"))


def study_seconds(base: Path, reports: str) -> float:
    """The study report's render time in the last build (manifest ``duration_s``)."""
    import json

    manifest = json.loads((base / reports / "manifest.json").read_text(encoding="utf-8"))
    return next(e["duration_s"] for e in manifest["reports"] if e["institution"] is None)


def one_size(base: Path, institutions: int, respondents: int, jobs: int, sample: int) -> None:
    """Every measurement for one number of institutions (see the module docstring)."""
    from readiness_analysis.build.prepare import prepare

    print(f"\n#### {institutions} institutions x {respondents} respondents "
          f"(+ the study report); {load()}", flush=True)
    raw = make_data(base, institutions, respondents)
    with Clock() as prep:
        prepared = prepare(raw, base / "scratch")
    n = len(prepared.institutions) + 1
    naive = None
    if sample:
        breakdown(base / "scratch", prepared.institutions[0], base / "breakdown")
        with Clock() as naive:
            sampled = naive_build(base / "scratch", prepared.institutions, base / "naive", sample)
    with Clock() as ours:
        plan, line = readiness_build(raw, base, jobs, "reports")
    fresh_study = study_seconds(base, "reports")
    with Clock() as again:
        again_plan, again_line = readiness_build(raw, base, jobs, "reports")
    changed = change_one_answer(raw)
    with Clock() as stage:  # the data stage alone, on a copy of the processed folder
        prepare(raw, base / "scratch")
    with Clock() as one:
        one_plan, one_line = readiness_build(raw, base, jobs, "reports")

    print(f"\n== {n} reports; {load()}")
    print(f"  {'':48s} {'wall s':>8s} {'per report':>11s} {'CPU s':>8s} {'CPU/report':>11s}")
    rows = [(f"readiness build --jobs {jobs}, fresh", ours.wall, ours.cpu, n)]
    if naive is not None:
        rows.insert(0, (f"naive: papermill + nbconvert CLI, {sampled} reports", naive.wall,
                        naive.cpu, sampled))
    for label, wall, cpu, count in rows:
        print(f"  {label:48s} {wall:8.1f} {wall / count:11.2f} {cpu:8.1f} {cpu / count:11.2f}")
    if naive is not None:
        naive_wall, naive_cpu = naive.wall / sampled, naive.cpu / sampled
        print(f"  per report against naive: x{naive_wall / (ours.wall / n):.1f} (wall), "
              f"x{naive_cpu / (ours.cpu / n):.1f} (CPU)")
    print(f"  data stage (prepare), fresh                      {prep.wall:8.1f} s")
    print(f"  study report, rendered in the fresh build        {fresh_study:8.1f} s")
    print(f"  rebuild, nothing changed                         {again.wall:8.2f} s "
          f"({again.cpu:.2f} s CPU)")
    print(f"  one answer changed at {changed}: data stage {stage.wall:.1f} s; whole rebuild "
          f"{one.wall:.1f} s ({one.cpu:.1f} s CPU), study report "
          f"{study_seconds(base, 'reports'):.1f} s")
    for label, said, last in (("fresh build", plan, line), ("nothing changed", again_plan,
                              again_line), ("one changed", one_plan, one_line)):
        print(f"  {label} said: {said or '-'}\n    {last}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500",
                        help="numbers of institutions, comma-separated (default: 50,500)")
    parser.add_argument("--respondents", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--naive-sample", type=int, default=5,
                        help="institution reports the naive loop renders (0: none)")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        snapshot(Path(tmp) / "tree")
        for size in (int(x) for x in args.sizes.split(",")):
            base = Path(tmp) / f"n{size}"
            base.mkdir()
            one_size(base, size, args.respondents, args.jobs, args.naive_sample)


if __name__ == "__main__":
    main()
