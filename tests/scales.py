"""Instruments on other answer scales than the shipped 1-5, written as YAML by the tests.

Used by the tests of scales in spec, stats and report: each function writes an instrument
file into the folder it is given and loads it, so the tests go through the same loader a
researcher's file does.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from readiness_analysis.spec.instrument import Instrument, load_instrument


def points(n: int, start: int = 1, neutral: int | None = None) -> list[dict]:
    """Scale entries ``start`` .. ``start + n - 1`` labelled ``low 1`` ... (nl) / ``v1`` (en)."""
    return [{"value": v, "label": {"nl": f"laag {v}", "en": f"v{v}"},
             **({"neutral": True} if v == neutral else {})}
            for v in range(start, start + n)]


def one_scale_instrument(folder: Path, n: int, *, start: int = 1,
                         neutral: int | None = None, agree_from: int | None = None,
                         themes: int = 2) -> Instrument:
    """``themes`` themes (``t0``, ``t1`` ...) of two items each, on one ``n``-point scale."""
    data = {"id": f"p{n}", "version": "1", "scale": points(n, start, neutral),
            "themes": [{"id": f"t{k}", "label": f"Theme {k}"} for k in range(themes)],
            "items": [{"id": f"t{k}_{j}", "theme": f"t{k}", "text": f"Q{k}.{j}"}
                      for k in range(themes) for j in (1, 2)]}
    if agree_from is not None:
        data["agree_from"] = agree_from
    return _load(folder, f"p{n}.yaml", data)


def two_scale_instrument(folder: Path) -> Instrument:
    """Themes ``agree`` (default 1-4, agree from 3) and ``often`` (1-6, agree from 5)."""
    data = {"id": "two", "version": "1", "scale": points(4), "agree_from": 3,
            "scales": {"six": {"values": points(6), "agree_from": 5}},
            "themes": [{"id": "agree", "label": "Agree theme"},
                       {"id": "often", "label": "Often theme", "scale": "six"}],
            "items": [{"id": "a1", "theme": "agree", "text": "x"},
                      {"id": "a2", "theme": "agree", "text": "y"},
                      {"id": "o1", "theme": "often", "text": "z"},
                      {"id": "o2", "theme": "often", "text": "w"}]}
    return _load(folder, "two.yaml", data)


def _load(folder: Path, name: str, data: dict) -> Instrument:
    path = Path(folder) / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_instrument(path)
