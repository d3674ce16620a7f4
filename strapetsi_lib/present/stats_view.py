"""Words for the statistical rules of the reports: adjusted intervals and practice-status rules.

The rules themselves live in :mod:`strapetsi_lib.analysis` (``stats.CLEAR_ALPHA`` and
``stats.fcr_level`` for "clear", the instrument's ``takehold_rules`` for practice status); this
module only writes them in the report's language, so that the analysis imports nothing from
the presentation.
"""

from __future__ import annotations

import math

from strapetsi_lib.analysis.takehold import NOT_IN_USE, TAKEHOLD_THRESHOLDS, TOO_FEW
from strapetsi_lib.present.i18n import and_list, interval, number, percent, text

__all__ = ["adjusted_ci_header", "level_text", "rule_text", "verdict_interval"]

#: Most decimals an interval bound gets so that it does not read as zero when it is not.
MAX_DECIMALS = 4


def verdict_interval(low: float, high: float, language: str, decimals: int = 2) -> str:
    """An interval printed beside a verdict, never showing a nonzero bound as ``0,00``.

    A bound of 0.003 written with two decimals reads "0,00", and beside "clear change" that
    looks like an interval touching zero; such intervals get more decimals (up to
    :data:`MAX_DECIMALS`) until every nonzero bound shows a nonzero digit.
    """
    return interval(low, high, language, verdict_decimals(low, high, decimals))


def verdict_decimals(low: float, high: float, decimals: int = 2) -> int:
    """The decimals :func:`verdict_interval` writes an interval with."""
    bounds = [b for b in (low, high) if b is not None and not math.isnan(b) and b != 0]
    while decimals < MAX_DECIMALS and any(round(abs(b), decimals) == 0 for b in bounds):
        decimals += 1
    return decimals


def level_text(level: float, language: str) -> str:
    """A confidence level as a percentage: ``99 %``, or ``99,2 %`` when not a whole percent."""
    if level is None or math.isnan(level):
        return "\u2013"
    whole = abs(100 * level - round(100 * level)) < 1e-9
    return percent(level, language, 0 if whole else 1)


def adjusted_ci_header(level: float, language: str) -> str:
    """The column header of a multiplicity-adjusted interval, naming its level."""
    return text("stats_col_adjusted_ci", language, level=level_text(level, language))


def rule_text(category: str, instrument, language: str, min_group_size: int) -> str:
    """The rule behind a practice status in plain words, with the instrument's thresholds.

    Parameters
    ----------
    category
        A category of :func:`strapetsi_lib.analysis.takehold.classify_practice`.
    instrument
        The :class:`~strapetsi_lib.ingest.instrument.Instrument` whose ``takehold_rules`` decided.
    language
        ``fi``, ``sv`` or ``en``.
    min_group_size
        The dataset's smallest reportable group (for ``too_few_responses``).

    Returns
    -------
    str
        E.g. "Vakiintunut: vähintään 60 % vastaajista käyttää toimintatapaa vähintään tasolla
        ”Rutiininomainen käyttö”, vakiintumista kuvaavien väittämien keskiarvo on vähintään 3,5
        ja toimintatapa on ollut käytössä jokaisella kyselykierroksella (…)." Every number comes
        from the instrument, and the level names from its Levels of Use scale.
    """
    status = text(f"status_{category}", language)
    if category == TOO_FEW:
        return text("takehold_rule_too_few", language, status=status, n=min_group_size)
    if category == NOT_IN_USE:
        return text("takehold_rule_not_in_use", language, status=status)
    rules = instrument.takehold_rules
    spec = next(c for c in rules["categories"] if c["category"] == category)
    levels = instrument.scale_of(instrument.practices[0].use_item).labels
    labels = {"routine_label": levels[rules["routine_level"]][language],
              "use_label": levels[rules["use_level"]][language]}
    conditions = []
    for key, measure in TAKEHOLD_THRESHOLDS.items():
        if key in spec:
            value = (number(spec[key], language) if measure == "normalisation"
                     else percent(spec[key], language))
            conditions.append(text(f"takehold_condition_{measure}", language, value=value,
                                   **labels))
    if spec.get("maintained", False):
        conditions.append(text("takehold_condition_maintained", language,
                               value=percent(rules["maintenance_in_use_min"], language),
                               **labels))
    return text("takehold_rule", language, status=status,
                conditions=and_list(conditions, language))
