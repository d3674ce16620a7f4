"""Which providers may need support, and why: the list on the coordinator's index page.

A coordinator of 81 providers reads the index page first. Its section "may need support"
names the providers whose own reports show one of these, each with the reason in the words and
numbers of that report:

* **lowest quartile throughout**: in the latest wave the provider is in the network's lowest
  quartile on every dimension (the report's place table,
  :func:`strapetsi_lib.present.provider_view.network_ranks`);
* **falling response rate**: its response rate, as the report prints it, fell by at least
  :data:`FALLING_RATE_POINTS` percentage points from its first wave (a late joiner's own) to
  the latest, to the
  lowest quartile of the providers' latest response rates (a drop that the whole network
  shares is the network's question, not this provider's);
* **too few respondents**: fewer than ``min_group_size`` respondents in the latest wave, so its
  report cannot show that wave's results;
* **clear decline**: a dimension whose change since the baseline the report calls clear and
  for the worse (down, or up where a lower score is the better one;
  :func:`strapetsi_lib.present.takehold_view.change_rows`, the same "clear" rule).

Every number comes from the view functions the provider's report uses, after the disclosure
layer, so a reason never says what the report hides. The list names providers and is for the
coordinator only (the index page is written readable by the user only).
"""

from __future__ import annotations

import pandas as pd

from strapetsi_lib.analysis.disclosure import may_show
from strapetsi_lib.analysis.stats import is_clear
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present.i18n import name_order, number, percent, text
from strapetsi_lib.present.precision import CHANGE_DECIMALS, share_as_shown

__all__ = ["FALLING_RATE_POINTS", "lowest_quartile_rate", "needs_support", "support_reasons"]

#: A response rate that fell by at least this many percentage points (as printed, whole
#: percentages) between the first and the latest wave is a reason.
FALLING_RATE_POINTS = 10


def _lowest_throughout(prepared: Prepared, provider_id: str, wave: str,
                       language: str) -> str | None:
    from strapetsi_lib.present.network_view import areas_phrase
    from strapetsi_lib.present.provider_view import network_ranks

    ranks = network_ranks(prepared, wave)
    own = ranks[ranks["provider_id"] == provider_id]
    dimensions = prepared.instrument.dimension_codes
    if len(own) < len(dimensions) or not (own["quartile"] == 1).all():
        return None
    return text("support_lowest_quartile", language,
                where=areas_phrase(len(dimensions), len(dimensions), language),
                wave=prepared.wave_label(wave, language))


def lowest_quartile_rate(prepared: Prepared) -> float:
    """The latest wave's response rate below which a provider is in the network's lowest
    quartile (the 25th percentile of the rates the network report shows, as printed)."""
    from strapetsi_lib.present.network_view import shown_response_rates

    rates = shown_response_rates(prepared)
    latest = share_as_shown(rates[rates["wave"] == prepared.wave_ids[-1]], ["response_rate"])
    return float(latest["response_rate"].quantile(0.25)) if len(latest) else float("nan")


def _response(prepared: Prepared, provider_id: str, first: str, latest: str,
              language: str, low_rate: float) -> list[str]:
    rates = prepared.rows("response_rates", provider_id).set_index("wave")
    n_latest = int(rates.loc[latest, "n"]) if latest in rates.index else 0
    reasons = []
    if not may_show(n_latest, prepared.min_group_size):
        key = "support_no_respondents" if n_latest == 0 else "support_few_respondents"
        reasons.append(text(key, language, n=prepared.min_group_size,
                            wave=prepared.wave_label(latest, language)))
        return reasons
    if first == latest or first not in rates.index:
        return reasons
    shown = share_as_shown(rates.reset_index(), ["response_rate"]).set_index("wave")
    before, after = shown.loc[first, "response_rate"], shown.loc[latest, "response_rate"]
    if (may_show(int(rates.loc[first, "n"]), prepared.min_group_size)
            and pd.notna(before) and pd.notna(after) and after < low_rate
            and round(100 * (before - after)) >= FALLING_RATE_POINTS):
        reasons.append(text("support_rate_fell", language,
                            before=number(100 * before, language, 0),
                            after=number(100 * after, language, 0)))
    return reasons


def _declines(prepared: Prepared, provider_id: str, language: str) -> str | None:
    from strapetsi_lib.present.summary import effect_size
    from strapetsi_lib.present.takehold_view import change_rows, has_takehold

    if not has_takehold(prepared):
        return None
    rows = change_rows(prepared, provider_id)
    better = prepared.instrument.higher_is_better  # a rise is an improvement, or a decline
    down = [row for row in rows.itertuples()
            if not row.suppressed and pd.notna(row.estimate)
            and is_clear(row.p_adjusted, row.hedges_g)
            and (row.estimate < 0 if better(row.dimension) else row.estimate > 0)]
    if not down:
        return None
    # the points and the standardised size that makes the change clear, as the report says
    parts = [text("support_decline_part", language,
                  dimension=prepared.instrument.dimension(row.dimension).name[language],
                  change=number(row.estimate, language, CHANGE_DECIMALS, signed=True),
                  size=effect_size(row.hedges_g, language)) for row in down]
    return text("support_clear_decline", language, dimensions=", ".join(parts))


def support_reasons(prepared: Prepared, provider_id: str, language: str,
                    low_rate: float | None = None) -> list[str]:
    """Why a provider may need support, in ``language``: one sentence a reason (see the
    module docstring), none when its report shows none.

    ``low_rate`` is :func:`lowest_quartile_rate` (computed here when not given).
    """
    from strapetsi_lib.present.provider_view import baseline_wave

    # the provider's own first wave (a late joiner's), as its report compares; the network's
    # latest, of which its report has too few answers when the first reason holds
    first, latest = baseline_wave(prepared, provider_id), prepared.wave_ids[-1]
    low_rate = lowest_quartile_rate(prepared) if low_rate is None else low_rate
    reasons = _response(prepared, provider_id, first, latest, language, low_rate)
    lowest = _lowest_throughout(prepared, provider_id, latest, language)
    decline = _declines(prepared, provider_id, language)
    return reasons + [r for r in (lowest, decline) if r]


def needs_support(prepared: Prepared, language: str) -> dict[str, object]:
    """The providers that may need support, in name order, and the rules' numbers.

    Returns
    -------
    dict
        ``{"rules": {"min_group", "low_rate"}, "providers": [{"id", "reasons"}, ...]}``, plain
        values (JSON), so that the run's manifest can keep it for the index page; the reasons
        and the lowest quartile's rate are written in ``language``.
    """
    providers = prepared["providers"]
    order = sorted(zip(providers["name"], providers["provider_id"], strict=True),
                   key=lambda pair: (name_order(pair[0]), pair[1]))
    listed = []
    low_rate = lowest_quartile_rate(prepared)
    for _, provider_id in order:
        reasons = support_reasons(prepared, str(provider_id), language, low_rate)
        if reasons:
            listed.append({"id": str(provider_id), "reasons": [str(r) for r in reasons]})
    return {"rules": {"min_group": prepared.min_group_size,
                      "low_rate": percent(low_rate, language) if pd.notna(low_rate) else "\u2013"},
            "providers": listed}
