"""Tables of the study report (report/study.py): the rejection steps in the report's
language, agreement verdicts and group differences."""

from __future__ import annotations

import dataclasses
import html
import re

import pandas as pd

from readiness_analysis.report import study
from readiness_analysis.report.data import load_report_data
from readiness_analysis.report.html import table as html_table
from readiness_analysis.report.labels import step_label


def _cells(frame: pd.DataFrame) -> list[str]:
    return [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", html_table(frame).data)]


def test_dutch_rejection_table_shows_no_english_step_identifiers(rejecting_build, step_labels):
    data = load_report_data(rejecting_build)
    cells = _cells(study.rejection_steps(data, "nl"))
    for step in step_labels["nl"]:
        assert not any(step in cell for cell in cells), step
    assert "Lege rijen verwijderen" in cells and "Dubbele respondenten verwijderen" in cells
    english = _cells(study.rejection_steps(data, "en"))
    assert "Remove blank rows" in english and "drop blank rows" not in english


def test_rejection_table_accounts_for_every_rejected_row(rejecting_build, bad_rows):
    data = load_report_data(rejecting_build)
    table = study.rejection_steps(data, "nl")
    assert table["Afgewezen"].sum() + table["Leeg"].sum() == len(bad_rows)
    assert table["Leeg"].sum() == 1  # the blank row: set aside, not rejected
    assert table["Stap"].iloc[0] == "Bestand inlezen (onleesbare rijen)"


def test_unknown_step_keeps_its_identifier(rejecting_build):
    data = load_report_data(rejecting_build)
    log = pd.DataFrame({"step": ["read", "a future step"], "rows_in": [5, 5],
                        "rows_out": [5, 4], "rejected": [0, 1], "blank": [0, 0],
                        "detail": ["", ""]})
    table = study.rejection_steps(dataclasses.replace(data, cleaning_log=log), "nl")
    assert table["Stap"].tolist() == ["a future step"]
    assert step_label("a future step", "en") == "a future step"


def test_agreement_band_follows_the_report_language(rejecting_build):
    data = load_report_data(rejecting_build)
    agreement = pd.DataFrame({"code": ["k1"], "n_fragments": [10], "n_coders": [2],
                              "kappa": [0.5], "alpha": [0.85], "kappa_band": ["moderate"],
                              "alpha_band": ["reliable"]})
    data = dataclasses.replace(data, agreement=agreement)
    assert study.agreement_table(data, "en")["Verdict"].tolist() == ["reliable"]
    assert study.agreement_table(data, "nl")["Oordeel"].tolist() == ["betrouwbaar"]


def test_untested_themes_are_explained_in_dutch(rejecting_build):
    data = load_report_data(rejecting_build)
    one = data.scores[data.scores["institution"] == "Instelling A"]
    table = study.group_differences(dataclasses.replace(data, scores=one), "nl")
    assert set(table["Toelichting"]) == {"minder dan twee instellingen: niets te vergelijken"}
    english = study.group_differences(dataclasses.replace(data, scores=one), "en")
    assert english["Note"].str.contains("nothing to compare").all()


# --- the comparison table and its note (stats.compare rules, in words) ---------------------


def _decimal(cell: str) -> float:
    return float(cell.replace(",", "."))


def test_comparison_table_shows_raw_and_adjusted_p_and_how_p_was_found(rejecting_build):
    data = load_report_data(rejecting_build)  # the demo: 5, 5 and 4 interviews
    table = study.group_differences(data, "nl")
    assert list(table.columns) == ["Thema", "n", "Toets", "H", "p", "p (Holm, over thema's)",
                                   "ε²", "Toelichting"]
    assert (table["Toets"] == "getoetst").all()
    tested = table[table["p"] != "–"]
    raw, adjusted = tested["p"].map(_decimal), tested["p (Holm, over thema's)"].map(_decimal)
    assert (adjusted >= raw).all() and (adjusted <= 1).all()
    note = r"permutatie-p, Monte-Carlo-fout (0,00\d|< 0,001)"
    assert tested["Toelichting"].str.fullmatch(note).all()
    english = study.group_differences(data, "en")
    assert "p (Holm, across themes)" in english.columns
    assert english["Note"].str.match(r"permutation p, Monte Carlo error (0\.00\d|< 0\.001)$").all()


def test_comparison_note_names_test_unit_family_and_thresholds(rejecting_build):
    data = load_report_data(rejecting_build)
    note = html.unescape(study.group_differences_note(data, "nl").data)
    rows = study.group_differences(data, "nl").iloc[:, 0].tolist()
    assert "Totaalscore" in rows  # the overall score is tested too, but is not a theme
    assert "Kruskal-Wallis" in note and "Elk interview telt één keer" in note
    assert (f"corrigeert p voor de {len(rows) - 1} getoetste thema's en de totaalscore samen "
            "(Holm") in note
    assert "minder dan 5 interviews" in note and "minder dan 20" in note
    assert ("Een instelling met minder dan 3 interviews telt niet mee; onder 8 samen of "
            "minder dan drie instellingen staat er geen toets") in note
    assert "meting" not in note  # one wave: nothing to choose
    assert "Kish" not in note  # unweighted
    english = html.unescape(study.group_differences_note(data, "en").data)
    assert "Every interview counts once" in english and "9999 random splits" in english


def test_weighted_build_shows_kish_n_and_says_the_test_is_unweighted(rejecting_build):
    data = load_report_data(rejecting_build)
    weighted = dataclasses.replace(data, provenance={**data.provenance, "weighted": True})
    table = study.group_differences(weighted, "nl")
    plain = study.group_differences(data, "nl")
    assert table.columns[2] == "n (Kish)" and "n (Kish)" not in plain.columns
    kish = table["n (Kish)"].map(_decimal)
    assert ((kish > 0) & (kish <= table["n"])).all()
    assert table["p"].tolist() == plain["p"].tolist()  # the test counts interviews
    note = html.unescape(study.group_differences_note(weighted, "nl").data)
    assert "één keer per docent die meedeed; de toets doet dat niet" in note
    assert "n (Kish) is de effectieve steekproefomvang" in note


def test_only_the_latest_wave_is_compared_and_the_note_says_so(rejecting_build):
    data = load_report_data(rejecting_build)
    later = data.scores.assign(wave=2, respondent_id=data.scores["respondent_id"].astype(str) + "b")
    later = later[later["institution"] != "Instelling C"]  # C was not surveyed again
    scores = pd.concat([data.scores.assign(respondent_id=data.scores["respondent_id"].astype(str)),
                        later], ignore_index=True)
    responses = pd.concat([data.responses, data.responses.assign(wave=2)], ignore_index=True)
    two = dataclasses.replace(data, scores=scores, responses=responses)
    table = study.group_differences(two, "nl")
    first = table["n"].iloc[0]
    assert first == int(later[later["theme"] == later["theme"].iloc[0]]["score"].notna().sum())
    note = html.unescape(study.group_differences_note(two, "nl").data)
    assert "Alleen de laatste meting (meting 2) telt" in note


def test_an_institution_missing_from_the_latest_wave_is_counted_where_it_is_missing(
        rejecting_build):
    data = load_report_data(rejecting_build)
    again = data.responses[data.responses["institution"] != "Instelling C"].assign(wave=2)
    later = data.scores[data.scores["institution"] != "Instelling C"].assign(wave=2)
    two = dataclasses.replace(data, responses=pd.concat([data.responses, again]),
                              scores=pd.concat([data.scores, later]))
    absent = "1 instelling (van de 3) deed niet mee aan meting 2 en staat hier niet bij"
    assert absent in html.unescape(study.group_differences_note(two, "nl").data)
    assert absent in html.unescape(study.distribution_figure(two, "nl").data)
    assert "2 institutions (of 3) did not take part in wave 2" in study._absent_from_latest(
        dataclasses.replace(data, responses=pd.concat([data.responses, again.iloc[:1]])),
        "en")[0]
    everyone = dataclasses.replace(data, responses=pd.concat([data.responses,
                                                                data.responses.assign(wave=2)]))
    assert study._absent_from_latest(everyone, "nl") == []
    assert study._absent_from_latest(data, "nl") == []  # one wave


def test_a_school_below_the_minimum_is_left_out_and_counted_in_the_note(rejecting_build):
    data = load_report_data(rejecting_build)
    c = data.scores[data.scores["institution"] == "Instelling C"]
    keep = c["respondent_id"].drop_duplicates().iloc[:2]
    scores = data.scores[(data.scores["institution"] != "Instelling C")
                         | data.scores["respondent_id"].isin(keep)]
    few = dataclasses.replace(data, scores=scores)
    table = study.group_differences(few, "nl")
    # C (2 interviews) is left out; A and B remain: the two-institution rule, no test
    assert set(table["Toets"]) == {"te weinig instellingen"}
    assert set(table["Toelichting"]) == {
        "niet getoetst: minder dan 3 instellingen met minstens 3 interviews"}
    assert set(table["p (Holm, over thema's)"]) == {"–"} and set(table["H"]) == {"–"}
    note = html.unescape(study.group_differences_note(few, "nl").data)
    assert "corrigeert" not in note  # no theme tested: no family to speak of
    assert "minder dan drie instellingen staat er geen toets.</p>" in note
    assert "Niet meegeteld: 1 instelling met minder dan 3 interviews, samen 2 interviews." in note


def test_the_study_guide_explains_its_box_plots_not_the_institution_report_columns(
        rejecting_build):
    data = load_report_data(rejecting_build)
    guide = html.unescape(study.reading_guide(data, "nl").data)
    assert "In de boxplots omvat de doos de middelste helft" in guide
    assert "mee eens' is het aandeel" not in guide and "standaarddeviatie" not in guide
    assert "betrouwbaarheidsinterval" not in guide  # the study report shows none here
    weighted = dataclasses.replace(data, provenance={**data.provenance, "weighted": True})
    english = html.unescape(study.reading_guide(weighted, "en").data)
    assert "weighted by the number of teachers: each interview counts" in english
