r"""Where institutions and waves differ: rank tests, effect sizes and a guarded model.

Three entry points, all reading the long scores table of
:func:`readiness_analysis.stats.scores.theme_scores` (``respondent_id``, ``institution``,
``wave``, ``theme``, ``score``):

* :func:`compare_groups` -- per theme, the Kruskal-Wallis test with epsilon-squared and
  eta-squared(H), and Mann-Whitney tests between every pair of groups with Holm-adjusted
  p-values (one pair, and its rank-biserial correlation, when there are two groups);
* :func:`compare_waves` -- per institution and theme, Mann-Whitney tests between
  consecutive waves;
* :func:`model_differences` -- one theme's scores modelled by institution (and wave) with
  ordinary least squares and HC3 standard errors.

Which scores, which test, which family
--------------------------------------
* **The latest wave only** (``wave="latest"``, the default): a study that returns to its
  schools compares them as they are now, and pooling waves would count a school surveyed
  twice twice. ``wave=2`` picks a wave, ``wave="all"`` pools them (each respondent-wave
  row one score, as before). Grouping by the wave column itself always uses every wave.
* **Tested from** :data:`MIN_N` **(3) scores per group and** :data:`MIN_TOTAL` **(8) in
  all**; below, ``status = "n too small"`` with a note naming the smallest group. Three
  is the reports' smallest cell (``stats.disclosure.MIN_CELL``) and their smallest
  sample with an interval; 8 is the smallest total at which two groups of at least 3 can
  reach p < .05 at all (3 + 5: the most extreme split has p = 2/56 = .036; 3 + 4 gives
  2/35 = .057). This replaces the earlier refusal below 5 per group: that rule protected
  the chi-squared approximation, and below it the p-value is now computed without one.
* **Small groups get a permutation p-value**: when a group has fewer than
  :data:`ASYMPTOTIC_N` (5) scores or all together fewer than :data:`ASYMPTOTIC_TOTAL`
  (20), the p-value of H (and of U) is its permutation p-value -- **exact** (every split
  of the scores into groups of these sizes) when there are at most :data:`EXACT_LIMIT`
  splits, otherwise **Monte Carlo** with :data:`N_PERMUTATIONS` (9,999) seeded
  permutations, ``p = (1 + #{H* >= H}) / (1 + B)`` (Phipson & Smyth, 2010), and its Monte
  Carlo standard error ``sqrt(p (1 - p) / B)`` (at most .005) in ``p_mc_se``. Above
  both thresholds the chi-squared (normal) approximation is used, as R's ``kruskal.test``
  and ``wilcox.test(exact = FALSE)``; ``p_asymptotic`` carries it in every tested row and
  ``p_method`` says which p-value ``p`` is (``"asymptotic"``, ``"exact"``,
  ``"permutation"``). Five is the usual minimum for the chi-squared approximation of H
  (Kruskal & Wallis, 1952: below it exact tables are needed).
* **Across themes, Holm** (``adjust="holm"``; ``"BH"`` for Benjamini-Hochberg): the
  ``p`` of every tested theme of one call form one family, adjusted in ``p_adjusted``.
  Holm controls the chance of calling any theme different when none is, without an
  assumption about how the themes' tests depend on each other (they share respondents);
  BH controls the expected share of false calls instead and is the choice for a long
  screening list. The pairwise tests keep their own Holm family, the pairs of one theme.
* **Tests count respondents.** Rank tests treat every respondent -- here often an
  interview answered by several teachers together -- as one observation; weighting by
  ``n_teachers`` would count a group answer as 2-3 independent teachers. With
  ``weighted=True`` the tests stay the same and ``n_eff`` gives Kish's effective sample
  size ``(sum w)^2 / sum w^2`` of each theme (the n on which the weighted means and
  intervals of ``stats.bootstrap`` rest), so that a report can say both.

:func:`model_differences` needs at least ``min_n`` (default :data:`MIN_MODEL_GROUP_N`
= 5) scores per institution (and per wave) and ``min_total`` scores in all (default
:data:`MIN_MODEL_N` = 25); otherwise it raises :class:`TooFewScoresError` with that
message; 25 is the smallest sample for which Long and Ervin (2000) found HC3 tests to
keep their size. The thresholds are parameters: raise them for a stricter report, never
lower them to get a p-value.

Other statuses: ``"one group"`` (nothing to compare with) and ``"all scores equal"``
(every score identical, so ranks carry no information: R's ``kruskal.test`` and
``wilcox.test`` return NaN/NA here, and so does this module).

References: Holm (1979); Benjamini & Hochberg (1995); Kruskal & Wallis (1952); Phipson,
B., & Smyth, G. K. (2010), Permutation p-values should never be zero, *Statistical
Applications in Genetics and Molecular Biology*, 9(1), 39; Kish, L. (1965), *Survey
Sampling*, Wiley.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats

from readiness_analysis.core.errors import ComparisonError, TooFewScoresError
from readiness_analysis.stats.bootstrap import _effective_n, _Sample
from readiness_analysis.stats.disclosure import MIN_CELL, MIN_INSTITUTIONS, pool
from readiness_analysis.stats.groups import teacher_weights

__all__ = [
    "ADJUST_METHODS",
    "ASYMPTOTIC_N",
    "ASYMPTOTIC_TOTAL",
    "EXACT_LIMIT",
    "GROUP_COLUMNS",
    "MIN_MODEL_GROUP_N",
    "MIN_MODEL_N",
    "MIN_N",
    "MIN_TOTAL",
    "N_PERMUTATIONS",
    "PAIR_COLUMNS",
    "P_ASYMPTOTIC",
    "P_EXACT",
    "P_PERMUTATION",
    "SEED",
    "STATUS_CONSTANT",
    "STATUS_FEW_INSTITUTIONS",
    "STATUS_OK",
    "STATUS_ONE_GROUP",
    "STATUS_TOO_SMALL",
    "ComparisonError",
    "GroupComparison",
    "ModelResult",
    "TooFewScoresError",
    "compare_groups",
    "compare_institutions",
    "compare_waves",
    "model_differences",
]

#: Fewest scores per group for a rank test (the reports' smallest cell).
MIN_N = 3
#: Fewest scores of all groups together (two groups of 3+ can reach p < .05 from 8 on).
MIN_TOTAL = 8
#: Below this many scores in a group the p-value is exact or permuted (Kruskal & Wallis).
ASYMPTOTIC_N = 5
#: Below this many scores in all the p-value is exact or permuted.
ASYMPTOTIC_TOTAL = 20
#: Most splits of the scores into groups that are enumerated for an exact p-value.
EXACT_LIMIT = 20_000
#: Monte Carlo permutations when there are more splits than :data:`EXACT_LIMIT`.
N_PERMUTATIONS = 9_999
#: Default seed of the permutations (the same data give the same p-values).
SEED = 1
#: Adjustments of the themes' p-values: Holm (1979) or Benjamini-Hochberg (1995).
ADJUST_METHODS = ("holm", "BH")
#: Fewest scores per institution (and wave) for :func:`model_differences`.
MIN_MODEL_GROUP_N = 5
#: Smallest number of scores for :func:`model_differences` (Long & Ervin, 2000).
MIN_MODEL_N = 25

P_ASYMPTOTIC = "asymptotic"
P_EXACT = "exact"
P_PERMUTATION = "permutation"

_MAX_BATCH_CELLS = 2_000_000  # permutations x scores per batch: bounds the memory
_SHUFFLE_ALL_N = 2_000  # up to this many scores a permutation shuffles them all

STATUS_OK = "ok"
STATUS_TOO_SMALL = "n too small"
STATUS_ONE_GROUP = "one group"
STATUS_CONSTANT = "all scores equal"
#: A theme of :func:`compare_institutions` with fewer than MIN_INSTITUTIONS qualifying.
STATUS_FEW_INSTITUTIONS = "too few institutions"

#: Columns of :attr:`GroupComparison.overall` after the theme column.
GROUP_COLUMNS: tuple[str, ...] = (
    "status",
    "note",
    "n",
    "n_eff",
    "n_groups",
    "min_group_n",
    "smallest",
    "h",
    "df",
    "p",
    "p_method",
    "p_mc_se",
    "p_asymptotic",
    "p_adjusted",
    "epsilon2",
    "eta2_h",
    "u",
    "p_u",
    "rank_biserial",
)
#: Columns of a pairwise table after its leading identifier columns.
PAIR_COLUMNS: tuple[str, ...] = (
    "n1",
    "n2",
    "status",
    "note",
    "u",
    "p",
    "p_method",
    "p_mc_se",
    "p_asymptotic",
    "p_holm",
    "rank_biserial",
)


@dataclass(frozen=True, eq=False)
class GroupComparison:
    """Result of :func:`compare_groups`.

    Attributes
    ----------
    overall : DataFrame
        One row per theme: the theme column, then :data:`GROUP_COLUMNS`.
    pairwise : DataFrame
        One row per theme and pair of groups: the theme column, ``group1``, ``group2``,
        then :data:`PAIR_COLUMNS` (no rows when asked for ``pairwise=False``).
    group : str
        The grouping column.
    min_n, min_total : int
        The thresholds used.
    wave : object
        The wave compared: its label, ``"all"`` when waves were pooled, ``None`` when
        the table has no wave column or no wave labels.
    adjust : str
        How ``p_adjusted`` adjusts the themes' p-values (one of :data:`ADJUST_METHODS`).
    n_permutations : int
        Monte Carlo permutations per test where a permutation p-value was needed.
    weighted : bool
        Whether ``n_eff`` is Kish's effective n of ``n_teachers`` weights.

    """

    overall: pd.DataFrame
    pairwise: pd.DataFrame
    group: str
    min_n: int
    min_total: int
    wave: object = None
    adjust: str = "holm"
    n_permutations: int = N_PERMUTATIONS
    weighted: bool = False


@dataclass(frozen=True, eq=False)
class ModelResult:
    """Result of :func:`model_differences`.

    Attributes
    ----------
    theme : str
        The theme modelled.
    formula : str
        The model, e.g. ``"score ~ institution + wave"``.
    baseline : dict
        The reference level of each factor (the first in sorted order).
    n : int
        Scores used.
    df_resid : float
        Residual degrees of freedom (of the t and F tests).
    r_squared : float
        Share of variance explained.
    coefficients : DataFrame
        One row per coefficient: ``term``, ``estimate``, ``se`` (HC3), ``t``, ``p``,
        ``ci_low``, ``ci_high`` (95 %).
    tests : DataFrame
        One row per factor: ``term``, ``f``, ``df_num``, ``df_den``, ``p`` of the Wald F
        test that all its coefficients are zero (HC3 covariance).

    """

    theme: str
    formula: str
    baseline: dict
    n: int
    df_resid: float
    r_squared: float
    coefficients: pd.DataFrame
    tests: pd.DataFrame


def compare_groups(
    scores: pd.DataFrame,
    group: str = "institution",
    *,
    theme_col: str = "theme",
    value: str = "score",
    wave: object = "latest",
    wave_col: str = "wave",
    adjust: str = "holm",
    weighted: bool = False,
    pairwise: bool = True,
    min_n: int = MIN_N,
    min_total: int = MIN_TOTAL,
    n_permutations: int = N_PERMUTATIONS,
    seed: int | None = SEED,
) -> GroupComparison:
    r"""Compare the groups' scores per theme with rank tests and effect sizes.

    Parameters
    ----------
    scores : DataFrame
        Long scores table with at least the columns ``group``, ``theme_col`` and
        ``value`` (as :func:`readiness_analysis.stats.scores.theme_scores` returns).
    group : str
        Column holding the groups, e.g. ``"institution"`` or ``"wave"``.
    theme_col : str
        Column holding the theme; every theme is tested separately.
    value : str
        Numeric column holding the score; NaN marks a missing score.
    wave : {"latest", "all"} or wave label
        Which wave to compare: the study's latest (default), one wave by its label, or
        all waves pooled. Ignored (all waves) when ``group`` is ``wave_col``.
    wave_col : str
        Column holding the wave; without it the whole table is one wave.
    adjust : {"holm", "BH"}
        Adjustment of the themes' p-values in ``p_adjusted`` (one family: the themes
        tested in this call).
    weighted : bool
        Also give Kish's effective n of the ``n_teachers`` weights (``n_eff``); the tests
        themselves always count respondents.
    pairwise : bool
        Also test every pair of groups (``False``: ``pairwise`` is empty; with 200
        institutions there are 19,900 pairs per theme).
    min_n : int
        Fewest scores a group may have for the theme to be tested.
    min_total : int
        Fewest scores all groups together may have.
    n_permutations : int
        Monte Carlo permutations for a permutation p-value (see the module docstring).
    seed : int or None
        Seed of the permutations; each test draws from its own generator, made from the
        seed and the theme (and pair), so a theme's p-value does not depend on the
        others. ``None`` draws fresh entropy.

    Returns
    -------
    GroupComparison
        ``overall`` (one row per theme: ``status``, ``note`` (English, for the
        console), ``n``, ``n_eff`` (Kish, NaN unless ``weighted``), ``n_groups``,
        ``min_group_n``, ``smallest`` (the label of the smallest group, so that a report
        can word the note itself), Kruskal-Wallis ``h``, ``df``, ``p`` (of the method in
        ``p_method``), ``p_mc_se`` (its Monte Carlo standard error: 0 when exact, NaN
        when asymptotic), ``p_asymptotic`` (the chi-squared p-value), ``p_adjusted``
        (across themes), ``epsilon2``, ``eta2_h`` and, with exactly two groups,
        Mann-Whitney ``u``, ``p_u`` and ``rank_biserial``) and ``pairwise`` (one row per
        pair of groups: ``group1``, ``group2``, ``n1``, ``n2``, ``status``, ``note``,
        ``u``, ``p``, ``p_method``, ``p_mc_se``, ``p_asymptotic``, ``p_holm`` (within the
        theme), ``rank_biserial``).

    Raises
    ------
    ComparisonError
        When ``scores`` is not a DataFrame, lacks a column, has a non-numeric or infinite
        score, when a threshold or ``n_permutations`` is below 1, ``adjust`` is unknown,
        the wave asked for has no rows, or ``weighted`` finds no usable ``n_teachers``.

    Notes
    -----
    Rows with a missing group label are left out (as R's ``kruskal.test`` does), and so
    are rows without a wave label unless ``wave="all"``; the latest wave is the last in
    category or sorted order of the whole table, so an institution without scores in it
    is not compared (``wave="all"`` or an earlier wave compares it). Rows
    with a missing score still make their group present, so a group without any score
    for a theme stops that theme's tests ("n too small") instead of silently vanishing.
    Groups are taken in sorted order (category order for a categorical column).

    The status of a theme is, in this order: ``"one group"`` with fewer than two groups;
    ``"n too small"`` when a group has fewer than ``min_n`` scores or all groups
    together fewer than ``min_total``; ``"all scores equal"``; otherwise ``"ok"``. Only
    ``"ok"`` themes get statistics; the others get NaN. Pairs are tested only when their
    theme is ``"ok"`` and otherwise carry its status and note: the Holm family is all
    pairs of the theme, so a theme is tested in full or not at all.

    Which p-value ``p`` is follows the module docstring: the chi-squared p-value of H
    from :data:`ASYMPTOTIC_N` scores per group and :data:`ASYMPTOTIC_TOTAL` in all,
    otherwise the permutation p-value of H, exact or Monte Carlo. With two groups H is a
    monotone function of :math:`|U - n_1 n_2 / 2|`, so the permutation p-value of H is
    the two-sided one of U and ``p_u`` equals ``p``. Permutations exchange the scores
    between groups, ties and all; a permuted statistic counts as at least as large as the
    observed one within a relative tolerance of 100 machine epsilons (as
    ``scipy.stats.permutation_test``). The family of ``p_adjusted`` is the themes of the
    call with a p-value (``"ok"``); themes without one are left out, as R's
    ``p.adjust`` leaves out ``NA``.

    With :math:`n` scores in :math:`k` groups and the tie-corrected Kruskal-Wallis
    statistic :math:`H` (df :math:`= k - 1`), the effect sizes of
    Tomczak and Tomczak (2014) are

    .. math::

        \varepsilon^2_R = \frac{H}{(n^2 - 1)/(n + 1)} = \frac{H}{n - 1},
        \qquad
        \eta^2_H = \frac{H - k + 1}{n - k}

    (:math:`\eta^2_H` is NaN when :math:`n = k`).

    The pairwise tests are Mann-Whitney tests; their asymptotic p-value has the normal
    approximation, tie correction and continuity correction (R's ``wilcox.test(x, y,
    exact = FALSE, correct = TRUE)``), and a small pair gets the permutation p-value as
    above; :math:`U` is the statistic of ``group1`` (R's ``W``). The
    p-values of all pairs of one theme are adjusted together by Holm's method, whatever
    the Kruskal-Wallis result; a pair whose scores are all equal gets NaN and is left
    out of the adjustment (as R's ``p.adjust`` treats ``NA``). The rank-biserial
    correlation (Kerby, 2014)

    .. math::

        r_{rb} = \frac{2U}{n_1 n_2} - 1 = P(X_1 > X_2) - P(X_1 < X_2)

    is positive when ``group1`` tends to score higher.

    References
    ----------
    Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate.
    *Journal of the Royal Statistical Society B*, 57(1), 289-300.

    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    *Scandinavian Journal of Statistics*, 6(2), 65-70.

    Kerby, D. S. (2014). The simple difference formula: An approach to teaching
    nonparametric correlation. *Comprehensive Psychology*, 3, 11.IT.3.1.

    Kruskal, W. H., & Wallis, W. A. (1952). Use of ranks in one-criterion variance
    analysis. *Journal of the American Statistical Association*, 47(260), 583-621.

    Phipson, B., & Smyth, G. K. (2010). Permutation p-values should never be zero.
    *Statistical Applications in Genetics and Molecular Biology*, 9(1), 39.

    Tomczak, M., & Tomczak, E. (2014). The need to report effect size estimates
    revisited. An overview of some recommended measures of effect size. *Trends in Sport
    Sciences*, 1(21), 19-25.

    Examples
    --------
    The equivalent R calls are ``kruskal.test(score ~ institution, data)`` and
    ``pairwise.wilcox.test(score, institution, p.adjust.method = "holm", exact = FALSE)``.

    >>> scores = pd.DataFrame({"institution": list("AAAAABBBBB"), "theme": "vision",
    ...                        "score": [1, 2, 2, 3, 3, 3, 4, 4, 5, 5]})
    >>> result = compare_groups(scores)
    >>> row = result.overall.iloc[0]
    >>> row["status"], round(float(row["h"]), 4), round(float(row["epsilon2"]), 4)
    ('ok', 6.0266, 0.6696)
    >>> float(row["u"]), float(row["rank_biserial"])
    (1.0, -0.92)

    Five and five scores are a small sample: ``p`` is exact (252 splits), the
    chi-squared p-value stays in ``p_asymptotic``:

    >>> row["p_method"], round(float(row["p"]), 4), round(float(row["p_asymptotic"]), 4)
    ('exact', 0.0238, 0.0141)
    >>> compare_groups(scores.iloc[3:]).overall.loc[0, ["status", "note"]].tolist()
    ['n too small', 'A has 2 scores (fewer than 3)']

    """
    _check_thresholds(min_n, min_total)
    _check_options(adjust, n_permutations)
    scores, used_wave = _select_wave(scores, wave, wave_col, group)
    extra = ["n_teachers"] if weighted else []
    data = _prepare(scores, [group], theme_col, value, extra)
    overall, pairs = [], []
    for theme, rows in _by(data, [theme_col]):
        samples = _samples(rows, group, value)
        status, note = _status(samples, min_n, min_total)
        test = functools.partial(_rank_p, n_permutations=n_permutations, seed=seed)
        row = _overall_row(samples, status, note, functools.partial(test, key=(theme[0],)))
        row["n_eff"] = _kish_n(rows, value) if weighted else np.nan
        overall.append({theme_col: theme[0], **row})
        for pair in _pairwise_rows(samples, status, note, test, theme[0]) if pairwise else []:
            pairs.append({theme_col: theme[0], **pair})
    overall_table = pd.DataFrame(overall, columns=[theme_col, *GROUP_COLUMNS])
    overall_table["p_adjusted"] = _adjust(overall_table["p"], adjust)
    return GroupComparison(
        overall=overall_table,
        pairwise=pd.DataFrame(pairs, columns=[theme_col, "group1", "group2", *PAIR_COLUMNS]),
        group=group,
        min_n=min_n,
        min_total=min_total,
        wave=used_wave,
        adjust=adjust,
        n_permutations=n_permutations,
        weighted=weighted,
    )


def compare_institutions(
    scores: pd.DataFrame,
    *,
    wave: object = "latest",
    weighted: bool = False,
    min_cell: int = MIN_CELL,
    min_institutions: int = MIN_INSTITUTIONS,
    **options: object,
) -> GroupComparison:
    """:func:`compare_groups` of the institutions under the reports' disclosure rule.

    Per theme of the wave compared, only institutions with at least ``min_cell`` scores
    take part (:func:`readiness_analysis.stats.disclosure.pool`): a small institution is
    left out instead of stopping the test, and its scores cannot be worked back from H or
    p. A theme with fewer than ``min_institutions`` qualifying institutions is not tested
    (``status`` :data:`STATUS_FEW_INSTITUTIONS`, no statistics) and stays out of the
    adjustment family: with two, each institution could learn about the other's scores
    from its own and the test. ``overall`` has two more columns: ``n_excluded`` (scores
    left out) and ``excluded_institutions`` (institutions left out).

    Parameters
    ----------
    scores : DataFrame
        As for :func:`compare_groups`, grouped by ``institution``.
    wave, weighted : optional
        As for :func:`compare_groups`.
    min_cell, min_institutions : int
        :data:`~readiness_analysis.stats.disclosure.MIN_CELL` and
        :data:`~readiness_analysis.stats.disclosure.MIN_INSTITUTIONS`.
    **options
        Passed on to :func:`compare_groups` (``adjust``, ``pairwise``, ``n_permutations``,
        ``seed``, ``min_n``, ``min_total``).

    Examples
    --------
    >>> scores = pd.DataFrame({"institution": list("AAAABBBBCCCCD"), "theme": "vision",
    ...                        "score": [1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 1]})
    >>> row = compare_institutions(scores).overall.iloc[0]
    >>> row["status"], int(row["n_groups"]), int(row["n_excluded"])
    ('ok', 3, 1)
    >>> row = compare_institutions(scores[scores["institution"] != "C"]).overall.iloc[0]
    >>> row["status"], bool(np.isnan(row["h"]))
    ('too few institutions', True)
    """
    _prepare(scores, ["institution"], "theme", "score")  # says what is wrong with the table
    chosen, used = _select_wave(scores, wave, "wave", "institution")
    chosen = chosen.dropna(subset=["institution", "theme"])
    pools, kept, alone = {}, [], set()
    for (theme,), rows in _by(chosen, ["theme"]):
        pools[theme] = pool(rows, rows["score"].notna(), min_n=min_cell,
                            min_institutions=min_institutions)
        if rows["institution"].nunique() < 2:  # "one group": nothing is tested anyway
            alone.add(theme)
            kept.append(rows)
        elif pools[theme].shown:
            kept.append(rows[pools[theme].rows])
    result = compare_groups(pd.concat(kept) if kept else chosen.iloc[:0], "institution",
                            wave="all", weighted=weighted, **options)
    tested = result.overall.set_index("theme")
    rows = []
    for theme, part in pools.items():
        row = (tested.loc[theme].to_dict() if part.shown or theme in alone
               else _withheld_row(part.respondents, part.institutions, min_cell,
                                  min_institutions))
        rows.append({"theme": theme, **row, "n_excluded": part.excluded_respondents,
                     "excluded_institutions": part.excluded_institutions})
    overall = pd.DataFrame(rows, columns=["theme", *GROUP_COLUMNS, "n_excluded",
                                          "excluded_institutions"])
    return dataclasses.replace(result, overall=overall, wave=used)


def _withheld_row(n: int, institutions: int, min_cell: int, min_institutions: int) -> dict:
    """The overall row of a theme that the two-institution rule keeps from testing."""
    row = dict.fromkeys(GROUP_COLUMNS, np.nan)
    row.update(status=STATUS_FEW_INSTITUTIONS, p_method="", n=n, n_groups=institutions,
               smallest=None, note=f"{institutions} institution(s) with at least {min_cell} "
               f"scores (fewer than {min_institutions}): not tested")
    return row


def compare_waves(
    scores: pd.DataFrame,
    institution: str = "institution",
    wave: str = "wave",
    *,
    theme_col: str = "theme",
    value: str = "score",
    min_n: int = MIN_N,
    min_total: int = MIN_TOTAL,
    n_permutations: int = N_PERMUTATIONS,
    seed: int | None = SEED,
) -> pd.DataFrame:
    r"""Compare consecutive waves within each institution, per theme.

    Parameters
    ----------
    scores : DataFrame
        Long scores table with the columns ``institution``, ``wave``, ``theme_col`` and
        ``value``.
    institution, wave : str
        Columns holding the institution and the wave (any sortable labels).
    theme_col : str
        Column holding the theme.
    value : str
        Numeric column holding the score; NaN marks a missing score.
    min_n : int
        Fewest scores each of the two waves must have for a test.
    min_total : int
        Fewest scores the two waves together must have.
    n_permutations, seed
        As :func:`compare_groups`, for pairs small enough for a permutation p-value.

    Returns
    -------
    DataFrame
        One row per institution, theme and pair of consecutive waves: ``institution``,
        ``theme``, ``wave1``, ``wave2``, then :data:`PAIR_COLUMNS`. Empty (with these
        columns) when no institution has two waves.

    Raises
    ------
    ComparisonError
        As :func:`compare_groups`.

    Notes
    -----
    Waves are compared as independent samples (respondents are pseudonymised per wave
    and interviews are not repeated measures), with the Mann-Whitney test, Holm
    adjustment and rank-biserial correlation of :func:`compare_groups`:
    :math:`r_{rb} = 2U/(n_1 n_2) - 1` is positive when ``wave1`` scored higher, so a
    negative value means the later wave scored higher. "Consecutive" means adjacent in
    the sorted waves present for that institution (an institution surveyed in waves 1
    and 3 gets the pair 1-3). The Holm family is the set of pairs of one institution and
    theme. A pair is tested only when each wave has at least ``min_n`` scores and both
    together at least ``min_total``; otherwise ``status = "n too small"``. A pair with a
    wave below :data:`ASYMPTOTIC_N` scores or below :data:`ASYMPTOTIC_TOTAL` together gets
    the exact or permutation p-value of :func:`compare_groups`.

    References
    ----------
    Mann, H. B., & Whitney, D. R. (1947). On a test of whether one of two random
    variables is stochastically larger than the other. *The Annals of Mathematical
    Statistics*, 18(1), 50-60.

    Examples
    --------
    The equivalent R call, per institution and pair of waves, is
    ``wilcox.test(score[wave == 1], score[wave == 2], exact = FALSE, correct = TRUE)``.

    >>> scores = pd.DataFrame({"institution": "A", "theme": "vision",
    ...                        "wave": [1] * 5 + [2] * 5,
    ...                        "score": [1, 2, 2, 3, 3, 3, 4, 4, 5, 5]})
    >>> row = compare_waves(scores).iloc[0]
    >>> float(row["u"]), round(float(row["p_asymptotic"]), 4), float(row["rank_biserial"])
    (1.0, 0.0189, -0.92)
    >>> row["p_method"], round(float(row["p"]), 4)
    ('exact', 0.0238)

    """
    _check_thresholds(min_n, min_total)
    _check_options("holm", n_permutations)
    data = _prepare(scores, [institution, wave], theme_col, value)
    test = functools.partial(_rank_p, n_permutations=n_permutations, seed=seed)
    rows = []
    for (inst, theme), part in _by(data, [institution, theme_col]):
        samples = _samples(part, wave, value)
        pairs = list(itertools.pairwise(samples))
        results = _holm([
            _pair_result(samples, a, b, min_n, min_total,
                         functools.partial(test, key=(inst, theme, a, b)))
            for a, b in pairs
        ])
        for (a, b), result in zip(pairs, results, strict=True):
            rows.append({institution: inst, theme_col: theme, "wave1": a, "wave2": b, **result})
    columns = [institution, theme_col, "wave1", "wave2", *PAIR_COLUMNS]
    return pd.DataFrame(rows, columns=columns)


def model_differences(
    scores: pd.DataFrame,
    theme: str,
    *,
    group: str = "institution",
    wave: str | None = "wave",
    theme_col: str = "theme",
    value: str = "score",
    min_n: int = MIN_MODEL_GROUP_N,
    min_total: int = MIN_MODEL_N,
) -> ModelResult:
    r"""Model one theme's scores by institution (and wave): OLS with HC3 errors.

    Parameters
    ----------
    scores : DataFrame
        Long scores table.
    theme : str
        The theme to model (a value of ``theme_col``).
    group : str
        Column holding the institution (a categorical predictor).
    wave : str or None
        Column holding the wave, added as a categorical predictor when the theme has
        scores from more than one wave; ``None`` leaves it out.
    theme_col : str
        Column holding the theme.
    value : str
        Numeric column holding the score.
    min_n : int
        Fewest scores every institution (and every wave) must have; at least 2.
    min_total : int
        Fewest scores in all.

    Returns
    -------
    ModelResult
        Coefficients with HC3 standard errors, t tests and 95 % intervals, and a Wald
        F test per factor.

    Raises
    ------
    TooFewScoresError
        When an institution or wave has fewer than ``min_n`` scores, or the theme fewer
        than ``min_total`` in all. The message says how many there are: no p-value is
        computed from such data.
    ComparisonError
        For invalid input (as :func:`compare_groups`), an unknown theme, fewer than two
        institutions, scores that are all equal, or institutions and waves so
        confounded that their effects cannot be separated.

    Notes
    -----
    The model is :math:`y_i = \beta_0 + \sum_g \beta_g [\text{group}_i = g] +
    \sum_w \gamma_w [\text{wave}_i = w] + e_i` with treatment contrasts against the
    first level in sorted order (``baseline``), fitted by ordinary least squares. Its
    covariance is HC3 (MacKinnon & White, 1985),

    .. math::

        \widehat V = (X^\top X)^{-1} X^\top
        \operatorname{diag}\!\Bigl(\frac{e_i^2}{(1 - h_{ii})^2}\Bigr) X (X^\top X)^{-1},

    coefficients are tested with :math:`t = b / \mathrm{se}` on the residual degrees of
    freedom, and each factor with the Wald statistic
    :math:`F = (Rb)^\top (R \widehat V R^\top)^{-1} (Rb) / q`
    on :math:`q` and the residual degrees of freedom.

    Why OLS and not an ordinal model: a theme score is the mean of several 1-5 items,
    so it takes many values and differences in it read directly as scale points;
    rounding it to an ordinal category would throw information away, and a
    proportional-odds model (``OrderedModel``, R's ``MASS::polr``) adds a threshold per
    category and fails under the sparse categories and separation that small school
    samples produce. Unequal spread between schools is handled by HC3, recommended for
    samples below 250 (Long & Ervin, 2000).

    The rule for "n allows": every institution (and every wave in the model) present in
    the theme's rows has at least ``min_n`` scores -- an institution whose scores are all
    missing counts with 0, as in :func:`compare_groups` -- and the theme has at least
    ``min_total`` (25, the smallest sample in which Long and Ervin found HC3 tests to
    hold their size). Rows with a missing institution or wave are left out. Levels are
    in sorted order (category order for a categorical column).

    References
    ----------
    Long, J. S., & Ervin, L. H. (2000). Using heteroscedasticity consistent standard
    errors in the linear regression model. *The American Statistician*, 54(3), 217-224.

    MacKinnon, J. G., & White, H. (1985). Some heteroskedasticity-consistent covariance
    matrix estimators with improved finite sample properties. *Journal of Econometrics*,
    29(3), 305-325.

    Examples
    --------
    The equivalent R calls are ``fit <- lm(score ~ institution + factor(wave), data)``,
    ``lmtest::coeftest(fit, vcov. = sandwich::vcovHC(fit, type = "HC3"))`` and
    ``car::linearHypothesis(fit, ..., vcov. = vcovHC(fit, type = "HC3"), test = "F")``.

    >>> scores = pd.DataFrame({"institution": ["A", "B"] * 15, "wave": 1, "theme": "t",
    ...                        "score": [1.0, 3.0, 2.0, 4.0, 3.0, 5.0] * 5})
    >>> result = model_differences(scores, "t")
    >>> result.formula, result.coefficients["estimate"].round(3).tolist()
    ('score ~ institution', [2.0, 2.0])
    >>> model_differences(scores.iloc[:20], "t")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    readiness_analysis.core.errors.TooFewScoresError: a model of score by institution ...

    """
    _check_thresholds(min_n, min_total, smallest=2)
    factors = [group] if wave is None else [group, wave]
    data = _prepare(scores, factors, theme_col, value)
    data = data[data[theme_col] == theme]
    if data[value].isna().all():
        raise ComparisonError(f"no scores for theme {theme!r}", hint="check the theme name")
    if wave is not None and data[wave].nunique() < 2:
        factors = [group]
    _check_model_data(data, factors, theme, value, min_n, min_total)
    return _fit_ols(data.dropna(subset=[value]), factors, theme, value)


# --- input ------------------------------------------------------------------------------


def _check_thresholds(min_n: int, min_total: int, smallest: int = 1) -> None:
    for name, threshold in (("min_n", min_n), ("min_total", min_total)):
        if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer):
            raise ComparisonError(f"{name} must be an integer, not {threshold!r}")
        if threshold < smallest:
            raise ComparisonError(
                f"{name} must be at least {smallest}, got {threshold}",
                hint="the thresholds protect against meaningless p-values",
            )


def _check_options(adjust: str, n_permutations: int) -> None:
    if adjust not in ADJUST_METHODS:
        raise ComparisonError(f"adjust must be one of {', '.join(ADJUST_METHODS)}, "
                              f"not {adjust!r}")
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, int | np.integer):
        raise ComparisonError(f"n_permutations must be an integer, not {n_permutations!r}")
    if n_permutations < 1:
        raise ComparisonError(f"n_permutations must be at least 1, got {n_permutations}",
                              hint=f"the default is {N_PERMUTATIONS}")


def _select_wave(scores: pd.DataFrame, wave: object, wave_col: str,
                 group: str) -> tuple[pd.DataFrame, object]:
    """The rows of the wave asked for, and that wave (see compare_groups)."""
    if not isinstance(scores, pd.DataFrame):
        return scores, None  # _prepare says what is wrong
    if group == wave_col or (isinstance(wave, str) and wave == "all"):
        if group == wave_col and not (isinstance(wave, str) and wave in ("latest", "all")):
            raise ComparisonError(f"wave={wave!r} while comparing the waves themselves",
                                  hint="leave wave at its default when group is the wave")
        return scores, "all"
    if wave_col not in scores.columns:
        if isinstance(wave, str) and wave == "latest":
            return scores, None
        raise ComparisonError(f"scores table lacks column(s): {wave_col}",
                              hint=f"wave={wave!r} needs a wave column")
    present = _ordered_levels(scores[wave_col])
    if isinstance(wave, str) and wave == "latest":
        if not present:
            return scores, None
        wave = present[-1]
    elif wave not in present:
        raise ComparisonError(f"no scores of wave {wave!r}", column=wave_col,
                              hint=f"waves present: {', '.join(map(str, present)) or 'none'}")
    return scores[scores[wave_col] == wave], wave


def _ordered_levels(column: pd.Series) -> list:
    """The labels present in ``column``, in category or sorted order."""
    present = column.dropna().unique()
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [level for level in column.cat.categories if level in set(present)]
    return sorted(present.tolist())


def _prepare(
    scores: pd.DataFrame, factors: Sequence[str], theme_col: str, value: str,
    extra: Sequence[str] = (),
) -> pd.DataFrame:
    """Validate the table; return the needed columns, scores as floats, labelled rows."""
    if not isinstance(scores, pd.DataFrame):
        raise ComparisonError(
            f"scores must be a DataFrame, not {type(scores).__name__}",
            hint="pass the long scores table (one row per respondent and theme)",
        )
    needed = list(dict.fromkeys([*factors, theme_col, value, *extra]))
    missing = [name for name in needed if name not in scores.columns]
    if missing:
        raise ComparisonError(
            f"scores table lacks column(s): {', '.join(map(str, missing))}",
            hint=f"it has {', '.join(map(str, scores.columns))}",
        )
    dtype = scores[value].dtype
    if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        raise ComparisonError(
            f"scores are not numeric (dtype {dtype})",
            column=value,
            hint="convert the scores to numbers first",
        )
    data = scores[needed].copy()
    data[value] = scores[value].to_numpy(dtype="float64", na_value=np.nan)
    if np.isinf(data[value].to_numpy()).any():
        raise ComparisonError("scores contain infinite values", column=value, hint="use NaN")
    return data.dropna(subset=[*factors, theme_col])


def _by(data: pd.DataFrame, keys: list[str]) -> Iterator[tuple[tuple, pd.DataFrame]]:
    """Groups of ``data`` by ``keys`` in sorted (category) order, observed ones only."""
    yield from data.groupby(keys, observed=True, sort=True)


def _samples(rows: pd.DataFrame, group: str, value: str) -> dict:
    """Non-missing scores per group (every group present in ``rows``, sorted).

    The groups' order is that of ``groupby(group, observed=True, sort=True)`` (category
    order for a categorical column) and each group keeps the order of its rows; one
    stable sort of the group codes replaces a sub-frame per group, which with 200
    institutions took most of a comparison's time.
    """
    codes, labels = pd.factorize(rows[group], sort=True)
    if not len(labels):
        return {}
    scores = rows[value].to_numpy(dtype="float64", na_value=np.nan)
    order = np.argsort(codes, kind="stable")
    order = order[codes[order] >= 0]  # a missing label has code -1: no group
    bounds = np.cumsum(np.bincount(codes[order], minlength=len(labels)))[:-1]
    parts = np.split(scores[order], bounds)
    return {label: part[~np.isnan(part)] for label, part in zip(labels.tolist(), parts,
                                                                strict=True)}


# --- sample-size rule -------------------------------------------------------------------


def _status(samples: dict, min_n: int, min_total: int) -> tuple[str, str]:
    """Status and note of a set of groups (see compare_groups, Notes)."""
    if len(samples) < 2:
        only = next(iter(samples), None)
        return STATUS_ONE_GROUP, "no groups" if only is None else f"only {only}: nothing to compare"
    smallest = min(samples, key=lambda label: len(samples[label]))
    if len(samples[smallest]) < min_n:
        return STATUS_TOO_SMALL, (
            f"{smallest} has {_count(len(samples[smallest]))} (fewer than {min_n})"
        )
    total = sum(len(x) for x in samples.values())
    if total < min_total:
        return STATUS_TOO_SMALL, f"n = {total} (fewer than {min_total})"
    if np.unique(np.concatenate(list(samples.values()))).size < 2:
        return STATUS_CONSTANT, "every score is the same; ranks carry no information"
    return STATUS_OK, ""


def _count(n: int) -> str:
    return "1 score" if n == 1 else f"{n} scores"


def _kish_n(rows: pd.DataFrame, value: str) -> float:
    """Kish's effective n of the ``n_teachers`` weights of the rows with a score."""
    scored = rows[value].notna().to_numpy()
    try:
        w = teacher_weights(rows, scored, weighted=True)
    except ValueError as error:
        raise ComparisonError(str(error), column="n_teachers",
                              hint="or compare with weighted=False") from None
    return _effective_n(_Sample(rows[value].to_numpy()[scored], w))


# --- tests ------------------------------------------------------------------------------


_RankTest = Callable[[list[np.ndarray]], tuple[float, str, float]]


def _overall_row(samples: dict, status: str, note: str, test: _RankTest) -> dict:
    sizes = [len(x) for x in samples.values()]
    row = dict.fromkeys(GROUP_COLUMNS, np.nan)
    row.update(
        status=status,
        note=note,
        p_method="",
        n=sum(sizes),
        n_groups=len(sizes),
        min_group_n=min(sizes, default=0),
        smallest=min(samples, key=lambda label: len(samples[label]), default=None),
    )
    if status == STATUS_OK:
        row.update(_kruskal(list(samples.values())))
        row["p_asymptotic"] = row["p"]
        if _small(sizes):
            row["p"], row["p_method"], row["p_mc_se"] = test(list(samples.values()))
        else:
            row["p_method"] = P_ASYMPTOTIC
        if len(samples) == 2:
            mw = _mann_whitney(*samples.values())
            p_u = row["p"] if _small(sizes) else mw["p"]  # H and |U - E U| order alike
            row.update(u=mw["u"], p_u=p_u, rank_biserial=mw["rank_biserial"])
    return row


def _small(sizes: Sequence[int]) -> bool:
    """Whether the groups are too small for the chi-squared (normal) approximation."""
    return min(sizes) < ASYMPTOTIC_N or sum(sizes) < ASYMPTOTIC_TOTAL


def _kruskal(samples: list[np.ndarray]) -> dict:
    """Tie-corrected Kruskal-Wallis H with epsilon-squared and eta-squared(H).

    H as ``scipy.stats.kruskal`` computes it (``12 / (n (n + 1)) sum R_g^2 / n_g -
    3 (n + 1)``, divided by the tie correction ``1 - sum (t^3 - t) / (n^3 - n)``), written
    out because scipy checks and broadcasts every sample on its own, which with 200
    institutions cost a twentieth of a second a theme; the tests check H and p against R.
    Needs at least two groups, each with a score, and two distinct scores (``"ok"``).
    """
    n, k = sum(len(x) for x in samples), len(samples)
    values = np.concatenate(samples)
    _, inverse, ties = np.unique(values, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(ties) - (ties - 1) / 2)[inverse]
    sizes = np.array([len(x) for x in samples])
    sums = np.add.reduceat(ranks, np.r_[0, np.cumsum(sizes)[:-1]])
    h = 12.0 / (n * (n + 1)) * sum((sums**2 / sizes).tolist()) - 3 * (n + 1)
    h /= 1.0 - float(np.sum(ties.astype(float) ** 3 - ties)) / (n**3 - n)
    p = float(special.chdtrc(k - 1, h))
    return {
        "h": float(h),
        "df": k - 1,
        "p": float(p),
        "epsilon2": float(h) / (n - 1),
        "eta2_h": (float(h) - k + 1) / (n - k) if n > k else np.nan,
    }


def _mann_whitney(x: np.ndarray, y: np.ndarray) -> dict:
    """U of ``x``, asymptotic two-sided p with continuity correction, rank-biserial r."""
    result = stats.mannwhitneyu(
        x, y, use_continuity=True, alternative="two-sided", method="asymptotic"
    )
    u = float(result.statistic)
    return {"u": u, "p": float(result.pvalue), "rank_biserial": 2 * u / (len(x) * len(y)) - 1}


def _pair_result(samples: dict, a, b, min_n: int, min_total: int, test: _RankTest) -> dict:
    """Mann-Whitney result of groups ``a`` and ``b``, or their status."""
    pair = {a: samples[a], b: samples[b]}
    status, note = _status(pair, min_n, min_total)
    return _pair_row(pair, status, note, test)


def _pair_row(pair: dict, status: str, note: str, test: _RankTest) -> dict:
    x, y = pair.values()
    row = dict.fromkeys(PAIR_COLUMNS, np.nan)
    row.update(n1=len(x), n2=len(y), status=status, note=note, p_method="")
    if status == STATUS_OK:
        row.update(_mann_whitney(x, y))
        row.update(p_asymptotic=row["p"], p_method=P_ASYMPTOTIC)
        if _small([len(x), len(y)]):
            row["p"], row["p_method"], row["p_mc_se"] = test([x, y])
    return row


def _pairwise_rows(samples: dict, status: str, note: str, test: Callable,
                   theme: object) -> list[dict]:
    """Every pair of groups: tested when the theme is "ok", else carrying its status."""
    pairs = list(itertools.combinations(samples, 2))
    rows = []
    for a, b in pairs:
        pair = {a: samples[a], b: samples[b]}
        pair_test = functools.partial(test, key=(theme, a, b))
        constant = np.unique(np.concatenate([samples[a], samples[b]])).size < 2
        if status == STATUS_OK and constant:
            rows.append(_pair_row(pair, STATUS_CONSTANT, "every score of the pair is the same",
                                  pair_test))
        else:
            rows.append(_pair_row(pair, status, note, pair_test))
    return [
        {"group1": a, "group2": b, **row} for (a, b), row in zip(pairs, _holm(rows), strict=True)
    ]


def _holm(rows: list[dict]) -> list[dict]:
    """Fill ``p_holm`` over the rows with a p-value (NaN ones are left out, as in R)."""
    tested = [i for i, row in enumerate(rows) if not np.isnan(row["p"])]
    if len(tested) == 1:  # a family of one: Holm is the identity
        rows[tested[0]]["p_holm"] = rows[tested[0]]["p"]
    elif tested:
        adjusted = _holm_adjust([rows[i]["p"] for i in tested])
        for i, p in zip(tested, adjusted, strict=True):
            rows[i]["p_holm"] = float(p)
    return rows


def _holm_adjust(p_values: list[float]) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values, as R's ``p.adjust(method="holm")``.

    Written by hand (three lines) because statsmodels' ``multipletests`` runs
    ``gc.collect()`` on every call, which costs 0.1-0.5 s in a process holding pandas,
    scipy and statsmodels; the tests check these values against R.
    """
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order])
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def _bh_adjust(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg (1995) adjusted p-values, as R's ``p.adjust(method="BH")``."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")[::-1]
    ranks = np.arange(len(p), 0, -1)
    stepped = np.minimum.accumulate(p[order] * len(p) / ranks)
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def _adjust(p_values: pd.Series, method: str) -> np.ndarray:
    """Adjusted p-values of the themes with one (NaN ones are left out, as in R)."""
    p = p_values.to_numpy(dtype=float, na_value=np.nan)
    adjusted = np.full(len(p), np.nan)
    tested = ~np.isnan(p)
    if tested.any():
        adjust = _holm_adjust if method == "holm" else _bh_adjust
        adjusted[tested] = adjust(p[tested])
    return adjusted


# --- permutation p-values ---------------------------------------------------------------


def _rank_p(samples: list[np.ndarray], *, key: tuple, n_permutations: int,
            seed: int | None) -> tuple[float, str, float]:
    """Permutation p-value of H: ``(p, method, Monte Carlo standard error)``.

    Exact when the scores split into groups of these sizes in at most
    :data:`EXACT_LIMIT` ways, else Monte Carlo from a generator of ``seed`` and ``key``.
    """
    ranks = _midranks(np.concatenate(samples))
    sizes = [len(x) for x in samples]
    observed = _rank_statistic(ranks[None, :], sizes)[0]
    floor = observed - 100 * np.finfo(float).eps * abs(observed)
    if _n_splits(sizes) <= EXACT_LIMIT:
        null = _rank_statistic(_split_sums(ranks, sizes), None, sizes)
        return float(np.count_nonzero(null >= floor) / len(null)), P_EXACT, 0.0
    rng, order = _rng(seed, key), np.argsort(sizes, kind="stable")  # largest group last
    ranks = np.concatenate([ranks[_block(sizes, g)] for g in order])
    sizes = [sizes[g] for g in order]
    count, done = 0, 0
    batch = max(1, _MAX_BATCH_CELLS // len(ranks))
    while done < n_permutations:
        size = min(batch, n_permutations - done)
        sums = _permuted_sums(ranks, sizes, rng, size)
        count += int(np.count_nonzero(_rank_statistic(sums, None, sizes) >= floor))
        done += size
    p = (count + 1) / (n_permutations + 1)
    return p, P_PERMUTATION, math.sqrt(p * (1 - p) / n_permutations)


def _block(sizes: Sequence[int], g: int) -> slice:
    start = sum(sizes[:g])
    return slice(start, start + sizes[g])


def _permuted_sums(ranks: np.ndarray, sizes: Sequence[int], rng: np.random.Generator,
                   size: int) -> np.ndarray:
    """Rank sums per group (columns) of ``size`` random splits; the last group is largest.

    Up to :data:`_SHUFFLE_ALL_N` scores every row is a shuffle of all ranks; above, only
    the positions of the other groups are drawn (without replacement) and the largest
    group gets the rest, so that a small school among thousands of respondents costs
    little. Both give every split the same chance.
    """
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    if len(ranks) <= _SHUFFLE_ALL_N:
        return np.add.reduceat(rng.permuted(np.tile(ranks, (size, 1)), axis=1), starts, axis=1)
    others = len(ranks) - sizes[-1]
    picked = np.stack([rng.choice(len(ranks), others, replace=False) for _ in range(size)])
    sums = np.add.reduceat(ranks[picked], starts[:-1], axis=1)
    return np.column_stack([sums, ranks.sum() - sums.sum(axis=1)])


def _midranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties getting their mean rank (``scipy.stats.rankdata``, faster here)."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    return ((upper - (counts - 1) / 2)[inverse]).astype(float)


def _rank_statistic(ranks: np.ndarray, sizes: Sequence[int] | None,
                    divisors: Sequence[int] | None = None) -> np.ndarray:
    """``sum R_g^2 / n_g`` per row: H up to a constant that permutations do not change.

    ``ranks`` holds one arrangement per row, the groups in consecutive blocks of
    ``sizes``; with ``sizes=None`` its columns are already the groups' rank sums.
    """
    if sizes is not None:
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        ranks, divisors = np.add.reduceat(ranks, starts, axis=1), sizes
    return (ranks**2 / np.asarray(divisors, dtype=float)).sum(axis=1)


def _n_splits(sizes: Sequence[int]) -> int:
    """Ways to split ``sum(sizes)`` scores into groups of these sizes (multinomial)."""
    left, ways = sum(sizes), 1
    for size in sizes:
        ways *= math.comb(left, size)
        left -= size
    return ways


def _split_sums(ranks: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    """Every split's rank sum per group: one row per split, one column per group."""
    if len(sizes) == 1:
        return np.array([[ranks.sum()]])
    if len(sizes) == 2:
        chosen = np.array(list(itertools.combinations(range(len(ranks)), sizes[0])),
                          dtype=np.intp).reshape(-1, sizes[0])
        first = ranks[chosen].sum(axis=1)
        return np.column_stack([first, ranks.sum() - first])
    blocks = []
    for combo in itertools.combinations(range(len(ranks)), sizes[0]):
        rest = _split_sums(np.delete(ranks, combo), sizes[1:])
        blocks.append(np.column_stack([np.full(len(rest), ranks[list(combo)].sum()), rest]))
    return np.vstack(blocks)


def _rng(seed: int | None, key: tuple) -> np.random.Generator:
    """A test's own generator: ``default_rng([seed, h])``, ``h`` from the test's key."""
    if seed is None:
        return np.random.default_rng()
    text = "|".join(map(str, key))
    digest = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
    return np.random.default_rng([seed, digest])


# --- model ------------------------------------------------------------------------------


def _check_model_data(
    data: pd.DataFrame, factors: list[str], theme: str, value: str, min_n: int, min_total: int
) -> None:
    """Raise unless every level present has ``min_n`` scores and the theme ``min_total``."""
    group = factors[0]
    if data[group].nunique() < 2:
        raise ComparisonError(
            f"theme {theme!r} has scores from one {group} only: nothing to compare",
            hint=f"model_differences needs at least two values of {group!r}",
        )
    need = (
        f"a model of {value} by {' and '.join(factors)} needs at least {min_total} scores "
        f"and at least {min_n} per level; theme {theme!r} has"
    )
    for factor in factors:
        counts = data.groupby(factor, observed=True)[value].count().sort_values(kind="stable")
        if counts.iloc[0] < min_n:
            raise TooFewScoresError(
                f"{need} {_count(int(counts.iloc[0]))} for {factor} {counts.index[0]}",
                hint="report the descriptive statistics instead",
            )
    n = int(data[value].count())
    if n < min_total:
        raise TooFewScoresError(
            f"{need} {n} (fewer than {min_total})",
            hint="report the descriptive statistics instead",
        )
    if data[value].nunique() < 2:
        raise ComparisonError(f"all scores of theme {theme!r} are equal: nothing to model")


def _design(data: pd.DataFrame, factors: list[str]) -> tuple[pd.DataFrame, dict, dict]:
    """Intercept and treatment-coded dummies; baselines and the columns of each factor."""
    columns: dict[str, pd.Series] = {"Intercept": pd.Series(1.0, index=data.index)}
    baseline, terms = {}, {}
    for factor in factors:
        levels = [level for level, _ in data.groupby(factor, observed=True, sort=True)]
        baseline[factor] = levels[0]
        terms[factor] = [f"{factor}[T.{level}]" for level in levels[1:]]
        for level, name in zip(levels[1:], terms[factor], strict=True):
            columns[name] = (data[factor] == level).astype("float64")
    return pd.DataFrame(columns), baseline, terms


def _fit_ols(data: pd.DataFrame, factors: list[str], theme: str, value: str) -> ModelResult:
    design, baseline, terms = _design(data, factors)
    if np.linalg.matrix_rank(design.to_numpy()) < design.shape[1]:
        raise ComparisonError(
            f"in theme {theme!r}, {' and '.join(factors)} are confounded (every wave comes "
            "from other institutions): their effects cannot be separated",
            hint="model one of them (wave=None) or compare waves within an institution",
        )
    fit = sm.OLS(data[value].to_numpy(), design).fit(cov_type="HC3", use_t=True)
    ci = fit.conf_int(alpha=0.05)
    coefficients = pd.DataFrame(
        {
            "term": design.columns,
            "estimate": fit.params.to_numpy(),
            "se": fit.bse.to_numpy(),
            "t": fit.tvalues.to_numpy(),
            "p": fit.pvalues.to_numpy(),
            "ci_low": ci.iloc[:, 0].to_numpy(),
            "ci_high": ci.iloc[:, 1].to_numpy(),
        }
    )
    return ModelResult(
        theme=theme,
        formula=f"{value} ~ {' + '.join(factors)}",
        baseline=baseline,
        n=int(fit.nobs),
        df_resid=float(fit.df_resid),
        r_squared=float(fit.rsquared),
        coefficients=coefficients,
        tests=pd.DataFrame([_wald(fit, design.columns, f, terms[f]) for f in factors]),
    )


def _wald(fit, columns: pd.Index, factor: str, names: list[str]) -> dict:
    """HC3 Wald F test that every coefficient of ``factor`` is zero."""
    restriction = np.array([[float(column == name) for column in columns] for name in names])
    test = fit.wald_test(restriction, use_f=True, scalar=True)
    return {
        "term": factor,
        "f": float(test.statistic),
        "df_num": int(test.df_num),
        "df_den": float(test.df_denom),
        "p": float(test.pvalue),
    }
