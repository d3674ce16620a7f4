"""Privacy rules: no group under the minimum size, and no group recoverable by subtraction.

The minimum size is the dataset's ``min_group_size`` (default 5, the rule of the national Arvo
feedback system). Complementary suppression: when the groups of a breakdown add up to a total that
is shown, a single suppressed group could be recovered by subtracting the others from the total, so
the next smallest group is suppressed as well.
"""

from __future__ import annotations

import pandas as pd


def suppressed_groups(counts: pd.Series, min_group_size: int, total_shown: bool = True) -> set:
    """Which groups of one breakdown must not be shown.

    Parameters
    ----------
    counts
        Respondents per group (index = group), for the groups of one breakdown; groups with no
        respondents may be included with 0.
    min_group_size
        Smallest group that may be shown.
    total_shown
        Whether the breakdown's total is shown beside it (then one lone suppressed group is
        recoverable by subtraction, and a second group is suppressed with it).

    Returns
    -------
    set
        The index labels of the groups to suppress.
    """
    counts = counts.fillna(0)
    hidden = set(counts.index[counts < min_group_size])
    shown = counts[~counts.index.isin(hidden)]
    if total_shown and len(hidden) == 1 and counts[list(hidden)].sum() > 0 and len(shown) > 0:
        hidden.add(shown.sort_values(kind="stable").index[0])
    return hidden


def suppress_by_group(frame: pd.DataFrame, group_cols: list[str], group_col: str,
                      count_col: str, value_cols: list[str], min_group_size: int,
                      total_shown: bool = True) -> pd.DataFrame:
    """Blank the values of small groups in a long table, breakdown by breakdown.

    Every set of rows sharing ``group_cols`` is one breakdown over ``group_col`` (for example
    roles within one provider and wave). Values of suppressed groups become NaN and the column
    ``suppressed`` is True for them; counts of suppressed groups are blanked too.
    """
    frame = frame.copy()
    frame["suppressed"] = False
    per_breakdown = frame.drop_duplicates([*group_cols, group_col])
    for _, block in per_breakdown.groupby(group_cols, observed=True, sort=False):
        counts = block.set_index(group_col)[count_col]
        hidden = suppressed_groups(counts, min_group_size, total_shown)
        if hidden:
            mask = frame[group_col].isin(hidden)
            for col, value in zip(group_cols, block.iloc[0][group_cols], strict=True):
                mask &= frame[col] == value
            frame.loc[mask, "suppressed"] = True
    frame.loc[frame["suppressed"], [*value_cols, count_col]] = float("nan")
    return frame
