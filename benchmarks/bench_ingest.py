"""Time and peak memory of read_scan (and optionally clean_scan) on a large CSV export.

Usage (from the repository root)::

    python benchmarks/bench_ingest.py                 # 1 GB file in a temporary folder
    python benchmarks/bench_ingest.py --mb 250 --clean
    python benchmarks/bench_ingest.py --path big.csv  # an existing file

The file is written by ``readiness_analysis.synth.write_large_scan`` (200 institutions,
2 waves): the shipped instrument's columns (respondent_id, institution, n_teachers, wave
and 34 items holding 1-5 or empty, about 90 bytes a row). Reading runs in a fresh
child process; on Linux its peak resident memory is reset after the imports
(``/proc/self/clear_refs``), so the figure is what reading itself needed. Nothing is
asserted: ``tests/test_hardening.py`` checks a 60 MB file (set ``READINESS_BIG_CSV_MB``
to run it larger).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from readiness_analysis.synth import write_large_scan

CHILD = textwrap.dedent("""
    import gc, json, os, resource, sys, time
    from readiness_analysis.ingest import read_scan

    def status(key):
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024

    def maxrss():
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return rss / 2**20 if sys.platform == "darwin" else rss / 2**10

    def peak():
        return status("VmHWM:") if linux else maxrss()

    gc.collect()
    linux = os.path.exists("/proc/self/clear_refs")
    if linux:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    before = status("VmRSS:") if linux else maxrss()
    start = time.perf_counter()
    raw = read_scan(sys.argv[1])
    figures = {"read_s": time.perf_counter() - start, "read_peak_mb": peak() - before,
               "rows": len(raw.frame),
               "frame_mb": raw.frame.memory_usage(deep=True).sum() / 2**20}
    if sys.argv[2] == "clean":
        from readiness_analysis.clean import clean_scan
        from readiness_analysis.instrument import load_instrument
        start = time.perf_counter()
        result = clean_scan(raw, load_instrument(), key=b"bench")
        figures.update(clean_s=time.perf_counter() - start, clean_peak_mb=peak() - before,
                       kept=len(result.responses), rejected=len(result.rejected))
    print(json.dumps(figures))
""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1024, help="size of the generated file")
    parser.add_argument("--path", type=Path, help="measure this file instead")
    parser.add_argument("--clean", action="store_true", help="also time clean_scan")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.path or Path(tmp) / "scan_responses.csv"
        if args.path is None:
            rows = write_large_scan(path, args.mb, institutions=200, waves=2)
            print(f"wrote {path.stat().st_size / 2**20:,.0f} MB, {rows:,} rows")
        out = subprocess.run([sys.executable, "-c", CHILD, str(path),
                              "clean" if args.clean else "read"],
                             capture_output=True, text=True, check=True)
        figures = json.loads(out.stdout)
        size = path.stat().st_size / 2**20
    print(f"read_scan: {figures['read_s']:.1f} s, peak +{figures['read_peak_mb']:,.0f} MB "
          f"({figures['read_peak_mb'] / size:.2f} x file size), table "
          f"{figures['frame_mb']:,.0f} MB, {figures['rows']:,} rows")
    if args.clean:
        print(f"clean_scan: {figures['clean_s']:.1f} s, peak so far "
              f"+{figures['clean_peak_mb']:,.0f} MB, {figures['kept']:,} kept, "
              f"{figures['rejected']:,} rejected")


if __name__ == "__main__":
    main()
