"""Three waves run to reports: trajectories per area and practice status wave by wave, in the
provider and the network report, and a practice in use, dropped and back that says so.

The demo of eight providers with three waves (``strapetsi demo --waves 3``: some practices fall
out of use at the middle wave and come back) is run by a real batch; what the reports show is
compared with the prepared tables through the same view functions the reports use.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

from strapetsi_lib.ingest.demo import generate_demo
from strapetsi_lib.prepare import load_prepared
from strapetsi_lib.present import provider_view, takehold_view, trajectory_view
from strapetsi_lib.present.i18n import number, text
from strapetsi_lib.present.precision import MEAN_DECIMALS
from strapetsi_lib.present.takehold_view import status_badge

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def three_waves(tmp_path_factory):
    """(prepared tables, run folder) of the eight-provider demo with three waves."""
    folder = generate_demo(tmp_path_factory.mktemp("three") / "demo", n_providers=8, seed=10,
                           waves=3)
    out = tmp_path_factory.mktemp("three-reports")
    result = subprocess.run([sys.executable, "-m", "strapetsi_lib", "run", str(folder),
                             "--out", str(out)], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr + result.stdout
    return load_prepared(folder), out


def soup(out, name) -> BeautifulSoup:
    return BeautifulSoup((out / name).read_text(encoding="utf-8"), "html.parser")


def table(page: BeautifulSoup, caption: str) -> list[list[str]]:
    for found in page.find_all("table"):
        if found.caption and " ".join(found.caption.get_text().split()) == " ".join(
                str(caption).split()):
            return [[" ".join(c.get_text().split()) for c in row.find_all(["th", "td"])]
                    for row in found.find_all("tr")]
    raise AssertionError(f"no table captioned {caption!r}")


def figure_captions(page: BeautifulSoup) -> list[str]:
    return [" ".join(c.get_text().split()) for c in page.find_all("figcaption")]


def test_every_provider_report_shows_its_areas_wave_by_wave(three_waves):
    prepared, out = three_waves
    waves = prepared.wave_ids
    for pid in prepared["providers"]["provider_id"]:
        lang = prepared.provider(pid)["language"]
        page = soup(out, f"provider_{pid}.html")
        all_waves = trajectory_view.waves_text(prepared, lang)
        caption = text("trajectory_dimension_caption", lang, waves=all_waves)
        assert str(caption) in figure_captions(page)  # the figure, and the table beside it
        rows = table(page, caption)
        assert rows[0][1:] == [prepared.wave_label(w, lang) for w in waves]
        shown = {row[0]: row[1:] for row in rows[1:]}
        for wave_index, wave in enumerate(waves):
            profile = provider_view.dimension_profile(prepared, pid, wave).set_index("dimension")
            for dim in prepared.instrument.dimension_codes:
                cell = shown[prepared.instrument.dimension(dim).name[lang]][wave_index]
                mean = profile.loc[dim, "mean"]
                assert cell == (number(mean, lang, MEAN_DECIMALS) if mean == mean
                                else text("too_few", lang, n=prepared.min_group_size))
        # the change since the previous wave beside the one since the baseline
        assert table(page, text("takehold_change_caption", lang, period="2025\u20132026"))
        assert table(page, text("takehold_change_caption", lang, period="2024\u20132026"))


def test_the_summary_says_what_changed_since_the_previous_wave(three_waves):
    """Three waves: the summary's response-rate sentence also gives the change since the
    previous wave, and a clear change since the baseline its change since the previous wave
    (from the report's own table of it)."""
    import html
    import re

    from strapetsi_lib.present import summary
    from strapetsi_lib.present.i18n import percent
    from strapetsi_lib.present.precision import CHANGE_DECIMALS

    prepared, out = three_waves
    said = {"rate": 0, "step": 0}
    for pid in prepared["providers"]["provider_id"]:
        lang = prepared.provider(pid)["language"]
        facts = summary.summary_facts(prepared, pid)
        if facts.previous_wave is None:
            continue
        page = soup(out, f"provider_{pid}.html")
        words = " ".join(page.select_one(".strapetsi-summary").get_text(" ").split())
        before = facts.response_rates[facts.previous_wave]
        now = facts.response_rates[facts.latest_wave]
        if before is not None and now is not None:
            previous = prepared.wave_label(facts.previous_wave, lang)
            assert previous in words
            if round(100 * before) != round(100 * now):
                moved = f"{percent(before, lang)}\u00a0→\u00a0{percent(now, lang)}"
                assert " ".join(moved.split()) in words  # spaces as the words are joined
            said["rate"] += 1
        steps = takehold_view.change_rows(prepared, pid, since_previous=True).set_index(
            "dimension")
        for finding in facts.findings:
            if not finding.kind.startswith("change") or finding.step_only:
                continue
            step = steps.loc[finding.subject, "estimate"]
            if step == step:
                name = prepared.instrument.dimension(finding.subject).name[lang]
                told = re.search(rf"{re.escape(html.unescape(name))}:[^\n]*", words).group(0)
                assert number(step, lang, CHANGE_DECIMALS, signed=True) in told
                said["step"] += 1
    assert said["rate"] >= 4, said


def test_a_practice_in_use_dropped_and_back_says_so(three_waves):
    prepared, out = three_waves
    dropped = [(pid, practice.code)
               for pid in prepared["providers"]["provider_id"]
               for practice in prepared.instrument.practices
               if takehold_view.dropped_waves(prepared, pid, practice.code)]
    assert dropped, "the three-wave demo plants practices dropped at the middle wave"
    middle = prepared.wave_ids[1]
    for pid, code in dropped:
        lang = prepared.provider(pid)["language"]
        page = soup(out, f"provider_{pid}.html")
        name = prepared.instrument.practice(code).name[lang]
        # wave by wave: in use, not in use, in use again
        caption = text("trajectory_status_caption", lang,
                       waves=trajectory_view.waves_text(prepared, lang))
        assert str(caption) in figure_captions(page)
        path = {row[0]: row[1:] for row in table(page, caption)[1:]}[name]
        assert path[1] == status_badge("not_in_use", lang)
        assert path[0] != status_badge("not_in_use", lang)
        assert path[2] != status_badge("not_in_use", lang)
        # the latest status does not read as a plain "being adopted": it names the wave out of use
        latest = {row[0]: row for caption_key in ("practice_own_caption", "practice_other_caption")
                  for row in _rows_or_none(page, text(caption_key, lang,
                                                      wave=prepared.wave_label(
                                                          prepared.wave_ids[-1], lang)))}
        status = latest[name][2]
        assert str(text("practice_dropped", lang,
                        waves=prepared.wave_label(middle, lang))) in status, status


def _rows_or_none(page: BeautifulSoup, caption: str) -> list[list[str]]:
    try:
        return table(page, caption)[1:]
    except AssertionError:
        return []


def test_the_network_report_shows_the_waves_too(three_waves):
    prepared, out = three_waves
    page = soup(out, "network.html")
    all_waves = trajectory_view.waves_text(prepared, "fi")
    caption = text("trajectory_network_dimension_caption", "fi", waves=all_waves)
    assert str(caption) in figure_captions(page)
    rows = table(page, caption)
    means = trajectory_view.network_dimension_trajectory(prepared)
    shown = {row[0]: row[1:] for row in rows[1:]}
    for dim in prepared.instrument.dimension_codes:
        expected = [number(v, "fi", MEAN_DECIMALS)
                    for v in means[means["dimension"] == dim]["mean"]]
        assert shown[prepared.instrument.dimension(dim).name["fi"]] == expected
    # how many of each theme's providers had each status, wave by wave
    counts = trajectory_view.network_status_counts(prepared)
    rows = table(page, text("trajectory_network_status_table_caption", "fi"))
    header = rows[0]
    for row in rows[1:]:
        practice = next(p for p in prepared.instrument.practices if p.name["fi"] == row[0])
        wave = next(w for w in prepared.wave_ids if prepared.wave_label(w, "fi") == row[1])
        block = counts[(counts["practice"] == practice.code) & (counts["wave"] == wave)]
        for category, n in zip(block["category"], block["n"], strict=True):
            badge = status_badge(category, "fi")
            if badge in header:
                assert row[header.index(badge)] == str(n)
    assert str(text("trajectory_network_status_caption", "fi", waves=all_waves)) in \
        figure_captions(page)
