"""Where the report notebooks are, when a build is not told.

Kept apart, without imports beyond the standard library, so that a build that checks
whether anything changed (:mod:`readiness_analysis.build.unchanged`) finds them without
importing the analysis stack.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["INSTITUTION_NOTEBOOK", "STUDY_NOTEBOOK", "default_notebooks_dir"]

STUDY_NOTEBOOK = "study_report.ipynb"
INSTITUTION_NOTEBOOK = "institution_report.ipynb"


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
