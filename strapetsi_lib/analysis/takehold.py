"""Take-hold (jalkautuminen): change between waves, theme effects and practice status.

DESIGN §5. Three kinds of tables, all computed from a loaded
:class:`~strapetsi_lib.ingest.dataset.Dataset`; a provider's change compares its own baseline and
latest wave (:mod:`strapetsi_lib.analysis.waves`):

* :func:`dimension_change`: each provider's change on each dimension, with the test chosen by
  whether the same (pseudonymous) respondents answered both waves;
* :func:`mixed_models` and :func:`theme_effects` (from
:mod:`strapetsi_lib.analysis.network_models`): the network
  picture, and whether providers taking part in a theme changed more than the rest;
* :func:`practice_status`: each practice's category per provider from the instrument's declared
  take-hold rules (:func:`classify_practice`), whose thresholds are read from the instrument and
  never written here.

:func:`prepared_tables` gathers them for the prepare stage's cache.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from strapetsi_lib.analysis.network_models import (
    long_scores,
    mixed_models,
    theme_effects,
    theme_effects_by_provider,
)
from strapetsi_lib.analysis.scores import reverse_scored
from strapetsi_lib.analysis.stats import (
    bh_adjust,
    change_test,
    wilson_interval,
    with_fcr_intervals,
)
from strapetsi_lib.analysis.waves import provider_waves

__all__ = [
    "TOO_FEW",
    "classify_practice",
    "dimension_change",
    "mixed_models",
    "practice_status",
    "practice_trajectory",
    "prepared_tables",
    "theme_effects",
]

TOO_FEW = "too_few_responses"
NOT_IN_USE = "not_in_use"
#: A value this close below a threshold counts as reaching it: a mean of whole-number answers
#: that is exactly 3.5 on paper must not fall to 3.4999999999 and change category.
TOLERANCE = 1e-9
#: Thresholds a category rule may declare, and the measure each one is checked against.
TAKEHOLD_THRESHOLDS = {"penetration_min": "penetration", "in_use_min": "in_use",
               "normalisation_min": "normalisation"}


# --------------------------------------------------------------------------- change per provider


def dimension_change(dataset, scores: pd.DataFrame | None = None,
                     compared: tuple[str, str] | None = None) -> pd.DataFrame:
    """Each provider's change on each dimension between its baseline and its latest wave.

    Parameters
    ----------
    dataset
        A :class:`~strapetsi_lib.ingest.dataset.Dataset`.
    scores
        Its respondent-level long dimension scores
        (:func:`strapetsi_lib.analysis.network_models.long_scores`),
        if already computed.
    compared
        Two wave ids (earlier, later) to compare for every provider instead of each one's own
        baseline and latest wave (:func:`strapetsi_lib.analysis.waves.provider_waves`: a late
        joiner's first usable wave, an earlier follow-up when the latest has too few answers),
        e.g. neighbouring waves of a survey repeated more than twice.

    Returns
    -------
    pandas.DataFrame
        One row per provider (providers-file order) and dimension (instrument order):
        ``provider_id``, ``dimension``, ``wave_before``, ``wave_after`` (the provider's waves
        compared; equal, with every figure NaN and the counts 0, for a provider with one usable
        wave), ``estimate`` (later minus earlier, scale points), ``ci_low``, ``ci_high`` (the
        false-coverage-rate
        adjusted interval at level ``ci_level`` across the provider's dimensions, which
        excludes 0 exactly when the change is clear; see :func:`with_fcr_intervals`),
        ``ci95_low``, ``ci95_high`` (the unadjusted 95 % interval), ``se``, ``df`` (of the t
        test), ``p_value``, ``p_adjusted``
        (Benjamini–Hochberg across the dimensions of the one provider), ``hedges_g``,
        ``n_before`` and ``n_after`` (respondents with a score at each wave), ``n_paired``
        (respondents with a score at both), ``test`` (``"paired t"`` or ``"Welch t"``) and
        ``suppressed``. Empty with these columns when the dataset has fewer than two waves.

    Notes
    -----
    **Which test.** Respondent ids are pseudonymous but stable, so a provider whose survey
    links the waves has respondents who can be compared with themselves. The paired t-test on
    the linked respondents is used when at least ``min_group_size`` of them are linked *and*
    they are more than half of the latest wave's respondents; the estimate is then the mean
    change of those respondents. Otherwise Welch's t-test compares everyone who answered at
    each wave. The majority condition keeps the paired estimate about the provider's staff as
    a whole: when most of the latest respondents are newcomers, the returners' change would
    describe a minority. Welch's test on partly overlapping waves treats positively
    correlated answers as independent, which makes it conservative, never too confident.

    **Suppression.** Where either wave has fewer than ``min_group_size`` respondents with a
    score, ``suppressed`` is True and every figure but the counts is NaN. The counts stay so
    that a report can say why; being below ``min_group_size`` themselves, they must not be
    printed.
    """
    columns = ["provider_id", "dimension", "wave_before", "wave_after", "estimate", "ci_low",
               "ci_high", "ci_level", "ci95_low", "ci95_high", "se", "df", "p_value",
               "p_adjusted", "hedges_g", "n_before", "n_after", "n_paired", "test",
               "suppressed"]
    waves = dataset.wave_ids
    if len(waves) < 2:
        return pd.DataFrame(columns=columns)
    if compared is not None:
        pairs = dict.fromkeys(dataset.providers["provider_id"], tuple(compared))
    else:
        own = provider_waves(dataset.responses, dataset.providers, waves,
                             dataset.min_group_size)
        pairs = dict(zip(own["provider_id"], zip(own["baseline_wave"], own["latest_wave"],
                                                 strict=True), strict=True))
    wanted = {wave for pair in pairs.values() for wave in pair}
    long = long_scores(dataset) if scores is None else scores
    long = long[long["wave"].astype(str).isin(wanted)]
    # One column per wave, one row per respondent: linking is a join on the pseudonymous id.
    wide = (long.assign(wave=long["wave"].astype(str))
            .pivot_table(index=["provider_id", "dimension", "respondent_id"], columns="wave",
                         values="score", aggfunc="first")
            .reindex(columns=[w for w in waves if w in wanted]))
    groups = {key: frame for key, frame in wide.groupby(level=["provider_id", "dimension"])}
    mgs = dataset.min_group_size
    rows = []
    for provider_id in dataset.providers["provider_id"]:
        before, after = pairs[provider_id]
        for dim in dataset.instrument.dimension_codes:
            frame = groups.get((provider_id, dim))
            frame = None if frame is None or before == after else frame[[before, after]]
            rows.append({"wave_before": before, "wave_after": after,
                         **_change_row(frame, provider_id, dim, mgs)})
    out = pd.DataFrame(rows)
    # BH within each provider: the family is the dimensions one leader reads together.
    out["p_adjusted"] = (out.groupby("provider_id", sort=False)["p_value"]
                         .transform(lambda p: bh_adjust(p.to_numpy(dtype=float))))
    out = with_fcr_intervals(out, "provider_id")
    out["suppressed"] = out["suppressed"].astype(bool)
    return out.reindex(columns=columns)



def _change_row(frame: pd.DataFrame | None, provider_id: str, dim: str, mgs: int) -> dict:
    """The change of one provider on one dimension; see :func:`dimension_change`."""
    empty = np.array([])
    before = empty if frame is None else frame.iloc[:, 0].to_numpy(dtype=float)
    after = empty if frame is None else frame.iloc[:, 1].to_numpy(dtype=float)
    has_before, has_after = ~np.isnan(before), ~np.isnan(after)
    n_before, n_after = int(has_before.sum()), int(has_after.sum())
    linked = has_before & has_after
    n_paired = int(linked.sum())
    paired = n_paired >= mgs and 2 * n_paired > n_after
    row = {"provider_id": provider_id, "dimension": dim, "n_before": n_before,
           "n_after": n_after, "n_paired": n_paired,
           "test": "paired t" if paired else "Welch t"}
    nan = dict.fromkeys(["estimate", "se", "df", "ci_low", "ci_high", "p_value", "hedges_g"],
                        math.nan)
    if min(n_before, n_after) < mgs:
        return {**row, **nan, "suppressed": True}
    if paired:
        result = change_test(before[linked], after[linked], paired=True)
    else:
        result = change_test(before[has_before], after[has_after], paired=False)
    return {**row, **{k: result[k] for k in nan}, "suppressed": False}


# --------------------------------------------------------------------------- practice status


def classify_practice(penetration: float, in_use: float, normalisation: float,
                      maintained: bool, n: int, rules: dict,
                      min_group_size: int) -> tuple[str, str]:
    """The category of one practice at one provider, by the instrument's take-hold rules.

    Parameters
    ----------
    penetration
        Share of respondents at Levels of Use ``routine_level`` or above (0–1).
    in_use
        Share at ``use_level`` or above (0–1).
    normalisation
        Mean of the respondents' NoMAD-item means (NaN when nobody answered them; a rule that
        needs it then does not hold).
    maintained
        Whether the practice was maintained (:func:`maintained_flags`).
    n
        Respondents who answered the Levels of Use item.
    rules
        The instrument's ``takehold_rules``: ``categories`` in the order they are checked, each
        with any of ``penetration_min``, ``in_use_min``, ``normalisation_min`` and
        ``maintained: true``.
    min_group_size
        Fewer answers than this give ``too_few_responses``.

    Returns
    -------
    (category, rule)
        The first category whose every condition holds, else ``not_in_use``; and the rule
        that decided, machine-readable, e.g. ``"embedded: penetration>=0.6,
        normalisation>=3.5, maintained"``, ``"not_in_use: none of embedded, adopting,
        trying"`` or ``"too_few_responses: n<5"``. A value within 1e-9 below a threshold
        counts as reaching it.

    Raises
    ------
    ValueError
        If a category declares a condition this function does not know, so that a rule is
        never silently ignored.
    """
    if n < min_group_size:
        return TOO_FEW, f"{TOO_FEW}: n<{min_group_size}"
    values = {"penetration": penetration, "in_use": in_use, "normalisation": normalisation}
    for spec in rules["categories"]:
        unknown = set(spec) - {"category", "maintained", *TAKEHOLD_THRESHOLDS}
        if unknown:
            raise ValueError(f"take-hold rule {spec.get('category')!r} has unknown conditions "
                             f"{sorted(unknown)}")
        conditions, holds = [], True
        for key, measure in TAKEHOLD_THRESHOLDS.items():
            if key in spec:
                conditions.append(f"{measure}>={spec[key]:g}")
                value = values[measure]
                holds = holds and not math.isnan(value) and value >= spec[key] - TOLERANCE
        if spec.get("maintained", False):
            conditions.append("maintained")
            holds = holds and bool(maintained)
        if holds:
            return spec["category"], f"{spec['category']}: " + ", ".join(conditions)
    names = ", ".join(spec["category"] for spec in rules["categories"])
    return NOT_IN_USE, f"{NOT_IN_USE}: none of {names}"


#: The columns of :func:`practice_status`.
PRACTICE_STATUS_COLUMNS = ["provider_id", "practice", "theme", "wave", "category", "rule",
                           "penetration", "penetration_ci_low", "penetration_ci_high", "in_use",
                           "normalisation", "normalisation_hidden", "maintained",
                           "unknown_waves", "near_boundary", "n", "n_normalisation"]


def practice_status(dataset, all_waves: bool = False) -> pd.DataFrame:
    """Each practice's take-hold category per provider, at the latest wave.

    Parameters
    ----------
    dataset
        A :class:`~strapetsi_lib.ingest.dataset.Dataset`.
    all_waves
        Give the status at every wave (as it stood then: ``maintained`` looks at that wave and
        the ones before), e.g. to show the baseline next to the latest wave.

    Returns
    -------
    pandas.DataFrame
        One row per provider (providers-file order) and practice (instrument order), and per
        wave with ``all_waves``: ``provider_id``, ``practice``, ``theme``, ``wave``,
        ``category``, ``rule`` (see :func:`classify_practice`), ``penetration`` with
        ``penetration_ci_low`` and ``penetration_ci_high`` (95 % Wilson), ``in_use``,
        ``normalisation``, ``maintained``, ``n`` (answers to the Levels of Use item) and
        ``n_normalisation`` (respondents who answered a NoMAD item). A provider with no
        answers at a wave has ``n`` 0, NaN measures and ``too_few_responses``. Empty with
        these columns when the instrument has no practices.

    Notes
    -----
    penetration = share of the Levels of Use answers at ``routine_level`` or above; in_use =
    share at ``use_level`` or above; normalisation = mean over respondents of each one's mean
    of the NoMAD-style items they answered; maintained = in use at every wave since it was
    first in use, at least two waves (:func:`maintained_flags`).
    All levels and thresholds come from the instrument's ``takehold_rules``.
    """
    instrument = dataset.instrument
    if not instrument.practices:  # nothing to follow: the reports show no practice section
        return pd.DataFrame(columns=PRACTICE_STATUS_COLUMNS)
    rules = instrument.takehold_rules
    waves = dataset.wave_ids
    responses = dataset.responses
    keys = [responses["provider_id"], responses["wave"].astype(str).rename("wave")]
    frames = []
    for practice in instrument.practices:
        use = responses[practice.use_item]
        answered = use.notna()
        # reverse-keyed statements (none in v1) would otherwise pull the mean the wrong way
        nomad = reverse_scored(responses[list(practice.normalisation_items)],
                               instrument).mean(axis=1, skipna=True)
        counts = pd.DataFrame({
            "n": answered.astype(int),
            "routine": (use >= rules["routine_level"]).astype(int),
            "using": (use >= rules["use_level"]).astype(int),
            "n_normalisation": nomad.notna().astype(int),
            "normalisation": nomad,
        }).groupby(keys, observed=True).agg(
            n=("n", "sum"), routine=("routine", "sum"), using=("using", "sum"),
            n_normalisation=("n_normalisation", "sum"), normalisation=("normalisation", "mean"))
        full = pd.MultiIndex.from_product([dataset.providers["provider_id"], waves],
                                          names=["provider_id", "wave"])
        frames.append(counts.reindex(full).fillna({"n": 0, "routine": 0, "using": 0,
                                                   "n_normalisation": 0})
                      .reset_index().assign(practice=practice.code, theme=practice.theme))
    table = status_from_counts(pd.concat(frames, ignore_index=True), rules, waves,
                               dataset.min_group_size)
    if not all_waves:
        table = table[table["wave"] == waves[-1]]
    order = {code: i for i, code in enumerate(p.code for p in instrument.practices)}
    table = table.sort_values(["wave", "provider_id", "practice"],
                              key=lambda s: s.map(_sort_key(s.name, dataset, order)))
    return table[PRACTICE_STATUS_COLUMNS].reset_index(drop=True)


def status_from_counts(counts: pd.DataFrame, rules: dict, waves: list[str],
                       min_group_size: int) -> pd.DataFrame:
    """Every practice's status per provider and wave from its answer counts.

    Parameters
    ----------
    counts
        Rows per ``provider_id``, ``practice`` and ``wave`` with ``n`` (answers to the Levels
        of Use item), ``routine`` and ``using`` (answers at the routine and use levels or
        above), ``n_normalisation`` and ``normalisation`` (mean of the NoMAD-item means).
    rules, waves, min_group_size
        The instrument's take-hold rules, the waves in time order, the minimum group size.

    Returns
    -------
    DataFrame
        ``counts`` with the measures of :func:`_measures` and ``category``, ``rule`` and
        ``near_boundary``.
    """
    table = _measures(counts.copy(), rules, waves, min_group_size)
    classified = [classify_practice(p, u, m, k, n, rules, min_group_size)
                  for p, u, m, k, n in zip(table["penetration"], table["in_use"],
                                           table["normalisation"], table["maintained"],
                                           table["n"], strict=True)]
    table["category"] = [c for c, _ in classified]
    table["rule"] = [r for _, r in classified]
    table["near_boundary"] = near_boundary(table, rules)
    return table


def _measures(table: pd.DataFrame, rules: dict, waves: list[str],
              min_group_size: int) -> pd.DataFrame:
    """Shares, Wilson interval and maintenance from the counts per provider, practice, wave.

    Disclosure control (docs/methods.md, :mod:`strapetsi_lib.analysis.disclosure`): a
    status may rest only on groups that may be shown. So an earlier wave with answers, but
    fewer than ``min_group_size``, counts as unknown for "maintained" (as if nobody had
    answered; ``unknown_waves`` names such waves before each row's wave, ``;``-separated),
    and a normalisation mean on fewer than ``min_group_size`` answers is left out (NaN,
    ``normalisation_hidden``).
    """
    table["n"] = table["n"].astype(int)
    table["n_normalisation"] = table["n_normalisation"].astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["penetration"] = table["routine"] / table["n"].where(table["n"] > 0)
        table["in_use"] = table["using"] / table["n"].where(table["n"] > 0)
    low, high = wilson_interval(table["routine"].to_numpy(), table["n"].to_numpy())
    table["penetration_ci_low"], table["penetration_ci_high"] = low, high
    table["normalisation_hidden"] = ((table["n_normalisation"] < min_group_size)
                                     & table["normalisation"].notna())
    table.loc[table["normalisation_hidden"], "normalisation"] = np.nan
    table["wave_rank"] = table["wave"].map({w: i for i, w in enumerate(waves)})
    table = table.sort_values(["provider_id", "practice", "wave_rank"])
    unknown = (table["n"] > 0) & (table["n"] < min_group_size)
    known_use = table.assign(in_use=table["in_use"].mask(unknown))
    table["maintained"] = maintained_flags(known_use, rules["maintenance_in_use_min"])
    table["unknown_waves"] = _earlier_unknown_waves(table, unknown)
    return table.drop(columns=["routine", "using", "wave_rank"])


def _earlier_unknown_waves(table: pd.DataFrame, unknown: pd.Series) -> list[str]:
    """Per row, the earlier waves of its provider and practice that had too few answers, as
    wave ids joined by ``;`` ("" for none): plain text, so the cached tables keep it exactly."""
    result, seen, key = [], [], None
    for row_key, wave, small in zip(zip(table["provider_id"], table["practice"], strict=True),
                                    table["wave"].astype(str), unknown, strict=True):
        if row_key != key:
            key, seen = row_key, []
        result.append(";".join(seen))
        if small:
            seen.append(wave)
    return result


def practice_trajectory(by_wave: pd.DataFrame, waves: list[str]) -> pd.DataFrame:
    """Each practice's path over the waves: the change between consecutive waves and overall.

    Parameters
    ----------
    by_wave
        :func:`practice_status` with ``all_waves=True``.
    waves
        The dataset's wave ids in time order.

    Returns
    -------
    pandas.DataFrame
        One row per provider, practice and step: ``step`` (``"consecutive"`` for each pair of
        neighbouring waves, ``"first_to_latest"`` for the first against the latest wave),
        ``wave_from``, ``wave_to``, ``category_from``, ``category_to``, ``penetration_from``,
        ``penetration_to``, ``penetration_change`` (NaN where either wave has too few answers
        for a status), ``n_from`` and ``n_to``. Empty with these columns for one wave.
    """
    columns = ["provider_id", "practice", "theme", "step", "wave_from", "wave_to",
               "category_from", "category_to", "penetration_from", "penetration_to",
               "penetration_change", "n_from", "n_to"]
    pairs = [("consecutive", a, b) for a, b in zip(waves[:-1], waves[1:], strict=True)]
    if len(waves) >= 2:
        pairs.append(("first_to_latest", waves[0], waves[-1]))
    keep = ["provider_id", "practice", "theme", "category", "penetration", "n"]
    frames = []
    for step, before, after in pairs:
        left = by_wave.loc[by_wave["wave"] == before, keep]
        right = by_wave.loc[by_wave["wave"] == after, keep]
        pair = left.merge(right, on=["provider_id", "practice", "theme"],
                          suffixes=("_from", "_to"))
        shown = (pair["category_from"] != TOO_FEW) & (pair["category_to"] != TOO_FEW)
        pair["penetration_change"] = (pair["penetration_to"]
                                      - pair["penetration_from"]).where(shown)
        frames.append(pair.assign(step=step, wave_from=before, wave_to=after))
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def near_boundary(table: pd.DataFrame, rules: dict) -> pd.Series:
    """Whether a status sits near a category boundary: the penetration's Wilson interval
    straddles one of the rules' penetration thresholds (strictly inside the interval).

    Such a status could as well be the neighbouring category by sampling chance alone, and the
    reports say so ("near the boundary"). ``too_few_responses`` is never near a boundary.
    """
    thresholds = [spec["penetration_min"] for spec in rules["categories"]
                  if "penetration_min" in spec]
    low = table["penetration_ci_low"].to_numpy(dtype=float)
    high = table["penetration_ci_high"].to_numpy(dtype=float)
    near = np.zeros(len(table), dtype=bool)
    with np.errstate(invalid="ignore"):
        for threshold in thresholds:
            near |= (low < threshold) & (threshold < high)
    return pd.Series(near & (table["category"] != TOO_FEW).to_numpy(), index=table.index)


#: Waves in use (since the practice was first in use) that "maintained" needs.
MIN_MAINTAINED_WAVES = 2


def maintained_flags(table: pd.DataFrame, in_use_min: float) -> pd.Series:
    """Whether each provider's practice was maintained up to each wave.

    **Maintained** at a wave: the practice has been in use (``in_use`` at least
    ``in_use_min``) at every wave since the wave it was first in use, and that makes at least
    :data:`MIN_MAINTAINED_WAVES` waves. A wave at which the provider had no answers neither
    breaks nor adds to the run. So a practice the network introduced after the baseline can
    become maintained (and embedded) from its second wave in use, a practice never in use
    is not maintained, nothing is maintained at the first wave, and a practice that fell out
    of use after it was first in use is not maintained from then on.

    Parameters
    ----------
    table
        Rows per provider, practice and wave with ``provider_id``, ``practice``, ``in_use``
        (NaN without answers), sorted by wave in time order within each provider and practice.
    in_use_min
        The instrument's ``maintenance_in_use_min``.
    """
    keys = [table["provider_id"], table["practice"]]
    answered = table["in_use"].notna()
    in_use = answered & (table["in_use"] >= in_use_min - TOLERANCE)
    started = in_use.astype(int).groupby(keys).cummax().astype(bool)
    dropped = (started & answered & ~in_use).astype(int).groupby(keys).cummax().astype(bool)
    waves_in_use = in_use.astype(int).groupby(keys).cumsum()
    return started & ~dropped & (waves_in_use >= MIN_MAINTAINED_WAVES)


def _sort_key(column: str, dataset, practice_order: dict):
    """Sort keys: waves in time order, providers in file order, practices in instrument order."""
    if column == "wave":
        return {w: i for i, w in enumerate(dataset.wave_ids)}
    if column == "provider_id":
        return {p: i for i, p in enumerate(dataset.providers["provider_id"])}
    return practice_order


# --------------------------------------------------------------------------- prepare stage


def prepared_tables(dataset) -> dict[str, pd.DataFrame]:
    """The take-hold tables for the prepare stage's cache.

    Returns
    -------
    dict
        ``dimension_change`` (first to latest wave), ``dimension_change_steps`` (between
        each pair of neighbouring waves; with two waves the same rows as
        ``dimension_change``), ``practice_trajectory`` (:func:`practice_trajectory`),
        ``mixed_models``, ``theme_effects``, ``theme_effects_by_provider`` (the equal-weight
        sensitivity check), ``practice_status`` (latest wave) and
        ``practice_status_by_wave`` (every wave); an empty dict when the dataset has fewer
        than two waves, since take-hold is about change.
    """
    waves = dataset.wave_ids
    if len(waves) < 2:
        return {}
    scores = long_scores(dataset)
    by_wave = practice_status(dataset, all_waves=True)
    overall = dimension_change(dataset, scores)
    # with two waves the one step between neighbours is the overall change itself
    steps = ([dimension_change(dataset, scores, (a, b))
              for a, b in zip(waves[:-1], waves[1:], strict=True)] if len(waves) > 2
             else [overall])
    return {
        "dimension_change": overall,
        "dimension_change_steps": pd.concat(steps, ignore_index=True),
        "practice_trajectory": practice_trajectory(by_wave, waves),
        "mixed_models": mixed_models(dataset, scores),
        "theme_effects": theme_effects(dataset, scores),
        "theme_effects_by_provider": theme_effects_by_provider(dataset, scores),
        "practice_status": (by_wave[by_wave["wave"] == dataset.wave_ids[-1]]
                            .reset_index(drop=True)),
        "practice_status_by_wave": by_wave,
    }
