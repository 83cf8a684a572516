"""Institution names: one spelling per institution, through an alias table.

Survey exports spell the same school in many ways ("ROC van Amsterdam", "ROCvA",
"roc van amsterdam "). Names are mapped through an alias table (shipped defaults plus
``institution_aliases.yaml`` in the raw data folder), then spellings that differ only in
case or white space are merged onto their most frequent form.
"""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from readiness_analysis.core.errors import DataValidationError, InstrumentError, Problem
from readiness_analysis.core.safe_yaml import load_yaml
from readiness_analysis.core.tables import ALIAS_FILE

__all__ = ["institution_key", "load_aliases", "normalise_institution", "unify_institutions"]


def institution_key(name: str) -> str:
    """The form in which two spellings of one name are equal: white space and case folded.

    Examples
    --------
    >>> institution_key("  ROC  van Amsterdam") == institution_key("roc van amsterdam")
    True
    """
    return " ".join(str(name).split()).casefold()


def load_aliases(raw_dir: str | Path | None = None) -> dict[str, str]:
    """The alias table: shipped defaults, extended by ``raw_dir/institution_aliases.yaml``.

    The file maps each canonical name to a list of other spellings::

        ROC van Amsterdam:
          - ROCvA
          - ROC Amsterdam

    Returns
    -------
    dict
        Spelling (case- and white-space-folded) → canonical name.

    Examples
    --------
    >>> load_aliases()["rocva"]
    'ROC van Amsterdam'
    """
    shipped = resources.files("readiness_analysis.spec") / "instruments" / ALIAS_FILE
    text = shipped.read_text("utf-8")
    table = _parse(load_yaml(text, source="<package>/" + ALIAS_FILE), "<package>/" + ALIAS_FILE)
    user = Path(raw_dir) / ALIAS_FILE if raw_dir is not None else None
    if user is not None and user.is_file():
        try:
            data = load_yaml(user)
        except InstrumentError as exc:  # load_yaml's default error; this is input data
            raise DataValidationError(
                [Problem(str(user), exc.row, None, exc.message, exc.hint)]
            ) from None
        table.update(_parse(data, str(user)))
    return table


def _parse(data, source: str) -> dict[str, str]:
    if data is None:
        return {}
    scalar = (str, int, float)
    if not isinstance(data, dict) or not all(
        isinstance(k, scalar) and isinstance(v, list) and all(isinstance(x, scalar) for x in v)
        for k, v in data.items()
    ):
        raise DataValidationError(
            [Problem(source, None, None, "alias file must map each name to a list of spellings",
                     "see README.md, 'Your own data'")]
        )
    table = {}
    for canonical, spellings in data.items():
        for spelling in [canonical, *spellings]:
            table[institution_key(spelling)] = " ".join(str(canonical).split())
    return table


def normalise_institution(name: str, aliases: dict[str, str] | None = None) -> str:
    """Collapse white space and map a known spelling onto its canonical name.

    Examples
    --------
    >>> normalise_institution("  roc van amsterdam ", {"roc van amsterdam": "ROC van Amsterdam"})
    'ROC van Amsterdam'
    >>> normalise_institution("Instelling  A")
    'Instelling A'
    """
    clean = " ".join(str(name).split())
    return (aliases or {}).get(institution_key(clean), clean)


def unify_institutions(
    names: pd.Series, aliases: dict[str, str] | None = None
) -> tuple[pd.Series, dict[str, str]]:
    """Normalise a column of institution names.

    Aliases are applied first; spellings that then differ only in case are merged onto
    the most frequent spelling (the first seen on a tie).

    Returns
    -------
    (Series, dict)
        The unified names (NA stays NA) and every change made, original → new, for the
        cleaning log.

    Examples
    --------
    >>> s = pd.Series(["Instelling A", "instelling a", "Instelling A"])
    >>> unified, changes = unify_institutions(s)
    >>> unified.tolist(), changes
    (['Instelling A', 'Instelling A', 'Instelling A'], {'instelling a': 'Instelling A'})
    """
    codes, uniques = pd.factorize(names, use_na_sentinel=True)
    originals = [str(u) for u in uniques]  # each distinct spelling once, first seen first
    mapped = [normalise_institution(u, aliases) for u in originals]
    counts: dict[str, int] = {}
    for spelling, n in zip(mapped, np.bincount(codes[codes >= 0], minlength=len(mapped)),
                           strict=True):
        counts[spelling] = counts.get(spelling, 0) + int(n)
    best: dict[str, str] = {}
    for spelling, _ in Counter(counts).most_common():  # ties keep first-seen order
        best.setdefault(institution_key(spelling), spelling)
    final = [best[institution_key(m)] for m in mapped]
    table = np.array([*final, None], dtype=object)
    unified = pd.Series(table[codes], index=names.index, dtype=object).astype(object)
    unified = unified.where(unified.notna(), names.astype(object))
    changes = {orig: new for orig, new in zip(originals, final, strict=True) if orig != new}
    return unified, changes
