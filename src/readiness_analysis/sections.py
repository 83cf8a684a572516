"""Report sections built from tested library results: priorities, advice, provenance.

Every function returns a DataFrame or an ``IPython.display.HTML`` block for a notebook
to display; text from data is escaped here.
"""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML

from . import documents
from .clean import row_account
from .clock import build_time
from .findings import MIN_FRAGMENTS, SCAN_WEIGHT, rank_recommendations
from .indices import MIN_CELL, suppress_small_cells
from .ingest import plural
from .plots import score_distribution, theme_labels, theme_profile
from .reporting import (
    ReportData,
    figure,
    number,
    quotes,
    recommendation_heading,
    step_label,
    table,
    text,
)
from .study import load_study, published_quotes, recommendation_title

__all__ = [
    "accounting_lines",
    "agreement_table",
    "change_table",
    "distribution_figure",
    "documents_note",
    "documents_tables",
    "factor_block",
    "factor_table",
    "factors_by_institution",
    "fragments_supplied",
    "group_differences",
    "institution_comparison",
    "joint_display_table",
    "latest_responses",
    "own_documents",
    "own_fragments_block",
    "pooled_note",
    "priorities",
    "priority_rule",
    "profile_data",
    "profile_figure",
    "provenance_table",
    "ranking_rule",
    "recommendation_blocks",
    "recommendation_extra",
    "rejection_steps",
    "structure_check",
    "study_recommendation_blocks",
    "sub_question",
    "summary_block",
    "variation_table",
    "vision_alignment_table",
]

_WORDS = {
    "nl": {"scan": "scan: {themes} gemiddeld {own} (alle instellingen {pooled})",
           "frag": "{n} belemmerende fragmenten ({source})",
           "own": "eigen interviews", "study": "alle interviews van de studie",
           "rank": "Prioriteit", "rec": "Aanbeveling", "reading": "Onderbouwing",
           "tip": "Tip uit de handreiking", "study_says": "Wat de studie vond",
           "own_frag": "Fragmenten uit de interviews van deze instelling",
           "quotes": "Citaten uit de handreiking",
           "rule": f"Rangorde: {SCAN_WEIGHT:.0%} afstand tot de top van de schaal op de "
           f"scanthema's van de aanbeveling + {1 - SCAN_WEIGHT:.0%} aandeel van de "
           "belemmerende interviewfragmenten dat bij de aanbeveling hoort (eigen fragmenten "
           f"vanaf {MIN_FRAGMENTS}, anders die van de hele studie). Bij gelijke stand telt de "
           "volgorde van de handreiking.",
           "rule_scan": "Rangorde alleen op de scan: afstand tot de top van de schaal op de "
           "scanthema's van de aanbeveling ({why}). Bij gelijke stand telt de volgorde van de "
           "handreiking.",
           "rule_interviews": f"Rangorde alleen op de interviews: uit de scan is geen rangorde "
           f"te maken (minder dan {MIN_CELL} respondenten), dus telt het aandeel van de eigen "
           "belemmerende interviewfragmenten dat bij de aanbeveling hoort. Bij gelijke stand "
           "telt de volgorde van de handreiking.",
           "rule_none": f"Geen rangorde: uit de scan is geen rangorde te maken (minder dan "
           f"{MIN_CELL} respondenten) en er zijn geen eigen interviewfragmenten. De "
           "aanbevelingen staan in de volgorde van de handreiking.",
           "rule_wave": " De rangorde gebruikt de laatste meting (meting {wave}).",
           "scan_small": f"scan: minder dan {MIN_CELL} respondenten (alle instellingen "
           "{pooled})",
           "no_own": "geen eigen interviewfragmenten",
           "none": "–"},
    "en": {"scan": "scan: {themes} mean {own} (all institutions {pooled})",
           "frag": "{n} hindering fragments ({source})",
           "own": "own interviews", "study": "all interviews of the study",
           "rank": "Priority", "rec": "Recommendation", "reading": "Evidence",
           "tip": "Tip from the guide", "study_says": "What the study found",
           "own_frag": "Fragments from this institution's interviews",
           "quotes": "Quotes from the guide",
           "rule": f"Ranking: {SCAN_WEIGHT:.0%} distance to the top of the scale on the "
           f"recommendation's scan themes + {1 - SCAN_WEIGHT:.0%} share of the hindering "
           "interview fragments that support the recommendation (own fragments from "
           f"{MIN_FRAGMENTS} on, otherwise those of the whole study). Ties follow the guide's "
           "order.",
           "rule_scan": "Ranking on the scan only: distance to the top of the scale on the "
           "recommendation's scan themes ({why}). Ties follow the guide's order.",
           "rule_interviews": f"Ranking on the interviews only: the scan gives no ranking "
           f"(fewer than {MIN_CELL} respondents), so the share of this institution's own "
           "hindering interview fragments that support the recommendation counts. Ties follow "
           "the guide's order.",
           "rule_none": f"No ranking: the scan gives no ranking (fewer than {MIN_CELL} "
           "respondents) and there are no own interview fragments. The recommendations follow "
           "the guide's order.",
           "rule_wave": " The ranking uses the latest wave (wave {wave}).",
           "scan_small": f"scan: fewer than {MIN_CELL} respondents (all institutions "
           "{pooled})",
           "no_own": "no own interview fragments",
           "none": "–"},
}


def _latest_wave(summary: pd.DataFrame) -> pd.DataFrame:
    if "wave" in summary and len(summary):
        return summary[summary["wave"] == summary["wave"].max()]
    return summary


def _own_summary(data: ReportData, institution: str) -> pd.DataFrame:
    return suppress_small_cells(_latest_wave(data.institution_summary(institution)))


def _pooled_summary(data: ReportData) -> pd.DataFrame:
    return _latest_wave(data.pooled_summary())


def _ranking(data: ReportData, institution: str) -> pd.DataFrame:
    pooled = data.pooled_fragments if data.pooled_fragments is not None else data.fragments
    return rank_recommendations(_own_summary(data, institution), data.instrument,
                                data.fragments, pooled)


def fragments_supplied(data: ReportData) -> bool:
    """Whether any coded interview fragments were supplied to the study (any institution).

    Examples
    --------
    >>> from readiness_analysis.reporting import load_report_data
    >>> fragments_supplied(load_report_data("data/processed"))  # doctest: +SKIP
    True
    """
    pooled = data.pooled_fragments
    return not data.fragments.empty or (pooled is not None and not pooled.empty)


def _waves(data: ReportData) -> list[int]:
    """The waves of the responses, sorted."""
    if "wave" not in data.responses or data.responses.empty:
        return []
    return sorted(int(w) for w in data.responses["wave"].dropna().unique())


def _reading(row, data: ReportData, institution: str, lang: str) -> str:
    words = _WORDS[lang]
    themes = [t.id for t in data.instrument.themes if t.recommendation == row.recommendation]
    own = _own_summary(data, institution).set_index("theme")["mean"]
    pooled = _pooled_summary(data).set_index("theme")["mean"]

    def mean_of(series):
        values = [series[t] for t in themes if t in series and pd.notna(series[t])]
        return number(sum(values) / len(values), lang, "{:.1f}") if values else words["none"]

    labels = ", ".join(data.instrument.theme_label(t, lang).lower() for t in themes)
    if row.basis in ("interviews", "none"):
        scan = words["scan_small"].format(pooled=mean_of(pooled))
    else:
        scan = words["scan"].format(themes=labels, own=mean_of(own), pooled=mean_of(pooled))
    if not fragments_supplied(data):
        return scan
    if row.basis == "none":
        return f"{scan}; {words['no_own']}"
    return f"{scan}; {words['frag'].format(n=row.n_barriers, source=words[row.barrier_source])}"


def priorities(data: ReportData, institution: str, lang: str = "nl") -> pd.DataFrame:
    """The five recommendations ranked for this institution, with a one-line reading.

    When there is no basis for a ranking (see :func:`readiness_analysis.findings.
    rank_recommendations`), the recommendations come in the guide's order and the
    priority column is left out.

    Examples
    --------
    >>> from readiness_analysis.reporting import load_report_data
    >>> data = load_report_data("data/processed", "Instelling A")  # doctest: +SKIP
    >>> priorities(data, "Instelling A").iloc[0, 0]  # doctest: +SKIP
    1
    """
    words = _WORDS[lang]
    ranking = _ranking(data, institution)
    table = pd.DataFrame({
        words["rank"]: ranking["rank"],
        words["rec"]: [f"{r[1:]}. {recommendation_title(r, lang)}"
                       for r in ranking["recommendation"]],
        words["reading"]: [_reading(row, data, institution, lang)
                           for row in ranking.itertuples()],
    })
    return table.drop(columns=words["rank"]) if ranking["rank"].isna().all() else table


def ranking_basis(data: ReportData, institution: str) -> str:
    """What this institution's ranking rests on: one of :data:`findings.BASES`.

    Examples
    --------
    >>> from readiness_analysis.reporting import load_report_data
    >>> ranking_basis(load_report_data("data/processed", "Instelling A"), "Instelling A")
    ... # doctest: +SKIP
    'scan+interviews'
    """
    return str(_ranking(data, institution)["basis"].iloc[0])


def summary_block(data: ReportData, institution: str, lang: str = "nl") -> HTML:
    """The report's summary: who took part (latest wave) and the first three priorities.

    Says which wave it counts when there are several, what the ranking rests on when the
    scan or the interviews cannot be used, and lists all five recommendations in the
    guide's order (without calling them priorities) when nothing allows a ranking.

    Examples
    --------
    >>> from readiness_analysis.reporting import load_report_data
    >>> summary_block(load_report_data("data/processed", "Instelling A"), "Instelling A")
    ... # doctest: +SKIP
    """
    basis = ranking_basis(data, institution)
    table_ = priorities(data, institution, lang)
    intro = {"scan+interviews": text("rank_intro", lang),
             "interviews": text("rank_intro_interviews", lang, min_cell=MIN_CELL),
             "none": text("rank_intro_none", lang, min_cell=MIN_CELL),
             "scan": text("rank_intro_scan", lang, why=_why_scan_only(data, lang))}[basis]
    shown = table_ if basis == "none" else table_.head(3)
    return HTML(f"<p>{html.escape(_count_line(data, lang))} {html.escape(intro)}</p>"
                + table(shown).data)


def _count_line(data: ReportData, lang: str) -> str:
    """Interviews and teachers of the latest wave (the wave is named when there are more)."""
    waves = _waves(data)
    latest = data.responses[data.responses["wave"] == waves[-1]] if waves else data.responses
    values = {"interviews": len(latest), "teachers": int(latest["n_teachers"].sum())}
    if len(waves) > 1:
        return text("count_line_wave", lang, wave=waves[-1], **values)
    return text("count_line", lang, **values)


def _why_scan_only(data: ReportData, lang: str) -> str:
    return text("why_no_hindering" if fragments_supplied(data) else "why_not_supplied", lang)


def priority_rule(lang: str = "nl", basis: str = "scan+interviews", *,
                  why: str = "", wave: int | None = None) -> HTML:
    """The ranking rule in one paragraph, for the report, as it applies to ``basis``.

    Examples
    --------
    >>> priority_rule("en", "none").data[:40]
    "<p class='caption'>No ranking: the scan "
    """
    words = _WORDS[lang]
    rule = words["rule" if basis == "scan+interviews" else f"rule_{basis}"].format(why=why)
    if wave is not None and basis != "none":
        rule += words["rule_wave"].format(wave=wave)
    return HTML(f"<p class='caption'>{html.escape(rule)}</p>")


def ranking_rule(data: ReportData, institution: str, lang: str = "nl") -> HTML:
    """:func:`priority_rule` for this institution's basis, wave and pooled figures.

    Examples
    --------
    >>> from readiness_analysis.reporting import load_report_data
    >>> ranking_rule(load_report_data("data/processed", "Instelling A"), "Instelling A")
    ... # doctest: +SKIP
    """
    waves = _waves(data)
    rule = priority_rule(lang, ranking_basis(data, institution), why=_why_scan_only(data, lang),
                         wave=waves[-1] if len(waves) > 1 else None)
    return HTML(rule.data + pooled_note(data, lang).data)


def pooled_note(data: ReportData, lang: str = "nl") -> HTML:
    """What the pooled ("all institutions") figures of the latest wave cover.

    Pooled figures count only institutions with at least ``MIN_CELL`` respondents on a
    theme (see :func:`readiness_analysis.pipeline.summarise_all`); the note says so, with
    the number of institutions and respondents pooled and left out.

    Examples
    --------
    >>> from readiness_analysis.reporting import load_report_data
    >>> pooled_note(load_report_data("data/processed"), "en").data  # doctest: +SKIP
    "<p class='caption'>'All institutions' counts only institutions with at least 3 ..."
    """
    pooled = _pooled_summary(data)
    if pooled.empty or "n_institutions" not in pooled:
        return HTML("")
    left = int(pooled["n_excluded"].max())
    waves = _waves(data)
    scope = text("latest", lang)
    if len(waves) > 1:
        scope += f" ({text('wave_column', lang).lower()} {waves[-1]})"
    line = text("pooled_note", lang, min_cell=MIN_CELL, scope=scope,
                institutions=plural(int(pooled["n_institutions"].max()),
                                    *{"nl": ("instelling", "instellingen"),
                                      "en": ("institution", "institutions")}[lang]),
                n=int(pooled["n"].max()),
                left=text("pooled_left", lang, x=left) if left else "")
    return HTML(f"<p class='caption'>{html.escape(line)}</p>")


def recommendation_blocks(data: ReportData, institution: str, lang: str = "nl"):
    """Yield one HTML block per recommendation, in this institution's priority order.

    Each block: heading, what the study found, the institution's own coded fragments for
    it (if any), the study's published quotes for it, and the study's practical tip.
    """
    words = _WORDS[lang]
    study = {r["id"]: r for r in load_study()["recommendations"]}
    published = published_quotes()
    ranking = _ranking(data, institution)
    for row in ranking.itertuples():
        rec = study[row.recommendation]
        own = data.fragments[(data.fragments["recommendation"] == row.recommendation)]
        parts = [
            recommendation_heading(row.recommendation, lang).data,
            f"<p><strong>{words['reading']}:</strong> "
            f"{html.escape(_reading(row, data, institution, lang))}</p>",
            f"<p><strong>{words['study_says']}:</strong> {html.escape(rec['summary'][lang])}</p>",
        ]
        if len(own):
            parts += [f"<p><strong>{words['own_frag']}</strong></p>", quotes(own).data]
        if row.recommendation == "R1":
            parts.append(documents.bloem_html(lang))
        mine = published[published["recommendation"] == row.recommendation]
        parts += [f"<p><strong>{words['quotes']}</strong></p>", quotes(mine).data,
                  f"<p><strong>{words['tip']}:</strong> {html.escape(rec['tip'][lang])}</p>"]
        yield HTML("".join(parts))


def provenance_table(data: ReportData, parameters: dict, lang: str = "nl") -> pd.DataFrame:
    """What made this report: package, commit, instrument, inputs, parameters, weighting, date.

    The date is :func:`readiness_analysis.clock.build_time` (``SOURCE_DATE_EPOCH`` when set).
    """
    prov = data.provenance
    names = {"nl": ("Onderdeel", "Waarde"), "en": ("Item", "Value")}[lang]
    rows = [
        ("readiness-analysis", prov.get("package_version", "")),
        ("commit", prov.get("commit") or "–"),
        ("instrument", f"{prov['instrument']['id']} {prov['instrument']['version']}"),
        ("codebook", f"{prov['codebook']['id']} {prov['codebook']['version']}"),
        *[(f"SHA-256 {name}", digest) for name, digest in sorted(prov["inputs"].items())],
        *[(f"parameter {k}", str(v)) for k, v in sorted(parameters.items())
          if k != "processed_dir"],
        ("gewogen naar n_teachers" if lang == "nl" else "weighted by n_teachers",
         {"nl": ("nee", "ja"), "en": ("no", "yes")}[lang][bool(prov.get("weighted"))]),
        ("datum" if lang == "nl" else "date", build_time().strftime("%Y-%m-%d %H:%M UTC")),
        ("min. cel" if lang == "nl" else "min. cell", str(MIN_CELL)),
    ]
    return pd.DataFrame(rows, columns=list(names))


def profile_data(data: ReportData, institution: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Own and pooled theme summaries of the latest wave, small cells suppressed.

    This is what the profile figure may show.
    """
    return _own_summary(data, institution), _pooled_summary(data)


def profile_figure(data: ReportData, institution: str, lang: str = "nl") -> HTML:
    """The readiness profile (latest wave) with the note on what "all institutions" covers.

    Themes with fewer than ``MIN_CELL`` respondents show no bar but a grey note
    (:func:`readiness_analysis.plots.theme_profile`).

    Examples
    --------
    >>> from readiness_analysis.reporting import load_report_data
    >>> profile_figure(load_report_data("data/processed", "Instelling A"), "Instelling A")
    ... # doctest: +SKIP
    """
    own, pooled = profile_data(data, institution)
    fig = theme_profile(own, pooled, data.instrument, lang=lang, own_label=institution)
    alt = text("profile_alt", lang, institution=institution)
    return HTML(figure(fig, alt=alt).data + pooled_note(data, lang).data)


def distribution_figure(data: ReportData, lang: str = "nl") -> HTML:
    """Box plots of the theme scores per institution in the latest wave (study report).

    Institutions with fewer than ``MIN_CELL`` scores on a theme are left out of it and
    named under the figure and in its caption. The boxes are per interview, also in a
    weighted build (the caption says so then).

    Examples
    --------
    >>> from readiness_analysis.reporting import load_report_data
    >>> distribution_figure(load_report_data("data/processed"))  # doctest: +SKIP
    """
    waves = _waves(data)
    scores = data.scores[data.scores["wave"] == waves[-1]] if waves else data.scores
    fig = score_distribution(scores, data.instrument, lang=lang)
    notes = [t.get_text() for t in fig.texts]
    caption = " ".join([text("distribution_caption", lang, wave=waves[-1] if waves else 1),
                        *([text("distribution_unweighted", lang)] if data.weighted else []),
                        *notes])
    return figure(fig, alt=text("comparison_alt", lang), caption=caption)


def latest_responses(data: ReportData) -> pd.DataFrame:
    """Responses of the latest wave (the current picture)."""
    if data.responses.empty:
        return data.responses
    return data.responses[data.responses["wave"] == data.responses["wave"].max()]


def variation_table(data: ReportData, institution: str, lang: str = "nl") -> pd.DataFrame:
    """Themes ordered by how much the team differs (SD of theme scores, latest wave)."""
    own = _own_summary(data, institution)
    own = own[own["theme"].astype(str) != "readiness"].sort_values("sd", ascending=False)
    names = {"nl": ("Thema", "n", "SD", "Middelste helft (Q1–Q3)"),
             "en": ("Theme", "n", "SD", "Middle half (Q1–Q3)")}[lang]

    return pd.DataFrame({
        names[0]: [data.instrument.theme_label(str(t), lang) for t in own["theme"]],
        names[1]: own["n"].astype(int).values,
        names[2]: [number(v, lang) for v in own["sd"]],
        names[3]: [f"{number(a, lang)} – {number(b, lang)}" if pd.notna(a) else "–"
                   for a, b in zip(own["q1"], own["q3"], strict=True)],
    })


def own_fragments_block(data: ReportData, lang: str = "nl") -> HTML:
    """The institution's own coded fragments, hindering first; a note when there are none."""
    if data.fragments.empty:
        key = "no_fragments" if fragments_supplied(data) else "no_fragments_supplied"
        return HTML(f"<p>{html.escape(text(key, lang))}</p>")
    parts = []
    labels = {"nl": {"hindering": "Belemmerend", "stimulating": "Stimulerend",
                     "neutral": "Neutraal"},
              "en": {"hindering": "Hindering", "stimulating": "Stimulating",
                     "neutral": "Neutral"}}[lang]
    primary = data.fragments[data.fragments["rank"] == 1]
    for valence in ("hindering", "stimulating", "neutral"):
        chosen = primary[primary["valence"] == valence]
        if len(chosen):
            parts += [f"<h3>{labels[valence]}</h3>", quotes(chosen).data]
    return HTML("".join(parts))


def accounting_lines(data: ReportData, institution: str, lang: str = "nl") -> HTML:
    """Row accounting: this institution's kept interviews and the whole file's account."""
    rows = row_account(data.cleaning_log)
    raw, kept, rejected, blank = rows["raw"], rows["kept"], rows["rejected"], rows["blank"]
    own, waves = len(data.responses), len(_waves(data))
    over = {"nl": f" over {waves} metingen", "en": f" over {waves} waves"}[lang] \
        if waves > 1 else ""
    line = {
        "nl": f"Deze instelling: {own} interviews in de analyse{over}. Hele bestand: {raw} "
        f"rijen gelezen = {kept} behouden + {rejected} afgewezen (met "
        f"reden in rejected_rows.csv) + {blank} lege rijen (geen respondenten).",
        "en": f"This institution: {own} interviews in the analysis{over}. Whole file: {raw} "
        f"rows read = {kept} kept + {rejected} rejected (with reasons in "
        f"rejected_rows.csv) + {blank} blank rows (not respondents).",
    }[lang]
    return HTML(f"<p>{html.escape(line)}</p>")


def _percent(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Show share columns (0-1) as whole percentages; a dash where suppressed."""
    out = frame.copy()
    for column in out.columns:
        if str(column).startswith(("Aandeel", "Share")):
            out[column] = out[column].map(lambda v: "–" if pd.isna(v) else f"{v:.0%}")
    return out


def own_documents(data: ReportData, institution: str, lang: str = "nl") -> pd.DataFrame:
    """The institution's own vision and policy documents (sub-question 1)."""
    return documents.institution_documents(data.documents, institution, lang)


def vision_alignment_table(data: ReportData, institution: str, lang: str = "nl"):
    """The documents next to the teachers' scan answers on vision (known, concrete, shared)."""
    table = documents.vision_alignment(data.documents, data.responses, data.instrument,
                                       institution, lang)
    return _percent(table, lang)


def documents_tables(data: ReportData, lang: str = "nl") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Study-wide inventory: documents per institution, and what is missing where."""
    names = data.institutions
    return (documents.documents_overview(data.documents, lang, institutions=names),
            documents.missing_elements(data.documents, lang, institutions=names))


def sub_question(number: int, lang: str = "nl") -> HTML:
    """Heading with the study's sub-question ``number`` (1-4), as the guide words it."""
    question = load_study()["sub_questions"][number - 1][lang]
    return HTML(f"<h2>{text('sq', lang, n=number)}</h2><p><em>{html.escape(question)}</em></p>")


def documents_note(data: ReportData, lang: str = "nl") -> HTML:
    """Say so when the document inventory is illustrative (as on the demo data)."""
    sources = data.documents.get("source", pd.Series(dtype=str)).dropna().astype(str)
    if not sources.str.contains("illustratief|illustrative", case=False).any():
        return HTML("")
    message = {"nl": "Let op: deze documenteninventaris is illustratief, afgeleid uit wat de "
                     "handreiking in het algemeen zegt; het zijn geen echte documenten.",
               "en": "Note: this document inventory is illustrative, derived from what the "
                     "guide says in general; these are not real documents."}[lang]
    return HTML(f"<div class='banner' role='note'>{html.escape(message)}</div>")


def factor_table(data: ReportData, valence: str, lang: str = "nl") -> pd.DataFrame:
    """Codes of one valence by number of fragments and interviews' institutions."""
    from .coding import code_frequencies, load_codebook

    chosen = data.fragments[data.fragments["valence"] == valence]
    book = load_codebook()
    counts = code_frequencies(chosen, book, lang)
    names = {"nl": ("Factor", "Fragmenten", "Interviews", "Aanbeveling"),
             "en": ("Factor", "Fragments", "Interviews", "Recommendation")}[lang]
    table = pd.DataFrame({names[0]: counts["label"], names[1]: counts["fragments"],
                          names[2]: counts["interviews"],
                          names[3]: [book[c].recommendation for c in counts["code"]]})
    return table if counts["interviews"].notna().any() else table.drop(columns=names[2])


def factor_block(data: ReportData, valence: str, lang: str = "nl") -> HTML:
    """:func:`factor_table` as HTML, or one sentence when there is nothing to count.

    Examples
    --------
    >>> from readiness_analysis.reporting import load_report_data
    >>> factor_block(load_report_data("data/processed"), "hindering")  # doctest: +SKIP
    """
    if not fragments_supplied(data):
        return HTML(f"<p>{html.escape(text('no_fragments_supplied', lang))}</p>")
    factors = factor_table(data, valence, lang)
    if factors.empty:
        return HTML(f"<p>{html.escape(text('no_fragments_valence', lang))}</p>")
    return table(factors)


def study_recommendation_blocks(data: ReportData, lang: str = "nl"):
    """Yield the study report's five recommendations, in the guide's order, as HTML.

    Each: heading, the Bloem for R1, and the quotes whose primary code supports it. When
    no coded fragments were supplied, one sentence says so first and each recommendation
    shows what the guide found instead of an empty list of quotes.

    Examples
    --------
    >>> from readiness_analysis.reporting import load_report_data
    >>> blocks = list(study_recommendation_blocks(load_report_data("data/processed")))
    ... # doctest: +SKIP
    """
    from .reporting import quotes_by_recommendation

    supplied = fragments_supplied(data)
    if not supplied:
        yield HTML(f"<p>{html.escape(text('no_fragments_supplied', lang))}</p>")
    study = {r["id"]: r for r in load_study()["recommendations"]}
    for rec_id, fragments in quotes_by_recommendation(data):
        parts = [recommendation_heading(rec_id, lang).data, recommendation_extra(rec_id, lang).data]
        if supplied:
            parts.append(quotes(fragments).data)
        else:
            found = html.escape(study[rec_id]["summary"][lang])
            parts.append(f"<p><strong>{_WORDS[lang]['study_says']}:</strong> {found}</p>")
        yield HTML("".join(parts))


def factors_by_institution(data: ReportData, lang: str = "nl") -> pd.DataFrame:
    """Fragments per code (rows) and institution (columns); empty without attribution."""
    from .coding import code_frequencies, load_codebook

    attributed = data.fragments.dropna(subset=["institution"])
    if attributed.empty:
        return pd.DataFrame()
    counts = code_frequencies(attributed, load_codebook(), lang, by=("institution",))
    wide = counts.pivot_table(index=["label", "valence"], columns="institution",
                              values="fragments", fill_value=0, aggfunc="sum")
    wide.columns.name = None
    names = {"nl": ("Factor", "Richting"), "en": ("Factor", "Valence")}[lang]
    return wide.reset_index().rename(columns={"label": names[0], "valence": names[1]})


def institution_comparison(data: ReportData, lang: str = "nl") -> pd.DataFrame:
    """Theme means per institution (latest wave) side by side, small cells suppressed."""
    summary = _latest_wave(suppress_small_cells(data.summary.dropna(subset=["institution"])))
    labels = theme_labels(data.instrument, lang)
    wide = summary.pivot_table(index="theme", columns="institution", values="mean",
                               observed=True, dropna=False)
    wide = wide.reindex([t for t in labels if t in wide.index])
    wide.index = [labels[t] for t in wide.index]

    out = wide.map(lambda v: number(v, lang)).reset_index()
    out.columns.name = None
    return out.rename(columns={"index": "Thema" if lang == "nl" else "Theme"})


def recommendation_extra(rec_id: str, lang: str = "nl") -> HTML:
    """Material that belongs with a recommendation: the HAN Blended Leren Bloem for R1."""
    return HTML(documents.bloem_html(lang) if rec_id == "R1" else "")


_STATUS = {"nl": {"ok": "getoetst", "n too small": "n te klein", "one group": "één groep",
                  "all scores equal": "alle scores gelijk"},
           "en": {}}


def group_differences(data: ReportData, lang: str = "nl") -> pd.DataFrame:
    """Differences between institutions per theme: Kruskal-Wallis, or why not tested."""
    from .compare import compare_groups

    overall = compare_groups(data.scores).overall
    names = {"nl": ("Thema", "n", "Toets", "H", "p", "ε²", "Toelichting"),
             "en": ("Theme", "n", "Test", "H", "p", "ε²", "Note")}[lang]
    labels = theme_labels(data.instrument, lang)
    return pd.DataFrame({
        names[0]: [labels.get(str(t), str(t)) for t in overall["theme"]],
        names[1]: overall["n"].astype(int).values,
        names[2]: [_STATUS[lang].get(s, s) for s in overall["status"]],
        names[3]: [number(v, lang) for v in overall["h"]],
        names[4]: [number(v, lang, "{:.3f}") for v in overall["p"]],
        names[5]: [number(v, lang) for v in overall["epsilon2"]],
        names[6]: [_note(row, lang) for row in overall.itertuples()],
    })


def _note(row, lang: str) -> str:
    """Why a theme was not tested, in ``lang`` (compare.py writes its notes in English)."""
    from .compare import MIN_N, MIN_TOTAL, STATUS_CONSTANT, STATUS_ONE_GROUP, STATUS_TOO_SMALL

    if lang != "nl" or row.status not in (STATUS_TOO_SMALL, STATUS_ONE_GROUP, STATUS_CONSTANT):
        return "" if pd.isna(row.note) else str(row.note)
    if row.status == STATUS_ONE_GROUP:
        return "minder dan twee instellingen: niets te vergelijken"
    if row.status == STATUS_CONSTANT:
        return "alle scores zijn gelijk: de rangen zeggen niets"
    if row.min_group_n < MIN_N:
        return f"kleinste instelling heeft {int(row.min_group_n)} scores (minimaal {MIN_N})"
    return f"n = {int(row.n)} (minimaal {MIN_TOTAL})"


def structure_check(data: ReportData, lang: str = "nl") -> HTML:
    """Exploratory factor analysis of the items when n allows, else the reason it does not."""
    from .structure import StructureError, explore_structure

    items = data.responses[[i for i in data.instrument.item_ids if i in data.responses]]
    themes = {i.id: i.theme for i in data.instrument.items}
    try:
        result = explore_structure(items, themes=themes)
    except StructureError as exc:
        why = {"nl": "Geen verkennende factoranalyse: daarvoor zijn minstens 100 respondenten "
                     "met volledige antwoorden nodig, en 5 per vraag.",
               "en": f"No exploratory factor analysis: {exc.message}."}[lang]
        return HTML(f"<p>{html.escape(why)}</p>")
    share = result.items["as_expected"].mean()
    line = {"nl": f"{result.n_factors} factoren (parallelle analyse); {share:.0%} van de "
                  f"vragen laadt het hoogst op de factor van het eigen thema (n = {result.n}).",
            "en": f"{result.n_factors} factors (parallel analysis); {share:.0%} of the items "
                  f"load highest on their own theme's factor (n = {result.n})."}[lang]
    return HTML(f"<p>{html.escape(line)}</p>")


def joint_display_table(data: ReportData, lang: str = "nl") -> pd.DataFrame:
    """Scan scores next to coded barriers and enablers per recommendation (pooled)."""
    from .coding import load_codebook
    from .findings import joint_display

    return joint_display(_pooled_summary(data), data.fragments, data.instrument,
                         load_codebook(), lang)


def agreement_table(data: ReportData, lang: str = "nl") -> pd.DataFrame:
    """Coder agreement per code (Cohen's kappa, Krippendorff's alpha) with its band.

    The band is derived again from alpha in ``lang``: ``agreement.csv`` holds it in the
    language of the build, which need not be the report's.
    """
    from .agreement import alpha_band

    table = data.agreement if data.agreement is not None else pd.DataFrame()
    if table.empty:
        return table
    names = {"nl": ("Code", "Fragmenten", "Codeurs", "kappa", "alpha", "Oordeel"),
             "en": ("Code", "Fragments", "Coders", "kappa", "alpha", "Verdict")}[lang]
    return pd.DataFrame({
        names[0]: table["code"], names[1]: table["n_fragments"], names[2]: table["n_coders"],
        names[3]: [number(v, lang) for v in table["kappa"]],
        names[4]: [number(v, lang) for v in table["alpha"]],
        names[5]: [alpha_band(v, lang) for v in table["alpha"]],
    })


def rejection_steps(data: ReportData, lang: str = "nl") -> pd.DataFrame:
    """Cleaning steps that rejected or set aside rows (empty when none did), readable headers.

    Steps are shown by their label in ``lang`` (:func:`reporting.step_label`), not by the
    identifier in ``cleaning_log.csv``; an unknown step shows its identifier.

    Examples
    --------
    >>> from readiness_analysis.reporting import load_report_data
    >>> rejection_steps(load_report_data("data/processed"), "en")  # doctest: +SKIP
    """
    log = data.cleaning_log
    log = log[(log["rejected"] > 0) | (log["blank"] > 0)]
    names = {"nl": ("Stap", "Rijen ervoor", "Rijen erna", "Afgewezen", "Leeg"),
             "en": ("Step", "Rows before", "Rows after", "Rejected", "Blank")}[lang]
    steps = [step_label(step, lang) for step in log["step"]]
    return pd.DataFrame({names[0]: steps, names[1]: log["rows_in"].values,
                         names[2]: log["rows_out"].values, names[3]: log["rejected"].values,
                         names[4]: log["blank"].values})


def change_table(data: ReportData, lang: str = "nl") -> pd.DataFrame:
    """Per theme, the change in mean between consecutive waves with its 95% CI."""
    changes = data.changes
    if changes is None or changes.empty:
        return pd.DataFrame()
    changes = changes.assign(n=changes[["n_from", "n_to"]].min(axis=1))
    changes = suppress_small_cells(changes)
    names = {"nl": ("Thema", "Metingen", "Van", "Naar", "Verschil", "95%-BI"),
             "en": ("Theme", "Waves", "From", "To", "Change", "95% CI")}[lang]
    labels = theme_labels(data.instrument, lang)
    return pd.DataFrame({
        names[0]: [labels.get(str(t), str(t)) for t in changes["theme"]],
        names[1]: [f"{int(a)} → {int(b)}" for a, b in zip(changes["wave_from"],
                                                          changes["wave_to"], strict=True)],
        names[2]: [number(v, lang) for v in changes["mean_from"]],
        names[3]: [number(v, lang) for v in changes["mean_to"]],
        names[4]: [number(v, lang, "{:+.2f}") for v in changes["diff"]],
        names[5]: [f"{number(lo, lang, '{:+.2f}')} – {number(hi, lang, '{:+.2f}')}"
                   if pd.notna(lo) else "–"
                   for lo, hi in zip(changes["ci_low"], changes["ci_high"], strict=True)],
    })
