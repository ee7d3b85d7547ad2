"""Raster surfaces and Cloud-Optimised GeoTIFFs with their QGIS style."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from shapely.geometry import box

import layers.rasters as rasters
from geo.errors import InputError
from geo.population import population_cells
from geo.workspace import read_table
from layers.colours import ramp_colours
from layers.rasters import (
    accessibility_surface,
    density_surface,
    population_surface,
    raster_qml,
    write_raster,
)

X0, Y0 = 150_000.0, 170_000.0
GHS = "ghs_pop_2020_1km_mollweide.tif"
META = {
    "title": {"fr": "Population", "nl": "Bevolking", "en": "Population"},
    "unit": {"fr": "habitants", "nl": "inwoners", "en": "residents"},
    "description": {"fr": "Habitants par cellule", "nl": "Inwoners per cel", "en": "Residents per cell"},
    "attribution": "Statbel (SPF Economie), secteurs statistiques 2024",
    "vintage": "2024-01-01",
    "method": "spread evenly over 100 m cells",
}


def sectors() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["A", "T", "B"], "population": [1000.0, 7.0, 300.0]},
        geometry=[
            box(X0, Y0, X0 + 1000, Y0 + 1000).difference(box(X0 + 505, Y0 + 505, X0 + 535, Y0 + 535)),
            box(X0 + 505, Y0 + 505, X0 + 535, Y0 + 535),
            box(X0 + 1000, Y0, X0 + 2000, Y0 + 500),
        ],
        crs=31370,
    )


def test_population_surface_sums_to_the_sectors() -> None:
    cells = population_cells(sectors())
    array, transform = population_surface(cells)
    assert array.shape == (10, 20) and transform == cells.transform
    assert np.nansum(array) == pytest.approx(1307.0, abs=1e-9)
    assert array[4, 5] == pytest.approx(10.0 + 7.0)  # A's share and the tiny sector T
    assert np.isnan(array[:5, 10:]).all()  # north of B: no sector, nodata
    np.testing.assert_allclose(array[5:, 10:], 6.0)


def test_density_counts_sites_per_cell() -> None:
    cells = population_cells(sectors())
    xy = np.array([[X0 + 50, Y0 + 950], [X0 + 10, Y0 + 990], [X0 + 1999, Y0 + 1], [X0 - 10, Y0]])
    counts, transform = density_surface(xy, grid=(cells.transform, cells.shape))
    assert counts.sum() == 3  # the fourth site is off the grid
    assert counts[0, 0] == 2 and counts[9, 19] == 1
    capacity, _ = density_surface(xy, grid=(cells.transform, cells.shape), weights=np.array([5, 1, 2, 9]))
    assert capacity[0, 0] == 6 and capacity.sum() == 8
    alone, own = density_surface(xy[:1], cell=100.0)
    assert alone.sum() == 1 and own.c % 100 == 0


def test_density_kernel_in_sites_per_km2() -> None:
    grid = rasters.grid_for((X0, Y0, X0 + 3000, Y0 + 3000), cell=100.0)
    centre = np.array([[X0 + 1550, Y0 + 1450]])  # a cell centre
    density, _ = density_surface(centre, bandwidth=500.0, grid=grid)
    assert density.sum() * 0.01 == pytest.approx(1.0)  # one site, cells of 0.01 km²
    assert density.max() == density[15, 15]
    window = density[5:26, 5:26]  # ± 10 cells around the site
    np.testing.assert_allclose(window, window[::-1, ::-1])  # symmetric about the site
    np.testing.assert_allclose(window, window.T)
    assert density[15, 19] > 0 and density[19, 19] == 0  # round: 400 m reached, 566 m not
    # the peak of a quartic kernel is 3 / (π h²): 3.82 sites per km² for h = 500 m
    assert density[15, 15] == pytest.approx(3 / (np.pi * 0.5**2), rel=0.02)
    assert (density[15, 20:] == 0).all()  # nothing beyond the bandwidth
    narrow, _ = density_surface(centre + 20, bandwidth=10.0, grid=grid)
    assert narrow[15, 15] == pytest.approx(100.0)  # reaches no cell centre: 1 site in 0.01 km²
    two, _ = density_surface(np.vstack([centre, centre]), bandwidth=500.0, grid=grid)
    np.testing.assert_allclose(two, 2 * density)
    edge, _ = density_surface(np.array([[X0 + 50, Y0 + 50]]), bandwidth=500.0, grid=grid)
    assert 0.2 < edge.sum() * 0.01 < 0.5  # most of a corner site's kernel falls off the grid


def test_density_errors() -> None:
    with pytest.raises(InputError, match="bandwidth"):
        density_surface(np.array([[X0, Y0]]), bandwidth=-1.0)
    with pytest.raises(InputError, match="no sites"):
        density_surface(np.empty((0, 2)))
    with pytest.raises(InputError, match="points_xy"):
        density_surface(np.array([X0, Y0, 0.0]))
    with pytest.raises(InputError, match="weights"):
        density_surface(np.array([[X0, Y0]]), weights=np.array([1.0, 2.0]))


def test_accessibility_one_site_serves_everyone() -> None:
    """2SFCA with every cell in reach of one site of 13 places: 13 / 1,307 residents everywhere."""
    cells = population_cells(sectors())
    site = np.array([[X0 + 1000, Y0 + 500]])
    access, transform = accessibility_surface(cells, site, np.array([13.0]), max_cost=10_000, per=1000)
    assert transform == cells.transform
    covered = ~np.isnan(access)
    np.testing.assert_allclose(access[covered], 13.0 / 1307.0 * 1000)
    assert covered.sum() == 150 and np.isnan(access[:5, 10:]).all()
    population, _ = population_surface(cells)
    assert np.nansum(population * access) / 1000 == pytest.approx(13.0)


def test_accessibility_with_decay_conserves_supply() -> None:
    cells = population_cells(sectors())
    sites = np.array([[X0 + 100, Y0 + 100], [X0 + 1900, Y0 + 400]])
    supply = np.array([4.0, 2.0])
    access, _ = accessibility_surface(cells, sites, supply, max_cost=900, decay="bands")
    population, _ = population_surface(cells)
    assert np.nansum(population * access) == pytest.approx(6.0)  # both sites reach residents
    assert access[9, 0] > access[0, 9]  # near the first site more than far from both
    assert np.nanmin(access) == 0.0  # some cells reach no site within 900 m


def read_back(path: Path) -> tuple[np.ndarray, dict[str, str], rasterio.profiles.Profile, dict[str, str]]:
    with rasterio.open(path) as src:
        return src.read(1), src.tags(), src.profile, src.tags(ns="IMAGE_STRUCTURE")


def test_write_raster_cog_with_tags(tmp_path: Path) -> None:
    cells = population_cells(sectors())
    array, transform = population_surface(cells)
    written = write_raster(tmp_path / "out" / "population.tif", array, transform, synthetic=False, **META)
    tif, qml = written
    assert [p.name for p in written] == ["population.tif", "population.qml"]
    data, tags, profile, structure = read_back(tif)
    assert profile["crs"].to_epsg() == 31370 and profile["transform"] == transform
    assert np.isnan(profile["nodata"]) and profile["compress"] == "deflate" and profile["tiled"]
    assert structure.get("LAYOUT") == "COG"
    assert np.nansum(data) == pytest.approx(1307.0, abs=1e-9)
    np.testing.assert_array_equal(np.isnan(data), np.isnan(array))
    assert tags["TITLE"] == "Population" and tags["TITLE_NL"] == "Bevolking"
    assert tags["UNIT"] == "habitants" and tags["UNIT_EN"] == "residents"
    assert tags["DESCRIPTION"] == "Habitants par cellule"
    assert tags["ATTRIBUTION"] == META["attribution"] and tags["VINTAGE"] == "2024-01-01"
    assert tags["METHOD"] == META["method"] and tags["SYNTHETIC"] == "no"
    assert sorted(p.name for p in tif.parent.iterdir()) == ["population.qml", "population.tif"]


def test_synthetic_is_said(tmp_path: Path) -> None:
    array = np.arange(12, dtype="float32").reshape(3, 4)
    tif, _ = write_raster(
        tmp_path / "demo.tif", array, rasters.grid_for((X0, Y0, X0 + 400, Y0 + 300), cell=100.0)[0],
        synthetic=True, lang="nl", **META,
    )  # fmt: skip
    data, tags, profile, _ = read_back(tif)
    assert profile["dtype"] == "float32" and data.sum() == 66
    assert tags["SYNTHETIC"] == "yes" and tags["LANGUAGE"] == "nl" and tags["TITLE"] == "Bevolking"
    assert "Synthetische demonstratiegegevens" in tags["DESCRIPTION"]
    assert "Données synthétiques" in tags["DESCRIPTION_FR"]


def test_large_raster_has_overviews(tmp_path: Path) -> None:
    array = np.random.default_rng(1).uniform(0, 50, size=(700, 650)).astype("float32")
    transform = rasters.grid_for((X0, Y0, X0 + 65_000, Y0 + 70_000), cell=100.0)[0]
    tif, _ = write_raster(tmp_path / "big.tif", array, transform, synthetic=False, **META)
    with rasterio.open(tif) as src:
        assert src.overviews(1) == [2, 4]
        assert src.block_shapes[0] == (256, 256)
        assert float(src.read(1).sum(dtype="float64")) == pytest.approx(float(array.sum(dtype="float64")))


def test_style_is_quantile_pseudocolour(tmp_path: Path) -> None:
    array = np.r_[np.arange(100.0), [np.nan] * 20].reshape(10, 12)
    root = ET.fromstring(raster_qml(array, unit="inwoners", lang="nl").split("\n", 1)[1])
    renderer = root.find("pipe/rasterrenderer")
    assert renderer is not None and renderer.get("type") == "singlebandpseudocolor"
    shader = renderer.find("rastershader/colorrampshader")
    assert shader is not None and shader.get("classificationMode") == "3"
    items = shader.findall("item")
    assert len(items) == 5
    assert [i.get("color") for i in items] == ramp_colours("YlGnBu", 5)
    upper = [float(i.get("value") or "nan") for i in items[:-1]]
    assert upper == [19, 39, 59, 79]  # the 20th, 40th… smallest of 0 … 99, NaN left out
    assert items[-1].get("value") == "inf"
    assert items[0].get("label") == "0 – 19 inwoners"
    assert items[-1].get("label") == "79 – 99 inwoners"
    english = ET.fromstring(raster_qml(array * 1000, unit="residents", lang="en").split("\n", 1)[1])
    assert english.findall(".//item")[-1].get("label") == "79,000 – 99,000 residents"
    tenths = ET.fromstring(raster_qml(array / 10, unit="", lang="fr").split("\n", 1)[1])
    assert tenths.findall(".//item")[1].get("label") == "1,9 – 3,9"


def test_style_with_few_distinct_values() -> None:
    flat = ET.fromstring(raster_qml(np.full((3, 3), 4.0), unit="").split("\n", 1)[1])
    assert len(flat.findall(".//item")) == 1
    ties = ET.fromstring(raster_qml(np.r_[np.zeros(90), np.ones(10)], unit="").split("\n", 1)[1])
    labels = [i.get("label") for i in ties.findall(".//item")]
    assert labels == ["0,0 – 0,5", "0,5 – 1,0"]  # one class per value, split half-way
    empty = ET.fromstring(raster_qml(np.full((2, 2), np.nan), unit="").split("\n", 1)[1])
    assert len(empty.findall(".//item")) == 1


@pytest.mark.parametrize(
    ("path", "array", "lang", "words"),
    [
        ("x.png", np.ones((2, 2)), "fr", "needs a .tif name"),
        ("x.tif", np.ones((2, 2, 2)), "fr", "2-D array"),
        ("x.tif", np.ones((2, 2)), "de", "lang"),
    ],
)
def test_write_raster_errors(tmp_path: Path, path: str, array: np.ndarray, lang: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        write_raster(tmp_path / path, array, rasters.Affine.identity(), synthetic=False, lang=lang, **META)
    assert not list(tmp_path.iterdir())


def test_failed_write_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    transform = rasters.grid_for((X0, Y0, X0 + 200, Y0 + 200), cell=100.0)[0]
    tif, qml = write_raster(tmp_path / "r.tif", np.ones((2, 2)), transform, synthetic=False, **META)
    before = tif.read_bytes(), qml.read_text()

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(rasters, "_write_cog", broken)
    with pytest.raises(OSError, match="disk full"):
        write_raster(tmp_path / "r.tif", np.zeros((2, 2)), transform, synthetic=False, **META)
    assert (tif.read_bytes(), qml.read_text()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.qml", "r.tif"]  # no temporary file left


# ------------------------------------------------------------------ real Brussels


@pytest.fixture(scope="module")
def brussels_population_tif(
    brussels_workspace: Path, brussels_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    cells = population_cells(read_table(brussels_workspace, "sectors"), weights=brussels_dir / GHS)
    array, transform = population_surface(cells)
    meta = {**META, "method": cells.method, "attribution": "Statbel; JRC GHSL GHS-POP R2023A"}
    tif, _ = write_raster(
        tmp_path_factory.mktemp("raster") / "population.tif", array, transform, synthetic=False, **meta
    )
    return tif


def test_brussels_population_raster(brussels_population_tif: Path) -> None:
    data, tags, profile, _ = read_back(brussels_population_tif)
    assert np.nansum(data) == pytest.approx(1_246_136, abs=1e-6)
    assert profile["crs"].to_epsg() == 31370 and (profile["height"], profile["width"]) == (168, 170)
    assert "ghs_pop_2020_1km_mollweide.tif" in tags["METHOD"]


def test_qgis_opens_the_raster_with_its_style(
    brussels_population_tif: Path, qgis_check, tmp_path: Path
) -> None:
    code, [layer] = qgis_check("raster", brussels_population_tif)
    assert code == 0 and layer["valid"]
    assert layer["crs"] == "EPSG:31370"
    assert layer["renderer"]["type"] == "singlebandpseudocolor"  # from population.qml
    with rasterio.open(brussels_population_tif) as src:
        assert layer["band1"]["max"] == pytest.approx(float(np.nanmax(src.read(1))))
    # without its .qml the same file opens grey: the colours above came from the style
    bare = tmp_path / "bare.tif"
    shutil.copyfile(brussels_population_tif, bare)
    code, [plain] = qgis_check("raster", bare)
    assert code == 0 and plain["renderer"]["type"] == "singlebandgray"
