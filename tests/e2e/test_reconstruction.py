"""The reconstruction attack of issue 21, rerun against every pooled figure the reports print.

A school that knows its own answers and reads a pooled figure (pooled means and shares,
reliability, the comparison of institutions, the factor analysis) could enumerate candidate
answer sets for a school too small to be shown, and keep the candidates that reproduce the
printed figure. Under the disclosure rule (``stats.disclosure``) the small school's answers
do not enter any pooled figure, so every candidate reproduces every figure: more than one
candidate (here: all of them) remains everywhere. The library-level tests call the functions
the report notebooks call; one build-level test compares two whole builds.

The data are synthetic (``io.synth``), seeded; nothing here is a finding.
"""

from __future__ import annotations

import dataclasses
import html
import re

import numpy as np
import pandas as pd
import pytest

from readiness_analysis.build.pipeline import build
from readiness_analysis.io.synth import SynthDesign, synthesize_scan, write_synthetic_scan
from readiness_analysis.report import institution, study
from readiness_analysis.report.common import pooled_note
from readiness_analysis.report.data import ReportData, latest_pooled
from readiness_analysis.report.reliability import reliability_table
from readiness_analysis.spec.instrument import load_instrument
from readiness_analysis.stats.pooled import summarise_all
from readiness_analysis.stats.reliability import reliability
from readiness_analysis.stats.scores import agree_thresholds, scale_bounds, theme_scores

LARGE = ["Instelling A", "Instelling B", "Instelling C"]  # 20 respondents each
ONE, TWO = "Klein Een", "Klein Twee"  # 1 and 2 respondents


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


def _base(instrument, large: int = 3) -> pd.DataFrame:
    """Synthetic answers: ``large`` schools of 20, one school of 1 and one of 2."""
    rows = synthesize_scan(SynthDesign(institutions=large + 2, respondents=20, seed=11),
                           instrument)
    names = sorted(rows["institution"].unique())
    rename = dict(zip(names, [*LARGE[:large], ONE, TWO], strict=True))
    rows = rows.assign(institution=rows["institution"].map(rename))
    keep = {ONE: 1, TWO: 2}
    small = rows.groupby("institution").cumcount()
    return rows[[small_i < keep.get(inst, 99)
                 for inst, small_i in zip(rows["institution"], small, strict=True)]
                ].reset_index(drop=True)


def _candidates(rows: pd.DataFrame, instrument, school: str,
                kinds: tuple[int, ...] = (0, 1, 2, 3, 4)) -> list[pd.DataFrame]:
    """The data with ``school``'s answers replaced by alternatives on each item's scale.

    ``kinds`` picks them: 0 the lowest value of every item, 1 the highest, 2 the middle,
    3 the answers reversed, 4 a seeded random answer set. Missing answers stay missing (the
    counts a report shows stay the same, as they would for an attacker's candidates).
    """
    mine = rows["institution"] == school
    out = []
    rng = np.random.default_rng(5)
    for k in kinds:
        changed = rows.copy()
        for item in instrument.items:
            if item.id not in rows:
                continue
            values = list(instrument.scale_of_theme(item.theme).values)
            answered = mine & rows[item.id].notna()
            old = rows.loc[answered, item.id].to_numpy(dtype=float)
            new = ([values[0]] * len(old), [values[-1]] * len(old),
                   [values[len(values) // 2]] * len(old),
                   [values[0] + values[-1] - v for v in old], rng.choice(values, len(old)))[k]
            changed.loc[answered, item.id] = np.asarray(new, dtype=float)
        out.append(changed)
    return out


def _data(responses: pd.DataFrame, instrument) -> ReportData:
    """The study's report data, computed as the build computes them (build.prepare)."""
    scores = theme_scores(responses, instrument)
    summary = summarise_all(scores, agree_from=agree_thresholds(instrument),
                            bounds=scale_bounds(instrument))
    fragments = pd.DataFrame(columns=["fragment_id", "institution", "code", "valence",
                                      "recommendation", "text"])
    return ReportData(responses=responses, scores=scores, summary=summary,
                      fragments=fragments, cleaning_log=pd.DataFrame(), provenance={},
                      instrument=instrument)


def _own(data: ReportData, name: str) -> ReportData:
    """The report data of one institution (as load_report_data cuts them)."""
    return dataclasses.replace(
        data, responses=data.responses[data.responses["institution"] == name],
        scores=data.scores[data.scores["institution"] == name],
        summary=data.summary[(data.summary["institution"] == name)
                             | data.summary["institution"].isna()],
        institution=name)


def _printed(data: ReportData) -> dict[str, object]:
    """Every pooled figure the reports print, as they print it (tables, HTML)."""
    reader = _own(data, LARGE[0])
    return {
        "pooled summary": latest_pooled(data).reset_index(drop=True),
        "reliability": reliability_table(data, "nl"),
        "comparison": study.group_differences(data, "nl"),
        "comparison note": study.group_differences_note(data, "nl").data,
        "factor analysis": study.structure_check(data, "nl").data,
        "pooled note": pooled_note(reader, "nl").data,
        "joint display": study.joint_display_table(data, "nl"),
        "profile of a large school": institution.profile_figure(reader, "nl").data,
    }


def _same(a: object, b: object) -> bool:
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    return a == b


@pytest.fixture(scope="module")
def attacked(instrument):
    base = _base(instrument)
    # three candidates per school keep the test fast (each printout fits 11 omegas)
    kinds = {ONE: (0, 1, 3), TWO: (1, 3, 4)}
    return {school: [_printed(_data(c, instrument))
                     for c in _candidates(base, instrument, school, kinds[school])]
            for school in (ONE, TWO)}


@pytest.mark.parametrize("school", [ONE, TWO])
def test_every_candidate_reproduces_every_pooled_figure(attacked, school):
    first = attacked[school][0]
    for figure in first:
        consistent = [c for c in attacked[school] if _same(c[figure], first[figure])]
        assert len(consistent) == len(attacked[school]) > 1, figure


def test_the_pooled_figures_are_shown_and_count_who_is_left_out(attacked):
    printed = attacked[ONE][0]
    assert printed["pooled summary"]["mean"].notna().all()
    assert (printed["pooled summary"]["n_institutions"] == 3).all()
    assert (printed["reliability"]["alpha"] != "–").any()  # 60 respondents: alpha shown
    assert (printed["comparison"]["Toets"] == "getoetst").all()
    note = html.unescape(printed["comparison note"])
    assert "Niet meegeteld: 2 instellingen met minder dan 3 interviews, samen 3 interviews" in note
    assert "3 instellingen" in html.unescape(printed["pooled note"])


def test_without_the_rule_the_attack_tells_candidates_apart(instrument):
    """The check can fail: the same figures over every respondent differ per candidate."""
    candidates = _candidates(_base(instrument), instrument, ONE)
    items = instrument.items_of(instrument.theme_ids[0])
    alphas = {round(reliability(c[items].astype(float)).alpha, 12) for c in candidates}
    means = {round(float(theme_scores(c, instrument)["score"].mean()), 12) for c in candidates}
    assert len(alphas) == len(candidates) and len(means) == len(candidates)


def test_with_two_qualifying_schools_no_pooled_figure_is_printed(instrument):
    data = _data(_base(instrument, large=2), instrument)
    printed = _printed(data)
    assert printed["pooled summary"]["mean"].isna().all()
    assert printed["pooled summary"]["agree"].isna().all()
    assert (printed["pooled summary"]["n_institutions"] == 2).all()
    assert set(printed["reliability"]["alpha"]) == {"–"}
    assert set(printed["reliability"]["omega"]) == {"–"}
    assert printed["reliability"].iloc[:, -1].str.startswith("niet getoond: minder dan 3").all()
    assert set(printed["comparison"]["Toets"]) == {"te weinig instellingen"}
    assert set(printed["comparison"]["H"]) == {"–"}
    assert "factoren (parallelle analyse)" not in printed["factor analysis"]
    assert "staat er niet bij" in html.unescape(printed["pooled note"])
    assert "U ziet alleen de eigen cijfers" in html.unescape(printed["pooled note"])


def test_enough_answers_from_two_schools_get_no_factor_analysis(instrument):
    rows = synthesize_scan(SynthDesign(institutions=2, respondents=90, seed=4), instrument)
    items = [i.id for i in instrument.items]
    rows[items] = rows[items].fillna(3.0)  # 180 complete respondents: more than 170 needed
    data = _data(rows, instrument)
    said = html.unescape(study.structure_check(data, "nl").data)
    assert "Niet getoond: minder dan 3 instellingen hebben minstens 3 interviews" in said


def test_three_qualifying_schools_are_enough(instrument):
    base = _base(instrument)
    data = _data(base[base["institution"].isin(LARGE)], instrument)
    assert latest_pooled(data)["mean"].notna().all()
    assert (study.group_differences(data, "nl")["Toets"] == "getoetst").all()


# --- one build-level check ----------------------------------------------------------------


def _write_raw(raw, answers_of_small: int) -> None:
    """Three schools of 12 and one of 1 respondent; only the small one's answers vary."""
    write_synthetic_scan(raw / "scan_responses.csv",
                         SynthDesign(institutions=4, respondents=12, seed=3))
    df = pd.read_csv(raw / "scan_responses.csv")
    small = df["institution"] == "Instelling D"
    df = df[~small | (df.groupby("institution").cumcount() == 0)].copy()
    items = [c for c in df.columns if c in {i.id for i in load_instrument().items}]
    answered = (df["institution"] == "Instelling D").to_numpy()[:, None] & df[items].notna()
    df[items] = df[items].mask(answered, answers_of_small)
    df.to_csv(raw / "scan_responses.csv", index=False)


def _without_provenance(page: str) -> str:
    """The report without its provenance table (input hashes, durations differ by design)."""
    return re.split(r"<h3[^>]*>\s*Herkomst", page)[0]


@pytest.mark.notebooks
def test_two_builds_differing_in_the_small_schools_answers_print_the_same(tmp_path,
                                                                          notebooks_dir,
                                                                          monkeypatch):
    # One pseudonym key for both builds: the ranking's redraws follow the pseudonyms' order,
    # which a new random key per build would change (that is not the small school's doing).
    monkeypatch.setenv("READINESS_PSEUDONYM_KEY", "reconstruction-test-key")
    pages = []
    for answer in (1, 5):
        base = tmp_path / str(answer)
        _write_raw(base / "raw", answer)
        result = build(base / "raw", base / "p", base / "r", notebooks_dir=notebooks_dir,
                       institutions=["Instelling A"], progress=False)
        assert result.ok
        pages.append((base / "r" / "institutions" / "instelling-a.html").read_text("utf-8"))
    one, other = (_without_provenance(p) for p in pages)
    assert len(one) < len(pages[0])
    # the pooled figures are there: the profile's note, and the reliability table's
    assert "3 instellingen, 36 interviews; 1 interview van kleinere instellingen" in one
    assert "Niet meegeteld: 1 instelling met minder dan 3 interviews" in html.unescape(one)
    assert one == other
