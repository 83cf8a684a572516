"""Fingerprints and incremental builds (build/incremental.py): a report re-renders exactly
when what it shows changed."""

import json
from pathlib import Path

import nbformat
import pandas as pd

from readiness_analysis.build.incremental import (
    Fingerprint,
    fingerprints,
    previous_entries,
    up_to_date,
)
from readiness_analysis.build.jobs import ReportJob
from readiness_analysis.core.files import file_sha256

from .notebooks import notebook


def _processed(folder: Path, answer: int = 3, text: str = "quote", pooled: float = 3.0,
               raw_sha: str = "a" * 64, role: str = "docent") -> Path:
    folder.mkdir(exist_ok=True)
    pd.DataFrame({"respondent_id": ["r1", "r2", "r3"], "institution": ["A", "B", "B"],
                  "n_teachers": [1, 2, 1], "role": ["docent", "docent", role],
                  "group": "Team 1", "q1": [answer, 4, 5]}
                 ).to_parquet(folder / "responses.parquet")
    pd.DataFrame({"institution": ["A", "B", None], "theme": "t", "mean": [2.0, 4.5, pooled]}
                 ).to_csv(folder / "institution_scores.csv", index=False)
    pd.DataFrame({"fragment_id": ["F1", "F2"], "institution": ["A", "B"], "code": "c",
                  "valence": "hindering", "recommendation": "R1", "text": [text, "other"]}
                 ).to_parquet(folder / "fragments.parquet")
    (folder / "provenance.json").write_text(json.dumps(
        {"inputs": {"scan.csv": raw_sha}, "commit": "abc", "synthetic": None}))
    return folder


def _jobs(tmp_path):
    nb = tmp_path / "report.ipynb"
    if not nb.exists():
        nbformat.write(notebook("print(1)", parameters="institution = 'A'"), nb)
    return [ReportJob("Study", nb, tmp_path / "study.html", {"lang": "nl"})] + [
        ReportJob(name, nb, tmp_path / f"{name}.html", {"institution": name}, institution=name)
        for name in ("A", "B")
    ]


def _digests(tmp_path, **change):
    prints = fingerprints(_jobs(tmp_path), _processed(tmp_path / "p", **change),
                          instrument_source="<package>/blended_readiness_v1.yaml",
                          codebook_source="<package>/blended_v1.yaml")
    return [p.digest for p in prints]


def test_fingerprints_follow_own_rows_pooled_rows_and_shared_answers(tmp_path):
    study, a, b = _digests(tmp_path)
    assert len({study, a, b}) == 3
    assert _digests(tmp_path) == [study, a, b]  # same data, same fingerprints
    assert _digests(tmp_path, raw_sha="b" * 64) == [study, a, b]  # provenance only
    # A's own fragment text: A and the study change, B does not
    changed = _digests(tmp_path, text="new wording")
    assert changed[0] != study and changed[1] != a and changed[2] == b
    # pooled rows and the item answers every report shows: all change
    assert all(x != y for x, y in zip(_digests(tmp_path, pooled=3.5), [study, a, b],
                                      strict=True))
    assert all(x != y for x, y in zip(_digests(tmp_path, answer=1), [study, a, b],
                                      strict=True))
    # who answered at B (a role): B and the study change, A does not
    changed = _digests(tmp_path, role="student")
    assert changed[0] != study and changed[1] == a and changed[2] != b


def test_fingerprint_ignores_saved_outputs_but_not_code(tmp_path):
    before = _digests(tmp_path)
    nb_path = tmp_path / "report.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb.cells[1].execution_count = 7
    nbformat.write(nb, nb_path)
    assert _digests(tmp_path) == before
    nb.cells[1].source = "print(2)"
    nbformat.write(nb, nb_path)
    assert all(x != y for x, y in zip(_digests(tmp_path), before, strict=True))


def test_up_to_date_needs_same_inputs_and_untouched_output(tmp_path):
    (tmp_path / "a.html").write_text("<p>report</p>")
    entry = {"path": "a.html", "status": "ok", "input_hash": Fingerprint.of({"x": "1"}).digest,
             "output_sha256": file_sha256(tmp_path / "a.html")}
    assert up_to_date(entry, Fingerprint.of({"x": "1"}), tmp_path)
    assert not up_to_date(entry, Fingerprint.of({"x": "2"}), tmp_path)
    assert not up_to_date({**entry, "status": "failed"}, Fingerprint.of({"x": "1"}), tmp_path)
    (tmp_path / "a.html").write_text("<p>edited by hand</p>")
    assert not up_to_date(entry, Fingerprint.of({"x": "1"}), tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    assert previous_entries(tmp_path) == {}
