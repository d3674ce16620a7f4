"""Any scale, either direction: where a lower score is better the reports read it that way
round, and every sentence states the instrument's own scale and survey."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strapetsi_lib.analysis.baseline import (
    AREA_TO_DEVELOP,
    NO_CLEAR_DIFFERENCE,
    STRENGTH,
    classify_difference,
    dimension_ranks,
    item_comparison,
)
from strapetsi_lib.ingest.instrument import load_instrument
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present import summary
from strapetsi_lib.present.display import text_html
from strapetsi_lib.present.i18n import text
from strapetsi_lib.present.provider_view import comparison_sentence, profile_sentence
from strapetsi_lib.present.survey_words import (
    best_note,
    direction_note,
    period,
    report_title,
    survey_text,
)

WELLBEING = load_instrument("wellbeing_at_work_v1")
COMPETENCE = load_instrument("competence_management_v1")


def prepared_for(instrument_id: str, labels: list[str]) -> Prepared:
    """Prepared tables of no data: enough for the words that need the instrument and waves."""
    waves = [{"id": f"w{n}", "label": {"fi": label, "sv": label, "en": label}}
             for n, label in enumerate(labels)]
    return Prepared(key="k", dataset_name="d", dataset_path="/nowhere",
                    instrument_ref=instrument_id, min_group_size=5, waves=waves)


# --------------------------------------------------------------------------- the statistics


@pytest.mark.parametrize(("std_diff", "p_adjusted", "higher", "expected"), [
    (0.5, 0.01, True, STRENGTH),
    (0.5, 0.01, False, AREA_TO_DEVELOP),  # clearly above where lower is better
    (-0.5, 0.01, False, STRENGTH),
    (-0.5, 0.01, True, AREA_TO_DEVELOP),
    (-0.5, 0.2, False, NO_CLEAR_DIFFERENCE),  # the same evidence rule either way
])
def test_the_strength_rule_reads_the_dimensions_direction(std_diff, p_adjusted, higher,
                                                          expected):
    assert classify_difference([p_adjusted], [std_diff], [higher])[0] == expected


def test_item_comparison_calls_a_low_workload_a_strength():
    rng = np.random.default_rng(1)
    rows = []
    for provider, load in (("1111111-8", 1), *((f"{n}222222-{n}", None) for n in range(2, 6))):
        for i in range(20):
            # the first provider answers 1 or 2 (answers all alike would test nothing)
            answer = load + i % 2 if load is not None else int(rng.integers(3, 7))
            rows.append({"provider_id": provider, "wave": "w", "role": "teaching",
                         "load1": float(answer), "team1": float(answer)})
    responses = pd.DataFrame(rows)
    responses["wave"] = pd.Categorical(responses["wave"])
    table = item_comparison(responses, WELLBEING, ["load1", "team1"], 5)
    mine = table[table["provider_id"] == "1111111-8"].set_index("item")
    # the same answers, far below the network: good for the workload, bad for the climate
    assert mine.loc["load1", "std_diff"] < 0 and mine.loc["team1", "std_diff"] < 0
    assert mine.loc["load1", "comparison"] == STRENGTH
    assert mine.loc["team1", "comparison"] == AREA_TO_DEVELOP
    assert mine.loc["load1", "better_diff"] == -mine.loc["load1", "std_diff"] > 0
    assert not mine.loc["load1", "higher_is_better"] and mine.loc["team1", "higher_is_better"]


def test_a_low_mean_ranks_best_where_lower_is_better():
    means = pd.DataFrame({"provider_id": list("ABCD") * 2, "wave": ["w"] * 8,
                          "dimension": ["workload"] * 4 + ["team_climate"] * 4,
                          "mean": [1.0, 2.0, 3.0, 4.0] * 2, "n": [10] * 8})
    ranks = dimension_ranks(means, 5, WELLBEING.lower_is_better)
    by = ranks.set_index(["dimension", "provider_id"])["percentile"]
    assert by["workload"].tolist() == [87.5, 62.5, 37.5, 12.5]
    assert by["team_climate"].tolist() == [12.5, 37.5, 62.5, 87.5]


# --------------------------------------------------------------------------- the words


def test_the_scale_and_which_way_is_better_are_the_instruments():
    assert str(best_note(COMPETENCE, "fi")) == "5 = paras"
    assert str(direction_note(COMPETENCE, "sv")) == "högre är alltid bättre"
    assert str(best_note(WELLBEING, "fi")) == "6 = paras; Työn kuormittavuus: 1 = paras"
    assert str(direction_note(WELLBEING, "fi")) == (
        "suurempi luku on parempi paitsi osa-alueella Työn kuormittavuus, jossa pienempi on "
        "parempi")


def test_the_strongest_area_and_the_comparison_read_the_direction():
    prepared = prepared_for("wellbeing_at_work_v1", ["Kevät 2025"])
    profile = pd.DataFrame({
        "dimension": WELLBEING.dimension_codes,
        "mean": [4.0, 4.2, 4.4, 1.5],          # a workload of 1,5 is the best result here
        "network_mean": [4.1, 4.2, 4.3, 2.5],  # and well below the network: better
    })
    words = str(profile_sentence(profile, prepared, "fi"))
    assert "asteikolla 1–6 (6 = paras; Työn kuormittavuus: 1 = paras)" in words
    assert "Vahvin osa-alue on Työn kuormittavuus (1,5) ja heikoin Esihenkilön tuki (4,0)" in words
    assert "tulos on parempi kahdella osa-alueella, sama yhdellä ja heikompi yhdellä." in words
    swedish = text_html(comparison_sentence(2, 1, 1, "sv", by_direction=True))
    assert "Två delområden är bättre än nätverkets medelvärde, ett i nivå med det och ett " \
           "sämre än det." in swedish
    assert str(comparison_sentence(0, 0, 4, "sv", by_direction=True, all_areas=True)) == \
        "Alla fyra delområden är sämre än nätverkets medelvärde."


def test_a_rise_in_a_lower_is_better_area_is_a_worsening_in_the_summary():
    prepared = prepared_for("wellbeing_at_work_v1", ["Kevät 2025", "Kevät 2026"])
    rise = summary.Finding("change_up", "workload", 0.6, 0.32, higher_is_better=False)
    fall = summary.Finding("change_down", "workload", -0.6, -0.32, higher_is_better=False)
    assert not rise.better and fall.better
    name = WELLBEING.dimension("workload").name["fi"]
    facts = summary.Summary("p", "w0", "w1", {"w0": None, "w1": None},
                            {"w0": None, "w1": None}, [], [rise, fall], [], pd.DataFrame())
    assert summary.finding_sentence(rise, facts, prepared, "fi") == text(
        "summary_finding_change_up_worse", "fi", dimension=name, amount="0,32",
        size=summary.effect_size(0.6, "fi"), position="")
    assert "Hedgesin g\u00a0=\u00a00,60" in summary.finding_sentence(rise, facts, prepared, "fi")
    assert "förbättring" in summary.finding_sentence(fall, facts, prepared, "sv")
    questions = summary.discussion_questions(facts, prepared, "fi")
    # the rise is asked about as a worsening, the fall as an improvement
    assert questions[0].startswith(f"{name}: arviot ovat heikentyneet selvästi (keskiarvo "
                                   "nousi 0,32 pistettä).")
    assert questions[0].endswith(str(text("summary_ask_worse_1", "fi")))
    assert questions[1].startswith(f"{name}: arviot ovat parantuneet selvästi (keskiarvo "
                                   "laski 0,32 pistettä).")
    assert questions[1].endswith(str(text("summary_ask_better_1", "fi")))


@pytest.mark.parametrize(("labels", "expected"), [
    (["Lähtötilanne 2024", "Seuranta 2025"], "2024–2025"),
    (["Kevät 2025", "Syksy 2025"], "2025"),
    (["Syksy", "Kevät"], "Syksy – Kevät"),
])
def test_a_follow_up_title_names_the_years_of_its_waves(labels, expected):
    prepared = prepared_for("wellbeing_at_work_v1", labels)
    assert period(prepared, "fi") == expected
    assert report_title(prepared, "Opisto", "fi") == f"Työhyvinvointikysely {expected}: Opisto"


def test_the_packaged_instruments_titles_are_its_own():
    one = prepared_for("competence_management_v1", ["Lähtötilanne 2024"])
    two = prepared_for("competence_management_v1", ["Lähtötilanne 2024", "Seuranta 2025"])
    assert report_title(one, "X", "fi") == "Osaamisen johtamisen lähtötilanneanalyysi: X"
    assert report_title(one, "X", "sv") == "Nulägesanalys av kompetensledning: X"
    assert report_title(two, "X", "fi") == (
        "Osaamisen johtaminen ja toimintatapojen jalkautuminen 2024–2025: X")
    assert report_title(two, "X", "sv") == "Kompetensledning och förankring av arbetssätt " \
                                           "2024–2025: X"


def test_an_instruments_own_words_are_data_never_markup():
    from dataclasses import replace

    hostile = replace(WELLBEING, report_texts={"intro": {
        "fi": "**Huom** <img src=x onerror=alert(1)> {provider}", "sv": "x"}})
    words = survey_text(hostile, "intro", "fi", provider="<b>Opisto</b>", waves="",
                        n_providers=1, min_group=5)
    html = text_html(words)
    assert "<img" not in html and "<b>" not in html and "<strong>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "**Huom**" in html


def test_items_without_a_clear_difference_are_headed_best_and_weakest_where_lower_is_better():
    from strapetsi_lib.present.provider_view import unclear_items_headings

    mixed = unclear_items_headings(prepared_for("wellbeing_at_work_v1", ["Kevät 2025"]), "fi")
    plain = unclear_items_headings(prepared_for("competence_management_v1", ["2024"]), "fi")
    assert mixed == (text("items_best", "fi"), text("items_weakest", "fi"))
    assert plain == (text("stats_highest_items", "fi"), text("stats_lowest_items", "fi"))


def test_a_statement_where_lower_is_better_says_so_wherever_it_is_listed():
    """A strength or area of a dimension where a lower score is better carries the direction,
    as a reversed statement does: in the summary's findings and in the report's lists."""
    from strapetsi_lib.present.survey_words import statement_text

    prepared = prepared_for("wellbeing_at_work_v1", ["Kevät 2025", "Kevät 2026"])
    item = next(i for i in WELLBEING.dimension_items("workload") if not i.reverse)
    assert statement_text(WELLBEING, item.code, "sv") == (
        f"{item.text['sv']} (i det här delområdet är ett lägre tal bättre)")
    strength = summary.Finding("above_network", item.code, 0.5, 2.1, 2.8, "w1",
                               higher_is_better=False)
    facts = summary.Summary("p", "w0", "w1", {"w0": None, "w1": None},
                            {"w0": None, "w1": None}, [], [strength], [], pd.DataFrame())
    words = summary.finding_sentence(strength, facts, prepared, "fi")
    assert words.startswith(f"Vahvuus: ”{item.text['fi']}” – oma keskiarvo 2,1")
    assert words.endswith("(Kevät 2026; tällä osa-alueella pienempi luku on parempi).")
    other = next(i for i in WELLBEING.items if i.dimension != "workload" and not i.reverse)
    assert statement_text(WELLBEING, other.code, "sv") == other.text["sv"]
