"""Print and phone: every demo report as PDF loses nothing, and reads at 390 px.

(a) Each demo report (study + three institutions) is printed to PDF through the
package's own ``--pdf`` stage (:func:`readiness_analysis.build.pdf.write_pdfs`); its PDF
text holds every table column header of the HTML, its structure tree every figure's alt
text (Chromium writes tagged PDFs), page one the report's title and the synthetic banner,
and no page ends on a heading. (b) At 390 px in headless Chromium the page does not scroll
sideways, nothing sticks out of the viewport except inside its own scroll box, no short
table value (a number, an interval) wraps and no column of sentences is a tower, and every
figure's text is drawn at 10 CSS px or more (``data-min-text-px`` × rendered width /
natural width). Each checker is also run on a page made to fail it.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import time
import unicodedata
from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import pypdf
import pytest

from readiness_analysis.build import pipeline
from readiness_analysis.build.pdf import pdf_path, print_pdf, write_pdfs
from readiness_analysis.cli import main
from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.report.html import figure

from ..browser import CHROMIUM, NEEDS_CHROMIUM, measure
from ..paths import RAW

pytestmark = [pytest.mark.notebooks, NEEDS_CHROMIUM]
PHONE = 390
MIN_TEXT_PX = 10.0


# --- what the checkers read -------------------------------------------------------------

def _plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def _squeezed(text: str) -> str:
    """Text without white space (a PDF breaks lines and long words where HTML did not)
    and with ligatures (the font's "ﬁ") as their letters."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def column_headers(page: str) -> list[str]:
    """The text of every ``<th>`` in a table header of the page."""
    heads = re.findall(r"<thead>(.*?)</thead>", page, re.S)
    return [h for head in heads for h in map(_plain, re.findall(r"<th[^>]*>(.*?)</th>", head,
                                                                 re.S)) if h.strip()]


def alt_texts(page: str) -> list[str]:
    """The alt text of every image of the page."""
    return [html.unescape(a) for _, a in re.findall(r"<img [^>]*alt=(['\"])(.*?)\1", page)]


def pdf_alt_texts(reader: pypdf.PdfReader) -> list[str]:
    """Every ``/Alt`` entry of the PDF's structure tree (a tagged PDF's figure texts)."""
    found: list[str] = []
    todo = [reader.trailer["/Root"].get("/StructTreeRoot")]
    while todo:
        node = todo.pop()
        node = node.get_object() if node is not None else None
        if isinstance(node, pypdf.generic.ArrayObject):
            todo.extend(node)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if "/Alt" in node:
                found.append(str(node["/Alt"]))
            todo.append(node.get("/K"))
    return found


_PAGE_NUMBER = re.compile(r"^\s*\d+ / \d+\s*|\s*\d+ / \d+\s*$")


def pdf_problems(page_file: Path, pdf_file: Path) -> list[str]:
    """What the PDF lost of the HTML page: headers, alt texts, page one, kept headings."""
    page = page_file.read_text(encoding="utf-8")
    reader = pypdf.PdfReader(pdf_file)
    pages = [_PAGE_NUMBER.sub("", p.extract_text() or "") for p in reader.pages]
    text = _squeezed("".join(pages))
    problems = [f"column header lost: {h}" for h in column_headers(page)
                if _squeezed(h) not in text]
    alts = {_squeezed(a) for a in pdf_alt_texts(reader)}
    problems += [f"alt text lost: {a[:60]}" for a in alt_texts(page) if _squeezed(a) not in alts]
    first = _squeezed(pages[0])
    title = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    banner = re.search(r"<div class=['\"]banner synthetic['\"][^>]*>(.*?)</div>", page, re.S)
    for what, found in (("title", title), ("synthetic banner", banner)):
        if found is None or _squeezed(_plain(found.group(1))) not in first:
            problems.append(f"page one lacks the {what}")
    for number, body in enumerate(pages[:-1], start=1):
        end = _squeezed(body)
        for heading, (intro, introduces) in headings_of(page).items():
            tail = end[end.rindex(heading) + len(heading):] if heading in end else None
            if tail == "":
                problems.append(f"page {number} ends on the heading {heading}")
            elif tail and intro.startswith(tail) and (tail != intro or introduces):
                problems.append(f"page {number} ends on the heading {heading} and "
                                + ("its text" if tail == intro else "the start of its text"))
    return problems


def headings_of(page: str) -> dict[str, tuple[str, bool]]:
    """Headings and labels that must not end a page: their paragraph and what follows.

    h2-h4, the Bloem's title and a label paragraph before quotes (squeezed text), each
    with the paragraph right after it (when one comes before any table, figure or quote)
    and whether a figure, table or quote follows that paragraph. A page must not end on
    a heading, on a heading and the start of its paragraph, nor on a heading and the
    paragraph that introduces a figure or table on the next page.
    """
    found = [(m.group(2), m.end()) for m in
             re.finditer(r"<h([2-4])[^>]*>(.*?)</h\1>", page, re.S)]
    found += [(m.group(1), m.end()) for m in
              re.finditer(r"<p class=.bloem-title.>(.*?)</p>", page, re.S)]
    found += [(m.group(1), m.end()) for m in
              re.finditer(r"<p><strong>([^<]*)</strong></p>(?=\s*<blockquote)", page)]
    out = {}
    for heading, end in found:
        after = re.match(r"((?:(?!<table|<figure|<blockquote|<h[1-4]).)*?)<p[^>]*>(.*?)</p>",
                         page[end:], re.S)
        intro = _squeezed(_plain(after.group(2))) if after else ""
        rest = page[end + after.end():] if after else ""
        introduces = bool(re.match(r"(?:(?!<p[ >]|<h[1-4]).)*?<(figure|table|blockquote)",
                                   rest, re.S))
        out[_squeezed(_plain(heading))] = (intro, introduces)
    return out


# --- (a) PDF ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def printed(demo_build, tmp_path_factory):
    """The demo reports copied to a folder of their own and printed there by the build's
    PDF stage (the demo build's own folder stays as other tests expect it)."""
    result, base = demo_build
    reports = tmp_path_factory.mktemp("print") / "reports"
    shutil.copytree(base / "reports", reports)
    start = time.perf_counter()
    pdfs = write_pdfs(result.reports, reports, browser=CHROMIUM, jobs=2, progress=False)
    return result, reports, pdfs, time.perf_counter() - start


def test_every_demo_report_prints_with_every_column_alt_text_and_banner(printed):
    result, reports, pdfs, seconds = printed
    assert len(result.reports) == 4  # the study and three institutions
    assert [p.status for p in pdfs] == ["ok"] * 4, [p.error for p in pdfs]
    assert seconds < 60
    for report in result.reports:
        page, pdf = reports / report.path, pdf_path(reports / report.path)
        assert pdf.is_file(), report.path
        style = re.search(r"<style>(.*?)</style>", page.read_text(encoding="utf-8"), re.S)
        assert "&#34;" not in style.group(1), "the stylesheet was HTML-escaped"
        assert column_headers(page.read_text(encoding="utf-8")), report.path  # not vacuous
        assert pdf_problems(page, pdf) == [], report.path
    institution = reports / result.reports[1].path
    assert alt_texts(institution.read_text(encoding="utf-8")), "no figure to check"


def test_page_one_of_every_institution_pdf_holds_the_decision(printed):
    result, reports, _, _ = printed
    institutions = [r for r in result.reports if r.path.startswith("institutions/")]
    assert len(institutions) == 3
    for report in institutions:
        page = (reports / report.path).read_text(encoding="utf-8")
        summary = re.search(r"<ul class=.priorities.>(.*?)</ul>", page, re.S).group(1)
        titles = [_plain(t) for t in re.findall(r"<strong>(.*?)</strong>", summary)]
        assert len(titles) >= 3, report.path  # the first three places, ties kept whole
        reader = pypdf.PdfReader(pdf_path(reports / report.path))
        first = _squeezed(reader.pages[0].extract_text())
        for words in ["Wie deden mee", "Eerst aanpakken", "Sterke punten", *titles]:
            assert _squeezed(words) in first, (report.path, words)
        assert _squeezed("Wat nu te doen") not in first  # the summary ends page one


def test_the_pdf_has_page_numbers(printed):
    _, reports, pdfs, _ = printed
    reader = pypdf.PdfReader(reports / pdfs[0].path)
    total = len(reader.pages)
    assert total > 1
    for number, page in enumerate(reader.pages, start=1):
        assert f"{number} / {total}" in page.extract_text(), number


def test_an_up_to_date_pdf_is_kept_and_a_stale_one_printed_again(printed):
    result, reports, _, _ = printed
    kept = [replace(r, rendered=False) for r in result.reports]
    assert [p.made for p in write_pdfs(kept, reports, browser=CHROMIUM, progress=False)] == [
        False] * 4
    stale = reports / kept[2].path
    later = pdf_path(stale).stat().st_mtime_ns + 10**9
    os.utime(stale, ns=(later, later))
    again = write_pdfs(kept[2:3], reports, browser=CHROMIUM, progress=False)
    assert [(p.made, p.status) for p in again] == [(True, "ok")]


def test_failed_reports_get_no_pdf(printed, tmp_path):
    result, reports, _, _ = printed
    failed = [replace(result.reports[0], status="failed", error="boom")]
    assert write_pdfs(failed, reports, browser=CHROMIUM, progress=False) == []


def test_the_pdf_checker_sees_a_lost_column(tmp_path):
    page = tmp_path / "clipped.html"
    headers = "".join(f"<th>Kolom{k}nummer</th>" for k in range(1, 11))
    page.write_text("<html lang='nl'><body><h1>Titel</h1><div class='banner synthetic' "
                    "role='note'>Synthetisch</div><div style='overflow-x:auto;width:300px'>"
                    f"<table><thead><tr>{headers}</tr></thead><tbody><tr>"
                    + "<td>x</td>" * 10 + "</tr></tbody></table></div>"
                    "<figure><img src='data:,' alt='Een figuur'></figure></body></html>",
                    encoding="utf-8")
    pdf = tmp_path / "clipped.pdf"
    print_pdf(page, pdf, browser=CHROMIUM)
    problems = pdf_problems(page, pdf)
    assert "column header lost: Kolom10nummer" in problems
    assert "column header lost: Kolom1nummer" not in problems
    assert "page one lacks the title" not in problems


def test_the_pdf_checker_sees_a_heading_stranded_above_its_figure(tmp_path):
    page = tmp_path / "stranded.html"
    page.write_text("<html lang='nl'><body><h1>Titel</h1><div style='height:215mm'>Vulling"
                    "</div><h2>Koptekst</h2><p>Een regel uitleg.</p><figure style='height:150mm;"
                    "break-inside:avoid'>Figuur</figure><p><strong>Citaten</strong></p>"
                    "<blockquote>Een citaat</blockquote></body></html>", encoding="utf-8")
    pdf = tmp_path / "stranded.pdf"
    print_pdf(page, pdf, browser=CHROMIUM)
    assert headings_of(page.read_text(encoding="utf-8")) == {
        "Koptekst": ("Eenregeluitleg.", True), "Citaten": ("", False)}
    problems = pdf_problems(page, pdf)
    assert "page 1 ends on the heading Koptekst and its text" in problems, problems


def test_the_pdf_option_reaches_the_build(monkeypatch):
    seen: dict = {}

    def fake_build(*args, **kwargs):
        seen.update(kwargs)
        raise ReadinessError("stop here")

    monkeypatch.setattr(pipeline, "build", fake_build)
    assert main(["build", "--pdf"]) == 2 and seen["pdf"] is True
    assert main(["build"]) == 2 and seen["pdf"] is False


def test_pdf_without_a_browser_is_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("READINESS_CHROMIUM", str(tmp_path / "no-such-browser"))
    code = main(["build", "--raw", str(RAW), "--processed", str(tmp_path / "p"),
                 "--reports", str(tmp_path / "r"), "--no-progress", "--pdf"])
    err = capsys.readouterr().err
    assert code == 2 and "READINESS_CHROMIUM" in err and "apt-get install chromium" in err
    assert not (tmp_path / "r").exists()  # stopped before anything was written


# --- (a') the print layout, measured in the browser --------------------------------------

PRINT_WIDTH = 688  # CSS px inside A4's margins (210 - 2 x 14 mm)

# The lines an element's text takes: the distinct tops of its text's boxes (both checkers).
_LINES_OF = """
const linesOf = el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
};
"""

_MEASURE_PRINT = _LINES_OF + """
const broken = [], wide = [];
for (const td of document.querySelectorAll('table.data-table td')) {
  const text = td.textContent.trim();
  const lines = linesOf(td);
  const words = text.split(/\\s+/).length;
  if (text && lines > words) broken.push(lines + ' lines: ' + text.slice(0, 40));
}
const page = document.querySelector('main').getBoundingClientRect().width;
for (const table of document.querySelectorAll('table.data-table')) {
  const width = table.getBoundingClientRect().width;
  if (width > page + 0.5) wide.push(Math.round(width) + ' px, the page ' + Math.round(page));
}
return {broken, wide};
"""


def print_problems(page: Path, tmp_path: Path) -> list[str]:
    """What the print layout does wrong: a table value broken inside a word (more lines
    than words: "1 / 4" for 14), a table wider than the page.

    The page is laid out with its print rules as screen rules (``@media print`` as
    ``@media all``), as wide as A4 inside its margins.
    """
    source = page.read_text(encoding="utf-8").replace("@media print {", "@media all {")
    copy = tmp_path / f"print-{page.name}"
    copy.write_text(source, encoding="utf-8")
    seen = measure(copy, _MEASURE_PRINT, width=PRINT_WIDTH, height=1200)
    return ([f"value broken inside a word, {what}" for what in seen["broken"]]
            + [f"table wider than the page: {what}" for what in seen["wide"]])


def test_in_print_no_table_value_breaks_inside_a_word(demo_build, tmp_path):
    _, base = demo_build
    pages = sorted((base / "reports").rglob("*.html"))
    assert len(pages) == 5
    assert {page.name: print_problems(page, tmp_path) for page in pages} == {
        page.name: [] for page in pages}


def test_the_print_checker_sees_a_broken_number_and_a_wide_table(tmp_path):
    squeezed = ("<table class='data-table' style='width: 4em'><tr><td "
                "style='overflow-wrap: anywhere'>20221</td><td>een toren van woorden</td>"
                "</tr></table>")
    wide = "<table class='data-table' style='width: 900px'><tr><td>1</td></tr></table>"
    page = tmp_path / "bad.html"
    page.write_text(f"<!DOCTYPE html><html><body><main>{squeezed}{wide}</main></body></html>",
                    encoding="utf-8")
    problems = print_problems(page, tmp_path)
    assert any(p.startswith("value broken inside a word") and "20221" in p for p in problems)
    assert any(p.startswith("table wider than the page: 900 px") for p in problems)


# --- (b) phone ---------------------------------------------------------------------------

_MEASURE = _LINES_OF + """
const vw = document.documentElement.clientWidth;
const boxed = el => {  // inside a box that scrolls or clips sideways and fits the screen
  for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    const ox = getComputedStyle(p).overflowX;
    if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') {
      const r = p.getBoundingClientRect();
      return r.left >= -0.5 && r.right <= vw + 0.5;
    }
  }
  return false;
};
const sticking = [];
for (const el of document.body.querySelectorAll('*')) {
  const r = el.getBoundingClientRect();
  if ((r.width || r.height) && (r.right > vw + 0.5 || r.left < -0.5) && !boxed(el)) {
    sticking.push(el.tagName + '.' + el.className + ' ' + Math.round(r.left) + '..'
                  + Math.round(r.right));
  }
}
const figures = [...document.querySelectorAll('figure img')].map(img => {
  const picture = img.parentElement.tagName === 'PICTURE' ? img.parentElement : null;
  const source = picture && [...picture.querySelectorAll('source')]
    .find(s => s.srcset === img.currentSrc);
  const px = (source || img).getAttribute('data-min-text-px');
  return {alt: img.alt.slice(0, 50), natural: img.naturalWidth,
          shown: img.getBoundingClientRect().width, px: px === null ? null : Number(px)};
});
const cells = [];  // a short value (number, interval) on more than one line; a tower
for (const td of document.querySelectorAll('table.data-table td')) {
  const text = td.textContent.trim();
  const lines = linesOf(td);
  const width = td.getBoundingClientRect().width;
  const em = parseFloat(getComputedStyle(td).fontSize);
  if (text.length <= 16 && lines > 1) cells.push('short value on ' + lines + ' lines: ' + text);
  if (text.length > 40 && width < 6 * em) cells.push('tower ' + Math.round(width) + ' px: ' + text);
}
return {viewport: vw, scroll: document.documentElement.scrollWidth, sticking, figures, cells};
"""


def phone_problems(page: Path) -> list[str]:
    """What is wrong with the page at 390 px: sideways scroll, sticking out, small text."""
    seen = measure(page, _MEASURE, width=PHONE)
    assert PHONE - 20 <= seen["viewport"] <= PHONE, seen["viewport"]
    problems = []
    if seen["scroll"] > seen["viewport"]:
        problems.append(f"the page scrolls sideways ({seen['scroll']} px)")
    problems += [f"sticks out: {what}" for what in seen["sticking"]]
    problems += [f"table cell: {what}" for what in seen["cells"]]
    for fig in seen["figures"]:
        if fig["px"] is None or not fig["natural"]:
            problems.append(f"figure without a measured text size: {fig['alt']}")
            continue
        drawn = fig["px"] * fig["shown"] / fig["natural"]
        if drawn < MIN_TEXT_PX:
            problems.append(f"figure text {drawn:.1f} px: {fig['alt']}")
    return problems


def test_every_demo_page_reads_at_phone_width(demo_build):
    _, base = demo_build
    pages = [p for p in sorted((base / "reports").rglob("*.html"))]
    assert len(pages) == 5
    figures = 0
    for page in pages:
        assert phone_problems(page) == [], page.name
        figures += page.read_text(encoding="utf-8").count("data-min-text-px")
    assert figures >= 3  # the study's and two per institution: the text check ran


def test_the_phone_checker_sees_a_wide_element_and_small_figure_text(tmp_path):
    fig, ax = plt.subplots(figsize=(8, 2), dpi=100)
    ax.set_title("te klein", fontsize=5)
    ax.tick_params(labelsize=5)
    small = figure(fig, alt="Een figuur met kleine letters").data
    page = tmp_path / "bad.html"
    page.write_text("<html lang='nl'><head><meta name='viewport' content='width=device-width'>"
                    "<style>img { max-width: 100%; }</style></head><body>"
                    "<div style='overflow-x:auto'><div style='width:900px'>in a box</div></div>"
                    "<table class='data-table' style='width:200px'><tr><td>2,11 – 3,62</td>"
                    f"<td>{'een lange toelichting ' * 3}</td>" + "<td>x</td>" * 8 + "</tr></table>"
                    f"<div id='wide' style='width:600px'>too wide</div>{small}</body></html>",
                    encoding="utf-8")
    problems = phone_problems(page)
    assert any(p.startswith("the page scrolls sideways") for p in problems)
    assert any(re.fullmatch(r"sticks out: DIV\.\w* \d+\.\.6\d\d", p) for p in problems)
    assert not any("in a box" in p or "..900" in p for p in problems)
    assert any(p.startswith("figure text") and "kleine letters" in p for p in problems)
    assert "table cell: short value on 3 lines: 2,11 – 3,62" in problems
    assert any(p.startswith("table cell: tower") for p in problems)
