"""One multiplicity rule: verdicts and the intervals printed beside them agree (issue 10.4).

"Clear" is a Benjamini–Hochberg adjusted p-value below ``CLEAR_ALPHA``; the interval printed
beside it is the Benjamini–Yekutieli (2005) false-coverage-rate interval of its family, at level
``1 - max(R, 1) * alpha / m``. Such an interval excludes 0 exactly when the result is clear.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from strapetsi_lib.analysis.stats import (
    CLEAR_ALPHA,
    bh_adjust,
    fcr_intervals,
    fcr_level,
    is_clear,
)


def excludes_zero(low, high) -> np.ndarray:
    return (np.asarray(low) > 0) | (np.asarray(high) < 0)


def test_fcr_level_is_one_minus_selected_times_alpha_over_m():
    # m = 6: BH adjusts to 0.006, 0.024, 0.4, ... so the first two are selected at 0.05
    p_adjusted = bh_adjust([0.001, 0.008, 0.2, 0.3, 0.5, 0.9])
    assert is_clear(p_adjusted).tolist() == [True, True, False, False, False, False]
    assert fcr_level(p_adjusted) == pytest.approx(1 - 2 * 0.05 / 6)
    # nothing selected: the level of a single selection, 1 - alpha / m
    assert fcr_level(bh_adjust([0.2, 0.4, np.nan])) == pytest.approx(1 - 0.05 / 2)
    assert np.isnan(fcr_level([np.nan]))


def test_clear_boundary_is_strict_and_nan_is_never_clear():
    assert is_clear(CLEAR_ALPHA - 1e-12) and not is_clear(CLEAR_ALPHA)
    assert not is_clear(float("nan"))


@pytest.mark.parametrize("seed", range(20))
def test_intervals_exclude_zero_exactly_when_clear(seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 30))
    estimate = rng.normal(0, 0.3, m)
    se = rng.uniform(0.05, 0.3, m)
    df = rng.choice([np.inf, 4.5, 12.0, 80.0], m)
    p = 2 * sps.t.sf(np.abs(estimate / se), df)
    p_adjusted = bh_adjust(p)
    low, high, level = fcr_intervals(estimate, se, df, p_adjusted)
    assert (excludes_zero(low, high) == is_clear(p_adjusted)).all()
    assert level <= 1 - CLEAR_ALPHA / m + 1e-12


def _agree(table: pd.DataFrame, family: str | None) -> None:
    shown = table.dropna(subset=["estimate", "p_adjusted"])
    assert len(shown)
    disagree = shown[excludes_zero(shown["ci_low"], shown["ci_high"])
                     != is_clear(shown["p_adjusted"].to_numpy())]
    assert disagree.empty, disagree
    levels = shown.groupby(family)["ci_level"].nunique() if family else shown["ci_level"]
    assert (levels.nunique() if not family else levels.max()) == 1


@pytest.mark.slow
def test_no_demo_verdict_contradicts_its_interval(prepared):
    _agree(prepared["dimension_change"], "provider_id")
    _agree(prepared["mixed_models"], None)
    _agree(prepared["theme_effects"], None)
    # the 95 % intervals are kept, and on the demo they disagree with some verdicts, which is
    # why they are not the ones printed beside a verdict
    change = prepared["dimension_change"].dropna(subset=["estimate"])
    unadjusted = excludes_zero(change["ci95_low"], change["ci95_high"])
    assert (unadjusted != is_clear(change["p_adjusted"].to_numpy())).any()


@pytest.mark.slow
def test_provider_change_table_verdicts_match_its_intervals(prepared):
    from strapetsi_lib.present import takehold_view
    from strapetsi_lib.present.i18n import text

    verdict_col = text("takehold_col_verdict", "fi")
    clear_word = text("takehold_verdict_clear", "fi")
    for provider_id in prepared["providers"]["provider_id"][:20]:
        table = takehold_view.change_table(prepared, provider_id, "fi")
        ci_col = next(c for c in table.columns if c.startswith("Korjattu luottamusväli"))
        for ci, verdict in zip(table[ci_col], table[verdict_col], strict=True):
            if not ci:
                continue
            low, high = _parse_interval(ci)
            assert (low > 0 or high < 0) == (verdict == clear_word), (provider_id, ci, verdict)


def _parse_interval(value: str) -> tuple[float, float]:
    """ "−0,22 … −0,04" or "0,1–0,3" back to numbers."""
    value = value.replace("\u2212", "-").replace(",", ".")
    parts = value.split("\u2026") if "\u2026" in value else value.split("\u2013")
    return float(parts[0].strip()), float(parts[1].strip())
