"""Sections of the study report: participants, the four sub-questions, advice, method.

Every function takes the report data of the whole study (``load_report_data(processed)``)
and returns a DataFrame or an ``IPython.display.HTML`` block for
``notebooks/study_report.ipynb`` to display. Blocks that the institution report shows as
well live in :mod:`~readiness_analysis.report.common`.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
from IPython.display import HTML

from readiness_analysis.report import documents
from readiness_analysis.report.common import recommendation_heading, scale_words
from readiness_analysis.report.data import (
    ReportData,
    fragments_supplied,
    latest_pooled,
    latest_wave,
    once_per_data,
    scored_respondents,
    waves,
)
from readiness_analysis.report.html import caption as small_print
from readiness_analysis.report.html import (
    figure,
    labelled,
    prose,
    quotes,
    responsive_figure,
    table,
)
from readiness_analysis.report.joint import joint_display
from readiness_analysis.report.labels import (
    alpha_band_label,
    code_labels,
    in_sentence,
    step_label,
    test_status_label,
    theme_labels,
    unit_column,
    unit_noun,
    unit_word,
    valence_label,
)
from readiness_analysis.report.numbers import count, decimal, number, p_value
from readiness_analysis.report.plots import institution_caterpillar, score_distribution
from readiness_analysis.report.reliability import left_out_note
from readiness_analysis.report.text import DEFAULT_LANGUAGE, catalogue, text
from readiness_analysis.spec.codebook import Codebook, load_codebook
from readiness_analysis.spec.instrument import Instrument
from readiness_analysis.stats import structure
from readiness_analysis.stats.agreement import alpha_band
from readiness_analysis.stats.compare import (
    ASYMPTOTIC_N,
    ASYMPTOTIC_TOTAL,
    MIN_N,
    MIN_TOTAL,
    P_PERMUTATION,
    STATUS_CONSTANT,
    STATUS_FEW_INSTITUTIONS,
    STATUS_OK,
    STATUS_ONE_GROUP,
    STATUS_TOO_SMALL,
    GroupComparison,
    compare_institutions,
)
from readiness_analysis.stats.disclosure import (
    MIN_CELL,
    MIN_INSTITUTIONS,
    Pool,
    pool,
    suppress_small_cells,
)
from readiness_analysis.stats.evidence import code_frequencies
from readiness_analysis.stats.scores import READINESS

__all__ = [
    "MANY_INSTITUTIONS",
    "agreement_table",
    "code_frequency_table",
    "distribution_figure",
    "documents_tables",
    "factor_block",
    "factor_table",
    "factors_by_institution",
    "group_differences",
    "group_differences_note",
    "institution_comparison",
    "institution_comparison_note",
    "joint_display_table",
    "many_institutions",
    "participants",
    "quotes_by_recommendation",
    "recommendation_extra",
    "rejection_steps",
    "section_heading",
    "structure_check",
    "study_recommendation_blocks",
]


def participants(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Respondents (and the members they hold) per institution, with a total row.

    The columns count in the study's unit ("Interviews" and "Docenten" for the guide,
    "Studenten" for a student survey); the members only when the study's respondents
    hold them (``Study.members``).

    With several waves the table has a wave column and a total row per wave, so that a
    respondent of two waves is counted once in each wave, never twice in one total. With
    more than ``MANY_INSTITUTIONS`` institutions, the rows per institution give way to
    the number of institutions and the lowest, median and highest count per institution.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> participants(load_report_data("data/processed")).iloc[-1].tolist()  # doctest: +SKIP
    ['Totaal', 14, 23]
    """
    t = catalogue(lang)
    units = (unit_column(data.study.respondent, lang),
             unit_column(data.study.members, lang) if data.study.members else None)
    responses = scored_respondents(data)  # the headline n: respondents with a theme score
    all_waves = (sorted(responses["wave"].dropna().unique()) if "wave" in responses
                 else [])
    if many_institutions(data):
        return _participants_many(responses, t, units, lang)
    if len(all_waves) <= 1:
        return _participants(responses, t, units)
    parts = [_participants(responses[responses["wave"] == w], t, units)
             .assign(**{t["wave_column"]: int(w)}) for w in all_waves]
    frame = pd.concat(parts, ignore_index=True)
    return frame[[t["wave_column"], *frame.columns.drop(t["wave_column"])]]


def _participants(responses: pd.DataFrame, t: dict[str, str],
                  units: tuple[str, str | None]) -> pd.DataFrame:
    """Respondents (and members) per institution of ``responses``, with a total row.

    ``units`` are the column headers of respondents and members (None: no members).
    """
    counts = {units[0]: ("respondent_id", "size")}
    if units[1] is not None:
        counts[units[1]] = ("n_teachers", "sum")
    frame = (
        responses.groupby("institution", observed=True).agg(**counts).reset_index()
        .rename(columns={"institution": t["institution"]})
    )
    total = {t["institution"]: t["total"],
             **{column: int(frame[column].sum()) for column in counts}}
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def _participants_many(responses: pd.DataFrame, t: dict[str, str],
                       units: tuple[str, str | None], lang: str) -> pd.DataFrame:
    """Per wave: institutions, respondents (and members), respondents per institution."""
    rows = []
    for wave, part in responses.groupby("wave", observed=True, sort=True):
        per = part.groupby("institution", observed=True).size()
        row = {t["wave_column"]: int(wave), t["many.columns.shown"]: len(per),
               units[0]: int(per.sum())}
        if units[1] is not None:
            row[units[1]] = int(part["n_teachers"].sum())
        row.update({t["many.participants.lowest"]: int(per.min()),
                    t["many.participants.median"]: decimal(float(per.median()), lang,
                                                           0 if per.median() % 1 == 0 else 1),
                    t["many.participants.highest"]: int(per.max())})
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame if len(frame) > 1 else frame.drop(columns=t["wave_column"])


def section_heading(data: ReportData, section: str, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Heading of a study-report section: the study's sub-question for it, if it has one.

    ``section`` is one of :data:`readiness_analysis.spec.study.SECTIONS`. With a
    sub-question, the heading is "Sub-question n" (its place in the study) and the
    question as the study words it; without, the catalogue's ``section.<section>``.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> section_heading(load_report_data("data/processed"), "documents", "en").data[:32]
    ... # doctest: +SKIP
    '<h2>Sub-question 1</h2><p><em>Wh'
    """
    question = data.study.sub_question(section)
    if question is None:
        return HTML(f"<h2>{text(f'section.{section}', lang)}</h2>")
    number = data.study.sub_questions.index(question) + 1
    return HTML(f"<h2>{text('sq', lang, n=number)}</h2>"
                f"<p><em>{html.escape(question.text[lang])}</em></p>")


def documents_tables(data: ReportData,
                     lang: str = DEFAULT_LANGUAGE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Study-wide inventory: documents per institution, and what is missing where."""
    names = data.institutions
    return (documents.documents_overview(data.documents, lang, institutions=names),
            documents.missing_elements(data.documents, lang, institutions=names))


MANY_INSTITUTIONS = 12  # above this many institutions: distributions of means, no names
_MANY_QUANTILES = {"min": 0.0, "p10": 0.1, "median": 0.5, "p90": 0.9, "max": 1.0}


def many_institutions(data: ReportData) -> bool:
    """Whether the latest wave has more than ``MANY_INSTITUTIONS`` institutions.

    Up to ``MANY_INSTITUTIONS`` the study report shows one box and one column per
    institution; above it, :func:`distribution_figure` and :func:`institution_comparison`
    show the distribution of the institutions' means instead, without names.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> many_institutions(load_report_data("data/processed"))  # doctest: +SKIP
    False
    """
    return _institution_rows(data)["institution"].nunique() > MANY_INSTITUTIONS




def _institution_rows(data: ReportData) -> pd.DataFrame:
    """Institution rows of the summary in its latest wave, small cells suppressed.

    Once per report data object (the figure, the table, the note and
    :func:`many_institutions` all ask for them); callers do not change the frame.
    """
    return once_per_data(data, "study.institution_rows", lambda d: latest_wave(
        suppress_small_cells(d.summary.dropna(subset=["institution"]))))


def distribution_figure(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Box plots of the theme scores per institution in the latest wave (study report).

    Institutions with fewer than ``MIN_CELL`` scores on a theme are left out of it and
    named under the figure and in its caption. The boxes are per interview, also in a
    weighted build (the caption says so then). Above ``MANY_INSTITUTIONS`` institutions
    the figure is :func:`_many_figure` instead: per theme the institutions' means, sorted,
    with their intervals, and no names.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> distribution_figure(load_report_data("data/processed"))  # doctest: +SKIP
    """
    if many_institutions(data):
        return _many_figure(data, lang)
    all_waves = waves(data)
    scores = data.scores[data.scores["wave"] == all_waves[-1]] if all_waves else data.scores
    fig = score_distribution(scores, data.instrument, lang=lang,
                             units=unit_noun(data.study, lang))
    notes = [t.get_text() for t in fig.texts]
    caption = " ".join([text("distribution_caption", lang, in_wave=_in_wave(data, lang)),
                        *_absent_from_latest(data, lang),
                        *([text("distribution_unweighted", lang)] if data.weighted else []),
                        *notes])
    return figure(fig, alt=text("comparison_alt", lang), caption=caption)


def _in_wave(data: ReportData, lang: str) -> str:
    """", wave N" for a caption when the data have more than one wave, else nothing."""
    all_waves = waves(data)
    return text("in_wave", lang, wave=all_waves[-1]) if len(all_waves) > 1 else ""


def _absent_from_latest(data: ReportData, lang: str) -> list[str]:
    """The sentence naming how many institutions of earlier waves the latest wave lacks.

    The study report's comparisons show the latest wave; an institution that took part
    only earlier is not in them, and the reader is told how many that are (their own
    reports show their latest wave). Empty with one wave or when none is absent.
    """
    all_waves = waves(data)
    if len(all_waves) < 2:
        return []
    responses = data.responses
    latest = responses.loc[responses["wave"] == all_waves[-1], "institution"].unique()
    absent = responses.loc[~responses["institution"].isin(latest), "institution"].nunique()
    if not absent:
        return []
    return [count(absent, "absent_latest", lang, wave=all_waves[-1],
                  total=responses["institution"].nunique())]


def _many_figure(data: ReportData, lang: str) -> HTML:
    """:func:`distribution_figure` for many institutions: caterpillar plots, no names.

    A wide version (three panels a row) and a narrow one (one a row) for phones; cells
    suppressed as too small are not drawn and counted in the caption.
    """
    rows = _institution_rows(data)
    pooled = latest_pooled(data)
    units = unit_noun(data.study, lang)
    wide, narrow = (institution_caterpillar(rows, pooled, data.instrument, lang=lang,
                                            columns=k, units=units) for k in (3, 1))
    hidden = _hidden_cells(rows)
    parts = [text("many.caption", lang, in_wave=_in_wave(data, lang)),
             *_absent_from_latest(data, lang),
             *([text("many.weighted", lang)] if data.weighted else [])]
    if len(hidden):
        parts.append(text("many.suppressed", lang, cells=count(len(hidden), "many.cell", lang),
                          institutions=_institutions(hidden, lang), units=units))
    means = rows["mean"].dropna()
    alt = text("many.alt", lang, institutions=_institutions(rows, lang),
               low=number(means.min(), lang), high=number(means.max(), lang))
    return responsive_figure(wide, narrow, alt=alt, caption=" ".join(parts))


def _hidden_cells(rows: pd.DataFrame) -> pd.DataFrame:
    """(institution, theme) pairs of the wave without a mean shown: too small or absent.

    An institution of the wave with no row on a theme (nobody scored it) counts as well:
    it has fewer than ``MIN_CELL`` respondents there.
    """
    shown = pd.MultiIndex.from_frame(rows.dropna(subset=["mean"])[["institution", "theme"]]
                                     .astype(str))
    every = pd.MultiIndex.from_product([rows["institution"].astype(str).unique(),
                                        rows["theme"].astype(str).unique()],
                                       names=["institution", "theme"])
    return every.difference(shown).to_frame(index=False)


def _institutions(rows: pd.DataFrame, lang: str) -> str:
    """"200 instellingen": the number of distinct institutions of ``rows``, in words."""
    return count(rows["institution"].nunique(), "plural.institution", lang)


def institution_comparison(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Theme means per institution (latest wave) side by side, small cells suppressed.

    Above ``MANY_INSTITUTIONS`` institutions the table is per theme the distribution of
    their means instead (:func:`_many_table`): its columns do not grow with the number of
    institutions and it names none (:func:`institution_comparison_note` says where the
    figures per institution are).

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> institution_comparison(load_report_data("data/processed"), "en")  # doctest: +SKIP
    """
    summary = _institution_rows(data)
    labels = theme_labels(data.instrument, lang)
    if summary["institution"].nunique() > MANY_INSTITUTIONS:
        return _many_table(summary, latest_pooled(data), labels, lang)
    wide = summary.pivot_table(index="theme", columns="institution", values="mean",
                               observed=True, dropna=False)
    wide = wide.reindex([t for t in labels if t in wide.index])
    wide.index = [labels[t] for t in wide.index]

    out = wide.map(lambda v: number(v, lang)).reset_index()
    out.columns.name = None
    return out.rename(columns={"index": text("theme", lang)})


def _many_table(rows: pd.DataFrame, pooled: pd.DataFrame, labels: dict[str, str],
                lang: str) -> pd.DataFrame:
    """Per theme: institutions shown and not shown, pooled mean, spread of their means."""
    t = catalogue(lang)
    rows = rows.assign(theme=rows["theme"].astype(str))
    shown = rows.dropna(subset=["mean"])
    spread = (shown.groupby("theme")["mean"].quantile(list(_MANY_QUANTILES.values()))
              .unstack() if len(shown) else pd.DataFrame())
    n_shown = shown.groupby("theme")["institution"].nunique()
    n_hidden = _hidden_cells(rows).groupby("theme")["institution"].nunique()
    pooled_mean = pooled.assign(theme=pooled["theme"].astype(str)).set_index("theme")["mean"]
    themes = [th for th in labels if th in set(rows["theme"])]
    frame = pd.DataFrame({
        t["theme"]: [labels[th] for th in themes],
        t["many.columns.shown"]: [int(n_shown.get(th, 0)) for th in themes],
        t["many.columns.suppressed"]: [int(n_hidden.get(th, 0)) for th in themes],
        t["many.columns.pooled"]: [number(pooled_mean.get(th, float("nan")), lang)
                                   for th in themes]})
    for key, q in _MANY_QUANTILES.items():
        frame[t[f"many.columns.{key}"]] = [
            number(spread.loc[th, q] if th in spread.index else float("nan"), lang)
            for th in themes]
    return frame


def institution_comparison_note(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """The note under :func:`institution_comparison`; empty up to ``MANY_INSTITUTIONS``.

    With many institutions it says how the table summarises them and that the figures per
    institution are in ``institution_scores.csv`` of the processed folder.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> institution_comparison_note(load_report_data("data/processed")).data  # doctest: +SKIP
    ''
    """
    if not many_institutions(data):
        return HTML("")
    return small_print(text("many.note", lang, min_cell=MIN_CELL,
                            institutions=_institutions(_institution_rows(data), lang),
                            units=unit_noun(data.study, lang)))


def reading_guide(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """How to read the study report's scores: the scale, box plots or intervals, dashes.

    The institution report's guide (:func:`readiness_analysis.report.common.reading_guide`)
    explains columns this report does not show (SD, share agreeing, intervals beside
    each mean); this one explains its figure: box plots up to ``MANY_INSTITUTIONS``
    institutions, means with intervals above.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> "boxplots" in reading_guide(load_report_data("data/processed"), "nl").data
    ... # doctest: +SKIP
    True
    """
    study = data.study
    units = unit_noun(study, lang)
    if many_institutions(data):
        ci = text("guide_ci_weighted" if data.weighted else "guide_ci", lang, units=units)
        figure = text("guide_study_ci", lang, ci=ci)
    else:
        figure = text("guide_study_boxes", lang)
    weighted = ""
    if data.weighted:
        weighted = text("guide_study_weighted", lang,
                        members=unit_word(study.members or "teacher", lang),
                        one=unit_word(study.respondent, lang, one=True))
    return small_print(text("guide_study", lang, answers=scale_words(data.instrument, lang)[0],
                            weighted=weighted, figure=figure + " ", units=units))


def _comparison(data: ReportData) -> GroupComparison:
    """The institutions compared per theme: latest wave, Holm across themes.

    Under the disclosure rule (:func:`readiness_analysis.stats.compare.compare_institutions`):
    only institutions with at least ``MIN_CELL`` scores, and no test with fewer than
    ``MIN_INSTITUTIONS`` of them. Computed once per report data object: the table and its
    note both ask for it, and with 200 institutions it takes a noticeable part of a
    second.
    """
    return once_per_data(data, "study.comparison", lambda d: compare_institutions(
        d.scores, weighted=d.weighted, pairwise=False))


def group_differences(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Differences between institutions per theme: Kruskal-Wallis, or why not tested.

    One row per theme of the latest wave (``stats.compare.compare_institutions``): ``n``,
    with a weighted build Kish's effective n, the test status, H, p (exact, permutation or
    chi-squared, as the note says), p adjusted across the tested themes (Holm), ε² and
    the note. Institutions with fewer than ``MIN_CELL`` scores on a theme are left out of
    its test (:func:`group_differences_note` counts them); a theme with fewer than
    ``MIN_INSTITUTIONS`` left is not tested.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> group_differences(load_report_data("data/processed")).columns[-2]  # doctest: +SKIP
    'ε²'
    """
    result = _comparison(data)
    overall = result.overall
    t = catalogue(lang)
    labels = theme_labels(data.instrument, lang)
    columns = {
        t["theme"]: [labels.get(str(th), str(th)) for th in overall["theme"]],
        "n": overall["n"].astype(int).values,
    }
    if result.weighted:
        columns[t["comparisons.n_eff"]] = [number(v, lang, "{:.1f}") for v in overall["n_eff"]]
    units = unit_noun(data.study, lang)
    columns.update({
        t["columns.test"]: [text("disclosure.status", lang) if s == STATUS_FEW_INSTITUTIONS
                            else test_status_label(s, lang) for s in overall["status"]],
        "H": [number(v, lang) for v in overall["h"]],
        "p": [p_value(v, lang) for v in overall["p"]],
        _adjusted_header(result, lang): [p_value(v, lang) for v in overall["p_adjusted"]],
        "ε²": [number(v, lang) for v in overall["epsilon2"]],
        t["columns.explanation"]: [_note(row, lang, units) for row in overall.itertuples()],
    })
    return pd.DataFrame(columns)


def group_differences_note(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """What the comparison table tests, on which wave and with which corrections.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> "Kruskal" in group_differences_note(load_report_data("data/processed")).data
    ... # doctest: +SKIP
    True
    """
    result = _comparison(data)
    study = data.study
    member = study.members or "teacher"
    wave = ""
    if len(waves(data)) > 1:
        wave = (text("comparisons.wave_all", lang) if result.wave == "all"
                else text("comparisons.wave", lang, wave=result.wave))
    line = text(
        "comparisons.note", lang,
        one=unit_word(study.respondent, lang, one=True), units=unit_noun(study, lang),
        members=(text("comparisons.members", lang, members=unit_word(member, lang))
                 if study.members else ""),
        wave=wave, asymptotic_n=ASYMPTOTIC_N, asymptotic_total=ASYMPTOTIC_TOTAL,
        permutations=result.n_permutations, min_n=result.min_n, min_total=result.min_total,
        family=_family(result, data.instrument, lang),
    )
    if waves(data) and result.wave == waves(data)[-1]:
        line = " ".join([line, *_absent_from_latest(data, lang)])
    if result.weighted:
        line += " " + text("comparisons.weighted", lang,
                           one=unit_word(study.respondent, lang, one=True),
                           member=unit_word(member, lang, one=True))
    return HTML(small_print(line).data + left_out_note(_left_out(result), lang, study).data)


def _left_out(result: GroupComparison) -> list[Pool]:
    """What each theme's test left out, as :class:`~readiness_analysis.stats.disclosure.Pool`."""
    overall = result.overall
    return [Pool(np.zeros(0, dtype=bool), int(row.n_groups), int(row.n),
                 int(row.excluded_institutions), int(row.n_excluded))
            for row in overall.itertuples()]


def _family(result: GroupComparison, instrument: Instrument, lang: str) -> str:
    """The sentence on the adjusted p-values: which family, which method ("" untested).

    The family counts the themes tested and, apart, the overall score when it was tested
    too: it is one more test, not one more theme.
    """
    tested = result.overall.loc[result.overall["status"] == STATUS_OK, "theme"]
    if tested.empty:
        return ""
    n_themes = int((tested != READINESS).sum())
    family = count(n_themes, "comparisons.themes", lang) if n_themes else ""
    if (tested == READINESS).any():
        overall = in_sentence(theme_labels(instrument, lang)[READINESS])
        family = text("comparisons.and_overall" if n_themes else "comparisons.only_overall",
                      lang, themes=family, overall=overall)
    return text("comparisons.family", lang, adjusted=_adjusted_header(result, lang),
                themes=family, space=" ", method_name=text(f"comparisons.{result.adjust}", lang))


def _adjusted_header(result: GroupComparison, lang: str) -> str:
    """The header of the adjusted p-values: "p (Holm, over thema's)"."""
    method = "Holm" if result.adjust == "holm" else result.adjust
    return text("comparisons.p_adjusted", lang, method=method)


def _note(row, lang: str, units: str = "") -> str:
    """Which p-value a tested theme has, or why a theme was not tested.

    Worded by the catalogue (``comparisons.*``, ``compare_note.*``); ``stats.compare``
    gives the method or the reason as a code and the numbers behind it.
    """
    if row.status == STATUS_OK:
        if row.p_method == P_PERMUTATION:
            return text("comparisons.permutation", lang,
                        se=p_value(row.p_mc_se, lang))
        return text(f"comparisons.{row.p_method}", lang)
    if row.status == STATUS_ONE_GROUP:
        if pd.isna(row.smallest):
            return text("compare_note.no_groups", lang)
        return text("compare_note.one_group", lang)
    if row.status == STATUS_CONSTANT:
        return text("compare_note.all_equal", lang)
    if row.status == STATUS_FEW_INSTITUTIONS:
        return text("disclosure.compare_withheld", lang, min_institutions=MIN_INSTITUTIONS,
                    units=units)
    if row.status == STATUS_TOO_SMALL and row.min_group_n < MIN_N:
        return text("compare_note.smallest", lang, group=row.smallest, min_n=MIN_N,
                    scores=count(int(row.min_group_n), "plural.score", lang))
    if row.status == STATUS_TOO_SMALL:
        return text("compare_note.total", lang, n=int(row.n), min_total=MIN_TOTAL)
    return ""


def _with_labels(counts: pd.DataFrame, book: Codebook, lang: str) -> pd.DataFrame:
    """Code frequencies with the codebook's name of each code as ``label``."""
    return counts.assign(label=[book[c].name[lang] for c in counts["code"]])


def code_frequency_table(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Fragments per code and valence, most frequent first, with readable labels."""
    counts = _with_labels(code_frequencies(data.fragments), load_codebook(), lang)
    t = catalogue(lang)
    return pd.DataFrame({
        t["columns.factor"]: counts["label"],
        t["columns.valence"]: counts["valence"].map(lambda v: valence_label(v, lang)),
        t["columns.fragments"]: counts["fragments"]})


def factor_table(data: ReportData, valence: str, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Codes of one valence by number of fragments and interviews' institutions.

    A fragment can carry several codes, so the fragment column does not add up to the
    number of fragments; its header says so and gives that number. The recommendation
    column gives the recommendation's number in the study, not its id ("3", not "R3").
    """
    chosen = data.fragments[data.fragments["valence"] == valence]
    book = load_codebook()
    counts = _with_labels(code_frequencies(chosen), book, lang)
    t = catalogue(lang)
    names = (t["columns.factor"], text("rank_check.code_uses", lang,
                                       n=chosen["fragment_id"].nunique()),
             t["interviews"], t["columns.recommendation"])
    frame = pd.DataFrame({names[0]: counts["label"], names[1]: counts["fragments"],
                          names[2]: counts["interviews"],
                          names[3]: [_rec_number(data, book[c].recommendation)
                                     for c in counts["code"]]})
    return frame if counts["interviews"].notna().any() else frame.drop(columns=names[2])


def _rec_number(data: ReportData, rec_id: str | None) -> int | str:
    """A recommendation's number in the study (``"R3"`` → 3); an id it lacks as it is."""
    ids = data.study.recommendation_ids
    return ids.index(rec_id) + 1 if rec_id in ids else ("" if rec_id is None else rec_id)


def factor_block(data: ReportData, valence: str, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """:func:`factor_table` as HTML, or one sentence when there is nothing to count.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> factor_block(load_report_data("data/processed"), "hindering")  # doctest: +SKIP
    """
    if not fragments_supplied(data):
        return prose(text("no_fragments_supplied", lang))
    factors = factor_table(data, valence, lang)
    if factors.empty:
        return prose(text("no_fragments_valence", lang))
    return table(factors)


def factors_by_institution(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Fragments per code (rows) and institution (columns); empty without attribution."""
    attributed = data.fragments.dropna(subset=["institution"])
    if attributed.empty:
        return pd.DataFrame()
    counts = _with_labels(code_frequencies(attributed, by=("institution",)), load_codebook(),
                          lang)
    counts = counts.assign(valence=counts["valence"].map(lambda v: valence_label(v, lang)))
    wide = counts.pivot_table(index=["label", "valence"], columns="institution",
                              values="fragments", fill_value=0, aggfunc="sum")
    wide.columns.name = None
    return wide.reset_index().rename(columns={"label": text("columns.factor", lang),
                                              "valence": text("columns.valence", lang)})


def quotes_by_recommendation(data: ReportData):
    """Yield ``(recommendation, fragments)`` per recommendation, in the study's order.

    Fragments are the coded fragments whose primary (first) code supports the
    recommendation.
    """
    primary = data.fragments[data.fragments["rank"] == 1]
    for rec in data.study.recommendation_ids:
        yield rec, primary[primary["recommendation"] == rec]


def recommendation_extra(data: ReportData, rec_id: str, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Material that belongs with a recommendation: the study's definition, where it says so.

    For the guide, the HAN Blended Leren Bloem with recommendation 1.
    """
    study = data.study
    if study.definition is None or not study.recommendation(rec_id).with_definition:
        return HTML("")
    return HTML(documents.bloem_html(lang, study.definition))


def study_recommendation_blocks(data: ReportData, lang: str = DEFAULT_LANGUAGE):
    """Yield the study's recommendations, in its order, as HTML.

    Each: heading, the study's definition where it goes with it (the Bloem with R1), and
    the quotes whose primary code supports it. When no coded fragments were supplied, one
    sentence says so first and each recommendation shows what the study found instead of
    an empty list of quotes.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> blocks = list(study_recommendation_blocks(load_report_data("data/processed")))
    ... # doctest: +SKIP
    """
    supplied = fragments_supplied(data)
    if not supplied:
        yield prose(text("no_fragments_supplied", lang))
    for rec_id, fragments in quotes_by_recommendation(data):
        rec = data.study.recommendation(rec_id)
        parts = [recommendation_heading(data.study, rec_id, lang).data,
                 recommendation_extra(data, rec_id, lang).data]
        if supplied:
            parts.append(quotes(fragments).data)
        elif rec.summary:
            parts.append(labelled(text("rec.study_says", lang), rec.summary[lang]))
        yield HTML("".join(parts))


def joint_display_table(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Scan scores next to coded barriers and enablers per recommendation (pooled).

    Each recommendation by its number in the study ("3", not the id "R3").
    """
    frame = joint_display(latest_pooled(data), data.fragments, data.instrument,
                          load_codebook(), lang, links=data.study.links(data.instrument))
    first = frame.columns[0]
    return frame.assign(**{first: [_rec_number(data, r) for r in frame[first]]})


def structure_check(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Exploratory factor analysis of the items when n allows, else the reason it does not.

    A pooled figure: only respondents of institutions with at least ``MIN_CELL`` complete
    respondents (the analysis uses complete rows only) in their wave count, and nothing is
    fitted unless ``MIN_INSTITUTIONS`` institutions qualify
    (:func:`readiness_analysis.stats.disclosure.pool`).
    """
    items = data.responses[[i for i in data.instrument.item_ids if i in data.responses]]
    kept = pool(data.responses, items.notna().all(axis=1))
    if not kept.shown:  # too few complete answers in all is the plainer reason
        if len(items.dropna()) < structure.needed_respondents(items.shape[1]):
            return _no_structure(items, lang)
        return prose(text("disclosure.withheld", lang, min_institutions=MIN_INSTITUTIONS,
                          units=unit_noun(data.study, lang)))
    items = items[kept.rows]
    themes = {i.id: i.theme for i in data.instrument.items}
    try:
        result = structure.explore_structure(items, themes=themes)
    except structure.TooFewRespondentsError:
        return _no_structure(items, lang)
    except structure.StructureError:
        return prose(text("structure.not_possible", lang))
    share = result.items["as_expected"].mean()
    return prose(text("structure.factors", lang, factors=result.n_factors, n=result.n,
                      share=number(share * 100, lang, "{:.0f}%")))


def _no_structure(items: pd.DataFrame, lang: str) -> HTML:
    """Why there is no factor analysis: too few complete respondents for these items."""
    return prose(text("structure.none", lang, n=len(items.dropna()), n_items=items.shape[1],
                      needed=structure.needed_respondents(items.shape[1]),
                      min_n=structure.MIN_N, min_per_item=structure.MIN_PER_ITEM))


def agreement_table(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Coder agreement per code (Cohen's kappa, Krippendorff's alpha) with its verdict.

    The verdict is alpha's band (:func:`readiness_analysis.stats.agreement.alpha_band`) in
    the words of ``lang``; it is derived again from alpha, so that it always follows the
    rule and the report's language.
    """
    frame = data.agreement if data.agreement is not None else pd.DataFrame()
    if frame.empty:
        return frame
    t = catalogue(lang)
    return pd.DataFrame({
        t["columns.code"]: code_labels(frame["code"], lang),
        t["columns.fragments"]: frame["n_fragments"],
        t["columns.coders"]: frame["n_coders"],
        "kappa": [number(v, lang) for v in frame["kappa"]],
        "alpha": [number(v, lang) for v in frame["alpha"]],
        t["columns.verdict"]: [alpha_band_label(alpha_band(v), lang) for v in frame["alpha"]],
    })


def rejection_steps(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Cleaning steps that rejected or set aside rows (empty when none did), readable headers.

    Steps are shown by their label in ``lang`` (:func:`~readiness_analysis.report.labels.
    step_label`), not by the identifier in ``cleaning_log.csv``; an unknown step shows its
    identifier.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> rejection_steps(load_report_data("data/processed"), "en")  # doctest: +SKIP
    """
    log = data.cleaning_log
    log = log[(log["rejected"] > 0) | (log["blank"] > 0)]
    t = catalogue(lang)
    return pd.DataFrame({t["columns.step"]: [step_label(step, lang) for step in log["step"]],
                         t["columns.rows_before"]: log["rows_in"].values,
                         t["columns.rows_after"]: log["rows_out"].values,
                         t["columns.rejected"]: log["rejected"].values,
                         t["columns.blank"]: log["blank"].values})
