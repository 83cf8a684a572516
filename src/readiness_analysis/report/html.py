"""HTML primitives of a report: headings, paragraphs, captions, banners, quotes, tables, figures.

Each returns an ``IPython.display.HTML`` block for a notebook to display. Sentences come
from the text catalogue (:mod:`readiness_analysis.report.text`) by key or are passed in
ready; whatever comes from data is escaped here. Nothing here knows the report data: the
sections (:mod:`~readiness_analysis.report.institution`, :mod:`~readiness_analysis.report.study`)
decide what to show, these functions how it is marked up.
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML

from readiness_analysis.report.text import DEFAULT_LANGUAGE, text

__all__ = ["APPENDIX", "banner", "caption", "figure", "heading", "labelled", "paragraph",
           "prose", "quotes", "table"]


APPENDIX = "appendix"
"""The ``id`` of the heading that opens a report's method appendix: everything after it is
written for researchers (file names, hashes, statistical terms); everything before it for
the school."""


def heading(key: str, lang: str = DEFAULT_LANGUAGE, level: int = 2, *,
            anchor: str | None = None, **values: object) -> HTML:
    """A report heading from the catalogue; ``values`` (data) are escaped.

    ``anchor`` gives the heading an ``id`` (e.g. :data:`APPENDIX`).

    Examples
    --------
    >>> heading("sq", "en", n=2).data
    '<h2>Sub-question 2</h2>'
    >>> heading("sq", "en", anchor=APPENDIX, n=2).data
    '<h2 id="appendix">Sub-question 2</h2>'
    """
    safe = {k: html.escape(str(v)) for k, v in values.items()}
    ident = f' id="{html.escape(anchor, quote=True)}"' if anchor else ""
    return HTML(f"<h{level}{ident}>{text(key, lang, **safe)}</h{level}>")


def paragraph(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> HTML:
    """A report paragraph from the catalogue; ``values`` (data) are escaped.

    Examples
    --------
    >>> paragraph("suppressed", "en").data
    '<p>Fewer than 3 respondents: not shown.</p>'
    """
    safe = {k: html.escape(str(v)) for k, v in values.items()}
    return HTML(f"<p>{text(key, lang, **safe)}</p>")


def prose(line: str) -> HTML:
    """A paragraph of ready text (made from the catalogue), escaped.

    Examples
    --------
    >>> prose("a < b").data
    '<p>a &lt; b</p>'
    """
    return HTML(f"<p>{html.escape(line)}</p>")


def caption(line: str) -> HTML:
    """A small-print paragraph (a rule, a note under a table), escaped.

    Examples
    --------
    >>> caption("n = 3").data
    "<p class='caption'>n = 3</p>"
    """
    return HTML(f"<p class='caption'>{html.escape(line)}</p>")


def banner(line: str, kind: str = "") -> HTML:
    """A highlighted note (``role='note'``), escaped; ``kind`` adds a CSS class.

    Examples
    --------
    >>> banner("Note", "synthetic").data
    "<div class='banner synthetic' role='note'>Note</div>"
    """
    css = f"banner {kind}" if kind else "banner"
    return HTML(f"<div class='{css}' role='note'>{html.escape(line)}</div>")


def labelled(label: str, line: str) -> str:
    """Markup of a paragraph that starts with a bold catalogue label: "**Tip:** ...".

    ``label`` is catalogue text (not escaped); ``line`` is escaped.

    Examples
    --------
    >>> labelled("Tip", "a & b")
    '<p><strong>Tip:</strong> a &amp; b</p>'
    """
    return f"<p><strong>{label}:</strong> {html.escape(line)}</p>"


def quotes(fragments: pd.DataFrame) -> HTML:
    """Quotes as escaped block quotes (one per fragment text, in the order given).

    Examples
    --------
    >>> quotes(pd.DataFrame({"text": ["a", "a", "<b>"]})).data
    '<blockquote>“a”</blockquote><blockquote>“&lt;b&gt;”</blockquote>'
    """
    unique = fragments.drop_duplicates("text")["text"]
    return HTML("".join(f"<blockquote>“{html.escape(t)}”</blockquote>" for t in unique))


def table(frame: pd.DataFrame, caption: str = "") -> HTML:
    """Show a DataFrame as an accessible, escaped HTML table (no index).

    Examples
    --------
    >>> "<td>&lt;x&gt;</td>" in table(pd.DataFrame({"a": ["<x>"]})).data
    True
    """
    body = frame.to_html(index=False, escape=True, border=0, classes="data-table", na_rep="–")
    cap = f"<p class='caption'>{html.escape(caption)}</p>" if caption else ""
    return HTML(f"<div class='table-wrap'>{cap}{body}</div>")


def figure(fig: plt.Figure, alt: str, caption: str = "") -> HTML:
    """Embed a figure as a PNG with alt text and an optional caption, then close it.

    The PNG carries no timestamp or software tag, so the same data give the same bytes.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return HTML(
        f"<figure><img src='data:image/png;base64,{data}' alt='{html.escape(alt, quote=True)}'>"
        f"{cap}</figure>"
    )
