"""Words outside the report catalogue: English CLI and log messages, texts of spec data.

Report text comes from ``report/locale``; the texts that instruments, codebooks and the
study carry in several languages are :class:`Localised`.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["FALLBACK_LANGUAGE", "Localised", "either", "plural"]

FALLBACK_LANGUAGE = "en"


class Localised(dict):
    """A text of spec data by language; a language it lacks falls back to English.

    Instruments, codebooks, the study and the Bloem give their texts in the languages
    their authors wrote (Dutch, English); a report in another language shows them in
    English (else in the first language given) rather than failing. ``get`` falls back
    the same way; it gives ``default`` only when there is no text at all.

    Examples
    --------
    >>> title = Localised({"nl": "Visie", "en": "Vision"})
    >>> title["nl"], title["de"], title.get("de"), Localised().get("de", "")
    ('Visie', 'Vision', 'Vision', '')
    """

    def __missing__(self, lang: str) -> str:
        if FALLBACK_LANGUAGE in self:
            return dict.__getitem__(self, FALLBACK_LANGUAGE)
        if self:
            return next(iter(self.values()))
        raise KeyError(lang)

    def get(self, lang: str, default: str | None = None) -> str | None:  # type: ignore[override]
        """The text in ``lang`` (falling back as ``[]`` does), or ``default`` when empty."""
        return self[lang] if self else default


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``count`` and ``noun`` in the right number: "1 problem", "2 problems", "1,000 rows".

    For the English messages of the command line, logs and errors; a report's words come
    from the text catalogue of the report layer instead.

    Parameters
    ----------
    count : int
        How many; written with thousands separators.
    noun : str
        The singular form.
    nouns : str, optional
        The plural form, when it is not ``noun + "s"``.

    Returns
    -------
    str
        The count and the noun, e.g. ``"3 entries"``.

    Examples
    --------
    >>> plural(1, "problem"), plural(0, "problem"), plural(2_000, "value")
    ('1 problem', '0 problems', '2,000 values')
    >>> plural(3, "entry", "entries")
    '3 entries'
    """
    word = noun if count == 1 else (nouns if nouns is not None else noun + "s")
    return f"{count:,} {word}"


def either(words: Iterable[str]) -> str:
    """English list of alternatives: ``"a"``, ``"a or b"``, ``"a, b or c"``.

    Parameters
    ----------
    words : iterable of str
        The alternatives, in order.

    Returns
    -------
    str
        The alternatives joined by commas and a final "or".

    Examples
    --------
    >>> either([".csv"]), either([".csv", ".sav"]), either([".csv", ".xlsx", ".sav"])
    ('.csv', '.csv or .sav', '.csv, .xlsx or .sav')
    """
    words = list(words)
    return " or ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)
