"""Network models of change between waves: a mixed model and theme difference-in-differences.

Both work on respondent-level dimension scores
(:func:`strapetsi_lib.analysis.scores.dimension_scores`)
and compare the dataset's latest wave with its first. They are re-exported by
:mod:`strapetsi_lib.analysis.takehold`, which is where the rest of the workbench imports them from.

The design matrices are built with numpy rather than from formulas: the models are the ones the
formulas in the docstrings describe, but building 0/1 columns directly is several times faster
than formula parsing on ~17,000 rows and keeps the column order under our control.

statsmodels and scipy are imported by the functions that fit: the prepare stage fits the
models, while a report, which only reads their results, imports this module (through
:mod:`strapetsi_lib.analysis.takehold`) but neither library, each about a second of every cold
kernel's start and of the batch's fork server's.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from strapetsi_lib.analysis.scores import dimension_scores, long_dimension_scores
from strapetsi_lib.analysis.stats import bh_adjust, pooled_sd, with_fcr_intervals

__all__ = ["MIN_USABLE_DF", "long_scores", "mixed_models", "theme_effects",
           "theme_effects_by_provider"]

LEVEL = 0.95
WAVE_TERM = "wave change"
#: Why a network result has no estimate (the ``reason`` column of :func:`mixed_models`,
#: :func:`theme_effects` and :func:`theme_effects_by_provider`).
TOO_FEW_PROVIDERS = "too_few_providers"
NOT_IDENTIFIED = "not_identified"
MODEL_FAILED = "model_failed"
#: The fewest degrees of freedom a network result's t-test may rest on. With fewer, the
#: providers on one side of the comparison are too few for the interval to be trusted: CR2
#: tests keep their level only roughly below 4 degrees of freedom (Tipton 2015; Pustejovsky and
#: Tipton 2018), and two providers in a theme gave 1.3 degrees of freedom and an interval of
#: -2.13 ... 2.30 on a 1-5 scale. Such a result is reported as "cannot be estimated" with
#: :data:`TOO_FEW_PROVIDERS`; the network change needs ``MIN_USABLE_DF + 1`` providers.
MIN_USABLE_DF = 4.0


def usable_df(df) -> bool | np.ndarray:
    """Whether degrees of freedom are enough for a reported interval (:data:`MIN_USABLE_DF`)."""
    with np.errstate(invalid="ignore"):
        usable = np.asarray(df, dtype=float) >= MIN_USABLE_DF
    return bool(usable) if usable.ndim == 0 else usable


def dimension_sds(long: pd.DataFrame, waves: list[str]) -> dict[str, float]:
    """Each dimension's SD of respondents' scores, pooled over the first and latest wave.

    The yardstick of a network result's standardised size (``effect_size``): a network change
    or theme difference of 0.1 points on a dimension whose scores have SD 0.5 is 0.2, as a
    provider's change is standardised by Hedges' g.
    """
    ends = long[long["wave"].astype(str).isin([waves[0], waves[-1]])]
    out = {}
    for dim, frame in ends.groupby("dimension", observed=True):
        wave = frame["wave"].astype(str)
        out[dim] = pooled_sd(frame.loc[wave == waves[0], "score"],
                             frame.loc[wave == waves[-1], "score"])
    return out


def long_scores(dataset) -> pd.DataFrame:
    """Respondent-level dimension scores in long form (one row per response and dimension).

    ``role`` is categorical in the instrument's order of roles, which the models' role
    columns follow (:func:`_roles_present`).
    """
    long = long_dimension_scores(dimension_scores(dataset.responses, dataset.instrument))
    long["role"] = pd.Categorical(long["role"], categories=dataset.instrument.role_codes)
    return long


def _dummies(values: pd.Series, categories: list) -> np.ndarray:
    """0/1 columns for every category but the first (the reference level)."""
    codes = pd.Categorical(values, categories=categories).codes
    return (codes[:, None] == np.arange(1, len(categories))[None, :]).astype(float)


def _roles_present(frame: pd.DataFrame) -> list[str]:
    """The roles that occur: the largest group first (the reference level), then the others in
    the instrument's order (the categories of a categorical ``role``, else as they occur)."""
    counts = frame["role"].value_counts(sort=False)
    counts = counts[counts > 0]
    if counts.empty:
        return []
    reference = counts.idxmax()  # the first of equally large groups
    return [reference, *[role for role in counts.index if role != reference]]


#: The estimands of the network change: the mean of the providers' changes (each provider
#: counts once; the mixed model with a random wave slope per provider), and the change of the
#: staff of these providers, weighted by their numbers of respondents (provider fixed effects,
#: CR2 standard errors clustered by provider).
PROVIDER_MEAN = "provider_mean"
RESPONDENT_WEIGHTED = "respondent_weighted"


def mixed_models(dataset, scores: pd.DataFrame | None = None,
                 random_slope: bool = True) -> pd.DataFrame:
    """Network-wide change per dimension: the mean change of providers, and the weighted one.

    For each dimension the model is ``score ~ C(wave) + C(role) + (1 + latest | provider)``,
    fitted by REML (statsmodels ``MixedLM``) on every respondent's score at every wave. The wave
    term compares the latest wave with the first, adjusted for the role mix. The random
    intercept lets providers differ in level, and the random slope lets them change by
    different amounts.

    **The estimand**, in one sentence: *how much a provider of a network like this one changes
    on average*, each provider counting about equally whatever its size. The interval allows
    for providers changing by different amounts, so it is an interval for the mean change of
    the population of providers these stand for, not for the mean of exactly these providers'
    changes (for which it would be about twice too wide, because that mean has no
    provider-to-provider uncertainty). A random-intercept-only model answers yet
    another question (the change of the pooled staff) with an interval that ignores
    provider-to-provider variation (``benchmarks/network_change_coverage.py --compare``).

    **Small networks.** The test of the wave term is a t-test on ``G - 1`` degrees of freedom,
    ``G`` the providers with answers at both the first and the latest wave (the units that
    carry the random slope; the containment degrees of freedom, which Kenward–Roger's equal in
    a balanced design), not a normal test, which with 15 providers covers about 0.92 and calls
    a null change certain about 8 % of the time. A network with fewer than
    ``MIN_USABLE_DF + 1`` such providers gets no estimate (:data:`TOO_FEW_PROVIDERS`).

    The respondent-weighted change is given beside it (``weighted_*`` columns): within-provider
    OLS ``score ~ C(wave) + C(role) + C(provider)`` with CR2 standard errors clustered by
    provider and Satterthwaite degrees of freedom (as :func:`theme_effects`).

    Parameters
    ----------
    dataset
        A :class:`~strapetsi_lib.ingest.dataset.Dataset` with at least two waves.
    scores
        Its :func:`long_scores`, if already computed.
    random_slope
        ``False`` fits the random-intercept model only (for comparison in the benchmark).

    Returns
    -------
    pandas.DataFrame
        One row per dimension in instrument order: ``dimension``, ``term`` (``"wave change"``),
        ``estimand`` (:data:`PROVIDER_MEAN`), ``estimate`` (latest minus first wave, scale
        points), ``se``, ``df`` (``G - 1``), ``ci_low``, ``ci_high`` (the
        false-coverage-rate adjusted interval at ``ci_level`` across the dimensions, which
        excludes 0 exactly when the change is statistically certain), ``ci95_low``,
        ``ci95_high``, ``p_value``, ``p_adjusted`` (Benjamini–Hochberg across the
        dimensions), ``effect_size`` (the estimate over the dimension's SD of respondents'
        scores, :func:`dimension_sds`; what the "clear" rule's size threshold is checked
        against), ``weighted_estimate``, ``weighted_ci_low``, ``weighted_ci_high`` (95 %),
        ``weighted_p_value``, ``n_respondents`` (distinct respondents), ``n_responses`` (rows
        in the model), ``n_providers``, ``provider_sd`` (SD of the provider intercepts),
        ``provider_change_sd`` (SD of the providers' changes; NaN without ``random_slope``),
        ``converged`` and ``reason`` (empty, or why there is no estimate). Empty with these
        columns when the dataset has fewer than two waves.

    Notes
    -----
    Respondents who answered at both waves appear twice and the model does not link them.
    On the demo's design (half the providers with about 70 % of respondents returning) its
    standard error still matched the spread of its estimates within about 1 % (150 simulated
    networks of 40 providers, with and without returning respondents).
    """
    columns = ["dimension", "term", "estimand", "estimate", "se", "df", "ci_low", "ci_high",
               "ci_level", "ci95_low", "ci95_high", "p_value", "p_adjusted", "effect_size",
               "weighted_estimate", "weighted_ci_low", "weighted_ci_high", "weighted_p_value",
               "n_respondents", "n_responses", "n_providers", "provider_sd",
               "provider_change_sd", "converged", "reason"]
    waves = dataset.wave_ids
    if len(waves) < 2:
        return pd.DataFrame(columns=columns)
    long = long_scores(dataset) if scores is None else scores
    sds = dimension_sds(long, waves)
    rows = []
    for dim in dataset.instrument.dimension_codes:
        frame = long[long["dimension"] == dim]
        row = {"dimension": dim, "term": WAVE_TERM, "estimand": PROVIDER_MEAN,
               "n_respondents": int(frame[["provider_id", "respondent_id"]].drop_duplicates()
                                    .shape[0]),
               "n_responses": len(frame), "n_providers": int(frame["provider_id"].nunique())}
        row.update(fit_network_change(frame, waves, random_slope))
        if not row.get("reason"):
            row.update(fit_weighted_change(frame, waves))
            row["effect_size"] = row["estimate"] / sds.get(dim, math.nan)
        rows.append(row)
    out = pd.DataFrame(rows).reindex(columns=columns)
    out["reason"] = out["reason"].fillna("")
    out["p_adjusted"] = bh_adjust(out["p_value"].to_numpy(dtype=float))
    return with_fcr_intervals(out).reindex(columns=columns)


def providers_at_both_ends(frame: pd.DataFrame, waves: list[str]) -> int:
    """How many providers have answers at both the first and the latest wave."""
    ends = frame[frame["wave"].astype(str).isin([waves[0], waves[-1]])]
    return int((ends.groupby("provider_id", observed=True)["wave"].nunique() == 2).sum())


def _change_design(frame: pd.DataFrame, waves: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """Wave dummies (latest wave last) and role dummies, or None without first and latest."""
    present = [w for w in waves if (frame["wave"].astype(str) == w).any()]
    if waves[0] not in present or waves[-1] not in present or frame["provider_id"].nunique() < 2:
        return None
    # Only the waves that have answers get a column, so a wave skipped by everyone on this
    # dimension cannot make the design singular; the latest wave's column is the last one.
    return (_dummies(frame["wave"].astype(str), present),
            _dummies(frame["role"], _roles_present(frame)))


def fit_network_change(frame: pd.DataFrame, waves: list[str], random_slope: bool = True) -> dict:
    """The mixed model of :func:`mixed_models` for one dimension's long scores.

    Returns ``estimate``, ``se``, ``df`` (``G - 1``, :func:`providers_at_both_ends`),
    ``ci_low``, ``ci_high`` (95 %), ``p_value`` (t-test), ``provider_sd``,
    ``provider_change_sd``, ``converged`` and ``reason`` (empty, or :data:`TOO_FEW_PROVIDERS`
    when ``G - 1`` is under :data:`MIN_USABLE_DF` / :data:`MODEL_FAILED`, with NaN numbers).
    """
    from scipy import stats as sps
    design = _change_design(frame, waves)
    df = providers_at_both_ends(frame, waves) - 1.0
    if design is None or not usable_df(df):
        return {"reason": TOO_FEW_PROVIDERS}
    from statsmodels.regression.mixed_linear_model import MixedLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, SingularMatrixWarning

    wave_x, role_x = design
    exog = np.column_stack([np.ones(len(frame)), wave_x, role_x])
    exog_re = np.column_stack([np.ones(len(frame)), wave_x[:, -1]]) if random_slope else None
    model = MixedLM(frame["score"].to_numpy(), exog, groups=frame["provider_id"].to_numpy(),
                    exog_re=exog_re)
    try:
        with warnings.catch_warnings():
            # A boundary fit (no provider variance) is a legitimate answer, reported as SD 0;
            # a standard error it cannot give is caught below.
            for warning in (ConvergenceWarning, SingularMatrixWarning, RuntimeWarning):
                warnings.simplefilter("ignore", warning)
            result = model.fit(reml=True, method=["bfgs", "powell"])
            k = wave_x.shape[1]
            estimate, se = float(result.fe_params[k]), float(result.bse_fe[k])
    except (np.linalg.LinAlgError, ValueError):
        # A design the data cannot support must not stop every report: the dimension is
        # reported as not estimated, with the reason.
        return {"converged": False, "reason": MODEL_FAILED}
    if not math.isfinite(se) or se <= 0:
        return {"converged": False, "reason": MODEL_FAILED}
    quantile = sps.t.ppf((1 + LEVEL) / 2, df)
    cov_re = np.atleast_2d(np.asarray(result.cov_re, dtype=float))
    return {"estimate": estimate, "se": se, "df": df,
            "ci_low": estimate - quantile * se, "ci_high": estimate + quantile * se,
            "p_value": float(2 * sps.t.sf(abs(estimate / se), df)),
            "provider_sd": math.sqrt(max(cov_re[0, 0], 0.0)),
            "provider_change_sd": (math.sqrt(max(cov_re[1, 1], 0.0)) if random_slope
                                   else math.nan),
            "converged": bool(result.converged), "reason": ""}


def fit_weighted_change(frame: pd.DataFrame, waves: list[str]) -> dict:
    """The respondent-weighted change of one dimension: provider fixed effects, CR2 by provider.

    Returns ``weighted_estimate``, ``weighted_ci_low``, ``weighted_ci_high`` (95 %,
    Satterthwaite degrees of freedom) and ``weighted_p_value``; empty when not estimable.
    """
    from scipy import stats as sps
    design = _change_design(frame, waves)
    if design is None:
        return {}
    wave_x, role_x = design
    groups = pd.Categorical(frame["provider_id"].to_numpy()).codes
    table = pd.DataFrame(np.column_stack([frame["score"].to_numpy(), wave_x, role_x]))
    within = (table - table.groupby(groups).transform("mean")).to_numpy()
    estimable, basis = estimable_columns(within[:, 1:])
    latest = wave_x.shape[1] - 1
    if not estimable[latest]:
        return {}
    exog = within[:, 1:][:, basis]
    target = int(np.searchsorted(basis, latest))
    params = np.linalg.solve(exog.T @ exog, exog.T @ within[:, 0])
    se, df = _cr2_satterthwaite(exog, within[:, 0] - exog @ params, groups, [target])
    estimate = float(params[target])
    half = float(sps.t.ppf((1 + LEVEL) / 2, df[0]) * se[0])
    return {"weighted_estimate": estimate, "weighted_ci_low": estimate - half,
            "weighted_ci_high": estimate + half,
            "weighted_p_value": float(2 * sps.t.sf(abs(estimate / se[0]), df[0]))}


#: The columns of :func:`theme_effects` and :func:`theme_effects_by_provider`.
THEME_EFFECT_COLUMNS = ["dimension", "theme", "estimate", "se", "df", "ci_low", "ci_high",
                        "ci_level", "ci95_low", "ci95_high", "p_value", "p_adjusted",
                        "effect_size", "n_providers_in_theme", "n_providers_other", "reason"]


def theme_effects(dataset, scores: pd.DataFrame | None = None,
                  small_sample: bool = True) -> pd.DataFrame:
    """Difference-in-differences: extra change at providers taking part in a theme.

    For each dimension one OLS regression on respondent-level scores::

        score ~ C(wave) + C(role) + C(provider) + sum over themes t of latest_wave × in_theme[t]

    with standard errors clustered by provider. The coefficient of ``latest_wave ×
    in_theme[t]`` is the change from the first to the latest wave at providers taking part in
    theme *t* minus the change at providers not taking part, in scale points.

    Why this specification:

    * **Provider fixed effects** instead of an ``in_theme`` main effect: each provider is
      compared with itself, so providers' different levels, and their different numbers of
      respondents at the two waves, cannot leak into the estimate. The theme main effect is
      absorbed by the provider effects.
    * **All themes in one model** instead of one theme at a time: providers take part in one
      to three themes, so the participants of one theme include many participants of the
      others. Fitted one theme at a time, a theme would be credited with part of another
      theme's effect whenever its participants happen to share that other theme more often
      than the rest do. In the joint model each theme is compared with the non-participants
      with the other themes held fixed.
    * **Clustering by provider**: staff of one provider share that provider's change, so the
      independent unit is the provider, not the respondent.
    * **Small-sample correction** (CR2 with Satterthwaite degrees of freedom, Bell and
      McCaffrey 2002; Pustejovsky and Tipton 2018): providers differ a lot in size, so a few
      large ones carry much of the comparison and the ordinary cluster sandwich (statsmodels'
      ``cov_type="cluster"``, CR1 with ``G - 1`` degrees of freedom) is too confident. In
      simulations from the demo's model (``benchmarks/coverage.py``, 100 networks, all 24
      dimension × theme pairs) the 95 % intervals covered the planted effect 0.930 of the
      time with CR1 and 0.955 with CR2 at 81 providers (CR2 intervals 8 % wider), and 0.870
      against 0.965 at 20 providers.

    Parameters
    ----------
    dataset
        A :class:`~strapetsi_lib.ingest.dataset.Dataset` with at least two waves.
    scores
        Its :func:`long_scores`, if already computed.
    small_sample
        CR2 standard errors with Satterthwaite degrees of freedom (default); ``False`` gives
        statsmodels' plain cluster-robust ones, for comparison.

    Returns
    -------
    pandas.DataFrame
        One row per dimension and theme that some provider takes part in (both in instrument
        order):
        ``dimension``, ``theme``, ``estimate``, ``ci_low``, ``ci_high`` (false-coverage-rate
        adjusted at ``ci_level`` across all dimensions × themes, so that an interval excludes
        0 exactly when the difference is clear), ``ci95_low``, ``ci95_high``, ``p_value``,
        ``p_adjusted`` (Benjamini–Hochberg across all dimensions × themes),
        ``n_providers_in_theme`` and ``n_providers_other`` (providers with answers at both the
        first and the latest wave, which are the ones that carry the comparison),
        ``effect_size`` (the estimate over the dimension's SD of respondents' scores,
        :func:`dimension_sds`). ``se`` and ``df`` are the CR2 standard error and Satterthwaite
        degrees of freedom (for the multiplicity-adjusted intervals of the reports). A theme
        with fewer than two such providers on either side, or whose degrees of freedom fall
        under :data:`MIN_USABLE_DF` (a side has too few providers for a usable interval), gets
        NaN and the reason :data:`TOO_FEW_PROVIDERS`. ``reason`` is empty where
        there is an estimate, else :data:`TOO_FEW_PROVIDERS` or :data:`NOT_IDENTIFIED` (the
        design cannot tell the theme apart from the other themes and the network's change,
        e.g. every provider takes part in exactly one theme; see :func:`estimable_columns`).
        Empty with these columns when the dataset has fewer than two waves or no provider takes
        part in a theme.
    """
    inputs = _theme_inputs(dataset, scores)
    if inputs is None:
        return pd.DataFrame(columns=THEME_EFFECT_COLUMNS)
    waves, long, membership, themes = inputs
    rows = []
    for dim in dataset.instrument.dimension_codes:
        frame = long[long["dimension"] == dim]
        ends = frame[frame["wave"].astype(str).isin([waves[0], waves[-1]])]
        n_ends = ends.groupby("provider_id")["wave"].nunique()
        carried = membership.reindex(n_ends.index[n_ends.to_numpy() == 2]).fillna(False)
        counts, usable = _theme_sides(carried.astype(bool), themes)
        estimates = (_did_fit(frame, waves, membership, usable, small_sample) if usable
                     else {})
        rows += _theme_rows(dim, themes, estimates, counts)
    return _theme_table(rows, dimension_sds(long, waves))


def theme_effects_by_provider(dataset, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sensitivity check of :func:`theme_effects`: every provider counts once.

    For each dimension, each provider's change is its mean score at the latest wave minus its
    mean at the first (providers with at least ``min_group_size`` scores at both), and one OLS
    regression of these changes on the theme indicators (all themes together, with an
    intercept) gives each theme's difference in change. Its standard errors are the same CR2
    ones as the main model's with every provider its own cluster (HC2, robust to providers'
    changes being known with different precision), with Satterthwaite degrees of freedom and
    the same :data:`MIN_USABLE_DF`. Unlike the respondent-level model, a large provider weighs
    no more than a small one and the role mix is not adjusted for; where the two analyses
    agree, a theme result does not hinge on a few large providers.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`theme_effects` (intervals FCR-adjusted across all dimension ×
        theme pairs, ``reason`` where a theme cannot be estimated), with
        ``n_providers_in_theme`` and ``n_providers_other`` counting the providers used.
    """
    inputs = _theme_inputs(dataset, scores)
    if inputs is None:
        return pd.DataFrame(columns=THEME_EFFECT_COLUMNS)
    waves, long, membership, themes = inputs
    ends = long[long["wave"].astype(str).isin([waves[0], waves[-1]])]
    stats = (ends.assign(wave=ends["wave"].astype(str))
             .groupby(["dimension", "provider_id", "wave"], observed=True)["score"]
             .agg(["count", "mean"]).unstack("wave"))
    rows = []
    for dim in dataset.instrument.dimension_codes:
        block = stats.loc[dim] if dim in stats.index.get_level_values(0) else None
        change = pd.Series(dtype=float)
        if block is not None and ("count", waves[-1]) in block and ("count", waves[0]) in block:
            enough = ((block[("count", waves[0])] >= dataset.min_group_size)
                      & (block[("count", waves[-1])] >= dataset.min_group_size))
            change = (block[("mean", waves[-1])] - block[("mean", waves[0])])[enough]
        member = membership.reindex(change.index).fillna(False).astype(bool)
        counts, usable = _theme_sides(member, themes)
        fits = _provider_level_fit(change.to_numpy(dtype=float),
                                   member[usable].to_numpy(dtype=float), usable)
        rows += _theme_rows(dim, themes, fits, counts)
    return _theme_table(rows, dimension_sds(long, waves))


def _theme_inputs(dataset, scores: pd.DataFrame | None
                  ) -> tuple[list[str], pd.DataFrame, pd.DataFrame, list[str]] | None:
    """What both theme analyses start from: the waves, the long scores, the providers' theme
    membership and the themes some provider takes part in; ``None`` when the dataset has fewer
    than two waves or no provider takes part in a theme."""
    waves = dataset.wave_ids
    membership = dataset.theme_membership()
    # a theme no provider takes part in has nothing to compare; without any, no analysis
    themes = [theme for theme in membership.columns if membership[theme].any()]
    if len(waves) < 2 or not themes:
        return None
    long = long_scores(dataset) if scores is None else scores
    return waves, long, membership, themes


def _theme_sides(member: pd.DataFrame, themes: list[str]
                 ) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Providers in and out of each theme, and the themes with at least two on each side."""
    counts = {t: (int(member[t].sum()), int((~member[t]).sum())) for t in themes}
    return counts, [t for t in themes if min(counts[t]) >= 2]


def _theme_rows(dimension: str, themes: list[str], fits: dict,
                counts: dict[str, tuple[int, int]]) -> list[dict]:
    """One row per theme of a dimension; a theme without a fit gets its reason."""
    return [{"dimension": dimension, "theme": theme,
             **fits.get(theme, {"reason": TOO_FEW_PROVIDERS}),
             "n_providers_in_theme": counts[theme][0], "n_providers_other": counts[theme][1]}
            for theme in themes]


def _theme_table(rows: list[dict], sds: dict[str, float]) -> pd.DataFrame:
    """The theme rows as a table, standardised by the dimensions' SDs (``sds``), BH-adjusted
    and with FCR intervals across all of them."""
    out = pd.DataFrame(rows).reindex(columns=THEME_EFFECT_COLUMNS)
    out["effect_size"] = out["estimate"] / out["dimension"].map(sds).astype(float)
    out["p_adjusted"] = bh_adjust(out["p_value"].to_numpy(dtype=float))
    return with_fcr_intervals(out).reindex(columns=THEME_EFFECT_COLUMNS)


def _provider_level_fit(change: np.ndarray, member: np.ndarray,
                        themes: list[str]) -> dict[str, dict]:
    """OLS of provider changes on an intercept and theme indicators, HC2 standard errors with
    Satterthwaite degrees of freedom; see :func:`theme_effects_by_provider`."""
    if not themes:
        return {}
    exog = np.column_stack([np.ones(change.size), member])
    estimable, basis = estimable_columns(exog)
    results = {t: {"reason": NOT_IDENTIFIED} for i, t in enumerate(themes)
               if not estimable[i + 1]}
    if change.size - basis.size < 1:
        return {t: {"reason": TOO_FEW_PROVIDERS} for t in themes}
    x = exog[:, basis]
    params = np.linalg.solve(x.T @ x, x.T @ change)
    wanted = {theme: int(np.searchsorted(basis, i + 1)) for i, theme in enumerate(themes)
              if estimable[i + 1]}
    if not wanted:
        return results
    # every provider its own cluster: CR2 is HC2, and its Satterthwaite degrees of freedom fall
    # when one side of a theme has few providers, as the main model's do
    se, df = _cr2_satterthwaite(x, change - x @ params, np.arange(change.size),
                                list(wanted.values()))
    for (theme, j), err, dof in zip(wanted.items(), se, df, strict=True):
        results[theme] = _t_result(float(params[j]), float(err), float(dof))
    return results


def _t_result(estimate: float, se: float, df: float) -> dict:
    """A network result's estimate, 95 % interval and p-value from a t-test on ``df`` degrees
    of freedom, or :data:`TOO_FEW_PROVIDERS` when ``df`` is under :data:`MIN_USABLE_DF`."""
    from scipy import stats as sps
    if not usable_df(df) or not se > 0:
        return {"reason": TOO_FEW_PROVIDERS}
    half = float(sps.t.ppf((1 + LEVEL) / 2, df)) * se
    return {"estimate": estimate, "se": se, "df": df, "ci_low": estimate - half,
            "ci_high": estimate + half, "p_value": float(2 * sps.t.sf(abs(estimate / se), df)),
            "reason": ""}


def _did_fit(frame: pd.DataFrame, waves: list[str], membership: pd.DataFrame,
             themes: list[str], small_sample: bool) -> dict[str, dict]:
    """Fit the fixed-effects DiD of one dimension; estimate, interval and p-value per theme.

    The provider fixed effects are removed by demeaning every column within provider
    (Frisch–Waugh–Lovell), which gives exactly the coefficients of the regression with provider
    dummies while solving a system of a dozen columns instead of a hundred. The coefficients
    come from statsmodels' OLS; the cluster-robust standard errors and degrees of freedom are
    those of :func:`_cr2_satterthwaite`, or statsmodels' ``cov_type="cluster"`` (CR1 with
    ``G - 1`` degrees of freedom) without ``small_sample``.
    """
    providers = frame["provider_id"].to_numpy()
    groups = pd.Categorical(providers).codes
    wave_x = _dummies(frame["wave"].astype(str), waves)
    member = membership.reindex(providers)[themes].fillna(False).to_numpy(dtype=float)
    # Every later wave gets its own theme interactions, so that with three or more waves the
    # latest-wave contrast is not mixed with the middle waves; the latest wave's are reported.
    interactions = np.column_stack([wave_x[:, [j]] * member for j in range(wave_x.shape[1])])
    raw = np.column_stack([frame["score"].to_numpy(), interactions, wave_x,
                           _dummies(frame["role"], _roles_present(frame))])
    table = pd.DataFrame(raw)
    within = (table - table.groupby(groups).transform("mean")).to_numpy()
    keep = np.abs(within[:, 1:]).max(axis=0) > 1e-12  # a role no provider varies in drops out
    first = (wave_x.shape[1] - 1) * len(themes)  # the latest wave's block of interactions
    estimable, basis = estimable_columns(within[:, 1:][:, keep])
    # Columns the data cannot separate from the others are left out of the fit: the
    # coefficients that *are* estimable, and their CR2 variances, do not depend on which
    # generalised inverse is used, so fitting on a full-rank basis gives exactly their values.
    column = np.full(keep.size, -1)
    column[np.flatnonzero(keep)] = np.arange(keep.sum())
    results: dict[str, dict] = {}
    wanted, names = [], []
    for i, theme in enumerate(themes):
        j = column[first + i]
        if j < 0 or not estimable[j]:
            results[theme] = {"reason": NOT_IDENTIFIED}
            continue
        wanted.append(int(np.searchsorted(basis, j)))
        names.append(theme)
    exog = within[:, 1:][:, keep][:, basis]
    if not names:
        return results
    if not small_sample:
        import statsmodels.api as sm

        result = sm.OLS(within[:, 0], exog).fit(cov_type="cluster", cov_kwds={"groups": groups},
                                                use_t=True)
        se = result.bse[wanted]
        df = np.full(len(wanted), len(np.unique(groups)) - 1.0)
        estimate = result.params[wanted]
    else:
        # Normal equations: a dozen well-conditioned columns, and the inverse is the bread of
        # the sandwich anyway (statsmodels' pinv would add an SVD of the whole design).
        params = np.linalg.solve(exog.T @ exog, exog.T @ within[:, 0])
        se, df = _cr2_satterthwaite(exog, within[:, 0] - exog @ params, groups, wanted)
        estimate = params[wanted]
    for i, theme in enumerate(names):
        results[theme] = _t_result(float(estimate[i]), float(se[i]), float(df[i]))
    return results


def estimable_columns(exog: np.ndarray, tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """Which coefficients of a linear model the design can identify, and a full-rank basis.

    Parameters
    ----------
    exog
        The design matrix (rows = observations).
    tol
        Relative size below which a singular value counts as zero.

    Returns
    -------
    (estimable, basis)
        ``estimable[j]`` is True when coefficient ``j`` is estimable, i.e. the unit vector
        ``e_j`` lies in the row space of ``exog`` (every null-space vector has a zero ``j``-th
        entry); ``basis`` lists column indices (ascending) of a full-rank subset that contains
        every estimable column, chosen greedily in column order.

    Notes
    -----
    A rank-deficient design is a real pattern in a network: when every provider takes part in
    exactly one theme, the theme indicators add up to the provider's constant, so within
    providers the theme interactions add up to the wave contrast and no theme effect can be
    told apart from the network's overall change. Fitting such a design would raise
    ``LinAlgError``; checking first lets the report say which effect cannot be estimated.
    """
    exog = np.asarray(exog, dtype=float)
    k = exog.shape[1]
    if k == 0:
        return np.zeros(0, bool), np.zeros(0, int)
    gram = exog.T @ exog
    scale = np.sqrt(np.clip(np.diag(gram), 1e-300, None))
    values, vectors = np.linalg.eigh(gram / np.outer(scale, scale))
    null = vectors[:, values < tol * max(values.max(), 1.0)]
    estimable = (np.abs(null) < 1e-6).all(axis=1) if null.size else np.ones(k, bool)
    rank = k - null.shape[1]
    basis: list[int] = []
    for j in [*np.flatnonzero(estimable), *np.flatnonzero(~estimable)]:
        trial = [*basis, int(j)]
        if np.linalg.matrix_rank(exog[:, trial]) == len(trial):
            basis = trial
        if len(basis) == rank:
            break
    return estimable, np.array(sorted(basis), dtype=int)


def _cr2_satterthwaite(exog: np.ndarray, resid: np.ndarray, groups: np.ndarray,
                       wanted: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """CR2 cluster-robust standard errors with Satterthwaite degrees of freedom.

    Bell and McCaffrey (2002) and Pustejovsky and Tipton (2018): each cluster's residuals are
    scaled by ``(I - H_gg)^(-1/2)`` before the sandwich is formed, which removes the downward
    bias of the ordinary cluster sandwich when clusters differ much in size, and each
    coefficient's t-test gets the Satterthwaite degrees of freedom of its variance estimate
    (under independent, equal-variance working errors), which are smaller than ``G - 1`` when a
    few clusters carry the comparison. ``exog`` and ``resid`` are within-cluster demeaned; with
    fixed effects nested in the clusters this gives the same adjustment as the full dummy
    regression (Pustejovsky and Tipton 2018, section 3), because every vector involved is
    orthogonal to the cluster's constant.

    Returns the standard errors and degrees of freedom of the coefficients ``wanted``.
    """
    bread = np.linalg.inv(exog.T @ exog)
    root = np.linalg.cholesky(bread)  # bread = root @ root.T
    order = np.argsort(groups, kind="stable")
    bounds = np.flatnonzero(np.diff(groups[order])) + 1
    contrasts = bread[:, wanted]  # M c for each wanted coefficient c = e_j
    scores, u_norms, a_vectors = [], [], []
    for index in np.split(order, bounds):
        x_g, e_g = exog[index], resid[index]
        # H_gg = B B' with B = X_g root; its nonzero eigenpairs come from the k x k B'B.
        b = x_g @ root
        s2, v = np.linalg.eigh(b.T @ b)
        nonzero = s2 > 1e-12
        s2 = s2[nonzero]
        u = (b @ v[:, nonzero]) / np.sqrt(s2)
        gap = 1.0 - s2
        # A_g = (I - H_gg)^(-1/2) = I + U diag(1 / sqrt(1 - s²) - 1) U'; a direction with
        # leverage 1 (s² = 1) gets the Moore-Penrose inverse, i.e. is dropped.
        factor = np.where(gap > 1e-10, 1.0 / np.sqrt(np.clip(gap, 1e-10, None)), 0.0) - 1.0
        both = np.column_stack([e_g, x_g @ contrasts])
        both = both + u @ (factor[:, None] * (u.T @ both))
        scores.append(x_g.T @ both[:, 0])
        adjusted = both[:, 1:]  # A_g X_g M c, one column per coefficient
        u_norms.append((adjusted**2).sum(axis=0))
        a_vectors.append(x_g.T @ adjusted)  # k x wanted
    scores = np.array(scores)
    variance = np.diag(bread @ (scores.T @ scores) @ bread)[wanted]
    u_norms = np.array(u_norms)  # G x wanted
    a_all = np.stack(a_vectors)  # G x k x wanted
    df = np.empty(len(wanted))
    for j in range(len(wanted)):
        a = a_all[:, :, j]  # G x k
        # Gram matrix of the Satterthwaite vectors: diag(u_g'u_g) - a_g' M a_h.
        gram = np.diag(u_norms[:, j]) - a @ bread @ a.T
        df[j] = np.trace(gram) ** 2 / (gram**2).sum()
    return np.sqrt(variance), df
