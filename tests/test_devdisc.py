"""The development-discussion share (worked example of docs/adding-a-report-section.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strapetsi_lib.analysis.devdisc import ALL_STAFF, discussion_shares
from strapetsi_lib.ingest.instrument import load_instrument

INSTRUMENT = load_instrument("competence_management_v1")
#: The item the instrument declares for the section.
ITEM = INSTRUMENT.development_discussion.item


def responses(groups: dict[str, list[float]], provider: str = "0100013-3",
              wave: str = "baseline") -> pd.DataFrame:
    """One provider's answers to the item, by role (NaN = no answer)."""
    rows = [{"provider_id": provider, "wave": wave, "role": role, ITEM: answer}
            for role, answers in groups.items() for answer in answers]
    frame = pd.DataFrame(rows)
    frame["wave"] = pd.Categorical(frame["wave"])
    return frame


def by_role(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("role")


def test_the_instrument_declares_the_item_and_the_answers_that_agree():
    assert INSTRUMENT.development_discussion.agreeing == (4, 5)
    assert INSTRUMENT.scale_of(ITEM).values == [1, 2, 3, 4, 5]


def test_an_instrument_without_the_item_has_no_table():
    wellbeing = load_instrument("wellbeing_at_work_v1")
    assert wellbeing.development_discussion is None
    with pytest.raises(ValueError, match="declares no development_discussion"):
        discussion_shares(responses({"teacher": [4] * 5}), wellbeing, 5)


def test_shares_by_role_and_all_staff():
    table = by_role(discussion_shares(responses({
        "leader": [5, 5, 4, 5, 4],            # 5 of 5 agree
        "teacher": [4, 4, 3, 2, 5, 1, 4],     # 4 of 7
        "support": [1, 2, 3, 4, 5, 5],        # 3 of 6
        "other": [4, 4, 4, 4, 4],             # 5 of 5
    }), INSTRUMENT, min_group_size=5))
    assert table.loc["leader", "share"] == 1.0
    assert table.loc["teacher", "share"] == pytest.approx(4 / 7)
    assert table.loc["support", "share"] == pytest.approx(0.5)
    assert table.loc[ALL_STAFF, ["answers", "agreeing"]].tolist() == [23, 17]
    assert not table["suppressed"].any()


def test_small_roles_are_hidden_by_answers_not_headcount():
    # six teachers responded, but only four answered this item: the teachers' share is hidden,
    # and with it the next smallest role, since the all-staff row would give it away
    table = by_role(discussion_shares(responses({
        "leader": [5, 5, 4, 5, 4, 5],
        "teacher": [4, 4, 3, 2, np.nan, np.nan],
        "support": [1, 2, 3, 4, 5, 5, 5],
        "other": [4, 4, 4, 4, 4, 4, 4, 4],
    }), INSTRUMENT, min_group_size=5))
    assert table.loc[["teacher", "leader"], "suppressed"].all()
    assert table.loc[["teacher", "leader"], ["answers", "agreeing", "share"]].isna().all().all()
    assert table.loc["support", "share"] == pytest.approx(4 / 7)  # 4, 5, 5, 5
    assert table.loc[ALL_STAFF, "answers"] == 25  # 6 + 4 + 7 + 8: the total is still shown


def test_small_roles_hidden_until_they_reach_the_minimum_and_a_small_provider_shows_nothing():
    table = by_role(discussion_shares(responses({
        "leader": [5, 5],
        "teacher": [4, 4, 3, 2, 5, 5],
        "support": [1, 2, 3, 4, 5],
        "other": [4],
    }), INSTRUMENT, min_group_size=5))
    # leaders (2) and other staff (1) hide together only 3 answers, under the minimum, so the
    # next smallest role (support, 5) is hidden with them; the teachers (6) stay
    assert table.loc[["leader", "other", "support"], "suppressed"].all()
    assert not table.loc["teacher", "suppressed"]
    tiny = by_role(discussion_shares(responses({"teacher": [4, 4, 5, 1]}), INSTRUMENT, 5))
    assert tiny["suppressed"].all()
    assert tiny["share"].isna().all()


def test_the_report_view_of_a_tiny_dataset(tiny_dataset):
    from strapetsi_lib.ingest.dataset import load_dataset
    from strapetsi_lib.prepare import prepare_tables
    from strapetsi_lib.present import devdisc_view

    dataset = load_dataset(tiny_dataset)
    prepared = prepare_tables(dataset, force=True)
    provider_id, wave = "0100013-3", prepared.wave_ids[0]
    answers = dataset.responses[(dataset.responses["provider_id"] == provider_id)
                                & (dataset.responses["wave"] == wave)][ITEM].dropna()
    table = devdisc_view.discussion_table(prepared, provider_id, wave, "fi")
    # six respondents in four roles: no role is shown, all staff is
    assert table["Vastauksia"].tolist()[:4] == ["alle 5 vastaajaa"] * 4
    assert table["Samaa mieltä"].tolist()[:4] == ["\u2013"] * 4
    assert len(answers) >= 5  # the tiny dataset's fixture: at most one missing answer here
    share = round(100 * answers.isin([4, 5]).mean())
    assert table.iloc[4].tolist() == ["Koko henkilöstö", str(len(answers)), f"{share}\u00a0%"]
    assert f"{share}\u00a0%" in devdisc_view.discussion_sentence(prepared, provider_id, wave, "fi")
    assert "kehityskeskustelun vähintään kerran vuodessa" in devdisc_view.discussion_intro(
        prepared, "fi")
