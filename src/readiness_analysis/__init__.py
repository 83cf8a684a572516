"""readiness-analysis: Blended Learning readiness scans and interviews, analysed and reported.

The public API: load an instrument, clean scan data, compute theme scores, read coded
fragments, and build every report. See README.md for the workflow.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("readiness-analysis")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

from .errors import (
    CodingError,
    DataValidationError,
    InstrumentError,
    Problem,
    ReadinessError,
    RenderError,
)
from .instrument import Instrument, load_instrument
from .reliability import ReliabilityResult, reliability

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
