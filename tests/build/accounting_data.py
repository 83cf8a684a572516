"""Small scan exports for the row-account tests: written by the test, never data/raw."""

from __future__ import annotations

from pathlib import Path

ITEMS = ("def_1", "vis_1", "vis_2", "inf_1")
VARIANT = "Strong agree"  # the export's variant of the shipped label "strongly agree"


def write_scan(folder: Path, rows: int, *, variant_rows: int = 0, empty_rows: int = 0,
               institutions: int = 2) -> Path:
    """``scan_responses.csv`` in ``folder``: ``rows`` respondents over ``institutions``.

    The first ``variant_rows`` rows answer ``vis_2`` with :data:`VARIANT` (not a label
    of the instrument); the next ``empty_rows`` rows answer no item at all (kept, but
    without a theme score). The other answers are valid numbers and labels.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["respondent_id,institution,n_teachers,wave," + ",".join(ITEMS)]
    for i in range(rows):
        answers = [str(1 + (i + k) % 5) for k in range(len(ITEMS))]
        answers[1] = "agree" if i % 2 else answers[1]
        if i < variant_rows:
            answers[2] = VARIANT
        elif i < variant_rows + empty_rows:
            answers = [""] * len(ITEMS)
        lines.append(f"r{i},School {chr(65 + i % institutions)},1,1," + ",".join(answers))
    path = folder / "scan_responses.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
