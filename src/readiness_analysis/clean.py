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
from .instrument import Instrument

__all__ = ["META_COLUMNS", "CleanResult", "clean_scan", "normalise_institution", "pseudonym"]

META_COLUMNS = ("respondent_id", "institution", "n_teachers", "wave")
REQUIRED = ("respondent_id", "institution")
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
    warnings : list of Problem
        Problems that did not reject a row (unknown or dropped columns).
    """

    responses: pd.DataFrame
    rejected: pd.DataFrame
    log: pd.DataFrame
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


def normalise_institution(name: str, aliases: dict[str, str] | None = None) -> str:
    """Collapse white space and map known spellings onto one name.

    Alias keys are compared case-insensitively after collapsing white space.

    Examples
    --------
    >>> normalise_institution("  roc van amsterdam ", {"roc van amsterdam": "ROC van Amsterdam"})
    'ROC van Amsterdam'
    """
    clean = " ".join(str(name).split())
    lookup = {" ".join(k.split()).casefold(): v for k, v in (aliases or {}).items()}
    return lookup.get(clean.casefold(), clean)


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
        Institution spellings mapped to one name.

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
    acc.reject_where(frame.isna().all(axis=1), "blank row", None, "drop blank rows")
    for column in REQUIRED:
        acc.reject_where(frame[column].isna(), f"{column} is empty", column, f"require {column}")
    answers = _recode_answers(frame, instrument, acc)
    meta = _meta(frame, acc, aliases)
    keep = acc.kept
    responses = pd.concat([meta.loc[keep], answers.loc[keep]], axis=1)
    responses["respondent_id"] = [pseudonym(r, key) for r in responses["respondent_id"]]
    responses = responses.reset_index(drop=True)
    return CleanResult(responses, acc.rejected_frame(), acc.log_frame(), warnings)


def _norm_header(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _match_columns(raw: RawTable, instrument: Instrument) -> tuple[dict, list[Problem]]:
    """Map raw headers to meta columns and item ids (by id or by question text)."""
    lookup = {c: c for c in META_COLUMNS}
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
        self.steps: list[dict] = []
        self._step("read", len(frame), 0, raw.source)

    def _step(self, step: str, rows_out: int, rejected: int, detail: str = "") -> None:
        rows_in = self.steps[-1]["rows_out"] if self.steps else rows_out
        self.steps.append(
            {"step": step, "rows_in": rows_in, "rows_out": rows_out, "rejected": rejected,
             "detail": detail}
        )

    def reject(self, mask: pd.Series, reasons: pd.Series, column: str | None, step: str) -> None:
        """Reject rows where ``mask`` holds (and that are still kept) with per-row reasons."""
        hit = mask & self.kept
        for idx in hit[hit].index:
            self.reasons.append(
                {"source_file": self.raw.source, "source_row": self.raw.rows[idx],
                 "column": column or "", "reason": reasons.loc[idx]}
            )
        self.kept &= ~hit
        self._step(step, int(self.kept.sum()), int(hit.sum()))

    def reject_where(self, mask: pd.Series, reason: str, column: str | None, step: str) -> None:
        self.reject(mask, pd.Series(reason, index=mask.index), column, step)

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
    answers = pd.DataFrame(index=frame.index)
    for item in instrument.items:
        cells = frame[item.id] if item.id in frame else pd.Series(pd.NA, index=frame.index)
        values, bad = _parse_cells(cells, labels, missing, lo, hi)
        acc.reject(bad.notna(), bad, item.id, f"check answers {item.id}")
        if item.reverse:
            values = lo + hi - values
        answers[item.id] = values
    return answers


def _parse_cells(cells, labels, missing, lo, hi) -> tuple[pd.Series, pd.Series]:
    values = pd.Series(np.nan, index=cells.index, dtype=float)
    bad = pd.Series(pd.NA, index=cells.index, dtype=object)
    for idx, cell in cells.items():
        if pd.isna(cell):
            continue
        text = _norm_header(cell)
        if text in missing:
            continue
        number = labels.get(text)
        if number is None:
            try:
                number = float(text.replace(",", "."))
            except ValueError:
                bad[idx] = f"unknown answer {cell!r}; expected {lo}-{hi} or a scale label"
                continue
        if number != int(number) or not lo <= number <= hi:
            bad[idx] = f"value {cell!r} is outside the scale {lo}-{hi}"
            continue
        values[idx] = number
    return values, bad


def _meta(frame: pd.DataFrame, acc: _Accounting, aliases) -> pd.DataFrame:
    meta = pd.DataFrame(index=frame.index)
    meta["respondent_id"] = frame["respondent_id"].astype("string")
    meta["institution"] = frame["institution"].map(
        lambda v: normalise_institution(v, aliases) if pd.notna(v) else v
    ).astype("string")
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
