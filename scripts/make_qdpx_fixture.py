"""Build the small REFI-QDA project ``tests/fixtures/qda/example.qdpx``.

The project follows the REFI-QDA Project schema (Project-mrt2019.xsd, namespace
``urn:QDA-XML:project:1.0``): two users (coders), a codebook with nested codes, two
text sources (one stored as ``sources/<guid>.txt`` in the zip, one inline as
``PlainTextContent``) in two cases, and coded ``PlainTextSelection`` elements.
The zip is written with fixed timestamps, so rerunning the script gives the same file.

Usage::

    python scripts/make_qdpx_fixture.py [OUTPUT]
"""

from __future__ import annotations

import sys
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

NS = "urn:QDA-XML:project:1.0"
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "qda" / "example.qdpx"

ANNA = "11111111-1111-4111-8111-111111111111"
BRAM = "22222222-2222-4222-8222-222222222222"
READINESS = "c0000000-0000-4000-8000-000000000001"
TECHNOLOGY = "c0000000-0000-4000-8000-000000000002"
DIDACTICS = "c0000000-0000-4000-8000-000000000003"
FEEDBACK = "c0000000-0000-4000-8000-000000000004"
BARRIER = "c0000000-0000-4000-8000-000000000005"
NOORD = "a0000000-0000-4000-8000-000000000001"
ZUID = "a0000000-0000-4000-8000-000000000002"

NOORD_TEXT = "We werken met Teams. Docenten missen tijd voor feedback.\n"
ZUID_TEXT = "Het rooster is te vol voor blended leren."

# (guid, start, end, selection creatingUser, [(coding creatingUser or None, code guid)])
NOORD_SELECTIONS = [
    ("5e000000-0000-4000-8000-000000000001", 0, 20, ANNA, [(ANNA, TECHNOLOGY)]),
    ("5e000000-0000-4000-8000-000000000002", 21, 56, BRAM, [(None, FEEDBACK), (ANNA, BARRIER)]),
]
ZUID_SELECTIONS = [
    ("5e000000-0000-4000-8000-000000000003", 4, 21, BRAM, [(BRAM, BARRIER)]),
]


def _el(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{NS}}}{tag}", attrs)


def _codebook(project: ET.Element) -> None:
    codes = _el(_el(project, "CodeBook"), "Codes")
    readiness = _el(codes, "Code", guid=READINESS, name="Readiness", isCodable="false")
    _el(readiness, "Code", guid=TECHNOLOGY, name="Technology", isCodable="true")
    didactics = _el(readiness, "Code", guid=DIDACTICS, name="Didactics", isCodable="true")
    _el(didactics, "Code", guid=FEEDBACK, name="Feedback", isCodable="true")
    _el(codes, "Code", guid=BARRIER, name="Barrier", isCodable="true")


def _cases(project: ET.Element) -> None:
    cases = _el(project, "Cases")
    for guid, name, source in (
        ("ca000000-0000-4000-8000-000000000001", "ROC Noord", NOORD),
        ("ca000000-0000-4000-8000-000000000002", "ROC Zuid", ZUID),
    ):
        _el(_el(cases, "Case", guid=guid, name=name), "SourceRef", targetGUID=source)


def _selections(source: ET.Element, selections: list) -> None:
    for guid, start, end, user, codings in selections:
        selection = _el(
            source,
            "PlainTextSelection",
            guid=guid,
            startPosition=str(start),
            endPosition=str(end),
            creatingUser=user,
        )
        for number, (coder, code) in enumerate(codings, start=1):
            attrs = {"guid": str(uuid.uuid5(uuid.UUID(guid), f"coding {number}"))}
            if coder:
                attrs["creatingUser"] = coder
            _el(_el(selection, "Coding", **attrs), "CodeRef", targetGUID=code)


def _sources(project: ET.Element) -> None:
    sources = _el(project, "Sources")
    noord = _el(
        sources,
        "TextSource",
        guid=NOORD,
        name="interview_roc_noord",
        plainTextPath=f"internal://{NOORD}.txt",
    )
    _selections(noord, NOORD_SELECTIONS)
    zuid = _el(sources, "TextSource", guid=ZUID, name="interview_roc_zuid")
    _el(zuid, "PlainTextContent").text = ZUID_TEXT
    _selections(zuid, ZUID_SELECTIONS)


def project_xml() -> bytes:
    """Return the ``project.qde`` document of the example project."""
    ET.register_namespace("", NS)
    project = ET.Element(f"{{{NS}}}Project", {"name": "Blended readiness example"})
    users = _el(project, "Users")
    _el(users, "User", guid=ANNA, name="Anna")
    _el(users, "User", guid=BRAM, name="Bram")
    _codebook(project)
    _cases(project)
    _sources(project)
    ET.indent(project)
    return ET.tostring(project, encoding="utf-8", xml_declaration=True)


def write_qdpx(output: Path) -> Path:
    """Write the example project as a ``.qdpx`` zip to ``output``."""
    output.parent.mkdir(parents=True, exist_ok=True)
    members = {
        "project.qde": project_xml(),
        f"sources/{NOORD}.txt": NOORD_TEXT.encode("utf-8"),
    }
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return output


def main(argv: list[str]) -> int:
    """Write the fixture to ``argv[0]`` or the default path; print where."""
    output = Path(argv[0]) if argv else DEFAULT_OUTPUT
    print(write_qdpx(output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
