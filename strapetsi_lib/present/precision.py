"""The decimals every report writes, and figures drawing what the tables print.

One rule per measure, in every report (provider and network), lives here:

* means on the survey's scale (a provider's, a role's, the network's, a provider's range) and
  their intervals: one decimal (:data:`MEAN_DECIMALS`), ``3,4`` and ``3,1–3,6``;
* differences in scale points (a change between waves, the leaders' gap, a theme's
  difference, a model's estimate) and their intervals: two (:data:`CHANGE_DECIMALS`), ``+0,23``;
* shares and response rates: whole percentages (:data:`SHARE_PERCENT_DECIMALS`), ``62 %``;
  a range of them is written ``25–70 %`` (:func:`strapetsi_lib.present.i18n.percent_range`).

An interval is rounded *outward* to its measure's decimals (the low end down, the high end up,
:func:`interval_as_shown`): the printed interval holds the computed one, and a narrow interval
never prints as a point ("2,9–2,9" is "2,8–3,0"). A bound that is not zero never prints as
zero: it is written as the smallest nonzero value on its side (0.003 as ``0,01``), so that an
interval beside a verdict excludes zero exactly when the verdict says so, without changing the
decimals of one row. A number printed beside a threshold it is judged against gets the
decimals it needs to stay on its side of it (:func:`threshold_decimals`: a mean of 3.478 beside
"at least 3,5" is ``3,48``, never ``3,5``).

Figures draw what the tables print. A figure's coordinates (an SVG keeps them to about 1e-6 of
the axis) would otherwise carry a mean, an interval, a share or a count far more precisely than
the table beside it; comparing two versions of a report then gives away a late answer exactly
(18·m′ − 17·m). So the views that feed figures hand them values rounded here, and the figures,
their text alternatives and the tables show one and the same number.
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["CHANGE_DECIMALS", "EFFECT_DECIMALS", "MEAN_DECIMALS", "SHARE_PERCENT_DECIMALS",
           "as_shown", "interval_as_shown", "intervals_as_shown", "share_as_shown",
           "threshold_decimals"]

#: Means, their intervals and the network average: ``3,4`` (``i18n.number``'s default).
MEAN_DECIMALS = 1
#: Differences in scale points (changes between waves, gaps, model estimates) and their
#: intervals: ``+0,23``.
CHANGE_DECIMALS = 2
#: A standardised size (Hedges' g, a difference in standard deviations): two decimals.
EFFECT_DECIMALS = 2
#: Shares are written as whole percentages: ``62 %``.
SHARE_PERCENT_DECIMALS = 0
#: Most decimals a number gets to stay on its side of a threshold (:func:`threshold_decimals`).
MAX_THRESHOLD_DECIMALS = 4


def as_shown(frame: pd.DataFrame, columns: list[str], decimals: int) -> pd.DataFrame:
    """A copy of ``frame`` with ``columns`` rounded as the report writes them.

    Rounded as :func:`strapetsi_lib.present.i18n.number` rounds (Python's ``round`` of the
    float), so a value drawn and the same value written agree to the last digit shown.
    Missing values stay missing.
    """
    frame = frame.copy()
    for column in columns:
        frame[column] = [value if pd.isna(value) else round(float(value), decimals)
                         for value in frame[column]]
    return frame


def _outward(value: float, decimals: int, up: bool) -> float:
    """``value`` rounded up or down to ``decimals``; a nonzero value never becomes zero."""
    scale = 10**decimals
    # a hair of slack, so that a bound already on the grid (3.1 stored as 3.0999999) stays
    scaled = value * scale
    rounded = (math.ceil(scaled - 1e-6) if up else math.floor(scaled + 1e-6)) / scale
    if rounded == 0 and value != 0:
        rounded = math.copysign(1 / scale, value)
    return round(rounded, decimals)


def interval_as_shown(low: float, high: float, decimals: int) -> tuple[float, float]:
    """An interval's bounds as the report writes them: rounded outward to ``decimals``, a
    nonzero bound never zero (see the module's docstring). Missing bounds stay missing."""
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return float("nan"), float("nan")
    return _outward(float(low), decimals, up=False), _outward(float(high), decimals, up=True)


def intervals_as_shown(frame: pd.DataFrame, low: str, high: str, decimals: int) -> pd.DataFrame:
    """A copy of ``frame`` whose interval columns ``low`` and ``high`` are rounded as the
    report writes them (:func:`interval_as_shown`)."""
    frame = frame.copy()
    bounds = [interval_as_shown(lo, hi, decimals)
              for lo, hi in zip(frame[low], frame[high], strict=True)]
    frame[low] = [lo for lo, _ in bounds]
    frame[high] = [hi for _, hi in bounds]
    return frame


def threshold_decimals(value: float, thresholds: float | list[float], decimals: int) -> int:
    """The decimals that keep ``value`` on its side of every one of ``thresholds`` when printed.

    ``decimals`` is the measure's own rule; more are used only where it would print a value
    below a threshold as reaching it, or one at or above it as falling short (up to
    :data:`MAX_THRESHOLD_DECIMALS`). A value within 1e-9 below a threshold counts as reaching
    it, as the take-hold rules count it (``analysis.takehold.TOLERANCE``).
    """
    limits = [thresholds] if isinstance(thresholds, int | float) else list(thresholds)
    if value is None or pd.isna(value):
        return decimals

    def misread(places: int) -> bool:
        return any((round(value, places) >= limit) != (value >= limit - 1e-9)
                   for limit in limits if limit is not None and not pd.isna(limit))

    while decimals < MAX_THRESHOLD_DECIMALS and misread(decimals):
        decimals += 1
    return decimals


def share_as_shown(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy of ``frame`` with the shares (0–1) in ``columns`` rounded to the percentage the
    report writes (:func:`strapetsi_lib.present.i18n.percent`), still as shares."""
    frame = frame.copy()
    for column in columns:
        frame[column] = [value if pd.isna(value)
                         else round(100 * float(value), SHARE_PERCENT_DECIMALS) / 100
                         for value in frame[column]]
    return frame
