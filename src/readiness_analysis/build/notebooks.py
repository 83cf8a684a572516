"""Where the report notebooks are, when a build is not told.

Kept apart, without imports beyond the standard library, so that a build that checks
whether anything changed (:mod:`readiness_analysis.build.unchanged`) finds them without
importing the analysis stack.
"""

from __future__ import annotations

import ast
import json
from importlib import resources
from pathlib import Path

__all__ = ["INSTITUTION_NOTEBOOK", "STUDY_NOTEBOOK", "default_notebooks_dir",
           "notebook_imports"]

STUDY_NOTEBOOK = "study_report.ipynb"
INSTITUTION_NOTEBOOK = "institution_report.ipynb"


def notebook_imports(folder: str | Path) -> tuple[str, ...]:
    """The modules the report notebooks in ``folder`` import, sorted.

    Every ``import`` statement of their code cells (at any depth, ``from . import``
    excepted); for ``from m import n``, both ``m`` and ``m.n`` (``n`` may be a
    submodule; a name that is not one fails to import and is skipped). A notebook or
    cell that cannot be read or parsed adds nothing. A build's
    kernels import these ahead of the first report
    (:func:`readiness_analysis.build.session.warm_up`).

    Examples
    --------
    >>> "readiness_analysis.report.data" in notebook_imports(default_notebooks_dir())
    True
    """
    modules: set[str] = set()
    for name in (STUDY_NOTEBOOK, INSTITUTION_NOTEBOOK):
        try:
            cells = json.loads((Path(folder) / name).read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        for cell in cells:
            source = cell.get("source", "") if isinstance(cell, dict) else ""
            try:
                tree = ast.parse("".join(source) if isinstance(source, list) else source)
            except (SyntaxError, ValueError, TypeError):
                continue  # IPython syntax (magics): not Python, nothing to import from it
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.add(node.module)  # and the names, which may be submodules
                    modules.update(f"{node.module}.{alias.name}" for alias in node.names
                                   if alias.name != "*")
    return tuple(sorted(modules))


def _has_notebooks(folder: Path) -> bool:
    return all((folder / name).is_file() for name in (STUDY_NOTEBOOK, INSTITUTION_NOTEBOOK))


def default_notebooks_dir() -> Path:
    """The report notebook folder to use when none is given.

    ``./notebooks`` when it holds both report notebooks; otherwise the ``notebooks``
    folder of the repository this package is installed from (an editable install:
    ``src/readiness_analysis`` → ``notebooks``), when that holds them; otherwise
    ``./notebooks``, which the build then reports as missing.

    Examples
    --------
    >>> default_notebooks_dir().name
    'notebooks'
    """
    here = Path("notebooks")
    if _has_notebooks(here):
        return here
    beside = _checkout_notebooks()
    return beside if _has_notebooks(beside) else here


def _checkout_notebooks() -> Path:
    """The ``notebooks`` folder of the source checkout the package runs from."""
    package = Path(str(resources.files("readiness_analysis"))).resolve()
    return package.parents[1] / "notebooks"  # src/readiness_analysis -> the checkout
