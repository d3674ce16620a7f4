"""One provider's view of the prepared tables: display-ready tables with privacy applied.

A provider report calls these functions; they only select and shape rows of the prepared
network-wide tables (nothing is recomputed), pass every number through the disclosure-control
layer (:mod:`strapetsi_lib.analysis.disclosure`, which alone decides what may be shown) and put
the words of the report's language into the tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strapetsi_lib.analysis.disclosure import (
    gap_may_show,
    may_show,
    member_states,
    protect,
    suppress_by_group,
    suppress_small,
)
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present.i18n import (
    Text,
    and_list,
    count_word,
    hidden_label,
    interval,
    join,
    number,
    percent,
    sentence_start,
    text,
    too_few,
)
from strapetsi_lib.present.precision import (
    CHANGE_DECIMALS,
    MEAN_DECIMALS,
    as_shown,
    intervals_as_shown,
    share_as_shown,
    threshold_decimals,
)
from strapetsi_lib.present.survey_words import (
    best_note,
    direction_note,
    items_note,
    report_title,
    role_label,
    scale_labels,
    scale_sides,
    scale_span,
    statement_text,
    survey_text,
    wave_phrase,
)
from strapetsi_lib.present.view_cache import cached_view


@cached_view
def _own_waves(prepared: Prepared, provider_id: str) -> pd.Series | None:
    """The provider's row of ``provider_waves`` (None for tables prepared without it)."""
    if "provider_waves" not in prepared.tables:
        return None
    rows = prepared.rows("provider_waves", provider_id)
    return rows.iloc[0] if len(rows) else None


def baseline_wave(prepared: Prepared, provider_id: str | None = None) -> str:
    """The wave the baseline analysis describes: the provider's first wave with enough answers
    (:func:`strapetsi_lib.analysis.waves.provider_waves`; a late joiner's first), or the
    dataset's first wave when no provider is named."""
    own = None if provider_id is None else _own_waves(prepared, provider_id)
    return prepared.wave_ids[0] if own is None else str(own["baseline_wave"])


def latest_wave(prepared: Prepared, provider_id: str | None = None) -> str:
    """The provider's latest wave with enough answers (an earlier follow-up when the dataset's
    latest has none or too few from it), or the dataset's latest wave when no provider is
    named."""
    own = None if provider_id is None else _own_waves(prepared, provider_id)
    return prepared.wave_ids[-1] if own is None else str(own["latest_wave"])


def title(prepared: Prepared, provider_id: str, language: str) -> Text:
    """The report's title: the survey's, with the provider's name (and the years it covers)."""
    return report_title(prepared, prepared.provider(provider_id)["name"], language)


def intro_text(prepared: Prepared, provider_id: str, language: str) -> Text:
    """The report's opening paragraph: the survey, its waves, the network, the minimum group."""
    return survey_text(prepared.instrument, "intro", language,
                       provider=prepared.provider(provider_id)["name"],
                       waves=and_list([prepared.wave_label(w, language)
                                       for w in prepared.wave_ids], language),
                       n_providers=len(prepared["providers"]),
                       min_group=prepared.min_group_size)


def areas_heading(prepared: Prepared, language: str) -> Text:
    """The heading of the section on the dimensions."""
    return survey_text(prepared.instrument, "areas_heading", language)


def methods_text(prepared: Prepared, language: str) -> Text:
    """The methods paragraph: what the survey measures, on which scale, and how it is scored."""
    instrument = prepared.instrument
    measures = survey_text(instrument, "methods_intro", language,
                           n_dimensions=len(instrument.dimensions),
                           n_items=len(instrument.scale_item_codes),
                           scale=scale_span(instrument), **scale_labels(instrument, language))
    return join([measures, text("methods_text", language,
                                direction=direction_note(instrument, language)),
                 text("stats_percentile_method", language)])


def role_table(prepared: Prepared, provider_id: str, language: str) -> pd.DataFrame:
    """Respondents by role and wave, with the total and the response rate.

    Each wave's roles are one breakdown with its total shown
    (:func:`~strapetsi_lib.analysis.disclosure.protect`): a hidden role says why it is hidden
    ("alle 5 vastaajaa", or to protect another role:
    :func:`~strapetsi_lib.analysis.disclosure.member_states`), a role without respondents
    reads 0, and a total under the minimum hides everything, the response rate and which roles
    are empty included (with one respondent, an empty role would tell that person's role).
    """
    mgs = prepared.min_group_size
    roles = prepared.instrument.role_codes
    counts = prepared.rows("respondents_by_role", provider_id)
    rates = prepared.rows("response_rates", provider_id).set_index("wave")
    columns = {}
    for wave in prepared.wave_ids:
        wave_counts = counts[counts["wave"] == wave].set_index("role")["n"].reindex(roles)
        protection = protect(wave_counts, mgs)
        states = member_states(wave_counts, protection, mgs)
        cells = [str(int(wave_counts[role])) if protection.shown(role)
                 else hidden_label(states[role], language, mgs) for role in roles]
        total = int(wave_counts.fillna(0).sum())
        cells.append(str(total) if protection.total_shown else too_few(language, mgs))
        rate = rates.loc[wave, "response_rate"] if wave in rates.index else float("nan")
        cells.append(percent(rate, language) if protection.total_shown else "\u2013")
        columns[prepared.wave_label(wave, language)] = cells
    index = [role_label(prepared.instrument, role, language) for role in roles]
    index += [text("total", language), text("response_rate", language)]
    table = pd.DataFrame(columns, index=index)
    table.index.name = text("respondents", language)
    return table.reset_index()


@cached_view
def role_counts(prepared: Prepared, provider_id: str, wave: str) -> pd.Series:
    """Respondents per role at a wave as the report may show them (NaN where suppressed).

    Decided by :func:`~strapetsi_lib.analysis.disclosure.protect`, as in :func:`role_table`;
    a role without respondents reads 0 beside a shown total.
    """
    counts = prepared.rows("respondents_by_role", provider_id)
    wave_counts = (counts[counts["wave"] == wave].set_index("role")["n"]
                   .reindex(prepared.instrument.role_codes).astype(float).fillna(0.0))
    protection = protect(wave_counts, prepared.min_group_size)
    return wave_counts.where([protection.shown(role) or protection.shows_none(role)
                              for role in wave_counts.index])


def dimension_profile(prepared: Prepared, provider_id: str, wave: str) -> pd.DataFrame:
    """The provider's dimension means for a wave beside the network, small groups removed.

    Returns
    -------
    DataFrame
        ``dimension, n, mean, ci_low, ci_high, network_mean`` in the instrument's order;
        a dimension with fewer than the minimum respondents has NaN values. Means are rounded
        as the report prints them and the interval outward (:mod:`strapetsi_lib.present.
        precision`).
    """
    own = prepared.rows("dimension_means", provider_id)
    own = own[own["wave"] == wave].set_index("dimension")
    net = prepared["network_dimension_means"]
    net = net[net["wave"] == wave].set_index("dimension")["mean"]
    order = prepared.instrument.dimension_codes
    table = own.reindex(order)[["n", "mean", "ci_low", "ci_high"]]
    table = suppress_small(table, "n", ["mean", "ci_low", "ci_high"], prepared.min_group_size)
    table["network_mean"] = net.reindex(order)
    table = as_shown(table.drop(columns="suppressed").reset_index(), ["mean", "network_mean"],
                     MEAN_DECIMALS)
    return intervals_as_shown(table, "ci_low", "ci_high", MEAN_DECIMALS)


def network_profile(prepared: Prepared, wave: str) -> pd.DataFrame:
    """The network's dimension means for a wave (``dimension, mean``), as the report prints
    them, for the profile figure."""
    net = prepared["network_dimension_means"]
    return as_shown(net[net["wave"] == wave].reset_index(drop=True), ["mean"], MEAN_DECIMALS)


def profile_table(profile: pd.DataFrame, prepared: Prepared, language: str,
                  earlier: pd.DataFrame | None = None,
                  earlier_wave: str | None = None) -> pd.DataFrame:
    """The dimension profile as a table with words and numbers in the report's language.

    Parameters
    ----------
    profile
        :func:`dimension_profile` of the wave the table is about (the report's latest).
    earlier, earlier_wave
        The profile of an earlier wave (the baseline) and its id, shown as a last column
        beside the latest wave's means; None for a report of one wave.
    """
    mgs = prepared.min_group_size
    instrument = prepared.instrument
    rows = []
    before = None if earlier is None else earlier.set_index("dimension")["mean"]
    for row in profile.itertuples():
        shown = pd.notna(row.mean)
        cells = {
            text("dimension", language): instrument.dimension(row.dimension).name[language],
            text("mean", language): number(row.mean, language) if shown else too_few(language, mgs),
            text("ci95", language): interval(row.ci_low, row.ci_high, language) if shown else "",
            text("network_average", language): number(row.network_mean, language),
        }
        if before is not None:
            value = before.get(row.dimension)
            cells[text("profile_col_earlier", language,
                       wave=prepared.wave_label(earlier_wave, language))] = (
                number(value, language) if pd.notna(value) else too_few(language, mgs))
        rows.append(cells)
    return pd.DataFrame(rows)


@cached_view
def network_ranks(prepared: Prepared, wave: str) -> pd.DataFrame:
    """Every ranked provider's means for a wave, for the anonymous place-in-network figure,
    rounded as the report prints means (:mod:`strapetsi_lib.present.precision`)."""
    ranks = prepared["dimension_ranks"]
    return as_shown(ranks[ranks["wave"] == wave].reset_index(drop=True), ["mean"],
                    MEAN_DECIMALS)


#: Where the quartiles begin (analysis.stats.quartile_of), beside which a percentile is printed.
QUARTILE_STARTS = (25, 50, 75)


def percentile_text(percentile: float, language: str) -> str:
    """A percentile as printed: whole, with a decimal only where a whole number would put it
    in the next quartile (49,5 is in the second, "50" would read as the third)."""
    return number(percentile, language, threshold_decimals(percentile, QUARTILE_STARTS, 0))


@cached_view
def provider_place(prepared: Prepared, provider_id: str, wave: str) -> pd.DataFrame:
    """The provider's percentile and quartile per dimension at a wave (NaN where it is not
    ranked: too few answers), in the instrument's order."""
    ranks = network_ranks(prepared, wave)
    own = ranks[ranks["provider_id"] == provider_id].set_index("dimension")
    return own.reindex(prepared.instrument.dimension_codes)[["percentile", "quartile"]]


def place_table(prepared: Prepared, provider_id: str, wave: str, language: str,
                earlier_wave: str | None = None) -> pd.DataFrame:
    """The provider's percentile and quartile among all providers, per dimension, with the
    percentile at an earlier wave (the baseline) beside it when one is given."""
    own = provider_place(prepared, provider_id, wave)
    before = None if earlier_wave is None else provider_place(prepared, provider_id,
                                                              earlier_wave)
    instrument = prepared.instrument
    mgs = prepared.min_group_size
    rows = []
    for dim in instrument.dimension_codes:
        ranked = pd.notna(own.loc[dim, "percentile"])
        cells = {
            text("dimension", language): instrument.dimension(dim).name[language],
            text("percentile", language): (percentile_text(own.loc[dim, "percentile"],
                                                           language)
                                           if ranked else too_few(language, mgs)),
            text("quartile", language): (text(f"quartile_{int(own.loc[dim, 'quartile'])}",
                                              language) if ranked else ""),
        }
        if before is not None:
            value = before.loc[dim, "percentile"]
            cells[text("place_col_earlier", language,
                       wave=prepared.wave_label(earlier_wave, language))] = (
                percentile_text(value, language) if pd.notna(value) else too_few(language, mgs))
        rows.append(cells)
    return pd.DataFrame(rows)


def items_text(prepared: Prepared, language: str) -> Text:
    """How the chart of answers reads, in the scale's words for its two sides, and where the
    low side is the good result."""
    note = items_note(prepared.instrument, language)
    words = text("items_text", language, **scale_sides(prepared.instrument, language))
    return words if note is None else join([words, note])


def items_caption(wave_label: str, part: int, parts: int, language: str) -> Text:
    """The statement chart's caption: its wave, and which part it is when the chart is cut
    into parts (one bracket: "(Kysely 2025, 1/3)")."""
    if parts > 1:
        return text("items_caption_part", language, wave=wave_label, part=part, parts=parts)
    return text("items_caption", language, wave=wave_label)


def item_distribution(prepared: Prepared, provider_id: str, wave: str) -> pd.DataFrame:
    """The provider's answer shares per item for a wave, items with too few answers removed;
    shares in whole percentages as the report prints them, so that a bar's width tells no
    exact count (:mod:`strapetsi_lib.present.precision`)."""
    dist = prepared.rows("item_distributions", provider_id)
    dist = dist[dist["wave"] == wave]
    totals = dist.groupby("item")["n"].transform("sum")
    # as booleans even when the wave has no rows (a wave the provider did not take part in):
    # an empty mask of objects would select columns, not rows
    shown = dist[totals.map(lambda n: may_show(n, prepared.min_group_size)).astype(bool)]
    return share_as_shown(shown.reset_index(drop=True), ["share"])


def strengths_and_areas(prepared: Prepared, provider_id: str, wave: str,
                        count: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The provider's strengths and areas to develop by the honest-comparison rule.

    See :func:`strapetsi_lib.present.comparisons.compare_items` (which also gives the highest
    and lowest items for when no item differs clearly).
    """
    from strapetsi_lib.present.comparisons import compare_items

    result = compare_items(prepared, provider_id, wave, count)
    return result.strengths, result.areas


def unclear_items_headings(prepared: Prepared, language: str) -> tuple[Text, Text]:
    """The headings of the provider's items furthest above and below the network when none
    differs clearly: highest and lowest, or best and weakest where a dimension's lower score is
    the better one (the lists are ordered by which is better)."""
    if prepared.instrument.lower_is_better:
        return text("items_best", language), text("items_weakest", language)
    return text("stats_highest_items", language), text("stats_lowest_items", language)


def items_table(items: pd.DataFrame, prepared: Prepared, language: str) -> pd.DataFrame:
    """Strength or development items as a table in the report's language; a reverse-keyed
    statement says that its mean is reversed (:func:`~strapetsi_lib.present.survey_words.
    statement_text`), so that a high mean beside a negative wording is not misread."""
    instrument = prepared.instrument
    return pd.DataFrame({
        text("statement", language): [statement_text(instrument, c, language)
                                      for c in items["item"]],
        text("mean", language): [number(v, language) for v in items["mean"]],
        text("network_average", language): [number(v, language) for v in items["network_mean"]],
        text("std_difference", language): [number(v, language, 2, signed=True)
                                           for v in items["std_diff"]],
    })


def role_means(prepared: Prepared, provider_id: str, wave: str) -> pd.DataFrame:
    """Dimension means by role for a wave, with hidden roles blanked.

    Per dimension the roles are one breakdown of the *answers* to that dimension (the
    provider's mean of the dimension is shown beside it), protected by
    :func:`~strapetsi_lib.analysis.disclosure.protect`; ``suppressed`` marks blank cells.
    Means are rounded as the report prints them (the heatmap's colours carry no more).
    """
    means = prepared.rows("role_dimension_means", provider_id)
    means = means[means["wave"] == wave]
    found = dict(zip(zip(means["role"], means["dimension"], strict=True),
                     zip(means["n"].tolist(), means["mean"].tolist(), strict=True), strict=True))
    instrument = prepared.instrument
    # every role beside every dimension, each cell its answers (0 for none) and mean
    cells = [(role, dim, *found.get((role, dim), (0.0, np.nan)))
             for role in instrument.role_codes for dim in instrument.dimension_codes]
    table = pd.DataFrame({
        "role": [cell[0] for cell in cells], "dimension": [cell[1] for cell in cells],
        "n": [0.0 if pd.isna(cell[2]) else float(cell[2]) for cell in cells],
        "mean": np.array([cell[3] for cell in cells], dtype=float)})
    return as_shown(suppress_by_group(table, ["dimension"], "role", "n", ["mean"],
                                      prepared.min_group_size), ["mean"], MEAN_DECIMALS)


def has_leader_gap(prepared: Prepared) -> bool:
    """Whether the instrument names the role that is the leadership, which the gap needs."""
    return prepared.instrument.leadership_role is not None


def roles_heading(prepared: Prepared, language: str) -> Text:
    """The roles section's heading: the leadership and the staff, or the groups alone."""
    return text("roles_heading" if has_leader_gap(prepared) else "roles_heading_no_leadership",
                language)


def leader_gap(prepared: Prepared, provider_id: str, wave: str) -> pd.DataFrame:
    """Leaders' minus other staff's mean per dimension, NaN where it may not be shown.

    The gap is shown only where the leaders' cell of the role breakdown is shown
    (:func:`role_means`) and both groups rest on enough answers
    (:func:`~strapetsi_lib.analysis.disclosure.gap_may_show`): leaders hidden only to protect
    another role would otherwise be given away.
    """
    mgs = prepared.min_group_size
    gap = prepared.rows("leader_staff_gap", provider_id)
    gap = gap[gap["wave"] == wave].set_index("dimension").reindex(
        prepared.instrument.dimension_codes)
    means = prepared.rows("role_dimension_means", provider_id)
    means = means[means["wave"] == wave]
    answers = dict(zip(zip(means["dimension"], means["role"], strict=True), means["n"],
                       strict=True))
    instrument = prepared.instrument
    allowed = [gap_may_show(protect({role: answers.get((dim, role), 0)
                                     for role in instrument.role_codes}, mgs),
                            row.n_leader, row.n_staff, mgs, leader=instrument.leadership_role)
               for dim, row in zip(gap.index, gap.itertuples(index=False), strict=True)]
    gap["gap"] = gap["gap"].where(pd.Series(allowed, index=gap.index))
    return gap.reset_index()


def reliability_table(prepared: Prepared, wave: str, language: str) -> pd.DataFrame:
    """Cronbach's alpha per dimension, network-wide, for the methods note."""
    rel = prepared["reliability"]
    rel = rel[rel["wave"] == wave].set_index("dimension").reindex(
        prepared.instrument.dimension_codes)
    instrument = prepared.instrument
    return pd.DataFrame({
        text("dimension", language): [instrument.dimension(d).name[language] for d in rel.index],
        text("items", language): rel["n_items"].astype(int).tolist(),
        text("cronbach_alpha", language): [number(a, language, 2) for a in rel["alpha"]],
    })


def respondents_sentence(prepared: Prepared, provider_id: str, wave: str, language: str) -> str:
    """How many answered in a wave, with the response rate when the staff count is known."""
    rates = prepared.rows("response_rates", provider_id).set_index("wave")
    n = int(rates.loc[wave, "n"])
    if not may_show(n, prepared.min_group_size):
        return text("profile_none", language)
    rate = rates.loc[wave, "response_rate"]
    rate_part = "" if pd.isna(rate) else text("rate_part", language, rate=percent(rate, language))
    words = text("respondents_text", language, n=n, rate_part=rate_part,
                 wave=wave_phrase(prepared, wave, language, "to"))
    return sentence_start(words)


def profile_sentence(profile: pd.DataFrame, prepared: Prepared, language: str,
                     wave: str | None = None) -> str:
    """The wave the profile is of, the strongest and weakest dimension and how many are
    better than the network average.

    Where a dimension declares that a lower score is better, its strength is read that way
    round: the strongest dimension is the one whose mean is best on its own direction, and a
    mean below the network's is the better one.

    Parameters
    ----------
    wave
        The profile's wave (named in the sentence); the dataset's latest when not given.
    """
    shown = profile.dropna(subset=["mean"])
    if shown.empty:
        return text("profile_none", language)
    instrument = prepared.instrument
    names = {d.code: d.name[language] for d in instrument.dimensions}
    from strapetsi_lib.present.comparisons import rounded_sign

    scale = instrument.score_scale
    sign = shown["dimension"].map(lambda d: 1 if instrument.higher_is_better(d) else -1)
    # a lower-is-better mean m stands where (min + max) - m would on a higher-is-better one
    goodness = shown["mean"].where(sign > 0, scale.min + scale.max - shown["mean"])
    best = shown.loc[goodness.idxmax()]
    worst = shown.loc[goodness.idxmin()]
    # areas whose mean prints as the strongest's or the weakest's are named too
    printed = goodness.round(MEAN_DECIMALS)
    ties = "".join(
        " " + str(text(f"stats_profile_tie_{side}" + ("_many" if len(tied) > 1 else ""),
                       language, dimensions=and_list([names[d] for d in tied], language)))
        for side, row in (("best", best), ("worst", worst))
        if (tied := [d for d, p in zip(shown["dimension"], printed, strict=True)
                     if p == printed[row.name] and d != row["dimension"]])
        and printed.max() != printed.min())
    signs = [s * rounded_sign(m, n) for m, n, s in zip(shown["mean"], shown["network_mean"],
                                                       sign, strict=True)]
    everything = len(shown) == len(instrument.dimension_codes)
    return text("stats_profile_text", language, best=names[best["dimension"]],
                best_mean=number(best["mean"], language), worst=names[worst["dimension"]],
                worst_mean=number(worst["mean"], language), ties=ties,
                scale=scale_span(instrument),
                best_note=best_note(instrument, language),
                wave=wave_phrase(prepared, wave or prepared.wave_ids[-1], language, "from"),
                comparison=comparison_sentence(signs.count(1), signs.count(0),
                                               signs.count(-1), language,
                                               by_direction=bool(instrument.lower_is_better),
                                               all_areas=everything))


def comparison_sentence(above: int, level: int, below: int, language: str,
                        by_direction: bool = False, all_areas: bool = False) -> str:
    """How many areas are above, level with and below the network average, in one sentence.

    Only the sides with at least one area are listed, so no sentence says "0 areas"; counts up
    to ten are words ("neljällä", "fyra"); the first side listed names the areas, the later
    ones refer back (the texts ``stats_profile_*``). Where ``all_areas`` are on one side, the
    sentence says so ("heikompi kaikilla kuudella osa-alueella"). With ``by_direction`` (an
    instrument with a dimension where a lower score is better) the counts are of better and
    worse results, and the words say so.
    """
    sides = (("better", above), ("level", level), ("worse", below)) if by_direction else (
        ("above", above), ("level", level), ("below", below))
    present = [(side, count) for side, count in sides if count]
    if all_areas and len(present) == 1:
        side, count = present[0]
        return text(f"stats_profile_all_{side}", language,
                    count=count_word(count, language, "adessive") or str(count))
    parts = []
    for side, count in present:
        form = "later" if parts else ("first_one" if count == 1 else "first")
        parts.append(text(f"stats_profile_{side}_{form}", language,
                          n=count_word(count, language, "adessive") or str(count)))
    words = text("stats_profile_comparison", language, parts=and_list(parts, language))
    return sentence_start(words)


def gap_sentence(gaps: pd.DataFrame, prepared: Prepared, language: str) -> str:
    """The dimension with the largest gap between leaders and other staff, if it can be shown."""
    shown = gaps.dropna(subset=["gap"])
    if shown.empty:
        return text("gap_none", language, min_group=prepared.min_group_size)
    row = shown.loc[shown["gap"].abs().idxmax()]
    direction = text("gap_higher" if row["gap"] > 0 else "gap_lower", language)
    return text("gap_text", language,
                dimension=prepared.instrument.dimension(row["dimension"]).name[language],
                gap=number(abs(row["gap"]), language, CHANGE_DECIMALS), direction=direction)


def published_counts(prepared: Prepared, provider_id: str) -> dict[str, int]:
    """The answers behind every group whose figures the provider's report publishes.

    Read from the views the report's sections use, after the disclosure layer has decided what
    they show (a hidden role or a suppressed mean is not a published group): respondents per
    shown role and in total, answers per shown dimension mean, per shown statement, per shown
    role cell of the heatmap and per shown row of the development-discussion table, at every
    wave. Keys name the group (``wave/what/which``); the publication rule across versions
    (:mod:`strapetsi_lib.batch.publication`) compares them between two versions.
    """
    from strapetsi_lib.present.devdisc_view import discussion_rows, has_discussions

    counts: dict[str, int] = {}

    def put(key: str, n: float) -> None:
        if pd.notna(n) and n > 0:
            counts[key] = int(n)

    rates = prepared.rows("response_rates", provider_id).set_index("wave")
    for wave in prepared.wave_ids:
        for role, n in role_counts(prepared, provider_id, wave).items():
            put(f"{wave}/respondents/{role}", n)
        total = rates["n"].get(wave, 0)
        if may_show(total, prepared.min_group_size):
            put(f"{wave}/respondents/all", total)
        for row in dimension_profile(prepared, provider_id, wave).itertuples():
            if pd.notna(row.mean):
                put(f"{wave}/dimension/{row.dimension}", row.n)
        items = item_distribution(prepared, provider_id, wave)
        for item, n in items.groupby("item", sort=False)["n"].sum().items():
            put(f"{wave}/item/{item}", n)
        for row in role_means(prepared, provider_id, wave).itertuples():
            if pd.notna(row.mean):
                put(f"{wave}/{row.role}/{row.dimension}", row.n)
        if not has_discussions(prepared):  # an instrument without the section
            continue
        for role, row in discussion_rows(prepared, provider_id, wave).iterrows():
            put(f"{wave}/discussion/{role}", row["answers"])
    return counts
