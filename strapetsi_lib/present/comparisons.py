"""Honest comparisons with the network: strengths, areas to develop, above/below/level.

The rule lives in :mod:`strapetsi_lib.analysis.baseline` (:func:`classify_difference`, by the one
"clear" rule of :func:`strapetsi_lib.analysis.stats.verdict`); this module selects a provider's
rows and words the outcome, so the provider report and the summary page say the same thing:

* a **strength** / **area to develop** is an item whose difference from the network is clear:
  statistically certain after the Benjamini–Hochberg adjustment across the provider's items
  (so that on average at most ``CLEAR_ALPHA`` of the strengths and areas found are due to
  chance) and at least ``MIN_CLEAR_EFFECT`` network standard deviations, with groups that meet
  the minimum size;
* when no item qualifies, the report says so plainly and shows the provider's highest and
  lowest items *as such* (never called strengths); when no item could be compared at all (too
  few answers), it says that instead of "no clear difference";
* two values that print the same read as level (:func:`rounded_sign`): "2,9 vs 2,9" is not
  "above the network".
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from strapetsi_lib.analysis.baseline import AREA_TO_DEVELOP, STRENGTH
from strapetsi_lib.analysis.stats import CLEAR_ALPHA
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present.i18n import percent, text
from strapetsi_lib.present.precision import MEAN_DECIMALS
from strapetsi_lib.present.stats_view import threshold_text
from strapetsi_lib.present.survey_words import direction_note, wave_phrase
from strapetsi_lib.present.view_cache import cached_view

__all__ = ["ItemComparisons", "compare_items", "comparison_outcome_text", "comparison_text",
           "rounded_sign"]



class ItemComparisons(NamedTuple):
    """A provider's items against the network at one wave (rows of ``item_comparison``).

    ``strengths`` and ``areas`` hold only items that meet the rule (largest difference first,
    at most ``count`` each); ``highest`` and ``lowest`` hold the provider's best and weakest
    standardised differences whatever their size (``better_diff``: where a lower score is
    better, the lowest difference is the best), for the report to show *as such* when no
    item differs clearly. ``any_clear`` says whether any item met the rule, ``any_tested``
    whether any item could be compared at all.
    """

    strengths: pd.DataFrame
    areas: pd.DataFrame
    highest: pd.DataFrame
    lowest: pd.DataFrame
    any_clear: bool
    any_tested: bool


@cached_view
def compare_items(prepared: Prepared, provider_id: str, wave: str,
                  count: int = 3) -> ItemComparisons:
    """The provider's strengths and areas to develop by the honest-comparison rule.

    Parameters
    ----------
    prepared
        The prepared tables (``item_comparison`` with its ``comparison`` column).
    provider_id, wave
        Whose items, at which wave.
    count
        At most this many items per list.

    Returns
    -------
    ItemComparisons
        See the class. Only items where the provider and the network both meet the minimum
        group size are considered at all.
    """
    items = prepared.rows("item_comparison", provider_id)
    items = items[(items["wave"] == wave) & items["std_diff"].notna()]
    # better_diff: the difference signed so that positive is better (a dimension where a lower
    # score is better reads the other way round)
    strengths = items[items["comparison"] == STRENGTH].nlargest(count, "better_diff")
    areas = items[items["comparison"] == AREA_TO_DEVELOP].nsmallest(count, "better_diff")
    return ItemComparisons(strengths.reset_index(drop=True), areas.reset_index(drop=True),
                           items.nlargest(count, "better_diff").reset_index(drop=True),
                           items.nsmallest(count, "better_diff").reset_index(drop=True),
                           bool(len(strengths) or len(areas)),
                           bool(items["p_adjusted"].notna().any()))


def comparison_text(prepared: Prepared, wave: str, language: str) -> str:
    """How strengths and areas to develop are chosen, with the threshold and the error rate
    from the code, which way is better from the instrument, and the wave compared (in running
    text, "kyselykierrokselta Kysely 2025")."""
    return text("stats_strengths_rule", language, threshold=threshold_text(language),
                alpha=percent(CLEAR_ALPHA, language),
                direction=direction_note(prepared.instrument, language),
                wave=wave_phrase(prepared, wave, language, "from"))


def comparison_outcome_text(compared: ItemComparisons, language: str) -> str:
    """What the report says before its lists: nothing when some item differs clearly; that
    none does (the highest and lowest follow as such); or that no item could be compared."""
    if compared.any_clear:
        return ""
    return text("stats_no_clear_items" if compared.any_tested else "stats_items_not_tested",
                language)


def rounded_sign(value: float, reference: float, decimals: int = MEAN_DECIMALS) -> int:
    """-1, 0 or 1: how ``value`` compares with ``reference`` *as printed*.

    Two means that print alike (2,9 and 2,9) are level (0), whatever their unrounded
    difference, so that a sentence never says "above" where the reader sees equal numbers.
    NaN gives 0.
    """
    if value is None or reference is None or math.isnan(value) or math.isnan(reference):
        return 0
    a, b = round(float(value), decimals), round(float(reference), decimals)
    return int(np.sign(a - b)) if abs(a - b) >= 0.5 * 10**-decimals else 0
