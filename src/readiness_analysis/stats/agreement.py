"""Agreement between coders on double-coded interview fragments.

Entry points:

* :func:`cohen_kappa` -- two coders, nominal codes, with standard error and confidence
  interval (computed by :func:`statsmodels.stats.inter_rater.cohens_kappa`);
* :func:`krippendorff_alpha` -- any number of coders, missing values allowed, nominal to
  ratio level (computed by the maintained ``krippendorff`` package);
* :func:`agreement` -- a tidy table with kappa and alpha per code (presence/absence) and
  overall, from a long table of coded fragments;
* :func:`character_agreement` -- the character-level agreement per code that QualCoder's
  coder comparison reports (share of characters both or neither coder coded);
* :func:`unitized_alpha` -- Krippendorff's (1995) unitized alpha of one code, on the
  coders' selections themselves (no units to match);
* :func:`coder_agreement` -- the table the build writes to ``agreement.csv``: both ways
  of treating passages coded by one coder, the character-level agreement and the
  unitized alpha.

Passages coded by one coder
---------------------------
QDA tools let each coder select their own passages, so a passage one coder coded may have
been left uncoded by the other. By default (``one_coder="disagree"``) such a passage
counts: the other coders of the same document are taken to have read it and given it no
code, which is a disagreement on every code the one coder applied (as in QualCoder's coder
comparison, where a character only one coder coded is a disagreement, and in the unitising
view of Krippendorff, 1995). With ``one_coder="exclude"`` only passages two coders coded
count (the pairable units of Krippendorff's alpha). :func:`coder_agreement` gives both.
How passages are matched across coders (by overlap) is documented in
:mod:`readiness_analysis.io.qda_fragments`.

Values are interpreted with :func:`kappa_band` (Landis & Koch, 1977) and
:func:`alpha_band` (Krippendorff, 2004) as band codes (``"fair"``, ``"reliable"``, ...):
statistics speak no language, the report layer turns a code into words (catalogue keys
``band.kappa.<code>`` and ``band.alpha.<code>``).

Undefined coefficients
----------------------
When the coders' pairable values show no variation at all (every coder gave every
fragment the same code, e.g. a code nobody ever applied), the expected disagreement is
zero and both kappa and alpha are ``0/0``. They are then returned as ``NaN`` with the
band ``"undefined"`` -- not as 1: data without variation cannot show that
the coders can tell the categories apart.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import krippendorff
import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.inter_rater import cohens_kappa as _statsmodels_kappa

from readiness_analysis.core.errors import CodingError
from readiness_analysis.core.tables import AGREEMENT_COLUMNS, UNIT_AGREEMENT_COLUMNS

__all__ = [
    "AGREEMENT_COLUMNS",
    "ALPHA_BANDS",
    "KAPPA_BANDS",
    "LEVELS",
    "ONE_CODER",
    "OVERALL",
    "SEGMENT_COLUMNS",
    "SPAN_COLUMNS",
    "UNDEFINED",
    "KappaResult",
    "agreement",
    "alpha_band",
    "character_agreement",
    "coder_agreement",
    "cohen_kappa",
    "kappa_band",
    "krippendorff_alpha",
    "unitized_alpha",
]

Level = Literal["nominal", "ordinal", "interval", "ratio"]

#: Levels of measurement accepted by :func:`krippendorff_alpha`.
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
#: Label of the pooled row in the table returned by :func:`agreement`.
OVERALL = "overall"
#: Columns that :func:`agreement` needs in its input.
SEGMENT_COLUMNS: tuple[str, ...] = ("fragment_id", "coder", "code")
#: How :func:`agreement` treats a passage coded by one coder only (see the module notes).
ONE_CODER: tuple[str, ...] = ("disagree", "exclude")
# AGREEMENT_COLUMNS (the columns of the table agreement returns) come from core.tables.

# Coefficients are rounded to this many decimals before banding, so that floating-point
# noise (kappa = 0.4000000000000002 for an exact 2/5) does not move a value to another band.
_BAND_DECIMALS = 10

#: Band of a coefficient that is ``NaN`` (no variation to judge agreement on).
UNDEFINED = "undefined"
# Landis & Koch (1977, p. 165): (inclusive upper bound, band); below 0 is "poor".
_KAPPA_POOR = "poor"
_KAPPA_BANDS = (
    (0.20, "slight"),
    (0.40, "fair"),
    (0.60, "moderate"),
    (0.80, "substantial"),
    (math.inf, "almost_perfect"),
)
# Krippendorff (2004, p. 241): (inclusive lower bound, band).
_ALPHA_BANDS = (
    (0.800, "reliable"),
    (0.667, "tentative"),
    (-math.inf, "unreliable"),
)
#: Every code :func:`kappa_band` returns, from worst to best, then ``"undefined"``.
KAPPA_BANDS: tuple[str, ...] = (_KAPPA_POOR, *(band for _, band in _KAPPA_BANDS), UNDEFINED)
#: Every code :func:`alpha_band` returns, from best to worst, then ``"undefined"``.
ALPHA_BANDS: tuple[str, ...] = (*(band for _, band in _ALPHA_BANDS), UNDEFINED)


# --------------------------------------------------------------------------- bands


def kappa_band(kappa: float) -> str:
    """Interpret a kappa value with the benchmarks of Landis and Koch (1977).

    Parameters
    ----------
    kappa : float
        Cohen's kappa (or another chance-corrected agreement coefficient).

    Returns
    -------
    str
        A band code (:data:`KAPPA_BANDS`): ``< 0`` "poor", ``0-.20`` "slight",
        ``.21-.40`` "fair", ``.41-.60`` "moderate", ``.61-.80`` "substantial",
        ``.81-1`` "almost_perfect"; "undefined" for ``NaN``.

    Notes
    -----
    Landis and Koch printed the bands with two decimals. For continuous values the
    upper bounds are taken as inclusive: a band runs from just above the previous bound
    up to and including its own (0.205 is "fair", 0.20 is "slight"). Values are rounded
    to 10 decimals first, so that floating-point noise cannot move a boundary value.
    The bands are conventions, not statistical thresholds (Landis & Koch call them
    "arbitrary").

    References
    ----------
    Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for
    categorical data. *Biometrics*, 33(1), 159-174. https://doi.org/10.2307/2529310

    Examples
    --------
    >>> kappa_band(0.4), kappa_band(0.85), kappa_band(float("nan"))
    ('fair', 'almost_perfect', 'undefined')

    """
    if _is_missing(kappa) or not math.isfinite(float(kappa)):
        return UNDEFINED
    value = round(float(kappa), _BAND_DECIMALS)
    if value < 0:
        return _KAPPA_POOR
    for upper, band in _KAPPA_BANDS:
        if value <= upper:
            return band
    raise AssertionError("unreachable")  # pragma: no cover


def alpha_band(alpha: float) -> str:
    """Interpret Krippendorff's alpha with Krippendorff's (2004) rule.

    Parameters
    ----------
    alpha : float
        Krippendorff's alpha.

    Returns
    -------
    str
        A band code (:data:`ALPHA_BANDS`): ``>= .800`` "reliable",
        ``.667 <= alpha < .800`` "tentative" (tentative conclusions only), ``< .667``
        "unreliable"; "undefined" for ``NaN``.

    Notes
    -----
    Krippendorff (2004, p. 241): "Rely on variables with reliabilities above
    alpha = .800. Consider variables with reliabilities between alpha = .667 and
    alpha = .800 only for drawing tentative conclusions." Both bounds are inclusive
    here; values are rounded to 10 decimals first.

    References
    ----------
    Krippendorff, K. (2004). *Content analysis: An introduction to its methodology*
    (2nd ed.). Sage.

    Examples
    --------
    >>> alpha_band(0.743), alpha_band(0.8)
    ('tentative', 'reliable')

    """
    if _is_missing(alpha) or not math.isfinite(float(alpha)):
        return UNDEFINED
    value = round(float(alpha), _BAND_DECIMALS)
    for lower, band in _ALPHA_BANDS:
        if value >= lower:
            return band
    raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- kappa


@dataclass(frozen=True)
class KappaResult:
    """Cohen's kappa for two coders, as returned by :func:`cohen_kappa`.

    Attributes
    ----------
    kappa : float
        Cohen's kappa; ``NaN`` when undefined (both coders used one and the same code).
    se : float
        Asymptotic standard error (Fleiss, Cohen & Everitt, 1969).
    ci_low, ci_high : float
        Wald confidence interval ``kappa -/+ z * se`` (not clipped to [-1, 1]).
    n : int
        Number of fragments coded by both coders.
    band : str
        Band code by :func:`kappa_band` (the report layer has the words for it).
    confidence : float
        Confidence level of the interval.

    ``str(result)`` is a fixed English summary for logs and the console; reports word
    the result through their text catalogue.

    Examples
    --------
    >>> print(KappaResult(0.4, 0.127, 0.151, 0.649, 50, "fair"))
    κ = 0.400 (SE = 0.127, 95% CI [0.151, 0.649], n = 50): fair

    """

    kappa: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    band: str
    confidence: float = 0.95

    def __str__(self) -> str:
        if math.isnan(self.kappa):
            return f"κ {self.band} (n = {self.n})"
        kappa, se, low, high = (
            f"{value:.3f}" for value in (self.kappa, self.se, self.ci_low, self.ci_high)
        )
        level = f"{self.confidence:.0%}"
        return f"κ = {kappa} (SE = {se}, {level} CI [{low}, {high}], n = {self.n}): {self.band}"


def _is_missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _complete_pairs(codes_a: Iterable[Any], codes_b: Iterable[Any]) -> tuple[list, list]:
    """Pair the two coders' codes by position and drop pairs with a missing code."""
    a, b = list(codes_a), list(codes_b)
    if len(a) != len(b):
        raise CodingError(
            f"the two coders have different numbers of codes ({len(a)} and {len(b)})",
            hint="pass one code per fragment for each coder, in the same fragment order",
        )
    if not a:
        raise CodingError("no codes were given", hint="pass the codes of two coders")
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if not (_is_missing(x) or _is_missing(y))]
    if not pairs:
        raise CodingError(
            "no fragment was coded by both coders",
            hint="kappa needs fragments that both coders coded (double-coded fragments)",
        )
    kept_a, kept_b = zip(*pairs, strict=True)
    return list(kept_a), list(kept_b)


def _contingency_table(a: Sequence[Any], b: Sequence[Any]) -> np.ndarray:
    """Square table of counts: rows are coder A's codes, columns coder B's."""
    categories = list(dict.fromkeys([*a, *b]))
    index = {category: i for i, category in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)))
    np.add.at(table, ([index[x] for x in a], [index[y] for y in b]), 1)
    return table


def _kappa_from_table(table: np.ndarray, confidence: float) -> KappaResult:
    n = int(table.sum())
    if table.shape[0] < 2:  # one code only: p_e = 1, kappa = 0/0
        nan = math.nan
        return KappaResult(nan, nan, nan, nan, n, kappa_band(nan), confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = _statsmodels_kappa(table)
    kappa = float(result.kappa)
    se = math.sqrt(max(float(result.var_kappa), 0.0))
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    return KappaResult(
        kappa, se, kappa - z * se, kappa + z * se, n, kappa_band(kappa), confidence
    )


def cohen_kappa(
    codes_a: Iterable[Any],
    codes_b: Iterable[Any],
    *,
    confidence: float = 0.95,
) -> KappaResult:
    r"""Cohen's kappa for two coders who each gave one nominal code per fragment.

    Parameters
    ----------
    codes_a, codes_b : iterable
        The codes of coder A and coder B, one per fragment and paired by position (a
        pandas Series is used in its order, not aligned on its index). Codes may be any
        hashable values. A missing code (``None``, ``NaN``, ``pd.NA``) means the coder did
        not code that fragment; such pairs are left out (listwise deletion).
    confidence : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    KappaResult
        Kappa, its standard error, confidence interval, the number of complete pairs and
        the Landis-Koch band.

    Raises
    ------
    CodingError
        If the inputs are empty, have different lengths, or no fragment was coded by
        both coders.

    Notes
    -----
    With :math:`p_o` the proportion of fragments on which the coders agree and
    :math:`p_e = \sum_k p_{k\cdot} p_{\cdot k}` the agreement expected from the two
    coders' own marginal proportions,

    .. math:: \kappa = \frac{p_o - p_e}{1 - p_e}

    (Cohen, 1960). The contingency table is built over the union of the codes either
    coder used and passed to :func:`statsmodels.stats.inter_rater.cohens_kappa`, which
    also gives the large-sample variance of Fleiss, Cohen and Everitt (1969); the
    interval is the Wald interval :math:`\kappa \pm z_{1-(1-c)/2}\,SE`. It is not
    clipped to [-1, 1] and is unreliable for small n or kappa near 1.

    When both coders used one and the same code for every fragment, :math:`p_e = 1` and
    kappa is undefined: it is returned as ``NaN`` with band "undefined".

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
    Psychological Measurement*, 20(1), 37-46. https://doi.org/10.1177/001316446002000104

    Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard errors of
    kappa and weighted kappa. *Psychological Bulletin*, 72(5), 323-327.
    https://doi.org/10.1037/h0028106

    Examples
    --------
    >>> a = ["ja"] * 25 + ["nee"] * 25
    >>> b = ["ja"] * 20 + ["nee"] * 5 + ["ja"] * 10 + ["nee"] * 15
    >>> result = cohen_kappa(a, b)
    >>> round(result.kappa, 3), result.n, result.band
    (0.4, 50, 'fair')
    >>> print(cohen_kappa(a, b))
    κ = 0.400 (SE = 0.127, 95% CI [0.151, 0.649], n = 50): fair

    """
    if not 0 < confidence < 1:
        raise CodingError(
            f"confidence must lie between 0 and 1, not {confidence!r}", hint="e.g. 0.95"
        )
    a, b = _complete_pairs(codes_a, codes_b)
    return _kappa_from_table(_contingency_table(a, b), confidence)


# --------------------------------------------------------------------------- alpha


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise CodingError(
            f"unknown level of measurement {level!r}", hint=f"use one of {', '.join(LEVELS)}"
        )


def _unit_by_coder_values(table: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return the table's values (units x coders, dtype object) and its missing mask."""
    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(table)
    if frame.size == 0:
        raise CodingError("the reliability table is empty", hint="pass one row per fragment")
    if frame.shape[1] < 2:
        raise CodingError(
            f"agreement needs at least two coders, the table has {frame.shape[1]} column",
            hint="pass one column per coder and one row per fragment (unit)",
        )
    values = frame.to_numpy(dtype=object)
    missing = np.asarray(pd.isna(values), dtype=bool)
    if missing.all():
        raise CodingError("the reliability table contains no codes (all values missing)")
    return values, missing


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real)


def _check_known(observed: np.ndarray, categories: Sequence[Any]) -> None:
    unknown = sorted({str(v) for v in observed if v not in categories})
    if unknown:
        raise CodingError(
            f"codes not among the categories: {', '.join(unknown)}",
            hint="add them to categories or correct the codes",
        )


def _encode(
    values: np.ndarray, missing: np.ndarray, level: str, categories: Sequence[Any] | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Turn the codes into floats (NaN = missing) and a value domain for ``krippendorff``.

    Numbers are used as they are. Other codes are mapped to 0, 1, ... in the order of
    ``categories`` (or, for nominal data without categories, in sorted order: for
    nominal data the mapping does not matter).
    """
    observed = values[~missing]
    if categories is not None:
        categories = list(categories)
        _check_known(observed, categories)
    encoded = np.full(values.shape, np.nan)
    if all(_is_number(v) for v in observed):
        encoded[~missing] = observed.astype(float)
        return encoded, None
    if level in ("interval", "ratio"):
        raise CodingError(
            f"codes that are not numbers cannot be analysed at the {level} level",
            hint="use level='nominal' or 'ordinal', or recode the values as numbers",
        )
    if categories is None:
        if level == "ordinal":
            raise CodingError(
                "ordinal codes that are not numbers need their order",
                hint="pass categories=[...] from lowest to highest",
            )
        categories = sorted(set(observed), key=str)
    lookup = {category: i for i, category in enumerate(categories)}
    encoded[~missing] = [lookup[v] for v in observed]
    return encoded, np.arange(len(categories), dtype=float)


def _pairable(encoded: np.ndarray) -> np.ndarray:
    """Mask of units (rows) that at least two coders coded."""
    counts = (~np.isnan(encoded)).sum(axis=1)
    if not (counts >= 2).any():
        raise CodingError(
            "no fragment was coded by two or more coders",
            hint="alpha needs double-coded fragments (units with at least two codes)",
        )
    return counts >= 2


def krippendorff_alpha(
    table: Any,
    level: Level = "nominal",
    *,
    categories: Sequence[Any] | None = None,
) -> float:
    r"""Krippendorff's alpha for any number of coders, with missing values allowed.

    Parameters
    ----------
    table : DataFrame or 2-D array-like
        Reliability data with **one row per unit (fragment) and one column per coder**
        -- the layout of ``segments.pivot(index="fragment_id", columns="coder",
        values="code")``. This is the transpose of the observers-by-units matrix printed
        by Krippendorff (2011) and taken by the ``krippendorff`` package. Missing values
        (``NaN``, ``None``, ``pd.NA``) mean that the coder did not code that unit.
    level : {"nominal", "ordinal", "interval", "ratio"}, default "nominal"
        Level of measurement, which sets the difference function.
    categories : sequence, optional
        The possible codes. Needed, in order from low to high, for ordinal codes that
        are not numbers; otherwise only used to check that every code is known. Codes
        that are numbers are used as their values.

    Returns
    -------
    float
        Alpha; 1 is perfect agreement, 0 agreement at chance level. ``NaN`` when the
        pairable values show no variation (all the same code), where alpha is ``0/0``.

    Raises
    ------
    CodingError
        If the table is empty, has fewer than two coders, has no unit coded by at least
        two coders, contains codes outside ``categories``, has non-numeric codes at the
        interval or ratio level, ordinal non-numeric codes without ``categories``, or
        if ``level`` is unknown.

    Notes
    -----
    .. math:: \alpha = 1 - \frac{D_o}{D_e}
              = 1 - (n - 1)\frac{\sum_c \sum_k o_{ck}\,\delta^2_{ck}}
                {\sum_c \sum_k n_c n_k\,\delta^2_{ck}}

    where :math:`o_{ck} = \sum_u (\text{number of } c\text{-}k \text{ pairs in unit }
    u) / (m_u - 1)` is the coincidence matrix over units with :math:`m_u \ge 2` values,
    :math:`n_c = \sum_k o_{ck}`, :math:`n = \sum_c n_c` and :math:`\delta^2_{ck}` is the
    difference function of the level (nominal: 0 if :math:`c = k`, else 1). Units coded
    by a single coder are not pairable and do not count. The computation is done by
    ``krippendorff.alpha`` (fast-krippendorff); this function maps non-numeric codes to
    integers and validates the input.

    References
    ----------
    Krippendorff, K. (2011). *Computing Krippendorff's alpha-reliability*. Departmental
    Papers (ASC) 43, Annenberg School for Communication, University of Pennsylvania.
    https://repository.upenn.edu/asc_papers/43

    Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a standard
    reliability measure for coding data. *Communication Methods and Measures*, 1(1),
    77-89. https://doi.org/10.1080/19312450709336664

    Examples
    --------
    Krippendorff's (2011) binary example, two coders and ten units (one row per unit):

    >>> coder_a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    >>> coder_b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    >>> round(krippendorff_alpha(list(zip(coder_a, coder_b))), 3)
    0.095

    Codes may be strings and missing:

    >>> table = pd.DataFrame({"A": ["ict", "tijd", None], "B": ["ict", "tijd", "ict"]})
    >>> krippendorff_alpha(table)
    1.0

    """
    _check_level(level)
    values, missing = _unit_by_coder_values(table)
    encoded, domain = _encode(values, missing, level, categories)
    pairable = _pairable(encoded)
    pairable_values = encoded[pairable]
    if np.unique(pairable_values[~np.isnan(pairable_values)]).size < 2:
        return math.nan
    return float(
        krippendorff.alpha(
            reliability_data=encoded.T, value_domain=domain, level_of_measurement=level
        )
    )


# --------------------------------------------------------------------------- tidy


def _check_segments(segments: Any) -> pd.DataFrame:
    if not isinstance(segments, pd.DataFrame):
        raise CodingError(
            "segments must be a pandas DataFrame",
            hint="one row per coder x fragment x code, columns fragment_id, coder, code",
        )
    absent = [column for column in SEGMENT_COLUMNS if column not in segments.columns]
    if absent:
        raise CodingError(
            f"missing column(s): {', '.join(absent)}",
            hint="the coded fragments need the columns fragment_id, coder and code",
        )
    if segments.empty:
        raise CodingError("there are no coded fragments", hint="the table has no rows")
    extra = ["document"] if "document" in segments.columns else []
    data = segments.loc[:, [*SEGMENT_COLUMNS, *extra]]
    for column in ("fragment_id", "coder"):
        if data[column].isna().any():
            raise CodingError(
                f"some rows have no {column}", column=column, hint=f"fill in every {column}"
            )
    return data


def _one_coder_fragments(data: pd.DataFrame) -> pd.Index:
    """The fragments coded by exactly one coder."""
    coders = data.groupby("fragment_id", sort=False)["coder"].nunique()
    return coders.index[coders == 1]


def _with_absent_coders(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` plus a code-less row for every coder who did not code a one-coder fragment.

    The other coders are those of the fragment's ``document`` when that column is given
    (a coder who never opened the document did not judge the passage), else all coders.
    """
    lonely = data[data["fragment_id"].isin(_one_coder_fragments(data))]
    if lonely.empty:
        return data
    by_document = "document" in data.columns
    everyone = sorted(data["coder"].astype(str).unique())
    coders_of = (data.groupby("document")["coder"].agg(lambda c: sorted(set(c.astype(str))))
                 if by_document else None)
    rows = []
    for fragment, group in lonely.groupby("fragment_id", sort=False):
        first = group.iloc[0]
        others = coders_of[first["document"]] if by_document else everyone
        for coder in others:
            if coder != str(first["coder"]):
                row = {"fragment_id": fragment, "coder": coder, "code": None}
                if by_document:
                    row["document"] = first["document"]
                rows.append(row)
    return pd.concat([data, pd.DataFrame(rows, columns=data.columns)], ignore_index=True)


def _check_one_coder(one_coder: str) -> None:
    if one_coder not in ONE_CODER:
        raise CodingError(
            f"unknown treatment of one-coder passages {one_coder!r}",
            hint=f"use one of {', '.join(ONE_CODER)}",
        )


def _double_coded(data: pd.DataFrame) -> pd.DataFrame:
    """Return the (fragment_id, coder) pairs of fragments coded by two or more coders."""
    seen = data.loc[:, ["fragment_id", "coder"]].drop_duplicates()
    n_coders = seen["coder"].nunique()
    if n_coders < 2:
        raise CodingError(
            f"agreement needs at least two coders, found {n_coders}",
            hint="add the codes of a second coder for the same fragments",
        )
    coders_per_fragment = seen.groupby("fragment_id")["coder"].transform("nunique")
    seen = seen[coders_per_fragment >= 2]
    if seen.empty:
        raise CodingError(
            "no fragment was coded by two coders",
            hint="let at least two coders code the same fragments (same fragment_id)",
        )
    return seen


def _code_list(data: pd.DataFrame, codes: Iterable[Any] | None) -> list[Any]:
    found = list(pd.unique(data["code"].dropna()))
    if codes is None:
        code_list = sorted(found, key=str)
    else:
        code_list = list(dict.fromkeys(codes))
        unknown = sorted({str(code) for code in found if code not in code_list})
        if unknown:
            raise CodingError(
                f"codes not in the codebook: {', '.join(unknown)}",
                column="code",
                hint="add them to codes=[...] or correct them",
            )
    if not code_list:
        raise CodingError("no codes were assigned", column="code", hint="check column code")
    if OVERALL in code_list:
        raise CodingError(
            f"{OVERALL!r} is used as a code but is reserved for the pooled row",
            column="code",
            hint="rename that code",
        )
    return code_list


def _presence_tables(
    data: pd.DataFrame, seen: pd.DataFrame, code_list: list[Any]
) -> dict[Any, pd.DataFrame]:
    """One fragment x coder table per code: 1 = code applied, 0 = not, NaN = not coded."""
    present = set(data[["fragment_id", "coder", "code"]].itertuples(index=False, name=None))
    index = pd.MultiIndex.from_frame(seen)
    tables = {}
    for code in code_list:
        flags = [float((fragment, coder, code) in present) for fragment, coder in index]
        tables[code] = pd.Series(flags, index=index).unstack("coder")
    return tables


def _agreement_row(code: Any, table: pd.DataFrame, n_fragments: int) -> dict:
    coders = table.columns[table.notna().any()]
    kappa: float = math.nan
    kappa_label: str | None = None
    if len(coders) == 2:
        kappa = cohen_kappa(table[coders[0]], table[coders[1]]).kappa
        kappa_label = kappa_band(kappa)
    alpha = krippendorff_alpha(table)
    return {
        "code": code,
        "n_fragments": n_fragments,
        "n_coders": len(coders),
        "kappa": kappa,
        "alpha": alpha,
        "kappa_band": kappa_label,
        "alpha_band": alpha_band(alpha),
    }


def agreement(
    segments: pd.DataFrame,
    *,
    codes: Iterable[Any] | None = None,
    one_coder: str = "disagree",
) -> pd.DataFrame:
    """Agreement per code and overall, from a long table of double-coded fragments.

    Parameters
    ----------
    segments : DataFrame
        One row per coder x fragment x code, with columns ``fragment_id``, ``coder`` and
        ``code`` (other columns are ignored). A coder may give a fragment several codes.
        A row with an empty ``code`` records that the coder coded the fragment but gave
        it no code. A coder without any row for a fragment did not code it.
    codes : iterable, optional
        The codebook: codes to report, in this order, including codes nobody used
        (their coefficients are ``NaN``). Codes in ``segments`` outside it are an error.
        Default: every code in ``segments``, sorted.
    one_coder : {"disagree", "exclude"}, default "disagree"
        A fragment coded by one coder only: ``"disagree"`` counts it, the other coders
        (of the same ``document`` when ``segments`` has that column, else all coders)
        having coded it with no code; ``"exclude"`` leaves it out.

    Returns
    -------
    DataFrame
        One row per code and a last row ``code == "overall"``, with columns

        ``code``
        ``n_fragments``
            fragments used: those coded by at least two coders, plus (``"disagree"``)
            those coded by one coder whose document another coder coded;
        ``n_coders``
            coders who coded at least one of those fragments;
        ``kappa``
            Cohen's kappa when exactly two coders, else ``NaN``;
        ``alpha``
            Krippendorff's alpha (nominal);
        ``kappa_band``
            Landis & Koch band code of kappa (:func:`kappa_band`; missing when there
            are more than two coders);
        ``alpha_band``
            Krippendorff's band code of alpha (:func:`alpha_band`).

    Raises
    ------
    CodingError
        If ``segments`` is empty or lacks a column, has fewer than two coders, no
        fragment coded by two coders, no codes at all, codes outside ``codes``, or a
        code named ``"overall"``.

    Notes
    -----
    Multi-label coding is handled as presence/absence per code, the common practice
    for qualitative coding where a fragment may get several codes: for each code c and
    each double-coded fragment, a coder's value is 1 if they applied c and 0 if they
    coded the fragment without c (missing if they did not code it). Kappa
    (:func:`cohen_kappa`) and alpha (:func:`krippendorff_alpha`, nominal, i.e. binary
    here) are computed on these 0/1 values. Codes are compared exactly (case and
    spaces count). A fragment coded by one coder only is a disagreement on each of its
    codes by default and left out with ``one_coder="exclude"``.

    The ``overall`` row pools the presence/absence decisions of all codes: every
    (fragment, code) pair is a unit, so it answers "how well do the coders agree on
    whether a code applies", weighted by how many fragments each code is judged on.
    It is not the mean of the per-code values. Because most codes are absent from most
    fragments, it is dominated by agreement on absence; report the per-code rows too.
    It depends on which codes are included: unused codes passed in ``codes`` add agreed
    absences to it.

    A code that nobody (or everybody) applied to the double-coded fragments has no
    variation: its kappa and alpha are undefined (``NaN``, band "undefined").

    An alternative that treats the set of codes of a fragment as one value is
    Krippendorff and Craggs' (2016) multi-valued alpha; it is not implemented here.

    References
    ----------
    Krippendorff, K. (2004). *Content analysis: An introduction to its methodology*
    (2nd ed.). Sage.

    Krippendorff, K., & Craggs, R. (2016). The reliability of multi-valued coding of
    data. *Communication Methods and Measures*, 10(4), 181-198.

    O'Connor, C., & Joffe, H. (2020). Intercoder reliability in qualitative research:
    Debates and practical guidelines. *International Journal of Qualitative Methods*,
    19. https://doi.org/10.1177/1609406919899220

    Examples
    --------
    >>> segments = pd.DataFrame(
    ...     {
    ...         "fragment_id": [1, 1, 2, 2, 2, 3, 3, 4, 4],
    ...         "coder": ["A", "B", "A", "A", "B", "A", "B", "A", "B"],
    ...         "code": ["ict", "ict", "ict", "tijd", "tijd", "tijd", "tijd", None, None],
    ...     }
    ... )
    >>> table = agreement(segments)
    >>> table[["code", "n_fragments", "kappa", "alpha", "alpha_band"]].round(3)
          code  n_fragments  kappa  alpha  alpha_band
    0      ict            4   0.50  0.533  unreliable
    1     tijd            4   1.00  1.000    reliable
    2  overall            4   0.75  0.762   tentative

    A fragment only coder A coded is a disagreement, unless excluded:

    >>> more = pd.concat([segments, pd.DataFrame({"fragment_id": [5], "coder": ["A"],
    ...                                           "code": ["tijd"]})])
    >>> agreement(more).loc[1, ["n_fragments", "kappa"]].round(3).tolist()
    [5.0, 0.615]
    >>> agreement(more, one_coder="exclude").loc[1, ["n_fragments", "kappa"]].tolist()
    [4.0, 1.0]

    """
    _check_one_coder(one_coder)
    data = _check_segments(segments)
    if one_coder == "disagree":
        data = _with_absent_coders(data)
    seen = _double_coded(data)
    code_list = _code_list(data, codes)
    tables = _presence_tables(data, seen, code_list)
    n_fragments = seen["fragment_id"].nunique()
    rows = [_agreement_row(code, table, n_fragments) for code, table in tables.items()]
    pooled = pd.concat(list(tables.values()), ignore_index=True)
    rows.append(_agreement_row(OVERALL, pooled, n_fragments))
    return pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))


# --------------------------------------------------------------------------- characters

#: Columns :func:`character_agreement` needs: each coder's coded spans of each document.
SPAN_COLUMNS: tuple[str, ...] = ("document", "coder", "code", "start", "end")


def _coverage(spans: pd.DataFrame, length: int) -> np.ndarray:
    """Boolean mask of the characters of a text of ``length`` that ``spans`` cover."""
    mask = np.zeros(length, dtype=bool)
    for start, end in zip(spans["start"], spans["end"], strict=True):
        mask[int(start) : int(end)] = True
    return mask


def _character_counts(spans: pd.DataFrame, lengths: dict, code: Any, pair: list) -> dict:
    """Characters both, one and neither coder coded with ``code``, over their documents."""
    counts = {"characters": 0, "dual_coded": 0, "single_coded": 0, "uncoded": 0,
              "coded_a": 0, "coded_b": 0}
    for document, in_document in spans.groupby("document", sort=False):
        if set(in_document["coder"]) < set(pair):  # only one coder coded this document
            continue
        length = int(lengths[document])
        with_code = in_document[in_document["code"] == code]
        a = _coverage(with_code[with_code["coder"] == pair[0]], length)
        b = _coverage(with_code[with_code["coder"] == pair[1]], length)
        counts["characters"] += length
        counts["dual_coded"] += int((a & b).sum())
        counts["single_coded"] += int((a ^ b).sum())
        counts["uncoded"] += int((~a & ~b).sum())
        counts["coded_a"] += int(a.sum())
        counts["coded_b"] += int(b.sum())
    return counts


def _character_row(code: Any, counts: dict) -> dict:
    total = counts["characters"]
    if not total:
        return {"code": code, **counts, "char_agreement": math.nan, "char_kappa": math.nan}
    observed = (counts["dual_coded"] + counts["uncoded"]) / total
    share_a, share_b = counts["coded_a"] / total, counts["coded_b"] / total
    chance = share_a * share_b + (1 - share_a) * (1 - share_b)
    kappa = math.nan if math.isclose(chance, 1.0) else (observed - chance) / (1 - chance)
    return {"code": code, **counts, "char_agreement": observed, "char_kappa": kappa}


def character_agreement(
    spans: pd.DataFrame, lengths: dict, *, codes: Iterable[Any] | None = None
) -> pd.DataFrame:
    """Character-level agreement of two coders per code, as QualCoder's coder comparison.

    Parameters
    ----------
    spans : DataFrame
        One row per coded selection: ``document``, ``coder``, ``code``, ``start`` and
        ``end`` (character positions, end exclusive).
    lengths : mapping
        Number of characters of each document.
    codes : iterable, optional
        Codes to report, in this order (default: those in ``spans``, sorted).

    Returns
    -------
    DataFrame
        One row per code and a last ``"overall"`` row (counts summed over the codes):
        ``characters`` of the documents both coders coded, ``dual_coded``,
        ``single_coded`` and ``uncoded`` characters for the code, each coder's coded
        characters (``coded_a``, ``coded_b``), ``char_agreement`` =
        (dual + uncoded) / characters and ``char_kappa``, Cohen's kappa with the
        characters as units. All ``NaN`` unless exactly two coders.

    Notes
    -----
    QualCoder (``report_compare_coder_file.py``, "Coder comparison by file") marks every
    character of a text as uncoded, single- or dual-coded for one code and two coders
    and reports agreement = (dual + uncoded) / characters; that is ``char_agreement``.
    Its "Kappa" uses a chance term of its own (the product of the yes and no terms, over
    the coded characters only), marked in its source as unconfirmed; ``char_kappa`` is
    Cohen's (1960) kappa on the same characters instead. Documents only one of the two
    coders coded are left out.

    Examples
    --------
    >>> spans = pd.DataFrame({"document": ["d", "d"], "coder": ["A", "B"],
    ...                       "code": ["ict", "ict"], "start": [0, 2], "end": [6, 8]})
    >>> table = character_agreement(spans, {"d": 10})
    >>> table[["dual_coded", "single_coded", "uncoded", "char_agreement"]].values.tolist()
    [[4.0, 4.0, 2.0, 0.6], [4.0, 4.0, 2.0, 0.6]]
    """
    absent = [c for c in SPAN_COLUMNS if c not in spans.columns]
    if absent:
        raise CodingError(f"missing column(s): {', '.join(absent)}",
                          hint="pass the coded spans with document, coder, code, start, end")
    spans = spans.dropna(subset=["code", "start", "end"])
    code_list = list(dict.fromkeys(codes)) if codes is not None else sorted(
        pd.unique(spans["code"]), key=str)
    coders = sorted(spans["coder"].astype(str).unique())
    rows = []
    totals: dict[str, int] = {}
    for code in code_list:
        if len(coders) != 2:
            rows.append(_character_row(code, {"characters": 0}))
            continue
        counts = _character_counts(spans, lengths, code, coders)
        totals = {k: totals.get(k, 0) + v for k, v in counts.items()}
        rows.append(_character_row(code, counts))
    rows.append(_character_row(OVERALL, totals or {"characters": 0}))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- unitized


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans of one coder merged (a coder's units cannot overlap; may touch)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        elif end > start:
            out.append((start, end))
    return out


def _sections(units: list[tuple[int, int]], length: int) -> list[tuple[int, int, bool]]:
    """A coder's continuum as alternating gaps and units: (start, end, is_unit)."""
    out, position = [], 0
    for start, end in units:
        if start > position:
            out.append((position, start, False))
        out.append((start, end, True))
        position = end
    if position < length:
        out.append((position, length, False))
    return out


def _section_delta(a: tuple[int, int, bool], b: tuple[int, int, bool]) -> int:
    """Krippendorff's (1995) squared difference of two intersecting sections."""
    (a0, a1, a_unit), (b0, b1, b_unit) = a, b
    if a_unit and b_unit:
        return (a0 - b0) ** 2 + (a1 - b1) ** 2
    if a_unit and b0 <= a0 and a1 <= b1:
        return (a1 - a0) ** 2
    if b_unit and a0 <= b0 and b1 <= a1:
        return (b1 - b0) ** 2
    return 0


def _pair_disagreement(first: list, second: list) -> int:
    """Sum of the differences of every pair of intersecting sections of two coders."""
    total, i, j = 0, 0, 0
    while i < len(first) and j < len(second):
        total += _section_delta(first[i], second[j])
        end_first, end_second = first[i][1], second[j][1]
        i += end_first <= end_second
        j += end_second <= end_first
    return total


def _unitized(units: list[list[tuple[int, int]]], length: int) -> float:
    """Krippendorff's unitized alpha of one category on a continuum of ``length``."""
    coders = len(units)
    sections = [_sections(u, length) for u in units]
    observed = sum(_pair_disagreement(sections[i], sections[j])
                   for i in range(coders) for j in range(i + 1, coders))
    observed = 2 * observed / (coders * (coders - 1) * length**2)
    lengths = np.array([end - start for u in units for start, end in u], dtype=float)
    gaps = np.sort([end - start for s in sections for start, end, unit in s if not unit])
    gaps = np.asarray(gaps, dtype=float)
    tail = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0.0]])  # sum of gaps[k:]
    first = np.searchsorted(gaps, lengths, side="left")
    fits = tail[first] - (len(gaps) - first) * (lengths - 1)  # sum over gaps >= l of g - l + 1
    n = len(lengths)
    expected = np.sum((n - 1) * (2 * lengths**3 - 3 * lengths**2 + lengths) / 3
                      + lengths**2 * fits) * 2 / length
    expected /= coders * length * (coders * length - 1) - np.sum(lengths * (lengths - 1))
    if not n or expected == 0:
        return math.nan
    return float(1 - observed / expected)


def unitized_alpha(spans: pd.DataFrame, lengths: dict, code: Any) -> float:
    r"""Krippendorff's unitized alpha (:math:`{}_u\alpha`) of one code.

    Parameters
    ----------
    spans : DataFrame
        Each coder's coded selections: ``document``, ``coder``, ``code``, ``start``,
        ``end`` (character positions, end exclusive).
    lengths : mapping
        Number of characters of each document.
    code : object
        The code (category) judged.

    Returns
    -------
    float
        :math:`1 - D_o / D_e`; ``NaN`` with fewer than two coders or when nobody applied
        the code (no expected disagreement).

    Notes
    -----
    The documents every coder coded are laid end to end as one continuum of
    :math:`L` characters. Each coder's selections with the code, merged where they
    overlap, are that coder's units; the rest of the continuum are gaps. Following
    Krippendorff (1995), two intersecting sections of coders :math:`i` and :math:`j`
    differ by :math:`(b_i - b_j)^2 + (e_i - e_j)^2` when both are units, by
    :math:`l^2` when a unit of length :math:`l` lies within the other's gap, and not
    otherwise; :math:`D_o` is their sum times :math:`2 / (m(m-1)L^2)` over all pairs of
    the :math:`m` coders. :math:`D_e` considers every placement of the units in the
    gaps (Krippendorff, 1995, 2004):

    .. math:: D_e = \frac{\frac{2}{L} \sum_u \left[\frac{(N-1)(2l_u^3 - 3l_u^2 + l_u)}{3}
              + l_u^2 \sum_{g \ge l_u} (g - l_u + 1)\right]}
              {mL(mL - 1) - \sum_u l_u(l_u - 1)}

    over the :math:`N` units :math:`u` and all gaps :math:`g` of all coders. Checked
    against Krippendorff's (1995, p. 57) worked example, as DKPro Statistics encodes it
    (``Krippendorff1995Test``): :math:`D_o` to five decimals, alpha to 0.02 (its
    authors note a small error in the published :math:`D_e`).

    References
    ----------
    Krippendorff, K. (1995). On the reliability of unitizing continuous data.
    *Sociological Methodology*, 25, 47-76.

    Examples
    --------
    Pair A of Krippendorff's (1995, p. 57) example, on a continuum of 24,000 (the example's
    24 positions stretched, since the published values treat the continuum as continuous):

    >>> spans = pd.DataFrame({"document": ["d"] * 4, "coder": ["Bertha", "Bertha", "Bill", "Bill"],
    ...                       "code": ["A"] * 4, "start": [2000, 14000, 4000, 15000],
    ...                       "end": [10000, 20000, 8000, 17000]})
    >>> round(unitized_alpha(spans, {"d": 24000}, "A"), 3)
    0.553
    """
    spans = spans.dropna(subset=["start", "end"])
    coders = sorted(spans["coder"].astype(str).unique())
    shared = [d for d, group in spans.groupby("document", sort=True)
              if set(group["coder"].astype(str)) >= set(coders)]
    if len(coders) < 2 or not shared:
        return math.nan
    offsets, position = {}, 0
    for document in shared:
        offsets[document], position = position, position + int(lengths[document])
    chosen = spans[(spans["code"] == code) & spans["document"].isin(shared)]
    units = []
    for coder in coders:
        own = chosen[chosen["coder"].astype(str) == coder]
        units.append(_merged([(offsets[d] + int(b), offsets[d] + int(e))
                              for d, b, e in zip(own["document"], own["start"], own["end"],
                                                 strict=True)]))
    return _unitized(units, position)


# --------------------------------------------------------------------------- the build's


def _n_one_coder(units: pd.DataFrame) -> int:
    """One-coder passages that count as disagreement (another coder coded the document)."""
    data = units.dropna(subset=["fragment_id", "coder"])
    lonely = data[data["fragment_id"].isin(_one_coder_fragments(data))]
    if "document" not in data.columns:
        return int(lonely["fragment_id"].nunique()) if data["coder"].nunique() >= 2 else 0
    coders = data.groupby("document")["coder"].nunique()
    shared = lonely[lonely["document"].map(coders) >= 2]
    return int(shared["fragment_id"].nunique())


def _paired(units: pd.DataFrame, codes: list | None) -> pd.DataFrame:
    """Kappa and alpha without one-coder passages (NaN when no passage is double-coded)."""
    try:
        table = agreement(units, codes=codes, one_coder="exclude")
    except CodingError:
        return pd.DataFrame(columns=["code", "kappa_paired", "alpha_paired"])
    return table[["code", "kappa", "alpha"]].rename(
        columns={"kappa": "kappa_paired", "alpha": "alpha_paired"})


def _characters(units: pd.DataFrame, codes: list | None) -> pd.DataFrame:
    needed = {*SPAN_COLUMNS, "document_length"}
    if not needed <= set(units.columns) or units[["start", "end"]].isna().all().all():
        return pd.DataFrame(columns=["code", "char_agreement", "char_kappa", "alpha_unitized"])
    positioned = units.dropna(subset=["start", "end"])
    lengths = dict(zip(positioned["document"], positioned["document_length"], strict=True))
    table = character_agreement(positioned, lengths, codes=codes)
    table["alpha_unitized"] = [math.nan if code == OVERALL else
                               unitized_alpha(positioned, lengths, code) for code in table["code"]]
    return table[["code", "char_agreement", "char_kappa", "alpha_unitized"]]


def coder_agreement(units: pd.DataFrame, *, codes: Iterable[Any] | None = None) -> pd.DataFrame:
    """The agreement table of a QDA export, as the build writes it to ``agreement.csv``.

    Parameters
    ----------
    units : DataFrame
        One row per passage x coder x code (``fragment_id`` is the passage), optionally
        with ``document`` (one-coder passages are then judged against the coders of their
        document), and ``start``, ``end``, ``document_length`` of each coder's selection
        for the character-level columns.
    codes : iterable, optional
        As for :func:`agreement`.

    Returns
    -------
    DataFrame
        Columns :data:`~readiness_analysis.core.tables.UNIT_AGREEMENT_COLUMNS`: those of
        :func:`agreement` with one-coder passages counted as disagreement, then
        ``n_one_coder`` (how many such passages), ``kappa_paired`` and ``alpha_paired``
        (the same without them), ``char_agreement``/``char_kappa`` from
        :func:`character_agreement` and ``alpha_unitized`` from :func:`unitized_alpha`
        (per code; ``NaN`` in the overall row and without positions).

    Examples
    --------
    >>> units = pd.DataFrame({"fragment_id": ["p1", "p1", "p2"], "coder": ["A", "B", "A"],
    ...                       "code": ["ict", "ict", "ict"], "document": ["d"] * 3})
    >>> table = coder_agreement(units)
    >>> table.loc[0, ["n_fragments", "n_one_coder", "alpha_paired"]].tolist()
    [2.0, 1.0, nan]
    """
    code_list = None if codes is None else list(codes)
    table = agreement(units, codes=code_list, one_coder="disagree")
    table["n_one_coder"] = _n_one_coder(units)
    table = table.merge(_paired(units, code_list), on="code", how="left")
    table = table.merge(_characters(units, code_list), on="code", how="left")
    return table.reindex(columns=list(UNIT_AGREEMENT_COLUMNS))
