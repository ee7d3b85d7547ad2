"""The real Brussels workspace the benchmarks run on: built from ../shared/data/brussels, with the
OpenStreetMap sites imported and the diagnostic of every theme stored."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BRUSSELS = REPO.parent / "shared" / "data" / "brussels"


def brussels_workspace(folder: Path, *, diagnostic: bool = True) -> Path:
    """Build the workspace into ``folder`` and return its path."""
    from diagnostics.build import build_workspace
    from diagnostics.levels import built_in_levels, read_inputs
    from diagnostics.outputs import store
    from diagnostics.supply import diagnose
    from diagnostics.themes import load_themes
    from geo.directory import store_sites
    from geo.importers import import_sites
    from geo.manifest import Provenance, read_manifest

    path = folder / "brussels.gpkg"
    build_workspace(read_manifest("brussels-2024", data_dir=BRUSSELS), path)
    store_sites(
        path,
        import_sites(BRUSSELS / "osm_social_health_pois.geojson", source="osm"),
        provenance=Provenance("OpenStreetMap", "2026-05", "ODbL 1.0", "© OpenStreetMap contributors"),
        file="osm_social_health_pois.geojson",
        fmt="osm",
    )
    if diagnostic:
        inputs = read_inputs(path)
        result = diagnose(inputs, load_themes(), built_in_levels(inputs))
        store(
            path,
            result,
            Provenance("socialatlas diagnostic", "2024", "", "Statbel; IBSA; OSM"),
            synthetic=False,
        )
    return path
