"""Command line: ``readiness build | validate | synth | key``; a thin layer over the API."""

from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from readiness_analysis.core.errors import (
    AccountingError,
    AccountingWarning,
    DataValidationError,
    Problem,
    ReadinessError,
    ReadinessWarning,
    shorten,
)
from readiness_analysis.core.words import plural

__all__ = ["main"]

#: Problems printed per file by ``readiness validate``; ``--problems-out`` writes them all.
SHOWN_PROBLEMS = 20
#: Kinds of problem listed, most frequent first, in the summary of a long list.
SHOWN_KINDS = 10
#: Exit status of ``build --strict`` when the row account crossed the warning threshold.
EXIT_STRICT = 3
EXIT_CODES = (f"exit status: 0 done; 1 a report failed, or validate found invalid rows; "
              f"2 an error (one line on stderr); {EXIT_STRICT} build --strict stopped: too many "
              f"rows rejected or answers set to missing")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="readiness", description="Blended Learning readiness analysis and reports.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="clean the data and render every report",
                       epilog=EXIT_CODES)
    b.add_argument("--raw", default="data/raw", help="raw data folder (default: data/raw)")
    b.add_argument("--processed", default="data/processed",
                   help="processed data folder (default: data/processed)")
    b.add_argument("--reports", default="reports", help="report folder (default: reports)")
    b.add_argument("--notebooks", help="report notebook folder (default: ./notebooks, else "
                   "the notebooks folder of the source checkout the package runs from)")
    b.add_argument("--instrument", help="instrument YAML (default: the shipped one)")
    b.add_argument("--study", help="study YAML: title, respondents, recommendations, quotes "
                   "(default: the Blended Learning guide for the shipped instrument, else "
                   "none)")
    b.add_argument("--institution", action="append",
                   help="render only this one, and the study report (repeatable; case and "
                        "white space do not matter)")
    b.add_argument("--lang", choices=_languages(), default="nl",
                   help="report language: a catalogue file in report/locale (default: nl)")
    b.add_argument("--jobs", type=_positive, default=1,
                   help="reports rendered in parallel (worker processes; default: 1)")
    b.add_argument("--force", action="store_true",
                   help="render every report, also those whose inputs did not change")
    b.add_argument("--scheduler", metavar="ADDRESS",
                   help="render on a Dask cluster at ADDRESS, or 'local' for a local one "
                   "of --jobs workers (needs: pip install 'readiness-analysis[dask]')")
    b.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress on stderr")
    b.add_argument("--weighted", action="store_true",
                   help="weight interviews by their number of teachers (n_teachers)")
    b.add_argument("--cell-timeout", type=_positive, metavar="SECONDS",
                   help="fail a report whose notebook cell runs longer (default: no limit)")
    _invalid_answers_flag(b)
    b.add_argument("--strict", action="store_true",
                   help="stop with exit status 3, writing no processed data or reports, "
                   "when more than 5%% of the rows are rejected or have answers set to "
                   "missing (otherwise a warning)")
    b.add_argument("--case-variable", metavar="NAME",
                   help="take the institution from this case or document variable of the "
                   "QDA export (e.g. a MAXQDA document variable); default: its cases")
    b.add_argument("--pdf", action="store_true",
                   help="also write a PDF of every report beside its HTML file (needs "
                   "headless Chromium: apt-get install chromium, or set READINESS_CHROMIUM)")
    b.add_argument("--problems-out", type=Path, metavar="CSV",
                   help="write every problem the data stage finds (rejected rows, warnings, "
                   "unknown QDA codes) to this CSV file, also when the build stops on them; "
                   "never into the raw folder, and an existing file only with --force")

    v = sub.add_parser("validate", help="check scan exports without writing anything")
    v.add_argument("files", nargs="+", type=Path)
    v.add_argument("--instrument", help="instrument YAML (default: the shipped one)")
    v.add_argument("--problems-out", type=Path, metavar="CSV",
                   help=f"write every problem to this CSV file (the screen shows the first "
                   f"{SHOWN_PROBLEMS} per file); never into the folder of a checked file")
    v.add_argument("--force", action="store_true",
                   help="replace the --problems-out file if it exists")
    _invalid_answers_flag(v)

    k = sub.add_parser("key", help="make the pseudonym key of a processed folder")
    k.add_argument("--new", action="store_true", required=True,
                   help="write a new random key (.pseudonym.key beside the processed folder, "
                   "owner-only)")
    k.add_argument("--processed", default="data/processed",
                   help="processed data folder (default: data/processed)")
    k.add_argument("--force", action="store_true",
                   help="replace an existing key: every pseudonym changes, so earlier "
                   "processed data and reports no longer match")

    s = sub.add_parser("synth", help="write synthetic scan data (default: the study design)")
    s.add_argument("--out", default="data/raw/scan_responses.csv", type=Path,
                   help="CSV to write (default: data/raw/scan_responses.csv, the demo file)")
    s.add_argument("--force", action="store_true", help="replace the file if it exists")
    s.add_argument("--institutions", type=int, help="number of institutions")
    s.add_argument("--respondents", type=int, help="respondents per institution")
    s.add_argument("--waves", type=int, default=1, help="scan waves (default: 1)")
    s.add_argument("--seed", type=int, default=2023,
                   help="random seed; the same seed gives the same bytes (default: 2023)")
    s.add_argument("--roles", default="",
                   help="add a role column: comma-separated roles, each NAME or NAME=WEIGHT "
                   "(how often it is drawn), e.g. docent=6,leidinggevende=1,student=3")
    s.add_argument("--groups", default="",
                   help="add a group column: comma-separated groups (teams, opleidingen, "
                   "locations), each NAME or NAME=WEIGHT")
    return parser


def _languages() -> list[str]:
    """The report languages: one per catalogue file, as ``report.text.languages()`` says.

    Read from the folder listing, without importing the report layer (and pandas with it),
    so that ``readiness --help`` stays fast.

    Examples
    --------
    >>> {"en", "nl"} <= set(_languages())
    True
    """
    folder = resources.files("readiness_analysis.report") / "locale"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir()
                  if p.name.endswith(".yaml"))


def _invalid_answers_flag(parser: argparse.ArgumentParser) -> None:
    """Add ``--invalid-answers {reject,missing}`` (default: reject) to a subcommand."""
    parser.add_argument("--invalid-answers", choices=["reject", "missing"], default="reject",
                        help="an invalid item answer (off the scale, not a scale label) "
                        "rejects its row (reject, the default) or is set to missing with a "
                        "warning, keeping the row (missing)")


class _Version(argparse.Action):
    """``--version``, looking the version up only when asked (it costs an import)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from readiness_analysis.core.version import package_version

        print(f"{parser.prog} {package_version()}")
        parser.exit()


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def _build(args) -> int:
    from readiness_analysis.build.kernel import runtime_folder

    # Before the imports: matplotlib, once imported, has written its configuration folder.
    with runtime_folder():
        return _run_build(args)


def _run_build(args) -> int:
    if args.problems_out is None and not (args.force or args.pdf or args.institution):
        kept = _unchanged_build(args)  # before the analysis stack is imported
        if kept is not None:
            return kept
    from readiness_analysis.build.pipeline import build

    if args.problems_out is not None:
        _check_output(args.problems_out, [], force=args.force, folders=[Path(args.raw)])
    try:
        result = _build_with(build, args)
    except DataValidationError as exc:  # stopped on located problems: every one to the CSV
        if args.problems_out is not None:
            _write_problem_rows(args.problems_out, [("error", p) for p in exc.problems])
            print(f"every problem written to {args.problems_out}", file=sys.stderr)
        raise
    if args.problems_out is not None:
        rows = ([("warning", p) for p in result.warnings]
                + [("error", p) for p in result.problems])
        _write_problem_rows(args.problems_out, rows)
        print(f"{plural(len(rows), 'problem')} written to {args.problems_out}",
              file=sys.stderr)
    return _report_build(result)


def _unchanged_build(args) -> int | None:
    """Exit status 0 and the summary when nothing changed since the last build; else None.

    The same check as :func:`readiness_analysis.build.pipeline.build` makes first
    (:mod:`readiness_analysis.build.unchanged`), under the same locks, without importing
    pandas and the report stack.
    """
    import time

    from readiness_analysis.build.lock import build_locks
    from readiness_analysis.build.unchanged import NOTHING_CHANGED, check, summary

    start = time.perf_counter()
    with build_locks(args.processed, args.reports):
        _, same = check(args.raw, args.processed, args.reports, notebooks_dir=args.notebooks,
                        instrument=args.instrument, study=args.study, lang=args.lang,
                        weighted=args.weighted, invalid_answers=args.invalid_answers,
                        strict=args.strict, case_variable=args.case_variable)
    if same is None:
        return None
    if args.progress:
        print(NOTHING_CHANGED, file=sys.stderr)
    n = len(same.entries)
    print(f"{summary(n, 0, 0, n, time.perf_counter() - start)}; open {same.index}")
    if same.account:
        print(same.account)
    return 0


def _build_with(build, args):
    return build(
        args.raw, args.processed, args.reports, notebooks_dir=args.notebooks,
        instrument=args.instrument, study=args.study, institutions=args.institution,
        lang=args.lang,
        jobs=args.jobs, force=args.force, scheduler=args.scheduler, progress=args.progress,
        weighted=args.weighted, cell_timeout=args.cell_timeout,
        invalid_answers=args.invalid_answers, strict=args.strict,
        case_variable=args.case_variable, pdf=args.pdf,
    )


def _report_build(result) -> int:
    print(f"{result.summary()}; open {result.index}")
    if result.account is not None:
        seen = " (see the warning above)" if result.account.alarming else ""
        print(f"{result.account.line()}{seen}")
    elif result.account_line:
        print(result.account_line)
    for failed in result.failed:
        print(f"failed: {failed.title}: {failed.error}", file=sys.stderr)
    for pdf in result.pdfs:
        if pdf.status != "ok":
            print(f"failed: {pdf.title}: {pdf.error}", file=sys.stderr)
    return 0 if result.ok else 1


@dataclass
class _Checked:
    """What ``readiness validate`` found in one file."""

    path: Path
    problems: list[Problem] = field(default_factory=list)  # rejected rows, or the file
    warnings: list[Problem] = field(default_factory=list)
    read: int | None = None  # rows read; None when the file as a whole cannot be used
    kept: int = 0
    rejected: int = 0
    blank: int = 0  # blank rows set aside: neither kept nor rejected
    account: object = None  # the RowAccount of io.clean (imported when used)
    redacted: list[str] = field(default_factory=list)  # spans redacted, as build notes them

    @property
    def invalid(self) -> bool:
        return self.read is None or self.rejected > 0


def _validate(args) -> int:
    from readiness_analysis.spec.instrument import load_instrument

    instrument = load_instrument(args.instrument)
    if args.problems_out is not None:
        _check_output(args.problems_out, args.files, force=args.force)
    checked = [_check(path, instrument, args.invalid_answers) for path in args.files]
    for found in checked:
        _show(found, args.problems_out)
    if args.problems_out is not None:
        _write_problems(args.problems_out, checked)
        print(f"every problem written to {args.problems_out}", file=sys.stderr)
    return 1 if any(found.invalid for found in checked) else 0


def _check(path: Path, instrument, invalid_answers: str = "reject") -> _Checked:
    """Clean one export as a build would, with the same screening for personal data.

    The names of ``redact_names.txt`` beside the file are redacted as a build redacts
    those of the raw folder (``io.redact``), in the messages and the rejected rows alike.
    """
    from readiness_analysis.io.clean import clean_scan
    from readiness_analysis.io.redact import Redactor, load_names
    from readiness_analysis.io.scan import read_scan

    try:
        redactor = Redactor(load_names(path.parent))
        result = clean_scan(read_scan(path), instrument, key=b"validate-only",
                            invalid_answers=invalid_answers, redactor=redactor)
    except DataValidationError as exc:
        return _Checked(path, list(exc.problems))
    notes = [n.replace("listed in redactions.csv", "a build lists them in redactions.csv")
             for n in redactor.notes()]
    return _Checked(path, result.problems, result.warnings, result.n_raw,
                    len(result.responses), len(result.rejected), result.n_blank,
                    result.account, notes)


def _show(found: _Checked, out: Path | None) -> None:
    """The first problems of one file, a summary of the rest, and its row counts."""
    lines = [f"{p} [warning]" for p in found.warnings] + [str(p) for p in found.problems]
    for line in lines[:SHOWN_PROBLEMS]:
        print(line)
    if len(lines) > SHOWN_PROBLEMS:
        where = (f"all are in {out}" if out is not None
                 else "write them all to a CSV file with --problems-out FILE")
        print(f"… {len(lines) - SHOWN_PROBLEMS:,} more not shown ({where})")
        _show_kinds(found.problems)
    if found.read is None:
        print(f"{found.path}: the file cannot be used as it is "
              f"({plural(len(found.problems), 'problem')})", file=sys.stderr)
        return
    blank = f", {found.blank:,} blank (not respondents)" if found.blank else ""
    cells = found.account.missing_cells if found.account is not None else 0
    missing = f", {plural(cells, 'answer')} set to missing" if cells else ""
    print(f"{found.path}: {plural(found.read, 'row')} read: "
          f"{plural(found.kept, 'valid row')}, {found.rejected:,} rejected{blank}{missing} "
          f"({plural(len(found.problems), 'problem')})", file=sys.stderr)
    for note in found.redacted:
        print(f"personal data screened: {note}", file=sys.stderr)
    if found.account is not None:
        from readiness_analysis.io.clean import check_account

        check_account(found.account)  # a warning when many rows or answers went wrong
    if found.rejected:
        print("hint: correct these rows in the export and validate again; a build leaves "
              "rejected rows out of every report", file=sys.stderr)


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_CELLS = re.compile(r"\b\d+( of \d+)? cells\b")


def _problem_kind(problem: Problem) -> str:
    """A problem without its particular values: the column and the message's pattern.

    Examples
    --------
    >>> _problem_kind(Problem("s.csv", 4, "def_1", "value '9' is outside the scale 1-5"))
    "def_1: value '…' is outside the scale 1-5"
    >>> _problem_kind(Problem("s.csv", 7, None, "row has 40 cells, the header has 38"))
    'row has N cells, the header has 38'
    """
    what = _CELLS.sub("N cells", _QUOTED.sub("'…'", problem.message))
    return f"{problem.column}: {what}" if problem.column else what


def _show_kinds(problems: list[Problem]) -> None:
    kinds = Counter(_problem_kind(p) for p in problems)
    print(f"{plural(len(problems), 'problem')} by column and kind:")
    for kind, count in kinds.most_common(SHOWN_KINDS):
        print(f"  {count:>9,}  {kind}")
    rest = kinds.most_common()[SHOWN_KINDS:]
    if rest:
        print(f"  {sum(c for _, c in rest):>9,}  in {len(rest):,} other kinds")


def _check_output(out: Path, files: list[Path], *, force: bool = False,
                  folders: list[Path] = ()) -> None:
    """Refuse a ``--problems-out`` file that could destroy a user's file.

    Refused: an existing file unless ``force``; always a file that is one of the files
    being checked (also through a symbolic or hard link), or that lies in the folder of a
    checked file (the raw folder, with the user's own exports) or below it, or in one of
    ``folders`` (the raw folder of a build) or below it.

    Examples
    --------
    >>> _check_output(Path("raw/problems.csv"), [Path("raw/scan.csv")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    readiness_analysis.core.errors.ReadinessError: raw/problems.csv: --problems-out lies in raw, ...
    """
    target = out.parent.resolve() / out.name
    for path in files:
        if out.exists() and path.exists() and os.path.samefile(out, path):
            raise ReadinessError("--problems-out names a file that is being checked",
                                 file=out, hint="write the problems to another file")
        raw = path.resolve().parent
        if target.is_relative_to(raw) or out.resolve().is_relative_to(raw):
            raise ReadinessError(
                f"--problems-out lies in {path.parent}, the folder of the checked file "
                f"{path}", file=out, hint="write the problems outside that folder")
    for folder in folders:
        raw = folder.resolve()
        if target.is_relative_to(raw) or out.resolve().is_relative_to(raw):
            raise ReadinessError(f"--problems-out lies in the raw folder {folder}", file=out,
                                 hint="write the problems outside the raw folder")
    if (out.exists() or out.is_symlink()) and not force:
        raise ReadinessError("--problems-out names a file that exists; it was not replaced",
                             file=out, hint="choose another file, or add --force")


def _write_problems(out: Path, checked: list[_Checked]) -> None:
    """Every problem of every file as CSV, defused for spreadsheet programs."""
    _write_problem_rows(out, [(severity, p) for found in checked
                              for severity, problems in (("warning", found.warnings),
                                                         ("error", found.problems))
                              for p in problems])


def _write_problem_rows(out: Path, problems: list[tuple[str, Problem]]) -> None:
    """``(severity, problem)`` pairs as a CSV of ``file, row, column, severity, problem, hint``."""
    import pandas as pd

    from readiness_analysis.core.files import write_csv

    rows = [{"file": p.file, "row": p.row,
             "column": None if p.column is None else shorten(p.column), "severity": severity,
             "problem": p.message, "hint": p.hint} for severity, p in problems]
    frame = pd.DataFrame(rows, columns=["file", "row", "column", "severity", "problem", "hint"])
    frame["row"] = frame["row"].astype("Int64")
    write_csv(out, frame)


def _synth(args) -> int:
    from readiness_analysis.io.synth import SynthDesign, write_synthetic_scan

    design = SynthDesign(args.institutions, args.respondents, args.waves, args.seed,
                         roles=_entries(args.roles), groups=_entries(args.groups))
    path = write_synthetic_scan(args.out, design, overwrite=args.force)
    print(f"synthetic data written to {path} (marked synthetic in {path.stem}.synthetic.json)")
    return 0


def _entries(option: str) -> tuple[str, ...]:
    """A comma-separated option as its entries, white space trimmed, empty ones dropped.

    Examples
    --------
    >>> _entries(" docent=6, student ,"), _entries("")
    (('docent=6', 'student'), ())
    """
    return tuple(part.strip() for part in option.split(",") if part.strip())


def _key(args) -> int:
    from readiness_analysis.build.keys import KEY_ENV, new_key

    key_file = new_key(args.processed, force=args.force)
    print(f"new pseudonym key written to {key_file} (owner-only); the next build gives "
          f"every respondent a new pseudonym")
    if KEY_ENV in os.environ:
        print(f"warning: {KEY_ENV} is set: builds use it, not this file", file=sys.stderr)
    return 0


def _os_error_line(exc: OSError) -> str:
    """An operating-system error as one located line with a hint.

    Examples
    --------
    >>> _os_error_line(FileNotFoundError(2, "No such file or directory", "raw/scan.csv"))
    'raw/scan.csv: No such file or directory (check the path)'
    """
    from readiness_analysis.core.files import explained_os_error

    where = exc.filename if exc.filename is not None else None
    if where is not None:
        located = explained_os_error(exc, where)
        if located is not None:
            return str(located)
    hint = "check the path" if isinstance(exc, FileNotFoundError) else "check the file and folder"
    text = exc.strerror or str(exc)
    return f"{where}: {text} ({hint})" if where else f"{text} ({hint})"


def _check_environment() -> None:
    """Refuse an invalid ``SOURCE_DATE_EPOCH`` before a library import trips over it.

    numpy reads the variable when it is imported and fails with a bare ``ValueError``.
    """
    from readiness_analysis.core.clock import build_time

    build_time()


@contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Print the package's warnings as ``warning: message`` lines on stderr, when issued.

    Every row account warning is shown (not only the first per place in the code); other
    warnings keep Python's usual display.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("always", AccountingWarning)
        shown = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None) -> None:
            if issubclass(category, ReadinessWarning):
                print(f"warning: {message}", file=sys.stderr)
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


def _list_problems(exc: ReadinessError) -> None:
    """The further problems of a :class:`DataValidationError`, at most ``SHOWN_PROBLEMS``.

    Its one-line message names the first problem and how many more there are (e.g. every
    code of a QDA export that is not in the codebook); they are listed below it.
    """
    problems = exc.problems[1:] if isinstance(exc, DataValidationError) else ()
    for problem in problems[: SHOWN_PROBLEMS - 1]:
        print(f"  {problem}", file=sys.stderr)
    if len(problems) > SHOWN_PROBLEMS - 1:
        print(f"  ... and {len(problems) - SHOWN_PROBLEMS + 1} more", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``readiness`` command; returns the exit code.

    Examples
    --------
    >>> main(["--version"])  # doctest: +SKIP
    readiness 0.1.0
    """
    args = _parser().parse_args(argv)
    handlers = {"build": _build, "validate": _validate, "synth": _synth, "key": _key}
    try:
        _check_environment()
        with _warnings_as_lines():
            return handlers[args.command](args)
    except AccountingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_STRICT
    except ReadinessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        _list_problems(exc)
        return 2
    except OSError as exc:
        print(f"error: {_os_error_line(exc)}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # a build stopped by SIGINT or SIGTERM, or Ctrl-C
        line = getattr(exc, "line", lambda: "interrupted")()
        print(line, file=sys.stderr)
        return getattr(exc, "exit_code", 130)


if __name__ == "__main__":
    sys.exit(main())
