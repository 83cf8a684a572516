"""How the institution report words its ranking (report/institution.py, issue 16).

Strengths apart from needs, only own fragments as evidence, the rule in words, a
rank-stability statement, and the study report's fragment columns saying what they count.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from readiness_analysis.report import institution, study
from readiness_analysis.report.data import load_report_data
from readiness_analysis.report.text import text


@pytest.fixture(scope="module")
def processed(prepared_demo):
    return prepared_demo


@pytest.fixture(scope="module")
def demo(processed):
    return load_report_data(processed, "Instelling A")


def _uniform(data, by_theme=None):
    """``data`` with every respondent answering ``by_theme[theme]`` (else the respondent's
    number) on every theme, and a summary to match."""
    scores = data.scores.copy()
    ids = scores["respondent_id"].astype(str)
    rank = ids.map({r: i % 5 + 1 for i, r in enumerate(sorted(ids.unique()))})
    themes = scores["theme"].astype(str)
    scores["score"] = [float(by_theme[t]) if by_theme else float(r)
                       for t, r in zip(themes, rank, strict=True)]
    means = scores.groupby(themes)["score"].mean()
    summary = data.summary.copy()
    own = summary["institution"] == data.own_institution()
    summary.loc[own, "mean"] = summary.loc[own, "theme"].astype(str).map(means).to_numpy()
    return replace(data, scores=scores, summary=summary)


def test_the_summary_shows_strengths_apart_from_needs(demo):
    summary = institution.summary_block(demo, "nl").data
    assert "Sterke punten" in summary and "bereidheid" in summary.lower()
    r4 = institution.priorities(demo, "en").set_index("Recommendation").filter(
        like="(recommendation 4)", axis=0)["Evidence"].iloc[0]
    need, strength = r4.split("; strength")
    assert "willingness" not in need and "time to experiment" in need
    assert "willingness" in strength
    strong = institution.strengths_items(demo, "en")
    assert strong.startswith("Willingness ") and "take no part in the ranking" in strong


def test_published_quotes_are_not_counted_as_evidence(demo):
    assert demo.fragments.empty  # the demo interviews are not attributed to a school
    page = institution.summary_block(demo, "nl").data + institution.ranking_rule(demo, "nl").data
    for row in institution.priorities(demo, "nl")["Onderbouwing"]:
        assert "belemmerende fragmenten" not in row and "studie" not in row
    assert "alle interviews van de studie" not in page
    assert "geen gecodeerde interviewfragmenten van deze instelling" in page
    assert "illustraties, geen gegevens over deze instelling" in page


def test_own_fragments_are_counted_as_fragments_of_the_school(demo):
    own = pd.DataFrame({"fragment_id": [f"f{i}" for i in range(6)],
                        "valence": ["hindering"] * 5 + ["stimulating"],
                        "recommendation": ["R3", "R3", "R1", "R1", "R1", "R4"]})
    data = replace(demo, fragments=own)
    assert institution.ranking_basis(data) == "scan+interviews"
    readings = institution.priorities(data, "en").set_index("Recommendation")["Evidence"]
    r1 = readings.filter(like="(recommendation 1)", axis=0).iloc[0]
    assert r1.endswith("3 of the 5 own hindering fragments")
    few = replace(demo, fragments=own.iloc[:3])
    assert institution.ranking_basis(few) == "scan"
    assert "not counted: fewer than 5" in institution.priorities(few, "en")["Evidence"].iloc[0]


def test_the_rule_says_need_is_judged_against_the_scale(demo):
    rule = institution.ranking_rule(demo, "en").data
    assert "judged against the scale, not against the mean of all institutions" in rule
    assert "Strengths (themes the instrument marks as such) do not count as need" in rule
    assert "drawn again 2000 times" in rule and "practically equal" in rule


def test_a_close_call_is_named_and_shares_its_place(demo):
    data = _uniform(demo)  # every theme the same for everyone: all needs equal
    line = institution.stability_line(data, "nl")
    assert line == text("rank_check.all_equal", "nl", n_recs="vijf")
    places = institution.priorities(data, "nl")["Prioriteit"].tolist()
    assert places == ["1–5"] * 5
    assert line in institution.summary_block(data, "nl").data


def test_a_clear_order_is_called_clear(demo):
    means = {t: 1.0 + i * 0.35 for i, t in enumerate(demo.instrument.theme_ids)}
    data = _uniform(demo, means | {"readiness": 3.0})
    line = institution.stability_line(data, "en")
    assert line.startswith("The order of the first three is clear")
    assert institution.priorities(data, "en")["Priority"].tolist() == ["1", "2", "3", "4", "5"]


def test_a_partial_tie_names_the_equal_recommendations(demo):
    means = dict.fromkeys(demo.instrument.theme_ids, 4.0) | {
        "vision": 2.0, "infrastructure": 2.0, "tools": 2.0, "timetable": 2.0, "readiness": 3.0}
    line = institution.stability_line(_uniform(demo, means), "en")
    assert line.startswith("Recommendations 2 and 3 are practically equal for this institution "
                           "(together places 1–2)")


def test_fragment_columns_say_they_count_fragments_per_code(processed):
    data = load_report_data(processed)
    table = study.factor_table(data, "hindering", "en")
    n = data.fragments.loc[data.fragments["valence"] == "hindering", "fragment_id"].nunique()
    header = f"Fragments with this code (of {n}; a fragment can have more than one code)"
    assert header in table.columns
    assert table[header].sum() > n  # why the header says so


def test_every_tip_in_the_evidence_carries_its_links(demo):
    blocks = list(institution.recommendation_blocks(demo, "nl"))
    for rec, block in zip(institution._ranking(demo)["recommendation"], blocks, strict=True):
        for link in demo.study.recommendation(rec).links:
            assert f'<a href="{link}"' in block.data, (rec, link)
    assert sum(len(r.links) for r in demo.study.recommendations) >= 5  # not vacuous
