"""Reports in two languages side by side: ``build --lang en`` never overwrites the Dutch ones.

Dutch (the default) writes ``study.html``, ``institutions/<slug>.html`` and ``index.html``;
another language writes ``study.<lang>.html``, ``institutions/<slug>.<lang>.html`` and
``index.<lang>.html`` beside them (:func:`readiness_analysis.build.pipeline.report_file`).
The manifest describes every report of the folder, in every language, so that the next
build in either language keeps what is up to date.
"""

from __future__ import annotations

import json
import shutil

import pytest

from readiness_analysis.build.pipeline import build, report_file

pytestmark = pytest.mark.notebooks


def _pages(reports):
    return {str(p.relative_to(reports)): p.read_bytes() for p in sorted(reports.rglob("*.html"))}


def _manifest(reports) -> dict[str, dict]:
    entries = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))["reports"]
    return {e["path"]: e for e in entries}


def test_report_file_names_per_language():
    assert report_file("study", "nl") == "study.html"
    assert report_file("instelling-a", "en") == "instelling-a.en.html"
    assert report_file("index", "xx") == "index.xx.html"


def test_an_english_build_beside_the_dutch_one_leaves_it_untouched(demo_build, tmp_path,
                                                                    raw_dir, notebooks_dir):
    _, base = demo_build
    reports, processed = tmp_path / "reports", tmp_path / "processed"
    shutil.copytree(base / "reports", reports)  # the Dutch build, as a user would have it
    shutil.copytree(base / "processed", processed)
    dutch, dutch_entries = _pages(reports), _manifest(reports)
    english = build(raw_dir, processed, reports, notebooks_dir=notebooks_dir, lang="en",
                    jobs=2, progress=False)
    assert english.ok, [r.error for r in english.failed]
    assert english.index == reports / "index.en.html"
    assert sorted(r.path for r in english.reports) == sorted(
        path.replace(".html", ".en.html") for path in dutch if path != "index.html")
    after = _pages(reports)
    assert {path: after[path] for path in dutch} == dutch  # byte for byte
    assert set(after) == set(dutch) | {p.replace(".html", ".en.html") for p in dutch}
    assert b'<html lang="en">' in after["study.en.html"]
    assert b'href="study.en.html"' in after["index.en.html"]
    assert b'href="study.html"' not in after["index.en.html"]
    entries = _manifest(reports)
    assert set(entries) == {p for p in after if p not in ("index.html", "index.en.html")}
    assert {e["parameters"]["lang"] for p, e in entries.items() if ".en." in p} == {"en"}
    # The Dutch entries are kept as they were, so the next Dutch build can keep its reports
    # (build/incremental.py up_to_date: the same input_hash and output_sha256).
    for path, entry in dutch_entries.items():
        assert {**entries[path], "rendered": entry["rendered"]} == entry, path
    # (Not rebuilt here: the copied processed folder has new pseudonyms, so its reports
    # would render again for that reason; tests/build/test_pipeline.py checks rebuilds.)
