"""Seaborn figures for the reports. Each function returns a matplotlib Figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # reports are rendered headless; a GUI backend is never needed

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .indices import READINESS
from .instrument import Instrument

__all__ = ["diverging_answers", "score_distribution", "theme_labels", "theme_profile"]

_PALETTE = {"own": "#1b6ca8", "pooled": "#9aa5b1"}


def theme_labels(instrument: Instrument, lang: str = "nl") -> dict[str, str]:
    """Theme id → label in ``lang``, plus the readiness index.

    Examples
    --------
    >>> from readiness_analysis.instrument import load_instrument
    >>> theme_labels(load_instrument(), "en")["readiness"]
    'Readiness index'
    """
    labels = {t: instrument.theme_label(t, lang) for t in instrument.theme_ids}
    labels[READINESS] = "Readiness-index" if lang == "nl" else "Readiness index"
    return labels


def theme_profile(
    own: pd.DataFrame,
    pooled: pd.DataFrame,
    instrument: Instrument,
    *,
    lang: str = "nl",
    own_label: str = "Deze instelling",
) -> plt.Figure:
    """Mean score per theme of one group (bars) against the pooled mean (markers).

    Parameters
    ----------
    own, pooled : DataFrame
        Summaries with ``theme``, ``mean`` and ``n`` (see
        :func:`readiness_analysis.indices.summarise_scores`).
    instrument : Instrument
    lang : {"nl", "en"}
    own_label : str
        Legend label of the bars.

    Examples
    --------
    >>> from readiness_analysis.instrument import load_instrument
    >>> inst = load_instrument()
    >>> own = pd.DataFrame({"theme": ["vision"], "mean": [2.0], "n": [5]})
    >>> fig = theme_profile(own, own.assign(mean=3.0), inst)
    >>> len(fig.axes)
    1
    """
    labels = theme_labels(instrument, lang)
    order = [labels[t] for t in labels if t in set(own["theme"].astype(str))]
    own = own.assign(label=own["theme"].astype(str).map(labels))
    pooled = pooled.assign(label=pooled["theme"].astype(str).map(labels))
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(order) + 1.2), dpi=110)
    sns.barplot(data=own, y="label", x="mean", order=order, color=_PALETTE["own"],
                label=own_label, ax=ax)
    if {"ci_low", "ci_high"} <= set(own.columns):
        ranked = own.set_index("label").reindex(order)
        ax.errorbar(ranked["mean"], range(len(order)), fmt="none", ecolor="#102a43",
                    elinewidth=1, capsize=3,
                    xerr=[ranked["mean"] - ranked["ci_low"], ranked["ci_high"] - ranked["mean"]])
    sns.scatterplot(data=pooled[pooled["label"].isin(order)], y="label", x="mean",
                    color="black", marker="D", s=40, zorder=3, ax=ax,
                    label="Alle instellingen" if lang == "nl" else "All institutions")
    ax.set_xlim(instrument.scale_min, instrument.scale_max)
    ax.set_xlabel("Gemiddelde score (1-5), met 95%-betrouwbaarheidsinterval" if lang == "nl"
                  else "Mean score (1-5), with 95% confidence interval")
    ax.set_ylabel("")
    n = int(own["n"].max()) if len(own) else 0
    ax.set_title(f"n = {n}", loc="right", fontsize=9)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    sns.despine(fig)
    fig.tight_layout()
    return fig


def score_distribution(
    scores: pd.DataFrame, instrument: Instrument, *, by: str = "institution", lang: str = "nl"
) -> plt.Figure:
    """Box plots of respondents' theme scores, one colour per group.

    Examples
    --------
    >>> from readiness_analysis.instrument import load_instrument
    >>> s = pd.DataFrame({"theme": ["vision"] * 4, "score": [1.0, 2, 3, 4],
    ...                   "institution": ["A", "A", "B", "B"]})
    >>> len(score_distribution(s, load_instrument()).axes)
    1
    """
    labels = theme_labels(instrument, lang)
    data = scores.dropna(subset=["score"])
    data = data.assign(label=data["theme"].astype(str).map(labels))
    order = [labels[t] for t in labels if t in set(data["theme"].astype(str))]
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(order) + 1.4), dpi=110)
    sns.boxplot(data=data, y="label", x="score", hue=by, order=order, ax=ax,
                fliersize=2, linewidth=0.8, palette="Blues")
    ax.set_xlim(instrument.scale_min - 0.2, instrument.scale_max + 0.2)
    ax.set_xlabel("Score (1-5)")
    ax.set_ylabel("")
    ax.set_title(f"n = {data['respondent_id'].nunique() if 'respondent_id' in data else len(data)}",
                 loc="right", fontsize=9)
    ax.legend(title="", fontsize=8, frameon=False, loc="lower right")
    sns.despine(fig)
    fig.tight_layout()
    return fig


_DIVERGING = ["#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac"]


def diverging_answers(shares: pd.DataFrame, instrument: Instrument, *, lang: str = "nl"):
    """Diverging stacked bars: disagreement left of zero, agreement right, neutral centred.

    Parameters
    ----------
    shares : DataFrame
        From :func:`readiness_analysis.itemstats.answer_shares` (a 5-point scale).

    Examples
    --------
    >>> from readiness_analysis.instrument import load_instrument
    >>> from readiness_analysis.itemstats import answer_shares
    >>> df = pd.DataFrame({"vis_1": [1.0, 5.0, 3.0]})
    >>> fig = diverging_answers(answer_shares(df, load_instrument()), load_instrument())
    >>> len(fig.axes)
    1
    """
    values = list(instrument.scale)
    labels = theme_labels(instrument, lang)
    data = shares.dropna(subset=values).iloc[::-1]
    mid = len(values) // 2  # index of the neutral value on an odd scale
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(data) + 1.6), dpi=110)
    y = range(len(data))
    left = -(data[values[:mid]].sum(axis=1) + data[values[mid]] / 2).to_numpy()
    for k, value in enumerate(values):
        width = data[value].to_numpy()
        ax.barh(list(y), width, left=left, color=_DIVERGING[k % len(_DIVERGING)],
                label=instrument.scale[value][lang], height=0.7)
        left = left + width
    ax.axvline(0, color="black", linewidth=0.8)
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
