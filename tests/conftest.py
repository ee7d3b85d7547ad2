"""Shared fixtures: the real Brussels open data (by path, never copied) and small helpers."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
BRUSSELS = SHARED / "data" / "brussels"
QGIS_CHECK = SHARED / "tools" / "qgis_check.py"


@pytest.fixture(scope="session")
def brussels_dir() -> Path:
    """The folder of real Brussels open data; tests needing it skip only when ../shared is absent."""
    if not BRUSSELS.is_dir():
        pytest.skip("../shared/data/brussels is absent")
    return BRUSSELS


@pytest.fixture(scope="session")
def brussels_workspace(brussels_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace built once from the real Brussels files."""
    from diagnostics.build import build_workspace
    from geo.manifest import read_manifest

    out = tmp_path_factory.mktemp("brussels") / "brussels.gpkg"
    build_workspace(read_manifest("brussels-2024", data_dir=brussels_dir), out)
    return out


@pytest.fixture()
def brussels_copy(brussels_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the Brussels files to break in a test (in a temporary folder only)."""
    target = tmp_path / "data"
    shutil.copytree(brussels_dir, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


@pytest.fixture(scope="session")
def qgis_check():
    """Run ../shared/tools/qgis_check.py under the system Python; skip where QGIS is absent."""
    import json
    import subprocess

    system_python = "/usr/bin/python3"
    probe = subprocess.run([system_python, "-c", "import qgis.core"], capture_output=True)
    if probe.returncode != 0 or not QGIS_CHECK.exists():
        pytest.skip("QGIS Python bindings are not installed (../shared/tools/install_qgis.sh)")

    def check(*args: object) -> tuple[int, list[dict]]:
        done = subprocess.run(
            [system_python, str(QGIS_CHECK), *map(str, args)], capture_output=True, text=True, timeout=300
        )
        return done.returncode, json.loads(done.stdout)

    return check


@pytest.fixture(scope="session")
def brussels_with_osm(brussels_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Brussels workspace with the OpenStreetMap extract imported (source ``osm``)."""
    from geo.directory import store_sites
    from geo.importers import import_sites
    from geo.manifest import Provenance

    out = tmp_path_factory.mktemp("osm") / "brussels_osm.gpkg"
    shutil.copyfile(brussels_workspace, out)
    store_sites(
        out,
        import_sites(BRUSSELS / "osm_social_health_pois.geojson", source="osm"),
        provenance=Provenance("OpenStreetMap", "2026-05", "ODbL 1.0", "© OpenStreetMap contributors"),
        file="osm_social_health_pois.geojson",
        fmt="osm",
    )
    return out


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demonstration workspace as the README's main job makes it."""
    from service.cli import main

    out = tmp_path_factory.mktemp("demo")
    with pytest.raises(SystemExit) as done:
        main(["demo", "-o", str(out)])
    assert done.value.code == 0
    return out


@pytest.fixture(scope="session")
def brussels_diagnosed(brussels_with_osm: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Brussels workspace with the OSM sites and the stored diagnostic of every theme."""
    from diagnostics.levels import built_in_levels, read_inputs
    from diagnostics.outputs import store
    from diagnostics.supply import diagnose
    from diagnostics.themes import load_themes
    from geo.manifest import Provenance

    out = tmp_path_factory.mktemp("diagnosed") / "brussels_diagnosed.gpkg"
    shutil.copyfile(brussels_with_osm, out)
    inputs = read_inputs(out)
    result = diagnose(inputs, load_themes(), built_in_levels(inputs))
    store(
        out, result, Provenance("socialatlas diagnostic", "2024", "", "Statbel; IBSA; OSM"), synthetic=False
    )
    return out
