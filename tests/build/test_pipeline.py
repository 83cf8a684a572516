"""The whole build (build/pipeline.py): raw data → processed data → HTML reports.

The tests marked ``notebooks`` execute the real report notebooks; the build options at the
end (--weighted, --cell-timeout, the default notebook folder, the clean-up of temporary
files an interrupted build left behind) mostly render two tiny stand-in notebooks.
What the reports must show is tested in tests/e2e/, one property a file."""

import hashlib
import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

from readiness_analysis.build import notebooks as notebooks_module
from readiness_analysis.build import pipeline as build_module
from readiness_analysis.build.executors import InProcessExecutor
from readiness_analysis.build.pipeline import build, default_notebooks_dir, remove_stale_temporaries
from readiness_analysis.cli import main
from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.io.synth import SynthDesign, write_synthetic_scan


def _html(base, rel):
    return (base / "reports" / rel).read_text(encoding="utf-8")


@pytest.mark.notebooks
def test_demo_build_writes_every_report(demo_build):
    result, base = demo_build
    assert result.ok
    paths = sorted(r.path for r in result.reports)
    assert paths == ["institutions/instelling-a.html", "institutions/instelling-b.html",
                     "institutions/instelling-c.html", "study.html"]
    manifest = json.loads((base / "reports" / "manifest.json").read_text())
    entry = next(e for e in manifest["reports"] if e["institution"] == "Instelling B")
    assert entry["status"] == "ok" and entry["error"] is None
    assert entry["parameters"]["institution"] == "Instelling B"
    assert set(entry["inputs"]) >= {"scan_responses.csv", "fragments.csv", "documents.csv",
                                    "institution_report.ipynb", "study_report.ipynb"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", v) for v in entry["inputs"].values())
    assert entry["package_version"] and entry["duration_s"] > 0
    index = _html(base, "index.html")
    for path in paths:
        assert f'href="{path}"' in index


def test_pages_are_titled_and_headed_by_the_study_not_the_package(demo_build):
    _, base = demo_build
    study = "Gereedheid voor blended leren"
    for path, title in [("study.html", f"{study}: studierapport"),
                        ("institutions/instelling-b.html", f"{study}: Instelling B"),
                        ("index.html", f"{study}: rapportages")]:
        page = _html(base, path)
        assert f"<title>{title}</title>" in page, path
        assert re.search(rf'<header class="site">(<a [^>]*>)?{study}<', page), path
    assert "<h1>Gereedheid voor blended leren: Instelling B</h1>" in _html(
        base, "institutions/instelling-b.html")


def test_the_plans_the_kernels_made_are_the_plans_of_the_data(demo_build):
    """The build writes the plan each report's kernel made; it is the plan of the data."""
    from readiness_analysis.report.actions import PLAN_MIME, plan_files
    from readiness_analysis.report.data import load_report_data

    result, base = demo_build
    for report in (r for r in result.reports if r.institution):
        output = base / "reports" / report.path
        expected = plan_files(load_report_data(base / "processed", report.institution), output)
        assert expected and set(expected) == {Path(p).name for p in report.companions}
        for name, content in expected.items():
            assert (output.parent / name).read_text(encoding="utf-8") == content
        assert PLAN_MIME not in output.read_text(encoding="utf-8")


@pytest.mark.notebooks
def test_reports_are_self_contained_and_show_no_code(demo_build):
    _, base = demo_build
    for page in (base / "reports").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert '<html lang="nl">' in text
        assert "<script" not in text.lower()
        # Nothing loaded from the web; anchors to the study's links are for the reader.
        assert not re.search(r"""src=["']?(https?:)?//""", text), page
        assert not re.search(r"""<link[^>]*href=["']?(https?:)?//""", text), page
        assert "load_report_data" not in text and "import " not in text
        for img in re.findall(r"<img[^>]*>", text):
            assert re.search(r"""alt=["'][^"']{20,}["']""", img), img[:120]


@pytest.mark.notebooks
def test_reports_carry_the_synthetic_banner(demo_build):
    _, base = demo_build
    for page in (base / "reports").rglob("*.html"):
        assert "synthetisch" in page.read_text(encoding="utf-8"), page


@pytest.mark.notebooks
def test_processed_files_account_for_every_row(demo_build):
    _, base = demo_build
    processed = base / "processed"
    log = pd.read_csv(processed / "cleaning_log.csv")
    kept = len(pd.read_parquet(processed / "responses.parquet"))
    rejected = len(pd.read_csv(processed / "rejected_rows.csv"))
    assert log["rows_in"].iloc[0] == kept + rejected == 14
    evidence = pd.read_csv(processed / "evidence.csv")
    assert evidence["fragment_id"].nunique() == 26


@pytest.mark.notebooks
def test_notebooks_run_with_their_default_parameters(demo_build, tmp_path, notebooks_dir):
    _, base = demo_build
    for name in ("institution_report.ipynb", "study_report.ipynb"):
        out = tmp_path / name
        papermill.execute_notebook(notebooks_dir / name, out, kernel_name="python3",
                                   parameters={"processed_dir": str(base / "processed")},
                                   progress_bar=False, cwd=str(notebooks_dir))
        nb = nbformat.read(out, as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "error"]
        assert not errors


@pytest.mark.notebooks
def test_english_reports(tmp_path, notebooks_dir, raw_dir):
    result = build(raw_dir, tmp_path / "p", tmp_path / "r", notebooks_dir=notebooks_dir, lang="en",
                   institutions=["Instelling C"])
    assert [r.path for r in result.reports] == ["study.en.html",
                                                "institutions/instelling-c.en.html"]
    text = (tmp_path / "r" / "institutions" / "instelling-c.en.html").read_text()
    assert '<html lang="en">' in text and "Readiness profile" in text and "synthetic" in text


@pytest.mark.notebooks
def test_one_failing_institution_does_not_stop_the_others(tmp_path, capsys, notebooks_dir, raw_dir):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(notebooks_dir, notebooks)
    nb = nbformat.read(notebooks / "institution_report.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        'if institution == "Instelling B":\n    raise RuntimeError("broken on purpose")'))
    nbformat.write(nb, notebooks / "institution_report.ipynb")
    code = main(["build", "--raw", str(raw_dir), "--processed", str(tmp_path / "p"),
                 "--reports", str(tmp_path / "r"), "--notebooks", str(notebooks), "--jobs", "2"])
    assert code == 1
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    status = {e["title"]: (e["status"], e["error"]) for e in manifest["reports"]}
    assert status["Instelling B"][0] == "failed"
    assert "RuntimeError: broken on purpose" in status["Instelling B"][1]
    assert [s for s, _ in status.values()].count("ok") == 3
    assert (tmp_path / "r" / "institutions" / "instelling-a.html").exists()
    assert not (tmp_path / "r" / "institutions" / "instelling-b.html").exists()
    assert "failed: Instelling B" in capsys.readouterr().err


@pytest.mark.notebooks
def test_unknown_institution_is_a_clear_error(tmp_path, notebooks_dir, raw_dir):
    with pytest.raises(ReadinessError, match="unknown institution 'Instelling Z'"):
        build(raw_dir, tmp_path / "p", tmp_path / "r", notebooks_dir=notebooks_dir,
              institutions=["Instelling Z"])


@pytest.mark.notebooks
def test_generated_data_with_more_institutions_and_waves(tmp_path, notebooks_dir, raw_dir):
    raw = tmp_path / "raw"
    write_synthetic_scan(raw / "scan_responses.csv",
                         SynthDesign(institutions=4, respondents=12, waves=2, seed=9))
    shutil.copy(raw_dir / "fragments.csv", raw / "fragments.csv")
    result = build(raw, tmp_path / "p", tmp_path / "r", notebooks_dir=notebooks_dir, jobs=2)
    assert result.ok and len(result.reports) == 5
    study = (tmp_path / "r" / "study.html").read_text()
    assert "getoetst" in study  # 24 scores per institution: the test runs
    assert "Instelling D" in study
    inst = (tmp_path / "r" / "institutions" / "instelling-d.html").read_text()
    assert "<th>Meting</th>" in inst
    assert "Verandering sinds de vorige meting" in inst and "1 → 2" in inst
    assert "95%-BI" in inst
    for other in ("Instelling A", "Instelling B", "Instelling C"):
        assert other not in inst


@pytest.mark.notebooks
def test_manifest_records_what_each_report_was_rendered_from(demo_build):
    _, base = demo_build
    manifest = json.loads((base / "reports" / "manifest.json").read_text())
    for entry in manifest["reports"]:
        assert entry["rendered"] is True and re.fullmatch(r"[0-9a-f]{64}", entry["input_hash"])
        page = (base / "reports" / entry["path"]).read_bytes()
        assert entry["output_sha256"] == hashlib.sha256(page).hexdigest()
        expected = {"notebook", "instrument", "study", "codebook", "parameters", "package"}
        expected |= {"data"} if entry["institution"] is None else {"own", "pooled", "shared"}
        assert set(entry["input_parts"]) == expected


# --- build options, with tiny stand-in notebooks ------------------------------------------

SLOW = "Instelling B"


def _notebook(folder, name, parameters, body):
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(body)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, folder / name)


def _tiny_notebooks(folder, slow=None):
    """Stand-ins for the report notebooks: they print whether the data were weighted,
    and the institution report of ``slow`` sleeps for two minutes."""
    folder.mkdir()
    weighted = ("import json, pathlib\nprovenance = pathlib.Path(processed_dir) / "
                "'provenance.json'\nprint('weighted:', json.loads(provenance.read_text())"
                "['weighted'])\n")
    _notebook(folder, "study_report.ipynb", "processed_dir = ''\nlang = 'nl'", weighted)
    _notebook(folder, "institution_report.ipynb",
              "institution = ''\nprocessed_dir = ''\nlang = 'nl'",
              weighted + f"if institution == {slow!r}:\n    import time\n    time.sleep(120)")
    return folder


def _cli_build(raw, base, notebooks, *options):
    return main(["build", "--raw", str(raw), "--processed", str(base / "p"),
                 "--reports", str(base / "r"), "--notebooks", str(notebooks), "--no-progress",
                 *options])


def _manifest(base):
    return json.loads((base / "r" / "manifest.json").read_text(encoding="utf-8"))["reports"]


STALE = [
    "r/.index.html.tmp", "r/.manifest.json.tmp", "r/.study.html.k3_x9a0q.tmp",
    "r/institutions/.instelling-a.html.abcdefgh.tmp", "p/.responses.parquet.tmp",
    "p/.provenance.json.tmp", "p/.rejected_rows.csv.tmp",
]
KEPT = [
    "r/notes.tmp", "r/.notes.txt.tmp", "r/.index.html.tmp.bak", "r/.index.html.toolong12.tmp",
    "r/institutions/.hidden", "r/.pseudonym.key", "p/sub/.scores.parquet.tmp",
    "p/.index.html.tmp/inside.txt", "raw/.scan_responses.csv.tmp",
]


def _touch(base, names):
    for name in names:
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("left over")


def test_stale_temporary_files_are_removed_and_nothing_else(tmp_path):
    _touch(tmp_path, STALE + KEPT)
    removed = remove_stale_temporaries(tmp_path / "r", tmp_path / "p")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in removed) == sorted(STALE)
    assert not any((tmp_path / name).exists() for name in STALE)
    assert all((tmp_path / name).read_text() == "left over" for name in KEPT)
    assert remove_stale_temporaries(tmp_path / "none", tmp_path / "none either") == []


def test_stale_temporary_cleanup_never_reaches_raw_or_other_folders(tmp_path):
    """A report folder above raw/ (the fault corpus: ``--reports .``) cleans only itself."""
    users = ["raw/.scan_responses.csv.tmp", "notes/.budget.json.tmp",
             "r/sub/.study.html.abcdefgh.tmp"]
    ours = [".index.html.k3_x9a0q.tmp", "p/.responses.parquet.abcdefgh.tmp",
            "institutions/.instelling-a.html.abcdefgh.tmp"]
    _touch(tmp_path, users + ours)
    removed = remove_stale_temporaries(tmp_path, tmp_path / "p", raw_dir=tmp_path / "raw")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in removed) == sorted(ours)
    assert all((tmp_path / name).read_text() == "left over" for name in users)
    assert remove_stale_temporaries(tmp_path / "raw", tmp_path / "raw",
                                    raw_dir=tmp_path / "raw") == []
    assert (tmp_path / "raw/.scan_responses.csv.tmp").exists()


@pytest.mark.parametrize(("processed", "reports", "how"), [
    ("raw", "r", "processed folder {base}/raw is"),
    ("raw/processed", "r", "processed folder {base}/raw/processed lies inside"),
    ("p", "raw/reports", "report folder {base}/raw/reports lies inside"),
    ("p", ".", "report folder {base} contains"),
], ids=["processed-is-raw", "processed-in-raw", "reports-in-raw", "reports-above-raw"])
def test_output_folders_that_overlap_raw_are_refused(tmp_path, raw_copy, notebooks_dir,
                                                     capsys, processed, reports, how):
    (raw_copy / ".scan_responses.csv.tmp").write_text("the user's own")
    before = {p.name: p.read_bytes() for p in raw_copy.iterdir()}
    code = main(["build", "--raw", str(raw_copy), "--processed", str(tmp_path / processed),
                 "--reports", str(tmp_path / reports), "--notebooks", str(notebooks_dir)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert how.format(base=tmp_path) in err and f"the raw folder {raw_copy}" in err
    assert {p.name: p.read_bytes() for p in raw_copy.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]  # nothing written


def test_weighted_lands_in_provenance_reports_and_fingerprints(tmp_path, raw_dir):
    tiny_notebooks = _tiny_notebooks(tmp_path / "notebooks")
    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)  # the demo data: interviews of 1 to 3 teachers
    _touch(tmp_path, STALE + KEPT)  # left by an interrupted build: gone once a build starts
    assert _cli_build(raw, tmp_path, tiny_notebooks) == 0
    assert not any((tmp_path / name).exists() for name in STALE)
    assert all((tmp_path / name).exists() for name in KEPT)
    provenance = json.loads((tmp_path / "p" / "provenance.json").read_text())
    assert provenance["weighted"] is False
    plain = pd.read_parquet(tmp_path / "p" / "institution_scores.parquet")
    assert "weighted: False" in (tmp_path / "r" / "study.html").read_text()

    manifest = (tmp_path / "r" / "manifest.json").read_bytes()
    assert _cli_build(raw, tmp_path, tiny_notebooks) == 0  # nothing changed: nothing written
    assert (tmp_path / "r" / "manifest.json").read_bytes() == manifest

    assert _cli_build(raw, tmp_path, tiny_notebooks, "--weighted") == 0
    provenance = json.loads((tmp_path / "p" / "provenance.json").read_text())
    assert provenance["weighted"] is True
    weighted = pd.read_parquet(tmp_path / "p" / "institution_scores.parquet")
    assert not plain["mean"].equals(weighted["mean"])
    entries = _manifest(tmp_path)
    assert len(entries) == 4 and all(e["rendered"] and e["status"] == "ok" for e in entries)
    assert "weighted: True" in (tmp_path / "r" / "study.html").read_text()
    assert "weighted: True" in (tmp_path / "r" / "institutions" / "instelling-a.html").read_text()

    assert _cli_build(raw, tmp_path, tiny_notebooks, "--weighted", "--institution",
                      "Instelling A") == 0  # a full build: fingerprints find nothing to do
    assert not any(e["rendered"] for e in _manifest(tmp_path))


def test_a_cell_over_the_time_out_fails_only_its_report(tmp_path, capsys):
    tiny_notebooks = _tiny_notebooks(tmp_path / "notebooks", slow=SLOW)
    raw = tmp_path / "raw"
    write_synthetic_scan(raw / "scan_responses.csv",
                         SynthDesign(institutions=3, respondents=4, seed=1))
    code = _cli_build(raw, tmp_path, tiny_notebooks, "--cell-timeout", "3", "--jobs", "2")
    err = capsys.readouterr().err
    assert code == 1
    entries = {e["title"]: e for e in _manifest(tmp_path)}
    slow = entries.pop(SLOW)
    assert slow["status"] == "failed" and "ran longer than the cell time-out of 3 s" in (
        slow["error"])
    assert f"failed: {SLOW}: " in err and "--cell-timeout SECONDS" in err
    assert [e["status"] for e in entries.values()] == ["ok"] * 3
    assert not (tmp_path / "r" / "institutions" / "instelling-b.html").exists()


def test_default_notebooks_are_found_from_any_working_folder(tmp_path, monkeypatch, notebooks_dir):
    monkeypatch.chdir(tmp_path)
    assert default_notebooks_dir() == notebooks_dir  # beside the (editable) installed source
    (tmp_path / "notebooks").mkdir()
    shutil.copy(notebooks_dir / "study_report.ipynb", tmp_path / "notebooks")
    assert default_notebooks_dir() == notebooks_dir  # one of the two is not enough
    shutil.copy(notebooks_dir / "institution_report.ipynb", tmp_path / "notebooks")
    assert default_notebooks_dir().resolve() == tmp_path / "notebooks"


def test_without_notebooks_anywhere_the_error_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(notebooks_module, "_checkout_notebooks",
                        lambda: tmp_path / "a" / "notebooks")
    assert default_notebooks_dir() == build_module.Path("notebooks")
    with pytest.raises(ReadinessError, match=r"notebooks: report notebook .* not found "
                                             r"\(run from the project folder or pass"):
        build(tmp_path / "raw", tmp_path / "p", tmp_path / "r")


@pytest.mark.notebooks
def test_build_from_another_working_folder_needs_no_notebooks_option(tmp_path, monkeypatch,
                                                                     raw_dir):
    raw = tmp_path / "raw"
    write_synthetic_scan(raw / "scan_responses.csv",
                         SynthDesign(institutions=2, respondents=5, seed=1))
    shutil.copy(raw_dir / "fragments.csv", raw)
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--raw", "raw", "--processed", "p", "--reports", "r",
                 "--institution", "Instelling A", "--no-progress"]) == 0
    assert {e["path"]: e["status"] for e in _manifest(tmp_path)} == {
        "study.html": "ok", "institutions/instelling-a.html": "ok"}


def test_a_build_says_which_optional_inputs_are_missing(tmp_path, capsys, raw_dir):
    tiny_notebooks = _tiny_notebooks(tmp_path / "notebooks")
    raw = tmp_path / "raw"
    write_synthetic_scan(raw / "scan_responses.csv",
                         SynthDesign(institutions=2, respondents=3, seed=1))
    assert main(["build", "--raw", str(raw), "--processed", str(tmp_path / "p"),
                 "--reports", str(tmp_path / "r"), "--notebooks", str(tiny_notebooks)]) == 0
    err = capsys.readouterr().err
    assert "note: no coded interview fragments in" in err and "the scan only" in err
    assert "note: no documents.csv in" in err
    assert build_module._input_notes(raw_dir) == []  # the demo data has both


def test_institutions_are_chosen_as_the_cleaning_matches_names(tmp_path, raw_dir):
    tiny_notebooks = _tiny_notebooks(tmp_path / "notebooks")
    result = build(raw_dir, tmp_path / "p", tmp_path / "r", notebooks_dir=tiny_notebooks,
                   institutions=["  instelling   b"], progress=False)
    assert [r.title for r in result.reports] == ["Studierapport", "Instelling B"]


def test_build_passes_the_mode_to_prepare(monkeypatch, tmp_path, notebooks_dir, raw_dir):
    seen = {}

    def fake_prepare(*args, **kwargs):
        seen.update(kwargs)
        raise ReadinessError("stop here")

    monkeypatch.setattr(build_module, "prepare", fake_prepare)
    with pytest.raises(ReadinessError):
        build_module.build(raw_dir, tmp_path / "p", tmp_path / "r", notebooks_dir=notebooks_dir,
                           invalid_answers="missing")
    assert seen["invalid_answers"] == "missing"


@pytest.mark.parametrize(("institutions", "workers"), [(None, 4), (["Instelling B"], 2)])
def test_the_executor_is_made_and_warmed_before_the_data_stage(monkeypatch, tmp_path, raw_dir,
                                                              institutions, workers):
    """Kernels start while the data stage runs: one worker a report at most, when known."""
    events = []

    class Recording(InProcessExecutor):
        def warm_up(self, cwd, modules):
            events.append(("warm_up", Path(cwd), modules))

    def fake_make_executor(jobs, scheduler):
        events.append(("make", jobs))
        return Recording()

    def fake_prepare(*args, **kwargs):
        events.append(("prepare",))
        raise ReadinessError("stop here")

    monkeypatch.setattr(build_module, "make_executor", fake_make_executor)
    monkeypatch.setattr(build_module, "prepare", fake_prepare)
    notebooks = _tiny_notebooks(tmp_path / "notebooks")
    with pytest.raises(ReadinessError, match="stop here"):
        build(raw_dir, tmp_path / "p", tmp_path / "r", notebooks_dir=notebooks, jobs=4,
              institutions=institutions, progress=False)
    assert events == [("make", workers), ("warm_up", notebooks, ("json", "pathlib", "time")),
                      ("prepare",)]
