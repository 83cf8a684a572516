"""Evidence per recommendation and code frequencies (stats/evidence.py)."""

from readiness_analysis.io.fragments import read_fragments
from readiness_analysis.stats.evidence import build_evidence, code_frequencies


def test_each_quote_lands_under_the_studys_recommendation(codebook, raw_dir):
    fragments = read_fragments(raw_dir / "fragments.csv", codebook)
    primary = fragments[fragments["rank"] == 1].set_index("fragment_id")
    assert (primary["recommendation"] == primary["section"]).all()
    evidence = build_evidence(fragments)
    assert list(evidence.columns) == ["recommendation", "fragment_id", "institution", "code",
                                      "valence", "text"]
    assert evidence["fragment_id"].nunique() == 26
    assert evidence.groupby("recommendation")["fragment_id"].nunique().to_dict()["R5"] >= 9


def test_frequencies_count_fragments_not_rows(codebook, raw_dir):
    fragments = read_fragments(raw_dir / "fragments.csv", codebook)
    freq = code_frequencies(fragments).set_index("code")["fragments"]
    assert freq["colleague_digital_skills"] == 3
    assert freq["wifi_infrastructure"] == 2
    assert freq.sum() == len(fragments)
