"""Perspectives and groups in an institution report: theme profiles per role and per group.

As the EU SELFIE school report puts the views of school leaders, teachers and students
side by side, :func:`perspective_section` shows, when the scan has a ``role`` or
``group`` column with at least two roles (or groups) that may be shown, per dimension a
table (themes x roles, the number of respondents per column), a dot plot (one marker per
role and theme) and the largest gaps in words. Which cells may be shown, and which
gaps named, is decided by :mod:`readiness_analysis.stats.perspectives` (small cells and
every cell that would give a small one away are suppressed; gaps only between shown
cells). Without the columns the section is empty.
"""

from __future__ import annotations

import html
import textwrap

import matplotlib

matplotlib.use("Agg")  # reports are rendered headless

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML
from matplotlib import ticker

from readiness_analysis.io.perspectives import PERSPECTIVES, ROLE
from readiness_analysis.report.data import ReportData
from readiness_analysis.report.html import figure, heading
from readiness_analysis.report.labels import theme_labels, unit_noun
from readiness_analysis.report.numbers import decimal
from readiness_analysis.report.plots import figure_text
from readiness_analysis.report.text import DEFAULT_LANGUAGE, text
from readiness_analysis.stats.perspectives import largest_gaps, perspective_summary
from readiness_analysis.stats.scores import READINESS

__all__ = ["MIN_SHOWN", "category_labels", "perspective_figure", "perspective_section",
           "perspective_table", "perspectives_shown"]

#: Fewest shown roles (or groups) for a comparison: one alone compares with nothing.
MIN_SHOWN = 2
_WIDTH = 4.8  # inches: a column of a phone (390 px) shows the text at >= 10 px
_TEXT_PT = 11.0
_WRAP = 20  # characters a line of a theme name on the y axis
_MARKERS = ("o", "s", "D", "^", "v", "P", "X", "<", ">", "h")
_COLOURS = ("#1b6ca8", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d",
            "#e6ab02", "#666666", "#17becf")
_GREY = "#6b7785"


def _summary(data: ReportData) -> pd.DataFrame:
    """The own institution's perspective summary (latest wave), cells suppressed."""
    return perspective_summary(data.scores, weighted=data.weighted)


def perspectives_shown(summary: pd.DataFrame) -> list[str]:
    """The dimensions (``role``, ``group``) with at least :data:`MIN_SHOWN` shown categories.

    Examples
    --------
    >>> s = pd.DataFrame({"dimension": ["role", "role", "group"],
    ...                   "category": ["a", "b", "x"], "suppressed": [False, False, False]})
    >>> perspectives_shown(s)
    ['role']
    """
    if summary.empty:
        return []
    shown = summary[~summary["suppressed"].astype(bool)]
    counts = shown.groupby("dimension")["category"].nunique()
    return [d for d in PERSPECTIVES if counts.get(d, 0) >= MIN_SHOWN]


def category_labels(data: ReportData, dimension: str, categories, lang: str) -> dict[str, str]:
    """Category -> label: a role's label from the instrument (else the value), a group as is.

    Ordered as the report shows them: declared roles in the instrument's order, the rest
    sorted.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> from readiness_analysis.report.data import ReportData
    >>> e = pd.DataFrame()
    >>> data = ReportData(e, e, e, e, e, {}, load_instrument())
    >>> category_labels(data, "group", ["Team B", "Team A"], "nl")
    {'Team A': 'Team A', 'Team B': 'Team B'}
    """
    values = sorted({str(c) for c in categories})
    if dimension == ROLE:
        declared = list(data.instrument.respondent_roles)
        values.sort(key=lambda v: (declared.index(v) if v in declared else len(declared), v))
        return {v: data.instrument.role_label(v, lang) for v in values}
    return {v: v for v in values}


def _lowered(data: ReportData, dimension: str, category: str, label: str) -> str:
    """A declared role's label inside a sentence ("docenten"); names stay as written."""
    if dimension == ROLE and category in data.instrument.respondent_roles:
        return label[:1].lower() + label[1:]
    return label


def perspective_table(data: ReportData, summary: pd.DataFrame, dimension: str,
                      lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Themes x categories of ``dimension``: mean per cell, "not shown" where suppressed.

    Column headers carry the number of respondents (the most over the themes); the last
    column is the whole institution. Rows: the instrument's themes, then the overall score.
    """
    cells = summary[summary["dimension"] == dimension]
    labels = category_labels(data, dimension, cells["category"].unique(), lang)
    themes = theme_labels(data.instrument, lang)
    present = set(cells["theme"].astype(str))
    order = [t for t in [*data.instrument.theme_ids, READINESS] if t in present]
    shown = cells["mean"].map(lambda v: decimal(v, lang, 1)).where(
        ~cells["suppressed"].astype(bool), text("perspectives.hidden", lang))
    wide = pd.DataFrame({"theme": cells["theme"].astype(str), "category": cells["category"],
                         "shown": shown}).pivot(index="theme", columns="category",
                                                values="shown")
    wide = wide.reindex(index=order, columns=list(labels)).fillna("–")
    n = cells.groupby("category")["n"].max()
    wide.columns = [text("perspectives.column", lang, label=labels[c], n=int(n[c]))
                    for c in labels]
    total = cells.drop_duplicates("theme").set_index(cells["theme"].drop_duplicates().astype(str))
    everyone = text("perspectives.column", lang,
                    label=text("perspectives.everyone", lang, units=unit_noun(data.study, lang)),
                    n=int(total["n_all"].max()))
    wide[everyone] = total["mean_all"].reindex(order).map(lambda v: decimal(v, lang, 1)).values
    wide.insert(0, text("perspectives.theme", lang), [themes.get(t, t) for t in order])
    return wide.reset_index(drop=True)


def perspective_figure(data: ReportData, summary: pd.DataFrame, dimension: str,
                       lang: str = DEFAULT_LANGUAGE) -> plt.Figure:
    """A dot plot: per theme one marker per shown category, the institution as a grey bar.

    Only themes on the instrument's default scale and the overall score are drawn (one
    axis, one range); suppressed cells are not drawn. Sized for a phone: 5 inches wide,
    text of at least 11 points.
    """
    default = data.instrument.default_scale
    same = [t for t in data.instrument.theme_ids
            if data.instrument.scale_of_theme(t).same_range(default)]
    cells = summary[(summary["dimension"] == dimension)
                    & summary["theme"].astype(str).isin([*same, READINESS])]
    order = [t for t in [*same, READINESS] if t in set(cells["theme"].astype(str))]
    labels = category_labels(data, dimension, cells["category"].unique(), lang)
    themes = theme_labels(data.instrument, lang)
    y = {t: k for k, t in enumerate(order)}
    fig, ax = plt.subplots(figsize=(_WIDTH, 0.5 * len(order) + 1.8), dpi=110,
                           layout="constrained")
    total = cells.drop_duplicates("theme")
    ax.scatter(total["mean_all"], total["theme"].astype(str).map(y), marker="|", s=260,
               color=_GREY, linewidths=2.5, zorder=2,
               label=figure_text(text("perspectives.everyone", lang,
                                      units=unit_noun(data.study, lang))))
    shown = cells[~cells["suppressed"].astype(bool)]
    for k, category in enumerate(c for c in labels if c in set(shown["category"])):
        own = shown[shown["category"] == category]
        ax.scatter(own["mean"], own["theme"].astype(str).map(y), zorder=3, s=46,
                   marker=_MARKERS[k % len(_MARKERS)], color=_COLOURS[k % len(_COLOURS)],
                   label=figure_text(labels[category]))
    ax.set_yticks(range(len(order)),
                  [textwrap.fill(figure_text(themes.get(t, t)), _WRAP) for t in order])
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlim(default.min - 0.1, default.max + 0.1)
    ax.xaxis.set_major_locator(ticker.MultipleLocator(1))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: decimal(v, lang, 0)))
    ax.set_xlabel(figure_text(text("perspectives.axis", lang)), fontsize=_TEXT_PT)
    ax.tick_params(labelsize=_TEXT_PT)
    ax.grid(axis="x", color="#dde3ea", zorder=0)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", ncol=2, frameon=False, fontsize=_TEXT_PT)
    return fig


def _gap_lines(data: ReportData, summary: pd.DataFrame, dimension: str, lang: str) -> list[str]:
    """The largest gaps in words ("Leidinggevenden zijn positiever over Visie ...")."""
    gaps = largest_gaps(summary, dimension)
    labels = category_labels(data, dimension, summary["category"].unique(), lang)
    themes = theme_labels(data.instrument, lang)
    lines = []
    for gap in gaps.itertuples(index=False):  # at most three rows
        high, low = decimal(gap.mean_high, lang, 1), decimal(gap.mean_low, lang, 1)
        if high == low:
            continue
        lines.append(text(f"perspectives.gap.{dimension}", lang,
                          high=labels[gap.high], theme=themes.get(str(gap.theme), gap.theme),
                          low=_lowered(data, dimension, gap.low, labels[gap.low]),
                          mean_high=high, mean_low=low))
    return lines


def _alt(data: ReportData, summary: pd.DataFrame, dimension: str, lang: str) -> str:
    shown = summary[(summary["dimension"] == dimension) & ~summary["suppressed"].astype(bool)]
    labels = category_labels(data, dimension, shown["category"].unique(), lang)
    scale = data.instrument.default_scale
    return text(f"perspectives.alt.{dimension}", lang, labels=", ".join(labels.values()),
                low=scale.min, high=scale.max)


def _block(data: ReportData, summary: pd.DataFrame, dimension: str, lang: str) -> str:
    """One dimension's heading, table, figure and gaps, as markup."""
    table = perspective_table(data, summary, dimension, lang)
    body = table.to_html(index=False, escape=True, border=0, classes="data-table", na_rep="–")
    parts = [heading(f"perspectives.by.{dimension}", lang, level=3).data,
             f"<div class='table-wrap'>{body}</div>",
             figure(perspective_figure(data, summary, dimension, lang),
                    alt=_alt(data, summary, dimension, lang)).data]
    lines = _gap_lines(data, summary, dimension, lang)
    if lines:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        parts.append(f"<p>{text('perspectives.gaps', lang)}</p><ul>{items}</ul>")
    return "".join(parts)


def perspective_section(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """The perspectives section: per role and per group, themes side by side; else nothing.

    Shown when the institution's latest wave has a ``role`` or ``group`` column with at
    least :data:`MIN_SHOWN` roles (or groups) that may be shown
    (:func:`readiness_analysis.stats.perspectives.perspective_summary`).

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> data = load_report_data("data/processed", "Instelling A")  # doctest: +SKIP
    >>> perspective_section(data).data  # no role or group column  # doctest: +SKIP
    ''
    """
    summary = _summary(data)
    dimensions = perspectives_shown(summary)
    if not dimensions:
        return HTML("")
    units = unit_noun(data.study, lang)
    parts = [heading("perspectives.heading", lang).data,
             f"<p>{html.escape(text('perspectives.intro', lang))}</p>"]
    parts += [_block(data, summary, d, lang) for d in dimensions]
    note = text("perspectives.hidden_note", lang, units=units)
    parts.append(f"<p class='caption'>{html.escape(note)}</p>")
    parts.append(f"<p>{html.escape(text('perspectives.caution', lang))}</p>")
    return HTML("".join(parts))
