"""Edge cases claim nothing without a test behind it (issue 26).

A tiny network in which one provider has one respondent a wave, one provider's follow-up answers
are all "en osaa sanoa", and one provider answers one area's statements all alike at both waves.
The report must not tell the first that nothing changed clearly, must say that the second lacks
answers (not respondents), and must show no interval where nothing varied.
"""

from __future__ import annotations

import pytest

from strapetsi_lib.ingest.dataset import load_dataset
from strapetsi_lib.present import provider_view, summary, takehold_view
from strapetsi_lib.present.i18n import number, text

ONE_EACH, ALL_DONT_KNOW, ALIKE = "0100013-3", "0213427-2", "0371582-9"


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    from conftest import INSTRUMENT, base_tables, write_dataset

    from strapetsi_lib.prepare import prepare_tables

    providers, responses = base_tables()
    alike_dimension = INSTRUMENT.dimension_codes[0]
    alike_items = [item.code for item in INSTRUMENT.dimension_items(alike_dimension)]
    for wave, frame in list(responses.items()):
        first = frame.index[frame["provider_id"] == ONE_EACH][0]
        frame = responses[wave] = frame.drop(
            frame.index[(frame["provider_id"] == ONE_EACH) & (frame.index != first)])
        frame.loc[frame["provider_id"] == ALIKE, alike_items] = "4"
        if wave == "followup":
            items = [item.code for item in INSTRUMENT.items]
            frame.loc[frame["provider_id"] == ALL_DONT_KNOW, items] = "en osaa sanoa"
    path = write_dataset(tmp_path_factory.mktemp("edge") / "edge", providers=providers,
                         responses=responses)
    # every respondent's score on the area: 4, or its reverse on reverse-keyed statements
    score = sum(INSTRUMENT.scale_of(code).min + INSTRUMENT.scale_of(code).max - 4
                if INSTRUMENT.item(code).reverse else 4 for code in alike_items) / len(alike_items)
    return prepare_tables(load_dataset(path), force=True), alike_dimension, score


def test_one_respondent_a_wave_is_not_told_that_nothing_changed(edge):
    prepared, _, _ = edge
    for sentence in takehold_view.change_sentences(prepared, ONE_EACH, "fi"):
        assert "vastaajia oli alle 5" in sentence, sentence
        assert "selv" not in sentence
    facts = summary.summary_facts(prepared, ONE_EACH)
    assert facts.findings == [] and facts.changes_tested is False
    assert facts.items_tested is False
    for language in ("fi", "sv", "en"):
        words = summary.no_findings_sentence(facts, language)
        assert text("summary_changes_not_tested", language) in words
        assert text("summary_items_not_tested", language) in words
        assert text("summary_no_clear_changes", language) not in words
        assert text("summary_no_clear_items", language) not in words


def test_a_tested_provider_without_findings_is_told_so(edge):
    prepared, _, _ = edge
    facts = summary.summary_facts(prepared, ONE_EACH)
    tested = summary.Summary(**{**facts.__dict__, "changes_tested": True, "items_tested": True})
    assert summary.no_findings_sentence(tested, "fi") == (
        text("summary_no_clear_changes", "fi") + " " + text("summary_no_clear_items", "fi"))
    one_wave = summary.Summary(**{**facts.__dict__, "changes_tested": None})
    assert summary.no_findings_sentence(one_wave, "fi") == text("summary_items_not_tested", "fi")


def test_a_follow_up_of_dont_knows_lacks_answers_not_respondents(edge):
    prepared, _, _ = edge
    label = {language: prepared.wave_label("followup", language) for language in ("fi", "sv")}
    for sentence in takehold_view.change_sentences(prepared, ALL_DONT_KNOW, "fi"):
        assert f"kyselykierrokselta {label['fi']} saatiin tähän osa-alueeseen alle 5 vastausta" \
            in sentence, sentence
        assert "vastaajia" not in sentence
    for sentence in takehold_view.change_sentences(prepared, ALL_DONT_KNOW, "sv"):
        assert f"enkätomgången {label['sv']} gav färre än 5 svar" in sentence
    table = takehold_view.change_table(prepared, ALL_DONT_KNOW, "fi")
    assert set(table[text("takehold_col_change", "fi")]) == {"alle 5 vastausta"}


def test_no_interval_where_nothing_varied(edge):
    prepared, dimension, score = edge
    name = prepared.instrument.dimension(dimension).name["fi"]
    profile = provider_view.profile_table(provider_view.dimension_profile(
        prepared, ALIKE, prepared.wave_ids[0]), prepared, "fi")
    row = profile[profile[text("dimension", "fi")] == name].iloc[0]
    assert row[text("mean", "fi")] == number(score, "fi") and row[text("ci95", "fi")] == "\u2013"
    sentence = next(s for s in takehold_view.change_sentences(prepared, ALIKE, "fi")
                    if s.startswith(name))
    assert sentence == text("stats_change_not_tested", "fi", dimension=name, change="0,00")
    table = takehold_view.change_table(prepared, ALIKE, "fi").set_index(text("dimension", "fi"))
    ci_column = next(c for c in table.columns if c.startswith("Korjattu"))
    assert table.loc[name, ci_column] == "\u2013"
    assert table.loc[name, text("takehold_col_hedges_g", "fi")] == "\u2013"
    assert table.loc[name, text("takehold_col_verdict", "fi")] == text(
        "stats_verdict_change_not_tested", "fi")
    assert "0,00\u20130,00" not in " ".join(takehold_view.change_sentences(prepared, ALIKE, "fi"))


def test_a_provider_without_a_usable_wave_gets_one_honest_sentence(edge):
    """Fewer than the minimum in every wave: one sentence saying so, not "enough answers only
    from wave X" followed by "fewer than 5 respondents in wave X"; a summary with no findings
    heading and no questions."""
    prepared, _, _ = edge
    for language in ("fi", "sv"):
        sentences = takehold_view.waves_sentences(prepared, ONE_EACH, language)
        assert sentences == [text("takehold_no_usable_wave", language,
                                  n=prepared.min_group_size)]
        facts = summary.summary_facts(prepared, ONE_EACH)
        markup = summary.summary_html(facts, prepared, language)
        assert text("summary_too_few", language, n=prepared.min_group_size) in markup
        intro = str(text("summary_findings_intro", language, scale="", direction=""))
        assert intro.split("(")[0].strip() not in markup
        assert "strapetsi-questions" not in markup and "strapetsi-findings" not in markup
    # a provider with usable waves is told which waves are compared, as before
    assert takehold_view.waves_sentences(prepared, ALIKE, "fi")[0] != text(
        "takehold_no_usable_wave", "fi", n=prepared.min_group_size)
