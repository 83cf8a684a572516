"""Read (and optionally clean) one scan export in this process; print figures as JSON.

Usage: ``python benchmarks/measure_read.py FILE [read|clean]``. Run it as a child
process: on Linux its peak resident memory is reset after the imports
(``/proc/self/clear_refs``), so the peak is what reading itself needed. Used by
``bench_ingest.py`` (prints the figures) and ``tests/e2e/test_hostile_input.py`` (asserts on them).
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time

from readiness_analysis.io.scan import read_scan

LINUX = os.path.exists("/proc/self/clear_refs")


def status(key: str) -> float:
    """Linux: current (VmRSS) or peak (VmHWM) resident memory in MB."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    raise KeyError(key)


def maxrss() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


def peak() -> float:
    return status("VmHWM:") if LINUX else maxrss()


def main(path: str, mode: str = "read") -> dict:
    gc.collect()
    if LINUX:  # reset the peak, so that the imports' own peak does not hide ours
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    before = status("VmRSS:") if LINUX else maxrss()
    start = time.perf_counter()
    raw = read_scan(path)
    frame = raw.frame
    figures = {
        "read_s": time.perf_counter() - start, "read_peak_mb": peak() - before,
        "rows": len(frame), "last_row": raw.rows[-1],
        "first": frame.iloc[0].astype(str).tolist(), "last": frame.iloc[-1].astype(str).tolist(),
        "categorical": int((frame.dtypes == "category").sum()),
        "frame_mb": frame.memory_usage(deep=True).sum() / 2**20,
    }
    if mode == "clean":
        from readiness_analysis.io.clean import clean_scan
        from readiness_analysis.spec.instrument import load_instrument

        start = time.perf_counter()
        result = clean_scan(raw, load_instrument(), key=b"bench")
        figures.update(clean_s=time.perf_counter() - start, clean_peak_mb=peak() - before,
                       kept=len(result.responses), rejected=len(result.rejected))
    return figures


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:3])))
