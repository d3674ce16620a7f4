"""The network change: its estimand, a t-test on G - 1 degrees of freedom that keeps its level
with few providers (issues 10.2, 26), and the network mean's interval clustered by provider.

Small versions of ``benchmarks/network_change_coverage.py``: networks on the demo's design whose
providers change by different amounts (SD 0.15) around a known population mean.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.formula.api import ols

from strapetsi_lib.analysis.baseline import icc_anova, network_dimension_means
from strapetsi_lib.analysis.network_models import (
    MIN_USABLE_DF,
    TOO_FEW_PROVIDERS,
    fit_network_change,
)

ROOT = Path(__file__).resolve().parents[1]


def _benchmark():
    spec = importlib.util.spec_from_file_location(
        "network_change_coverage", ROOT / "benchmarks" / "network_change_coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_network_change_is_a_t_test_on_providers_minus_one():
    bench = _benchmark()
    frame, _ = bench.simulate_scores(12, 5, 0.1)
    fit = fit_network_change(frame, bench.WAVES)
    assert fit["reason"] == "" and fit["df"] == 11
    assert fit["p_value"] == pytest.approx(2 * sps.t.sf(abs(fit["estimate"] / fit["se"]), 11))
    half = sps.t.ppf(0.975, 11) * fit["se"]
    assert (fit["ci_low"], fit["ci_high"]) == pytest.approx(
        (fit["estimate"] - half, fit["estimate"] + half))
    # a provider that answered only at the baseline carries no change: it does not add a df
    first_only = frame[(frame["provider_id"] != frame["provider_id"].iloc[0])
                       | (frame["wave"] == bench.WAVES[0])]
    assert fit_network_change(first_only, bench.WAVES)["df"] == 10


def test_a_network_with_too_few_providers_gets_no_estimate():
    bench = _benchmark()
    needed = int(MIN_USABLE_DF) + 1
    few, _ = bench.simulate_scores(needed - 1, 2)
    assert fit_network_change(few, bench.WAVES) == {"reason": TOO_FEW_PROVIDERS}
    enough, _ = bench.simulate_scores(needed, 2)
    assert fit_network_change(enough, bench.WAVES)["df"] == MIN_USABLE_DF


def test_the_fit_moves_with_the_change_so_null_coverage_is_every_coverage():
    # the benchmark simulates only null networks: adding c to every latest-wave score must add
    # c to the estimate and leave the standard error as it is
    bench = _benchmark()
    frame, _ = bench.simulate_scores(15, 8)
    shifted = frame.assign(score=frame["score"] + 0.25 * (frame["wave"] == bench.WAVES[-1]))
    base, moved = fit_network_change(frame, bench.WAVES), fit_network_change(shifted, bench.WAVES)
    assert moved["estimate"] == pytest.approx(base["estimate"] + 0.25, abs=1e-5)
    assert moved["se"] == pytest.approx(base["se"], rel=1e-3)


@pytest.mark.slow
def test_interval_covers_the_population_mean_change_with_15_providers():
    bench = _benchmark()
    result = bench.coverage(replicates=24, n_providers=15, change_sd=0.15, seed=100)
    assert result["fits"] == 24
    # at 95 % coverage, 20 or fewer covered of 24 has probability 0.03; the benchmark's 1,000
    # networks per size give 0.93-0.97 at 15, 40 and 81 providers
    assert result["coverage"] >= 21 / 24
    assert result["false_certain"] == pytest.approx(1 - result["coverage"])
    assert result["normal_coverage"] <= result["coverage"]  # the normal test is narrower


def test_random_intercept_only_is_too_confident_where_providers_differ():
    # the failure the estimand fixes: with provider changes of SD 0.3 the random-intercept
    # interval is far narrower than the random-slope one
    bench = _benchmark()
    frame, _ = bench.simulate_scores(20, 3, 0.2, 0.3)
    slope = fit_network_change(frame, bench.WAVES, random_slope=True)
    intercept = fit_network_change(frame, bench.WAVES, random_slope=False)
    assert slope["se"] > 1.5 * intercept["se"]
    assert slope["provider_change_sd"] == pytest.approx(0.3, abs=0.12)


def test_icc_equals_the_anova_estimator_from_statsmodels():
    rng = np.random.default_rng(8)
    sizes = rng.integers(3, 30, 25)
    codes = np.repeat(np.arange(25), sizes)
    values = rng.normal(0, 0.5, 25)[codes] + rng.normal(0, 1, codes.size)
    table = sm.stats.anova_lm(ols("y ~ C(g)", pd.DataFrame({"y": values, "g": codes})).fit())
    msb, msw = table["mean_sq"].iloc[0], table["mean_sq"].iloc[1]
    n0 = (codes.size - (sizes**2).sum() / codes.size) / (25 - 1)
    assert icc_anova(values, codes) == pytest.approx((msb - msw) / (msb + (n0 - 1) * msw))


def test_network_mean_interval_is_clustered_and_reports_icc_and_design_effect():
    bench = _benchmark()
    frame, _ = bench.simulate_scores(30, 4, 0.0, 0.15)
    table = network_dimension_means(frame[frame["wave"] == bench.WAVES[0]])
    row = table.iloc[0]
    naive_half = 1.96 * row["sd"] / np.sqrt(row["n"])
    assert (row["ci_high"] - row["ci_low"]) / 2 > 2 * naive_half
    assert row["design_effect"] == pytest.approx((row["se"] / (row["sd"] / np.sqrt(row["n"])))
                                                 ** 2)
    assert 0.1 < row["icc"] < 0.35  # the demo's level SD 0.25 and answer noise: ICC about 0.2
    assert row["n_providers"] == 30


def test_network_results_are_standardised_by_the_respondents_sd():
    # the size the "clear" rule checks: the change (or theme difference) over the SD of
    # respondents' scores pooled over the first and the latest wave, as Hedges' g standardises
    # a provider's change
    from strapetsi_lib.analysis.network_models import long_scores, mixed_models, theme_effects
    from strapetsi_lib.analysis.stats import pooled_sd

    spec = importlib.util.spec_from_file_location("coverage", ROOT / "benchmarks" / "coverage.py")
    coverage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(coverage)
    dataset = coverage.simulate_dataset(12, 4)
    scores = long_scores(dataset)
    models = mixed_models(dataset, scores).set_index("dimension")
    effects = theme_effects(dataset, scores).dropna(subset=["estimate"])
    first, latest = dataset.wave_ids[0], dataset.wave_ids[-1]
    for dim in dataset.instrument.dimension_codes:
        frame = scores[scores["dimension"] == dim]
        sd = pooled_sd(frame.loc[frame["wave"] == first, "score"],
                       frame.loc[frame["wave"] == latest, "score"])
        assert 0.3 < sd < 1.0
        assert models.loc[dim, "effect_size"] == pytest.approx(models.loc[dim, "estimate"] / sd)
        theme = effects[effects["dimension"] == dim]
        np.testing.assert_allclose(theme["effect_size"], theme["estimate"] / sd)
    assert len(effects)
