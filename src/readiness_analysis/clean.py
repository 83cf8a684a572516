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
        When the file as a whole cannot be used: a required column is missing or no
        column matches an item of the instrument.

    Examples
    --------
    >>> from readiness_analysis.instrument import load_instrument
    >>> from readiness_analysis.ingest import RawTable
    >>> frame = pd.DataFrame({"respondent_id": ["r1"], "institution": ["X"], "def_1": ["4"]})
    >>> result = clean_scan(RawTable(frame, [2], "s.csv"), load_instrument(), key=b"k")
    >>> result.responses["def_1"].tolist(), len(result.rejected)
    ([4.0], 0)
    """
    columns, warnings = _match_columns(raw, instrument)
    frame = raw.frame.rename(columns=columns)[list(columns.values())]
    acc = _Accounting(raw, frame)
    for problem in warnings:
        acc.note(f"column {problem.column!r}: {problem.message}")
    acc.reject_where(frame.isna().all(axis=1), "blank row", None, "drop blank rows")
    acc.reject_where(_header_rows(frame), "extra header row (survey tool export)",
                     "respondent_id", "drop extra header rows")
    for column in REQUIRED:
        acc.reject_where(frame[column].isna(), f"{column} is empty", column, f"require {column}")
    answers = _recode_answers(frame, instrument, acc)
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


def _id_text(value) -> str:
    """Identifier as text; 17.0 from a spreadsheet is the same respondent as "17"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _norm_header(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _match_columns(raw: RawTable, instrument: Instrument) -> tuple[dict, list[Problem]]:
    """Map raw headers to meta columns and item ids (by id or by question text)."""
    lookup = {c: c for c in META_COLUMNS}
    lookup.update({syn: col for col, syns in META_SYNONYMS.items() for syn in syns})
    for item in instrument.items:
        lookup[_norm_header(item.id)] = item.id
        for text in item.text.values():
            lookup[_norm_header(text)] = item.id
    mapping, warnings = {}, []
    for header in raw.frame.columns:
        target = lookup.get(_norm_header(header))
        if target is not None and target not in mapping.values():
            mapping[header] = target
        elif _PERSONAL.search(str(header)):
            warnings.append(Problem(raw.source, 1, header, "personal data column dropped"))
        else:
            warnings.append(
                Problem(raw.source, 1, header, "unknown column ignored", "check the instrument")
            )
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
    for item in instrument.item_ids:
        if item not in mapping.values():
            warnings.append(Problem(raw.source, 1, item, "item column missing: all answers NA"))
    return mapping, warnings


class _Accounting:
    """Tracks which rows are rejected, why, and the row counts per step."""

    def __init__(self, raw: RawTable, frame: pd.DataFrame) -> None:
        self.raw, self.frame = raw, frame
        self.kept = pd.Series(True, index=frame.index)
        self.reasons: list[dict] = []
        self.problems: list[Problem] = []
        self.steps: list[dict] = []
        self._step("read", len(frame), 0, raw.source)

    def _step(self, step: str, rows_out: int, rejected: int, detail: str = "") -> None:
        rows_in = self.steps[-1]["rows_out"] if self.steps else rows_out
        self.steps.append(
            {"step": step, "rows_in": rows_in, "rows_out": rows_out, "rejected": rejected,
             "detail": detail}
        )

    def note(self, detail: str) -> None:
        """Log a change that rejects no row (a dropped column, a merged spelling)."""
        self._step("note", self.steps[-1]["rows_out"], 0, detail)

    def reject(self, problems: dict[int, list[tuple[str, str]]], step: str) -> None:
        """Reject the still-kept rows in ``problems`` (row index → [(column, message)])."""
        hit = [idx for idx in problems if self.kept[idx]]
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
    """Map labels and numbers onto the scale; reject rows with values off the scale."""
    labels = {
        _norm_header(lab): value
        for value, labs in instrument.scale.items()
        for lab in labs.values()
    }
    missing = set(instrument.missing)
    lo, hi = instrument.scale_min, instrument.scale_max
    answers, problems = {}, {}
    for item in instrument.items:
        cells = frame[item.id] if item.id in frame else pd.Series(pd.NA, index=frame.index)
        values, bad = _parse_cells(cells, labels, missing, lo, hi)
        for idx, message in bad.items():
            problems.setdefault(idx, []).append((item.id, message))
        answers[item.id] = lo + hi - values if item.reverse else values
    acc.reject(dict(sorted(problems.items())), "check answers")
    return pd.DataFrame(answers, index=frame.index)


def _parse_cells(cells: pd.Series, labels, missing, lo, hi) -> tuple[pd.Series, pd.Series]:
    """Parse each distinct cell once; return values (NaN = missing) and error messages."""
    present = cells.dropna()
    parsed = {cell: _parse_cell(cell, labels, missing, lo, hi) for cell in pd.unique(present)}
    values = pd.Series(np.nan, index=cells.index, dtype=float)
    values[present.index] = [parsed[c][0] for c in present]
    errors = pd.Series([parsed[c][1] for c in present], index=present.index, dtype=object)
    return values, errors.dropna()


def _parse_cell(cell, labels, missing, lo, hi) -> tuple[float, str | None]:
    text = _norm_header(cell)
    if text in missing:
        return np.nan, None
    number = labels.get(text)
    if number is None:
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return np.nan, f"unknown answer {cell!r}; expected {lo}-{hi} or a scale label"
    if not np.isfinite(number) or number != int(number) or not lo <= number <= hi:
        return np.nan, f"value {cell!r} is outside the scale {lo}-{hi}"
    return float(number), None


def _meta(frame: pd.DataFrame, acc: _Accounting, aliases) -> pd.DataFrame:
    meta = pd.DataFrame(index=frame.index)
    meta["respondent_id"] = frame["respondent_id"].astype("string")
    names, changes = unify_institutions(frame["institution"], aliases)
    meta["institution"] = names.astype("string")
    for old, new in sorted(changes.items()):
        acc.note(f"institution {old!r} -> {new!r}")
    for column in ("n_teachers", "wave"):
        raw = frame[column] if column in frame else pd.Series("1", index=frame.index)
        number = pd.to_numeric(raw.fillna("1").astype(str).str.replace(",", "."), errors="coerce")
        bad = number.isna() | (number < 1) | (number != number.round())
        acc.reject_where(bad, f"{column} must be a whole number >= 1", column, f"check {column}")
        meta[column] = number.where(~bad, 1).astype("int64")
    kept = meta.loc[acc.kept]
    dup = pd.Series(
        meta.index.isin(kept.index[kept.duplicated(["respondent_id", "wave"])]), index=meta.index
    )
    reason = "duplicate respondent_id in this wave"
    acc.reject_where(dup, reason, "respondent_id", "drop duplicates")
    return meta
