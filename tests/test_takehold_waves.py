"""Take-hold over any number of waves (issue 10.3): "maintained", trajectories, three waves.

"Maintained" = in use at every wave since the practice was first in use, at least two waves; so
a practice introduced after the baseline can become embedded.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import yaml
from test_takehold import INSTRUMENT, MGS, RULES, _practice_rows, _rule, make_dataset

from strapetsi_lib.analysis.takehold import (
    MIN_MAINTAINED_WAVES,
    maintained_flags,
    practice_status,
    practice_trajectory,
)

THREE = ("baseline", "middle", "followup")
FLOOR = RULES["maintenance_in_use_min"]


def flags(in_use: list[float]) -> list[bool]:
    table = pd.DataFrame({"provider_id": "A", "practice": "p", "in_use": in_use})
    return maintained_flags(table, FLOOR).tolist()


def test_maintained_needs_two_waves_in_use_since_first_use():
    assert MIN_MAINTAINED_WAVES == 2
    nan = float("nan")
    assert flags([FLOOR, FLOOR, FLOOR]) == [False, True, True]  # not at the first wave
    assert flags([0.0, FLOOR, FLOOR]) == [False, False, True]  # new since the baseline
    assert flags([0.0, 0.0, FLOOR]) == [False, False, False]  # one wave in use is not enough
    assert flags([FLOOR, 0.0, FLOOR]) == [False, False, False]  # fell out of use
    assert flags([FLOOR, nan, FLOOR]) == [False, False, True]  # no answers: no break
    # the floor itself counts as in use, a hair below it does not
    assert flags([FLOOR - 1e-12, FLOOR]) == [False, True]
    assert flags([FLOOR - 1e-6, FLOOR]) == [False, False]


def test_a_practice_new_since_the_baseline_reaches_embedded():
    embedded = _rule("embedded")
    routine = RULES["routine_level"]
    nomad = embedded["normalisation_min"]
    rows = (_practice_rows("A", [0] * 10, 1.0, "baseline")
            + _practice_rows("A", [routine] * 10, nomad, "middle")
            + _practice_rows("A", [routine] * 10, nomad, "followup"))
    table = practice_status(make_dataset(rows, waves=THREE), all_waves=True)
    first = table[table["practice"] == INSTRUMENT.practices[0].code].set_index("wave")
    assert first.loc["baseline", "category"] == "not_in_use"
    # first wave in use: adopting (maintained needs a second wave in use)
    assert first.loc["middle", "category"] == "adopting"
    assert not first.loc["middle", "maintained"]
    assert first.loc["followup", "maintained"]
    assert first.loc["followup", "category"] == "embedded"


def test_trajectory_has_consecutive_steps_and_first_to_latest():
    routine = RULES["routine_level"]
    rows = (_practice_rows("A", [0] * 10, 1.0, "baseline")
            + _practice_rows("A", [routine] * 5 + [0] * 5, 3.0, "middle")
            + _practice_rows("A", [routine] * 10, 4.0, "followup"))
    by_wave = practice_status(make_dataset(rows, waves=THREE), all_waves=True)
    path = practice_trajectory(by_wave, list(THREE))
    path = path[path["practice"] == INSTRUMENT.practices[0].code].set_index(
        ["step", "wave_from", "wave_to"])
    assert path.loc[("consecutive", "baseline", "middle"), "penetration_change"] == 0.5
    assert path.loc[("consecutive", "middle", "followup"), "penetration_change"] == 0.5
    overall = path.loc[("first_to_latest", "baseline", "followup")]
    assert overall["penetration_change"] == 1.0
    assert (overall["category_from"], overall["category_to"]) == ("not_in_use", "embedded")
    assert len(path) == 3


def add_middle_wave(path):
    """Turn a written two-wave dataset into three waves: the baseline's file, byte for byte
    (same respondents, same answers, as the survey tool wrote it), as a middle wave."""
    spec = yaml.safe_load((path / "dataset.yml").read_text(encoding="utf-8"))
    shutil.copyfile(path / spec["waves"][0]["responses"], path / "responses_middle.csv")
    middle = {"id": "middle", "label": {"fi": "Väliseuranta", "sv": "Mellanuppföljning",
                                        "en": "Interim"}, "responses": "responses_middle.csv"}
    spec["waves"].insert(1, middle)
    (path / "dataset.yml").write_text(yaml.safe_dump(spec, allow_unicode=True),
                                      encoding="utf-8")
    return path


@pytest.mark.slow
def test_three_waves_end_to_end_through_prepare(tmp_path):
    from strapetsi_lib.ingest.dataset import load_dataset
    from strapetsi_lib.ingest.demo import generate_demo
    from strapetsi_lib.prepare import prepare_tables

    path = add_middle_wave(generate_demo(tmp_path / "demo", n_providers=6, seed=3))
    prepared = prepare_tables(load_dataset(path), force=True)
    assert prepared.wave_ids == list(THREE)
    by_wave = prepared["practice_status_by_wave"]
    assert set(by_wave["wave"]) == set(THREE)
    path_table = prepared["practice_trajectory"]
    assert set(path_table["step"]) == {"consecutive", "first_to_latest"}
    assert len(path_table) == 3 * 6 * len(INSTRUMENT.practices)
    steps = prepared["dimension_change_steps"]
    assert set(zip(steps["wave_before"], steps["wave_after"], strict=True)) == {
        ("baseline", "middle"), ("middle", "followup")}
    change = prepared["dimension_change"]
    assert (change["wave_before"] == "baseline").all()
    assert (change["wave_after"] == "followup").all()
    # the middle wave copies the baseline's answers: no change from baseline to middle
    first_step = steps[steps["wave_after"] == "middle"].dropna(subset=["estimate"])
    assert np.allclose(first_step["estimate"], 0.0)
    assert prepared["mixed_models"]["estimate"].notna().all()
    assert MGS == prepared.min_group_size
