"""A check of project.qde files against the content model of the REFI-QDA project schema.

No XML-schema validator (lxml, xmlschema) is a dependency, so the elements the test
projects use are transcribed here from ``Project-mrt2019.xsd`` (QDA-XML 1.0, release
18 March 2019, as QualCoder ships it in ``src/qualcoder/xsd.py``): for each element the
children of its ``xsd:sequence`` in order (with ``maxOccurs``), which children are
required (``minOccurs`` 1), the required attributes, and the attributes of ``GUIDType``
(whose pattern is checked). ``Sources`` is the schema's unbounded ``xsd:choice``;
``VariableValue`` is ``VariableRef`` then a choice of one value element. Elements the
test projects do not use (notes, links, sets, graphs, media selections) are refused, so
a project passes only if it uses what this transcription covers.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

NS = "urn:QDA-XML:project:1.0"
MANY = None  # maxOccurs="unbounded"
GUID = re.compile(
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"|(\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})")
VARIABLE_TYPES = {"Text", "Boolean", "Integer", "Float", "Date", "DateTime"}
VALUES = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue",
          "DateTimeValue")
_REF = ((), (), {"targetGUID"}, {"targetGUID"})
_SELECTION_GUIDS = {"guid", "creatingUser", "modifyingUser"}

# element: (sequence of (child, maxOccurs), required children, required attrs, GUID attrs)
MODEL: dict[str, tuple] = {
    "Project": ((("Users", 1), ("CodeBook", 1), ("Variables", 1), ("Cases", 1),
                 ("Sources", 1), ("Description", 1)), (), {"name"},
                {"creatingUserGUID", "modifyingUserGUID"}),
    "Users": ((("User", MANY),), ("User",), set(), set()),
    "User": ((), (), {"guid"}, {"guid"}),
    "CodeBook": ((("Codes", 1),), ("Codes",), set(), set()),
    "Codes": ((("Code", MANY),), ("Code",), set(), set()),
    "Code": ((("Description", 1), ("Code", MANY)), (), {"guid", "name", "isCodable"},
             {"guid"}),
    "Variables": ((("Variable", MANY),), ("Variable",), set(), set()),
    "Variable": ((("Description", 1),), (), {"guid", "name", "typeOfVariable"}, {"guid"}),
    "Cases": ((("Case", MANY),), ("Case",), set(), set()),
    "Case": ((("Description", 1), ("CodeRef", MANY), ("VariableValue", MANY),
              ("SourceRef", MANY), ("SelectionRef", MANY)), (), {"guid"}, {"guid"}),
    "TextSource": ((("Description", 1), ("PlainTextContent", 1),
                    ("PlainTextSelection", MANY), ("Coding", MANY), ("VariableValue", MANY)),
                   (), {"guid"}, _SELECTION_GUIDS),
    "PlainTextSelection": ((("Description", 1), ("Coding", MANY)), (),
                           {"guid", "startPosition", "endPosition"}, _SELECTION_GUIDS),
    "Coding": ((("CodeRef", 1),), ("CodeRef",), {"guid"}, {"guid", "creatingUser"}),
    "CodeRef": _REF, "SourceRef": _REF, "SelectionRef": _REF, "VariableRef": _REF,
}
TEXT_ONLY = {"Description", "PlainTextContent", *VALUES}


def _local(element: ET.Element) -> str:
    namespace, _, name = element.tag[1:].partition("}")
    if namespace != NS:
        raise AssertionError(f"{element.tag}: not in namespace {NS}")
    return name


def _check_attributes(name: str, element: ET.Element, required, guids) -> list[str]:
    errors = [f"{name}: attribute {a} is required" for a in sorted(required)
              if a not in element.attrib]
    errors += [f"{name}: {a}={element.get(a)!r} is not a GUID" for a in sorted(guids)
               if a in element.attrib and not GUID.fullmatch(element.get(a))]
    if name == "Variable" and element.get("typeOfVariable") not in VARIABLE_TYPES:
        errors.append(f"Variable: typeOfVariable {element.get('typeOfVariable')!r}")
    for a in ("startPosition", "endPosition"):
        if a in element.attrib and not re.fullmatch(r"[+-]?\d+", element.get(a)):
            errors.append(f"{name}: {a} is not an integer")
    return errors


def _check_sequence(name: str, children: list[str], sequence, required) -> list[str]:
    if name == "Sources":
        return [f"Sources: {c} is not a text source" for c in children if c != "TextSource"]
    if name == "VariableValue":
        ok = children[:1] == ["VariableRef"] and len(children) <= 2 and all(
            c in VALUES for c in children[1:])
        return [] if ok else [f"VariableValue: children {children}"]
    errors, position, count, last = [], 0, 0, None
    names = [child for child, _ in sequence]
    for child in children:
        if child not in names[position:]:
            errors.append(f"{name}: {child} not allowed here (children {children})")
            continue
        found = names.index(child, position)
        count = count + 1 if child == last else 1
        position, last = found, child
        if sequence[found][1] == 1 and count > 1:
            errors.append(f"{name}: {child} more than once")
    errors += [f"{name}: {c} is required" for c in required if c not in children]
    return errors


def schema_errors(qde: str | bytes) -> list[str]:
    """What in ``qde`` breaks the transcribed content model (empty: it conforms)."""
    root = ET.fromstring(qde)
    if _local(root) != "Project":
        return [f"root element is {root.tag}"]
    errors: list[str] = []
    for element in root.iter():
        name = _local(element)
        children = [_local(child) for child in element]
        if name in TEXT_ONLY:
            errors += [f"{name}: has child elements"] if children else []
            continue
        if name not in MODEL and name not in ("Sources", "VariableValue"):
            errors.append(f"{name}: not covered by this check")
            continue
        sequence, required, attributes, guids = MODEL.get(name, ((), (), set(), set()))
        errors += _check_sequence(name, children, sequence, required)
        errors += _check_attributes(name, element, attributes, guids)
    return errors
