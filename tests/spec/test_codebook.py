"""The codebook (spec/codebook.py): every code is complete; a bad file is refused."""

import pytest

from readiness_analysis.core.errors import CodingError
from readiness_analysis.spec.codebook import load_codebook


def test_codebook_is_complete(codebook):
    for code in codebook.codes:
        assert code.definition and code.example and code.valence in ("hindering", "stimulating")
        assert code.recommendation in {"R1", "R2", "R3", "R4", "R5"}
    assert {"hindering", "stimulating"} == {c.valence for c in codebook.codes}


def test_codebook_with_bad_valence(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text("codes:\n  - code: x\n    valence: good\n", encoding="utf-8")
    with pytest.raises(CodingError, match="valence 'good'"):
        load_codebook(path)
