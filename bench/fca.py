"""Benchmark: two-step floating catchment accessibility, socialatlas against PySAL access.

20,000 random demand points and 5,000 random sites in a 20 km × 20 km square (fixed seed), a
catchment of 1,500 m (straight line × the default detour factor), plain 2SFCA and enhanced 2SFCA
with Luo & Qi's bands (1, 0.68, 0.22 over the thirds of the catchment). Both implementations get
the same origin–destination pairs: socialatlas' ``Costs`` and, for access, a cost DataFrame built
once from those pairs; building the pairs and the DataFrame is timed apart from the computation.
The script checks that the accessibilities agree to 1e-9 (relative) and prints the timings.

    python3 bench/fca.py [--demand 20000] [--sites 5000] [--side 20000] [--catchment 1500]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Fastest of ``repeat`` runs, and the result of the last."""
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demand", type=int, default=20_000)
    parser.add_argument("--sites", type=int, default=5_000)
    parser.add_argument("--side", type=float, default=20_000.0, help="side of the square, metres")
    parser.add_argument("--catchment", type=float, default=1_500.0, help="max cost, metres")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=5, help="runs of socialatlas (best kept)")
    parser.add_argument("--repeat-access", type=int, default=2, help="runs of access (best kept)")
    args = parser.parse_args()

    from access import Access, weights

    from diagnostics.fca import DETOUR, NO_DECAY, euclidean_costs, parse_decay, two_step_fca

    rng = np.random.default_rng(args.seed)
    origins = rng.uniform(0, args.side, (args.demand, 2))
    sites = rng.uniform(0, args.side, (args.sites, 2))
    demand = rng.integers(1, 400, args.demand).astype(float)  # residents per point
    supply = rng.integers(1, 40, args.sites).astype(float)  # places per site

    pairs_s, costs = _best(lambda: euclidean_costs(origins, sites, max_cost=args.catchment), args.repeat)

    def cost_frame() -> pd.DataFrame:
        return pd.DataFrame({"origin": costs.origin, "dest": costs.destination, "cost": costs.cost})

    frame_s, cost_df = _best(cost_frame, 1)

    def model() -> Access:
        return Access(
            demand_df=pd.DataFrame({"demand": demand}, index=pd.RangeIndex(args.demand, name="geoid")),
            demand_index=True,
            demand_value="demand",
            supply_df=pd.DataFrame({"supply": supply}, index=pd.RangeIndex(args.sites, name="geoid")),
            supply_index=True,
            supply_value="supply",
            cost_df=cost_df,
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )

    model_s, access = _best(model, 1)
    logging.getLogger("access").setLevel(logging.WARNING)  # Access() sets its logger to INFO
    names = (f"run{k}" for k in itertools.count())  # a fresh column each run: no "overwriting"

    bands = parse_decay("bands", max_cost=args.catchment)
    methods = {
        "2SFCA": (NO_DECAY, lambda: access.two_stage_fca(name=next(names), max_cost=args.catchment)),
        "E2SFCA (bands)": (
            bands,
            lambda: access.enhanced_two_stage_fca(
                name=next(names), max_cost=args.catchment, weight_fn=weights.step_fn(dict(bands.bands))
            ),
        ),
    }

    print(
        f"{args.demand:,} demand points, {args.sites:,} sites in a {args.side / 1000:g} km square "
        f"(seed {args.seed}); catchment {args.catchment:g} m = {args.catchment / DETOUR:.0f} m straight "
        f"line × detour {DETOUR:g}; {len(costs):,} pairs"
    )
    print(f"pairs (socialatlas euclidean_costs, KD-tree): {pairs_s:.3f} s — shared by both")
    print(f"access setup, not in the timings below: cost DataFrame {frame_s:.3f} s, Access() {model_s:.3f} s")
    print(f"{'method':<16}{'socialatlas s':>15}{'access s':>11}{'speed-up':>10}   agreement")
    all_equal = True
    for name, (decay, run_access) in methods.items():
        ours_s, ours = _best(
            lambda decay=decay: two_step_fca(demand, supply, costs, decay=decay), args.repeat
        )
        theirs_s, table = _best(run_access, args.repeat_access)
        theirs = table.iloc[:, 0].reindex(range(args.demand)).to_numpy(dtype=float)
        defined = np.isfinite(theirs)
        gap = np.abs(ours.accessibility[defined] - theirs[defined]) / np.abs(theirs[defined]).clip(1e-300)
        equal = bool(np.allclose(ours.accessibility[defined], theirs[defined], rtol=1e-9, atol=0))
        all_equal &= equal
        note = (
            f"{'equal' if equal else 'DIFFERENT'} to 1e-9 on {defined.sum():,} of {args.demand:,} points "
            f"(max relative gap {gap.max():.1e}); {ours.unreached.sum()} sites unreached"
        )
        print(f"{name:<16}{ours_s:>15.4f}{theirs_s:>11.3f}{theirs_s / ours_s:>9.0f}x   {note}")
        counted = float(demand @ ours.accessibility)
        print(f"{'':<16}supply conserved: Σ demand × accessibility = {counted:,.6f}, ", end="")
        print(f"supply of reached sites = {supply[~ours.unreached].sum():,.6f}")
    if not all_equal:
        raise SystemExit("results differ")


if __name__ == "__main__":
    main()
