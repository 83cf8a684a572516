"""One exception hierarchy for the whole package, and one for its warnings.

Every error the package raises on purpose derives from :class:`ReadinessError` and
carries what a user needs to act on it: where (file, row, column or institution), what
was wrong, and a hint saying what to do. ``str(error)`` is the one line the CLI prints.
Errors are picklable so they survive a process pool (as papermill's do). Every warning
derives from :class:`ReadinessWarning`, so one filter silences or raises them all.

All classes live here, whichever layer raises them; the modules that raise them
re-export them (``readiness_analysis.stats.reliability.ReliabilityError`` still works)::

    ReadinessError                      ReadinessWarning (UserWarning)
    ├── InstrumentError                 ├── AccountingWarning
    ├── StudyError                      ├── CodingWarning
    ├── CodingError                     ├── ReliabilityWarning
    ├── DataValidationError             └── StructureWarning
    ├── AccountingError
    ├── ContractError
    ├── ReliabilityError
    ├── StructureError
    │   └── TooFewRespondentsError
    ├── ComparisonError
    │   └── TooFewScoresError
    └── RenderError
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from readiness_analysis.core.words import plural

__all__ = [
    "QUOTE_CHARS",
    "AccountingError",
    "AccountingWarning",
    "CodingError",
    "CodingWarning",
    "ComparisonError",
    "ContractError",
    "DataValidationError",
    "InstrumentError",
    "Problem",
    "ReadinessError",
    "ReadinessWarning",
    "ReliabilityError",
    "ReliabilityWarning",
    "RenderError",
    "StructureError",
    "StructureWarning",
    "StudyError",
    "TooFewRespondentsError",
    "TooFewScoresError",
    "shorten",
]


#: The most characters of a cell or a column header an error line quotes.
QUOTE_CHARS = 80


def shorten(text: object, limit: int = QUOTE_CHARS) -> str:
    """``text`` as an error line may quote it: at most ``limit`` characters and its length.

    Examples
    --------
    >>> shorten("vis_1"), shorten("x" * 100, limit=5)
    ('vis_1', 'xxxxx… (100 characters)')
    """
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, located as ``file:row:column``.

    ``row`` is the 1-based line number as a spreadsheet program shows it (the header is
    row 1), so a user can jump straight to it. A column header longer than
    :data:`QUOTE_CHARS` is quoted shortened (:func:`shorten`).

    Examples
    --------
    >>> str(Problem("scan.csv", 4, "V1", "value 7 is outside the scale 1-5", "use 1-5"))
    'scan.csv:4:V1: value 7 is outside the scale 1-5 (use 1-5)'
    """

    file: str
    row: int | None
    column: str | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        column = None if self.column in (None, "") else shorten(self.column)
        where = ":".join(
            str(part) for part in (self.file, self.row, column) if part not in (None, "")
        )
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} ({self.hint})" if self.hint else text


class ReadinessError(Exception):
    """Base class of every error raised by readiness-analysis.

    Parameters
    ----------
    message : str
        What was wrong, in one sentence.
    hint : str, optional
        What the user can do about it.
    file, row, column : optional
        Where the problem is.

    Examples
    --------
    >>> str(ReadinessError("file is empty", file="scan.csv", hint="export it again"))
    'scan.csv: file is empty (export it again)'
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.hint = hint
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        return str(Problem(self.file or "", self.row, self.column, self.message, self.hint))

    def __reduce__(self):  # keep keyword-only context when pickled
        return (
            _rebuild,
            (type(self), self.message, self.hint, self.file, self.row, self.column),
        )


def _rebuild(cls, message, hint, file, row, column):
    return cls(message, hint=hint, file=file, row=row, column=column)


class InstrumentError(ReadinessError):
    """The instrument definition (YAML) is invalid or does not fit the data."""


class StudyError(ReadinessError):
    """A study definition (title, respondents, recommendations, quotes) is invalid."""


class CodingError(ReadinessError):
    """A codebook or a file of coded interview fragments is invalid."""


class RenderError(ReadinessError):
    """A report could not be executed or converted."""


class AccountingError(ReadinessError):
    """Too many rows rejected or answers set to missing, and the build was asked to be strict.

    Raised instead of :class:`AccountingWarning` by ``readiness build --strict`` (see
    :func:`readiness_analysis.io.clean.check_account`), before any processed file is
    written; the message is the warning's.
    """


class ContractError(ReadinessError):
    """Processed data break the data contract (raised by ``io.contracts``)."""


class ReliabilityError(ReadinessError):
    """The items do not allow a reliability estimate (too few items or answers, ...)."""


class StructureError(ReadinessError):
    """The items do not allow the requested analysis of their structure."""


class TooFewRespondentsError(StructureError):
    """Too few complete respondents for a factor analysis; the message says how many."""


class ComparisonError(ReadinessError):
    """The scores table cannot be compared (missing columns, non-numeric scores, ...)."""


class TooFewScoresError(ComparisonError):
    """Too few scores for the requested model; the message says how many are needed."""


class DataValidationError(ReadinessError):
    """One or more problems in an input file; ``problems`` lists each of them.

    Examples
    --------
    >>> err = DataValidationError([Problem("a.csv", 2, "V1", "not a number")])
    >>> str(err)
    'a.csv:2:V1: not a number'
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0] if self.problems else Problem("", None, None, "invalid data")
        more = len(self.problems) - 1
        message = first.message + (f" (and {plural(more, 'more problem')})" if more > 0 else "")
        self._summary = str(Problem(first.file, first.row, first.column, message, first.hint))
        Exception.__init__(self, self._summary)
        self.message, self.hint = message, first.hint
        self.file, self.row, self.column = first.file, first.row, first.column

    def __str__(self) -> str:
        return self._summary

    def __reduce__(self):
        return (DataValidationError, (self.problems,))


# ----------------------------------------------------------------------------- warnings


class ReadinessWarning(UserWarning):
    """Base class of every warning issued by readiness-analysis.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always", ReadinessWarning)
    ...     warnings.warn(ReliabilityWarning("omega needs 3 items"), stacklevel=1)
    >>> [type(w.message).__name__ for w in caught]
    ['ReliabilityWarning']
    """


class AccountingWarning(ReadinessWarning):
    """Many rows were rejected, or many answers set to missing, while cleaning a scan.

    The message gives the share, the most frequent columns and values, and the command
    that lists every problem (see :func:`readiness_analysis.io.clean.check_account`).
    """


class CodingWarning(ReadinessWarning):
    """Problems in a file of coded segments that did not stop reading it."""


class ReliabilityWarning(ReadinessWarning):
    """A reliability estimate was computed but deserves a look (or could not be computed)."""


class StructureWarning(ReadinessWarning):
    """A factor solution was found but deserves a look (no convergence, Heywood case)."""
