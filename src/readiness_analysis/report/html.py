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
import math
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.transforms import Bbox
from PIL import Image

from readiness_analysis.report.plots import drawn_texts
from readiness_analysis.report.text import DEFAULT_LANGUAGE, text

__all__ = ["APPENDIX", "NARROW_PAGE", "banner", "caption", "column_widths", "figure",
           "heading", "labelled",
           "min_text_px", "paragraph", "prose", "quotes", "responsive_figure", "table"]

#: Pages this narrow (phones) get the narrow version of a :func:`responsive_figure`.
NARROW_PAGE = "(max-width: 40rem)"


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
    >>> paragraph("suppressed", "en", units="respondents").data
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

    The table scrolls sideways inside its own box on a narrow screen (``.table-wrap``),
    never the page; its ``<colgroup>`` gives each column a width it keeps there
    (:func:`column_widths`; the table is at least their sum, ``--columns``, on a phone), so
    that a short value (a number, an interval) stays on one line and a column of
    sentences does not become a tower one word wide. On a wide screen the columns share
    the page; the print stylesheet sets the widths aside: in print the table fits the page.

    Examples
    --------
    >>> page = table(pd.DataFrame({"a": ["<x>"]})).data
    >>> "<td>&lt;x&gt;</td>" in page, "<col style='width: 2.85em'>" in page
    (True, True)
    >>> "<table style='--columns: 2.85em' class=" in page
    True
    """
    body = frame.to_html(index=False, escape=True, border=0, classes="data-table", na_rep="–")
    widths = column_widths(frame)
    if widths:  # a table narrower than its columns would squeeze them again: on a phone
        cols = "".join(f"<col style='width: {w:g}em'>" for w in widths)  # it is their sum
        wide = f"<table style='--columns: {round(sum(widths), 2):g}em'"
        body = body.replace("<table", wide, 1).replace(">", f"><colgroup>{cols}</colgroup>", 1)
    cap = f"<p class='caption'>{html.escape(caption)}</p>" if caption else ""
    return HTML(f"<div class='table-wrap'>{cap}{body}</div>")


_SHORT = 16  # characters: a value this long or shorter is kept on one line
_TEXT_EM = (8.0, 14.0)  # narrowest and widest column of sentences, in em


def column_widths(frame: pd.DataFrame) -> list[float]:
    """The width (em) each column of :func:`table` keeps on a narrow screen.

    A column whose values all have at most 16 characters is as wide as its longest value
    on one line (about 0.55 em a character, plus the cell's padding), or as the longest
    word of its header (bold, about 0.62 em a character) when that is wider; a column with
    longer values (sentences) gets 8 to 14 em, by its longest value, and wraps inside that.

    Examples
    --------
    >>> column_widths(pd.DataFrame({"ci": ["2,11 – 3,62"], "note": ["a long note " * 5]}))
    [7.25, 14.0]
    >>> column_widths(pd.DataFrame({"Gemiddelde": ["2,11"]}))
    [7.4]
    """
    widths = []
    for column in frame.columns:
        longest = max((len(str(v)) for v in frame[column].dropna()), default=1)
        header = max((len(word) for word in str(column).split()), default=1)
        if longest <= _SHORT:
            widths.append(round(max(longest * 0.55, header * 0.62) + 1.2, 2))
        else:
            widths.append(min(max(longest * 0.4, header * 0.62 + 1.2, _TEXT_EM[0]),
                              _TEXT_EM[1]))
    return widths


def min_text_px(fig: plt.Figure) -> float:
    """The smallest text the figure draws, in pixels of its PNG at its own dpi.

    From the figure's Text artists (:func:`readiness_analysis.report.plots.drawn_texts`):
    points × dpi / 72. A browser showing the PNG ``w`` pixels wide draws it at
    ``min_text_px × w / natural width`` CSS pixels (the phone test checks ≥ 10). A
    figure without text gives 0.

    Examples
    --------
    >>> fig, ax = plt.subplots(dpi=100)
    >>> _ = ax.set_xticks([]); _ = ax.set_yticks([]); _ = ax.set_title("t", fontsize=9)
    >>> min_text_px(fig)
    12.5
    >>> plt.close(fig)
    """
    sizes = [t.get_fontsize() for t in drawn_texts(fig)]
    return round(min(sizes) * fig.dpi / 72, 2) if sizes else 0.0


def _png(fig: plt.Figure, tight: bool) -> tuple[str, float]:
    """The figure as a PNG data URI and its smallest text in px; then closed.

    No timestamp or software tag. ``tight`` crops to what is drawn, as
    ``bbox_inches="tight"`` does (see :func:`_tight_png`); without it the figure's own
    margins are kept.
    """
    png = _tight_png(fig) if tight else _savefig(fig, None)
    smallest = min_text_px(fig)  # after drawing: the tick labels shown exist now
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii"), smallest


def _tight_png(fig: plt.Figure) -> bytes:
    """The figure as ``savefig(bbox_inches="tight")`` writes it, without drawing it twice.

    For "tight", ``savefig`` first draws the whole figure without rendering it (a layout
    engine, even the placeholder ``tight_layout`` leaves, asks for that too), then
    measures what is drawn and draws it again at the cropped size, on a new canvas whose
    text is measured anew. A figure laid out already (``tight_layout``, or none) needs
    neither: its box is measured on the canvas that laid it out (its text measured and
    cached there), the figure is drawn once on that canvas, and the box is cut out of
    the pixels (:func:`_cropped`). The picture is the same, up to the fraction of a
    pixel by which ``savefig`` would shift it. A figure with an active layout engine
    (constrained), or with something drawn outside its own area, goes the way
    ``savefig`` goes.
    """
    engine = fig.get_layout_engine()
    renderer = getattr(fig.canvas, "get_renderer", None)
    if renderer is None or not (engine is None or isinstance(engine, PlaceHolderLayoutEngine)):
        return _savefig(fig, "tight")
    box = fig.get_tightbbox(renderer()).padded(matplotlib.rcParams["savefig.pad_inches"])
    fig.set_layout_engine(None)  # laid out: no placeholder asking savefig for a draw
    if fig.get_layout_engine() is not None:  # rcParams turn on a layout: the long way
        fig.set_layout_engine(engine)
        return _savefig(fig, "tight")
    pixels = _cropped(fig, box)
    return _savefig(fig, box) if pixels is None else _encoded(pixels, fig.dpi)


def _cropped(fig: plt.Figure, box: Bbox) -> np.ndarray | None:
    """The figure drawn on its own canvas, cut to ``box`` (inches); None if not in it.

    The cut is as large as ``savefig(bbox_inches=box)`` makes its canvas (the box's size
    in whole pixels, as ``FigureCanvasBase.get_width_height`` takes it), from the pixel
    row and column the box starts in.
    """
    rgba = getattr(fig.canvas, "buffer_rgba", None)  # Agg's canvas
    if rgba is None:
        return None
    dpi = fig.dpi
    width, height = (int(size * dpi + 1e-8) for size in (box.width, box.height))
    left, top = math.floor(box.x0 * dpi), math.floor(fig.bbox.height - box.y1 * dpi)
    canvas_width, canvas_height = fig.canvas.get_width_height(physical=True)
    if left < 0 or top < 0 or left + width > canvas_width or top + height > canvas_height:
        return None
    fig.canvas.draw()
    return np.array(np.asarray(rgba())[top:top + height, left:left + width])  # a copy


def _savefig(fig: plt.Figure, bbox_inches: str | Bbox | None) -> bytes:
    """The figure's PNG (cropped to ``bbox_inches``), without timestamp or software tag.

    With a box (or none), matplotlib renders the pixels and Pillow writes them as
    :func:`_encoded` says; for ``"tight"`` (the box is known only while saving)
    matplotlib writes the PNG itself.
    """
    if isinstance(bbox_inches, str):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches=bbox_inches)
        return buffer.getvalue()
    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", bbox_inches=bbox_inches)
    # the pixels' shape is that of the canvas savefig drew on (Agg's, still the figure's)
    canvas = getattr(getattr(fig.canvas, "renderer", None), "buffer_rgba", None)
    shape = np.asarray(canvas()).shape if canvas is not None else ()
    if len(shape) != 3 or np.prod(shape) != len(raw.getvalue()):  # not Agg: matplotlib's way
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches=bbox_inches)
        return buffer.getvalue()
    return _encoded(np.frombuffer(raw.getvalue(), np.uint8).reshape(shape), fig.dpi)


def _encoded(pixels: np.ndarray, dpi: float) -> bytes:
    """RGBA pixels as PNG: RGB when every pixel is opaque, zlib level 3.

    matplotlib writes RGBA at Pillow's default level 6; a report figure is opaque (white
    ground), so the alpha channel is all 255 and level 3 packs the three others smaller
    than that, in half the time. The pixels are the same; so is the resolution tag.
    """
    opaque = bool((pixels[..., 3] == 255).all())
    image = Image.fromarray(np.ascontiguousarray(pixels[..., :3]) if opaque else pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="png", dpi=(dpi, dpi), compress_level=3)
    return buffer.getvalue()


def _figcaption(caption: str) -> str:
    return f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""


def figure(fig: plt.Figure, alt: str, caption: str = "") -> HTML:
    """Embed a figure as a PNG with alt text and an optional caption, then close it.

    The PNG carries no timestamp or software tag, so the same data give the same bytes.
    The image's ``data-min-text-px`` is its smallest text in px at its natural size
    (:func:`min_text_px`).

    Examples
    --------
    >>> fig, ax = plt.subplots(figsize=(2, 1), dpi=50)
    >>> page = figure(fig, alt="a <b>").data
    >>> "alt='a &lt;b&gt;'" in page, "data-min-text-px=" in page
    (True, True)
    """
    uri, smallest = _png(fig, tight=True)
    return HTML(
        f"<figure><img src='{uri}' alt='{html.escape(alt, quote=True)}' "
        f"data-min-text-px='{smallest:g}'>{_figcaption(caption)}</figure>"
    )


def responsive_figure(wide: plt.Figure, narrow: plt.Figure, *, alt: str,
                      caption: str = "") -> HTML:
    """Like :func:`figure`, with a version for phones.

    Both figures are embedded as PNG, each with its own ``data-min-text-px``; the browser
    shows ``narrow`` on pages of at most :data:`NARROW_PAGE` and ``wide`` elsewhere (a
    ``<picture>``, no script). Both keep their own margins (no tight crop: see
    :func:`readiness_analysis.report.plots.institution_caterpillar`) and are closed.

    Examples
    --------
    >>> figs = [plt.subplots(figsize=(w, 1), dpi=50)[0] for w in (4, 2)]
    >>> page = responsive_figure(*figs, alt="x").data
    >>> page.count("data-min-text-px="), "<source media='(max-width: 40rem)'" in page
    (2, True)
    """
    (wide_uri, wide_px), (narrow_uri, narrow_px) = (_png(f, tight=False) for f in (wide, narrow))
    return HTML(f"<figure><picture><source media='{NARROW_PAGE}' srcset='{narrow_uri}' "
                f"data-min-text-px='{narrow_px:g}'>"
                f"<img src='{wide_uri}' alt='{html.escape(alt, quote=True)}' "
                f"data-min-text-px='{wide_px:g}'></picture>{_figcaption(caption)}</figure>")


def link_label(link: str, siblings: tuple[str, ...]) -> str:
    """What a link reads as: its site ("npuls.nl"), and its page when a sibling shares the site.

    Examples
    --------
    >>> link_label("https://www.npuls.nl/x", ("https://www.npuls.nl/x",))
    'npuls.nl'
    >>> pair = ("https://a.nl/over-ons/", "https://a.nl/onderzoek-b")
    >>> [link_label(link, pair) for link in pair]
    ['a.nl: over ons', 'a.nl: onderzoek b']
    """
    def site(url: str) -> str:
        return urlsplit(url).netloc.lower().removeprefix("www.")

    host = site(link)
    if sum(site(other) == host for other in siblings) < 2:
        return host
    page = PurePosixPath(urlsplit(link).path.rstrip("/")).stem.replace("-", " ").strip()
    return f"{host}: {page}" if page else host


def links(urls: tuple[str, ...]) -> str:
    """Markup of web links as escaped anchors that open in a new tab, joined by commas.

    Each reads as :func:`link_label` says (the site, and the page when two share a site).

    Examples
    --------
    >>> links(("https://npuls.nl/a?b=1&c=2",))[:60]
    '<a href="https://npuls.nl/a?b=1&amp;c=2" rel="noopener noref'
    """
    return ", ".join(
        f'<a href="{html.escape(link, quote=True)}" rel="noopener noreferrer" '
        f'target="_blank">{html.escape(link_label(link, urls))}</a>' for link in urls)
