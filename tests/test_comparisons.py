"""Words that match the numbers (issues 10.5, 10.7, 12.2, 26): each rule in one place, at its
boundaries, and strengths and areas to develop that are not found by chance."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from strapetsi_lib.analysis.baseline import (
    AREA_TO_DEVELOP,
    NO_CLEAR_DIFFERENCE,
    STRENGTH,
    better_side,
    classify_difference,
    dimension_ranks,
    item_comparison,
)
from strapetsi_lib.analysis.stats import (
    CLEAR_ALPHA,
    MIN_CLEAR_EFFECT,
    bh_adjust,
    is_certain,
    quartile_of,
    quartiles_of,
)
from strapetsi_lib.present.comparisons import rounded_sign

ROOT = Path(__file__).resolve().parents[1]
nan = math.nan


@pytest.mark.parametrize(("p_adjusted", "std_diff", "higher_is_better", "expected"), [
    (0.049, 0.2, True, STRENGTH),  # the size threshold is inclusive
    (0.049, 0.2 - 1e-12, True, STRENGTH),  # computed 0.2 that lands a hair below
    (0.049, 0.19, True, NO_CLEAR_DIFFERENCE),  # statistically certain but small
    (0.05, 0.8, True, NO_CLEAR_DIFFERENCE),  # adjusted p at alpha is not certain
    (0.2, 0.8, True, NO_CLEAR_DIFFERENCE),  # big but not certain
    (nan, 0.8, True, NO_CLEAR_DIFFERENCE),  # not tested (too few answers, no variation)
    (0.001, nan, True, NO_CLEAR_DIFFERENCE),  # no size: never clear
    (0.049, -0.2, True, AREA_TO_DEVELOP),
    (0.049, -0.19, True, NO_CLEAR_DIFFERENCE),
    (0.001, 0.5, False, AREA_TO_DEVELOP),  # lower is better: above the network is worse
    (0.001, -0.5, False, STRENGTH),
])
def test_strength_needs_a_clear_difference(p_adjusted, std_diff, higher_is_better, expected):
    assert (CLEAR_ALPHA, MIN_CLEAR_EFFECT) == (0.05, 0.2)
    assert classify_difference([p_adjusted], [std_diff], higher_is_better)[0] == expected


def test_which_way_is_better_is_one_flag_per_row():
    assert better_side([0.3, -0.3, 0.0, nan]).tolist() == [1, -1, 0, 0]
    assert better_side([0.3, 0.3], [True, False]).tolist() == [1, -1]


def _demo_dataset():
    from strapetsi_lib.config import DEMO_DIR
    from strapetsi_lib.ingest.dataset import load_dataset

    if not (DEMO_DIR / "dataset.yml").exists():
        pytest.fail("the demo dataset is missing: run `make demo` (make test does)")
    return load_dataset(DEMO_DIR)


@pytest.fixture(scope="module")
def demo_comparison():
    dataset = _demo_dataset()
    items = dataset.instrument.scale_item_codes
    return dataset, item_comparison(dataset.responses, dataset.instrument, items,
                                    dataset.min_group_size)


def test_item_tests_are_one_sample_t_tests_adjusted_within_a_provider_and_wave(
        demo_comparison):
    from strapetsi_lib.analysis.scores import reverse_scored

    dataset, table = demo_comparison
    row = table.dropna(subset=["p_value"]).iloc[17]
    scored = reverse_scored(dataset.responses, dataset.instrument)
    wave = scored[scored["wave"] == row["wave"]]
    answers = wave.loc[wave["provider_id"] == row["provider_id"], row["item"]].dropna()
    network = wave[row["item"]].dropna()
    expected = sps.ttest_1samp(answers, network.mean())
    assert row["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert row["estimate"] == pytest.approx(answers.mean() - network.mean())
    assert row["std_diff"] == pytest.approx((answers.mean() - network.mean()) / network.std())
    family = table[(table["provider_id"] == row["provider_id"])
                   & (table["wave"] == row["wave"])]
    assert len(family) == len(dataset.instrument.scale_item_codes)
    np.testing.assert_allclose(family["p_adjusted"], bh_adjust(family["p_value"]))
    # the interval beside the verdict excludes 0 exactly when the difference is certain
    tested = table.dropna(subset=["p_adjusted"])
    excludes = (tested["ci_low"] > 0) | (tested["ci_high"] < 0)
    assert (excludes == is_certain(tested["p_adjusted"].to_numpy())).all()
    assert (tested["ci_level"] >= 0.95 - 1e-12).all()  # never narrower than 95 %
    # and every strength and area is clear by the one rule
    flagged = table[table["comparison"] != NO_CLEAR_DIFFERENCE]
    assert len(flagged) and (flagged["verdict"] == "clear").all()
    assert (np.sign(flagged["std_diff"]) == np.where(flagged["comparison"] == STRENGTH, 1, -1)
            ).all()


def test_an_item_without_variation_or_answers_is_not_tested():
    from strapetsi_lib.ingest.instrument import load_instrument

    instrument = load_instrument("competence_management_v1")
    items = instrument.scale_item_codes[:2]
    rng = np.random.default_rng(3)
    rows = []
    for provider, n in (("A", 6), ("B", 60), ("C", 3)):
        for i in range(n):
            rows.append({"provider_id": provider, "wave": "w", "respondent_id": f"{provider}{i}",
                         items[0]: 5.0 if provider == "A" else float(rng.integers(1, 6)),
                         items[1]: float(rng.integers(1, 6))})
    responses = pd.DataFrame(rows)
    responses["wave"] = pd.Categorical(responses["wave"])
    table = item_comparison(responses, instrument, items, 5).set_index(["provider_id", "item"])
    alike = table.loc[("A", items[0])]  # six answers of 5: far above the network, untested
    assert alike["std_diff"] > 0.2 and math.isnan(alike["p_value"])
    assert math.isnan(alike["ci_low"]) and alike["verdict"] == "not_tested"
    assert alike["comparison"] == NO_CLEAR_DIFFERENCE
    few = table.loc[("C", items[1])]  # three answers: under the minimum group size
    assert math.isnan(few["p_value"]) and few["verdict"] == "not_tested"


def _null_benchmark():
    spec = importlib.util.spec_from_file_location("null_strengths",
                                                  ROOT / "benchmarks" / "null_strengths.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_providers_that_do_not_differ_rarely_get_a_strength_or_an_area():
    # A small version of benchmarks/null_strengths.py: 400 null providers of 20 respondents
    # drawn from the demo network's own answers. The rule's rate is at most 0.05 (about 0.045
    # in the benchmark); the former rule, with no multiplicity control, flagged half of them.
    bench = _null_benchmark()
    dataset = _demo_dataset()
    rates = bench.flag_rates(dataset, dataset.wave_ids[0], (20,), 400, seed=11).iloc[0]
    assert rates["null_providers"] == 400
    # at a true rate of 0.05, 400 null providers give more than 0.075 with probability 0.01
    assert rates["any_flagged"] <= 0.075
    assert rates["former_rule"] > 0.3


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
