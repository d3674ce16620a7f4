"""Coverage of the theme difference-in-differences intervals, by simulation.

Draws many demo networks with different seeds, fits
:func:`strapetsi_lib.analysis.takehold.theme_effects`
on each and reports the two kinds of interval separately:

* the **95 % intervals** (``ci95_low``, ``ci95_high``; in the downloadable tables): how often each
  covers its planted effect (target 0.95), and how often a pair with nothing planted has
  p < 0.05;
* the **adjusted intervals** printed beside the verdicts (``ci_low``, ``ci_high``: the
  Benjamini–Yekutieli false-coverage-rate intervals at level ``ci_level``, 0.979-0.990 here):
  their coverage, which is higher than 0.95 by design, and the false coverage rate they
  guarantee: the share of the *certain* results (BH-adjusted p < 0.05) whose adjusted interval
  misses the planted effect, averaged over networks (target at most 0.05).

The networks come from the demo's own generative model (:func:`strapetsi_lib.ingest.demo.simulate`,
which :func:`~strapetsi_lib.ingest.demo.generate_demo` writes out), but are built in memory
instead of being written as CSV and Excel and read back, which is what makes hundreds of
replicates affordable; ``tests/test_takehold.py`` checks that the in-memory responses equal what
``load_dataset`` reads from ``generate_demo``'s files for the same seed.

Run from the project root (not part of CI; a small version runs in the tests)::

    nice .venv/bin/python benchmarks/coverage.py --replicates 200 --providers 81
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

from strapetsi_lib.analysis.stats import is_certain, wilson_interval  # noqa: E402
from strapetsi_lib.analysis.takehold import theme_effects  # noqa: E402
from strapetsi_lib.ingest import demo  # noqa: E402
from strapetsi_lib.ingest.dataset import Dataset, Wave  # noqa: E402
from strapetsi_lib.ingest.validation import validate_providers  # noqa: E402


def simulate_dataset(n_providers: int, seed: int) -> Dataset:
    """The demo network of ``generate_demo(out, n_providers, seed)``, built in memory.

    :func:`strapetsi_lib.ingest.demo.simulate` draws the same network as
    :func:`~strapetsi_lib.ingest.demo.generate_demo` (same model, same random streams); this
    returns it as the :class:`Dataset` that :func:`~strapetsi_lib.ingest.dataset.load_dataset`
    would read from its files: "don't know" and empty answers are NaN, reverse items as
    answered.
    """
    sim = demo.simulate(n_providers, seed)
    instrument, providers = sim.instrument, sim.providers
    frames = []
    for wave in sim.plan.wave_ids:
        answers = sim.answers[wave].copy()
        answers[answers == demo.DONT_KNOW_CODE] = np.nan  # both read as missing
        frame = sim.waves[wave]
        ids = pd.DataFrame({
            "respondent_id": frame["respondent_id"].astype(str).to_numpy(),
            "provider_id": providers["provider_id"].to_numpy()[frame["provider"]],
            "wave": wave,
            "role": np.array(instrument.role_codes)[frame["role"].to_numpy()],
        })
        frames.append(pd.concat(
            [ids, pd.DataFrame(answers, columns=instrument.item_codes)], axis=1))
    responses = pd.concat(frames, ignore_index=True)
    responses["wave"] = pd.Categorical(responses["wave"], categories=sim.plan.wave_ids,
                                       ordered=True)
    table, problems = validate_providers(providers.astype(str), "providers.csv", instrument)
    if problems:
        raise RuntimeError(f"simulated providers do not validate: {problems}")
    folder = Path(f"/simulated/seed-{seed}")
    return Dataset(folder, f"simulated-{seed}", instrument,
                   [Wave(w.id, dict(w.label), folder / w.responses) for w in sim.plan.waves],
                   demo.MIN_GROUP_SIZE, table, responses, folder / "providers.csv")


def planted_effects(instrument) -> pd.DataFrame:
    """Planted theme effects for every dimension × theme pair, as in ground_truth.json."""
    plan = demo.demo_plan(instrument.id)
    return pd.DataFrame([{"dimension": d, "theme": t, "effect": plan.theme_effect(d, t)}
                         for d in instrument.dimension_codes for t in instrument.theme_codes])


def run(replicates: int, n_providers: int, first_seed: int = 1,
        small_sample: bool = True) -> pd.DataFrame:
    """Fit :func:`theme_effects` on ``replicates`` simulated networks (seeds from ``first_seed``).

    Returns
    -------
    pandas.DataFrame
        One row per replicate, dimension and theme: the fit's columns plus ``seed``,
        ``effect`` (planted), ``covered`` (by the adjusted interval) and ``covered95`` (by the
        95 % interval), NaN where no interval could be computed.
    """
    results = []
    for seed in range(first_seed, first_seed + replicates):
        dataset = simulate_dataset(n_providers, seed)
        fit = theme_effects(dataset, small_sample=small_sample).merge(
            planted_effects(dataset.instrument), on=["dimension", "theme"])
        fit["seed"] = seed
        results.append(fit)
    out = pd.concat(results, ignore_index=True)
    for column, (low, high) in {"covered": ("ci_low", "ci_high"),
                                "covered95": ("ci95_low", "ci95_high")}.items():
        covered = (out[low] <= out["effect"]) & (out["effect"] <= out[high])
        out[column] = covered.astype(float).where(out[low].notna())
    return out


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Per planted pair: coverage of the 95 % and of the adjusted intervals, mean estimate,
    mean width of each interval and the share called certain (BH-adjusted p < 0.05)."""
    results = results.assign(width95=results["ci95_high"] - results["ci95_low"],
                             width=results["ci_high"] - results["ci_low"],
                             flagged=pd.Series(is_certain(results["p_adjusted"].to_numpy()),
                                               index=results.index).astype(float)
                             .where(results["p_adjusted"].notna()))
    return (results.groupby(["dimension", "theme", "effect"], sort=False)
            .agg(coverage95=("covered95", "mean"), coverage_adjusted=("covered", "mean"),
                 mean_estimate=("estimate", "mean"), width95=("width95", "mean"),
                 width_adjusted=("width", "mean"), certain=("flagged", "mean"),
                 fits=("covered", "count"))
            .reset_index())


def false_coverage_rate(results: pd.DataFrame) -> tuple[float, float]:
    """The adjusted intervals' false coverage rate: per network, the share of certain results
    whose adjusted interval misses the planted effect (0 when none is certain), averaged over
    the networks; and the Monte Carlo standard error of that average."""
    certain = is_certain(results["p_adjusted"].to_numpy())
    missed = certain & (results["covered"] == 0).to_numpy()
    per_network = pd.DataFrame({"seed": results["seed"], "certain": certain, "missed": missed}
                               ).groupby("seed")[["certain", "missed"]].sum()
    shares = per_network["missed"] / per_network["certain"].clip(lower=1)
    error = float(shares.std(ddof=1) / np.sqrt(len(shares))) if len(shares) > 1 else np.nan
    return float(shares.mean()), error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=100, help="networks to simulate")
    parser.add_argument("--providers", type=int, default=81, help="providers per network")
    parser.add_argument("--first-seed", type=int, default=1, help="seed of the first network")
    parser.add_argument("--cr1", action="store_true",
                        help="plain cluster-robust errors (statsmodels CR1) instead of CR2")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = run(args.replicates, args.providers, args.first_seed, not args.cr1)
    seconds = time.perf_counter() - start
    table = summarise(results)
    planted = table[table["effect"] != 0]
    null = results[results["effect"] == 0]
    fits = int(results["covered95"].count())
    low, high = wilson_interval(int(results["covered95"].sum()), fits)
    fcr, fcr_error = false_coverage_rate(results)
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(f"{args.replicates} networks of {args.providers} providers in {seconds:.0f} s "
              f"({'CR1' if args.cr1 else 'CR2'} standard errors)\n")
        print(planted.round(3).to_string(index=False))
        print(f"\nPairs with nothing planted ({len(table) - len(planted)} pairs): mean estimate "
              f"{null['estimate'].mean():+.4f}; p < 0.05 (unadjusted) "
              f"{(null['p_value'] < 0.05).mean():.3f}; certain (BH-adjusted p < 0.05) "
              f"{is_certain(null['p_adjusted'].to_numpy()).mean():.3f}")
        print(f"95 % intervals, all pairs: coverage {results['covered95'].mean():.3f} "
              f"(Wilson 95 % {low:.3f}-{high:.3f}; nominal 0.95; {fits} intervals)")
        print(f"Adjusted intervals, all pairs: level {results['ci_level'].min():.3f}-"
              f"{results['ci_level'].max():.3f}, coverage {results['covered'].mean():.3f}; "
              f"false coverage rate over the certain results {fcr:.3f} (Monte Carlo SE "
              f"{fcr_error:.3f}; at most 0.05 for exact tests)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
