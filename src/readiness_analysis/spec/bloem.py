"""The HAN Blended Leren Bloem: the definition of blended learning recommendation R1 proposes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.core.safe_yaml import load_yaml
from readiness_analysis.core.words import Localised

__all__ = ["BLOEM_FILE", "Bloem", "Environment", "load_bloem"]


BLOEM_FILE = "bloem.yaml"


@dataclass(frozen=True)
class Environment:
    """One learning environment (petal) of the HAN Blended Leren Bloem.

    ``paraphrase`` is our own one-line description, not a quote.
    """

    id: str
    label: dict[str, str]
    paraphrase: dict[str, str]
    added_in_new_definition: bool = False


@dataclass(frozen=True)
class Bloem:
    """The HAN Blended Leren Bloem; build it with :func:`load_bloem`.

    ``definition`` is the verbatim Dutch quote; ``translation_en`` and ``note`` are ours.
    """

    name: dict[str, str]
    definition: str
    translation_en: str
    source: str
    cited_in: dict[str, str]
    environments: tuple[Environment, ...]
    note: dict[str, str]


def load_bloem(path: str | Path | None = None) -> Bloem:
    """Read the HAN Blended Leren Bloem (definition and learning environments).

    Parameters
    ----------
    path : str or Path, optional
        A YAML file in the format of the shipped ``study/bloem.yaml`` (the default).

    Raises
    ------
    ReadinessError
        When the file cannot be read or is not valid YAML (see
        :func:`~readiness_analysis.core.safe_yaml.load_yaml`), or a required key is
        missing, naming the file and the key.

    Examples
    --------
    >>> bloem = load_bloem()
    >>> [e.id for e in bloem.environments], bloem.source
    (['online', 'campus', 'werkplek', 'samenleving'], 'HAN (2022)')
    """
    if path is None:
        ref = resources.files("readiness_analysis.spec") / "study" / BLOEM_FILE
        source = f"<package>/study/{BLOEM_FILE}"
        raw = load_yaml(ref.read_text(encoding="utf-8"), source=source, error=ReadinessError)
    else:
        source = str(path)
        raw = load_yaml(Path(path), error=ReadinessError)
    raw = raw or {}
    need = _needer(source)
    definition = need(raw, "definition")
    return Bloem(
        name=Localised(need(raw, "name")),
        definition=" ".join(str(need(definition, "nl")).split()),
        translation_en=str(definition.get("translation_en", "")),
        source=str(need(raw, "source")),
        cited_in=Localised(raw.get("cited_in") or {}),
        environments=tuple(_environment(e, need) for e in need(raw, "environments")),
        note=Localised(need(need(raw, "note"), "paraphrase")),
    )


def _needer(source: str) -> Callable[[Any, str], Any]:
    def need(raw: Any, key: str) -> Any:
        if not isinstance(raw, dict) or raw.get(key) in (None, "", [], {}):
            raise ReadinessError(f"key {key!r} is missing", file=source,
                                 hint="compare with the shipped study/bloem.yaml")
        return raw[key]

    return need


def _environment(raw: Any, need: Callable[[Any, str], Any]) -> Environment:
    return Environment(
        id=str(need(raw, "id")),
        label=Localised(need(raw, "label")),
        paraphrase=Localised(need(raw, "paraphrase")),
        added_in_new_definition=bool(raw.get("added_in_new_definition", False)),
    )
