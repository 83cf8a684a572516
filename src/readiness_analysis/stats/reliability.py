"""Internal consistency of a set of items: Cronbach's alpha, Guttman's G6 and omega total.

The numbers reproduce R's ``psych::alpha`` (raw and standardised alpha, G6(smc), average
inter-item correlation, corrected item-total correlations ``r.drop`` and alpha if an item
is dropped) and ``psych::omega(x, nfactors = 1)$omega.tot``. Reference values computed
with psych are kept in ``tests/fixtures/psych`` (see ``scripts/psych_reference.R`` and
``scripts/feldt_reference.R``).

Limits (what a report may show; :func:`reliability` itself always computes):

- **Alpha** needs at least :data:`ALPHA_MIN_N` (30) respondents. With fewer, its sampling
  error is of the size of the coefficient itself: Feldt's 95 % interval for alpha = .70
  on 3 items and 14 respondents runs from .26 to .90. 30 is a floor, not a guarantee:
  Yurdugül (2008) found it the smallest sample for which alpha is stable, and only for
  strongly correlated items; the Feldt interval (:attr:`ReliabilityResult.alpha_ci`)
  shows the precision that remains.
- **Omega total** rests on a fitted one-factor model and needs at least
  :data:`OMEGA_MIN_N` (50) respondents (de Winter, Dodou & Wieringa, 2009: factor
  recovery with n below 50 needs high loadings and many items per factor; MacCallum et
  al., 1999), and a **proper** solution: no loading of 1 or more (an ultra-Heywood
  case: a communality above 1), no uniqueness at psych's lower bound 0.005 (a Heywood
  case: the item would be measured without error) and a converged fit
  (:attr:`ReliabilityResult.omega_problems`). An improper solution's omega is no
  trustworthy estimate and is not shown.
- Rows are respondents as answered: in the scan an interview, which may be the joint
  answer of several teachers. Alpha and omega then describe the consistency of group
  answers, not the reliability of one teacher's answers.
- Pooled over institutions, a report feeds this function only the respondents of
  institutions with at least ``MIN_CELL`` of them, and shows nothing unless
  ``MIN_INSTITUTIONS`` institutions qualify (:mod:`readiness_analysis.stats.disclosure`;
  :func:`readiness_analysis.report.reliability.reliability_pools`): otherwise a school
  could rebuild a small school's answers from the printed alpha and omega.

References for the limits: Yurdugül, H. (2008). Minimum sample size for Cronbach's
coefficient alpha: a Monte-Carlo study. *Hacettepe University Journal of Education*, 35,
397-405. de Winter, J. C. F., Dodou, D., & Wieringa, P. A. (2009). Exploratory factor
analysis with small sample sizes. *Multivariate Behavioral Research*, 44(2), 147-181.
MacCallum, R. C., Widaman, K. F., Zhang, S., & Hong, S. (1999). Sample size in factor
analysis. *Psychological Methods*, 4(1), 84-99. Feldt (1965) and Feldt, Woodruff &
Salih (1987): see :func:`feldt_interval`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import f as f_dist

from readiness_analysis.core.errors import ReliabilityError, ReliabilityWarning

__all__ = ["ALPHA_MIN_N", "OMEGA_MIN_N", "OMEGA_PROBLEMS", "ReliabilityError",
           "ReliabilityResult", "ReliabilityWarning", "feldt_interval", "reliability"]

METHODS = ("pairwise", "listwise")
#: Fewest respondents for which a report shows alpha (and its Feldt interval).
ALPHA_MIN_N = 30
#: Fewest respondents for which a report shows omega total (a fitted factor model).
OMEGA_MIN_N = 50
#: Codes of an improper one-factor solution (:attr:`ReliabilityResult.omega_problems`).
OMEGA_PROBLEMS = ("loading_at_least_1", "heywood", "not_converged")
#: A variance at most this share of the summed item variances counts as zero.
ZERO_VARIANCE = 1e-10
_PSI_LOWER = 0.005  # psych::fa bounds the uniquenesses of its minres fit to [0.005, 1]


@dataclass(frozen=True, eq=False)
class ReliabilityResult:
    """Reliability of one scale, as returned by :func:`reliability`.

    Attributes
    ----------
    alpha : float
        Cronbach's alpha from the covariances (psych's ``raw_alpha``).
    std_alpha : float
        Alpha from the correlations (psych's ``std.alpha``).
    g6 : float
        Guttman's lambda 6 with squared multiple correlations (psych's ``G6(smc)``).
    average_r : float
        Mean inter-item correlation (psych's ``average_r``).
    omega_total : float
        McDonald's omega total of a one-factor minres solution; NaN for two items.
    n : int
        Respondents used: rows with at least one answer (``"pairwise"``) or complete rows
        (``"listwise"``).
    method : str
        ``"pairwise"`` or ``"listwise"``.
    reverse : tuple of str
        The reverse-keyed items.
    items : DataFrame
        One row per item (in input order) with ``n`` (answers), ``r_drop`` (correlation
        with the sum of the other items), ``alpha_if_dropped``, and ``mean`` and ``sd``
        after reverse-keying.
    notes : tuple of str
        Why a statistic is NaN although the input was valid (for instance a total score
        without variance), or why omega should not be used (an improper solution);
        empty when every statistic could be computed and the factor solution is proper.
    alpha_ci : tuple of float
        Feldt's 95 % confidence interval of ``alpha`` (:func:`feldt_interval` with ``n``
        respondents); NaN when alpha is NaN.
    loadings : Series or None
        The one-factor minres loadings behind ``omega_total`` (by item), None when omega
        could not be fitted.
    omega_problems : tuple of str
        Codes from :data:`OMEGA_PROBLEMS` when the one-factor solution is improper:
        ``"loading_at_least_1"`` (an absolute loading of 1 or more, an ultra-Heywood
        case), ``"heywood"`` (a uniqueness at the lower bound 0.005), ``"not_converged"``
        (the minres fit stopped before converging). Omega total is still computed (as
        psych does) but should not be reported.

    """

    alpha: float
    std_alpha: float
    g6: float
    average_r: float
    omega_total: float
    n: int
    method: str
    reverse: tuple[str, ...]
    items: pd.DataFrame
    notes: tuple[str, ...] = ()
    alpha_ci: tuple[float, float] = (float("nan"), float("nan"))
    loadings: pd.Series | None = None
    omega_problems: tuple[str, ...] = ()

    @property
    def omega_proper(self) -> bool:
        """Whether ``omega_total`` comes from a proper, converged one-factor solution."""
        return not self.omega_problems and not np.isnan(self.omega_total)

    def __str__(self) -> str:
        keyed = ", ".join(self.reverse) if self.reverse else "none"
        head = [
            f"Reliability of {len(self.items)} items ({self.method}, n = {self.n}; "
            f"reverse-keyed: {keyed})",
            f"  alpha = {self.alpha:.3f} (Feldt 95% CI {self.alpha_ci[0]:.3f} to "
            f"{self.alpha_ci[1]:.3f})   std. alpha = {self.std_alpha:.3f}   "
            f"G6(smc) = {self.g6:.3f}   average r = {self.average_r:.3f}   "
            f"omega total = {self.omega_total:.3f}",
            "",
        ]
        table = self.items.to_string(float_format=lambda value: f"{value:.3f}")
        notes = "".join(f"\nNote: {note}" for note in self.notes)
        return "\n".join(head) + table + notes


def reliability(
    items: pd.DataFrame,
    reverse: Iterable[str] | str | None = None,
    method: str = "pairwise",
) -> ReliabilityResult:
    r"""Cronbach's alpha, G6, omega total and item statistics of a set of items.

    Parameters
    ----------
    items : DataFrame
        Respondents in rows, items in columns; numeric, NaN marks a missing answer.
    reverse : iterable of str or str, optional
        Names of the items to reverse-key (as ``keys = c("A1", ...)`` in psych). An item
        is reversed as ``(min + max) - x`` with ``min`` and ``max`` the lowest and
        highest answer observed over *all* items, as psych does. Repeated names count
        once.
    method : {"pairwise", "listwise"}
        ``"pairwise"`` (psych's default ``use = "pairwise"``) estimates every covariance
        from the respondents who answered both items; ``"listwise"`` first drops every
        respondent with a missing answer.

    Returns
    -------
    ReliabilityResult
        ``alpha``, ``std_alpha``, ``g6``, ``average_r``, ``omega_total``, ``n`` and the
        per-item table ``items``.

    Raises
    ------
    ReliabilityError
        When ``items`` is not a DataFrame, has fewer than two items, duplicate or
        non-numeric columns or infinite values; when fewer than two respondents answered
        (after listwise deletion); when an item has no answers, only one answer or a
        single value (zero variance); when two items were never answered together by
        two respondents; when ``reverse`` names an unknown item; for an unknown
        ``method``.

    Warns
    -----
    ReliabilityWarning
        When an item correlates negatively with the sum of the others (it probably
        needs reverse-keying); when omega cannot be computed (two items: NaN); when the
        total score, or the sum of the other items for some item, has no variance (the
        items cancel each other out, as an item and its exact opposite do): the
        statistics that divide by that variance are NaN and the reason is in ``notes``.

    Notes
    -----
    With :math:`k` items, covariance matrix :math:`C` and correlation matrix
    :math:`R = \operatorname{cov2cor}(C)` (psych's alpha derives :math:`R` from the
    pairwise covariances; omega uses pairwise correlations):

    .. math::

        \alpha = \frac{k}{k-1}\Bigl(1 - \frac{\operatorname{tr} C}{\sum_{ij} C_{ij}}\Bigr),
        \qquad
        \alpha_{std} = \frac{k}{k-1}\Bigl(1 - \frac{k}{\sum_{ij} R_{ij}}\Bigr),

        G_6 = 1 - \frac{\sum_i (1 - \mathrm{smc}_i)}{\sum_{ij} R_{ij}},
        \qquad \mathrm{smc}_i = 1 - 1 / (R^{-1})_{ii},
        \qquad \bar r = \frac{\sum_{ij} R_{ij} - k}{k(k-1)}.

    ``r_drop`` of item :math:`i` is :math:`(\sum_j C_{ij} - C_{ii}) /
    \sqrt{C_{ii} \sum_{j,l \ne i} C_{jl}}` and ``alpha_if_dropped`` is alpha of the
    other items. With two items, psych reports :math:`C_{12}/C_{jj}` as "alpha if
    dropped" (the alpha of a single item is undefined); this function reports NaN.

    Omega total fits one factor by minimum residuals (psych ``fa(fm = "minres")``:
    uniquenesses :math:`\psi \in [0.005, 1]` minimise the squared off-diagonal
    residuals of :math:`R` with diagonal :math:`1 - \psi`, loadings
    :math:`\lambda` from the first eigenpair), reverses items that load negatively,
    :math:`D = \operatorname{diag}(\operatorname{sign} \lambda)`, and computes

    .. math::

        \omega_t = \frac{V_t - \sum_i (1 - \lambda_i^2)}{V_t},
        \qquad V_t = \sum_{ij} (D R D)_{ij}.

    Like ``psych::omega`` it therefore does not depend on ``reverse``. With two items
    a one-factor model is not identified: omega is NaN with a warning (psych returns
    wherever its optimiser stops).

    A variance counts as zero when it is at most :data:`ZERO_VARIANCE` times the sum of
    the item variances involved (floating-point noise of an exact cancellation); a
    negative one (possible only with pairwise covariances) counts as zero too. Alpha is
    then NaN where the formula gives :math:`\pm\infty` (psych prints ``-Inf``), and
    ``r_drop`` and ``alpha_if_dropped`` of an item are NaN when the other items sum to a
    constant.

    Respondents without any answer do not change any estimate; ``n`` does not count
    them (psych's ``alpha`` uses ``nrow(x)`` only for its standard error). Where psych
    drops a constant item with a warning, this function raises an error instead so
    that the scale being analysed is always the one asked for.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297-334.

    Guttman, L. (1945). A basis for analyzing test-retest reliability.
    *Psychometrika*, 10(4), 255-282.

    McDonald, R. P. (1999). *Test theory: A unified treatment*. Mahwah, NJ: Erlbaum.

    Revelle, W. (2022). *psych: Procedures for psychological, psychometric, and
    personality research* (R package version 2.2.9). Northwestern University.

    Examples
    --------
    The equivalent R calls are ``psych::alpha(x, keys = "v3")`` and
    ``psych::omega(x, nfactors = 1)$omega.tot``.

    >>> x = pd.DataFrame({"v1": [1, 2, 3, 4, 5, 3], "v2": [2, 2, 3, 5, 4, 4],
    ...                   "v3": [4, 5, 2, 2, 1, 3]})
    >>> result = reliability(x, reverse=["v3"])
    >>> round(result.alpha, 4), round(result.omega_total, 4), result.n
    (0.9252, 0.9292, 6)
    >>> result.items["alpha_if_dropped"].round(4).to_dict()
    {'v1': 0.8466, 'v2': 0.927, 'v3': 0.8936}

    """
    if method not in METHODS:
        raise ReliabilityError(f"unknown method {method!r}", hint="use 'pairwise' or 'listwise'")
    data = _numeric_items(items)
    keys = _reverse_names(reverse, data.columns)
    data = data.dropna() if method == "listwise" else data.dropna(how="all")
    _check_answers(data, method)
    data = _reverse_key(data, keys)
    cov = _covariances(data)
    table = _item_table(data, cov)
    _warn_negative(table)
    stats = _scale_stats(cov)
    omega = _omega_total(data)
    notes = _degenerate_notes(stats, table) + omega.notes
    for note in notes:
        warnings.warn(note, ReliabilityWarning, stacklevel=2)
    return ReliabilityResult(
        **stats,
        omega_total=omega.value,
        n=len(data),
        method=method,
        reverse=keys,
        items=table,
        notes=notes,
        alpha_ci=feldt_interval(stats["alpha"], len(data), data.shape[1]),
        loadings=omega.loadings,
        omega_problems=omega.problems,
    )


def feldt_interval(alpha: float, n: int, k: int,
                   confidence_level: float = 0.95) -> tuple[float, float]:
    r"""Feldt's confidence interval of Cronbach's alpha.

    Parameters
    ----------
    alpha : float
        The sample alpha.
    n : int
        Respondents.
    k : int
        Items.
    confidence_level : float
        Two-sided coverage.

    Returns
    -------
    tuple of float
        ``(low, high)``; NaN for a NaN alpha, fewer than 2 respondents or items.

    Notes
    -----
    Under the assumptions of alpha (essentially tau-equivalent items, normal errors),
    :math:`(1 - lpha) / (1 - \hatlpha)` follows an F distribution with
    :math:`n - 1` and :math:`(n - 1)(k - 1)` degrees of freedom (Feldt, 1965; Feldt,
    Woodruff & Salih, 1987), so the interval is
    :math:`1 - (1 - \hatlpha) F_{1-\gamma/2}` to :math:`1 - (1 - \hatlpha) F_{\gamma/2}`,
    as R ``psych::alpha.ci`` (reference values from ``scripts/feldt_reference.R``).

    References
    ----------
    Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
    reliability coefficient twenty. *Psychometrika*, 30(3), 357-370.

    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
    coefficient alpha. *Applied Psychological Measurement*, 11(1), 93-103.

    Examples
    --------
    >>> low, high = feldt_interval(0.7, 14, 3)
    >>> round(low, 3), round(high, 3)
    (0.265, 0.896)
    """
    if np.isnan(alpha) or n < 2 or k < 2:
        return float("nan"), float("nan")
    dfs = (n - 1, (n - 1) * (k - 1))
    gamma = 1 - confidence_level
    upper_f, lower_f = f_dist.ppf([1 - gamma / 2, gamma / 2], *dfs)
    return float(1 - (1 - alpha) * upper_f), float(1 - (1 - alpha) * lower_f)


def _numeric_items(items: pd.DataFrame) -> pd.DataFrame:
    """Validate the item table and return it as floats."""
    if not isinstance(items, pd.DataFrame):
        raise ReliabilityError(
            f"items must be a DataFrame, not {type(items).__name__}",
            hint="pass respondents in rows and items in columns",
        )
    if items.shape[1] < 2:
        raise ReliabilityError(
            f"reliability needs at least 2 items, got {items.shape[1]}",
            hint="pass all items of the scale",
        )
    duplicated = items.columns[items.columns.duplicated()].unique().tolist()
    if duplicated:
        raise ReliabilityError(f"duplicate item names: {duplicated}", hint="rename the columns")
    for name in items.columns:
        dtype = items[name].dtype
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            raise ReliabilityError(
                f"item is not numeric (dtype {dtype})",
                column=str(name),
                hint="convert the answers to numbers first",
            )
    data = items.astype("float64")
    if np.isinf(data.to_numpy()).any():
        raise ReliabilityError("items contain infinite values", hint="recode them as NaN")
    return data


def _reverse_names(reverse: Iterable[str] | str | None, columns: pd.Index) -> tuple[str, ...]:
    """Check the names to reverse-key; return them once each, in item order."""
    if reverse is None:
        return ()
    wanted = {reverse} if isinstance(reverse, str) else set(reverse)
    unknown = sorted(str(name) for name in wanted - set(columns))
    if unknown:
        raise ReliabilityError(
            f"cannot reverse-key unknown items: {', '.join(unknown)}",
            hint=f"choose from {', '.join(map(str, columns))}",
        )
    return tuple(name for name in columns if name in wanted)


def _check_answers(data: pd.DataFrame, method: str) -> None:
    """Require two respondents and, for every item, two different answers."""
    if len(data) < 2:
        which = "complete rows" if method == "listwise" else "respondents with answers"
        raise ReliabilityError(
            f"reliability needs at least 2 respondents, got {len(data)} {which}",
            hint="use more data" + (" or method='pairwise'" if method == "listwise" else ""),
        )
    for name in data.columns:
        answers = data[name].dropna()
        if answers.empty:
            raise ReliabilityError(
                "item has no answers (all missing)", column=str(name), hint="drop the item"
            )
        if answers.nunique() < 2:
            detail = "one answer" if len(answers) == 1 else f"all {len(answers)} answers"
            raise ReliabilityError(
                f"item has zero variance ({detail} equal to {answers.iloc[0]:g})",
                column=str(name),
                hint="drop the item: a constant item carries no information on reliability",
            )


def _reverse_key(data: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Reverse ``keys`` as (min + max) - x over the range of all items (psych::alpha)."""
    if not keys:
        return data
    values = data.to_numpy()
    adjust = np.nanmin(values) + np.nanmax(values)
    keyed = data.copy()
    keyed[list(keys)] = adjust - keyed[list(keys)]
    return keyed


def _covariances(data: pd.DataFrame) -> np.ndarray:
    """Pairwise-complete covariance matrix; every pair needs two joint answers."""
    cov = data.cov().to_numpy()
    missing = np.argwhere(np.isnan(cov))
    if len(missing):
        first, second = (str(data.columns[i]) for i in missing[0])
        raise ReliabilityError(
            f"items {first} and {second} were answered together by fewer than 2 respondents",
            hint="drop one of them or collect more data",
        )
    return cov


def _cov2cor(cov: np.ndarray) -> np.ndarray:
    scale = 1.0 / np.sqrt(np.diag(cov))
    return cov * np.outer(scale, scale)


def _smc(cor: np.ndarray) -> np.ndarray:
    """Squared multiple correlations via a pseudo-inverse, clipped to [0, 1] (psych::smc)."""
    inverse = np.linalg.pinv(_cov2cor(cor), rcond=np.sqrt(np.finfo(float).eps))
    with np.errstate(divide="ignore"):
        smc = 1.0 - 1.0 / np.diag(inverse)
    return np.clip(smc, 0.0, 1.0)


def _no_variance(total: float, item_variances: float) -> bool:
    """Whether a sum score's variance is zero (up to rounding) or impossible (negative).

    A negative value can only come from pairwise covariances that do not fit together.
    """
    return bool(total <= ZERO_VARIANCE * item_variances)


def _alpha(cov: np.ndarray) -> float:
    """Alpha from a covariance (or correlation) matrix; NaN when the total has no variance."""
    k = cov.shape[0]
    total, items = float(cov.sum()), float(np.trace(cov))
    if _no_variance(total, items):
        return float("nan")
    return (1.0 - items / total) * k / (k - 1)


def _scale_stats(cov: np.ndarray) -> dict[str, float]:
    """Raw and standardised alpha, G6(smc) and average r (psych's ``alpha.1``)."""
    k = cov.shape[0]
    cor = _cov2cor(cov)
    sum_r = float(cor.sum())
    flat = _no_variance(sum_r, k)
    return {
        "alpha": _alpha(cov),
        "std_alpha": _alpha(cor),
        "g6": float("nan") if flat else float(1.0 - (k - _smc(cor).sum()) / sum_r),
        "average_r": float((sum_r - k) / (k * (k - 1))),
    }


def _degenerate_notes(stats: dict[str, float], table: pd.DataFrame) -> tuple[str, ...]:
    """Explain the NaN statistics of a valid input (a sum score without variance)."""
    notes = []
    undefined = [name for name in ("alpha", "std_alpha", "g6") if np.isnan(stats[name])]
    if undefined:
        notes.append(
            "the total score has zero variance (or a negative one, from pairwise "
            "covariances that do not fit together): the items cancel each other out (an "
            f"item and its exact opposite?), so {', '.join(undefined)} "
            f"{'is' if len(undefined) == 1 else 'are'} NaN; reverse-key the opposite items"
        )
    flat_rest = table.index[table["r_drop"].isna()].map(str).tolist()
    if flat_rest:
        notes.append(
            "without item(s) " + ", ".join(flat_rest) + " the other items sum to a constant "
            "(zero variance): their r_drop and alpha_if_dropped are NaN"
        )
    return tuple(notes)


def _item_table(data: pd.DataFrame, cov: np.ndarray) -> pd.DataFrame:
    """Answers, r.drop, alpha if dropped, mean and sd per item."""
    k = cov.shape[0]
    r_drop, dropped = np.full(k, np.nan), np.full(k, np.nan)
    for i in range(k):
        rest = np.delete(np.delete(cov, i, axis=0), i, axis=1)
        if _no_variance(float(rest.sum()), float(np.trace(rest))):
            continue  # the other items sum to a constant: nothing to correlate with
        r_drop[i] = (cov[:, i].sum() - cov[i, i]) / np.sqrt(cov[i, i] * rest.sum())
        if k > 2:
            dropped[i] = _alpha(rest)
    table = pd.DataFrame(
        {
            "n": data.notna().sum().to_numpy(),
            "r_drop": r_drop,
            "alpha_if_dropped": dropped,
            "mean": data.mean().to_numpy(),
            "sd": data.std().to_numpy(),
        },
        index=pd.Index(data.columns, name="item"),
    )
    return table


def _warn_negative(table: pd.DataFrame) -> None:
    negative = table.index[table["r_drop"] < 0].map(str).tolist()
    if negative:
        warnings.warn(
            f"items correlating negatively with the rest of the scale: {', '.join(negative)};"
            " should they be reverse-keyed?",
            ReliabilityWarning,
            stacklevel=3,
        )


class _Omega(NamedTuple):
    value: float
    notes: tuple[str, ...] = ()  # why omega is NaN, or why it should not be used
    loadings: pd.Series | None = None
    problems: tuple[str, ...] = ()


def _omega_total(data: pd.DataFrame) -> _Omega:
    """Omega total of a one-factor minres solution (psych::omega(nfactors = 1)).

    Returns omega with the loadings and the codes of an improper solution, or NaN and
    the reason omega cannot be computed.
    """
    nan = float("nan")
    if data.shape[1] < 3:
        return _Omega(nan, ("omega total needs at least 3 items (one factor is not "
                            "identified by 2); omega_total is NaN",))
    cor = data.corr().to_numpy()
    undefined = np.argwhere(np.isnan(cor))
    if len(undefined):
        first, second = (str(data.columns[i]) for i in undefined[0])
        return _Omega(nan, (f"items {first} and {second} have no correlation (one of them "
                            "is constant where both were answered): omega_total is NaN",))
    fit = _minres_fit(cor)
    loadings = pd.Series(fit.loadings, index=data.columns, name="loading")
    signs = np.where(fit.loadings < 0, -1.0, 1.0)
    total = float((cor * np.outer(signs, signs)).sum())
    if _no_variance(total, cor.shape[0]):
        return _Omega(nan, ("the keyed items sum to a constant: omega_total is NaN",),
                      loadings)
    problems = _improper(fit)
    notes = (_improper_note(problems, loadings),) if problems else ()
    return _Omega(float((total - (1.0 - fit.loadings**2).sum()) / total), notes, loadings,
                  problems)


def _improper(fit: _MinresFit) -> tuple[str, ...]:
    """The :data:`OMEGA_PROBLEMS` codes of a one-factor solution, in that order."""
    found = {
        "loading_at_least_1": bool(np.any(np.abs(fit.loadings) >= 1.0)),
        "heywood": bool(np.any(fit.uniquenesses <= _PSI_LOWER * (1 + 1e-6))),
        "not_converged": not fit.converged,
    }
    return tuple(code for code in OMEGA_PROBLEMS if found[code])


def _improper_note(problems: tuple[str, ...], loadings: pd.Series) -> str:
    """One sentence on an improper solution, naming the largest loading."""
    top = loadings.abs().idxmax()
    words = {"loading_at_least_1": "a loading of 1 or more (ultra-Heywood case)",
             "heywood": "a uniqueness at its lower bound 0.005 (Heywood case)",
             "not_converged": "a fit that did not converge"}
    return ("omega total rests on an improper one-factor solution ("
            + "; ".join(words[code] for code in problems)
            + f"; largest loading {loadings[top]:.3f} on {top}): do not report it")


def _first_factor(reduced: np.ndarray) -> np.ndarray:
    """Return the loadings of the first principal axis of a reduced correlation matrix."""
    values, vectors = np.linalg.eigh(reduced)
    return vectors[:, -1] * np.sqrt(max(values[-1], 0.0))


def _minres_residual(psi: np.ndarray, cor: np.ndarray) -> float:
    """Sum of squared off-diagonal residuals for uniquenesses ``psi`` (psych fit.residuals)."""
    reduced = cor.copy()
    np.fill_diagonal(reduced, 1.0 - psi)
    loadings = _first_factor(reduced)
    residual = (reduced - np.outer(loadings, loadings))[np.tril_indices_from(reduced, k=-1)]
    return float((residual**2).sum())


class _MinresFit(NamedTuple):
    loadings: np.ndarray
    uniquenesses: np.ndarray
    converged: bool


def _minres_fit(cor: np.ndarray) -> _MinresFit:
    """One-factor minimum-residual fit, started and bounded as psych::fa does."""
    smc = _smc(cor)
    upper = max(smc.max(), 1.0)
    start = np.clip(1.0 - smc, _PSI_LOWER, upper)
    fit = minimize(
        _minres_residual,
        start,
        args=(cor,),
        method="L-BFGS-B",
        bounds=[(_PSI_LOWER, upper)] * len(start),
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 1000},
    )
    reduced = cor.copy()
    np.fill_diagonal(reduced, 1.0 - fit.x)
    loadings = _first_factor(reduced)
    loadings = -loadings if loadings.sum() < 0 else loadings
    return _MinresFit(loadings, np.asarray(fit.x), _converged(fit, _PSI_LOWER, upper))


def _converged(fit, lower: float, upper: float, tol: float = 1e-6) -> bool:
    """Whether the fit ended at a stationary point within the bounds (Karush-Kuhn-Tucker).

    L-BFGS-B often stops "ABNORMAL" (its line search cannot improve any more) at the
    optimum itself; what matters is the projected gradient: zero for a free uniqueness,
    pointing outwards for one at a bound. Hitting the iteration limit is not converged.
    """
    if fit.status == 1:
        return False
    x, g = np.asarray(fit.x), np.asarray(fit.jac)
    inward = np.where(x <= lower, np.minimum(g, 0.0), np.where(x >= upper, np.maximum(g, 0.0), g))
    return bool(np.all(np.abs(inward) <= tol))
