"""Time and peak memory of read_scan (and optionally clean_scan) on a large CSV export.

Usage (from the repository root)::

    python benchmarks/bench_ingest.py                 # 1 GB file in a temporary folder
    python benchmarks/bench_ingest.py --mb 250 --clean
    python benchmarks/bench_ingest.py --path big.csv  # an existing file

The file is written by ``readiness_analysis.io.synth.write_large_scan`` (200 institutions,
2 waves): the shipped instrument's columns (respondent_id, institution, n_teachers, wave
and 34 items holding 1-5 or empty, about 90 bytes a row). Reading runs in a fresh
child process (``measure_read.py``), so the peak memory is what reading itself needed.
Nothing is asserted here: ``tests/e2e/test_hostile_input.py`` runs the same measurement on a
1 GB file and asserts on it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from readiness_analysis.io.synth import write_large_scan

MEASURE = Path(__file__).with_name("measure_read.py")


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
        out = subprocess.run([sys.executable, str(MEASURE), str(path),
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
