"""Tests for readiness_analysis.core.errors: one hierarchy, in one file, picklable."""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
import warnings

import pytest

import readiness_analysis
from readiness_analysis.core import errors
from readiness_analysis.core.errors import ReadinessError, ReadinessWarning

ERRORS = [c for c in vars(errors).values()
          if inspect.isclass(c) and issubclass(c, Exception) and not issubclass(c, Warning)]
WARNINGS = [c for c in vars(errors).values() if inspect.isclass(c) and issubclass(c, Warning)]


def _package_modules():
    for info in pkgutil.walk_packages(readiness_analysis.__path__, "readiness_analysis."):
        yield importlib.import_module(info.name)


def test_every_error_and_warning_class_of_the_package_is_defined_in_core_errors():
    stray = sorted(
        f"{module.__name__}.{name}"
        for module in _package_modules()
        for name, value in vars(module).items()
        if inspect.isclass(value) and issubclass(value, (Exception, Warning))
        and value.__module__.startswith("readiness_analysis")
        and value.__module__ != errors.__name__ and not name.startswith("_")
    )
    assert stray == []


def test_errors_derive_from_one_base_and_warnings_from_another():
    assert {c.__name__ for c in ERRORS} >= {
        "ReliabilityError", "StructureError", "TooFewRespondentsError", "ComparisonError",
        "TooFewScoresError", "ContractError", "CodingError", "InstrumentError", "StudyError",
        "AccountingError"}
    assert all(issubclass(c, ReadinessError) for c in ERRORS)
    assert {c.__name__ for c in WARNINGS} == {
        "ReadinessWarning", "CodingWarning", "ReliabilityWarning", "StructureWarning",
        "AccountingWarning"}
    assert all(issubclass(c, ReadinessWarning) and issubclass(c, UserWarning) for c in WARNINGS)
    assert set(errors.__all__) >= {c.__name__ for c in ERRORS + WARNINGS}


@pytest.mark.parametrize("cls", [c for c in ERRORS if c is not errors.DataValidationError],
                         ids=lambda c: c.__name__)
def test_errors_survive_pickling_with_their_context(cls):
    error = cls("too few items", hint="add items", file="scan.csv", row=3, column="V1")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error) == "scan.csv:3:V1: too few items (add items)"
    assert (copy.hint, copy.file, copy.row, copy.column) == ("add items", "scan.csv", 3, "V1")


def test_data_validation_errors_survive_pickling_with_their_problems():
    problems = [errors.Problem("a.csv", 2, "V1", "not a number", "use 1-5")]
    copy = pickle.loads(pickle.dumps(errors.DataValidationError(problems)))
    assert copy.problems == tuple(problems) and str(copy) == "a.csv:2:V1: not a number (use 1-5)"


@pytest.mark.parametrize("cls", WARNINGS, ids=lambda c: c.__name__)
def test_warnings_survive_pickling_and_one_filter_catches_them_all(cls):
    assert str(pickle.loads(pickle.dumps(cls("look at this")))) == "look at this"
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReadinessWarning)
        with pytest.raises(cls):
            warnings.warn(cls("look at this"), stacklevel=1)


@pytest.mark.parametrize(("module", "names"), [
    ("readiness_analysis.stats.reliability", ["ReliabilityError", "ReliabilityWarning"]),
    ("readiness_analysis.stats.structure",
     ["StructureError", "StructureWarning", "TooFewRespondentsError"]),
    ("readiness_analysis.stats.compare", ["ComparisonError", "TooFewScoresError"]),
    ("readiness_analysis.io.contracts", ["ContractError"]),
    ("readiness_analysis.io.qda", ["CodingWarning"]),
])
def test_the_modules_that_raise_them_still_export_them(module, names):
    imported = importlib.import_module(module)
    for name in names:
        assert getattr(imported, name) is getattr(errors, name)
        assert name in imported.__all__
