"""Time of the study report's figure and table when it has many institutions.

Usage (from the repository root)::

    python benchmarks/bench_many_institutions.py                       # 1,000 institutions
    python benchmarks/bench_many_institutions.py --institutions 200

Above ``report.study.MANY_INSTITUTIONS`` the study report draws, per theme, every
institution's mean with its interval (two PNGs: wide and phone) and tabulates the
distribution of the means. This measures :func:`~readiness_analysis.report.study.
distribution_figure` (PNG encoding included) and :func:`~readiness_analysis.report.study.
institution_comparison` on a summary of the demo instrument's themes made with numpy
(one wave, 1 to 30 respondents per cell, so that some cells are suppressed), for a
baseline just above the threshold and for ``--institutions``, in the same process after
one warm-up call. Wall and CPU seconds are the best of ``--repeat`` runs; nothing is
asserted, the figures are for reading.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from readiness_analysis.report import study
from readiness_analysis.report.data import ReportData
from readiness_analysis.report.labels import theme_labels
from readiness_analysis.spec.instrument import load_instrument
from readiness_analysis.stats.disclosure import MIN_CELL, suppress_small_cells


def make_data(n: int, seed: int = 0) -> ReportData:
    """Report data whose summary has ``n`` institutions on every theme of the instrument."""
    instrument = load_instrument()
    themes = list(theme_labels(instrument))
    rng = np.random.default_rng(seed)
    size = n * len(themes)
    means = rng.uniform(instrument.scale_min, instrument.scale_max, size)
    half = rng.uniform(0.1, 0.6, size)
    own = pd.DataFrame({
        "institution": np.repeat([f"Instelling {i:04d}" for i in range(n)], len(themes)),
        "wave": 1, "theme": np.tile(themes, n), "n": rng.integers(1, 31, size),
        "mean": means, "ci_low": means - half, "ci_high": means + half})
    pooled = pd.DataFrame({"institution": None, "wave": 1, "theme": themes,
                           "n": own.groupby("theme", sort=False)["n"].sum().to_numpy(),
                           "mean": own.groupby("theme", sort=False)["mean"].mean().to_numpy()})
    summary = suppress_small_cells(pd.concat([own, pooled], ignore_index=True), MIN_CELL)
    responses = pd.DataFrame({"respondent_id": [], "institution": [], "wave": []})
    return ReportData(responses=responses, scores=pd.DataFrame(), summary=summary,
                      fragments=pd.DataFrame(), cleaning_log=pd.DataFrame(), provenance={},
                      instrument=instrument)


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def measure(data: ReportData, repeat: int) -> dict[str, float]:
    """Best wall and CPU seconds of the figure and of the table, and the HTML size."""
    best = {"figure_s": np.inf, "figure_cpu": np.inf, "table_s": np.inf, "table_cpu": np.inf}
    for _ in range(repeat):
        t0 = _clock()
        block = study.distribution_figure(data, "nl")
        t1 = _clock()
        frame = study.institution_comparison(data, "nl")
        t2 = _clock()
        best["figure_s"] = min(best["figure_s"], t1[0] - t0[0])
        best["figure_cpu"] = min(best["figure_cpu"], t1[1] - t0[1])
        best["table_s"] = min(best["table_s"], t2[0] - t1[0])
        best["table_cpu"] = min(best["table_cpu"], t2[1] - t1[1])
    return {**best, "html_kib": len(block.data) / 1024, "columns": frame.shape[1]}


def show(label: str, n: int, r: dict[str, float]) -> None:
    print(f"{label:<9} {n:>12,} {r['figure_s']:>9.2f} {r['figure_cpu']:>8.2f}"
          f" {r['table_s']:>8.3f} {r['table_cpu']:>8.3f} {r['html_kib']:>9.0f}"
          f" {r['columns']:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    baseline = study.MANY_INSTITUTIONS + 1
    study.distribution_figure(make_data(baseline), "nl")  # warm-up: fonts, imports
    themes = len(theme_labels(load_instrument()))
    print(f"study report figure (wide + phone PNG) and table, {themes} themes; best of "
          f"{args.repeat}")
    print("{:<9} {:>12} {:>9} {:>8} {:>8} {:>8} {:>9} {:>8}".format(
        "run", "institutions", "figure s", "cpu s", "table s", "cpu s", "HTML KiB", "columns"))
    base = measure(make_data(baseline), args.repeat)
    show("baseline", baseline, base)
    result = measure(make_data(args.institutions), args.repeat)
    show("measured", args.institutions, result)
    print(f"ratio measured/baseline: institutions x{args.institutions / baseline:.0f}, "
          f"figure time x{result['figure_s'] / base['figure_s']:.1f} "
          f"(cpu x{result['figure_cpu'] / base['figure_cpu']:.1f}), "
          f"table time x{result['table_s'] / base['table_s']:.1f}, "
          f"HTML size x{result['html_kib'] / base['html_kib']:.1f}")


if __name__ == "__main__":
    main()
