"""Tests for strapetsi_lib.analysis.scores on small hand-computed examples."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from strapetsi_lib.analysis.scores import (
    ID_COLUMNS,
    dimension_scores,
    long_dimension_scores,
    reverse_scored,
)
from strapetsi_lib.ingest.instrument import Dimension, Instrument, Item, Scale, load_instrument


def _t(text: str) -> dict[str, str]:
    return {"fi": text, "sv": text, "en": text}


# A tiny instrument so that every expected number below can be checked by hand:
# dimension "a" has four 1-5 items, a4 reverse-keyed; dimension "b" has three 1-7 items,
# b3 reverse-keyed; "use" is a practice item outside every dimension. Scoring works on any
# scales, so it is built directly (an instrument file must give its dimensions one scale,
# which the reports state).
def _scale(code: str, low: int, high: int) -> Scale:
    return Scale(code, low, high, {v: _t(str(v)) for v in range(low, high + 1)})


TINY = Instrument(
    id="tiny", title=_t("Tiny"),
    scales={"five": _scale("five", 1, 5), "seven": _scale("seven", 1, 7),
            "lou": _scale("lou", 0, 7)},
    dimensions=(Dimension("a", _t("A")), Dimension("b", _t("B"))),
    items=(
        Item("a1", "five", _t("a1"), dimension="a"),
        Item("a2", "five", _t("a2"), dimension="a"),
        Item("a3", "five", _t("a3"), dimension="a"),
        Item("a4", "five", _t("a4"), reverse=True, dimension="a"),
        Item("b1", "seven", _t("b1"), dimension="b"),
        Item("b2", "seven", _t("b2"), dimension="b"),
        Item("b3", "seven", _t("b3"), reverse=True, dimension="b"),
        Item("use", "lou", _t("use")),
    ),
    practices=(), takehold_rules=None, missing_answers=(), source=Path("tiny.yml"))

NA = np.nan


def _responses() -> pd.DataFrame:
    ids = pd.DataFrame({
        "respondent_id": ["r1", "r2", "r3", "r4"],
        "provider_id": ["1234567-1"] * 4,
        "wave": pd.Categorical(["baseline", "baseline", "followup", "followup"],
                               categories=["baseline", "followup"], ordered=True),
        "role": ["teacher", "leader", "support", "other"],
    })
    items = pd.DataFrame({
        #      r1   r2   r3   r4
        "a1": [4.0, 5.0, NA, NA],
        "a2": [2.0, NA, NA, 3.0],
        "a3": [3.0, NA, NA, NA],
        "a4": [1.0, 2.0, 5.0, NA],
        "b1": [7.0, 1.0, NA, 2.0],
        "b2": [NA, 3.0, NA, NA],
        "b3": [2.0, NA, 4.0, NA],
        "use": [0.0, 7.0, 4.0, NA],
    })
    return pd.concat([ids, items], axis=1)


def test_reverse_scored_recodes_only_reverse_items():
    responses = _responses()
    out = reverse_scored(responses, TINY)
    # a4 on 1-5: v -> 6 - v;  b3 on 1-7: v -> 8 - v; missing stays missing.
    assert out["a4"].tolist()[:3] == [5.0, 4.0, 1.0] and math.isnan(out["a4"].iloc[3])
    assert out["b3"].tolist()[0] == 6.0 and out["b3"].tolist()[2] == 4.0
    pd.testing.assert_frame_equal(out.drop(columns=["a4", "b3"]),
                                  responses.drop(columns=["a4", "b3"]))
    # The input is left as it was.
    assert responses["a4"].tolist()[:3] == [1.0, 2.0, 5.0]


def test_reverse_scored_skips_absent_items():
    partial = _responses()[["respondent_id", "a1", "a4"]]
    out = reverse_scored(partial, TINY)
    assert list(out.columns) == ["respondent_id", "a1", "a4"]
    assert out["a4"].tolist()[:3] == [5.0, 4.0, 1.0]


def test_dimension_scores_hand_computed():
    scores = dimension_scores(_responses(), TINY)
    assert list(scores.columns) == [*ID_COLUMNS, "a", "b"]
    by_id = scores.set_index("respondent_id")
    # r1, all four a-items: (4 + 2 + 3 + (6 - 1)) / 4 = 3.5
    assert by_id.loc["r1", "a"] == pytest.approx(3.5)
    # r1, b: b1 = 7 and b3 reversed 8 - 2 = 6 answered (2 of 3 >= half) -> 6.5
    assert by_id.loc["r1", "b"] == pytest.approx(6.5)
    # r2, a: a1 = 5 and a4 reversed 6 - 2 = 4, exactly half answered -> scored, 4.5
    assert by_id.loc["r2", "a"] == pytest.approx(4.5)
    # r2, b: b1 = 1, b2 = 3 (2 of 3) -> 2.0
    assert by_id.loc["r2", "b"] == pytest.approx(2.0)
    # r3, a: only a4 answered, 1 of 4 < half -> NaN; b: only b3, 1 of 3 < half -> NaN
    assert math.isnan(by_id.loc["r3", "a"]) and math.isnan(by_id.loc["r3", "b"])
    # r4, a: a2 = 3 only -> NaN; b: b1 = 2 only -> NaN
    assert math.isnan(by_id.loc["r4", "a"]) and math.isnan(by_id.loc["r4", "b"])


def test_dimension_scores_keeps_identifiers_and_order():
    responses = _responses().iloc[::-1]
    scores = dimension_scores(responses, TINY)
    assert scores.index.tolist() == responses.index.tolist()
    pd.testing.assert_frame_equal(scores[ID_COLUMNS], responses[ID_COLUMNS])
    assert scores["wave"].cat.ordered
    assert "use" not in scores.columns  # practice items are not part of any dimension


def test_dimension_scores_min_answered_share():
    # With a stricter rule (three quarters), r2's two of four a-items no longer suffice.
    strict = dimension_scores(_responses(), TINY, min_answered_share=0.75).set_index(
        "respondent_id")
    assert strict.loc["r1", "a"] == pytest.approx(3.5)
    assert math.isnan(strict.loc["r2", "a"])
    with pytest.raises(ValueError):
        dimension_scores(_responses(), TINY, min_answered_share=0)


def test_dimension_scores_requires_item_columns():
    with pytest.raises(KeyError, match="b2"):
        dimension_scores(_responses().drop(columns=["b2"]), TINY)


def test_dimension_scores_on_packaged_instrument():
    instrument = load_instrument("competence_management_v1")
    plan = instrument.dimension_items("strategic_planning")
    row = {"respondent_id": "r1", "provider_id": "1234567-1", "wave": "baseline",
           "role": "teacher"}
    row.update({code: 3.0 for code in instrument.item_codes})
    # Answer 1 ("strongly disagree") on every reverse item of strategic planning: on a 1-5
    # scale it counts as 5, so the mean of four items is (3 * n_plain + 5 * n_reverse) / 4.
    n_reverse = sum(item.reverse for item in plan)
    for item in plan:
        if item.reverse:
            row[item.code] = 1.0
    frame = pd.DataFrame([row])
    scores = dimension_scores(frame, instrument)
    assert list(scores.columns) == [*ID_COLUMNS, *instrument.dimension_codes]
    expected = (3.0 * (len(plan) - n_reverse) + 5.0 * n_reverse) / len(plan)
    assert scores.loc[0, "strategic_planning"] == pytest.approx(expected)


def test_long_dimension_scores_drops_missing():
    long = long_dimension_scores(dimension_scores(_responses(), TINY))
    assert list(long.columns) == [*ID_COLUMNS, "dimension", "score"]
    # Scored cells: r1 a, r2 a, r1 b, r2 b (r3 and r4 have no scores).
    assert list(zip(long["respondent_id"], long["dimension"], strict=True)) == [
        ("r1", "a"), ("r2", "a"), ("r1", "b"), ("r2", "b")]
    np.testing.assert_allclose(long["score"], [3.5, 4.5, 6.5, 2.0])
    assert long["score"].dtype == "float64"
    assert isinstance(long["wave"].dtype, pd.CategoricalDtype) and long["wave"].cat.ordered
