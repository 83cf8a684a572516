"""Load and validate a readiness-scan instrument definition (YAML).

The instrument says which items the scan has, which theme each belongs to, which are
reverse-keyed, what the answer scale is and which answers mean "missing". Everything
downstream (cleaning, indices, reports) reads the instrument instead of hard-coding items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import InstrumentError

__all__ = ["DEFAULT_INSTRUMENT", "Instrument", "Item", "Theme", "load_instrument"]

DEFAULT_INSTRUMENT = "blended_readiness_v1.yaml"
RECOMMENDATIONS = ("R1", "R2", "R3", "R4", "R5")


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
        ref = resources.files("readiness_analysis") / "instruments" / DEFAULT_INSTRUMENT
        text, source = ref.read_text(encoding="utf-8"), f"<package>/{DEFAULT_INSTRUMENT}"
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InstrumentError(
                f"cannot read instrument: {exc}", file=source, hint="pass a UTF-8 YAML file"
            ) from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InstrumentError(f"not valid YAML: {exc}", file=source) from exc
    return _build(raw, source)


def _need(raw: dict[str, Any], key: str, source: str, where: str = "") -> Any:
    if not isinstance(raw, dict) or key not in raw or raw[key] in (None, "", []):
        raise InstrumentError(
            f"missing key {key!r}{where}",
            file=source,
            hint="see 'The instrument format' in README.md",
        )
    return raw[key]


def _labels(value: Any, source: str, where: str) -> dict[str, str]:
    if isinstance(value, str):
        return {"nl": value, "en": value}
    if not isinstance(value, dict) or "nl" not in value:
        raise InstrumentError(f"{where} needs a label with at least 'nl'", file=source)
    return {"nl": str(value["nl"]), "en": str(value.get("en", value["nl"]))}


def _build(raw: Any, source: str) -> Instrument:
    if not isinstance(raw, dict):
        raise InstrumentError("the file does not hold a YAML mapping", file=source)
    scale = _build_scale(_need(raw, "scale", source), source)
    themes = tuple(_build_theme(t, source) for t in _need(raw, "themes", source))
    items = tuple(_build_item(i, source) for i in _need(raw, "items", source))
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
    if not isinstance(min_items, int) or min_items < 1:
        raise InstrumentError("min_items must be a whole number >= 1", file=source)
    agree_from = raw.get("agree_from")
    if agree_from is not None and agree_from not in scale:
        raise InstrumentError(f"agree_from {agree_from!r} is not a scale value", file=source)
    return Instrument(
        id=str(_need(raw, "id", source)),
        version=str(_need(raw, "version", source)),
        title=_labels(raw.get("title", raw["id"]), source, "title"),
        scale=scale,
        themes=themes,
        items=items,
        missing=tuple(str(m).strip().lower() for m in raw.get("missing") or ()),
        min_items=min_items,
        agree_from=agree_from,
        note=_labels(raw["note"], source, "note") if raw.get("note") else {},
        source=source,
    )


def _build_scale(raw: Any, source: str) -> dict[int, dict[str, str]]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise InstrumentError("scale needs at least two answer values", file=source)
    scale: dict[int, dict[str, str]] = {}
    for entry in raw:
        value = _need(entry, "value", source, " in scale")
        if not isinstance(value, int) or isinstance(value, bool) or value in scale:
            raise InstrumentError(
                f"scale value {value!r} is not a unique whole number", file=source
            )
        scale[value] = _labels(_need(entry, "label", source, f" for value {value}"), source, "")
    values = sorted(scale)
    if values != list(range(values[0], values[-1] + 1)):
        raise InstrumentError(
            f"scale values {values} have gaps", file=source, hint="list every value once"
        )
    return scale


def _build_theme(raw: Any, source: str) -> Theme:
    theme_id = str(_need(raw, "id", source, " in a theme"))
    rec = raw.get("recommendation")
    if rec is not None and rec not in RECOMMENDATIONS:
        raise InstrumentError(
            f"theme {theme_id!r} has recommendation {rec!r}",
            file=source,
            hint="use R1-R5 or null",
        )
    label = _labels(_need(raw, "label", source, f" in theme {theme_id!r}"), source, theme_id)
    return Theme(theme_id, label, rec)


def _build_item(raw: Any, source: str) -> Item:
    item_id = str(_need(raw, "id", source, " in an item"))
    where = f" in item {item_id!r}"
    text = _labels(_need(raw, "text", source, where), source, item_id)
    reverse = raw.get("reverse", False)
    if not isinstance(reverse, bool):
        raise InstrumentError(f"reverse{where} must be true or false", file=source)
    return Item(item_id, str(_need(raw, "theme", source, where)), text, reverse)


def _check_unique(ids: list[str], kind: str, source: str) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise InstrumentError(f"duplicate {kind} id {ident!r}", file=source)
        seen.add(ident)
