"""One build at a time per processed folder: a second build refuses, a stale lock is taken over."""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from readiness_analysis.build.lock import LOCK_FILE, build_lock, build_locks
from readiness_analysis.build.pipeline import build
from readiness_analysis.cli import main
from readiness_analysis.core.errors import ReadinessError

HOLD = textwrap.dedent("""
    import sys
    from readiness_analysis.build.lock import build_lock
    with build_lock(sys.argv[1]):
        print("held", flush=True)
        sys.stdin.read()
""")


@pytest.fixture
def holder(tmp_path):
    """Another process holding the lock of ``tmp_path / "p"`` until it is killed."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "p")],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    yield process
    process.kill()
    process.wait(timeout=30)


def _build(tmp_path, notebooks_dir):
    """A build that fails right after the lock (its raw folder has no scan export)."""
    (tmp_path / "raw").mkdir(exist_ok=True)
    return build(tmp_path / "raw", tmp_path / "p", tmp_path / "r",
                 notebooks_dir=notebooks_dir, progress=False)


def test_a_second_build_on_the_same_folder_refuses_naming_the_holder(tmp_path, holder,
                                                                     notebooks_dir, capsys):
    lock = tmp_path / "p" / LOCK_FILE
    started = json.loads(lock.read_text())["started"]
    with pytest.raises(ReadinessError) as caught:
        _build(tmp_path, notebooks_dir)
    message = str(caught.value)
    assert f"another build is running on this folder (pid {holder.pid} " in message
    assert started in message and "\n" not in message
    assert lock.exists() and json.loads(lock.read_text())["pid"] == holder.pid  # not taken
    code = main(["build", "--raw", str(tmp_path / "raw"), "--processed", str(tmp_path / "p"),
                 "--reports", str(tmp_path / "r"), "--notebooks", str(notebooks_dir)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert f"pid {holder.pid}" in err
    assert not (tmp_path / "r").exists()


def test_a_killed_builds_lock_is_taken_over_with_a_note_and_removed_after_an_error(
        tmp_path, holder, notebooks_dir, capsys):
    holder.send_signal(signal.SIGKILL)  # as a killed build: its lock stays behind
    holder.wait(timeout=30)
    lock = tmp_path / "p" / LOCK_FILE
    assert json.loads(lock.read_text())["pid"] == holder.pid
    with pytest.raises(ReadinessError, match="scan"):  # got past the lock, failed on raw
        _build(tmp_path, notebooks_dir)
    err = capsys.readouterr().err
    assert f"took over the build lock of {tmp_path / 'p'}: build pid {holder.pid}" in err
    assert not lock.exists()  # removed, also on an error
    assert not list((tmp_path / "p").glob(f"{LOCK_FILE}*"))


def test_a_lock_of_another_host_or_not_yet_written_is_never_taken_over(tmp_path):
    lock = tmp_path / LOCK_FILE
    lock.write_text(json.dumps({"pid": 999_999_999, "host": f"not-{socket.gethostname()}",
                                "started": "2026-01-01T10:00:00+00:00"}))
    with pytest.raises(ReadinessError, match="pid 999999999 on not-"), build_lock(tmp_path):
        pass
    lock.write_text("")  # created by a build that has not written it yet
    with pytest.raises(ReadinessError, match="its lock is not written yet"), \
            build_lock(tmp_path):
        pass
    assert lock.exists()


def test_the_lock_names_this_process_while_held(tmp_path):
    with build_lock(tmp_path / "p") as lock:
        holder = json.loads(lock.read_text())
        assert holder["pid"] == os.getpid() and holder["host"] == socket.gethostname()
        with pytest.raises(ReadinessError, match=f"pid {os.getpid()}"), build_lock(lock.parent):
            pass
        assert lock.exists()
    assert not lock.exists()


HOLD_BOTH = textwrap.dedent("""
    import sys
    from readiness_analysis.build.lock import build_locks
    with build_locks(sys.argv[1], sys.argv[2]):
        print("held", flush=True)
        sys.stdin.read()
""")


def test_two_builds_sharing_only_the_report_folder_never_run_at_once(tmp_path, notebooks_dir,
                                                                    capsys):
    (tmp_path / "raw").mkdir()
    process = subprocess.Popen([sys.executable, "-c", HOLD_BOTH, str(tmp_path / "p1"),
                                str(tmp_path / "r")],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "held"
        code = main(["build", "--raw", str(tmp_path / "raw"), "--processed",
                     str(tmp_path / "p2"), "--reports", str(tmp_path / "r"),
                     "--notebooks", str(notebooks_dir), "--no-progress"])
        err = capsys.readouterr().err
        assert code == 2 and len(err.strip().splitlines()) == 1
        assert f"{tmp_path / 'r'}: another build is running on this folder (pid {process.pid}" \
            in err
        assert not (tmp_path / "p2").exists()  # its processed lock was released, folder gone
        assert json.loads((tmp_path / "r" / LOCK_FILE).read_text())["pid"] == process.pid
    finally:
        process.kill()
        process.wait(timeout=30)
    with pytest.raises(ReadinessError, match="scan"):  # the holder is gone: past both locks
        build(tmp_path / "raw", tmp_path / "p2", tmp_path / "r", notebooks_dir=notebooks_dir,
              progress=False)
    assert not list((tmp_path / "r").glob(f"{LOCK_FILE}*"))


def test_the_same_folder_for_processed_data_and_reports_is_locked_once(tmp_path):
    with build_locks(tmp_path / "both", tmp_path / "both") as locks:
        assert locks == [tmp_path / "both" / LOCK_FILE]
    assert not (tmp_path / "both").exists()
