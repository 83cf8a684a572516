"""Words of messages (core/words.py): counts with their noun in the right number."""

import pytest

from readiness_analysis.core.words import plural


@pytest.mark.parametrize(("count", "expected"), [
    (0, "0 values"), (1, "1 value"), (2, "2 values"), (1_000, "1,000 values")])
def test_plural_puts_the_noun_in_the_right_number(count, expected):
    assert plural(count, "value") == expected


def test_plural_takes_an_irregular_plural():
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(2, "entry", "entries") == "2 entries"
