"""Parallel builds: with several workers, incrementally or on a dask cluster, every report
is built, and a report that fails fails alone (issue 8).

A report that fails in a parallel build fails alone (the others are written and the build
says which one failed); an incremental build renders exactly the reports whose inputs
changed; the dask executor renders on a local cluster, and an unreachable scheduler is one
clear error.
"""

import json
import re
import shutil

import nbformat
import pandas as pd
import pytest

from readiness_analysis.build.pipeline import build
from readiness_analysis.cli import main
from readiness_analysis.core.errors import RenderError
from readiness_analysis.io.synth import SynthDesign, write_synthetic_scan

from ..paths import RAW

pytestmark = pytest.mark.notebooks
LETTERS = "ABCDEFGHIJKL"


def _raw(folder, institutions, own_fragments=()):
    """Synthetic scan data plus the demo fragments; ``own_fragments`` are given to B."""
    write_synthetic_scan(folder / "scan_responses.csv",
                         SynthDesign(institutions=institutions, respondents=6, seed=1))
    fragments = pd.read_csv(RAW / "fragments.csv", dtype=str, keep_default_na=False)
    fragments.loc[fragments["fragment_id"].isin(own_fragments), "institution"] = "Instelling B"
    fragments.to_csv(folder / "fragments.csv", index=False)
    return folder


def _manifest(reports):
    return json.loads((reports / "manifest.json").read_text(encoding="utf-8"))["reports"]


def test_parallel_build_of_12_institutions_isolates_the_failing_one(tmp_path, capsys,
                                                                    notebooks_dir):
    raw = _raw(tmp_path / "raw", 12)
    notebooks = tmp_path / "notebooks"
    shutil.copytree(notebooks_dir, notebooks)
    nb = nbformat.read(notebooks / "institution_report.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        'if institution == "Instelling E":\n    raise RuntimeError("broken on purpose")'))
    nbformat.write(nb, notebooks / "institution_report.ipynb")
    reports = tmp_path / "r"

    code = main(["build", "--raw", str(raw), "--processed", str(tmp_path / "p"),
                 "--reports", str(reports), "--notebooks", str(notebooks), "--jobs", "2"])
    out, err = capsys.readouterr()

    assert code == 1
    written = sorted(p.name for p in (reports / "institutions").glob("*.html"))
    assert written == [f"instelling-{c.lower()}.html" for c in LETTERS if c != "E"]
    assert (reports / "study.html").is_file()
    entries = {e["title"]: e for e in _manifest(reports)}
    assert len(entries) == 13 and all(e["rendered"] for e in entries.values())
    failed = entries["Instelling E"]
    assert failed["status"] == "failed" and failed["output_sha256"] is None
    assert "RuntimeError: broken on purpose" in failed["error"]
    assert [e["status"] for e in entries.values()].count("ok") == 12
    assert all(re.fullmatch(r"[0-9a-f]{64}", e["input_hash"]) for e in entries.values())
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "Instelling E" in index and "broken on purpose" in index and "mislukt" in index
    assert 'href="institutions/instelling-e.html"' not in index
    assert 'href="institutions/instelling-l.html"' in index
    # stderr is not a terminal here: plain progress lines, no bar, then the summary
    assert "\r" not in err and "rendering 13 of 13 reports, 0 up to date (why: new (13))" in err
    progress = [line for line in err.splitlines() if re.match(r"\[\d+/13\] ", line)]
    assert len(progress) == 13
    assert all(re.search(r"\| \d+:\d\d elapsed, ~\d+:\d\d left$", line) for line in progress)
    assert "failed: Instelling E: " in err
    assert re.search(r"^13 reports: 12 rendered, 1 failed, 0 skipped \(up to date\) in [\d.]+ s; "
                     r"open .*index\.html$", out, re.MULTILINE)


def _tiny_notebooks(folder):
    """Report notebooks that only print their parameters: the build machinery, fast."""
    folder.mkdir()
    for name, params in (("institution_report.ipynb", 'institution = "Instelling A"\n'),
                         ("study_report.ipynb", "")):
        cell = nbformat.v4.new_code_cell(params + 'processed_dir = "."\nlang = "nl"')
        cell.metadata["tags"] = ["parameters"]
        show = "institution" if params else "'studie'"
        nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell(
            f"print('rapport', {show}, lang)")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nbformat.write(nb, folder / name)
    return folder


def _html(reports):
    return {p.relative_to(reports).as_posix(): p.read_bytes() for p in reports.rglob("*.html")}


def _rendered(result):
    return sorted(r.title for r in result.reports if r.rendered)


def _changed_parts(before, after):
    """Which input parts differ between two manifests (to explain a failing assertion)."""
    old = {e["path"]: e["input_parts"] for e in before}
    return {e["path"]: sorted(k for k, v in e["input_parts"].items() if old[e["path"]].get(k) != v)
            for e in after if e["path"] in old}


def test_incremental_builds_render_only_what_changed(tmp_path):
    raw = _raw(tmp_path / "raw", 3, own_fragments=("Q01", "Q02"))
    processed, reports = tmp_path / "p", tmp_path / "r"

    def again(**options):
        return build(raw, processed, reports, notebooks_dir=tmp_path / "nb", progress=False,
                     **options)

    _tiny_notebooks(tmp_path / "nb")
    first = again()
    assert first.ok and _rendered(first) == ["Instelling A", "Instelling B", "Instelling C",
                                             "Studierapport"]
    before, manifest = _html(reports), _manifest(reports)
    manifest_bytes = (reports / "manifest.json").read_bytes()

    unchanged = again()
    assert unchanged.ok and _rendered(unchanged) == [], _changed_parts(manifest,
                                                                      _manifest(reports))
    assert len(unchanged.skipped) == 4
    assert unchanged.summary().startswith("4 reports: 0 rendered, 0 failed, 4 skipped")
    # nothing changed: nothing written, the manifest of the build that rendered them stays
    assert (reports / "manifest.json").read_bytes() == manifest_bytes
    assert _html(reports) == before  # reports and index byte for byte
    assert unchanged.wall_s < first.wall_s

    # B's own interview fragment reworded: only B (and the study report) render again
    fragments = pd.read_csv(raw / "fragments.csv", dtype=str, keep_default_na=False)
    fragments.loc[fragments["fragment_id"] == "Q01", "text"] = "Anders geformuleerd."
    fragments.to_csv(raw / "fragments.csv", index=False)
    assert _rendered(again()) == ["Instelling B", "Studierapport"]

    # one answer of C changed, only C asked for: C renders, A and B stay listed as they were
    scan = pd.read_csv(raw / "scan_responses.csv")
    row = scan.index[scan["institution"] == "Instelling C"][0]
    scan.loc[row, "def_1"] = 1 if scan.loc[row, "def_1"] != 1 else 5
    scan.to_csv(raw / "scan_responses.csv", index=False)
    only_c = again(institutions=["Instelling C"])
    assert _rendered(only_c) == ["Instelling C", "Studierapport"]
    listed = {e["title"]: e["rendered"] for e in _manifest(reports)}
    assert listed == {"Studierapport": True, "Instelling A": False, "Instelling B": False,
                      "Instelling C": True}

    # the full build catches up: C's answer moved the pooled figures A and B show
    assert _rendered(again()) == ["Instelling A", "Instelling B"]
    assert _rendered(again(force=True, institutions=["Instelling A"])) == [
        "Instelling A", "Studierapport"]


def test_dask_executor_on_a_local_cluster(tmp_path, notebooks_dir):
    distributed = pytest.importorskip("distributed")
    raw = _raw(tmp_path / "raw", 2)
    reports = tmp_path / "r"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        result = build(raw, tmp_path / "p", reports, notebooks_dir=notebooks_dir,
                       scheduler=cluster.scheduler_address, progress=False)
    assert result.ok and _rendered(result) == ["Instelling A", "Instelling B", "Studierapport"]
    entries = _manifest(reports)
    assert [e["path"] for e in entries] == ["study.html", "institutions/instelling-a.html",
                                            "institutions/instelling-b.html"]
    assert all(e["status"] == "ok" and e["rendered"] and e["duration_s"] > 0 for e in entries)
    text = (reports / "institutions" / "instelling-b.html").read_text(encoding="utf-8")
    assert "Instelling B" in text and "Instelling A" not in text


def test_unreachable_dask_scheduler_is_one_clear_error():
    pytest.importorskip("distributed")
    from readiness_analysis.build.executors import DaskExecutor

    with pytest.raises(RenderError, match="cannot reach the Dask scheduler"):
        DaskExecutor("tcp://127.0.0.1:9", timeout="1s")
