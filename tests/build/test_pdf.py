"""The PDF stage (build/pdf.py) without a real browser: finding one, and a browser that
hangs, fails or writes nothing. Real PDFs: tests/e2e/test_print_and_phone.py."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest

from readiness_analysis.build import pipeline
from readiness_analysis.build.jobs import ReportResult
from readiness_analysis.build.pdf import find_chromium, pdf_path, print_pdf, write_pdfs
from readiness_analysis.core import files
from readiness_analysis.core.errors import RenderError


def _browser(folder: Path, name: str, body: str) -> Path:
    """A stand-in browser: a shell script (its last argument is the page)."""
    script = folder / name
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.fixture
def page(tmp_path) -> Path:
    report = tmp_path / "reports" / "study.html"
    report.parent.mkdir()
    report.write_text("<html><body><p>x</p></body></html>", encoding="utf-8")
    return report


def test_the_env_variable_wins_then_the_path_in_order(tmp_path):
    first, second = (_browser(tmp_path, name, "exit 0") for name in ("chromium", "google-chrome"))
    assert find_chromium({"PATH": str(tmp_path)}) == str(first)
    assert find_chromium({"PATH": str(tmp_path), "READINESS_CHROMIUM": str(second)}) == str(
        second)
    with pytest.raises(RenderError, match=r"READINESS_CHROMIUM=.*nope is not an executable"):
        find_chromium({"PATH": str(tmp_path), "READINESS_CHROMIUM": str(tmp_path / "nope")})
    with pytest.raises(RenderError, match="apt-get install chromium"):
        find_chromium({"PATH": str(tmp_path / "empty")})


@pytest.mark.skipif(os.name != "posix", reason="shell-script stand-in browsers")
def test_a_hanging_browser_is_killed_and_the_old_pdf_kept(tmp_path, page):
    pdf_path(page).write_bytes(b"%PDF-old")
    hangs = _browser(tmp_path, "hangs", "sleep 30")
    with pytest.raises(RenderError, match=r"took longer than 0\.5 s"):
        print_pdf(page, browser=str(hangs), timeout=0.5)
    assert pdf_path(page).read_bytes() == b"%PDF-old"
    assert sorted(p.name for p in page.parent.iterdir()) == ["study.html", "study.pdf"]


@pytest.mark.skipif(os.name != "posix", reason="shell-script stand-in browsers")
def test_a_failing_or_silent_browser_is_a_located_error(tmp_path, page):
    fails = _browser(tmp_path, "fails", "echo 'no display' >&2; exit 3")
    with pytest.raises(RenderError, match=r"study.html: .*exit 3.*no display"):
        print_pdf(page, browser=str(fails))
    silent = _browser(tmp_path, "silent", "exit 0")
    with pytest.raises(RenderError, match="wrote no PDF"):
        print_pdf(page, browser=str(silent))
    assert not pdf_path(page).exists()


@pytest.mark.skipif(os.name != "posix", reason="shell-script stand-in browsers")
def test_one_failed_pdf_is_a_failed_result_not_a_stopped_stage(tmp_path, page):
    fails = _browser(tmp_path, "fails", "exit 1")
    ok = ReportResult(None, "Studierapport", "study.html", "ok", None, {})
    failed = ReportResult("A", "Instelling A", "institutions/a.html", "failed", "boom", {})
    results = write_pdfs([ok, failed], page.parent, browser=str(fails), progress=False)
    assert [(r.path, r.status) for r in results] == [("study.pdf", "failed")]
    assert "exit 1" in results[0].error


def _writes(folder: Path, name: str, content: str) -> Path:
    """A stand-in browser that writes ``content`` (printf format) where it is told to."""
    return _browser(folder, name, 'for a in "$@"; do case $a in --print-to-pdf=*) '
                    'out="${a#--print-to-pdf=}";; esac; done\n'
                    f"printf '{content}' > \"$out\"")


@pytest.mark.skipif(os.name != "posix", reason="shell-script stand-in browsers")
def test_a_pdf_cut_short_by_a_full_disk_is_refused_and_the_old_one_kept(tmp_path, page):
    pdf_path(page).write_bytes(b"%PDF-old")
    whole = _writes(tmp_path, "whole", "%%PDF-1.7\\n1 0 obj\\n%%%%EOF\\n")
    assert print_pdf(page, tmp_path / "whole.pdf", browser=str(whole)).read_bytes() == (
        b"%PDF-1.7\n1 0 obj\n%%EOF\n")
    cut = _writes(tmp_path, "cut", "%%PDF-1.7\\n1 0 obj\\n<< /Type /Pa")
    with pytest.raises(RenderError) as caught:
        print_pdf(page, browser=str(cut))
    message = str(caught.value)
    assert "study.html: cut wrote an incomplete PDF (29 bytes, no end-of-file marker; " in (
        message)
    assert f" free in {page.parent})" in message and "free some space" in message
    assert pdf_path(page).read_bytes() == b"%PDF-old"
    assert sorted(p.name for p in page.parent.iterdir()) == ["study.html", "study.pdf"]


@pytest.mark.skipif(os.name != "posix", reason="shell-script stand-in browsers")
def test_a_full_disk_in_the_pdf_stage_is_a_failed_pdf_listed_in_the_manifest(
        tmp_path, page, monkeypatch):
    reports = page.parent
    pdf_path(page).write_bytes(b"%PDF-old")
    (reports / "manifest.json").write_text(json.dumps({"reports": []}), encoding="utf-8")
    real = files.tempfile.mkstemp

    def no_space_for_pdfs(*args, prefix="", **kwargs):
        if prefix.endswith(".pdf."):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, prefix=prefix, **kwargs)

    monkeypatch.setattr(files.tempfile, "mkstemp", no_space_for_pdfs)
    whole = _writes(tmp_path, "whole", "%%PDF-1.7\\n%%%%EOF\\n")
    ok = ReportResult(None, "Studierapport", "study.html", "ok", None, {}, rendered=True)
    (result,) = pipeline._pdf_stage([ok], reports, str(whole), 1, False)
    assert result.status == "failed"
    assert result.error.startswith(f"{reports / 'study.pdf'}: the disk is full: study.pdf "
                                   "could not be written (")
    assert "\n" not in result.error
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    assert [(e["path"], e["status"], e["made"]) for e in manifest["pdfs"]] == [
        ("study.pdf", "failed", False)]
    assert pdf_path(page).read_bytes() == b"%PDF-old"  # the earlier PDF is kept
    assert sorted(p.name for p in reports.iterdir()) == ["manifest.json", "study.html",
                                                         "study.pdf"]
