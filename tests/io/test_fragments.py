"""Reading coded fragments (io/fragments.py): codes checked against the codebook."""

import pytest

from readiness_analysis.core.errors import DataValidationError
from readiness_analysis.io.fragments import read_fragments


def test_unknown_code_and_empty_text_are_located(tmp_path, codebook):
    path = tmp_path / "fragments.csv"
    path.write_text("fragment_id,institution,codes,text\nf1,,wifi_infrastructure,ok\n"
                    "f2,,made_up,tekst\nf3,,willingness,\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        read_fragments(path, codebook)
    messages = [str(p) for p in info.value.problems]
    hint = "(add it to the codebook or fix the spelling)"
    assert f"{path}:3:codes: unknown code 'made_up' {hint}" in messages
    assert f"{path}:4:text: text is empty" in messages
