"""The report's summary: its facts are the library's numbers, suppressed as in the report."""

from __future__ import annotations

import html
import re

import pytest

from strapetsi_lib.analysis.baseline import AREA_TO_DEVELOP, STRENGTH
from strapetsi_lib.analysis.stats import MIN_CLEAR_EFFECT, is_clear
from strapetsi_lib.present import summary
from strapetsi_lib.present.i18n import number, text
from strapetsi_lib.present.precision import CHANGE_DECIMALS

FINNISH = "3266069-5"  # response rate 54 % → 65 %; one clear change; "other" 12 → 7
SWEDISH = "0006287-7"  # response rate 69 % → 60 %; support staff 17 → 7
SMALL = "2227459-8"  # baseline: 3 leaders, 4 "other" (ground_truth.json small_groups)


@pytest.fixture(scope="module")
def facts(prepared):
    return {pid: summary.summary_facts(prepared, pid) for pid in (FINNISH, SWEDISH, SMALL)}


@pytest.mark.parametrize("pid", [FINNISH, SWEDISH])
def test_response_facts_equal_the_library(prepared, facts, pid):
    rates = prepared.rows("response_rates", pid).set_index("wave")
    for wave in prepared.wave_ids:
        assert facts[pid].respondents[wave] == int(rates.loc[wave, "n"])
        assert facts[pid].response_rates[wave] == pytest.approx(rates.loc[wave, "response_rate"])


def test_roles_that_fell_equal_the_library(prepared, facts):
    counts = prepared.rows("respondents_by_role", SWEDISH).pivot(index="role", columns="wave",
                                                                  values="n")
    first, latest = prepared.wave_ids[0], prepared.wave_ids[-1]
    fell = [(role, int(row[first]), int(row[latest])) for role, row in counts.iterrows()
            if row[latest] < row[first]]
    assert sorted(facts[SWEDISH].roles_fell) == sorted(fell)
    assert ("support", 17, 7) in facts[SWEDISH].roles_fell


def test_a_suppressed_role_is_never_named(prepared, facts):
    counts = prepared.rows("respondents_by_role", SMALL)
    small = set(counts.loc[counts["n"] < prepared.min_group_size, "role"])
    assert "leader" in small  # the demo's planted small group
    assert not small & {role for role, _, _ in facts[SMALL].roles_fell}


@pytest.mark.parametrize("pid", [FINNISH, SWEDISH])
def test_findings_are_clear_and_equal_the_library(prepared, facts, pid):
    findings = facts[pid].findings
    assert 1 <= len(findings) <= summary.MAX_FINDINGS
    sizes = [abs(f.size) for f in findings]
    assert sizes == sorted(sizes, reverse=True)
    change = prepared.rows("dimension_change", pid).set_index("dimension")
    items = prepared.rows("item_comparison", pid)
    # the latest wave leads: strengths and areas are those of the provider's latest wave
    items = items[items["wave"] == facts[pid].latest_wave].set_index("item")
    for finding in findings:
        if finding.kind.startswith("change"):
            row = change.loc[finding.subject]
            assert not row["suppressed"] and is_clear(row["p_adjusted"], row["hedges_g"])
            # the value as the report prints it (present/precision.py): two decimals
            assert finding.value == round(row["estimate"], CHANGE_DECIMALS)
            assert finding.size == pytest.approx(row["hedges_g"])
            assert (finding.kind == "change_up") == (row["estimate"] > 0)
        else:
            row = items.loc[finding.subject]
            assert abs(row["std_diff"]) >= MIN_CLEAR_EFFECT
            assert row["comparison"] == (STRENGTH if finding.kind == "above_network"
                                         else AREA_TO_DEVELOP)
            assert finding.value == pytest.approx(row["mean"])
            assert finding.reference == pytest.approx(row["network_mean"])
            assert (finding.kind == "above_network") == (row["std_diff"] > 0)
    # no clear change larger than the smallest finding shown was left out
    clear_changes = change[~change["suppressed"] & is_clear(change["p_adjusted"].to_numpy(),
                                                            change["hedges_g"].to_numpy())]
    shown = {f.subject for f in findings}
    for dimension, row in clear_changes.iterrows():
        if len(findings) < summary.MAX_FINDINGS or abs(row["hedges_g"]) > sizes[-1]:
            assert dimension in shown


def test_own_practices_are_those_of_the_providers_themes(prepared, facts):
    themes = prepared.provider(SWEDISH)["themes"].split(";")
    own = facts[SWEDISH].own_practices
    assert set(own["theme"]) <= set(themes) and len(own) > 0
    status = prepared.rows("practice_status", SWEDISH).set_index("practice")
    for row in own.itertuples():
        assert row.category == status.loc[row.practice, "category"]
    expected = {p.code for p in prepared.instrument.practices if p.theme in themes}
    assert set(own["practice"]) == expected


def _plain(markup: str) -> str:
    return re.sub(r"<[^>]+>", " ", markup)


@pytest.mark.parametrize(("pid", "language"), [(FINNISH, "fi"), (SWEDISH, "sv")])
def test_summary_names_the_real_findings(prepared, facts, pid, language):
    markup = summary.summary_html(facts[pid], prepared, language)
    plain = _plain(markup)
    first, latest = prepared.wave_ids[0], prepared.wave_ids[-1]
    rates = facts[pid].response_rates
    # "laski 69 prosentista 60 prosenttiin", "sjönk från 69 till 60 procent"
    before, after = (number(100 * rates[w], language, 0) for w in (first, latest))
    assert re.search(rf"\b{before}\b[^.]*\b{after}\b", plain)
    instrument = prepared.instrument
    for finding in facts[pid].findings:
        if finding.kind.startswith("change"):
            assert instrument.dimension(finding.subject).name[language] in plain
            assert number(abs(finding.value), language, 2) in plain
        else:
            assert instrument.item(finding.subject).text[language] in plain
    questions = re.search(r'<ol class="strapetsi-questions">(.*?)</ol>', markup).group(1)
    n_questions = questions.count("<li>")
    assert summary.MIN_QUESTIONS <= n_questions <= summary.MAX_QUESTIONS
    assert text("summary_questions_intro", language) in plain
    assert "{" not in plain and "nan" not in plain.lower().split()


def test_swedish_summary_says_the_response_rate_fell(prepared, facts):
    plain = html.unescape(_plain(summary.summary_html(facts[SWEDISH], prepared, "sv")))
    assert "48 personer svarade på enkätomgången Uppföljning 2025." in plain
    assert "Svarsprocenten sjönk från 69 till 60 procent." in plain
    assert "Färre än tidigare svarade i gruppen stödpersonal (17\u00a0→\u00a07)." in plain


@pytest.mark.slow  # every demo provider: seconds
def test_the_summary_says_where_the_provider_stands(prepared):
    """The quartile of every area at the latest wave, in words: "lowest quartile on all six
    areas" where all are in one quartile, the quartiles from the highest down otherwise."""
    checked = set()
    for pid in prepared["providers"]["provider_id"]:
        facts = summary.summary_facts(prepared, pid)
        quartiles = set(facts.places["quartile"].dropna().astype(int))
        ranked = facts.places["quartile"].notna().sum()
        for language in ("fi", "sv"):
            sentence = summary.position_sentence(facts, prepared, language)
            if not ranked:
                assert sentence == ""
                continue
            if len(quartiles) == 1 and ranked == len(prepared.instrument.dimension_codes):
                only = next(iter(quartiles))
                assert str(text(f"summary_quartile_{only}", language)) in sentence
                assert ("kaikilla kuudella osa-alueella" if language == "fi"
                        else "i alla sex delområden") in sentence
                checked.add(("all", language))
            else:
                named = [text(f"summary_quartile_{q}", language) for q in range(4, 0, -1)
                         if q in quartiles]
                positions = [sentence.index(str(n)) for n in named]
                assert positions == sorted(positions)  # from the highest quartile down
                for dim in prepared.instrument.dimension_codes:
                    assert prepared.instrument.dimension(dim).name[language] in sentence
                checked.add(("mixed", language))
    assert checked == {("all", "fi"), ("all", "sv"), ("mixed", "fi"), ("mixed", "sv")}


def test_a_change_is_told_with_where_the_area_stands_now(prepared):
    """"Improved clearly, yet still in the lowest quartile": the contrast where an improvement
    leaves the area in the lowest quarter (or a decline in the highest), else where it is now."""
    improved_low = summary.Finding("change_up", "co_learning", 0.6, 0.3, quartile=1,
                                   percentile=12.0, percentile_before=4.0)
    facts = summary.summary_facts(prepared, FINNISH)
    words = summary.finding_sentence(improved_low, facts, prepared, "fi")
    assert words.endswith(", mutta tulos on yhä verkoston alimmassa neljänneksessä "
                          "(persentiili 4\u00a0→\u00a012).")
    declined_top = summary.Finding("change_down", "co_learning", -0.6, -0.3, quartile=4,
                                   percentile=80.0)
    assert ", men resultatet ligger fortfarande i den högsta kvartilen i nätverket " \
           "(percentil 80)." in summary.finding_sentence(declined_top, facts, prepared, "sv")
    improved_top = summary.Finding("change_up", "co_learning", 0.6, 0.3, quartile=4,
                                   percentile=90.0)
    assert ", ja tulos on nyt verkoston ylimmässä neljänneksessä (persentiili 90)." in \
        summary.finding_sentence(improved_top, facts, prepared, "fi")


def test_a_reversed_statement_says_which_way_the_agreement_goes(prepared):
    """A negatively worded statement's mean is reversed: a strength on it means fewer agree
    with it than in the network, and the summary says so rather than show a high mean beside
    "we have no time for it"."""
    reversed_items = [i.code for i in prepared.instrument.items if i.reverse
                      and i.dimension is not None]
    facts = summary.summary_facts(prepared, SWEDISH)
    strength = summary.Finding("above_network", reversed_items[0], 0.5, 3.3, 2.9,
                               facts.latest_wave, reverse=True)
    words = summary.finding_sentence(strength, facts, prepared, "sv")
    # in the words the scale gives its high side ("av samma åsikt"), not a verb of agreeing
    assert words.startswith("Styrka: färre hos oss än i nätverket svarade ”av samma åsikt” på "
                            "påståendet ”")
    area = summary.Finding("below_network", reversed_items[0], -0.5, 2.5, 2.9,
                           facts.latest_wave, reverse=True)
    assert summary.finding_sentence(area, facts, prepared, "fi").startswith(
        "Kehittämiskohde: väittämään ”")
    assert "” vastattiin meillä useammin ”samaa mieltä” kuin verkostossa keskimäärin" in \
        summary.finding_sentence(area, facts, prepared, "fi")
    question = summary._finding_question(area, prepared, "fi", summary._Asker())
    assert question.words.startswith("Väittämään ”")
    assert "” vastattiin meillä useammin ”samaa mieltä” kuin verkostossa" in question.words


@pytest.mark.slow  # every demo provider: seconds
def test_question_wordings_are_unique_in_every_demo_report_and_name_their_number(prepared):
    """Never two questions of one wording in a report (in the provider's language and the
    other), and every question but the general ones names the number it rests on."""
    general = {"summary_question_general_surprise", "summary_question_general_next",
               "summary_question_general_share"}
    asked = set()
    for pid in prepared["providers"]["provider_id"]:
        facts = summary.summary_facts(prepared, pid)
        for language in ("fi", "sv"):
            questions = summary.questions(facts, prepared, language)
            assert summary.MIN_QUESTIONS <= len(questions) <= summary.MAX_QUESTIONS
            wordings = [q.wording for q in questions]
            assert len(set(wordings)) == len(wordings), (pid, wordings)
            # the wording as the reader sees it: the question's last sentence
            asks = [re.split(r"(?<=[.)])\s+(?=[A-ZÅÄÖ])", q.words)[-1] for q in questions]
            assert len(set(asks)) == len(asks), (pid, asks)
            for question in questions:
                if question.wording not in general:
                    assert re.search(r"\d", question.words), (pid, question.words)
            asked.update(wordings)
    # the demo's reports use many wordings, not one per kind
    assert len(asked - general) >= 12


@pytest.mark.slow  # every demo provider: seconds
def test_every_clear_change_is_named_with_its_size_and_every_clear_item_counted(prepared):
    """Each clear change of a report's change table is named in its summary with its points
    and its Hedges' g, and every strength and area of the report's lists is either named or
    counted in the summary's "N more" sentence."""
    from strapetsi_lib.present import takehold_view

    checked = {"change": 0, "more": 0}
    for pid in prepared["providers"]["provider_id"]:
        facts = summary.summary_facts(prepared, pid)
        language = prepared.provider(pid)["language"]
        markup = summary.summary_html(facts, prepared, language)
        listed = re.search(r'<ol class="strapetsi-findings">(.*?)</ol>', markup)
        told_all = [html.unescape(_plain(li)).strip()
                    for li in re.findall(r"<li>(.*?)</li>", listed.group(1))] if listed else []
        for row in takehold_view.change_rows(prepared, pid).itertuples():
            if row.suppressed or not is_clear(row.p_adjusted, row.hedges_g):
                continue
            name = prepared.instrument.dimension(row.dimension).name[language]
            told = [s for s in told_all if s.startswith(f"{name}:")]
            assert any(number(abs(row.estimate), language, CHANGE_DECIMALS) in s
                       and summary.effect_size(row.hedges_g, language) in s
                       for s in told), (pid, name, told)
            checked["change"] += 1
        strengths, areas = summary.view.strengths_and_areas(prepared, pid, facts.latest_wave)
        named = sum(1 for f in facts.findings if not f.kind.startswith("change"))
        assert named + facts.more_items == len(strengths) + len(areas)
        if facts.more_items:
            assert summary.more_items_sentence(facts, language) in markup
            checked["more"] += 1
    assert checked["change"] >= 20 and checked["more"] >= 1, checked



def test_areas_tied_with_the_strongest_or_weakest_are_named(prepared):
    """1396531-1: the weakest area is 3,6 and two others print 3,6 too; the profile sentence
    names them rather than call one of three the weakest."""
    from strapetsi_lib.present import provider_view as view

    pid = "1396531-1"
    wave = view.latest_wave(prepared, pid)
    profile = view.dimension_profile(prepared, pid, wave)
    words = str(view.profile_sentence(profile, prepared, "sv", wave))
    printed = {row.dimension: number(row.mean, "sv") for row in profile.itertuples()}
    weakest = min(printed.values(), key=lambda v: float(v.replace(",", ".")))
    tied = [prepared.instrument.dimension(d).name["sv"] for d, v in printed.items()
            if v == weakest]
    assert len(tied) >= 3
    ties = words[words.index("Lika svaga är även "):]
    assert sum(name in words for name in tied) == len(tied)
    assert sum(name in ties for name in tied) == len(tied) - 1
