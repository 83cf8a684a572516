"""Validate and recode a raw scan table, accounting for every row.

Every raw row ends in exactly one of two tables: ``responses`` (valid, recoded,
pseudonymised) or ``rejected`` (with the reason and where it was found). The
``log`` records each step with row counts, so that raw rows = kept + rejected.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import DataValidationError, Problem
from .ingest import RawTable
from .institutions import unify_institutions
from .instrument import Instrument

__all__ = ["META_COLUMNS", "CleanResult", "clean_scan", "pseudonym"]

META_COLUMNS = ("respondent_id", "institution", "n_teachers", "wave")
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
#: Largest ``n_teachers`` or ``wave`` accepted (larger is a typing error, not a count).
MAX_COUNT = 1_000_000
#: Unknown, personal or missing columns beyond this many are summarised in one warning.
MAX_LISTED = 10
_PERSONAL = re.compile(r"(^|_)(naam|name|e-?mail|mail|telefoon|phone)($|_)", re.IGNORECASE)


@dataclass
class CleanResult:
    """Result of :func:`clean_scan`.

    Attributes
    ----------
    responses : DataFrame
        One row per kept respondent: ``respondent_id`` (pseudonym), ``institution``,
        ``n_teachers``, ``wave``, then one float column per item, reverse-keyed items
        already recoded so that a higher value always means more ready.
    rejected : DataFrame
        ``source_file``, ``source_row``, ``column``, ``reason`` per rejected row.
    log : DataFrame
        ``step``, ``rows_in``, ``rows_out``, ``rejected``, ``detail`` per step.
    problems : list of Problem
        Every problem that rejected a row, one per row and column.
    warnings : list of Problem
        Problems that did not reject a row (unknown or dropped columns).
    """

    responses: pd.DataFrame
    rejected: pd.DataFrame
    log: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def n_raw(self) -> int:
        """Number of rows read from the raw file."""
        return int(self.log["rows_in"].iloc[0]) if len(self.log) else 0


def pseudonym(identifier: str, key: bytes) -> str:
    """Keyed, stable pseudonym of a respondent identifier (HMAC-SHA256).

    Examples
    --------
    >>> pseudonym("r1", b"k") == pseudonym("r1", b"k") != pseudonym("r1", b"other")
    True
    """
    digest = hmac.new(key, str(identifier).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"P{digest[:12]}"


def clean_scan(
    raw: RawTable,
    instrument: Instrument,
    *,
    key: bytes,
    aliases: dict[str, str] | None = None,
) -> CleanResult:
    """Validate, recode and pseudonymise a raw scan table.

    Parameters
    ----------
    raw : RawTable
        As returned by :func:`readiness_analysis.ingest.read_scan`.
    instrument : Instrument
        The scan definition the answers belong to.
    key : bytes
        Secret key for respondent pseudonyms (never written to outputs).
    aliases : dict, optional
        Institution spellings mapped to one name (see
        :func:`readiness_analysis.institutions.load_aliases`).

    Returns
    -------
    CleanResult

    Raises
    ------
    DataValidationError
        When the file as a whole cannot be used: it has no data rows, a required column
        is missing, no column matches an item of the instrument, or two columns hold the
        same item or meta column (both are named).

    Notes
    -----
    Rows the reader could not read (``raw.problems``) count as read and are rejected
    first; ``raw.notes`` go into the log. Unknown, personal and missing columns beyond
    :data:`MAX_LISTED` are summarised in one warning each, and an item column with numbers
    outside the scale gets one warning besides the rejected rows.

    Examples
    --------
    >>> from readiness_analysis.instrument import load_instrument
    >>> from readiness_analysis.ingest import RawTable
    >>> frame = pd.DataFrame({"respondent_id": ["r1"], "institution": ["X"], "def_1": ["4"]})
    >>> result = clean_scan(RawTable(frame, [2], "s.csv"), load_instrument(), key=b"k")
    >>> result.responses["def_1"].tolist(), len(result.rejected)
    ([4.0], 0)
    """
    if raw.n_rows == 0:
        raise DataValidationError(
            [Problem(raw.source, 2, None, "the file has a header but no data rows",
                     "export the scan again with its answers")]
        )
    columns, warnings = _match_columns(raw, instrument)
    frame = raw.frame.rename(columns=columns)[list(columns.values())]
    acc = _Accounting(raw, frame)
    for note in raw.notes:
        acc.note(note)
    for problem in warnings:
        acc.note(f"column {problem.column!r}: {problem.message}" if problem.column
                 else problem.message)
    acc.reject_where(frame.isna().all(axis=1), "blank row", None, "drop blank rows")
    acc.reject_where(_header_rows(frame), "extra header row (survey tool export)",
                     "respondent_id", "drop extra header rows")
    for column in REQUIRED:
        acc.reject_where(_blank(frame[column]), f"{column} is empty", column,
                         f"require {column}")
    answers, scale_warnings = _recode_answers(frame, instrument, acc)
    for problem in scale_warnings:
        acc.note(f"column {problem.column!r}: {problem.message}")
    warnings += scale_warnings
    meta = _meta(frame, acc, aliases)
    keep = acc.kept
    responses = pd.concat([meta.loc[keep], answers.loc[keep]], axis=1)
    responses["respondent_id"] = [pseudonym(_id_text(r), key) for r in responses["respondent_id"]]
    responses = responses.reset_index(drop=True)
    return CleanResult(responses, acc.rejected_frame(), acc.log_frame(), acc.problems, warnings)


def _header_rows(frame: pd.DataFrame) -> pd.Series:
    """Rows that repeat a header, as Qualtrics writes under the column names."""
    ids = frame["respondent_id"].astype("string").str.strip().str.casefold()
    repeated = {"respondent_id", *META_SYNONYMS["respondent_id"]}
    return (ids.isin(repeated) | ids.str.startswith('{"importid"')).fillna(False).astype(bool)


def _blank(column: pd.Series) -> pd.Series:
    """Cells that are NA or hold only white space (each distinct cell checked once)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    blank = np.array([not str(u).split() for u in uniques] + [True])
    return pd.Series(blank[codes], index=column.index)


def _id_text(value) -> str:
    """Identifier as text; 17.0 from a spreadsheet is the same respondent as "17"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _norm_header(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _match_columns(raw: RawTable, instrument: Instrument) -> tuple[dict, list[Problem]]:
    """Map raw headers to meta columns and item ids (by id or by question text).

    Two columns that hold the same item or meta column are an error naming both; unknown,
    personal and missing columns are warnings, summarised in one line each when there
    are more than :data:`MAX_LISTED`.
    """
    lookup = {c: c for c in META_COLUMNS}
    lookup.update({syn: col for col, syns in META_SYNONYMS.items() for syn in syns})
    for item in instrument.items:
        lookup[_norm_header(item.id)] = item.id
        for text in item.text.values():
            lookup[_norm_header(text)] = item.id
    mapping: dict = {}
    where: dict[str, tuple[int, str]] = {}
    clashes, personal, unknown = [], [], []
    for position, header in enumerate(raw.frame.columns):
        target = lookup.get(_norm_header(header))
        if target is not None and target in where:
            first, name = where[target]
            clashes.append(Problem(
                raw.source, 1, str(header),
                f"columns {first + 1} ({name!r}) and {position + 1} ({str(header)!r}) both "
                f"hold {target}", "delete or rename one of them"))
        elif target is not None:
            mapping[header] = target
            where[target] = (position, str(header))
        elif _PERSONAL.search(str(header)):
            personal.append(header)
        else:
            unknown.append(header)
    if clashes:
        raise DataValidationError(clashes)
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        raise DataValidationError(
            [
                Problem(raw.source, 1, c, "required column missing", "add it to the header")
                for c in missing
            ]
        )
    if not any(v in instrument.item_ids for v in mapping.values()):
        raise DataValidationError(
            [
                Problem(
                    raw.source,
                    1,
                    None,
                    f"no column matches an item of instrument {instrument.id}",
                    "wrong instrument? pass the right one with --instrument",
                )
            ]
        )
    absent = [item for item in instrument.item_ids if item not in mapping.values()]
    warnings = [
        *_column_warnings(raw.source, personal, "personal data column dropped",
                          "personal data columns dropped", None),
        *_column_warnings(raw.source, unknown, "unknown column ignored",
                          "unknown columns ignored", "check the instrument"),
        *_column_warnings(raw.source, absent, "item column missing: all answers NA",
                          "item columns missing (all their answers NA)", None),
    ]
    return mapping, warnings


def _column_warnings(source, columns, one: str, many: str, hint) -> list[Problem]:
    """One warning per column, or one summary line when there are many columns."""
    if len(columns) <= MAX_LISTED:
        return [Problem(source, 1, str(c), one, hint) for c in columns]
    shown = ", ".join(str(c) for c in columns[:MAX_LISTED])
    return [Problem(source, 1, None, f"{len(columns):,} {many}: {shown}, …", hint)]


class _Accounting:
    """Tracks which rows are rejected, why, and the row counts per step."""

    def __init__(self, raw: RawTable, frame: pd.DataFrame) -> None:
        self.raw, self.frame = raw, frame
        self.kept = pd.Series(True, index=frame.index)
        self.reasons: list[dict] = []
        self.problems: list[Problem] = []
        self.steps: list[dict] = []
        unreadable: dict[int | None, list[Problem]] = {}
        for problem in raw.problems:
            unreadable.setdefault(problem.row, []).append(problem)
        for row, found in unreadable.items():
            self.problems += found
            self.reasons.append(
                {"source_file": raw.source, "source_row": row,
                 "column": ";".join(p.column or "" for p in found),
                 "reason": "; ".join(p.message for p in found)}
            )
        self.steps.append({"step": "read", "rows_in": len(frame) + len(unreadable),
                           "rows_out": len(frame), "rejected": len(unreadable),
                           "detail": raw.source})

    def _step(self, step: str, rows_out: int, rejected: int, detail: str = "") -> None:
        rows_in = self.steps[-1]["rows_out"]
        self.steps.append(
            {"step": step, "rows_in": rows_in, "rows_out": rows_out, "rejected": rejected,
             "detail": detail}
        )

    def note(self, detail: str) -> None:
        """Log a change that rejects no row (a dropped column, a merged spelling)."""
        self._step("note", self.steps[-1]["rows_out"], 0, detail)

    def reject(self, problems: dict[int, list[tuple[str, str]]], step: str) -> None:
        """Reject the still-kept rows in ``problems`` (row index → [(column, message)])."""
        alive = set(self.kept.index[self.kept.to_numpy()])
        hit = [idx for idx in problems if idx in alive]
        for idx in hit:
            row = self.raw.rows[idx]
            self.problems += [Problem(self.raw.source, row, c or None, m) for c, m in problems[idx]]
            self.reasons.append(
                {"source_file": self.raw.source, "source_row": row,
                 "column": ";".join(c for c, _ in problems[idx]),
                 "reason": "; ".join(m for _, m in problems[idx])}
            )
        self.kept[hit] = False
        self._step(step, int(self.kept.sum()), len(hit))

    def reject_where(self, mask: pd.Series, reason: str, column: str | None, step: str) -> None:
        """Reject the rows where ``mask`` holds, all for the same reason."""
        self.reject({idx: [(column or "", reason)] for idx in mask[mask].index}, step)

    def rejected_frame(self) -> pd.DataFrame:
        cols = ["source_file", "source_row", "column", "reason"]
        return pd.DataFrame(self.reasons, columns=cols).sort_values(
            "source_row", kind="stable", ignore_index=True
        )

    def log_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.steps)


def _recode_answers(frame: pd.DataFrame, instrument: Instrument, acc: _Accounting):
    """Map labels and numbers onto the scale; reject rows with values off the scale.

    Returns the recoded answers and one warning per item column with numbers outside
    the scale (a column on another scale, such as 1-7, shows up here).
    """
    labels = {
        _norm_header(lab): value
        for value, labs in instrument.scale.items()
        for lab in labs.values()
    }
    missing = set(instrument.missing)
    lo, hi = instrument.scale_min, instrument.scale_max
    answers, problems, warnings = {}, {}, []
    for item in instrument.items:
        cells = frame[item.id] if item.id in frame else pd.Series(pd.NA, index=frame.index)
        values, bad, outside = _parse_cells(cells, labels, missing, lo, hi)
        for idx, message in bad.items():
            problems.setdefault(idx, []).append((item.id, message))
        if outside:
            warnings.append(Problem(
                acc.raw.source, 1, item.id,
                f"{outside[0]} values outside the scale {lo}-{hi} (from {outside[1]:g} to "
                f"{outside[2]:g}): their rows are rejected",
                f"is this column on another scale? recode it to {lo}-{hi}"))
        answers[item.id] = lo + hi - values if item.reverse else values
    acc.reject(dict(sorted(problems.items())), "check answers")
    return pd.DataFrame(answers, index=frame.index), warnings


def _parse_cells(cells: pd.Series, labels, missing, lo, hi):
    """Parse each distinct cell once.

    Returns values (NaN = missing), error messages by row, and for numbers outside the
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


def _parse_cell(cell, labels, missing, lo, hi) -> tuple[float, str | None, float | None]:
    text = _norm_header(cell)
    if text in missing:
        return np.nan, None, None
    number = labels.get(text)
    if number is None:
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return np.nan, f"unknown answer {cell!r}; expected {lo}-{hi} or a scale label", None
    if not np.isfinite(number) or number != int(number) or not lo <= number <= hi:
        whole = np.isfinite(number) and number == int(number)
        return np.nan, f"value {cell!r} is outside the scale {lo}-{hi}", (
            number if whole else None)
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


def _meta(frame: pd.DataFrame, acc: _Accounting, aliases) -> pd.DataFrame:
    meta = pd.DataFrame(index=frame.index)
    meta["respondent_id"] = frame["respondent_id"].astype(object).astype("string")
    names, changes = unify_institutions(frame["institution"], aliases)
    meta["institution"] = names.astype("string")
    for old, new in sorted(changes.items()):
        acc.note(f"institution {old!r} -> {new!r}")
    for column in ("n_teachers", "wave"):
        raw = frame[column] if column in frame else pd.Series(pd.NA, index=frame.index)
        number, bad = _whole_numbers(raw)
        acc.reject_where(bad, f"{column} must be a whole number from 1 to {MAX_COUNT:,}",
                         column, f"check {column}")
        meta[column] = number.where(~bad, 1).astype("int64")
    kept = meta.loc[acc.kept]
    dup = pd.Series(
        meta.index.isin(kept.index[kept.duplicated(["respondent_id", "wave"])]), index=meta.index
    )
    reason = "duplicate respondent_id in this wave"
    acc.reject_where(dup, reason, "respondent_id", "drop duplicates")
    return meta
