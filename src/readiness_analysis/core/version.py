"""The installed package version, read once on first use."""

from __future__ import annotations

from functools import cache

__all__ = ["package_version"]


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
