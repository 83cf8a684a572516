"""Shared fixtures: the repository's paths, the instrument, and one demo build per session.

Paths are fixtures so that a test says what it reads in its signature; the same paths as
constants, for the few uses at import time, are in ``tests/paths.py``. Reference results
of R and published examples are read through ``tests/references.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from readiness_analysis.build.pipeline import build
from readiness_analysis.spec.codebook import load_codebook
from readiness_analysis.spec.instrument import load_instrument

from .paths import NOTEBOOKS, RAW, ROOT, STUDY_TEXT


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository: the folder holding pyproject.toml."""
    return ROOT


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The demo raw data (data/raw); read it, never write it (see ``raw_copy``)."""
    return RAW


@pytest.fixture(scope="session")
def notebooks_dir() -> Path:
    """The report notebooks (notebooks/)."""
    return NOTEBOOKS


@pytest.fixture(scope="session")
def study_text() -> Path:
    """The published study's text file (mark the test ``helpers.needs_study_text``)."""
    return STUDY_TEXT


@pytest.fixture(scope="session")
def instrument():
    return load_instrument()


@pytest.fixture(scope="session")
def codebook():
    return load_codebook()


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

