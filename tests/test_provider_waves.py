"""Each provider's own waves: its baseline, its latest usable follow-up, and what its report says
of the waves it missed."""

from __future__ import annotations

import pandas as pd

from strapetsi_lib.analysis.waves import provider_waves
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present import provider_view, takehold_view
from strapetsi_lib.present.i18n import text
from strapetsi_lib.present.survey_words import survey_text

WAVES = ["w1", "w2", "w3"]
MGS = 5
#: Respondents per wave of each provider: the patterns real networks have.
PATTERNS = {
    "all": (8, 9, 7),
    "late": (0, 6, 6),  # joined at the second wave
    "missed": (7, 0, 8),  # skipped the second wave
    "gone": (6, 6, 0),  # no answers in the latest wave
    "few": (6, 6, 3),  # too few answers in the latest wave
    "last_only": (0, 0, 9),  # joined at the latest wave: nothing to compare yet
    "never_enough": (2, 0, 0),  # no wave with enough answers
}


def responses() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [{"respondent_id": f"{pid}-{wave}-{i}", "provider_id": pid, "wave": wave}
            for pid, counts in PATTERNS.items() for wave, n in zip(WAVES, counts, strict=True)
            for i in range(n)]
    frame = pd.DataFrame(rows)
    frame["wave"] = pd.Categorical(frame["wave"], categories=WAVES, ordered=True)
    return frame, pd.DataFrame({"provider_id": list(PATTERNS)})


def test_each_provider_compares_its_own_first_and_latest_usable_waves():
    frame, providers = responses()
    table = provider_waves(frame, providers, WAVES, MGS).set_index("provider_id")
    assert list(table.index) == list(PATTERNS)
    pairs = {pid: (row.baseline_wave, row.latest_wave, row.compared)
             for pid, row in table.iterrows()}
    assert pairs == {"all": ("w1", "w3", True), "late": ("w2", "w3", True),
                     "missed": ("w1", "w3", True), "gone": ("w1", "w2", True),
                     "few": ("w1", "w2", True), "last_only": ("w3", "w3", False),
                     "never_enough": ("w1", "w1", False)}
    assert table.loc["few", "answered"] == "w1;w2;w3" and table.loc["few", "usable"] == "w1;w2"
    assert table.loc["missed", "answered"] == "w1;w3"


def prepared() -> Prepared:
    frame, providers = responses()
    counts = (frame.groupby(["provider_id", "wave"], observed=False).size()
              .rename("n").reset_index())
    return Prepared(key="k", dataset_name="waves", dataset_path="/in-memory",
                    instrument_ref="competence_management_v1", min_group_size=MGS,
                    waves=[{"id": w, "label": {"fi": f"Kierros {w}", "sv": f"Omgång {w}",
                                               "en": f"Round {w}"}} for w in WAVES],
                    tables={"provider_waves": provider_waves(frame, providers, WAVES, MGS),
                            "response_rates": counts, "dimension_change": pd.DataFrame()})


def test_the_report_says_which_waves_it_compares_and_why():
    data = prepared()
    assert provider_view.baseline_wave(data, "late") == "w2"
    assert provider_view.latest_wave(data, "gone") == "w2"
    assert provider_view.baseline_wave(data) == "w1" and provider_view.latest_wave(data) == "w3"

    # the opening names the compared waves in the instrument's own words
    assert takehold_view.waves_sentences(data, "all", "fi") == [
        survey_text(data.instrument, "takehold_intro", "fi", wave_before="Kierros w1",
                    wave_after="Kierros w3")]
    assert takehold_view.waves_sentences(data, "few", "sv") == [
        survey_text(data.instrument, "takehold_intro", "sv", wave_before="Omgång w1",
                    wave_after="Omgång w2"),
        text("takehold_own_waves", "sv"),
        text("takehold_wave_too_few", "sv", wave="Omgång w3", n=MGS)]
    assert takehold_view.waves_sentences(data, "late", "fi")[1:] == [
        text("takehold_own_waves", "fi"),
        text("takehold_wave_not_taken_part", "fi", wave="Kierros w1")]
    # a provider that joined at the latest wave: no change yet, and no change section
    assert not takehold_view.has_change(data, "last_only")
    assert takehold_view.has_change(data, "missed")
    assert takehold_view.waves_sentences(data, "last_only", "en") == [
        text("takehold_intro_one_wave", "en", wave="Round w3"),
        text("takehold_wave_not_taken_part", "en", wave="Round w1"),
        text("takehold_wave_not_taken_part", "en", wave="Round w2")]
