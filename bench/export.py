"""Benchmark: export the layers of the real Brussels workspace, plus many indicator layers, to one GeoPackage.

Builds the base layers (sectors, neighbourhoods, communes, region, and sites when the workspace has
them) and ``--copies`` indicator layers (the 724 sectors with a random numeric column, some missing /
not-applicable / suppressed values, and a graduated Fisher–Jenks style), then times
``layers.export.export(..., format="gpkg")`` — styles in ``layer_styles`` in three languages, metadata —
against plain ``GeoDataFrame.to_file`` of the same layers into one GeoPackage without styles or
metadata, in the same run. Both files are checked to hold the same layers and feature counts.

    python3 bench/export.py [--copies 100] [--workspace brussels.gpkg] [--data ../shared/data/brussels]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
BASE = ("sectors", "neighbourhoods", "communes", "region", "sites")


def _layers(workspace: Path, copies: int, seed: int) -> list:
    from geo.workspace import list_tables, read_table
    from layers import styles
    from layers.layer import Layer

    tables = set(list_tables(workspace))
    layers = []
    for name in BASE:
        if name not in tables:
            continue
        data = read_table(workspace, name)
        title = {lang: name for lang in ("fr", "nl", "en")}
        if name == "sites":
            data = data.assign(main_category=styles.first_item(data["categories"]))
            style = styles.categorised(data["main_category"], field="main_category")
            kind = "points"
        else:
            style = styles.single(colour="#d9d9d9", label=title)
            kind = "polygons"
        layers.append(
            Layer(
                id=name,
                title=title,
                description=title,
                data=data,
                kind=kind,
                attribution="Statbel, IBSA",
                vintage="2024",
                style=style,
            )
        )
    sectors = read_table(workspace, "sectors")[["code", "name_fr", "name_nl", "population", "geometry"]]
    rng = np.random.default_rng(seed)
    for i in range(copies):
        value = rng.lognormal(3.0, 1.0, len(sectors))
        status = rng.choice(
            ["ok", "no_data", "not_applicable", "suppressed"], len(sectors), p=[0.9, 0.04, 0.03, 0.03]
        )
        value[status != "ok"] = np.nan
        data = sectors.assign(value=value, value_status=status)
        style = styles.graduated(
            data["value"], field="value", method="jenks", k=5, status=data["value_status"], unit="‰"
        )
        title = {"fr": f"Indicateur {i}", "nl": f"Indicator {i}", "en": f"Indicator {i}"}
        layers.append(
            Layer(
                id=f"indicator_{i:03d}",
                title=title,
                description=title,
                data=data,
                kind="polygons",
                attribution="synthetic",
                vintage="2024",
                synthetic=True,
                style=style,
                group="indicators",
            )
        )
    return layers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100, help="indicator layers (copies of the sectors)")
    parser.add_argument(
        "--workspace", type=Path, help="an existing workspace (default: build one from --data)"
    )
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "brussels")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import pyogrio

    from layers.export import export

    with tempfile.TemporaryDirectory() as tmp:
        workspace = args.workspace
        if workspace is None:
            from diagnostics.build import build_workspace
            from geo.manifest import read_manifest

            workspace = Path(tmp) / "brussels.gpkg"
            build_workspace(read_manifest("brussels-2024", data_dir=args.data), workspace)
        start = time.perf_counter()
        layers = _layers(workspace, args.copies, args.seed)
        styling = time.perf_counter() - start
        features = sum(len(layer.data) for layer in layers)

        ours = Path(tmp) / "socialatlas.gpkg"
        start = time.perf_counter()
        export(layers, ours, format="gpkg", command="python3 bench/export.py")
        ours_time = time.perf_counter() - start

        plain = Path(tmp) / "plain.gpkg"
        start = time.perf_counter()
        for layer in layers:
            layer.data.to_file(plain, layer=layer.id, driver="GPKG", engine="pyogrio")
        plain_time = time.perf_counter() - start

        counts = {}
        for path in (ours, plain):
            names = [str(n) for n, _ in pyogrio.list_layers(path) if n != "layer_styles"]
            counts[path.name] = {n: pyogrio.read_info(path, layer=n)["features"] for n in names}
        same = counts[ours.name] == counts[plain.name]
        sizes = {path.name: path.stat().st_size / 1e6 for path in (ours, plain)}

    print(f"{len(layers)} layers ({args.copies} indicator copies of the 724 sectors), {features:,} features")
    print(f"building the layers and their styles (not timed below): {styling:.2f} s")
    print(f"{'method':<54}{'time':>9}{'per layer':>12}{'file MB':>9}")
    print(
        f"{'geopandas.to_file, one call per layer, no style':<54}{plain_time:>7.2f} s"
        f"{plain_time / len(layers) * 1000:>9.1f} ms{sizes[plain.name]:>9.1f}"
    )
    print(
        f"{'socialatlas export gpkg (styles fr/nl/en, metadata)':<54}{ours_time:>7.2f} s"
        f"{ours_time / len(layers) * 1000:>9.1f} ms{sizes[ours.name]:>9.1f}"
    )
    print(
        f"same layers and feature counts: {same}; "
        f"speed-up over geopandas.to_file: {plain_time / ours_time:.1f}x"
    )
    if not same:
        raise SystemExit("the two GeoPackages differ")


if __name__ == "__main__":
    main()
