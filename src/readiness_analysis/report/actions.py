"""The action section of an institution report, and the action plan a school edits.

Per priority of page one (:func:`~readiness_analysis.report.institution.first_priorities`:
the same recommendations in the same order, with the same close-call wording), what the
study advises: its tip with its links, the first step it suggests (``first_step`` in the
study file), who in the school it concerns (``concerns``), and the scan questions to ask
again next school year (the items of the recommendation's themes, in the instrument's
words). A part the study does not give is said to be missing, never made up. A study
without recommendations gets no section and no plan.

The same rows are the **action plan** (:func:`action_plan`), with empty columns the school
fills in (owner, deadline, status). The build writes it beside the report as CSV and as
Markdown (:func:`plan_files`, names from :func:`plan_names`), and points the report's
links at those files (:func:`link_plan`). The CSV is written for a spreadsheet:

- **UTF-8 with a byte-order mark.** Excel on Windows, where a school opens a CSV with a
  double click, reads a CSV without the mark in the computer's ANSI code page and garbles
  ë, é and –; with it, Excel reads UTF-8. LibreOffice, Google Sheets and pandas
  (``encoding="utf-8-sig"``) read the mark as what it is.
- **The language's field separator** (:func:`list_separator`): a semicolon in the Dutch
  plan, because Excel splits a CSV at the list separator of the regional settings, which
  is ``;`` where the comma is the decimal sign (Dutch settings); a comma in English.
- **Formula-safe:** text cells a spreadsheet would run as a formula (``= + - @``) get a
  leading apostrophe (:func:`readiness_analysis.core.files.excel_safe`).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from readiness_analysis.core.files import excel_safe
from readiness_analysis.core.words import Localised
from readiness_analysis.report.common import has_section, tip
from readiness_analysis.report.data import ReportData
from readiness_analysis.report.html import heading, labelled
from readiness_analysis.report.institution import first_priorities, place, stability_line
from readiness_analysis.report.labels import called
from readiness_analysis.report.numbers import locale
from readiness_analysis.report.text import DEFAULT_LANGUAGE, text

__all__ = ["PLAN_COLUMNS", "PLAN_FORMATS", "action_plan", "action_section", "link_plan",
           "list_separator",
           "plan_csv", "plan_files", "plan_markdown", "plan_names", "remeasured_items"]

PLAN_COLUMNS = ("priority", "recommendation", "first_step", "concerns", "measure", "owner",
                "deadline", "status")
"""The plan's columns (catalogue ``actions.columns.*``); the last three the school fills in."""
PLAN_FORMATS = ("csv", "md")
_TO_FILL = ("owner", "deadline", "status")
# The report's links to its plan files (see link_plan), whatever the attributes' order.
_PLAN_LINK = re.compile(r'<a\b[^>]*\bdata-action-plan="(csv|md)"[^>]*>')
_HREF = re.compile(r'\bhref="[^"]*"')


def remeasured_items(data: ReportData, rec_id: str, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """The scan questions to ask again for a recommendation: its themes' item texts.

    In the instrument's order and words (never item ids); the themes are the study's
    links of the recommendation (:meth:`readiness_analysis.spec.study.Study.links`).

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> remeasured_items(load_report_data("data/processed", "Instelling A"), "R2")[0]
    ... # doctest: +SKIP
    'Ik ken de visie van mijn instelling op blended leren.'
    """
    themes = data.study.links(data.instrument).get(rec_id, [])
    return [Localised(item.text)[lang] for item in data.instrument.items
            if item.theme in themes]


def _entries(data: ReportData, lang: str) -> list[dict]:
    """One entry per priority of page one: the recommendation, its place and its parts."""
    rows = first_priorities(data)
    # Ranked as on page one: more than one recommendation and a basis (else no ranks).
    ranked = len(data.study.recommendations) > 1 and bool(rows["rank"].notna().any())
    entries = []
    for row in rows.itertuples():
        rec = data.study.recommendation(row.recommendation)
        entries.append({"rec": rec, "place": place(row) if ranked else "",
                        "number": data.study.number(rec.id),
                        "items": remeasured_items(data, rec.id, lang)})
    return entries


def _title(entry: dict, lang: str) -> str:
    """The recommendation as a school reads it: title and its number in the study."""
    return text("actions.title", lang, title=entry["rec"].title[lang], n=entry["number"])



def _block(entry: dict, named: str, lang: str) -> str:
    """One priority: heading, tip, first step, who it concerns, questions to ask again."""
    rec = entry["rec"]
    title = _title(entry, lang)
    head = text("actions.block", lang, place=entry["place"], title=title) if entry["place"] \
        else title
    parts = [f"<h3>{html.escape(head)}</h3>", tip(rec, named, lang),
             labelled(text("actions.columns.first_step", lang),
                      rec.first_step[lang] if rec.first_step
                      else text("actions.no_first_step", lang, called=named)),
             labelled(text("actions.columns.concerns", lang),
                      rec.concerns[lang] if rec.concerns
                      else text("actions.no_concerns", lang, called=named))]
    if entry["items"]:
        listed = "".join(f"<li>{html.escape(item)}</li>" for item in entry["items"])
        parts.append(f"<p><strong>{text('actions.measure', lang)}:</strong></p>"
                     f"<ul class='remeasure'>{listed}</ul>")
    else:
        parts.append(labelled(text("actions.measure", lang), text("actions.no_items", lang)))
    return f"<section class='action'>{''.join(parts)}</section>"


def _plan_links(lang: str) -> str:
    """The paragraph that links the report to its plan files (resolved by :func:`link_plan`)."""
    names = plan_names("", lang)
    anchors = {fmt: f'<a href="{html.escape(names[fmt], quote=True)}" data-action-plan="{fmt}">'
               f'{text(f"actions.as_{fmt}", lang)}</a>' for fmt in PLAN_FORMATS}
    return f"<p>{text('actions.plan_link', lang, csv=anchors['csv'], md=anchors['md'])}</p>"


def action_section(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """The action section: per priority of page one what to do, for whom, and what to measure.

    Nothing when the study has no recommendations. The blocks follow
    :func:`~readiness_analysis.report.institution.first_priorities`; when they are ranked,
    the close-call line of :func:`~readiness_analysis.report.institution.stability_line`
    comes first, as on page one. Ends with the links to the editable plan beside the report.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> section = action_section(load_report_data("data/processed", "Instelling A"))
    ... # doctest: +SKIP
    >>> section.data.count("<section class='action'>")  # doctest: +SKIP
    3
    """
    if not has_section(data, "recommendations"):
        return HTML("")
    entries = _entries(data, lang)
    named = called(data.study, lang)
    ranked = any(entry["place"] for entry in entries)
    intro = text("actions.intro" if ranked else "actions.intro_unranked", lang, called=named)
    close = stability_line(data, lang) if ranked else ""
    parts = [heading("actions.heading", lang).data, f"<p>{html.escape(intro)}</p>"]
    if close:
        parts.append(f"<p>{html.escape(close)}</p>")
    parts += [_block(entry, named, lang) for entry in entries]
    parts.append(_plan_links(lang))
    return HTML("".join(parts))


def action_plan(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The action plan: one row per priority of the action section, headers in ``lang``.

    Columns :data:`PLAN_COLUMNS` (catalogue ``actions.columns.*``): the place ("" when
    nothing is ranked), the recommendation, its first step and who it concerns (a short
    note when the study does not say), the questions to ask again (one per line), and
    empty owner, deadline and status columns for the school. No rows without
    recommendations.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> plan = action_plan(load_report_data("data/processed", "Instelling A"), "en")
    ... # doctest: +SKIP
    >>> list(plan.columns)[-3:]  # doctest: +SKIP
    ['Owner', 'Deadline', 'Status']
    """
    entries = _entries(data, lang) if has_section(data, "recommendations") else []
    named = called(data.study, lang)
    missing = text("actions.not_given", lang, called=named)
    rows = [{"priority": entry["place"], "recommendation": _title(entry, lang),
             "first_step": entry["rec"].first_step[lang] if entry["rec"].first_step else missing,
             "concerns": entry["rec"].concerns[lang] if entry["rec"].concerns else missing,
             "measure": "\n".join(entry["items"]),
             **dict.fromkeys(_TO_FILL, "")} for entry in entries]
    frame = pd.DataFrame(rows, columns=list(PLAN_COLUMNS), dtype=str)
    return frame.rename(columns={c: text(f"actions.columns.{c}", lang) for c in PLAN_COLUMNS})


def list_separator(lang: str = DEFAULT_LANGUAGE) -> str:
    """The field separator a spreadsheet expects in ``lang``: ``;`` or ``,``.

    ``;`` where the decimal sign is a comma (Excel splits at the regional list separator,
    which is then ``;``), else ``,``.

    Examples
    --------
    >>> list_separator("nl"), list_separator("en")
    (';', ',')
    """
    return ";" if locale(lang).number_symbols["latn"]["decimal"] == "," else ","


def plan_csv(plan: pd.DataFrame, lang: str = DEFAULT_LANGUAGE, note: str = "") -> str:
    r"""The plan as CSV text for a spreadsheet: byte-order mark, the language's separator.

    Formula-safe (:func:`~readiness_analysis.core.files.excel_safe`); ``note`` (e.g. that
    the data are synthetic) comes as a line of its own before the header.

    Examples
    --------
    >>> plan = pd.DataFrame({"Eerste stap": ["=HYPERLINK(1)", "Bel; mail"]})
    >>> plan_csv(plan, "nl")
    '\ufeffEerste stap\n\'=HYPERLINK(1)\n"Bel; mail"\n'
    """
    separator = list_separator(lang)
    lines = excel_safe(plan).to_csv(index=False, sep=separator, lineterminator="\n")
    if note:
        lines = excel_safe(pd.DataFrame({note: []})).to_csv(
            index=False, sep=separator, lineterminator="\n") + lines
    return "\ufeff" + lines


def _cell(value: str) -> str:
    """A Markdown table cell: pipes escaped, line breaks as ``<br>``, no raw HTML."""
    escaped = (str(value).replace("\\", "\\\\").replace("|", "\\|")
               .replace("<", "&lt;").replace(">", "&gt;"))
    return "<br>".join(line.strip() for line in escaped.splitlines()) or " "


def plan_markdown(plan: pd.DataFrame, title: str, lang: str = DEFAULT_LANGUAGE,
                  note: str = "") -> str:
    r"""The plan as a Markdown document: a title, what to fill in, ``note``, the table.

    Examples
    --------
    >>> plan = pd.DataFrame({"Eerste stap": ["a | b"], "Eigenaar": [""]})
    >>> print(plan_markdown(plan, "Actieplan", "nl").splitlines()[-1])
    | a \| b |   |
    """
    parts = [f"# {title}", "", text("actions.plan_note", lang,
                                    measure=text("actions.columns.measure", lang))]
    if note:
        parts += ["", f"**{note}**"]
    header = "| " + " | ".join(_cell(c) for c in plan.columns) + " |"
    rule = "|" + "|".join("---" for _ in plan.columns) + "|"
    rows = ["| " + " | ".join(_cell(v) for v in row) + " |"
            for row in plan.itertuples(index=False)]
    return "\n".join([*parts, "", header, rule, *rows]) + "\n"


def plan_names(report: str | Path, lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The plan's file names beside a report: ``<report stem>.<word for plan>.<format>``.

    Examples
    --------
    >>> plan_names("reports/institutions/instelling-a.html")
    {'csv': 'instelling-a.actieplan.csv', 'md': 'instelling-a.actieplan.md'}
    >>> plan_names("instelling-a.en.html", "en")["csv"]
    'instelling-a.en.action-plan.csv'
    """
    stem = Path(report).stem if str(report) else ""
    word = text("actions.file", lang)
    return {fmt: f"{stem}.{word}.{fmt}" if stem else f"{word}.{fmt}" for fmt in PLAN_FORMATS}


def plan_files(data: ReportData, report: str | Path,
               lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The plan files to write beside ``report``: file name → text; none without priorities.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> data = load_report_data("data/processed", "Instelling A")  # doctest: +SKIP
    >>> sorted(plan_files(data, "instelling-a.html"))  # doctest: +SKIP
    ['instelling-a.actieplan.csv', 'instelling-a.actieplan.md']
    """
    plan = action_plan(data, lang)
    if plan.empty:
        return {}
    note = text("synthetic", lang) if data.synthetic else ""
    title = text("actions.plan_title", lang, institution=data.own_institution())
    names = plan_names(report, lang)
    return {names["csv"]: plan_csv(plan, lang, note),
            names["md"]: plan_markdown(plan, title, lang, note)}


def link_plan(page: str, report: str | Path, lang: str = DEFAULT_LANGUAGE) -> str:
    """Point the page's links to its plan (from :func:`action_section`) at the plan files.

    Examples
    --------
    >>> link_plan('<a data-action-plan="csv" href="actieplan.csv">', "reports/a.html")
    '<a data-action-plan="csv" href="a.actieplan.csv">'
    """
    names = plan_names(report, lang)

    def point(match: re.Match) -> str:
        href = f'href="{html.escape(names[match[1]], quote=True)}"'
        return _HREF.sub(lambda _: href, match[0], count=1)

    return _PLAN_LINK.sub(point, page)


#: The MIME type of the notebook output that carries the plan to the build.
PLAN_MIME = "application/vnd.readiness-analysis.action-plan+json"


def plan_output(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> dict[str, object]:
    """The plan as a notebook output: the build writes it beside the report, then drops it.

    The kernel that shows the report has its data loaded and its ranking computed, so the
    plan is made there (``{format: text}``, empty without priorities), not again in the
    build's own process. Display it with ``display(plan_output(data, lang), raw=True)``;
    the HTML page never shows it (:func:`readiness_analysis.build.render.render_notebook`
    takes it out).

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> out = plan_output(load_report_data("data/processed", "Instelling A"))  # doctest: +SKIP
    >>> sorted(out[PLAN_MIME])  # doctest: +SKIP
    ['csv', 'md']
    """
    files = plan_files(data, "", lang)
    return {PLAN_MIME: {Path(name).suffix.lstrip("."): body for name, body in files.items()},
            "text/plain": text("actions.plan_output", lang)}
