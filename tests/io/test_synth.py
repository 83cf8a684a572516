"""Synthetic scan data (io/synth.py): the study design, seeds, and the bundled demo file."""

import json

import pandas as pd
import pytest

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.io.synth import (
    STUDY_DESIGN,
    SynthDesign,
    synthesize_scan,
    write_large_scan,
    write_synthetic_scan,
)

from ..scales import one_scale_instrument, two_scale_instrument


def test_default_design_is_the_study_design(instrument):
    df = synthesize_scan()
    assert len(df) == 14 and df["n_teachers"].sum() == 23
    assert sorted(df["institution"].unique()) == ["Instelling A", "Instelling B", "Instelling C"]
    per = df.groupby("institution").agg(n=("respondent_id", "size"), t=("n_teachers", "sum"))
    assert {k: (int(r.n), int(r.t)) for k, r in per.iterrows()} == STUDY_DESIGN
    assert list(df.columns[4:]) == instrument.item_ids
    values = df[instrument.item_ids].stack().dropna().unique()
    assert set(values) <= {1.0, 2.0, 3.0, 4.0, 5.0}


def test_same_seed_same_data_other_seed_other_data():
    a = synthesize_scan(SynthDesign(seed=7))
    pd.testing.assert_frame_equal(a, synthesize_scan(SynthDesign(seed=7)))
    assert not a.equals(synthesize_scan(SynthDesign(seed=8)))


def test_demo_profile_follows_the_study(instrument):
    """Vision, facilities and time low; willingness present (reverse keys undone)."""
    df = synthesize_scan(SynthDesign(institutions=3, respondents=400, seed=1))
    for item in instrument.items:
        if item.reverse:
            df[item.id] = 6 - df[item.id]
    means = {t: df[instrument.items_of(t)].stack().mean() for t in instrument.theme_ids}
    assert means["willingness"] > 3.4
    for low in ("vision", "infrastructure", "time"):
        assert means[low] < 2.8 < means["willingness"]


def test_generic_design_with_waves():
    df = synthesize_scan(SynthDesign(institutions=30, respondents=5, waves=2, seed=3))
    assert len(df) == 30 * 5 * 2
    assert df["institution"].nunique() == 30 and sorted(df["wave"].unique()) == [1, 2]
    assert df["respondent_id"].is_unique


def test_invalid_design_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        synthesize_scan(SynthDesign(institutions=0, respondents=3))


def test_written_file_is_marked_synthetic(tmp_path):
    path = write_synthetic_scan(tmp_path / "scan_responses.csv")
    sidecar = json.loads(path.with_suffix(".synthetic.json").read_text())
    assert sidecar["synthetic"] is True and sidecar["design"]["seed"] == 2023


def test_bundled_demo_data_is_what_the_generator_writes(tmp_path, raw_dir):
    """data/raw/scan_responses.csv is reproducible from `readiness synth` defaults."""
    path = write_synthetic_scan(tmp_path / "scan_responses.csv")
    assert path.read_bytes() == (raw_dir / "scan_responses.csv").read_bytes()
    assert (raw_dir / "scan_responses.synthetic.json").read_text() == path.with_suffix(
        ".synthetic.json").read_text()


def test_write_synthetic_scan_can_refuse_to_overwrite(tmp_path):
    path = tmp_path / "scan.csv"
    path.write_text("keep me\n")
    with pytest.raises(ReadinessError, match=r"scan.csv: the file exists .*--force"):
        write_synthetic_scan(path, overwrite=False)
    assert path.read_text() == "keep me\n"


def test_large_scan_is_deterministic_and_as_large_as_asked(tmp_path, instrument):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    rows = write_large_scan(a, 1.5, institutions=200, waves=2)
    assert write_large_scan(b, 1.5, institutions=200, waves=2) == rows
    assert a.read_bytes() == b.read_bytes()
    assert 1.5 * 2**20 <= a.stat().st_size < 1.5 * 2**20 + 10_000 * 200
    frame = pd.read_csv(a, dtype=str, keep_default_na=False)
    assert len(frame) == rows and rows % 10_000 == 0
    assert list(frame.columns) == ["respondent_id", "institution", "n_teachers", "wave",
                                   *instrument.item_ids]
    assert frame["institution"].nunique() == 200 and set(frame["wave"]) == {"1", "2"}
    assert frame.iloc[-1]["respondent_id"] == f"r{rows - 1}"
    assert set(frame[instrument.item_ids].stack()) == {"", "1", "2", "3", "4", "5"}
    write_large_scan(b, 1.5, seed=10)
    assert a.read_bytes() != b.read_bytes()


@pytest.mark.parametrize(("n", "start"), [(2, 0), (4, 1), (6, 1), (11, 0)])
def test_answers_lie_on_each_item_scale_and_use_all_of_it(tmp_path, n, start):
    inst = one_scale_instrument(tmp_path, n, start=start)
    df = synthesize_scan(SynthDesign(institutions=4, respondents=200, seed=3), inst)
    values = set(df[inst.item_ids].stack().dropna().unique())
    assert values <= set(range(start, start + n))
    assert {start, start + n - 1} <= values  # both ends are reached, not clipped to 1-5


def test_two_scales_are_synthesised_per_item(tmp_path):
    inst = two_scale_instrument(tmp_path)
    df = synthesize_scan(SynthDesign(institutions=2, respondents=100, seed=1), inst)
    assert set(df[["a1", "a2"]].stack().dropna()) <= {1.0, 2.0, 3.0, 4.0}
    assert {5.0, 6.0} & set(df[["o1", "o2"]].stack().dropna())
