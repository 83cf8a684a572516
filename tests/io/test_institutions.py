"""Institution names (io/institutions.py): spellings merged through the alias table."""

import pytest

from readiness_analysis.core.errors import DataValidationError
from readiness_analysis.io.clean import clean_scan
from readiness_analysis.io.institutions import load_aliases, normalise_institution
from readiness_analysis.io.scan import read_scan

KEY = b"test-key"


def test_institution_spellings_are_merged_and_logged(tmp_path, instrument):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,def_1\nr1,ROC van Amsterdam,3\nr2,ROCvA,3\n"
                    "r3,roc  van amsterdam ,3\nr4,Instelling X,3\nr5,instelling x,2\n"
                    "r6,Instelling X,2\n")
    result = clean_scan(read_scan(path), instrument, key=KEY, aliases=load_aliases())
    assert result.responses["institution"].tolist() == ["ROC van Amsterdam"] * 3 + [
        "Instelling X"] * 3
    notes = result.log.loc[result.log["step"] == "note", "detail"].tolist()
    assert "institution 'ROCvA' -> 'ROC van Amsterdam'" in notes
    assert "institution 'instelling x' -> 'Instelling X'" in notes


def test_user_alias_file_extends_the_shipped_table(tmp_path):
    (tmp_path / "institution_aliases.yaml").write_text(
        "Grafisch Lyceum Rotterdam:\n  - GLR\n", encoding="utf-8")
    aliases = load_aliases(tmp_path)
    assert normalise_institution(" glr ", aliases) == "Grafisch Lyceum Rotterdam"
    assert normalise_institution("ROCvA", aliases) == "ROC van Amsterdam"


def test_broken_alias_file_is_located(tmp_path):
    path = tmp_path / "institution_aliases.yaml"
    path.write_text("GLR: Grafisch Lyceum\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="must map each name to a list"):
        load_aliases(tmp_path)
