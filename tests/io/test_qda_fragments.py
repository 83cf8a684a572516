"""QDA projects in the raw folder (io/qda_fragments.py): fragments and agreement."""

import shutil
import zipfile

import pandas as pd
import pytest

import readiness_analysis.build.prepare as pipeline
from readiness_analysis.core.errors import DataValidationError, ReadinessError

TEXT = "De wifi in dit gebouw is belabberd. Ik wil het graag leren."
USERS = {"u1": "Anna", "u2": "Bram"}
CODES = {"k1": "wifi_infrastructure", "k2": "willingness", "k3": "vision_missing"}


def _selection(start, end, user, code, n):
    return (f'<PlainTextSelection guid="s{n}" startPosition="{start}" endPosition="{end}" '
            f'creatingUser="{user}"><Coding guid="c{n}" creatingUser="{user}">'
            f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>')


def write_project(path, selections, codes=CODES):
    users = "".join(f'<User guid="{g}" name="{n}"/>' for g, n in USERS.items())
    book = "".join(f'<Code guid="{g}" name="{n}" isCodable="true"/>' for g, n in codes.items())
    sels = "".join(_selection(*s, n) for n, s in enumerate(selections))
    qde = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
           f'name="t"><Users>{users}</Users><CodeBook><Codes>{book}</Codes></CodeBook>'
           f'<Cases><Case guid="case1" name="Instelling A"><SourceRef targetGUID="src1"/>'
           f'</Case></Cases><Sources><TextSource guid="src1" name="interview1">'
           f'<PlainTextContent>{TEXT}</PlainTextContent>{sels}</TextSource></Sources>'
           f'</Project>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
    return path


@pytest.fixture
def qda_raw(raw_copy):
    (raw_copy / "fragments.csv").unlink()
    return raw_copy


def test_qdpx_in_raw_folder_becomes_fragments_and_agreement(qda_raw, tmp_path):
    write_project(qda_raw / "coded_segments.qdpx", [
        (0, 35, "u1", "k1"), (0, 35, "u2", "k1"),     # both: wifi
        (36, 58, "u1", "k2"), (36, 58, "u2", "k3"),   # they disagree
    ])
    pipeline.prepare(qda_raw, tmp_path / "p")
    fragments = pd.read_parquet(tmp_path / "p" / "fragments.parquet")
    assert fragments["fragment_id"].nunique() == 2
    assert set(fragments["institution"]) == {"Instelling A"}
    wifi = fragments[fragments["text"] == "De wifi in dit gebouw is belabberd."]
    assert wifi[["code", "rank", "coder"]].values.tolist() == [
        ["wifi_infrastructure", 1, "Anna;Bram"]]
    agreement = pd.read_csv(tmp_path / "p" / "agreement.csv").set_index("code")
    assert agreement.loc["overall", "n_fragments"] == 2
    assert agreement.loc["overall", "n_coders"] == 2
    assert agreement.loc["wifi_infrastructure", "kappa"] == pytest.approx(1.0)
    # willingness: Anna [absent, present], Bram [absent, absent] -> no agreement beyond chance
    assert agreement.loc["willingness", "kappa"] == pytest.approx(0.0)
    evidence = pd.read_csv(tmp_path / "p" / "evidence.csv")
    assert "R3" in set(evidence["recommendation"])


def test_codes_outside_the_codebook_stop_the_build_with_their_location(qda_raw, tmp_path):
    write_project(qda_raw / "coded_segments.qdpx", [(0, 35, "u1", "k9")],
                  codes={"k9": "Technology"})
    with pytest.raises(DataValidationError) as info:
        pipeline.prepare(qda_raw, tmp_path / "p")
    assert "code 'Technology' is not in the codebook" in str(info.value)
    assert "coded_segments.qdpx" in str(info.value)


def test_two_fragment_sources_are_refused(raw_copy, tmp_path):
    write_project(raw_copy / "coded_segments.qdpx", [(0, 35, "u1", "k1")])
    with pytest.raises(ReadinessError, match=r"both fragments\.csv and coded_segments\.qdpx"):
        pipeline.prepare(raw_copy, tmp_path / "p")


def test_without_double_coding_agreement_is_empty(qda_raw, tmp_path):
    write_project(qda_raw / "coded_segments.qdpx", [(0, 35, "u1", "k1")])
    pipeline.prepare(qda_raw, tmp_path / "p")
    assert pd.read_csv(tmp_path / "p" / "agreement.csv").empty
    shutil.rmtree(tmp_path / "p")


def test_study_report_table_of_agreement(qda_raw, tmp_path):
    from readiness_analysis.report import study
    from readiness_analysis.report.data import load_report_data

    write_project(qda_raw / "coded_segments.qdpx", [(0, 35, "u1", "k1"), (0, 35, "u2", "k1")])
    pipeline.prepare(qda_raw, tmp_path / "p")
    table = study.agreement_table(load_report_data(tmp_path / "p"), "nl")
    assert table["Code"].tolist() == ["Wifi en ICT-infrastructuur", "Alle codes"]  # not ids
    assert table["Codeurs"].tolist() == [2, 2]


def test_factor_counts_per_institution_and_interview(qda_raw, tmp_path):
    from readiness_analysis.report import study
    from readiness_analysis.report.data import load_report_data

    write_project(qda_raw / "coded_segments.qdpx", [(0, 35, "u1", "k1"), (36, 58, "u1", "k2")])
    pipeline.prepare(qda_raw, tmp_path / "p")
    data = load_report_data(tmp_path / "p")
    hindering = study.factor_table(data, "hindering", "en")
    assert hindering.to_dict("list") == {"Factor": ["Wifi and ICT infrastructure"],
                                         "Fragments with this code (of 1; a fragment can "
                                         "have more than one code)": [1], "Interviews": [1],
                                         "Recommendation": [3]}
    wide = study.factors_by_institution(data, "en")
    assert wide.set_index("Factor").loc["Willingness", "Instelling A"] == 1
    dutch = study.factors_by_institution(data, "nl").set_index("Factor")
    assert set(dutch["Richting"]) == {"belemmerend", "stimulerend"}  # words, not code ids
