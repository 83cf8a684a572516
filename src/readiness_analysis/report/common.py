"""Blocks that both reports show: banners, notes, the theme table, a recommendation's heading.

The institution report (:mod:`~readiness_analysis.report.institution`) and the study
report (:mod:`~readiness_analysis.report.study`) each have their own sections; what they
share lives here, so that a note reads the same in both.
"""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML

from readiness_analysis.io.clean import row_account
from readiness_analysis.report.data import (
    ReportData,
    fragments_supplied,
    latest_pooled,
    unscored_count,
)
from readiness_analysis.report.html import banner, caption, heading, labelled, links, prose
from readiness_analysis.report.labels import (
    agreeing,
    respondents,
    spelled,
    theme_labels,
    unit_noun,
    unit_word,
)
from readiness_analysis.report.numbers import count, number
from readiness_analysis.report.text import DEFAULT_LANGUAGE, catalogue, text
from readiness_analysis.spec.instrument import Instrument, Scale, load_instrument
from readiness_analysis.spec.study import Recommendation, Study, study_for
from readiness_analysis.stats.disclosure import MIN_INSTITUTIONS, suppress_small_cells
from readiness_analysis.stats.scores import READINESS

__all__ = ["OPTIONAL_SECTIONS", "accounting", "agree_header", "documents_note", "has_section",
           "instrument_note", "pooled_note", "reading_guide", "recommendation_heading",
           "recommendations_heading",
           "scale_words", "synthetic_banner", "theme_table", "tip", "title", "unscored_line"]

OPTIONAL_SECTIONS = ("documents", "fragments", "recommendations", "joint", "agreement")
"""Report sections shown only when the study or the data have something for them."""


def has_section(data: ReportData, section: str) -> bool:
    """Whether a report shows ``section`` (one of :data:`OPTIONAL_SECTIONS`).

    - ``documents``: a document inventory was supplied, or the study asks about documents;
    - ``fragments``: coded fragments were supplied, or the study asks about hindering or
      stimulating factors;
    - ``recommendations``: the study has recommendations;
    - ``joint``: the study has recommendations (their scan themes, beside the coded
      factors when fragments were supplied);
    - ``agreement``: two or more coders coded the same passages.

    A researcher's study without recommendations, sub-questions or interviews thus gets
    reports without those sections, rather than empty ones.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> has_section(load_report_data("data/processed"), "joint")  # doctest: +SKIP
    True
    """
    study = data.study
    if section == "documents":
        return bool((data.documents is not None and not data.documents.empty)
                    or study.sub_question("documents"))
    if section == "fragments":
        return bool(fragments_supplied(data) or study.sub_question("hindering")
                    or study.sub_question("stimulating"))
    if section in ("recommendations", "joint"):
        return bool(study.recommendations)
    if section == "agreement":
        return data.agreement is not None and not data.agreement.empty
    raise ValueError(f"unknown section {section!r}; use one of {OPTIONAL_SECTIONS}")


def title(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """The report's title: the study's, with the institution for an institution report.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> title(load_report_data("data/processed", "Instelling A"))  # doctest: +SKIP
    <h1>Gereedheid voor blended leren: Instelling A</h1>
    """
    if data.institution is None:
        return heading("study_title", lang, level=1, title=data.study.title[lang])
    return heading("institution_title", lang, level=1, institution=data.institution,
                   title=data.study.title[lang])


def recommendations_heading(data: ReportData, key: str, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """A heading that counts the study's recommendations in words ("De vijf aanbevelingen").

    With one recommendation, the catalogue's ``<key>_one`` ("De aanbeveling ...").
    """
    n = len(data.study.recommendations)
    return heading(f"{key}_one" if n == 1 else key, lang, n_recs=spelled(n, lang))


def synthetic_banner(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """A banner saying the scan data are synthetic (empty when they are real)."""
    if not data.synthetic:
        return HTML("")
    return banner(text("synthetic", lang), "synthetic")


def instrument_note(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Which instrument was used, with its own note (e.g. that it is a reconstruction)."""
    inst = data.instrument
    line = text("instrument_note", lang, title=inst.title[lang], version=inst.version,
                note=inst.note.get(lang, ""))
    return HTML(f"<p>{html.escape(line)}</p>")


def reading_guide(lang: str = DEFAULT_LANGUAGE, weighted: bool = False,
                  instrument: Instrument | None = None, study: Study | None = None) -> HTML:
    """How to read the numbers: scale, theme score, n, share agreeing, SD, dashes.

    With ``weighted``, it says that the figures count teachers, not interviews. The
    answers and where agreeing starts are the ``instrument``'s (default: the shipped
    one), see :func:`scale_words`; what n counts is the ``study``'s unit (default: the
    study of that instrument, :func:`~readiness_analysis.spec.study.study_for`).

    Examples
    --------
    >>> "aandeel docenten" in reading_guide("nl", weighted=True).data
    True
    """
    inst = instrument if instrument is not None else load_instrument()
    study = study if study is not None else study_for(inst)
    answers, threshold = scale_words(inst, lang)
    units = unit_noun(study, lang)
    share = text("guide_share_weighted" if weighted else "guide_share", lang,
                 threshold=threshold, units=units, header=agree_header(inst, lang))
    ci = text("guide_ci_weighted" if weighted else "guide_ci", lang, units=units)
    held = (text("guide_held", lang, one=unit_word(study.respondent, lang, one=True),
                 members=unit_word(study.members, lang)) if study.members else "")
    return caption(text("guide", lang, share=share, ci=ci, answers=answers, units=units,
                        held=held))


def scale_words(instrument: Instrument, lang: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    """The reading guide's words for the answer scale(s), and for where agreeing starts.

    One scale: how many answers, the lowest and highest with their labels; agreeing is
    "4 or more". Several: the same per scale, with the themes on it and its own agreeing
    point, and that the readiness index is on the default scale's range.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> answers, agreeing = scale_words(load_instrument(), "en")
    >>> answers
    'every question has five answers, from 1 (strongly disagree) to 5 (strongly agree)'
    >>> agreeing
    'of 4 or more'
    """
    groups = instrument.themes_by_scale()
    if len(groups) == 1:
        scale = instrument.scale_of_theme(next(iter(groups.values()))[0])
        return (text("scales.answers", lang, **_scale_ends(scale, lang)),
                text("scales.threshold", lang, agree=scale.agree_from))
    labels = theme_labels(instrument, lang)
    parts = []
    for themes in groups.values():
        scale = instrument.scale_of_theme(themes[0])
        parts.append(text("scales.part", lang, themes=", ".join(labels[t] for t in themes),
                          agree=scale.agree_from,
                          agree_label=scale.label(scale.agree_from, lang),
                          **_scale_ends(scale, lang)))
    default = instrument.default_scale
    answers = text("scales.answers_many", lang, count=spelled(len(parts), lang),
                   parts=text("scales.part_separator", lang).join(parts),
                   low=default.min, high=default.max, overall=labels[READINESS])
    return answers, text("scales.threshold_many", lang)


def agree_header(instrument: Instrument, lang: str = DEFAULT_LANGUAGE) -> str:
    """The header of the theme tables' share-agreeing column, in the scales' own words.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> agree_header(load_instrument(), "en")
    '% (strongly) agree'
    """
    scales = [instrument.scale_of_theme(themes[0])
              for themes in instrument.themes_by_scale().values()]
    return text("agree", lang, words=agreeing(scales, lang))


def _scale_ends(scale: Scale, lang: str) -> dict[str, object]:
    """A scale's number of answers in words and its lowest and highest value and label."""
    return {"count": spelled(scale.points, lang), "low": scale.min, "high": scale.max,
            "low_label": scale.label(scale.min, lang),
            "high_label": scale.label(scale.max, lang)}




def pooled_note(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """What the pooled ("all institutions") figures of the latest wave cover.

    Pooled figures count only institutions with at least ``MIN_CELL`` respondents on a
    theme (see :func:`readiness_analysis.build.prepare.summarise_all`); the note says so, with
    the number of institutions and respondents pooled and left out, counted in the study's
    unit (:func:`~readiness_analysis.report.labels.respondents`: "14 interviews"). Where
    fewer than ``MIN_INSTITUTIONS`` institutions qualify, the pooled figures are withheld
    and the note says so instead (:func:`_withheld`).

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> pooled_note(load_report_data("data/processed"), "en").data  # doctest: +SKIP
    "<p class='caption'>'All institutions' counts only institutions with at least 3 ..."
    """
    pooled = latest_pooled(data)
    if pooled.empty or "n_institutions" not in pooled:
        return HTML("")
    left = int(pooled["n_excluded"].max())
    study_waves = sorted(data.pooled_summary()["wave"].unique()) if "wave" in pooled else []
    wave = int(pooled["wave"].max()) if study_waves else None
    if len(study_waves) < 2:
        scope = text("latest", lang)
    else:  # an institution that skipped the latest wave is compared in its own (latest_pooled)
        scope = text("scope.wave" if wave == study_waves[-1] else "scope.own_wave", lang,
                     wave=wave)
    institutions = count(int(pooled["n_institutions"].max()), "plural.institution", lang)
    study = data.study
    line = text("pooled_note", lang, scope=scope, institutions=institutions,
                units=unit_noun(study, lang), n=respondents(study, int(pooled["n"].max()), lang),
                left=(text("pooled_left", lang, x=respondents(study, left, lang)) if left
                      else ""))
    return caption(_withheld(pooled, line, data, lang))


def _withheld(pooled: pd.DataFrame, line: str, data: ReportData, lang: str) -> str:
    """The pooled note, or what replaces it where fewer than three institutions qualify.

    The two-institution rule (:data:`readiness_analysis.stats.disclosure.MIN_INSTITUTIONS`):
    a theme pooled over fewer qualifying institutions shows no pooled figure.
    """
    few = pooled[pooled["n_institutions"] < MIN_INSTITUTIONS]
    if few.empty:
        return line
    values = {"min_institutions": MIN_INSTITUTIONS, "units": unit_noun(data.study, lang)}
    if len(few) == len(pooled):
        return text("disclosure.pooled_withheld", lang, **values)
    labels = theme_labels(data.instrument, lang)
    themes = ", ".join(labels.get(str(t), str(t)) for t in few["theme"])
    return f"{line} {text('disclosure.pooled_withheld_some', lang, themes=themes, **values)}"


def documents_note(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Say so when the document inventory is illustrative (as on the demo data).

    The inventory's own ``source`` column marks it (in the inventory's words).
    """
    sources = data.documents.get("source", pd.Series(dtype=str)).dropna().astype(str)
    if not sources.str.contains("illustratief|illustrative", case=False).any():
        return HTML("")
    return banner(text("inventory.illustrative", lang))


def accounting(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """One line that accounts for every raw row: read = kept + rejected + blank.

    Followed by :func:`unscored_line` when kept respondents answered no theme.
    """
    line = text("accounting_line", lang, **row_account(data.cleaning_log))
    return prose(" ".join(part for part in (line, unscored_line(data, lang)) if part))


def unscored_line(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> str:
    """How many kept respondents answered no theme, so are not counted ("" when none).

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> unscored_line(load_report_data("data/processed"), "en")  # doctest: +SKIP
    ''
    """
    n = unscored_count(data)
    return count(n, "unscored", lang) if n else ""


def recommendation_heading(study: Study, rec_id: str, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Heading with the recommendation's number (its place in the study) and title.

    Examples
    --------
    >>> from readiness_analysis.spec.study import load_study
    >>> recommendation_heading(load_study(), "R2", "en").data.startswith(
    ...     "<h3>Recommendation 2: ")
    True
    """
    line = text("rec.heading", lang, n=study.number(rec_id),
                title=html.escape(study.recommendation(rec_id).title[lang]))
    return HTML(f"<h3>{line}</h3>")


def theme_table(summary: pd.DataFrame, instrument: Instrument,
                lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Theme scores as a readable table: small cells suppressed, labels translated.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> s = pd.DataFrame({"theme": ["vision"], "n": [2], "mean": [2.5], "sd": [0.7],
    ...                   "agree": [0.5]})
    >>> theme_table(s, load_instrument()).iloc[0, 2]
    '–'
    """
    t = catalogue(lang)
    labels = theme_labels(instrument, lang)
    shown = suppress_small_cells(summary)
    out = pd.DataFrame(
        {
            t["theme"]: shown["theme"].astype(str).map(labels),
            t["n"]: shown["n"].astype(int),
            t["mean"]: shown["mean"].map(lambda v: number(v, lang)),
            t["sd"]: shown["sd"].map(lambda v: number(v, lang)),
            agree_header(instrument, lang): shown["agree"].map(
                lambda v: number(v * 100, lang, "{:.0f}%")),
        }
    )
    if {"ci_low", "ci_high"} <= set(shown.columns):
        out.insert(3, t["ci"], [
            "–" if pd.isna(lo) else f"{number(lo, lang)} – {number(hi, lang)}"
            for lo, hi in zip(shown["ci_low"], shown["ci_high"], strict=True)])
    if "wave" in shown and shown["wave"].nunique() > 1:
        out.insert(0, t["wave_column"], shown["wave"].astype(int).values)
    return out.reset_index(drop=True)


def tip(rec: Recommendation, named: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Markup of a recommendation's tip with its links; a short note when it has neither.

    ``named`` is how the study is called ("de handreiking").

    Examples
    --------
    >>> from readiness_analysis.spec.study import load_study
    >>> rec = load_study().recommendation("R3")
    >>> 'href="https://npuls.nl/digitale-sectorvoorzieningen/"' in tip(rec, "the guide", "en")
    True
    """
    label = text("rec.tip", lang, called=named)
    if not rec.tip and not rec.links:
        return labelled(label, text("actions.no_tip", lang, called=named))
    advice = html.escape(rec.tip[lang]) if rec.tip else ""
    more = f" {text('actions.more', lang)} {links(rec.links)}" if rec.links else ""
    return f"<p><strong>{label}:</strong> {advice}{more}</p>"
