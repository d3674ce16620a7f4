"""Baseline analysis (lähtötilanneanalyysi): network-wide tables, vectorised over all providers.

Each function takes the tidy tables of a dataset and returns one aggregated table covering every
provider, so that the prepare stage computes them once and a provider report only reads its rows.
No table here holds respondent-level data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strapetsi_lib.analysis.stats import cronbach_alpha, grouped_mean_ci
from strapetsi_lib.ingest.instrument import Instrument

STAFF_ROLES = ("teacher", "support", "other")


def respondents_by_role(responses: pd.DataFrame, providers: pd.DataFrame) -> pd.DataFrame:
    """Respondents per provider, wave and role, with every role present (0 where none).

    Returns
    -------
    DataFrame
        ``provider_id, wave, role, n``.
    """
    from strapetsi_lib.config import ROLES

    counts = responses.groupby(["provider_id", "wave", "role"], observed=False).size()
    full = pd.MultiIndex.from_product(
        [providers["provider_id"], responses["wave"].cat.categories, list(ROLES)],
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


def dimension_means(long_scores: pd.DataFrame) -> pd.DataFrame:
    """Mean dimension score with 95 % CI per provider, wave and dimension.

    Parameters
    ----------
    long_scores
        ``provider_id, wave, role, dimension, score`` (one row per respondent and dimension).
    """
    return grouped_mean_ci(long_scores, ["provider_id", "wave", "dimension"], "score")


def network_dimension_means(long_scores: pd.DataFrame) -> pd.DataFrame:
    """Network average per wave and dimension over all respondents, with 95 % CI."""
    return grouped_mean_ci(long_scores, ["wave", "dimension"], "score")


def dimension_ranks(means: pd.DataFrame, min_group_size: int) -> pd.DataFrame:
    """Each provider's place among all providers, per wave and dimension.

    Only providers with at least ``min_group_size`` respondents in the dimension are ranked. The
    percentile is the share of ranked providers below the provider plus half of those level with
    it (itself included), in percent; quartile 4 is the top quarter.

    Returns
    -------
    DataFrame
        ``provider_id, wave, dimension, mean, percentile, quartile, n_providers``.
    """
    ranked = means.loc[means["n"] >= min_group_size,
                       ["provider_id", "wave", "dimension", "mean"]].copy()
    groups = ranked.groupby(["wave", "dimension"], observed=True)["mean"]
    size = groups.transform("size")
    # average rank r counts those below plus (ties + 1) / 2, so r - 0.5 = below + ties / 2
    ranked["percentile"] = 100 * (groups.rank(method="average") - 0.5) / size
    ranked["quartile"] = np.clip(np.ceil(ranked["percentile"] / 25), 1, 4).astype(int)
    ranked["n_providers"] = size
    return ranked.reset_index(drop=True)


def role_dimension_means(long_scores: pd.DataFrame) -> pd.DataFrame:
    """Mean dimension score per provider, wave, role and dimension (``n, mean``)."""
    grouped = long_scores.groupby(["provider_id", "wave", "role", "dimension"], observed=True)
    return grouped["score"].agg(n="count", mean="mean").reset_index()


def leader_staff_gap(long_scores: pd.DataFrame, min_group_size: int) -> pd.DataFrame:
    """Leaders' mean minus other staff's mean per provider, wave and dimension.

    The gap is NaN where either group is smaller than ``min_group_size``.
    """
    scores = long_scores.assign(group=np.where(long_scores["role"] == "leader", "leader", "staff"))
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
    return table[["provider_id", "wave", "dimension", "n_leader", "n_staff", "leader_mean",
                  "staff_mean", "gap"]]


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


def item_comparison(responses: pd.DataFrame, instrument: Instrument, items: list[str],
                    min_group_size: int) -> pd.DataFrame:
    """Each provider's item means against the network, as standardised differences.

    Reverse items are reversed first, so that a higher value is always the better one. The
    standardised difference is (provider mean − network mean) / network SD over respondents;
    it is NaN where the provider or the network has fewer than ``min_group_size`` answers.
    """
    from strapetsi_lib.analysis.scores import reverse_scored

    scored = reverse_scored(responses, instrument)
    long = scored.melt(id_vars=["provider_id", "wave"], value_vars=items, var_name="item",
                       value_name="value").dropna(subset=["value"])
    provider = (long.groupby(["provider_id", "wave", "item"], observed=True)["value"]
                .agg(n="count", mean="mean").reset_index())
    network = (long.groupby(["wave", "item"], observed=True)["value"]
               .agg(network_n="count", network_mean="mean", network_sd="std").reset_index())
    table = provider.merge(network, on=["wave", "item"])
    enough = (table["n"] >= min_group_size) & (table["network_n"] >= min_group_size)
    diff = (table["mean"] - table["network_mean"]) / table["network_sd"]
    table["std_diff"] = diff.where(enough)
    table["dimension"] = table["item"].map(lambda code: instrument.item(code).dimension)
    return table


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
