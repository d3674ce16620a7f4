"""Words for the statistical rules of the reports: verdicts, adjusted intervals, why a result
is missing, and practice-status rules.

The rules themselves live in :mod:`strapetsi_lib.analysis` (``stats.verdict`` with
``stats.CLEAR_ALPHA`` and ``stats.MIN_CLEAR_EFFECT`` for "clear", ``stats.fcr_level`` for the
intervals beside it, the instrument's ``takehold_rules`` for practice status); this module only
writes them in the report's language, so that the analysis imports nothing from the
presentation.
"""

from __future__ import annotations

import math

from strapetsi_lib.analysis.stats import CLEAR_ALPHA, MIN_CLEAR_EFFECT, verdict
from strapetsi_lib.analysis.takehold import NOT_IN_USE, TAKEHOLD_THRESHOLDS, TOO_FEW
from strapetsi_lib.present.i18n import and_list, interval, number, percent, text, too_few
from strapetsi_lib.present.precision import CHANGE_DECIMALS, interval_as_shown

__all__ = ["adjusted_ci_header", "alpha_text", "level_text", "missing_reason", "rule_text",
           "threshold_text", "too_few_cell", "verdict_interval", "verdict_word"]

#: What a verdict is about: the words differ ("selvä muutos", "selvä ero").
SUBJECTS = ("change", "difference")


def verdict_word(p_adjusted: float, effect: float, subject: str, language: str) -> str:
    """A result's verdict in words, by the one rule (:func:`strapetsi_lib.analysis.stats.verdict`).

    Parameters
    ----------
    p_adjusted, effect
        The result's adjusted p-value and standardised effect (Hedges' g of a change, the
        standardised difference or effect size of a difference).
    subject
        ``"change"`` or ``"difference"``.
    language
        ``fi``, ``sv`` or ``en``.

    Returns
    -------
    str
        E.g. "selvä muutos", "tilastollisesti varma mutta pieni muutos", "ei selvää muutosta"
        or "ei testattavissa".
    """
    if subject not in SUBJECTS:
        raise ValueError(f"subject must be one of {SUBJECTS}, got {subject!r}")
    return text(f"stats_verdict_{subject}_{verdict(p_adjusted, effect)}", language)


def threshold_text(language: str) -> str:
    """The size threshold of "clear" as the language writes it (``0,2``)."""
    return number(MIN_CLEAR_EFFECT, language, 1)


def alpha_text(language: str) -> str:
    """The false discovery rate of the verdicts as the language writes it (``0,05``)."""
    return number(CLEAR_ALPHA, language, 2)


def missing_reason(n_respondents: int, wave_label: str, min_group_size: int,
                   language: str) -> str:
    """Why a result of one wave is not shown, naming what is missing.

    Fewer respondents than ``min_group_size`` at the wave gives "the survey round had fewer
    than 5 respondents"; enough respondents but too few answers (e.g. every answer "en osaa
    sanoa") gives "the survey round gave fewer than 5 answers on this area".
    """
    key = ("stats_reason_few_respondents" if n_respondents < min_group_size
           else "stats_reason_few_answers")
    return text(key, language, wave=wave_label, n=min_group_size)


def too_few_cell(n_respondents: int, min_group_size: int, language: str) -> str:
    """A table cell instead of a hidden number: too few respondents, or too few answers."""
    if n_respondents < min_group_size:
        return too_few(language, min_group_size)
    return text("stats_too_few_answers", language, n=min_group_size)

def verdict_interval(low: float, high: float, language: str,
                     decimals: int = CHANGE_DECIMALS) -> str:
    """An interval printed beside a verdict, as every interval of the reports is written
    (:func:`~strapetsi_lib.present.precision.interval_as_shown`): rounded outward to its
    measure's decimals, and a nonzero bound never as ``0,00`` (0.003 reads ``0,01``), so that
    the interval excludes zero exactly when the verdict says the result is certain."""
    return interval(*interval_as_shown(low, high, decimals), language, decimals)


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
