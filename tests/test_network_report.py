"""The coordinator's network report, end to end: the numbers, privacy, language and the browser.

The report is produced the real way (Papermill with the `strapetsi` kernel, then nbconvert) from
the built-in demo, once in Finnish and once in Swedish, and what the HTML says is compared with
what the library's prepared tables hold.
"""

from __future__ import annotations

import dataclasses
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

from strapetsi_lib.analysis.stats import is_clear, verdict
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present import network_view
from strapetsi_lib.present.i18n import number, text
from strapetsi_lib.present.stats_view import adjusted_ci_header, verdict_interval
from strapetsi_lib.render.parameters import run_network_report

pytestmark = pytest.mark.slow

LANGUAGES = ("fi", "sv")


@pytest.fixture(scope="module")
def reports(prepared, tmp_path_factory):
    out = tmp_path_factory.mktemp("network")
    return {lang: run_network_report(prepared, out / lang, lang).html for lang in LANGUAGES}


@pytest.fixture(scope="module")
def named_report(prepared, tmp_path_factory):
    """The coordinator's report, which names the providers (``--name-providers``)."""
    out = tmp_path_factory.mktemp("named")
    return run_network_report(prepared, out, "fi", name_providers=True).html


def soup_of(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def table_by_caption(soup: BeautifulSoup, caption: str) -> list[list[str]]:
    for table in soup.find_all("table"):
        if table.caption and table.caption.get_text(" ", strip=True) == caption:
            return [[cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
                    for row in table.find_all("tr")]
    raise AssertionError(f"no table captioned {caption!r}")


def as_records(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    """Rows keyed by their first cell, each a {column header: cell} dict."""
    header = rows[0]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}


def signed(value: float, language: str) -> str:
    return number(value, language, 2, signed=True)


def waves(prepared: Prepared, language: str) -> tuple[str, str]:
    return (prepared.wave_label(prepared.wave_ids[0], language),
            prepared.wave_label(prepared.wave_ids[-1], language))


# ------------------------------------------------------------------------------- the page


def test_report_has_language_one_title_and_ordered_headings(prepared, reports):
    for lang, path in reports.items():
        soup = soup_of(path)
        assert soup.html["lang"] == lang
        h1 = soup.find_all("h1")
        assert [h.get_text(" ", strip=True) for h in h1] == [
            prepared.instrument.report_texts["network_title"][lang]]
        levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
        for img in soup.find_all("img"):
            assert img["src"].startswith("data:image/svg+xml;base64,") and img["alt"].strip()


def test_intro_counts_responses_and_people_once(prepared, reports):
    soup = soup_of(reports["fi"])
    about = soup.find("h2", string=text("network_about_heading", "fi"))
    intro = about.find_next("p").get_text(" ", strip=True)
    assert intro == network_view.intro_text(prepared, "fi")
    responses = int(prepared["response_rates"]["n"].sum())
    # a person who answered both waves is one person: the demo links 3,101 of them
    persons = int(prepared["distinct_respondents"]["n_persons"].sum())
    assert persons < responses
    assert text("network_responses", "fi", responses=number(responses, "fi", 0),
                persons=number(persons, "fi", 0)) in intro
    assert number(len(prepared["providers"]), "fi", 0) in intro


def test_report_opens_with_a_summary_of_response_change_and_practices(prepared, reports):
    """Title, date and people, then the summary: response, the network's change, and for each
    practice how many of the providers taking part in its theme have it embedded or adopted,
    every number the one the sections below show."""
    lang = "fi"
    soup = soup_of(reports[lang])
    first = soup.find("h2")
    assert first.get_text(strip=True) == text("network_summary_heading", lang)
    colophon = soup.find("dl", class_="strapetsi-colophon").get_text(" ", strip=True)
    assert "15.1.2026" in colophon and "Demo Koordinaattori" in colophon
    summary = first.find_next("div", class_="strapetsi-summary")
    points = summary.find("ul").find_all("li", recursive=False)
    words = [li.get_text(" ", strip=True) for li in points]
    assert words[0].startswith(str(network_view.responses_text(prepared, lang)))
    rates = network_view.shown_response_rates(prepared)
    median = {w: round(100 * rates.loc[rates["wave"] == w, "response_rate"].round(2).median())
              for w in prepared.wave_ids}
    assert f"{median['baseline']} prosentista {median['followup']} prosenttiin" in words[0]
    change = network_view.network_change(prepared, lang)
    up = change[change["clear"] & (change["estimate"] > 0)]
    assert "viidellä kuudesta osa-alueesta" in words[1] and len(up) == 5
    top = up.loc[up["estimate"].idxmax()]
    assert f"{top['name']}, {signed(top['estimate'], lang)} pistettä" in words[1]
    practice_lines = [li.get_text(" ", strip=True) for li in points[2].find_all("li")]
    counts = network_view.status_counts(prepared)
    assert len(practice_lines) == len(counts) == len(prepared.instrument.practices)
    for line, (code, row) in zip(practice_lines, counts.iterrows(), strict=True):
        taken = row["embedded"] + row["adopting"]
        assert line.startswith(prepared.instrument.practice(code).name[lang])
        assert f"{taken} järjestäjällä {row['participants']} osallistuneesta" in line
    # printed, page 1 ends after the summary (the print rule of the template)
    assert summary.find_parent(class_="cell") is not None


def test_summary_has_only_what_the_data_have(prepared):
    """One wave, no practices to show: the summary speaks of response only."""
    tables = {k: v for k, v in prepared.tables.items()
              if k not in ("mixed_models", "dimension_change")}
    one_wave = dataclasses.replace(prepared, tables=tables)
    assert not network_view.has_takehold(one_wave) and not network_view.has_practices(one_wave)
    points = network_view.summary_points(one_wave, "fi")
    assert len(points) == 1 and str(points[0]).startswith("Vastauksia oli yhteensä")


# ------------------------------------------------------------------------------- the numbers


def test_mixed_model_table_equals_the_library(prepared, reports):
    lang = "fi"
    before, after = waves(prepared, lang)
    rows = table_by_caption(soup_of(reports[lang]),
                            text("network_change_caption", lang, wave_before=before,
                                 wave_after=after))
    shown = as_records(rows)
    models = prepared["mixed_models"].set_index("dimension")
    instrument = prepared.instrument
    assert len(shown) == len(instrument.dimension_codes)
    for dim in instrument.dimension_codes:
        row = shown[instrument.dimension(dim).name[lang]]
        model = models.loc[dim]
        assert row[text("takehold_col_change", lang)] == signed(model["estimate"], lang)
        header = adjusted_ci_header(model["ci_level"], lang)
        assert row[header] == verdict_interval(model["ci_low"], model["ci_high"], lang, 2)
        result = verdict(model["p_adjusted"], model["effect_size"])
        assert row[text("takehold_col_verdict", lang)] == text(
            f"stats_verdict_change_{result}", lang)


def test_theme_effects_tables_equal_the_library(prepared, reports):
    lang = "fi"
    soup = soup_of(reports[lang])
    effects = prepared["theme_effects"]
    instrument = prepared.instrument
    checked = 0
    for theme, block in effects.groupby("theme", sort=False):
        caption = text("network_theme_table_caption", lang,
                       theme=instrument.theme(theme).name[lang],
                       n_in=number(block["n_providers_in_theme"].iloc[0], lang, 0),
                       n_other=number(block["n_providers_other"].iloc[0], lang, 0))
        shown = as_records(table_by_caption(soup, caption))
        for effect in block.itertuples():
            row = shown[instrument.dimension(effect.dimension).name[lang]]
            assert row[text("network_col_difference", lang)] == signed(effect.estimate, lang)
            header = adjusted_ci_header(effect.ci_level, lang)
            assert row[header] == verdict_interval(effect.ci_low, effect.ci_high, lang, 2)
            result = verdict(effect.p_adjusted, effect.effect_size)
            assert row[text("takehold_col_verdict", lang)] == text(
                f"stats_verdict_difference_{result}", lang)
            checked += 1
    assert checked == len(effects) > 0
    # the demo plants effects, so some verdicts must be "selvä ero" and most not
    assert 0 < int(is_clear(effects["p_adjusted"].to_numpy(),
                            effects["effect_size"].to_numpy()).sum()) < len(effects)


def test_status_counts_are_among_the_providers_taking_part(prepared, reports):
    """A practice's counts are over the providers taking part in its theme: a provider outside
    the theme is not "not in use" ("Ei käytössä 20": all twenty outside the theme)."""
    lang = "fi"
    soup = soup_of(reports[lang])
    latest = prepared.wave_label(prepared.wave_ids[-1], lang)
    shown = as_records(table_by_caption(soup, text("network_status_counts_caption", lang,
                                                   wave=latest)))
    status = prepared["practice_status"].set_index(["provider_id", "practice"])["category"]
    themes = network_view.provider_themes(prepared)
    from strapetsi_lib.present.takehold_view import STATUS_SYMBOLS

    for practice in prepared.instrument.practices:
        members = [pid for pid, own in themes.items() if practice.theme in own]
        counts = status[[(pid, practice.code) for pid in members
                         if (pid, practice.code) in status.index]].value_counts()
        row = shown[practice.name[lang]]
        assert row[text("network_col_participants", lang)] == str(len(members))
        for category in network_view.CATEGORIES:
            label = f"{STATUS_SYMBOLS[category]} {text(f'status_{category}', lang)}"
            assert row.get(label, "0") == str(int(counts.get(category, 0)))
        # more providers have the practice not in use than take part but don't use it
        everyone = prepared["practice_status"]
        outside = everyone[(everyone["practice"] == practice.code)
                           & ~everyone["provider_id"].isin(members)]
        assert (outside["category"] == "not_in_use").sum() > int(counts.get("not_in_use", 0))
    # 77 of the demo's 81 providers have a combination of statuses of their own: the grid by
    # code would single them out, so the coded report has the counts only, and says why
    rare = network_view.rare_status_rows(prepared)
    assert rare >= 70
    assert table_by_caption_or_none(soup, text("network_status_grid_caption", lang,
                                               wave=latest)) is None
    assert text("network_status_rows_withheld", lang, n_rare=rare,
                min_group=prepared.min_group_size) in soup.get_text(" ")


def table_by_caption_or_none(soup, caption):
    try:
        return table_by_caption(soup, caption)
    except AssertionError:
        return None


def test_coordinators_report_shows_statuses_and_response_rates_by_name(prepared, named_report):
    """The coordinator's report names the providers: its status grid is a table whose every
    cell is a symbol and a word (readable without colour), in name order, and its response-rate
    figure labels every provider's row with its name."""
    lang = "fi"
    soup = soup_of(named_report)
    latest = prepared.wave_label(prepared.wave_ids[-1], lang)
    rows = table_by_caption(soup, text("network_status_grid_caption", lang, wave=latest))
    grid = network_view.status_by_provider(prepared)
    names = dict(zip(prepared["providers"]["provider_id"], prepared["providers"]["name"],
                     strict=True))
    from strapetsi_lib.present.i18n import name_order
    from strapetsi_lib.present.takehold_view import status_badge

    assert [row[0] for row in rows[1:]] == sorted(names.values(), key=name_order)
    by_name = {names[pid]: grid.loc[pid] for pid in grid.index}
    for row in rows[1:]:
        expected = [status_badge(c, lang) for c in by_name[row[0]]]
        assert row[1:] == expected
    # every provider with a shown rate is a labelled row of the response-rate figures
    rated = network_view.rates_by_provider(prepared, name_providers=True)
    alts = " ".join(img["alt"] for img in soup.find_all("img"))
    for label in set(rated["label"]):
        assert f"{label} " in alts
    assert network_view.rates_labelled(prepared, True)
    assert not network_view.rates_labelled(prepared, False)


def test_response_rate_figures_show_every_provider_as_printed(prepared, reports):
    """Every shown provider is a row of the response-rate figures (two parts, each no taller
    than a page), drawn at the whole percentages the report prints, without a code in the
    report by code."""
    from figure_precision import figures, imprecise_values

    lang = "fi"
    start = str(text("network_alt_rates", lang, wave="", part=0, parts=0, n=0))[:25]
    rates = [(alt, svg) for alt, svg in figures(reports[lang].read_text(encoding="utf-8"))
             if alt.startswith(start)]
    shown = network_view.shown_response_rates(prepared)
    latest = shown[shown["wave"] == prepared.wave_ids[-1]]
    assert len(rates) == 2
    assert sum(int(re.search(r"\((\d+) järjestäjää\)", alt)[1]) for alt, _ in rates) == \
        len(latest)
    for alt, svg in rates:
        assert imprecise_values(svg, 1.0) == [], alt[:60]
    assert text("network_rates_unlabelled", lang) in soup_of(reports[lang]).get_text(" ")


def test_response_summary_equals_the_library(prepared, reports):
    lang = "fi"
    rows = table_by_caption(soup_of(reports[lang]), text("network_respondents_caption", lang))
    shown = as_records(rows)
    rates = prepared["response_rates"]
    for wave in prepared.wave_ids:
        block = rates[rates["wave"] == wave]
        row = shown[prepared.wave_label(wave, lang)]
        assert row[text("respondents", lang)] == number(block["n"].sum(), lang, 0)
        assert row[text("network_providers_with_responses", lang)] == str(
            int((block["n"] > 0).sum()))


# ------------------------------------------------------------------------------- privacy


def test_coded_report_names_no_provider_and_no_respondent(prepared, reports):
    providers = prepared["providers"]
    for path in reports.values():
        page = path.read_text(encoding="utf-8")
        named = [name for name in providers["name"] if name in page]
        assert named == [], f"the coded network report names {named}"
        ids = [pid for pid in providers["provider_id"] if pid in page]
        assert ids == [], f"the coded network report shows business IDs {ids}"
        assert not re.search(r"\bR-[0-9A-F]{6}\b", page), "a respondent id reached the report"
        assert "<code" not in page and "load_prepared" not in page  # no code
    # no row by code either (the status map is withheld): a forwarded report gives no
    # provider its own code
    from figure_precision import figures

    codes = network_view.provider_labels(prepared)
    for path in reports.values():
        page = path.read_text(encoding="utf-8")  # its words and its figures' words
        words = soup_of(path).get_text(" ") + " ".join(" ".join(svg.itertext())
                                                      for _, svg in figures(page))
        assert [code for code in codes.values() if code in words] == []


def test_provider_labels_are_codes_unless_names_are_asked_for(prepared):
    providers = prepared["providers"]
    codes = network_view.provider_labels(prepared)
    assert set(codes) == set(providers["provider_id"])
    assert len(set(codes.values())) == len(providers)
    assert all(code.startswith("J") for code in codes.values())
    # not in the public Y-tunnus order
    assert [codes[p] for p in sorted(codes)] != sorted(codes.values())
    assert not set(codes.values()) & set(providers["name"])
    named = network_view.provider_labels(prepared, name_providers=True)
    assert named == dict(zip(providers["provider_id"], providers["name"], strict=True))
    # the status grid's rows follow the same choice
    assert set(network_view.status_grid(prepared).index) == set(codes.values())
    assert set(network_view.status_grid(prepared, True).index) == set(providers["name"])


def test_small_providers_give_no_mean(prepared):
    means = prepared["dimension_means"].copy()
    small = means["provider_id"].iloc[0]
    means.loc[means["provider_id"] == small, "n"] = prepared.min_group_size - 1
    shrunk = dataclasses.replace(prepared, tables={**prepared.tables, "dimension_means": means})
    kept = network_view.provider_means(shrunk)
    assert small not in set(kept["provider_id"])
    assert (kept["n"] >= prepared.min_group_size).all()
    spread = network_view.dimension_spread(shrunk, "en")
    assert set(spread[text("network_providers", "en")]) == {len(prepared["providers"]) - 1}


def test_status_counts_show_too_few_responses_as_such(prepared, monkeypatch):
    grid = network_view.status_by_provider(prepared)
    practice = grid.columns[0]
    member = network_view.participants(prepared, prepared.instrument.practice(practice).theme)[0]
    grid.loc[member, practice] = "too_few_responses"
    monkeypatch.setattr(network_view, "status_by_provider", lambda _: grid)
    counts = network_view.status_counts(prepared)
    assert counts.loc[practice, "too_few_responses"] == 1
    table = network_view.status_counts_table(counts, prepared, "en")
    assert table[f"\u2013 {text('status_too_few_responses', 'en')}"].sum() == 1
    grid_table = network_view.status_grid_table(grid.rename(index=str), prepared, "en")
    assert f"\u2013 {text('status_too_few_responses', 'en')}" in set(grid_table.iloc[:, 1])


# ------------------------------------------------------------------------------- language


def test_swedish_report_is_in_swedish(reports):
    soup = soup_of(reports["sv"])
    assert soup.html["lang"] == "sv"
    headings = [h.get_text(" ", strip=True) for h in soup.find_all("h2")]
    for key in ("network_respondents_heading", "network_spread_heading",
                "takehold_network_heading", "takehold_theme_heading", "network_status_heading",
                "takehold_evidence_heading", "methods_heading"):
        assert text(key, "sv") in headings
        assert text(key, "fi") not in headings
    assert re.search(r"\d,\d", soup.get_text())  # decimal comma
    assert text("stats_verdict_difference_clear", "sv") in soup.get_text(" ")


# ------------------------------------------------------------------------------- the browser


@requires_chromium
@pytest.mark.browser
def test_reports_open_offline_and_pass_axe(reports):
    with chromium() as browser:
        for path in reports.values():
            requests, failed = open_report(path, browser)
            assert outside_requests(requests) == [] and failed == []
            serious = blocking(axe_violations(path, browser=browser))
            assert serious == [], describe(serious)
