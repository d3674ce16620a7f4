"""A demo provider's HTML report, end to end: the numbers, privacy, language, and the browser.

Reports are produced the real way (Papermill with the `strapetsi` kernel, then nbconvert) from
the built-in demo, and what the HTML says is compared with what the library computes.
"""

from __future__ import annotations

import json
import re

import pytest
from browser import (
    axe_violations,
    blocking,
    chromium,
    describe,
    open_report,
    outside_requests,
    requires_chromium,
)
from bs4 import BeautifulSoup

from strapetsi_lib.analysis.stats import verdict
from strapetsi_lib.config import DEMO_DIR
from strapetsi_lib.ingest.instrument import load_instrument
from strapetsi_lib.present.i18n import (
    hidden_label,
    interval,
    number,
    percent,
    shown_share,
    text,
    too_few,
)
from strapetsi_lib.present.precision import interval_as_shown
from strapetsi_lib.present.stats_view import rule_text, verdict_interval
from strapetsi_lib.present.takehold_view import STATUS_SYMBOLS
from strapetsi_lib.render.parameters import run_provider_report

ROLES = tuple(load_instrument("competence_management_v1").role_codes)

pytestmark = pytest.mark.slow

FINNISH = "3266069-5"  # the notebook's default provider
SWEDISH = "0006287-7"
SMALL = "2227459-8"  # baseline: 3 leaders, 4 "other" (ground_truth.json small_groups)


@pytest.fixture(scope="module")
def reports(prepared, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return {pid: run_provider_report(prepared, pid, out).html for pid in (FINNISH, SWEDISH, SMALL)}


def soup_of(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def table_by_caption(soup: BeautifulSoup, caption: str) -> list[list[str]]:
    for table in soup.find_all("table"):
        if table.caption and table.caption.get_text(strip=True) == caption:
            return [[cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
                    for row in table.find_all("tr")]
    raise AssertionError(f"no table captioned {caption!r}")


def test_demo_small_group_is_as_the_tests_assume():
    truth = json.loads((DEMO_DIR / "ground_truth.json").read_text())
    small = {(g["provider_id"], g["wave"], g["role"]): g["n"] for g in truth["small_groups"]}
    assert small[(SMALL, "baseline", "leader")] == 3


def test_dimension_means_in_html_equal_the_library(prepared, reports):
    """The latest wave leads: the profile is the follow-up's, the baseline's mean beside it."""
    soup = soup_of(reports[FINNISH])
    caption = text("profile_caption", "fi", wave=prepared.wave_label("followup", "fi"))
    rows = table_by_caption(soup, caption)
    all_means = prepared["dimension_means"]
    mine = all_means[all_means["provider_id"] == FINNISH]
    means = mine[mine["wave"] == "followup"].set_index("dimension")
    before = mine[mine["wave"] == "baseline"].set_index("dimension")
    instrument = prepared.instrument
    assert rows[0][-1] == text("profile_col_earlier", "fi",
                               wave=prepared.wave_label("baseline", "fi"))
    shown = {row[0]: row for row in rows[1:]}
    assert len(shown) == 6
    for dim in instrument.dimension_codes:
        row = shown[instrument.dimension(dim).name["fi"]]
        assert row[1] == number(means.loc[dim, "mean"], "fi")
        # rounded outward: the printed interval holds the computed one
        assert row[2] == interval(*interval_as_shown(means.loc[dim, "ci_low"],
                                                     means.loc[dim, "ci_high"], 1), "fi")
        assert row[-1] == number(before.loc[dim, "mean"], "fi")
    # the figure's text alternative carries the same numbers
    alts = " ".join(img["alt"] for img in soup.find_all("img"))
    for dim in instrument.dimension_codes:
        assert number(means.loc[dim, "mean"], "fi") in alts


def test_respondents_and_rank_in_html_equal_the_library(prepared, reports):
    soup = soup_of(reports[FINNISH])
    rows = table_by_caption(soup, text("respondents_caption", "fi"))
    counts = prepared.rows("respondents_by_role", FINNISH)
    baseline = counts[counts["wave"] == "baseline"].set_index("role")["n"]
    by_label = {row[0]: row[1] for row in rows[1:]}
    for role in ROLES:
        assert by_label[prepared.instrument.role(role).label["fi"]] == str(baseline[role])
    assert by_label[text("total", "fi")] == str(baseline.sum())
    rate = prepared.rows("response_rates", FINNISH).set_index("wave").loc["baseline"]
    assert by_label[text("response_rate", "fi")] == percent(rate["response_rate"], "fi")
    ranks = prepared.rows("dimension_ranks", FINNISH)
    latest = ranks[ranks["wave"] == "followup"].set_index("dimension")
    first = ranks[ranks["wave"] == "baseline"].set_index("dimension")
    caption = text("place_caption", "fi", wave=prepared.wave_label("followup", "fi"))
    place = {row[0]: row for row in table_by_caption(soup, caption)[1:]}
    for dim in prepared.instrument.dimension_codes:
        name = prepared.instrument.dimension(dim).name["fi"]
        assert place[name][1] == number(latest.loc[dim, "percentile"], "fi", 0)
        assert place[name][-1] == number(first.loc[dim, "percentile"], "fi", 0)


def test_small_role_group_shows_no_number(prepared, reports):
    soup = soup_of(reports[SMALL])
    rows = table_by_caption(soup, text("respondents_caption", "fi"))
    header, body = rows[0], {row[0]: row for row in rows[1:]}
    baseline_col = header.index(prepared.wave_label("baseline", "fi"))
    hidden = too_few("fi", prepared.min_group_size)
    leader, other = (prepared.instrument.role(r).label["fi"] for r in ("leader", "other"))
    assert body[leader][baseline_col] == hidden
    assert body[other][baseline_col] == hidden
    # the heatmap (of the latest wave: 3 leaders, 4 support staff, 2 others) says the small
    # groups are hidden, and no leader-vs-staff gap is given
    alts = [img["alt"] for img in soup.find_all("img")]
    roles_alt = next(a for a in alts if a.startswith(text("alt_roles", "fi", roles="")[:20]))
    support = prepared.instrument.role("support").label["fi"]
    hidden_roles = f"{leader}, {support}, {other}"
    assert text("alt_roles_hidden", "fi", roles=hidden_roles,
                label=text("hidden_cell", "fi")) in roles_alt
    page = soup.get_text(" ")
    assert text("gap_none", "fi", min_group=prepared.min_group_size) in page


def test_swedish_provider_report_is_in_swedish(prepared, reports):
    html = reports[SWEDISH].read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == "sv"
    name = prepared.provider(SWEDISH)["name"]
    h1 = soup.find_all("h1")
    # a follow-up report's title, with the years of its waves (the packaged instrument's words)
    assert len(h1) == 1 and h1[0].get_text(strip=True) == (
        f"Kompetensledning och förankring av arbetssätt 2024–2025: {name}")
    headings = [h.get_text(strip=True) for h in soup.find_all("h2")]
    areas = prepared.instrument.report_texts["areas_heading"]
    assert areas["sv"] in headings and text("methods_heading", "sv") in headings
    assert areas["fi"] not in headings
    # Swedish numbers: decimal comma
    assert re.search(r"\d,\d", soup.get_text())


def test_report_names_no_other_provider_and_no_respondent(prepared, reports):
    names = dict(zip(prepared["providers"]["provider_id"], prepared["providers"]["name"],
                     strict=True))
    for pid, path in reports.items():
        page = path.read_text(encoding="utf-8")
        others = [n for p, n in names.items() if p != pid and n in page]
        assert others == [], f"{pid}'s report names {others}"
        assert not re.search(r"\bR-[0-9A-F]{6}\b", page), "a respondent id reached the report"
        assert "<code" not in page and "load_prepared" not in page  # no code


@requires_chromium
@pytest.mark.browser
def test_reports_open_offline_and_pass_axe(reports):
    with chromium() as browser:
        for pid in (FINNISH, SWEDISH):
            requests, failed = open_report(reports[pid], browser)
            assert outside_requests(requests) == [] and failed == []
            serious = blocking(axe_violations(reports[pid], browser=browser))
            assert serious == [], describe(serious)


@pytest.mark.parametrize("pid, lang", [(FINNISH, "fi"), (SWEDISH, "sv")])
def test_takehold_section_shows_the_library_figures(prepared, reports, pid, lang):
    soup = soup_of(reports[pid])
    headings = [h.get_text(strip=True) for h in soup.find_all(["h2", "h3"])]
    assert text("takehold_heading", lang) in headings
    caption = text("takehold_change_caption", lang, period="2024\u20132025")
    shown = {row[0]: row for row in table_by_caption(soup, caption)[1:]}
    change = prepared.rows("dimension_change", pid).set_index("dimension")
    for dim in prepared.instrument.dimension_codes:
        row = shown[prepared.instrument.dimension(dim).name[lang]]
        assert row[1] == number(change.loc[dim, "estimate"], lang, 2, signed=True)
        assert row[2] == verdict_interval(change.loc[dim, "ci_low"], change.loc[dim, "ci_high"],
                                          lang)
        result = verdict(change.loc[dim, "p_adjusted"], change.loc[dim, "hedges_g"])
        assert row[4] == text(f"stats_verdict_change_{result}", lang)
    status = prepared.rows("practice_status", pid).set_index("practice")
    wave = prepared.wave_label("followup", lang)
    own = table_by_caption(soup, text("practice_own_caption", lang, wave=wave))[1:]
    other = table_by_caption(soup, text("practice_other_caption", lang, wave=wave))[1:]
    themes = prepared.provider(pid)["themes"].split(";")
    assert [row[0] for row in own] == [p.name[lang] for p in prepared.instrument.practices
                                       if p.theme in themes]
    practices = {row[0]: row for row in own + other}
    for practice in prepared.instrument.practices:
        row = practices[practice.name[lang]]
        category = status.loc[practice.code, "category"]
        assert row[2].startswith(f"{STATUS_SYMBOLS[category]} {text(f'status_{category}', lang)}")
        # the deciding condition gives the practice's own share; what the next status needs
        # names that status
        if category == "not_in_use":
            assert row[3] == text("practice_meets_none", lang)
            assert percent(status.loc[practice.code, "in_use"], lang) in row[4]
        else:
            measure = "penetration" if category in ("embedded", "adopting") else "in_use"
            assert row[3].startswith(percent(status.loc[practice.code, measure], lang))
        if category != "embedded":
            assert row[4].split(":")[0] in {text(f"status_{c}", lang)
                                            for c in ("embedded", "adopting", "trying")}
    rules = soup.get_text(" ")
    embedded = rule_text("embedded", prepared.instrument, lang, prepared.min_group_size)
    assert rules.count(str(embedded)) == 1  # the rules once, as a legend


def test_same_inputs_give_the_same_report(prepared, reports, tmp_path):
    again = run_provider_report(prepared, FINNISH, tmp_path).html
    assert again.read_bytes() == reports[FINNISH].read_bytes()


@pytest.mark.parametrize("pid, lang", [(FINNISH, "fi"), (SWEDISH, "sv")])
def test_development_discussion_section_shows_the_library_shares(prepared, reports, pid, lang):
    soup = soup_of(reports[pid])
    wave = prepared.wave_ids[-1]
    caption = text("devdisc_caption", lang, wave=prepared.wave_label(wave, lang))
    shown = table_by_caption(soup, caption)[1:]
    rows = prepared.rows("discussion_shares", pid)
    rows = rows[rows["wave"] == wave].set_index("role")
    for cells, role in zip(shown, [*ROLES, "all"], strict=True):
        row = rows.loc[role]
        assert cells[2] == shown_share(row["share"], row["share_low"], row["share_high"], lang)
        if row["answers"] != row["answers"]:  # hidden: it says why (too few, or protecting)
            assert cells[1] == hidden_label(row["state"], lang, prepared.min_group_size)
