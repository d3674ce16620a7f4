"""Coverage of the network change interval when providers change by different amounts.

The network report's "change across the network" is the mean change of the providers
(:func:`strapetsi_lib.analysis.network_models.mixed_models`: a random wave slope per provider).
This script simulates networks whose providers change by different amounts (normal, SD 0.15
by default, around a true mean change) and counts how often the 95 % interval covers the true
mean change of the providers, and, with no mean change, how often the change is called clear
(p < 0.05): the coverage should be close to 95 % and the false-positive rate close to 5 %. The
random-intercept-only model is run beside it for comparison (``--compare``): it ignores the
provider-to-provider variation in change and is far too confident.

Run from the project root (not part of CI; a small version runs in the tests)::

    .venv/bin/python benchmarks/network_change_coverage.py --replicates 200 --providers 30
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

from strapetsi_lib.analysis.network_models import fit_network_change  # noqa: E402

WAVES = ["baseline", "followup"]


def simulate_scores(n_providers: int, seed: int, mean_change: float = 0.2,
                    change_sd: float = 0.15, level_sd: float = 0.3, noise_sd: float = 0.6,
                    min_respondents: int = 20, max_respondents: int = 120
                    ) -> tuple[pd.DataFrame, float]:
    """One dimension's long scores for a simulated network, and its true mean provider change.

    Providers differ in size (uniform ``min_respondents``..``max_respondents`` per wave), in
    level (SD ``level_sd``) and in change (SD ``change_sd`` around ``mean_change``); the
    target is the mean of *these* providers' true changes, which is what the report claims to
    estimate. Every respondent is a teacher and answers once (no linking between waves).
    """
    rng = np.random.default_rng(seed)
    level = rng.normal(0.0, level_sd, n_providers)
    change = rng.normal(mean_change, change_sd, n_providers)
    frames = []
    for w, wave in enumerate(WAVES):
        sizes = rng.integers(min_respondents, max_respondents + 1, n_providers)
        provider = np.repeat(np.arange(n_providers), sizes)
        score = 3.2 + level[provider] + w * change[provider] + rng.normal(0, noise_sd,
                                                                            provider.size)
        frames.append(pd.DataFrame({
            "respondent_id": [f"{wave}-{i}" for i in range(provider.size)],
            "provider_id": [f"P{p:03d}" for p in provider], "wave": wave,
            "role": "teacher", "dimension": "d", "score": score}))
    return pd.concat(frames, ignore_index=True), float(change.mean())


def coverage(replicates: int, n_providers: int, change_sd: float = 0.15,
             random_slope: bool = True, seed: int = 0, **sizes: int) -> dict[str, float]:
    """Coverage of the 95 % interval and false-positive rate over ``replicates`` networks.

    Each replicate is simulated twice from the same seed: once with a mean change of 0.2
    (coverage of the true mean provider change) and once with none (how often the change is
    called clear). ``sizes`` go to :func:`simulate_scores` (``min_respondents``,
    ``max_respondents``).
    """
    covered = false_positive = 0
    for r in range(replicates):
        frame, truth = simulate_scores(n_providers, seed + r, 0.2, change_sd, **sizes)
        fit = fit_network_change(frame, WAVES, random_slope)
        covered += fit["ci_low"] <= truth <= fit["ci_high"]
        null, _ = simulate_scores(n_providers, seed + r, 0.0, change_sd, **sizes)
        false_positive += fit_network_change(null, WAVES, random_slope)["p_value"] < 0.05
    return {"coverage": covered / replicates, "false_positive_rate": false_positive / replicates}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--providers", type=int, default=30)
    parser.add_argument("--change-sd", type=float, default=0.15)
    parser.add_argument("--compare", action="store_true",
                        help="also run the random-intercept-only model")
    args = parser.parse_args(argv)
    models = [("random slope (reported)", True)]
    if args.compare:
        models.append(("random intercept only", False))
    for name, slope in models:
        start = time.perf_counter()
        result = coverage(args.replicates, args.providers, args.change_sd, slope)
        print(f"{name}: {args.replicates} networks of {args.providers} providers, provider "
              f"change SD {args.change_sd}: coverage {result['coverage']:.3f}, false-positive "
              f"rate {result['false_positive_rate']:.3f} "
              f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
