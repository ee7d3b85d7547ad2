"""The layer catalogue of real Brussels, exported and opened in real clients (QGIS, GDAL)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import rasterio

from layers.catalogue import catalogue, find
from layers.export import export
from layers.surfaces import surface

BRUSSELS_POPULATION = 1_246_136


@pytest.fixture(scope="module")
def layers(brussels_diagnosed: Path) -> list:
    return catalogue(brussels_diagnosed)


def test_catalogue_holds_every_kind_of_layer(layers: list) -> None:
    ids = {layer.id for layer in layers}
    assert {"communes", "neighbourhoods", "sectors", "region", "sites", "sites_pharmacies"} <= ids
    assert {
        "need_share_cpas",
        "pharmacies_sectors",
        "pharmacies_neighbourhoods",
        "pharmacies_communes",
    } <= ids
    assert not any(i.endswith("_region") for i in ids if i != "region")
    hoods = find(layers, "pharmacies_neighbourhoods")
    assert hoods is not None and len(hoods.data) == 145
    # every indicator with a value has its own named style; the default shows the main rate
    assert hoods.style.field == "rate" and {"fca_e2sfca", "lq", "nearest_m"} <= set(hoods.styles)
    statuses = hoods.data["status"].value_counts()
    assert statuses["not_applicable"] == 27  # the non-residential neighbourhoods


def test_indicator_style_shows_statuses_in_three_languages(layers: list) -> None:
    style = find(layers, "pharmacies_neighbourhoods").style
    for lang, words in {"fr": "Sans objet", "nl": "Niet van toepassing", "en": "Not applicable"}.items():
        labels = [entry.label for entry in style.legend(lang)]
        assert any(words in label for label in labels), labels


def test_geopackage_opens_styled_in_qgis(layers: list, tmp_path: Path, qgis_check) -> None:
    path = tmp_path / "brussels_layers.gpkg"
    export(layers, path, format="gpkg", command="pytest")
    code, report = qgis_check("gpkg", path)
    assert code == 0
    by_name = {entry["name"]: entry for entry in report}
    for layer in layers:
        if layer.kind == "table":
            continue
        entry = by_name[layer.id]
        assert entry["valid"], layer.id
        assert entry["feature_count"] == len(layer.data), layer.id
        assert entry["crs"] == "EPSG:31370"
        assert entry["style_source"] == "database", layer.id
        expected = {"graduated": "graduatedSymbol", "categorised": "categorizedSymbol"}.get(layer.style.kind)
        if expected:
            assert entry["renderer"]["type"] == expected, layer.id
            assert entry["renderer"]["class_count"] == len(layer.style.classes), layer.id


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")
def test_ogrinfo_reads_the_geopackage_without_warnings(layers: list, tmp_path: Path) -> None:
    path = tmp_path / "brussels_layers.gpkg"
    export(layers, path, format="gpkg")
    done = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr.strip() == ""
    assert done.stdout.count("Layer name:") == len(layers) + 1  # and layer_styles


def test_population_raster_sums_to_the_sectors(brussels_diagnosed: Path, tmp_path: Path, qgis_check) -> None:
    made = surface(brussels_diagnosed, "population")
    tif, qml = made.write(tmp_path / "population.tif")
    with rasterio.open(tif) as raster:
        values = raster.read(1, masked=True)
        assert raster.crs.to_epsg() == 31370 and raster.res == (100.0, 100.0)
        assert float(values.sum()) == pytest.approx(BRUSSELS_POPULATION, abs=0.5)
        assert "Statbel" in raster.tags()["ATTRIBUTION"]
    code, report = qgis_check("raster", tif)
    assert code == 0 and report[0]["valid"] and report[0]["crs"] == "EPSG:31370"
    assert report[0]["renderer"]["type"] == "singlebandpseudocolor"  # the style written beside it
    assert qml.suffix == ".qml"


def test_accessibility_raster_conserves_supply(brussels_diagnosed: Path) -> None:
    made = surface(brussels_diagnosed, "accessibility", theme="pharmacies")
    population = surface(brussels_diagnosed, "population")
    reached = np.nansum(made.array * np.nan_to_num(population.array)) / 1000
    assert reached <= 426 and reached > 400  # pharmacies that reach some resident
