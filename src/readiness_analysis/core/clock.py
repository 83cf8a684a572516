"""The time a build says it ran at: now, or ``SOURCE_DATE_EPOCH`` for reproducible builds.

``SOURCE_DATE_EPOCH`` (seconds since 1970-01-01 UTC) is the convention of
reproducible-builds.org: when it is set, the provenance date in the reports and the
manifest's ``generated`` use it, so two builds of the same inputs are byte-identical.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from readiness_analysis.core.errors import ReadinessError

__all__ = ["EPOCH_ENV", "build_time"]

EPOCH_ENV = "SOURCE_DATE_EPOCH"


def build_time() -> datetime:
    """The build's time in UTC: ``SOURCE_DATE_EPOCH`` when set, otherwise now.

    Examples
    --------
    >>> import os
    >>> os.environ["SOURCE_DATE_EPOCH"] = "1764028800"
    >>> build_time().isoformat()
    '2025-11-25T00:00:00+00:00'
    >>> del os.environ["SOURCE_DATE_EPOCH"]
    """
    value = os.environ.get(EPOCH_ENV, "").strip()
    if not value:
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (ValueError, OverflowError, OSError):
        raise ReadinessError(
            f"{EPOCH_ENV}={value!r} is not a number of seconds since 1970-01-01",
            hint=f"set it to e.g. $(git log -1 --format=%ct), or unset {EPOCH_ENV}",
        ) from None
