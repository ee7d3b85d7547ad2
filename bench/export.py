"""Benchmark: export every layer of the real Brussels workspace (with the OSM sites and the stored
diagnostic) to one styled GeoPackage.

Times building the layer catalogue (reading the workspace, classifying every indicator, building
every style) and ``layers.export.export(..., format="gpkg")`` (styles in ``layer_styles`` in three
languages plus one per indicator, metadata), against the baseline of plain ``GeoDataFrame.to_file``
of the same layers into one GeoPackage, without styles or metadata, in the same run. Target: the
export of every layer under 10 s.

    python3 bench/export.py [WORKSPACE]

Without WORKSPACE the script builds one from ../shared/data/brussels in a temporary folder.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pyogrio
from _brussels import brussels_workspace


def main() -> None:
    from layers.catalogue import catalogue
    from layers.export import export

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = Path(sys.argv[1]) if len(sys.argv) > 1 else brussels_workspace(folder)
        start = time.perf_counter()
        layers = catalogue(path)
        built = time.perf_counter() - start
        start = time.perf_counter()
        export(layers, folder / "styled.gpkg", format="gpkg", command="bench/export.py")
        exported = time.perf_counter() - start
        start = time.perf_counter()
        for layer in layers:
            frame = layer.data if isinstance(layer.data, gpd.GeoDataFrame) else gpd.GeoDataFrame(layer.data)
            frame.to_file(folder / "plain.gpkg", layer=layer.id, driver="GPKG")
        plain = time.perf_counter() - start
        ours = {str(n) for n in pyogrio.list_layers(folder / "styled.gpkg")[:, 0]} - {"layer_styles"}
        theirs = {str(n) for n in pyogrio.list_layers(folder / "plain.gpkg")[:, 0]}
        assert ours == theirs == {layer.id for layer in layers}
        styles = sum(1 + len(layer.styles) for layer in layers if layer.style is not None)
        features = sum(len(layer.data) for layer in layers)
        size = (folder / "styled.gpkg").stat().st_size / 1e6
    print(f"{len(layers)} layers, {features:,} features, {styles} styles (× 3 languages for the defaults)")
    print(f"{'step':<62}{'seconds':>9}")
    print(f"{'socialatlas: build the catalogue (read, classify, style)':<62}{built:>9.2f}")
    print(
        f"{'socialatlas: export every layer to one styled GeoPackage':<62}{exported:>9.2f}   ({size:.1f} MB)"
    )
    print(f"{'socialatlas: catalogue + export':<62}{built + exported:>9.2f}   target < 10 s")
    print(f"{'baseline: GeoDataFrame.to_file, same layers, no styles':<62}{plain:>9.2f}")


if __name__ == "__main__":
    main()
