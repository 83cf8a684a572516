"""Property-based tests (hypothesis) for the readers and the recoding.

Each property runs at most 50 examples without deadline, so the file stays well under
30 seconds. Files are written to a fresh temporary folder per example (hypothesis does
not reset function-scoped fixtures between examples).
"""

from __future__ import annotations

import csv
import io
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness_analysis import ingest
from readiness_analysis.clean import clean_scan, pseudonym
from readiness_analysis.contracts import validate_responses
from readiness_analysis.errors import DataValidationError, Problem
from readiness_analysis.ingest import RawTable, read_scan
from readiness_analysis.instrument import load_instrument

INSTRUMENT = load_instrument()
LO, HI = INSTRUMENT.scale_min, INSTRUMENT.scale_max
REVERSED = [i.id for i in INSTRUMENT.items if i.reverse]
PLAIN = [i.id for i in INSTRUMENT.items if not i.reverse]
KEY = b"properties"

PROPERTY = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def _folder():
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


# Text every supported encoding can hold (cp1252 is the narrowest), with the characters
# that need quoting in CSV: every delimiter, quotes and line breaks.
CP1252_TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 éëïçüÉ-'.,;\t\"\n")), min_size=1, max_size=12
).filter(lambda s: s.strip())
PAD = st.sampled_from(["", " ", "  ", "\u00a0"])


@st.composite
def answer_tables(draw):
    """A scan table of valid answers: cells as written and as they must read back."""
    n = draw(st.integers(1, 12))
    items = draw(st.lists(st.sampled_from(INSTRUMENT.item_ids), min_size=1, max_size=5,
                          unique=True))
    ids = draw(st.lists(st.from_regex(r"[A-Za-z0-9_]{1,8}", fullmatch=True), min_size=n,
                        max_size=n, unique=True))
    rows, expected = [], []
    for rid in ids:
        name = draw(CP1252_TEXT)
        answers = draw(st.lists(st.one_of(st.none(), st.integers(LO, HI)),
                                min_size=len(items), max_size=len(items)))
        pads = draw(st.lists(PAD, min_size=2 + len(items), max_size=2 + len(items)))
        cells = [rid, name, *("" if a is None else str(a) for a in answers)]
        rows.append([f"{p}{c}{p}" if c else c for p, c in zip(pads, cells, strict=True)])
        expected.append([rid, name.strip(), *(None if a is None else str(a) for a in answers)])
    return ["respondent_id", "institution", *items], rows, expected


def _write_csv(path: Path, header, rows, sep: str, encoding: str, blanks: set[int],
               crlf: bool) -> list[int]:
    """Write the table; return the spreadsheet row number of each data row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    numbers, line = [], 2
    for row in rows:
        while line in blanks:
            buffer.write("\r\n" if crlf else "\n")
            line += 1
        writer.writerow(row)
        numbers.append(line)
        line += 1
    path.write_bytes(buffer.getvalue().encode(encoding))
    return numbers


def _cells(frame: pd.DataFrame) -> list[list]:
    return [[None if pd.isna(v) else str(v) for v in row] for row in
            frame.astype(object).itertuples(index=False)]


@PROPERTY
@given(
    table=answer_tables(),
    sep=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    blanks=st.sets(st.integers(2, 20), max_size=4),
    crlf=st.booleans(),
    reader=st.sampled_from(["one chunk", "many chunks", "text columns", "wide reader"]),
)
def test_valid_answers_read_back_unchanged(table, sep, encoding, blanks, crlf, reader):
    header, rows, expected = table
    settings_for = {
        "one chunk": {},
        "many chunks": {"CHUNK_CELLS": 1, "MIN_CHUNK_ROWS": 2},
        "text columns": {"CHUNK_CELLS": 1, "MIN_CHUNK_ROWS": 2, "DICTIONARY_LIMIT": 0},
        "wide reader": {"WIDE_COLUMNS": 0},
    }[reader]
    with _folder() as tmp, pytest.MonkeyPatch.context() as patch:
        for name, value in settings_for.items():
            patch.setattr(ingest, name, value)
        path = tmp / "scan.csv"
        numbers = _write_csv(path, header, rows, sep, encoding, blanks, crlf)
        raw = read_scan(path)
    assert raw.frame.columns.tolist() == header
    assert not raw.problems
    data = [i for i, row in enumerate(_cells(raw.frame)) if any(v is not None for v in row)]
    assert [_cells(raw.frame)[i] for i in data] == expected
    assert [raw.rows[i] for i in data] == numbers
    # the blank lines are rows too: cleaning sets them aside, neither kept nor rejected
    assert len(raw.frame) == numbers[-1] - 1
    result = clean_scan(raw, INSTRUMENT, key=KEY)
    assert result.n_blank == len(raw.frame) - len(rows)
    assert len(result.responses) + len(result.rejected) == len(rows)


@PROPERTY
@given(table=answer_tables())
def test_xlsx_reads_back_the_same_cells_as_csv(table):
    header, rows, _ = table
    frame = pd.DataFrame(rows, columns=header)
    with _folder() as tmp:
        frame.to_csv(tmp / "scan.csv", index=False)
        frame.to_excel(tmp / "scan.xlsx", index=False)
        from_csv, from_xlsx = read_scan(tmp / "scan.csv"), read_scan(tmp / "scan.xlsx")
    assert _cells(from_xlsx.frame) == _cells(from_csv.frame)  # text cells stay text
    assert list(from_xlsx.rows) == list(from_csv.rows)


def _raw(columns: dict[str, list], source="t.csv") -> RawTable:
    frame = pd.DataFrame(columns, dtype=object)
    return RawTable(frame, range(2, 2 + len(frame)), source)


@PROPERTY
@given(values=st.lists(st.integers(LO, HI), min_size=1, max_size=20),
       item=st.sampled_from(REVERSED))
def test_reverse_keying_twice_is_the_identity_and_stays_in_scale(values, item):
    def recode(cells):
        raw = _raw({"respondent_id": [f"r{i}" for i in range(len(cells))],
                    "institution": ["A"] * len(cells), item: [str(c) for c in cells]})
        return clean_scan(raw, INSTRUMENT, key=KEY).responses[item]

    once = recode(values)
    assert once.tolist() == [LO + HI - v for v in values]
    assert once.between(LO, HI).all()
    assert recode([int(v) for v in once]).tolist() == [float(v) for v in values]


@PROPERTY
@given(value=st.integers(LO, HI), lang=st.sampled_from(["nl", "en"]),
       item=st.sampled_from(INSTRUMENT.item_ids), case=st.sampled_from(["lower", "upper",
                                                                          "title", "same"]),
       pad=PAD, number_form=st.sampled_from(["{}", "{}.0", "{},0", " {} "]))
def test_labels_and_numbers_map_to_the_same_value(value, lang, item, case, pad, number_form):
    label = INSTRUMENT.scale[value][lang]
    label = label if case == "same" else getattr(label, case)()
    spaced = pad + label.replace(" ", "  ") + pad
    raw = _raw({"respondent_id": ["r1", "r2"], "institution": ["A", "A"],
                item: [spaced, number_form.format(value)]})
    result = clean_scan(raw, INSTRUMENT, key=KEY)
    assert result.rejected.empty
    by_label, by_number = result.responses[item].tolist()
    assert by_label == by_number
    reverse = item in REVERSED
    assert by_number == (LO + HI - value if reverse else value)


JUNK = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.integers(-3, 9).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from([lab[lang] for lab in INSTRUMENT.scale.values() for lang in ("nl", "en")]
                    + list(INSTRUMENT.missing)),
    # cells that broke cleaning once, or could: blanks the reader would have made NA,
    # non-finite and huge numbers, formulas, a repeated header, odd digits
    st.sampled_from(["", " ", "\u2028", "\x00", "inf", "-inf", "nan", "1e400", "1e300",
                     "=1+1", "respondent_id", "1e0", "٣", "4,5", "2.0", "-0"]),
)


@PROPERTY
@given(data=st.data(), n=st.integers(1, 25),
       items=st.lists(st.sampled_from(INSTRUMENT.item_ids), min_size=1, max_size=4,
                      unique=True),
       unreadable=st.sets(st.integers(2, 40), max_size=3))
def test_every_row_is_kept_or_rejected_whatever_the_cells(data, n, items, unreadable):
    def column(valid):  # about half valid cells, so that some rows survive to the end
        return st.lists(st.one_of(st.none(), st.sampled_from(valid), JUNK), min_size=n,
                        max_size=n)

    columns = {
        "respondent_id": data.draw(column(["r1", "r2", "r3", " r1 ", "17", "17.0"])),
        "institution": data.draw(column(["A", "Instelling B", " a "])),
        "n_teachers": data.draw(column(["1", "2", "3.0"])),
        "wave": data.draw(column(["1", "2"])),
        **{item: data.draw(column([str(v) for v in range(LO, HI + 1)])) for item in items},
    }
    frame = pd.DataFrame(columns, dtype=object)
    # rows the reader could not read sit between the frame's rows
    numbers = [r for r in range(2, 2 + n + len(unreadable)) if r not in unreadable][:n]
    problems = tuple(Problem("t.csv", r, None, "row has 9 cells, the header has 4")
                     for r in sorted(unreadable) if r < 2 + n + len(unreadable))
    raw = RawTable(frame, numbers, "t.csv", problems)
    blank = [all(v is None or not str(v).split() for v in row)
             for row in frame.itertuples(index=False)]
    if all(blank) and not problems:  # nothing but blank rows: the file is refused
        with pytest.raises(DataValidationError, match="only blank rows"):
            clean_scan(raw, INSTRUMENT, key=KEY)
        return
    result = clean_scan(raw, INSTRUMENT, key=KEY)
    # rows read = kept + rejected + blank; blank rows are set aside, never rejected
    assert (len(result.responses) + len(result.rejected) + result.n_blank
            == raw.n_rows == result.n_raw)
    assert result.n_blank == sum(blank)
    blank_rows = {row for row, empty in zip(numbers, blank, strict=True) if empty}
    assert not set(result.rejected["source_row"]) & blank_rows
    log = result.log
    assert log["rejected"].sum() == len(result.rejected)
    assert (log["rows_out"] == log["rows_in"] - log["rejected"] - log["blank"]).all()
    assert log["rows_out"].iloc[-1] == len(result.responses)
    assert result.rejected["source_row"].is_unique
    assert set(result.rejected["source_row"]) <= set(numbers) | {p.row for p in problems}
    answers = result.responses[INSTRUMENT.item_ids].to_numpy(dtype=float)
    assert np.all(np.isnan(answers) | ((answers >= LO) & (answers <= HI)))
    if len(result.responses):
        validate_responses(result.responses, INSTRUMENT)


@PROPERTY
@given(identifier=st.text(min_size=1, max_size=40), key=st.binary(min_size=1, max_size=32),
       other=st.binary(min_size=1, max_size=32))
def test_pseudonyms_are_stable_keyed_and_never_the_identifier(identifier, key, other):
    name = pseudonym(identifier, key)
    assert name == pseudonym(identifier, key)
    assert name != identifier
    assert len(name) == 13 and name[0] == "P" and int(name[1:], 16) >= 0
    if other != key:
        assert pseudonym(identifier, other) != name


@PROPERTY
@given(ids=st.lists(st.from_regex(r"[a-z0-9.@]{3,12}", fullmatch=True), min_size=1,
                    max_size=10, unique=True))
def test_cleaned_ids_are_pseudonyms_and_stable_across_runs(ids):
    raw = _raw({"respondent_id": ids, "institution": ["A"] * len(ids), "def_1": ["3"] * len(ids)})
    first = clean_scan(raw, INSTRUMENT, key=KEY).responses["respondent_id"].tolist()
    again = clean_scan(raw, INSTRUMENT, key=KEY).responses["respondent_id"].tolist()
    assert first == again == [pseudonym(i, KEY) for i in ids]
    assert not set(first) & set(ids)
    assert len(set(first)) == len(ids)
