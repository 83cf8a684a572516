"""Load and validate a study definition: what the reports say about the study (YAML).

The instrument says what was asked; the study says what the reports call it and what
they add to the numbers: the report title, what one respondent is (an interview of
teachers, a teacher, a student, a school leader: the word every sentence counts in),
and, all optional, the study's sub-questions, its recommendations (with the themes each
rests on, a tip and its links), the quotes it published and the definition it proposes.
A report shows a section for each of these only when the study has it: a researcher's
own study with none of them gets reports without those sections.

The Blended Learning guide this package reproduces ships as ``spec/study/study.yaml``;
:func:`generic_study` is what a build uses for an instrument that comes without one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from readiness_analysis.core.errors import StudyError
from readiness_analysis.core.safe_yaml import load_yaml
from readiness_analysis.core.words import Localised, either
from readiness_analysis.spec.bloem import Bloem, load_bloem
from readiness_analysis.spec.instrument import SHIPPED, Instrument

__all__ = [
    "DEFAULT_STUDY",
    "GENERIC",
    "QUOTE_COLUMNS",
    "SECTIONS",
    "UNITS",
    "Recommendation",
    "Study",
    "SubQuestion",
    "check_study",
    "generic_study",
    "load_study",
    "recorded_study",
    "study_for",
]

DEFAULT_STUDY = "study.yaml"
# The recorded source of a study made from the instrument (see generic_study).
GENERIC = "<instrument>"
# What one respondent (one row of the scan) can be; the catalogue has words for each.
UNITS = ("respondent", "interview", "teacher", "student", "school_leader")
# The report sections a sub-question can head, in the study report's order.
SECTIONS = ("documents", "scores", "hindering", "stimulating")
QUOTE_COLUMNS = ("quote_id", "recommendation", "text")
_FORMAT_HINT = "see 'The study format' in README.md"


@dataclass(frozen=True)
class SubQuestion:
    """One sub-question of the study and the report section it heads (or None)."""

    id: str
    text: Localised
    section: str | None = None


@dataclass(frozen=True)
class Recommendation:
    """One recommendation of the study, with the instrument themes it rests on.

    ``with_definition``: the study's definition (e.g. the HAN Blended Leren Bloem) is
    shown with this recommendation. ``first_step`` is the concrete first step the study
    suggests and ``concerns`` who in the school it concerns ("directie en teamleiders");
    both may be empty, when the study does not say.
    """

    id: str
    title: Localised
    summary: Localised = field(default_factory=Localised)
    tip: Localised = field(default_factory=Localised)
    links: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    with_definition: bool = False
    first_step: Localised = field(default_factory=Localised)
    concerns: Localised = field(default_factory=Localised)


@dataclass(frozen=True)
class Study:
    """A validated study definition; build it with :func:`load_study` or :func:`generic_study`.

    ``title`` heads every report; ``respondent`` (one of :data:`UNITS`) is what one row
    of the scan is, ``members`` who an ``n_teachers`` column counts in a respondent (for
    interviews of several teachers), ``called`` how sentences name the publication
    ("the guide"). Everything else may be empty.
    """

    id: str
    title: Localised
    respondent: str = "respondent"
    members: str | None = None
    called: Localised = field(default_factory=Localised)
    name: Localised = field(default_factory=Localised)
    main_question: Localised = field(default_factory=Localised)
    sub_questions: tuple[SubQuestion, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    quotes: tuple[tuple[str, str, str], ...] = ()
    definition: Bloem | None = None
    method: dict[str, Any] = field(default_factory=dict, compare=False)
    source: str = field(default="", compare=False)
    files: tuple[str, ...] = field(default=(), compare=False)

    @property
    def recommendation_ids(self) -> list[str]:
        """Recommendation ids in the study's order."""
        return [rec.id for rec in self.recommendations]

    def recommendation(self, rec_id: str) -> Recommendation:
        """The recommendation with this id."""
        for rec in self.recommendations:
            if rec.id == rec_id:
                return rec
        raise StudyError(f"unknown recommendation {rec_id!r}", file=self.source or None,
                         hint=f"known: {self.recommendation_ids}")

    def number(self, rec_id: str) -> int:
        """The recommendation's position in the study (1 for the first)."""
        return self.recommendation_ids.index(rec_id) + 1

    def sub_question(self, section: str) -> SubQuestion | None:
        """The sub-question that heads ``section`` (one of :data:`SECTIONS`), if any."""
        return next((q for q in self.sub_questions if q.section == section), None)

    def quotes_frame(self) -> pd.DataFrame:
        """The published quotes: ``quote_id``, ``recommendation``, ``text`` (may be empty)."""
        return pd.DataFrame(list(self.quotes), columns=list(QUOTE_COLUMNS), dtype=str)

    def links(self, instrument: Instrument) -> dict[str, list[str]]:
        """Theme ids per recommendation, in the study's order.

        A recommendation lists its themes itself (``themes:``); one that does not takes
        the instrument's themes that name it (``recommendation:`` on a theme).

        Examples
        --------
        >>> from readiness_analysis.spec.instrument import load_instrument
        >>> load_study().links(load_instrument())["R3"]
        ['infrastructure', 'tools', 'timetable']
        """
        return {rec.id: list(rec.themes) or [t.id for t in instrument.themes
                                             if t.recommendation == rec.id]
                for rec in self.recommendations}


def load_study(path: str | Path | None = None) -> Study:
    """Read and validate a study definition.

    Parameters
    ----------
    path : str or Path, optional
        A YAML file. Default: the study shipped with the package (the Blended Learning
        guide). Files it names (``quotes``, ``definition``) are relative to it.

    Returns
    -------
    Study

    Raises
    ------
    StudyError
        When the file cannot be read or breaks a rule (located: file and key).

    Examples
    --------
    >>> study = load_study()
    >>> study.respondent, study.members, study.recommendation_ids
    ('interview', 'teacher', ['R1', 'R2', 'R3', 'R4', 'R5'])
    >>> study.method["interviews"], len(study.quotes), study.source
    (14, 26, '<package>/study.yaml')

    ``files`` are the files a study read from disk (none for the shipped one), so that a
    build can tell when one of them changed.
    """
    if path is None:
        return _shipped()
    path = Path(path)
    raw = load_yaml(path, error=StudyError)
    study = _build(raw, str(path), path.parent)
    named = [raw.get(key) for key in ("quotes", "definition")]
    return replace(study, files=(str(path), *(str(path.parent / n) for n in named if n)))


@cache
def _shipped() -> Study:
    folder = resources.files("readiness_analysis.spec") / "study"
    source = f"{SHIPPED}{DEFAULT_STUDY}"
    raw = load_yaml((folder / DEFAULT_STUDY).read_text(encoding="utf-8"), source=source,
                    error=StudyError)
    return _build(raw, source, folder)


def generic_study(instrument: Instrument) -> Study:
    """The study of an instrument that comes without one: its title, plain respondents.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> study = generic_study(load_instrument())
    >>> study.respondent, study.recommendations, study.title["en"]
    ('respondent', (), 'Blended Learning Readiness Scan (reconstruction)')
    """
    return Study(id=instrument.id, title=Localised(instrument.title), source=GENERIC)


def study_for(instrument: Instrument, path: str | Path | None = None) -> Study:
    """The study a build uses, checked against its instrument.

    ``path`` when given; otherwise the shipped Blended Learning study for the shipped
    instrument, and :func:`generic_study` for any other instrument (whose reports then
    have no recommendations, sub-questions or quotes).

    Raises
    ------
    StudyError
        When the study is invalid or does not fit the instrument (:func:`check_study`).

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> study_for(load_instrument()).id
    'blended_learning_guide'
    """
    if path is not None:
        study = load_study(path)
    elif instrument.source.startswith(SHIPPED):
        study = load_study()
    else:
        study = generic_study(instrument)
    check_study(study, instrument)
    return study


def recorded_study(source: str, instrument: Instrument) -> Study:
    """The study a processed folder's provenance names (``source`` as recorded).

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> recorded_study(GENERIC, load_instrument()).respondent
    'respondent'
    """
    if source == GENERIC:
        return generic_study(instrument)
    return load_study(None if source.startswith(SHIPPED) else source)


def check_study(study: Study, instrument: Instrument) -> None:
    """Refuse a study whose recommendations do not fit the instrument's themes.

    Raises
    ------
    StudyError
        When a recommendation names an unknown theme, or an instrument theme names a
        recommendation the study does not have.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> check_study(load_study(), load_instrument())
    """
    themes = set(instrument.theme_ids)
    for rec in study.recommendations:
        unknown = [t for t in rec.themes if t not in themes]
        if unknown:
            raise StudyError(f"recommendation {rec.id!r} names unknown themes {unknown}",
                             file=study.source, hint=f"the instrument has {sorted(themes)}")
    if not study.recommendations:
        return
    known = set(study.recommendation_ids)
    for theme in instrument.themes:
        if theme.recommendation is not None and theme.recommendation not in known:
            raise StudyError(
                f"theme {theme.id!r} of the instrument names recommendation "
                f"{theme.recommendation!r}, which the study does not have",
                file=study.source, hint=f"use one of {sorted(known)} or remove it")


def _fail(message: str, source: str, hint: str = _FORMAT_HINT) -> StudyError:
    return StudyError(message, file=source, hint=hint)


def _texts(value: Any, source: str, where: str, required: bool = False) -> Localised:
    """Texts by language: a mapping ``{nl: ..., en: ...}`` or one text for every language."""
    if value in (None, "", {}):
        if required:
            raise _fail(f"missing {where}", source)
        return Localised()
    if isinstance(value, str):
        return Localised({"nl": value, "en": value})
    if not isinstance(value, dict) or not all(
            isinstance(v, str) and v.strip() for v in value.values()):
        raise _fail(f"{where} must be a text or texts by language ({{nl: ..., en: ...}})",
                    source)
    return Localised({str(k): v for k, v in value.items()})


def _entries(raw: dict, key: str, source: str) -> list[dict]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _fail(f"{key} must be a list of entries, each starting with '- id:'", source)
    ids = [str(v.get("id", "")) for v in value]
    for position, ident in enumerate(ids, start=1):
        if not ident:
            raise _fail(f"entry {position} of {key} has no id", source)
        if ids.count(ident) > 1:
            raise _fail(f"duplicate id {ident!r} in {key}", source)
    return value


def _build(raw: Any, source: str, folder: Path | Traversable) -> Study:
    if not isinstance(raw, dict):
        raise _fail("the file does not hold a YAML mapping", source,
                    hint="a study starts with id:, title: and respondent:")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise _fail(f"unknown keys {unknown}", source, hint=f"known keys: {sorted(_KEYS)}")
    if not raw.get("id"):
        raise _fail("missing key 'id'", source)
    respondent = str(raw.get("respondent", "respondent"))
    members = raw.get("members")
    for key, value in (("respondent", respondent), ("members", members)):
        if value is not None and value not in UNITS:
            raise _fail(f"{key} {value!r} is not one of {either(UNITS)}", source)
    recommendations = tuple(_recommendation(r, source)
                            for r in _entries(raw, "recommendations", source))
    if any(r.with_definition for r in recommendations) and not raw.get("definition"):
        raise _fail("a recommendation has with_definition but the study has no definition",
                    source, hint="add definition: FILE (the Bloem format) or remove it")
    return Study(
        id=str(raw["id"]), title=_texts(raw.get("title"), source, "title", required=True),
        respondent=respondent, members=members,
        called=_texts(raw.get("called"), source, "called"),
        name=_texts(raw.get("name"), source, "name"),
        main_question=_texts(raw.get("main_question"), source, "main_question"),
        sub_questions=tuple(_sub_question(q, source)
                            for q in _entries(raw, "sub_questions", source)),
        recommendations=recommendations,
        quotes=_quotes(raw.get("quotes"), folder, source, {r.id for r in recommendations}),
        definition=_definition(raw.get("definition"), folder, source),
        method=dict(raw.get("method") or {}), source=source)


_KEYS = {"id", "version", "title", "called", "name", "publisher", "respondent", "members",
         "method", "main_question", "sub_questions", "recommendations", "quotes",
         "definition"}


def _sub_question(raw: dict, source: str) -> SubQuestion:
    where = f"sub-question {raw['id']!r}"
    section = raw.get("section")
    if section is not None and section not in SECTIONS:
        raise _fail(f"{where} has section {section!r}", source,
                    hint=f"use one of {either(SECTIONS)}, or leave it out")
    return SubQuestion(str(raw["id"]), _texts(raw.get("text"), source, f"text of {where}",
                                              required=True), section)


def _recommendation(raw: dict, source: str) -> Recommendation:
    where = f"recommendation {raw['id']!r}"
    themes, links = raw.get("themes") or [], raw.get("links") or []
    for key, value in (("themes", themes), ("links", links)):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _fail(f"{key} of {where} must be a list of texts", source)
    for link in links:
        _check_link(link, where, source)
    with_definition = raw.get("with_definition", False)
    if not isinstance(with_definition, bool):
        raise _fail(f"with_definition of {where} must be true or false", source)
    return Recommendation(
        str(raw["id"]), _texts(raw.get("title"), source, f"title of {where}", required=True),
        _texts(raw.get("summary"), source, f"summary of {where}"),
        _texts(raw.get("tip"), source, f"tip of {where}"), tuple(links), tuple(themes),
        with_definition, _texts(raw.get("first_step"), source, f"first_step of {where}"),
        _texts(raw.get("concerns"), source, f"concerns of {where}"))


def _check_link(link: str, where: str, source: str) -> None:
    """Refuse a link that is not a plain http(s) web address (a report makes it an anchor).

    Examples
    --------
    >>> _check_link("https://npuls.nl", "recommendation 'R4'", "s.yaml")
    >>> _check_link("javascript:alert(1)", "recommendation 'R4'", "s.yaml")
    Traceback (most recent call last):
    ...
    readiness_analysis.core.errors.StudyError: s.yaml: link 'javascript:alert(1)' of \
recommendation 'R4' is not a web address (write it in full, starting with https://)
    """
    parts = urlsplit(link)
    if parts.scheme not in ("https", "http") or not parts.netloc or not link.startswith(
            f"{parts.scheme}://"):
        raise _fail(f"link {link!r} of {where} is not a web address", source,
                    hint="write it in full, starting with https://")
    if any(c in _UNSAFE_IN_LINK or not c.isprintable() for c in link):
        raise _fail(f"link {link!r} of {where} holds a space, quote, bracket or control "
                    "character", source, hint="percent-encode it (a space is %20) or remove it")


# Characters a web address never holds unencoded (RFC 3986); some could end an anchor.
_UNSAFE_IN_LINK = frozenset(" \"<>`\\{}|^")


def _beside(folder: Path | Traversable, name: Any, source: str, key: str) -> Traversable:
    if not isinstance(name, str) or not name or Path(name).is_absolute() or ".." in Path(
            name).parts:
        raise _fail(f"{key} must name a file beside the study file", source,
                    hint=f"e.g. {key}: {'quotes.csv' if key == 'quotes' else 'definition.yaml'}")
    path = folder / name
    if not path.is_file():
        raise _fail(f"{key} file {name!r} not found beside the study file", source)
    return path


def _quotes(name: Any, folder, source: str, recommendations: set[str]) -> tuple:
    if name is None:
        return ()
    path = _beside(folder, name, source, "quotes")
    frame = pd.read_csv(io.StringIO(path.read_text(encoding="utf-8")), dtype=str)
    if list(frame.columns) != list(QUOTE_COLUMNS):
        raise _fail(f"the quotes file {name} has columns {list(frame.columns)}", source,
                    hint=f"use exactly {', '.join(QUOTE_COLUMNS)}")
    for row, quote in enumerate(frame.itertuples(index=False), start=2):
        if quote.recommendation not in recommendations or not isinstance(quote.text, str):
            raise StudyError(f"quote {quote.quote_id!r} has recommendation "
                             f"{quote.recommendation!r} or no text", file=str(path), row=row,
                             hint=f"use one of {sorted(recommendations)} and give the text")
    return tuple(tuple(q) for q in frame.itertuples(index=False))


def _definition(name: Any, folder, source: str) -> Bloem | None:
    if name is None:
        return None
    path = _beside(folder, name, source, "definition")
    return load_bloem(path if isinstance(path, Path) else None)
