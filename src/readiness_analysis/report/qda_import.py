"""The import of a QDA export, for the study report's method appendix.

Reads ``qda_import.csv`` (one row per interview and coder: the institution it went to, its
codings, passages, passages matched with another coder, one-coder passages and the
corrections made while reading; see
:func:`readiness_analysis.io.qda_fragments.import_report`) and ``agreement.csv`` (both
treatments of one-coder passages and the character-level agreement; see
:func:`readiness_analysis.stats.agreement.coder_agreement`) from the processed folder,
and words them in the report's language. Without a QDA export both tables are empty and
the block shows nothing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from IPython.display import HTML

from readiness_analysis.core.tables import QDA_IMPORT_FILE
from readiness_analysis.io.qda_fragments import OVERLAP_THRESHOLD
from readiness_analysis.report.html import caption, heading, prose, table
from readiness_analysis.report.labels import code_labels
from readiness_analysis.report.numbers import number
from readiness_analysis.report.text import DEFAULT_LANGUAGE, text

__all__ = ["agreement_both_ways", "qda_import_block", "qda_import_table"]

_AGREEMENT = ("code", "n_fragments", "n_one_coder", "kappa", "kappa_paired", "alpha",
              "alpha_paired", "alpha_unitized", "char_agreement")
_COUNTS = ("codings", "passages", "matched_passages", "one_coder_passages")


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame()
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def _label(column: str, lang: str) -> str:
    if column == "n_fragments":
        return text("columns.fragments", lang)
    return text(f"qda_import.columns.{column}", lang)


def qda_import_table(processed_dir: str | Path, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The import report (``qda_import.csv``) with the column names of ``lang``.

    Empty when the build read no QDA export.

    Examples
    --------
    >>> qda_import_table("data/processed", "en").columns.tolist()  # doctest: +SKIP
    ['Interview', 'Institution', 'Coder', 'Codings', 'Passages', ...]
    """
    frame = _read(Path(processed_dir) / QDA_IMPORT_FILE)
    if frame.empty:
        return frame
    frame = frame.copy()
    for column in _COUNTS:
        frame[column] = frame[column].astype(int)
    frame["corrections"] = frame["corrections"].fillna("")
    frame["institution"] = frame["institution"].fillna("–")
    return frame.rename(columns={c: _label(c, lang) for c in frame.columns})


def agreement_both_ways(processed_dir: str | Path, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Kappa and alpha with and without one-coder passages, and characters agreed, per code.

    Empty when ``agreement.csv`` has no rows or was written without these columns.

    Examples
    --------
    >>> agreement_both_ways("data/processed", "en")  # doctest: +SKIP
    """
    frame = _read(Path(processed_dir) / "agreement.csv")
    if frame.empty or not set(_AGREEMENT) <= set(frame.columns):
        return pd.DataFrame()
    shown = frame.loc[:, list(_AGREEMENT)].copy()
    for column in ("kappa", "kappa_paired", "alpha", "alpha_paired", "alpha_unitized"):
        shown[column] = [number(v, lang) for v in shown[column]]
    shown["code"] = code_labels(shown["code"], lang)
    shown["char_agreement"] = [number(v * 100, lang, "{:.0f}%") for v in shown["char_agreement"]]
    return shown.rename(columns={c: _label(c, lang) for c in shown.columns})


def qda_import_block(processed_dir: str | Path, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Heading, unit rule, import table and agreement both ways; empty without a QDA export.

    Examples
    --------
    >>> qda_import_block("data/processed", "nl")  # doctest: +SKIP
    """
    imported = qda_import_table(processed_dir, lang)
    if imported.empty:
        return HTML("")
    share = number(OVERLAP_THRESHOLD * 100, lang, "{:.0f}%")
    parts = [heading("qda_import.heading", lang, level=3).data,
             prose(text("qda_import.rule", lang, share=share)).data, table(imported).data]
    corrected = int((imported[_label("corrections", lang)] != "").sum())
    if corrected:
        key = "qda_import.corrections_one" if corrected == 1 else "qda_import.corrections"
        parts.append(caption(text(key, lang, n=corrected)).data)
    both = agreement_both_ways(processed_dir, lang)
    if not both.empty:
        parts.append(table(both).data)
    elif imported[_label("coder", lang)].nunique() < 2:  # say why agreement is missing
        parts.append(caption(text("qda_import.one_coder", lang)).data)
    return HTML("".join(parts))
