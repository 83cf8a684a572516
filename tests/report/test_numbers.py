"""Numbers in reports: Babel formats them as Python's format rounds them, per language."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readiness_analysis.report.numbers import MISSING, count, decimal, number, percent

PATTERNS = ["{:.2f}", "{:+.1f}", "{:+.2f}", "{:.0f}%", "{:.1f}", "{:.3f}"]


def _python(value: float, lang: str, pattern: str) -> str:
    """The reference: Python's own formatting, with the Dutch decimal comma."""
    out = pattern.format(value)
    return out.replace(".", ",") if lang == "nl" else out


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
       st.sampled_from(PATTERNS), st.sampled_from(["nl", "en"]))
def test_number_rounds_and_writes_as_python_format(value, pattern, lang):
    assert number(value, lang, pattern) == _python(value, lang, pattern)


@pytest.mark.parametrize("value", [0.125, 0.375, 2.675, 0.025 * 100, 12.5, 99.5, -0.04])
def test_ties_round_on_the_exact_binary_value(value):
    for pattern in PATTERNS:
        assert number(value, "nl", pattern) == _python(value, "nl", pattern)


def test_missing_values_are_a_dash():
    for missing in (float("nan"), None, math.nan):
        assert decimal(missing) == percent(missing) == number(missing, "en", "{:.0f}%") == MISSING


def test_percent_scales_a_share_and_signs_follow_the_language():
    assert percent(0.125, "nl") == "12%"
    assert percent(2 / 3, "en", decimals=1) == "66.7%"
    assert decimal(-0.25, "nl", 1, sign=True) == "-0,2"
    assert decimal(1234.5, "en", 1) == "1234.5"  # no thousands separator


def test_an_unsupported_pattern_is_refused():
    with pytest.raises(ValueError, match="unsupported number pattern"):
        number(1.0, "nl", "{:,.2f}")


@pytest.mark.parametrize(("n", "lang", "expected"), [
    (0, "nl", "0 instellingen"), (1, "nl", "1 instelling"), (2, "nl", "2 instellingen"),
    (1, "en", "1 institution"), (21, "en", "21 institutions"),
])
def test_counts_take_the_plural_form_of_the_language(n, lang, expected):
    assert count(n, "plural.institution", lang) == expected
