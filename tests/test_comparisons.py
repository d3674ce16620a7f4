"""Words that match the numbers (issues 10.5, 10.7, 12.2): each rule in one place, at its
boundaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strapetsi_lib.analysis.baseline import (
    AREA_TO_DEVELOP,
    MIN_CLEAR_STD_DIFF,
    NO_CLEAR_DIFFERENCE,
    STRENGTH,
    classify_difference,
    dimension_ranks,
)
from strapetsi_lib.analysis.stats import quartile_of, quartiles_of
from strapetsi_lib.present.comparisons import rounded_sign


@pytest.mark.parametrize(("std_diff", "low", "high", "enough", "expected"), [
    (0.2, 0.01, 0.3, True, STRENGTH),  # the size threshold is inclusive
    (0.2 - 1e-12, 0.01, 0.3, True, STRENGTH),  # computed 0.2 that lands a hair below
    (0.19, 0.01, 0.3, True, NO_CLEAR_DIFFERENCE),  # too small, however sure
    (0.5, 0.0, 0.8, True, NO_CLEAR_DIFFERENCE),  # the interval touches 0: no evidence
    (0.5, -0.1, 0.8, True, NO_CLEAR_DIFFERENCE),  # big but unsure
    (0.5, 0.1, 0.8, False, NO_CLEAR_DIFFERENCE),  # a group under the minimum
    (-0.2, -0.3, -0.01, True, AREA_TO_DEVELOP),
    (-0.19, -0.3, -0.01, True, NO_CLEAR_DIFFERENCE),
    (-0.6, -0.9, 0.0, True, NO_CLEAR_DIFFERENCE),
    (np.nan, 0.1, 0.2, True, NO_CLEAR_DIFFERENCE),
])
def test_strength_needs_size_and_evidence(std_diff, low, high, enough, expected):
    assert MIN_CLEAR_STD_DIFF == 0.2
    assert classify_difference([std_diff], [low], [high], [enough])[0] == expected


def test_rounded_equal_means_read_as_level():
    assert rounded_sign(2.94, 2.86) == 0  # both print 2,9
    assert rounded_sign(2.91, 2.89) == 0
    assert rounded_sign(2.96, 2.94) == 1  # 3,0 against 2,9
    assert rounded_sign(2.84, 2.86) == -1  # 2,8 against 2,9
    assert rounded_sign(float("nan"), 2.0) == 0


def test_one_quartile_rule_at_its_boundaries():
    percentiles = [0.0, 24.999, 25.0, 50.0, 74.999, 75.0, 100.0]
    expected = [1, 1, 2, 3, 3, 4, 4]
    assert [quartile_of(p) for p in percentiles] == expected
    assert list(quartiles_of(percentiles)) == expected
    # dimension_ranks uses the same rule: 4 providers give mid-ranks 12.5, 37.5, 62.5, 87.5
    # and 2 providers give 25 and 75, exactly on the boundaries
    means = pd.DataFrame({"provider_id": list("ABCDEF"), "wave": ["w"] * 6,
                          "dimension": ["d"] * 4 + ["e"] * 2,
                          "mean": [1.0, 2.0, 3.0, 4.0, 1.0, 2.0], "n": [10] * 6})
    ranks = dimension_ranks(means, 5).set_index("provider_id")
    assert ranks.loc[["E", "F"], "percentile"].tolist() == [25.0, 75.0]
    assert ranks.loc[["E", "F"], "quartile"].tolist() == [2, 4]
    assert ranks.loc[list("ABCD"), "quartile"].tolist() == [1, 2, 3, 4]


def test_near_boundary_where_the_penetration_interval_straddles_a_threshold():
    from strapetsi_lib.analysis.takehold import near_boundary
    from strapetsi_lib.ingest.instrument import load_instrument

    rules = load_instrument("competence_management_v1").takehold_rules
    thresholds = sorted(c["penetration_min"] for c in rules["categories"]
                        if "penetration_min" in c)
    t = thresholds[-1]
    table = pd.DataFrame({
        "penetration_ci_low": [t - 0.1, t, t + 0.01, t - 0.1, np.nan],
        "penetration_ci_high": [t + 0.1, t + 0.2, t + 0.2, t + 0.1, np.nan],
        "category": ["adopting", "embedded", "embedded", "too_few_responses",
                     "too_few_responses"]})
    # strictly inside only: an interval starting at the threshold is not near it
    assert near_boundary(table, rules).tolist() == [True, False, False, False, False]


def test_analysis_imports_nothing_from_present():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "strapetsi_lib" / "analysis"
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("strapetsi_lib.present"), path.name
