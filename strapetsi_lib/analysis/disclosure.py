"""Disclosure control: the one layer that decides which numbers a report may publish.

Every published number of the provider report, its take-hold section and the network report is
decided here; the views in :mod:`strapetsi_lib.present` ask these functions and never decide
privacy on their own. The rules (also in docs/methods.md, "Disclosure control"):

1. **Answers, not headcount.** A number is shown only if it rests on at least
   ``min_group_size`` *answers* (default 5, the rule of the national Arvo feedback system).
   "En osaa sanoa" and unanswered items lower the count, so a role of 6 respondents of whom
   only 3 scored a dimension has no mean shown for that dimension.
2. **No recovery by subtraction.** Within a breakdown whose total (or whose other members) is
   shown, the hidden members together are either empty or hold at least ``min_group_size``
   answers. Further members are hidden, the next smallest non-empty one first, until that holds;
   empty groups never count as protection. If no set of hidden members can reach the minimum
   (the breakdown's total is under it), the total is hidden too (:func:`protect`).
3. **Derived figures.** A gap, difference, change, range, rank, "above/below" count or status
   is shown only if every group it uses may be shown (:func:`may_derive`).
4. **Earlier waves.** A status that looks back at earlier waves (a practice is "embedded" only if
   it was in use at every earlier wave) treats a wave with fewer than ``min_group_size`` answers
   as unknown, i.e. not looked at, and the report says so (:func:`safe_practice_status`).

Everything here is a pure function of tables (no words, no I/O).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "Protection",
    "gap_may_show",
    "may_derive",
    "may_show",
    "protect",
    "safe_practice_status",
    "suppress_by_group",
    "suppress_small",
    "suppressed_groups",
]


@dataclass(frozen=True)
class Protection:
    """What one breakdown may show (result of :func:`protect`).

    Attributes
    ----------
    hidden
        Non-empty members whose count and figures must not be shown. Their answers together
        are at least the minimum (or the total is hidden as well).
    empty
        Members with no answers: shown as none, never a protection.
    total_shown
        Whether the breakdown's total (and anything resting on all of it) may be shown.
    """

    hidden: frozenset
    empty: frozenset
    total_shown: bool

    def shown(self, member: Hashable) -> bool:
        """Whether ``member`` has answers and its figures may be shown."""
        return member not in self.hidden and member not in self.empty


def may_show(n: float, min_group_size: int) -> bool:
    """Rule 1: a figure resting on ``n`` answers may be shown."""
    return bool(pd.notna(n) and n >= min_group_size)


def may_derive(*shown: bool) -> bool:
    """Rule 3: a derived figure may be shown only if every group it uses may be shown."""
    return all(bool(s) for s in shown)


def protect(counts: pd.Series | dict, min_group_size: int, total_known: bool = True) -> Protection:
    """Rule 2: which members of one breakdown to hide.

    Parameters
    ----------
    counts
        Answers per member (index = member), e.g. respondents per role of one provider and wave,
        or answers per role to one dimension. Missing counts are 0 (an empty member).
    min_group_size
        The smallest number of answers a shown figure may rest on.
    total_known
        Whether the breakdown's total is shown, or can be known, beside the members (a
        provider's mean beside its role means, a total row beside role counts). When it is
        not, members are independent and only small ones are hidden.

    Returns
    -------
    Protection
        Small members are hidden; while the hidden non-empty members hold together fewer than
        ``min_group_size`` answers, the next smallest shown non-empty member (ties in the
        breakdown's order) is hidden too. If that cannot reach the minimum, every member and
        the total are hidden.
    """
    series = pd.Series(counts, dtype=float).fillna(0)
    order = list(series.index)
    count = dict(zip(order, series.tolist(), strict=True))
    empty = frozenset(m for m in order if count[m] <= 0)
    present = [m for m in order if count[m] > 0]
    if sum(count[m] for m in present) < min_group_size:
        return Protection(frozenset(present), empty, total_shown=False)
    hidden = {m for m in present if count[m] < min_group_size}
    if total_known:
        # next smallest first; ties in the breakdown's order (sorted() is stable)
        candidates = sorted((m for m in present if m not in hidden), key=count.__getitem__)
        while 0 < sum(count[m] for m in hidden) < min_group_size:
            hidden.add(candidates.pop(0))  # exists: the present members reach the minimum
    return Protection(frozenset(hidden), empty, total_shown=True)


def suppressed_groups(counts: pd.Series, min_group_size: int, total_shown: bool = True) -> set:
    """The non-empty members of one breakdown to hide (``protect(...).hidden`` as a set)."""
    return set(protect(counts, min_group_size, total_shown).hidden)


def suppress_by_group(frame: pd.DataFrame, group_cols: list[str], group_col: str,
                      count_col: str, value_cols: list[str], min_group_size: int,
                      total_shown: bool = True) -> pd.DataFrame:
    """Blank the values of hidden members in a long table, breakdown by breakdown.

    Every set of rows sharing ``group_cols`` is one breakdown over ``group_col`` (for example
    roles within one dimension of one provider and wave), and ``count_col`` holds the answers
    each member's values rest on. Values and counts of hidden and empty members become NaN and
    the column ``suppressed`` is True for them (:func:`protect`).
    """
    frame = frame.copy()
    frame["suppressed"] = False
    blank = []
    for _, block in frame.groupby(group_cols, observed=True, sort=False):
        counts = block.groupby(group_col, observed=True, sort=False)[count_col].first()
        protection = protect(counts, min_group_size, total_shown)
        blank += [i for i, m in zip(block.index, block[group_col], strict=True)
                  if not protection.shown(m)]
    frame.loc[blank, "suppressed"] = True
    frame.loc[frame["suppressed"], [*value_cols, count_col]] = np.nan
    return frame


def suppress_small(frame: pd.DataFrame, count_cols: str | Iterable[str],
                   value_cols: Iterable[str], min_group_size: int) -> pd.DataFrame:
    """Rules 1 and 3 for figures that are not part of a breakdown with a shown total.

    Values in ``value_cols`` become NaN on rows where any of ``count_cols`` (the answers of each
    group the figure uses) is under ``min_group_size``; ``suppressed`` says which.
    """
    count_cols = [count_cols] if isinstance(count_cols, str) else list(count_cols)
    frame = frame.copy()
    small = np.zeros(len(frame), dtype=bool)
    for col in count_cols:
        small |= ~(frame[col].fillna(0).to_numpy(dtype=float) >= min_group_size)
    previous = frame["suppressed"].fillna(True).to_numpy(dtype=bool) if "suppressed" in frame \
        else np.zeros(len(frame), dtype=bool)
    frame["suppressed"] = small | previous
    frame.loc[frame["suppressed"], list(value_cols)] = np.nan
    return frame


def gap_may_show(role_protection: Protection, n_leader: float, n_staff: float,
                 min_group_size: int, leader: Hashable = "leader") -> bool:
    """Rule 3 for the leader–staff gap of one dimension.

    The gap uses the leaders' mean and the other staff's mean; with the provider's mean shown
    it gives both. So it may be shown only when the leaders' cell of the role breakdown is shown
    and both groups rest on enough answers.
    """
    return may_derive(role_protection.shown(leader), may_show(n_leader, min_group_size),
                      may_show(n_staff, min_group_size))


def safe_practice_status(by_wave: pd.DataFrame, wave: str) -> pd.DataFrame:
    """Practice statuses at ``wave`` with every measure of a too-small group left out.

    Rule 4 (a status that uses an earlier wave treats a too-small wave as unknown) is applied
    where statuses are decided, in :func:`strapetsi_lib.analysis.takehold.practice_status`
    (its ``unknown_waves`` and ``normalisation_hidden``); this only selects the wave and blanks
    the measures of ``too_few_responses`` rows, so that no view can show them.

    Parameters
    ----------
    by_wave
        ``practice_status_by_wave`` (one provider's rows or all).
    wave
        The wave whose status is published (the latest).
    """
    out = by_wave[by_wave["wave"].astype(str) == str(wave)].copy()
    shown = out["category"] != "too_few_responses"
    for col in ("penetration", "penetration_ci_low", "penetration_ci_high", "in_use",
                "normalisation"):
        if col in out:
            out.loc[~shown, col] = np.nan
    return out.reset_index(drop=True)
