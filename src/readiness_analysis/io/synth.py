"""Seeded synthetic readiness-scan data.

The scan answers of the study were never published. The demo data are therefore made
here: institution-level profiles that follow what the study found in the interviews
(vision, facilities and time to experiment low; willingness present), plus respondent and
item noise. Every file written is marked synthetic by a sidecar ``*.synthetic.json``
that the build carries into every report as a banner.

:func:`write_large_scan` writes a different kind of file: a big export of random
answers, fast, for benchmarks and tests of the readers (no profile, no sidecar).
"""

from __future__ import annotations

import json
import string
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from readiness_analysis.core.errors import ReadinessError
from readiness_analysis.spec.instrument import Instrument, load_instrument

__all__ = [
    "STUDY_DESIGN",
    "SynthDesign",
    "institution_names",
    "synthesize_scan",
    "write_large_scan",
    "write_synthetic_scan",
]

# Interviews and teachers per pseudonymous institution: 14 interviews, 23 teachers in all,
# as in the study. The split over the three schools is not published; this one is ours.
STUDY_DESIGN: dict[str, tuple[int, int]] = {
    "Instelling A": (5, 8),
    "Instelling B": (5, 9),
    "Instelling C": (4, 6),
}

# Mean answer per theme (1-5, positively keyed) in the study's picture: low on vision,
# facilities and time, willing but unsure how (handelingsverlegenheid).
_BASE_PROFILE: dict[str, float] = {
    "definition": 2.8,
    "vision": 2.1,
    "infrastructure": 2.2,
    "tools": 2.5,
    "timetable": 2.2,
    "development": 2.4,
    "time": 1.9,
    "willingness": 3.9,
    "student_fit": 2.7,
    "teacher_skills": 2.8,
    "current_use": 2.7,
}
_STUDY_OFFSETS: dict[str, dict[str, float]] = {
    "Instelling A": {"infrastructure": -0.4, "tools": 0.3, "willingness": 0.3},
    "Instelling B": {"vision": 0.5, "time": -0.2, "student_fit": -0.4},
    "Instelling C": {"definition": -0.5, "timetable": 0.4, "teacher_skills": -0.4},
}
GENERATOR = "readiness_analysis.io.synth"


@dataclass(frozen=True)
class SynthDesign:
    """What to generate: the study's design by default.

    ``respondents`` is per institution; with ``institutions`` unset the study's three
    pseudonymous institutions with 14 interviews and 23 teachers are made.

    ``roles`` and ``groups`` (empty by default) add a ``role`` and a ``group`` column:
    each entry is a name or ``name=weight`` (how often it is drawn, relative to the
    others; default 1). Each role moves every theme by its own random amount, so roles
    differ as they might in a real scan; none of it is a finding. Without them the
    answers are those of the design alone, bit for bit.
    """

    institutions: int | None = None
    respondents: int | None = None
    waves: int = 1
    seed: int = 2023
    missing_rate: float = 0.03
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


def institution_names(n: int) -> list[str]:
    """Pseudonymous institution names: Instelling A, B, ..., Z, AA, AB, ...

    Examples
    --------
    >>> institution_names(3)
    ['Instelling A', 'Instelling B', 'Instelling C']
    >>> institution_names(28)[-1]
    'Instelling AB'
    """
    letters = string.ascii_uppercase
    names = []
    for i in range(n):
        code, k = "", i
        while True:
            code = letters[k % 26] + code
            k = k // 26 - 1
            if k < 0:
                break
        names.append(f"Instelling {code}")
    return names


def synthesize_scan(
    design: SynthDesign | None = None, instrument: Instrument | None = None
) -> pd.DataFrame:
    """Generate synthetic scan answers, one row per respondent (interview) and wave.

    Parameters
    ----------
    design : SynthDesign, optional
        Default: the study's design (3 institutions, 14 interviews, 23 teachers, 1 wave).
    instrument : Instrument, optional
        Default: the shipped instrument.

    Returns
    -------
    DataFrame
        ``respondent_id``, ``institution``, ``n_teachers``, ``wave``, ``role`` and
        ``group`` when the design has them, and one column per item with raw answers
        (values of the item's scale, 1 to 5 on the shipped one; reverse-keyed items as
        answered, NaN = no answer).

    Examples
    --------
    >>> df = synthesize_scan()
    >>> len(df), int(df["n_teachers"].sum())
    (14, 23)
    >>> roles = synthesize_scan(SynthDesign(2, 20, roles=("docent=3", "student")))
    >>> sorted(roles["role"].unique()), list(roles.columns[4:6])
    (['docent', 'student'], ['role', 'def_1'])
    """
    design = design or SynthDesign()
    instrument = instrument or load_instrument()
    rng = np.random.default_rng(design.seed)
    plan = _plan(design)
    offsets = _offsets(plan, instrument, design, rng)
    rows = []
    for wave in range(1, design.waves + 1):
        for institution, (count, teachers) in plan.items():
            sizes = _split(teachers, count, rng)
            for j in range(count):
                rid = f"{_code(institution)}-{wave}-{j + 1:04d}"
                rows.append(
                    (rid, institution, sizes[j], wave, offsets[institution], wave - 1)
                )
    perspectives, shift = _perspectives(len(rows), instrument, design)
    items = _answers(rows, instrument, design, rng, shift)
    meta = pd.DataFrame(
        [r[:4] for r in rows], columns=["respondent_id", "institution", "n_teachers", "wave"]
    )
    return pd.concat([meta, perspectives, items], axis=1)


def write_synthetic_scan(
    path: str | Path, design: SynthDesign | None = None, instrument: Instrument | None = None,
    *, overwrite: bool = True,
) -> Path:
    """Write synthetic answers as UTF-8 CSV plus a ``.synthetic.json`` sidecar.

    Parameters
    ----------
    path : path
        The CSV file to write (its folder is created).
    design : SynthDesign, optional
        Default: the study's design.
    instrument : Instrument, optional
        Default: the shipped instrument.
    overwrite : bool
        Replace an existing file at ``path``; with ``False`` an existing file is an error.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ReadinessError
        When ``path`` exists and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = write_synthetic_scan(pathlib.Path(tempfile.mkdtemp()) / "scan.csv")
    >>> out.with_suffix(".synthetic.json").exists()
    True
    >>> write_synthetic_scan(out, overwrite=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    readiness_analysis.core.errors.ReadinessError: ...scan.csv: the file exists and was not ...
    """
    design = design or SynthDesign()
    instrument = instrument or load_instrument()
    path = Path(path)
    if path.exists() and not overwrite:
        raise ReadinessError("the file exists and was not overwritten", file=path,
                             hint="pass --force to replace it, or choose another --out")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = synthesize_scan(design, instrument)
    frame.to_csv(path, index=False, float_format="%.0f", lineterminator="\n")
    sidecar = {
        "synthetic": True,
        "generator": GENERATOR,
        "design": _recorded(design),
        "instrument": f"{instrument.id} {instrument.version}",
        "note": "Synthetic demo data: not the answers of real teachers or schools.",
    }
    path.with_suffix(".synthetic.json").write_text(
        json.dumps(sidecar, indent=2) + "\n", encoding="utf-8"
    )
    return path


def write_large_scan(
    path: str | Path, megabytes: float, *, institutions: int = 3, waves: int = 1,
    seed: int = 9, instrument: Instrument | None = None,
) -> int:
    """Write a large scan export of random answers, quickly; return its number of rows.

    For benchmarks and tests of the readers, not for reports: the answers have no
    profile and no ``.synthetic.json`` sidecar is written. The same arguments give the
    same bytes.

    Parameters
    ----------
    path : path
        The CSV file to write (UTF-8, comma separated, Unix line ends).
    megabytes : float
        Size to reach (MiB); rows are added in blocks of 10,000, so the file is at least
        this size and at most one block larger.
    institutions : int
        Row ``j`` belongs to institution ``j % institutions`` (named as
        :func:`institution_names` names them: Instelling A, B, ...).
    waves : int
        Row ``j`` is in wave ``1 + j % waves``.
    seed : int
        Seed of the answers (997 rows of answers, repeated).
    instrument : Instrument, optional
        Whose item columns to write; default: the shipped instrument.

    Returns
    -------
    int
        Number of data rows (row ``j`` has ``respondent_id`` ``r<j>``, file row ``j + 2``).

    Notes
    -----
    Columns: ``respondent_id``, ``institution``, ``n_teachers`` (always 1), ``wave``,
    then one column per item holding 1-5 or empty (one in six), about 90 bytes a row with
    the shipped instrument.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "big.csv"
    >>> write_large_scan(path, 0.5, institutions=200, waves=2)
    10000
    >>> path.read_text().splitlines()[2][:30]
    'r1,Instelling B,1,2,5,4,5,1,3,'
    """
    items = (instrument or load_instrument()).item_ids
    names = institution_names(institutions)
    rng = np.random.default_rng(seed)
    answers = rng.integers(0, 6, size=(997, len(items))).astype(str)
    answers[answers == "0"] = ""
    pool = [",".join(r) for r in answers]
    head = ",".join(["respondent_id", "institution", "n_teachers", "wave", *items]) + "\n"
    target, size, rows = megabytes * 2**20, len(head), 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(head)
        while size < target:
            block = "".join(f"r{j},{names[j % institutions]},1,{1 + j % waves},{pool[j % 997]}\n"
                            for j in range(rows, rows + 10_000))
            handle.write(block)
            size += len(block)
            rows += 10_000
    return rows


def _plan(design: SynthDesign) -> dict[str, tuple[int, int]]:
    if design.institutions is None and design.respondents is None:
        return dict(STUDY_DESIGN)
    n_inst = len(STUDY_DESIGN) if design.institutions is None else design.institutions
    per = 10 if design.respondents is None else design.respondents
    if n_inst < 1 or per < 1 or design.waves < 1:
        raise ValueError("institutions, respondents and waves must be at least 1")
    return {name: (per, per) for name in institution_names(n_inst)}


def _code(institution: str) -> str:
    return institution.removeprefix("Instelling ").replace(" ", "")


def _split(teachers: int, interviews: int, rng: np.random.Generator) -> list[int]:
    """Spread ``teachers`` over ``interviews`` so that each holds at least one."""
    sizes = [1] * interviews
    for k in rng.integers(0, interviews, size=teachers - interviews):
        sizes[k] += 1
    return sizes


def _offsets(plan, instrument, design, rng) -> dict[str, np.ndarray]:
    themes = instrument.theme_ids
    base = np.array([_BASE_PROFILE.get(t, 3.0) for t in themes])
    result = {}
    for name in plan:
        if name in _STUDY_OFFSETS and design.institutions is None:
            extra = np.array([_STUDY_OFFSETS[name].get(t, 0.0) for t in themes])
        else:
            extra = rng.normal(0.0, 0.35, size=len(themes))
        result[name] = base + extra
    return result


def _on_scale(latent: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Latent answers (drawn on 1-5) mapped linearly onto the item's scale ``lo``-``hi``."""
    if (lo, hi) == (1, 5):
        return latent  # unchanged, so the demo data stay the same bit for bit
    return lo + (latent - 1.0) * (hi - lo) / 4.0


def _recorded(design: SynthDesign) -> dict:
    """The design as the sidecar records it: roles and groups only when there are some.

    So the default design's sidecar stays what it was, byte for byte.
    """
    recorded = asdict(design)
    for key in ("roles", "groups"):
        if recorded[key]:
            recorded[key] = list(recorded[key])
        else:
            del recorded[key]
    return recorded


def _weighted_names(entries: tuple[str, ...], what: str) -> tuple[list[str], np.ndarray]:
    """Names and drawing probabilities of ``name`` / ``name=weight`` entries."""
    names, weights = [], []
    for entry in entries:
        name, _, weight = str(entry).partition("=")
        try:
            value = float(weight) if weight else 1.0
        except ValueError:
            value = -1.0
        if not name.strip() or not value > 0 or name.strip() in names:
            raise ValueError(f"{what} {entry!r}: give a new name, or name=weight with a "
                             "weight above 0")
        names.append(name.strip())
        weights.append(value)
    return names, np.array(weights) / sum(weights)


def _perspectives(n: int, instrument: Instrument, design: SynthDesign
                  ) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Role and group columns, and each row's shift per theme (None without roles).

    Drawn from a generator of their own (seeded by the design's seed), so that the
    answers' random stream is the same with or without them.
    """
    columns = pd.DataFrame(index=range(n))
    if not design.roles and not design.groups:
        return columns, None
    rng = np.random.default_rng([design.seed, 17])
    shift = np.zeros((n, len(instrument.theme_ids)))
    for column, entries, spread in (("role", design.roles, 0.45), ("group", design.groups, 0.2)):
        if not entries:
            continue
        names, p = _weighted_names(entries, column)
        drawn = rng.choice(len(names), size=n, p=p)
        effect = rng.normal(0.0, spread, size=(len(names), len(instrument.theme_ids)))
        shift += effect[drawn]
        columns[column] = np.array(names, dtype=object)[drawn]
    return columns, shift


def _answers(rows, instrument: Instrument, design: SynthDesign, rng,
             shift: np.ndarray | None = None) -> pd.DataFrame:
    n = len(rows)
    themes = instrument.theme_ids
    theme_index = {t: k for k, t in enumerate(themes)}
    centre = np.vstack([r[4] for r in rows])  # n x themes
    growth = np.array([r[5] for r in rows], dtype=float)[:, None] * 0.15
    person = rng.normal(0.0, 0.45, size=(n, 1)) + rng.normal(0.0, 0.45, size=(n, len(themes)))
    latent = centre + growth + person
    if shift is not None:  # roles and groups: only then, so the default stays bit for bit
        latent = latent + shift
    data = {}
    for item in instrument.items:
        raw = latent[:, theme_index[item.theme]] + rng.normal(0.0, 0.55, size=n)
        scale = instrument.scale_of_item(item.id)
        lo, hi = scale.min, scale.max
        answer = np.clip(np.rint(_on_scale(raw, lo, hi)), lo, hi)
        if item.reverse:
            answer = lo + hi - answer
        answer[rng.random(n) < design.missing_rate] = np.nan
        data[item.id] = answer
    return pd.DataFrame(data)
