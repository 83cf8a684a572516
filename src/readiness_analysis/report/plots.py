"""Seaborn figures for the reports. Each function returns a matplotlib Figure.

Words on a figure (axis titles, legend entries, the small-cell note) come from the text
catalogue (``plots.*``); theme names from :func:`readiness_analysis.report.labels.theme_labels`.
Every word drawn passes through :func:`figure_text`: matplotlib reads ``$...$`` as math,
so a name such as "Kosten $x^$ College" would fail the figure; it is escaped to be drawn
as typed, and a very long name is shortened (the tables keep the full name).
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Iterable, Sequence

import matplotlib
import matplotlib.container
import matplotlib.patches

matplotlib.use("Agg")  # reports are rendered headless; a GUI backend is never needed

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import patheffects, ticker

from readiness_analysis.report.labels import theme_labels, unit_word
from readiness_analysis.report.numbers import decimal
from readiness_analysis.report.text import DEFAULT_LANGUAGE, text
from readiness_analysis.spec.instrument import Instrument, Scale
from readiness_analysis.stats.disclosure import MIN_CELL
from readiness_analysis.stats.scores import READINESS

__all__ = [
    "FIGURE_LABEL_MAX",
    "FIGURE_WIDTH",
    "TEXT_PT",
    "answer_colours",
    "diverging_alt",
    "diverging_answers",
    "drawn_texts",
    "figure_text",
    "institution_caterpillar",
    "reversal_note",
    "scale_panels",
    "score_distribution",
    "small_cell_note",
    "theme_profile",
]

FIGURE_LABEL_MAX = 60  # characters of a name drawn on a figure; longer ones get an ellipsis
_PALETTE = {"own": "#1b6ca8", "pooled": "#9aa5b1"}
_GREY = "#6b7785"
# Sized for a phone: a figure FIGURE_WIDTH inches wide shown in a column of ~350 CSS px
# (a 390 px screen) draws text of TEXT_PT points at TEXT_PT / 72 * 350 / FIGURE_WIDTH px,
# whatever the dpi: 11 pt in 5 in gives 10.7 px, above the 10 px the phone test asks.
FIGURE_WIDTH = 5.0  # inches
TEXT_PT = 11.0  # points: the smallest text of the column-wide figures
_DPI = 110
_TICK_WRAP = 24  # characters a line of a theme name on the y axis
_LEGEND_WRAP = 36  # characters a line of a legend entry above a figure (a long name)


def small_cell_note(lang: str = DEFAULT_LANGUAGE, min_n: int = MIN_CELL,
                    units: str | None = None) -> str:
    """The words a figure shows in place of a suppressed group.

    Examples
    --------
    >>> small_cell_note("en")
    'fewer than 3 respondents'
    """
    return text("plots.small_cell", lang, min_cell=min_n,
                units=units or unit_word("respondent", lang))


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


def _mark_small(ax: plt.Axes, rows: list[int], x: float, lang: str, min_n: int,
                units: str | None) -> None:
    """Write the small-cell note, in grey, on the given rows of a horizontal chart."""
    for row in rows:
        ax.text(x, row, figure_text(small_cell_note(lang, min_n, units)), va="center", ha="left",
                fontsize=8, color=_GREY, style="italic")


def drawn_texts(fig: plt.Figure) -> list[matplotlib.text.Text]:
    """Every visible, non-empty text the figure draws.

    Titles, axis labels, tick labels, legend entries and titles, and free texts (of the
    axes and of the figure).

    Tick labels are those of the ticks shown (``get_ticklabels``), not matplotlib's
    spare ones. :func:`readiness_analysis.report.html.figure` measures the smallest.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("Titel"); _ = ax.text(0, 0, "noot", fontsize=6)
    >>> sorted(t.get_text() for t in drawn_texts(fig) if not t.get_text()[0].isdigit())
    ['Titel', 'noot']
    >>> plt.close(fig)
    """
    texts: list[matplotlib.text.Text] = list(fig.texts)
    legends = list(fig.legends)
    for ax in fig.axes:
        texts += [*ax.texts, ax.title, ax._left_title, ax._right_title,
                  ax.xaxis.label, ax.yaxis.label,
                  *ax.get_xticklabels(), *ax.get_yticklabels()]
        if ax.get_legend() is not None:
            legends.append(ax.get_legend())
    for legend in legends:
        texts += [*legend.get_texts(), legend.get_title()]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def _legible(fig: plt.Figure, smallest: float = TEXT_PT) -> None:
    """Raise every text of the figure to at least ``smallest`` points (see :data:`TEXT_PT`)."""
    for ax in fig.axes:  # tick labels made at draw time take the axes' tick size
        ax.xaxis.label.set_wrap(True)  # an axis title wider than the figure: two lines
        for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            sizes = [t.get_fontsize() for t in axis.get_ticklabels()]
            if not sizes or min(sizes) < smallest:
                ax.tick_params(axis=which, labelsize=smallest)
    for t in drawn_texts(fig):
        if t.get_fontsize() < smallest:
            t.set_fontsize(smallest)


class _LocaleFormatter(ticker.Formatter):
    """Tick labels as numbers in the report language (a decimal comma in Dutch).

    As many decimals as the ticks need (none for whole numbers, else one or two).
    """

    def __init__(self, lang: str, percent: bool = False) -> None:
        self.lang, self.percent = lang, percent

    def _decimals(self, values: Sequence[float]) -> int:
        scaled = [abs(v) * (100 if self.percent else 1) for v in values]
        for k in (0, 1, 2):
            if all(abs(v * 10 ** k - round(v * 10 ** k)) < 1e-6 for v in scaled):
                return k
        return 2

    def _label(self, value: float, k: int) -> str:
        return _tick_label(float(value), self.lang, k, self.percent)

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        """All tick labels of an axis with one number of decimals (the ticks' own)."""
        k = self._decimals(values)
        return [self._label(v, k) for v in values]

    def __call__(self, value: float, pos: int | None = None) -> str:
        return self._label(value, self._decimals([value]))


@functools.lru_cache(maxsize=4096)
def _tick_label(value: float, lang: str, k: int, percent: bool) -> str:
    """A tick label of :class:`_LocaleFormatter`, remembered.

    Babel takes a quarter of a millisecond a number, and every layout pass of every
    figure asks for the same few labels again.
    """
    if percent:
        return decimal(abs(value) * 100, lang, k) + "%"
    return decimal(value, lang, k)


def _local_numbers(axis: matplotlib.axis.Axis, lang: str, percent: bool = False) -> None:
    """Tick labels of ``axis`` in the language's notation (:class:`_LocaleFormatter`)."""
    axis.set_major_formatter(_LocaleFormatter(lang, percent))


def _wrapped(label: str, width: int = _TICK_WRAP) -> str:
    r"""A theme name over at most two lines of about ``width`` characters (for the y axis).

    Examples
    --------
    >>> _wrapped("Professionalisering en ondersteuning")
    'Professionalisering en\nondersteuning'
    >>> _wrapped("Bereidheid")
    'Bereidheid'
    """
    if len(label) <= width:
        return label
    lines = textwrap.wrap(label, width, break_long_words=False)
    rest = " ".join(lines[1:])
    if len(rest) > width + 8:  # a third line would crowd the bars: shorten the second
        rest = rest[: width + 7].rstrip().rstrip("\\") + "…"
    return lines[0] if not rest else lines[0] + "\n" + rest


def theme_profile(
    own: pd.DataFrame,
    pooled: pd.DataFrame,
    instrument: Instrument,
    *,
    lang: str = DEFAULT_LANGUAGE,
    own_label: str | None = None,
    min_n: int = MIN_CELL,
    units: str | None = None,
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
    units : str, optional
        What ``n`` counts, as the small-cell note says it ("interviews"; the study's
        :func:`~readiness_analysis.report.labels.unit_noun`); default "respondents".

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
    labels = {t: _wrapped(label) for t, label in _theme_labels(instrument, lang).items()}
    if own_label is None:
        own_label = text("plots.this_institution", lang)
    own_label = _wrapped(figure_text(own_label), _LEGEND_WRAP)  # a long name: two lines
    own = own.assign(label=own["theme"].astype(str).map(labels))
    pooled = pooled.assign(label=pooled["theme"].astype(str).map(labels)).dropna(subset=["mean"])
    panels = scale_panels(instrument, own["theme"])
    fig, axes = _panel_axes([len(themes) for _, themes in panels], 0.55, 1.6)
    for ax, (scale, themes) in zip(axes, panels, strict=True):
        order = [labels[t] for t in themes]
        mine = own[own["theme"].astype(str).isin(themes)]
        _profile_panel(ax, mine, pooled[pooled["label"].isin(order)], order, scale,
                       own_label, lang, min_n, units)
        ax.set_xlabel(_axis_label("plots.mean_axis", scale, lang, len(panels) > 1))
        ax.set_ylabel("")
        _whole_numbers(ax.xaxis, scale)
        _local_numbers(ax.xaxis, lang)
    n = int(own["n"].max()) if len(own) else 0
    _n_title(axes[0], n)
    handles, names = axes[-1].get_legend_handles_labels()
    for ax in axes:  # one legend, above the first panel, clear of the bars
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    # from the figure's left edge (above the theme names), so that a long name stays clear
    # of "n = ..." at the panel's right end
    above = matplotlib.transforms.blended_transform_factory(fig.transFigure, axes[0].transAxes)
    axes[0].legend(handles, names, loc="lower left", bbox_to_anchor=(0, 1.01),
                   bbox_transform=above, ncol=1, fontsize=TEXT_PT, frameon=False,
                   borderaxespad=0)
    sns.despine(fig)
    _legible(fig)
    fig.tight_layout()
    return fig


def _n_title(ax: plt.Axes, n: int) -> None:
    """"n = ..." above the panel's right end.

    At the height matplotlib would choose for it (1.0: the x axis has nothing on top),
    given outright: a title left to matplotlib is placed anew at every layout and draw by
    measuring every y tick label, a good part of the time a figure takes.
    """
    ax.set_title(f"n = {n}", loc="right", fontsize=TEXT_PT, y=1.0)


def _profile_panel(ax: plt.Axes, own: pd.DataFrame, pooled: pd.DataFrame, order: list[str],
                   scale: Scale, own_label: str, lang: str, min_n: int,
                   units: str | None) -> None:
    """The bars, intervals, small-cell notes and pooled markers of the themes of one scale."""
    small = own["n"].lt(min_n) | own["mean"].isna()
    shown = own[~small]
    _category_bars(ax, shown.groupby("label", sort=False)["mean"].mean(), order, own_label)
    if {"ci_low", "ci_high"} <= set(own.columns) and len(shown):
        ranked = shown.set_index("label").reindex(order)
        bars = ax.errorbar(ranked["mean"], range(len(order)), fmt="none", ecolor="#102a43",
                           elinewidth=1.4, capsize=4, capthick=1.4, zorder=4,
                           xerr=[ranked["mean"] - ranked["ci_low"],
                                 ranked["ci_high"] - ranked["mean"]])
        _outlined([*bars.lines[1], *bars.lines[2]])
    _mark_small(ax, [order.index(label) for label in own.loc[small, "label"]],
                scale.min + 0.05, lang, min_n, units)
    marks = pooled.dropna(subset=["label", "mean"])
    if len(marks):  # withheld (too few institutions): no marker, no legend entry
        _pooled_marks(ax, marks, order, lang)
    ax.set_xlim(scale.min, scale.max)


def _pooled_marks(ax: plt.Axes, marks: pd.DataFrame, order: list[str], lang: str) -> None:
    """The pooled means as diamonds, with their legend entry.

    As seaborn's ``scatterplot`` drew them: an edge of 0.08 * sqrt(size) points.
    """
    ax.scatter(marks["mean"], [order.index(label) for label in marks["label"]], color="black",
               marker="D", s=50, zorder=5, edgecolor="white", linewidths=0.08 * np.sqrt(50),
               label=figure_text(text("pooled", lang)))


def _bars(ax: plt.Axes, bottoms: Sequence[float], widths: np.ndarray, lefts: np.ndarray,
          height: float, colour: object, label: str) -> None:
    """``ax.barh(bottoms, widths, height, left=lefts, align="edge", color=colour, label=label)``.

    The same Rectangles and bar container (the legend's entry), added as matplotlib's
    ``add_artist`` says an artist without an ``add_`` method of its own is added: the
    data limits take the bars' box at once (``barh`` works them out bar by bar through
    the axes' transforms, a good part of a figure's time). The view follows the limits
    at the next autoscale (call ``ax.autoscale_view()`` when nothing else sets it).
    """
    face = matplotlib.colors.to_rgba(colour)
    patches = []
    for bottom, width, left in zip(bottoms, widths, lefts, strict=True):
        bar = matplotlib.patches.Rectangle((left, bottom), width, height, facecolor=face,
                                           label="_nolegend_")
        bar.sticky_edges.x.append(left)
        ax.add_artist(bar)
        patches.append(bar)
    if patches:
        xs = np.concatenate([lefts, lefts + widths])
        ax.update_datalim([(xs.min(), min(bottoms)), (xs.max(), max(bottoms) + height)])
    ax.add_container(matplotlib.container.BarContainer(
        patches, None, datavalues=widths, orientation="horizontal", label=label))


def _category_bars(ax: plt.Axes, means: pd.Series, order: list[str], label: str) -> None:
    """Horizontal bars of ``means`` (by label) on rows ``order``, first row at the top.

    Drawn as seaborn's ``barplot(y=..., x=..., order=order, color=own colour)`` draws
    them, without its work we do not need (a bootstrap interval per bar of one value,
    axis units, legend): bars 0.8 high in the colour at seaborn's saturation of 0.75,
    a tick per row, the rows' limits half a row beyond the first and last.
    """
    ax.yaxis.set_inverted(True)
    rows = [order.index(name) for name in means.index if name in order]
    colour = sns.desaturate(_PALETTE["own"], 0.75)
    if rows:  # no bar, no legend entry for one
        _bars(ax, [row - 0.4 for row in rows], means[means.index.isin(order)].to_numpy(),
              np.zeros(len(rows)), 0.8, colour, label)
    ax.set_yticks(range(len(order)), order)
    ax.yaxis.grid(False)
    ax.set_ylim(len(order) - 0.5, -0.5, auto=None)


def _outlined(artists: Iterable[matplotlib.artist.Artist]) -> None:
    """A white outline round dark lines (intervals), so they show on dark bars too."""
    for artist in artists:
        artist.set_path_effects([patheffects.withStroke(linewidth=3.6, foreground="white")])


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
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, per_row * rows[0] + extra), dpi=_DPI)
        return fig, [ax]
    height = per_row * sum(rows) + extra * len(rows)
    fig, axes = plt.subplots(len(rows), 1, figsize=(FIGURE_WIDTH, height), dpi=_DPI,
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
    units: str | None = None,
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
    labels = {t: _wrapped(label) for t, label in _theme_labels(instrument, lang).items()}
    data = scores.dropna(subset=["score"])
    data = data.assign(label=data["theme"].astype(str).map(labels), **{by: _figure_names(data[by])})
    data, left_out = _drop_small(data, by, min_n, lang)
    panels = scale_panels(instrument, data["theme"].astype(str).unique())
    fig, axes = _panel_axes([len(themes) for _, themes in panels], 0.62, 1.6)
    groups = sorted(data[by].unique())
    handles: list = []
    for k, (ax, (scale, themes)) in enumerate(zip(axes, panels, strict=True)):
        part = data[data["theme"].astype(str).isin(themes)]
        if len(part):
            sns.boxplot(data=part, y="label", x="score", hue=by,
                        order=[labels[t] for t in themes], ax=ax, hue_order=groups,
                        fliersize=2, linewidth=0.8, palette="Blues",
                        legend="auto" if k == 0 else False)
        if len(part) and k == 0 and ax.get_legend() is not None:
            handles = list(zip(*ax.get_legend_handles_labels(), strict=True))
            ax.get_legend().remove()
        ax.set_xlim(scale.min - 0.2, scale.max + 0.2)
        ax.set_xlabel(_axis_label("plots.score_axis", scale, lang, len(panels) > 1))
        ax.set_ylabel("")
        _whole_numbers(ax.xaxis, scale)
        _local_numbers(ax.xaxis, lang)
    n = data["respondent_id"].nunique() if "respondent_id" in data else len(data)
    _n_title(axes[0], n)
    top = _top_legend(fig, axes[0], handles)
    bottom = 0.0
    if left_out:
        note = text("plots.not_shown", lang, small=small_cell_note(lang, min_n, units),
                    what=left_out)
        lines = textwrap.wrap(note, 60)  # as many lines as wrap=True draws, about
        fig.text(0.01, 0.005, note, fontsize=TEXT_PT, color=_GREY, style="italic",
                 ha="left", va="bottom", wrap=True)
        bottom = min(0.5, len(lines) * TEXT_PT * 1.35 / 72 / fig.get_figheight())
    sns.despine(fig)
    _legible(fig)
    fig.tight_layout(rect=(0, bottom, 1, top))
    if axes[0].get_legend() is not None:  # in the saved image's bounds again
        axes[0].get_legend().set_in_layout(True)
    return fig


def _top_legend(fig: plt.Figure, ax: plt.Axes, entries: list[tuple]) -> float:
    """The legend of ``ax`` across the top of the figure, outside the panels.

    Left out of the layout, so that the panels keep their width; returns the top of the
    panels' area, as a fraction of the figure's height.
    """
    if not entries:
        return 1.0
    handles, names = zip(*entries, strict=True)
    ncol = min(len(names), 3) if max(len(str(n)) for n in names) <= 18 else 1
    rows = -(-len(names) // ncol)
    legend = ax.legend(handles, names, loc="upper left", bbox_to_anchor=(0.01, 0.995),
                       bbox_transform=fig.transFigure, ncol=ncol, fontsize=TEXT_PT,
                       frameon=False, borderaxespad=0, handlelength=1.4, columnspacing=1.2)
    legend.set_in_layout(False)  # until tight_layout is done (score_distribution)
    return 1 - (rows * TEXT_PT * 1.45 / 72 + 0.08) / fig.get_figheight()


def _whole_numbers(axis: matplotlib.axis.Axis, scale: Scale) -> None:
    """A tick at every answer value of a short scale (1, 2, 3, 4, 5)."""
    if scale.max - scale.min <= 10:
        axis.set_major_locator(ticker.MultipleLocator(1))


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
                      min_n: int = MIN_CELL, units: str | None = None) -> plt.Figure:
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
    units : str, optional
        What ``n`` counts, as in :func:`theme_profile`.

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
    labels = {t: _wrapped(label) for t, label in _theme_labels(instrument, lang).items()}
    data = shares[shares["n"] > 0]
    panels = scale_panels(instrument, data["theme"])
    fig, axes = _panel_axes([len(themes) for _, themes in panels], 0.55, 2.4)
    reversed_themes = {item.theme for item in instrument.items if item.reverse}
    for ax, (scale, themes) in zip(axes, panels, strict=True):
        part = data[data["theme"].astype(str).isin(themes)].iloc[::-1].copy()
        _diverging_panel(ax, part, scale, labels, lang, min_n, units)
        if reversed_themes & set(part["theme"].astype(str)):
            _reversal_note(ax, scale, lang)
    n = int(data["n"].max()) if len(data) else 0
    _n_title(axes[0], n)
    sns.despine(fig, left=True)
    _legible(fig)
    bottom = _legend_below(fig, axes[0], panels[0][0], lang) if len(axes) == 1 else 0.0
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def _answer_columns(scale: Scale, lang: str) -> int:
    """Columns of the answers' legend: three short answer labels a row, else two."""
    longest = max(len(scale.label(v, lang)) for v in scale.values)
    return min(len(scale.values), 3 if longest <= 12 else 2)


def _legend_below(fig: plt.Figure, ax: plt.Axes, scale: Scale, lang: str) -> float:
    """Move the panel's legend (and its title) to the figure's lower left corner.

    Under the panel it would start where the bars start and stick out on the right,
    widening the image (and shrinking its text on a phone). Returns the height it takes,
    as a fraction of the figure's height.
    """
    old = ax.get_legend()
    if old is None:
        return 0.0
    title = old.get_title().get_text()
    handles, names = ax.get_legend_handles_labels()
    old.remove()
    legend = fig.legend(handles, names, loc="lower left", bbox_to_anchor=(0.01, 0.005),
                        ncol=_answer_columns(scale, lang), fontsize=TEXT_PT, frameon=False,
                        handlelength=1.2, columnspacing=1.0, borderaxespad=0,
                        title=title or None,
                        title_fontproperties={"size": TEXT_PT, "style": "italic"})
    legend._legend_box.align = "left"  # matplotlib has no public setter for this
    height = legend.get_window_extent(fig.canvas.get_renderer()).height / fig.dpi
    return min(0.6, (height + 0.1) / fig.get_figheight())


def reversal_note(scale: Scale, lang: str = DEFAULT_LANGUAGE) -> str:
    """What the answers of negatively worded (reverse-keyed) questions mean in a figure.

    Their answers are drawn after reversal, as they are scored: the scale's highest
    answer stands for the favourable answer there too.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> reversal_note(load_instrument().default_scale, "en")  # doctest: +ELLIPSIS
    "Negatively worded questions are reversed: for them too, 'strongly agree' ..."
    """
    return text("figure_notes.reversed", lang, high=scale.label(scale.max, lang))


def _reversal_note(ax: plt.Axes, scale: Scale, lang: str) -> None:
    """The reversal note (:func:`reversal_note`) as the title of the panel's legend."""
    legend = ax.get_legend()
    if legend is None:
        return
    note = "\n".join(textwrap.wrap(figure_text(reversal_note(scale, lang), 300), 56))
    legend.set_title(note, prop={"size": TEXT_PT, "style": "italic"})
    legend._legend_box.align = "left"  # matplotlib has no public setter for this


def diverging_alt(instrument: Instrument, lang: str = DEFAULT_LANGUAGE) -> str:
    """The alt text of :func:`diverging_answers`: which answers lie left and right.

    With negatively worded (reverse-keyed) questions on one scale, it ends as the figure's
    legend does, with :func:`reversal_note`.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> alt = diverging_alt(load_instrument(), "en")
    >>> "strongly agree (right)." in alt, alt.endswith("the favourable answer.")
    (True, True)
    """
    if not instrument.one_scale:
        return text("scales.items_alt_many", lang)
    scale = instrument.scale_of_theme(instrument.theme_ids[0])
    alt = text("items_alt", lang, low=scale.label(scale.min, lang),
               high=scale.label(scale.max, lang))
    if any(item.reverse for item in instrument.items):
        alt = f"{alt} {reversal_note(scale, lang)}"
    return alt


def _diverging_panel(ax: plt.Axes, data: pd.DataFrame, scale: Scale, labels: dict[str, str],
                     lang: str, min_n: int, units: str | None) -> None:
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
        _bars(ax, [row - 0.35 for row in y], width, left, 0.7, colours[value],
              figure_text(scale.label(value, lang)))
        left = left + width
    ax.autoscale_view()
    ax.axvline(0, color="black", linewidth=0.8)
    _mark_small(ax, [i for i in y if small[i]], -0.95, lang, min_n, units)
    ax.set_yticks(list(y), [labels[t] for t in data["theme"]])
    ax.set_xlim(-1, 1)
    ax.set_xticks([-1, -0.5, 0, 0.5, 1])
    _local_numbers(ax.xaxis, lang, percent=True)
    ax.legend(ncol=_answer_columns(scale, lang), loc="upper left", bbox_to_anchor=(-0.05, -0.1),
              fontsize=TEXT_PT, frameon=False, handlelength=1.2, columnspacing=1.0)


_MANY_FACET = (2.8, 1.9)  # inches of one theme's panel in the many-institutions figure
_MANY_PHONE_WIDTH = 3.4  # inches of a panel when the figure has one column (for phones)
_MEAN_MARK = "#102a43"  # the institution means, darker than their intervals
_MANY_LEGEND = 0.45  # inches under the panels for the two-entry legend
# Points of the smallest text: (one column, for phones; three columns). The one-column
# figure (_MANY_PHONE_WIDTH wide) in a 350 px column draws 9 pt at 12.9 px.
_MANY_TEXT = (9.0, 7.0)


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
                lang: str, size: float = 7.0, units: str | None = None) -> None:
    """One theme: its institutions' means sorted, with intervals, and the pooled line."""
    shown = cells.dropna(subset=["mean"]).sort_values("mean", kind="stable")
    x = np.arange(1, len(shown) + 1)
    style = _many_style(len(shown))
    if {"ci_low", "ci_high"} <= set(shown.columns):
        low, high = (shown[c].to_numpy(dtype=float) for c in ("ci_low", "ci_high"))
        ranged = ~(np.isnan(low) | np.isnan(high))
        # ax.vlines, built from plain arrays: vlines masks its input, and building one
        # masked segment per institution cost more than drawing them.
        segments = np.stack([np.column_stack([x[ranged], low[ranged]]),
                             np.column_stack([x[ranged], high[ranged]])], axis=1)
        ax.add_collection(matplotlib.collections.LineCollection(
            segments, colors=_PALETTE["own"], linewidths=style["linewidth"],
            alpha=style["alpha"] * 0.6), autolim=False)
    ax.plot(x, shown["mean"].to_numpy(dtype=float), linestyle="none", marker="o",
            markersize=style["markersize"], color=_MEAN_MARK, alpha=style["alpha"],
            markeredgewidth=0)
    if pd.notna(pooled):
        ax.axhline(pooled, color="black", linewidth=1.0)
    if shown.empty:
        ax.text(0.5, 0.5, figure_text(small_cell_note(lang, units=units)), transform=ax.transAxes,
                ha="center", va="center", fontsize=size, color=_GREY, style="italic")
    ax.set_xlim(0, len(shown) + 1)
    # Shared y axes got their limits from the first panel; setting them again on each
    # panel sets them on all its siblings too (work growing with the square of panels).
    if ax.get_autoscaley_on() or ax.get_ylim() != (scale.min, scale.max):
        ax.set_ylim(scale.min, scale.max)
    ax.set_xticks([])
    ax.set_xlabel(figure_text(text("many.rank_axis", lang, n=len(shown))), fontsize=size)
    ax.tick_params(labelsize=size)
    _local_numbers(ax.yaxis, lang)


def institution_caterpillar(
    summary: pd.DataFrame, pooled: pd.DataFrame, instrument: Instrument, *,
    lang: str = DEFAULT_LANGUAGE, columns: int = 3, units: str | None = None,
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
    size = _MANY_TEXT[columns > 1]
    scales = {t: scale for scale, group in scale_panels(instrument, themes) for t in group}
    several = len({scale.id for scale in scales.values()}) > 1
    titles = _panel_titles([labels[t] for t in themes], width, columns, several, size + 1)
    line = (size + 1) * 1.25 / 72  # inches of a title line
    extra = line * (max((t.count("\n") for t in titles), default=0))  # a second line
    height = (_MANY_FACET[1] + extra) * rows + legend
    fig, axes = plt.subplots(rows, columns, figsize=(width, height), dpi=110, squeeze=False,
                             sharey=not several,
                             gridspec_kw=_many_margins((width, height), (columns, rows),
                                                       legend, several, extra))
    by_theme = dict(tuple(summary.groupby(summary["theme"].astype(str), sort=False)))
    for k, ax in enumerate(axes.flat):
        if k >= len(themes):
            fig.delaxes(ax)
            continue
        scale = scales[themes[k]]
        _many_panel(ax, by_theme[themes[k]], pooled_mean.get(themes[k], float("nan")),
                    scale, lang, size, units)
        # y=1: a fixed place (nothing is drawn above a panel), so that drawing does not
        # measure every tick label to find where the title would fit
        ax.set_title(titles[k], fontsize=size + 1, loc="left", y=1.0)
        if several or k % columns == 0:
            ax.set_ylabel(figure_text(text("many.mean_axis", lang, low=scale.min,
                                           high=scale.max)), fontsize=size)
    _many_legend(fig, lang, ncol=2 if columns > 1 else 1, size=size)
    sns.despine(fig)
    return fig


def _panel_titles(labels: list[str], width: float, columns: int, several: bool,
                  points: float) -> list[str]:
    r"""Theme names as panel titles: on one line when they fit the panel, else on two.

    A line holds as many characters as the panel's width takes at ``points`` (an average
    character is taken as 0.55 em wide, generous for DejaVu Sans); a longer name wraps at
    a space onto a second line, and what is left beyond two lines is cut with an ellipsis.

    Examples
    --------
    >>> _panel_titles(["Motivation", "Manageable workload and assessment pressure"],
    ...               3.4, 1, False, 10)
    ['Motivation', 'Manageable workload and assessment\npressure']
    """
    margins = _many_margins((width, 1.0), (columns, 1), 0.0, several)
    panel = width * (margins["right"] - margins["left"]) / (
        columns + margins["wspace"] * (columns - 1))
    fit = max(10, int(panel * 72 / (0.55 * points)))
    out = []
    for label in labels:
        lines = textwrap.wrap(figure_text(label, 2 * fit), fit, break_long_words=True)
        out.append("\n".join(lines[:2]) if lines else "")
    return out


def _many_margins(size: tuple[float, float], grid: tuple[int, int], legend: float,
                  several: bool, titles: float = 0.0) -> dict[str, float]:
    """Fixed margins (in inches, as figure fractions) of the caterpillar grid.

    Every text of a panel has a bounded length (titles at most two lines, see
    :func:`_panel_titles`; ``titles`` is the height in inches of their second line when
    one wraps), so fixed margins replace ``tight_layout``, which measured every panel's
    texts and cost more than the drawing. Panels get their own y labels with several
    scales.
    """
    (width, height), (columns, rows) = size, grid
    left, right, top, bottom = 0.5, 0.1, 0.25 + titles, legend + 0.3
    gap_w, gap_h = (0.6 if several else 0.25), 0.6 + titles
    axes_w = (width - left - right - gap_w * (columns - 1)) / columns
    axes_h = (height - top - bottom - gap_h * (rows - 1)) / rows
    return {"left": left / width, "right": 1 - right / width, "top": 1 - top / height,
            "bottom": bottom / height, "wspace": gap_w / axes_w, "hspace": gap_h / axes_h}


def _many_legend(fig: plt.Figure, lang: str, ncol: int, size: float = 7.0) -> None:
    """The two legend entries of :func:`institution_caterpillar`, under the panels."""
    handles = [matplotlib.lines.Line2D([], [], color=_PALETTE["own"], marker="o",
                                       markerfacecolor=_MEAN_MARK, markeredgewidth=0,
                                       markersize=4, linewidth=1),
               matplotlib.lines.Line2D([], [], color="black", linewidth=1)]
    fig.legend(handles, [figure_text(text("many.legend_institution", lang)),
                         figure_text(text("pooled", lang))],
               loc="lower center", ncol=ncol, fontsize=size, frameon=False)
