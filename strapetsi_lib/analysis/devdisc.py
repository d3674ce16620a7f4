"""Development discussions (kehityskeskustelut): who says they have one at least once a year.

The instrument asks every respondent to agree or disagree with "I have a development discussion
with my supervisor at least once a year" (item ``discuss1``, 1-5 agreement). This module turns
the answers into the share of staff who agree, per provider, wave and role, with the privacy
rules of :mod:`strapetsi_lib.analysis.disclosure` applied to the number of *answers* to the item
(a role with enough respondents but too few answers to this item is still hidden).

It is the worked example of ``docs/adding-a-report-section.md``: a pure table, no words; the
provider report shows it through :mod:`strapetsi_lib.present.devdisc_view`.
"""

from __future__ import annotations

import pandas as pd

from strapetsi_lib.analysis.disclosure import suppress_by_group
from strapetsi_lib.config import ROLES
from strapetsi_lib.ingest.instrument import Instrument, Scale

#: The item that asks about the yearly development discussion.
ITEM = "discuss1"
#: The role label of the all-staff row.
ALL_STAFF = "all"


def agreeing_values(scale: Scale) -> list[int]:
    """The answers that agree: those above the middle of the scale (4 and 5 on 1-5)."""
    middle = (scale.min + scale.max) / 2
    return [value for value in scale.values if value > middle]


def discussion_shares(responses: pd.DataFrame, instrument: Instrument, min_group_size: int,
                      item: str = ITEM) -> pd.DataFrame:
    """The share of staff who agree with ``item``, per provider, wave and role, and all staff.

    Parameters
    ----------
    responses
        The dataset's tidy responses (``provider_id, wave, role`` and one column per item).
    instrument
        The instrument, for the item's scale.
    min_group_size
        Groups with fewer answers are suppressed; when exactly one role is suppressed, the next
        smallest is too, since the all-staff row would otherwise give it away.
    item
        The item's code.

    Returns
    -------
    DataFrame
        ``provider_id, wave, role, answers, agreeing, share, suppressed``; ``role`` is one of
        :data:`strapetsi_lib.config.ROLES` or :data:`ALL_STAFF`; every role appears for every
        provider and wave (0 answers where none). Suppressed rows have NaN ``answers``,
        ``agreeing`` and ``share``.
    """
    agree = agreeing_values(instrument.scale_of(item))
    answered = responses.loc[responses[item].notna(), ["provider_id", "wave", "role", item]]
    answered = answered.assign(agreeing=answered[item].isin(agree).astype(int))
    keys = ["provider_id", "wave", "role"]
    by_role = (answered.groupby(keys, observed=True)
               .agg(answers=(item, "size"), agreeing=("agreeing", "sum")))
    providers = responses["provider_id"].unique()
    waves = responses["wave"].unique()
    grid = pd.MultiIndex.from_product([providers, waves, list(ROLES)], names=keys)
    by_role = by_role.reindex(grid, fill_value=0).reset_index()
    by_role = suppress_by_group(by_role, ["provider_id", "wave"], "role", "answers",
                                ["agreeing"], min_group_size, total_shown=True)
    totals = (answered.groupby(["provider_id", "wave"], observed=True)
              .agg(answers=(item, "size"), agreeing=("agreeing", "sum")).reset_index()
              .assign(role=ALL_STAFF))
    totals["suppressed"] = totals["answers"] < min_group_size
    totals.loc[totals["suppressed"], ["answers", "agreeing"]] = float("nan")
    table = pd.concat([by_role, totals[by_role.columns]], ignore_index=True)
    table["share"] = table["agreeing"] / table["answers"]
    table["wave"] = table["wave"].astype(str)
    return (table[["provider_id", "wave", "role", "answers", "agreeing", "share", "suppressed"]]
            .sort_values(["provider_id", "wave"], kind="stable").reset_index(drop=True))
