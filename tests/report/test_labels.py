"""Labels of cleaning steps (report/labels.py): every step clean emits has a Dutch and an
English label in the catalogue."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd

from readiness_analysis.io import clean
from readiness_analysis.report.labels import step_label

STEP = "set invalid answers to missing"  # invalid_answers="missing": rejects no row


def test_every_step_clean_emits_has_a_dutch_and_an_english_label(rejecting_build, step_labels):
    log = pd.read_csv(rejecting_build / "cleaning_log.csv")
    emitted = set(log["step"])
    for lang in ("nl", "en"):
        assert emitted <= set(step_labels[lang]), emitted - set(step_labels[lang])
    # the fixture trips every labelled rejection step, so the labels are all in use
    acted = (log["rejected"] > 0) | (log["blank"] > 0)  # blank rows: set aside, not rejected
    # "set invalid answers to missing" (invalid_answers="missing") rejects no row; its
    # labels are checked below
    never_rejects = {"note", "set invalid answers to missing"}
    # the demo has no role or group column: tests/io/test_perspectives.py trips these
    never_rejects |= {"check role", "check group"}
    assert set(log.loc[acted, "step"]) == set(step_labels["nl"]) - never_rejects
    assert "note" in emitted


def _step_arguments(tree: ast.AST):
    """Step arguments in clean.py: reject(_, step), reject_where(_, _, _, step), _step(step)."""
    position = {"reject": 1, "reject_where": 3, "_step": 0}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            index = position.get(node.func.attr)
            if index is not None and len(node.args) > index:
                yield node.args[index]
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "step":
                    yield value


def test_step_names_written_in_clean_source_have_labels(step_labels):
    tree = ast.parse(Path(clean.__file__).read_text(encoding="utf-8"))
    literal, prefixes = set(), set()
    for arg in _step_arguments(tree):
        if isinstance(arg, ast.Constant):
            literal.add(arg.value)
        elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
            prefixes.add(arg.values[0].value)
    assert {"read", "note", "check answers", "drop duplicates"} <= literal
    assert literal <= set(step_labels["nl"]) & set(step_labels["en"])
    # f-string steps ("require {column}", "check {column}") over the meta columns
    assert prefixes == {"require ", "check "}
    for column in clean.REQUIRED:
        assert f"require {column}" in step_labels["nl"]
    for column in set(clean.META_COLUMNS) - set(clean.REQUIRED):
        assert f"check {column}" in step_labels["en"]


def test_dutch_and_english_labels_are_complete_and_readable(step_labels):
    assert set(step_labels["nl"]) == set(step_labels["en"])
    for step, label in step_labels["nl"].items():
        assert label != step and "_" not in label
        assert step_labels["en"][step][0].isupper() and "_" not in step_labels["en"][step]


def test_the_step_has_dutch_and_english_labels(step_labels):
    assert step_label(STEP, "nl") == "Ongeldige antwoorden leeg gemaakt"
    assert step_label(STEP, "en") == "Invalid answers set to missing"
    assert STEP in step_labels["nl"] and STEP in step_labels["en"]
