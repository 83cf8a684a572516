"""Tests for readiness_analysis.core.safe_yaml: the one YAML loader of the package."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import readiness_analysis
from readiness_analysis.core.errors import InstrumentError, ReadinessError
from readiness_analysis.core.safe_yaml import MAX_YAML_VALUES, load_yaml

PACKAGE = Path(readiness_analysis.__file__).parent


def test_every_yaml_read_of_the_package_goes_through_load_yaml():
    direct = re.compile(r"\byaml\.(safe_load|load|full_load|unsafe_load)\b|\bimport yaml\b")
    users = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                   if direct.search(p.read_text(encoding="utf-8")))
    assert users == ["core/safe_yaml.py"]


def test_duplicate_keys_and_alias_bombs_are_refused_with_the_callers_error():
    with pytest.raises(ReadinessError, match=r"t\.yaml:2: not valid YAML: duplicate key 'a'"):
        load_yaml("a: 1\na: 2\n", source="t.yaml", error=ReadinessError)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n"
        for a, b in zip("abcdef", "bcdefg", strict=True))
    with pytest.raises(InstrumentError, match=f"more than {MAX_YAML_VALUES:,} values"):
        load_yaml(bomb, source="bomb.yaml")


# A document without "*" is read by libyaml, one with an alias by the Python composer:
# each pair below is the same document both ways (an unused alias in a comment routes
# it); both must give the same value and the same refusal.
BOTH_WAYS = ("", "# *alias\n")


@pytest.mark.parametrize("route", BOTH_WAYS)
def test_both_parsers_give_the_same_document(route):
    text = route + "id: t\nitems:\n  - {id: a, text: 'é, \"x\"'}\n  - [1, 2.5, null, true]\n"
    assert load_yaml(text, source="t.yaml") == {
        "id": "t", "items": [{"id": "a", "text": 'é, "x"'}, [1, 2.5, None, True]]}


@pytest.mark.parametrize("route", BOTH_WAYS)
@pytest.mark.parametrize(("text", "message"), [
    ("a: 1\nb: 2\na: 3\n", r"t\.yaml:{row}: not valid YAML: duplicate key 'a' \(first on "
                           r"line {first}\)"),
    ("a: " + "[" * 20_000 + "]" * 20_000 + "\n",
     r"t\.yaml: not valid YAML: nested too deeply \(is this the right file\?\)"),
    ("a: éé\nb: x\x01y\n", r"t\.yaml:{line}: not valid YAML: character U\+0001 \(column 5\) "
                           r"is not allowed in YAML"),  # after non-ASCII: in characters
])
def test_both_parsers_refuse_alike_with_the_line(route, text, message):
    shift = route.count("\n")
    expected = message.format(row=3 + shift, first=1 + shift, line=2 + shift)
    with pytest.raises(InstrumentError, match=expected):
        load_yaml(route + text, source="t.yaml")
