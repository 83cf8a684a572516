"""Validate and recode a raw scan table, accounting for every row.

Every raw row ends in exactly one of three places: ``responses`` (valid, recoded,
pseudonymised), ``rejected`` (with the reason and where it was found), or the blank rows
set aside (every cell empty: not a respondent, as Excel leaves below a table). The ``log``
records each step with row counts, so that rows read = kept + rejected + blank.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import shlex
import warnings
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from readiness_analysis.core.errors import (
    AccountingError,
    AccountingWarning,
    DataValidationError,
    Problem,
    shorten,
)
from readiness_analysis.core.tables import META_COLUMNS
from readiness_analysis.core.words import plural
from readiness_analysis.io.institutions import (
    confusable_names,
    describe_look_alikes,
    institution_note,
    unify_institutions,
)
from readiness_analysis.io.perspectives import (
    PERSPECTIVE_SYNONYMS,
    PERSPECTIVES,
    clean_perspectives,
)
from readiness_analysis.io.redact import Redactor, echo, looks_personal
from readiness_analysis.io.scan import RawTable, RowNumbers, quote_trouble
from readiness_analysis.spec.instrument import SHIPPED, Instrument, normalise_label

__all__ = ["ALARM_SHARE", "INVALID_ANSWERS", "META_COLUMNS", "CleanResult", "RowAccount",
           "check_account", "clean_scan", "pseudonym", "row_account"]

REQUIRED = ("respondent_id", "institution")
# Headers that survey tools (MS Forms, Qualtrics, LimeSurvey) and Dutch users give the
# metadata columns; compared case- and white-space-insensitively.
META_SYNONYMS = {
    "respondent_id": ("id", "respondent", "respondent id", "responseid", "response id",
                      "respondentnummer", "respondentnr"),
    "institution": ("instelling", "school", "organisatie", "institution name"),
    "n_teachers": ("aantal docenten", "docenten", "teachers"),
    "wave": ("meting", "ronde", "meetmoment"),
}
#: What :func:`clean_scan` does with an invalid item answer: reject its row (default), or
#: set the cell to missing (NA) and keep the row, with a located warning.
INVALID_ANSWERS = ("reject", "missing")
#: Largest ``n_teachers`` or ``wave`` accepted (larger is a typing error, not a count).
MAX_COUNT = 1_000_000
#: Unknown, personal or missing columns beyond this many are summarised in one warning.
MAX_LISTED = 10
#: Rows of unknown columns whose values are checked for e-mail addresses and phone
#: numbers (fewer when there are many columns: at most ``SAMPLE_CELLS`` cells in all).
SAMPLE_ROWS = 200
SAMPLE_CELLS = 1_000_000
# Headers of personal data in Dutch and English survey exports (MS Forms, Qualtrics,
# LimeSurvey, hand-made sheets), searched in the header folded to lower-case words
# ("E-mailadres" -> "e mailadres", "Student-/personeelsnummer" -> "student personeelsnummer").
_PERSONAL = re.compile(
    r"email|\be mail|\bmail\b|mailadres"
    r"|(voor|achter|roep|bij|meisjes|gebruikers|login|volledige ?)naam|tussenvoegsel"
    r"|(first|last|sur|full|given|family|middle|user|nick) ?name"
    r"|telefoon|\b(tele)?phone\b|phone ?(number|nr)|\bmobiel\b|\bmobile (phone|number)|\bgsm\b"
    r"|geboorte|birth|\bdob\b|postcode|\bzip\b|zip ?code|postal ?code"
    r"|\b(huis|woon|thuis|post)?adres\b|\baddress\b|woonplaats|\bstraat|\bstreet\b|huisnummer"
    r"|\bip\b|\bip ?(adres|address|addr)\b|latitude|longitude|\bbsn\b|burgerservicenummer"
    r"|(student|leerling|personeels|medewerker|werknemer|employee|staff)s? ?(nummer|nr|number|id)\b"
)
# A bare "naam"/"name" is a person's name, unless the header names a thing.
_NAME = re.compile(r"\b(naam|namen|name|names)\b")
_THING = re.compile(
    r"\b(school|instelling|opleiding|organisatie|organisation|organization|institution|"
    r"institute|team|afdeling|department|course|cursus|vak|programme|program|bestand|file|"
    r"project|locatie|location|bedrijf|company|sector|college|item|vraag|question)\b"
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
_PHONE = re.compile(r"(\+|00)\d{8,14}|0\d{9}")  # after removing spaces, dashes, brackets
_PHONE_SEPARATORS = re.compile(r"[\s\-()./]")
_PERSONAL_HINT = "personal data are not needed for the analysis: leave them out of the export"


@dataclass
class CleanResult:
    """Result of :func:`clean_scan`.

    Attributes
    ----------
    responses : DataFrame
        One row per kept respondent: ``respondent_id`` (pseudonym), ``institution``,
        ``n_teachers``, ``wave``, ``role`` and ``group`` when the export has them
        (:mod:`readiness_analysis.io.perspectives`), then one float column per item,
        reverse-keyed items already recoded so that a higher value always means more ready.
    rejected : DataFrame
        ``source_file``, ``source_row``, ``column``, ``reason`` per rejected row.
    log : DataFrame
        ``step``, ``rows_in``, ``rows_out``, ``rejected``, ``blank``, ``detail`` per step;
        in each step ``rows_out = rows_in - rejected - blank``.
    problems : list of Problem
        Every problem that rejected a row, one per row and column.
    warnings : list of Problem
        Problems that did not reject a row (unknown or dropped columns, missing items,
        blank rows set aside, and with ``invalid_answers="missing"`` each invalid answer
        set to missing, located by row and column).
    account : RowAccount, optional
        The row account with the answers set to missing and the most frequent problem
        cells (see :func:`check_account`); set by :func:`clean_scan`.

    Notes
    -----
    Rows read = kept + rejected + blank: ``n_raw == len(responses) + len(rejected) +
    n_blank``. Blank rows (every cell empty) are not respondents: they are neither kept
    nor rejected, and are not problems.
    """

    responses: pd.DataFrame
    rejected: pd.DataFrame
    log: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    account: RowAccount | None = None  # the row account with its most frequent problems

    @property
    def n_raw(self) -> int:
        """Number of rows read from the raw file."""
        return row_account(self.log)["raw"]

    @property
    def n_blank(self) -> int:
        """Number of blank rows set aside (neither kept nor rejected)."""
        return row_account(self.log)["blank"]


def row_account(log: pd.DataFrame) -> dict[str, int]:
    """Rows read, kept, rejected and set aside as blank, from a cleaning log.

    The one place that states the account: ``raw = kept + rejected + blank``. Works on
    :attr:`CleanResult.log` and on ``cleaning_log.csv`` read back.

    Examples
    --------
    >>> log = pd.DataFrame({"rows_in": [10, 10], "rejected": [1, 2], "blank": [0, 3]})
    >>> row_account(log)
    {'raw': 10, 'kept': 4, 'rejected': 3, 'blank': 3}
    """
    if log.empty:
        return {"raw": 0, "kept": 0, "rejected": 0, "blank": 0}
    raw, rejected = int(log["rows_in"].iloc[0]), int(log["rejected"].sum())
    blank = int(log["blank"].sum())
    return {"raw": raw, "kept": raw - rejected - blank, "rejected": rejected, "blank": blank}


#: Above this share the row account is a warning (with ``strict``, an error; see
#: :func:`check_account`): more than 5% of the respondent rows (rows read that are not
#: blank) rejected, or more than 5% of the kept rows with an answer set to missing. A few
#: typing errors stay below it; a label variant or a column on another scale does not.
ALARM_SHARE = 0.05
#: Column-and-value pairs the warning names, most frequent first.
SHOWN_VALUES = 3


@dataclass(frozen=True)
class RowAccount:
    """Where the rows of one scan export went, and which cells went wrong most often.

    Attributes
    ----------
    source : str
        The file read.
    read, kept, rejected, blank : int
        Rows read = kept + rejected + blank (as :func:`row_account` counts them).
    missing_cells, missing_rows : int
        Answers set to missing (``invalid_answers="missing"``), and the kept rows with one.
    top : tuple of (column, value, count)
        The most frequent problem cells of the rejected rows and of the answers set to
        missing: ``value`` is the cell as read (quoted), ``empty``, or for
        ``respondent_id`` (never echoed) the kind of problem.
    instrument : str, optional
        The source of an instrument that is not the shipped one (for the command that
        lists every problem).
    unscored : int, optional
        Kept respondents without any theme score (``None``: not counted, as ``validate``
        does not score).

    Examples
    --------
    >>> a = RowAccount("s.csv", 100, 58, 42, 0, top=(("vis_2", "'Strong agree'", 41),))
    >>> a.line()
    's.csv: 100 rows read: 58 kept, 42 rejected, 0 blank; 0 answers set to missing'
    >>> a.alarming, RowAccount("s.csv", 100, 95, 5, 0).alarming
    (True, False)
    """

    source: str
    read: int
    kept: int
    rejected: int
    blank: int
    missing_cells: int = 0
    missing_rows: int = 0
    top: tuple[tuple[str, str, int], ...] = ()
    instrument: str | None = None
    unscored: int | None = None

    @classmethod
    def from_log(cls, log: pd.DataFrame, source: str = "") -> RowAccount:
        """The account of a cleaning log alone (no problem cells, nothing set to missing)."""
        rows = row_account(log)
        return cls(source, rows["raw"], rows["kept"], rows["rejected"], rows["blank"])

    @property
    def rejected_share(self) -> float:
        """Rejected rows as a share of the respondent rows (rows read, blank ones not)."""
        respondents = self.read - self.blank
        return self.rejected / respondents if respondents else 0.0

    @property
    def missing_share(self) -> float:
        """Kept rows with an answer set to missing, as a share of the kept rows."""
        return self.missing_rows / self.kept if self.kept else 0.0

    @property
    def alarming(self) -> bool:
        """Whether either share exceeds :data:`ALARM_SHARE`."""
        return max(self.rejected_share, self.missing_share) > ALARM_SHARE

    def line(self) -> str:
        """The account in one line: read, kept, rejected, blank, set to missing, unscored."""
        line = (f"{self.source}: {plural(self.read, 'row')} read: {self.kept:,} kept, "
                f"{self.rejected:,} rejected, {self.blank:,} blank; "
                f"{plural(self.missing_cells, 'answer')} set to missing")
        if self.unscored:
            line += (f"; {plural(self.unscored, 'respondent')} answered no theme (kept, not "
                     "counted in the reports' n)")
        return line

    def command(self) -> str:
        """The command that lists every problem of the export, one per row and column."""
        parts = ["readiness", "validate", self.source]
        if self.instrument:
            parts += ["--instrument", self.instrument]
        return shlex.join([*parts, "--problems-out", "problems.csv"])

    def warning(self) -> str | None:
        r"""What the warning says when the account is :attr:`alarming` (else None).

        Examples
        --------
        >>> a = RowAccount("s.csv", 100, 58, 42, 0, top=(("vis_2", "'Strong agree'", 41),))
        >>> print(a.warning().replace("; ", "\n"))
        s.csv: 42% of the respondent rows were rejected (42 of 100)
        most often: vis_2: 'Strong agree' x 41
        every problem: readiness validate s.csv --problems-out problems.csv
        """
        if not self.alarming:
            return None
        parts = []
        if self.rejected_share > ALARM_SHARE:
            parts.append(f"{_share(self.rejected_share)} of the respondent rows were rejected "
                         f"({self.rejected:,} of {self.read - self.blank:,})")
        if self.missing_share > ALARM_SHARE:
            parts.append(f"{_share(self.missing_share)} of the kept rows had answers set to "
                         f"missing ({plural(self.missing_cells, 'cell')} in "
                         f"{self.missing_rows:,} of {self.kept:,} rows)")
        top = ", ".join(f"{shorten(column)}: {value} x {n:,}" for column, value, n in self.top)
        most = f"; most often: {top}" if top else ""
        return f"{self.source}: {' and '.join(parts)}{most}; every problem: {self.command()}"


def _share(share: float) -> str:
    """A share as a percentage, with a decimal below 10% (``5.4%``, not ``5%``)."""
    return f"{share:.0%}" if share >= 0.1 else f"{share:.1%}"


def check_account(account: RowAccount, *, strict: bool = False) -> None:
    """Warn when the account is alarming (see :data:`ALARM_SHARE`); with ``strict``, fail.

    Raises
    ------
    AccountingError
        With ``strict``, instead of the warning; the message is the warning's.

    Warns
    -----
    AccountingWarning
        When more than :data:`ALARM_SHARE` of the rows were rejected or had answers set
        to missing, naming the most frequent columns and values.

    Examples
    --------
    >>> check_account(RowAccount("s.csv", 100, 99, 1, 0), strict=True)  # below: nothing
    >>> check_account(RowAccount("s.csv", 10, 5, 5, 0), strict=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    readiness_analysis.core.errors.AccountingError: s.csv: 50% of the respondent rows ...
    """
    message = account.warning()
    if message is None:
        return
    if strict:
        raise AccountingError(
            message.removeprefix(f"{account.source}: "), file=account.source,
            hint=f"correct the export, declare the label variants in the instrument, or "
                 f"build without --strict to accept more than {ALARM_SHARE:.0%}")
    warnings.warn(AccountingWarning(message), stacklevel=2)


def pseudonym(identifier: str, key: bytes) -> str:
    """Keyed, stable pseudonym of a respondent identifier (HMAC-SHA256).

    Examples
    --------
    >>> pseudonym("r1", b"k") == pseudonym("r1", b"k") != pseudonym("r1", b"other")
    True
    """
    digest = hmac.new(key, str(identifier).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"P{digest[:12]}"


def _pseudonyms(column: pd.Series, key: bytes) -> list[str]:
    """:func:`pseudonym` of :func:`_id_text` of every cell, each distinct text once.

    ``column`` holds the identifiers as text (as :func:`_id_texts` gives them: equal
    texts are one identifier); they are read as one object array rather than one by one
    from an arrow-backed column (a few µs each), and hashed by :class:`_Hmac`. Missing
    cells (none after cleaning) are treated one by one, as before.

    Examples
    --------
    >>> ids = pd.Series(["r1", " r1 ", "17", None], dtype="string")
    >>> _pseudonyms(ids, b"k") == [pseudonym(_id_text(v), b"k") for v in ids]
    True
    """
    codes, uniques = pd.factorize(column)
    keyed = _Hmac(key)
    table = [f"P{keyed.hexdigest(_id_text(u).encode('utf-8'))[:12]}"
             for u in _objects(uniques)]
    table.append("")  # code -1: a missing cell, set below
    out = [table[c] for c in codes.tolist()]
    for i in np.flatnonzero(codes < 0).tolist():
        out[i] = pseudonym(_id_text(column.iloc[i]), key)
    return out


class _Hmac:
    """HMAC-SHA256 under one key for many messages: the bytes of ``hmac.new``, faster.

    Written out because ``hmac.new`` (and ``hmac.digest``) set the key up again for every
    message, about 10 µs with OpenSSL, which is most of the cost for 66,000 respondents.
    This is RFC 2104 as Python's own ``hmac`` module writes it: a key longer than the
    block is hashed first, then padded with zeros to the block; the inner and outer
    hashes start from the key XOR 0x36 and XOR 0x5C, set up once here and copied per
    message.

    Examples
    --------
    >>> import hmac
    >>> _Hmac(b"k").hexdigest(b"r1") == hmac.new(b"k", b"r1", hashlib.sha256).hexdigest()
    True
    """

    def __init__(self, key: bytes) -> None:
        block = hashlib.sha256().block_size
        if len(key) > block:
            key = hashlib.sha256(key).digest()
        key = key.ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def hexdigest(self, message: bytes) -> str:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


def _objects(values) -> np.ndarray:
    """``values`` (an array or index) as a numpy object array, converted in one call.

    Iterating an arrow-backed array goes through pandas value by value (about 3 µs
    each); the object array iterates at Python speed.
    """
    return np.asarray(values, dtype=object)


def clean_scan(
    raw: RawTable,
    instrument: Instrument,
    *,
    key: bytes,
    aliases: dict[str, str] | None = None,
    invalid_answers: str = "reject",
    redactor: Redactor | None = None,
) -> CleanResult:
    """Validate, recode and pseudonymise a raw scan table.

    Parameters
    ----------
    raw : RawTable
        As returned by :func:`readiness_analysis.io.scan.read_scan`.
    instrument : Instrument
        The scan definition the answers belong to.
    key : bytes
        Secret key for respondent pseudonyms (never written to outputs).
    aliases : dict, optional
        Institution spellings mapped to one name (see
        :func:`readiness_analysis.io.institutions.load_aliases`).
    invalid_answers : {"reject", "missing"}
        What an invalid item answer (off the scale, not a whole number, not a scale
        label) does. ``"reject"`` (default): its row is rejected. ``"missing"``: the cell
        becomes NA and the row is kept unless something else rejects it; each such cell
        is a located warning (the same message, with "set to missing"), and the log gets
        one step ``set invalid answers to missing`` with the number of cells. Problems
        of the meta columns (respondent_id, institution, n_teachers, wave, duplicates,
        and the optional role and group: :mod:`readiness_analysis.io.perspectives`)
        reject rows either way.
    redactor : Redactor, optional
        Screens the reasons of the rejected rows, which quote answer cells (at most
        :data:`readiness_analysis.io.redact.ECHO_CHARS` characters of each), for
        personal data: spans found become ``[…]`` and are recorded in it by row and
        column. Default: a new one with the patterns only (the reasons are redacted all
        the same).

    Returns
    -------
    CleanResult

    Raises
    ------
    DataValidationError
        When the file as a whole cannot be used: it has no data rows (or only blank
        ones), a required column is missing, no column matches an item of the instrument,
        or two columns hold the same item or meta column (both are named).
    ValueError
        When ``invalid_answers`` is not one of :data:`INVALID_ANSWERS`.

    Notes
    -----
    Rows the reader could not read (``raw.problems``) count as read and are rejected
    first, as are rows where a stray quote swallowed the rows after it (a used cell with
    line breaks and delimiters, see :func:`readiness_analysis.io.scan.quote_trouble`);
    ``raw.notes`` go into the log. Institution names are cleaned, aliased and merged by
    :func:`readiness_analysis.io.institutions.unify_institutions` (each change a log
    note); names that differ only by look-alike characters, and values far longer than
    the other institutions, are located warnings. An institution value that looks like
    personal data (an e-mail address, a phone number, a postcode, a BSN-like number;
    :func:`readiness_analysis.io.redact.looks_personal`) rejects its row without echoing
    the value. Blank rows are set aside next (logged, and one
    warning, but neither kept nor rejected). Unknown, personal and missing columns beyond
    :data:`MAX_LISTED` are summarised in one warning each, and an item column with numbers
    outside the scale gets one warning besides the rejected rows (or the cells set to
    missing).

    With ``invalid_answers="missing"`` only the cells of rows that are kept in the end
    are set to missing and reported: a row rejected for a meta column is rejected for
    that reason only. A row whose every answer was invalid is kept with all items NA,
    as a row with only empty answers is (a respondent with no scores).

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> from readiness_analysis.io.scan import RawTable
    >>> frame = pd.DataFrame({"respondent_id": ["r1", None], "institution": ["X", None],
    ...                       "def_1": ["4", None]})
    >>> result = clean_scan(RawTable(frame, [2, 3], "s.csv"), load_instrument(), key=b"k")
    >>> result.responses["def_1"].tolist(), len(result.rejected), result.n_blank
    ([4.0], 0, 1)
    """
    if invalid_answers not in INVALID_ANSWERS:
        raise ValueError(f"invalid_answers must be one of {', '.join(INVALID_ANSWERS)}, "
                         f"not {invalid_answers!r}")
    if raw.n_rows == 0:
        raise DataValidationError(
            [Problem(raw.source, 2, None, "the file has a header but no data rows",
                     "export the scan again with its answers")]
        )
    columns, warnings = _match_columns(raw, instrument)
    raw = _set_apart(raw, quote_trouble(raw, list(columns)))
    warnings += _long_institutions(raw, columns)
    frame = raw.frame.rename(columns=columns)[list(columns.values())]
    acc = _Accounting(raw, frame)
    for note in raw.notes:
        acc.note(note)
    for problem in warnings:
        acc.note(f"column {echo(problem.column)}: {problem.message}" if problem.column
                 else problem.message)
    warnings += _set_aside_blank_rows(raw, frame, columns, acc)
    acc.reject_where(_header_rows(frame), "extra header row (survey tool export)",
                     "respondent_id", "drop extra header rows")
    for column in REQUIRED:
        acc.reject_where(_blank(frame[column]), f"{column} is empty", column,
                         f"require {column}")
    answers, scale_warnings, invalid = _recode_answers(frame, instrument, acc,
                                                       invalid_answers)
    for problem in scale_warnings:
        acc.note(f"column {echo(problem.column)}: {problem.message}")
    warnings += scale_warnings
    meta = _meta(frame, acc, aliases, instrument)
    if invalid_answers == "missing":
        warnings += acc.set_missing(invalid)
    keep = acc.kept
    responses = pd.concat([meta.loc[keep], answers.loc[keep]], axis=1)
    responses["respondent_id"] = _pseudonyms(responses["respondent_id"], key)
    responses = responses.reset_index(drop=True)
    redactor = redactor or Redactor()
    rejected = acc.rejected_frame(redactor)
    problems, warnings = ([replace(p, message=redactor.quiet(p.message)) for p in found]
                          for found in (acc.problems, warnings + acc.warnings))
    return CleanResult(responses, rejected, acc.log_frame(), problems, warnings,
                       _screened(acc.account(instrument), redactor))


def _screened(account: RowAccount, redactor: Redactor) -> RowAccount:
    """The account with the cells it names redacted as the messages are (listed names too)."""
    return replace(account, top=tuple((column, redactor.quiet(value), n)
                                      for column, value, n in account.top))


#: An institution value longer than this is never a usual name ...
MAX_INSTITUTION_CHARS = 200
#: ... nor one longer than this many times the usual length (and over 80 characters).
LONG_INSTITUTION_FACTOR = 4


def _long_institutions(raw: RawTable, columns: dict) -> list[Problem]:
    """A warning per institution value far longer than the others, at its first row.

    Far longer: more than :data:`LONG_INSTITUTION_FACTOR` times the median length of the
    column (and than 80 characters), or than :data:`MAX_INSTITUTION_CHARS`. Such a value
    is seldom a name: a stray quote may have joined cells, or the column holds something
    else. Its rows are kept (a value with line breaks and delimiters was already set
    apart by :func:`readiness_analysis.io.scan.quote_trouble`); the warning does not
    echo the value.
    """
    header = next((h for h, target in columns.items() if target == "institution"), None)
    if header is None or raw.frame.empty:
        return []
    cells = raw.frame[header].astype("string").str.strip()
    lengths = cells.str.len()
    if not lengths.notna().any():
        return []
    usual = float(lengths.dropna().median())
    limit = min(MAX_INSTITUTION_CHARS, max(80, LONG_INSTITUTION_FACTOR * usual))
    long = lengths.gt(limit).fillna(False).to_numpy(dtype=bool)
    found = []
    for value, positions in pd.Series(np.flatnonzero(long)).groupby(
            cells.to_numpy()[long], sort=False):
        first = int(positions.iloc[0])
        found.append(Problem(
            raw.source, raw.rows[first], str(header),
            f"institution is {len(value):,} characters long, far longer than the others "
            f"(usually {usual:.0f}; {plural(len(positions), 'row')}): is it a name? a "
            "quote opened in this row may have joined cells",
            "check the quotes in this row, and that the column holds the institution's "
            "name; figures show it shortened"))
    return found


def _set_apart(raw: RawTable, found: dict[int, Problem]) -> RawTable:
    """The table with the rows of ``found`` moved to the rows that could not be read.

    Cleaning rejects such rows in its first step, as it does rows the reader could not
    read, so every row of the file stays accounted for.
    """
    if not found:
        return raw
    keep = ~raw.frame.index.isin(list(found))
    rows = RowNumbers([r for r, k in zip(raw.rows, keep, strict=True) if k])
    problems = sorted([*raw.problems, *found.values()], key=lambda p: (p.row or 0))
    return replace(raw, frame=raw.frame[keep].reset_index(drop=True), rows=rows,
                   problems=tuple(problems))


def _header_rows(frame: pd.DataFrame) -> pd.Series:
    """Rows that repeat a header, as Qualtrics writes under the column names."""
    ids = frame["respondent_id"].astype("string").str.strip().str.casefold()
    repeated = {"respondent_id", *META_SYNONYMS["respondent_id"]}
    return (ids.isin(repeated) | ids.str.startswith('{"importid"')).fillna(False).astype(bool)


def _blank(column: pd.Series) -> pd.Series:
    """Cells that are NA or hold only white space (each distinct cell checked once)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    blank = np.array([not str(u).split() for u in _objects(uniques)] + [True])
    return pd.Series(blank[codes], index=column.index)


def _cells_where(cells: np.ndarray, test, na: bool) -> np.ndarray:
    """``test`` of each cell of a 2-D object array (each distinct value tested once)."""
    codes, uniques = pd.factorize(cells.ravel(), use_na_sentinel=True)
    table = np.array([bool(test(u)) for u in uniques] + [na], dtype=bool)
    return table[codes].reshape(cells.shape)


def _blank_rows(raw: RawTable, frame: pd.DataFrame, columns: dict) -> pd.Series:
    """Rows whose every cell, in used and ignored columns alike, is empty or white space."""
    blank = np.ones(len(frame), dtype=bool)
    for column in frame.columns:  # few rows stay candidates after the first column
        rows = np.flatnonzero(blank)
        if not len(rows):
            break
        cells = frame[column] if len(rows) == len(frame) else frame[column].iloc[rows]
        blank[rows] = _blank(cells).to_numpy()
    others = [i for i, header in enumerate(raw.frame.columns) if header not in columns]
    rows = np.flatnonzero(blank)
    if others and len(rows):
        cells = raw.frame.iloc[rows, others].to_numpy(dtype=object)
        blank[rows] = _cells_where(cells, lambda u: not str(u).split(), na=True).all(axis=1)
    return pd.Series(blank, index=frame.index)


def _set_aside_blank_rows(raw: RawTable, frame: pd.DataFrame, columns: dict,
                          acc: _Accounting) -> list[Problem]:
    """Set aside blank rows (logged, not rejected); one warning naming them.

    A file of nothing but blank rows is an error, as a file without data rows is.
    """
    blank = _blank_rows(raw, frame, columns)
    if not blank.any():
        acc.set_aside(blank, "drop blank rows", "")
        return []
    rows = [raw.rows[i] for i in np.flatnonzero(blank.to_numpy())]
    where = _row_ranges(rows)
    if blank.all() and not raw.problems:
        raise DataValidationError([Problem(
            raw.source, rows[0], None,
            f"the file has a header but only blank rows ({where})",
            "export the scan again with its answers")])
    acc.set_aside(blank, "drop blank rows", where)
    what = "not a respondent" if len(rows) == 1 else "not respondents"
    return [Problem(
        raw.source, None, None,
        f"{plural(len(rows), 'blank row')} set aside ({where}): {what}, so neither kept "
        "nor rejected",
        "nothing to do; spreadsheet programs often leave empty rows below the data")]


def _row_ranges(rows: list[int], limit: int = MAX_LISTED) -> str:
    """Spreadsheet rows as ranges: ``row 4``, ``rows 4, 7-9``, at most ``limit`` ranges.

    Examples
    --------
    >>> _row_ranges([4]), _row_ranges([4, 7, 8, 9])
    ('row 4', 'rows 4, 7-9')
    """
    ranges: list[list[int]] = []
    for row in sorted(rows):
        if ranges and row == ranges[-1][1] + 1:
            ranges[-1][1] = row
        else:
            ranges.append([row, row])
    shown = [f"{a}-{b}" if b > a else f"{a}" for a, b in ranges[:limit]]
    more = ", …" if len(ranges) > limit else ""
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(shown) + more


def _id_text(value) -> str:
    """Identifier as text; 17.0 from a spreadsheet is the same respondent as "17"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _id_texts(column: pd.Series) -> pd.Series:
    """:func:`_id_text` of each cell (each distinct cell once), as the pseudonyms see them.

    Duplicates are found on these, so that " r1 " and "r1", or 17.0 and "17", which get
    the same pseudonym, are one respondent.
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    table = np.array([*(_id_text(u) for u in _objects(uniques)), None], dtype=object)
    return pd.Series(table[codes], index=column.index, dtype="string")


def _norm_header(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _words(header: object) -> str:
    """A header as lower-case words of letters and digits: ``E-mailadres`` -> ``e mailadres``."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(header).casefold()).split())


def _personal_header(header: object) -> bool:
    """Whether a column header names personal data (a name, e-mail, phone, address …).

    Examples
    --------
    >>> [_personal_header(h) for h in ("E-mailadres", "Student-/personeelsnummer", "IP-adres")]
    [True, True, True]
    >>> [_personal_header(h) for h in ("Naam school", "Opmerkingen", "n_teachers", "wave")]
    [False, False, False, False]
    """
    words = _words(header)
    return bool(_PERSONAL.search(words) or (_NAME.search(words) and not _THING.search(words)))


def _looks_personal(value: object) -> str | None:
    """``"e-mail addresses"`` or ``"phone numbers"`` when a cell looks like one, else None."""
    text = str(value).strip()
    if "@" in text:
        return "e-mail addresses" if _EMAIL.fullmatch(text) else None
    if any(c.isdigit() for c in text) and _PHONE.fullmatch(_PHONE_SEPARATORS.sub("", text)):
        return "phone numbers"
    return None


def _personal_values(raw: RawTable, headers: list) -> dict:
    """Headers whose sampled values are mostly e-mail addresses or phone numbers.

    Returns each such header with what its values look like; the values themselves are
    never shown. At most :data:`SAMPLE_ROWS` rows (and :data:`SAMPLE_CELLS` cells) are read.
    """
    if not headers or not len(raw.frame):
        return {}
    position = {h: i for i, h in enumerate(raw.frame.columns)}
    rows = max(1, min(SAMPLE_ROWS, SAMPLE_CELLS // len(headers)))
    cells = raw.frame.iloc[:rows, [position[h] for h in headers]].to_numpy(dtype=object)
    filled = (~_cells_where(cells, lambda u: not str(u).split(), na=True)).sum(axis=0)
    kinds: dict = {}
    for kind in ("e-mail addresses", "phone numbers"):
        hits = _cells_where(cells, lambda u, k=kind: _looks_personal(u) == k, na=False)
        for header, n_hits, n_filled in zip(headers, hits.sum(axis=0), filled, strict=True):
            if n_hits and 2 * n_hits >= n_filled:
                kinds.setdefault(header, kind)
    return kinds


def _lookup(instrument: Instrument) -> dict[str, str]:
    """Normalised header -> meta column or item id (by id, synonym or question text)."""
    lookup = {c: c for c in (*META_COLUMNS, *PERSPECTIVES)}
    lookup.update({syn: col for col, syns in META_SYNONYMS.items() for syn in syns})
    lookup.update({syn: col for col, syns in PERSPECTIVE_SYNONYMS.items() for syn in syns})
    for item in instrument.items:
        lookup[_norm_header(item.id)] = item.id
        for text in item.text.values():
            lookup[_norm_header(text)] = item.id
    return lookup


def _match_columns(raw: RawTable, instrument: Instrument) -> tuple[dict, list[Problem]]:
    """Map raw headers to meta columns and item ids (by id or by question text).

    Two columns that hold the same item or meta column are an error naming both; unknown,
    personal and missing columns are warnings, summarised in one line each when there
    are more than :data:`MAX_LISTED`.
    """
    lookup = _lookup(instrument)
    mapping: dict = {}
    where: dict[str, tuple[int, str]] = {}
    clashes, personal, unknown = [], [], []
    for position, header in enumerate(raw.frame.columns):
        target = lookup.get(_norm_header(header))
        if target is not None and target in where:
            first, name = where[target]
            clashes.append(Problem(
                raw.source, 1, str(header),
                f"columns {first + 1} ({echo(name)}) and {position + 1} ({echo(header)}) both "
                f"hold {target}", "delete or rename one of them"))
        elif target is not None:
            mapping[header] = target
            where[target] = (position, str(header))
        elif _personal_header(header):
            personal.append(header)
        else:
            unknown.append(header)
    if clashes:
        raise DataValidationError(clashes)
    _require(raw, instrument, mapping)
    return mapping, _column_problems(raw, instrument, mapping, personal, unknown)


def _require(raw: RawTable, instrument: Instrument, mapping: dict) -> None:
    """The required columns and at least one item column, or an error naming what is not."""
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        raise DataValidationError(
            [Problem(raw.source, 1, c, "required column missing", "add it to the header")
             for c in missing])
    if not any(v in instrument.item_ids for v in mapping.values()):
        raise DataValidationError([Problem(
            raw.source, 1, None, f"no column matches an item of instrument {instrument.id}",
            "wrong instrument? pass the right one with --instrument")])


def _column_problems(raw: RawTable, instrument: Instrument, mapping: dict,
                     personal: list, unknown: list) -> list[Problem]:
    """Warnings for personal (by header or by value), unknown and missing item columns."""
    by_value = _personal_values(raw, unknown)
    warnings = _column_warnings(raw.source, personal, "personal data column dropped",
                                "personal data columns dropped", _PERSONAL_HINT)
    for kind in ("e-mail addresses", "phone numbers"):
        warnings += _column_warnings(
            raw.source, [c for c in by_value if by_value[c] == kind],
            f"personal data column dropped: its values look like {kind}",
            f"personal data columns dropped (their values look like {kind})", _PERSONAL_HINT)
    unknown = [c for c in unknown if c not in by_value]
    return [*warnings,
            *_column_warnings(raw.source, unknown, "unknown column ignored",
                              "unknown columns ignored", "check the instrument"),
            *_missing_items(raw.source, instrument, set(mapping.values()))]


def _column_warnings(source, columns, one: str, many: str, hint) -> list[Problem]:
    """One warning per column, or one summary line when there are many columns."""
    if len(columns) <= MAX_LISTED:
        return [Problem(source, 1, str(c), one, hint) for c in columns]
    return [Problem(source, 1, None, f"{len(columns):,} {many}: {_listing(columns)}", hint)]


def _listing(names: list, limit: int = MAX_LISTED) -> str:
    """``a, b, c``; after ``limit`` names an ellipsis."""
    return ", ".join(shorten(n) for n in names[:limit]) + (", …" if len(names) > limit else "")


def _missing_items(source: str, instrument: Instrument, found: set) -> list[Problem]:
    """One warning when items are missing: how many were found, which themes have none.

    A partial instrument is legitimate, so this is a warning; the answers of a missing
    item are NA.
    """
    absent = [item for item in instrument.item_ids if item not in found]
    if not absent:
        return []
    total = len(instrument.item_ids)
    empty = [t for t in instrument.theme_ids if not found & set(instrument.items_of(t))]
    message = (f"{total - len(absent)} of the instrument's {plural(total, 'item')} found; "
               f"{plural(len(absent), 'item column')} missing (all their answers NA): "
               f"{_listing(absent)}")
    if empty:
        message += (f"; {plural(len(empty), 'theme')} without any item (no scores): "
                    f"{_listing(empty)}")
    hint = (f"a partial scan is fine; if these items were asked, name their columns by the "
            f"item ids or question texts of instrument {instrument.id}")
    return [Problem(source, 1, None, message, hint)]


#: A row's problem: (column, message, hint).
_RowProblem = tuple[str, str, str | None]


class _Accounting:
    """Tracks which rows are rejected or set aside, why, and the row counts per step."""

    def __init__(self, raw: RawTable, frame: pd.DataFrame) -> None:
        self.raw, self.frame = raw, frame
        self.kept = pd.Series(True, index=frame.index)
        self.reasons: list[dict] = []
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []  # found while cleaning, rejecting no row
        self.steps: list[dict] = []
        self.tally: Counter[tuple[str, str]] = Counter()  # problem cells by column, value
        self.missing_cells = self.missing_rows = 0
        unreadable: dict[int | None, list[Problem]] = {}
        for problem in raw.problems:
            unreadable.setdefault(problem.row, []).append(problem)
        for row, found in unreadable.items():
            self.problems += found
            self.tally.update((p.column or "row", p.message.split(":")[0]) for p in found)
            self.reasons.append(
                {"source_file": raw.source, "source_row": row,
                 "column": ";".join(p.column or "" for p in found),
                 "reason": "; ".join(p.message for p in found)}
            )
        self.steps.append({"step": "read", "rows_in": len(frame) + len(unreadable),
                           "rows_out": len(frame), "rejected": len(unreadable), "blank": 0,
                           "detail": raw.source})

    def _step(self, step: str, rows_out: int, rejected: int, detail: str = "",
              blank: int = 0) -> None:
        rows_in = self.steps[-1]["rows_out"]
        self.steps.append(
            {"step": step, "rows_in": rows_in, "rows_out": rows_out, "rejected": rejected,
             "blank": blank, "detail": detail}
        )

    def note(self, detail: str) -> None:
        """Log a change that rejects no row (a dropped column, a merged spelling)."""
        self._step("note", self.steps[-1]["rows_out"], 0, detail)

    def look_alikes(self, names: pd.Series) -> None:
        """Warn about kept institutions whose names differ only by look-alike characters."""
        kept = names[self.kept & names.notna()]
        for group in confusable_names(kept.unique()):
            message = (f"institutions {' and '.join(echo(n) for n in group)} differ only by "
                       f"look-alike characters ({describe_look_alikes(group)}); they are "
                       "kept apart")
            self.note(message)
            first = kept.index[kept.isin(group)][0]
            self.warnings.append(Problem(
                self.raw.source, self.raw.rows[first], "institution", message,
                "if they are one institution, correct the spelling or add an alias in "
                "institution_aliases.yaml"))

    def set_aside(self, mask: pd.Series, step: str, detail: str) -> None:
        """Set aside the still-kept rows where ``mask`` holds: blank, so not rejected."""
        hit = self.kept & mask
        self.kept[hit] = False
        self._step(step, int(self.kept.sum()), 0, detail, blank=int(hit.sum()))

    def reject(self, problems: dict[int, list[_RowProblem]], step: str) -> None:
        """Reject the still-kept rows in ``problems`` (row index → [(column, message, hint)])."""
        alive = set(self.kept.index[self.kept.to_numpy()].tolist())  # tolist: C speed
        hit = [idx for idx in problems if idx in alive]
        for idx in hit:
            row = self.raw.rows[idx]
            self.problems += [Problem(self.raw.source, row, c or None, m, h)
                              for c, m, h in problems[idx]]
            self.reasons.append(
                {"source_file": self.raw.source, "source_row": row,
                 "column": ";".join(c for c, _, _ in problems[idx]),
                 "reason": "; ".join(m for _, m, _ in problems[idx])}
            )
        self._tally([(idx, c, m) for idx in hit for c, m, _ in problems[idx]])
        self.kept[hit] = False
        self._step(step, int(self.kept.sum()), len(hit))

    def set_missing(self, problems: dict[int, list[_RowProblem]]) -> list[Problem]:
        """Log the invalid answers of the still-kept rows as set to missing; their warnings.

        ``problems`` maps a row index to its invalid answers ``[(column, message, hint)]``
        (the cells are already NA). Rows no longer kept are skipped: they were rejected
        for another reason. Logs one step, rejecting nothing, with the number of cells.
        """
        alive = set(self.kept.index[self.kept.to_numpy()].tolist())  # tolist: C speed
        found = [Problem(self.raw.source, self.raw.rows[idx], c or None,
                         f"{m}; set to missing", h)
                 for idx in sorted(problems) if idx in alive for c, m, h in problems[idx]]
        hit = [idx for idx in problems if idx in alive]
        self._tally([(idx, c, m) for idx in hit for c, m, _ in problems[idx]])
        self.missing_cells, self.missing_rows = len(found), len(hit)
        self._step("set invalid answers to missing", int(self.kept.sum()), 0,
                   plural(len(found), "cell"))
        return found

    def reject_where(self, mask: pd.Series, reason: str, column: str | None, step: str,
                     hint: str | None = None) -> None:
        """Reject the rows where ``mask`` holds, all for the same reason."""
        self.reject({idx: [(column or "", reason, hint)] for idx in mask[mask].index}, step)

    def rejected_frame(self, redactor: Redactor) -> pd.DataFrame:
        """The rejected rows, their reasons screened for personal data by ``redactor``."""
        cols = ["source_file", "source_row", "column", "reason"]
        frame = pd.DataFrame(self.reasons, columns=cols).sort_values(
            "source_row", kind="stable", ignore_index=True
        )
        if not frame.empty:
            frame["reason"] = redactor.column(
                frame["reason"], file=self.raw.source, rows=frame["source_row"].tolist(),
                column=frame["column"].tolist())
        return frame

    def log_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.steps)

    def _tally(self, cells: list[tuple[int, str, str]]) -> None:
        """Count problem cells ``(row index, column, message)`` by column and value.

        The value is the cell as read, or ``empty``; for ``respondent_id`` (an identifier,
        never echoed) and for rows that could not be read, the kind of problem instead.
        """
        by_column: dict[str, list[int]] = {}
        for idx, column, message in cells:
            if column and column != "respondent_id" and column in self.frame.columns:
                by_column.setdefault(column, []).append(idx)
            else:
                self.tally[(column or "row", message.split(":")[0])] += 1
        for column, rows in by_column.items():
            shown = self.frame[column].loc[rows].astype(object).map(_shown_cell)
            for value, n in shown.value_counts(sort=False).items():
                self.tally[(column, str(value))] += int(n)

    def account(self, instrument: Instrument) -> RowAccount:
        """The row account so far, with the most frequent problem cells."""
        rows = row_account(self.log_frame())
        source = instrument.source
        own = None if not source or source.startswith(SHIPPED) else source
        top = tuple((c, v, n) for (c, v), n in self.tally.most_common(SHOWN_VALUES))
        return RowAccount(self.raw.source, rows["raw"], rows["kept"], rows["rejected"],
                          rows["blank"], self.missing_cells, self.missing_rows, top, own)


def _shown_cell(cell) -> str:
    """A problem cell as the account names it: quoted as read, or ``empty``."""
    if cell is None or (not isinstance(cell, str) and pd.isna(cell)) or not str(cell).strip():
        return "empty"
    return echo(cell)


def _recode_answers(frame: pd.DataFrame, instrument: Instrument, acc: _Accounting,
                    invalid_answers: str = "reject"):
    """Map labels and numbers onto each item's scale; reject rows with values off it.

    Labels match whatever their case, spacing and quote style (:func:`normalise_label`),
    and a scale's declared synonyms count as its labels. Each item is checked against,
    and reverse-keyed on, its own scale (``min + max - x``).

    With ``invalid_answers="missing"`` no row is rejected here: the invalid cells are NA
    in the answers and returned by row, for :meth:`_Accounting.set_missing`.

    Returns the recoded answers, one warning per item column with numbers outside the
    scale (a column on another scale, such as 1-7, shows up here), and the invalid
    answers by row index (``[(column, message, hint)]``).
    """
    missing = {normalise_label(m) for m in instrument.missing}
    answers, problems, warnings = {}, {}, []
    consequence = ("their cells are set to missing" if invalid_answers == "missing"
                   else "their rows are rejected")
    lookups: dict[str, dict[str, int]] = {}
    for item in instrument.items:
        scale = instrument.scale_of_item(item.id)
        if scale.id not in lookups:  # one lookup per scale, not per item
            lookups[scale.id] = scale.lookup()
        labels = lookups[scale.id]
        lo, hi = scale.min, scale.max
        cells = frame[item.id] if item.id in frame else pd.Series(pd.NA, index=frame.index)
        values, bad, outside = _parse_cells(cells, labels, missing, lo, hi)
        for idx, (message, hint) in bad.items():
            problems.setdefault(idx, []).append((item.id, message, hint))
        if outside:
            warnings.append(Problem(
                acc.raw.source, 1, item.id,
                f"{plural(outside[0], 'value')} outside the scale {lo}-{hi} (from "
                f"{outside[1]:g} to {outside[2]:g}): {consequence}",
                f"is this column on another scale? recode it to {lo}-{hi}"))
        answers[item.id] = lo + hi - values if item.reverse else values
    if invalid_answers == "reject":
        acc.reject(dict(sorted(problems.items())), "check answers")
    return pd.DataFrame(answers, index=frame.index), warnings, problems


def _parse_cells(cells: pd.Series, labels, missing, lo, hi):
    """Parse each distinct cell once.

    Returns values (NaN = missing), (message, hint) by row, and for numbers outside the
    scale their count, lowest and highest value (None when there are none).
    """
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    parsed = [_parse_cell(cell, labels, missing, lo, hi) for cell in uniques]
    numbers = np.array([p[0] for p in parsed] + [np.nan], dtype=float)
    values = pd.Series(numbers[codes], index=cells.index, dtype=float)
    wrong = np.array([p[1] is not None for p in parsed] + [False])
    rows = np.flatnonzero(wrong[codes])
    errors = pd.Series([parsed[codes[i]][1] for i in rows], index=cells.index[rows],
                       dtype=object)
    off = np.array([p[2] is not None for p in parsed] + [False])
    outside = None
    if off.any():
        offscale = np.array([p[2] if p[2] is not None else np.nan for p in parsed] + [np.nan])
        hits = offscale[codes][off[codes]]
        outside = (len(hits), float(hits.min()), float(hits.max()))
    return values, errors, outside


def _echo(cell) -> str:
    """An answer cell as a reason quotes it: at most 80 characters, not yet redacted.

    The reasons are redacted (and the spans counted) when the rejected rows are put
    together (:meth:`_Accounting.rejected_frame`).
    """
    return echo(cell, redacted=False)


def _parse_cell(cell, labels, missing, lo, hi) -> tuple[float, tuple | None, float | None]:
    """A cell's value, its problem as (message, hint) or None, and a number outside the scale.

    The third value is the number when it is a whole number outside the scale (for the
    column's warning), else None.
    """
    text = normalise_label(cell)
    if text in missing:
        return np.nan, None, None
    number = labels.get(text)
    if number is None:
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return np.nan, (f"unknown answer {_echo(cell)}; expected {lo}-{hi} or a scale label",
                            None), None
    if not np.isfinite(number) or not lo <= number <= hi:
        whole = np.isfinite(number) and number == int(number)
        return np.nan, (f"value {_echo(cell)} is outside the scale {lo}-{hi}", None), (
            number if whole else None)
    if number != int(number):
        return np.nan, (
            f"{_echo(cell)} is not one of the scale's answers {lo}-{hi} (whole numbers or "
            "labels)",
            f"enter a whole number from {lo} to {hi} or a scale label; the instrument has "
            "no answers in between"), None
    return float(number), None, None


def _whole_numbers(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a column of whole numbers >= 1 (empty = 1); return numbers and a bad mask."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    table = np.array([*(_as_number(u) for u in uniques), 1.0], dtype=float)
    number = pd.Series(table[codes], index=column.index)
    finite = np.isfinite(number.to_numpy())
    bad = ~finite | (number < 1) | (number > MAX_COUNT) | (number != number.round())
    return number, pd.Series(bad, index=column.index)


def _as_number(value) -> float:
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        return np.nan


def _meta(frame: pd.DataFrame, acc: _Accounting, aliases, instrument: Instrument
          ) -> pd.DataFrame:
    meta = pd.DataFrame(index=frame.index)
    meta["respondent_id"] = _id_texts(frame["respondent_id"])
    names, changes = unify_institutions(_personal_institutions(frame, acc), aliases)
    meta["institution"] = names.astype("string")
    for old, new in sorted(changes.items()):
        acc.note(institution_note(old, new))
    acc.look_alikes(names)
    for column in ("n_teachers", "wave"):
        raw = frame[column] if column in frame else pd.Series(pd.NA, index=frame.index)
        number, bad = _whole_numbers(raw)
        acc.reject_where(bad, f"{column} must be a whole number from 1 to {MAX_COUNT:,}",
                         column, f"check {column}")
        meta[column] = number.where(~bad, 1).astype("int64")
    perspectives, problems = clean_perspectives(frame, instrument)  # role, group if given
    for column, found in problems.items():  # a step only where the export has the column
        acc.reject(found, f"check {column}")
    meta = meta.join(perspectives)
    acc.reject(_duplicates(meta.loc[acc.kept], acc.raw.rows), "drop duplicates")
    return meta


def _personal_institutions(frame: pd.DataFrame, acc: _Accounting) -> pd.Series:
    """Reject the rows whose institution looks like personal data; those cells as NA.

    The value is never echoed (not in the reason, not in a note on its spelling).
    """
    cells = frame["institution"]
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    kinds = np.array([*(looks_personal(u) for u in uniques), None], dtype=object)[codes]
    found = {idx: [("institution", f"institution looks like {kind}, not a name",
                    "write the institution's name; personal data do not belong in the "
                    "export")]
             for idx, kind in zip(frame.index, kinds, strict=True) if kind is not None}
    if not found:
        return cells
    acc.reject(found, "reject personal data as institution")
    return cells.where(~cells.index.isin(list(found)))


def _duplicates(kept: pd.DataFrame, rows) -> dict[int, list[_RowProblem]]:
    """Each later row with a respondent_id and wave seen before, naming the first row."""
    position = pd.Series(kept.index, index=kept.index)
    first = position.groupby([kept["respondent_id"], kept["wave"]], sort=False,
                             dropna=False).transform("first")
    later = first[first != position]
    return {idx: [("respondent_id",
                   f"duplicate respondent_id in this wave: same respondent_id and wave as "
                   f"row {rows[first[idx]]}",
                   "keep one of the two rows, or give them different waves")]
            for idx in later.index}
