"""The codebook: codes for interview fragments, with valence, theme and recommendation."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from readiness_analysis.core.errors import CodingError
from readiness_analysis.core.safe_yaml import load_yaml
from readiness_analysis.core.words import Localised

__all__ = ["Code", "Codebook", "load_codebook"]

DEFAULT_CODEBOOK = "blended_v1.yaml"
VALENCES = ("hindering", "stimulating", "neutral")


@dataclass(frozen=True)
class Code:
    """One code of the codebook."""

    code: str
    name: dict[str, str]
    definition: str
    valence: str
    theme: str | None
    recommendation: str | None
    include: str = ""
    exclude: str = ""
    example: str = ""


@dataclass(frozen=True)
class Codebook:
    """A validated codebook; build it with :func:`load_codebook`."""

    id: str
    version: str
    codes: tuple[Code, ...]

    def __getitem__(self, code: str) -> Code:
        for entry in self.codes:
            if entry.code == code:
                return entry
        raise KeyError(code)

    @property
    def names(self) -> list[str]:
        """Code names in codebook order."""
        return [c.code for c in self.codes]

    def table(self, lang: str = "nl") -> pd.DataFrame:
        """The codebook as a tidy table (one row per code)."""
        return pd.DataFrame(
            [
                {"code": c.code, "label": c.name[lang], "valence": c.valence,
                 "theme": c.theme, "recommendation": c.recommendation}
                for c in self.codes
            ]
        )


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and validate a codebook (YAML).

    Parameters
    ----------
    path : str or Path, optional
        Default: the codebook shipped with the package.

    Examples
    --------
    >>> book = load_codebook()
    >>> book["wifi_infrastructure"].recommendation
    'R3'
    """
    if path is None:
        ref = resources.files("readiness_analysis.spec") / "codebooks" / DEFAULT_CODEBOOK
        text, source = ref.read_text(encoding="utf-8"), f"<package>/{DEFAULT_CODEBOOK}"
    else:
        source, text = str(path), Path(path)
    raw = load_yaml(text, source=source, error=CodingError) or {}
    if not isinstance(raw, dict):
        raise CodingError("the codebook does not hold a YAML mapping", file=source,
                          hint="a codebook has id:, version: and codes:")
    codes, seen = [], set()
    for entry in raw.get("codes") or []:
        if not isinstance(entry, dict):
            raise CodingError(f"entry {entry!r:.40} of codes is not a mapping", file=source,
                              hint="each code starts with '- code: name'")
        name = str(entry.get("code", "")).strip()
        if not name or name in seen:
            raise CodingError(f"code {name!r} is empty or duplicated", file=source)
        if entry.get("valence") not in VALENCES:
            raise CodingError(
                f"code {name!r} has valence {entry.get('valence')!r}",
                file=source,
                hint=f"use one of {', '.join(VALENCES)}",
            )
        label = entry.get("name") or name
        label = Localised(label if isinstance(label, dict) else {"nl": label, "en": label})
        codes.append(
            Code(name, label, str(entry.get("definition", "")), entry["valence"],
                 entry.get("theme"), entry.get("recommendation"),
                 str(entry.get("include", "")), str(entry.get("exclude", "")),
                 str(entry.get("example", "")))
        )
        seen.add(name)
    if not codes:
        raise CodingError("codebook has no codes", file=source)
    return Codebook(str(raw.get("id", "codebook")), str(raw.get("version", "")), tuple(codes))


