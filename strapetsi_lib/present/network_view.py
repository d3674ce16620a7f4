"""The coordinator's view of the prepared tables: network-wide tables for the network report.

Providers appear by a neutral code derived from a secret key
(:mod:`strapetsi_lib.present.provider_codes`) unless the run is asked to name them; a
provider's figures (its response rate, means, practice statuses) pass the disclosure-control
layer (:mod:`strapetsi_lib.analysis.disclosure`) and are shown only where they rest on at least
``min_group_size`` answers. Nothing here recomputes a statistic: every function selects and
shapes rows of the prepared tables (:mod:`strapetsi_lib.prepare`) and puts the words and
numbers of the report's language into them.
"""

from __future__ import annotations

import math

import pandas as pd

from strapetsi_lib.analysis.disclosure import may_show, safe_practice_status, singled_out
from strapetsi_lib.analysis.network_models import MIN_USABLE_DF
from strapetsi_lib.analysis.stats import is_clear
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present.i18n import (
    Text,
    and_list,
    count_word,
    interval,
    join,
    name_order,
    number,
    percent,
    percent_range,
    text,
)
from strapetsi_lib.present.precision import (
    CHANGE_DECIMALS,
    MEAN_DECIMALS,
    as_shown,
    interval_as_shown,
    share_as_shown,
)
from strapetsi_lib.present.provider_codes import provider_codes
from strapetsi_lib.present.stats_view import (
    adjusted_ci_header,
    alpha_text,
    rule_text,
    threshold_text,
    verdict_interval,
    verdict_word,
)
from strapetsi_lib.present.survey_words import best_note, scale_span, survey_text, theme_name

#: Decimals of model estimates (differences in scale points, present/precision.py): effects of
#: 0.03 and 0.3 must read differently.
EFFECT_DECIMALS = CHANGE_DECIMALS
#: Adjusted p-values below this are written as "< 0,001".
P_FLOOR = 0.001
#: Practice categories in the order of the status map's legend, from most to least taken hold.
CATEGORIES = ("embedded", "adopting", "trying", "not_in_use", "too_few_responses")


# --------------------------------------------------------------------------- providers, intro


def provider_labels(prepared: Prepared, name_providers: bool = False) -> dict[str, str]:
    """How each provider is shown: a neutral code from the dataset's secret key
    (:func:`~strapetsi_lib.present.provider_codes.provider_codes`), or its name when the run
    names providers."""
    providers = prepared["providers"].sort_values("provider_id")
    if name_providers:
        return dict(zip(providers["provider_id"], providers["name"], strict=True))
    return provider_codes(prepared)


def first_wave(prepared: Prepared) -> str:
    """The baseline wave."""
    return prepared.wave_ids[0]


def latest_wave(prepared: Prepared) -> str:
    """The latest wave."""
    return prepared.wave_ids[-1]


def compared_waves(prepared: Prepared) -> list[str]:
    """The waves the report sets side by side: the baseline and the latest (one if equal)."""
    return list(dict.fromkeys([first_wave(prepared), latest_wave(prepared)]))


def wave_labels(prepared: Prepared, language: str) -> dict[str, str]:
    """Each wave id's label in ``language``, in time order."""
    return {wave: prepared.wave_label(wave, language) for wave in prepared.wave_ids}


def has_takehold(prepared: Prepared) -> bool:
    """Whether the prepared tables hold the take-hold results (two waves or more)."""
    return "mixed_models" in prepared.tables and not prepared["mixed_models"].empty


def has_themes(prepared: Prepared) -> bool:
    """Whether there are theme results: two waves, and providers taking part in a theme."""
    return has_takehold(prepared) and "theme_effects" in prepared.tables \
        and not prepared["theme_effects"].empty


def has_practices(prepared: Prepared) -> bool:
    """Whether there is a practice status to show: two waves and practices in the instrument."""
    return has_takehold(prepared) and bool(prepared.instrument.practices)


def title(prepared: Prepared, language: str) -> Text:
    """The report's title."""
    return survey_text(prepared.instrument, "network_title", language)


def spread_text(prepared: Prepared, language: str) -> Text:
    """How the figure of provider means reads, with the scale and which end is best."""
    instrument = prepared.instrument
    return text("network_spread_text", language, min_group=prepared.min_group_size,
                scale=scale_span(instrument), best_note=best_note(instrument, language))


def no_takehold_text(prepared: Prepared, language: str) -> Text:
    """Why there is no change (one wave), naming the practices only where there are some."""
    return text("network_no_takehold" if prepared.instrument.practices
                else "network_no_takehold_no_practices", language)


def evidence_shows(prepared: Prepared, language: str) -> Text:
    """What the results on change show, as the provider reports say it."""
    from strapetsi_lib.present.takehold_view import evidence_shows

    return evidence_shows(prepared, language)


def has_response_rates(prepared: Prepared) -> bool:
    """Whether some provider's response rate may be shown (its staff count is known)."""
    return not shown_response_rates(prepared).empty


def responses_and_persons(prepared: Prepared) -> tuple[int, int]:
    """The responses of every wave together, and the people who gave them, each once
    (:func:`strapetsi_lib.analysis.baseline.distinct_respondents`)."""
    responses = int(prepared["response_rates"]["n"].sum())
    if "distinct_respondents" not in prepared.tables:  # tables prepared before it existed
        return responses, responses
    return responses, int(prepared["distinct_respondents"]["n_persons"].sum())


def responses_text(prepared: Prepared, language: str) -> Text:
    """"Vastauksia oli yhteensä 17 050 (13 949 eri henkilöä)": a person who answered two waves
    is counted once among the people."""
    responses, persons = responses_and_persons(prepared)
    return text("network_responses" if persons < responses else "network_responses_once",
                language, responses=number(responses, language, 0),
                persons=number(persons, language, 0))


def shows_codes(prepared: Prepared, name_providers: bool = False) -> bool:
    """Whether the report shows providers one by one by code (the practice statuses, where
    no provider's row would single it out: :func:`rows_by_provider_shown`)."""
    return not name_providers and has_practices(prepared) and rows_by_provider_shown(prepared)


def intro_text(prepared: Prepared, language: str, name_providers: bool = False) -> Text:
    """The report's opening words, computed from the data: providers, waves, responses (and
    the people who gave them, each once: :func:`responses_text`).

    The words are the instrument's (``report_texts.network_intro``) or the package's; an
    instrument's own words may use ``{responses}`` (that sentence), or ``{respondents}`` (the
    responses of every wave together) and ``{per_wave}`` (each wave's).
    """
    rates = prepared["response_rates"]
    per_wave = rates.groupby("wave")["n"].sum()
    waves = list(prepared.wave_ids)
    words = survey_text(
        prepared.instrument, "network_intro", language,
        responses=responses_text(prepared, language),
        respondents=number(per_wave.reindex(waves).fillna(0).sum(), language, 0),
        per_wave="; ".join(f"{prepared.wave_label(w, language)} "
                           f"{number(per_wave.get(w, 0), language, 0)}" for w in waves),
        n_providers=number(len(prepared["providers"]), language, 0),
        waves=and_list([prepared.wave_label(w, language) for w in waves], language),
    )
    if name_providers:
        privacy = text("network_intro_names", language, min_group=prepared.min_group_size)
    elif not shows_codes(prepared):
        privacy = text("network_intro_no_rows", language, min_group=prepared.min_group_size)
    else:
        codes = sorted(provider_labels(prepared).values())
        privacy = text("network_intro_codes", language, first_code=codes[0],
                       second_code=codes[min(1, len(codes) - 1)],
                       min_group=prepared.min_group_size)
    return join([words, privacy])


# --------------------------------------------------------------------------- response rates


def response_summary(prepared: Prepared, language: str) -> pd.DataFrame:
    """Per wave: providers with respondents, respondents, and the spread of response rates."""
    rates = prepared["response_rates"]
    shown = shown_response_rates(prepared)
    rows = []
    for wave in prepared.wave_ids:
        block = rates[rates["wave"] == wave]
        known = shown.loc[shown["wave"] == wave, "response_rate"]
        rows.append({
            text("network_wave", language): prepared.wave_label(wave, language),
            text("network_providers_with_responses", language): int((block["n"] > 0).sum()),
            text("respondents", language): number(block["n"].sum(), language, 0),
            text("network_median_response_rate", language): percent(known.median(), language),
            text("network_response_rate_range", language): (
                percent_range(known.min(), known.max(), language) if len(known) else "\u2013"),
        })
    return pd.DataFrame(rows)


def shown_response_rates(prepared: Prepared) -> pd.DataFrame:
    """The response rates that may be published: a provider's rate rests on its respondents, so
    it (and any median or range of rates) leaves out providers with fewer than
    ``min_group_size`` respondents in the wave, as their own reports do."""
    rates = prepared["response_rates"]
    enough = rates["n"].map(lambda n: may_show(n, prepared.min_group_size))
    return rates[enough & rates["response_rate"].notna()].reset_index(drop=True)


def provider_response_rates(prepared: Prepared) -> pd.DataFrame:
    """Every provider's response rate per wave (``wave, response_rate``), unnamed; providers
    with too few respondents (:func:`shown_response_rates`) or without a known staff count are
    left out; rates in whole percentages, as printed (:mod:`strapetsi_lib.present.precision`)."""
    return share_as_shown(shown_response_rates(prepared)[["wave", "response_rate"]],
                          ["response_rate"])


def rates_labelled(prepared: Prepared, name_providers: bool = False) -> bool:
    """Whether the response-rate figure labels each provider: in the coordinator's report,
    which names the providers, only.

    A provider's response rates are in its own report, so a row labelled with a code would
    tell it its own code in a forwarded network report (and anyone who knows a provider's
    response rates, its code): the report by code singles out no provider (README, "What a
    report publishes"). There each provider is an unlabelled row, highest rate first.
    """
    return name_providers


def rates_by_provider(prepared: Prepared, name_providers: bool = False) -> pd.DataFrame:
    """Each shown provider's response rate in the compared waves, as printed, with its label
    (:func:`provider_labels`): ``label, wave, response_rate``, for
    :func:`strapetsi_lib.present.network_figures.response_rates`."""
    labels = provider_labels(prepared, name_providers)
    rates = shown_response_rates(prepared)
    rates = rates[rates["wave"].isin(compared_waves(prepared))]
    rates = share_as_shown(rates, ["response_rate"])
    return pd.DataFrame({"label": rates["provider_id"].map(labels).to_numpy(),
                         "wave": rates["wave"].to_numpy(),
                         "response_rate": rates["response_rate"].to_numpy()})


def rates_table(rates: pd.DataFrame, wave_labels: dict[str, str],
                language: str) -> pd.DataFrame:
    """The response-rate figure's numbers as a table (for the download): a row per provider
    label, highest latest rate first as in the figure, a column per wave."""
    waves = [w for w in wave_labels if (rates["wave"] == w).any()]
    wide = (rates.pivot_table(index="label", columns="wave", values="response_rate",
                              aggfunc="first").reindex(columns=waves))
    wide = wide.assign(_key=wide[waves[-1]].fillna(-1.0)).sort_values(
        "_key", ascending=False, kind="stable")
    table = pd.DataFrame({text("network_provider_axis", language): list(wide.index)})
    for wave in waves:
        table[wave_labels[wave]] = [percent(v, language) if not pd.isna(v) else "\u2013"
                                    for v in wide[wave]]
    return table


def published_counts(prepared: Prepared) -> dict[str, int]:
    """The answers behind every per-provider figure the network report publishes: each shown
    provider's respondents per wave (its response rate) and answers per dimension and wave (its
    dot), keyed ``provider/wave/what``; compared between two versions by the publication rule
    (:mod:`strapetsi_lib.batch.publication`)."""
    counts: dict[str, int] = {}
    for row in shown_response_rates(prepared).itertuples():
        counts[f"{row.provider_id}/{row.wave}/respondents"] = int(row.n)
    means = prepared["dimension_means"]
    for row in means[means["n"].map(lambda n: may_show(n, prepared.min_group_size))].itertuples():
        counts[f"{row.provider_id}/{row.wave}/{row.dimension}"] = int(row.n)
    return counts


# ------------------------------------------------------------------------- providers per dimension


def provider_means(prepared: Prepared) -> pd.DataFrame:
    """Every provider's dimension mean per wave, for providers with enough respondents,
    rounded as the report prints means (:mod:`strapetsi_lib.present.precision`)."""
    means = prepared["dimension_means"]
    enough = means["n"].map(lambda n: may_show(n, prepared.min_group_size))
    return as_shown(means[enough].reset_index(drop=True), ["mean"], MEAN_DECIMALS)


def dimension_spread(prepared: Prepared, language: str,
                     wave: str | None = None) -> pd.DataFrame:
    """Per dimension (and wave): network mean with CI and the spread of provider means.

    Parameters
    ----------
    wave
        One wave's table (no wave column), so that it fits a page; ``None`` gives every wave,
        with a wave column.

    Means with one decimal, as every report writes them (:mod:`strapetsi_lib.present.
    precision`); the network's narrow interval (thousands of respondents) is rounded outward,
    so that it never reads as a point ("3,0–3,1", not "3,0–3,0").
    """
    network = prepared["network_dimension_means"]
    means = provider_means(prepared)
    instrument = prepared.instrument
    rows = []
    for dim in instrument.dimension_codes:
        for wave_id in prepared.wave_ids if wave is None else [wave]:
            net = network[(network["wave"] == wave_id) & (network["dimension"] == dim)]
            own = means[(means["wave"] == wave_id) & (means["dimension"] == dim)]["mean"]
            if net.empty:
                continue
            net = net.iloc[0]
            row = {text("dimension", language): instrument.dimension(dim).name[language]}
            if wave is None:
                row[text("network_wave", language)] = prepared.wave_label(wave_id, language)
            rows.append({
                **row,
                text("mean", language): number(net["mean"], language, MEAN_DECIMALS),
                text("ci95", language): interval(*interval_as_shown(net["ci_low"], net["ci_high"],
                                                                    MEAN_DECIMALS),
                                                 language, MEAN_DECIMALS),
                text("network_providers", language): len(own),
                text("network_provider_range", language): (
                    interval(own.min(), own.max(), language, MEAN_DECIMALS) if len(own)
                    else "\u2013"),
            })
    return pd.DataFrame(rows)


def reliability_by_wave(prepared: Prepared, language: str) -> pd.DataFrame:
    """Cronbach's alpha per dimension (rows) and wave (columns)."""
    rel = prepared["reliability"]
    instrument = prepared.instrument
    table = {text("dimension", language): [instrument.dimension(d).name[language]
                                           for d in instrument.dimension_codes]}
    for wave in prepared.wave_ids:
        block = rel[rel["wave"] == wave].set_index("dimension").reindex(
            instrument.dimension_codes)
        table[prepared.wave_label(wave, language)] = [number(a, language, 2)
                                                      for a in block["alpha"]]
    return pd.DataFrame(table)


def reliability_caption(prepared: Prepared, language: str) -> Text:
    """The caption of :func:`reliability_by_wave`: by area and survey round, or, with one
    round, by area in that round."""
    if len(prepared.wave_ids) > 1:
        return text("network_reliability_caption", language)
    return text("network_reliability_caption_one", language,
                wave=prepared.wave_label(prepared.wave_ids[0], language))


# --------------------------------------------------------------------------- verdicts, numbers


def effect(value: float, language: str) -> str:
    """A change or difference in scale points, with its sign: ``+0,23``."""
    return number(value, language, EFFECT_DECIMALS, signed=True)


def effect_interval(low: float, high: float, language: str) -> str:
    """The interval of a change or difference: ``0,22–0,25`` (a nonzero bound never reads
    as zero, :func:`strapetsi_lib.present.stats_view.verdict_interval`)."""
    return verdict_interval(low, high, language, EFFECT_DECIMALS)


def p_text(p_value: float, language: str) -> str:
    """An (adjusted) p-value: three decimals, or ``< 0,001``."""
    if p_value is None or math.isnan(p_value):
        return "\u2013"
    if p_value < P_FLOOR:
        return text("network_p_below", language, value=number(P_FLOOR, language, 3))
    return number(p_value, language, 3)


def formatters(language: str) -> dict:
    """``show_table`` formatters of the tables here: adjusted p-values stay numbers in the
    frames (so the column aligns as numbers) and are written by :func:`p_text`."""
    return {text("network_col_p_adjusted", language): lambda p: p_text(p, language)}


def reason_text(reason: str, language: str) -> str:
    """Why a result has no estimate, in words (the models' ``reason`` codes)."""
    if isinstance(reason, str) and reason:
        return text(f"stats_reason_{reason}", language)
    return text("network_not_estimated", language)


def _verdict(p_adjusted: float, estimate: float, effect_size: float, subject: str,
             language: str, reason: str = "") -> str:
    """A network result's verdict in words (:func:`~strapetsi_lib.present.stats_view.
    verdict_word`), or why it has no estimate."""
    if estimate is None or math.isnan(estimate):
        return reason_text(reason, language)
    return verdict_word(p_adjusted, effect_size, subject, language)


# --------------------------------------------------------------------------- network change


def network_change(prepared: Prepared, language: str) -> pd.DataFrame:
    """The mixed-model change per dimension, with names and whether it is clear.

    Returns
    -------
    DataFrame
        Instrument order: ``dimension``, ``name``, ``estimate``, ``ci_low``, ``ci_high``,
        ``p_adjusted``, ``effect_size``, ``clear`` (by the one rule,
        :func:`strapetsi_lib.analysis.stats.verdict`), ``n_respondents``, ``n_providers``.
    """
    models = prepared["mixed_models"].set_index("dimension")
    instrument = prepared.instrument
    order = [d for d in instrument.dimension_codes if d in models.index]
    out = models.reindex(order)[["estimate", "ci_low", "ci_high", "ci_level", "p_adjusted",
                                 "effect_size", "n_respondents", "n_providers"]].reset_index()
    out.insert(1, "name", [instrument.dimension(d).name[language] for d in order])
    out["clear"] = is_clear(out["p_adjusted"].to_numpy(), out["effect_size"].to_numpy())
    for column in ("weighted_estimate", "weighted_ci_low", "weighted_ci_high"):
        out[column] = (models.reindex(order)[column].to_numpy() if column in models
                       else math.nan)
    return out


def change_table(change: pd.DataFrame, language: str) -> pd.DataFrame:
    """The network change as a table in the report's language (see :func:`network_change`).

    Show it with ``formatters=formatters(language)``: the adjusted p-values are numbers.
    """
    return pd.DataFrame({
        text("dimension", language): change["name"],
        text("takehold_col_change", language): [effect(v, language) for v in change["estimate"]],
        adjusted_ci_header(_level(change), language): [
            effect_interval(lo, hi, language)
            for lo, hi in zip(change["ci_low"], change["ci_high"], strict=True)],
        text("network_col_p_adjusted", language): change["p_adjusted"].to_numpy(dtype=float),
        text("takehold_col_verdict", language): [
            _verdict(p, e, size, "change", language)
            for p, e, size in zip(change["p_adjusted"], change["estimate"],
                                  change["effect_size"], strict=True)],
        text("stats_col_weighted_change", language): [
            f"{effect(e, language)} ({effect_interval(lo, hi, language)})"
            for e, lo, hi in zip(change["weighted_estimate"], change["weighted_ci_low"],
                                 change["weighted_ci_high"], strict=True)],
    })


def _level(results: pd.DataFrame) -> float:
    """The level of a family's adjusted intervals (the same on every row)."""
    levels = results["ci_level"].dropna() if "ci_level" in results else pd.Series(dtype=float)
    return float(levels.iloc[0]) if len(levels) else math.nan


def change_sentences(change: pd.DataFrame, language: str) -> list[str]:
    """One plain sentence per dimension (``takehold_network_change``)."""
    return [text("takehold_network_change", language, dimension=row.name,
                 change=effect(row.estimate, language),
                 ci=effect_interval(row.ci_low, row.ci_high, language),
                 verdict=_verdict(row.p_adjusted, row.estimate, row.effect_size, "change",
                                  language))
            for row in change.itertuples()]


def _count_range(values: pd.Series, language: str) -> str:
    """A count, or the range of counts when they differ (``13 941–13 946``)."""
    values = values.dropna()
    low, high = (int(values.min()), int(values.max())) if len(values) else (0, 0)
    return (number(low, language, 0) if low == high
            else f"{number(low, language, 0)}\u2013{number(high, language, 0)}")


def areas_phrase(n: int, n_dimensions: int, language: str) -> Text:
    """"viidellä kuudesta osa-alueesta", "kaikilla kuudella osa-alueella": ``n`` of the
    dimensions, small counts in words (:func:`~strapetsi_lib.present.i18n.count_word`)."""
    if n == n_dimensions:
        words = count_word(n_dimensions, language, "adessive")
        return text("network_areas_all" if words else "network_areas_all_digits", language,
                    n=words or number(n_dimensions, language, 0))
    some = count_word(n, language, "adessive")
    total = count_word(n_dimensions, language, "elative")
    if some and total:
        return text("network_areas_some", language, n_clear=some, n_dimensions=total)
    return text("network_areas_some_digits", language, n_clear=number(n, language, 0),
                n_dimensions=number(n_dimensions, language, 0))


def clear_count_text(n_clear: int, n_dimensions: int, language: str) -> Text:
    """"Selvä muutos näkyy viidellä kuudesta osa-alueesta": how many of the dimensions changed
    clearly."""
    if n_clear == 0:
        return text("network_clear_none", language)
    return text("network_clear", language, where=areas_phrase(n_clear, n_dimensions, language))


def change_summary(change: pd.DataFrame, language: str) -> Text:
    """How many dimensions changed clearly, and how many respondents and providers the models
    rest on."""
    return join([clear_count_text(int(change["clear"].sum()), len(change), language),
                 text("network_change_basis", language,
                      n_respondents=_count_range(change["n_respondents"], language),
                      n_providers=_count_range(change["n_providers"], language))])


# --------------------------------------------------------------------------- theme effects


def theme_results(prepared: Prepared, language: str) -> pd.DataFrame:
    """The difference-in-differences per theme and dimension, with names and verdicts.

    Returns
    -------
    DataFrame
        Theme order, then instrument order: ``theme``, ``theme_name``, ``dimension``, ``name``,
        ``estimate``, ``ci_low``, ``ci_high``, ``p_adjusted``, ``effect_size``, ``clear`` (by
        the one rule, :func:`strapetsi_lib.analysis.stats.verdict`),
        ``n_providers_in_theme``, ``n_providers_other``, ``reason`` and the equal-weight
        sensitivity check's ``equal_estimate``, ``equal_ci_low``, ``equal_ci_high`` (NaN
        without it).
    """
    effects = prepared["theme_effects"]
    equal_columns = {"estimate": "equal_estimate", "ci_low": "equal_ci_low",
                     "ci_high": "equal_ci_high"}
    if "theme_effects_by_provider" in prepared.tables:
        equal = prepared["theme_effects_by_provider"][["dimension", "theme", *equal_columns]]
        effects = effects.merge(equal.rename(columns=equal_columns), on=["dimension", "theme"],
                                how="left")
    else:
        effects = effects.assign(**{column: math.nan for column in equal_columns.values()})
    instrument = prepared.instrument
    themes = list(dict.fromkeys(effects["theme"]))
    dim_order = {d: i for i, d in enumerate(instrument.dimension_codes)}
    theme_order = {t: i for i, t in enumerate(themes)}
    out = effects.assign(_t=effects["theme"].map(theme_order),
                         _d=effects["dimension"].map(dim_order))
    out = out.sort_values(["_t", "_d"]).drop(columns=["_t", "_d"]).reset_index(drop=True)
    out["theme_name"] = [theme_name(instrument, t, language) for t in out["theme"]]
    out["name"] = [instrument.dimension(d).name[language] for d in out["dimension"]]
    out["clear"] = is_clear(out["p_adjusted"].to_numpy(), out["effect_size"].to_numpy())
    out["reason"] = out["reason"].fillna("")
    return out[["theme", "theme_name", "dimension", "name", "estimate", "ci_low", "ci_high",
                "ci_level", "p_adjusted", "effect_size", "clear", "n_providers_in_theme",
                "n_providers_other", "reason", *equal_columns.values()]]


def theme_tables(results: pd.DataFrame, language: str) -> list[tuple[str, pd.DataFrame]]:
    """The theme effects as one table per theme: ``[(caption, table), ...]`` in theme order.

    The caption names the theme and, when they are the same for every dimension, the numbers
    of providers taking part and not; otherwise those numbers get their own columns. Show them
    with ``formatters=formatters(language)``: the adjusted p-values are numbers.
    """
    tables = []
    for theme in dict.fromkeys(results["theme"]):
        block = results[results["theme"] == theme]
        table = pd.DataFrame({
            text("dimension", language): block["name"].to_numpy(),
            text("network_col_difference", language): [effect(v, language)
                                                       for v in block["estimate"]],
            adjusted_ci_header(_level(results), language): [
                effect_interval(lo, hi, language)
                for lo, hi in zip(block["ci_low"], block["ci_high"], strict=True)],
            text("network_col_p_adjusted", language): block["p_adjusted"].to_numpy(dtype=float),
            text("takehold_col_verdict", language): [
                _verdict(p, e, size, "difference", language, r)
                for p, e, size, r in zip(block["p_adjusted"], block["estimate"],
                                         block["effect_size"], block["reason"], strict=True)],
        })
        n_in, n_other = block["n_providers_in_theme"], block["n_providers_other"]
        name = block["theme_name"].iloc[0]
        if n_in.nunique() == 1 and n_other.nunique() == 1:
            caption = text("network_theme_table_caption", language, theme=name,
                           n_in=number(n_in.iloc[0], language, 0),
                           n_other=number(n_other.iloc[0], language, 0))
        else:
            caption = text("network_theme_table_caption_varies", language, theme=name)
            table[text("network_col_in_theme", language)] = [number(n, language, 0)
                                                             for n in n_in]
            table[text("network_col_other", language)] = [number(n, language, 0)
                                                          for n in n_other]
        tables.append((caption, table))
    return tables


def theme_sentence(row, language: str) -> Text:
    """The plain sentence of one clear theme × dimension result: whose ratings developed
    better, by how much, weighted by respondent (``takehold_theme_effect_better`` /
    ``_worse``); then the equal-weight difference beside it (``stats_theme_equal_weight``)
    where the sensitivity check has it."""
    key = ("takehold_theme_effect_better" if row.estimate >= 0
           else "takehold_theme_effect_worse")
    sentence = text(key, language, dimension=row.name, theme=row.theme_name,
                    n_in=number(row.n_providers_in_theme, language, 0),
                    n_other=number(row.n_providers_other, language, 0),
                    amount=number(abs(row.estimate), language, EFFECT_DECIMALS),
                    ci=effect_interval(row.ci_low, row.ci_high, language))
    if math.isnan(row.equal_estimate):
        return sentence
    return join([sentence, text("stats_theme_equal_weight", language,
                                difference=effect(row.equal_estimate, language),
                                ci=effect_interval(row.equal_ci_low, row.equal_ci_high,
                                                   language))])


def theme_summary(results: pd.DataFrame, language: str) -> Text:
    """Markdown: the clear theme differences as a list, or that there are none."""
    clear = results[results["clear"]]
    if clear.empty:
        lines = [text("network_theme_none_clear", language)]
    else:
        lines = [text("network_theme_clear_intro", language), Text("")]
        lines += [join([Text("-"), theme_sentence(row, language)]) for row in clear.itertuples()]
    missing = not_estimated_sentences(results, language)
    if missing:
        lines += [Text(""), *[join([Text("-"), sentence]) for sentence in missing]]
    return join(lines, "\n")


def not_estimated_sentences(results: pd.DataFrame, language: str) -> list[str]:
    """One sentence per theme (or theme and area) the network cannot estimate, with why."""
    sentences = []
    missing = results[results["estimate"].isna()]
    for theme, block in missing.groupby("theme", sort=False):
        name = block["theme_name"].iloc[0]
        if len(block) == (results["theme"] == theme).sum() and block["reason"].nunique() == 1:
            sentences.append(text("stats_theme_not_estimated_all", language, theme=name,
                                  reason=reason_text(block["reason"].iloc[0], language)))
            continue
        sentences += [text("stats_theme_not_estimated", language, theme=name,
                           dimension=row.name, reason=reason_text(row.reason, language))
                      for row in block.itertuples()]
    return sentences


def theme_sensitivity(prepared: Prepared, language: str) -> tuple[str, pd.DataFrame] | None:
    """The equal-weight (provider-level) theme analysis beside the main one: a sentence and a
    table, or None when the prepared tables do not have it."""
    if "theme_effects_by_provider" not in prepared.tables:
        return None
    main = prepared["theme_effects"]
    equal = prepared["theme_effects_by_provider"]
    instrument = prepared.instrument

    def shown(frame: pd.DataFrame) -> list[str]:
        return [f"{effect(e, language)} ({effect_interval(lo, hi, language)})"
                if not math.isnan(e) else reason_text(r, language)
                for e, lo, hi, r in zip(frame["estimate"], frame["ci_low"], frame["ci_high"],
                                        frame["reason"].fillna(""), strict=True)]

    table = pd.DataFrame({
        text("network_col_theme", language): [theme_name(instrument, t, language)
                                              for t in main["theme"]],
        text("dimension", language): [instrument.dimension(d).name[language]
                                      for d in main["dimension"]],
        text("stats_col_main_model", language): shown(main),
        text("stats_col_equal_weight", language): shown(equal),
    })
    n_clear, n_main = _count_clear(equal), _count_clear(main)
    words = count_word(n_clear, language) if n_clear else text("network_none_word", language)
    main_words = (count_word(n_main, language) if n_main
                  else text("network_none_word", language))
    key = ("stats_theme_sensitivity_none_same" if n_clear == n_main == 0 else
           "stats_theme_sensitivity_none" if n_clear == 0 else
           "stats_theme_sensitivity_same_one" if n_clear == n_main == 1 else
           "stats_theme_sensitivity_same" if n_clear == n_main else
           "stats_theme_sensitivity_differs")
    sentence = join([text("stats_theme_sensitivity_text", language),
                     text(key, language, n_clear=words or number(n_clear, language, 0),
                          n_clear_main=main_words or number(n_main, language, 0))])
    return sentence, table


def _count_clear(results: pd.DataFrame) -> int:
    """How many results of a prepared table are clear (:func:`~strapetsi_lib.analysis.stats.
    is_clear`)."""
    return int(is_clear(results["p_adjusted"].to_numpy(),
                        results["effect_size"].to_numpy()).sum())


# --------------------------------------------------------------------------- practice status


def practice_names(prepared: Prepared, language: str) -> dict[str, str]:
    """Each practice code's name in ``language``, in instrument order."""
    return {p.code: p.name[language] for p in prepared.instrument.practices}


def published_practice_status(prepared: Prepared) -> pd.DataFrame:
    """Every provider's practice status at the latest wave, as the disclosure layer allows it
    (:func:`~strapetsi_lib.analysis.disclosure.safe_practice_status`)."""
    return safe_practice_status(prepared["practice_status_by_wave"], latest_wave(prepared))


def status_by_provider(prepared: Prepared) -> pd.DataFrame:
    """The category of every practice at every provider at the latest wave, as published.

    Returns
    -------
    DataFrame
        Index: provider ids (sorted); columns: practice codes in instrument order; values:
        category codes. A provider without a row for a practice is ``too_few_responses``.
    """
    status = published_practice_status(prepared)
    practices = [p.code for p in prepared.instrument.practices]
    providers = sorted(prepared["providers"]["provider_id"])
    grid = (status.pivot_table(index="provider_id", columns="practice", values="category",
                               aggfunc="first")
            .reindex(index=providers, columns=practices)
            .fillna("too_few_responses"))
    grid.columns.name = None
    return grid


def status_grid(prepared: Prepared, name_providers: bool = False) -> pd.DataFrame:
    """:func:`status_by_provider` with the providers as the report shows them.

    Returns
    -------
    DataFrame
        Index: provider labels (:func:`provider_labels`), codes or names in the order a reader
        looks them up (:func:`~strapetsi_lib.present.i18n.name_order`); columns: practice
        codes; values: category codes.
    """
    labels = provider_labels(prepared, name_providers)
    grid = status_by_provider(prepared)
    grid.index = [labels[pid] for pid in grid.index]
    return grid.sort_index(key=lambda index: index.map(name_order))


def rare_status_rows(prepared: Prepared) -> int:
    """How many providers' rows of the status grid are singled out: their combination of
    statuses is shared by fewer than ``min_group_size`` providers
    (:func:`~strapetsi_lib.analysis.disclosure.singled_out`).

    A provider sees its own statuses in its own report, so such a row gives it its own code in
    a forwarded network report, and through the codes others' rows. The grid by code is
    published only when this is 0; a report that names providers is the coordinator's own.
    """
    return int(singled_out(status_by_provider(prepared), prepared.min_group_size).sum())


def rows_by_provider_shown(prepared: Prepared, name_providers: bool = False) -> bool:
    """Whether the network report shows the status of each provider (its one table of rows by
    provider): always when it names providers (then it is for the coordinator only, see
    :func:`strapetsi_lib.render.export.coordinator_only`), by code only when no row is
    singled out (:func:`rare_status_rows`)."""
    return name_providers or rare_status_rows(prepared) == 0


def provider_themes(prepared: Prepared) -> dict[str, set[str]]:
    """The development themes each provider takes part in (the providers file's ``themes``)."""
    themes = prepared["providers"].set_index("provider_id").get("themes")
    if themes is None:
        return {pid: set() for pid in prepared["providers"]["provider_id"]}
    return {pid: {t.strip() for t in value.split(";") if t.strip()}
            if isinstance(value, str) else set() for pid, value in themes.items()}


def participants(prepared: Prepared, theme: str | None) -> list[str]:
    """The providers taking part in ``theme``, whose status of the theme's practices says
    whether the practice took hold; every provider where the practice belongs to no theme or
    no provider takes part in any (then everyone is meant to use it)."""
    themes = provider_themes(prepared)
    if not theme or not any(themes.values()):
        return sorted(themes)
    return sorted(pid for pid, own in themes.items() if theme in own)


def status_counts(prepared: Prepared) -> pd.DataFrame:
    """The number of providers per practice (rows, instrument order) and category (columns,
    :data:`CATEGORIES`) among the providers taking part in the practice's theme
    (:func:`participants`), and their number (``participants``).

    A provider outside a theme has no reason to use its practices, so counting it would read
    as a failure ("not in use 20": all twenty outside the theme).
    """
    grid = status_by_provider(prepared)
    rows = {}
    for practice in prepared.instrument.practices:
        members = [pid for pid in participants(prepared, practice.theme) if pid in grid.index]
        counts = grid.loc[members, practice.code].value_counts()
        rows[practice.code] = {**{c: int(counts.get(c, 0)) for c in CATEGORIES},
                               "participants": len(members)}
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=[*CATEGORIES, "participants"]).astype(int)


def status_counts_table(counts: pd.DataFrame, prepared: Prepared,
                        language: str) -> pd.DataFrame:
    """The counts of :func:`status_counts` with the theme, the practice and category names.

    The ``too_few_responses`` column is left out when no provider has it (the table would not
    fit the page otherwise; the rules still name it).
    """
    from strapetsi_lib.present.takehold_view import STATUS_SYMBOLS

    names = practice_names(prepared, language)
    columns = [c for c in CATEGORIES if c != "too_few_responses" or counts[c].any()]
    table = pd.DataFrame({
        text("takehold_col_practice", language): [names[code] for code in counts.index],
        text("practice_col_theme", language): [_theme_of(prepared, code, language)
                                               for code in counts.index],
        text("network_col_participants", language): counts["participants"].to_numpy(),
    })
    for category in columns:
        table[f"{STATUS_SYMBOLS[category]} {text(f'status_{category}', language)}"] = \
            counts[category].to_numpy()
    return table


def _theme_of(prepared: Prepared, practice: str, language: str) -> str:
    theme = prepared.instrument.practice(practice).theme
    return theme_name(prepared.instrument, theme, language) if theme else "\u2013"


def status_grid_table(grid: pd.DataFrame, prepared: Prepared, language: str) -> pd.DataFrame:
    """The status grid as a table: a row per provider, a column per practice, each status as
    its symbol and word (readable without colour, on paper and by a screen reader)."""
    from strapetsi_lib.present.takehold_view import status_badge

    names = practice_names(prepared, language)
    table = pd.DataFrame({text("network_provider_axis", language): list(grid.index)})
    for code in grid.columns:
        table[names[code]] = [status_badge(c, language) for c in grid[code]]
    return table


def status_rules(prepared: Prepared, language: str) -> Text:
    """Markdown list of the rule behind each category, with the instrument's thresholds."""
    from strapetsi_lib.present.takehold_view import status_categories

    return join([join([Text("-"), rule_text(c, prepared.instrument, language,
                                            prepared.min_group_size)])
                 for c in status_categories(prepared)], "\n")


def methods_text(prepared: Prepared, language: str) -> Text:
    """The methods note, with the scale, the thresholds and the group size from the instrument,
    the code and the dataset; the change models are described where there are results of
    them."""
    parts = [text("network_methods_text", language, scale=scale_span(prepared.instrument))]
    if has_takehold(prepared):
        parts.append(text("network_methods_change", language))
        if has_themes(prepared):
            parts.append(text("network_methods_themes", language,
                              min_df=number(MIN_USABLE_DF, language, 0)))
        parts.append(text("network_methods_tests", language, alpha=alpha_text(language),
                          threshold=threshold_text(language)))
    parts.append(text("network_methods_reliability", language,
                      min_group=prepared.min_group_size))
    return join(parts)


def clustering_table(prepared: Prepared, wave: str, language: str) -> pd.DataFrame:
    """Per dimension: the intraclass correlation within providers and the design effect of the
    network mean (for the methods section)."""
    net = prepared["network_dimension_means"]
    net = net[net["wave"] == wave].set_index("dimension").reindex(
        prepared.instrument.dimension_codes)
    if "icc" not in net:
        net = net.assign(icc=math.nan, design_effect=math.nan)
    return pd.DataFrame({
        text("dimension", language): [prepared.instrument.dimension(d).name[language]
                                      for d in net.index],
        text("stats_col_icc", language): [number(v, language, 2) for v in net["icc"]],
        text("stats_col_design_effect", language): [number(v, language, 1)
                                                    for v in net["design_effect"]],
    })


# --------------------------------------------------------------------------- summary

#: The statuses that mean a practice took hold.
TAKEN_HOLD = ("embedded", "adopting")


def response_point(prepared: Prepared, language: str) -> Text:
    """The summary's point on response: responses and people, and how the median response
    rate moved from the first wave to the latest."""
    providers = number(len(prepared["providers"]), language, 0)
    words = [text("network_summary_responses", language,
                  responses=responses_text(prepared, language), n_providers=providers)]
    rates = shown_response_rates(prepared)
    medians = {wave: share_as_shown(rates[rates["wave"] == wave], ["response_rate"])
               ["response_rate"].median() for wave in compared_waves(prepared)}
    medians = {wave: m for wave, m in medians.items() if not pd.isna(m)}
    if len(medians) == 2:
        before, after = (medians[w] for w in compared_waves(prepared))
        key = ("network_summary_median_rose" if after > before else
               "network_summary_median_fell" if after < before else
               "network_summary_median_same")
        words.append(text(key, language, before=number(100 * before, language, 0),
                          after=number(100 * after, language, 0),
                          share=percent(after, language)))
    elif medians:
        words.append(text("network_summary_median", language,
                          median=percent(next(iter(medians.values())), language)))
    return join(words)


def change_point(prepared: Prepared, language: str) -> Text:
    """The summary's point on the network's change: how many dimensions improved clearly, the
    largest, and any clear decline."""
    change = network_change(prepared, language)
    # better: up, or down where a lower score is the better one
    sign = change["dimension"].map(lambda d: 1 if prepared.instrument.higher_is_better(d)
                                   else -1)
    up = change[change["clear"] & (sign * change["estimate"] > 0)]
    down = change[change["clear"] & (sign * change["estimate"] < 0)]
    if up.empty and down.empty:
        return text("network_summary_no_change", language)
    words = []
    if not up.empty:
        top = up.loc[(sign[up.index] * up["estimate"]).idxmax()]
        words.append(text("network_summary_improved", language,
                          where=areas_phrase(len(up), len(change), language),
                          dimension=top["name"], change=effect(top["estimate"], language)))
    if not down.empty:
        words.append(text("network_summary_declined", language, dimensions=join(
            [f"{row.name} ({effect(row.estimate, language)})" for row in down.itertuples()],
            ", ")))
    return join(words)


def practice_points(prepared: Prepared, language: str) -> tuple[Text, list[Text]]:
    """The summary's point on the practices: a lead, and for each practice at how many of the
    providers taking part in its theme it took hold (embedded or adopting)."""
    counts = status_counts(prepared)
    names = practice_names(prepared, language)
    by_theme = any(provider_themes(prepared).values())
    lines = []
    for code, row in counts.iterrows():
        taken = int(sum(row[c] for c in TAKEN_HOLD))
        theme = prepared.instrument.practice(code).theme
        lines.append(text("network_summary_practice_theme" if theme and by_theme
                          else "network_summary_practice_all", language,
                          practice=names[code], theme=_theme_of(prepared, code, language),
                          n_taken=number(taken, language, 0),
                          n_in=number(int(row["participants"]), language, 0)))
    lead = text("network_summary_practices" if by_theme else "network_summary_practices_all",
                language, wave=prepared.wave_label(latest_wave(prepared), language))
    return lead, lines


def summary_points(prepared: Prepared, language: str) -> list[Text | tuple[Text, list[Text]]]:
    """The points the network report opens with: response, the network's change, and which
    practices took hold among the providers taking part (a point with a line per practice);
    each only where the data have it."""
    points: list[Text | tuple[Text, list[Text]]] = [response_point(prepared, language)]
    if has_takehold(prepared):
        points.append(change_point(prepared, language))
    if has_practices(prepared):
        points.append(practice_points(prepared, language))
    return points


def summary_html(points: list[Text | tuple[Text, list[Text]]]) -> str:
    """The summary as a list in a ``strapetsi-summary`` block (the printed page 1 ends after
    it), a point with lines of its own as a nested list; every value in the points is escaped
    (:func:`~strapetsi_lib.present.display.text_html`)."""
    from strapetsi_lib.present.display import text_html

    def inline(point: Text) -> str:
        body = text_html(point)
        return body[3:-4] if body.startswith("<p>") and body.endswith("</p>") else body

    items = []
    for point in points:
        if isinstance(point, tuple):
            lead, lines = point
            nested = "".join(f"<li>{inline(line)}</li>" for line in lines)
            items.append(f"<li>{inline(lead)}<ul>{nested}</ul></li>")
        else:
            items.append(f"<li>{inline(point)}</li>")
    return '<div class="strapetsi-summary"><ul>' + "".join(items) + "</ul></div>"
