"""Shared fixtures: the repository's demo data and one demo build per test session."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from readiness_analysis.build import build
from readiness_analysis.instrument import load_instrument

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
NOTEBOOKS = ROOT / "notebooks"
STUDY_TEXT = ROOT.parent / "shared" / "study" / "handreiking-blended-learning.txt"


@pytest.fixture(scope="session")
def instrument():
    return load_instrument()


@pytest.fixture
def raw_copy(tmp_path) -> Path:
    """A private copy of the demo raw data, for tests that alter it."""
    target = tmp_path / "raw"
    shutil.copytree(RAW, target)
    return target


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory):
    """Build every demo report once (Dutch) into a temporary folder."""
    base = tmp_path_factory.mktemp("demo")
    result = build(RAW, base / "processed", base / "reports", notebooks_dir=NOTEBOOKS, jobs=2)
    return result, base


BUILD_TIME = re.compile(rb"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


def without_build_time(page: bytes) -> bytes:
    """A report with its provenance date (the only thing that varies between builds) masked."""
    return BUILD_TIME.sub(b"<build time>", page)
