"""The disclosure-control layer, attacked as a reader of the report would.

A reader sees a breakdown's total and its shown members, so the answers of the hidden members
together are ``total - sum(shown)``: that number must be 0 or at least the minimum, and every
shown member must rest on at least the minimum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strapetsi_lib.analysis.disclosure import (
    EMPTY,
    HIDDEN,
    PROTECTS,
    SHOWN,
    SMALL,
    gap_may_show,
    may_derive,
    member_states,
    protect,
    protect_shares,
    safe_practice_status,
    singled_out,
    suppress_by_group,
    suppress_small,
)
from strapetsi_lib.analysis.takehold import status_from_counts
from strapetsi_lib.ingest.instrument import load_instrument

ROLES = ("leader", "teacher", "support", "other")

breakdowns = st.lists(st.integers(min_value=0, max_value=14), min_size=1, max_size=7)
minimums = st.integers(min_value=2, max_value=8)


def recoverable(counts: dict, protection) -> int:
    """What a reader can work out for the hidden members: the total minus the shown members."""
    shown = sum(n for member, n in counts.items() if protection.shown(member))
    return sum(counts.values()) - shown


@settings(max_examples=300, deadline=None)
@given(values=breakdowns, mgs=minimums)
def test_no_hidden_union_under_the_minimum_is_recoverable(values, mgs):
    counts = {f"g{i}": n for i, n in enumerate(values)}
    protection = protect(pd.Series(counts), mgs)
    for member, n in counts.items():
        if protection.shown(member):
            assert n >= mgs, f"{member} shown with {n} answers"
    if protection.total_shown:
        # a total of none (nobody answered) tells nothing about anyone
        assert sum(counts.values()) >= mgs or sum(counts.values()) == 0
        hidden_sum = recoverable(counts, protection)
        assert hidden_sum == 0 or hidden_sum >= mgs, (counts, protection)
        # the hidden members are exactly the non-empty ones not shown
        assert hidden_sum == sum(counts[m] for m in protection.hidden)
    else:
        assert all(counts[m] == 0 or m in protection.hidden for m in counts)
    # empty members are never hidden (they protect nothing) and never shown
    assert all((counts[m] == 0) == (m in protection.empty) for m in counts)


@settings(max_examples=200, deadline=None)
@given(values=breakdowns, mgs=minimums)
def test_without_a_known_total_only_small_members_are_hidden(values, mgs):
    counts = pd.Series({f"g{i}": n for i, n in enumerate(values)})
    protection = protect(counts, mgs, total_known=False)
    if counts.sum() >= mgs:
        assert protection.hidden == frozenset(counts.index[(counts > 0) & (counts < mgs)])


@settings(max_examples=60, deadline=None)
@given(grid=st.lists(st.lists(st.integers(min_value=0, max_value=12), min_size=4, max_size=4),
                     min_size=1, max_size=5),
       mgs=minimums)
def test_long_tables_are_protected_breakdown_by_breakdown(grid, mgs):
    rows = [{"dimension": f"d{d}", "role": role, "n": n, "mean": 1.0 + d + r / 10}
            for d, counts in enumerate(grid) for r, (role, n) in enumerate(zip(ROLES, counts,
                                                                                strict=True))]
    frame = suppress_by_group(pd.DataFrame(rows), ["dimension"], "role", "n", ["mean"], mgs)
    for d, counts in enumerate(grid):
        block = frame[frame["dimension"] == f"d{d}"]
        shown = block[block["mean"].notna()]
        assert (shown["n"] >= mgs).all()
        hidden_sum = sum(counts) - shown["n"].sum()
        if sum(counts) >= mgs:
            assert hidden_sum == 0 or hidden_sum >= mgs
        else:
            assert shown.empty


# ------------------------------------------------ attribute disclosure, labels, rows by code

#: A breakdown with a share: answers per member and how many of them agree.
shared_answers = st.lists(st.tuples(st.integers(min_value=0, max_value=14),
                                    st.floats(min_value=0, max_value=1)),
                          min_size=1, max_size=6)


def _agreeing(pairs) -> tuple[dict, dict]:
    answers = {f"g{i}": n for i, (n, _) in enumerate(pairs)}
    agreeing = {f"g{i}": round(n * share) for i, (n, share) in enumerate(pairs)}
    return answers, agreeing


@settings(max_examples=400, deadline=None)
@given(pairs=shared_answers, mgs=minimums)
def test_the_hidden_members_of_a_share_never_all_answered_alike(pairs, mgs):
    answers, agreeing = _agreeing(pairs)
    protection = protect_shares(answers, agreeing, mgs)
    shown = [m for m in answers if protection.shown(m)]
    assert all(answers[m] >= mgs for m in shown)
    if not protection.total_shown:
        assert shown == []
        return
    hidden_n = sum(answers.values()) - sum(answers[m] for m in shown)
    hidden_agree = sum(agreeing.values()) - sum(agreeing[m] for m in shown)
    assert hidden_n == 0 or hidden_n >= mgs
    if protection.total_band is None:
        # what the total minus the shown members tells of the hidden ones
        assert hidden_n == 0 or 0 < hidden_agree < hidden_n, (answers, agreeing, protection)
    else:
        # every member is hidden, and the band admits an answer the other way
        low, high = protection.total_band
        total = sum(answers.values())
        assert shown == [] and 0 <= low < high <= 1
        admitted = [a for a in range(total + 1) if low <= a / total <= high]
        assert any(0 < a < total for a in admitted)
        assert sum(agreeing.values()) in admitted


def test_the_issue_pattern_of_all_disagreeing_hidden_roles():
    # total 4 of 44 agree, teachers 1 of 28, support 3 of 7: leaders and "other" (9) all
    # disagree; support is hidden too, and then the hidden 16 include 3 who agree
    answers = {"leader": 4, "teacher": 28, "support": 7, "other": 5}
    agreeing = {"leader": 0, "teacher": 1, "support": 3, "other": 0}
    protection = protect_shares(answers, agreeing, 5)
    assert protection.hidden == {"leader", "other", "support"}
    assert protection.total_band is None
    everyone = protect_shares({"leader": 2, "teacher": 9}, {"leader": 2, "teacher": 9}, 5)
    assert everyone.hidden == {"leader", "teacher"} and everyone.total_band == (0.9, 1.0)


@settings(max_examples=400, deadline=None)
@given(values=breakdowns, mgs=minimums)
def test_hidden_labels_are_honest_and_pin_no_count(values, mgs):
    counts = {f"g{i}": n for i, n in enumerate(values)}
    protection = protect(pd.Series(counts), mgs)
    states = member_states(counts, protection, mgs)
    if not protection.total_shown:
        # not even which members are empty: with one respondent, that person's role
        assert set(states.values()) == {SMALL}
        return
    for member, state in states.items():
        assert (state == SHOWN) == protection.shown(member)
        assert (state == EMPTY) == (counts[member] == 0)
        assert state != SMALL or 0 < counts[member] < mgs
        assert state != PROTECTS or counts[member] >= mgs
    hidden = [m for m in counts if states[m] in (SMALL, PROTECTS, HIDDEN)]
    union = sum(counts[m] for m in hidden)

    def bounds(m):
        return {SMALL: (1, mgs - 1), PROTECTS: (mgs, union), HIDDEN: (1, union)}[states[m]]

    # what a reader can work out of each hidden count from the labels and the union
    for member in hidden:
        others = [bounds(o) for o in hidden if o != member]
        low = max(bounds(member)[0], union - sum(h for _, h in others))
        high = min(bounds(member)[1], union - sum(lo for lo, _ in others))
        assert low < high or (mgs == 2 and len(hidden) <= 2) or \
            set(states[m] for m in hidden) == {HIDDEN}, (counts, states)


def test_a_lone_respondent_reads_like_every_other_role():
    counts = {"leader": 1, "teacher": 0, "support": 0, "other": 0}
    protection = protect(pd.Series(counts), 5)
    assert not any(protection.shows_none(m) for m in counts)
    assert set(member_states(counts, protection, 5).values()) == {SMALL}


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("xy")), min_size=1,
                     max_size=30),
       mgs=minimums)
def test_rows_by_code_single_out_no_one_unless_flagged(rows, mgs):
    frame = pd.DataFrame(rows, columns=["first", "second"])
    flagged = singled_out(frame, mgs)
    for index, row in frame.iterrows():
        sharing = int((frame == row).all(axis=1).sum())
        assert bool(flagged[index]) == (sharing < mgs)


@settings(max_examples=300, deadline=None)
@given(before=st.dictionaries(st.sampled_from(["all", "teacher", "d1", "d2"]),
                              st.integers(min_value=5, max_value=40), min_size=1),
       deltas=st.dictionaries(st.sampled_from(["all", "teacher", "d1", "d2"]),
                              st.integers(min_value=-6, max_value=6)),
       mgs=minimums)
def test_a_version_a_few_answers_apart_is_held(before, deltas, mgs):
    from strapetsi_lib.batch.publication import Publication, small_changes

    after = {key: n + deltas.get(key, 0) for key, n in before.items()}
    publication = Publication(out_dir=None, min_group_size=mgs, published={"p": before})
    held = publication.decide("p", after)
    apart = [key for key in before if 0 < abs(after[key] - before[key]) < mgs]
    assert (held is not None) == bool(apart)
    assert set(small_changes(before, after, mgs)) == set(apart)
    if held is None:  # what two published versions let a reader subtract: none or enough
        assert all(after[k] == before[k] or abs(after[k] - before[k]) >= mgs for k in before)


@pytest.mark.parametrize("counts, hidden", [
    # a lone leader and empty roles: the empty ones must not count as protection
    ({"leader": 1, "teacher": 5, "support": 0, "other": 0}, {"leader", "teacher"}),
    ({"leader": 4, "teacher": 6, "support": 0, "other": 0}, {"leader", "teacher"}),
    ({"leader": 5, "teacher": 5, "support": 2, "other": 5}, {"support", "leader"}),
    # two small groups of 1 + 1 (the demo's 1635874-4 at the baseline)
    ({"leader": 1, "teacher": 10, "support": 6, "other": 1}, {"leader", "other", "support"}),
    # 1 + 3 (the demo's 0161925-1 at the follow-up)
    ({"leader": 1, "teacher": 12, "support": 6, "other": 3}, {"leader", "other", "support"}),
    ({"leader": 3, "teacher": 4, "support": 0, "other": 0}, {"leader", "teacher"}),
    ({"leader": 6, "teacher": 7, "support": 0, "other": 0}, set()),
])
def test_the_issue_patterns(counts, hidden):
    protection = protect(pd.Series(counts), 5)
    assert set(protection.hidden) == hidden
    assert protection.total_shown == (sum(counts.values()) >= 5)


def test_a_provider_of_three_shows_no_total():
    protection = protect(pd.Series({"leader": 1, "teacher": 2, "support": 0, "other": 0}), 5)
    assert not protection.total_shown
    assert protection.hidden == {"leader", "teacher"}


def test_a_breakdown_without_answers_shows_its_total_as_none():
    # a provider that missed a wave: 0 for every role and 0 in all, not "fewer than 5"
    protection = protect({"leader": 0, "teacher": 0, "support": 0, "other": 0}, 5)
    assert protection.total_shown and not protection.hidden
    assert protection.empty == {"leader", "teacher", "support", "other"}


def test_single_figures_need_enough_answers_for_every_group():
    frame = pd.DataFrame({"n_before": [5, 4, 9], "n_after": [5, 9, 4], "estimate": [0.1] * 3})
    out = suppress_small(frame, ["n_before", "n_after"], ["estimate"], 5)
    assert out["estimate"].notna().tolist() == [True, False, False]
    assert out["suppressed"].tolist() == [False, True, True]


def test_gap_needs_the_leaders_cell_to_be_shown():
    # leaders 5 answers, teachers 2: the teachers are hidden, and the leaders with them
    protection = protect(pd.Series({"leader": 5, "teacher": 2, "support": 10, "other": 0}), 5)
    assert "leader" in protection.hidden
    assert not gap_may_show(protection, 5, 12, 5)
    shown = protect(pd.Series({"leader": 5, "teacher": 6, "support": 10, "other": 0}), 5)
    assert gap_may_show(shown, 5, 16, 5)
    assert not gap_may_show(shown, 5, 4, 5)
    assert may_derive(True, True) and not may_derive(True, False)


def _status_rows(n_first: int, in_use_first: float, n_norm: int = 9) -> pd.DataFrame:
    """Counts of one practice at one provider: a baseline of ``n_first`` answers, of which a
    share ``in_use_first`` in use, and a follow-up of 9 answers, all at the routine level."""
    rules = load_instrument("competence_management_v1").takehold_rules
    counts = pd.DataFrame({
        "provider_id": ["0100013-3"] * 2, "practice": ["annual_clock"] * 2,
        "wave": ["baseline", "followup"], "n": [n_first, 9],
        "routine": [round(in_use_first * n_first), 9], "using": [round(in_use_first * n_first), 9],
        "n_normalisation": [n_first, n_norm], "normalisation": [4.5, 4.5],
    })
    table = status_from_counts(counts, rules, ["baseline", "followup"], 5)
    return safe_practice_status(table, "followup")


def test_a_small_earlier_wave_does_not_decide_a_status():
    # with three answers at the baseline the status must not depend on what they said
    small_low, small_high = _status_rows(3, 0.0), _status_rows(3, 1.0)
    assert small_low["category"].tolist() == small_high["category"].tolist()
    assert small_low["unknown_waves"].tolist() == ["baseline"]
    # with enough answers it does: in use at both waves is maintained (embedded), in use
    # only at the follow-up is not yet
    big_low, big_high = _status_rows(9, 0.0), _status_rows(9, 1.0)
    assert big_high["category"].iloc[0] == "embedded"
    assert big_low["category"].iloc[0] != "embedded"
    assert big_low["unknown_waves"].tolist() == [""]


def test_a_normalisation_mean_on_few_answers_is_not_used():
    out = _status_rows(9, 1.0, n_norm=3)
    assert bool(out["normalisation_hidden"].iloc[0])
    assert np.isnan(out["normalisation"].iloc[0])
    assert out["category"].iloc[0] != "embedded"


# ------------------------------------------------------------ the demo, as its reports show it


def _shown_number(cell: str) -> int | None:
    return int(cell) if cell.isdigit() else None


@pytest.mark.parametrize("provider_id", ["1635874-4", "0161925-1"])
def test_the_demo_providers_that_leaked_no_longer_do(prepared, provider_id):
    from strapetsi_lib.present import provider_view

    table = provider_view.role_table(prepared, provider_id, "fi")
    for column in table.columns[1:]:
        cells = [_shown_number(c) for c in table[column].iloc[:4]]
        total = _shown_number(table[column].iloc[4])
        assert total is not None
        hidden = total - sum(n for n in cells if n is not None)
        assert hidden == 0 or hidden >= prepared.min_group_size, (provider_id, column, cells)


@pytest.mark.slow  # every demo provider: seconds
def test_no_demo_role_mean_or_gap_rests_on_a_solvable_group(prepared):
    from strapetsi_lib.present import provider_view

    mgs = prepared.min_group_size
    answers = prepared["role_dimension_means"]
    wave = prepared.wave_ids[0]
    answers = answers[answers["wave"] == wave]
    for provider_id in prepared["providers"]["provider_id"]:
        means = provider_view.role_means(prepared, provider_id, wave)
        gaps = provider_view.leader_gap(prepared, provider_id, wave).set_index("dimension")
        own = answers[answers["provider_id"] == provider_id]
        for dim, block in means.groupby("dimension"):
            truth = own[own["dimension"] == dim].set_index("role")["n"]
            shown = block[block["mean"].notna()]
            assert (truth.reindex(shown["role"]) >= mgs).all()
            hidden = truth.sum() - truth.reindex(shown["role"]).sum()
            assert hidden == 0 or hidden >= mgs or shown.empty, (provider_id, dim)
            if pd.notna(gaps.loc[dim, "gap"]):
                assert "leader" in set(shown["role"]), (provider_id, dim)
