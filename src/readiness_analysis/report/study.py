"""Sections of the study report: participants, the four sub-questions, advice, method.

Every function takes the report data of the whole study (``load_report_data(processed)``)
and returns a DataFrame or an ``IPython.display.HTML`` block for
``notebooks/study_report.ipynb`` to display. Blocks that the institution report shows as
well live in :mod:`~readiness_analysis.report.common`.
"""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML

from readiness_analysis.report import documents
from readiness_analysis.report.common import recommendation_heading
from readiness_analysis.report.data import (
    ReportData,
    fragments_supplied,
    latest_pooled,
    latest_wave,
    waves,
)
from readiness_analysis.report.html import figure, labelled, prose, quotes, table
from readiness_analysis.report.joint import joint_display
from readiness_analysis.report.labels import (
    alpha_band_label,
    step_label,
    test_status_label,
    theme_labels,
    valence_label,
)
from readiness_analysis.report.numbers import count, number
from readiness_analysis.report.plots import score_distribution
from readiness_analysis.report.text import DEFAULT_LANGUAGE, catalogue, text
from readiness_analysis.spec.codebook import Codebook, load_codebook
from readiness_analysis.spec.instrument import RECOMMENDATIONS
from readiness_analysis.spec.study import load_study
from readiness_analysis.stats import structure
from readiness_analysis.stats.agreement import alpha_band
from readiness_analysis.stats.compare import (
    MIN_N,
    MIN_TOTAL,
    STATUS_CONSTANT,
    STATUS_ONE_GROUP,
    STATUS_TOO_SMALL,
    compare_groups,
)
from readiness_analysis.stats.disclosure import suppress_small_cells
from readiness_analysis.stats.evidence import code_frequencies

__all__ = [
    "agreement_table",
    "code_frequency_table",
    "distribution_figure",
    "documents_tables",
    "factor_block",
    "factor_table",
    "factors_by_institution",
    "group_differences",
    "institution_comparison",
    "joint_display_table",
    "participants",
    "quotes_by_recommendation",
    "recommendation_extra",
    "rejection_steps",
    "structure_check",
    "study_recommendation_blocks",
    "sub_question",
]


def participants(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Interviews and teachers per institution, with a total row; per wave if several.

    With several waves the table has a wave column and a total row per wave, so that a
    respondent of two waves is counted once in each wave, never twice in one total.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> participants(load_report_data("data/processed")).iloc[-1].tolist()  # doctest: +SKIP
    ['Totaal', 14, 23]
    """
    t = catalogue(lang)
    all_waves = (sorted(data.responses["wave"].dropna().unique()) if "wave" in data.responses
                 else [])
    if len(all_waves) <= 1:
        return _participants(data.responses, t)
    parts = [_participants(data.responses[data.responses["wave"] == w], t)
             .assign(**{t["wave_column"]: int(w)}) for w in all_waves]
    frame = pd.concat(parts, ignore_index=True)
    return frame[[t["wave_column"], *frame.columns.drop(t["wave_column"])]]


def _participants(responses: pd.DataFrame, t: dict[str, str]) -> pd.DataFrame:
    """Interviews and teachers per institution of ``responses``, with a total row."""
    frame = (
        responses.groupby("institution", observed=True)
        .agg(**{t["interviews"]: ("respondent_id", "size"),
                t["teachers"]: ("n_teachers", "sum")})
        .reset_index()
        .rename(columns={"institution": t["institution"]})
    )
    total = {t["institution"]: t["total"], t["interviews"]: int(frame[t["interviews"]].sum()),
             t["teachers"]: int(frame[t["teachers"]].sum())}
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def sub_question(number: int, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Heading with the study's sub-question ``number`` (1-4), as the guide words it.

    Examples
    --------
    >>> sub_question(1, "en").data.startswith("<h2>Sub-question 1</h2><p><em>")
    True
    """
    question = load_study()["sub_questions"][number - 1][lang]
    return HTML(f"<h2>{text('sq', lang, n=number)}</h2><p><em>{html.escape(question)}</em></p>")


def documents_tables(data: ReportData,
                     lang: str = DEFAULT_LANGUAGE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Study-wide inventory: documents per institution, and what is missing where."""
    names = data.institutions
    return (documents.documents_overview(data.documents, lang, institutions=names),
            documents.missing_elements(data.documents, lang, institutions=names))


def distribution_figure(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Box plots of the theme scores per institution in the latest wave (study report).

    Institutions with fewer than ``MIN_CELL`` scores on a theme are left out of it and
    named under the figure and in its caption. The boxes are per interview, also in a
    weighted build (the caption says so then).

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> distribution_figure(load_report_data("data/processed"))  # doctest: +SKIP
    """
    all_waves = waves(data)
    scores = data.scores[data.scores["wave"] == all_waves[-1]] if all_waves else data.scores
    fig = score_distribution(scores, data.instrument, lang=lang)
    notes = [t.get_text() for t in fig.texts]
    caption = " ".join([text("distribution_caption", lang,
                             wave=all_waves[-1] if all_waves else 1),
                        *([text("distribution_unweighted", lang)] if data.weighted else []),
                        *notes])
    return figure(fig, alt=text("comparison_alt", lang), caption=caption)


def institution_comparison(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Theme means per institution (latest wave) side by side, small cells suppressed."""
    summary = latest_wave(suppress_small_cells(data.summary.dropna(subset=["institution"])))
    labels = theme_labels(data.instrument, lang)
    wide = summary.pivot_table(index="theme", columns="institution", values="mean",
                               observed=True, dropna=False)
    wide = wide.reindex([t for t in labels if t in wide.index])
    wide.index = [labels[t] for t in wide.index]

    out = wide.map(lambda v: number(v, lang)).reset_index()
    out.columns.name = None
    return out.rename(columns={"index": text("theme", lang)})


def group_differences(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Differences between institutions per theme: Kruskal-Wallis, or why not tested."""
    overall = compare_groups(data.scores).overall
    t = catalogue(lang)
    labels = theme_labels(data.instrument, lang)
    return pd.DataFrame({
        t["theme"]: [labels.get(str(th), str(th)) for th in overall["theme"]],
        "n": overall["n"].astype(int).values,
        t["columns.test"]: [test_status_label(s, lang) for s in overall["status"]],
        "H": [number(v, lang) for v in overall["h"]],
        "p": [number(v, lang, "{:.3f}") for v in overall["p"]],
        "ε²": [number(v, lang) for v in overall["epsilon2"]],
        t["columns.explanation"]: [_note(row, lang) for row in overall.itertuples()],
    })


def _note(row, lang: str) -> str:
    """Why a theme was not tested, worded by the catalogue (``compare_note.*``).

    ``stats.compare`` gives the reason as a status code and the numbers behind it.
    """
    if row.status == STATUS_ONE_GROUP:
        if pd.isna(row.smallest):
            return text("compare_note.no_groups", lang)
        return text("compare_note.one_group", lang)
    if row.status == STATUS_CONSTANT:
        return text("compare_note.all_equal", lang)
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
    """Codes of one valence by number of fragments and interviews' institutions."""
    chosen = data.fragments[data.fragments["valence"] == valence]
    book = load_codebook()
    counts = _with_labels(code_frequencies(chosen), book, lang)
    t = catalogue(lang)
    names = (t["columns.factor"], t["columns.fragments"], t["interviews"],
             t["columns.recommendation"])
    frame = pd.DataFrame({names[0]: counts["label"], names[1]: counts["fragments"],
                          names[2]: counts["interviews"],
                          names[3]: [book[c].recommendation for c in counts["code"]]})
    return frame if counts["interviews"].notna().any() else frame.drop(columns=names[2])


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
    wide = counts.pivot_table(index=["label", "valence"], columns="institution",
                              values="fragments", fill_value=0, aggfunc="sum")
    wide.columns.name = None
    return wide.reset_index().rename(columns={"label": text("columns.factor", lang),
                                              "valence": text("columns.valence", lang)})


def quotes_by_recommendation(data: ReportData):
    """Yield ``(recommendation, fragments)`` for R1-R5, in the guide's order.

    Fragments are the coded fragments whose primary (first) code supports the
    recommendation.
    """
    primary = data.fragments[data.fragments["rank"] == 1]
    for rec in RECOMMENDATIONS:
        yield rec, primary[primary["recommendation"] == rec]


def recommendation_extra(rec_id: str, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Material that belongs with a recommendation: the HAN Blended Leren Bloem for R1."""
    return HTML(documents.bloem_html(lang) if rec_id == "R1" else "")


def study_recommendation_blocks(data: ReportData, lang: str = DEFAULT_LANGUAGE):
    """Yield the study report's five recommendations, in the guide's order, as HTML.

    Each: heading, the Bloem for R1, and the quotes whose primary code supports it. When
    no coded fragments were supplied, one sentence says so first and each recommendation
    shows what the guide found instead of an empty list of quotes.

    Examples
    --------
    >>> from readiness_analysis.report.data import load_report_data
    >>> blocks = list(study_recommendation_blocks(load_report_data("data/processed")))
    ... # doctest: +SKIP
    """
    supplied = fragments_supplied(data)
    if not supplied:
        yield prose(text("no_fragments_supplied", lang))
    study = {r["id"]: r for r in load_study()["recommendations"]}
    for rec_id, fragments in quotes_by_recommendation(data):
        parts = [recommendation_heading(rec_id, lang).data, recommendation_extra(rec_id, lang).data]
        if supplied:
            parts.append(quotes(fragments).data)
        else:
            parts.append(labelled(text("rec.study_says", lang), study[rec_id]["summary"][lang]))
        yield HTML("".join(parts))


def joint_display_table(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Scan scores next to coded barriers and enablers per recommendation (pooled)."""
    return joint_display(latest_pooled(data), data.fragments, data.instrument,
                         load_codebook(), lang)


def structure_check(data: ReportData, lang: str = DEFAULT_LANGUAGE) -> HTML:
    """Exploratory factor analysis of the items when n allows, else the reason it does not."""
    items = data.responses[[i for i in data.instrument.item_ids if i in data.responses]]
    themes = {i.id: i.theme for i in data.instrument.items}
    try:
        result = structure.explore_structure(items, themes=themes)
    except structure.TooFewRespondentsError:
        return prose(text("structure.none", lang, n=len(items.dropna()), n_items=items.shape[1],
                          needed=structure.needed_respondents(items.shape[1]),
                          min_n=structure.MIN_N, min_per_item=structure.MIN_PER_ITEM))
    except structure.StructureError:
        return prose(text("structure.not_possible", lang))
    share = result.items["as_expected"].mean()
    return prose(text("structure.factors", lang, factors=result.n_factors, n=result.n,
                      share=number(share * 100, lang, "{:.0f}%")))


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
        t["columns.code"]: frame["code"], t["columns.fragments"]: frame["n_fragments"],
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
