"""Codebook, coded interview fragments, and the evidence behind each recommendation."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from .errors import CodingError, DataValidationError, Problem
from .ingest import read_scan
from .instrument import load_yaml

__all__ = [
    "Code",
    "Codebook",
    "build_evidence",
    "code_frequencies",
    "load_codebook",
    "read_fragments",
]

DEFAULT_CODEBOOK = "blended_v1.yaml"
VALENCES = ("hindering", "stimulating", "neutral")
FRAGMENT_COLUMNS = ("fragment_id", "institution", "codes", "text")


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
        ref = resources.files("readiness_analysis") / "codebooks" / DEFAULT_CODEBOOK
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
        label = label if isinstance(label, dict) else {"nl": label, "en": label}
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


def read_fragments(path: str | Path, codebook: Codebook) -> pd.DataFrame:
    """Read coded fragments (CSV) into one row per fragment × code.

    The file has ``fragment_id``, ``institution`` (may be empty), ``codes`` (one or more
    code names separated by ``;``), ``text``, and optionally ``section`` and ``coder``.

    Returns
    -------
    DataFrame
        ``fragment_id``, ``institution``, ``section``, ``coder``, ``code``, ``rank``
        (1 = the fragment's first, primary code), ``valence``, ``theme``,
        ``recommendation``, ``text``.

    Raises
    ------
    DataValidationError
        For a missing column, an empty text, an unknown code or a duplicate fragment id,
        each located as ``file:row:column``.

    Examples
    --------
    >>> f = read_fragments("data/raw/fragments.csv", load_codebook())  # doctest: +SKIP
    """
    raw = read_scan(path)
    frame, source = raw.frame, raw.source
    missing = [c for c in FRAGMENT_COLUMNS if c not in frame]
    if missing:
        raise DataValidationError(
            [Problem(source, 1, c, "required column missing", "add it") for c in missing]
        )
    problems, rows = list(raw.problems), []  # rows the reader could not read
    known = set(codebook.names)
    for idx, record in frame.iterrows():
        line = raw.rows[idx]
        problems += _check_fragment(record, line, source, known)
        codes = [c.strip() for c in str(record["codes"]).split(";") if c.strip()]
        for rank, code in enumerate(codes, start=1):
            if code in known:
                rows.append(_fragment_row(record, code, rank, codebook))
    duplicated = frame["fragment_id"].duplicated()
    problems += [
        Problem(source, raw.rows[i], "fragment_id", "duplicate fragment id")
        for i in duplicated[duplicated].index
    ]
    if problems:
        raise DataValidationError(problems)
    return pd.DataFrame(rows)


def _check_fragment(record, line: int, source: str, known: set[str]) -> list[Problem]:
    problems = []
    for column in ("fragment_id", "text", "codes"):
        if pd.isna(record[column]):
            problems.append(Problem(source, line, column, f"{column} is empty"))
    if pd.notna(record["codes"]):
        for code in str(record["codes"]).split(";"):
            if code.strip() and code.strip() not in known:
                problems.append(
                    Problem(source, line, "codes", f"unknown code {code.strip()!r}",
                            "add it to the codebook or fix the spelling")
                )
    return problems


def _fragment_row(record, code: str, rank: int, codebook: Codebook) -> dict:
    entry = codebook[code]
    get = record.get
    return {
        "fragment_id": str(record["fragment_id"]),
        "institution": None if pd.isna(record["institution"]) else str(record["institution"]),
        "section": None if pd.isna(get("section", pd.NA)) else str(get("section")),
        "coder": None if pd.isna(get("coder", pd.NA)) else str(get("coder")),
        "document": None if pd.isna(get("document", pd.NA)) else str(get("document")),
        "code": code,
        "rank": rank,
        "valence": entry.valence,
        "theme": entry.theme,
        "recommendation": entry.recommendation,
        "text": str(record["text"]),
    }


def build_evidence(fragments: pd.DataFrame) -> pd.DataFrame:
    """Link every coded fragment to a recommendation through its codes.

    Returns the DESIGN.md contract: ``recommendation``, ``fragment_id``, ``institution``,
    ``code``, ``valence``, ``text`` (one row per fragment × code with a recommendation),
    sorted by recommendation, then fragment, primary code first.

    Examples
    --------
    >>> frag = pd.DataFrame({"fragment_id": ["f1"], "institution": [None], "code": ["c"],
    ...     "rank": [1], "valence": ["hindering"], "recommendation": ["R3"], "text": ["t"]})
    >>> build_evidence(frag)["recommendation"].tolist()
    ['R3']
    """
    linked = fragments.dropna(subset=["recommendation"])
    linked = linked.sort_values(["recommendation", "fragment_id", "rank"], kind="stable")
    columns = ["recommendation", "fragment_id", "institution", "code", "valence", "text"]
    return linked[columns].reset_index(drop=True)


def code_frequencies(
    fragments: pd.DataFrame, codebook: Codebook, lang: str = "nl", by: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Count fragments and interviews per code and valence (sub-questions 3 and 4).

    Parameters
    ----------
    fragments : DataFrame
        One row per fragment × code (``fragment_id``, ``code``, ``valence``, optionally
        ``document``: the interview a fragment comes from, and ``institution``).
    codebook : Codebook
    lang : {"nl", "en"}
    by : tuple of str
        Extra grouping columns, e.g. ``("institution",)``.

    Returns
    -------
    DataFrame
        ``[*by, code, valence, fragments, interviews, label]``, most frequent first;
        ``interviews`` is NA when the fragments do not say which interview they are from.

    Examples
    --------
    >>> frag = pd.DataFrame({"fragment_id": ["f1", "f2", "f3"], "code": ["willingness"] * 3,
    ...                      "valence": ["stimulating"] * 3, "document": ["i1", "i1", "i2"]})
    >>> code_frequencies(frag, load_codebook())[["fragments", "interviews"]].values.tolist()
    [[3, 2]]
    """
    keys = [*by, "code", "valence"]
    grouped = fragments.groupby(keys, observed=True, dropna=False)
    counts = grouped["fragment_id"].nunique().rename("fragments").reset_index()
    if "document" in fragments and fragments["document"].notna().any():
        counts["interviews"] = grouped["document"].nunique().to_numpy()
    else:
        counts["interviews"] = pd.NA
    counts["interviews"] = counts["interviews"].astype("Int64")
    counts["label"] = [codebook[c].name[lang] for c in counts["code"]]
    order = [True] * len(by) + [False, True]
    return counts.sort_values([*by, "fragments", "code"], ascending=order, ignore_index=True)
