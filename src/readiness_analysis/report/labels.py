"""Codes into words: the catalogue lookups that name a code of a lower layer in a report.

The statistics, cleaning and spec layers speak in codes (a cleaning step, a theme id, a
valence, an agreement band, a test status); this module is the one place that turns such
a code into the report's words, always from the text catalogue (``report/locale``). A new
code of a lower layer gets its words here and in every catalogue file.
"""

from __future__ import annotations

import pandas as pd

from readiness_analysis.report.numbers import count
from readiness_analysis.report.text import DEFAULT_LANGUAGE, catalogue, text
from readiness_analysis.spec.codebook import load_codebook
from readiness_analysis.spec.instrument import Instrument, Scale
from readiness_analysis.spec.study import Study
from readiness_analysis.stats.agreement import OVERALL
from readiness_analysis.stats.scores import READINESS

__all__ = ["agreeing", "alpha_band_label", "called", "code_labels", "in_sentence",
           "kappa_band_label", "profile_heading", "respondents", "spelled", "step_label",
           "test_status_label", "theme_labels", "unit_column", "unit_noun", "unit_word",
           "valence_label", "who"]


def agreeing(scales: list[Scale], lang: str = DEFAULT_LANGUAGE) -> str:
    """What counts as agreeing, in the answer labels of ``scales``: "(helemaal) mee eens".

    The share-agreeing columns count answers (or theme scores) from the scale's
    ``agree_from`` up; their header names those answers in the scale's own words, so
    that a 1-7 scale's "somewhat agree" is not called "(strongly) agree". One agreeing
    answer is its label ("ja"); two whose labels differ by a leading word are written as
    "(strongly) agree"; more are "somewhat agree or higher". Scales that differ in their
    agreeing answers get the catalogue's words for the agree point of each scale.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> scale = load_instrument().default_scale
    >>> agreeing([scale]), agreeing([scale], "en")
    ('(helemaal) mee eens', '(strongly) agree')
    """
    words = {tuple(s.label(v, lang) for v in s.values if v >= s.agree_from) for s in scales}
    if len(words) != 1:
        return text("scales.agreeing_many", lang)
    labels = next(iter(words))
    if len(labels) == 1:
        return labels[0]
    first, second = labels[0], labels[1]
    if len(labels) == 2 and second.endswith(" " + first):
        return f"({second[: -len(first)].strip()}) {first}"
    return text("scales.agreeing_from", lang, label=first)


def respondents(study: Study, n: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """``n`` respondents in the study's unit: "14 interviews", "1 student".

    Examples
    --------
    >>> from readiness_analysis.spec.study import load_study
    >>> respondents(load_study(), 14), respondents(load_study(), 1, "en")
    ('14 interviews', '1 interview')
    """
    return count(int(n), f"unit.{study.respondent}", lang)


def who(study: Study, responses: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> str:
    """Who the rows of ``responses`` are: "14 interviews met 23 docenten", "120 studenten".

    The members (``n_teachers``) are named only when the study's respondents hold them.

    Examples
    --------
    >>> from readiness_analysis.spec.study import load_study
    >>> rows = pd.DataFrame({"n_teachers": [1, 2]})
    >>> who(load_study(), rows), who(load_study(), rows, "en")
    ('2 interviews met 3 docenten', '2 interviews with 3 teachers')
    """
    phrase = respondents(study, len(responses), lang)
    if study.members is None or "n_teachers" not in responses:
        return phrase
    members = count(int(responses["n_teachers"].sum()), f"unit.{study.members}", lang)
    return text("who", lang, respondents=phrase, members=members)


def unit_noun(study: Study, lang: str = DEFAULT_LANGUAGE) -> str:
    """The study's respondents as a plural noun: "interviews", "studenten"."""
    return unit_word(study.respondent, lang)


def unit_word(unit: str, lang: str = DEFAULT_LANGUAGE, *, one: bool = False) -> str:
    """A unit of ``spec.study.UNITS`` as a noun: plural ("docenten"), or with ``one`` singular.

    Examples
    --------
    >>> unit_word("teacher"), unit_word("teacher", "en", one=True)
    ('docenten', 'teacher')
    """
    return text(f"unit.{unit}.noun_one" if one else f"unit.{unit}.noun", lang)


def unit_column(unit: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Column header counting ``unit`` (one of ``spec.study.UNITS``): "Interviews"."""
    return text(f"unit.{unit}.column", lang)


def called(study: Study, lang: str = DEFAULT_LANGUAGE) -> str:
    """How a sentence names the study: its ``called`` ("de handreiking"), else "de studie".

    Examples
    --------
    >>> from readiness_analysis.spec.study import load_study
    >>> called(load_study(), "en")
    'the guide'
    """
    return study.called.get(lang) or text("study_called", lang)


def spelled(n: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """A small number in words ("vijf"); figures from where the catalogue stops.

    Examples
    --------
    >>> spelled(5), spelled(5, "en"), spelled(12)
    ('vijf', 'five', '12')
    """
    return catalogue(lang).get(f"spelled.{n}", str(n))


def step_label(step: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Readable label of a cleaning step identifier; an unknown step shows as it is.

    The step identifiers of cleaning_log.csv (written by ``clean.clean_scan``) stay English
    and stable; reports show the catalogue's ``step.<identifier>`` labels instead.

    Examples
    --------
    >>> step_label("drop blank rows"), step_label("check wave", "en")
    ('Lege rijen verwijderen', 'Check the wave')
    >>> step_label("a future step")
    'a future step'
    """
    return catalogue(lang).get(f"step.{step}", str(step))


def theme_labels(instrument: Instrument, lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Theme id → label in ``lang``, plus the overall index (the mean of all themes).

    Theme labels are the instrument's (spec data); the index is named by the instrument's
    ``index`` (the shipped one: "Readiness index"), else by the catalogue's
    ``themes.readiness`` ("Overall score").

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> theme_labels(load_instrument(), "en")["readiness"]
    'Readiness index'
    """
    labels = {t: instrument.theme_label(t, lang) for t in instrument.theme_ids}
    labels[READINESS] = instrument.index.get(lang) or text("themes.readiness", lang)
    return labels


def in_sentence(label: str) -> str:
    """A label (a theme, say) as it reads inside a sentence: first letter small.

    An abbreviation keeps its capitals ("ICT-infrastructuur", "HAN Bloem"), so that the
    same word is written the same way in a table and in a sentence.

    Examples
    --------
    >>> in_sentence("Visie en beleid"), in_sentence("ICT-infrastructuur en wifi")
    ('visie en beleid', 'ICT-infrastructuur en wifi')
    >>> in_sentence("E-learning"), in_sentence("")
    ('e-learning', '')
    """
    first = label.split(" ", 1)[0].split("-", 1)[0]
    if len(first) > 1 and first.isupper():
        return label
    return label[:1].lower() + label[1:]


def profile_heading(instrument: Instrument, lang: str = DEFAULT_LANGUAGE) -> str:
    """The heading of the theme profile: the instrument's ``profile``, else the catalogue's.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> profile_heading(load_instrument(), "en")
    'Readiness profile'
    """
    return instrument.profile.get(lang) or text("profile", lang)


def valence_label(valence: str, lang: str = DEFAULT_LANGUAGE, *, title: bool = False) -> str:
    """The word for a valence code of the codebook (``spec.codebook.VALENCES``).

    With ``title``, the form that heads a list or a column ("Belemmerend").

    Examples
    --------
    >>> valence_label("hindering"), valence_label("stimulating", "en", title=True)
    ('belemmerend', 'Stimulating')
    """
    return text(f"valence.{valence}_title" if title else f"valence.{valence}", lang)


def kappa_band_label(band: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The words for a kappa band code (``stats.agreement.KAPPA_BANDS``).

    Examples
    --------
    >>> kappa_band_label("almost_perfect", "en"), kappa_band_label("fair")
    ('almost perfect', 'redelijk')
    """
    return text(f"band.kappa.{band}", lang)


def alpha_band_label(band: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The words for an alpha band code (``stats.agreement.ALPHA_BANDS``).

    Examples
    --------
    >>> alpha_band_label("tentative", "en"), alpha_band_label("reliable")
    ('tentative conclusions only', 'betrouwbaar')
    """
    return text(f"band.alpha.{band}", lang)


def test_status_label(status: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The words for a test status of ``stats.compare`` ("ok", "n too small", ...).

    An unknown status shows as it is.

    Examples
    --------
    >>> test_status_label("n too small"), test_status_label("ok", "en")
    ('n te klein', 'ok')
    """
    return catalogue(lang).get(f"test_status.{status}", str(status))


def code_labels(codes: pd.Series, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """The codebook's names of ``codes`` in ``lang``; the row of all codes; others as given.

    Examples
    --------
    >>> code_labels(pd.Series(["wifi_infrastructure", "overall", "zzz"]), "nl")
    ['Wifi en ICT-infrastructuur', 'Alle codes', 'zzz']
    """
    names = {c.code: c.name[lang] for c in load_codebook().codes}
    names[OVERALL] = text("columns.all_codes", lang)
    return [names.get(str(c), str(c)) for c in codes]
