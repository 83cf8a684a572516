"""What the report notebooks call: load processed data, build tables, show figures.

The notebooks tell the story; this module does the work so that every number in a
report comes from tested library code. Everything that writes HTML escapes text that
comes from data.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import math
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML

from .clean import row_account
from .coding import code_frequencies, load_codebook
from .errors import ReadinessError
from .indices import MIN_CELL, suppress_small_cells
from .instrument import Instrument, load_instrument
from .numbers import number
from .plots import theme_labels
from .study import published_quotes, recommendation_title

__all__ = [
    "MIN_CELL",
    "ReportData",
    "accounting",
    "code_frequency_table",
    "figure",
    "heading",
    "instrument_note",
    "load_report_data",
    "number",
    "paragraph",
    "participants",
    "published_quotes",
    "quotes",
    "quotes_by_recommendation",
    "reading_guide",
    "recommendation_heading",
    "reliability_table",
    "small_sample_warning",
    "step_label",
    "study_reliability",
    "study_reliability_table",
    "synthetic_banner",
    "table",
    "text",
    "theme_table",
]

PROCESSED_FILES = ("responses.parquet", "scores.parquet", "institution_scores.parquet",
                   "fragments.parquet", "cleaning_log.csv", "provenance.json",
                   "documents.parquet", "wave_change.parquet")

TEXT = {
    "nl": {
        "synthetic": "Let op: de scan-antwoorden in deze rapportage zijn synthetisch "
        "(gegenereerd demonstratiemateriaal), niet de antwoorden van echte docenten of "
        "scholen.",
        "guide_share": "'% (helemaal) mee eens' is het aandeel interviews met een themascore "
        "van 4 of hoger.",
        "guide_share_weighted": "De cijfers zijn gewogen naar het aantal docenten: elk "
        "interview telt zo vaak mee als er docenten aan deelnamen, zodat elke docent even zwaar "
        "weegt. Gemiddelde, SD en middelste helft (Q1–Q3) zijn dus over docenten berekend. "
        "'% (helemaal) mee eens' is het aandeel docenten met een themascore van 4 of hoger.",
        "guide_ci": "bootstrap",
        "guide_ci_weighted": "bootstrap over interviews",
        "guide": "Leeswijzer: de scan heeft vijf antwoordmogelijkheden, van 1 (helemaal mee "
        "oneens) tot 5 (helemaal mee eens); hoger is altijd gunstiger, want negatief "
        "geformuleerde vragen zijn omgepoold. Een themascore is het gemiddelde van de "
        "beantwoorde vragen van dat thema. n is het aantal interviews (een interview kan "
        "meerdere docenten omvatten). {share} SD is de standaarddeviatie: hoe groter, hoe "
        "meer de antwoorden uiteenlopen. Het 95%-betrouwbaarheidsinterval (95%-BI, {ci}) "
        "geeft aan hoe zeker het gemiddelde is: hoe breder, hoe onzekerder. Een streepje (–) "
        "betekent: minder dan {min_cell} interviews, dus niet getoond om de privacy te beschermen.",
        "instrument_note": "Gebruikt instrument: {title} (versie {version}). {note}",
        "own_fragments": "Fragmenten uit de interviews van deze instelling",
        "published_quotes": "Citaten uit de handreiking (niet uit de interviews van deze "
        "instelling)",
        "no_fragments_at_all": "Er zijn geen gecodeerde interviewfragmenten in deze gegevens.",
        "summary": "Samenvatting",
        "summary_intro": "{interviews} interviews met {teachers} docenten. De drie "
        "aanbevelingen uit de handreiking die voor deze instelling het eerst aandacht "
        "verdienen:",
        "items": "Antwoorden per thema",
        "items_alt": "Gestapelde staven per thema met het aandeel van elk antwoord, van "
        "helemaal mee oneens (links) tot helemaal mee eens (rechts).",
        "variation": "Verschillen binnen het team",
        "advice": "De vijf aanbevelingen voor deze instelling",
        "method": "Methode en datakwaliteit",
        "provenance": "Herkomst van dit rapport",
        "documents": "Visie- en beleidsdocumenten",
        "documents_intro": "De documenten van deze instelling over blended leren, en hoe de "
        "docenten in de scan antwoorden op de stellingen over de visie.",
        "no_documents": "Voor deze instelling zijn geen documenten geïnventariseerd.",
        "sq": "Deelvraag {n}",
        "missing_docs": "Waar ontbreken definitie, doelen en plan?",
        "current_use": "Huidig gebruik per instelling",
        "differences": "Verschillen tussen instellingen (Kruskal-Wallis)",
        "joint": "Scan en interviews naast elkaar",
        "change": "Verandering sinds de vorige meting",
        "factors_by_institution": "Factoren per instelling (aantal fragmenten)",
        "agreement": "Overeenstemming tussen codeurs",
        "joint_intro": "Per aanbeveling de gemiddelde scanscores van alle instellingen naast "
        "de belemmerende en stimulerende factoren uit de interviews (aantal fragmenten).",
        "institution": "Instelling",
        "interviews": "Interviews",
        "teachers": "Docenten",
        "theme": "Thema",
        "n": "n",
        "mean": "Gemiddelde",
        "sd": "SD",
        "agree": "% (helemaal) mee eens",
        "ci": "95%-BI",
        "pooled": "Alle instellingen",
        "total": "Totaal",
        "suppressed": f"Minder dan {MIN_CELL} respondenten: niet getoond.",
        "institution_title": "Blended Learning readiness: {institution}",
        "study_title": "Blended Learning readiness: studierapport",
        "participants": "Wie deden mee",
        "profile": "Readiness-profiel",
        "profile_intro": "Gemiddelde score per thema van deze instelling (balken) naast het "
        "gemiddelde van alle instellingen samen (ruit). Andere instellingen worden niet genoemd.",
        "profile_alt": "Staafdiagram met de gemiddelde score per thema van {institution} "
        "naast het gemiddelde van alle instellingen.",
        "fragments": "Belemmerende en stimulerende factoren uit de interviews",
        "no_fragments": "Voor deze instelling zijn geen eigen interviewfragmenten gecodeerd. "
        "De citaten uit de handreiking staan bij de aanbevelingen hieronder; ze komen niet "
        "uit de interviews van deze instelling.",
        "recommendations": "De vijf aanbevelingen en hun citaten",
        "comparison": "Instellingen vergeleken",
        "comparison_alt": "Boxplots van de themascores per instelling.",
        "frequencies": "Factoren in de interviews",
        "accounting": "Data-verantwoording",
        "accounting_line": "{raw} rijen gelezen, {kept} behouden, {rejected} afgewezen, "
        "{blank} leeg (geen respondenten).",
        "reliability": "Betrouwbaarheid per thema",
        "reliability_pooled": "Betrouwbaarheid per thema (alle instellingen samen)",
        "reliability_pooled_note": "Deze tabel is berekend op de antwoorden van alle "
        "instellingen samen, niet alleen op die van deze instelling.",
        "no_documents_study": "Er zijn geen visie- en beleidsdocumenten geïnventariseerd "
        "(geen documents.csv aangeleverd).",
        "no_fragments_supplied": "Er zijn geen gecodeerde interviewfragmenten aangeleverd.",
        "no_fragments_valence": "Geen fragmenten met deze codes.",
        "wave_column": "Meting",
        "count_line": "{interviews} interviews met {teachers} docenten.",
        "count_line_wave": "Laatste meting (meting {wave}): {interviews} interviews met "
        "{teachers} docenten. Rangorde en profiel gaan over deze meting.",
        "rank_intro": "De drie aanbevelingen uit de handreiking die voor deze instelling het "
        "eerst aandacht verdienen:",
        "rank_intro_scan": "De drie aanbevelingen uit de handreiking die voor deze instelling "
        "het eerst aandacht verdienen, alleen op grond van de scan ({why}):",
        "rank_intro_interviews": "Uit de scan is geen rangorde te maken (minder dan {min_cell} "
        "respondenten). De drie aanbevelingen die het eerst aandacht verdienen, alleen op "
        "grond van de eigen interviewfragmenten:",
        "rank_intro_none": "Uit de scan is geen rangorde te maken (minder dan {min_cell} "
        "respondenten) en er zijn geen eigen interviewfragmenten. De vijf aanbevelingen uit de "
        "handreiking staan hieronder in de volgorde van de handreiking, zonder prioriteit.",
        "why_not_supplied": "er zijn geen gecodeerde interviewfragmenten aangeleverd",
        "why_no_hindering": "er zijn geen belemmerende interviewfragmenten",
        "pooled_note": "'Alle instellingen' telt alleen instellingen met minstens {min_cell} "
        "respondenten op een thema mee ({scope}: {institutions}, {n} respondenten{left}).",
        "pooled_left": "; {x} respondenten van kleinere instellingen niet meegeteld",
        "latest": "laatste meting",
        "figure_suppressed": "Niet in de figuur (minder dan {min_cell} respondenten): {what}.",
        "all_themes": "alle thema's",
        "distribution_caption": "Themascores per instelling, meting {wave}.",
        "distribution_unweighted": "De boxplots zijn ongewogen: één score per interview.",
    },
    "en": {
        "synthetic": "Note: the scan answers shown here are synthetic (generated "
        "demonstration data), not the answers of real teachers or schools.",
        "guide_share": "'% (strongly) agree' is the share of interviews with a theme score "
        "of 4 or more.",
        "guide_share_weighted": "The figures are weighted by the number of teachers: each "
        "interview counts as often as it had teachers, so every teacher weighs the same. Mean, "
        "SD and middle half (Q1–Q3) are therefore computed over teachers. '% (strongly) agree' "
        "is the share of teachers with a theme score of 4 or more.",
        "guide_ci": "bootstrap",
        "guide_ci_weighted": "bootstrap over interviews",
        "guide": "How to read this: the scan has five answers, from 1 (strongly disagree) "
        "to 5 (strongly agree); higher is always better, because negatively worded "
        "questions are reversed. A theme score is the mean of the answered questions of "
        "the theme. n is the number of interviews (one interview may hold several "
        "teachers). {share} SD is the standard deviation: the larger, the more answers differ. "
        "The 95% confidence interval (95% CI, {ci}) shows how certain the mean is: the wider, the "
        "less certain. A dash "
        "(–) means fewer than {min_cell} interviews, not shown to protect privacy.",
        "instrument_note": "Instrument used: {title} (version {version}). {note}",
        "own_fragments": "Fragments from this institution's interviews",
        "published_quotes": "Quotes from the guide (not from this institution's interviews)",
        "no_fragments_at_all": "There are no coded interview fragments in this data.",
        "summary": "Summary",
        "summary_intro": "{interviews} interviews with {teachers} teachers. The three "
        "recommendations from the guide that deserve this institution's attention first:",
        "items": "Answers per theme",
        "items_alt": "Stacked bars per theme with the share of each answer, from strongly "
        "disagree (left) to strongly agree (right).",
        "variation": "Differences within the team",
        "advice": "The five recommendations for this institution",
        "method": "Method and data quality",
        "provenance": "Provenance of this report",
        "documents": "Vision and policy documents",
        "documents_intro": "This institution's documents on blended learning, and how its "
        "teachers answered the scan statements about the vision.",
        "no_documents": "No documents were inventoried for this institution.",
        "sq": "Sub-question {n}",
        "missing_docs": "Where are definition, goals and plan missing?",
        "current_use": "Current use per institution",
        "differences": "Differences between institutions (Kruskal-Wallis)",
        "joint": "Scan and interviews side by side",
        "change": "Change since the previous wave",
        "factors_by_institution": "Factors per institution (number of fragments)",
        "agreement": "Agreement between coders",
        "joint_intro": "Per recommendation, the mean scan scores of all institutions next to "
        "the hindering and stimulating factors from the interviews (number of fragments).",
        "institution": "Institution",
        "interviews": "Interviews",
        "teachers": "Teachers",
        "theme": "Theme",
        "n": "n",
        "mean": "Mean",
        "sd": "SD",
        "agree": "% (strongly) agree",
        "ci": "95% CI",
        "pooled": "All institutions",
        "total": "Total",
        "suppressed": f"Fewer than {MIN_CELL} respondents: not shown.",
        "institution_title": "Blended Learning readiness: {institution}",
        "study_title": "Blended Learning readiness: study report",
        "participants": "Who took part",
        "profile": "Readiness profile",
        "profile_intro": "Mean score per theme of this institution (bars) next to the mean of "
        "all institutions together (diamond). Other institutions are not named.",
        "profile_alt": "Bar chart of the mean score per theme of {institution} next to the "
        "mean of all institutions.",
        "fragments": "Hindering and stimulating factors from the interviews",
        "no_fragments": "No interview fragments of this institution were coded. The quotes "
        "from the guide are shown with the recommendations below; they do not come from "
        "this institution's interviews.",
        "recommendations": "The five recommendations and their quotes",
        "comparison": "Institutions compared",
        "comparison_alt": "Box plots of theme scores per institution.",
        "frequencies": "Factors in the interviews",
        "accounting": "Data accounting",
        "accounting_line": "{raw} rows read, {kept} kept, {rejected} rejected, {blank} blank "
        "(not respondents).",
        "reliability": "Reliability per theme",
        "reliability_pooled": "Reliability per theme (all institutions together)",
        "reliability_pooled_note": "This table is computed on the answers of all institutions "
        "together, not only on those of this institution.",
        "no_documents_study": "No vision or policy documents were inventoried (no "
        "documents.csv supplied).",
        "no_fragments_supplied": "No coded interview fragments were supplied.",
        "no_fragments_valence": "No fragments with these codes.",
        "wave_column": "Wave",
        "count_line": "{interviews} interviews with {teachers} teachers.",
        "count_line_wave": "Latest wave (wave {wave}): {interviews} interviews with {teachers} "
        "teachers. The ranking and the profile use this wave.",
        "rank_intro": "The three recommendations from the guide that deserve this "
        "institution's attention first:",
        "rank_intro_scan": "The three recommendations from the guide that deserve this "
        "institution's attention first, from the scan only ({why}):",
        "rank_intro_interviews": "The scan gives no ranking (fewer than {min_cell} "
        "respondents). The three recommendations that deserve attention first, from this "
        "institution's own interview fragments only:",
        "rank_intro_none": "The scan gives no ranking (fewer than {min_cell} respondents) and "
        "there are no own interview fragments. The five recommendations of the guide are "
        "listed below in the guide's order, without priority.",
        "why_not_supplied": "no coded interview fragments were supplied",
        "why_no_hindering": "there are no hindering interview fragments",
        "pooled_note": "'All institutions' counts only institutions with at least {min_cell} "
        "respondents on a theme ({scope}: {institutions}, {n} respondents{left}).",
        "pooled_left": "; {x} respondents of smaller institutions left out",
        "latest": "latest wave",
        "figure_suppressed": "Not in the figure (fewer than {min_cell} respondents): {what}.",
        "all_themes": "all themes",
        "distribution_caption": "Theme scores per institution, wave {wave}.",
        "distribution_unweighted": "The box plots are unweighted: one score per interview.",
    },
}


# The step identifiers of cleaning_log.csv (written by ``clean.clean_scan``) stay English
# and stable; reports show these labels instead. An unknown step shows its identifier.
STEP_LABELS = {
    "nl": {
        "read": "Bestand inlezen (onleesbare rijen)",
        "note": "Opmerking",
        "drop blank rows": "Lege rijen verwijderen",
        "drop extra header rows": "Extra kopregels van de enquêtetool verwijderen",
        "require respondent_id": "Respondentnummer verplicht",
        "require institution": "Instelling verplicht",
        "check answers": "Antwoorden controleren",
        "check n_teachers": "Aantal docenten controleren",
        "check wave": "Meting controleren",
        "drop duplicates": "Dubbele respondenten verwijderen",
        "set invalid answers to missing": "Ongeldige antwoorden leeg gemaakt",
    },
    "en": {
        "read": "Read the file (unreadable rows)",
        "note": "Note",
        "drop blank rows": "Remove blank rows",
        "drop extra header rows": "Remove extra header rows of the survey tool",
        "require respondent_id": "Respondent ID required",
        "require institution": "Institution required",
        "check answers": "Check the answers",
        "check n_teachers": "Check the number of teachers",
        "check wave": "Check the wave",
        "drop duplicates": "Remove duplicate respondents",
        "set invalid answers to missing": "Invalid answers set to missing",
    },
}


def step_label(step: str, lang: str = "nl") -> str:
    """Readable label of a cleaning step identifier; an unknown step shows as it is.

    Examples
    --------
    >>> step_label("drop blank rows"), step_label("check wave", "en")
    ('Lege rijen verwijderen', 'Check the wave')
    >>> step_label("a future step")
    'a future step'
    """
    return STEP_LABELS[lang].get(str(step), str(step))


def text(key: str, lang: str = "nl", **values: object) -> str:
    """Report text in ``lang`` (``nl`` default, ``en``), with ``values`` filled in.

    Examples
    --------
    >>> text("accounting_line", "en", raw=4, kept=2, rejected=1, blank=1)
    '4 rows read, 2 kept, 1 rejected, 1 blank (not respondents).'
    """
    return TEXT[lang][key].format(**values) if values else TEXT[lang][key]


def heading(key: str, lang: str = "nl", level: int = 2, **values: object) -> HTML:
    """A report heading from the text table; ``values`` (data) are escaped."""
    safe = {k: html.escape(str(v)) for k, v in values.items()}
    return HTML(f"<h{level}>{text(key, lang, **safe)}</h{level}>")


def paragraph(key: str, lang: str = "nl", **values: object) -> HTML:
    """A report paragraph from the text table; ``values`` (data) are escaped."""
    safe = {k: html.escape(str(v)) for k, v in values.items()}
    return HTML(f"<p>{text(key, lang, **safe)}</p>")


def quotes(fragments: pd.DataFrame) -> HTML:
    """Quotes as escaped block quotes (one per fragment, in the order given)."""
    unique = fragments.drop_duplicates("text")["text"]
    return HTML("".join(f"<blockquote>“{html.escape(t)}”</blockquote>" for t in unique))


def accounting(data: ReportData, lang: str = "nl") -> HTML:
    """One line that accounts for every raw row: read = kept + rejected + blank."""
    return paragraph("accounting_line", lang, **row_account(data.cleaning_log))


@dataclass(frozen=True)
class ReportData:
    """The processed data one report needs (see :func:`load_report_data`)."""

    responses: pd.DataFrame
    scores: pd.DataFrame
    summary: pd.DataFrame
    fragments: pd.DataFrame
    cleaning_log: pd.DataFrame
    provenance: dict
    instrument: Instrument
    documents: pd.DataFrame | None = None
    agreement: pd.DataFrame | None = None
    changes: pd.DataFrame | None = None
    pooled_fragments: pd.DataFrame | None = None

    @property
    def institutions(self) -> list[str]:
        """Institutions with kept respondents, sorted."""
        return sorted(self.responses["institution"].dropna().unique().tolist())

    @property
    def synthetic(self) -> bool:
        """Whether the scan answers were made by the synthetic generator."""
        return bool(self.provenance.get("synthetic"))

    @property
    def weighted(self) -> bool:
        """Whether the summaries weight interviews by their number of teachers."""
        return bool(self.provenance.get("weighted"))

    def institution_summary(self, institution: str) -> pd.DataFrame:
        """Summary rows of one institution (all waves)."""
        return self.summary[self.summary["institution"] == institution]

    def pooled_summary(self) -> pd.DataFrame:
        """Summary rows pooled over all institutions."""
        return self.summary[self.summary["institution"].isna()]


def load_report_data(processed_dir: str | Path, institution: str | None = None) -> ReportData:
    """Load the processed files; with ``institution``, keep only its respondents.

    The pooled summary rows stay (they are the comparison every report shows);
    respondent-level tables and fragments are cut to the institution.

    Raises
    ------
    ReadinessError
        When the processed files are missing or the institution is unknown.

    Examples
    --------
    >>> data = load_report_data("data/processed", "Instelling A")  # doctest: +SKIP
    """
    d = Path(processed_dir)
    for name in PROCESSED_FILES:
        if not (d / name).is_file():
            where = "" if d.is_absolute() else (
                f"; {d} is relative to the working folder {Path.cwd()}: run the notebook from "
                "notebooks/ or pass an absolute processed_dir")
            raise ReadinessError(
                f"processed data missing: {name}", file=d,
                hint=f"run `readiness build` (or `make report`) first{where}",
            )
    provenance = json.loads((d / "provenance.json").read_text(encoding="utf-8"))
    data = ReportData(
        responses=pd.read_parquet(d / "responses.parquet"),
        scores=pd.read_parquet(d / "scores.parquet"),
        summary=pd.read_parquet(d / "institution_scores.parquet"),
        fragments=pd.read_parquet(d / "fragments.parquet"),
        cleaning_log=pd.read_csv(d / "cleaning_log.csv"),
        provenance=provenance,
        instrument=_instrument(provenance),
        documents=pd.read_parquet(d / "documents.parquet"),
        agreement=_optional_csv(d / "agreement.csv"),
        changes=pd.read_parquet(d / "wave_change.parquet"),
    )
    return data if institution is None else _only(data, institution)


def _optional_csv(path: Path) -> pd.DataFrame:
    """A CSV the build may leave empty (header only) or not write at all."""
    if not path.is_file() or path.stat().st_size == 0:
        return pd.DataFrame()
    return pd.read_csv(path)


def _instrument(provenance: dict) -> Instrument:
    source = provenance.get("instrument", {}).get("source", "")
    return load_instrument(None if source.startswith("<package>") else source)


def _only(data: ReportData, institution: str) -> ReportData:
    if institution not in data.institutions:
        raise ReadinessError(
            f"unknown institution {institution!r}",
            hint=f"choose one of: {', '.join(data.institutions)}",
        )
    own = data.fragments["institution"] == institution
    pooled = data.fragments[["fragment_id", "code", "valence", "recommendation"]]
    scores = data.scores[data.scores["institution"] == institution].copy()
    for column in ("institution", "respondent_id"):
        # other institutions' names and ids must not survive as unused categories
        if isinstance(scores[column].dtype, pd.CategoricalDtype):
            scores[column] = scores[column].cat.remove_unused_categories()
    return ReportData(
        responses=data.responses[data.responses["institution"] == institution],
        scores=scores,
        summary=data.summary[
            (data.summary["institution"] == institution) | data.summary["institution"].isna()
        ],
        fragments=data.fragments[own],
        cleaning_log=data.cleaning_log,
        provenance=data.provenance,
        instrument=data.instrument,
        documents=data.documents[data.documents["institution"] == institution],
        changes=data.changes[data.changes["institution"] == institution],
        pooled_fragments=pooled,
    )


def participants(data: ReportData, lang: str = "nl") -> pd.DataFrame:
    """Interviews and teachers per institution, with a total row; per wave if several.

    With several waves the table has a wave column and a total row per wave, so that a
    respondent of two waves is counted once in each wave, never twice in one total.

    Examples
    --------
    >>> participants(load_report_data("data/processed")).iloc[-1].tolist()  # doctest: +SKIP
    ['Totaal', 14, 23]
    """
    t = TEXT[lang]
    waves = sorted(data.responses["wave"].dropna().unique()) if "wave" in data.responses else []
    if len(waves) <= 1:
        return _participants(data.responses, t)
    parts = [_participants(data.responses[data.responses["wave"] == w], t)
             .assign(**{t["wave_column"]: int(w)}) for w in waves]
    table = pd.concat(parts, ignore_index=True)
    return table[[t["wave_column"], *table.columns.drop(t["wave_column"])]]


def _participants(responses: pd.DataFrame, t: dict[str, str]) -> pd.DataFrame:
    """Interviews and teachers per institution of ``responses``, with a total row."""
    table = (
        responses.groupby("institution", observed=True)
        .agg(**{t["interviews"]: ("respondent_id", "size"),
                t["teachers"]: ("n_teachers", "sum")})
        .reset_index()
        .rename(columns={"institution": t["institution"]})
    )
    total = {t["institution"]: t["total"], t["interviews"]: int(table[t["interviews"]].sum()),
             t["teachers"]: int(table[t["teachers"]].sum())}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def theme_table(summary: pd.DataFrame, instrument: Instrument, lang: str = "nl") -> pd.DataFrame:
    """Theme scores as a readable table: small cells suppressed, labels translated.

    Examples
    --------
    >>> s = pd.DataFrame({"theme": ["vision"], "n": [2], "mean": [2.5], "sd": [0.7],
    ...                   "agree": [0.5]})
    >>> theme_table(s, load_instrument()).iloc[0, 2]
    '–'
    """
    t = TEXT[lang]
    labels = theme_labels(instrument, lang)
    shown = suppress_small_cells(summary)
    out = pd.DataFrame(
        {
            t["theme"]: shown["theme"].astype(str).map(labels),
            t["n"]: shown["n"].astype(int),
            t["mean"]: shown["mean"].map(lambda v: number(v, lang)),
            t["sd"]: shown["sd"].map(lambda v: number(v, lang)),
            t["agree"]: shown["agree"].map(lambda v: number(v * 100, lang, "{:.0f}%")),
        }
    )
    if {"ci_low", "ci_high"} <= set(shown.columns):
        out.insert(3, t["ci"], [
            "–" if pd.isna(lo) else f"{number(lo, lang)} – {number(hi, lang)}"
            for lo, hi in zip(shown["ci_low"], shown["ci_high"], strict=True)])
    if "wave" in shown and shown["wave"].nunique() > 1:
        out.insert(0, "Meting" if lang == "nl" else "Wave", shown["wave"].astype(int).values)
    return out.reset_index(drop=True)


def table(frame: pd.DataFrame, caption: str = "") -> HTML:
    """Show a DataFrame as an accessible, escaped HTML table (no index)."""
    body = frame.to_html(index=False, escape=True, border=0, classes="data-table", na_rep="–")
    cap = f"<p class='caption'>{html.escape(caption)}</p>" if caption else ""
    return HTML(f"<div class='table-wrap'>{cap}{body}</div>")


def figure(fig: plt.Figure, alt: str, caption: str = "") -> HTML:
    """Embed a figure as a PNG with alt text and an optional caption, then close it.

    The PNG carries no timestamp or software tag, so the same data give the same bytes.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return HTML(
        f"<figure><img src='data:image/png;base64,{data}' alt='{html.escape(alt, quote=True)}'>"
        f"{cap}</figure>"
    )


def reading_guide(lang: str = "nl", weighted: bool = False) -> HTML:
    """How to read the numbers: scale, theme score, n, share agreeing, SD, dashes.

    With ``weighted``, it says that the figures count teachers, not interviews.

    Examples
    --------
    >>> "aandeel docenten" in reading_guide("nl", weighted=True).data
    True
    """
    suffix = "_weighted" if weighted else ""
    guide = text("guide", lang, min_cell=MIN_CELL, share=text(f"guide_share{suffix}", lang),
                 ci=text(f"guide_ci{suffix}", lang))
    return HTML(f"<p class='caption'>{html.escape(guide)}</p>")


def instrument_note(data: ReportData, lang: str = "nl") -> HTML:
    """Which instrument was used, with its own note (e.g. that it is a reconstruction)."""
    inst = data.instrument
    line = text("instrument_note", lang, title=inst.title[lang], version=inst.version,
                note=inst.note.get(lang, ""))
    return HTML(f"<p>{html.escape(line)}</p>")


def synthetic_banner(data: ReportData, lang: str = "nl") -> HTML:
    """A banner saying the scan data are synthetic (empty when they are real)."""
    if not data.synthetic:
        return HTML("")
    note = html.escape(text("synthetic", lang))
    return HTML(f"<div class='banner synthetic' role='note'>{note}</div>")


def code_frequency_table(data: ReportData, lang: str = "nl") -> pd.DataFrame:
    """Fragments per code and valence, most frequent first, with readable labels."""
    counts = code_frequencies(data.fragments, load_codebook(), lang)
    names = {"nl": ("Factor", "Richting", "Fragmenten"), "en": ("Factor", "Valence", "Fragments")}
    valence = {"nl": {"hindering": "belemmerend", "stimulating": "stimulerend",
                      "neutral": "neutraal"},
               "en": {"hindering": "hindering", "stimulating": "stimulating",
                      "neutral": "neutral"}}[lang]
    factor, direction, n = names[lang]
    return pd.DataFrame({factor: counts["label"], direction: counts["valence"].map(valence),
                         n: counts["fragments"]})


def quotes_by_recommendation(data: ReportData):
    """Yield ``(recommendation, fragments)`` for R1-R5, in the guide's order.

    Fragments are the coded fragments whose primary (first) code supports the
    recommendation.
    """
    primary = data.fragments[data.fragments["rank"] == 1]
    for rec in ("R1", "R2", "R3", "R4", "R5"):
        yield rec, primary[primary["recommendation"] == rec]


def recommendation_heading(rec_id: str, lang: str = "nl") -> HTML:
    """Heading with the recommendation's number and title."""
    word = "Aanbeveling" if lang == "nl" else "Recommendation"
    title = html.escape(recommendation_title(rec_id, lang))
    return HTML(f"<h3>{word} {rec_id[1:]}: {title}</h3>")


RELIABILITY_MIN_N = 30
_NOT_COMPUTED = {"nl": "niet te berekenen", "en": "cannot be computed"}
_NEGATIVE_ALPHA = {"nl": "negatief: de vragen meten hier niet hetzelfde",
                   "en": "negative: the items do not measure the same thing here"}
_ZERO_TOTAL = {"nl": "niet te berekenen: de vragen heffen elkaar op (de totaalscore varieert "
                     "niet)",
               "en": "cannot be computed: the items cancel each other out (the total score "
                     "does not vary)"}


def reliability_table(data: ReportData, lang: str = "nl") -> pd.DataFrame:
    """Cronbach's alpha and omega total per theme, from the kept respondents.

    Themes whose items do not allow an estimate (too few answers, a constant item) get
    an empty row with the reason, instead of a number that means nothing.

    Examples
    --------
    >>> reliability_table(load_report_data("data/processed"))  # doctest: +SKIP
    """
    from .reliability import ReliabilityError, reliability

    names = {"nl": ("Thema", "Items", "n", "alpha", "omega", "Opmerking"),
             "en": ("Theme", "Items", "n", "alpha", "omega", "Note")}[lang]
    rows = []
    for theme in data.instrument.theme_ids:
        items = [i for i in data.instrument.items_of(theme) if i in data.responses]
        row = [data.instrument.theme_label(theme, lang), len(items)]
        try:
            with warnings.catch_warnings():  # the notes column says what the warnings say
                warnings.simplefilter("ignore")
                res = reliability(data.responses[items].astype(float))
            row += [res.n, number(res.alpha, lang), number(res.omega_total, lang),
                    _alpha_note(res.alpha, lang)]
        except ReliabilityError as exc:
            row += [len(data.responses), "–", "–", f"{_NOT_COMPUTED[lang]} ({exc.message})"]
        rows.append(row)
    return pd.DataFrame(rows, columns=list(names))


def _alpha_note(alpha: float, lang: str) -> str:
    if math.isnan(alpha):
        return _ZERO_TOTAL[lang]
    return _NEGATIVE_ALPHA[lang] if alpha < 0 else ""


def small_sample_warning(data: ReportData | int, lang: str = "nl") -> HTML:
    """A warning when reliability rests on fewer than 30 respondents (else nothing).

    ``data`` is the report data or the number of respondents.

    Examples
    --------
    >>> small_sample_warning(40).data
    ''
    """
    n = data if isinstance(data, int) else len(data.responses)
    if n >= RELIABILITY_MIN_N:
        return HTML("")
    message = {
        "nl": f"Let op: de betrouwbaarheid is berekend op {n} respondenten (minder dan "
        f"{RELIABILITY_MIN_N}); de schattingen zijn daardoor onstabiel.",
        "en": f"Note: reliability is estimated from {n} respondents (fewer than "
        f"{RELIABILITY_MIN_N}); the estimates are unstable.",
    }[lang]
    return HTML(f"<div class='banner' role='note'>{html.escape(message)}</div>")


# Study-wide reliability tables, so that a warm kernel computes them once for all reports.
# Keyed on the content of every file they depend on (see _reliability_key); a few entries
# cover the languages and processed folders of one build.
_RELIABILITY_CACHE: OrderedDict[tuple, tuple[pd.DataFrame, int]] = OrderedDict()
_RELIABILITY_CACHE_SIZE = 8


def study_reliability_table(processed_dir: str | Path,
                            lang: str = "nl") -> tuple[pd.DataFrame, int]:
    """The reliability table over all institutions and its number of respondents, cached.

    The same as :func:`reliability_table` on ``load_report_data(processed_dir)``, but
    computed once per content of the files it reads: the key holds the SHA-256 of
    ``responses.parquet``, of ``provenance.json`` and of the instrument file named there,
    the instrument's id and version, and ``lang``. A changed file is a new key, never a
    stale table. The caller gets a copy it may change.

    Raises
    ------
    ReadinessError
        When the processed files are missing (as :func:`load_report_data`).

    Examples
    --------
    >>> table, n = study_reliability_table("data/processed")  # doctest: +SKIP
    >>> n  # doctest: +SKIP
    14
    """
    key = _reliability_key(Path(processed_dir), lang)
    entry = _RELIABILITY_CACHE.get(key)
    if entry is None:
        data = load_report_data(processed_dir)
        entry = (reliability_table(data, lang), len(data.responses))
        _RELIABILITY_CACHE[key] = entry
        while len(_RELIABILITY_CACHE) > _RELIABILITY_CACHE_SIZE:
            _RELIABILITY_CACHE.popitem(last=False)
    _RELIABILITY_CACHE.move_to_end(key)
    table, n = entry
    return table.copy(), n


def study_reliability(processed_dir: str | Path, lang: str = "nl") -> HTML:
    """Small-sample warning and reliability table over all institutions (cached).

    Examples
    --------
    >>> study_reliability("data/processed", "en")  # doctest: +SKIP
    """
    reliabilities, n = study_reliability_table(processed_dir, lang)
    return HTML(small_sample_warning(n, lang).data + table(reliabilities).data)


def _reliability_key(processed: Path, lang: str) -> tuple:
    """What the study-wide reliability table depends on, by content."""
    provenance = processed / "provenance.json"
    try:
        instrument = json.loads(provenance.read_text(encoding="utf-8")).get("instrument", {})
    except (OSError, ValueError):
        instrument = {}
    source = str(instrument.get("source", ""))
    return (lang, str(processed.resolve()), instrument.get("id"), instrument.get("version"),
            source, _sha256(processed / "responses.parquet"), _sha256(provenance),
            _sha256(_instrument_file(source)))


def _instrument_file(source: str) -> Path | Traversable:
    if source.startswith("<package>/"):
        return resources.files("readiness_analysis") / "instruments" / source.split("/", 1)[1]
    return Path(source)


def _sha256(path: Path | Traversable) -> str | None:
    """SHA-256 of a file's bytes; None when it cannot be read (the load will say why)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
