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
    gap_may_show,
    may_derive,
    protect,
    safe_practice_status,
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
        assert sum(counts.values()) >= mgs
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
