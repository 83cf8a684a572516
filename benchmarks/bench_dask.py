"""Scale-out: a 1,000-institution build on a Dask ``LocalCluster`` against local workers.

Usage (from the repository root; needs ``pip install -e '.[dask]'``)::

    python benchmarks/bench_dask.py                                  # 1,000 institutions
    python benchmarks/bench_dask.py --institutions 100 --sample 20   # quicker

One synthetic scan (``--respondents`` per institution, seed 1) is prepared once. Then the
same ``--sample`` institution reports (and the study report) are rendered twice into
fresh folders, in one run: with ``readiness build --jobs N`` (local worker processes, the
baseline) and with ``readiness build --scheduler local --jobs N`` (a Dask LocalCluster of
N single-threaded workers, each with its own warm kernel). Without ``--sample`` every
report is rendered both ways. Printed: wall and CPU seconds, per report, and the ratio.
On a real cluster only the address changes (``--scheduler tcp://host:8786``); see the
README, "Scale-out on Dask". Nothing is asserted; the figures are for reading.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_build import BIN, NOTEBOOKS, Clock, load, machine, make_data


def build(raw: Path, base: Path, reports: str, jobs: int, institutions: list[str],
          scheduler: str | None) -> str:
    command = [str(BIN / "readiness"), "build", "--raw", str(raw), "--processed",
               str(base / "processed"), "--reports", str(base / reports), "--notebooks",
               str(NOTEBOOKS), "--jobs", str(jobs), "--no-progress"]
    command += ["--scheduler", scheduler] if scheduler else []
    for name in institutions:
        command += ["--institution", name]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"readiness build failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=1000)
    parser.add_argument("--respondents", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sample", type=int, default=0,
                        help="render only this many institution reports (0: all)")
    args = parser.parse_args()
    try:
        import distributed  # noqa: F401 - only to say what is missing
    except ImportError:
        sys.exit("needs Dask: pip install -e '.[dask]'")

    print(f"machine: {machine()}")
    print(f"{args.institutions} institutions x {args.respondents} respondents; {load()}")
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        base = Path(tmp)
        from readiness_analysis.build.prepare import prepare

        raw = make_data(base, args.institutions, args.respondents)
        with Clock() as prep:
            names = prepare(raw, base / "processed").institutions
        chosen = names[:args.sample] if args.sample else []
        n = (len(chosen) or len(names)) + 1
        print(f"prepare: {prep.wall:.1f} s; rendering {n} reports each way", flush=True)
        rows = []
        for label, scheduler in (("--jobs (local worker processes)", None),
                                 ("--scheduler local (Dask LocalCluster)", "local")):
            with Clock() as run:
                line = build(raw, base, f"reports-{scheduler or 'jobs'}", args.jobs, chosen,
                             scheduler)
            rows.append((label, run, line))
    print(f"\n== {n} reports, {args.jobs} workers; {load()}")
    print(f"  {'':40s} {'wall s':>8s} {'per report':>11s} {'CPU s':>8s}")
    for label, run, line in rows:
        print(f"  {label:40s} {run.wall:8.1f} {run.wall / n:11.2f} {run.cpu:8.1f}")
        print(f"    {line}")
    base_run, dask_run = rows[0][1], rows[1][1]
    print(f"  Dask against local workers: x{base_run.wall / dask_run.wall:.2f} (wall)")


if __name__ == "__main__":
    main()
