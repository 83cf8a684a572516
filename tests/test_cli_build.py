"""``readiness build`` options: --weighted, --cell-timeout, the default notebook folder and
the clean-up of temporary files that an interrupted build left behind.

Most builds here render two tiny stand-in notebooks (seconds in all); one builds with the
real report notebooks from another working folder.
"""

import json
import shutil

import nbformat
import pandas as pd
import pytest

from readiness_analysis import build as build_module
from readiness_analysis.build import build, default_notebooks_dir, remove_stale_temporaries
from readiness_analysis.cli import main
from readiness_analysis.errors import ReadinessError
from readiness_analysis.synth import SynthDesign, write_synthetic_scan

from .conftest import NOTEBOOKS, RAW

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


def test_weighted_lands_in_provenance_reports_and_fingerprints(tmp_path):
    tiny_notebooks = _tiny_notebooks(tmp_path / "notebooks")
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)  # the demo data: interviews of 1 to 3 teachers
    _touch(tmp_path, STALE + KEPT)  # left by an interrupted build: gone once a build starts
    assert _cli_build(raw, tmp_path, tiny_notebooks) == 0
    assert not any((tmp_path / name).exists() for name in STALE)
    assert all((tmp_path / name).exists() for name in KEPT)
    provenance = json.loads((tmp_path / "p" / "provenance.json").read_text())
    assert provenance["weighted"] is False
    plain = pd.read_parquet(tmp_path / "p" / "institution_scores.parquet")
    assert "weighted: False" in (tmp_path / "r" / "study.html").read_text()

    assert _cli_build(raw, tmp_path, tiny_notebooks) == 0  # nothing changed: nothing renders
    assert not any(e["rendered"] for e in _manifest(tmp_path))

    assert _cli_build(raw, tmp_path, tiny_notebooks, "--weighted") == 0
    provenance = json.loads((tmp_path / "p" / "provenance.json").read_text())
    assert provenance["weighted"] is True
    weighted = pd.read_parquet(tmp_path / "p" / "institution_scores.parquet")
    assert not plain["mean"].equals(weighted["mean"])
    entries = _manifest(tmp_path)
    assert len(entries) == 4 and all(e["rendered"] and e["status"] == "ok" for e in entries)
    assert "weighted: True" in (tmp_path / "r" / "study.html").read_text()
    assert "weighted: True" in (tmp_path / "r" / "institutions" / "instelling-a.html").read_text()

    assert _cli_build(raw, tmp_path, tiny_notebooks, "--weighted") == 0
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


def test_default_notebooks_are_found_from_any_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_notebooks_dir() == NOTEBOOKS  # beside the (editable) installed source
    (tmp_path / "notebooks").mkdir()
    shutil.copy(NOTEBOOKS / "study_report.ipynb", tmp_path / "notebooks")
    assert default_notebooks_dir() == NOTEBOOKS  # one of the two is not enough
    shutil.copy(NOTEBOOKS / "institution_report.ipynb", tmp_path / "notebooks")
    assert default_notebooks_dir().resolve() == tmp_path / "notebooks"


def test_without_notebooks_anywhere_the_error_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(build_module, "__file__", str(tmp_path / "a" / "b" / "build.py"))
    assert default_notebooks_dir() == build_module.Path("notebooks")
    with pytest.raises(ReadinessError, match=r"notebooks: report notebook .* not found "
                                             r"\(run from the project folder or pass"):
        build(tmp_path / "raw", tmp_path / "p", tmp_path / "r")


@pytest.mark.notebooks
def test_build_from_another_working_folder_needs_no_notebooks_option(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    write_synthetic_scan(raw / "scan_responses.csv",
                         SynthDesign(institutions=2, respondents=5, seed=1))
    shutil.copy(RAW / "fragments.csv", raw)
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--raw", "raw", "--processed", "p", "--reports", "r",
                 "--institution", "Instelling A", "--no-progress"]) == 0
    assert {e["path"]: e["status"] for e in _manifest(tmp_path)} == {
        "study.html": "ok", "institutions/instelling-a.html": "ok"}


def test_a_build_says_which_optional_inputs_are_missing(tmp_path, capsys):
    tiny_notebooks = _tiny_notebooks(tmp_path / "notebooks")
    raw = tmp_path / "raw"
    write_synthetic_scan(raw / "scan_responses.csv",
                         SynthDesign(institutions=2, respondents=3, seed=1))
    assert main(["build", "--raw", str(raw), "--processed", str(tmp_path / "p"),
                 "--reports", str(tmp_path / "r"), "--notebooks", str(tiny_notebooks)]) == 0
    err = capsys.readouterr().err
    assert "note: no coded interview fragments in" in err and "the scan only" in err
    assert "note: no documents.csv in" in err
    assert build_module._input_notes(RAW) == []  # the demo data has both


def test_institutions_are_chosen_as_the_cleaning_matches_names(tmp_path):
    tiny_notebooks = _tiny_notebooks(tmp_path / "notebooks")
    result = build(RAW, tmp_path / "p", tmp_path / "r", notebooks_dir=tiny_notebooks,
                   institutions=["  instelling   b"], progress=False)
    assert [r.title for r in result.reports] == ["Studierapport", "Instelling B"]
