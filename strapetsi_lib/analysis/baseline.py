"""Baseline analysis (lähtötilanneanalyysi): network-wide tables, vectorised over all providers.

Each function takes the tidy tables of a dataset and returns one aggregated table covering every
provider, so that the prepare stage computes them once and a provider report only reads its rows.
No table here holds respondent-level data.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from strapetsi_lib.analysis.stats import (
    bh_adjust_by,
    cronbach_alpha,
    grouped_mean_ci,
    is_clear,
    quartiles_of,
    t_test_against,
    verdict,
    with_fcr_intervals,
)
from strapetsi_lib.ingest.instrument import Instrument


def respondents_by_role(responses: pd.DataFrame, providers: pd.DataFrame,
                        roles: list[str]) -> pd.DataFrame:
    """Respondents per provider, wave and role, with every role present (0 where none).

    Parameters
    ----------
    roles
        The instrument's role codes, in its order.

    Returns
    -------
    DataFrame
        ``provider_id, wave, role, n``.
    """
    counts = responses.groupby(["provider_id", "wave", "role"], observed=False).size()
    full = pd.MultiIndex.from_product(
        [providers["provider_id"], responses["wave"].cat.categories, list(roles)],
        names=["provider_id", "wave", "role"])
    counts = counts.reindex(full, fill_value=0).rename("n").reset_index()
    counts["wave"] = pd.Categorical(counts["wave"], categories=responses["wave"].cat.categories,
                                    ordered=True)
    return counts


def response_rates(responses: pd.DataFrame, providers: pd.DataFrame) -> pd.DataFrame:
    """Respondents and response rate (respondents / ``staff_count``) per provider and wave.

    The rate is NaN where the provider's staff count is not known; it is not capped at 100 %,
    so an impossible rate shows that the staff count is out of date.
    """
    n = responses.groupby(["provider_id", "wave"], observed=False).size().rename("n")
    table = n.reset_index().merge(providers[["provider_id", "staff_count"]], on="provider_id")
    table["response_rate"] = table["n"] / table["staff_count"].astype("Float64")
    table["response_rate"] = table["response_rate"].astype(float)
    return table[["provider_id", "wave", "n", "staff_count", "response_rate"]]


def distinct_respondents(responses: pd.DataFrame) -> pd.DataFrame:
    """Per provider, the people who answered in any wave, each once (``n_persons``).

    A respondent is known across waves by the pseudonymous ``respondent_id``, so someone who
    answered the baseline and the follow-up is one person with two responses; a dataset whose
    exports carry no id numbers each response (nobody is linked) and counts every response.
    """
    persons = responses.groupby("provider_id", observed=True)["respondent_id"].nunique()
    return persons.rename("n_persons").reset_index()


def dimension_means(long_scores: pd.DataFrame) -> pd.DataFrame:
    """Mean dimension score with 95 % CI per provider, wave and dimension.

    Parameters
    ----------
    long_scores
        ``provider_id, wave, role, dimension, score`` (one row per respondent and dimension).
    """
    return grouped_mean_ci(long_scores, ["provider_id", "wave", "dimension"], "score")


def network_dimension_means(long_scores: pd.DataFrame) -> pd.DataFrame:
    """Network average per wave and dimension over all respondents, with a clustered 95 % CI.

    Staff of one provider answer alike, so the respondents are not independent: the interval
    of the network mean is clustered by provider (CR2 standard error with Satterthwaite degrees
    of freedom, the intercept-only case of the theme models). The naive interval over
    respondents would be several times too narrow (demo: ±0.013 against ±0.07–0.11).

    Returns
    -------
    DataFrame
        ``wave, dimension, n, mean, sd, se, ci_low, ci_high`` (``se`` and the interval
        clustered), ``df`` (Satterthwaite), ``n_providers``, ``icc`` (intraclass correlation
        within providers, one-way ANOVA estimator, floored at 0) and ``design_effect`` (the
        clustered variance of the mean over the naive one, ``(se / (sd / sqrt(n)))²``).
    """
    table = grouped_mean_ci(long_scores, ["wave", "dimension"], "score")
    extra = []
    for (wave, dim), block in long_scores.groupby(["wave", "dimension"], observed=True):
        extra.append({"wave": wave, "dimension": dim, **clustered_mean(
            block["score"].to_numpy(dtype=float), block["provider_id"].to_numpy())})
    extra = pd.DataFrame(extra)
    if extra.empty:
        return table.assign(df=np.nan, n_providers=0, icc=np.nan, design_effect=np.nan)
    table = table.drop(columns=["se", "ci_low", "ci_high"]).merge(
        extra, on=["wave", "dimension"], how="left")
    naive_var = table["sd"] ** 2 / table["n"]
    table["design_effect"] = table["se"] ** 2 / naive_var
    return table[["wave", "dimension", "n", "mean", "sd", "se", "ci_low", "ci_high", "df",
                  "n_providers", "icc", "design_effect"]]


def clustered_mean(values: np.ndarray, clusters: np.ndarray, level: float = 0.95) -> dict:
    """Mean of ``values`` with a CR2 interval clustered by ``clusters``, and the ICC.

    Returns ``se``, ``ci_low``, ``ci_high``, ``df``, ``n_providers`` and ``icc``; NaN
    numbers with fewer than two clusters.
    """
    from scipy import stats as sps

    from strapetsi_lib.analysis.network_models import _cr2_satterthwaite

    keep = ~np.isnan(values)
    values, clusters = values[keep], clusters[keep]
    codes = pd.Categorical(clusters).codes
    n_clusters = int(codes.max()) + 1 if codes.size else 0
    nan = {"se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "df": np.nan,
           "n_providers": n_clusters, "icc": np.nan}
    if n_clusters < 2:
        return nan
    mean = values.mean()
    se, df = _cr2_satterthwaite(np.ones((values.size, 1)), values - mean, codes, [0])
    half = float(sps.t.ppf((1 + level) / 2, df[0]) * se[0])
    return {"se": float(se[0]), "ci_low": mean - half, "ci_high": mean + half,
            "df": float(df[0]), "n_providers": n_clusters, "icc": icc_anova(values, codes)}


def icc_anova(values: np.ndarray, codes: np.ndarray) -> float:
    """Intraclass correlation by the one-way ANOVA estimator (unequal cluster sizes).

    ``(MSB - MSW) / (MSB + (n0 - 1) MSW)`` with ``n0 = (N - sum n_g² / N) / (G - 1)``
    (Donner 1986), floored at 0; NaN when it cannot be computed.
    """
    sizes = np.bincount(codes)
    sizes_pos = sizes[sizes > 0]
    n, g = values.size, sizes_pos.size
    if g < 2 or n <= g:
        return float("nan")
    cluster_means = np.bincount(codes, weights=values) / np.maximum(sizes, 1)
    means = cluster_means[sizes > 0]
    grand = values.mean()
    msb = float((sizes_pos * (means - grand) ** 2).sum() / (g - 1))
    msw = float(((values - cluster_means[codes]) ** 2).sum() / (n - g))
    n0 = (n - (sizes_pos**2).sum() / n) / (g - 1)
    denom = msb + (n0 - 1) * msw
    return float(max(0.0, (msb - msw) / denom)) if denom > 0 else float("nan")


def dimension_ranks(means: pd.DataFrame, min_group_size: int,
                    lower_is_better: Iterable[str] = ()) -> pd.DataFrame:
    """Each provider's place among all providers, per wave and dimension.

    Only providers with at least ``min_group_size`` respondents in the dimension are ranked. The
    percentile is the share of ranked providers with a worse result plus half of those level
    with it (itself included), in percent: a mid-rank, so the middle provider gets 50 and the
    best one of 20 gets 97.5. The quartile follows the one rule of
    :func:`strapetsi_lib.analysis.stats.quartile_of` (quartile 4 is the best quarter,
    [75, 100]).

    Parameters
    ----------
    lower_is_better
        Dimensions where a lower mean is the better result (ranked the other way round).

    Returns
    -------
    DataFrame
        ``provider_id, wave, dimension, mean, percentile, quartile, n_providers``.
    """
    ranked = means.loc[means["n"] >= min_group_size,
                       ["provider_id", "wave", "dimension", "mean"]].copy()
    flip = ranked["dimension"].isin(list(lower_is_better))
    goodness = ranked["mean"].where(~flip, -ranked["mean"])
    groups = goodness.groupby([ranked["wave"], ranked["dimension"]], observed=True)
    size = groups.transform("size")
    # average rank r counts those below plus (ties + 1) / 2, so r - 0.5 = below + ties / 2
    ranked["percentile"] = 100 * (groups.rank(method="average") - 0.5) / size
    ranked["quartile"] = quartiles_of(ranked["percentile"].to_numpy()).astype(int)
    ranked["n_providers"] = size
    return ranked.reset_index(drop=True)


def role_dimension_means(long_scores: pd.DataFrame) -> pd.DataFrame:
    """Mean dimension score per provider, wave, role and dimension (``n, mean``)."""
    grouped = long_scores.groupby(["provider_id", "wave", "role", "dimension"], observed=True)
    return grouped["score"].agg(n="count", mean="mean").reset_index()


def leader_staff_gap(long_scores: pd.DataFrame, min_group_size: int,
                     leader: str | None) -> pd.DataFrame:
    """Leaders' mean minus other staff's mean per provider, wave and dimension.

    Parameters
    ----------
    leader
        The role that is the leadership (the instrument's); ``None`` gives an empty table.

    The gap is NaN where either group is smaller than ``min_group_size``.
    """
    columns = ["provider_id", "wave", "dimension", "n_leader", "n_staff", "leader_mean",
               "staff_mean", "gap"]
    if leader is None:
        return pd.DataFrame(columns=columns)
    scores = long_scores.assign(group=np.where(long_scores["role"] == leader, "leader", "staff"))
    table = (scores.groupby(["provider_id", "wave", "dimension", "group"], observed=True)["score"]
             .agg(["count", "mean"]).unstack("group"))
    table.columns = [f"{stat}_{group}" for stat, group in table.columns]
    for col in ("count_leader", "count_staff", "mean_leader", "mean_staff"):
        if col not in table:
            table[col] = np.nan
    table = table.reset_index().rename(columns={"count_leader": "n_leader",
                                                "count_staff": "n_staff",
                                                "mean_leader": "leader_mean",
                                                "mean_staff": "staff_mean"})
    table[["n_leader", "n_staff"]] = table[["n_leader", "n_staff"]].fillna(0).astype(int)
    enough = (table["n_leader"] >= min_group_size) & (table["n_staff"] >= min_group_size)
    table["gap"] = (table["leader_mean"] - table["staff_mean"]).where(enough)
    return table[columns]


def item_distributions(responses: pd.DataFrame, instrument: Instrument,
                       items: list[str]) -> pd.DataFrame:
    """Answers per value for each provider, wave and item (answers as given, not reversed).

    Returns
    -------
    DataFrame
        ``provider_id, wave, item, value, n, share`` where ``share`` is of the item's answers.
    """
    long = responses.melt(id_vars=["provider_id", "wave"], value_vars=items, var_name="item",
                          value_name="value").dropna(subset=["value"])
    counts = (long.groupby(["provider_id", "wave", "item", "value"], observed=True).size()
              .rename("n").reset_index())
    counts["share"] = counts["n"] / counts.groupby(["provider_id", "wave", "item"],
                                                   observed=True)["n"].transform("sum")
    counts["value"] = counts["value"].astype(int)
    return counts


#: What an item's comparison with the network says (the ``comparison`` column).
STRENGTH, AREA_TO_DEVELOP, NO_CLEAR_DIFFERENCE = "strength", "area_to_develop", ""


def better_side(difference: ArrayLike, higher_is_better: ArrayLike = True) -> np.ndarray:
    """Which way a difference points: +1 towards the better end, -1 the worse, 0 neither.

    The one place that decides which direction is better, for strengths and areas to develop.
    Reverse-keyed items are reversed before they are compared, so on the packaged instrument a
    higher value is always better; an instrument that declares a dimension on which a lower
    value is better passes ``higher_is_better=False`` for its rows.

    Parameters
    ----------
    difference
        Differences (any scale; only the sign counts). 0 and NaN give 0.
    higher_is_better
        One flag, or one per difference.
    """
    sign = np.sign(np.nan_to_num(np.asarray(difference, dtype=float)))
    return np.where(np.asarray(higher_is_better, dtype=bool), sign, -sign).astype(int)


def classify_difference(p_adjusted: ArrayLike, std_diff: ArrayLike,
                        higher_is_better: ArrayLike = True) -> np.ndarray:
    """The strengths rule: a strength, an area to develop, or no clear difference.

    An item is a **strength** when its difference from the network is *clear* by the one
    rule of the reports (:func:`strapetsi_lib.analysis.stats.verdict`: Benjamini–Hochberg
    adjusted p-value below ``CLEAR_ALPHA`` within the provider's items of the wave, and a
    standardised difference of at least ``MIN_CLEAR_EFFECT``) and it points to the better end
    (:func:`better_side`); an **area to develop** when it is clear and points to the worse end.
    Everything else, a statistically certain but small difference included, is
    :data:`NO_CLEAR_DIFFERENCE`. Over a provider's items this keeps the expected share of
    strengths and areas that are not real at most ``CLEAR_ALPHA``, and a provider that does
    not differ from the network gets none with probability at least ``1 - CLEAR_ALPHA``
    (``benchmarks/null_strengths.py``).

    Parameters
    ----------
    p_adjusted
        The items' adjusted p-values (NaN where the groups are under the minimum size or
        nothing could be tested).
    std_diff
        Their standardised differences from the network.
    higher_is_better
        See :func:`better_side`.

    Returns
    -------
    numpy.ndarray
        Object array of :data:`STRENGTH`, :data:`AREA_TO_DEVELOP` or
        :data:`NO_CLEAR_DIFFERENCE`.
    """
    clear = np.atleast_1d(is_clear(p_adjusted, std_diff))
    side = np.atleast_1d(better_side(std_diff, higher_is_better))
    out = np.full(clear.shape, NO_CLEAR_DIFFERENCE, dtype=object)
    out[clear & (side > 0)] = STRENGTH
    out[clear & (side < 0)] = AREA_TO_DEVELOP
    return out


def item_comparison(responses: pd.DataFrame, instrument: Instrument, items: list[str],
                    min_group_size: int) -> pd.DataFrame:
    """Each provider's item means against the network, with the strengths rule applied.

    Reverse items are reversed first, so that every item runs the way of its dimension. Where
    the provider and the network both have at least ``min_group_size`` answers to an item:

    * ``std_diff``: (provider mean − network mean) / network SD over respondents;
    * ``estimate``, ``se``, ``df``, ``p_value``: the one-sample t-test of the provider's
      answers against the network mean (:func:`~strapetsi_lib.analysis.stats.t_test_against`;
      the network mean, over thousands of answers, is the fixed reference the provider is
      compared with). Nothing is tested where every answer is alike;
    * ``p_adjusted``: Benjamini–Hochberg across the provider's items at the wave (the family a
      leader reads together);
    * ``ci_low``, ``ci_high``: the matching false-coverage-rate interval of the difference at
      ``ci_level``, which excludes 0 exactly when the difference is statistically certain;
      ``ci95_low``, ``ci95_high``: the unadjusted 95 % interval;
    * ``verdict``: :func:`~strapetsi_lib.analysis.stats.verdict` (clear, certain but small,
      not clear, not tested) and ``comparison``: :func:`classify_difference`, with
      ``higher_is_better`` the item's dimension's (the instrument's declaration) and
      ``better_diff`` the standardised difference signed so that a positive one is the better
      result (the order of strengths and areas to develop).

    Elsewhere these are NaN (and the verdict "not tested").
    """
    from scipy import stats as sps

    from strapetsi_lib.analysis.scores import reverse_scored

    scored = reverse_scored(responses, instrument)
    long = scored.melt(id_vars=["provider_id", "wave"], value_vars=items, var_name="item",
                       value_name="value").dropna(subset=["value"])
    provider = (long.groupby(["provider_id", "wave", "item"], observed=True)["value"]
                .agg(n="count", mean="mean", sd="std").reset_index())
    network = (long.groupby(["wave", "item"], observed=True)["value"]
               .agg(network_n="count", network_mean="mean", network_sd="std").reset_index())
    table = provider.merge(network, on=["wave", "item"])
    enough = (table["n"] >= min_group_size) & (table["network_n"] >= min_group_size)
    diff = (table["mean"] - table["network_mean"]) / table["network_sd"]
    table["std_diff"] = diff.where(enough)
    test = t_test_against(table["mean"], table["sd"], table["n"], table["network_mean"])
    for column in test.columns:
        table[column] = test[column].where(enough.to_numpy())
    with np.errstate(invalid="ignore"):
        half = sps.t.ppf(0.975, table["df"]) * table["se"]
    table["ci_low"], table["ci_high"] = table["estimate"] - half, table["estimate"] + half
    family = ["provider_id", "wave"]
    table["p_adjusted"] = bh_adjust_by(table, family)
    table = with_fcr_intervals(table, family)
    table["verdict"] = verdict(table["p_adjusted"], table["std_diff"])
    table["dimension"] = table["item"].map(lambda code: instrument.item(code).dimension)
    table["higher_is_better"] = table["dimension"].map(
        lambda dim: dim is None or instrument.higher_is_better(dim)).astype(bool)
    table["comparison"] = classify_difference(table["p_adjusted"], table["std_diff"],
                                              table["higher_is_better"])
    table["better_diff"] = table["std_diff"].where(table["higher_is_better"], -table["std_diff"])
    return table.drop(columns=["sd"])


def reliability(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Cronbach's alpha per wave and dimension over the whole network (reverse items reversed).

    Returns
    -------
    DataFrame
        ``wave, dimension, alpha, n_complete, n_items``; complete = answered every item.
    """
    from strapetsi_lib.analysis.scores import reverse_scored

    scored = reverse_scored(responses, instrument)
    rows = []
    for wave, block in scored.groupby("wave", observed=True):
        for dim in instrument.dimension_codes:
            codes = [item.code for item in instrument.dimension_items(dim)]
            items = block[codes]
            rows.append({"wave": wave, "dimension": dim, "alpha": cronbach_alpha(items),
                         "n_complete": int(items.notna().all(axis=1).sum()),
                         "n_items": len(codes)})
    table = pd.DataFrame(rows)
    table["wave"] = pd.Categorical(table["wave"], categories=responses["wave"].cat.categories,
                                   ordered=True)
    return table
