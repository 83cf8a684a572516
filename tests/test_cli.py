import pandas as pd

from readiness_analysis.cli import main

from .conftest import RAW


def test_validate_good_file_exits_zero(capsys):
    assert main(["validate", str(RAW / "scan_responses.csv")]) == 0
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
