"""A new report language is one catalogue file: a stub language builds every report.

The stub is English with every text marked and its letters' case swapped (placeholders
kept), and German number notation, so that any sentence that does not come from the
catalogue, and any number not formatted by report/numbers.py, shows up in the pages.
"""

from __future__ import annotations

import html
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from readiness_analysis.build.pipeline import build
from readiness_analysis.cli import _parser
from readiness_analysis.report import numbers, text

# The stub catalogue is a file in the installed package while these tests run: every
# other test would see a third language (and a changed package fingerprint), so make test
# runs them alone, after the parallel run (marker "serial").
pytestmark = pytest.mark.serial

STUB = "xx"
MARK = "ẋ"
LOCALE = Path(str(resources.files("readiness_analysis.report"))) / "locale"
PLACEHOLDER = re.compile(r"(\{[a-z_]*\})")


def _stub(value: str) -> str:
    parts = PLACEHOLDER.split(value)
    return MARK + "".join(p if PLACEHOLDER.fullmatch(p) else p.swapcase() for p in parts)


def _mark(tree: dict) -> dict:
    return {k: _mark(v) if isinstance(v, dict) else _stub(str(v)) for k, v in tree.items()}


def _clear_caches() -> None:
    text.languages.cache_clear()
    text.catalogue.cache_clear()
    numbers.locale.cache_clear()


@pytest.fixture(scope="module")
def stub_language():
    """Add report/locale/xx.yaml for the tests of this module, then remove it."""
    target = LOCALE / f"{STUB}.yaml"
    assert not target.exists(), f"{target} is left over from an earlier run: remove it"
    stub = _mark(yaml.safe_load((LOCALE / "en.yaml").read_text(encoding="utf-8")))
    stub["meta"]["locale"] = "de"
    target.write_text(yaml.safe_dump(stub, allow_unicode=True), encoding="utf-8")
    _clear_caches()
    try:
        yield stub
    finally:
        target.unlink()
        _clear_caches()


def test_the_languages_are_the_catalogue_files(stub_language):
    assert STUB in text.languages()
    assert _parser().parse_args(["build", "--lang", STUB]).lang == STUB


def test_every_key_of_the_new_language_renders(stub_language):
    for key, template in text.catalogue(STUB).items():
        if key.startswith("meta."):
            continue  # settings, not text
        values = dict.fromkeys(text.placeholders(template), "1")
        assert text.text(key, STUB, **values).startswith(MARK), key


def test_numbers_follow_the_new_languages_locale(stub_language):
    assert numbers.decimal(2.5, STUB) == "2,50"
    assert numbers.percent(0.12, STUB) == "12\xa0%"


def _sentences(lang: str) -> set[str]:
    """Pieces of catalogue text (between placeholders) long enough to be recognised."""
    pieces = set()
    for template in text.catalogue(lang).values():
        pieces |= {p.strip() for p in PLACEHOLDER.split(template) if len(p.strip()) >= 25}
    return pieces


def test_a_build_in_the_new_language_uses_only_its_catalogue(stub_language, tmp_path,
                                                             notebooks_dir, raw_dir):
    result = build(raw_dir, tmp_path / "processed", tmp_path / "reports",
                   notebooks_dir=notebooks_dir, lang=STUB, progress=False)
    assert result.ok, [r.error for r in result.reports if r.status != "ok"]
    pages = sorted((tmp_path / "reports").rglob("*.html"))
    assert len(pages) == len(result.reports) + 1  # and the index
    # Free text of the inputs (document aims, quotes) is data and stays as written.
    data = "".join(p.read_text(encoding="utf-8") for p in raw_dir.glob("*.csv"))
    other = {s for s in _sentences("nl") | _sentences("en") if s not in data}
    for page in pages:
        body = html.unescape(page.read_text(encoding="utf-8"))
        assert f'lang="{STUB}"' in body, page.name
        assert MARK in body, page.name
        leaked = sorted(s for s in other if s in body)
        assert leaked == [], (page.name, leaked)
