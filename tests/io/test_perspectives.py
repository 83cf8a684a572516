"""The optional role and group columns (io/perspectives.py, io/clean.py, io/contracts.py,
the instrument's roles: block, the synthetic demo with roles and groups)."""

from __future__ import annotations

import json
import shlex
from dataclasses import replace

import pandas as pd
import pytest

from readiness_analysis.cli import main
from readiness_analysis.core.errors import ContractError, InstrumentError
from readiness_analysis.io.clean import clean_scan
from readiness_analysis.io.contracts import validate_responses
from readiness_analysis.io.scan import RawTable, read_scan
from readiness_analysis.io.synth import SynthDesign, synthesize_scan
from readiness_analysis.spec.instrument import load_instrument

from ..paths import ROOT

KEY = b"perspectives"
DEMO = ROOT / "data" / "demo-perspectives"
ROLES = load_instrument(DEMO / "instrument.yaml")


def _raw(columns: dict[str, list]) -> RawTable:
    frame = pd.DataFrame(columns, dtype=object)
    return RawTable(frame, range(2, 2 + len(frame)), "t.csv")


def _scan(**extra) -> RawTable:
    n = len(next(iter(extra.values()))) if extra else 3
    return _raw({"respondent_id": [f"r{i}" for i in range(n)], "institution": ["A"] * n,
                 **extra, "def_1": ["4"] * n})


# --- roles: declared ------------------------------------------------------------------------


def test_an_undeclared_role_rejects_its_row_naming_where_the_value_and_the_allowed():
    result = clean_scan(_scan(role=["docent", "directeur", "student"]), ROLES, key=KEY)
    assert result.responses["role"].tolist() == ["docent", "student"]
    assert [str(p) for p in result.problems] == [
        "t.csv:3:role: role 'directeur' is not one of the instrument's roles: docent, "
        "leidinggevende, onderwijsondersteuner, student (use one of these roles (or its "
        "label), or add the role to the instrument's roles: block)"]
    assert result.rejected[["source_row", "column"]].values.tolist() == [[3, "role"]]
    step = result.log[result.log["step"] == "check role"]
    assert step[["rows_in", "rows_out", "rejected"]].values.tolist() == [[3, 2, 1]]


def test_validate_names_the_undeclared_role(tmp_path, capsys):
    path = tmp_path / "scan.csv"
    path.write_text("respondent_id,institution,rol,def_1\nr1,A,Docenten,4\nr2,A,conciërge,3\n",
                    encoding="utf-8")
    code = main(["validate", str(path), "--instrument", str(DEMO / "instrument.yaml")])
    out = capsys.readouterr()
    assert code != 0
    assert f"{path}:3:role: role 'conciërge' is not one of the instrument's roles" in (
        out.out + out.err)


def test_a_role_matches_its_id_or_any_label_whatever_the_case():
    cells = [" Docenten", "TEACHERS", "docent", "School  leaders", "Studenten", ""]
    result = clean_scan(_scan(role=cells), ROLES, key=KEY)
    assert result.responses["role"].tolist()[:5] == ["docent", "docent", "docent",
                                                     "leidinggevende", "student"]
    assert pd.isna(result.responses["role"].iloc[5]) and result.problems == []


def test_a_broken_roles_block_is_refused(tmp_path):
    text = (DEMO / "instrument.yaml").read_text(encoding="utf-8")
    head = text[: text.rindex("\nroles:") + 1]
    for block, message in (("roles: [docent, student]\n", "roles must be a mapping"),
                           ("roles:\n  docent: {}\n", "role 'docent' needs a label")):
        path = tmp_path / "inst.yaml"
        path.write_text(head + block, encoding="utf-8")
        with pytest.raises(InstrumentError, match=message):
            load_instrument(path)


def test_the_demo_instrument_is_the_shipped_one_plus_roles():
    """The copy must not drift from the shipped instrument (update it when that changes)."""
    shipped = load_instrument()
    assert replace(ROLES, respondent_roles={}) == shipped
    assert list(ROLES.respondent_roles) == ["docent", "leidinggevende",
                                            "onderwijsondersteuner", "student"]
    assert shipped.respondent_roles == {}


# --- roles undeclared, groups -----------------------------------------------------------------


def test_without_a_roles_block_any_role_is_its_own_cleaned_as_a_name(instrument):
    cells = ["docent", " Zoe\u0308  ", "stagiair\u200b", None]
    result = clean_scan(_scan(role=cells), instrument, key=KEY)
    assert result.responses["role"].tolist()[:3] == ["docent", "Zo\u00eb", "stagiair"]
    assert pd.isna(result.responses["role"].iloc[3]) and result.problems == []


def test_groups_are_free_text_normalised_as_institution_names(instrument):
    cells = ["Team  Zorg ", "Team Zorg", "Opleiding Zo\u0308rg", "  "]
    result = clean_scan(_scan(groep=cells), instrument, key=KEY)
    assert result.responses["group"].tolist()[:3] == ["Team Zorg", "Team Zorg",
                                                      "Opleiding Z\u00f6rg"]
    assert pd.isna(result.responses["group"].iloc[3])


def test_a_group_that_looks_like_personal_data_rejects_its_row_unechoed(instrument):
    result = clean_scan(_scan(group=["Team Zorg", "j.jansen@roc.nl"]), instrument, key=KEY)
    assert result.responses["group"].tolist() == ["Team Zorg"]
    assert [p.message for p in result.problems] == [
        "group looks like an e-mail address, not a group"]
    assert "jansen" not in result.rejected.to_csv()


# --- files without the columns -------------------------------------------------------------


def test_files_without_the_columns_are_cleaned_as_before(raw_dir, instrument):
    result = clean_scan(read_scan(raw_dir / "scan_responses.csv"), instrument, key=KEY)
    assert result.responses.columns.tolist() == [
        "respondent_id", "institution", "n_teachers", "wave", *instrument.item_ids]
    assert validate_responses(result.responses, instrument) is result.responses
    assert not result.log["step"].isin(["check role", "check group"]).any()  # no new steps


def test_the_columns_come_after_the_meta_columns_and_pass_the_contract():
    result = clean_scan(_scan(group=["Z", None, "T"], role=["docent", "student", None]),
                        ROLES, key=KEY)
    assert result.responses.columns.tolist()[:6] == [
        "respondent_id", "institution", "n_teachers", "wave", "role", "group"]
    validate_responses(result.responses, ROLES)
    wrong = result.responses.assign(role=pd.array(["boss", None, None], dtype="string"))
    with pytest.raises(ContractError, match="role"):
        validate_responses(wrong, ROLES)


# --- the synthetic demo with roles and groups ---------------------------------------------------


def _readme_synth_command() -> list[str]:
    text = (DEMO / "README.md").read_text(encoding="utf-8")
    start = text.index(".venv/bin/readiness synth")
    command = text[start: text.index("```", start)].replace("\\\n", " ")
    return shlex.split(command)[1:]


def test_the_demo_is_what_its_documented_command_writes(tmp_path):
    args = _readme_synth_command()
    out = args.index("--out") + 1
    args[out] = str(tmp_path / "scan_responses.csv")
    assert main(args) == 0
    for name in ("scan_responses.csv", "scan_responses.synthetic.json"):
        assert (tmp_path / name).read_bytes() == (DEMO / "raw" / name).read_bytes(), name
    sidecar = json.loads((tmp_path / "scan_responses.synthetic.json").read_text())
    assert sidecar["synthetic"] is True and sidecar["design"]["roles"][0] == "docent=6"


def test_roles_and_groups_leave_the_default_answers_alone():
    plain = synthesize_scan(SynthDesign(3, 30))
    with_roles = synthesize_scan(SynthDesign(3, 30, roles=("a",), groups=("x", "y")))
    assert list(with_roles.columns[4:6]) == ["role", "group"]
    assert set(with_roles["role"]) == {"a"} and set(with_roles["group"]) == {"x", "y"}
    # one role: every respondent shifted alike, the random stream of the answers unchanged
    assert (with_roles[plain.columns[:4]] == plain[plain.columns[:4]]).all().all()


def test_bad_role_entries_are_refused():
    for entries in (("docent", "docent"), ("docent=0",), ("=2",), ("docent=x",)):
        with pytest.raises(ValueError, match="give a new name"):
            synthesize_scan(SynthDesign(1, 5, roles=entries))


def test_two_roles_with_one_label_are_refused(tmp_path):
    text = (DEMO / "instrument.yaml").read_text(encoding="utf-8")
    path = tmp_path / "inst.yaml"
    path.write_text(text[: text.rindex("\nroles:") + 1]
                    + "roles:\n  docent: {nl: Docenten}\n  leraar: {nl: docenten}\n",
                    encoding="utf-8")
    with pytest.raises(InstrumentError, match="roles 'docent' and 'leraar' share"):
        load_instrument(path)
