"""Seaborn figures for the reports. Each function returns a matplotlib Figure.

Words on a figure (axis titles, legend entries, the small-cell note) come from the text
catalogue (``plots.*``); theme names from :func:`readiness_analysis.report.labels.theme_labels`.
Every word drawn passes through :func:`figure_text`: matplotlib reads ``$...$`` as math,
so a name such as "Kosten $x^$ College" would fail the figure; it is escaped to be drawn
as typed, and a very long name is shortened (the tables keep the full name).
"""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib

matplotlib.use("Agg")  # reports are rendered headless; a GUI backend is never needed

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from readiness_analysis.report.labels import theme_labels
from readiness_analysis.report.text import DEFAULT_LANGUAGE, text
from readiness_analysis.spec.instrument import Instrument, Scale
from readiness_analysis.stats.disclosure import MIN_CELL
from readiness_analysis.stats.scores import READINESS

__all__ = [
    "FIGURE_LABEL_MAX",
    "answer_colours",
    "diverging_alt",
    "diverging_answers",
    "figure_text",
    "institution_caterpillar",
    "scale_panels",
    "score_distribution",
    "small_cell_note",
    "theme_profile",
]

FIGURE_LABEL_MAX = 60  # characters of a name drawn on a figure; longer ones get an ellipsis
_PALETTE = {"own": "#1b6ca8", "pooled": "#9aa5b1"}
_GREY = "#6b7785"


def small_cell_note(lang: str = DEFAULT_LANGUAGE, min_n: int = MIN_CELL) -> str:
    """The words a figure shows in place of a suppressed group.

    Examples
    --------
    >>> small_cell_note("en")
    'fewer than 3 respondents'
    """
    return text("plots.small_cell", lang, min_cell=min_n)


def figure_text(value: object, limit: int = FIGURE_LABEL_MAX) -> str:
    r"""A text as matplotlib should draw it: literally, and at most ``limit`` characters.

    Every ``$`` is escaped, so mathtext never reads the text as math (an unbalanced
    ``$x^$`` would otherwise fail the whole figure, and ``$\alpha$`` would be drawn as a
    Greek letter). A text longer than ``limit`` is cut to ``limit - 1`` characters and an
    ellipsis. Texts without ``$`` and within the limit are returned unchanged.

    Parameters
    ----------
    value : object
        The text (an institution name, theme label, legend entry or title).
    limit : int
        Longest text drawn, in characters.

    Returns
    -------
    str

    Examples
    --------
    >>> figure_text("Kosten $x^$ College")
    'Kosten \\$x^\\$ College'
    >>> figure_text("Instelling A")
    'Instelling A'
    >>> len(figure_text("x" * 500)), figure_text("x" * 500)[-1]
    (60, '…')
    """
    text_ = str(value)
    if len(text_) > limit:
        text_ = text_[: limit - 1].rstrip() + "…"
    return text_.replace("$", r"\$")


def _figure_names(names: pd.Series) -> pd.Series:
    """Each distinct name as :func:`figure_text` draws it, kept distinct after shortening."""
    drawn: dict[str, str] = {}
    used: set[str] = set()
    for name in sorted(names.dropna().astype(str).unique()):
        label, k = figure_text(name), 1
        while label in used:  # two long names with one beginning: number the later one
            k += 1
            label = figure_text(name, FIGURE_LABEL_MAX - len(f" ({k})")) + f" ({k})"
        drawn[name] = label
        used.add(label)
    return names.astype(str).map(drawn)


def _theme_labels(instrument: Instrument, lang: str) -> dict[str, str]:
    """Theme code → its label as drawn (see :func:`figure_text`)."""
    return {theme: figure_text(label) for theme, label in theme_labels(instrument, lang).items()}


def _mark_small(ax: plt.Axes, rows: list[int], x: float, lang: str, min_n: int) -> None:
    """Write the small-cell note, in grey, on the given rows of a horizontal chart."""
    for row in rows:
        ax.text(x, row, figure_text(small_cell_note(lang, min_n)), va="center", ha="left",
                fontsize=8, color=_GREY, style="italic")


def theme_profile(
    own: pd.DataFrame,
    pooled: pd.DataFrame,
    instrument: Instrument,
    *,
    lang: str = DEFAULT_LANGUAGE,
    own_label: str | None = None,
    min_n: int = MIN_CELL,
) -> plt.Figure:
    """Mean score per theme of one group (bars) against the pooled mean (markers).

    A theme of the group with fewer than ``min_n`` respondents (or no mean, as
    :func:`readiness_analysis.stats.disclosure.suppress_small_cells` leaves it) gets no bar but the
    grey note "minder dan 3 respondenten" / "fewer than 3 respondents".

    Parameters
    ----------
    own, pooled : DataFrame
        Summaries with ``theme``, ``mean`` and ``n`` (see
        :func:`readiness_analysis.stats.scores.summarise_scores`).
    instrument : Instrument
    lang : str
        A report language (a catalogue in report/locale).
    own_label : str
        Legend label of the bars (the institution's name); default the catalogue's
        ``plots.this_institution``.
    min_n : int
        Smallest group shown (``MIN_CELL``).

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> inst = load_instrument()
    >>> own = pd.DataFrame({"theme": ["vision"], "mean": [2.0], "n": [5]})
    >>> fig = theme_profile(own, own.assign(mean=3.0), inst)
    >>> len(fig.axes)
    1
    >>> small = theme_profile(own.assign(n=2), own.assign(mean=3.0), inst, lang="en")
    >>> [t.get_text() for t in small.axes[0].texts]
    ['fewer than 3 respondents']
    """
    labels = _theme_labels(instrument, lang)
    if own_label is None:
        own_label = text("plots.this_institution", lang)
    own_label = figure_text(own_label)
    own = own.assign(label=own["theme"].astype(str).map(labels))
    pooled = pooled.assign(label=pooled["theme"].astype(str).map(labels)).dropna(subset=["mean"])
    panels = scale_panels(instrument, own["theme"])
    fig, axes = _panel_axes([len(themes) for _, themes in panels], 0.42, 1.2)
    for ax, (scale, themes) in zip(axes, panels, strict=True):
        order = [labels[t] for t in themes]
        mine = own[own["theme"].astype(str).isin(themes)]
        _profile_panel(ax, mine, pooled[pooled["label"].isin(order)], order, scale,
                       own_label, lang, min_n)
        ax.set_xlabel(_axis_label("plots.mean_axis", scale, lang, len(panels) > 1))
        ax.set_ylabel("")
    n = int(own["n"].max()) if len(own) else 0
    axes[0].set_title(f"n = {n}", loc="right", fontsize=9)
    for ax in axes[:-1]:  # one legend, under the last panel's bars
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    axes[-1].legend(loc="lower right", fontsize=8, frameon=False)
    sns.despine(fig)
    fig.tight_layout()
    return fig


def _profile_panel(ax: plt.Axes, own: pd.DataFrame, pooled: pd.DataFrame, order: list[str],
                   scale: Scale, own_label: str, lang: str, min_n: int) -> None:
    """The bars, intervals, small-cell notes and pooled markers of the themes of one scale."""
    small = own["n"].lt(min_n) | own["mean"].isna()
    shown = own[~small]
    sns.barplot(data=shown, y="label", x="mean", order=order, color=_PALETTE["own"],
                label=own_label, ax=ax)
    if {"ci_low", "ci_high"} <= set(own.columns) and len(shown):
        ranked = shown.set_index("label").reindex(order)
        ax.errorbar(ranked["mean"], range(len(order)), fmt="none", ecolor="#102a43",
                    elinewidth=1, capsize=3,
                    xerr=[ranked["mean"] - ranked["ci_low"], ranked["ci_high"] - ranked["mean"]])
    _mark_small(ax, [order.index(label) for label in own.loc[small, "label"]],
                scale.min + 0.05, lang, min_n)
    sns.scatterplot(data=pooled, y="label", x="mean",
                    color="black", marker="D", s=40, zorder=3, ax=ax,
                    label=figure_text(text("pooled", lang)))
    ax.set_xlim(scale.min, scale.max)


def scale_panels(instrument: Instrument, themes: Iterable[object]) -> list[tuple[Scale, list[str]]]:
    """The themes present, grouped by answer scale: one figure panel per scale.

    Themes keep the instrument's order (the readiness index last, on the default scale,
    see :func:`readiness_analysis.stats.scores.theme_scores`); scales follow the order of
    their first theme. An instrument with one scale gives one panel, so its figures are
    drawn exactly as before scales could differ; with several, each panel has its own
    axis range and labels (numbers stay in the scale's own units, as in the tables).

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> [(scale.id, themes) for scale, themes in scale_panels(load_instrument(),
    ...                                                        ["vision", "readiness"])]
    [('default', ['vision', 'readiness'])]
    """
    present = {str(t) for t in themes}
    groups: dict[str, tuple[Scale, list[str]]] = {}
    for theme in [*instrument.theme_ids, READINESS]:
        if theme not in present:
            continue
        scale = (instrument.default_scale if theme == READINESS
                 else instrument.scale_of_theme(theme))
        groups.setdefault(scale.id, (scale, []))[1].append(theme)
    return list(groups.values()) or [(instrument.default_scale, [])]


def _panel_axes(rows: list[int], per_row: float, extra: float) -> tuple[plt.Figure, list]:
    """A figure with one axes per scale panel, each as tall as its number of rows."""
    if len(rows) == 1:
        fig, ax = plt.subplots(figsize=(7.5, per_row * rows[0] + extra), dpi=110)
        return fig, [ax]
    height = per_row * sum(rows) + extra * len(rows)
    fig, axes = plt.subplots(len(rows), 1, figsize=(7.5, height), dpi=110,
                             gridspec_kw={"height_ratios": [max(r, 1) + 1 for r in rows]})
    return fig, list(axes)


def _axis_label(key: str, scale: Scale, lang: str, several: bool) -> str:
    """An axis title with the scale's range; with several scales, also its end labels."""
    label = text(key, lang, low=scale.min, high=scale.max)
    if several:
        label = text("scales.panel_axis", lang, axis=label, low=scale.min, high=scale.max,
                     low_label=scale.label(scale.min, lang),
                     high_label=scale.label(scale.max, lang))
    return figure_text(label, 2 * FIGURE_LABEL_MAX)


def score_distribution(
    scores: pd.DataFrame, instrument: Instrument, *, by: str = "institution",
    lang: str = DEFAULT_LANGUAGE,
    min_n: int = MIN_CELL,
) -> plt.Figure:
    """Box plots of respondents' theme scores, one colour per group.

    A group with fewer than ``min_n`` scores on a theme is left out of that theme (its
    whiskers would be the respondents' own scores); a grey note under the figure names
    what was left out.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> s = pd.DataFrame({"theme": ["vision"] * 5, "score": [1.0, 2, 3, 4, 5],
    ...                   "institution": ["A", "A", "A", "B", "B"]})
    >>> fig = score_distribution(s, load_instrument(), lang="en")
    >>> [t.get_text() for t in fig.texts]
    ['Not shown (fewer than 3 respondents): B (all themes)']
    """
    labels = _theme_labels(instrument, lang)
    data = scores.dropna(subset=["score"])
    data = data.assign(label=data["theme"].astype(str).map(labels), **{by: _figure_names(data[by])})
    data, left_out = _drop_small(data, by, min_n, lang)
    panels = scale_panels(instrument, data["theme"].astype(str).unique())
    fig, axes = _panel_axes([len(themes) for _, themes in panels], 0.5, 1.4)
    groups = sorted(data[by].unique())
    for k, (ax, (scale, themes)) in enumerate(zip(axes, panels, strict=True)):
        part = data[data["theme"].astype(str).isin(themes)]
        if len(part):
            sns.boxplot(data=part, y="label", x="score", hue=by,
                        order=[labels[t] for t in themes], ax=ax, hue_order=groups,
                        fliersize=2, linewidth=0.8, palette="Blues",
                        legend="auto" if k == 0 else False)
        if len(part) and k == 0:
            ax.legend(title="", fontsize=8, frameon=False, loc="lower right")
        ax.set_xlim(scale.min - 0.2, scale.max + 0.2)
        ax.set_xlabel(_axis_label("plots.score_axis", scale, lang, len(panels) > 1))
        ax.set_ylabel("")
    n = data["respondent_id"].nunique() if "respondent_id" in data else len(data)
    axes[0].set_title(f"n = {n}", loc="right", fontsize=9)
    if left_out:
        fig.text(0.01, 0.005, text("plots.not_shown", lang, small=small_cell_note(lang, min_n),
                                   what=left_out),
                 fontsize=8, color=_GREY, style="italic", ha="left", va="bottom")
    sns.despine(fig)
    fig.tight_layout(rect=(0, 0.04 if left_out else 0, 1, 1))
    return fig


def _drop_small(data: pd.DataFrame, by: str, min_n: int,
                lang: str) -> tuple[pd.DataFrame, str]:
    """Scores without the (group, theme) cells under ``min_n``, and what was left out."""
    size = data.groupby([by, "label"], observed=True)["score"].transform("size")
    small = data[size < min_n]
    themes = data["label"].nunique()
    parts = []
    for group, rows in small.groupby(by, observed=True, sort=True):
        dropped = sorted(rows["label"].unique())
        what = text("all_themes", lang) if len(dropped) == themes else ", ".join(dropped)
        parts.append(f"{group} ({what})")
    return data[size >= min_n], "; ".join(parts)


_NEUTRAL = "#d9d9d9"
# ColorBrewer RdBu (Brewer, colorbrewer2.org) in 4, 6, 8 and 10 classes: a side of k answers
# takes the outer k colours of the 2k + 2 classes (k = 2 gives the 5-point scale's colours).
_RDBU = {
    1: (["#ca0020"], ["#0571b0"]),
    2: (["#b2182b", "#ef8a62"], ["#67a9cf", "#2166ac"]),
    3: (["#b2182b", "#d6604d", "#f4a582"], ["#92c5de", "#4393c3", "#2166ac"]),
    4: (["#67001f", "#b2182b", "#d6604d", "#f4a582"], ["#92c5de", "#4393c3", "#2166ac",
                                                        "#053061"]),
}


def answer_colours(scale: Scale) -> dict[int, str]:
    """One colour per answer value, ordered from the lowest value to the highest.

    Values below the neutral (or below ``agree_from`` on a scale without one) are reds,
    darkest at the bottom; values above are blues, darkest at the top; the neutral value
    is grey. Up to four values a side take ColorBrewer's RdBu classes, more are sampled
    evenly from matplotlib's ``RdBu`` map; every value of a 2- to 11-point scale gets a
    colour of its own.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> answer_colours(load_instrument().default_scale)
    {1: '#b2182b', 2: '#ef8a62', 3: '#d9d9d9', 4: '#67a9cf', 5: '#2166ac'}
    """
    low, high = _side(len(scale.below), 0), _side(len(scale.above), 1)
    colours = dict(zip(scale.below, low, strict=True))
    if scale.neutral is not None:
        colours[scale.neutral] = _NEUTRAL
    colours.update(zip(scale.above, high, strict=True))
    return colours


def _side(k: int, side: int) -> list[str]:
    """``k`` colours of one side: 0 = reds (dark to light), 1 = blues (light to dark)."""
    if k in _RDBU:
        return _RDBU[k][side]
    if k == 0:
        return []
    cmap = matplotlib.colormaps["RdBu"]
    positions = np.linspace(0.0, 0.4, k) if side == 0 else np.linspace(0.6, 1.0, k)
    return [matplotlib.colors.to_hex(cmap(x)) for x in positions]


def diverging_answers(shares: pd.DataFrame, instrument: Instrument, *,
                      lang: str = DEFAULT_LANGUAGE,
                      min_n: int = MIN_CELL) -> plt.Figure:
    """Diverging stacked bars: disagreement left of zero, agreement right, neutral centred.

    Each theme's bar uses its own scale: answers below the neutral value go left of zero
    and answers above it right, the neutral answer centred on zero; a scale without a
    neutral (any even scale, and odd ones that do not mark one) has no centre category:
    answers below ``agree_from`` go left and the rest right, so the right-hand part is the
    share agreeing. Colours run from red (lowest) to blue (highest), see
    :func:`answer_colours`. Themes on different scales are drawn in separate panels (one
    per scale, each with its legend, see :func:`scale_panels`).

    A theme answered by fewer than ``min_n`` respondents gets no bar but the grey note
    "minder dan 3 respondenten" / "fewer than 3 respondents"; themes without answers are
    left out.

    Parameters
    ----------
    shares : DataFrame
        From :func:`readiness_analysis.stats.itemstats.answer_shares`.
    instrument : Instrument
    lang : str
        A report language (a catalogue in report/locale).
    min_n : int
        Smallest number of respondents shown (``MIN_CELL``).

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> from readiness_analysis.stats.itemstats import answer_shares
    >>> df = pd.DataFrame({"vis_1": [1.0, 5.0, 3.0]})
    >>> fig = diverging_answers(answer_shares(df, load_instrument()), load_instrument())
    >>> len(fig.axes)
    1
    >>> two = diverging_answers(answer_shares(df.iloc[:2], load_instrument()), load_instrument())
    >>> [t.get_text() for t in two.axes[0].texts]
    ['minder dan 3 respondenten']
    """
    labels = _theme_labels(instrument, lang)
    data = shares[shares["n"] > 0]
    panels = scale_panels(instrument, data["theme"])
    fig, axes = _panel_axes([len(themes) for _, themes in panels], 0.42, 1.6)
    for ax, (scale, themes) in zip(axes, panels, strict=True):
        part = data[data["theme"].astype(str).isin(themes)].iloc[::-1].copy()
        _diverging_panel(ax, part, scale, labels, lang, min_n)
    n = int(data["n"].max()) if len(data) else 0
    axes[0].set_title(f"n = {n}", loc="right", fontsize=9)
    sns.despine(fig, left=True)
    fig.tight_layout()
    return fig


def diverging_alt(instrument: Instrument, lang: str = DEFAULT_LANGUAGE) -> str:
    """The alt text of :func:`diverging_answers`: which answers lie left and right.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> diverging_alt(load_instrument(), "en").endswith("strongly agree (right).")
    True
    """
    if not instrument.one_scale:
        return text("scales.items_alt_many", lang)
    scale = instrument.scale_of_theme(instrument.theme_ids[0])
    return text("items_alt", lang, low=scale.label(scale.min, lang),
                high=scale.label(scale.max, lang))


def _diverging_panel(ax: plt.Axes, data: pd.DataFrame, scale: Scale, labels: dict[str, str],
                     lang: str, min_n: int) -> None:
    """The stacked bars of the themes of one scale, with the scale's legend."""
    values, colours = scale.values, answer_colours(scale)
    small = (data["n"] < min_n).to_numpy()
    data.loc[small, values] = 0.0
    y = range(len(data))
    offset = data[scale.below].sum(axis=1)  # the bar starts this far left of zero
    if scale.neutral is not None:
        offset = offset + data[scale.neutral] / 2
    left = -offset.to_numpy()
    for value in values:
        width = data[value].to_numpy()
        ax.barh(list(y), width, left=left, color=colours[value],
                label=figure_text(scale.label(value, lang)), height=0.7)
        left = left + width
    ax.axvline(0, color="black", linewidth=0.8)
    _mark_small(ax, [i for i in y if small[i]], -0.95, lang, min_n)
    ax.set_yticks(list(y), [labels[t] for t in data["theme"]])
    ax.set_xlim(-1, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{abs(v):.0%}"))
    ax.legend(ncol=min(len(values), 6), loc="upper center", bbox_to_anchor=(0.4, -0.12),
              fontsize=7, frameon=False)


_MANY_FACET = (2.8, 1.9)  # inches of one theme's panel in the many-institutions figure
_MANY_PHONE_WIDTH = 3.4  # inches of a panel when the figure has one column (for phones)
_MEAN_MARK = "#102a43"  # the institution means, darker than their intervals
_MANY_LEGEND = 0.45  # inches under the panels for the two-entry legend


def _many_style(n: int) -> dict[str, float]:
    """Marker size, interval width and transparency for ``n`` institutions in one panel.

    Fewer institutions get larger, opaque marks; with hundreds the marks shrink and fade
    so that the panel shows the distribution rather than a black band.
    """
    n = max(n, 1)
    return {"markersize": float(min(4.0, max(1.5, 16.0 / n ** 0.5))),
            "linewidth": float(min(1.5, max(0.25, 120.0 / n))),
            "alpha": float(min(0.9, max(0.2, 9.0 / n ** 0.5)))}


def _many_panel(ax: plt.Axes, cells: pd.DataFrame, pooled: float, scale: Scale,
                lang: str) -> None:
    """One theme: its institutions' means sorted, with intervals, and the pooled line."""
    shown = cells.dropna(subset=["mean"]).sort_values("mean", kind="stable")
    x = np.arange(1, len(shown) + 1)
    style = _many_style(len(shown))
    if {"ci_low", "ci_high"} <= set(shown.columns):
        low, high = (shown[c].to_numpy(dtype=float) for c in ("ci_low", "ci_high"))
        ranged = ~(np.isnan(low) | np.isnan(high))
        ax.vlines(x[ranged], low[ranged], high[ranged], color=_PALETTE["own"],
                  linewidth=style["linewidth"], alpha=style["alpha"] * 0.6)
    ax.plot(x, shown["mean"].to_numpy(dtype=float), linestyle="none", marker="o",
            markersize=style["markersize"], color=_MEAN_MARK, alpha=style["alpha"],
            markeredgewidth=0)
    if pd.notna(pooled):
        ax.axhline(pooled, color="black", linewidth=1.0)
    if shown.empty:
        ax.text(0.5, 0.5, figure_text(small_cell_note(lang)), transform=ax.transAxes,
                ha="center", va="center", fontsize=7, color=_GREY, style="italic")
    ax.set_xlim(0, len(shown) + 1)
    ax.set_ylim(scale.min, scale.max)
    ax.set_xticks([])
    ax.set_xlabel(figure_text(text("many.rank_axis", lang, n=len(shown))), fontsize=7)
    ax.tick_params(labelsize=7)


def institution_caterpillar(
    summary: pd.DataFrame, pooled: pd.DataFrame, instrument: Instrument, *,
    lang: str = DEFAULT_LANGUAGE, columns: int = 3,
) -> plt.Figure:
    """Per theme, every institution's mean (sorted) with its interval, and the pooled mean.

    The figure for many institutions: one panel per theme in a grid of ``columns``
    columns, each a caterpillar plot (institutions from the lowest to the highest mean
    along the x axis, no names), with the pooled mean as a black line; the y axis is the
    theme's answer scale (:func:`scale_panels`), shared by all panels when the instrument
    has one scale and labelled on every panel when it has several. Its size depends
    on the number of themes and ``columns`` only, never on the number of institutions;
    marks shrink and fade as institutions grow (see :func:`_many_style`). Cells without a
    mean (suppressed as under ``MIN_CELL`` respondents) are not drawn; the legend has two
    entries whatever the number of institutions.

    Parameters
    ----------
    summary : DataFrame
        Institution rows of one wave: ``theme``, ``mean`` (NaN when suppressed) and
        optionally ``ci_low`` and ``ci_high``
        (:func:`readiness_analysis.stats.pooled.summarise_all`).
    pooled : DataFrame
        Pooled rows of the same wave: ``theme`` and ``mean``.
    instrument : Instrument
    lang : str
        A report language (a catalogue in report/locale).
    columns : int
        Panels per row (3 for a wide page, 1 for a phone).

    Returns
    -------
    Figure

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> s = pd.DataFrame({"theme": "vision", "mean": [2.0, 3.0, float("nan")],
    ...                   "ci_low": [1.5, 2.5, float("nan")], "ci_high": [2.5, 3.5, float("nan")]})
    >>> fig = institution_caterpillar(s, pd.DataFrame({"theme": ["vision"], "mean": [2.5]}),
    ...                               load_instrument(), lang="en")
    >>> len(fig.axes), len(fig.legends[0].get_texts())
    (1, 2)
    """
    labels = _theme_labels(instrument, lang)
    present = set(summary["theme"].astype(str))
    themes = [t for t in labels if t in present]
    pooled_mean = pooled.assign(theme=pooled["theme"].astype(str)).set_index("theme")["mean"]
    columns = max(1, min(columns, len(themes) or 1))
    rows = max(1, -(-len(themes) // columns))
    width = _MANY_FACET[0] * columns if columns > 1 else _MANY_PHONE_WIDTH
    legend = _MANY_LEGEND * (1 if columns > 1 else 1.6)  # one entry a line on a phone
    height = _MANY_FACET[1] * rows + legend
    scales = {t: scale for scale, group in scale_panels(instrument, themes) for t in group}
    several = len({scale.id for scale in scales.values()}) > 1
    fig, axes = plt.subplots(rows, columns, figsize=(width, height), dpi=110, squeeze=False,
                             sharey=not several,
                             gridspec_kw=_many_margins((width, height), (columns, rows),
                                                       legend, several))
    by_theme = dict(tuple(summary.groupby(summary["theme"].astype(str), sort=False)))
    for k, ax in enumerate(axes.flat):
        if k >= len(themes):
            fig.delaxes(ax)
            continue
        scale = scales[themes[k]]
        _many_panel(ax, by_theme[themes[k]], pooled_mean.get(themes[k], float("nan")),
                    scale, lang)
        ax.set_title(figure_text(labels[themes[k]], 40), fontsize=8, loc="left")
        if several or k % columns == 0:
            ax.set_ylabel(figure_text(text("many.mean_axis", lang, low=scale.min,
                                           high=scale.max)), fontsize=7)
    _many_legend(fig, lang, ncol=2 if columns > 1 else 1)
    sns.despine(fig)
    return fig


def _many_margins(size: tuple[float, float], grid: tuple[int, int], legend: float,
                  several: bool) -> dict[str, float]:
    """Fixed margins (in inches, as figure fractions) of the caterpillar grid.

    Every text of a panel has a bounded length (titles are cut to 40 characters), so
    fixed margins replace ``tight_layout``, which measured every panel's texts and cost
    more than the drawing. Panels get their own y labels with several scales.
    """
    (width, height), (columns, rows) = size, grid
    left, right, top, bottom = 0.5, 0.1, 0.25, legend + 0.3
    gap_w, gap_h = (0.6 if several else 0.25), 0.6
    axes_w = (width - left - right - gap_w * (columns - 1)) / columns
    axes_h = (height - top - bottom - gap_h * (rows - 1)) / rows
    return {"left": left / width, "right": 1 - right / width, "top": 1 - top / height,
            "bottom": bottom / height, "wspace": gap_w / axes_w, "hspace": gap_h / axes_h}


def _many_legend(fig: plt.Figure, lang: str, ncol: int) -> None:
    """The two legend entries of :func:`institution_caterpillar`, under the panels."""
    handles = [matplotlib.lines.Line2D([], [], color=_PALETTE["own"], marker="o",
                                       markerfacecolor=_MEAN_MARK, markeredgewidth=0,
                                       markersize=4, linewidth=1),
               matplotlib.lines.Line2D([], [], color="black", linewidth=1)]
    fig.legend(handles, [figure_text(text("many.legend_institution", lang)),
                         figure_text(text("pooled", lang))],
               loc="lower center", ncol=ncol, fontsize=7, frameon=False)
