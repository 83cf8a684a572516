"""The whole pipeline: raw data → processed data → reports, index and manifest.

Builds are incremental: a report whose inputs did not change since the last build is
kept, not rendered again (see :mod:`readiness_analysis.build.incremental` for what counts as
an input, and :class:`readiness_analysis.build.jobs.ReportResult` for the manifest fields).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from readiness_analysis.build import unchanged
from readiness_analysis.build.batch import render_all
from readiness_analysis.build.executors import make_executor
from readiness_analysis.build.incremental import (
    Fingerprint,
    fingerprints,
    previous_entries,
    up_to_date,
)
from readiness_analysis.build.interrupt import BuildInterrupted, stop_on_signals
from readiness_analysis.build.jobs import ReportJob, ReportResult, slugify
from readiness_analysis.build.kernel import runtime_folder
from readiness_analysis.build.lock import build_locks
from readiness_analysis.build.notebooks import (
    INSTITUTION_NOTEBOOK,
    STUDY_NOTEBOOK,
    default_notebooks_dir,
    notebook_imports,
)
from readiness_analysis.build.pdf import (
    PdfResult,
    find_chromium,
    pdf_is_current,
    pdf_path,
    write_pdfs,
)
from readiness_analysis.build.prepare import Prepared, absolute_path, prepare, pseudonym_key
from readiness_analysis.build.progress import Progress
from readiness_analysis.core.clock import build_time
from readiness_analysis.core.errors import Problem, ReadinessError
from readiness_analysis.core.files import file_sha256, finish_staged, write_json
from readiness_analysis.core.tables import DOCUMENTS_FILE, FRAGMENTS_FILE
from readiness_analysis.core.version import package_version
from readiness_analysis.io.clean import RowAccount
from readiness_analysis.io.institutions import institution_key, load_aliases, normalise_institution
from readiness_analysis.io.qda_fragments import find_qda_export
from readiness_analysis.report.page import index_body, write_page
from readiness_analysis.report.text import DEFAULT_LANGUAGE, languages, text
from readiness_analysis.spec.codebook import DEFAULT_CODEBOOK
from readiness_analysis.spec.instrument import load_instrument
from readiness_analysis.spec.study import study_for

__all__ = [
    "BuildResult",
    "build",
    "check_output_folders",
    "default_notebooks_dir",
    "remove_stale_temporaries",
    "report_file",
]

# Temporary files of the atomic writers: ``.<name>.tmp`` and ``.<name>.<8 random>.tmp``
# (tempfile.mkstemp), where <name> is a file the build writes.
_TEMPORARY = re.compile(r"\.(?P<name>.+\.(?:html|json|csv|parquet|pdf))(?:\.[a-z0-9_]{8})?\.tmp",
                        re.IGNORECASE)


@dataclass(frozen=True)
class BuildResult:
    """Outcome of :func:`build`: one result per selected report; ``ok`` when none failed."""

    reports: list[ReportResult]
    reports_dir: Path
    wall_s: float = 0.0
    account: RowAccount | None = None  # where the scan's rows went (see prepare)
    problems: tuple[Problem, ...] = ()  # every problem that rejected a row of the scan
    warnings: tuple[Problem, ...] = ()  # located problems that rejected no row
    pdfs: tuple[PdfResult, ...] = ()  # with pdf=True: the PDF of each report that is ok
    # A build that found nothing changed has no account; it repeats the recorded line.
    account_line: str = ""

    @property
    def ok(self) -> bool:
        """True when every report rendered (or was up to date), and every PDF asked for."""
        return (all(r.status == "ok" for r in self.reports)
                and all(p.status == "ok" for p in self.pdfs))

    @property
    def failed(self) -> list[ReportResult]:
        """The reports that failed."""
        return [r for r in self.reports if r.status != "ok"]

    @property
    def rendered(self) -> list[ReportResult]:
        """The reports this build rendered successfully."""
        return [r for r in self.reports if r.rendered and r.status == "ok"]

    @property
    def skipped(self) -> list[ReportResult]:
        """The reports kept from an earlier build because their inputs had not changed."""
        return [r for r in self.reports if not r.rendered]

    @property
    def index(self) -> Path:
        """The index page of this build's language (see :func:`report_file`).

        Examples
        --------
        >>> en = ReportResult(None, "Study report", "study.en.html", "ok", None, {"lang": "en"})
        >>> BuildResult([en], Path("r")).index.name, BuildResult([], Path("r")).index.name
        ('index.en.html', 'index.html')
        """
        langs = {(r.parameters or {}).get("lang", DEFAULT_LANGUAGE) for r in self.reports}
        lang = langs.pop() if len(langs) == 1 else DEFAULT_LANGUAGE
        return self.reports_dir / report_file("index", lang)

    def summary(self) -> str:
        """One line: how many reports rendered, failed and were skipped, and the wall time.

        Examples
        --------
        >>> ok = ReportResult(None, "Study", "study.html", "ok", None, {})
        >>> BuildResult([ok, replace(ok, rendered=False)], Path("r"), 3.21).summary()
        '2 reports: 1 rendered, 0 failed, 1 skipped (up to date) in 3.2 s'
        """
        return unchanged.summary(len(self.reports), len(self.rendered), len(self.failed),
                                 len(self.skipped), self.wall_s)


def build(
    raw_dir: str | Path = "data/raw",
    processed_dir: str | Path = "data/processed",
    reports_dir: str | Path = "reports",
    *,
    notebooks_dir: str | Path | None = None,
    instrument: str | Path | None = None,
    study: str | Path | None = None,
    institutions: list[str] | None = None,
    lang: str = DEFAULT_LANGUAGE,
    jobs: int = 1,
    force: bool = False,
    scheduler: str | None = None,
    progress: bool = True,
    weighted: bool = False,
    cell_timeout: int | None = None,
    invalid_answers: str = "reject",
    strict: bool = False,
    case_variable: str | None = None,
    pdf: bool = False,
    skip_unchanged: bool = True,
) -> BuildResult:
    """Run every stage and write the reports, ``index.html`` and ``manifest.json``.

    Parameters
    ----------
    raw_dir, processed_dir, reports_dir : path
        Where the inputs, processed data and reports are.
    notebooks_dir : path, optional
        Where the report notebooks are; default: see :func:`default_notebooks_dir`.
    instrument : path, optional
        Instrument YAML; default: the one shipped with the package.
    study : path, optional
        Study YAML (see :mod:`readiness_analysis.spec.study`); default: the Blended
        Learning guide with the shipped instrument, a study without recommendations,
        sub-questions or quotes with any other.
    institutions : list of str, optional
        Render only these institution reports (the study report is always rendered); the
        other reports of earlier builds stay in the manifest and index as they were.
    lang : str
        Report language: one of :func:`readiness_analysis.report.text.languages` (the
        catalogue files present; ``nl`` and ``en`` ship with the package).
    jobs : int
        Reports rendered at the same time: worker processes (one warm kernel each), or
        the workers of ``scheduler="local"``.
    force : bool
        Render every report, also those whose inputs did not change.
    scheduler : str, optional
        Render on Dask: a scheduler address, or ``"local"`` for a local cluster
        (needs ``pip install readiness-analysis[dask]``).
    progress : bool
        Show progress on stderr.
    weighted : bool
        Weight interviews by their number of teachers (``n_teachers``) in the summaries.
        Recorded in ``provenance.json``; changing it renders every report again.
    cell_timeout : int, optional
        Seconds one notebook cell may run; a report with a cell that runs longer fails
        with a message naming the cell, the other reports still render. Default: no limit.
    invalid_answers : {"reject", "missing"}
        An invalid item answer rejects its row (default) or is set to missing with a
        located warning (see :func:`readiness_analysis.io.clean.clean_scan`). Recorded in
        ``provenance.json``; changing it renders every report again.
    strict : bool
        Stop with :class:`~readiness_analysis.core.errors.AccountingError`, before any
        processed file or report is written, where the row account would only warn:
        more than :data:`readiness_analysis.io.clean.ALARM_SHARE` of the rows rejected
        or with answers set to missing (see :func:`readiness_analysis.io.clean.check_account`).
    case_variable : str, optional
        The case or document variable of a QDA export that holds the institution (e.g.
        a MAXQDA document variable); an error lists the variables when there is none so
        named. Default: the project's cases.
    pdf : bool
        Also print a PDF of every report that is ok, beside its HTML file, with headless
        Chromium (:mod:`readiness_analysis.build.pdf`); a missing browser stops the build
        before it starts, a PDF that fails makes the build not ``ok``. The manifest's
        ``pdfs`` lists them.
    skip_unchanged : bool
        When nothing changed since the last build (raw files, instrument, study,
        notebooks, options, package, pseudonym key; see
        :mod:`readiness_analysis.build.unchanged`), return at once: no data stage, no
        fingerprints, no file written. Never with ``force``, ``pdf`` or ``institutions``.

    Returns
    -------
    BuildResult
        With ``account``, the row account (:class:`readiness_analysis.io.clean.RowAccount`).

    Notes
    -----
    Every path is made absolute once, on entry (:func:`~.prepare.absolute_path`: not
    resolved, links kept), so that what the build records (the instrument and study in
    ``provenance.json``, the notebooks' parameters) names the same files from the
    notebooks' working folder. A build refuses a processed or report folder that is,
    contains or lies inside the raw folder (see :func:`check_output_folders`), and runs
    only while it holds the locks of its processed and report folders (see
    :func:`readiness_analysis.build.lock.build_locks`): a second build on either folder
    stops with a message naming the first. It then
    removes temporary files that an interrupted build left in the report and processed
    folders (see :func:`remove_stale_temporaries`). The report kernels start and import
    the report modules while the data stage runs
    (:meth:`~.executors.Executor.warm_up`). Kernels keep their
    connection files and IPython's and matplotlib's state in a runtime folder of the
    build's own, removed at the end (:func:`readiness_analysis.build.kernel.runtime_folder`).
    SIGINT or SIGTERM stops the build within seconds:
    :class:`~.interrupt.BuildInterrupted` is raised after the kernels are killed and the
    index and manifest of the reports that are complete are written (earlier versions of
    reports not rendered are kept).

    Examples
    --------
    >>> result = build("data/raw", "data/processed", "reports", jobs=2)  # doctest: +SKIP
    >>> result.ok, result.summary()  # doctest: +SKIP
    (True, '4 reports: 4 rendered, 0 failed, 0 skipped (up to date) in 9.8 s')
    """
    start = time.perf_counter()
    if lang not in languages():
        raise ReadinessError(f"unknown language {lang!r}",
                             hint=f"use one of: {', '.join(languages())}")
    build_time()  # an invalid SOURCE_DATE_EPOCH stops the build now, not at the manifest
    browser = find_chromium() if pdf else None  # no browser: say so before the long part
    # Every path absolute once, before anything stores it: the notebooks run elsewhere.
    raw_dir, processed_dir, reports = map(absolute_path, (raw_dir, processed_dir, reports_dir))
    instrument, study = (None if p is None else absolute_path(p) for p in (instrument, study))
    check_output_folders(raw_dir, processed_dir, reports)
    notebooks = absolute_path(default_notebooks_dir() if notebooks_dir is None
                              else notebooks_dir)
    _check_notebooks(notebooks)
    inst = load_instrument(instrument)
    chosen_study = study_for(inst, study)
    # Stopped by SIGINT/SIGTERM: BuildInterrupted, after the kernels are killed and what
    # is complete is recorded; the lock and the runtime folder go, also then.
    with (stop_on_signals(), runtime_folder(), build_locks(processed_dir, reports),
          contextlib.ExitStack() as stack):
        pseudonym_key(processed_dir)  # made now if new, so that the build key covers it
        key, same = unchanged.check(raw_dir, processed_dir, reports, notebooks_dir=notebooks,
                                    instrument=instrument, study=study, lang=lang,
                                    weighted=weighted, invalid_answers=invalid_answers,
                                    strict=strict, case_variable=case_variable)
        if same is not None and skip_unchanged and not (force or pdf or institutions):
            return _unchanged_result(same, reports, start, progress)
        removed = remove_stale_temporaries(reports, processed_dir, raw_dir=raw_dir)
        # Made before the data stage, so that the kernels start meanwhile; the number of
        # reports is known only after it, except when institutions are chosen.
        workers = jobs if institutions is None else min(jobs, len(institutions) + 1)
        executor = stack.enter_context(make_executor(workers, scheduler))
        executor.warm_up(notebooks, notebook_imports(notebooks))
        prepared = prepare(raw_dir, processed_dir, instrument=inst, study=chosen_study,
                           weighted=weighted,
                           invalid_answers=invalid_answers, strict=strict,
                           case_variable=case_variable, progress=progress)
        chosen = _choose(prepared.institutions, institutions, load_aliases(raw_dir))
        every = _jobs(prepared.institutions, notebooks, reports, Path(processed_dir), lang,
                      chosen_study.title[lang])
        selected = [j for j in every if j.institution is None or j.institution in chosen]
        plan = _Plan.make(selected, Path(processed_dir), inst.source, reports, force,
                          study_files=chosen_study.files)
        inputs = _inputs(prepared, every)

        def record(position: int, result: ReportResult) -> None:
            i = plan.todo[position]
            plan.done[i] = replace(result, inputs=inputs, input_hash=plan.prints[i].digest,
                                   input_parts=plan.prints[i].parts)

        bar = Progress(len(plan.todo), enabled=progress)
        if removed:
            bar.note(f"removed {len(removed)} temporary files left by an interrupted build")
        for line in _input_notes(Path(raw_dir)):
            bar.note(line)
        bar.note(plan.line())
        try:
            render_all([selected[i] for i in plan.todo], reports_dir=reports,
                       executor=executor, progress=bar, on_result=record,
                       cell_timeout=cell_timeout)
        except BuildInterrupted as stop:
            stop.kept = len(_record(reports, every, selected, plan, lang, prepared)[1])
            stop.not_rendered = sum(i not in plan.done for i in plan.todo)
            raise
        except BaseException:  # what finished is recorded, the rest renders next time
            _record(reports, every, selected, plan, lang, prepared)
            raise
        results, listed = _record(reports, every, selected, plan, lang, prepared)
        pdfs = () if browser is None else _pdf_stage(results, reports, browser, jobs, progress)
        if key and institutions is None and all(r.status == "ok" for r in listed):
            unchanged.remember(reports, processed_dir, lang=lang, key=key,
                               index=reports / report_file("index", lang),
                               study_files=chosen_study.files,
                               account=prepared.account.line() if prepared.account else "")
        return BuildResult(results, reports, round(time.perf_counter() - start, 2),
                           prepared.account, tuple(prepared.clean.problems),
                           tuple(prepared.clean.warnings), pdfs)


def _unchanged_result(same: unchanged.Unchanged, reports: Path, start: float,
                      progress: bool) -> BuildResult:
    """The result of a build that found nothing changed: every report kept as listed."""
    kept = [replace(_entry_result(e), rendered=False) for e in same.entries]
    if progress:
        print(unchanged.NOTHING_CHANGED, file=sys.stderr)
    return BuildResult(kept, reports, round(time.perf_counter() - start, 2),
                       account_line=same.account)


def _pdf_stage(results: list[ReportResult], reports: Path, browser: str, jobs: int,
               progress: bool) -> tuple[PdfResult, ...]:
    """Print the PDFs (:func:`~readiness_analysis.build.pdf.write_pdfs`), list them in the manifest.

    The manifest's ``pdfs``: per PDF its report, path, status, error, and whether this
    build made it (``made``) or kept an up-to-date one.
    """
    try:
        pdfs = tuple(write_pdfs(results, reports, browser=browser, jobs=jobs,
                                progress=progress))
    except BuildInterrupted as stop:  # every report is complete; the PDFs stopped
        stop.kept, stop.not_rendered = len(results), 0
        raise
    manifest = json.loads((reports / "manifest.json").read_text("utf-8"))
    printed = {p.report for p in pdfs}
    # Other languages' reports in the folder (see report_file) keep their current PDFs listed.
    kept = [{"report": r["path"], "path": pdf_path(r["path"]).as_posix(), "status": "ok",
             "error": None, "made": False} for r in manifest["reports"]
            if r["path"] not in printed and pdf_is_current(reports / r["path"])]
    manifest["pdfs"] = sorted([p.entry() for p in pdfs] + kept, key=lambda e: e["path"])
    write_json(reports / "manifest.json", manifest)
    return pdfs


def _record(reports: Path, every: list[ReportJob], selected: list[ReportJob], plan: _Plan,
            lang: str, prepared: Prepared) -> tuple[list[ReportResult], list[ReportResult]]:
    """Write the index and manifest; return this build's results and every listed report.

    A report not rendered (an interrupted build) keeps the entry of its earlier version,
    when its file is still there: the manifest describes the files beside it. So do the
    reports of other languages in the same folder (see :func:`report_file`): the index
    lists this language's reports, the manifest every report of the folder.
    """
    results = [plan.done[i] for i in range(len(selected)) if i in plan.done]
    listed = _with_unselected(every, results, plan.previous, reports)
    _write_index(reports, listed, lang, prepared, every[0].site_name)  # the study's job first
    _write_manifest(reports, listed + _other_languages(plan.previous, every, lang, reports))
    return results, listed


@dataclass
class _Plan:
    """Which of the selected reports are up to date (``done``) and which render (``todo``)."""

    jobs: list[ReportJob]
    prints: list[Fingerprint]
    previous: dict[str, dict]
    done: dict[int, ReportResult]
    todo: list[int]
    why: str

    @classmethod
    def make(cls, jobs: list[ReportJob], processed: Path, instrument_source: str,
             reports: Path, force: bool, study_files: tuple[str, ...] = ()) -> _Plan:
        prints = fingerprints(jobs, processed, instrument_source=instrument_source,
                              codebook_source=f"<package>/{DEFAULT_CODEBOOK}",
                              study_files=study_files)
        previous = previous_entries(reports)
        done = _kept(jobs, prints, {} if force else previous, reports)
        todo = [i for i in range(len(jobs)) if i not in done]
        why = "forced" if force else _why([jobs[i] for i in todo], [prints[i] for i in todo],
                                          previous, reports)
        return cls(jobs, prints, previous, done, todo, why)

    def line(self) -> str:
        """What this build renders and why, in one line."""
        total, todo = len(self.jobs), len(self.todo)
        if not todo:
            return f"all {total} reports up to date: nothing to render"
        return f"rendering {todo} of {total} reports, {total - todo} up to date (why: {self.why})"


def _check_notebooks(notebooks: Path) -> None:
    for name in (STUDY_NOTEBOOK, INSTITUTION_NOTEBOOK):
        if not (notebooks / name).is_file():
            raise ReadinessError(
                f"report notebook {name} not found", file=notebooks,
                hint="run from the project folder or pass --notebooks",
            )


def check_output_folders(raw_dir: str | Path, processed_dir: str | Path,
                         reports_dir: str | Path) -> None:
    """Refuse a processed or report folder that is, contains or lies inside the raw folder.

    The raw folder holds the user's own exports, which a build only reads: an output
    folder that overlaps it could overwrite or clean away the user's files.

    Examples
    --------
    >>> check_output_folders("data/raw", "data/processed", "reports")
    >>> check_output_folders("data", "data/processed", "reports")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    readiness_analysis.core.errors.ReadinessError: the processed folder ... lies inside ...
    """
    raw = Path(raw_dir).resolve()
    for what, folder in (("processed", processed_dir), ("report", reports_dir)):
        out = Path(folder).resolve()
        if out == raw:
            how = "is"
        elif out.is_relative_to(raw):
            how = "lies inside"
        elif raw.is_relative_to(out):
            how = "contains"
        else:
            continue
        raise ReadinessError(
            f"the {what} folder {folder} {how} the raw folder {raw_dir}",
            hint=f"choose a {what} folder outside {raw_dir}, e.g. beside it",
        )


def remove_stale_temporaries(reports_dir: str | Path, processed_dir: str | Path, *,
                             raw_dir: str | Path | None = None) -> list[Path]:
    """Delete temporary files an interrupted build left behind; return the deleted paths.

    Only files named as the atomic writers name them are deleted: ``.<name>.tmp`` and
    ``.<name>.<8 random characters>.tmp``, where ``<name>`` ends in ``.html``, ``.json``,
    ``.csv`` or ``.parquet``, and only directly in the folders a build writes: the report
    folder, its ``institutions`` folder and the processed folder, never their other
    subfolders, and never a folder that is or lies inside ``raw_dir``. Symbolic links are
    left alone. A folder that does not exist is no error. A staging folder that an
    interrupted data stage left in the processed folder is completed when it was
    committed and removed when not (:func:`readiness_analysis.core.files.finish_staged`);
    it counts as one removed path.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in (".index.html.k3_x9a0q.tmp", ".manifest.json.tmp", "notes.tmp"):
    ...     _ = (folder / name).write_text("")
    >>> [p.name for p in remove_stale_temporaries(folder, folder / "none")]
    ['.index.html.k3_x9a0q.tmp', '.manifest.json.tmp']
    >>> sorted(p.name for p in folder.iterdir())
    ['notes.tmp']
    """
    reports = Path(reports_dir)
    raw = None if raw_dir is None else Path(raw_dir).resolve()
    candidates = []
    for folder in (reports, reports / "institutions", Path(processed_dir)):
        if not folder.is_dir() or (raw is not None and folder.resolve().is_relative_to(raw)):
            continue
        candidates += folder.glob(".*.tmp")
    removed = []
    for path in sorted(set(candidates)):
        if _TEMPORARY.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path)
    processed = Path(processed_dir)
    if raw is None or not processed.resolve().is_relative_to(raw):
        removed += finish_staged(processed)
    return removed


def _inputs(prepared: Prepared, jobs: list[ReportJob]) -> dict[str, str]:
    """SHA-256 of the raw files and the notebooks (the manifest's ``inputs``)."""
    inputs = dict(prepared.inputs)
    inputs.update({nb.name: file_sha256(nb) for nb in sorted({j.notebook for j in jobs})})
    return inputs


def _entry_result(entry: dict) -> ReportResult:
    """A manifest entry as a :class:`ReportResult` (keys it does not know left out)."""
    names = {f.name for f in fields(ReportResult)}
    return ReportResult(**{k: v for k, v in entry.items() if k in names})


def _result_from(entry: dict, job: ReportJob) -> ReportResult:
    """A manifest entry of an earlier build, as the result of a report kept unrendered."""
    return replace(_entry_result(entry), title=job.title, institution=job.institution,
                   rendered=False)


def _kept(jobs: list[ReportJob], prints: list[Fingerprint], previous: dict[str, dict],
          reports: Path) -> dict[int, ReportResult]:
    """The reports that are up to date, by position in ``jobs``."""
    kept = {}
    for i, (job, fingerprint) in enumerate(zip(jobs, prints, strict=True)):
        entry = previous.get(_rel(job, reports))
        if up_to_date(entry, fingerprint, reports):
            kept[i] = _result_from(entry, job)
    return kept


def _with_unselected(every: list[ReportJob], results: list[ReportResult],
                     previous: dict[str, dict], reports: Path) -> list[ReportResult]:
    """The results of this build plus the earlier reports it has no result for.

    Those are the reports of institutions not selected now, and, when the build was
    interrupted, the earlier versions of reports it did not get to.
    """
    by_path = {r.path: r for r in results}
    listed = []
    for job in every:
        path = _rel(job, reports)
        if path in by_path:
            listed.append(by_path[path])
        elif path in previous and (reports / path).is_file():
            listed.append(_result_from(previous[path], job))
    return listed


def _other_languages(previous: dict[str, dict], every: list[ReportJob], lang: str,
                     reports: Path) -> list[ReportResult]:
    """The earlier entries of reports in other languages than ``lang`` whose file is there.

    Examples
    --------
    >>> job = ReportJob("S", Path("s.ipynb"), Path("r/study.html"), {"lang": "nl"})
    >>> entry = {"institution": None, "title": "Study report", "path": "study.en.html",
    ...          "status": "ok", "error": None, "parameters": {"lang": "en"}}
    >>> _other_languages({"study.en.html": entry}, [job], "nl", Path("/nonexistent"))
    []
    """
    ours = {_rel(job, reports) for job in every}
    names = {f.name for f in fields(ReportResult)}
    return [replace(ReportResult(**{k: v for k, v in entry.items() if k in names}),
                    rendered=False)
            for path, entry in previous.items()
            if path not in ours and (entry.get("parameters") or {}).get("lang", lang) != lang
            and (reports / path).is_file()]


def _rel(job: ReportJob, reports: Path) -> str:
    return os.path.relpath(job.output, reports)


# What each fingerprint part (see readiness_analysis.build.incremental) means, for the line
# that says why reports render again.
_CHANGED = {"own": "own data changed", "pooled": "pooled figures changed",
            "shared": "shared inputs changed", "data": "study data changed"}


def _why(jobs: list[ReportJob], prints: list[Fingerprint], previous: dict[str, dict],
         reports: Path) -> str:
    """Why reports render again, counted: new, failed before, or the input parts that changed.

    Examples
    --------
    >>> job = ReportJob("S", Path("s.ipynb"), Path("r/s.html"), {})
    >>> entry = {"status": "ok", "input_parts": {"notebook": "1", "data": "1"}}
    >>> _why([job, job], [Fingerprint.of({"notebook": "2", "data": "1"})] * 2,
    ...      {"s.html": entry}, Path("r"))
    'notebook changed (2)'
    """
    counts: Counter[str] = Counter()
    for job, fingerprint in zip(jobs, prints, strict=True):
        entry = previous.get(_rel(job, reports))
        if not entry:
            counts["new"] += 1
        elif entry.get("status") != "ok":
            counts["failed before"] += 1
        else:
            before = entry.get("input_parts") or {}
            changed = [k for k, v in fingerprint.parts.items() if before.get(k) != v]
            counts.update([_CHANGED.get(k, f"{k} changed") for k in changed]
                          or ["report file changed since"])
    return ", ".join(f"{reason} ({n})" for reason, n in counts.most_common())

def _input_notes(raw: Path) -> list[str]:
    """What the build goes without, said before it starts (optional inputs that are absent)."""
    notes = []
    if not (raw / FRAGMENTS_FILE).is_file() and find_qda_export(raw) is None:
        notes.append(f"note: no coded interview fragments in {raw} ({FRAGMENTS_FILE} or a "
                     "QDA export): the reports show the scan only")
    if not (raw / DOCUMENTS_FILE).is_file():
        notes.append(f"note: no {DOCUMENTS_FILE} in {raw}: the reports show no document "
                     "inventory (sub-question 1)")
    return notes


def _choose(available: list[str], wanted: list[str] | None,
            aliases: dict[str, str] | None = None) -> list[str]:
    """The institutions asked for, matched as the cleaning matches names.

    Case, white space and the alias table do not matter, as when the data were cleaned.

    Examples
    --------
    >>> _choose(["Instelling A", "ROC van Amsterdam"], ["instelling  a", "ROCvA"],
    ...         {"rocva": "ROC van Amsterdam"})
    ['Instelling A', 'ROC van Amsterdam']
    """
    if not wanted:
        return available
    by_key = {institution_key(a): a for a in available}
    found = {w: by_key.get(institution_key(normalise_institution(w, aliases))) for w in wanted}
    unknown = [w for w, name in found.items() if name is None]
    if unknown:
        raise ReadinessError(
            f"unknown institution {unknown[0]!r}", hint=f"choose from: {', '.join(available)}"
        )
    return [a for a in available if a in found.values()]


def report_file(name: str, lang: str) -> str:
    """The file name of a report page in ``lang``: ``name.html``, ``name.<lang>.html``.

    Dutch, the default language, keeps the plain names of the design
    (``study.html``, ``institutions/<slug>.html``, ``index.html``); every other language
    writes beside them under its own names, so that ``build --lang en`` into the same
    report folder never overwrites the Dutch reports (nor they the English ones).

    Examples
    --------
    >>> report_file("study", "nl"), report_file("index", "en")
    ('study.html', 'index.en.html')
    """
    return f"{name}.html" if lang == DEFAULT_LANGUAGE else f"{name}.{lang}.html"


def _jobs(institutions: list[str], notebooks: Path, reports: Path, processed: Path,
          lang: str, title: str) -> list[ReportJob]:
    """The study report and one report per institution; pages named as their h1 (``title``)."""
    processed_abs = str(processed.resolve())
    jobs = [
        ReportJob(text("index.study_report", lang), notebooks / STUDY_NOTEBOOK,
                  reports / report_file("study", lang),
                  {"processed_dir": processed_abs, "lang": lang}, lang,
                  page_title=text("study_title", lang, title=title), site_name=title)
    ]
    slugs: set[str] = set()
    for name in institutions:
        slug = slugify(name)
        while slug in slugs:  # two names that slug alike still get two files
            slug += "-x"
        slugs.add(slug)
        jobs.append(
            ReportJob(name, notebooks / INSTITUTION_NOTEBOOK,
                      reports / "institutions" / report_file(slug, lang),
                      {"institution": name, "processed_dir": processed_abs, "lang": lang},
                      lang, institution=name, site_name=title,
                      page_title=text("institution_title", lang, title=title, institution=name))
        )
    return jobs


def _write_index(reports: Path, results: list[ReportResult], lang: str,
                 prepared: Prepared, study_title: str) -> None:
    synthetic = prepared_synthetic(prepared)
    note = text("synthetic", lang) if synthetic else None
    body = index_body(results, lang=lang, synthetic_note=note)
    index = report_file("index", lang)
    write_page(reports / index, title=text("index.title", lang, title=study_title), body=body,
               lang=lang, home=index, site_name=study_title)


def prepared_synthetic(prepared: Prepared) -> bool:
    """Whether the scan data behind a build came from the synthetic generator."""
    provenance = json.loads((prepared.processed_dir / "provenance.json").read_text("utf-8"))
    return bool(provenance.get("synthetic"))


def _write_manifest(reports: Path, results: list[ReportResult]) -> None:
    manifest = {
        "generated": build_time().isoformat(timespec="seconds"),
        "package_version": package_version(),
        "reports": [asdict(r) for r in results],
    }
    write_json(reports / "manifest.json", manifest)
