"""Benchmark: the full diagnostic of the real Brussels workspace (every theme, every indicator,
724 sectors, 145 neighbourhoods, 19 communes and the region) with the OpenStreetMap sites.

Baseline, in the same run: the accessibility step alone (2SFCA and E2SFCA for every theme, same
demand points, same costs) computed with PySAL ``access``. Target: the whole diagnostic under 5 s.

    python3 bench/diagnose.py [WORKSPACE]

Without WORKSPACE the script builds one from ../shared/data/brussels into a temporary folder.
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _brussels import brussels_workspace


def _access_baseline(inputs, themes, chosen) -> tuple[float, int]:  # noqa: ANN001
    """Seconds PySAL access takes for the 2SFCA and E2SFCA of every theme (costs given)."""
    import access

    from diagnostics.fca import euclidean_costs, parse_decay
    from diagnostics.supply import _supply, sector_target
    from geo.importers import taxonomy_sectors
    from geo.population import demand_points

    sites = inputs.sites.reset_index(drop=True)
    codes = inputs.sectors["code"].astype(str).to_numpy()
    points = demand_points(inputs.sectors)
    xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    seconds, runs = 0.0, 0
    for theme in chosen:
        supply, _ = _supply(sites, theme, taxonomy_sectors())
        target, _ = sector_target(inputs.need, theme.target, codes)
        use = supply["mask"]
        if not np.isfinite(target).any() or not use.any():
            continue
        costs = euclidean_costs(points[["x", "y"]].to_numpy(), xy[use], max_cost=theme.catchment)
        cost_df = pd.DataFrame({"origin": costs.origin, "dest": costs.destination, "cost": costs.cost})
        demand_df = pd.DataFrame({"geoid": np.arange(len(codes)), "pop": np.nan_to_num(target)})
        supply_df = pd.DataFrame({"geoid": np.arange(use.sum()), "supply": supply["fca_supply"][use]})
        decay = parse_decay(theme.decay, max_cost=theme.catchment)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = access.Access(
                demand_df=demand_df,
                demand_index="geoid",
                demand_value="pop",
                supply_df=supply_df,
                supply_index="geoid",
                supply_value="supply",
                cost_df=cost_df,
                cost_origin="origin",
                cost_dest="dest",
                cost_name="cost",
            )
            model.two_stage_fca(max_cost=theme.catchment)
            model.enhanced_two_stage_fca(weight_fn=decay.weights)
        seconds += time.perf_counter() - start
        runs += 1
    return seconds, runs


def main() -> None:
    from diagnostics.levels import built_in_levels, read_inputs
    from diagnostics.supply import diagnose
    from diagnostics.themes import load_themes

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(sys.argv[1]) if len(sys.argv) > 1 else brussels_workspace(Path(tmp), diagnostic=False)
        themes = load_themes()
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            inputs = read_inputs(path)
            read = time.perf_counter() - start
            levels = built_in_levels(inputs)
            result = diagnose(inputs, themes, levels)
            timings.append((read, time.perf_counter() - start))
        read, total = min(timings, key=lambda t: t[1])
        rows = result.indicators
        baseline, runs = _access_baseline(inputs, themes, themes.select(None))
    print(
        f"workspace: {len(inputs.sectors)} sectors, {len(levels['neighbourhoods'].units)} neighbourhoods, "
        f"{len(levels['communes'].units)} communes, {len(inputs.sites)} sites"
    )
    print(f"themes: {len(themes.themes)}; indicator rows: {len(rows):,} × {len(rows.columns)} columns")
    print(f"{'step':<58} {'seconds':>8}")
    print(f"{'socialatlas: read the workspace':<58} {read:>8.2f}")
    print(f"{'socialatlas: the full diagnostic (read + all indicators)':<58} {total:>8.2f}   target < 5 s")
    print(f"{f'PySAL access: 2SFCA + E2SFCA only, {runs} themes (baseline)':<58} {baseline:>8.2f}")


if __name__ == "__main__":
    main()
