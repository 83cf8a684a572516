"""The study reproduced: the demo build's study report shows the published study's
participants, quotes, sub-questions and recommendations, and says where n is too small."""

import re

import pytest

pytestmark = pytest.mark.notebooks


def _html(base, rel):
    return (base / "reports" / rel).read_text(encoding="utf-8")


def test_study_report_reproduces_participants_and_quotes(demo_build):
    _, base = demo_build
    text = _html(base, "study.html")
    total = re.search(r"<td>Totaal</td>\s*<td>(\d+)</td>\s*<td>(\d+)</td>", text)
    assert total.groups() == ("14", "23")
    assert "Aanbeveling 1" in text and "Aanbeveling 5" in text
    assert text.index("Aanbeveling 1") < text.index("Aanbeveling 5")
    assert "De wifi in dit gebouw is belabberd." in text


def test_study_report_has_a_reliability_table_with_small_sample_warning(demo_build):
    _, base = demo_build
    text = _html(base, "study.html")
    assert "Betrouwbaarheid per thema" in text
    assert "rusten op 14 interviews" in text
    # 14 interviews < ALPHA_MIN_N: no alpha, no Feldt interval, no omega, the reason said
    assert re.search(r"<td>Visie en beleid</td>\s*<td>4</td>\s*<td>14</td>\s*<td>–</td>\s*"
                     r"<td>–</td>\s*<td>–</td>\s*<td>alfa en omega niet getoond: 14 interviews",
                     text)
    assert "niet de betrouwbaarheid van de antwoorden van één docent" in text


def test_study_report_answers_the_four_sub_questions_in_order(demo_build):
    _, base = demo_build
    text = _html(base, "study.html")
    positions = [text.index(f"<h2>Deelvraag {n}</h2>") for n in (1, 2, 3, 4)]
    assert positions == sorted(positions)
    assert "documenteninventaris is illustratief" in text
    assert "Onderwijsvisie 2021-2025" not in text  # the study shows the overview only
    assert "HAN Blended Leren Bloem" in text or "Blended Leren Bloem" in text


def test_study_report_gives_small_sample_p_values_adjusted_across_themes(demo_build):
    # 5, 5 and 4 interviews: tested with a permutation p-value (stats.compare), Holm
    # across the themes, and a note that says so; no factor analysis
    _, base = demo_build
    text = _html(base, "study.html")
    assert "getoetst" in text and "permutatie-p, Monte-Carlo-fout " in text
    assert "<th>p (Holm, over thema's)</th>" in text
    assert "Elk interview telt één keer" in text
    assert "Geen verkennende factoranalyse" in text
