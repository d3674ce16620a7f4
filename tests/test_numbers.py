"""One rule of decimals per measure in every report, intervals that never read as a point, and
ranges written once with their unit ("25–70 %")."""

from __future__ import annotations

import re

import pytest

from strapetsi_lib.present import network_view
from strapetsi_lib.present import provider_view as view
from strapetsi_lib.present.i18n import NBSP, percent_range, text
from strapetsi_lib.present.precision import interval_as_shown

MEAN = re.compile(r"^\d,\d$")  # a mean on the survey's scale: one decimal
INTERVAL = re.compile(r"^(\d,\d)\u2013(\d,\d)$")


@pytest.mark.parametrize(("low", "high", "decimals", "shown"), [
    (2.86, 2.94, 1, (2.8, 3.0)),      # would print 2,9–2,9
    (3.1, 3.6, 1, (3.1, 3.6)),        # on the grid already: unchanged
    (3.0999999999, 3.6000000001, 1, (3.1, 3.6)),
    (0.003, 0.25, 2, (0.01, 0.25)),   # a nonzero bound never prints as 0,00
    (-0.004, 0.2, 2, (-0.01, 0.2)),
    (-0.071, 0.021, 2, (-0.08, 0.03)),
])
def test_intervals_are_rounded_outward_and_never_touch_zero_when_they_do_not(low, high,
                                                                             decimals, shown):
    assert interval_as_shown(low, high, decimals) == pytest.approx(shown)


def test_a_range_of_shares_writes_its_unit_once():
    assert percent_range(0.25, 0.70, "fi") == f"25\u201370{NBSP}%"
    assert percent_range(0.25, 0.70, "en") == "25\u201370%"
    assert percent_range(0.5, 0.5, "sv") == f"50{NBSP}%"


def test_provider_profiles_print_one_decimal_and_no_point_intervals(prepared):
    for pid in prepared["providers"]["provider_id"]:
        lang = prepared.provider(pid)["language"]
        for wave in prepared.wave_ids:
            profile = view.dimension_profile(prepared, pid, wave)
            table = view.profile_table(profile, prepared, lang)
            for mean, ci, computed in zip(table[text("mean", lang)], table[text("ci95", lang)],
                                          profile.itertuples(), strict=True):
                if not MEAN.match(mean):  # hidden: too few answers
                    continue
                low, high = INTERVAL.match(ci).groups()
                assert low != high, (pid, wave, ci)
                assert float(low.replace(",", ".")) <= float(mean.replace(",", ".")) \
                    <= float(high.replace(",", "."))
                assert computed.ci_low <= computed.mean <= computed.ci_high


def test_the_network_report_writes_means_as_the_provider_reports_do(prepared):
    for wave in prepared.wave_ids:
        table = network_view.dimension_spread(prepared, "fi", wave)
        assert table[text("mean", "fi")].map(MEAN.match).all()
        for ci in table[text("ci95", "fi")]:
            low, high = INTERVAL.match(ci).groups()
            assert low != high
