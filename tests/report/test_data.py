"""Loading the report data (report/data.py): missing processed data is a clear error."""

from __future__ import annotations

import pytest

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.report.data import load_report_data


def test_missing_processed_data_under_a_relative_path_names_the_working_folder(tmp_path,
                                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ReadinessError) as info:
        load_report_data("../data/processed")
    message = str(info.value)
    assert "processed data missing: responses.parquet" in message
    assert f"relative to the working folder {tmp_path}" in message
    with pytest.raises(ReadinessError) as info:
        load_report_data(tmp_path / "absent")
    assert "relative to the working folder" not in str(info.value)
