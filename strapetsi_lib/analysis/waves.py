"""Which waves each provider's report uses, as real networks take part in their surveys.

A provider may join the network's survey late, miss a wave, or have too few answers in the
latest one. Its report therefore uses its own waves, decided here once for every report and
section (docs/methods.md, "Waves"):

* a wave is **usable** for a provider when at least ``min_group_size`` of its staff answered,
  so that its total may be shown (:func:`strapetsi_lib.analysis.disclosure.may_show`);
* its **baseline** is its first usable wave (a late joiner's first wave, not the network's);
* its **latest** wave is its last usable wave (an earlier follow-up when the network's latest
  wave has no or too few answers from it);
* change and take-hold compare the baseline with the latest wave, when they differ.

A provider without any usable wave keeps the first wave it answered (or the network's first)
as both, and everything of it is suppressed as too few answers.
"""

from __future__ import annotations

import pandas as pd

from strapetsi_lib.analysis.disclosure import may_show

__all__ = ["provider_waves", "wave_counts"]


def wave_counts(responses: pd.DataFrame, providers: pd.DataFrame,
                wave_ids: list[str]) -> pd.DataFrame:
    """Respondents per provider (providers-file order) and wave (time order), 0 where none.

    Returns
    -------
    pandas.DataFrame
        Index ``provider_id``, one column per wave id, integer counts.
    """
    counts = (responses.groupby(["provider_id", responses["wave"].astype(str)], observed=True)
              .size().unstack(fill_value=0))
    return (counts.reindex(index=providers["provider_id"], columns=wave_ids, fill_value=0)
            .fillna(0).astype(int))


def provider_waves(responses: pd.DataFrame, providers: pd.DataFrame, wave_ids: list[str],
                   min_group_size: int) -> pd.DataFrame:
    """Each provider's baseline and latest wave, and the waves it answered.

    Parameters
    ----------
    responses
        The tidy responses (``provider_id``, ``wave``).
    providers
        The providers table (``provider_id``, in file order).
    wave_ids
        The dataset's waves in time order.
    min_group_size
        The fewest respondents a wave needs to be usable.

    Returns
    -------
    pandas.DataFrame
        One row per provider: ``provider_id``, ``baseline_wave``, ``latest_wave`` (equal when
        the provider has fewer than two usable waves: no change can be measured),
        ``compared`` (whether change and take-hold compare the two), ``answered`` and
        ``usable`` (the waves with any answers and with enough answers, in time order,
        ``;``-separated: plain text, so the cached tables keep it exactly).
    """
    counts = wave_counts(responses, providers, wave_ids)
    rows = []
    for provider_id, row in counts.iterrows():
        answered = [w for w in wave_ids if row[w] > 0]
        usable = [w for w in wave_ids if may_show(row[w], min_group_size)]
        baseline = (usable or answered or wave_ids)[0]
        latest = usable[-1] if usable else baseline
        rows.append({"provider_id": provider_id, "baseline_wave": baseline,
                     "latest_wave": latest, "compared": baseline != latest,
                     "answered": ";".join(answered), "usable": ";".join(usable)})
    return pd.DataFrame(rows, columns=["provider_id", "baseline_wave", "latest_wave",
                                       "compared", "answered", "usable"])
