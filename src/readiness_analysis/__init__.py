"""readiness-analysis: Blended Learning readiness scans and interviews, analysed and reported.

The public API: load an instrument, clean scan data, compute theme scores, read coded
fragments, and build every report. See README.md for the workflow.

Importing the package is light: the errors are loaded at once, the rest (which needs
pandas, scipy or PyYAML) when first used, so that ``readiness --help`` starts quickly.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import (
    CodingError,
    DataValidationError,
    InstrumentError,
    Problem,
    ReadinessError,
    RenderError,
)

if TYPE_CHECKING:
    __version__: str
    from .instrument import Instrument, load_instrument
    from .reliability import ReliabilityResult, reliability

# Exported name -> submodule that defines it, imported on first access.
_LAZY = {
    "Instrument": "instrument",
    "load_instrument": "instrument",
    "ReliabilityResult": "reliability",
    "reliability": "reliability",
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
        value = _version()
    elif name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def _version() -> str:
    """The installed version (importlib.metadata takes a while to import: only on demand)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("readiness-analysis")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0.0.0+unknown"


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """Keeps ``readiness_analysis.reliability`` the function, as the eager import did.

    Importing the submodule ``readiness_analysis.reliability`` sets the package attribute
    of the same name to the module; the function of that name is kept there instead.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if _LAZY.get(name) == name and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
