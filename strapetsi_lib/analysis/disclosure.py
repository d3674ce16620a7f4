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
   (the breakdown's total is under it), the total is hidden too (:func:`protect`); a breakdown
   without any answers shows its total as none, like its members.
3. **Derived figures.** A gap, difference, change, range, rank, "above/below" count or status
   is shown only if every group it uses may be shown (:func:`may_derive`).
4. **Earlier waves.** A status that looks back at earlier waves (a practice is "embedded" only if
   it was in use at every earlier wave) treats a wave with fewer than ``min_group_size`` answers
   as unknown, i.e. not looked at, and the report says so (:func:`safe_practice_status`).
5. **No attribute disclosure.** Where a breakdown publishes a share (agree / not), the hidden
   members together must not have answered all alike (0 % or 100 % of them), which the total
   minus the shown members would tell: further members are hidden until they have not, and
   when even all of them did (the whole total did), the total's share is published as a band
   (:func:`protect_shares`). When the total is hidden, no member reads as empty either, so that
   the roles of the few who answered are not told (:meth:`Protection.state`); a hidden member
   is labelled with why it is hidden (too small, or to protect another member) unless the
   labels together would pin its count (:func:`member_states`).
6. **No one singled out across reports.** Rows by provider code are published only when every
   combination of attributes a provider can match with its own report is shared by at least
   ``min_group_size`` providers (:func:`singled_out`).

Everything here is a pure function of tables (no words, no I/O).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "EMPTY",
    "HIDDEN",
    "PROTECTS",
    "SHOWN",
    "SMALL",
    "Protection",
    "member_states",
    "protect_shares",
    "share_band",
    "singled_out",
    "gap_may_show",
    "may_derive",
    "may_show",
    "protect",
    "safe_practice_status",
    "suppress_by_group",
    "suppress_small",
    "suppressed_groups",
]


#: How a member of a breakdown reads (:func:`member_states`): its figures; none (0 answers);
#: hidden as too small; hidden to protect another member; hidden, without saying which of the
#: two (when saying it would pin a count).
SHOWN, EMPTY, SMALL, PROTECTS, HIDDEN = "shown", "empty", "small", "protects", "hidden"


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
    #: A share published as a band ``(low, high)`` instead of the total's own share
    #: (:func:`protect_shares`), or None.
    total_band: tuple[float, float] | None = None

    def shown(self, member: Hashable) -> bool:
        """Whether ``member`` has answers and its figures may be shown."""
        return member not in self.hidden and member not in self.empty

    def shows_none(self, member: Hashable) -> bool:
        """Whether ``member`` may read as having no answers (0).

        Only beside a shown total: with the total hidden, which members are empty would tell
        the roles of the few who answered (with one respondent, that person's role).
        """
        return member in self.empty and self.total_shown


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
        the total are hidden. A breakdown without any answers (a provider that did not take
        part in a wave) hides nothing: its members and its total are none.
    """
    if isinstance(counts, dict):  # plain Python: a Series costs more than the rule itself
        order, values = list(counts), list(counts.values())
    else:
        series = pd.Series(counts, dtype=float)
        order, values = list(series.index), series.tolist()
    count = dict(zip(order, [0.0 if pd.isna(v) else float(v) for v in values], strict=True))
    empty = frozenset(m for m in order if count[m] <= 0)
    present = [m for m in order if count[m] > 0]
    if not present:  # nobody to protect; "fewer than 5" beside 0 for every member would jar
        return Protection(frozenset(), empty, total_shown=True)
    if sum(count[m] for m in present) < min_group_size:
        return Protection(frozenset(present), empty, total_shown=False)
    hidden = {m for m in present if count[m] < min_group_size}
    if total_known:
        # next smallest first; ties in the breakdown's order (sorted() is stable)
        candidates = sorted((m for m in present if m not in hidden), key=count.__getitem__)
        while 0 < sum(count[m] for m in hidden) < min_group_size:
            hidden.add(candidates.pop(0))  # exists: the present members reach the minimum
    return Protection(frozenset(hidden), empty, total_shown=True)


def member_states(counts: pd.Series | dict, protection: Protection,
                  min_group_size: int) -> dict:
    """How each member of a breakdown reads: :data:`SHOWN`, :data:`EMPTY`, :data:`SMALL`,
    :data:`PROTECTS` or :data:`HIDDEN`.

    A hidden member is labelled honestly: too small (fewer than ``min_group_size`` answers), or
    hidden to protect another member. A reader knows the hidden members' answers together (the
    total minus the shown members), so the labels bound each hidden count (small: 1 to
    ``min_group_size - 1``; protecting: at least ``min_group_size``); when those bounds would
    pin a hidden member's count (e.g. 6 hidden answers, one member small and one protecting:
    1 and 5), every hidden member reads :data:`HIDDEN` instead, which says both reasons. With
    the total hidden, every member reads :data:`SMALL` (:meth:`Protection.shows_none`).
    """
    series = pd.Series(counts, dtype=float).fillna(0)
    if not protection.total_shown:
        return dict.fromkeys(series.index, SMALL)
    states = {m: SHOWN if protection.shown(m) else EMPTY if m in protection.empty
              else SMALL if series[m] < min_group_size else PROTECTS for m in series.index}
    hidden = [m for m in series.index if m in protection.hidden]
    union = float(series[hidden].sum())
    bounds = {m: (1.0, min_group_size - 1.0) if states[m] == SMALL else (float(min_group_size),
                                                                        union)
              for m in hidden}
    for m in hidden:
        others = [bounds[o] for o in hidden if o != m]
        low = max(bounds[m][0], union - sum(high for _, high in others))
        high = min(bounds[m][1], union - sum(low for low, _ in others))
        if low >= high:  # the labels leave this member one possible count
            return {m: HIDDEN if m in protection.hidden else state
                    for m, state in states.items()}
    return states


def share_band(agreeing: float, answers: float) -> tuple[float, float]:
    """The band published for a share where everyone answered alike (0 % or 100 %).

    The band reaches to the next tenth that admits one answer the other way (``answers - 1``
    of ``answers`` agreeing, or 1): so the hidden members of the breakdown may have answered
    either way. E.g. 44 of 44 gives (0.9, 1.0), "at least 90 %"; 0 of 5 gives (0.0, 0.2).
    """
    if agreeing >= answers:
        return (np.floor(10 * (answers - 1) / answers) / 10, 1.0)
    return (0.0, np.ceil(10 / answers) / 10)


def protect_shares(answers: pd.Series | dict, agreeing: pd.Series | dict,
                   min_group_size: int) -> Protection:
    """Rules 2 and 5 for a breakdown that publishes, per member and in total, a share.

    Parameters
    ----------
    answers, agreeing
        Answers per member and how many of them agree (index = member).
    min_group_size
        The smallest number of answers a shown figure may rest on.

    Returns
    -------
    Protection
        As :func:`protect`; then, while the hidden members together all answered alike (all
        agree or none does), the next smallest shown member is hidden too. If all members are
        hidden and still alike, so is the whole total, and its share is published as a band
        (``total_band``, :func:`share_band`).
    """
    answers = pd.Series(answers, dtype=float).fillna(0)
    agreeing = pd.Series(agreeing, dtype=float).reindex(answers.index).fillna(0)
    protection = protect(answers, min_group_size)
    if not protection.total_shown:
        return protection

    def alike(members: set) -> bool:
        n = answers[list(members)].sum()
        return n > 0 and agreeing[list(members)].sum() in (0, n)

    hidden = set(protection.hidden)
    candidates = sorted((m for m in answers.index if protection.shown(m)), key=answers.__getitem__)
    while alike(hidden) and candidates:
        hidden.add(candidates.pop(0))
    band = None
    if hidden and alike(hidden):  # every member hidden, and the whole total alike
        band = share_band(agreeing.sum(), answers.sum())
    return Protection(frozenset(hidden), protection.empty, True, band)


def singled_out(rows: pd.DataFrame, min_group_size: int) -> pd.Series:
    """Rule 6: which rows (e.g. providers by code) have a combination of values that fewer
    than ``min_group_size`` rows share.

    A provider sees its own values (its statuses) in its own report; a row whose combination
    is rarer than the minimum points to that provider, and so gives away its code and every
    other value of its row.
    """
    if rows.empty:
        return pd.Series(False, index=rows.index, dtype=bool)
    combinations = rows.astype(str).apply(tuple, axis=1)
    return combinations.map(combinations.value_counts()) < min_group_size


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
    members, answers = frame[group_col].to_numpy(), frame[count_col].to_numpy()
    blank = np.zeros(len(frame), dtype=bool)
    # the breakdowns' rows by position, in plain Python: a table of a few dozen rows costs
    # more in pandas' per-call overhead than in the work itself
    breakdowns: dict = {}  # each breakdown's rows by position; rows without a key belong to none
    keys = zip(*(frame[col].to_numpy() for col in group_cols), strict=True)
    for position, key in enumerate(keys):
        if not any(pd.isna(part) for part in key):
            breakdowns.setdefault(key, []).append(position)
    for positions in breakdowns.values():
        counts: dict = {}  # each member's first known count, in the breakdown's order
        for position in positions:
            member, count = members[position], answers[position]
            if pd.isna(member):
                continue
            if pd.notna(count) and pd.isna(counts.get(member, np.nan)):
                counts[member] = count
            else:
                counts.setdefault(member, np.nan)
        protection = protect(counts, min_group_size, total_shown)
        blank[positions] = [pd.notna(members[position])
                            and not protection.shown(members[position])
                            for position in positions]
    frame["suppressed"] = blank
    _blank(frame, blank, [*value_cols, count_col])
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
    _blank(frame, small | previous, list(value_cols))
    return frame


def _blank(frame: pd.DataFrame, rows: np.ndarray, columns: list[str]) -> None:
    """Make ``columns`` missing on ``rows`` (booleans by position), in place.

    Column by column: ``frame.loc[rows, columns] = nan`` costs about a millisecond of pandas'
    indexing a call, more than the rest of a view of a few dozen rows.
    """
    if rows.any():
        for column in columns:
            frame[column] = frame[column].mask(rows)


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
