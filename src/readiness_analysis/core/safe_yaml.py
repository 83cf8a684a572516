"""Read YAML defensively: the one loader for every YAML file the package reads.

Definition files (instrument, codebook, alias table, the published study, the text
catalogue) come from many hands, so PyYAML's safe loader is hardened further: a file is
UTF-8 and at most :data:`MAX_YAML_BYTES`; a mapping may not repeat a key; an alias may not
refer to the node that contains it; and the document may not expand to more than
:data:`MAX_YAML_VALUES` values through aliases ("billion laughs"). Every problem is raised
as the :class:`~readiness_analysis.core.errors.ReadinessError` subclass the caller names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from readiness_analysis.core.errors import InstrumentError, ReadinessError

__all__ = ["MAX_YAML_BYTES", "MAX_YAML_VALUES", "load_yaml"]

#: Largest definition file (instrument, codebook, alias table) the package reads.
MAX_YAML_BYTES = 5 * 2**20
#: Most values a definition file may expand to through YAML aliases.
MAX_YAML_VALUES = 200_000


class _UniqueKeys:
    """A constructor mixin refusing a mapping that repeats a key."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(
                        key_node, yaml.ScalarNode):
                    continue
                key = self.construct_object(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r} (first on line {seen[key]})",
                        key_node.start_mark)
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


class _StrictLoader(_UniqueKeys, yaml.SafeLoader):
    """PyYAML's safe loader, refusing duplicate keys and aliases that contain themselves."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._open_anchors: set[str] = set()

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            if event.anchor in self._open_anchors:
                raise yaml.composer.ComposerError(
                    None, None, f"alias *{event.anchor} refers to the node that contains it "
                    "(a cycle)", event.start_mark)
            return super().compose_node(parent, index)
        anchor = self.peek_event().anchor
        if anchor is not None:
            self._open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._open_anchors.discard(anchor)


# libyaml (PyYAML's C parser) reads a definition file about ten times faster than the
# pure-Python parser, which a report kernel would otherwise pay for its catalogue, the
# instrument and the study. The alias checks need the Python composer, so only a
# document without aliases (no "*", the only way to write one) takes the C way; libyaml
# limits nesting itself.
_FAST = (type("_StrictCLoader", (_UniqueKeys, yaml.CSafeLoader), {})
         if hasattr(yaml, "CSafeLoader") else None)


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Values the node graph expands to when aliases are copied out (stops past limit)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        children = ([n for pair in node.value for n in pair]
                    if isinstance(node, yaml.MappingNode) else list(node.value))
        if children_done:
            sizes[id(node)] = min(limit + 1, 1 + sum(sizes[id(c)] for c in children))
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def load_yaml(
    path_or_text: str | Path,
    *,
    source: str | None = None,
    error: type[ReadinessError] = InstrumentError,
    max_bytes: int = MAX_YAML_BYTES,
) -> Any:
    r"""Read a definition file (YAML) defensively.

    The file must be UTF-8 and at most ``max_bytes``; it is parsed with PyYAML's safe
    loader, and refused when a mapping repeats a key, an alias refers to the node that
    contains it (a cycle), it expands to more than :data:`MAX_YAML_VALUES` values through
    aliases ("billion laughs"), or it nests too deeply.

    Parameters
    ----------
    path_or_text : Path or str
        A file (``Path``), or the YAML text itself (``str``, then give ``source``).
    source : str, optional
        The name used in messages (default: the path).
    error : type of ReadinessError
        The exception raised for every problem, with ``file`` and, for syntax errors,
        ``row`` (the 1-based line).
    max_bytes : int
        Largest file accepted.

    Returns
    -------
    object
        The parsed document (``None`` for an empty file).

    Examples
    --------
    >>> load_yaml("a: 1\nb: [x, y]\n", source="t.yaml")
    {'a': 1, 'b': ['x', 'y']}
    >>> load_yaml("a: 1\na: 2\n", source="t.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    readiness_analysis.core.errors.InstrumentError: t.yaml:2: not valid YAML: duplicate key 'a' ...
    """
    if isinstance(path_or_text, Path):
        source = source or str(path_or_text)
        try:
            size = path_or_text.stat().st_size
            if size > max_bytes:
                raise error(f"file is {size / 2**20:.1f} MB; a definition file is at most "
                            f"{max_bytes / 2**20:g} MB", file=source,
                            hint="is this the right file?")
            text = path_or_text.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise error(f"cannot read the file: {exc.strerror or exc}", file=source,
                        hint="check the path") from exc
        except UnicodeDecodeError as exc:
            raise error(f"not UTF-8 text (byte {exc.start})", file=source,
                        hint="save the file as UTF-8") from exc
    else:
        text = path_or_text
    loader, fast = None, False
    try:
        fast = _FAST is not None and "*" not in text
        loader = (_FAST if fast else _StrictLoader)(text)
        node = loader.get_single_node()
        if node is not None and _expanded_size(node, MAX_YAML_VALUES) > MAX_YAML_VALUES:
            raise error(f"the file expands to more than {MAX_YAML_VALUES:,} values through "
                        "aliases", file=source,
                        hint="write the definition out without nested &anchors and *aliases")
        return None if node is None else loader.construct_document(node)
    except yaml.reader.ReaderError as exc:  # the C and the Python reader word it apart
        position = exc.position  # libyaml counts UTF-8 bytes, the Python reader characters
        if fast:
            position = len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))
        line_start = text.rfind("\n", 0, position) + 1
        raise error(f"not valid YAML: character U+{exc.character:04X} (column "
                    f"{position - line_start + 1}) is not allowed in YAML", file=source,
                    row=text.count("\n", 0, position) + 1,
                    hint="remove the control character; is this the right file?") from None
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in str(exc.problem):  # libyaml's limit
            raise error("not valid YAML: nested too deeply", file=source,
                        hint="is this the right file?") from None
        mark = exc.problem_mark or exc.context_mark
        raise error(f"not valid YAML: {exc.problem or exc.context}", file=source,
                    row=None if mark is None else mark.line + 1,
                    hint="fix the YAML syntax at this line") from None
    except yaml.YAMLError as exc:
        raise error(f"not valid YAML: {' '.join(str(exc).split())}", file=source,
                    hint="is this the right file?") from None
    except RecursionError:
        raise error("not valid YAML: nested too deeply", file=source,
                    hint="is this the right file?") from None
    finally:
        if loader is not None:
            loader.dispose()
