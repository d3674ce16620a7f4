"""Trajectories over three waves or more: each dimension's mean and each practice's status,
wave by wave, for the provider report and the network report.

With two waves a report compares the baseline and the follow-up; from three waves on, the path
between them matters too (a practice in use, dropped, and back is not the same as one adopted
steadily, though both read "being adopted" at the latest wave). Like the other views, these
functions only select and word rows of the prepared tables, every number through the
disclosure-control layer: a provider's means come from
:func:`~strapetsi_lib.present.provider_view.dimension_profile` (hidden under the minimum,
rounded as printed) and its statuses from
:func:`~strapetsi_lib.analysis.disclosure.safe_practice_status`, wave by wave.
"""

from __future__ import annotations

import pandas as pd

from strapetsi_lib.analysis.disclosure import safe_practice_status
from strapetsi_lib.analysis.takehold import TOO_FEW
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present.i18n import number, text, too_few
from strapetsi_lib.present.network_view import participants
from strapetsi_lib.present.precision import MEAN_DECIMALS, as_shown, intervals_as_shown
from strapetsi_lib.present.provider_view import dimension_profile
from strapetsi_lib.present.survey_words import wave_short_label
from strapetsi_lib.present.takehold_view import STATUS_SYMBOLS, own_themes, status_badge

__all__ = ["MIN_TRAJECTORY_WAVES", "dimension_trajectory", "dimension_trajectory_table",
           "has_trajectories", "network_dimension_trajectory", "network_status_counts",
           "network_status_table", "practice_order", "status_trajectory",
           "status_trajectory_table", "wave_ticks", "waves_text"]

#: Waves a dataset needs before reports show trajectories (two are a before and an after).
MIN_TRAJECTORY_WAVES = 3


def has_trajectories(prepared: Prepared) -> bool:
    """Whether the dataset has the waves a trajectory needs."""
    return len(prepared.wave_ids) >= MIN_TRAJECTORY_WAVES


def has_status_trajectories(prepared: Prepared) -> bool:
    """Whether there are practices to follow over the waves."""
    return has_trajectories(prepared) and bool(prepared.instrument.practices) \
        and "practice_status_by_wave" in prepared.tables


# --------------------------------------------------------------------------- dimensions


def dimension_trajectory(prepared: Prepared, provider_id: str) -> pd.DataFrame:
    """The provider's mean per dimension and wave beside the network's.

    Returns
    -------
    DataFrame
        ``dimension, wave, mean, network_mean`` in the instrument's and the waves' order;
        ``mean`` is NaN where the wave has too few answers (the report's rule), every value
        rounded as printed.
    """
    frames = [dimension_profile(prepared, provider_id, wave)[["dimension", "mean",
                                                               "network_mean"]]
              .assign(wave=wave) for wave in prepared.wave_ids]
    return pd.concat(frames, ignore_index=True)[["dimension", "wave", "mean", "network_mean"]]


def network_dimension_trajectory(prepared: Prepared) -> pd.DataFrame:
    """The network's mean per dimension and wave with its 95 % interval, as printed.

    Returns
    -------
    DataFrame
        ``dimension, wave, mean, ci_low, ci_high`` in the instrument's and the waves' order.
    """
    net = prepared["network_dimension_means"].copy()
    net["wave"] = net["wave"].astype(str)
    index = pd.MultiIndex.from_product([prepared.instrument.dimension_codes,
                                        prepared.wave_ids], names=["dimension", "wave"])
    net = net.set_index(["dimension", "wave"]).reindex(index).reset_index()
    net = as_shown(net, ["mean"], MEAN_DECIMALS)
    return intervals_as_shown(net, "ci_low", "ci_high", MEAN_DECIMALS)[
        ["dimension", "wave", "mean", "ci_low", "ci_high"]]


def dimension_trajectory_table(trajectory: pd.DataFrame, prepared: Prepared, language: str,
                               column: str = "mean") -> pd.DataFrame:
    """A trajectory as a table: a row per dimension, a column per wave (its label).

    Parameters
    ----------
    trajectory
        :func:`dimension_trajectory` or :func:`network_dimension_trajectory`.
    column
        The values to show (``mean`` for the provider's or the network's own).
    """
    mgs = prepared.min_group_size
    instrument = prepared.instrument
    grid = trajectory.pivot(index="dimension", columns="wave", values=column).reindex(
        index=instrument.dimension_codes, columns=prepared.wave_ids)
    table = {text("dimension", language): [instrument.dimension(d).name[language]
                                           for d in grid.index]}
    for wave in prepared.wave_ids:
        table[prepared.wave_label(wave, language)] = [
            number(value, language, MEAN_DECIMALS) if pd.notna(value) else too_few(language, mgs)
            for value in grid[wave]]
    return pd.DataFrame(table)


# --------------------------------------------------------------------------- practice status


def status_trajectory(prepared: Prepared, provider_id: str) -> pd.DataFrame:
    """The provider's status of each practice at every wave, as the disclosure layer
    publishes it.

    Returns
    -------
    DataFrame
        ``practice, theme, wave, category, penetration`` (NaN where too few answered), in the
        instrument's and the waves' order; a wave without answers reads ``too_few_responses``.
    """
    by_wave = prepared.rows("practice_status_by_wave", provider_id)
    practices = [p.code for p in prepared.instrument.practices]
    frames = []
    for wave in prepared.wave_ids:
        rows = safe_practice_status(by_wave, wave).set_index("practice").reindex(practices)
        rows["category"] = rows["category"].fillna(TOO_FEW)
        rows["theme"] = [prepared.instrument.practice(code).theme for code in practices]
        frames.append(rows.reset_index()[["practice", "theme", "category", "penetration"]]
                      .assign(wave=wave))
    return pd.concat(frames, ignore_index=True)[["practice", "theme", "wave", "category",
                                                 "penetration"]]


def practice_order(prepared: Prepared, provider_id: str) -> list[str]:
    """The practices' codes as the provider's report lists them: those of its own themes (or
    of no theme) first, in the instrument's order, then the others."""
    mine = set(own_themes(prepared, provider_id))
    practices = prepared.instrument.practices
    own = [p.code for p in practices if p.theme is None or p.theme in mine]
    return own + [p.code for p in practices if p.code not in own]


def status_trajectory_table(trajectory: pd.DataFrame, prepared: Prepared, provider_id: str,
                            language: str) -> pd.DataFrame:
    """The statuses over the waves as a table: a row per practice (the provider's own first),
    a column per wave with the status as symbol and word."""
    instrument = prepared.instrument
    grid = trajectory.pivot(index="practice", columns="wave", values="category")
    order = practice_order(prepared, provider_id)
    grid = grid.reindex(index=order, columns=prepared.wave_ids)
    table = {text("takehold_col_practice", language): [instrument.practice(code).name[language]
                                                       for code in grid.index]}
    for wave in prepared.wave_ids:
        table[prepared.wave_label(wave, language)] = [status_badge(category, language)
                                                      for category in grid[wave]]
    return pd.DataFrame(table)


# --------------------------------------------------------------------------- the network


def network_status_counts(prepared: Prepared) -> pd.DataFrame:
    """How many of a practice's providers had each status at each wave.

    A practice's providers are those taking part in its theme (all, for a practice of no
    theme; :func:`~strapetsi_lib.present.network_view.participants`, as the network report's
    counts at the latest wave): elsewhere "not in use" is expected and says nothing. Each
    status is as the disclosure layer publishes it (:func:`~strapetsi_lib.analysis.
    disclosure.safe_practice_status`); counts of providers name none of them.

    Returns
    -------
    DataFrame
        ``practice, wave, category, n`` for every practice, wave and status of
        :data:`~strapetsi_lib.present.takehold_view.STATUS_SYMBOLS` (0 where none).
    """
    by_wave = prepared["practice_status_by_wave"]
    rows = []
    for practice in prepared.instrument.practices:
        members = set(participants(prepared, practice.theme))
        mine = by_wave[(by_wave["practice"] == practice.code)
                       & by_wave["provider_id"].isin(members)]
        for wave in prepared.wave_ids:
            counts = safe_practice_status(mine, wave)["category"].value_counts()
            rows += [{"practice": practice.code, "wave": wave, "category": category,
                      "n": int(counts.get(category, 0))} for category in STATUS_SYMBOLS]
    return pd.DataFrame(rows, columns=["practice", "wave", "category", "n"])


def network_status_table(counts: pd.DataFrame, prepared: Prepared,
                         language: str) -> pd.DataFrame:
    """The counts of :func:`network_status_counts` as a table: a row per practice and wave,
    a column per status (a status no provider had at any wave left out)."""
    shown = [c for c in STATUS_SYMBOLS if counts.loc[counts["category"] == c, "n"].any()]
    grid = counts.pivot_table(index=["practice", "wave"], columns="category", values="n",
                              aggfunc="sum").reindex(columns=shown)
    rows = []
    for practice in prepared.instrument.practices:
        for wave in prepared.wave_ids:
            row = {text("takehold_col_practice", language): practice.name[language],
                   text("trajectory_col_wave", language): prepared.wave_label(wave, language)}
            for category in shown:
                row[status_badge(category, language)] = int(grid.loc[(practice.code, wave),
                                                                     category])
            rows.append(row)
    return pd.DataFrame(rows)


def wave_ticks(prepared: Prepared, language: str) -> dict[str, str]:
    """Each wave's name on a figure's axis, in time order: its year where the years tell the
    waves apart, else its label (:func:`~strapetsi_lib.present.survey_words.wave_short_label`)."""
    return {wave: wave_short_label(prepared, wave, language) for wave in prepared.wave_ids}


def waves_text(prepared: Prepared, language: str) -> str:
    """Every wave's label, in time order, for a caption."""
    return ", ".join(prepared.wave_label(wave, language) for wave in prepared.wave_ids)
