"""The HTML page every report and the index share: one self-contained file in one look.

:func:`page_html` wraps a body (a rendered notebook, the index table) in the page template
(``report/templates/page.html.j2``) with the stylesheet inlined, so a page opens from a
shared drive without any other file. :func:`index_body` is the body of ``index.html``:
every report with its status. The words of the page chrome and the index come from the
text catalogue (groups ``page`` and ``index``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Protocol

import jinja2

from readiness_analysis.core.files import write_text
from readiness_analysis.core.version import package_version
from readiness_analysis.report.text import catalogue, text

__all__ = ["Listed", "index_body", "page_html", "write_page"]

_TEMPLATES = "templates"


class Listed(Protocol):
    """One report as the index lists it (a :class:`readiness_analysis.build.jobs.ReportResult`)."""

    title: str
    path: str
    status: str
    error: str | None
    parameters: dict


@cache
def _env() -> jinja2.Environment:
    loader = jinja2.PackageLoader("readiness_analysis.report", _TEMPLATES)
    return jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(["j2"]))


@cache
def _css() -> str:
    ref = resources.files("readiness_analysis.report") / _TEMPLATES / "report.css"
    return ref.read_text("utf-8")


def page_html(*, title: str, body: str, lang: str, home: str | None = None,
              footer: str | None = None, site_name: str | None = None) -> str:
    """One self-contained HTML page in the shared look.

    ``body`` is trusted HTML (already escaped by its producer); ``title``, ``footer`` and
    ``site_name`` are escaped here. ``footer`` defaults to the catalogue's ``page.footer``
    (the package name and version), ``site_name`` (the header; the build passes the
    study's title) to ``page.site_name``. The header's site name links to ``home`` (a
    page relative to this one) when given; a report gets none, for it must stand on its
    own: a school receives only its own file, without the index or the other reports.

    Examples
    --------
    >>> page = page_html(title="A & B", body="<p>x</p>", lang="en", footer="f")
    >>> "<title>A &amp; B" in page and '<html lang="en">' in page and "<a " not in page
    True
    >>> 'href="index.html"' in page_html(title="t", body="", lang="en", home="index.html")
    True
    """
    if footer is None:
        footer = text("page.footer", lang, version=package_version())
    return _env().get_template("page.html.j2").render(
        title=title, body=jinja2.utils.markupsafe.Markup(body), lang=lang,
        css=jinja2.utils.markupsafe.Markup(_css()),  # the package's own; escaped, its quotes broke
        home=home, footer=footer, version=package_version(),
        site_name=site_name or text("page.site_name", lang),
    )


def write_page(path: Path, *, title: str, body: str, lang: str, home: str | None = None,
               footer: str | None = None, site_name: str | None = None) -> None:
    """Write one self-contained HTML page in the shared look (atomically).

    As :func:`page_html`; a file that already holds exactly this page is left untouched.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "index.html"
    >>> write_page(target, title="t", body="<p>x</p>", lang="en", home="index.html")
    >>> target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    """
    page = page_html(title=title, body=body, lang=lang, home=home, footer=footer,
                     site_name=site_name)
    if not (path.is_file() and path.read_text(encoding="utf-8") == page):
        write_text(path, page)


def index_body(results: Iterable[Listed], *, lang: str, synthetic_note: str | None) -> str:
    """HTML body of ``reports/index.html``: every report with its status.

    When the reports are not all in one language (``--institution`` with another
    ``--lang`` than the earlier build), each title says its language.

    Examples
    --------
    >>> from types import SimpleNamespace as Report
    >>> nl = Report(title="Studierapport", path="study.html", status="ok", error=None,
    ...             parameters={"lang": "nl"})
    >>> en = Report(title="Instelling A", path="a.html", status="ok", error=None,
    ...             parameters={"lang": "en"})
    >>> "Instelling A (en)" in index_body([nl, en], lang="nl", synthetic_note=None)
    True
    >>> "(nl)" in index_body([nl], lang="nl", synthetic_note=None)
    False
    """
    results = list(results)
    words = catalogue(lang)
    languages = {_language(r, lang) for r in results}
    entries = [
        {"title": r.title if len(languages) < 2
         else text("index.in_language", lang, title=r.title,
                   language=_language(r, lang)),
         "path": r.path, "status": r.status, "error": r.error,
         "status_label": words.get(f"index.state.{r.status}", r.status)}
        for r in results
    ]
    headers = [text(f"index.{column}", lang) for column in ("report", "status", "message")]
    return _env().get_template("index_body.html.j2").render(
        heading=text("index.heading", lang), headers=headers, entries=entries,
        synthetic=synthetic_note,
    )


def _language(result: Listed, default: str) -> str:
    return (result.parameters or {}).get("lang", default)
