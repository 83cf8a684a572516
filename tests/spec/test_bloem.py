"""The Blended Leren Bloem (spec/bloem.py): the study's definition and its environments."""

import pytest

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.spec.bloem import load_bloem
from readiness_analysis.spec.study import load_study

from ..helpers import needs_study_text, normalise_printed


def test_bloem_has_four_environments_and_the_studys_definition():
    bloem = load_bloem()
    assert [e.id for e in bloem.environments] == ["online", "campus", "werkplek",
                                                  "samenleving"]
    assert load_study().definition == bloem
    assert bloem.source == "HAN (2022)"
    assert [e.added_in_new_definition for e in bloem.environments] == [False] * 3 + [True]
    for env in bloem.environments:
        assert env.label["nl"] and env.label["en"]
        assert env.paraphrase["nl"] and env.paraphrase["en"]


@needs_study_text
def test_bloem_definition_is_verbatim_in_the_guide(study_text):
    guide = normalise_printed(study_text.read_text(encoding="utf-8"))
    assert load_bloem().definition in guide
    assert "de leeromgeving ‘samenleving’ als extra ‘bol’ toegevoegd" in guide


def test_broken_bloem_file_names_the_missing_key(tmp_path):
    path = tmp_path / "bloem.yaml"
    path.write_text("name: {nl: x, en: x}\nsource: HAN\n", encoding="utf-8")
    with pytest.raises(ReadinessError) as info:
        load_bloem(path)
    assert str(info.value) == (f"{path}: key 'definition' is missing "
                               "(compare with the shipped study/bloem.yaml)")
