"""Headless Chromium for the browser tests: open a page, measure it, print it.

Chromium comes from Debian's packages (`.ci/run` installs it when missing); the tests
that need it skip with a message without it (:data:`NEEDS_CHROMIUM`). No extra Python
library drives it: :func:`measure` shows the page in a frame of a page of its own with a
script that writes the page's measurements as JSON into the DOM, and reads them back
from ``--dump-dom``.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NEEDS_CHROMIUM = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
_QUIET = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-sync", "--disable-component-update"]
_RESULT = "readiness-measured"


def open_in_chromium(page: Path, screenshot: Path) -> tuple[list[str], list[str]]:
    """Render ``page``; return its console lines and the URLs the page itself requested."""
    with tempfile.TemporaryDirectory() as profile:
        netlog = Path(profile) / "net.json"
        proc = subprocess.run(
            [CHROMIUM, *_QUIET, f"--user-data-dir={profile}/p",
             "--enable-logging=stderr", "--v=0", f"--log-net-log={netlog}",
             "--window-size=1000,1400", f"--screenshot={screenshot}", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )
        console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
        events = json.loads(netlog.read_text()).get("events", []) if netlog.exists() else []
    requested = set()
    for event in events:
        params = event.get("params") or {}
        url = str(params.get("url", "file:"))
        # The page's own requests carry its file:// origin; Chromium's housekeeping does not.
        own = "file://" in str(params.get("network_isolation_key", ""))
        if own and not url.startswith(("file:", "data:")):
            requested.add(url)
    return console, sorted(requested)


def measure(page: Path, script: str, *, width: int = 390, height: int = 900) -> object:
    """Run ``script`` on ``page`` laid out ``width`` CSS px wide; return what it reported.

    ``script`` is the body of a function of ``document``, ``window`` and
    ``getComputedStyle`` (those of the page), run once the page has loaded; it returns a
    JSON-serialisable value. Headless Chromium keeps its windows at least 500 px wide,
    so the page is shown in an ``<iframe srcdoc>`` of ``width`` px (its media queries
    see that width) inside a page of the test's own, written to a temporary folder (the
    original is not touched).
    """
    source = page.read_text(encoding="utf-8")
    wrapper = (
        "<!DOCTYPE html><html><body style='margin:0'>"
        f"<iframe id='page' style='width:{width}px;height:{height}px;border:0' "
        f"srcdoc=\"{html.escape(source, quote=True)}\"></iframe><script>"
        "const frame = document.getElementById('page');"
        "frame.addEventListener('load', () => {"
        "const w = frame.contentWindow;"
        f"const out = ((document, window, getComputedStyle) => {{ {script} }})"
        "(w.document, w, w.getComputedStyle.bind(w));"
        f"const pre = document.createElement('pre'); pre.id = '{_RESULT}';"
        "pre.textContent = JSON.stringify(out); document.body.appendChild(pre);"
        "});</script></body></html>")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "measure.html"
        copy.write_text(wrapper, encoding="utf-8")
        proc = subprocess.run(
            [CHROMIUM, *_QUIET, f"--user-data-dir={tmp}/profile", "--hide-scrollbars",
             f"--window-size={max(width, 500) + 100},{height + 100}",
             "--virtual-time-budget=10000", "--dump-dom", copy.as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )
    found = re.search(rf'<pre id="{_RESULT}">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"the measuring script reported nothing: {proc.stderr[-500:]}"
    return json.loads(html.unescape(found.group(1)))
