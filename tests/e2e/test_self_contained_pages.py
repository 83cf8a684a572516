"""Self-contained pages: every demo report, opened in headless Chromium, shows no console
message and requests nothing from the network.

Chromium comes from Debian's packages (`.ci/run` installs it when missing); without it the
test is skipped with a message. Screenshots land in `test-artifacts/screenshots/`.
"""

from __future__ import annotations

import pytest

from ..browser import NEEDS_CHROMIUM, open_in_chromium
from ..paths import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
pytestmark = [pytest.mark.notebooks, NEEDS_CHROMIUM]


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
