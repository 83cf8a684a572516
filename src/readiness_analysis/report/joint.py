"""The mixed-methods joint display: per recommendation, scan scores beside coded factors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from readiness_analysis.report.labels import valence_label
from readiness_analysis.report.numbers import number
from readiness_analysis.report.text import DEFAULT_LANGUAGE, text
from readiness_analysis.spec.codebook import Codebook
from readiness_analysis.spec.instrument import Instrument

__all__ = ["joint_display"]


def joint_display(
    summary: pd.DataFrame, fragments: pd.DataFrame, instrument: Instrument,
    codebook: Codebook, lang: str = DEFAULT_LANGUAGE, *, links: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """Mixed-methods joint display: per recommendation, scan scores beside coded factors.

    Parameters
    ----------
    summary : DataFrame
        Theme summary (``theme``, ``mean``, ``n``), e.g. the pooled rows of the latest wave.
    fragments : DataFrame
        Coded fragments (``fragment_id``, ``code``, ``valence``, ``recommendation``).
    instrument : Instrument
    codebook : Codebook
    lang : str
        A report language (a catalogue in report/locale).
    links : mapping
        The study's recommendation ids, in its order, with the theme ids each rests on
        (:meth:`readiness_analysis.spec.study.Study.links`).

    Returns
    -------
    DataFrame
        One row per recommendation of the study: the linked themes with their mean score,
        the hindering and the stimulating codes with their number of fragments.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> from readiness_analysis.spec.codebook import load_codebook
    >>> from readiness_analysis.spec.study import load_study
    >>> links = load_study().links(load_instrument())
    >>> s = pd.DataFrame({"theme": ["vision"], "mean": [2.25], "n": [14]})
    >>> f = pd.DataFrame({"fragment_id": ["f1"], "code": ["vision_missing"],
    ...                   "valence": ["hindering"], "recommendation": ["R2"]})
    >>> joint_display(s, f, load_instrument(), load_codebook(), "en", links=links).iloc[
    ...     1, 1:3].tolist()
    ['Vision and policy: 2.25 (n = 14)', 'Vision missing or unknown (1)']
    """
    means = summary.drop_duplicates("theme").set_index("theme")
    names = (text("columns.recommendation", lang), text("columns.scan", lang),
             valence_label("hindering", lang, title=True),
             valence_label("stimulating", lang, title=True))
    rows = []
    for rec, themes in links.items():
        scan = []
        for theme in themes:
            if theme in means.index and pd.notna(means.loc[theme, "mean"]):
                value = number(means.loc[theme, "mean"], lang)
                label = instrument.theme_label(theme, lang)
                scan.append(f"{label}: {value} (n = {int(means.loc[theme, 'n'])})")
        linked = fragments[fragments["recommendation"] == rec]
        rows.append([rec, "; ".join(scan) or "–",
                     _code_counts(linked, "hindering", codebook, lang),
                     _code_counts(linked, "stimulating", codebook, lang)])
    return pd.DataFrame(rows, columns=list(names))


def _code_counts(fragments: pd.DataFrame, valence: str, codebook: Codebook, lang: str) -> str:
    chosen = fragments[fragments["valence"] == valence]
    counts = chosen.groupby("code")["fragment_id"].nunique().sort_values(ascending=False)
    return "; ".join(f"{codebook[c].name[lang]} ({n})" for c, n in counts.items()) or "–"
