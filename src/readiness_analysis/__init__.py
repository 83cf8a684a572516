"""readiness-analysis: Blended Learning readiness scans and interviews, analysed and reported.

The public API: load an instrument, compute reliability, and (in the layers below) clean
scan data, compute theme scores, read coded fragments and build every report. See
README.md for the workflow.

The package is cut into layers, each a subpackage that imports only from itself and the
layers below it (checked by import-linter in ``make test``; see ``[tool.importlinter]``
in pyproject.toml)::

    cli      the command line: gathers options, calls build
    build    the pipeline: prepare processed data, render notebooks, index, manifest
    report   what a reader sees: text catalogue, numbers, tables, figures, sections
    stats    statistics on clean tables: numbers and codes, no language, no HTML
    io       reading and checking input files: scans, fragments, documents, QDA exports
    spec     what the study is: instrument, codebook, the published study, the Bloem
    core     errors, file names and columns, safe YAML, atomic files, the clock

Why these cuts: the statistics are checked against R and must not change when a sentence
does, so they carry no language; everything a reader sees goes through one text
catalogue in ``report``; the definitions of the study (``spec``) are data that input
readers check against, so they sit below ``io``; ``build`` is the only layer that knows
about notebooks, kernels and the file system layout of a build.

Importing the package is light: the errors are loaded at once, the rest (which needs
pandas, scipy or PyYAML) when first used, so that ``readiness --help`` starts quickly.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from readiness_analysis.core.errors import (
    CodingError,
    DataValidationError,
    InstrumentError,
    Problem,
    ReadinessError,
    RenderError,
)
from readiness_analysis.core.version import package_version

if TYPE_CHECKING:
    __version__: str
    from readiness_analysis.spec.instrument import Instrument, load_instrument
    from readiness_analysis.stats.reliability import ReliabilityResult, reliability

# Exported name -> submodule that defines it, imported on first access.
_LAZY = {
    "Instrument": "spec.instrument",
    "load_instrument": "spec.instrument",
    "ReliabilityResult": "stats.reliability",
    "reliability": "stats.reliability",
}

__all__ = [
    "CodingError",
    "DataValidationError",
    "Instrument",
    "InstrumentError",
    "Problem",
    "ReadinessError",
    "ReliabilityResult",
    "RenderError",
    "__version__",
    "load_instrument",
    "reliability",
]


def __getattr__(name: str) -> Any:
    """Import an exported name's submodule on first access (PEP 562)."""
    if name == "__version__":
        value = package_version()
    elif name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
