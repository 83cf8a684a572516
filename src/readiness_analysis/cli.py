"""Command line: ``readiness build | validate | synth``; a thin layer over the API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .errors import DataValidationError, ReadinessError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="readiness", description="Blended Learning readiness analysis and reports."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="clean the data and render every report")
    b.add_argument("--raw", default="data/raw", help="raw data folder (default: data/raw)")
    b.add_argument("--processed", default="data/processed", help="processed data folder")
    b.add_argument("--reports", default="reports", help="report folder (default: reports)")
    b.add_argument("--notebooks", default="notebooks", help="report notebook folder")
    b.add_argument("--instrument", help="instrument YAML (default: the shipped one)")
    b.add_argument("--institution", action="append", help="render only this one (repeatable)")
    b.add_argument("--lang", choices=["nl", "en"], default="nl", help="report language")
    b.add_argument("--jobs", type=_positive, default=1,
                   help="reports rendered in parallel (worker processes; default: 1)")
    b.add_argument("--force", action="store_true",
                   help="render every report, also those whose inputs did not change")
    b.add_argument("--scheduler", metavar="ADDRESS",
                   help="render on a Dask cluster at ADDRESS, or 'local' for a local one "
                   "of --jobs workers (needs: pip install 'readiness-analysis[dask]')")
    b.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress on stderr")

    v = sub.add_parser("validate", help="check scan exports without writing anything")
    v.add_argument("files", nargs="+", type=Path)
    v.add_argument("--instrument", help="instrument YAML (default: the shipped one)")

    s = sub.add_parser("synth", help="write synthetic scan data (default: the study design)")
    s.add_argument("--out", default="data/raw/scan_responses.csv", type=Path)
    s.add_argument("--institutions", type=int, help="number of institutions")
    s.add_argument("--respondents", type=int, help="respondents per institution")
    s.add_argument("--waves", type=int, default=1)
    s.add_argument("--seed", type=int, default=2023)
    return parser


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def _build(args) -> int:
    from .build import build

    result = build(
        args.raw, args.processed, args.reports, notebooks_dir=args.notebooks,
        instrument=args.instrument, institutions=args.institution, lang=args.lang,
        jobs=args.jobs, force=args.force, scheduler=args.scheduler, progress=args.progress,
    )
    print(f"{result.summary()}; open {result.reports_dir / 'index.html'}")
    for failed in result.failed:
        print(f"failed: {failed.title}: {failed.error}", file=sys.stderr)
    return 0 if result.ok else 1


def _validate(args) -> int:
    from .clean import clean_scan
    from .ingest import read_scan
    from .instrument import load_instrument

    instrument = load_instrument(args.instrument)
    invalid = False
    for path in args.files:
        try:
            result = clean_scan(read_scan(path), instrument, key=b"validate-only")
        except DataValidationError as exc:
            for problem in exc.problems:
                print(problem)
            invalid = True
            continue
        for problem in result.warnings:
            print(f"{problem} [warning]")
        for row in result.rejected.itertuples():
            print(f"{row.source_file}:{row.source_row}:{row.column}: {row.reason}")
        invalid |= len(result.rejected) > 0
        print(f"{path}: {len(result.responses)} valid rows, {len(result.rejected)} rejected",
              file=sys.stderr)
    return 1 if invalid else 0


def _synth(args) -> int:
    from .synth import SynthDesign, write_synthetic_scan

    design = SynthDesign(args.institutions, args.respondents, args.waves, args.seed)
    path = write_synthetic_scan(args.out, design)
    print(f"synthetic data written to {path} (marked synthetic in {path.stem}.synthetic.json)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``readiness`` command; returns the exit code.

    Examples
    --------
    >>> main(["--version"])  # doctest: +SKIP
    readiness 0.1.0
    """
    args = _parser().parse_args(argv)
    handlers = {"build": _build, "validate": _validate, "synth": _synth}
    try:
        return handlers[args.command](args)
    except ReadinessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
