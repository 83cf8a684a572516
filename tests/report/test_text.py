"""The text catalogue (report/text.py, report/locale/*.yaml): complete, consistent, asked for.

Every language file has the same keys and the same ``{placeholders}`` per key; every key
the code asks for exists in every language; an unknown key or language is a
ReadinessError; nothing in the report layer branches on a language name.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

import readiness_analysis.report as report_package
from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.io.documents import DEFINITIONS, KINDS
from readiness_analysis.report import documents
from readiness_analysis.report.text import CONSTANTS, catalogue, languages, placeholders, text
from readiness_analysis.spec.codebook import VALENCES
from readiness_analysis.stats import compare
from readiness_analysis.stats.agreement import ALPHA_BANDS, KAPPA_BANDS
from readiness_analysis.stats.ranking import BASES

REPORT = Path(report_package.__file__).parent
SOURCES = sorted(REPORT.glob("*.py"))
NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))

# Functions whose first argument is a catalogue key.
KEY_FUNCTIONS = {"text", "heading", "paragraph", "_with_pooled"}
# report/institution.py _with_pooled(key, ...) also asks for f"{key}_own" (pooled withheld).
WITH_OWN = "_with_pooled"


def _calls(tree: ast.AST, lookups: bool = True):
    """Calls of text(), heading(), paragraph() and catalogue lookups t["..."], with their key.

    ``t`` is ``catalogue(lang)`` by convention; documents.py's ``t`` holds the inventory's
    groups instead (checked in test_the_document_inventory_has_words_for_every_code).
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name in KEY_FUNCTIONS:
                yield node.args[0]
        if (lookups and isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and node.value.id == "t" and isinstance(node.slice, ast.Constant)):
            yield node.slice


def _key_arguments() -> tuple[set[str], set[str]]:
    """Literal keys, and the constant prefixes of f-string keys, the code asks for."""
    literal, prefixes = set(), set()
    trees = [(ast.parse(path.read_text(encoding="utf-8")), path.name != "documents.py")
             for path in SOURCES]
    for notebook in NOTEBOOKS:
        cells = nbformat.read(notebook, as_version=4).cells
        trees += [(ast.parse(c.source), True) for c in cells if c.cell_type == "code"]
    for tree, lookups in trees:
        for arg in _calls(tree, lookups):
            for value in _alternatives(arg):
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    literal.add(value.value)
                elif isinstance(value, ast.JoinedStr):
                    head = value.values[0]
                    prefixes.add(head.value if isinstance(head, ast.Constant) else "")
    return literal, prefixes


def _alternatives(arg: ast.AST):
    """The branches of ``a if c else b`` keys, or the key itself."""
    if isinstance(arg, ast.IfExp):
        yield from _alternatives(arg.body)
        yield from _alternatives(arg.orelse)
    else:
        yield arg


def _dict_values(name: str, module: Path) -> set[str]:
    """String values of a module-level dict literal (key tables such as _RULES)."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
                and any(getattr(t, "id", None) == name for t in node.targets)):
            return {v.value for v in node.value.values if isinstance(v, ast.Constant)}
    raise AssertionError(f"{name} not found in {module.name}")


def test_there_are_at_least_the_two_report_languages():
    assert {"nl", "en"} <= set(languages())


@pytest.mark.parametrize("lang", [lang for lang in languages() if lang != "nl"])
def test_every_language_has_the_same_keys(lang):
    reference, other = catalogue("nl"), catalogue(lang)
    assert set(reference) - set(other) == set(), f"missing in {lang}"
    assert set(other) - set(reference) == set(), f"only in {lang}"


@pytest.mark.parametrize("lang", [lang for lang in languages() if lang != "nl"])
def test_every_key_has_the_same_placeholders_in_every_language(lang):
    reference, other = catalogue("nl"), catalogue(lang)
    for key in reference:
        ours, theirs = placeholders(reference[key]), placeholders(other[key])
        assert ours == theirs, (key, ours, theirs)


@pytest.mark.parametrize("lang", languages())
def test_every_text_renders_with_its_placeholders_filled(lang):
    for key, template in catalogue(lang).items():
        values = dict.fromkeys(placeholders(template) - set(CONSTANTS), "x")
        try:
            text(key, lang, **values)
        except (ValueError, IndexError) as exc:  # a stray brace or positional field
            raise AssertionError(f"{lang}: {key}: {exc}") from exc


def test_every_literal_key_the_code_asks_for_exists():
    literal, _ = _key_arguments()
    assert {"synthetic", "ranking.scan", "columns.factor", "inventory.illustrative"} <= literal
    for lang in languages():
        missing = literal - set(catalogue(lang))
        assert not missing, (lang, sorted(missing))


def test_every_key_with_a_withheld_pooled_figure_has_its_own_only_form():
    tree = ast.parse((REPORT / "institution.py").read_text(encoding="utf-8"))
    keys = {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == WITH_OWN
            and isinstance(node.args[0], ast.Constant)}
    assert {"ranking.scan", "page_one.reason", "rank_check.strength_item"} <= keys
    for lang in languages():
        assert {f"{k}_own" for k in keys} <= set(catalogue(lang)), lang


def test_every_key_built_at_run_time_is_enumerable_and_exists():
    _, prefixes = _key_arguments()
    enumerations = {
        "valence.": [f"valence.{v}" for v in VALENCES]
        + [f"valence.{v}_title" for v in VALENCES],
        "band.kappa.": [f"band.kappa.{b}" for b in KAPPA_BANDS],
        "band.alpha.": [f"band.alpha.{b}" for b in ALPHA_BANDS],
    }
    for prefix in prefixes - set(enumerations):  # keys of page.py (index.*), at least a group
        for lang in languages():
            assert any(k.startswith(prefix) for k in catalogue(lang)), (lang, prefix)
    tables = [_dict_values(name, REPORT / module) for name, module in (
        ("_RULES", "institution.py"), ("_INTROS", "institution.py"))]
    statuses = [f"test_status.{s}" for s in (compare.STATUS_OK, compare.STATUS_TOO_SMALL,
                                             compare.STATUS_ONE_GROUP,
                                             compare.STATUS_CONSTANT)]
    wanted = {*statuses, *(k for keys in enumerations.values() for k in keys),
              *(k for table in tables for k in table)}
    assert len(_dict_values("_RULES", REPORT / "institution.py")) == len(BASES)
    for lang in languages():
        assert wanted <= set(catalogue(lang)), (lang, sorted(wanted - set(catalogue(lang))))


def test_the_document_inventory_has_words_for_every_code():
    for lang in languages():
        words = documents._labels(lang)
        assert set(KINDS) <= set(words["kinds"])
        assert set(DEFINITIONS) <= set(words["definitions"])
        assert {"yes", "no", "partly", "unknown", "none", "nothing"} <= set(words["answers"])
        assert {"present", "partly", "missing", "unknown"} <= set(words["status"])
        assert {aspect for _, aspect in documents.VISION_ITEMS} <= set(words["aspects"])
        assert {"known", "concrete", "shared"} <= set(words["say"])
        assert set(documents.ELEMENTS) <= set(words["columns"])
        assert {"environments", "added", "source", "translation", "own_words"} <= set(
            words["bloem"])


def test_an_unknown_key_or_language_is_a_readiness_error():
    with pytest.raises(ReadinessError, match="no report text 'no such key'"):
        text("no such key", "en")
    with pytest.raises(ReadinessError, match="unknown report language 'xx'"):
        text("synthetic", "xx")
    with pytest.raises(ReadinessError, match="unknown report language"):
        catalogue("xx")
    with pytest.raises(ReadinessError, match="needs a value for 'wave'"):
        text("scope.wave", "en")


def test_constants_fill_placeholders_without_the_caller():
    assert "3" in text("suppressed", "en", units="interviews")
    assert CONSTANTS["min_fragments"] == 5
    assert "from 5 on" in text("ranking.rule", "en", scan_weight="70%", interview_weight="30%",
                               called="the guide")


_LANGUAGE_BRANCH = re.compile(r"""lang\s*[!=]=\s*["']|["'](nl|en)["']\s*:\s*[{("']""")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_report_module_branches_on_a_language_name(path):
    """A third language is one catalogue file: no ``if lang == "nl"``, no {"nl": ...} tables."""
    source = path.read_text(encoding="utf-8")
    assert not _LANGUAGE_BRANCH.search(source), _LANGUAGE_BRANCH.search(source).group(0)
