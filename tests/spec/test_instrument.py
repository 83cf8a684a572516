"""The instrument (spec/instrument.py): the shipped scan and located errors in a bad file."""

import pytest
import yaml

from readiness_analysis.core.errors import InstrumentError
from readiness_analysis.spec.instrument import load_instrument


def test_shipped_instrument_covers_the_study_factors(instrument):
    expected = {"definition", "vision", "infrastructure", "tools", "timetable", "development",
                "time", "willingness", "student_fit", "teacher_skills", "current_use"}
    assert set(instrument.theme_ids) == expected
    assert all(len(instrument.items_of(t)) >= 3 for t in instrument.theme_ids)
    assert sorted(instrument.scale) == [1, 2, 3, 4, 5]
    assert instrument.scale[1]["nl"] == "helemaal mee oneens"
    assert "weet niet" in instrument.missing
    assert {t.recommendation for t in instrument.themes} == {"R1", "R2", "R3", "R4", "R5", None}


def test_shipped_instrument_says_it_is_a_reconstruction(instrument):
    assert "reconstructie" in instrument.title["nl"].lower()


def _write(tmp_path, data):
    path = tmp_path / "inst.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _minimal():
    return {
        "id": "t", "version": "1",
        "scale": [{"value": 1, "label": "nee"}, {"value": 2, "label": "ja"}],
        "themes": [{"id": "a", "label": "A", "recommendation": "R1"}],
        "items": [{"id": "a1", "theme": "a", "text": "Vraag"}],
    }


def test_minimal_instrument_loads(tmp_path):
    inst = load_instrument(_write(tmp_path, _minimal()))
    assert inst.item_ids == ["a1"] and inst.min_items == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["items"].append(dict(d["items"][0])), "duplicate item id 'a1'"),
        (lambda d: d["items"][0].update(theme="zz"), "unknown theme 'zz'"),
        (lambda d: d["scale"].append({"value": 4, "label": "x"}), "have gaps"),
        (lambda d: d.pop("items"), "missing key 'items'"),
        (lambda d: d["themes"].append({"id": "b", "label": "B"}), "theme 'b' has no items"),
        (lambda d: d["themes"][0].update(recommendation="R9"), "recommendation 'R9'"),
        (lambda d: d["items"][0].update(reverse="yes"), "must be true or false"),
        (lambda d: d.update(min_items=0), "min_items"),
    ],
)
def test_invalid_instruments_are_rejected_with_a_clear_message(tmp_path, change, message):
    data = _minimal()
    change(data)
    path = _write(tmp_path, data)
    with pytest.raises(InstrumentError, match=message) as info:
        load_instrument(path)
    assert str(path) in str(info.value)


def test_yaml_syntax_error_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(InstrumentError, match="not valid YAML"):
        load_instrument(path)
