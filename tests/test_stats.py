"""Tests for strapetsi_lib.analysis.stats against published reference outputs.

Expected numbers are copied from the cited sources (R, pingouin, R packages, textbooks), never
computed with this package. Independent implementations (scipy, statsmodels) are used only as
a second check over inputs no source printed.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from strapetsi_lib.analysis.stats import (
    MeanCI,
    bh_adjust,
    change_test,
    cronbach_alpha,
    grouped_mean_ci,
    hedges_g,
    mean_ci,
    percentile_rank,
    percentile_ranks,
    quartile_of,
    quartiles_of,
    standardised_difference,
    wilson_interval,
)

# Student's sleep data, R `datasets::sleep` (https://rdrr.io/r/datasets/sleep.html): extra hours
# of sleep of the same 10 patients under drug 1 (group 1) and drug 2 (group 2). The differences
# group 2 - group 1 match robustbase's `cushny` vector 0 0.8 1 1.2 1.3 1.3 1.4 1.8 2.4 4.6.
SLEEP_G1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_G2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


# --------------------------------------------------------------------------- cronbach_alpha

# pingouin dataset `cronbach_alpha` (pingouin/datasets/cronbach_alpha.csv, long format pivoted
# here to wide: 15 subjects x 10 items).
PINGOUIN_CRONBACH = pd.DataFrame({
    "Q1": [3, 5, 7, 2, 6, 1, 4, 2, 6, 5, 4, 4, 5, 6, 4],
    "Q2": [2, 4, 3, 4, 5, 2, 3, 4, 5, 4, 3, 2, 5, 5, 3],
    "Q3": [4, 6, 5, 3, 6, 3, 5, 4, 5, 6, 5, 3, 6, 5, 5],
    "Q4": [1, 3, 5, 3, 5, 4, 3, 3, 5, 4, 2, 2, 2, 4, 5],
    "Q5": [4, 5, 6, 2, 4, 2, 5, 7, 1, 3, 5, 5, 3, 2, 3],
    "Q6": [5, 1, 4, 2, 4, 5, 2, 2, 6, 5, 3, 3, 3, 2, 1],
    "Q7": [1, 2, 3, 2, 4, 2, 1, 2, 5, 3, 2, 4, 2, 1, 3],
    "Q8": [4, 5, 3, 6, 6, 3, 2, 4, 2, 1, 3, 2, 4, 4, 2],
    "Q9": [3, 5, 6, 6, 7, 5, 4, 6, 3, 7, 4, 3, 4, 6, 3],
    "Q10": [2, 5, 5, 3, 5, 2, 3, 5, 2, 2, 1, 4, 5, 5, 4],
}, dtype=float)


def test_cronbach_alpha_matches_pingouin_docstring():
    # pingouin.cronbach_alpha docstring (pingouin/reliability.py, "Likert-type long-format
    # dataframe"): pg.cronbach_alpha(data=..., items='Items', scores='Scores', subject='Subj')
    # -> (0.591719, array([0.195, 0.84 ])); tested there against R psych::alpha.
    assert round(cronbach_alpha(PINGOUIN_CRONBACH), 6) == 0.591719


def test_cronbach_alpha_listwise_deletion_drops_incomplete_rows():
    with_gaps = pd.concat([
        PINGOUIN_CRONBACH,
        pd.DataFrame([[np.nan] + [5.0] * 9, [1.0] * 9 + [np.nan]],
                     columns=PINGOUIN_CRONBACH.columns),
    ], ignore_index=True)
    assert cronbach_alpha(with_gaps) == pytest.approx(cronbach_alpha(PINGOUIN_CRONBACH), abs=1e-12)


def test_cronbach_alpha_edge_cases():
    assert math.isnan(cronbach_alpha(PINGOUIN_CRONBACH[["Q1"]]))           # one item
    assert math.isnan(cronbach_alpha(PINGOUIN_CRONBACH.iloc[:1]))          # one row
    sparse = PINGOUIN_CRONBACH.iloc[:3].copy()
    sparse.iloc[0, 0] = sparse.iloc[1, 1] = np.nan                        # one complete row
    assert math.isnan(cronbach_alpha(sparse))
    constant = pd.DataFrame({"a": [3.0, 3.0, 3.0], "b": [3.0, 3.0, 3.0]})  # no variation
    assert math.isnan(cronbach_alpha(constant))


# --------------------------------------------------------------------------- hedges_g


def test_hedges_g_matches_pingouin_test_against_r_effsize():
    # pingouin/tests/test_effsize.py: "Compare with the effsize R package";
    # compute_effsize(a, b, eftype='hedges') == 0.9254296 (Cohen d 1.002549).
    a = [3.2, 6.4, 1.8, 2.4, 5.8, 6.5]
    b = [2.4, 3.2, 3.2, 1.4, 2.8, 3.5]
    assert hedges_g(a, b) == pytest.approx(0.9254296, abs=1e-7)
    assert hedges_g(b, a) == pytest.approx(-0.9254296, abs=1e-7)


def test_hedges_g_equal_n_matches_pingouin_paired_example():
    # pingouin.compute_effsize docstring, example 2 "Hedges g from two paired samples"
    # (https://pingouin-stats.org/generated/pingouin.compute_effsize.html):
    # -> -0.8222477210374874. With equal n the pooled SD is pingouin's d_avg denominator.
    x = [1, 2, 3, 4, 5, 6, 7]
    y = [1, 3, 5, 7, 9, 11, 13]
    assert hedges_g(x, y) == pytest.approx(-0.8222477210374874, rel=1e-12)


def test_hedges_g_drops_nan_and_handles_degenerate_samples():
    a = [3.2, 6.4, 1.8, np.nan, 2.4, 5.8, 6.5]
    b = [np.nan, 2.4, 3.2, 3.2, 1.4, 2.8, 3.5]
    assert hedges_g(a, b) == pytest.approx(0.9254296, abs=1e-7)
    assert math.isnan(hedges_g([1.0], [1.0, 2.0, 3.0]))       # n = 1
    assert math.isnan(hedges_g([], [1.0, 2.0]))
    assert math.isnan(hedges_g([2.0, 2.0], [2.0, 2.0, 2.0]))  # all equal: no SD to scale by


# --------------------------------------------------------------------------- bh_adjust


def test_bh_adjust_matches_r_multtest_values_in_statsmodels_tests():
    # statsmodels/stats/tests/test_multi.py: pval0 and res_multtest1 from R multtest
    # mt.rawp2adjp, column 'BH' (same procedure as p.adjust "BH"). Rows are sorted by raw p.
    raw_sorted = [5.23656777208e-05, 2.8140506198e-04, 1.49877310796e-02, 2.02732688798e-02,
                  1.77096952723e-01, 6.42193923795e-01, 6.80845947633e-01, 7.1626938238e-01,
                  8.38541367553e-01, 9.67833824309e-01]
    bh_sorted = [5.2365677720800005e-04, 1.4070253098999999e-03, 4.9959103598666670e-02,
                 5.0683172199499998e-02, 3.5419390544599999e-01, 8.9533672797500008e-01,
                 8.9533672797500008e-01, 8.9533672797500008e-01, 9.3171263061444454e-01,
                 9.6783382430900000e-01]
    np.testing.assert_allclose(bh_adjust(raw_sorted), bh_sorted, rtol=1e-12)
    # Same p-values in their original (unsorted) order: the result keeps the input order.
    pval0 = [0.838541367553, 0.642193923795, 0.680845947633, 0.967833824309, 0.71626938238,
             0.177096952723, 5.23656777208e-005, 0.0202732688798, 0.00028140506198,
             0.0149877310796]
    expected = dict(zip(raw_sorted, bh_sorted, strict=True))
    np.testing.assert_allclose(bh_adjust(pval0), [expected[p] for p in pval0], rtol=1e-12)


def test_bh_adjust_matches_r_multtest_res_multtest3():
    # statsmodels/stats/tests/test_multi.py res_multtest3: raw p column and BH column.
    raw = [0.001, 0.002, 0.003, 0.004, 0.005, 0.05, 0.06, 0.07, 0.08, 0.09]
    bh = [0.01, 0.01, 0.01, 0.01, 0.01, 0.08333333333333334, 0.0857142857142857, 0.0875,
          0.0888888888888889, 0.09]
    np.testing.assert_allclose(bh_adjust(raw), bh, rtol=1e-12)


def test_bh_adjust_matches_c212_documented_output():
    # R package c212, ?c212.BH.adjust.pvals example output (Mehrotra & Heyse 2004 data),
    # https://rdrr.io/cran/c212/man/c212BH.adjust.pvals.html (first eight rows printed there).
    p = [0.135005, 0.010000, 0.001000, 0.005000, 0.153501, 0.020000, 0.0013, 0.0023, 0.011,
         0.023000, 0.016, 0.0109, 0.559111, 0.751986, 0.308339, 0.837154, 0.325882]
    printed = {0.001: 0.01105000, 0.0013: 0.01105000, 0.0023: 0.01303333, 0.005: 0.02125000,
               0.01: 0.02671429, 0.0109: 0.02671429, 0.011: 0.02671429, 0.016: 0.03400000}
    adjusted = dict(zip(p, bh_adjust(p), strict=True))
    for raw, value in printed.items():
        assert adjusted[raw] == pytest.approx(value, abs=5e-9)


def test_bh_adjust_matches_stdlib_padjust_examples():
    # stdlib-js @stdlib/stats/padjust docs (https://stdlib.io/docs/api/latest/@stdlib/stats/padjust),
    # a port of R's p.adjust: 'bh' examples.
    np.testing.assert_allclose(bh_adjust([0.008, 0.03, 0.123, 0.6, 0.2]),
                               [0.04, 0.075, 0.205, 0.6, 0.25], rtol=1e-12)
    np.testing.assert_allclose(bh_adjust([0.319, 0.201, 0.4, 0.374, 0.113]), [0.4] * 5,
                               rtol=1e-12)


def test_bh_adjust_passes_nan_through_and_does_not_count_it():
    # R p.adjust source (src/library/stats/R/p.adjust.R): `p <- p[nna]` runs before the lazy
    # default `n = length(p)` is evaluated, so NAs are neither adjusted nor counted.
    with_nan = bh_adjust([np.nan, 0.008, 0.03, np.nan, 0.123, 0.6, 0.2])
    assert np.isnan(with_nan[[0, 3]]).all()
    np.testing.assert_allclose(with_nan[[1, 2, 4, 5, 6]], [0.04, 0.075, 0.205, 0.6, 0.25],
                               rtol=1e-12)


def test_bh_adjust_edge_cases():
    assert bh_adjust([]).shape == (0,)
    np.testing.assert_array_equal(bh_adjust([0.03]), [0.03])          # R: n <= 1 returns p
    assert np.isnan(bh_adjust([np.nan, np.nan])).all()
    np.testing.assert_allclose(bh_adjust([0.01, 0.01]), [0.01, 0.01])  # ties share a value
    with pytest.raises(ValueError):
        bh_adjust([0.2, 1.5])


def test_bh_adjust_agrees_with_statsmodels_on_random_input():
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(7).uniform(size=200) ** 3
    np.testing.assert_allclose(bh_adjust(p), multipletests(p, method="fdr_bh")[1], rtol=1e-12)


# --------------------------------------------------------------------------- mean_ci


def test_mean_ci_matches_r_t_test_on_sleep_differences():
    # R ?sleep example, paired t.test of group 1 vs group 2: mean of the differences -1.58,
    # 95 percent CI -2.4598858 -0.7001142 (R For Dummies, "How to compare paired data with R").
    # A paired test is a one-sample t on the differences, here taken as group 2 - group 1.
    diff = np.subtract(SLEEP_G2, SLEEP_G1)
    res = mean_ci(diff)
    assert isinstance(res, MeanCI)
    assert res.mean == pytest.approx(1.58, abs=1e-12)
    assert res.ci_low == pytest.approx(0.7001142, abs=5e-8)
    assert res.ci_high == pytest.approx(2.4598858, abs=5e-8)
    assert res.n == 10


def test_mean_ci_matches_r_t_test_90_percent():
    # r-help, Uwe Ligges (22 Nov 2000), t.test(miTest.data, mu=0.5, conf.level=0.90) on 1:10
    # (mean 5.5, df 9): 90 percent confidence interval 3.744928 7.255072.
    res = mean_ci(np.arange(1, 11), level=0.90)
    assert res.ci_low == pytest.approx(3.744928, abs=5e-7)
    assert res.ci_high == pytest.approx(7.255072, abs=5e-7)
    assert res.sd == pytest.approx(np.std(np.arange(1, 11), ddof=1))


def test_mean_ci_edge_cases():
    empty = mean_ci([np.nan])
    assert empty.n == 0 and all(math.isnan(v) for v in (empty.mean, empty.ci_low, empty.sd))
    one = mean_ci([4.0, np.nan])
    assert one.n == 1 and one.mean == 4.0
    assert math.isnan(one.ci_low) and math.isnan(one.ci_high) and math.isnan(one.sd)
    # every value alike: a mean, no interval ("3,5–3,5" would claim an unmeasured precision)
    flat = mean_ci([3.5, 3.5, 3.5])
    assert (flat.mean, flat.sd) == (3.5, 0.0)
    assert math.isnan(flat.ci_low) and math.isnan(flat.ci_high)
    grouped = grouped_mean_ci(pd.DataFrame({"g": ["a"] * 3 + ["b"] * 2,
                                            "v": [3.5, 3.5, 3.5, 3.0, 4.0]}), ["g"], "v")
    assert grouped["ci_low"].isna().tolist() == [True, False]
    with pytest.raises(ValueError):
        mean_ci([1.0, 2.0], level=95)


# --------------------------------------------------------------------------- grouped_mean_ci


def test_grouped_mean_ci_matches_per_group_results():
    frame = pd.DataFrame({
        "provider_id": ["p1"] * 10 + ["p2"] * 10 + ["p3", "p3"] + ["p4"],
        "wave": pd.Categorical(["baseline"] * 23, categories=["baseline", "followup"],
                               ordered=True),
        "score": [*np.subtract(SLEEP_G2, SLEEP_G1), *np.arange(1.0, 11.0), 2.0, np.nan, 5.0],
    })
    out = grouped_mean_ci(frame, by=["provider_id", "wave"], value="score")
    assert list(out.columns) == ["provider_id", "wave", "n", "mean", "sd", "se", "ci_low",
                                 "ci_high"]
    # Only observed category combinations: no 'followup' rows.
    assert list(out["provider_id"]) == ["p1", "p2", "p3", "p4"]
    assert (out["wave"] == "baseline").all()
    p1 = out.iloc[0]
    # Same R reference as test_mean_ci_matches_r_t_test_on_sleep_differences.
    assert p1["mean"] == pytest.approx(1.58)
    assert p1["ci_low"] == pytest.approx(0.7001142, abs=5e-8)
    assert p1["ci_high"] == pytest.approx(2.4598858, abs=5e-8)
    assert out["n"].tolist() == [10, 10, 1, 1]
    p2 = out.iloc[1]
    ref = mean_ci(np.arange(1.0, 11.0))
    assert (p2["mean"], p2["ci_low"], p2["ci_high"]) == pytest.approx(
        (ref.mean, ref.ci_low, ref.ci_high))
    assert p2["se"] == pytest.approx(ref.sd / math.sqrt(10))
    # A group with one value has a mean but no interval.
    p3 = out.iloc[2]
    assert p3["mean"] == 2.0 and math.isnan(p3["sd"]) and math.isnan(p3["ci_low"])


# --------------------------------------------------------------------------- wilson_interval


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # Newcombe RG (1998) Two-sided confidence intervals for the single proportion: comparison
    # of seven methods. Stat Med 17:857-872, Table II, method 3 (score, no continuity
    # correction), printed to 4 decimals.
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_interval_matches_newcombe_1998(k, n, low, high):
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)


def test_wilson_interval_matches_r_binom_vectorised():
    # R binom::binom.confint(..., tol = 1e-8), method "wilson" (last column), as stored in
    # statsmodels/stats/tests/results/results_proportion.py (res_binom).
    low, high = wilson_interval(np.array([18, 4, 4]), np.array([20, 20, 200]))
    np.testing.assert_allclose(low, [0.6989663547715128, 0.0806576625797981,
                                     0.00780442641634947], rtol=1e-10)
    np.testing.assert_allclose(high, [0.972133518786232, 0.4160174322518935,
                                      0.05028708690582643], rtol=1e-10)


def test_wilson_interval_agrees_with_statsmodels_and_handles_edges():
    k = np.array([0, 1, 5, 19, 38, 50])
    n = np.array([77, 3, 10, 38, 38, 60])
    for level in (0.9, 0.95, 0.99):
        low, high = wilson_interval(k, n, level=level)
        ref_low, ref_high = proportion_confint(k, n, alpha=1 - level, method="wilson")
        np.testing.assert_allclose(low, ref_low, atol=1e-12)
        np.testing.assert_allclose(high, ref_high, atol=1e-12)
    low, high = wilson_interval([3, 0], [5, 0])
    assert not np.isnan(low[0]) and np.isnan(low[1]) and np.isnan(high[1])  # n = 0 -> NaN
    lo, hi = wilson_interval(0, 0)
    assert math.isnan(lo) and math.isnan(hi)
    lo, hi = wilson_interval(38, 38)
    assert 0 <= lo <= hi == 1.0
    assert wilson_interval(0, 77)[0] == 0.0
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


# --------------------------------------------------------------------------- ranks


def test_percentile_rank_counts_half_of_ties():
    # Hand-computed: below 3 are {1, 2} (2 of 4), one tie -> (2 + 0.5) / 4 = 62.5 %.
    assert percentile_rank(3, [1, 2, 3, 4]) == 62.5
    # below 2: {1}; ties: two -> (1 + 1) / 4 = 50 %.
    assert percentile_rank(2, [1, 2, 2, 4]) == 50.0
    assert percentile_rank(0, [1, 2]) == 0.0
    assert percentile_rank(9, [1, 2]) == 100.0
    assert percentile_rank(2, [1, np.nan, 3]) == 50.0   # NaN ignored
    assert math.isnan(percentile_rank(np.nan, [1, 2]))
    assert math.isnan(percentile_rank(1.0, []))


def test_percentile_ranks_agree_with_scipy_mean_kind():
    values = np.round(np.random.default_rng(3).normal(3, 1, size=81), 1)  # rounding makes ties
    ranks = percentile_ranks(values)
    expected = [sps.percentileofscore(values, v, kind="mean") for v in values]
    np.testing.assert_allclose(ranks, expected, rtol=1e-12)
    np.testing.assert_allclose(ranks, [percentile_rank(v, values) for v in values], rtol=1e-12)
    with_nan = percentile_ranks([1.0, np.nan, 3.0])
    assert np.isnan(with_nan[1])
    np.testing.assert_allclose(with_nan[[0, 2]], [25.0, 75.0])


def test_quartiles():
    assert [quartile_of(p) for p in (0, 24.9, 25, 49.99, 50, 74.9, 75, 100)] == \
        [1, 1, 2, 2, 3, 3, 4, 4]
    with pytest.raises(ValueError):
        quartile_of(np.nan)
    with pytest.raises(ValueError):
        quartile_of(101)
    q = quartiles_of([12.5, 37.5, np.nan, 62.5, 100.0])
    assert q.dtype == "Int64"
    assert q.tolist() == [1, 2, pd.NA, 3, 4]


# --------------------------------------------------------------------------- change_test


def test_change_test_paired_matches_r_sleep_example():
    # R: t.test(extra ~ group, data = sleep, paired = TRUE) (group 1 - group 2), printed in
    # R For Dummies, "How to compare paired data with R" (dummies.com):
    # t = -4.0621, df = 9, p-value = 0.002833, 95 percent CI -2.4598858 -0.7001142,
    # mean of the differences -1.58. Here after = group 1, before = group 2.
    res = change_test(before=SLEEP_G2, after=SLEEP_G1, paired=True)
    assert res["test"] == "paired t"
    assert res["estimate"] == pytest.approx(-1.58, abs=1e-12)
    assert res["ci_low"] == pytest.approx(-2.4598858, abs=5e-8)
    assert res["ci_high"] == pytest.approx(-0.7001142, abs=5e-8)
    assert res["p_value"] == pytest.approx(0.002833, abs=5e-7)
    assert res["n_before"] == res["n_after"] == 10
    assert res["hedges_g"] == pytest.approx(hedges_g(SLEEP_G1, SLEEP_G2))


def test_change_test_welch_matches_r_sleep_example():
    # R: t.test(extra ~ group, data = sleep) (Welch, group 1 - group 2), the output of the
    # formula example in R's ?t.test as quoted in the project brief:
    # t = -1.8608, df = 17.776, p-value = 0.07939, 95 percent CI -3.3654832 0.2054832.
    res = change_test(before=SLEEP_G2, after=SLEEP_G1, paired=False)
    assert res["test"] == "Welch t"
    assert res["estimate"] == pytest.approx(0.75 - 2.33, abs=1e-12)  # R: means 0.75, 2.33
    assert res["ci_low"] == pytest.approx(-3.3654832, abs=5e-8)
    assert res["ci_high"] == pytest.approx(0.2054832, abs=5e-8)
    assert res["p_value"] == pytest.approx(0.07939, abs=5e-6)


def test_change_test_welch_matches_r_t_test_doc_example():
    # R ?t.test example t.test(1:10, y = c(7:20, 200)): t = -1.6329, df = 14.165,
    # p-value = 0.1245, 95 percent CI -47.242900 6.376233, means 5.50000 25.93333.
    res = change_test(before=[*range(7, 21), 200], after=range(1, 11), paired=False)
    assert res["ci_low"] == pytest.approx(-47.242900, abs=5e-7)
    assert res["ci_high"] == pytest.approx(6.376233, abs=5e-7)
    assert res["p_value"] == pytest.approx(0.1245, abs=5e-5)
    assert (res["n_before"], res["n_after"]) == (15, 10)


def test_change_test_welch_matches_r_booklet_example():
    # "Perform Welch's t-test in R", https://stats.arabpsychology.com/st/perform-welchs-t-test-in-r/
    # t.test(booklet, no_booklet):
    # t = 2.2361, df = 14.354, p-value = 0.04171, 95 percent CI 0.3048395 13.8618272.
    booklet = [90, 85, 88, 89, 94, 91, 79, 83, 87, 88, 91, 90]
    no_booklet = [67, 90, 71, 95, 88, 83, 72, 66, 75, 86, 93, 84]
    res = change_test(before=no_booklet, after=booklet, paired=False)
    assert res["ci_low"] == pytest.approx(0.3048395, abs=5e-8)
    assert res["ci_high"] == pytest.approx(13.8618272, abs=5e-8)
    assert res["p_value"] == pytest.approx(0.04171, abs=5e-6)


def test_change_test_welch_matches_r_output_in_cross_validated_answer():
    # R output quoted in a Cross Validated answer on Welch CIs (mirrored at boxhoidap.com,
    # "welchs t-test confidence interval python"): t.test(ts1, ts2):
    # t = -1.8325, df = 17.9, p-value = 0.08356, 95 percent CI -2.1469104 0.1469104.
    ts1 = [11, 9, 10, 11, 10, 12, 9, 11, 12, 9]
    ts2 = [11, 13, 10, 13, 12, 9, 11, 12, 12, 11]
    res = change_test(before=ts2, after=ts1, paired=False)
    assert res["estimate"] == pytest.approx(-1.0)
    assert res["ci_low"] == pytest.approx(-2.1469104, abs=5e-8)
    assert res["ci_high"] == pytest.approx(0.1469104, abs=5e-8)
    assert res["p_value"] == pytest.approx(0.08356, abs=5e-6)


@pytest.mark.parametrize("paired", [True, False])
def test_change_test_agrees_with_scipy(paired):
    rng = np.random.default_rng(11)
    before = rng.normal(3.2, 0.7, size=40)
    after = before + rng.normal(0.2, 0.5, size=40) if paired else rng.normal(3.5, 0.9, size=31)
    res = change_test(before, after, paired=paired, level=0.9)
    ref = sps.ttest_rel(after, before) if paired else sps.ttest_ind(after, before,
                                                                    equal_var=False)
    ci = ref.confidence_interval(confidence_level=0.9)
    assert res["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)


def test_change_test_paired_drops_incomplete_pairs():
    before = [*SLEEP_G2, np.nan, 1.0]
    after = [*SLEEP_G1, 2.0, np.nan]
    res = change_test(before, after, paired=True)
    assert res["n_before"] == res["n_after"] == 10
    assert res["ci_low"] == pytest.approx(-2.4598858, abs=5e-8)
    with pytest.raises(ValueError):
        change_test([1.0, 2.0], [1.0], paired=True)


def test_change_test_edge_cases():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # edge cases must not emit numpy/scipy warnings
        one = change_test([3.0], [4.0, 5.0], paired=False)
        assert one["estimate"] == 1.5 and math.isnan(one["ci_low"]) and math.isnan(one["p_value"])
        assert math.isnan(one["hedges_g"])
        none = change_test([], [4.0, 5.0], paired=False)
        assert math.isnan(none["estimate"]) and none["n_before"] == 0
        # no variation: an estimate, but nothing tested and no interval ("0,00 (0,00–0,00)")
        flat = change_test([3.0, 3.0, 3.0], [3.0, 3.0], paired=False)
        assert flat["estimate"] == 0.0 and flat["se"] == 0.0
        assert math.isnan(flat["ci_low"]) and math.isnan(flat["ci_high"])
        assert math.isnan(flat["p_value"]) and math.isnan(flat["hedges_g"])
        shift = change_test([3.0, 3.0], [4.0, 4.0], paired=True)
        assert shift["estimate"] == 1.0
        assert math.isnan(shift["ci_low"]) and math.isnan(shift["p_value"])
        single_pair = change_test([3.0], [4.0], paired=True)
        assert single_pair["estimate"] == 1.0 and math.isnan(single_pair["ci_high"])


# ---------------------------------------------------------------- standardised_difference


def test_standardised_difference():
    assert standardised_difference(3.5, 3.0, 0.5) == pytest.approx(1.0)
    assert math.isnan(standardised_difference(3.5, 3.0, 0.0))
    out = standardised_difference(np.array([2.0, 4.0, 3.0]), 3.0, np.array([0.5, 2.0, np.nan]))
    np.testing.assert_allclose(out, [-2.0, 0.5, np.nan])
    series = standardised_difference(pd.Series([4.0, 2.0], index=["a", "b"]),
                                     pd.Series([3.0, 3.0], index=["a", "b"]),
                                     pd.Series([1.0, 0.0], index=["a", "b"]))
    assert isinstance(series, pd.Series)
    assert series["a"] == 1.0 and math.isnan(series["b"])
