"""Screen free text for personal data and redact it as ``[…]``.

Interview fragments, document titles and aims, and answer cells that end up in
``rejected_rows.csv`` are free text typed by people; they may hold an e-mail address, a
phone number or a name. Before such text reaches a processed file (and so a report), every
span that looks like personal data becomes ``[…]`` (the guide's own bracket for editorial
changes), and each is listed by file, row, column and kind (never the value) in
``redactions.csv``:

- **e-mail**: ``name@domain.tld``.
- **phone**: Dutch numbers (``06-12345678``, ``020-1234567``, ``(020) 123 45 67``: ten
  digits starting with 0) and international ones (``+31 6 1234 5678``, ``0031 20
  1234567``, any E.164 number: ``+`` or ``00``, a country code and 8 to 15 digits).
- **bsn**: nine digits (``123456782``, ``1234.56.782``) that pass the elfproef of the
  Dutch citizen service number.
- **postcode**: a Dutch postcode, four digits and two capital letters (``6525 EC``).
- **name**: the names of the optional ``redact_names.txt`` in the raw folder (one per
  line, ``#`` starts a comment), matched as whole words whatever their case.

Names in general cannot be found reliably (a name looks like any other word), so only
the listed ones are redacted. The patterns are kept precise so that dates (``2023-2024``,
``01-02-2023``), scores (``3,5``), years, times (``10:30``) and interview ids
(``A-1-0001``) stay as they are.

Examples
--------
>>> redact("Bel 06-12345678 of mail j.jansen@school.nl")
('Bel […] of mail […]', Counter({'phone': 1, 'e-mail': 1}))
>>> redact("Schooljaar 2023-2024, cijfer 3,5 om 10:30 (interview A-1-0001)")[0]
'Schooljaar 2023-2024, cijfer 3,5 om 10:30 (interview A-1-0001)'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from readiness_analysis.core.errors import QUOTE_CHARS, DataValidationError, Problem
from readiness_analysis.core.tables import REDACT_NAMES_FILE, REDACTION_COLUMNS
from readiness_analysis.core.words import plural

__all__ = [
    "ECHO_CHARS",
    "KINDS",
    "REDACTED",
    "Redactor",
    "Span",
    "echo",
    "elfproef",
    "find_personal",
    "load_names",
    "looks_personal",
    "redact",
]

#: What a redacted span becomes.
REDACTED = "[…]"
#: The kinds of personal data found, in the order they are looked for.
KINDS = ("e-mail", "phone", "bsn", "postcode", "name")
#: The most characters of a cell an error line or a CSV for people quotes (as of a header).
ECHO_CHARS = QUOTE_CHARS
#: What each kind is called in messages.
_KIND_WORDS = {"e-mail": "e-mail address", "phone": "phone number", "bsn": "BSN-like number",
               "postcode": "postcode", "name": "listed name"}

_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
# A phone number's candidates: an optional + or 00 with a country code, then digit groups
# separated by one space, dash or dot, with an optional (0) or area code in brackets.
_PHONE = re.compile(
    r"(?<![\w+])(?<!\d[.,:/-])(?:(?:\+|00)[1-9]\d{0,2}[ .-]?(?:\(0\)[ .-]?)?|\(0\d{1,3}\)[ ]?)?"
    r"\d+(?:[ .-]\d+){0,4}(?!\w|[ .,:/-]\d)")
_BSN = re.compile(r"(?<!\w)(?<!\d[.,:/-])"
                  r"(?:\d{9}|\d{3}([ .])\d{3}\1\d{3}|\d{4}([ .])\d{2}\2\d{3})"
                  r"(?!\w|[ .,:/-]\d)")
_POSTCODE = re.compile(r"(?<![\w-])[1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2}(?![\w-])")


@dataclass(frozen=True)
class Span:
    """A span of personal data in a text: its kind and ``text[start:end]``."""

    kind: str
    start: int
    end: int


def elfproef(digits: str) -> bool:
    """Whether nine digits pass the elfproef of a Dutch citizen service number (BSN).

    The sum of the first eight digits times 9, 8, ..., 2, minus the last digit, is a
    multiple of 11 (and not zero).

    Examples
    --------
    >>> elfproef("123456782"), elfproef("123456789"), elfproef("000000000")
    (True, False, False)
    """
    if len(digits) != 9 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    total -= int(digits[8])
    return total % 11 == 0 and digits != "0" * 9


def _phone_digits(candidate: str) -> bool:
    """Whether a phone candidate's digits make a Dutch or an international number."""
    international = candidate.startswith(("+", "00"))
    digits = re.sub(r"\(0\)|\D", "", candidate) if international else re.sub(r"\D", "",
                                                                               candidate)
    if international:
        digits = digits[2:] if candidate.startswith("00") else digits
        return 8 <= len(digits) <= 15
    return len(digits) == 10 and digits[0] == "0" and digits[1] != "0"


def _names_pattern(names: Iterable[str]) -> re.Pattern | None:
    words = sorted({" ".join(n.split()) for n in names if n.strip()}, key=len, reverse=True)
    if not words:
        return None
    alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _spans(text: str, names: re.Pattern | None) -> list[Span]:
    found: list[Span] = []

    def add(kind: str, start: int, end: int) -> None:
        if not any(s.start < end and start < s.end for s in found):
            found.append(Span(kind, start, end))

    for match in _EMAIL.finditer(text):
        add("e-mail", *match.span())
    for match in _PHONE.finditer(text):
        if _phone_digits(match.group()):
            add("phone", *match.span())
    for match in _BSN.finditer(text):
        if elfproef(re.sub(r"\D", "", match.group())):
            add("bsn", *match.span())
    for match in _POSTCODE.finditer(text):
        add("postcode", *match.span())
    if names is not None:
        for match in names.finditer(text):
            add("name", *match.span())
    return sorted(found, key=lambda s: s.start)


def find_personal(text: str, names: Iterable[str] = ()) -> list[Span]:
    """The spans of ``text`` that look like personal data, in text order.

    Parameters
    ----------
    text : str
        Free text.
    names : iterable of str
        Names to find as whole words, whatever their case (see :func:`load_names`).

    Returns
    -------
    list of Span
        Non-overlapping spans; an earlier kind of :data:`KINDS` wins an overlap.

    Examples
    --------
    >>> [(s.kind, s.start, s.end) for s in find_personal("Postcode 6525 EC, BSN 123456782")]
    [('postcode', 9, 16), ('bsn', 22, 31)]
    >>> find_personal("Marijke zei het", names=["marijke"])[0].kind
    'name'
    """
    return _spans(str(text), _names_pattern(names))


def redact(text: str, names: Iterable[str] = ()) -> tuple[str, Counter]:
    """``text`` with every span of :func:`find_personal` replaced by :data:`REDACTED`.

    Returns
    -------
    tuple
        The redacted text and the number of spans by kind.

    Examples
    --------
    >>> redact("Mail +31 6 1234 5678 of info@roc.nl")
    ('Mail […] of […]', Counter({'phone': 1, 'e-mail': 1}))
    """
    return _redact(str(text), _names_pattern(names))


def _redact(text: str, names: re.Pattern | None) -> tuple[str, Counter]:
    spans = _spans(text, names)
    if not spans:
        return text, Counter()
    parts, at = [], 0
    for span in spans:
        parts += [text[at:span.start], REDACTED]
        at = span.end
    parts.append(text[at:])
    return "".join(parts), Counter(s.kind for s in spans)


def looks_personal(text: object) -> str | None:
    """What an institution value looks like when it holds personal data, else None.

    Only the patterns count (e-mail, phone, BSN, postcode), not the listed names: many
    schools carry a person's name.

    Examples
    --------
    >>> looks_personal("j.jansen@roc.nl"), looks_personal("ROC Da Vinci College")
    ('an e-mail address', None)
    """
    spans = _spans(str(text), None)
    if not spans:
        return None
    word = _KIND_WORDS[spans[0].kind]
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def echo(value: object, limit: int = ECHO_CHARS, *, redacted: bool = True) -> str:
    """A cell as an error line or a CSV for people quotes it: redacted, at most ``limit``.

    The text is :func:`redact`-ed (unless ``redacted`` is False: for a message that is
    redacted, and counted, later by a :class:`Redactor`) and quoted as ``repr`` does; a
    longer text keeps its first ``limit`` characters and says how long it was.

    Examples
    --------
    >>> echo("zes")
    "'zes'"
    >>> echo("x" * 100, limit=5)
    "'xxxxx…' (100 characters)"
    >>> echo("mail me: a@b.nl")
    "'mail me: […]'"
    """
    text = str(value)
    if len(text) <= limit:
        return repr(_redact(text, None)[0] if redacted else text)
    shown = text[:limit + 200]
    shown = (_redact(shown, None)[0] if redacted else shown)[:limit]  # whole spans, then cut
    return f"{shown + '…'!r} ({len(text):,} characters)"


def load_names(raw_dir: str | Path) -> tuple[str, ...]:
    r"""The names of ``redact_names.txt`` in ``raw_dir`` (empty when there is none).

    One name per line, UTF-8; blank lines and text after ``#`` are ignored.

    Raises
    ------
    DataValidationError
        When the file is not UTF-8 text.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "redact_names.txt").write_text("Marijke Oosterhuis\n# team\nPiet\n")
    >>> load_names(folder)
    ('Marijke Oosterhuis', 'Piet')
    """
    path = Path(raw_dir) / REDACT_NAMES_FILE
    if not path.is_file():
        return ()
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise DataValidationError([Problem(str(path), None, None, "the file is not UTF-8 text",
                                           "save it as UTF-8, one name per line")]) from None
    return tuple(n for n in (" ".join(line.split("#", 1)[0].split()) for line in lines) if n)


class Redactor:
    """Redacts free text column by column and records what it redacted, where.

    Parameters
    ----------
    names : iterable of str
        Names to redact besides the patterns (see :func:`load_names`).

    Examples
    --------
    >>> r = Redactor(["Piet"])
    >>> r.column(pd.Series(["Piet belde 020-1234567", "geen"]), file="f.csv", rows=[2, 3],
    ...          column="text").tolist()
    ['[…] belde […]', 'geen']
    >>> r.frame()[["row", "kind", "count"]].values.tolist()
    [[2, 'phone', 1], [2, 'name', 1]]
    >>> r.notes()
    ['f.csv: 2 spans redacted as […] (1 phone number, 1 listed name); listed in redactions.csv']
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names = tuple(names)
        self._pattern = _names_pattern(self.names)
        self._found: list[dict] = []

    def quiet(self, text: str) -> str:
        """``text`` redacted without recording it (for messages on the command line)."""
        return _redact(text, self._pattern)[0]

    def text(self, value: object, *, file: str, row: int | None, column: str,
             fragment_id: str | None = None) -> object:
        """One cell redacted (NA stays NA); each kind found is recorded."""
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return value
        text, counts = _redact(str(value), self._pattern)
        self._record(counts, file, row, column, fragment_id)
        return text if counts else value

    def column(self, values: pd.Series, *, file: str, rows: Sequence | None = None,
               column: str | Sequence[str], ids: Sequence | None = None) -> pd.Series:
        """A column redacted, each distinct cell screened once.

        ``rows`` (spreadsheet rows), ``column`` (one name, or one per cell) and ``ids``
        (fragment ids) locate the cells in :meth:`frame`.
        """
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        done = [_redact(str(u), self._pattern) for u in uniques]
        hits = np.array([bool(c) for _, c in done] + [False])
        if not hits.any():
            return values
        out = values.astype(object).copy()
        for i in np.flatnonzero(hits[codes]):
            text, counts = done[codes[i]]
            out.iloc[i] = text
            where = column if isinstance(column, str) else column[i]
            self._record(counts, file, None if rows is None else rows[i], where,
                         None if ids is None else ids[i])
        return out

    def _record(self, counts: Counter, file: str, row, column: str, fragment_id) -> None:
        for kind in KINDS:
            if counts.get(kind):
                self._found.append({"file": Path(file).name, "row": row, "fragment_id": fragment_id,
                                    "column": column, "kind": kind, "count": counts[kind]})

    def frame(self) -> pd.DataFrame:
        """What was redacted: :data:`~readiness_analysis.core.tables.REDACTION_COLUMNS`."""
        frame = pd.DataFrame(self._found, columns=list(REDACTION_COLUMNS))
        frame = frame.drop_duplicates(["file", "row", "fragment_id", "column", "kind"])
        return frame.astype({"row": "Int64", "count": "int64"}).reset_index(drop=True)

    def notes(self) -> list[str]:
        """One cleaning-log note per file: the spans redacted, by kind."""
        frame = self.frame()
        notes = []
        for file, group in frame.groupby("file", sort=False):
            counts = group.groupby("kind")["count"].sum()
            kinds = ", ".join(plural(int(counts[k]), _KIND_WORDS[k], _KIND_WORDS[k] + (
                "es" if _KIND_WORDS[k].endswith("s") else "s")) for k in KINDS if k in counts)
            notes.append(f"{file}: {plural(int(counts.sum()), 'span')} redacted as "
                         f"{REDACTED} ({kinds}); listed in redactions.csv")
        return notes
