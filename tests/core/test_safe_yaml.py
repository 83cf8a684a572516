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
