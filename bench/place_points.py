"""Benchmark: place 1,000,000 random points in the Brussels sectors, neighbourhoods and communes.

Compares socialatlas' grid-accelerated placement (geo.joins) with plain geopandas.sjoin on the
same points in the same run, checks that both give identical assignments, and prints points per
second and peak memory of each. Each method runs in a fresh process so that its peak memory is its
own.

    python3 bench/place_points.py [--points 1000000] [--data ../shared/data/brussels]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

LEVELS = ("sectors", "neighbourhoods", "communes")
REPO = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakMemory:
    """Peak resident memory while a block runs, sampled every 5 ms from a thread."""

    def __enter__(self) -> PeakMemory:
        self.start = self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


def _points(workspace: Path, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points drawn uniformly inside the region (rejection sampling in its bounding box)."""
    import shapely

    from geo.workspace import read_table

    region = read_table(workspace, "region").geometry.iloc[0]
    shapely.prepare(region)
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = region.bounds
    xs, ys, have = [], [], 0
    while have < n:
        x, y = rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)
        keep = shapely.contains_xy(region, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        have += int(keep.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _run(method: str, workspace: Path, n: int, seed: int, queue: mp.Queue) -> None:
    import geopandas as gpd

    from geo.joins import locate, unit_index
    from geo.workspace import read_table

    units = {
        level: read_table(workspace, level)[["code", "geometry"]].sort_values("code").reset_index(drop=True)
        for level in LEVELS
    }
    x, y = _points(workspace, n, seed)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=31370)
    del x, y
    results, times = {}, {}
    with PeakMemory() as memory:
        for level, frame in units.items():
            start = time.perf_counter()
            if method == "socialatlas":
                codes = locate(points.geometry, unit_index(frame)).cat.codes.to_numpy()
            else:
                joined = gpd.sjoin(points, frame, predicate="intersects", how="left")
                # a point on a border matches two units: keep the lowest code, as geo.joins does
                first = joined["index_right"].groupby(level=0).min().reindex(points.index)
                codes = first.fillna(-1).to_numpy(dtype=np.int64)
            times[level] = time.perf_counter() - start
            results[level] = codes.astype(np.int64)
    queue.put(
        {"times": times, "codes": results, "peak_mb": memory.peak, "added_mb": memory.peak - memory.start}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "brussels")
    args = parser.parse_args()

    from diagnostics.build import build_workspace
    from geo.manifest import read_manifest

    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "brussels.gpkg"
        build_workspace(read_manifest("brussels-2024", data_dir=args.data), workspace)
        context = mp.get_context("spawn")
        outcome = {}
        for method in ("geopandas.sjoin", "socialatlas"):
            queue = context.Queue()
            child = context.Process(target=_run, args=(method, workspace, args.points, args.seed, queue))
            child.start()
            outcome[method] = queue.get()
            child.join()

    n = args.points
    print(f"placing {n:,} random points of the region in its {', '.join(LEVELS)} (EPSG:31370)")
    print(
        f"{'method':<17}"
        + "".join(f"{level:>22}" for level in LEVELS)
        + f"{'all three':>22}{'peak MB':>9}{'added MB':>10}"
    )
    for method, result in outcome.items():
        times = [*result["times"].values(), sum(result["times"].values())]
        cells = "".join(f"{t:>8.2f} s {n / t / 1e6:>6.2f} M/s" for t in times)
        print(f"{method:<17}{cells}{result['peak_mb']:>9.0f}{result['added_mb']:>10.0f}")
    base, ours = outcome["geopandas.sjoin"], outcome["socialatlas"]
    same = all(np.array_equal(base["codes"][level], ours["codes"][level]) for level in LEVELS)
    speedup = sum(base["times"].values()) / sum(ours["times"].values())
    placed = int((ours["codes"]["sectors"] >= 0).sum())
    print(f"identical assignments: {same} ({placed:,} of {n:,} points placed in a sector)")
    print(f"speed-up over geopandas.sjoin: {speedup:.1f}x")
    if not same:
        raise SystemExit("assignments differ")


if __name__ == "__main__":
    main()
