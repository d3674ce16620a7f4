"""A practice's status explains itself: the deciding condition with the practice's values beside
the limits, and what the next status still needs; a printed number never appears to meet a limit
it misses (a mean of 3,478 beside a limit of 3,5 reads 3,48)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from strapetsi_lib.present import takehold_view as takehold
from strapetsi_lib.present.i18n import NBSP
from strapetsi_lib.present.precision import threshold_decimals

PROVIDER = "2036083-9"  # a provider of the demo: its practices and their history are looked up


def row(category, penetration=0.5, in_use=0.6, normalisation=3.2, maintained=False,
        practice="annual_clock"):
    return SimpleNamespace(category=category, penetration=penetration, in_use=in_use,
                           normalisation=normalisation, maintained=maintained,
                           provider_id=PROVIDER, practice=practice)


def parse(number: str) -> float:
    return float(number.replace(NBSP, "").replace(",", ".").replace("\u2212", "-"))


@pytest.mark.parametrize(("value", "limits", "printed"), [
    (3.478, [3.0, 3.5], 2),       # 3,5 would read as meeting 3,5
    (3.5, [3.0, 3.5], 1),          # at the limit: meets it, one decimal
    (3.4999999999, [3.5], 1),      # within the rules' tolerance: meets it
    (3.44, [3.0, 3.5], 1),         # 3,4: on its side already
    (59.6, [60.0], 1),             # a share: 60 % would read as meeting 60 %
    (60.0, [60.0], 0),
    (29.96, [15.0, 30.0], 2),      # 29,96 %, as 30,0 % would meet 30 %
])
def test_decimals_keep_a_value_on_its_side_of_every_limit(value, limits, printed):
    assert threshold_decimals(value, limits, 0 if limits[0] >= 15 else 1) == printed


def test_a_mean_just_under_the_limit_is_printed_under_it(prepared):
    assert takehold.measure_text("normalisation", 3.478, prepared, "fi") == "3,48"
    assert takehold.measure_text("normalisation", 3.5, prepared, "fi") == "3,5"
    assert takehold.measure_text("penetration", 0.596, prepared, "fi") == f"59,6{NBSP}%"
    assert takehold.measure_text("penetration", 0.6, prepared, "sv") == f"60{NBSP}%"


def test_adopting_for_want_of_the_mean_says_so(prepared):
    # penetration enough for embedded (60 %), the mean 3,478 is not (3,5): adopting
    gap = takehold.next_status_gap(row("adopting", penetration=0.65, normalisation=3.478,
                                       maintained=True), prepared, "fi")
    assert gap.startswith("Vakiintunut: ")
    assert "vakiintumisen keskiarvo 3,48 (raja 3,5)" in gap
    assert "65" not in gap  # a condition it meets is not "missing"
    decided = takehold.deciding_condition(row("adopting", penetration=0.65,
                                              normalisation=3.478), prepared, "fi")
    assert f"65{NBSP}% vähintään tasolla ”Rutiininomainen käyttö” (raja 30{NBSP}%)" in decided
    assert "vakiintumisen keskiarvo 3,48 (raja 3,0)" in decided


def test_adopting_for_want_of_history_says_which(prepared):
    gap = takehold.next_status_gap(row("adopting", penetration=0.7, normalisation=4.0,
                                       maintained=False), prepared, "sv")
    assert gap.startswith("Etablerad: ")
    assert "ur bruk" in gap or "endast en enkätomgång" in gap
    assert "70" not in gap and "4,0" not in gap


def test_not_in_use_and_the_highest_status(prepared):
    assert takehold.deciding_condition(row("not_in_use", in_use=0.08), prepared, "fi") == \
        "ei täytä minkään tilan ehtoja"
    gap = takehold.next_status_gap(row("not_in_use", in_use=0.149), prepared, "fi")
    assert gap == f"Kokeilussa: 14,9{NBSP}% vähintään tasolla ”Mekaaninen käyttö” (raja 15{NBSP}%)"
    assert takehold.next_status_gap(row("embedded", maintained=True), prepared, "fi") == "\u2013"
    assert takehold.deciding_condition(row("too_few_responses"), prepared, "fi") == \
        "alle 5 vastaajaa"


CONDITION = re.compile(r"(\d+(?:,\d+)?)(\u00a0%)?[^;()]*\((?:raja|gräns|limit) "
                       r"(\d+(?:,\d+)?)(\u00a0%)?\)")


def test_every_printed_value_in_the_demo_stands_where_its_number_does(prepared):
    checked = 0
    for pid in prepared["providers"]["provider_id"]:
        lang = prepared.provider(pid)["language"]
        for practice_row in takehold.practice_rows(prepared, pid).itertuples():
            cells = (takehold.deciding_condition(practice_row, prepared, lang),
                     takehold.next_status_gap(practice_row, prepared, lang))
            for cell in cells:
                for value, share, limit, _ in CONDITION.findall(cell):
                    printed, bound = parse(value), parse(limit)
                    measure = "penetration" if share else "normalisation"
                    true = [getattr(practice_row, m) * (100 if share else 1)
                            for m in ((measure, "in_use") if share else (measure,))]
                    # the printed value is on the same side of its limit as the value itself
                    assert any((printed >= bound) == (t >= bound - 1e-7) for t in true), cell
                    checked += 1
    assert checked > 500
