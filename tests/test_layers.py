"""The architecture holds: layer contracts (import-linter) and imports at module level.

The contracts live in pyproject.toml (``[tool.importlinter]``): each layer imports only
from itself and the layers below it (core < spec < io < stats < report < build < cli),
and the modules of a layer import each other without cycles.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .paths import ROOT

PACKAGE = ROOT / "src" / "readiness_analysis"
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command as c; "
        "sys.exit(c())", "--no-cache"]
# Modules that may import package modules inside functions: the CLI imports the
# pandas-heavy layers only for the command that needs them, so `readiness --help` is fast.
LAZY_IMPORTERS = {"cli.py", "__init__.py"}


def _lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run(LINT, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_package_keeps_its_layer_contracts(repo_root):
    result = _lint(repo_root, repo_root / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(("module", "planted", "broken"), [
    ("core/clock.py", "import readiness_analysis.report.text\n",
     "readiness_analysis.core is not allowed to import readiness_analysis.report"),
    ("stats/compare.py", "from readiness_analysis.build import pipeline\n",
     "readiness_analysis.stats is not allowed to import readiness_analysis.build"),
    ("report/plots.py", "from readiness_analysis.report import institution\n",
     "No cycles are allowed in readiness_analysis.report"),
])
def test_the_contracts_fail_on_a_planted_violation(tmp_path, module, planted, broken, repo_root):
    shutil.copytree(PACKAGE, tmp_path / "src" / "readiness_analysis",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(repo_root / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "src" / "readiness_analysis" / module
    target.write_text(target.read_text(encoding="utf-8") + "\n" + planted, encoding="utf-8")
    result = _lint(tmp_path, tmp_path / "src")
    assert result.returncode != 0
    assert broken in result.stdout


def _function_imports(path: Path) -> list[str]:
    """Package imports made inside a function of ``path``, as 'line: module'."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and (
                    inner.level or (inner.module or "").startswith("readiness_analysis")):
                found.append(f"{inner.lineno}: {inner.module}")
            elif isinstance(inner, ast.Import):
                found += [f"{inner.lineno}: {a.name}" for a in inner.names
                          if a.name.startswith("readiness_analysis")]
    return found


def test_package_modules_import_each_other_at_module_level():
    hidden = {str(p.relative_to(PACKAGE)): _function_imports(p)
              for p in PACKAGE.rglob("*.py") if p.name not in LAZY_IMPORTERS}
    assert {k: v for k, v in hidden.items() if v} == {}


def test_the_function_import_check_sees_a_hidden_import(tmp_path):
    planted = tmp_path / "m.py"
    planted.write_text("def f():\n    from readiness_analysis.core import clock\n")
    assert _function_imports(planted) == ["2: readiness_analysis.core"]
