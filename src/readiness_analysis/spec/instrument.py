"""Load and validate a readiness-scan instrument definition (YAML).

The instrument says which items the scan has, which theme each belongs to, which are
reverse-keyed, what the answer scale is and which answers mean "missing". Everything
downstream (cleaning, indices, reports) reads the instrument instead of hard-coding items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from readiness_analysis.core.errors import InstrumentError
from readiness_analysis.core.safe_yaml import load_yaml
from readiness_analysis.core.words import Localised

__all__ = [
    "DEFAULT_INSTRUMENT",
    "RECOMMENDATIONS",
    "SHIPPED",
    "Instrument",
    "Item",
    "Theme",
    "load_instrument",
    "source_file",
]

DEFAULT_INSTRUMENT = "blended_readiness_v1.yaml"
# How provenance names a file shipped with the package (see source_file).
SHIPPED = "<package>/"
# The ids of the study's recommendations, in the guide's order.
RECOMMENDATIONS = ("R1", "R2", "R3", "R4", "R5")
_FORMAT_HINT = "see 'The instrument format' in README.md"


@dataclass(frozen=True)
class Theme:
    """A factor of the scan, scored as the mean of its items."""

    id: str
    label: dict[str, str]
    recommendation: str | None


@dataclass(frozen=True)
class Item:
    """One question of the scan."""

    id: str
    theme: str
    text: dict[str, str]
    reverse: bool = False


@dataclass(frozen=True)
class Instrument:
    """A validated instrument definition; build it with :func:`load_instrument`."""

    id: str
    version: str
    title: dict[str, str]
    scale: dict[int, dict[str, str]]
    themes: tuple[Theme, ...]
    items: tuple[Item, ...]
    missing: tuple[str, ...] = ()
    min_items: int = 1
    agree_from: int | None = None
    note: dict[str, str] = field(default_factory=dict)
    source: str = field(default="", compare=False)

    @property
    def item_ids(self) -> list[str]:
        """Item ids in instrument order."""
        return [item.id for item in self.items]

    @property
    def theme_ids(self) -> list[str]:
        """Theme ids in instrument order."""
        return [theme.id for theme in self.themes]

    @property
    def scale_min(self) -> int:
        """Lowest answer value."""
        return min(self.scale)

    @property
    def scale_max(self) -> int:
        """Highest answer value."""
        return max(self.scale)

    def theme(self, theme_id: str) -> Theme:
        """Return the theme with this id."""
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise InstrumentError(f"unknown theme {theme_id!r}", hint=f"known: {self.theme_ids}")

    def items_of(self, theme_id: str) -> list[str]:
        """Item ids of one theme, in instrument order."""
        return [item.id for item in self.items if item.theme == theme_id]

    def theme_label(self, theme_id: str, lang: str = "nl") -> str:
        """Label of a theme in ``lang`` (``nl`` or ``en``)."""
        return self.theme(theme_id).label[lang]


def load_instrument(path: str | Path | None = None) -> Instrument:
    """Read and validate an instrument definition.

    Parameters
    ----------
    path : str or Path, optional
        A YAML file. Default: the instrument shipped with the package
        (a reconstruction of the HAN Blended Leren Readiness Scan).

    Returns
    -------
    Instrument

    Raises
    ------
    InstrumentError
        When the file cannot be read or breaks a rule: duplicate ids, an item in an
        unknown theme, a theme without items, an incomplete scale, a bad recommendation.

    Examples
    --------
    >>> instrument = load_instrument()
    >>> instrument.items_of("vision")
    ['vis_1', 'vis_2', 'vis_3', 'vis_4']
    """
    if path is None:
        ref = resources.files("readiness_analysis.spec") / "instruments" / DEFAULT_INSTRUMENT
        source = f"{SHIPPED}{DEFAULT_INSTRUMENT}"
        raw = load_yaml(ref.read_text(encoding="utf-8"), source=source)
    else:
        source = str(path)
        raw = load_yaml(Path(path))
    return _build(raw, source)


def source_file(source: str, folder: str = "instruments") -> Path | Traversable:
    """The file a recorded ``source`` names: shipped (``<package>/name``) or a path.

    Provenance records a shipped instrument or codebook as ``<package>/<file name>``;
    those files live in ``spec/<folder>/`` (``instruments`` or ``codebooks``).

    Examples
    --------
    >>> source_file("<package>/blended_readiness_v1.yaml").name
    'blended_readiness_v1.yaml'
    >>> source_file("my/instrument.yaml")
    PosixPath('my/instrument.yaml')
    """
    if source.startswith(SHIPPED):
        return resources.files("readiness_analysis.spec") / folder / source.removeprefix(SHIPPED)
    return Path(source)


def _need(raw: dict[str, Any], key: str, source: str, where: str = "") -> Any:
    if not isinstance(raw, dict) or key not in raw or raw[key] in (None, "", []):
        raise InstrumentError(f"missing key {key!r}{where}", file=source, hint=_FORMAT_HINT)
    return raw[key]


def _text(value: Any, source: str, what: str) -> str:
    """A scalar as text; lists, mappings and yes/no are errors (never ``str()``-ed)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InstrumentError(f"{what} must be text, not {_kind(value)}", file=source,
                              hint="quote it, e.g. 'yes' or \"7\"" if isinstance(value, bool)
                              else _FORMAT_HINT)
    return str(value)


def _list(value: Any, source: str, what: str) -> list:
    if not isinstance(value, list):
        raise InstrumentError(f"{what} must be a list, not {_kind(value)}", file=source,
                              hint="write one entry per line, each starting with '- '")
    return value


def _kind(value: Any) -> str:
    names = {bool: "yes/no", dict: "a mapping", list: "a list", str: "text",
             type(None): "empty"}
    return names.get(type(value), type(value).__name__)


def _labels(value: Any, source: str, where: str) -> Localised:
    """A label in Dutch (required), English (default: the Dutch) and any other language."""
    if isinstance(value, str):
        return Localised({"nl": value, "en": value})
    if not isinstance(value, dict) or "nl" not in value:
        raise InstrumentError(f"{where} needs a label with at least 'nl'", file=source,
                              hint=_FORMAT_HINT)
    nl = _text(value["nl"], source, f"label 'nl' of {where}")
    labels = {"nl": nl, "en": _text(value.get("en", nl), source, f"label 'en' of {where}")}
    for lang, label in value.items():
        labels.setdefault(str(lang), _text(label, source, f"label {lang!r} of {where}"))
    return Localised(labels)


def _build(raw: Any, source: str) -> Instrument:
    if not isinstance(raw, dict):
        what = "the file is empty" if raw is None else (
            f"the file does not hold a YAML mapping (it holds {_kind(raw)})")
        raise InstrumentError(
            what, file=source,
            hint="an instrument starts with id:, version:, scale:, themes: and items:")
    instrument_id = _text(_need(raw, "id", source), source, "id")
    version = _text(_need(raw, "version", source), source, "version")
    scale = _build_scale(_need(raw, "scale", source), source)
    themes = tuple(_build_theme(t, source)
                   for t in _list(_need(raw, "themes", source), source, "themes"))
    items = tuple(_build_item(i, source)
                  for i in _list(_need(raw, "items", source), source, "items"))
    _check_unique([t.id for t in themes], "theme", source)
    _check_unique([i.id for i in items], "item", source)
    theme_ids = {t.id for t in themes}
    for item in items:
        if item.theme not in theme_ids:
            raise InstrumentError(
                f"item {item.id!r} belongs to unknown theme {item.theme!r}",
                file=source,
                hint=f"use one of {sorted(theme_ids)}",
            )
    for theme in themes:
        if not any(item.theme == theme.id for item in items):
            raise InstrumentError(f"theme {theme.id!r} has no items", file=source)
    min_items = raw.get("min_items", 1)
    if isinstance(min_items, bool) or not isinstance(min_items, int) or min_items < 1:
        raise InstrumentError("min_items must be a whole number >= 1", file=source)
    agree_from = raw.get("agree_from")
    if agree_from is not None and (isinstance(agree_from, bool) or agree_from not in scale):
        raise InstrumentError(f"agree_from {agree_from!r} is not a scale value", file=source)
    missing = _list(raw.get("missing") or [], source, "missing")
    return Instrument(
        id=instrument_id,
        version=version,
        title=_labels(raw.get("title", instrument_id), source, "title"),
        scale=scale,
        themes=themes,
        items=items,
        missing=tuple(_text(m, source, "an entry of missing").strip().lower() for m in missing),
        min_items=min_items,
        agree_from=agree_from,
        note=_labels(raw["note"], source, "note") if raw.get("note") else Localised(),
        source=source,
    )


def _build_scale(raw: Any, source: str) -> dict[int, dict[str, str]]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise InstrumentError("scale needs at least two answer values", file=source,
                              hint=_FORMAT_HINT)
    scale: dict[int, dict[str, str]] = {}
    for entry in raw:
        value = _need(entry, "value", source, " in scale")
        if not isinstance(value, int) or isinstance(value, bool) or value in scale:
            raise InstrumentError(
                f"scale value {value!r} is not a unique whole number", file=source
            )
        scale[value] = _labels(_need(entry, "label", source, f" for value {value}"), source,
                               f"scale value {value}")
    values = sorted(scale)
    if values != list(range(values[0], values[-1] + 1)):
        raise InstrumentError(
            f"scale values {values} have gaps", file=source, hint="list every value once"
        )
    return scale


def _build_theme(raw: Any, source: str) -> Theme:
    theme_id = _text(_need(raw, "id", source, " in a theme"), source, "a theme id")
    rec = raw.get("recommendation")
    if rec is not None and (not isinstance(rec, str) or rec not in RECOMMENDATIONS):
        raise InstrumentError(
            f"theme {theme_id!r} has recommendation {rec!r}",
            file=source,
            hint="use R1-R5 or null",
        )
    label = _labels(_need(raw, "label", source, f" in theme {theme_id!r}"), source,
                    f"theme {theme_id!r}")
    return Theme(theme_id, label, rec)


def _build_item(raw: Any, source: str) -> Item:
    item_id = _text(_need(raw, "id", source, " in an item"), source, "an item id")
    where = f" in item {item_id!r}"
    text = _labels(_need(raw, "text", source, where), source, f"item {item_id!r}")
    reverse = raw.get("reverse", False)
    if not isinstance(reverse, bool):
        raise InstrumentError(f"reverse{where} must be true or false", file=source)
    theme = _text(_need(raw, "theme", source, where), source, f"the theme{where}")
    return Item(item_id, theme, text, reverse)


def _check_unique(ids: list[str], kind: str, source: str) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise InstrumentError(f"duplicate {kind} id {ident!r}", file=source)
        seen.add(ident)
