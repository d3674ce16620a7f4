"""Figures draw what the tables print: values rounded as the report writes them.

A figure's coordinates (an SVG keeps them to about 1e-6 of the axis) would otherwise carry a
mean, an interval, a share or a count far more precisely than the table beside it; comparing
two versions of a report then gives away a late answer exactly (18·m′ − 17·m). So the views
that feed figures hand them values rounded here, the way :func:`strapetsi_lib.present.i18n.number`
and :func:`~strapetsi_lib.present.i18n.percent` round them for the tables, and the figures,
their text alternatives and the tables show one and the same number.

The decimals the report writes each kind of value with live here (one rule, one place).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["CHANGE_DECIMALS", "MEAN_DECIMALS", "SHARE_PERCENT_DECIMALS", "as_shown",
           "share_as_shown"]

#: Means, their intervals and the network average: ``3,4`` (``i18n.number``'s default).
MEAN_DECIMALS = 1
#: Changes between waves and their intervals: ``+0,23``.
CHANGE_DECIMALS = 2
#: Shares are written as whole percentages: ``62 %``.
SHARE_PERCENT_DECIMALS = 0


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


def share_as_shown(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy of ``frame`` with the shares (0–1) in ``columns`` rounded to the percentage the
    report writes (:func:`strapetsi_lib.present.i18n.percent`), still as shares."""
    frame = frame.copy()
    for column in columns:
        frame[column] = [value if pd.isna(value)
                         else round(100 * float(value), SHARE_PERCENT_DECIMALS) / 100
                         for value in frame[column]]
    return frame
