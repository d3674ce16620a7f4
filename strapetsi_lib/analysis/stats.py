"""Small statistical building blocks: reliability, effect sizes, intervals, ranks and tests.

Every function here is pure (no I/O, no global state), works on plain numpy arrays or pandas
objects, and drops missing values (NaN) itself, so a notebook can pass columns straight in.
Where a result cannot be computed (too few observations, no variation) the function returns NaN
rather than raising, because a provider with two respondents must still get a report.

The formulas follow well-known reference implementations so that numbers can be checked
against them: R's ``p.adjust`` and ``t.test``, pingouin's ``cronbach_alpha`` and
``compute_effsize``, and the Wilson score interval as in Newcombe (1998). The tests in
``tests/test_stats.py`` compare against published outputs of those.

scipy is imported inside the functions that use it: provider reports import this module for its
rules (``CLEAR_ALPHA``, ``verdict``) but read the computed statistics, so their kernels, and the
batch's kernel server, start without scipy (docs/architecture.md §7).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = [
    "CERTAIN_BUT_SMALL",
    "CLEAR",
    "CLEAR_ALPHA",
    "MIN_CLEAR_EFFECT",
    "MeanCI",
    "NOT_CLEAR",
    "NOT_TESTED",
    "bh_adjust",
    "bh_adjust_by",
    "change_test",
    "cronbach_alpha",
    "fcr_intervals",
    "fcr_level",
    "is_certain",
    "is_clear",
    "grouped_mean_ci",
    "hedges_g",
    "mean_ci",
    "percentile_rank",
    "percentile_ranks",
    "pooled_sd",
    "quartile_of",
    "quartiles_of",
    "standardised_difference",
    "t_test_against",
    "verdict",
    "wilson_interval",
    "with_fcr_intervals",
]


def _clean(values: ArrayLike) -> np.ndarray:
    """Values as a 1-D float array with NaN removed."""
    arr = np.asarray(values, dtype=float).ravel()
    return arr[~np.isnan(arr)]


#: A standard deviation this small (relative to the values) is no variation at all: every
#: answer alike. Sums of equal floats need not cancel to exactly 0.
_NO_VARIATION = 1e-12


def _varies(sd, scale=1.0):
    """Whether a standard deviation shows any variation (elementwise for arrays)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(sd, dtype=float) > _NO_VARIATION * np.maximum(1.0, np.abs(scale))


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be between 0 and 1, got {level!r}")


# --------------------------------------------------------------------------- reliability


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha of a set of items, with listwise deletion.

    Parameters
    ----------
    items
        One column per item, one row per respondent. Reverse-keyed items must already be
        reversed (see :func:`strapetsi_lib.analysis.scores.reverse_scored`), otherwise alpha is
        understated.

    Returns
    -------
    float
        ``k / (k - 1) * (1 - sum of item variances / variance of the total score)``,
        computed from the covariance matrix of the complete rows. NaN when fewer than two
        items or fewer than two complete rows remain, or when the total score does not vary.

    Notes
    -----
    Rows with any missing item are dropped (listwise deletion, pingouin's
    ``nan_policy='listwise'`` and R ``psych::alpha(use="complete.obs")``), so that every
    variance and covariance comes from the same respondents.
    """
    complete = items.dropna(axis=0, how="any")
    n, k = complete.shape
    if k < 2 or n < 2:
        return math.nan
    cov = np.cov(complete.to_numpy(dtype=float), rowvar=False, ddof=1)
    total_var = cov.sum()
    if not total_var > 0:
        return math.nan
    return float(k / (k - 1) * (1.0 - np.trace(cov) / total_var))


# --------------------------------------------------------------------------- effect sizes


def hedges_g(x: ArrayLike, y: ArrayLike) -> float:
    """Hedges' g: the standardised mean difference ``mean(x) - mean(y)``, bias-corrected.

    Parameters
    ----------
    x, y
        The two samples; NaNs are dropped from each separately.

    Returns
    -------
    float
        ``d * (1 - 3 / (4 * (nx + ny) - 9))`` where ``d`` is Cohen's d with the pooled
        standard deviation ``sqrt(((nx-1) sx² + (ny-1) sy²) / (nx + ny - 2))``. This is
        exactly pingouin's ``compute_effsize(x, y, eftype='hedges')``. The factor is the usual
        approximation ``1 - 3 / (4 df - 1)`` of Hedges' exact correction ``J(df)`` with
        ``df = nx + ny - 2``. NaN when either sample has fewer than two values or the pooled
        standard deviation is zero.

    Notes
    -----
    With equal sample sizes the pooled SD equals ``sqrt((sx² + sy²) / 2)``, so for two waves
    of the same respondents this is also pingouin's paired ``d_avg``-based g (Cumming 2012).
    """
    xs, ys = _clean(x), _clean(y)
    nx, ny = xs.size, ys.size
    sd = pooled_sd(xs, ys)
    if not sd > 0:
        return math.nan
    d = (xs.mean() - ys.mean()) / sd
    return float(d * (1.0 - 3.0 / (4.0 * (nx + ny) - 9.0)))


def pooled_sd(x: ArrayLike, y: ArrayLike) -> float:
    """The pooled standard deviation of two samples, the yardstick of :func:`hedges_g`.

    ``sqrt(((nx-1) sx² + (ny-1) sy²) / (nx + ny - 2))``; NaNs are dropped; NaN when either
    sample has fewer than two values.
    """
    xs, ys = _clean(x), _clean(y)
    nx, ny = xs.size, ys.size
    if nx < 2 or ny < 2:
        return math.nan
    return math.sqrt(((nx - 1) * xs.var(ddof=1) + (ny - 1) * ys.var(ddof=1)) / (nx + ny - 2))


Numeric = float | np.ndarray | pd.Series


def standardised_difference(group_mean: Numeric, network_mean: Numeric,
                            network_sd: Numeric) -> Numeric:
    """How far a group's mean lies from the network mean, in network standard deviations.

    Used to rank a provider's strengths and areas to develop across items on different
    scales. Works elementwise on scalars, numpy arrays or pandas Series (a Series in gives a
    Series out).

    Returns
    -------
    ``(group_mean - network_mean) / network_sd``, NaN where the network SD is zero, negative
    or missing (an item everyone answers alike has no meaningful standardised distance).
    """
    sd = np.asarray(network_sd, dtype=float)
    safe_sd = np.where(sd > 0, sd, np.nan)
    if safe_sd.ndim == 0:
        safe_sd = float(safe_sd)
    return (group_mean - network_mean) / safe_sd


# --------------------------------------------------------------------------- multiple testing


def bh_adjust(pvalues: ArrayLike) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values, as R's ``p.adjust(p, method = "BH")``.

    Parameters
    ----------
    pvalues
        Raw p-values in [0, 1]; NaN marks a test that could not be made.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order. NaN positions are passed through unchanged and
        do not count towards the number of tests ``m`` (R evaluates its default
        ``n = length(p)`` after dropping NAs). For sorted p-values
        ``p_(1) <= ... <= p_(m)`` the adjusted value is ``min(1, min_{j >= i} m p_(j) / j)``.
        With a single test the p-value is returned as is, as R does.
    """
    p = np.asarray(pvalues, dtype=float)
    shape = p.shape
    p = p.ravel()
    out = p.copy()
    observed = ~np.isnan(p)
    q = p[observed]
    if np.any((q < 0) | (q > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    m = q.size
    if m <= 1:
        return out.reshape(shape)
    # R: i <- lp:1; o <- order(p, decreasing = TRUE); pmin(1, cummin(n / i * p[o]))[order(o)]
    order = np.argsort(-q, kind="stable")
    ranks = np.arange(m, 0, -1)
    adjusted = np.minimum(1.0, np.minimum.accumulate(m / ranks * q[order]))
    result = np.empty(m)
    result[order] = adjusted
    out[observed] = result
    return out.reshape(shape)


# --------------------------------------------------------------------------- the "clear" rule

#: The error rate behind every verdict of the reports: a result is *statistically certain*
#: when its Benjamini–Hochberg adjusted p-value (within its family: one provider's dimensions,
#: one provider's items at one wave, the network's dimensions, or all dimension × theme pairs)
#: is below this, i.e. the false discovery rate of the certain results is kept at 5 %. The
#: interval printed beside the verdict is the matching false-coverage-rate interval
#: (:func:`fcr_intervals`), which excludes 0 exactly when the result is certain.
CLEAR_ALPHA = 0.05
#: The size a statistically certain result must reach before the reports call it *clear*
#: ("selvä", "tydlig"): a standardised effect of at least this, in either direction (Hedges' g
#: of a provider's change, the standardised difference of an item from the network, a network
#: change or theme difference over the SD of respondents' scores). 0.2 is Cohen's "small".
MIN_CLEAR_EFFECT = 0.2
#: A hair of tolerance, so that 0.2 computed as 0.19999999999 still counts as 0.2.
_EFFECT_TOLERANCE = 1e-9

#: The verdicts of :func:`verdict`: certain and at least :data:`MIN_CLEAR_EFFECT`; certain
#: but smaller; tested and not certain; no test could be made (too few answers, no variation).
CLEAR, CERTAIN_BUT_SMALL, NOT_CLEAR, NOT_TESTED = (
    "clear", "certain_but_small", "not_clear", "not_tested")


def is_certain(p_adjusted: ArrayLike, alpha: float = CLEAR_ALPHA) -> bool | np.ndarray:
    """Whether a result is statistically certain: its BH-adjusted p-value is below ``alpha``.

    NaN (no test could be made) is never certain. Scalars give a bool, arrays a bool array.
    """
    p = np.asarray(p_adjusted, dtype=float)
    with np.errstate(invalid="ignore"):
        certain = ~np.isnan(p) & (p < alpha)
    return bool(certain) if certain.ndim == 0 else certain


def verdict(p_adjusted: ArrayLike, effect: ArrayLike,
            alpha: float = CLEAR_ALPHA) -> str | np.ndarray:
    """The one rule behind "clear" in every report: :data:`CLEAR`, :data:`CERTAIN_BUT_SMALL`,
    :data:`NOT_CLEAR` or :data:`NOT_TESTED`.

    Parameters
    ----------
    p_adjusted
        Benjamini–Hochberg adjusted p-values within the result's family; NaN where no test
        could be made.
    effect
        The standardised effect of each result (signed; only its size counts). A certain
        result whose size is unknown (NaN) is not shown to reach :data:`MIN_CLEAR_EFFECT`,
        so it is certain but not clear.
    alpha
        The false discovery rate.

    Returns
    -------
    str or numpy.ndarray
        A result is clear when it is certain (:func:`is_certain`) *and* ``|effect|`` is at
        least :data:`MIN_CLEAR_EFFECT` (inclusive). Scalars give a str, arrays an object array.
    """
    p = np.asarray(p_adjusted, dtype=float)
    size = np.abs(np.asarray(effect, dtype=float))
    p, size = np.broadcast_arrays(p, size)
    certain = np.asarray(is_certain(p, alpha))
    with np.errstate(invalid="ignore"):
        big = size >= MIN_CLEAR_EFFECT - _EFFECT_TOLERANCE
    out = np.full(p.shape, NOT_CLEAR, dtype=object)
    out[np.isnan(p)] = NOT_TESTED
    out[certain] = CERTAIN_BUT_SMALL
    out[certain & big] = CLEAR
    return str(out[()]) if out.ndim == 0 else out


def is_clear(p_adjusted: ArrayLike, effect: ArrayLike,
             alpha: float = CLEAR_ALPHA) -> bool | np.ndarray:
    """Whether :func:`verdict` calls a result clear. Scalars give a bool, arrays a bool array."""
    clear = np.asarray(verdict(p_adjusted, effect, alpha)) == CLEAR
    return bool(clear) if clear.ndim == 0 else clear


def bh_adjust_by(table: pd.DataFrame, family: str | list[str] | None,
                 column: str = "p_value") -> np.ndarray:
    """:func:`bh_adjust` of ``table[column]`` within each family (``None``: one family).

    Returns the adjusted p-values in the table's row order.
    """
    if family is None:
        return bh_adjust(table[column].to_numpy(dtype=float))
    return (table.groupby(family, sort=False, observed=True)[column]
            .transform(lambda p: bh_adjust(p.to_numpy(dtype=float))).to_numpy(dtype=float))


def fcr_level(p_adjusted: ArrayLike, alpha: float = CLEAR_ALPHA) -> float:
    """Confidence level of a family's false-coverage-rate adjusted intervals.

    Benjamini and Yekutieli (2005): when ``R`` of ``m`` results are selected by the BH
    procedure at level ``alpha``, intervals at level ``1 - R * alpha / m`` for the selected ones
    keep the false coverage rate at ``alpha``. The reports print intervals at this level for
    *every* result of the family, with ``R`` replaced by ``max(R, 1)`` (when nothing is
    selected, the level ``1 - alpha / m`` of a single selection), so that an interval excludes
    zero exactly when its result is certain (:func:`is_certain`): a selected result has
    ``p <= R alpha / m`` and a result not selected has ``p > R alpha / m`` (otherwise BH would
    have selected it).

    Parameters
    ----------
    p_adjusted
        The family's BH-adjusted p-values (:func:`bh_adjust`); NaN entries are not tests and
        do not count in ``m``.

    Returns
    -------
    float
        The level, e.g. 0.9917 for one certain result among six; NaN when the family has no
        test.
    """
    p = np.asarray(p_adjusted, dtype=float).ravel()
    return float(_family_levels(p, np.zeros(p.size, dtype=int), alpha)[0]) if p.size else math.nan


def _family_levels(p_adjusted: np.ndarray, families: np.ndarray, alpha: float) -> np.ndarray:
    """:func:`fcr_level` of every family at once: one level per family code (0, 1, ...)."""
    tested = ~np.isnan(p_adjusted)
    m = np.bincount(families, weights=tested.astype(float))
    selected = np.bincount(families, weights=np.asarray(is_certain(p_adjusted, alpha),
                                                        dtype=float), minlength=m.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m > 0, 1.0 - np.maximum(selected, 1) * alpha / m, np.nan)


def _fcr_bounds(estimate: ArrayLike, se: ArrayLike, df: ArrayLike, p_adjusted: ArrayLike,
                families: np.ndarray, alpha: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds and level of every row's FCR interval, its family given by an integer code."""
    from scipy import stats as sps
    est = np.asarray(estimate, dtype=float)
    err = np.asarray(se, dtype=float)
    p = np.asarray(p_adjusted, dtype=float)
    dfs = np.asarray(df, dtype=float)
    level = _family_levels(p, families, alpha)[families] if p.size else np.zeros(0)
    dfs = np.where(np.isnan(dfs), np.inf, dfs)
    with np.errstate(invalid="ignore"):
        quantile = sps.t.ppf(1 - (1 - level) / 2, dfs)
        tested = ~np.isnan(p) & (err > 0)
    low = np.where(tested, est - quantile * err, np.nan)
    high = np.where(tested, est + quantile * err, np.nan)
    return low, high, level


def fcr_intervals(estimate: ArrayLike, se: ArrayLike, df: ArrayLike, p_adjusted: ArrayLike,
                  alpha: float = CLEAR_ALPHA) -> tuple[np.ndarray, np.ndarray, float]:
    """The family's intervals at the :func:`fcr_level`, from estimates and standard errors.

    Parameters
    ----------
    estimate, se
        Estimates and their standard errors, one per result of the family.
    df
        Degrees of freedom of each test's t distribution; ``inf`` (or NaN) for a normal test.
        They must be those that gave the p-values, for intervals and verdicts to agree.
    p_adjusted
        The family's BH-adjusted p-values.

    Returns
    -------
    (low, high, level)
        Arrays of bounds and the level used. The bounds are NaN where no test was made
        (``p_adjusted`` NaN) or the SE is not positive: an interval of a result without
        variation would collapse to a point ("3,5–3,5") and claim a precision nobody measured.
    """
    p = np.asarray(p_adjusted, dtype=float).ravel()
    low, high, _ = _fcr_bounds(np.ravel(estimate), np.ravel(se), np.ravel(df), p,
                               np.zeros(p.size, dtype=int), alpha)
    return low, high, fcr_level(p, alpha)


def with_fcr_intervals(table: pd.DataFrame, family: str | list[str] | None = None,
                       alpha: float = CLEAR_ALPHA) -> pd.DataFrame:
    """Replace ``ci_low``/``ci_high`` by the family's FCR-adjusted intervals.

    The 95 % intervals are kept as ``ci95_low``/``ci95_high``; ``ci_level`` is the level of
    the adjusted ones (:func:`fcr_level`). ``table`` needs
    ``estimate``, ``se``, ``df`` (``inf`` for normal tests) and ``p_adjusted``; ``family``
    names the column(s) whose values form the families (``None``: the whole table is one).
    Vectorised over the families.
    """
    out = table.copy()
    out["ci95_low"], out["ci95_high"] = out["ci_low"], out["ci_high"]
    families = (np.zeros(len(out), dtype=int) if family is None else
                out.groupby(family, sort=False, observed=True, dropna=False).ngroup()
                .to_numpy())
    low, high, level = _fcr_bounds(out["estimate"], out["se"], out["df"], out["p_adjusted"],
                                   families, alpha)
    out["ci_low"], out["ci_high"], out["ci_level"] = low, high, level
    return out


# --------------------------------------------------------------------------- intervals


class MeanCI(NamedTuple):
    """A mean with its t-based confidence interval."""

    mean: float
    ci_low: float
    ci_high: float
    n: int
    sd: float


def mean_ci(values: ArrayLike, level: float = 0.95) -> MeanCI:
    """Mean with a t-based confidence interval (as R's one-sample ``t.test``).

    Parameters
    ----------
    values
        Observations; NaNs are dropped.
    level
        Confidence level.

    Returns
    -------
    MeanCI
        ``mean ± t_{(1+level)/2, n-1} · sd / sqrt(n)``. With no values every field but ``n``
        is NaN; with one value the mean is that value and sd and the interval are NaN; with
        no variation (every value alike) the interval is NaN too: a point "3,5–3,5" would
        claim a precision that the data cannot show.
    """
    from scipy import stats as sps
    _check_level(level)
    xs = _clean(values)
    n = int(xs.size)
    if n == 0:
        return MeanCI(math.nan, math.nan, math.nan, 0, math.nan)
    mean = float(xs.mean())
    if n == 1:
        return MeanCI(mean, math.nan, math.nan, 1, math.nan)
    sd = float(xs.std(ddof=1))
    if not _varies(sd, mean):
        return MeanCI(mean, math.nan, math.nan, n, sd)
    half = float(sps.t.ppf((1 + level) / 2, n - 1)) * sd / math.sqrt(n)
    return MeanCI(mean, mean - half, mean + half, n, sd)


def grouped_mean_ci(frame: pd.DataFrame, by: Sequence[str], value: str,
                    level: float = 0.95) -> pd.DataFrame:
    """:func:`mean_ci` for every group of ``frame`` at once.

    Parameters
    ----------
    frame
        Long table, e.g. one row per respondent and dimension.
    by
        Grouping columns (e.g. ``["provider_id", "wave", "dimension"]``). Rows with a missing
        key are left out; for categorical keys only observed combinations are returned.
    value
        Column to summarise; NaNs are not counted.
    level
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, n, mean, sd, se, ci_low, ci_high``, one row per group, sorted by the
        keys. Groups with fewer than two values have NaN sd, se and interval; groups whose
        values are all alike have NaN interval (as :func:`mean_ci`).
    """
    from scipy import stats as sps
    _check_level(level)
    by = list(by)
    agg = (frame.groupby(by, observed=True, sort=True)[value]
           .agg(n="count", mean="mean", sd="std")
           .reset_index())
    n = agg["n"].to_numpy(dtype=float)
    # t quantile per group in one call; df < 1 gives NaN, which propagates to the interval.
    with np.errstate(invalid="ignore", divide="ignore"):
        t = sps.t.ppf((1 + level) / 2, np.where(n >= 2, n - 1, np.nan))
        se = agg["sd"].to_numpy(dtype=float) / np.sqrt(n)
    agg["n"] = agg["n"].astype("int64")
    agg["se"] = se
    half = np.where(_varies(agg["sd"], agg["mean"]), t * se, np.nan)
    agg["ci_low"] = agg["mean"] - half
    agg["ci_high"] = agg["mean"] + half
    return agg[[*by, "n", "mean", "sd", "se", "ci_low", "ci_high"]]


def wilson_interval(successes: ArrayLike, n: ArrayLike, level: float = 0.95
                    ) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion (without continuity correction).

    Parameters
    ----------
    successes, n
        Counts; scalars or arrays that broadcast together.
    level
        Confidence level.

    Returns
    -------
    (low, high)
        Floats for scalar input, arrays otherwise. NaN where ``n == 0``. The bounds are
        ``(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with ``p = successes / n``
        (Wilson 1927; method 3 in Newcombe 1998), clipped to [0, 1] against rounding,
        and exactly 0 / 1 when there are no / only successes.
    """
    from scipy import stats as sps
    _check_level(level)
    k = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    if np.any(k < 0) or np.any(k > m):
        raise ValueError("successes must lie between 0 and n")
    z = float(sps.norm.ppf((1 + level) / 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        valid = m > 0
        m_safe = np.where(valid, m, np.nan)
        p = k / m_safe
        denom = 1 + z**2 / m_safe
        centre = (p + z**2 / (2 * m_safe)) / denom
        half = z * np.sqrt(p * (1 - p) / m_safe + z**2 / (4 * m_safe**2)) / denom
    low = np.clip(centre - half, 0.0, 1.0)
    high = np.clip(centre + half, 0.0, 1.0)
    # The bounds are exactly 0 (no successes) and 1 (all successes); rounding can miss them
    # by one ulp, which would print as 99,99... % instead of 100 %.
    low = np.where(valid & (k == 0), 0.0, low)
    high = np.where(valid & (k == m), 1.0, high)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


# --------------------------------------------------------------------------- ranks


def percentile_rank(value: float, values: ArrayLike) -> float:
    """Percentile rank of ``value`` among ``values``, in percent.

    The share of ``values`` strictly below ``value`` plus half the share equal to it (the
    "mean" definition, ``scipy.stats.percentileofscore(kind="mean")``), so a provider in the
    middle of the network gets 50 however many ties there are. NaNs in ``values`` are
    ignored; a NaN ``value`` or no values give NaN.
    """
    xs = _clean(values)
    if xs.size == 0 or value is None or np.isnan(value):
        return math.nan
    below = np.count_nonzero(xs < value)
    equal = np.count_nonzero(xs == value)
    return float(100.0 * (below + 0.5 * equal) / xs.size)


def percentile_ranks(values: ArrayLike) -> np.ndarray:
    """Percentile rank (as :func:`percentile_rank`) of every value among all the values.

    Vectorised through average ranks: ``100 * (rank - 0.5) / n``. NaNs stay NaN and are not
    counted in ``n``.
    """
    from scipy import stats as sps
    arr = np.asarray(values, dtype=float)
    out = np.full(arr.shape, np.nan)
    observed = ~np.isnan(arr)
    n = int(observed.sum())
    if n:
        ranks = sps.rankdata(arr[observed], method="average")
        out[observed] = 100.0 * (ranks - 0.5) / n
    return out


def quartile_of(percentile: float) -> int:
    """Quartile (1 = lowest … 4 = highest) of a percentile rank in [0, 100].

    Quartile 1 is [0, 25), 2 is [25, 50), 3 is [50, 75) and 4 is [75, 100].
    """
    if percentile is None or np.isnan(percentile) or not 0 <= percentile <= 100:
        raise ValueError(f"percentile must lie in [0, 100], got {percentile!r}")
    return min(4, int(percentile // 25) + 1)


def quartiles_of(percentiles: ArrayLike) -> pd.arrays.IntegerArray:
    """:func:`quartile_of` for many percentiles; NaN gives a missing value (``<NA>``)."""
    arr = np.asarray(percentiles, dtype=float)
    if np.any((arr < 0) | (arr > 100)):
        raise ValueError("percentiles must lie in [0, 100]")
    missing = np.isnan(arr)
    q = np.minimum(4, np.floor(np.where(missing, 0, arr) / 25) + 1).astype("int64")
    return pd.arrays.IntegerArray(q, missing)


# --------------------------------------------------------------------------- tests of means


def t_test_against(mean: ArrayLike, sd: ArrayLike, n: ArrayLike,
                   reference: ArrayLike) -> pd.DataFrame:
    """One-sample t-tests of group means against fixed reference values, vectorised.

    As R's ``t.test(x, mu = reference)`` for each group, from its summary statistics.

    Parameters
    ----------
    mean, sd, n
        Each group's mean, standard deviation (``ddof=1``) and number of values.
    reference
        The value each mean is compared with.

    Returns
    -------
    pandas.DataFrame
        ``estimate`` (mean minus reference), ``se``, ``df`` (``n - 1``) and ``p_value``
        (two-sided), one row per group. ``se``, ``df`` and ``p_value`` are NaN with fewer
        than two values or no variation (nothing is tested: see :func:`change_test`).
    """
    from scipy import stats as sps
    mean, sd, n, reference = np.broadcast_arrays(*(np.asarray(a, dtype=float)
                                                   for a in (mean, sd, n, reference)))
    tested = (n >= 2) & _varies(sd, mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(tested, sd / np.sqrt(n), np.nan)
        df = np.where(tested, n - 1, np.nan)
        estimate = mean - reference
        p_value = 2 * sps.t.sf(np.abs(estimate / se), df)
    return pd.DataFrame({"estimate": estimate, "se": se, "df": df,
                         "p_value": np.where(tested, p_value, np.nan)})


# --------------------------------------------------------------------------- change tests


def change_test(before: ArrayLike, after: ArrayLike, paired: bool,
                level: float = 0.95) -> dict:
    """Change from one wave to the next, with a t-based interval, p-value and Hedges' g.

    Parameters
    ----------
    before, after
        Scores at the earlier and later wave. For ``paired=True`` they are aligned arrays of
        the same respondents (same length, same order); a pair with either value missing is
        dropped. Otherwise they are independent samples and NaNs are dropped from each.
    paired
        Paired t-test on the differences (R ``t.test(after, before, paired = TRUE)``) or
        Welch's unequal-variance t-test (R ``t.test(after, before)``).
    level
        Confidence level of the interval.

    Returns
    -------
    dict
        ``estimate`` (mean of after minus mean of before), ``se`` and ``df`` (of the t
        test), ``ci_low``, ``ci_high``,
        ``p_value`` (two-sided), ``hedges_g`` (:func:`hedges_g` of after against before:
        pooled-SD standardisation in both designs, so paired and independent changes are on
        the same scale), ``n_before``, ``n_after`` and ``test`` (``"paired t"`` or
        ``"Welch t"``). The estimate needs one value per side; the interval and p-value need
        two (and some variation), otherwise they are NaN: with no variation at all
        nothing is tested and no interval is given (``se`` is then 0).
    """
    from scipy import stats as sps
    _check_level(level)
    b = np.asarray(before, dtype=float).ravel()
    a = np.asarray(after, dtype=float).ravel()
    if paired:
        if a.size != b.size:
            raise ValueError("paired change_test needs before and after of the same length")
        keep = ~(np.isnan(a) | np.isnan(b))
        a, b = a[keep], b[keep]
        diff = a - b
        n = diff.size
        estimate = float(diff.mean()) if n else math.nan
        se = float(diff.std(ddof=1)) / math.sqrt(n) if n >= 2 else math.nan
        df = n - 1.0
        test = "paired t"
    else:
        a, b = _clean(a), _clean(b)
        na, nb = a.size, b.size
        estimate = float(a.mean() - b.mean()) if na and nb else math.nan
        if na >= 2 and nb >= 2:
            va, vb = a.var(ddof=1) / na, b.var(ddof=1) / nb
            se = math.sqrt(va + vb)
            # Welch–Satterthwaite degrees of freedom; undefined when neither side varies.
            df = ((va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1)) if _varies(se)
                  else math.nan)
        else:
            se, df = math.nan, math.nan
        test = "Welch t"

    if math.isnan(se) or not _varies(se):
        ci_low = ci_high = p_value = math.nan
    else:
        t_stat = estimate / se
        p_value = float(2 * sps.t.sf(abs(t_stat), df))
        half = float(sps.t.ppf((1 + level) / 2, df)) * se
        ci_low, ci_high = estimate - half, estimate + half

    return {
        "estimate": estimate,
        "se": float(se),
        "df": float(df),
        "ci_low": float(ci_low),
        "ci_high": float(ci_high),
        "p_value": float(p_value),
        "hedges_g": hedges_g(a, b),
        "n_before": int(b.size),
        "n_after": int(a.size),
        "test": test,
    }
