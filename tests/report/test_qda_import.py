"""The QDA import block of the study report's method appendix (report/qda_import.py)."""

import pandas as pd

from readiness_analysis.core.tables import QDA_IMPORT_COLUMNS, UNIT_AGREEMENT_COLUMNS
from readiness_analysis.report.qda_import import (
    agreement_both_ways,
    qda_import_block,
    qda_import_table,
)


def write_processed(folder, corrections=("", "offsets count each CRLF ...")):
    folder.mkdir()
    pd.DataFrame([["i1", "Instelling A", "Anna", 5, 4, 3, 1, corrections[0]],
                  ["i1", None, "Bram", 3, 3, 3, 0, corrections[1]]],
                 columns=list(QDA_IMPORT_COLUMNS)).to_csv(folder / "qda_import.csv", index=False)
    row = dict.fromkeys(UNIT_AGREEMENT_COLUMNS, 1.0)
    row.update(code="overall", kappa=0.5, kappa_paired=0.75, char_agreement=0.9,
               kappa_band="moderate", alpha_band="reliable")
    pd.DataFrame([row]).to_csv(folder / "agreement.csv", index=False)
    return folder


def test_the_import_table_is_worded_in_each_language(tmp_path):
    folder = write_processed(tmp_path / "p")
    nl = qda_import_table(folder, "nl")
    en = qda_import_table(folder, "en")
    assert nl.columns.tolist()[:3] == ["Interview", "Instelling", "Codeur"]
    assert en.columns.tolist()[:3] == ["Interview", "Institution", "Coder"]
    assert en["Codings"].tolist() == [5, 3]
    assert en["Institution"].tolist() == ["Instelling A", "–"]


def test_agreement_is_shown_with_and_without_one_coder_passages(tmp_path):
    both = agreement_both_ways(write_processed(tmp_path / "p"), "nl")
    assert both[["kappa", "kappa zonder", "Tekens overeen"]].values.tolist() == [
        ["0,50", "0,75", "90%"]]


def test_the_block_names_the_rule_and_counts_corrections(tmp_path):
    html = qda_import_block(write_processed(tmp_path / "p"), "en").data
    assert "covers at least 90% of each of them" in html
    assert "One correction while reading" in html
    assert "Import of the coded interviews" in html


def test_without_a_qda_export_the_block_is_empty(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    assert qda_import_block(folder, "nl").data == ""
    pd.DataFrame(columns=list(QDA_IMPORT_COLUMNS)).to_csv(folder / "qda_import.csv",
                                                           index=False)
    assert qda_import_table(folder, "nl").empty
    assert qda_import_block(folder, "nl").data == ""


def test_one_coder_says_why_there_is_no_agreement(tmp_path):
    folder = write_processed(tmp_path / "p")
    assert "No agreement between coders" not in qda_import_block(folder, "en").data
    report = pd.read_csv(folder / "qda_import.csv").assign(coder="Anna")
    report.to_csv(folder / "qda_import.csv", index=False)
    (folder / "agreement.csv").unlink()
    html = qda_import_block(folder, "en").data
    assert "No agreement between coders was computed: it needs interviews coded by two" in html
