"""What a build renders and what became of it: report jobs, their results, file names.

A :class:`ReportJob` says which notebook renders with which parameters to which file; a
:class:`ReportResult` is what happened to it, one entry of ``manifest.json``. Both are
plain data, shared by the stages that plan (:mod:`readiness_analysis.build.pipeline`),
render (:mod:`readiness_analysis.build.render`, :mod:`readiness_analysis.build.batch`) and
report progress (:mod:`readiness_analysis.build.progress`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from readiness_analysis.core.files import text_sha256
from readiness_analysis.core.version import package_version
from readiness_analysis.report.text import DEFAULT_LANGUAGE

__all__ = ["ReportJob", "ReportResult", "slugify"]


# Names that Windows refuses as file names, whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
             *(f"lpt{i}" for i in range(1, 10))}


def slugify(name: str) -> str:
    """A file-name-safe slug: ASCII letters, digits and hyphens only.

    Examples
    --------
    >>> slugify("ROC van Amsterdam – MBO College West")
    'roc-van-amsterdam-mbo-college-west'
    >>> slugify("../../etc/passwd")
    'etc-passwd'
    >>> slugify("职业教育学院")  # no Latin letters: a stable name from a hash
    'i-9cf37a5f7f'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].rstrip("-")
    if slug and slug not in _RESERVED:
        return slug
    return "i-" + text_sha256(name)[:10]


@dataclass(frozen=True)
class ReportJob:
    """One report to render: which notebook, with which parameters, to which file.

    ``title`` names the report in the index, the manifest and the console; the page's
    ``<title>`` is ``page_title`` and its header ``site_name`` (the study's title), each
    ``title`` and the catalogue's site name when not given.
    """

    title: str
    notebook: Path
    output: Path
    parameters: dict
    lang: str = DEFAULT_LANGUAGE
    institution: str | None = None
    page_title: str | None = None
    site_name: str | None = None


@dataclass
class ReportResult:
    """What happened to one report; one entry of ``manifest.json``.

    Attributes
    ----------
    institution, title, path, parameters
        Which report (``path`` relative to the report folder).
    status : {"ok", "failed"}
        ``ok``: the file at ``path`` is a good report for the current inputs.
    error : str or None
        Why it failed.
    package_version : str
        Version of readiness-analysis that rendered it.
    duration_s : float
        Seconds its render took (when it was rendered).
    inputs : dict
        SHA-256 of the raw files and notebooks it was rendered from.
    rendered : bool
        True when this build rendered it; False when the report from an earlier build
        was kept because its inputs had not changed (or, with ``--institution``, because
        it was not selected).
    input_hash : str or None
        SHA-256 over everything the report depends on (see
        :mod:`readiness_analysis.build.incremental`); ``input_parts`` has the hash of each part.
    output_sha256 : str or None
        SHA-256 of the HTML file written.
    companions : dict
        The files written beside the report with it, path (relative to the report
        folder) → SHA-256: an institution report's action plan (:mod:`.plans`).
    """

    institution: str | None
    title: str
    path: str
    status: str
    error: str | None
    parameters: dict
    package_version: str = package_version()
    duration_s: float = 0.0
    inputs: dict = field(default_factory=dict)
    rendered: bool = True
    input_hash: str | None = None
    input_parts: dict = field(default_factory=dict)
    output_sha256: str | None = None
    companions: dict = field(default_factory=dict)
