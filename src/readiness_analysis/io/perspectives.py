"""The optional perspective columns of a scan export: the respondent's role and group.

A scan may say who answered (``role``: docent, leidinggevende, onderwijsondersteuner,
student, ...) and where they work or learn (``group``: a team, an opleiding, a location).
Reports then compare the themes per role and per group
(:mod:`readiness_analysis.stats.perspectives`).

- ``role`` values are checked against the instrument's optional ``roles:`` block: a value
  matches a role id or one of its labels whatever its case, spacing and quote style
  (:func:`readiness_analysis.spec.instrument.normalise_label`) and is stored as the id.
  An undeclared value rejects its row, naming the value and the allowed ones. Without a
  ``roles:`` block any value is its own role (cleaned as a name, :func:`clean_name`).
- ``group`` values are free text, cleaned as institution names are (invisible characters
  removed, NFC, white space collapsed).
- An empty cell is a missing role or group (NA): the respondent counts in every figure
  of the institution, in none of a role or group.
- A value that looks like personal data (an e-mail address, a phone number, ...) rejects
  its row without being echoed, as for institutions.

Each distinct value is checked once (``pd.factorize``), not each row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from readiness_analysis.io.institutions import clean_name
from readiness_analysis.io.redact import echo, looks_personal
from readiness_analysis.spec.instrument import Instrument, normalise_label

__all__ = ["GROUP", "PERSPECTIVES", "PERSPECTIVE_SYNONYMS", "ROLE", "clean_perspectives",
           "role_lookup"]

ROLE = "role"
GROUP = "group"
#: The optional perspective columns, in the order ``responses.parquet`` holds them.
PERSPECTIVES = (ROLE, GROUP)
#: Other headers an export may give them (compared case- and white-space-insensitively).
PERSPECTIVE_SYNONYMS = {ROLE: ("rol", "functie"), GROUP: ("groep",)}
_MAX_ALLOWED_SHOWN = 12

#: A row's problem: (column, message, hint), as :mod:`readiness_analysis.io.clean` keeps them.
_RowProblem = tuple[str, str, str | None]


def role_lookup(instrument: Instrument) -> dict[str, str]:
    """Normalised role id or label -> role id (empty without a ``roles:`` block).

    Examples
    --------
    >>> from dataclasses import replace
    >>> from readiness_analysis.core.words import Localised
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> roles = {"docent": Localised({"nl": "Docenten", "en": "Teachers"})}
    >>> lookup = role_lookup(replace(load_instrument(), respondent_roles=roles))
    >>> lookup["docenten"], lookup["teachers"], lookup["docent"]
    ('docent', 'docent', 'docent')
    """
    lookup: dict[str, str] = {}
    for role, labels in instrument.respondent_roles.items():
        for name in (role, *labels.values()):
            lookup.setdefault(normalise_label(name), role)
    return lookup


def clean_perspectives(frame: pd.DataFrame, instrument: Instrument
                       ) -> tuple[pd.DataFrame, dict[str, dict[int, list[_RowProblem]]]]:
    """The cleaned ``role`` and ``group`` columns of ``frame`` and the rows they reject.

    Parameters
    ----------
    frame : DataFrame
        The raw scan table with its columns already named (``role``, ``group`` where the
        export has them); other columns are ignored.
    instrument : Instrument
        Its ``respondent_roles`` (the ``roles:`` block) are the allowed roles, if any.

    Returns
    -------
    columns : DataFrame
        ``role`` and/or ``group`` (string dtype, NA for an empty cell), on ``frame``'s
        index; no columns when the export has neither.
    problems : dict
        Per column the export has (``role``, ``group``): row index -> ``[(column,
        message, hint)]`` for an undeclared role or a value that looks like personal data
        (empty when there is none).

    Examples
    --------
    >>> from dataclasses import replace
    >>> from readiness_analysis.core.words import Localised
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> inst = replace(load_instrument(), respondent_roles={
    ...     "docent": Localised({"nl": "Docenten", "en": "Teachers"})})
    >>> frame = pd.DataFrame({"role": [" Docenten", "directeur", None],
    ...                       "group": ["Team  Zorg", "Zorg", ""]})
    >>> columns, problems = clean_perspectives(frame, inst)
    >>> columns["role"].tolist(), columns["group"].tolist()
    (['docent', <NA>, <NA>], ['Team Zorg', 'Zorg', <NA>])
    >>> problems["role"][1][0][1], problems["group"]
    ("role 'directeur' is not one of the instrument's roles: docent", {})
    """
    columns = pd.DataFrame(index=frame.index)
    problems: dict[str, dict[int, list[_RowProblem]]] = {}
    for column in PERSPECTIVES:
        if column not in frame:
            continue
        lookup = role_lookup(instrument) if column == ROLE else {}
        values, found = _clean_column(frame[column], column, lookup)
        columns[column] = values
        problems[column] = {idx: [problem] for idx, problem in found.items()}
    return columns, problems


def _clean_column(cells: pd.Series, column: str, lookup: dict[str, str]
                  ) -> tuple[pd.Series, dict[int, _RowProblem]]:
    """One perspective column: each distinct cell cleaned once, problems by row index."""
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    checked = [_check(value, column, lookup) for value in uniques]
    table = np.array([*(value for value, _ in checked), pd.NA], dtype=object)
    values = pd.Series(table[codes], index=cells.index, dtype="string")
    bad = np.array([*(problem is not None for _, problem in checked), False])
    rows = np.flatnonzero(bad[codes])
    found = {cells.index[i]: checked[codes[i]][1] for i in rows}
    return values, found


def _check(value: object, column: str, lookup: dict[str, str]
           ) -> tuple[object, _RowProblem | None]:
    """A cell's cleaned value (NA when empty or invalid) and its problem, if any."""
    name = clean_name(value)
    if not name:
        return pd.NA, None
    kind = looks_personal(name)
    if kind is not None:
        return pd.NA, (column, f"{column} looks like {kind}, not a {column}",
                       f"write the {column}'s name; personal data do not belong in the export")
    if not lookup:
        return name, None
    role = lookup.get(normalise_label(name))
    if role is None:
        allowed = list(dict.fromkeys(lookup.values()))  # in the instrument's order
        shown = ", ".join(allowed[:_MAX_ALLOWED_SHOWN]) + (
            ", …" if len(allowed) > _MAX_ALLOWED_SHOWN else "")
        return pd.NA, (column, f"role {echo(name, redacted=False)} is not one of the "
                               f"instrument's roles: {shown}",
                       "use one of these roles (or its label), or add the role to the "
                       "instrument's roles: block")
    return role, None
