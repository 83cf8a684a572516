"""Own data only: an institution's report and report data show that institution and the
pooled figures, never another institution's name, answers, respondents or documents."""

import pandas as pd
import pytest

from readiness_analysis.report.data import load_report_data

pytestmark = pytest.mark.notebooks
INSTITUTIONS = ["Instelling A", "Instelling B", "Instelling C"]


def _html(base, rel):
    return (base / "reports" / rel).read_text(encoding="utf-8")


def test_institution_report_shows_only_its_own_data(demo_build):
    _, base = demo_build
    for name in INSTITUTIONS:
        slug = name.lower().replace(" ", "-")
        text = _html(base, f"institutions/{slug}.html")
        assert name in text
        for other in set(INSTITUTIONS) - {name}:
            assert other not in text
    responses = pd.read_parquet(base / "processed" / "responses.parquet")
    for rid in responses["respondent_id"]:
        assert rid not in _html(base, "institutions/instelling-a.html")


def test_institution_report_shows_its_documents_next_to_vision_answers(demo_build):
    _, base = demo_build
    text = _html(base, "institutions/instelling-b.html")
    assert "Visie- en beleidsdocumenten" in text
    assert "Onderwijsvisie 2021-2025" in text
    assert "Onderwijsvisie 2022-2026" not in text  # Instelling A's document
    assert "Ik ken de visie van mijn instelling op blended leren." in text


def test_institution_data_keeps_no_other_institution_in_categories(demo_build):
    _, base = demo_build
    data = load_report_data(base / "processed", "Instelling A")
    for frame in (data.responses, data.scores, data.fragments):
        for column in frame.columns:
            values = frame[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                values = pd.Series(values.cat.categories)
            assert not values.astype(str).isin(["Instelling B", "Instelling C"]).any(), column
    pooled = data.summary[data.summary["institution"].notna()]
    assert set(pooled["institution"]) == {"Instelling A"}
