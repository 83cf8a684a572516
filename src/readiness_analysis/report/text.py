"""The text catalogue: every sentence a report shows, one YAML file per language.

``report/locale/<lang>.yaml`` holds the text of one language; the supported languages are
the files present, so a new language is one new file (with the same keys and the same
``{placeholders}`` as the others; tests/report/test_text.py checks that). Groups in the
file (``step:`` and its entries, say) become dotted keys: ``text("step.read")``.
Numbers inside text are formatted by the caller (``report.numbers``) before they fill a
placeholder, so that every language writes them its own way.
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.core.safe_yaml import load_yaml
from readiness_analysis.stats.bootstrap import MIN_INTERVAL_N
from readiness_analysis.stats.disclosure import MIN_CELL
from readiness_analysis.stats.ranking import MIN_FRAGMENTS

__all__ = ["CONSTANTS", "DEFAULT_LANGUAGE", "catalogue", "languages", "placeholders", "text"]

DEFAULT_LANGUAGE = "nl"
# Placeholders that every text may use without the caller passing them.
CONSTANTS: dict[str, object] = {"min_cell": MIN_CELL, "min_fragments": MIN_FRAGMENTS,
                                "min_interval_n": MIN_INTERVAL_N}
_LOCALE = "locale"


@cache
def languages() -> tuple[str, ...]:
    """The report languages: one per catalogue file, sorted.

    Examples
    --------
    >>> {"en", "nl"} <= set(languages())
    True
    """
    folder = resources.files("readiness_analysis.report") / _LOCALE
    return tuple(sorted(p.name.removesuffix(".yaml") for p in folder.iterdir()
                        if p.name.endswith(".yaml")))


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every text of ``lang``, by dotted key.

    Raises
    ------
    ReadinessError
        When there is no catalogue file for ``lang``.

    Examples
    --------
    >>> catalogue("en")["step.read"]
    'Read the file (unreadable rows)'
    """
    if lang not in languages():
        raise ReadinessError(f"unknown report language {lang!r}",
                             hint=f"choose one of: {', '.join(languages())}")
    ref = resources.files("readiness_analysis.report") / _LOCALE / f"{lang}.yaml"
    raw = load_yaml(ref.read_text(encoding="utf-8"), source=f"<package>/{_LOCALE}/{lang}.yaml")
    return dict(_flatten(raw or {}))


def _flatten(tree: dict, prefix: str = ""):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", str(value)


def text(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text ``key`` in ``lang``, with ``values`` and :data:`CONSTANTS` filled in.

    Raises
    ------
    ReadinessError
        When the language or the key is unknown, or a placeholder has no value.

    Examples
    --------
    >>> text("accounting_line", "en", raw=4, kept=2, rejected=1, blank=1)
    '4 rows read, 2 kept, 1 rejected, 1 blank (not respondents).'
    >>> text("step.drop blank rows"), text("suppressed", "en", units="interviews")
    ('Lege rijen verwijderen', 'Fewer than 3 interviews: not shown.')
    """
    try:
        template = catalogue(lang)[key]
    except KeyError:
        raise ReadinessError(f"no report text {key!r} in the {lang!r} catalogue",
                             hint=f"add {key!r} to report/locale/{lang}.yaml") from None
    try:
        return template.format(**{**CONSTANTS, **values})
    except KeyError as exc:
        raise ReadinessError(f"report text {key!r} needs a value for {exc.args[0]!r}",
                             hint="pass it to text() as a keyword") from None


def placeholders(template: str) -> frozenset[str]:
    """The names of the ``{placeholders}`` in a catalogue text.

    Examples
    --------
    >>> sorted(placeholders("{n} of {total}: {n}"))
    ['n', 'total']
    """
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)
