"""The PDF stage (build/pdf.py) without a real browser: finding one, and a browser that
hangs, fails or writes nothing. Real PDFs: tests/e2e/test_print_and_phone.py."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from readiness_analysis.build.jobs import ReportResult
from readiness_analysis.build.pdf import find_chromium, pdf_path, print_pdf, write_pdfs
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
