"""The instrument (spec/instrument.py): the shipped scan and located errors in a bad file."""

import pytest
import yaml

from readiness_analysis.core.errors import InstrumentError
from readiness_analysis.spec.instrument import load_instrument, normalise_label


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
        (lambda d: d["themes"][0].update(recommendation=9), "recommendation 9"),
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


# ---------------------------------------------------------------- answer scales


def _points(n, start=1, neutral=None):
    return [{"value": v, "label": {"nl": f"nl {v}", "en": f"en {v}"},
             **({"neutral": True} if v == neutral else {})}
            for v in range(start, start + n)]


def _two_scales():
    data = _minimal()
    data["scale"] = _points(4)
    data["agree_from"] = 3
    data["scales"] = {"freq": {"values": _points(6), "agree_from": 5},
                      "yn": [{"value": 0, "label": ["nee", "no"]},
                             {"value": 1, "label": ["ja", "yes", "Y"]}]}
    data["themes"] += [{"id": "b", "label": "B", "scale": "freq"}, {"id": "c", "label": "C"}]
    data["items"] += [{"id": "b1", "theme": "b", "text": "V"},
                      {"id": "c1", "theme": "c", "text": "V", "scale": "yn"}]
    return data


@pytest.mark.parametrize("points", [2, 4, 6, 11])
def test_scales_of_two_to_eleven_points_load(tmp_path, points):
    data = _minimal()
    data["scale"] = _points(points, start=0 if points == 11 else 1)
    inst = load_instrument(_write(tmp_path, data))
    scale = inst.scale_of_theme("a")
    assert scale.points == points == len(inst.scale)
    assert (scale.min, scale.max) == (inst.scale_min, inst.scale_max)
    assert scale.neutral is None
    # without agree_from: the first value above the middle of the scale
    assert scale.agree_from == (scale.min + scale.max) // 2 + 1
    assert scale.below + scale.above == scale.values


@pytest.mark.parametrize("points", [1, 12])
def test_scales_outside_two_to_eleven_points_are_refused(tmp_path, points):
    data = _minimal()
    data["scale"] = _points(points)
    path = _write(tmp_path, data)
    with pytest.raises(InstrumentError, match="answer values") as info:
        load_instrument(path)
    assert str(path) in str(info.value)


def test_named_scale_of_eleven_points_is_fine_and_twelve_is_located(tmp_path):
    data = _two_scales()
    data["scales"]["freq"]["values"] = _points(12)
    with pytest.raises(InstrumentError, match=r"scales\.freq: scale has 12 answer values"):
        load_instrument(_write(tmp_path, data))


def test_two_scales_in_one_instrument(tmp_path):
    inst = load_instrument(_write(tmp_path, _two_scales()))
    assert inst.scale_of_theme("a").id == "default" and inst.scale_of_theme("a").agree_from == 3
    assert inst.scale_of_theme("b").values == [1, 2, 3, 4, 5, 6]
    assert inst.scale_of_theme("b").agree_from == 5
    assert inst.scale_of_item("b1") is inst.scale_of_theme("b")
    # an item's own scale makes its theme's scale
    assert inst.scale_of_theme("c").values == [0, 1] and inst.scale_of_theme("c").agree_from == 1
    assert inst.themes_by_scale() == {"default": ["a"], "freq": ["b"], "yn": ["c"]}
    assert not inst.one_scale
    # the default scale keeps the old accessors working
    assert (inst.scale_min, inst.scale_max, inst.agree_from) == (1, 4, 3)


def test_label_lists_are_label_and_synonyms(tmp_path):
    inst = load_instrument(_write(tmp_path, _two_scales()))
    yn = inst.scale_of_theme("c")
    assert yn.label(1, "nl") == yn.label(1, "en") == "ja"
    assert yn.synonyms[1] == ("yes", "Y")
    assert yn.lookup() == {"nee": 0, "no": 0, "ja": 1, "yes": 1, "y": 1}


def test_synonyms_per_language(tmp_path):
    data = _minimal()
    data["scale"][1]["label"] = {"nl": "ja", "en": ["Strongly agree", "Strong agree"]}
    scale = load_instrument(_write(tmp_path, data)).default_scale
    assert scale.label(2, "en") == "Strongly agree" and scale.label(2, "nl") == "ja"
    assert scale.lookup()["strong agree"] == 2


def test_label_lookup_ignores_case_spacing_and_typographic_quotes():
    assert normalise_label("  Don\u2019t   KNOW ") == normalise_label("don't know")
    assert normalise_label("\u201cja\u201d") == normalise_label('"JA"') == '"ja"'
    assert normalise_label("\u2018a\u2019") == "'a'"


def test_mixed_scales_within_a_theme_are_refused(tmp_path):
    data = _two_scales()
    data["items"].append({"id": "a2", "theme": "a", "text": "V", "scale": "freq"})
    path = _write(tmp_path, data)
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    message = str(info.value)
    assert str(path) in message
    assert "theme 'a' mixes scales" in message and "'a1'" in message and "'a2'" in message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["themes"][1].update(scale="nope"), "theme 'b' has unknown scale 'nope'"),
        (lambda d: d["items"][0].update(scale="nope"), "item 'a1' .* unknown scale 'nope'"),
        (lambda d: d["scales"].update(default=d["scale"]), "'default' names the top-level"),
        (lambda d: d["scales"]["freq"].update(agree_from=9), r"scales\.freq: agree_from 9"),
        (lambda d: d["scales"]["freq"].update(colour="red"), "unknown key 'colour'"),
        (lambda d: d["scale"][0].update(neutral=True) or d["scale"][1].update(neutral=True),
         "are all neutral"),
        (lambda d: d["scale"][0].update(neutral="yes"), "neutral of scale value 1 must be"),
        (lambda d: d["scale"][0].update(neutral=True), "neutral value 1 is an end"),
        (lambda d: d["scale"][1].update(label={"nl": ["nl 1"]}), "'nl 1' means both 1 and 2"),
        (lambda d: d["scale"][1].update(label={"nl": []}), "empty list"),
        (lambda d: d.update(scales=["x"]), "scales must be a mapping"),
        (lambda d: d.update(agree_from=7), "agree_from 7 is not a scale value"),
    ],
)
def test_bad_scales_are_located(tmp_path, change, message):
    data = _two_scales()
    change(data)
    path = _write(tmp_path, data)
    with pytest.raises(InstrumentError, match=message) as info:
        load_instrument(path)
    assert str(path) in str(info.value)


def test_without_a_top_level_scale_every_theme_names_one(tmp_path):
    data = _two_scales()
    del data["scale"], data["agree_from"]
    data["themes"][0]["scale"] = "freq"
    inst = load_instrument(_write(tmp_path, data))
    assert inst.default_scale.values == [1, 2, 3, 4, 5, 6] and inst.scale_max == 6
    del data["themes"][0]["scale"]
    with pytest.raises(InstrumentError, match=r"item 'a1' .*has no scale"):
        load_instrument(_write(tmp_path, data))


def test_shipped_scale_has_its_neutral(instrument):
    scale = instrument.default_scale
    assert (scale.neutral, scale.agree_from, scale.below, scale.above) == (3, 4, [1, 2], [4, 5])
    assert instrument.one_scale and list(instrument.themes_by_scale()) == ["default"]


def test_an_english_only_scale_label_serves_every_language(tmp_path):
    data = _minimal()
    data["scale"][1]["label"] = {"en": ["Strongly agree", "Strong agree"]}
    scale = load_instrument(_write(tmp_path, data)).default_scale
    assert scale.label(2, "nl") == scale.label(2, "en") == "Strongly agree"
    assert scale.lookup()["strong agree"] == 2
