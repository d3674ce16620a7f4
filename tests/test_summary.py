"""The report's summary: its facts are the library's numbers, suppressed as in the report."""

from __future__ import annotations

import re

import pytest

from strapetsi_lib.analysis.baseline import AREA_TO_DEVELOP, STRENGTH
from strapetsi_lib.analysis.stats import MIN_CLEAR_EFFECT, is_clear
from strapetsi_lib.present import summary
from strapetsi_lib.present.i18n import number, percent, text
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
    items = items[items["wave"] == prepared.wave_ids[0]].set_index("item")
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
    assert (f"{percent(rates[first], language)}\u00a0→ {percent(rates[latest], language)}"
            in plain)
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
    plain = _plain(summary.summary_html(facts[SWEDISH], prepared, "sv"))
    assert "Svarsprocenten sjönk" in plain
    assert "stödpersonal 17\u00a0→\u00a07" in plain
    assert "Svarsprocenten sjönk (69\u00a0%\u00a0→ 60\u00a0%)" in plain  # the discussion question
