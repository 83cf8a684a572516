"""Load and validate a readiness-scan instrument definition (YAML).

The instrument says which items the scan has, which theme each belongs to, which are
reverse-keyed, what the answer scale is and which answers mean "missing". Everything
downstream (cleaning, indices, reports) reads the instrument instead of hard-coding items.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from readiness_analysis.core.errors import InstrumentError
from readiness_analysis.core.safe_yaml import MAX_YAML_BYTES, load_yaml
from readiness_analysis.core.words import Localised

__all__ = [
    "CONDITION",
    "DEFAULT_INSTRUMENT",
    "MAX_POINTS",
    "MIN_POINTS",
    "ROLES",
    "SHIPPED",
    "STRENGTH",
    "Instrument",
    "Item",
    "Scale",
    "Theme",
    "load_instrument",
    "normalise_label",
    "source_file",
]

DEFAULT_INSTRUMENT = "blended_readiness_v1.yaml"
# How provenance names a file shipped with the package (see source_file).
SHIPPED = "<package>/"
_FORMAT_HINT = "see 'The instrument format' in README.md"
# An answer scale has this many points at least and at most.
MIN_POINTS, MAX_POINTS = 2, 11
# The name of the instrument's top-level ``scale:`` (its default scale).
DEFAULT_SCALE = "default"
# Typographic quotes and apostrophes read as their plain forms when answers are matched.
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201b": "'", "\u2032": "'",
                         "\u00b4": "'", "`": "'", "\u201c": '"', "\u201d": '"',
                         "\u201e": '"', "\u201f": '"', "\u2033": '"'})


# A theme's role in ranking recommendations: a condition (a low score means need) or a
# strength (an enabler such as willingness: shown apart, never averaged into need).
CONDITION = "condition"
STRENGTH = "strength"
ROLES = (CONDITION, STRENGTH)


@dataclass(frozen=True)
class Theme:
    """A factor of the scan, scored as the mean of its items.

    ``role`` is :data:`CONDITION` (default) or :data:`STRENGTH` (see
    :mod:`readiness_analysis.stats.ranking`).
    """

    id: str
    label: dict[str, str]
    recommendation: str | None
    scale: str = DEFAULT_SCALE
    role: str = CONDITION


@dataclass(frozen=True)
class Item:
    """One question of the scan."""

    id: str
    theme: str
    text: dict[str, str]
    reverse: bool = False
    scale: str = DEFAULT_SCALE


def normalise_label(label: object) -> str:
    """An answer label as answers are matched: case, spacing and quote styles ignored.

    Letters are case-folded, runs of white space become one space (none at the ends),
    and typographic quotes and apostrophes (’ ‘ “ ” „, the prime and the
    acute accent) become ``'`` and ``"``.

    Examples
    --------
    >>> normalise_label("  Don’t   KNOW ")
    "don't know"
    >>> normalise_label("“Helemaal” mee eens") == normalise_label('"helemaal" mee eens')
    True
    """
    return " ".join(str(label).translate(_QUOTES).split()).casefold()


@dataclass(frozen=True)
class Scale:
    """An answer scale: whole-number values with labels, where agreeing starts, a neutral.

    Attributes
    ----------
    id : str
        ``"default"`` for the instrument's top-level ``scale:``, else its name in
        ``scales:``.
    labels : dict of int to Localised
        Each value's display label by language, lowest value first.
    synonyms : dict of int to tuple of str
        Other labels that mean the value in an export (any language).
    agree_from : int
        The lowest value counted as agreeing ("share agreeing"); default the first value
        above the neutral, else above the middle of the scale.
    neutral : int or None
        The value that is the scale's neutral middle, if the scale has one.

    Examples
    --------
    >>> from readiness_analysis.core.words import Localised
    >>> yes_no = Scale("yn", {0: Localised({"nl": "nee", "en": "no"}),
    ...                       1: Localised({"nl": "ja", "en": "yes"})}, agree_from=1)
    >>> yes_no.values, yes_no.points, yes_no.below, yes_no.above
    ([0, 1], 2, [0], [1])
    >>> yes_no.lookup()["yes"]
    1
    """

    id: str
    labels: dict[int, Localised]
    synonyms: dict[int, tuple[str, ...]] = field(default_factory=dict)
    agree_from: int = None  # type: ignore[assignment]  # set in __post_init__ when None
    neutral: int | None = None

    def __post_init__(self) -> None:
        if self.agree_from is None:
            values = sorted(self.labels)
            agree = (self.neutral + 1 if self.neutral is not None and self.neutral < values[-1]
                     else _default_agree(values))
            object.__setattr__(self, "agree_from", agree)

    @property
    def values(self) -> list[int]:
        """The answer values, lowest first."""
        return sorted(self.labels)

    @property
    def min(self) -> int:
        """Lowest answer value."""
        return min(self.labels)

    @property
    def max(self) -> int:
        """Highest answer value."""
        return max(self.labels)

    @property
    def points(self) -> int:
        """Number of answer values."""
        return len(self.labels)

    @property
    def below(self) -> list[int]:
        """Values drawn left of zero: below the neutral, or below ``agree_from`` without one."""
        split = self.neutral if self.neutral is not None else self.agree_from
        return [v for v in self.values if v < split]

    @property
    def above(self) -> list[int]:
        """Values drawn right of zero: above the neutral, or from ``agree_from`` without one."""
        if self.neutral is not None:
            return [v for v in self.values if v > self.neutral]
        return [v for v in self.values if v >= self.agree_from]

    def label(self, value: int, lang: str) -> str:
        """The display label of ``value`` in ``lang``."""
        return self.labels[value][lang]

    def lookup(self) -> dict[str, int]:
        """Every label and synonym, as :func:`normalise_label` writes it, to its value."""
        found = {normalise_label(lab): value for value, labs in self.labels.items()
                 for lab in labs.values()}
        for value, words in self.synonyms.items():
            found.update({normalise_label(word): value for word in words})
        return found

    def same_range(self, other: Scale) -> bool:
        """Whether ``other`` has the same lowest and highest value."""
        return (self.min, self.max) == (other.min, other.max)


@dataclass(frozen=True)
class Instrument:
    """A validated instrument definition; build it with :func:`load_instrument`.

    ``index`` names the mean of all theme scores and ``profile`` the chart of the theme
    scores in the reports (e.g. "Readiness-index", "Readiness-profiel"); empty, the
    reports use general words ("Totaalscore", "Profiel per thema").

    ``respondent_roles`` (the file's optional ``roles:`` block) are the roles a scan's
    ``role`` column may hold, id -> label by language, in report order; empty, any role
    is allowed and is its own label (:mod:`readiness_analysis.io.perspectives`).
    """

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
    scales: dict[str, Scale] = field(default_factory=dict)
    index: dict[str, str] = field(default_factory=Localised)
    profile: dict[str, str] = field(default_factory=Localised)
    respondent_roles: dict[str, Localised] = field(default_factory=dict)

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
        """Lowest answer value of the default scale."""
        return min(self.scale)

    @property
    def scale_max(self) -> int:
        """Highest answer value of the default scale."""
        return max(self.scale)

    @property
    def default_scale(self) -> Scale:
        """The instrument's default scale (its top-level ``scale:``).

        The readiness index, the mean of a respondent's theme scores, is on this scale.
        """
        if DEFAULT_SCALE in self.scales:
            return self.scales[DEFAULT_SCALE]
        return Scale(DEFAULT_SCALE, dict(self.scale),
                     agree_from=self.agree_from or _default_agree(sorted(self.scale)))

    def scale_of_theme(self, theme_id: str) -> Scale:
        """The answer scale of a theme (all its items share it).

        Examples
        --------
        >>> load_instrument().scale_of_theme("vision").values
        [1, 2, 3, 4, 5]
        """
        return self._scale(self.theme(theme_id).scale)

    def scale_of_item(self, item_id: str) -> Scale:
        """The answer scale of an item.

        Examples
        --------
        >>> load_instrument().scale_of_item("vis_1").agree_from
        4
        """
        for item in self.items:
            if item.id == item_id:
                return self._scale(item.scale)
        raise InstrumentError(f"unknown item {item_id!r}", hint=f"known: {self.item_ids}")

    def themes_by_scale(self) -> dict[str, list[str]]:
        """Theme ids per scale id, scales in the order their first theme appears.

        Examples
        --------
        >>> load_instrument().themes_by_scale().keys()
        dict_keys(['default'])
        """
        groups: dict[str, list[str]] = {}
        for theme in self.themes:
            groups.setdefault(theme.scale, []).append(theme.id)
        return groups

    @property
    def one_scale(self) -> bool:
        """Whether every theme uses the same scale."""
        return len({theme.scale for theme in self.themes}) <= 1

    def _scale(self, scale_id: str) -> Scale:
        if scale_id == DEFAULT_SCALE:
            return self.default_scale
        try:
            return self.scales[scale_id]
        except KeyError:
            raise InstrumentError(f"unknown scale {scale_id!r}",
                                  hint=f"known: {sorted(self.scales)}") from None

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

    def role_label(self, role: str, lang: str = "nl") -> str:
        """The label of a respondent role (its ``roles:`` entry); undeclared: the value itself.

        Examples
        --------
        >>> roles = {"docent": Localised({"nl": "Docenten", "en": "Teachers"})}
        >>> inst = replace(load_instrument(), respondent_roles=roles)
        >>> inst.role_label("docent", "en"), inst.role_label("stagiair")
        ('Teachers', 'stagiair')
        """
        labels = self.respondent_roles.get(role)
        return role if labels is None else labels[lang]


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
        key = _content_key(source, ref)
        hit = _INSTRUMENTS.get(key) if key else None
        if hit is None:
            hit = _build(load_yaml(ref.read_text(encoding="utf-8"), source=source), source)
    else:
        source = str(path)
        key = _content_key(source, Path(path))
        hit = _INSTRUMENTS.get(key) if key else None
        if hit is None:
            hit = _build(load_yaml(Path(path)), source)
            if key and _content_key(source, Path(path)) != key:  # changed while read
                key = None
    if key:
        _INSTRUMENTS[key] = hit
        _INSTRUMENTS.move_to_end(key)
        while len(_INSTRUMENTS) > _INSTRUMENTS_KEPT:
            _INSTRUMENTS.popitem(last=False)
    return hit


# Instruments read in this process, by source and content: a warm kernel renders many
# reports, each of which would otherwise parse and validate the same YAML again (a good
# part of a report's second). An Instrument is frozen, so every caller may share one.
_INSTRUMENTS: OrderedDict[tuple[str, str], Instrument] = OrderedDict()
_INSTRUMENTS_KEPT = 8


def _content_key(source: str, file: Path | Traversable) -> tuple[str, str] | None:
    """(source, SHA-256 of the file's bytes); None when it cannot be read (the load says why)."""
    try:
        if isinstance(file, Path) and file.stat().st_size > MAX_YAML_BYTES:
            return None  # load_yaml refuses it without reading it all
        return source, hashlib.sha256(file.read_bytes()).hexdigest()
    except OSError:
        return None


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
    """A label per language (at least one); a report language it lacks shows the English.

    One text serves every language; ``{nl: ...}`` alone serves English too, and a
    language missing from ``{en: ...}`` falls back to English (:class:`Localised`).
    """
    if isinstance(value, str):
        return Localised({"nl": value, "en": value})
    if not isinstance(value, dict) or not value:
        raise InstrumentError(f"{where} needs a label: a text, or texts by language "
                              "({nl: ..., en: ...})", file=source, hint=_FORMAT_HINT)
    labels = {str(lang): _text(label, source, f"label {lang!r} of {where}")
              for lang, label in value.items()}
    if "nl" in labels:
        labels.setdefault("en", labels["nl"])
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
    scales = _build_scales(raw, source)
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
    themes, items = _resolve_scales(themes, items, scales, source)
    default = scales.get(DEFAULT_SCALE) or scales[themes[0].scale]
    min_items = raw.get("min_items", 1)
    if isinstance(min_items, bool) or not isinstance(min_items, int) or min_items < 1:
        raise InstrumentError("min_items must be a whole number >= 1", file=source)
    missing = _list(raw.get("missing") or [], source, "missing")
    return Instrument(
        id=instrument_id,
        version=version,
        title=_labels(raw.get("title", instrument_id), source, "title"),
        scale=dict(default.labels),
        themes=themes,
        items=items,
        missing=tuple(_text(m, source, "an entry of missing").strip().lower() for m in missing),
        min_items=min_items,
        agree_from=default.agree_from,
        note=_labels(raw["note"], source, "note") if raw.get("note") else Localised(),
        index=_labels(raw["index"], source, "index") if raw.get("index") else Localised(),
        profile=(_labels(raw["profile"], source, "profile") if raw.get("profile")
                 else Localised()),
        source=source,
        scales={**scales, DEFAULT_SCALE: default},
        respondent_roles=_build_roles(raw.get("roles"), source),
    )


def _build_roles(raw: Any, source: str) -> dict[str, Localised]:
    """The optional ``roles:`` block: role id -> label by language, in the file's order.

    Without it any role in an export is its own label; with it, an export's role must be
    one of these ids or labels (:mod:`readiness_analysis.io.perspectives`).
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not raw:
        raise InstrumentError(f"roles must be a mapping of role ids to labels, not "
                              f"{_kind(raw)}", file=source,
                              hint="e.g. roles: {docent: {nl: Docenten, en: Teachers}}")
    roles: dict[str, Localised] = {}
    names: dict[str, str] = {}  # every id and label, as answers are matched -> its role
    for key, label in raw.items():
        role = _text(key, source, "a role id").strip()
        if not role or role in roles:
            raise InstrumentError(f"role id {role!r} is empty or given twice", file=source,
                                  hint="give every role one unique id")
        roles[role] = _labels(label, source, f"role {role!r}")
        for name in {normalise_label(n) for n in (role, *roles[role].values())}:
            if names.setdefault(name, role) != role:
                raise InstrumentError(
                    f"roles {names[name]!r} and {role!r} share the id or label {name!r}",
                    file=source, hint="give every role labels of its own")
    return roles


def _build_scales(raw: dict[str, Any], source: str) -> dict[str, Scale]:
    """The top-level ``scale:`` (as ``"default"``) and the named ``scales:``."""
    named = raw.get("scales")
    scales: dict[str, Scale] = {}
    if "scale" in raw or named is None:
        scales[DEFAULT_SCALE] = _build_scale(DEFAULT_SCALE, _need(raw, "scale", source),
                                             raw.get("agree_from"), source)
    elif "agree_from" in raw:
        raise InstrumentError("agree_from without a top-level scale", file=source,
                              hint="give each scale in scales: its own agree_from")
    if named is None:
        return scales
    if not isinstance(named, dict) or not named:
        raise InstrumentError(f"scales must be a mapping of names to scales, not {_kind(named)}",
                              file=source, hint="e.g. scales: {frequency: {values: [...]}}")
    for key, entry in named.items():
        name = _text(key, source, "a scale name in scales")
        if name == DEFAULT_SCALE:
            raise InstrumentError(f"scales: {DEFAULT_SCALE!r} names the top-level scale",
                                  file=source, hint="give this scale another name")
        where = f"scales.{name}"
        if isinstance(entry, dict):
            unknown = sorted(set(map(str, entry)) - {"values", "agree_from"})
            if unknown:
                raise InstrumentError(f"{where}: unknown key {unknown[0]!r}", file=source,
                                      hint="a scale has values: and agree_from:")
            values, agree = _need(entry, "values", source, f" in {where}"), entry.get("agree_from")
        else:
            values, agree = entry, None
        scales[name] = _build_scale(name, values, agree, source)
    return scales


def _build_scale(name: str, raw: Any, agree_from: Any, source: str) -> Scale:
    """One scale from its list of ``{value, label, neutral}`` entries."""
    at = "" if name == DEFAULT_SCALE else f"scales.{name}: "
    if not isinstance(raw, list) or len(raw) < MIN_POINTS:
        raise InstrumentError(f"{at}scale needs at least two answer values", file=source,
                              hint=_FORMAT_HINT)
    if len(raw) > MAX_POINTS:
        raise InstrumentError(
            f"{at}scale has {len(raw)} answer values; at most {MAX_POINTS} are supported",
            file=source, hint="a scale has 2 to 11 points")
    labels: dict[int, Localised] = {}
    synonyms: dict[int, tuple[str, ...]] = {}
    neutral: list[int] = []
    for entry in raw:
        value = _need(entry, "value", source, f" in {at.rstrip(': ') or 'scale'}")
        if not isinstance(value, int) or isinstance(value, bool) or value in labels:
            raise InstrumentError(
                f"{at}scale value {value!r} is not a unique whole number", file=source
            )
        labels[value], synonyms[value] = _scale_labels(
            _need(entry, "label", source, f" for value {value}"), source,
            f"{at}scale value {value}")
        if _neutral(entry, value, at, source):
            neutral.append(value)
    values = sorted(labels)
    if values != list(range(values[0], values[-1] + 1)):
        raise InstrumentError(
            f"{at}scale values {values} have gaps", file=source, hint="list every value once"
        )
    if len(neutral) > 1:
        raise InstrumentError(f"{at}scale values {neutral} are all neutral", file=source,
                              hint="mark at most one value neutral: true")
    if neutral and neutral[0] in (values[0], values[-1]):
        raise InstrumentError(f"{at}the neutral value {neutral[0]} is an end of the scale",
                              file=source, hint="a neutral value lies between the ends")
    scale = Scale(name, {v: labels[v] for v in values},
                  {v: synonyms[v] for v in values if synonyms[v]},
                  _agree_from(agree_from, values, at, source),
                  neutral[0] if neutral else None)
    _check_labels_distinct(scale, at, source)
    return scale


def _neutral(entry: dict[str, Any], value: int, at: str, source: str) -> bool:
    flag = entry.get("neutral", False)
    if not isinstance(flag, bool):
        raise InstrumentError(f"{at}neutral of scale value {value} must be true or false",
                              file=source)
    return flag


def _agree_from(raw: Any, values: list[int], at: str, source: str) -> int | None:
    """``agree_from`` as given (checked), or None for the scale's default (see Scale)."""
    if raw is not None and (isinstance(raw, bool) or raw not in values):
        raise InstrumentError(f"{at}agree_from {raw!r} is not a scale value", file=source)
    return raw


def _default_agree(values: list[int]) -> int:
    """The first value above the middle of the scale (3 on 1-4, 4 on 1-5 and 1-6, 1 on 0-1)."""
    return (values[0] + values[-1]) // 2 + 1


def _scale_labels(value: Any, source: str, where: str) -> tuple[Localised, tuple[str, ...]]:
    """A scale value's labels and synonyms: each language's text, or a list of texts.

    The first text of a list is the label shown; the others are synonyms: other ways an
    export writes the answer (in any language). A scale of an English questionnaire may
    give ``en`` only: its labels then serve every language.
    """
    if isinstance(value, list):
        value = {"nl": value}
        value["en"] = value["nl"]
    elif isinstance(value, dict):
        value = dict(value)
        if "nl" not in value and "en" in value:
            value["nl"] = value["en"]
        if "nl" in value and "en" not in value:
            value["en"] = value["nl"]
    labels, words = {}, []
    for lang, texts in (value.items() if isinstance(value, dict) else [("nl", value)]):
        if isinstance(texts, list):
            if not texts:
                raise InstrumentError(f"label {lang!r} of {where} is an empty list",
                                      file=source, hint=_FORMAT_HINT)
            texts = [_text(t, source, f"an entry of label {lang!r} of {where}") for t in texts]
            labels[str(lang)], more = texts[0], texts[1:]
            words += [t for t in more if t not in words]
        else:
            labels[str(lang)] = texts
    return _labels(labels, source, where), tuple(words)


def _check_labels_distinct(scale: Scale, at: str, source: str) -> None:
    """Refuse a label or synonym that means two values of one scale."""
    seen: dict[str, int] = {}
    texts = [(v, lab) for v, labs in scale.labels.items() for lab in labs.values()]
    texts += [(v, word) for v, words in scale.synonyms.items() for word in words]
    for value, label in texts:
        key = normalise_label(label)
        if seen.setdefault(key, value) != value:
            raise InstrumentError(
                f"{at}label {label!r} means both {seen[key]} and {value}", file=source,
                hint="give each answer value its own labels (case and quotes are ignored)")


def _resolve_scales(themes: tuple[Theme, ...], items: tuple[Item, ...],
                    scales: dict[str, Scale], source: str
                    ) -> tuple[tuple[Theme, ...], tuple[Item, ...]]:
    """Each item's and theme's scale: its own, else its theme's, else the default.

    Refuses an unknown scale name and a theme whose items have different scales (a
    theme score is the mean of its items).
    """
    names = {t.id: _known_scale(t.scale, scales, source, f"theme {t.id!r}") for t in themes}
    resolved = tuple(replace(i, scale=_known_scale(
        i.scale or names[i.theme], scales, source, f"item {i.id!r} (theme {i.theme!r})"))
        for i in items)
    out = []
    for theme in themes:
        own = {i.scale: i.id for i in resolved if i.theme == theme.id}
        if len(own) > 1:
            (a, first), (b, second) = list(own.items())[:2]
            raise InstrumentError(
                f"theme {theme.id!r} mixes scales: item {first!r} is on {a!r}, "
                f"item {second!r} on {b!r}", file=source,
                hint="a theme score is the mean of its items: give them one scale, or put "
                     "them in separate themes")
        out.append(replace(theme, scale=next(iter(own))))
    return tuple(out), resolved


def _known_scale(name: str | None, scales: dict[str, Scale], source: str,
                 where: str) -> str | None:
    if name is None:
        if DEFAULT_SCALE not in scales and where.startswith("item"):
            raise InstrumentError(
                f"{where} has no scale", file=source,
                hint=f"with no top-level scale:, give each theme or item one of "
                     f"{sorted(scales)}")
        return DEFAULT_SCALE if DEFAULT_SCALE in scales else None
    if name not in scales:
        raise InstrumentError(f"{where} has unknown scale {name!r}", file=source,
                              hint=f"use one of {sorted(scales)}")
    return name


def _build_theme(raw: Any, source: str) -> Theme:
    theme_id = _text(_need(raw, "id", source, " in a theme"), source, "a theme id")
    rec = raw.get("recommendation")
    if rec is not None and (not isinstance(rec, str) or not rec.strip()):
        raise InstrumentError(
            f"theme {theme_id!r} has recommendation {rec!r}",
            file=source,
            hint="use the id of one of the study's recommendations (R1-R5 for the guide) "
                 "or null",
        )
    label = _labels(_need(raw, "label", source, f" in theme {theme_id!r}"), source,
                    f"theme {theme_id!r}")
    return Theme(theme_id, label, rec, _scale_name(raw, source, f" of theme {theme_id!r}"),
                 _role(raw, source, theme_id))


def _role(raw: dict[str, Any], source: str, theme_id: str) -> str:
    """A theme's ``role:`` (default :data:`CONDITION`), refused unless one of :data:`ROLES`."""
    role = raw.get("role", CONDITION)
    if role not in ROLES:
        raise InstrumentError(f"theme {theme_id!r} has role {role!r}", file=source,
                              hint=f"use one of {', '.join(ROLES)} (default {CONDITION}: a "
                                   "low score means need; strength: shown apart)")
    return role


def _build_item(raw: Any, source: str) -> Item:
    item_id = _text(_need(raw, "id", source, " in an item"), source, "an item id")
    where = f" in item {item_id!r}"
    text = _labels(_need(raw, "text", source, where), source, f"item {item_id!r}")
    reverse = raw.get("reverse", False)
    if not isinstance(reverse, bool):
        raise InstrumentError(f"reverse{where} must be true or false", file=source)
    theme = _text(_need(raw, "theme", source, where), source, f"the theme{where}")
    return Item(item_id, theme, text, reverse, _scale_name(raw, source, f" of item {item_id!r}"))


def _scale_name(raw: dict[str, Any], source: str, where: str) -> Any:
    """The ``scale:`` a theme or item names, or None (resolved by :func:`_resolve_scales`)."""
    name = raw.get("scale")
    return None if name is None else _text(name, source, f"the scale{where}")


def _check_unique(ids: list[str], kind: str, source: str) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise InstrumentError(f"duplicate {kind} id {ident!r}", file=source)
        seen.add(ident)
