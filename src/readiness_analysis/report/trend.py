"""Change since the previous wave, for page one of an institution report.

:func:`last_change` picks the institution's change from the wave before the latest to the
latest (small cells suppressed), :func:`change_figure` draws it as a small dot-and-arrow
chart and :func:`change_line` says in words which themes clearly moved. "Clearly" means
that the 95% interval of the change (:func:`readiness_analysis.stats.bootstrap.wave_change`)
lies wholly above or below zero; a change without an interval (too few respondents) is
never called clear.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter

from readiness_analysis.report.labels import in_sentence, theme_labels
from readiness_analysis.report.numbers import number
from readiness_analysis.report.plots import FIGURE_WIDTH, TEXT_PT, figure_text, scale_panels
from readiness_analysis.report.text import DEFAULT_LANGUAGE, text
from readiness_analysis.spec.instrument import Instrument
from readiness_analysis.stats.disclosure import suppress_small_cells

__all__ = ["change_figure", "change_line", "clear_changes", "last_change"]

_FROM, _TO = "#9aa5b1", "#1b6ca8"


def last_change(changes: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of ``changes`` from the wave before the latest to the latest, shown cells only.

    A row's size is the smaller of its two waves' n, so a theme with fewer than the minimum
    respondents in either wave is left out (as the change table does).

    Examples
    --------
    >>> ch = pd.DataFrame({"theme": ["vision"] * 2, "wave_from": [1, 2], "wave_to": [2, 3],
    ...                    "n_from": [5, 5], "n_to": [5, 2], "mean_from": [2.0, 2.5],
    ...                    "mean_to": [2.5, 3.0], "diff": [0.5, 0.5],
    ...                    "ci_low": [0.1, 0.1], "ci_high": [0.9, 0.9]})
    >>> len(last_change(ch))  # wave 3 has 2 respondents: suppressed
    0
    """
    if changes is None or changes.empty:
        return pd.DataFrame()
    latest = changes[changes["wave_to"] == changes["wave_to"].max()]
    latest = latest.assign(n=latest[["n_from", "n_to"]].min(axis=1))
    return suppress_small_cells(latest).dropna(subset=["diff"]).reset_index(drop=True)


def clear_changes(change: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows whose 95% interval lies wholly above zero, and those wholly below.

    Examples
    --------
    >>> ch = pd.DataFrame({"theme": ["a", "b", "c"], "diff": [0.5, -0.4, 0.1],
    ...                    "ci_low": [0.1, -0.7, -0.2], "ci_high": [0.9, -0.1, 0.4]})
    >>> [frame["theme"].tolist() for frame in clear_changes(ch)]
    [['a'], ['b']]
    """
    if change.empty:
        return change, change
    up = change[change["ci_low"] > 0].sort_values("diff", ascending=False)
    down = change[change["ci_high"] < 0].sort_values("diff")
    return up, down


def change_line(change: pd.DataFrame, instrument: Instrument,
                lang: str = DEFAULT_LANGUAGE) -> str:
    """Which themes are clearly higher or lower than at the previous wave, in words.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> ch = pd.DataFrame({"theme": ["vision"], "wave_from": [1], "wave_to": [2],
    ...                    "mean_from": [2.0], "mean_to": [2.6], "diff": [0.6],
    ...                    "ci_low": [0.2], "ci_high": [1.0]})
    >>> change_line(ch, load_instrument(), "en")
    'Clearly higher than at wave 1: vision and policy (2.0 → 2.6).'
    """
    if change.empty:
        return ""
    labels = theme_labels(instrument, lang)
    wave = int(change["wave_from"].iloc[0])
    up, down = clear_changes(change)

    def items(rows: pd.DataFrame) -> str:
        return ", ".join(text("trend.item", lang,
                              theme=in_sentence(labels.get(str(r.theme), str(r.theme))),
                              before=number(r.mean_from, lang, "{:.1f}"),
                              after=number(r.mean_to, lang, "{:.1f}"))
                         for r in rows.itertuples())

    lines = [text(key, lang, wave=wave, items=items(rows))
             for key, rows in (("trend.up", up), ("trend.down", down)) if len(rows)]
    return " ".join(lines) if lines else text("trend.none", lang, wave=wave)


def change_figure(change: pd.DataFrame, instrument: Instrument,
                  lang: str = DEFAULT_LANGUAGE) -> plt.Figure:
    """A small chart: per theme, the mean at the previous wave (grey) and now (blue).

    One panel per answer scale (see :func:`readiness_analysis.report.plots.scale_panels`),
    each on its scale's range; axis numbers in the language's notation.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> ch = pd.DataFrame({"theme": ["vision", "time"], "wave_from": [1, 1],
    ...                    "wave_to": [2, 2], "mean_from": [2.0, 3.0],
    ...                    "mean_to": [2.6, 2.8], "diff": [0.6, -0.2]})
    >>> fig = change_figure(ch, load_instrument(), "nl")
    >>> [len(ax.get_yticks()) for ax in fig.axes]
    [2]
    """
    labels = {t: figure_text(label) for t, label in theme_labels(instrument, lang).items()}
    panels = scale_panels(instrument, change["theme"])
    rows = [len(themes) for _, themes in panels]
    # As wide as the other column figures, so that a phone shows its text at >= 10 px.
    fig, axes = plt.subplots(len(panels), 1, squeeze=False, dpi=100,
                             figsize=(FIGURE_WIDTH, 0.34 * sum(rows) + 1.0 * len(panels)),
                             gridspec_kw={"height_ratios": [r + 1 for r in rows]})
    wave_from, wave_to = int(change["wave_from"].iloc[0]), int(change["wave_to"].iloc[0])
    for ax, (scale, themes) in zip(axes[:, 0], panels, strict=True):
        part = change.set_index(change["theme"].astype(str)).loc[themes]
        y = range(len(themes))
        ax.hlines(y, part["mean_from"], part["mean_to"], color=_TO, linewidth=1.5)
        ax.scatter(part["mean_from"], y, color=_FROM, s=36, zorder=3,
                   label=figure_text(text("trend.wave", lang, wave=wave_from)))
        ax.scatter(part["mean_to"], y, color=_TO, s=44, zorder=3,
                   label=figure_text(text("trend.wave", lang, wave=wave_to)))
        ax.set_yticks(list(y), [labels.get(t, figure_text(t)) for t in themes], fontsize=TEXT_PT)
        ax.invert_yaxis()
        ax.set_xlim(scale.min, scale.max)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, lang, "{:.1f}")))
        ax.tick_params(axis="x", labelsize=TEXT_PT)
        ax.grid(axis="x", color="#e4e7eb", linewidth=0.8)
        ax.set_axisbelow(True)
    axes[-1, 0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.18 - 0.5 / sum(rows)),
                       ncol=2, frameon=False, fontsize=TEXT_PT)
    sns.despine(fig)
    fig.tight_layout()
    return fig
