"""Atomic writes: unpredictable temporary names, created exclusively, links replaced."""

import re

import pytest

from readiness_analysis.core.files import atomic_write, write_text


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

    with pytest.raises(OSError):
        atomic_write(target, fail)
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"] and target.read_text() == "old"
