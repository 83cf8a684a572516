"""``readiness validate``, ``synth`` and the CLI's errors: one line each, no traceback."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from readiness_analysis.cli import main
from readiness_analysis.core.errors import ReadinessError


def test_validate_good_file_exits_zero(capsys, raw_dir):
    assert main(["validate", str(raw_dir / "scan_responses.csv")]) == 0
    assert "14 valid rows, 0 rejected" in capsys.readouterr().err


def test_validate_reports_each_problem_as_file_row_column(tmp_path, capsys):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,def_1\nr1,A,9\nr2,A,3\n")
    before = path.read_bytes()
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:2:def_1: value '9' is outside the scale 1-5" in out
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


def test_validate_missing_file_is_one_line_not_a_traceback(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.csv")]) == 1
    captured = capsys.readouterr()
    assert "file not found" in captured.out and "Traceback" not in captured.out + captured.err


def test_build_error_is_one_line(tmp_path, capsys):
    code = main(["build", "--raw", str(tmp_path), "--processed", str(tmp_path / "p"),
                 "--reports", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1


def test_synth_writes_requested_design(tmp_path):
    out = tmp_path / "scan.csv"
    assert main(["synth", "--out", str(out), "--institutions", "12", "--respondents", "4",
                 "--waves", "2", "--seed", "5"]) == 0
    df = pd.read_csv(out)
    assert df["institution"].nunique() == 12 and len(df) == 96


def _broken_scan(path, rows: int) -> None:
    """``rows`` rows: every 2nd off the scale in def_1, every 3rd unreadable in vis_1."""
    lines = ["respondent_id,institution,def_1,vis_1"]
    lines += [f"r{i},Instelling A,{9 if i % 2 == 0 else 3},{'x' if i % 3 == 0 else 4}"
              for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_validate_of_thousands_of_bad_rows_stays_short_and_counts_right(tmp_path, capsys):
    path = tmp_path / "scan.csv"
    _broken_scan(path, 6000)  # rejected: 3,000 + 2,000 - 1,000 rows with both = 4,000
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) < 30 and len(err.splitlines()) <= 3  # the counts, a hint, a warning
    assert "warning: " in err and "def_1: '9' x 3,000" in err
    assert f"{path}:2:def_1: value '9' is outside the scale 1-5" in lines
    assert f"{path}:2:vis_1: unknown answer 'x'; expected 1-5 or a scale label" in lines
    assert not any(";" in line.split(": ")[0] for line in lines)  # no "def_1;vis_1" lines
    assert "more not shown (write them all to a CSV file with --problems-out FILE)" in out
    assert "5,000 problems by column and kind:" in out
    assert re.search(r"3,000  def_1: value '…' is outside the scale 1-5$", out, re.M)
    assert re.search(r"2,000  vis_1: unknown answer '…'; expected 1-5", out, re.M)
    assert "6,000 rows read: 2,000 valid rows, 4,000 rejected (5,000 problems)" in err


def test_validate_writes_every_problem_to_a_csv_when_asked(tmp_path, capsys):
    path, out = tmp_path / "raw" / "scan.csv", tmp_path / "out" / "problems.csv"
    path.parent.mkdir()
    _broken_scan(path, 3000)
    before = path.read_bytes()
    assert main(["validate", str(path), "--problems-out", str(out)]) == 1
    assert f"all are in {out}" in capsys.readouterr().out
    problems = pd.read_csv(out, dtype={"row": "Int64"})
    errors = problems[problems["severity"] == "error"]
    assert len(errors) == 1500 + 1000
    assert errors["column"].value_counts().to_dict() == {"def_1": 1500, "vis_1": 1000}
    assert errors.iloc[0][["file", "row", "column"]].tolist() == [str(path), 2, "def_1"]
    assert (problems["severity"] == "warning").sum() >= 1
    assert path.read_bytes() == before


def test_problems_csv_is_defused_for_spreadsheets(tmp_path, capsys):
    path, out = tmp_path / "raw" / "scan.csv", tmp_path / "problems.csv"
    path.parent.mkdir()
    path.write_text("respondent_id,institution,=HYPERLINK(1),=HYPERLINK(1),def_1\nr1,A,1,2,3\n")
    assert main(["validate", str(path), "--problems-out", str(out)]) == 1
    assert "cannot be used" in capsys.readouterr().err
    problems = pd.read_csv(out)
    assert problems["column"].tolist() == ["'=HYPERLINK(1)"]


def test_problems_csv_never_overwrites_a_checked_file(tmp_path, capsys):
    path = tmp_path / "scan.csv"
    _broken_scan(path, 5)
    before = path.read_bytes()
    assert main(["validate", str(path), "--problems-out", str(path)]) == 2
    assert "being checked" in capsys.readouterr().err
    assert path.read_bytes() == before


def _raw_scan(tmp_path):
    """A broken scan export in ``tmp_path / "raw"``, beside coded fragments."""
    raw = tmp_path / "raw"
    raw.mkdir()
    _broken_scan(raw / "scan.csv", 5)
    (raw / "fragments.csv").write_text("my coded fragments\n")
    return raw / "scan.csv"


def _refused(capsys, *args):
    code = main(["validate", *map(str, args)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1
    return err


def test_problems_csv_never_goes_into_the_raw_folder(tmp_path, capsys):
    scan = _raw_scan(tmp_path)
    before = {p.name: p.read_bytes() for p in scan.parent.iterdir()}
    for out in (scan.parent / "fragments.csv", scan.parent / "new.csv",
                scan.parent / "sub" / "problems.csv"):
        for force in ([], ["--force"]):
            err = _refused(capsys, scan, "--problems-out", out, *force)
            assert f"lies in {scan.parent}, the folder of the checked file {scan}" in err
    assert {p.name: p.read_bytes() for p in scan.parent.iterdir()} == before


def test_problems_csv_never_overwrites_a_link_to_a_checked_file(tmp_path, capsys):
    scan = _raw_scan(tmp_path)
    before = scan.read_bytes()
    hard, soft = tmp_path / "hard.csv", tmp_path / "soft.csv"
    os.link(scan, hard)
    soft.symlink_to(scan)
    for out in (hard, soft):
        assert "being checked" in _refused(capsys, scan, "--problems-out", out, "--force")
    assert scan.read_bytes() == before and os.stat(hard).st_ino == os.stat(scan).st_ino


def test_problems_csv_replaces_an_existing_file_only_with_force(tmp_path, capsys):
    scan = _raw_scan(tmp_path)
    out = tmp_path / "problems.csv"
    out.write_text("my notes\n")
    err = _refused(capsys, scan, "--problems-out", out)
    assert "exists; it was not replaced" in err and "--force" in err
    assert out.read_text() == "my notes\n"
    assert main(["validate", str(scan), "--problems-out", str(out), "--force"]) == 1
    assert "def_1" in out.read_text()


def test_synth_refuses_to_overwrite_without_force(tmp_path, capsys, raw_dir):
    out = tmp_path / "scan.csv"
    out.write_text("my own data\n")
    assert main(["synth", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert "was not overwritten" in err and "--force" in err
    assert out.read_text() == "my own data\n"
    assert not out.with_suffix(".synthetic.json").exists()
    assert main(["synth", "--out", str(out), "--force"]) == 0
    assert out.read_bytes() == (raw_dir / "scan_responses.csv").read_bytes()


def test_build_options_reach_the_api(monkeypatch, tmp_path):
    from readiness_analysis.build import pipeline as build_module

    seen = {}

    def fake_build(*args, **kwargs):
        seen.update(kwargs)
        raise ReadinessError("stop here")

    monkeypatch.setattr(build_module, "build", fake_build)
    assert main(["build", "--weighted", "--cell-timeout", "30"]) == 2
    assert seen["weighted"] is True and seen["cell_timeout"] == 30
    assert seen["notebooks_dir"] is None  # resolved by build: ./notebooks or the checkout's
    assert main(["build"]) == 2
    assert seen["weighted"] is False and seen["cell_timeout"] is None
    with pytest.raises(SystemExit):
        main(["build", "--cell-timeout", "0"])


def test_version_is_printed_on_stdout(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert re.fullmatch(r"readiness \S+\n", capsys.readouterr().out)


def test_lang_choices_are_the_catalogue_languages(capsys):
    from readiness_analysis.report.text import languages

    with pytest.raises(SystemExit):
        main(["build", "--lang", "xx"])
    assert f"choose from {', '.join(repr(lang) for lang in languages())}" in (
        capsys.readouterr().err)


# --- --invalid-answers (what cleaning does with them: tests/io/test_clean.py) -------------


@pytest.fixture
def bad_scan(tmp_path) -> Path:
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,def_1,def_2\nr1,A,7,2\nr2,A,3,abc\nr3,A,4,4\n")
    return path


def test_validate_exits_zero_when_only_answers_were_invalid(bad_scan, capsys):
    assert main(["validate", str(bad_scan)]) == 1
    capsys.readouterr()
    assert main(["validate", "--invalid-answers", "missing", str(bad_scan)]) == 0
    out, err = capsys.readouterr()
    assert f"{bad_scan}:2:def_1: value '7' is outside the scale 1-5; set to missing" in out
    assert f"{bad_scan}:3:def_2: unknown answer 'abc'" in out
    assert "3 valid rows, 0 rejected" in err


def test_validate_still_fails_on_meta_problems_under_missing(tmp_path, capsys):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,def_1\nr1,,7\nr2,A,3\n")
    assert main(["validate", "--invalid-answers", "missing", str(path)]) == 1
    out = capsys.readouterr().out
    assert ":2:institution: institution is empty" in out and ":2:def_1:" not in out


def test_validate_rejects_an_unknown_mode(bad_scan):
    with pytest.raises(SystemExit):
        main(["validate", "--invalid-answers", "drop", str(bad_scan)])


def test_build_flag_reaches_the_api(monkeypatch):
    from readiness_analysis.build import pipeline as build_module
    from readiness_analysis.core.errors import ReadinessError

    seen = {}

    def fake_build(*args, **kwargs):
        seen.update(kwargs)
        raise ReadinessError("stop here")

    monkeypatch.setattr(build_module, "build", fake_build)
    assert main(["build", "--invalid-answers", "missing"]) == 2
    assert seen["invalid_answers"] == "missing"
    assert main(["build"]) == 2
    assert seen["invalid_answers"] == "reject"


def _readiness(args, env_extra, cwd):
    """Run ``readiness`` in a fresh interpreter (so numpy is imported anew) with extra
    environment values (bytes allowed); return its exit code and stderr."""
    env = {k: v for k, v in os.environ.items() if k not in env_extra}
    env.update(env_extra)
    done = subprocess.run([sys.executable, "-m", "readiness_analysis.cli", *args], env=env,
                          cwd=cwd, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stderr


@pytest.mark.parametrize(("variable", "value"), [
    ("SOURCE_DATE_EPOCH", "yesterday"),
    ("READINESS_PSEUDONYM_KEY", b"sleutel-\xff\xfe"),  # not UTF-8
    ("READINESS_PSEUDONYM_KEY", ""),
], ids=["epoch-not-a-number", "key-not-utf8", "key-empty"])
def test_invalid_environment_values_are_one_line_errors_naming_the_variable(
        tmp_path, raw_dir, variable, value):
    code, err = _readiness(["build", "--raw", str(raw_dir), "--processed", str(tmp_path / "p"),
                            "--reports", str(tmp_path / "r"), "--no-progress"],
                           {variable: value}, tmp_path)
    assert code == 2 and "Traceback" not in err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert variable in err
    assert not (tmp_path / "r").exists()


# --- the row account on the console (the API side: tests/build/test_accounting.py) ---------


@pytest.fixture
def no_rendering(monkeypatch):
    """Builds that clean the data and write index and manifest but render no report."""
    from readiness_analysis.build import pipeline

    monkeypatch.setattr(pipeline, "render_all", lambda *args, **kwargs: None)


def _build_args(tmp_path, *extra):
    return ["build", "--raw", str(tmp_path / "raw"), "--processed", str(tmp_path / "p"),
            "--reports", str(tmp_path / "r"), "--no-progress", *extra]


def test_build_prints_the_account_and_warns_about_a_label_variant(tmp_path, capsys,
                                                                  no_rendering):
    from .build.accounting_data import VARIANT, write_scan

    scan = write_scan(tmp_path / "raw", 20, variant_rows=8)
    assert main(_build_args(tmp_path)) == 0
    out, err = capsys.readouterr()
    assert f"{scan}: 20 rows read: 12 kept, 8 rejected, 0 blank; 0 answers set to missing" in out
    warning = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warning) == 1
    assert "40% of the respondent rows were rejected (8 of 20)" in warning[0]
    assert f"vis_2: {VARIANT!r} x 8" in warning[0]
    assert f"readiness validate {scan} --problems-out problems.csv" in warning[0]


def test_build_strict_stops_with_exit_3_and_writes_nothing(tmp_path, capsys, no_rendering):
    from .build.accounting_data import VARIANT, write_scan

    write_scan(tmp_path / "raw", 20, variant_rows=8)
    assert main(_build_args(tmp_path, "--strict")) == 3
    out, err = capsys.readouterr()
    assert "rows read" not in out  # no account line: the build stopped
    assert err.startswith("error: ") and f"vis_2: {VARIANT!r} x 8" in err
    assert "readiness validate" in err and "warning: " not in err
    assert not (tmp_path / "p").exists() and not (tmp_path / "r").exists()


def test_build_warns_when_many_answers_are_set_to_missing(tmp_path, capsys, no_rendering):
    from .build.accounting_data import write_scan

    write_scan(tmp_path / "raw", 20, variant_rows=8)
    assert main(_build_args(tmp_path, "--invalid-answers", "missing")) == 0
    out, err = capsys.readouterr()
    assert "20 kept, 0 rejected, 0 blank; 8 answers set to missing" in out
    assert "warning: " in err and "40% of the kept rows had answers set to missing" in err
    assert main(_build_args(tmp_path, "--invalid-answers", "missing", "--strict")) == 3


def test_build_below_the_threshold_prints_the_account_but_no_warning(tmp_path, capsys,
                                                                     no_rendering):
    from .build.accounting_data import write_scan

    scan = write_scan(tmp_path / "raw", 40, variant_rows=1, empty_rows=1)  # 2.5% rejected
    assert main(_build_args(tmp_path, "--strict")) == 0
    out, err = capsys.readouterr()
    assert (f"{scan}: 40 rows read: 39 kept, 1 rejected, 0 blank; 0 answers set to missing; "
            "1 respondent answered no theme (kept, not counted in the reports' n)") in out
    assert "warning" not in out + err


def test_validate_prints_answers_set_to_missing_and_the_warning(tmp_path, capsys):
    from .build.accounting_data import write_scan

    scan = write_scan(tmp_path / "raw", 20, variant_rows=8)
    assert main(["validate", "--invalid-answers", "missing", str(scan)]) == 0
    err = capsys.readouterr().err
    assert "20 valid rows, 0 rejected, 8 answers set to missing" in err
    assert "warning: " in err and "every problem: readiness validate" in err


def test_strict_threshold_in_the_help_is_the_api_s(capsys):
    from readiness_analysis.io.clean import ALARM_SHARE

    with pytest.raises(SystemExit):
        main(["build", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"more than {ALARM_SHARE:.0%} of the rows" in help_text
    assert "3 build --strict stopped" in help_text


# --- readiness key --new (issue 20) ---------------------------------------------------------


def test_key_new_writes_an_owner_only_key_and_never_replaces_one_without_force(tmp_path,
                                                                             capsys):
    key = tmp_path / ".pseudonym.key"
    assert main(["key", "--new", "--processed", str(tmp_path / "p")]) == 0
    first = key.read_text()
    assert re.fullmatch(r"[0-9a-f]{64}", first) and oct(key.stat().st_mode & 0o777) == "0o600"
    assert str(key) in capsys.readouterr().out
    assert not (tmp_path / "p").exists()  # the key lives beside the folder, not in it
    assert main(["key", "--new", "--processed", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--force" in err
    assert "changes every pseudonym" in err and key.read_text() == first
    assert main(["key", "--new", "--force", "--processed", str(tmp_path / "p")]) == 0
    assert key.read_text() != first and oct(key.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir()] == [".pseudonym.key"]  # no temporary left


def test_a_short_key_file_says_to_make_one_with_the_key_command(tmp_path, monkeypatch):
    from readiness_analysis.build.prepare import KEY_ENV, pseudonym_key

    monkeypatch.delenv(KEY_ENV, raising=False)
    (tmp_path / ".pseudonym.key").write_text("abc")
    with pytest.raises(ReadinessError, match="readiness key --new --force --processed DIR"):
        pseudonym_key(tmp_path / "p")


# --- build --problems-out (issue 18) and OS errors as one line (issue 20) -------------------


def test_build_writes_every_problem_of_the_data_stage_to_a_csv(tmp_path, capsys, no_rendering):
    from .build.accounting_data import write_scan

    write_scan(tmp_path / "raw", 20, variant_rows=8)
    out = tmp_path / "problems.csv"
    assert main(_build_args(tmp_path, "--problems-out", str(out))) == 0
    problems = pd.read_csv(out)
    errors = problems[problems["severity"] == "error"]
    assert len(errors) == 8 and set(errors["column"]) == {"vis_2"}
    assert sorted(errors["row"]) == list(range(2, 10))  # spreadsheet rows of the 8 variants
    assert f"written to {out}" in capsys.readouterr().err
    assert main(_build_args(tmp_path, "--problems-out", str(out))) == 2  # exists: refused
    assert "--force" in capsys.readouterr().err


def test_build_problems_csv_never_goes_into_the_raw_folder(tmp_path, capsys, no_rendering):
    from .build.accounting_data import write_scan

    scan = write_scan(tmp_path / "raw", 20, variant_rows=8)
    before = scan.read_bytes()
    for target in (tmp_path / "raw" / "problems.csv", scan):
        assert main(_build_args(tmp_path, "--force", "--problems-out", str(target))) == 2
        err = capsys.readouterr().err
        assert "lies in the raw folder" in err and len(err.strip().splitlines()) == 1
    assert scan.read_bytes() == before and not (tmp_path / "p").exists()


def test_a_build_stopped_by_located_problems_still_writes_them_all(tmp_path, capsys,
                                                                  monkeypatch):
    from readiness_analysis.build import pipeline
    from readiness_analysis.core.errors import DataValidationError, Problem

    found = [Problem("coded_segments.csv", row, "code", f"unknown code 'c{row}'")
             for row in range(2, 40)]

    def stopped(*args, **kwargs):
        raise DataValidationError(found)

    monkeypatch.setattr(pipeline, "build", stopped)
    out = tmp_path / "problems.csv"
    assert main(_build_args(tmp_path, "--problems-out", str(out))) == 2
    assert len(pd.read_csv(out)) == len(found)
    assert f"every problem written to {out}" in capsys.readouterr().err


def test_os_errors_outside_the_writers_are_one_located_line(tmp_path, capsys, monkeypatch):
    import errno

    from readiness_analysis.build import pipeline

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "r" / "x"))

    monkeypatch.setattr(pipeline, "build", denied)
    assert main(_build_args(tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path / 'r' / 'x'}: permission denied: the folder ")
    assert "by user " in err and len(err.strip().splitlines()) == 1 and "Errno" not in err
