"""Seaborn figures for the reports. Each function returns a matplotlib Figure.

Words on a figure (axis titles, legend entries, the small-cell note) come from the text
catalogue (``plots.*``); theme names from :func:`readiness_analysis.report.labels.theme_labels`.
Every word drawn passes through :func:`figure_text`: matplotlib reads ``$...$`` as math,
so a name such as "Kosten $x^$ College" would fail the figure; it is escaped to be drawn
as typed, and a very long name is shortened (the tables keep the full name).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # reports are rendered headless; a GUI backend is never needed

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from readiness_analysis.report.labels import theme_labels
from readiness_analysis.report.text import DEFAULT_LANGUAGE, text
from readiness_analysis.spec.instrument import Instrument
from readiness_analysis.stats.disclosure import MIN_CELL

__all__ = [
    "FIGURE_LABEL_MAX",
    "diverging_answers",
    "figure_text",
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
    order = [labels[t] for t in labels if t in set(own["theme"].astype(str))]
    own = own.assign(label=own["theme"].astype(str).map(labels))
    small = own["n"].lt(min_n) | own["mean"].isna()
    pooled = pooled.assign(label=pooled["theme"].astype(str).map(labels)).dropna(subset=["mean"])
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(order) + 1.2), dpi=110)
    shown = own[~small]
    sns.barplot(data=shown, y="label", x="mean", order=order, color=_PALETTE["own"],
                label=own_label, ax=ax)
    if {"ci_low", "ci_high"} <= set(own.columns) and len(shown):
        ranked = shown.set_index("label").reindex(order)
        ax.errorbar(ranked["mean"], range(len(order)), fmt="none", ecolor="#102a43",
                    elinewidth=1, capsize=3,
                    xerr=[ranked["mean"] - ranked["ci_low"], ranked["ci_high"] - ranked["mean"]])
    _mark_small(ax, [order.index(label) for label in own.loc[small, "label"]],
                instrument.scale_min + 0.05, lang, min_n)
    sns.scatterplot(data=pooled[pooled["label"].isin(order)], y="label", x="mean",
                    color="black", marker="D", s=40, zorder=3, ax=ax,
                    label=figure_text(text("pooled", lang)))
    ax.set_xlim(instrument.scale_min, instrument.scale_max)
    ax.set_xlabel(figure_text(text("plots.mean_axis", lang)))
    ax.set_ylabel("")
    n = int(own["n"].max()) if len(own) else 0
    ax.set_title(f"n = {n}", loc="right", fontsize=9)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    sns.despine(fig)
    fig.tight_layout()
    return fig


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
    order = [labels[t] for t in labels if t in set(data["theme"].astype(str))]
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(order) + 1.4), dpi=110)
    if len(data):
        sns.boxplot(data=data, y="label", x="score", hue=by, order=order, ax=ax,
                    hue_order=sorted(data[by].unique()), fliersize=2, linewidth=0.8,
                    palette="Blues")
        ax.legend(title="", fontsize=8, frameon=False, loc="lower right")
    ax.set_xlim(instrument.scale_min - 0.2, instrument.scale_max + 0.2)
    ax.set_xlabel(figure_text(text("plots.score_axis", lang)))
    ax.set_ylabel("")
    n = data["respondent_id"].nunique() if "respondent_id" in data else len(data)
    ax.set_title(f"n = {n}", loc="right", fontsize=9)
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


_DIVERGING = ["#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac"]


def diverging_answers(shares: pd.DataFrame, instrument: Instrument, *,
                      lang: str = DEFAULT_LANGUAGE,
                      min_n: int = MIN_CELL) -> plt.Figure:
    """Diverging stacked bars: disagreement left of zero, agreement right, neutral centred.

    A theme answered by fewer than ``min_n`` respondents gets no bar but the grey note
    "minder dan 3 respondenten" / "fewer than 3 respondents"; themes without answers are
    left out.

    Parameters
    ----------
    shares : DataFrame
        From :func:`readiness_analysis.stats.itemstats.answer_shares` (a 5-point scale).
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
    values = list(instrument.scale)
    labels = _theme_labels(instrument, lang)
    data = shares[shares["n"] > 0].iloc[::-1].copy()
    small = (data["n"] < min_n).to_numpy()
    data.loc[small, values] = 0.0
    mid = len(values) // 2  # index of the neutral value on an odd scale
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(data) + 1.6), dpi=110)
    y = range(len(data))
    left = -(data[values[:mid]].sum(axis=1) + data[values[mid]] / 2).to_numpy()
    for k, value in enumerate(values):
        width = data[value].to_numpy()
        ax.barh(list(y), width, left=left, color=_DIVERGING[k % len(_DIVERGING)],
                label=figure_text(instrument.scale[value][lang]), height=0.7)
        left = left + width
    ax.axvline(0, color="black", linewidth=0.8)
    _mark_small(ax, [i for i in y if small[i]], -0.95, lang, min_n)
    ax.set_yticks(list(y), [labels[t] for t in data["theme"]])
    ax.set_xlim(-1, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{abs(v):.0%}"))
    ax.legend(ncol=len(values), loc="upper center", bbox_to_anchor=(0.4, -0.12), fontsize=7,
              frameon=False)
    n = int(data["n"].max()) if len(data) else 0
    ax.set_title(f"n = {n}", loc="right", fontsize=9)
    sns.despine(fig, left=True)
    fig.tight_layout()
    return fig
