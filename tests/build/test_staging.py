"""The processed tables of one build become visible together (issue 20).

A data stage that fails half-way (a full disk at the fifth file) leaves the previous
complete set byte-identical and no staging folder; the next build completes.
"""

import errno

import pytest

from readiness_analysis.build import prepare as prepare_module
from readiness_analysis.build.pipeline import remove_stale_temporaries
from readiness_analysis.build.prepare import KEY_FILE, prepare
from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.core.files import STAGING_PREFIX, atomic_write
from readiness_analysis.core.tables import PROCESSED_FILES


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _full_disk_at(monkeypatch, n):
    """Make the ``n``-th processed file written fail with ENOSPC, as a full disk does."""
    calls = []

    def fail(tmp):
        tmp.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    for suffix, writer in list(prepare_module._WRITERS.items()):
        def counted(path, data, writer=writer):
            calls.append(path.name)
            if len(calls) == n:
                atomic_write(path, fail)
            writer(path, data)

        monkeypatch.setitem(prepare_module._WRITERS, suffix, counted)
    return calls


def test_a_full_disk_at_the_fifth_file_leaves_the_previous_set(tmp_path, raw_copy,
                                                              monkeypatch):
    processed = tmp_path / "processed"
    prepare(raw_copy, processed)
    before = _snapshot(processed)
    assert sorted(before) == sorted(PROCESSED_FILES)  # no staging, lock or key inside
    assert (tmp_path / KEY_FILE).is_file()
    (raw_copy / "scan_responses.csv").write_text(
        (raw_copy / "scan_responses.csv").read_text().replace("Instelling A", "Instelling Z"))
    calls = _full_disk_at(monkeypatch, 5)
    with pytest.raises(ReadinessError) as caught:
        prepare(raw_copy, processed)
    assert len(calls) == 5
    message = str(caught.value)
    assert f"the disk is full: {calls[4]} could not be written (" in message
    assert " free in " in message and "\n" not in message
    assert _snapshot(processed) == before  # byte-identical, the four new files too
    assert not list(processed.glob(f"{STAGING_PREFIX}*"))
    monkeypatch.undo()
    prepare(raw_copy, processed)  # with room again: the new set, complete
    after = _snapshot(processed)
    assert sorted(after) == sorted(PROCESSED_FILES)
    assert b"Instelling Z" in after["institution_scores.csv"]


def test_a_build_killed_between_commit_and_renames_is_completed_by_the_next(tmp_path,
                                                                          raw_copy):
    processed = tmp_path / "processed"
    prepare(raw_copy, processed)
    complete = _snapshot(processed)
    # As a kill after the commit point: two files moved, the rest still staged.
    staging = processed / f"{STAGING_PREFIX}killed01"
    staging.mkdir()
    names = sorted(PROCESSED_FILES)
    for name in names[2:]:
        (staging / name).write_bytes(complete[name])
        (processed / name).write_bytes(b"old")
    (staging / ".commit.json").write_text(str(names).replace("'", '"'))
    assert remove_stale_temporaries(tmp_path / "reports", processed) == [staging]
    assert _snapshot(processed) == complete


def test_a_full_disk_while_writing_a_plan_keeps_the_manifest_true(tmp_path, raw_copy,
                                                                  monkeypatch):
    """A report and its plan are replaced together or not at all, and the manifest's
    SHA-256s describe the files beside it after the build stopped."""
    import json

    from readiness_analysis.build.pipeline import build
    from readiness_analysis.core import files
    from readiness_analysis.core.files import file_sha256

    from .test_pipeline import _tiny_notebooks

    notebooks = _tiny_notebooks(tmp_path / "nb")
    reports = tmp_path / "r"
    assert build(raw_copy, tmp_path / "p", reports, notebooks_dir=notebooks, progress=False).ok
    before = {p.name: p.read_bytes() for p in (reports / "institutions").iterdir()}
    real = files._write_utf8

    def full_at_a_plan(path, text):
        if ".instelling-b.actieplan.md." in path.name:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, text)

    # Without the synthetic marker every plan loses its synthetic note: new bytes.
    (raw_copy / "scan_responses.synthetic.json").unlink()
    monkeypatch.setattr(files, "_write_utf8", full_at_a_plan)
    with pytest.raises(ReadinessError, match=r"the disk is full: instelling-b\.actieplan\.md"):
        build(raw_copy, tmp_path / "p", reports, notebooks_dir=notebooks, progress=False)
    after = {p.name: p.read_bytes() for p in (reports / "institutions").iterdir()}
    assert {n: b for n, b in after.items() if n.startswith("instelling-b")} == {
        n: b for n, b in before.items() if n.startswith("instelling-b")}  # page and plan kept
    assert after["instelling-a.actieplan.csv"] != before["instelling-a.actieplan.csv"]
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["reports"]) == 4
    for entry in manifest["reports"]:
        listed = {entry["path"]: entry["output_sha256"], **entry["companions"]}
        assert all(file_sha256(reports / path) == sha for path, sha in listed.items()), entry
