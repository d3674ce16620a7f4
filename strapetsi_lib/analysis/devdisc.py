"""Development discussions (kehityskeskustelut): who says they have one at least once a year.

An instrument may declare the item that asks about them and the answers that count as yes
(its ``development_discussion``, e.g. agreeing with "I have a development discussion with my
supervisor at least once a year"). This module turns the answers into the share of staff who
agree, per provider, wave and role, with the privacy rules of
:mod:`strapetsi_lib.analysis.disclosure` applied to the number of *answers* to the item (a role
with enough respondents but too few answers to this item is still hidden). An instrument
without the declaration has no such table and its reports no such section.

It is the worked example of ``docs/adding-a-report-section.md``: a pure table, no words; the
provider report shows it through :mod:`strapetsi_lib.present.devdisc_view`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strapetsi_lib.analysis.disclosure import SHOWN, SMALL, member_states, protect_shares
from strapetsi_lib.ingest.instrument import Instrument

#: The role label of the all-staff row.
ALL_STAFF = "all"


def discussion_shares(responses: pd.DataFrame, instrument: Instrument,
                      min_group_size: int) -> pd.DataFrame:
    """The share of staff who say yes to the development-discussion item, per provider, wave
    and role, and for all staff.

    Parameters
    ----------
    responses
        The dataset's tidy responses (``provider_id, wave, role`` and one column per item).
    instrument
        The instrument: its ``development_discussion`` names the item and the answers that
        count as yes, its roles the rows.
    min_group_size
        Groups with fewer answers are suppressed, and further roles while the all-staff row
        would give the hidden ones away, by their number or by their all answering alike
        (:func:`strapetsi_lib.analysis.disclosure.protect_shares`).

    Returns
    -------
    DataFrame
        ``provider_id, wave, role, answers, agreeing, share, suppressed, state, share_low,
        share_high``; ``role`` is one of the instrument's roles or :data:`ALL_STAFF`; every
        role appears for every provider and wave. Suppressed rows have NaN ``answers``,
        ``agreeing`` and ``share``; ``state`` says how a row reads
        (:func:`strapetsi_lib.analysis.disclosure.member_states`: shown, empty, small,
        protects, hidden). An all-staff row whose share is published as a band has its
        ``answers``, NaN ``share`` and the band in ``share_low``, ``share_high``.

    Raises
    ------
    ValueError
        When the instrument declares no development-discussion item.
    """
    spec = instrument.development_discussion
    if spec is None:
        raise ValueError(f"instrument {instrument.id} declares no development_discussion")
    item, agree = spec.item, list(spec.agreeing)
    answered = responses.loc[responses[item].notna(), ["provider_id", "wave", "role", item]]
    answered = answered.assign(agreeing=answered[item].isin(agree).astype(int))
    keys = ["provider_id", "wave", "role"]
    by_role = (answered.groupby(keys, observed=True)
               .agg(answers=(item, "size"), agreeing=("agreeing", "sum")))
    providers = responses["provider_id"].unique()
    waves = responses["wave"].unique()
    grid = pd.MultiIndex.from_product([providers, waves, instrument.role_codes], names=keys)
    by_role = by_role.reindex(grid, fill_value=0).reset_index()
    rows = []
    for (provider, wave), block in by_role.groupby(["provider_id", "wave"], sort=False,
                                                   observed=True):
        answers = block.set_index("role")["answers"]
        agreeing = block.set_index("role")["agreeing"]
        # the all-staff row is the breakdown's total: the roles are protected against it,
        # including against all-alike hidden answers (disclosure rule 5)
        protection = protect_shares(answers, agreeing, min_group_size)
        states = member_states(answers, protection, min_group_size)
        for role in instrument.role_codes:
            shown = protection.shown(role)
            rows.append((provider, wave, role, answers[role] if shown else np.nan,
                         agreeing[role] if shown else np.nan, not shown, states[role],
                         np.nan, np.nan))
        band = protection.total_band
        total_shown = protection.total_shown and band is None
        rows.append((provider, wave, ALL_STAFF, answers.sum() if protection.total_shown
                     else np.nan, agreeing.sum() if total_shown else np.nan, not total_shown,
                     SHOWN if protection.total_shown else SMALL,
                     band[0] if band else np.nan, band[1] if band else np.nan))
    table = pd.DataFrame(rows, columns=["provider_id", "wave", "role", "answers", "agreeing",
                                        "suppressed", "state", "share_low", "share_high"])
    table["share"] = table["agreeing"] / table["answers"]
    table["wave"] = table["wave"].astype(str)
    return (table[["provider_id", "wave", "role", "answers", "agreeing", "share", "suppressed",
                   "state", "share_low", "share_high"]]
            .sort_values(["provider_id", "wave"], kind="stable").reset_index(drop=True))
