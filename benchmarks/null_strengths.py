"""How often a provider that does not differ from the network gets a strength or an area to develop.

A *null provider* is n respondents drawn at random, without replacement, from the answers of
the whole network at one wave: by construction its true item means are the network's. The
respondents drawn are relabelled as the null provider within the network's own answers, so the
network means and SDs it is compared with stay exactly those of the data. The strengths rule of
the reports (:func:`strapetsi_lib.analysis.baseline.item_comparison`, i.e.
:func:`~strapetsi_lib.analysis.baseline.classify_difference`) is applied to all of its items, and
the script prints, per n, the share of null providers that get *any* strength or area to develop
(target: at most 0.05), with a Wilson 95 % interval. Beside it: the share with any statistically
certain difference (clear or certain but small), and the share the former rule would have flagged
(a 95 % interval excluding 0 and a standardised difference of at least 0.2, no multiplicity
control), for comparison.

Several null providers are drawn at once from disjoint respondents (at most 40, and at most half
of the wave's respondents in all), so the network is analysed once per draw.

Run from the project root (not part of CI; a small version runs in tests/test_comparisons.py)::

    nice .venv/bin/python benchmarks/null_strengths.py data/demo --null-providers 2000
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

from strapetsi_lib.analysis.baseline import NO_CLEAR_DIFFERENCE, item_comparison  # noqa: E402
from strapetsi_lib.analysis.stats import (  # noqa: E402
    CERTAIN_BUT_SMALL,
    CLEAR,
    MIN_CLEAR_EFFECT,
    wilson_interval,
)
from strapetsi_lib.ingest.dataset import load_dataset  # noqa: E402

SIZES = (10, 20, 30, 60, 120, 300)
#: The target of issue 26: the share of null providers with any strength or area.
TARGET = 0.05
NULL_PREFIX = "null-provider-"


def null_comparisons(responses: pd.DataFrame, instrument, n: int, count: int,
                     rng: np.random.Generator, min_group_size: int) -> pd.DataFrame:
    """The item comparisons of ``count`` null providers of ``n`` respondents each.

    ``responses`` are one wave's answers of the whole network; the drawn respondents are
    relabelled (so the network's own statistics do not change) and the rows of the null
    providers are returned.
    """
    if count * n > len(responses):
        raise ValueError(f"{count} null providers of {n} need more than {len(responses)} "
                         "respondents")
    drawn = rng.permutation(len(responses))[: count * n]
    relabelled = responses.copy()
    ids = relabelled["provider_id"].astype(object).to_numpy(copy=True)
    ids[drawn] = np.repeat([f"{NULL_PREFIX}{j}" for j in range(count)], n)
    relabelled["provider_id"] = ids
    table = item_comparison(relabelled, instrument, instrument.scale_item_codes, min_group_size)
    return table[table["provider_id"].astype(str).str.startswith(NULL_PREFIX)]


def flag_rates(dataset, wave: str, sizes: tuple[int, ...], null_providers: int,
               seed: int = 0) -> pd.DataFrame:
    """Per size, the share of null providers with any strength or area (and the comparisons).

    Returns
    -------
    pandas.DataFrame
        ``n``, ``null_providers``, ``any_flagged`` (any strength or area: the reports' rule),
        ``flagged_low``/``flagged_high`` (Wilson 95 %), ``any_certain`` (any statistically
        certain difference) and ``former_rule`` (any item with a 95 % interval excluding 0 and
        a standardised difference of at least 0.2).
    """
    rng = np.random.default_rng(seed)
    responses = dataset.responses
    responses = responses[responses["wave"].astype(str) == wave].reset_index(drop=True)
    rows = []
    for n in sizes:
        per_draw = max(1, min(40, len(responses) // (2 * n)))
        flagged = certain = former = drawn = 0
        while drawn < null_providers:
            count = min(per_draw, null_providers - drawn)
            table = null_comparisons(responses, dataset.instrument, n, count, rng,
                                     dataset.min_group_size)
            by_provider = table.groupby("provider_id", observed=True)
            flagged += int(by_provider["comparison"]
                           .agg(lambda c: (c != NO_CLEAR_DIFFERENCE).any()).sum())
            certain += int(by_provider["verdict"]
                           .agg(lambda v: v.isin([CLEAR, CERTAIN_BUT_SMALL]).any()).sum())
            unadjusted = ((table["ci95_low"] > 0) | (table["ci95_high"] < 0)) & (
                table["std_diff"].abs() >= MIN_CLEAR_EFFECT)
            former += int(unadjusted.groupby(table["provider_id"], observed=True).any().sum())
            drawn += count
        low, high = wilson_interval(flagged, drawn)
        rows.append({"n": n, "null_providers": drawn, "any_flagged": flagged / drawn,
                     "flagged_low": low, "flagged_high": high,
                     "any_certain": certain / drawn, "former_rule": former / drawn})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", default="data/demo",
                        help="dataset folder whose answers the null providers are drawn from")
    parser.add_argument("--wave", help="wave id (default: the first wave, where the reports "
                                       "compare items with the network)")
    parser.add_argument("--null-providers", type=int, default=2000,
                        help="null providers per size")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES),
                        help="respondents per null provider")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    dataset = load_dataset(args.dataset)
    wave = args.wave or dataset.wave_ids[0]
    start = time.perf_counter()
    table = flag_rates(dataset, wave, tuple(args.sizes), args.null_providers, args.seed)
    seconds = time.perf_counter() - start
    with pd.option_context("display.width", 120):
        print(f"Null providers drawn from the answers of {dataset.name} ({wave}), "
              f"{args.null_providers} per size, in {seconds:.0f} s\n")
        print(table.round(3).to_string(index=False))
    worst = table["any_flagged"].max()
    verdict = "within" if worst <= TARGET else "ABOVE"
    print(f"\nLargest share with any strength or area: {worst:.3f} ({verdict} the target "
          f"{TARGET})")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
