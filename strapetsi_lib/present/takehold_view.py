"""One provider's take-hold section: change since the baseline and the status of each practice.

Like :mod:`strapetsi_lib.present.provider_view`, these functions only select and word the rows of
the
prepared tables (``dimension_change``, ``practice_status_by_wave``); nothing is recomputed here,
and every number passes the disclosure-control layer
(:mod:`strapetsi_lib.analysis.disclosure`).
"""

from __future__ import annotations

import pandas as pd

from strapetsi_lib.analysis.disclosure import safe_practice_status, suppress_small
from strapetsi_lib.analysis.takehold import classify_practice, rule_text
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present.i18n import interval, number, percent, text, too_few

#: An adjusted p-value below this is called a clear change.
CLEAR = 0.05


def has_takehold(prepared: Prepared) -> bool:
    """Whether the dataset has the two waves a take-hold section needs."""
    return "dimension_change" in prepared.tables


def change_rows(prepared: Prepared, provider_id: str) -> pd.DataFrame:
    """The provider's change per dimension, in the instrument's order.

    A change uses the answers of both waves: it is blanked (``suppressed``) unless each rests on
    at least ``min_group_size`` answers.
    """
    rows = prepared.rows("dimension_change", provider_id).set_index("dimension")
    rows = rows.reindex(prepared.instrument.dimension_codes).reset_index()
    return suppress_small(rows, ["n_before", "n_after"],
                          ["estimate", "ci_low", "ci_high", "p_value", "p_adjusted", "hedges_g"],
                          prepared.min_group_size)


def change_sentences(prepared: Prepared, provider_id: str, language: str) -> list[str]:
    """One plain sentence per dimension: clear rise, clear fall, no clear change, or hidden."""
    sentences = []
    for row in change_rows(prepared, provider_id).itertuples():
        name = prepared.instrument.dimension(row.dimension).name[language]
        if row.suppressed or pd.isna(row.estimate):
            sentences.append(text("takehold_change_suppressed", language, dimension=name,
                                  n=prepared.min_group_size))
            continue
        ci = interval(row.ci_low, row.ci_high, language, 2)
        if row.p_adjusted < CLEAR:
            key = "takehold_change_clear_up" if row.estimate > 0 else "takehold_change_clear_down"
            sentences.append(text(key, language, dimension=name,
                                  amount=number(abs(row.estimate), language, 2), ci=ci))
        else:
            sentences.append(text("takehold_change_unclear", language, dimension=name,
                                  change=number(row.estimate, language, 2, signed=True), ci=ci))
    return sentences


def change_table(prepared: Prepared, provider_id: str, language: str) -> pd.DataFrame:
    """The change per dimension as a table: change, 95 % CI, Hedges' g and the verdict."""
    rows = []
    for row in change_rows(prepared, provider_id).itertuples():
        shown = not (row.suppressed or pd.isna(row.estimate))
        verdict = ("takehold_verdict_clear" if shown and row.p_adjusted < CLEAR
                   else "takehold_verdict_unclear")
        rows.append({
            text("dimension", language): prepared.instrument.dimension(row.dimension)
            .name[language],
            text("takehold_col_change", language): (
                number(row.estimate, language, 2, signed=True) if shown
                else text("too_few", language, n=prepared.min_group_size)),
            text("takehold_col_ci", language): (
                interval(row.ci_low, row.ci_high, language, 2) if shown else ""),
            text("takehold_col_hedges_g", language): (
                number(row.hedges_g, language, 2) if shown else ""),
            text("takehold_col_verdict", language): text(verdict, language) if shown else "",
        })
    return pd.DataFrame(rows)


def change_method(prepared: Prepared, provider_id: str, language: str) -> str:
    """How the change was tested (paired or as groups), in words."""
    rows = change_rows(prepared, provider_id).dropna(subset=["estimate"])
    if rows.empty:
        return ""
    if (rows["test"] == "paired t").any():
        return text("takehold_method_paired", language, n_paired=int(rows["n_paired"].max()))
    return text("takehold_method_groups", language)


def practice_rows(prepared: Prepared, provider_id: str) -> pd.DataFrame:
    """The provider's practice status at the latest wave, in the instrument's order.

    Decided by :func:`~strapetsi_lib.analysis.disclosure.safe_practice_status`: earlier waves
    with too few answers are not looked at (``unknown_waves`` lists them), and a normalisation
    mean on too few answers is left out.
    """
    by_wave = prepared.rows("practice_status_by_wave", provider_id)
    rows = safe_practice_status(by_wave, prepared.wave_ids[-1],
                                prepared.instrument.takehold_rules, prepared.min_group_size,
                                classify_practice).set_index("practice")
    return rows.reindex([p.code for p in prepared.instrument.practices]).reset_index()


def unknown_waves_note(prepared: Prepared, provider_id: str, language: str) -> str:
    """Says which earlier waves had too few answers to count in a practice's status, if any."""
    unknown = {w for ws in practice_rows(prepared, provider_id)["unknown_waves"]
               if isinstance(ws, list) for w in ws}
    waves = [w for w in prepared.wave_ids if w in unknown]
    if not waves:
        return ""
    return text("disclosure_unknown_waves", language, n=prepared.min_group_size,
                waves=", ".join(prepared.wave_label(w, language) for w in waves))


def _routine_label(prepared: Prepared, language: str) -> str:
    instrument = prepared.instrument
    levels = instrument.scale_of(instrument.practices[0].use_item).labels
    return levels[instrument.takehold_rules["routine_level"]][language]


def practice_intro(prepared: Prepared, language: str) -> str:
    """How a practice's status is decided, naming the routine level."""
    return text("takehold_practice_intro", language,
                routine_label=_routine_label(prepared, language))


def practice_table(prepared: Prepared, provider_id: str, language: str) -> pd.DataFrame:
    """Each practice's status, the measures behind it, and the rule that decided it."""
    instrument = prepared.instrument
    mgs = prepared.min_group_size
    rows = []
    for row in practice_rows(prepared, provider_id).itertuples():
        shown = row.category != "too_few_responses"
        rows.append({
            text("takehold_col_practice", language): instrument.practice(row.practice)
            .name[language],
            text("takehold_col_status", language): text(f"status_{row.category}", language),
            text("takehold_col_penetration", language): (
                f"{percent(row.penetration, language)} "
                f"({interval(100 * row.penetration_ci_low, 100 * row.penetration_ci_high, language, 0)})"  # noqa: E501
                if shown else ""),
            text("takehold_col_normalisation", language): (
                "" if not shown else too_few(language, mgs) if row.normalisation_hidden
                else number(row.normalisation, language)),
            text("takehold_col_rule", language): rule_text(row.category, instrument, language, mgs),
        })
    return pd.DataFrame(rows)
