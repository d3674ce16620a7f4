"""Coverage of the network change interval, and how often a null change is called clear.

The network report's "change across the network" estimates how much a provider of a network
like this one changes on average (:func:`strapetsi_lib.analysis.network_models.mixed_models`: a
random wave slope per provider, a t-test on G - 1 degrees of freedom). This script simulates
networks on the demo's design (:mod:`strapetsi_lib.ingest.demo`: its provider sizes, roles, role
effects, provider levels, panel of returning respondents and answer noise), in which providers
change by different amounts (normal, SD ``--change-sd`` around a population mean change of 0),
fits the model with :func:`~strapetsi_lib.analysis.network_models.fit_network_change`, and
prints per number of providers:

* **coverage**: the share of 95 % intervals that cover the population mean change (target
  0.93-0.97), with a Wilson 95 % interval;
* **false certain**: the share of null changes whose test gives p < 0.05 (the same event as an
  interval missing 0, so it is 1 - coverage), and **false clear**: the share also at least
  ``MIN_CLEAR_EFFECT`` in size, which the reports would call clear;
* the same coverage with a normal test (what the model gave before its t-test) and, with
  ``--compare``, with the random-intercept-only model.

Only null networks are simulated: the REML fit is equivariant in the change (adding ``c`` to
every latest-wave score adds ``c`` to the estimate and leaves the standard error as it is,
``tests/test_network_change.py``), so the coverage of any other population mean change is the
coverage at 0.

Run from the project root (not part of CI; a small version runs in the tests)::

    nice .venv/bin/python benchmarks/network_change_coverage.py --replicates 1000 \
        --providers 15 40 81
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from strapetsi_lib.analysis.network_models import (  # noqa: E402
    dimension_sds,
    fit_network_change,
)
from strapetsi_lib.analysis.stats import MIN_CLEAR_EFFECT, wilson_interval  # noqa: E402
from strapetsi_lib.ingest import demo  # noqa: E402
from strapetsi_lib.ingest.instrument import DEFAULT_INSTRUMENT, load_instrument  # noqa: E402

INSTRUMENT = load_instrument(DEFAULT_INSTRUMENT)
PLAN = demo.demo_plan(DEFAULT_INSTRUMENT)
WAVES = PLAN.wave_ids
#: Items per dimension of the packaged instrument: a dimension score averages their noise.
ITEMS_PER_DIMENSION = 4
#: The coverage the benchmark must print (issue 26).
TARGET = (0.93, 0.97)


def simulate_scores(n_providers: int, seed: int, mean_change: float = 0.0,
                    change_sd: float = 0.15) -> tuple[pd.DataFrame, float]:
    """One dimension's long scores for a network on the demo's design, and the population
    mean change.

    Providers, their sizes at each wave, roles and returning respondents come from the demo's
    own generator (the random streams :func:`strapetsi_lib.ingest.demo.simulate` draws them
    from, through its ``_make_providers`` and ``_make_respondents``: a few small providers and
    sizes of about 20 to 1,400); levels differ with the demo's provider SD, roles with its plan's
    role effects, respondents with its respondent SD (kept by those who answer again), and
    answers with its item noise averaged over a dimension's items. Each provider's change is
    drawn around ``mean_change`` with SD ``change_sd``; ``mean_change`` is the population mean
    the interval is for.
    """
    rng_prov, rng_resp, rng_model = np.random.default_rng(seed).spawn(3)
    providers, small = demo._make_providers(rng_prov, n_providers, INSTRUMENT)
    waves, _ = demo._make_respondents(rng_resp, providers, small, PLAN)
    level = rng_model.normal(0.0, demo.SD["provider"], n_providers)
    change = rng_model.normal(mean_change, change_sd, n_providers)
    roles = np.array([role.role for role in PLAN.roles])
    role_effects = np.array([role.effect for role in PLAN.roles])
    noise_sd = demo.SD["item"] / np.sqrt(ITEMS_PER_DIMENSION)
    frames = []
    for w, wave in enumerate(WAVES):
        frame = waves[wave]
        provider = frame["provider"].to_numpy()
        score = (3.2 + level[provider] + role_effects[frame["role"].to_numpy()]
                 + w * change[provider] + frame["u"].to_numpy()
                 + rng_model.normal(0.0, noise_sd, len(frame)))
        frames.append(pd.DataFrame({
            "respondent_id": frame["respondent_id"].to_numpy(),
            "provider_id": providers["provider_id"].to_numpy()[provider], "wave": wave,
            "role": roles[frame["role"].to_numpy()], "dimension": "d",
            "score": score}))
    return pd.concat(frames, ignore_index=True), mean_change


def coverage(replicates: int, n_providers: int, change_sd: float = 0.15,
             random_slope: bool = True, seed: int = 0) -> dict[str, float]:
    """Coverage of the 95 % interval and false certain / clear rates over null networks.

    Returns
    -------
    dict
        ``fits`` (networks with an estimate), ``coverage``, ``coverage_low``,
        ``coverage_high`` (Wilson 95 %), ``false_certain``, ``false_clear`` and
        ``normal_coverage`` (the same fits with a normal instead of a t quantile).
    """
    from scipy import stats as sps

    covered = normal_covered = certain = clear = fits = 0
    z = sps.norm.ppf(0.975)
    for r in range(replicates):
        frame, truth = simulate_scores(n_providers, seed + r, 0.0, change_sd)
        fit = fit_network_change(frame, WAVES, random_slope)
        if fit.get("reason"):
            continue
        fits += 1
        covered += fit["ci_low"] <= truth <= fit["ci_high"]
        normal_covered += abs(fit["estimate"] - truth) <= z * fit["se"]
        if fit["p_value"] < 0.05:
            certain += 1
            clear += abs(fit["estimate"]) / dimension_sds(frame, WAVES)["d"] >= MIN_CLEAR_EFFECT
    low, high = wilson_interval(covered, fits) if fits else (np.nan, np.nan)
    share = (lambda k: k / fits) if fits else (lambda k: np.nan)
    return {"fits": fits, "coverage": share(covered), "coverage_low": low,
            "coverage_high": high, "false_certain": share(certain), "false_clear": share(clear),
            "normal_coverage": share(normal_covered)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--providers", type=int, nargs="+", default=[15, 40, 81])
    parser.add_argument("--change-sd", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare", action="store_true",
                        help="also run the random-intercept-only model")
    args = parser.parse_args(argv)
    models = [("random slope, t on G - 1 df (reported)", True)]
    if args.compare:
        models.append(("random intercept only", False))
    within = True
    for name, slope in models:
        print(f"{name}: networks on the demo's design, provider change SD {args.change_sd}, "
              f"{args.replicates} networks per size")
        rows = []
        for n in args.providers:
            start = time.perf_counter()
            result = coverage(args.replicates, n, args.change_sd, slope, args.seed)
            rows.append({"providers": n, **result,
                         "seconds": round(time.perf_counter() - start)})
            if slope:
                within &= TARGET[0] <= result["coverage"] <= TARGET[1]
        with pd.option_context("display.width", 140):
            print(pd.DataFrame(rows).round(3).to_string(index=False), "\n")
    print(f"Coverage of the reported interval {'within' if within else 'OUTSIDE'} "
          f"{TARGET[0]}-{TARGET[1]} at every size")
    return 0 if within else 1


if __name__ == "__main__":
    raise SystemExit(main())
