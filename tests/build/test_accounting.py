"""The row account of a build: counted, warned about, strict, and the reports' headline n.

The console side (what ``readiness build`` prints) is in tests/test_cli.py; one build that
renders reports from another working folder is in tests/e2e/test_relative_paths.py.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from readiness_analysis.build.prepare import absolute_path, prepare, recorded_source
from readiness_analysis.core.errors import AccountingError, AccountingWarning
from readiness_analysis.io.clean import ALARM_SHARE, RowAccount, check_account
from readiness_analysis.report import common, institution, study
from readiness_analysis.report.data import (
    has_theme_score,
    load_report_data,
    scored_respondents,
    unscored_count,
)

from .accounting_data import VARIANT, write_scan


def _prepare_quietly(raw: Path, processed: Path, **options):
    """``prepare`` and the account warnings it issued."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AccountingWarning)
        prepared = prepare(raw, processed, **options)
    return prepared, [str(w.message) for w in caught if w.category is AccountingWarning]


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


# --- the warning and --strict ------------------------------------------------------------


def test_a_label_variant_in_40_percent_of_rows_warns_naming_column_value_and_command(tmp_path):
    scan = write_scan(tmp_path / "raw", 20, variant_rows=8)
    prepared, found = _prepare_quietly(tmp_path / "raw", tmp_path / "processed")
    account = prepared.account
    assert (account.read, account.kept, account.rejected, account.blank) == (20, 12, 8, 0)
    assert len(found) == 1
    assert "40% of the respondent rows were rejected (8 of 20)" in found[0]
    assert f"vis_2: {VARIANT!r} x 8" in found[0]
    assert f"readiness validate {scan} --problems-out problems.csv" in found[0]


def test_strict_fails_before_writing_and_keeps_the_previous_processed_data(tmp_path):
    write_scan(tmp_path / "raw", 20)
    processed = tmp_path / "processed"
    _prepare_quietly(tmp_path / "raw", processed)
    before = _digests(processed)
    write_scan(tmp_path / "raw", 20, variant_rows=8)
    with pytest.raises(AccountingError, match=rf"vis_2: {VARIANT!r} x 8"):
        prepare(tmp_path / "raw", processed, strict=True)
    assert _digests(processed) == before  # nothing half-written
    with pytest.raises(AccountingError):
        prepare(tmp_path / "raw", tmp_path / "new", strict=True)
    assert not (tmp_path / "new").exists()


def test_many_answers_set_to_missing_warn_too(tmp_path):
    write_scan(tmp_path / "raw", 20, variant_rows=8)
    prepared, found = _prepare_quietly(tmp_path / "raw", tmp_path / "processed",
                                       invalid_answers="missing")
    account = prepared.account
    assert (account.kept, account.rejected, account.missing_cells, account.missing_rows) == (
        20, 0, 8, 8)
    assert len(found) == 1 and "40% of the kept rows had answers set to missing" in found[0]
    assert f"vis_2: {VARIANT!r} x 8" in found[0]
    with pytest.raises(AccountingError, match="set to missing"):
        prepare(tmp_path / "raw", tmp_path / "strict", invalid_answers="missing", strict=True)


@pytest.mark.parametrize("rows, bad, warned", [(40, 1, False), (20, 1, False), (19, 1, True)])
def test_the_warning_starts_above_the_threshold(tmp_path, rows, bad, warned):
    # 1 of 40 = 2.5% and 1 of 20 = 5% (the threshold itself) stay quiet; 1 of 19 = 5.3% warns
    write_scan(tmp_path / "raw", rows, variant_rows=bad)
    prepared, found = _prepare_quietly(tmp_path / "raw", tmp_path / "processed", strict=False)
    assert prepared.account.rejected == bad and bool(found) is warned
    assert (prepared.account.rejected / rows > ALARM_SHARE) is warned


def test_the_account_line_names_every_count():
    account = RowAccount("s.csv", 1_200, 1_000, 150, 50, missing_cells=7, missing_rows=3,
                         unscored=2)
    assert account.line() == ("s.csv: 1,200 rows read: 1,000 kept, 150 rejected, 50 blank; "
                              "7 answers set to missing; 2 respondents answered no theme "
                              "(kept, not counted in the reports' n)")
    assert account.rejected_share == 150 / 1_150  # blank rows are not respondents


@pytest.mark.parametrize("account", [
    RowAccount("s.csv", 0, 0, 0, 0),  # nothing read
    RowAccount("s.csv", 10, 0, 0, 10),  # only blank rows
    RowAccount("s.csv", 1, 1, 0, 0),  # one respondent
])
def test_empty_and_tiny_accounts_never_warn(account):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_account(account, strict=True)
    assert account.warning() is None


def test_one_rejected_respondent_of_one_is_all_of_them():
    account = RowAccount("s.csv", 1, 0, 1, 0, top=(("def_1", "'9'", 1),))
    with pytest.raises(AccountingError, match=r"100% of the respondent rows .*def_1: '9' x 1"):
        check_account(account, strict=True)


def test_a_custom_instrument_is_named_in_the_command():
    account = RowAccount("raw dir/s.csv", 10, 5, 5, 0, instrument="/x/my scan.yaml")
    assert account.command() == ("readiness validate 'raw dir/s.csv' --instrument "
                                 "'/x/my scan.yaml' --problems-out problems.csv")


# --- paths recorded -----------------------------------------------------------------------


def test_provenance_records_an_absolute_instrument_source(tmp_path, monkeypatch, instrument):
    write_scan(tmp_path / "raw", 10)
    monkeypatch.chdir(tmp_path)
    relative = replace(instrument, source="my.yaml")  # as loaded from a relative path
    prepare("raw", "processed", instrument=relative)
    provenance = pd.read_json(tmp_path / "processed" / "provenance.json", typ="series")
    assert provenance["instrument"]["source"] == str(tmp_path / "my.yaml")


def test_recorded_sources_keep_markers_and_make_paths_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert recorded_source("<package>/x.yaml") == "<package>/x.yaml"
    assert recorded_source("<instrument>") == "<instrument>"
    assert recorded_source("") == ""
    assert recorded_source("a/../b.yaml") == str(tmp_path / "a" / ".." / "b.yaml")


def test_absolute_paths_do_not_follow_links(tmp_path, monkeypatch):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path)
    assert absolute_path("link") == tmp_path / "link"
    assert absolute_path("~") == Path.home()


# --- the headline n -----------------------------------------------------------------------


@pytest.fixture
def one_unanswered(tmp_path):
    """Processed data of 9 respondents, one of whom (at School B) answered no item."""
    write_scan(tmp_path / "raw", 9, empty_rows=0)
    frame = pd.read_csv(tmp_path / "raw" / "scan_responses.csv", dtype=str)
    frame.loc[1, ["def_1", "vis_1", "vis_2", "inf_1"]] = None  # r1, School B
    frame.to_csv(tmp_path / "raw" / "scan_responses.csv", index=False)
    prepared, _ = _prepare_quietly(tmp_path / "raw", tmp_path / "processed")
    return prepared, tmp_path / "processed"


def test_a_respondent_who_answered_nothing_is_kept_but_counted_apart(one_unanswered):
    prepared, processed = one_unanswered
    assert (prepared.account.kept, prepared.account.unscored) == (9, 1)
    assert "1 respondent answered no theme" in prepared.account.line()
    log = pd.read_csv(processed / "cleaning_log.csv")
    assert log["detail"].str.contains("1 respondent answered no theme").sum() == 1
    data = load_report_data(processed)
    assert len(data.responses) == 9 and len(scored_respondents(data)) == 8
    assert unscored_count(data) == 1


def test_the_headline_n_leaves_out_respondents_without_a_theme_score(one_unanswered):
    _, processed = one_unanswered
    data = load_report_data(processed)
    without = replace(data, responses=data.responses[has_theme_score(data.responses,
                                                                     data.scores)])
    table = study.participants(data, "en")
    assert table.iloc[-1, 1] == 8  # the total row's respondents
    assert table.equals(study.participants(without, "en"))
    own = load_report_data(processed, "School B")
    own_without = replace(own, responses=own.responses[has_theme_score(own.responses,
                                                                       own.scores)])
    assert len(own.responses) == 4 and len(own_without.responses) == 3
    assert institution._count_line(own, "en") == institution._count_line(own_without, "en")


def test_the_accounting_lines_name_the_respondents_without_a_theme(one_unanswered):
    _, processed = one_unanswered
    line = "1 respondent answered no theme and is not counted in the figures."
    assert line in common.accounting(load_report_data(processed), "en").data
    own = institution.accounting_lines(load_report_data(processed, "School B"), "en").data
    assert line in own
    other = institution.accounting_lines(load_report_data(processed, "School A"), "en").data
    assert "answered no theme" not in other  # School A's respondents all answered


def test_no_respondent_without_a_theme_adds_no_line(tmp_path):
    write_scan(tmp_path / "raw", 6)
    prepared, _ = _prepare_quietly(tmp_path / "raw", tmp_path / "processed")
    data = load_report_data(tmp_path / "processed")
    assert prepared.account.unscored == 0 and common.unscored_line(data, "en") == ""
    assert "no theme" not in prepared.account.line()
