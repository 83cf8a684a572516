"""Plain Dutch, checked: what a school reads in a Dutch report is Dutch a director follows.

The part of a report before its method appendix (the heading with id ``appendix``,
:data:`readiness_analysis.report.html.APPENDIX`) is for the school; everything after it
is for researchers. In the school's part, the visible text (and the figures' alt text, which
a screen reader reads out) holds no word of a small denylist of English words and
technical terms, and no raw identifier: no item id of the instrument (``vis_1``), no
recommendation id (``R3``), no file name (``rejected_rows.csv``), no column name of the
processed tables (``n_teachers``). Quotations (``<blockquote>``) are the guide's verbatim
words and are not checked ("Blended Learning" is the guide's own word).

A Dutch report also stands on its own, as a school receives only its own file: it links
only to web addresses, to anchors in itself, or to files the build writes beside it, never
to the index or another report (``../index.html``).

Every hit is printed with its context, so that a failure says what to fix and where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest

from readiness_analysis.report.html import APPENDIX
from readiness_analysis.spec.instrument import load_instrument
from readiness_analysis.spec.study import load_study

pytestmark = pytest.mark.notebooks

# English words and technical terms that have no place in the school's part of a Dutch
# report (matched case-insensitively on word boundaries; a word also matches its plural).
DENYLIST = (
    "readiness", "report", "parameter", "commit", "codebook", "SHA-256", "SHA256",
    "weighted", "n_teachers", "min. cel", "SD", "Q1", "Q3", ".csv", ".json", ".parquet",
    ".xlsx", ".sav", "rejected_rows", "t-interval", "Kish", "Kruskal-Wallis", "Holm",
    "Monte-Carlo", "seed", "Feldt", "omega", "alpha", "kappa",
)
# Identifier shapes: a file name, a snake_case name (a column, a code, an item id).
FILE_NAME = r"[\w-]+\.(?:csv|json|parquet|xlsx|sav|yaml|ipynb|py)"
SNAKE_CASE = r"[A-Za-z]+(?:_[A-Za-z0-9]+)+"
_BLOCKS = {"p", "div", "td", "th", "li", "tr", "h1", "h2", "h3", "h4", "figcaption",
           "header", "footer", "blockquote", "caption", "table", "figure"}
_HIDDEN = {"head", "style", "script", "title", "template"}


def _term(word: str) -> str:
    """A denylist entry as a pattern: word boundaries where it starts or ends with one."""
    body = re.escape(word) + ("s?" if word.isalpha() else "")
    return (r"(?<!\w)" if word[0].isalnum() else "") + body + (
        r"(?!\w)" if word[-1].isalnum() else "")


def checker(identifiers=()) -> re.Pattern:
    """One pattern for every identifier shape, given identifier and denylist word.

    The shapes come first, so that a file name is found whole (``rejected_rows.csv``).
    """
    terms = [rf"(?<!\w){FILE_NAME}(?!\w)", rf"(?<!\w){SNAKE_CASE}(?!\w)"]
    terms += [_term(i) for i in sorted(set(identifiers))] + [_term(w) for w in DENYLIST]
    return re.compile("|".join(terms), re.IGNORECASE)


class _SchoolPart(HTMLParser):
    """Visible text, alt text and links of a page up to its appendix heading."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.appendix = 0
        self._hidden = 0
        self._quoted = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if attributes.get("id") == APPENDIX:
            self.appendix += 1
        if tag in _HIDDEN:
            self._hidden += 1
        if tag == "blockquote":
            self._quoted += 1
        if tag in ("a", "link") and attributes.get("href") is not None:
            self.links.append(attributes["href"])
        if tag == "img" and attributes.get("alt") and self._reading():
            self.parts.append(f"\n{attributes['alt']}\n")

    def handle_endtag(self, tag):
        if tag in _HIDDEN:
            self._hidden -= 1
        if tag == "blockquote":
            self._quoted -= 1
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._reading():
            self.parts.append(data)

    def _reading(self) -> bool:
        return not (self.appendix or self._hidden or self._quoted)

    @property
    def text(self) -> str:
        return re.sub(r"\s*\n\s*", "\n", re.sub(r"[ \t\xa0]+", " ", "".join(self.parts)))


def school_part(page: str) -> _SchoolPart:
    """Parse a report page: the school's part (before the appendix), all its links and ids."""
    parser = _SchoolPart()
    parser.feed(page)
    parser.close()
    return parser


@dataclass(frozen=True)
class Hit:
    page: str
    found: str
    context: str

    def __str__(self) -> str:
        return f"{self.page}: {self.found!r} in “…{self.context}…”"


def plain_dutch_hits(page: str, name: str, pattern: re.Pattern) -> list[Hit]:
    """Every denylist word or raw identifier in the school's part of ``page``."""
    text = school_part(page).text
    return [Hit(name, m.group(0), text[max(0, m.start() - 50):m.end() + 50].replace("\n", " | "))
            for m in pattern.finditer(text)]


def foreign_links(page: Path) -> list[str]:
    """The links of ``page`` to anything but the web, its own anchors or files beside it.

    A file beside the report is one the build wrote in the report's own folder (an action
    plan, say), not another page: the index and the other reports are pages a school that
    receives only its own file does not have.
    """
    parsed = school_part(page.read_text(encoding="utf-8"))
    bad = []
    for href in parsed.links:
        url = urlsplit(href)
        if url.scheme in ("http", "https") and url.netloc:
            continue
        if href.startswith("#"):
            if href[1:] not in parsed.ids:
                bad.append(f"{href} (no such anchor)")
            continue
        beside = page.parent / url.path
        if (url.scheme or "/" in url.path or not url.path or url.path.endswith(".html")
                or not beside.is_file()):
            bad.append(href)
    return bad


def _identifiers(processed: Path) -> set[str]:
    """The raw identifiers a report must not show to a school: ids and column names."""
    names = set(load_instrument().item_ids) | set(load_study().recommendation_ids)
    for table in processed.glob("*.parquet"):
        names |= {str(c) for c in pd.read_parquet(table).columns if "_" in str(c)}
    return names


def _dutch_reports(reports: Path) -> list[Path]:
    """The Dutch reports of a build: ``<name>.html``, not ``<name>.<lang>.html``."""
    institutions = (reports / "institutions").glob("*.html")
    return [reports / "study.html", *sorted(p for p in institutions if p.suffixes == [".html"])]


# --- the checker catches what it should --------------------------------------------------

PLANTED = f"""<html lang="nl"><head><title>readiness report</title>
<style>.readiness {{}}</style></head><body>
<header class="site">Rapportage</header>
<h1>Gereedheid voor blended leren: Instelling A</h1>
<p>Het Readiness-profiel van vis_1 staat in rejected_rows.csv; SD 0,4.</p>
<img src="data:," alt="staafdiagram met n_teachers">
<blockquote>“Blended Learning report, letterlijk geciteerd.”</blockquote>
<p>Rapportages en readinessscan: geen treffer.</p>
<h2 id="{APPENDIX}">Methode</h2>
<p>SHA-256 van scan_responses.csv, parameter lang, vis_2.</p>
</body></html>"""


def test_the_checker_finds_planted_words_and_identifiers_before_the_appendix():
    hits = plain_dutch_hits(PLANTED, "planted", checker(["vis_1", "vis_2"]))
    for hit in hits:
        print(hit)
    assert [h.found for h in hits] == ["Readiness", "vis_1", "rejected_rows.csv", "SD",
                                       "n_teachers"]
    assert "Readiness-profiel van vis_1" in hits[0].context


def test_the_checker_stops_at_the_appendix_and_needs_one():
    assert school_part(PLANTED).appendix == 1
    assert "SHA-256" not in school_part(PLANTED).text
    assert "SHA-256" in school_part(PLANTED.replace(f' id="{APPENDIX}"', "")).text


def test_the_link_check_finds_links_to_pages_the_school_does_not_have(tmp_path):
    (tmp_path / "instelling-a.acties.csv").write_text("a\n", encoding="utf-8")
    page = tmp_path / "instelling-a.html"
    page.write_text(
        '<html><body><h1 id="top">t</h1><a href="../index.html">home</a>'
        '<a href="https://www.npuls.nl/">Npuls</a><a href="#top">boven</a>'
        '<a href="#gone">weg</a><a href="instelling-b.html">B</a>'
        '<a href="instelling-a.acties.csv">actieplan</a><a href="ontbreekt.csv">x</a>'
        '<a href="file:///etc/passwd">f</a></body></html>', encoding="utf-8")
    assert foreign_links(page) == ["../index.html", "#gone (no such anchor)",
                                   "instelling-b.html", "ontbreekt.csv", "file:///etc/passwd"]


# --- every demo report --------------------------------------------------------------------


def test_every_dutch_report_has_one_method_appendix(demo_build):
    result, base = demo_build
    pages = _dutch_reports(base / "reports")
    assert len(pages) == len(result.reports), [r.error for r in result.failed]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert '<html lang="nl">' in text, page.name
        assert school_part(text).appendix == 1, page.name


def _hits(base: Path, pages: list[Path]) -> list[Hit]:
    pattern = checker(_identifiers(base / "processed"))
    hits = [hit for page in pages
            for hit in plain_dutch_hits(page.read_text(encoding="utf-8"),
                                        str(page.relative_to(base / "reports")), pattern)]
    for hit in hits:
        print(hit)
    return hits


def test_the_school_reads_plain_dutch_before_the_appendix(demo_build):
    _, base = demo_build
    hits = _hits(base, _dutch_reports(base / "reports"))
    assert hits == [], "\n".join(map(str, hits))


def test_a_dutch_report_stands_on_its_own(demo_build):
    _, base = demo_build
    bad = {page.name: foreign_links(page) for page in _dutch_reports(base / "reports")}
    assert {name: links for name, links in bad.items() if links} == {}


def _abbreviations() -> set[str]:
    """Abbreviations in the instrument's Dutch theme labels ("ICT"): always in capitals."""
    instrument = load_instrument()
    labels = [instrument.theme_label(t, "nl") for t in instrument.theme_ids]
    return {word for label in labels for word in re.findall(r"(?<!\w)[A-Z]{2,}(?!\w)", label)}


def lowered_abbreviations(page: str, name: str) -> list[Hit]:
    """Where the school's part of ``page`` writes an abbreviation in small letters ("ict-")."""
    text = school_part(page).text
    return [Hit(name, m.group(0), text[max(0, m.start() - 50):m.end() + 50].replace("\n", " | "))
            for abbreviation in sorted(_abbreviations())
            for m in re.finditer(rf"(?<!\w){abbreviation.lower()}(?!\w)", text)]


def test_the_abbreviation_check_finds_a_lowered_one():
    assert "ICT" in _abbreviations()
    page = ("<p>ICT-infrastructuur; scan: ict-infrastructuur</p>"
            "<blockquote>“een ict achtergrond”</blockquote>")
    assert [h.found for h in lowered_abbreviations(page, "p")] == ["ict"]


def test_abbreviations_keep_their_capitals(demo_build):
    _, base = demo_build
    hits = [hit for page in _dutch_reports(base / "reports")
            for hit in lowered_abbreviations(page.read_text(encoding="utf-8"), page.name)]
    for hit in hits:
        print(hit)
    assert hits == [], "\n".join(map(str, hits))
