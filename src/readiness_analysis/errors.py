"""One exception hierarchy for the whole package.

Every error the package raises on purpose derives from :class:`ReadinessError` and
carries what a user needs to act on it: where (file, row, column or institution), what
was wrong, and a hint saying what to do. ``str(error)`` is the one line the CLI prints.
Errors are picklable so they survive a process pool (as papermill's do).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CodingError",
    "DataValidationError",
    "InstrumentError",
    "Problem",
    "ReadinessError",
    "RenderError",
]


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, located as ``file:row:column``.

    ``row`` is the 1-based line number as a spreadsheet program shows it (the header is
    row 1), so a user can jump straight to it.

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
        where = ":".join(
            str(part) for part in (self.file, self.row, self.column) if part not in (None, "")
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


class CodingError(ReadinessError):
    """A codebook or a file of coded interview fragments is invalid."""


class RenderError(ReadinessError):
    """A report could not be executed or converted."""


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
        message = first.message + (f" (and {more} more problems)" if more > 0 else "")
        self._summary = str(Problem(first.file, first.row, first.column, message, first.hint))
        Exception.__init__(self, self._summary)
        self.message, self.hint = message, first.hint
        self.file, self.row, self.column = first.file, first.row, first.column

    def __str__(self) -> str:
        return self._summary

    def __reduce__(self):
        return (DataValidationError, (self.problems,))
