"""Atomic writes: unpredictable temporary names, created exclusively, links replaced."""

import errno
import json
import re
from collections import namedtuple

import pytest

from readiness_analysis.core import files
from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.core.files import (
    STAGING_PREFIX,
    atomic_write,
    finish_staged,
    staged_files,
    write_json,
    write_text,
    write_texts,
)


def test_temporary_files_have_unpredictable_names_and_are_our_own(tmp_path):
    seen = []

    def write(tmp):
        seen.append(tmp)
        assert tmp.parent == tmp_path and not tmp.is_symlink()
        assert tmp.stat().st_nlink == 1 and tmp.stat().st_size == 0  # made just now, by us
        tmp.write_text("x")

    atomic_write(tmp_path / "a.json", write)
    atomic_write(tmp_path / "a.json", write)
    assert all(re.fullmatch(r"\.a\.json\.[a-z0-9_]{8}\.tmp", p.name) for p in seen)
    assert seen[0] != seen[1]
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_a_symlink_at_the_output_or_at_an_old_temporary_name_is_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's own")
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").symlink_to(victim)
    (out / ".manifest.json.tmp").symlink_to(victim)  # the fixed name of older versions
    (out / "index.html").symlink_to(tmp_path / "nowhere.txt")  # dangling
    write_text(out / "manifest.json", "{}\n")
    write_text(out / "index.html", "<p>\n")
    assert victim.read_text() == "the user's own" and not (tmp_path / "nowhere.txt").exists()
    assert not (out / "manifest.json").is_symlink() and not (out / "index.html").is_symlink()
    assert (out / "manifest.json").read_text() == "{}\n"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")

    def fail(tmp):
        tmp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(ReadinessError):  # ENOSPC: explained (see below)
        atomic_write(target, fail)
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"] and target.read_text() == "old"

shutil_usage = namedtuple("usage", "total used free")


# --- a full disk and a refused permission: one located line (issue 20) ------------------


def test_a_full_disk_names_the_file_and_the_space_left(tmp_path, monkeypatch):
    monkeypatch.setattr(files.shutil, "disk_usage",
                        lambda folder: shutil_usage(total=10 << 20, used=10 << 20, free=1536))

    def full(tmp):
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(ReadinessError) as caught:
        atomic_write(tmp_path / "scores.parquet", full)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'scores.parquet'}: the disk is full: ")
    assert "scores.parquet could not be written (1.5 KB free in " in message
    assert "\n" not in message and caught.value.hint
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("code", [errno.EACCES, errno.EPERM])
def test_a_refused_permission_names_the_folder_and_the_user(tmp_path, monkeypatch, code):
    def refused(*args, **kwargs):
        raise PermissionError(code, "Permission denied", str(tmp_path / ".a.json.x.tmp"))

    monkeypatch.setattr(files.tempfile, "mkstemp", refused)
    monkeypatch.setattr(files.getpass, "getuser", lambda: "onderzoeker")
    with pytest.raises(ReadinessError) as caught:
        write_json(tmp_path / "a.json", {})
    message = str(caught.value)
    assert (f"permission denied: the folder {tmp_path} may not be written by user "
            "onderzoeker") in message
    assert ".tmp" not in message and "\n" not in message



def test_a_folder_that_cannot_be_made_names_the_parent_that_refused(tmp_path, monkeypatch):
    def refused(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(files.Path, "mkdir", refused)
    monkeypatch.setattr(files.getpass, "getuser", lambda: "onderzoeker")
    with pytest.raises(ReadinessError) as caught:
        write_json(tmp_path / "processed" / "sub" / "a.json", {})
    assert (f"permission denied: the folder {tmp_path / 'processed' / 'sub'} cannot be made: "
            f"{tmp_path} may not be written by user onderzoeker") in str(caught.value)

def test_other_os_errors_pass_unchanged(tmp_path):
    def gone(tmp):
        raise FileNotFoundError(errno.ENOENT, "gone")

    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "a.txt", gone)


# --- a set of files that becomes visible together ---------------------------------------


def _set(folder, text):
    with staged_files(folder) as staging:
        for name in ("a.csv", "b.csv", "c.json"):
            write_text(staging / name, f"{text} {name}\n")


def test_a_failure_half_way_leaves_the_previous_set_and_no_staging_folder(tmp_path):
    _set(tmp_path, "old")
    (tmp_path / "notes.txt").write_text("the user's own")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(OSError), staged_files(tmp_path) as staging:
        write_text(staging / "a.csv", "new\n")
        raise OSError(errno.EIO, "input/output error")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    _set(tmp_path, "new")
    assert (tmp_path / "b.csv").read_text() == "new b.csv\n"
    assert (tmp_path / "notes.txt").read_text() == "the user's own"  # not ours: kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", "c.json",
                                                          "notes.txt"]


def test_a_committed_staging_folder_is_completed_an_uncommitted_one_removed(tmp_path):
    _set(tmp_path, "old")
    committed = tmp_path / f"{STAGING_PREFIX}commit01"
    committed.mkdir()
    (committed / "a.csv").write_text("new a\n")  # b.csv was moved before the kill
    (committed / ".commit.json").write_text(json.dumps(["a.csv", "b.csv", "../escape"]))
    half = tmp_path / f"{STAGING_PREFIX}half0001"
    half.mkdir()
    (half / "c.json").write_text("half")
    link = tmp_path / f"{STAGING_PREFIX}link0001"
    link.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert finish_staged(tmp_path) == [committed, half]
    assert (tmp_path / "a.csv").read_text() == "new a\n"
    assert (tmp_path / "c.json").read_text() == "old c.json\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [link.name, "a.csv", "b.csv",
                                                          "c.json"]
    assert finish_staged(tmp_path / "missing") == []


def test_write_texts_replaces_all_or_none(tmp_path, monkeypatch):
    page, plan = tmp_path / "a.html", tmp_path / "a.actieplan.md"
    write_texts({plan: "old plan", page: "old page"})
    real = files._write_utf8

    def full_at_the_page(path, text):
        if path.name.startswith(".a.html."):
            path.write_text("half")
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, text)

    monkeypatch.setattr(files, "_write_utf8", full_at_the_page)
    with pytest.raises(ReadinessError, match=r"the disk is full: a\.html could not be written"):
        write_texts({plan: "new plan", page: "new page"})
    assert plan.read_text() == "old plan" and page.read_text() == "old page"  # none replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.actieplan.md", "a.html"]
    monkeypatch.undo()
    write_texts({plan: "new plan", page: "new page"})
    assert plan.read_text() == "new plan" and page.read_text() == "new page"
