"""The installed package version, read once on first use, and a SHA-256 of the package."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from readiness_analysis.core.files import chunks_sha256, file_sha256

__all__ = ["package_sha", "package_version"]


@cache
def package_version() -> str:
    """The installed version (importlib.metadata takes a while to import: only on demand).

    Examples
    --------
    >>> package_version().count(".") >= 2
    True
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("readiness-analysis")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0.0.0+unknown"


def package_sha() -> str:
    """SHA-256 of the package version and its own files (code, templates, data).

    An edited source tree (an editable install) renders again without a version bump.

    Examples
    --------
    >>> len(package_sha())
    64
    """
    root = Path(str(resources.files("readiness_analysis")))
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return chunks_sha256(package_version(),
                         *(f"{p.relative_to(root)}:{file_sha256(p)}" for p in files))
