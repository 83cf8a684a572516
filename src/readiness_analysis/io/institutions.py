"""Institution names: one spelling per institution, through an alias table.

Survey exports spell the same school in many ways ("ROC van Amsterdam", "ROCvA",
"roc van amsterdam "). Every name is first brought into one Unicode form
(:func:`clean_name`: NFC, invisible zero-width and bidirectional control characters
removed, white space collapsed), then mapped through an alias table (shipped defaults plus
``institution_aliases.yaml`` in the raw data folder), then spellings that differ only in
case or white space are merged onto their most frequent form. Fragments and documents are
spelled as the scan with :func:`align_institutions`. Names that still differ only by
look-alike letters of another script (a Cyrillic "А" for a Latin "A") are found by
:func:`confusable_names`, for a warning: they are not merged, as they may be two schools.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from readiness_analysis.core.errors import DataValidationError, InstrumentError, Problem
from readiness_analysis.core.safe_yaml import load_yaml
from readiness_analysis.core.tables import ALIAS_FILE
from readiness_analysis.io.redact import echo

__all__ = [
    "INVISIBLE",
    "align_institutions",
    "clean_name",
    "confusable_names",
    "describe_look_alikes",
    "institution_key",
    "institution_note",
    "load_aliases",
    "name_changes",
    "normalise_institution",
    "skeleton",
    "unify_institutions",
]

#: Characters that change a name without showing: zero-width space, non-joiner and
#: joiner, word joiner, byte-order mark (U+200B..U+200D, U+2060, U+FEFF), and the
#: bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069).
INVISIBLE = frozenset(
    [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
_DROP_INVISIBLE = dict.fromkeys(INVISIBLE)

# Look-alike letters of Cyrillic and Greek mapped onto the Latin letter they are mistaken
# for: a small skeleton table after Unicode TR39 ("confusables"), for the common cases
# only. Not a library: the maintained Python packages for TR39 were checked (December
# 2026): confusable-homoglyphs last released in January 2024, confusables in 2021, and the
# newer ones are 0.x with few users; a dependency for one warning is not worth that. The
# table only feeds a warning (look-alike names are never merged), so a missing pair costs
# a warning, not a wrong merge. Extend it here when a pair turns up in real data.
_LOOK_ALIKES = str.maketrans({
    # Cyrillic capitals and small letters
    "А": "A", "В": "B", "Е": "E", "З": "3", "І": "I", "Ј": "J", "К": "K", "М": "M",
    "Н": "H", "О": "O", "Р": "P", "С": "C", "Ѕ": "S", "Т": "T", "У": "Y", "Х": "X",
    "Ү": "Y", "Һ": "H", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W",
    "а": "a", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "і": "i", "ј": "j", "ӏ": "l",
    "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "у": "y", "х": "x", "ԝ": "w", "ү": "y",
    # Greek capitals and small letters
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    "α": "a", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "υ": "u", "χ": "x",
})


def clean_name(name: object) -> str:
    r"""A name in one Unicode form: invisible characters removed, NFC, white space collapsed.

    The same name typed on two machines can differ in bytes only: "Zoë" as one character
    (NFC) or as "e" plus a combining diaeresis (NFD), or with a zero-width space or a
    right-to-left override pasted in. Such names look the same in a report and must be
    one institution.

    Parameters
    ----------
    name : object
        The name as read (converted with ``str``).

    Returns
    -------
    str

    Examples
    --------
    >>> clean_name("Zoe\u0308  College") == "Zo\u00eb College"
    True
    >>> clean_name("Instelling\u200b A\u202e")
    'Instelling A'
    """
    text = str(name).translate(_DROP_INVISIBLE)
    return " ".join(unicodedata.normalize("NFC", text).split())


def name_changes(name: object) -> list[str]:
    r"""What :func:`clean_name` changes in ``name`` beyond white space, for the cleaning log.

    Examples
    --------
    >>> name_changes("Zoe\u0308 College\u200b")
    ['removed U+200B', 'composed to NFC']
    >>> name_changes("  Instelling A")
    []
    """
    text = str(name)
    found = [f"removed U+{c:04X}" for c in sorted({ord(ch) for ch in text} & INVISIBLE)]
    stripped = text.translate(_DROP_INVISIBLE)
    if unicodedata.normalize("NFC", stripped) != stripped:
        found.append("composed to NFC")
    return found


def institution_note(old: str, new: str) -> str:
    r"""The cleaning-log line of one renamed institution, saying what Unicode changes were made.

    Each name is quoted by :func:`readiness_analysis.io.redact.echo` (at most 80
    characters, personal data as ``[…]``).

    Examples
    --------
    >>> institution_note("ROCvA", "ROC van Amsterdam")
    "institution 'ROCvA' -> 'ROC van Amsterdam'"
    >>> institution_note("Instelling\u200b A", "Instelling A")
    "institution 'Instelling\\u200b A' -> 'Instelling A' (removed U+200B)"
    """
    how = name_changes(old)
    return f"institution {echo(old)} -> {echo(new)}" + (f" ({', '.join(how)})" if how else "")


def institution_key(name: str) -> str:
    r"""The form in which two spellings of one name are equal: white space and case folded.

    The name is first cleaned (:func:`clean_name`), so Unicode forms and invisible
    characters do not count either.

    Examples
    --------
    >>> institution_key("  ROC  van Amsterdam") == institution_key("roc van amsterdam")
    True
    >>> institution_key("Zoe\u0308 College") == institution_key("ZOË\u200b COLLEGE")
    True
    """
    return unicodedata.normalize("NFC", clean_name(name).casefold())


def skeleton(name: str) -> str:
    r"""The key of a name with look-alike Cyrillic and Greek letters read as Latin ones.

    Examples
    --------
    >>> skeleton("\u0410msterdam College") == skeleton("Amsterdam college")
    True
    """
    return institution_key(clean_name(name).translate(_LOOK_ALIKES))


def confusable_names(names: Iterable[str]) -> list[tuple[str, ...]]:
    r"""Groups of distinct names that differ only by look-alike characters.

    Two names fall in one group when their :func:`skeleton` is equal but their
    :func:`institution_key` is not: they look the same in a report, but would be two
    institutions. They are returned for a warning; merging them is left to an alias.

    Returns
    -------
    list of tuple
        Each group's names, sorted; the groups sorted by their first name.

    Examples
    --------
    >>> confusable_names(["Alpha College", "\u0410lpha College", "Beta College"])
    [('Alpha College', 'Аlpha College')]
    """
    by_skeleton: dict[str, dict[str, str]] = {}
    for name in names:
        by_skeleton.setdefault(skeleton(name), {}).setdefault(institution_key(name), name)
    groups = [tuple(sorted(found.values())) for found in by_skeleton.values() if len(found) > 1]
    return sorted(groups)


def describe_look_alikes(names: tuple[str, ...]) -> str:
    r"""The characters by which look-alike names differ, for a warning.

    Examples
    --------
    >>> describe_look_alikes(("Alpha", "\u0410lpha"))
    "U+0410 CYRILLIC CAPITAL LETTER A in 'Аlpha'"
    """
    parts = []
    for name in names:
        odd = sorted({ch for ch in name if ch != ch.translate(_LOOK_ALIKES)})
        parts += [f"U+{ord(ch):04X} {unicodedata.name(ch, '?')} in {echo(name)}" for ch in odd]
    return "; ".join(parts)


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
    table = _parse(load_yaml(text, source="<package>/" + ALIAS_FILE), "<package>/" + ALIAS_FILE,
                   text)
    user = Path(raw_dir) / ALIAS_FILE if raw_dir is not None else None
    if user is not None and user.is_file():
        try:
            data = load_yaml(user)
        except InstrumentError as exc:  # load_yaml's default error; this is input data
            raise DataValidationError(
                [Problem(str(user), exc.row, None, exc.message, exc.hint)]
            ) from None
        table.update(_parse(data, str(user), user.read_text("utf-8")))
    return table


def _parse(data, source: str, text: str = "") -> dict[str, str]:
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
    table: dict[str, str] = {}
    first: dict[str, tuple[str, str]] = {}  # spelling key -> (spelling, its canonical name)
    targets = {institution_key(c): clean_name(c) for c in data}
    problems = []
    lines = text.splitlines()
    for canonical, spellings in data.items():
        name = clean_name(canonical)
        for spelling in [canonical, *spellings]:
            key, shown = institution_key(spelling), clean_name(spelling)
            here = _line_of(lines, spelling, after=_line_of(lines, name, as_key=True))
            if key in targets and targets[key] != name:
                there = _line_of(lines, targets[key], as_key=True)
                problems.append(_contradiction(
                    source, here, f"{shown!r} is an alias of {name!r} (line {here or '?'}) "
                    f"and a name of its own (line {there or '?'})"))
            elif key in first and first[key][1] != name:
                other = first[key][1]
                there = _line_of(lines, first[key][0],
                                 after=_line_of(lines, other, as_key=True))
                problems.append(_contradiction(
                    source, here, f"{shown!r} is an alias of both {other!r} (line "
                    f"{there or '?'}) and {name!r} (line {here or '?'})"))
            first.setdefault(key, (str(spelling), name))
            table[key] = name
    if problems:
        raise DataValidationError(problems)
    return table


def _contradiction(source: str, row: int | None, message: str) -> Problem:
    """A located problem of a contradictory alias table (the message names both entries)."""
    return Problem(source, row, None, message,
                   "give each spelling one name, and do not use a name as another's alias; "
                   "see README.md, 'Your own data'")


def _line_of(lines: list[str], value, *, as_key: bool = False, after: int | None = None
             ) -> int | None:
    """The 1-based line of ``value`` in the alias file: as a key (``name:``) or a list item."""
    want = institution_key(value)
    for number, line in enumerate(lines, start=1):
        if after is not None and number <= after:
            continue
        item = line.split("#", 1)[0].strip()
        if as_key:
            if not item.endswith(":") or line[:1].isspace():
                continue
            item = item[:-1]
        else:
            item = item.removeprefix("-").strip()
            item = item[:-1] if item.endswith(":") else item
        if institution_key(item.strip().strip("'\"")) == want:
            return number
    return None if after is None else _line_of(lines, value, as_key=as_key)


def normalise_institution(name: str, aliases: dict[str, str] | None = None) -> str:
    """Clean a name (:func:`clean_name`) and map a known spelling onto its canonical name.

    Examples
    --------
    >>> normalise_institution("  roc van amsterdam ", {"roc van amsterdam": "ROC van Amsterdam"})
    'ROC van Amsterdam'
    >>> normalise_institution("Instelling  A")
    'Instelling A'
    """
    clean = clean_name(name)
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


def align_institutions(
    names: pd.Series, reference: Iterable[str] = (), aliases: dict[str, str] | None = None
) -> tuple[pd.Series, dict[str, str]]:
    """Spell the institutions of fragments or documents exactly as the scan does.

    Each name is cleaned and mapped through the aliases as the scan's names are
    (:func:`normalise_institution`), then put onto the scan's spelling of the same name
    (``reference``, the cleaned scan's institutions) when the two differ only in case or
    white space. Names the scan lacks are case-merged among themselves, as
    :func:`unify_institutions` does. Empty names stay empty.

    Parameters
    ----------
    names : Series
        Institution names of a fragments or documents table.
    reference : iterable of str
        The institution names of the cleaned scan.
    aliases : dict, optional
        From :func:`load_aliases`.

    Returns
    -------
    (Series, dict)
        The aligned names and every change made, original → new, for the cleaning log.

    Examples
    --------
    >>> names = pd.Series(["ROCvA", "instelling  a", None])
    >>> aligned, changes = align_institutions(names, ["Instelling A"], load_aliases())
    >>> aligned.tolist()
    ['ROC van Amsterdam', 'Instelling A', None]
    >>> changes
    {'ROCvA': 'ROC van Amsterdam', 'instelling  a': 'Instelling A'}
    """
    present = names.notna() & names.astype("string").str.strip().fillna("").ne("")
    unified, changes = unify_institutions(names[present], aliases)
    scan = {institution_key(name): name for name in reference}
    aligned = unified.map(lambda name: scan.get(institution_key(name), name))
    result = names.astype(object).copy()
    result[present] = aligned
    result[~present] = None
    originals = names[present].astype(str)
    changes = {old: new for old, new in zip(originals, aligned, strict=True) if old != new}
    return result, changes
