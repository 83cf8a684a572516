"""How numbers are written in reports, per language: decimals, signs, percentages, counts.

One place for all of it, so that a table, a sentence and a figure axis write a number
the same way. Babel (CLDR data) gives each language its decimal sign, percent format and
plural rules; a language's catalogue file names its Babel locale (``meta.locale``), so a
new language brings its number formats with it. Missing values are a dash.

Numbers are rounded as Python's ``format`` rounds them: on the exact binary value of
the float, ties to even, so the same score prints the same in every language.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

import pandas as pd
from babel import Locale
from babel.numbers import format_decimal, format_percent

from readiness_analysis.report.text import DEFAULT_LANGUAGE, catalogue, text

__all__ = ["MISSING", "count", "decimal", "locale", "number", "p_value", "percent"]

MISSING = "–"
_PATTERN = re.compile(r"\{:(?P<sign>\+?)\.(?P<decimals>\d)f\}(?P<percent>%?)")


@cache
def locale(lang: str = DEFAULT_LANGUAGE) -> Locale:
    """The Babel locale of a report language (``meta.locale`` in its catalogue).

    Examples
    --------
    >>> locale("nl").number_symbols["latn"]["decimal"]
    ','
    """
    return Locale.parse(catalogue(lang)["meta.locale"])


def _exact(value: float) -> Decimal:
    """The float's exact binary value, so that Babel rounds as ``format`` does."""
    return Decimal(float(value))


def _digits(decimals: int) -> str:
    return "0." + "0" * decimals if decimals else "0"


def decimal(value: float, lang: str = DEFAULT_LANGUAGE, decimals: int = 2, *,
            sign: bool = False) -> str:
    """A number with ``decimals`` decimals in the language's notation; a dash when missing.

    Parameters
    ----------
    value : float
    lang : str
        A report language (a catalogue file in report/locale/).
    decimals : int
        Digits after the decimal sign.
    sign : bool
        Always write the sign (``+0,2``), for changes.

    Examples
    --------
    >>> decimal(2.5), decimal(2.5, "en"), decimal(float("nan")), decimal(0.25, "nl", 1, sign=True)
    ('2,50', '2.50', '–', '+0,2')
    >>> decimal(1234.5, "nl", 1)  # no thousands separator: scores and counts stay short
    '1234,5'
    """
    if pd.isna(value):
        return MISSING
    digits = _digits(decimals)
    pattern = f"+{digits};-{digits}" if sign else digits
    return format_decimal(_exact(value), format=pattern, locale=locale(lang),
                          group_separator=False)


def percent(share: float, lang: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """A share (0-1) as a percentage in the language's notation; a dash when missing.

    Examples
    --------
    >>> percent(0.125), percent(0.5, "en"), percent(float("nan"))
    ('12%', '50%', '–')
    """
    return MISSING if pd.isna(share) else _percent(float(share) * 100, lang, decimals)


def _percent(scaled: float, lang: str, decimals: int) -> str:
    """``scaled`` (a share times 100, as a float) with the language's percent sign."""
    pattern = locale(lang).percent_formats[None].pattern.replace("#,##0", _digits(decimals))
    return format_percent(_exact(scaled) / 100, format=pattern, locale=locale(lang),
                          group_separator=False)


def number(value: float, lang: str = DEFAULT_LANGUAGE, pattern: str = "{:.2f}") -> str:
    """Format a number for a report from a ``format``-style pattern.

    ``pattern`` is one of ``{:.Nf}``, ``{:+.Nf}`` (always signed) or ``{:.Nf}%`` (a value
    already multiplied by 100, with the language's percent sign); see :func:`decimal` and
    :func:`percent`.

    Examples
    --------
    >>> number(2.5), number(2.5, "en"), number(float("nan")), number(0.25, "nl", "{:+.1f}")
    ('2,50', '2.50', '–', '+0,2')
    >>> number(12.5, "nl", "{:.0f}%")
    '12%'
    """
    match = _PATTERN.fullmatch(pattern)
    if match is None:
        raise ValueError(f"unsupported number pattern {pattern!r}: use {{:.2f}}, {{:+.1f}} "
                         "or {:.0f}%")
    decimals = int(match["decimals"])
    if match["percent"]:
        return MISSING if pd.isna(value) else _percent(float(value), lang, decimals)
    return decimal(value, lang, decimals, sign=bool(match["sign"]))


def p_value(value: float, lang: str = DEFAULT_LANGUAGE, decimals: int = 3) -> str:
    """A p-value (or its Monte Carlo error) to ``decimals`` places; "< 0.001" below that.

    A p-value is never 0: one that rounds to 0 at three places is written as the bound
    it is below, as APA style asks.

    Examples
    --------
    >>> p_value(0.0123), p_value(0.00001), p_value(0.0001, "en"), p_value(float("nan"))
    ('0,012', '< 0,001', '< 0.001', '–')
    """
    if pd.notna(value) and round(float(value), decimals) == 0:
        return "< " + decimal(10.0 ** -decimals, lang, decimals)
    return decimal(value, lang, decimals)


def count(n: int, key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """A counted phrase in the right plural form: the catalogue's ``key.one``/``key.other``.

    The form is chosen by the language's plural rules (CLDR, through Babel); a form the
    catalogue does not give falls back to ``other``. ``{n}`` in the text is the count.

    Examples
    --------
    >>> count(1, "plural.institution"), count(3, "plural.institution", "en")
    ('1 instelling', '3 institutions')
    """
    form = locale(lang).plural_form(abs(n))
    key_form = f"{key}.{form}" if f"{key}.{form}" in catalogue(lang) else f"{key}.other"
    return text(key_form, lang, n=n, **values)
