"""Small helpers several test modules share (no fixtures: those are in conftest.py)."""

from __future__ import annotations

import re

import pytest

from .paths import STUDY_TEXT

BUILD_TIME = re.compile(rb"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")

#: Skip a test that reads the published study's text when it is not beside the repository.
needs_study_text = pytest.mark.skipif(not STUDY_TEXT.exists(),
                                      reason="shared/ study text not beside the repo")


def normalise_printed(text: str) -> str:
    r"""Undo the printed layout of a text: line-break hyphenation, tabs, repeated spaces.

    Examples
    --------
    >>> normalise_printed("blen-\n  ded\tleren")
    'blended leren'
    """
    return " ".join(re.sub(r"-\s*\n\s*", "", text).split())


def without_build_time(page: bytes) -> bytes:
    """A report with its provenance date (the only thing that varies between builds) masked.

    Examples
    --------
    >>> without_build_time(b"built 2026-01-02 03:04 UTC")
    b'built <build time>'
    """
    return BUILD_TIME.sub(b"<build time>", page)
