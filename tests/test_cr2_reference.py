"""CR2 standard errors and Satterthwaite degrees of freedom against R's clubSandwich (issue 10.6).

The reference values were computed with clubSandwich 0.5.8 (R 4.2, Debian's r-cran-clubsandwich)
on the fixed dataset ``tests/data/cr2_reference.csv`` (10 clusters of 3 to 15 rows), by::

    d <- read.csv("tests/data/cr2_reference.csv")
    fit <- lm(y ~ x + later + later_treated + factor(cluster), data = d)
    V <- vcovCR(fit, cluster = d$cluster, type = "CR2")
    coef_test(fit, vcov = V, test = "Satterthwaite",
              coefs = c("x", "later", "later_treated"))

and are stored here as literals, so the test needs no R. The project computes the same model as
the theme difference-in-differences does: cluster fixed effects removed by demeaning within
cluster, then :func:`strapetsi_lib.analysis.network_models._cr2_satterthwaite`; the clustered
network mean is the intercept-only case (``lm(y ~ 1)``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from strapetsi_lib.analysis.network_models import _cr2_satterthwaite

DATA = Path(__file__).parent / "data" / "cr2_reference.csv"
COLUMNS = ["x", "later", "later_treated"]
# clubSandwich 0.5.8: coef_test(..., test = "Satterthwaite") columns beta, SE, df_Satt
REFERENCE = {
    "x": (0.20877314026604721, 0.16265423893465272, 6.0291989562647190),
    "later": (-0.21053603031237100, 0.36212345099281490, 3.9540179177093062),
    "later_treated": (1.35446843898544156, 0.43762002722957699, 6.0442130884406886),
}


@pytest.mark.parametrize("coefficient", COLUMNS)
def test_cr2_and_satterthwaite_df_equal_clubsandwich(coefficient):
    data = pd.read_csv(DATA)
    groups = pd.Categorical(data["cluster"]).codes
    table = data[["y", *COLUMNS]]
    within = (table - table.groupby(groups).transform("mean")).to_numpy()
    exog, outcome = within[:, 1:], within[:, 0]
    params = np.linalg.solve(exog.T @ exog, exog.T @ outcome)
    j = COLUMNS.index(coefficient)
    se, df = _cr2_satterthwaite(exog, outcome - exog @ params, groups, [j])
    beta_ref, se_ref, df_ref = REFERENCE[coefficient]
    assert params[j] == pytest.approx(beta_ref, abs=1e-6)
    assert se[0] == pytest.approx(se_ref, abs=1e-6)
    assert df[0] == pytest.approx(df_ref, abs=1e-6)


def test_clustered_network_mean_equals_clubsandwich_intercept_only():
    # clubSandwich 0.5.8: coef_test(lm(y ~ 1, d), vcov = "CR2", cluster = d$cluster,
    #                               test = "Satterthwaite")
    from strapetsi_lib.analysis.baseline import clustered_mean

    data = pd.read_csv(DATA)
    result = clustered_mean(data["y"].to_numpy(dtype=float), data["cluster"].to_numpy())
    assert data["y"].mean() == pytest.approx(0.66675753424657513, abs=1e-9)
    assert result["se"] == pytest.approx(0.25855810739761076, abs=1e-6)
    assert result["df"] == pytest.approx(7.0504408517089923, abs=1e-6)
    assert result["n_providers"] == 10
