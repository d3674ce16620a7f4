"""The index page's providers that may need support: each reason says what the provider's own
report shows, with the same numbers.

For one provider of each reason in the demo (a response rate that fell to the network's lowest
quartile, a clear decline, the lowest quartile in every area), the report is written the real
way (Papermill, nbconvert) and the reason's numbers are read back from it.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from strapetsi_lib.present import provider_view as view
from strapetsi_lib.present import support
from strapetsi_lib.present.i18n import percent, text
from strapetsi_lib.render.parameters import run_provider_report


@pytest.fixture(scope="module")
def listed(prepared):
    return support.needs_support(prepared, "fi")


def _first_with(listed, words: str) -> tuple[str, str]:
    for item in listed["providers"]:
        for reason in item["reasons"]:
            if reason.startswith(words):
                return item["id"], reason
    raise AssertionError(f"no provider listed for {words!r}")


def _table(soup, caption: str) -> list[list[str]]:
    for table in soup.find_all("table"):
        if table.caption and table.caption.get_text(" ", strip=True).startswith(caption):
            return [[c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])]
                    for row in table.find_all("tr")]
    raise AssertionError(f"no table captioned {caption!r}")


def test_list_is_in_name_order_with_the_rules_numbers(prepared, listed):
    names = dict(zip(prepared["providers"]["provider_id"], prepared["providers"]["name"],
                     strict=True))
    from strapetsi_lib.present.i18n import name_order

    order = [names[item["id"]] for item in listed["providers"]]
    assert order == sorted(order, key=name_order) and len(order) >= 5
    # a drop the whole network shares is not every provider's reason: a short list
    assert len(order) < len(names) / 2
    assert listed["rules"] == {"min_group": 5,
                               "low_rate": percent(support.lowest_quartile_rate(prepared),
                                                   "fi")}


@pytest.mark.slow
def test_reasons_agree_with_the_providers_reports(prepared, listed, tmp_path):
    fell_id, fell = _first_with(listed, "vastausprosentti laski")
    decline_id, decline = _first_with(listed, "selvästi heikentyneet")
    lowest_id, lowest = _first_with(listed, "alin neljännes")
    latest = prepared.wave_ids[-1]

    soup = BeautifulSoup(run_provider_report(prepared, fell_id, tmp_path).html.read_text(
        encoding="utf-8"), "html.parser")
    before, after = re.search(r"laski (\d+) prosentista (\d+) prosenttiin", fell).groups()
    rates = {row[0]: row[1:] for row in _table(soup, text("respondents_caption", "fi"))}
    assert rates[text("response_rate", "fi")] == [f"{before}\u00a0%", f"{after}\u00a0%"]
    assert int(before) - int(after) >= support.FALLING_RATE_POINTS

    soup = BeautifulSoup(run_provider_report(prepared, decline_id, tmp_path).html.read_text(
        encoding="utf-8"), "html.parser")
    change = {row[0]: row for row in _table(soup, text("takehold_change_caption", "fi",
                                                       period="").strip())}
    # "Osa-alue −0,11 pistettä (Hedgesin g = −0,45)": the points and the size of the table
    declines = re.findall(r"([^:,(]+?) (\u2212\d,\d\d) pistettä \(Hedgesin "
                          r"g\u00a0=\u00a0(\u2212\d,\d\d)\)", decline)
    assert declines
    for name, amount, size in declines:
        row = change[name.strip()]
        assert row[1] == amount and row[-1] == text("stats_verdict_change_clear", "fi")
        assert size in row

    # the lowest quartile in every area of the latest wave, as the report's place table words it
    assert lowest.endswith(f"({prepared.wave_label(latest, 'fi')})")
    place = view.place_table(prepared, lowest_id, latest, "fi")
    assert set(place[text("quartile", "fi")]) == {text("quartile_1", "fi")}
    assert len(place) == len(prepared.instrument.dimension_codes)
