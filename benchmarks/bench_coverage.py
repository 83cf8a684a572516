"""Coverage of the 95 % intervals of a group mean, by n, method and distribution.

Usage (from the repository root)::

    python benchmarks/bench_coverage.py                    # 20,000 samples per cell
    python benchmarks/bench_coverage.py --reps 5000 --methods t,BCa

The full version of the coverage test in ``tests/stats/test_bootstrap.py`` (which runs
2,000 samples of the reports' interval at n = 3, 5, 10, 30). Samples are drawn from the
theme-score populations of ``tests/stats/coverage.py`` (means of 2-4 integer answers
1-5): the three realistic ones of the test and two piled up at one end of the scale. For
every method and n it prints the share of intervals containing the true mean (of the
samples that get an interval), the share of samples with an interval and the mean width.
Nothing is asserted; the README's statistics section quotes these figures. Monte Carlo
error of a share near 0.95 from 20,000 samples: about 0.0015.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.stats.coverage

from tests.stats.coverage import (
    EXTREME_SCENARIOS,
    SCENARIOS,
    coverage,
    population,
)

SIZES = (3, 4, 5, 7, 10, 15, 20, 30, 50)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20_000, help="samples per cell")
    parser.add_argument("--methods", default="t,BCa,percentile",
                        help="comma-separated interval methods (bootstrap_means)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--weighted", action="store_true",
                        help="1-3 teachers per interview, weighted figures")
    args = parser.parse_args(argv)
    sizes = [int(v) for v in args.sizes.split(",")]
    print(f"{'distribution':<10} {'method':<10} " + " ".join(f"{'n=' + str(n):>7}" for n in sizes)
          + "   (coverage; shown < 100 % in brackets)")
    for name, (centre, items) in {**SCENARIOS, **EXTREME_SCENARIOS}.items():
        scores = population(centre, items)
        for method in args.methods.split(","):
            start = time.perf_counter()
            cells = []
            for n in sizes:
                result = coverage(scores, n, args.reps, method=method, seed=n,
                                  weighted=args.weighted)
                shown = f"[{result.shown:.0%}]" if result.shown < 0.995 else ""
                cells.append(f"{result.share:>7.3f}{shown}")
            print(f"{name:<10} {method:<10} " + " ".join(cells)
                  + f"   ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
