"""One provider's take-hold section: change since the baseline and the status of each practice.

The provider's own waves are compared (:mod:`strapetsi_lib.analysis.waves`): a late joiner's
first wave is its baseline, and an earlier follow-up stands in for a latest wave without enough
answers; :func:`waves_sentences` says which.

Like :mod:`strapetsi_lib.present.provider_view`, these functions only select and word the rows of
the
prepared tables (``dimension_change``, ``practice_status_by_wave``); nothing is recomputed here,
and every number passes the disclosure-control layer
(:mod:`strapetsi_lib.analysis.disclosure`).
"""

from __future__ import annotations

import pandas as pd

from strapetsi_lib.analysis.disclosure import may_show, safe_practice_status, suppress_small
from strapetsi_lib.analysis.stats import CERTAIN_BUT_SMALL, CLEAR, NOT_TESTED, verdict
from strapetsi_lib.analysis.takehold import NOT_IN_USE, TAKEHOLD_THRESHOLDS, TOLERANCE, TOO_FEW
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present.i18n import Text, number, percent, text, too_few
from strapetsi_lib.present.precision import (
    CHANGE_DECIMALS,
    MEAN_DECIMALS,
    SHARE_PERCENT_DECIMALS,
    as_shown,
    intervals_as_shown,
    threshold_decimals,
)
from strapetsi_lib.present.provider_view import baseline_wave, latest_wave
from strapetsi_lib.present.stats_view import (
    adjusted_ci_header,
    alpha_text,
    level_text,
    missing_reason,
    rule_text,
    threshold_text,
    too_few_cell,
    verdict_interval,
    verdict_word,
)
from strapetsi_lib.present.survey_words import (
    change_note,
    scale_span,
    survey_text,
    theme_name,
    wave_span,
    waves_named,
)
from strapetsi_lib.present.view_cache import cached_view


def has_takehold(prepared: Prepared) -> bool:
    """Whether the dataset has the two waves a take-hold section needs."""
    return "dimension_change" in prepared.tables


def has_practices(prepared: Prepared) -> bool:
    """Whether the section follows practices: two waves and an instrument that declares some."""
    return has_takehold(prepared) and bool(prepared.instrument.practices)


def section_heading(prepared: Prepared, language: str) -> Text:
    """The section's heading: practices taking hold, or change only when there are none."""
    return text("takehold_heading" if has_practices(prepared)
                else "takehold_heading_no_practices", language)


def change_intro(prepared: Prepared, language: str) -> Text:
    """How the change reads: on which scale, and what a positive change means."""
    instrument = prepared.instrument
    return text("takehold_change_intro", language, scale=scale_span(instrument),
                positive=change_note(instrument, language))


def evidence_shows(prepared: Prepared, language: str) -> Text:
    """What the results on change show (the report then says what they do not)."""
    return survey_text(prepared.instrument, "takehold_evidence_shows", language,
                       None if prepared.instrument.practices
                       else "survey_takehold_evidence_shows_no_practices")


def compared_waves(prepared: Prepared, provider_id: str) -> tuple[str, str]:
    """The provider's own baseline and latest wave, which its change and take-hold compare
    (:mod:`strapetsi_lib.analysis.waves`); the same wave twice when it has only one with
    enough answers."""
    return baseline_wave(prepared, provider_id), latest_wave(prepared, provider_id)


def has_change(prepared: Prepared, provider_id: str) -> bool:
    """Whether the provider has two waves with enough answers to measure change between."""
    before, after = compared_waves(prepared, provider_id)
    return has_takehold(prepared) and before != after


def waves_sentences(prepared: Prepared, provider_id: str, language: str) -> list[str]:
    """Which waves the take-hold section compares, and why when they are not the network's
    first and latest: every wave the provider did not take part in, or had too few answers
    in, is named; one sentence saying so when no wave has enough answers."""
    before, after = compared_waves(prepared, provider_id)
    label = prepared.wave_label
    counts = prepared.rows("response_rates", provider_id).set_index("wave")["n"]
    mgs = prepared.min_group_size
    if not any(may_show(int(counts.get(wave, 0)), mgs) for wave in prepared.wave_ids):
        # no wave to describe or compare: one sentence, not "only wave X" then "too few in X"
        return [text("takehold_no_usable_wave", language, n=mgs)]
    practices = bool(prepared.instrument.practices)
    if before == after:
        sentences = [text("takehold_intro_one_wave" if practices
                          else "takehold_intro_one_wave_no_practices", language,
                          wave=label(before, language))]
    else:
        sentences = [survey_text(prepared.instrument, "takehold_intro", language,
                                 None if practices else "survey_takehold_intro_no_practices",
                                 wave_before=label(before, language),
                                 wave_after=label(after, language))]
        if (before, after) != (prepared.wave_ids[0], prepared.wave_ids[-1]):
            sentences.append(text("takehold_own_waves", language))
    for wave in prepared.wave_ids:
        n = int(counts.get(wave, 0))
        if n == 0:
            sentences.append(text("takehold_wave_not_taken_part", language,
                                  wave=label(wave, language)))
        elif n < mgs:
            sentences.append(text("takehold_wave_too_few", language, wave=label(wave, language),
                                  n=mgs))
    return sentences


def previous_wave(prepared: Prepared, provider_id: str) -> str | None:
    """The wave before the provider's latest, when the dataset has one between the provider's
    baseline and latest wave (three waves or more): the report then also shows the change
    since it. None otherwise."""
    before, after = compared_waves(prepared, provider_id)
    if before == after:
        return None
    previous = prepared.wave_ids[prepared.wave_ids.index(after) - 1]
    return None if previous == before else previous


def has_previous_change(prepared: Prepared, provider_id: str) -> bool:
    """Whether the report shows the change since the previous wave too
    (:func:`previous_wave`)."""
    return has_takehold(prepared) and previous_wave(prepared, provider_id) is not None \
        and "dimension_change_steps" in prepared.tables


def change_waves(prepared: Prepared, provider_id: str,
                 since_previous: bool = False) -> tuple[str, str]:
    """The two waves a change compares: the provider's baseline and latest wave, or with
    ``since_previous`` the previous wave (:func:`previous_wave`) and the latest."""
    before, after = compared_waves(prepared, provider_id)
    return (previous_wave(prepared, provider_id), after) if since_previous else (before, after)


def change_period(prepared: Prepared, provider_id: str, language: str,
                  since_previous: bool = False) -> str:
    """The waves a change compares, short: ``2024–2025``
    (:func:`~strapetsi_lib.present.survey_words.wave_span`)."""
    return wave_span(prepared, *change_waves(prepared, provider_id, since_previous), language)


@cached_view
def change_rows(prepared: Prepared, provider_id: str,
                since_previous: bool = False) -> pd.DataFrame:
    """The provider's change per dimension, in the instrument's order: since its baseline, or
    with ``since_previous`` since the previous wave (:func:`previous_wave`; the prepared
    ``dimension_change_steps``, tested and adjusted as the change since the baseline is).

    A change uses the answers of both waves: it is blanked (``suppressed``) unless each rests on
    at least ``min_group_size`` answers. The change and its interval are rounded as the report
    prints them (:mod:`strapetsi_lib.present.precision`).
    """
    if since_previous:
        before, after = change_waves(prepared, provider_id, since_previous)
        steps = prepared.rows("dimension_change_steps", provider_id)
        rows = steps[(steps["wave_before"].astype(str) == before)
                     & (steps["wave_after"].astype(str) == after)].set_index("dimension")
    else:
        rows = prepared.rows("dimension_change", provider_id).set_index("dimension")
    rows = rows.reindex(prepared.instrument.dimension_codes).reset_index()
    rows = suppress_small(rows, ["n_before", "n_after"],
                          ["estimate", "ci_low", "ci_high", "p_value", "p_adjusted", "hedges_g"],
                          prepared.min_group_size)
    # as printed (the change with two decimals, its interval rounded outward, a nonzero bound
    # never zero): the change figure draws these
    rows = as_shown(rows, ["estimate"], CHANGE_DECIMALS)
    return intervals_as_shown(rows, "ci_low", "ci_high", CHANGE_DECIMALS)


#: The sentence of a change by its verdict (:func:`strapetsi_lib.analysis.stats.verdict`);
#: clear and certain-but-small changes name their direction.
CHANGE_SENTENCES = {CLEAR: "takehold_change_clear", CERTAIN_BUT_SMALL: "stats_change_small"}


def change_sentences(prepared: Prepared, provider_id: str, language: str) -> list[str]:
    """One plain sentence per dimension: a clear rise or fall, a statistically certain but
    small one, no clear change, a change that could not be tested, or why it is hidden."""
    sentences = []
    for row in change_rows(prepared, provider_id).itertuples():
        name = prepared.instrument.dimension(row.dimension).name[language]
        if row.suppressed or pd.isna(row.estimate):
            sentences.append(text("stats_change_suppressed", language, dimension=name,
                                  reason=_missing_reason(prepared, provider_id, row, language)))
            continue
        result = verdict(row.p_adjusted, row.hedges_g)
        ci = verdict_interval(row.ci_low, row.ci_high, language)
        if result in CHANGE_SENTENCES:
            key = CHANGE_SENTENCES[result] + ("_up" if row.estimate > 0 else "_down")
            sentences.append(text(key, language, dimension=name,
                                  amount=number(abs(row.estimate), language, 2), ci=ci))
        elif result == NOT_TESTED:
            sentences.append(text("stats_change_not_tested", language, dimension=name,
                                  change=number(row.estimate, language, 2, signed=True)))
        else:
            sentences.append(text("takehold_change_unclear", language, dimension=name,
                                  change=number(row.estimate, language, 2, signed=True), ci=ci))
    return sentences


def _respondents(prepared: Prepared, provider_id: str, wave: str) -> int:
    """The provider's number of respondents at a wave (0 when it did not take part)."""
    rates = prepared.rows("response_rates", provider_id)
    counts = rates.loc[rates["wave"].astype(str) == wave, "n"]
    return int(counts.iloc[0]) if len(counts) else 0


def _short_wave(row, mgs: int) -> str:
    """The wave of a hidden change with too few answers (the earlier one if both)."""
    return row.wave_before if row.n_before < mgs else row.wave_after


def _missing_reason(prepared: Prepared, provider_id: str, row, language: str) -> str:
    """Why a change is hidden: too few respondents, or too few answers, at which wave."""
    wave = _short_wave(row, prepared.min_group_size)
    return missing_reason(_respondents(prepared, provider_id, wave),
                          prepared.wave_label(wave, language), prepared.min_group_size,
                          language)


def change_table(prepared: Prepared, provider_id: str, language: str,
                 since_previous: bool = False) -> pd.DataFrame:
    """The change per dimension as a table: change, adjusted CI, Hedges' g and the verdict;
    since the baseline, or with ``since_previous`` since the previous wave.

    The interval is the false-coverage-rate adjusted one (its level in the header), so that it
    excludes 0 exactly when the change is statistically certain (a clear change, or a certain
    but small one); a change that could not be tested has no interval.
    """
    rows = []
    mgs = prepared.min_group_size
    changes = change_rows(prepared, provider_id, since_previous)
    ci_header = adjusted_ci_header(_family_level(changes), language)
    for row in changes.itertuples():
        shown = not (row.suppressed or pd.isna(row.estimate))
        hidden = "" if shown else too_few_cell(
            _respondents(prepared, provider_id, _short_wave(row, mgs)), mgs, language)
        rows.append({
            text("dimension", language): prepared.instrument.dimension(row.dimension)
            .name[language],
            text("takehold_col_change", language): (
                number(row.estimate, language, 2, signed=True) if shown else hidden),
            ci_header: verdict_interval(row.ci_low, row.ci_high, language) if shown else "",
            text("takehold_col_hedges_g", language): (
                number(row.hedges_g, language, 2) if shown else ""),
            text("takehold_col_verdict", language): (
                verdict_word(row.p_adjusted, row.hedges_g, "change", language) if shown
                else ""),
        })
    return pd.DataFrame(rows)


def _family_level(changes: pd.DataFrame) -> float:
    """The level of a provider's adjusted intervals (one per provider; NaN if none)."""
    levels = changes["ci_level"].dropna() if "ci_level" in changes else pd.Series(dtype=float)
    return float(levels.iloc[0]) if len(levels) else float("nan")


def multiplicity_method(prepared: Prepared, provider_id: str, language: str) -> str:
    """How "clear" is decided and why the intervals are wider than 95 %, with the level."""
    return text("takehold_method_multiple", language, alpha=alpha_text(language),
                threshold=threshold_text(language),
                level=level_text(_family_level(change_rows(prepared, provider_id)), language))


def change_method(prepared: Prepared, provider_id: str, language: str) -> str:
    """How the change was tested (paired or as groups), in words, area by area.

    The test is chosen per area (:func:`strapetsi_lib.analysis.takehold.dimension_change`),
    so one sentence covers all areas only when they were all tested the same way; otherwise
    the areas of each test are named.
    """
    rows = change_rows(prepared, provider_id).dropna(subset=["estimate"])
    if rows.empty:
        return ""
    paired = rows["test"] == "paired t"
    if paired.all():
        return text("takehold_method_paired", language, n_paired=int(rows["n_paired"].max()))
    if not paired.any():
        # say what is known: how many could be linked, not who the respondents were
        linked = int(rows["n_paired"].max())
        if linked == 0:
            return text("takehold_method_unlinked", language)
        return text("takehold_method_groups", language, n_paired=linked)
    names = {d.code: d.name[language] for d in prepared.instrument.dimensions}
    return text("stats_method_mixed", language,
                paired=", ".join(names[d] for d in rows.loc[paired, "dimension"]),
                groups=", ".join(names[d] for d in rows.loc[~paired, "dimension"]))


@cached_view
def practice_rows(prepared: Prepared, provider_id: str) -> pd.DataFrame:
    """The provider's practice status at its latest wave, in the instrument's order.

    Decided by :func:`~strapetsi_lib.analysis.disclosure.safe_practice_status`: earlier waves
    with too few answers are not looked at (``unknown_waves`` lists them), and a normalisation
    mean on too few answers is left out.
    """
    by_wave = prepared.rows("practice_status_by_wave", provider_id)
    rows = safe_practice_status(by_wave, latest_wave(prepared, provider_id)).set_index(
        "practice")
    return rows.reindex([p.code for p in prepared.instrument.practices]).reset_index()


def unknown_waves_note(prepared: Prepared, provider_id: str, language: str) -> str:
    """Says which earlier waves had too few answers to count in a practice's status, if any."""
    unknown = {w for ws in practice_rows(prepared, provider_id)["unknown_waves"].str.split(";")
               if isinstance(ws, list) for w in ws}
    waves = [w for w in prepared.wave_ids if w in unknown]
    if not waves:
        return ""
    return text("disclosure_unknown_waves", language, n=prepared.min_group_size,
                waves=waves_named(prepared, waves, language))


def _routine_label(prepared: Prepared, language: str) -> str:
    instrument = prepared.instrument
    return instrument.use_scale.label(instrument.takehold_rules["routine_level"], language)


def practice_intro(prepared: Prepared, language: str) -> str:
    """How a practice's status is decided, naming the routine level and the scale of the
    normalisation items."""
    return text("takehold_practice_intro", language,
                routine_label=_routine_label(prepared, language),
                scale=prepared.instrument.normalisation_scale.span())


#: A symbol beside each status word, so that the status never rests on colour alone (and reads
#: the same when printed in black and white): full, half, empty, crossed out, unknown.
STATUS_SYMBOLS = {"embedded": "\u25cf", "adopting": "\u25d0", "trying": "\u25cb",
                  "not_in_use": "\u2715", "too_few_responses": "\u2013"}


def status_badge(category: str, language: str) -> str:
    """The status as symbol and word, e.g. ``● Vakiintunut``."""
    return f"{STATUS_SYMBOLS[category]} {text(f'status_{category}', language)}"


def status_text(row, language: str, dropped: list[str] | None = None) -> str:
    """A practice's status badge, with "near the boundary" where its penetration interval
    straddles a category threshold (``near_boundary`` of the practice-status table), and the
    waves (their labels) at which it was out of use in between (:func:`dropped_waves`)."""
    status = status_badge(row.category, language)
    notes = []
    if bool(getattr(row, "near_boundary", False)):
        notes.append(str(text("stats_near_boundary", language)))
    if dropped:
        notes.append(str(text("practice_dropped", language, waves=", ".join(dropped))))
    return status + (f" ({'; '.join(notes)})" if notes else "")


def dropped_waves(prepared: Prepared, provider_id: str, practice: str) -> list[str]:
    """The waves at which a practice, in use before, was out of use, when it is in use again
    at the provider's latest wave ("in use, dropped, and back", which the latest status alone
    does not tell); [] otherwise. Each wave's status is as the disclosure layer publishes it
    (:func:`~strapetsi_lib.analysis.disclosure.safe_practice_status`): a wave with too few
    answers tells nothing and is passed over."""
    latest = latest_wave(prepared, provider_id)
    waves = prepared.wave_ids[:prepared.wave_ids.index(latest) + 1]
    if len(waves) < 3:  # in use, out of use and back takes three waves
        return []
    by_wave = prepared.rows("practice_status_by_wave", provider_id)
    rows = by_wave[by_wave["practice"] == practice]
    categories = {}
    for wave in waves:
        row = safe_practice_status(rows, wave)
        categories[wave] = row["category"].iloc[0] if len(row) else TOO_FEW
    if categories[latest] in (NOT_IN_USE, TOO_FEW):
        return []
    seen_in_use, dropped = False, []
    for wave in waves[:-1]:
        if categories[wave] == TOO_FEW:
            continue
        if categories[wave] == NOT_IN_USE and seen_in_use:
            dropped.append(wave)
        seen_in_use = seen_in_use or categories[wave] != NOT_IN_USE
    return dropped


def status_categories(prepared: Prepared) -> list[str]:
    """Every status in the order the rules are checked, then not in use and too few answers."""
    order = [spec["category"] for spec in prepared.instrument.takehold_rules["categories"]]
    return order + [c for c in (NOT_IN_USE, TOO_FEW) if c not in order]


def own_themes(prepared: Prepared, provider_id: str) -> list[str]:
    """The development themes the provider takes part in (the providers file's ``themes``)."""
    themes = prepared.provider(provider_id).get("themes", "")
    if not isinstance(themes, str):
        return []
    return [theme.strip() for theme in themes.split(";") if theme.strip()]


def _own(prepared: Prepared, provider_id: str, rows: pd.DataFrame) -> pd.Series:
    """Which practice rows are the provider's own: of a theme it takes part in, or of no theme
    (a practice the whole network follows)."""
    return rows["theme"].isin(own_themes(prepared, provider_id)) | rows["theme"].isna()


def has_own_practices(prepared: Prepared, provider_id: str) -> bool:
    """Whether some practice is the provider's own (see :func:`practice_table`)."""
    return bool(_own(prepared, provider_id, practice_rows(prepared, provider_id)).any())


def has_other_practices(prepared: Prepared, provider_id: str) -> bool:
    """Whether some practice belongs to a theme the provider does not take part in."""
    return not _own(prepared, provider_id, practice_rows(prepared, provider_id)).all()


def measure_text(measure: str, value: float, prepared: Prepared, language: str) -> str:
    """A practice's measure as the report writes it: a share as a percentage, the
    normalisation mean with one decimal, each with the decimals it needs to stay on its side
    of every threshold the rules set for it (:func:`~strapetsi_lib.present.precision.
    threshold_decimals`: a mean of 3.478 is ``3,48`` beside a limit of 3,5, never ``3,5``)."""
    limits = [spec[key] for spec in prepared.instrument.takehold_rules["categories"]
              for key, name in TAKEHOLD_THRESHOLDS.items() if name == measure and key in spec]
    if measure == "normalisation":
        return number(value, language, threshold_decimals(value, limits, MEAN_DECIMALS))
    places = threshold_decimals(100 * value, [100 * limit for limit in limits],
                                SHARE_PERCENT_DECIMALS)
    return percent(value, language, places)


def _limit_text(measure: str, limit: float, language: str) -> str:
    """A rule's threshold, written exactly (a limit of 0.625 is ``62,5 %``, not ``63 %``)."""
    shown = 100 * limit if measure != "normalisation" else limit
    places = next(d for d in range(6) if abs(round(shown, d) - shown) < 1e-9)
    return percent(limit, language, places) if measure != "normalisation" \
        else number(limit, language, max(places, 1))


def _use_history(prepared: Prepared, provider_id: str, practice: str) -> str:
    """Why a practice in use at the latest wave is not maintained: ``dropped`` (out of use at
    a wave since it was first in use) or ``one_wave`` (in use at one wave only). Waves with too
    few answers tell nothing and are passed over, as the rule passes them over."""
    rules = prepared.instrument.takehold_rules
    by_wave = prepared.rows("practice_status_by_wave", provider_id)
    rows = by_wave[by_wave["practice"] == practice]
    latest = latest_wave(prepared, provider_id)
    started = False
    for wave in prepared.wave_ids[:prepared.wave_ids.index(latest) + 1]:
        row = safe_practice_status(rows, wave)
        if row.empty or row["category"].iloc[0] == TOO_FEW or pd.isna(row["in_use"].iloc[0]):
            continue
        in_use = row["in_use"].iloc[0] >= rules["maintenance_in_use_min"] - TOLERANCE
        if started and not in_use:
            return "dropped"
        started = started or in_use
    return "one_wave"


def _conditions(category: str, row, prepared: Prepared, language: str,
                only_failing: bool) -> list[str]:
    """A status's conditions with the practice's own values beside their limits: every
    condition, or only those the practice fails."""
    instrument = prepared.instrument
    rules = instrument.takehold_rules
    spec = next(c for c in rules["categories"] if c["category"] == category)
    labels = {"penetration": instrument.use_scale.label(rules["routine_level"], language),
              "in_use": instrument.use_scale.label(rules["use_level"], language)}
    parts = []
    for key, measure in TAKEHOLD_THRESHOLDS.items():
        if key not in spec:
            continue
        value = getattr(row, measure)
        met = pd.notna(value) and value >= spec[key] - TOLERANCE
        if only_failing and met:
            continue
        shown = (measure_text(measure, value, prepared, language) if pd.notna(value)
                 else too_few(language, prepared.min_group_size))
        parts.append(text(f"practice_condition_{measure}", language, value=shown,
                          limit=_limit_text(measure, spec[key], language),
                          label=labels.get(measure, "")))
    if spec.get("maintained", False) and not (only_failing and row.maintained):
        history = "" if row.maintained else _use_history(prepared, row.provider_id,
                                                           row.practice)
        parts.append(text(f"practice_condition_not_maintained_{history}" if history
                          else "practice_condition_maintained", language))
    return parts


def deciding_condition(row, prepared: Prepared, language: str) -> str:
    """What decided a practice's status, with the practice's values beside the limits: the
    conditions of its status, which all hold ("52 % at least at Routine use (limit 30 %)");
    for a practice in no status, that it meets no status's conditions; too few answers show
    the minimum group size instead."""
    if row.category == TOO_FEW:
        return too_few(language, prepared.min_group_size)
    if row.category == NOT_IN_USE:
        return text("practice_meets_none", language)
    return "; ".join(_conditions(row.category, row, prepared, language, only_failing=False))


def next_status_gap(row, prepared: Prepared, language: str) -> str:
    """What the practice lacks for the next status up, with its values beside the limits
    ("Embedded: the normalisation mean 3,48 (limit 3,5)"); a dash at the highest status or
    with too few answers."""
    order = [spec["category"] for spec in prepared.instrument.takehold_rules["categories"]]
    if row.category == TOO_FEW or row.category == order[0]:
        return "\u2013"
    above = order[-1] if row.category == NOT_IN_USE else order[order.index(row.category) - 1]
    missing = _conditions(above, row, prepared, language, only_failing=True)
    return text("practice_next_status", language, status=text(f"status_{above}", language),
                missing="; ".join(missing))


def practice_table(prepared: Prepared, provider_id: str, language: str,
                   own: bool | None = None) -> pd.DataFrame:
    """Each practice's theme, status badge, the condition that decided it and what it lacks
    for the next status.

    Parameters
    ----------
    own
        ``True``: only the provider's own practices (of its own themes, or of no theme);
        ``False``: only the others; ``None``: all, its own first. The rules are shown once, by
        :func:`practice_legend`.
    """
    instrument = prepared.instrument
    rows = practice_rows(prepared, provider_id)
    mine = _own(prepared, provider_id, rows)
    if own is not None:
        rows = rows[mine == own]
    else:
        rows = pd.concat([rows[mine], rows[~mine]])
    table = []
    for row in rows.itertuples():
        table.append({
            text("takehold_col_practice", language): instrument.practice(row.practice)
            .name[language],
            text("practice_col_theme", language): (theme_name(instrument, row.theme, language)
                                                    if isinstance(row.theme, str) else ""),
            text("takehold_col_status", language): status_text(
                row, language, [prepared.wave_label(w, language)
                                for w in dropped_waves(prepared, provider_id, row.practice)]),
            text("practice_col_decided", language): deciding_condition(row, prepared, language),
            text("practice_col_next", language): next_status_gap(row, prepared, language),
        })
    return pd.DataFrame(table)


def practice_legend(prepared: Prepared, language: str) -> str:
    """The status rules once, as a Markdown list with each status's symbol."""
    mgs = prepared.min_group_size
    lines = [f"- {STATUS_SYMBOLS[c]} {rule_text(c, prepared.instrument, language, mgs)}"
             for c in status_categories(prepared)]
    return text("practice_legend_intro", language) + "\n\n" + "\n".join(lines)


def levels_of_use_gloss(prepared: Prepared, language: str) -> str:
    """The Levels of Use in plain words, as a Markdown list (``3 Mekaaninen käyttö: …``): the
    scale's labels with the instrument's descriptions of them; "" when it describes none."""
    scale = prepared.instrument.use_scale
    lines = [f"- {text('practice_level_line', language, value=value, label=scale.label(value, language), gloss=gloss[language])}"  # noqa: E501
             for value, gloss in sorted(scale.descriptions.items())]
    if not lines:
        return ""
    return text("practice_levels_intro", language) + "\n\n" + "\n".join(lines)
