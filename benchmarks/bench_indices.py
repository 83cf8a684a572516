"""Time and peak memory of what the data stage computes from the scores, on synthetic data.

Usage (from the repository root)::

    python benchmarks/bench_indices.py                  # 1,000,000 respondents
    python benchmarks/bench_indices.py --respondents 250000 --institutions 200

The steps are those of ``build/prepare.py`` ``_analyse`` after cleaning: ``theme_scores``;
``summarise_all`` (summaries per institution x wave and pooled by wave, each with the
interval of the documented rule, clipped to the scale, small cells suppressed); and
``wave_change`` (change between consecutive waves with its Welch interval), small cells
suppressed. Each size runs in a fresh child process, so its peak resident set size
(``ru_maxrss``) is its own. The data are 10 themes x 4 items (answers 1-5, about 5 %
missing), 1,000 institutions and two waves, built directly with numpy. A baseline of
100,000 respondents (same institutions) is measured in the same run and the ratio
printed next to it; nothing is asserted, the figures are for reading. The issue's target
(issue 19) is 30 s and 2 GiB for 1,000,000 respondents.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from readiness_analysis.spec.instrument import Instrument, Item, Theme
from readiness_analysis.stats.bootstrap import wave_change
from readiness_analysis.stats.disclosure import suppress_small_cells
from readiness_analysis.stats.pooled import summarise_all
from readiness_analysis.stats.scores import agree_thresholds, scale_bounds, theme_scores

THEMES = 10
ITEMS_PER_THEME = 4
INSTITUTIONS = 1_000
WAVES = 2
BASELINE = 100_000
SEED = 2023  # the data stage's default seed


def make_instrument() -> Instrument:
    themes = tuple(Theme(f"t{t:02d}", {"nl": f"t{t:02d}", "en": f"t{t:02d}"}, None)
                   for t in range(THEMES))
    items = tuple(Item(f"{th.id}_{i}", th.id, {"nl": "", "en": ""})
                  for th in themes for i in range(ITEMS_PER_THEME))
    scale = {v: {"nl": str(v), "en": str(v)} for v in range(1, 6)}
    return Instrument("bench", "1", {"nl": "bench", "en": "bench"}, scale, themes, items,
                      min_items=2, agree_from=4)


def make_responses(n: int, instrument: Instrument, institutions: int = INSTITUTIONS,
                   seed: int = 0) -> pd.DataFrame:
    """Cleaned-responses frame: meta columns as ``clean_scan`` gives them, float answers.

    The answers are written column by column into one (items x n) block, which the
    DataFrame takes over without a copy, so building the data peaks at its own size.
    """
    rng = np.random.default_rng(seed)
    block = np.empty((len(instrument.item_ids), n))
    for row in block:
        row[:] = rng.integers(1, 6, n)
        row[rng.random(n) < 0.05] = np.nan
    frame = pd.DataFrame(block.T, columns=instrument.item_ids, copy=False)
    names = np.array([f"Instelling {i:04d}" for i in range(institutions)], dtype=object)
    meta = {
        "respondent_id": pd.array(np.char.add("P", np.arange(n).astype(str)), dtype="str"),
        "institution": pd.array(names[rng.integers(0, institutions, n)], dtype="string"),
        "n_teachers": rng.integers(1, 4, n),
        "wave": rng.integers(1, WAVES + 1, n),
    }
    for position, (name, values) in enumerate(meta.items()):
        frame.insert(position, name, values)
    return frame


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def measure(n: int, institutions: int) -> dict[str, float]:
    """Build n respondents, then time the three steps; runs inside the child process."""
    instrument = make_instrument()
    responses = make_responses(n, instrument, institutions)
    data_mib = _maxrss_mib()
    t0 = _clock()
    scores = theme_scores(responses, instrument)
    t1 = _clock()
    summary = summarise_all(scores, agree_from=agree_thresholds(instrument), seed=SEED,
                            bounds=scale_bounds(instrument))
    t2 = _clock()
    change = suppress_small_cells(wave_change(scores, seed=SEED))
    t3 = _clock()
    return {"respondents": n, "rows": len(scores), "cells": len(summary),
            "changes": len(change), "intervals": int(summary["ci_low"].notna().sum()),
            "scores_s": t1[0] - t0[0], "summary_s": t2[0] - t1[0], "change_s": t3[0] - t2[0],
            "total_s": t3[0] - t0[0], "cpu_s": t3[1] - t0[1], "data_mib": data_mib,
            "peak_mib": _maxrss_mib()}


def run_child(n: int, institutions: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", str(n), "--institutions",
                          str(institutions)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


HEADER = ("run", "respondents", "score rows", "cells", "scores s", "summary s", "change s",
          "total s", "cpu s", "data MiB", "peak MiB", "step MiB")
LINE = "{:<9} {:>11} {:>11} {:>7} {:>8} {:>9} {:>8} {:>7} {:>6} {:>8} {:>8} {:>8}"


def show(label: str, r: dict[str, float]) -> None:
    print(LINE.format(label, f"{r['respondents']:,}", f"{r['rows']:,}", f"{r['cells']:,}",
                      f"{r['scores_s']:.2f}", f"{r['summary_s']:.2f}", f"{r['change_s']:.2f}",
                      f"{r['total_s']:.2f}", f"{r['cpu_s']:.2f}", f"{r['data_mib']:.0f}",
                      f"{r['peak_mib']:.0f}", f"{r['peak_mib'] - r['data_mib']:.0f}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--institutions", type=int, default=INSTITUTIONS)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child, args.institutions)))
        return
    print(f"{THEMES} themes x {ITEMS_PER_THEME} items, {args.institutions:,} institutions, "
          f"{WAVES} waves; summary = summarise_all (institution x wave and pooled by wave, "
          "with intervals); change = wave_change (Welch intervals)")
    print(LINE.format(*HEADER))
    base = run_child(BASELINE, args.institutions)
    show("baseline", base)
    result = run_child(args.respondents, args.institutions)
    show("measured", result)
    print(f"intervals: {result['intervals']:,} of {result['cells']:,} summary rows; "
          f"{result['changes']:,} wave-change rows")
    print(f"ratio measured/baseline: size x{args.respondents / BASELINE:.1f}, "
          f"time x{result['total_s'] / base['total_s']:.1f}, "
          f"cpu x{result['cpu_s'] / base['cpu_s']:.1f}, "
          f"peak memory x{result['peak_mib'] / base['peak_mib']:.1f}")
    print("times: wall clock (cpu s = process CPU time of the three steps, steadier on a "
          "busy machine); peak MiB: peak resident set size of the child process, data and "
          "interpreter included; step MiB: peak minus the size after building the data")


if __name__ == "__main__":
    main()
