"""``readiness validate`` screens like ``build`` (issue 21): the names of redact_names.txt are
redacted in its lines with the same counts, and no line quotes more than 80 characters of a
column header or a cell."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from readiness_analysis.build.prepare import prepare
from readiness_analysis.cli import main
from readiness_analysis.core.errors import QUOTE_CHARS, Problem
from readiness_analysis.io.redact import ECHO_CHARS

NAME = "Marijke Oosterhuis"


@pytest.fixture
def named_raw(tmp_path, raw_dir):
    """The demo scan with a listed name and a phone number typed into answer cells."""
    raw = tmp_path / "raw"
    raw.mkdir()
    df = pd.read_csv(raw_dir / "scan_responses.csv", dtype=str)
    df.loc[2, "vis_1"] = NAME
    df.loc[3, "vis_2"] = f"bel {NAME.split()[0]} op 06-12345678"
    df.loc[4, "vis_3"] = NAME.lower()  # whole words whatever their case
    df.to_csv(raw / "scan_responses.csv", index=False)
    (raw / "redact_names.txt").write_text(f"{NAME}\nMarijke\n", encoding="utf-8")
    return raw


def _validate(path, capsys) -> tuple[int, str]:
    code = main(["validate", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_validate_redacts_the_listed_names_as_build_does(named_raw, tmp_path, capsys):
    code, lines = _validate(named_raw / "scan_responses.csv", capsys)
    assert code == 1  # three unknown answers
    assert "marijke" not in lines.lower() and "oosterhuis" not in lines.lower()
    assert lines.count("[…]") >= 3
    said = re.search(r"personal data screened: scan_responses\.csv: (\d+) spans redacted as "
                     r"\[…\] \(([^)]*)\)", lines)
    assert said, lines
    prepare(named_raw, tmp_path / "p")  # the build's data stage, screened as it reads
    found = pd.read_csv(tmp_path / "p" / "redactions.csv")
    scan = found[found["file"] == "scan_responses.csv"]
    assert int(said.group(1)) == int(scan["count"].sum()) > 0
    kinds = scan.groupby("kind")["count"].sum()
    assert f"{kinds['name']} listed names" in said.group(2)
    assert f"{kinds['phone']} phone number" in said.group(2)


def test_without_a_names_file_names_are_not_redacted_but_patterns_are(named_raw, capsys):
    (named_raw / "redact_names.txt").unlink()
    _, lines = _validate(named_raw / "scan_responses.csv", capsys)
    assert NAME in lines and "06-12345678" not in lines
    assert "1 span redacted as […] (1 phone number)" in lines


def test_a_names_file_that_is_not_utf8_is_a_located_error(named_raw, capsys):
    (named_raw / "redact_names.txt").write_bytes("Zoë".encode("latin-1") + b"\xff\n")
    code, lines = _validate(named_raw / "scan_responses.csv", capsys)
    assert code == 1 and "redact_names.txt" in lines and "not UTF-8" in lines


# --- headers and cells quoted at most 80 characters -----------------------------------------


def _longest_quote(lines: str, char: str) -> int:
    return max((len(m) for m in re.findall(f"{char}+", lines)), default=0)


def test_the_quote_limit_is_one_for_cells_and_headers():
    assert QUOTE_CHARS == ECHO_CHARS == 80
    assert str(Problem("f.csv", 1, "h" * 81, "x")) == "f.csv:1:" + "h" * 80 + "… (81 characters): x"
    assert str(Problem("f.csv", 1, "h" * 80, "x")) == "f.csv:1:" + "h" * 80 + ": x"


@pytest.mark.parametrize("where", ["extra", "renamed item", "duplicate", "bad cell"])
def test_a_10000_character_header_is_quoted_at_most_80_characters(tmp_path, raw_dir, capsys,
                                                                   where):
    df = pd.read_csv(raw_dir / "scan_responses.csv", dtype=str)
    long = "Q" * 10_000
    if where == "extra":
        df[long] = "1"
    elif where == "renamed item":
        df = df.rename(columns={"vis_1": long})
    elif where == "duplicate":  # the same long header twice: an error naming it
        df = pd.concat([df, pd.DataFrame({long: ["1"] * len(df)}),
                        pd.DataFrame({long: ["2"] * len(df)})], axis=1)
    else:  # a long header and a long bad cell in it, each quoted shortened
        df[long] = "1"
        df.loc[0, "vis_1"] = "Q" * 10_000
    path = tmp_path / "scan_responses.csv"
    df.to_csv(path, index=False)
    _, lines = _validate(path, capsys)
    assert "(10,000 characters)" in lines or where == "renamed item"
    assert _longest_quote(lines, "Q") <= QUOTE_CHARS, lines[:500]
    assert max(len(line) for line in lines.splitlines()) < 600
