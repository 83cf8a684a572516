"""Self-contained pages: every demo report, opened in headless Chromium, shows no console
message and requests nothing from the network.

Chromium comes from Debian's packages (`.ci/run` installs it when missing); without it the
test is skipped with a message. Screenshots land in `test-artifacts/screenshots/`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from ..paths import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
pytestmark = [
    pytest.mark.notebooks,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install "
                       "chromium)"),
]


def open_in_chromium(page: Path, screenshot: Path) -> tuple[list[str], list[str]]:
    """Render ``page``; return its console lines and the URLs the page itself requested."""
    with tempfile.TemporaryDirectory() as profile:
        netlog = Path(profile) / "net.json"
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-sync",
             "--disable-component-update", f"--user-data-dir={profile}/p",
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


def test_checker_catches_console_errors_and_requests(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<html lang="nl"><body><script>console.error("boom")</script>'
                    '<img src="https://example.invalid/x.png" alt="x"></body></html>')
    console, requested = open_in_chromium(page, tmp_path / "bad.png")
    assert any("boom" in line for line in console)
    assert requested == ["https://example.invalid/x.png"]


def test_every_report_renders_offline_without_console_messages(demo_build):
    _, base = demo_build
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages = sorted((base / "reports").rglob("*.html"))
    assert len(pages) == 5  # index, study and three institutions
    for page in pages:
        shot = ARTIFACTS / f"{page.stem}.png"
        console, requested = open_in_chromium(page, shot)
        assert console == [], (page.name, console)
        assert requested == [], (page.name, requested)
        assert shot.stat().st_size > 10_000, page.name
