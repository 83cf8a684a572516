"""Where the files that tests read live: the repository, its demo data and notebooks.

Tests take these as fixtures (``repo_root``, ``raw_dir``, ``notebooks_dir``,
``study_text`` in ``tests/conftest.py``). This module is for the few places a fixture
cannot reach because they run when the test module is imported: a ``skipif`` condition,
a module constant, a hypothesis strategy.
"""

from __future__ import annotations

from pathlib import Path

#: The repository (the folder holding pyproject.toml).
ROOT = Path(__file__).resolve().parents[1]
#: The demo raw data a build reads (data/raw).
RAW = ROOT / "data" / "raw"
#: The report notebooks (notebooks/).
NOTEBOOKS = ROOT / "notebooks"
#: The published study's text; beside the repository, so it may be absent.
STUDY_TEXT = ROOT.parent / "shared" / "study" / "handreiking-blended-learning.txt"
#: Reference data and sample files (tests/fixtures); read them through tests/references.py.
FIXTURES = ROOT / "tests" / "fixtures"
