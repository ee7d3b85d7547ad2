"""Exports: every format opens in GDAL without a warning; the GeoPackage opens styled in real QGIS."""

import json
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, box

import layers.export as export_module
import layers.gpkg as gpkg_module
from geo.errors import InputError, ProblemsError
from layers import styles
from layers.export import EXPORTERS, SYNTHETIC_NOTICE, export, short_names
from layers.layer import Layer

COMMAND = "socialatlas export --format test"
X0, Y0 = 148_000, 170_000  # central Brussels in Lambert 72


def titles(text):
    return {"fr": f"{text} (fr)", "nl": f"{text} (nl)", "en": f"{text} (en)"}


def hand_layers():
    """A polygon indicator with special statuses, a point layer and a table."""
    polygons = gpd.GeoDataFrame(
        {
            "code": ["A", "B", "C", "D", "E"],
            "name_fr": ["Été", "Marolles", None, "Quartier « Nord »", "E"],
            "rate": [1.5, 2.25, np.nan, np.nan, 7.0],
            "rate_status": ["ok", "ok", "suppressed", "not_applicable", "ok"],
            "population": [120, 45, 3, 0, 900],
            "residential": [True, True, True, False, True],
            "neighbourhood_share": [1.0, 0.5, 0.25, 1.0, 1.0],
        },
        geometry=[
            box(X0, Y0, X0 + 500, Y0 + 500),
            MultiPolygon([box(X0 + 600, Y0, X0 + 900, Y0 + 300), box(X0 + 950, Y0, X0 + 1000, Y0 + 50)]),
            box(X0, Y0 + 600, X0 + 400, Y0 + 900),
            box(X0 + 600, Y0 + 600, X0 + 900, Y0 + 900),
            box(X0 + 1000, Y0 + 600, X0 + 1500, Y0 + 900),
        ],
        crs=31370,
    )
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["s1", "s2", "s3"],
            "main_category": ["C-SP-03", "C-SP-04", None],
            "capacity_places": [12.0, np.nan, 40.0],
            "updated": pd.to_datetime(["2024-03-01 10:00", None, "2023-12-31 00:00"]),
        },
        geometry=[Point(X0 + 100, Y0 + 100), Point(X0 + 700, Y0 + 200), Point(X0 + 1200, Y0 + 700)],
        crs=31370,
    )
    table = pd.DataFrame({"code": ["A", "B"], "indicator": ["pop_0_2", "pop_0_2"], "value": [4.0, np.nan]})
    rate_style = styles.graduated(
        polygons["rate"], field="rate", status=polygons["rate_status"], k=2, unit="‰"
    )
    return [
        Layer(
            "rates",
            titles("Taux"),
            titles("Taux par secteur"),
            polygons,
            "polygons",
            "Statbel, IBSA",
            "2024",
            synthetic=True,
            style=rate_style,
            styles={
                "population": styles.graduated(
                    polygons["population"],
                    field="population",
                    k=3,
                    title={"fr": "Population", "nl": "Bevolking", "en": "Population"},
                )
            },
            group="indicators",
        ),
        Layer(
            "sites",
            titles("Lieux"),
            titles("Lieux d'activité"),
            sites,
            "points",
            "© OpenStreetMap",
            "2026-05",
            style=styles.categorised(sites["main_category"], field="main_category"),
        ),
        Layer("need", titles("Besoins"), titles("Table des besoins"), table, "table", "IBSA", "2024"),
    ]


def ogrinfo(path):
    """(exit status, stderr) of ``ogrinfo -ro -al -so`` on a file; skip where GDAL's tools are absent."""
    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo is not installed")
    done = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True)
    return done.returncode, done.stderr


# --- GeoPackage -----------------------------------------------------------------------------------


def test_gpkg_is_a_geopackage_1_3_with_the_styles_of_qgis(tmp_path):
    path = tmp_path / "atlas.gpkg"
    assert export(hand_layers(), path, format="gpkg", command=COMMAND) == [path]
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10300
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        columns = [row[1] for row in con.execute("PRAGMA table_info(layer_styles)")]
        assert columns == [
            "id",
            "f_table_catalog",
            "f_table_schema",
            "f_table_name",
            "f_geometry_column",
            "styleName",
            "styleQML",
            "styleSLD",
            "useAsDefault",
            "description",
            "owner",
            "ui",
            "update_time",
        ]
        contents = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))
        assert contents == {
            "layer_styles": "attributes",
            "rates": "features",
            "sites": "features",
            "need": "attributes",
        }
        kinds = dict(con.execute("SELECT table_name, geometry_type_name FROM gpkg_geometry_columns"))
        assert kinds == {"rates": "MULTIPOLYGON", "sites": "POINT"}
        defaults = con.execute(
            "SELECT f_table_name, f_geometry_column, f_table_schema, styleQML, styleSLD FROM layer_styles "
            "WHERE useAsDefault = 1 ORDER BY f_table_name"
        ).fetchall()
        assert [row[:3] for row in defaults] == [("rates", "geom", ""), ("sites", "geom", "")]
        others = con.execute(
            "SELECT f_table_name, styleName FROM layer_styles WHERE useAsDefault = 0"
        ).fetchall()
        assert sorted(others) == [
            ("rates", "population"),
            ("rates", "rates (en)"),
            ("rates", "rates (nl)"),
            ("sites", "sites (en)"),
            ("sites", "sites (nl)"),
        ]
        named = con.execute("SELECT styleQML FROM layer_styles WHERE styleName = 'population'").fetchone()[0]
        assert 'attr="population"' in named
        for _, _, _, qml, sld in defaults:
            ET.fromstring(qml.split("\n", 1)[1])
            ET.fromstring(sld.encode("utf-8"))
        assert "Secret statistique" in defaults[0][4]  # the default style is French
        assert con.execute("SELECT rtreecheck('rtree_rates_geom')").fetchone()[0] == "ok"
        assert con.execute("SELECT COUNT(*) FROM rtree_sites_geom").fetchone()[0] == 3
    code, errors = ogrinfo(path)
    assert code == 0 and errors == ""


def test_gpkg_reads_back_the_same_values_and_metadata(tmp_path):
    path = tmp_path / "atlas.gpkg"
    source = hand_layers()
    export(source, path, format="gpkg", command=COMMAND)
    assert {name for name, _ in pyogrio.list_layers(path)} == {"rates", "sites", "need", "layer_styles"}
    rates = gpd.read_file(path, layer="rates")
    assert rates.crs.to_epsg() == 31370
    original = source[0].data
    assert rates["code"].tolist() == original["code"].tolist()
    assert rates["name_fr"].tolist()[:2] == ["Été", "Marolles"] and pd.isna(rates["name_fr"][2])
    assert np.allclose(rates["rate"], original["rate"], equal_nan=True)
    assert rates["residential"].tolist() == original["residential"].tolist()
    assert rates["population"].tolist() == original["population"].tolist()
    assert shapely.equals(rates.geometry.to_numpy(), original.geometry.to_numpy()).all()
    sites = gpd.read_file(path, layer="sites")
    assert str(sites["updated"][0])[:16] == "2024-03-01 10:00" and pd.isna(sites["updated"][1])
    need = pyogrio.read_dataframe(path, layer="need")
    assert need["indicator"].tolist() == ["pop_0_2", "pop_0_2"] and pd.isna(need["value"][1])
    info = pyogrio.read_info(path, layer="rates")
    meta = info["layer_metadata"]
    assert (
        meta["TITLE"] == "Taux (fr)" and meta["TITLE_NL"] == "Taux (nl)" and meta["TITLE_EN"] == "Taux (en)"
    )
    assert meta["ATTRIBUTION"] == "Statbel, IBSA" and meta["VINTAGE"] == "2024"
    assert meta["COMMAND"] == COMMAND and meta["SYNTHETIC"] == SYNTHETIC_NOTICE
    assert "synthetic demonstration data" in meta["SYNTHETIC"]
    assert "SYNTHETIC" not in pyogrio.read_info(path, layer="sites")["layer_metadata"]
    assert pyogrio.read_info(path, layer="need")["layer_metadata"]["ATTRIBUTION"] == "IBSA"
    assert pyogrio.read_info(path, layer="need")["dataset_metadata"]["COMMAND"] == COMMAND


def test_gpkg_in_another_crs(tmp_path):
    path = tmp_path / "l2008.gpkg"
    export(hand_layers(), path, format="gpkg", crs="EPSG:3812")
    rates = gpd.read_file(path, layer="rates")
    assert rates.crs.to_epsg() == 3812
    expected = hand_layers()[0].data.to_crs(3812)
    assert np.allclose(rates.total_bounds, expected.total_bounds)
    with pytest.raises(InputError, match="not a coordinate reference system"):
        export(hand_layers(), tmp_path / "x.gpkg", format="gpkg", crs="EPSG:999999")


def test_layers_sharing_geometries_keep_their_own_attributes_and_a_valid_index(tmp_path):
    base = hand_layers()[0]
    shifted = base.data.assign(geometry=base.data.translate(5_000, 0))
    copies = [
        Layer(
            f"copy_{i}",
            titles("c"),
            titles("c"),
            base.data.assign(rate=base.data["rate"] * i),
            "polygons",
            "a",
            "b",
            style=base.style,
        )
        for i in range(3)
    ]
    layers = [
        *copies,
        Layer("shifted", titles("s"), titles("s"), shifted, "polygons", "a", "b", style=base.style),
    ]
    path = tmp_path / "many.gpkg"
    export(layers, path, format="gpkg")
    for i in range(3):
        back = gpd.read_file(path, layer=f"copy_{i}")
        assert np.allclose(back["rate"], base.data["rate"] * i, equal_nan=True)
    moved = gpd.read_file(path, layer="shifted")
    assert shapely.equals(moved.geometry.to_numpy(), shifted.geometry.to_numpy()).all()
    assert len(pyogrio.read_dataframe(path, layer="copy_2", bbox=(X0, Y0, X0 + 450, Y0 + 450))) == 1
    with sqlite3.connect(path) as con:
        for name in ("copy_0", "copy_2", "shifted"):
            assert con.execute(f"SELECT rtreecheck('rtree_{name}_geom')").fetchone()[0] == "ok"
        boxes = con.execute("SELECT minx FROM rtree_shifted_geom ORDER BY id").fetchall()
    assert min(b[0] for b in boxes) >= X0 + 5_000 - 1


# --- one file per layer ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "fgb", "shp", "csv", "xlsx"])
def test_every_export_opens_in_gdal_without_warnings(tmp_path, fmt):
    source = [layer for layer in hand_layers() if EXPORTERS[fmt].tables or layer.kind != "table"]
    target = tmp_path / ("out" + (EXPORTERS[fmt].suffix if EXPORTERS[fmt].single_file else ""))
    written = export(source, target, format=fmt, command=COMMAND)
    assert written and all(p.exists() for p in written)
    opened = [
        p for p in written if p.suffix in (".gpkg", ".geojson", ".fgb", ".shp", ".dbf", ".csv", ".xlsx")
    ]
    assert opened
    for path in opened:
        code, errors = ogrinfo(path)
        assert code == 0 and errors == "", (path.name, errors)
    assert not [p for p in tmp_path.rglob("*") if ".part" in p.name or p.name.startswith(".export-")]


def test_geojson_follows_rfc_7946_and_carries_the_metadata(tmp_path):
    written = export(hand_layers(), tmp_path / "json", format="geojson", command=COMMAND)
    assert [p.name for p in written] == ["rates.geojson", "sites.geojson", "need.geojson"]
    data = json.loads(written[0].read_text(encoding="utf-8"))
    assert "crs" not in data and data["type"] == "FeatureCollection"
    meta = data["metadata"]
    assert (
        meta["title"] == "Taux (fr)" and meta["attribution"] == "Statbel, IBSA" and meta["vintage"] == "2024"
    )
    assert meta["command"] == COMMAND and "synthetic demonstration data" in meta["synthetic"]
    first = data["features"][0]
    ring = np.array(
        first["geometry"]["coordinates"][0][0]
        if first["geometry"]["type"] == "MultiPolygon"
        else first["geometry"]["coordinates"][0]
    )
    assert 4.2 < ring[:, 0].min() < 4.5 and 50.7 < ring[:, 1].min() < 51.0  # longitude first
    assert all(len(repr(float(v)).split(".")[1]) <= 7 for v in ring.ravel())
    assert shapely.is_ccw(shapely.linearrings(ring))  # exterior rings counter-clockwise
    assert data["features"][2]["properties"]["rate"] is None
    assert data["features"][2]["properties"]["rate_status"] == "suppressed"
    table = json.loads(written[2].read_text(encoding="utf-8"))
    assert table["features"][0]["geometry"] is None
    with pytest.raises(InputError, match="WGS84"):
        export(hand_layers(), tmp_path / "j2", format="geojson", crs=31370)


def test_shapefile_has_utf8_styles_and_a_map_of_short_names(tmp_path):
    written = export(hand_layers(), tmp_path / "shp", format="shp", command=COMMAND)
    names = {p.name for p in written}
    assert {
        "rates.shp",
        "rates.cpg",
        "rates.qml",
        "rates.sld",
        "rates.qmd",
        "rates.population.qml",
        "rates.population.sld",
        "rates_fields.csv",
        "need.dbf",
    } <= names
    folder = tmp_path / "shp"
    assert (folder / "rates.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    fields = pd.read_csv(folder / "rates_fields.csv")
    assert (
        dict(zip(fields["field"], fields["shapefile_field"], strict=True))["neighbourhood_share"]
        == "nbhd_share"
    )
    assert (fields["shapefile_field"].str.len() <= 10).all() and fields["shapefile_field"].is_unique
    back = gpd.read_file(folder / "rates.shp")
    assert "rate_st" in back.columns and back["name_fr"][0] == "Été"
    qml = (folder / "rates.qml").read_text(encoding="utf-8")
    assert 'attr="coalesce(&quot;rate&quot;' in qml and "&quot;rate_st&quot; = 'suppressed'" in qml
    assert "<ogc:PropertyName>rate_st</ogc:PropertyName>" in (folder / "rates.sld").read_text(
        encoding="utf-8"
    )
    qmd = ET.fromstring((folder / "rates.qmd").read_text(encoding="utf-8").split("\n", 1)[1])
    assert qmd.findtext("title") == "Taux (fr)" and qmd.findtext("rights") == "Statbel, IBSA"
    assert "SYNTHETIC DEMONSTRATION DATA" in qmd.findtext("abstract")


def test_short_names_are_readable_unique_and_short():
    names = short_names(
        [
            "neighbourhood_code",
            "neighbourhood_share",
            "distance_to_region_m",
            "code",
            "population_density_status",
            "population_density_statistic",
            "capacity_places",
        ]
    )
    assert names["neighbourhood_code"] == "nbhd_code" and names["code"] == "code"
    assert names["distance_to_region_m"] == "dist_reg_m" and names["capacity_places"] == "cap_places"
    assert all(len(v) <= 10 for v in names.values()) and len(set(names.values())) == len(names)


def test_csv_has_coordinates_or_wkt_and_csvw_metadata(tmp_path):
    export(hand_layers(), tmp_path / "csv", format="csv", command=COMMAND)
    sites = pd.read_csv(tmp_path / "csv" / "sites.csv")
    assert sites[["x", "y"]].iloc[0].tolist() == [X0 + 100, Y0 + 100]
    rates = pd.read_csv(tmp_path / "csv" / "rates.csv")
    assert shapely.from_wkt(rates["WKT"][0]).equals(box(X0, Y0, X0 + 500, Y0 + 500))
    described = json.loads((tmp_path / "csv" / "rates.csv-metadata.json").read_text(encoding="utf-8"))
    assert described["url"] == "rates.csv" and described["dc:source"] == "Statbel, IBSA"
    assert {t["@language"] for t in described["dc:title"]} == {"fr", "nl", "en"}
    assert "synthetic demonstration data" in described["socialatlas:metadata"]["SYNTHETIC"]
    export(hand_layers()[1:2], tmp_path / "wgs", format="csv", crs=4326)
    wgs = pd.read_csv(tmp_path / "wgs" / "sites.csv")
    assert 4.2 < wgs["longitude"][0] < 4.5 and 50.7 < wgs["latitude"][0] < 51.0


def test_xlsx_has_a_metadata_sheet_and_one_sheet_per_layer(tmp_path):
    path = tmp_path / "atlas.xlsx"
    export(hand_layers(), path, format="xlsx", command=COMMAND)
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["metadata", "rates", "sites", "need"]
    meta = sheets["metadata"].set_index("layer")
    assert meta.loc["rates", "ATTRIBUTION"] == "Statbel, IBSA" and meta.loc["rates", "COMMAND"] == COMMAND
    assert "synthetic demonstration data" in meta.loc["rates", "SYNTHETIC"]
    assert sheets["sites"]["x"].tolist()[0] == X0 + 100
    assert sheets["need"]["value"].isna().tolist() == [False, True]


# --- failures -------------------------------------------------------------------------------------


def test_a_failed_export_leaves_the_previous_file_untouched(tmp_path, monkeypatch):
    path = tmp_path / "atlas.gpkg"
    export(hand_layers(), path, format="gpkg")
    before = path.read_bytes()
    calls = []
    original = gpkg_module._gpkg_table

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(gpkg_module, "_gpkg_table", failing)
    with pytest.raises(OSError, match="disk full"):
        export(hand_layers(), path, format="gpkg")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["atlas.gpkg"]


def test_a_failed_folder_export_writes_no_file(tmp_path, monkeypatch):
    folder = tmp_path / "json"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    calls = []
    original = export_module.layer_metadata

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(export_module, "layer_metadata", failing)
    with pytest.raises(OSError, match="disk full"):
        export(hand_layers(), folder, format="geojson")
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]


def test_every_problem_is_reported_at_once(tmp_path):
    rates, sites, need = hand_layers()
    no_crs = Layer(
        "bad id!", titles("x"), titles("x"), rates.data.set_crs(None, allow_override=True), "polygons", "", ""
    )
    twice = Layer("Rates", titles("x"), titles("x"), rates.data, "polygons", "", "")
    with pytest.raises(ProblemsError) as raised:
        export([rates, no_crs, twice, need], tmp_path / "fgb", format="fgb")
    problems = "\n".join(raised.value.problems)
    assert "'bad id!'" in problems and "no CRS" in problems and "used twice" in problems
    assert "'need': is a table" in problems
    assert not (tmp_path / "fgb").exists() or not any((tmp_path / "fgb").iterdir())
    with pytest.raises(InputError, match="not an export format"):
        export([rates], tmp_path / "x", format="kml")
    with pytest.raises(InputError, match="is a folder"):
        export([rates], tmp_path, format="gpkg")


# --- the real Brussels workspace in real QGIS -----------------------------------------------------


@pytest.fixture(scope="module")
def brussels_layers(brussels_workspace):
    from geo.workspace import read_table

    sectors = read_table(brussels_workspace, "sectors")
    rng = np.random.default_rng(3)
    rate = np.round(rng.lognormal(3, 0.8, len(sectors)), 1)
    status = np.where(sectors["population"] < 50, "not_applicable", "ok").astype(object)
    status[rng.random(len(sectors)) < 0.05] = "suppressed"
    status[rng.random(len(sectors)) < 0.03] = "no_data"
    rate[status != "ok"] = np.nan
    indicator = sectors.assign(rate=rate, rate_status=status)
    neighbourhoods = read_table(brussels_workspace, "neighbourhoods")
    communes = read_table(brussels_workspace, "communes")
    return [
        Layer(
            "sectors_rate",
            titles("Taux"),
            titles("Taux"),
            indicator,
            "polygons",
            "Statbel",
            "2024",
            style=styles.graduated(
                indicator["rate"],
                field="rate",
                method="jenks",
                k=5,
                status=indicator["rate_status"],
                unit="‰",
            ),
        ),
        Layer(
            "neighbourhoods",
            titles("Quartiers"),
            titles("Quartiers"),
            neighbourhoods,
            "polygons",
            "IBSA",
            "2024",
            style=styles.categorised(neighbourhoods["residential"], field="residential", geometry="polygons"),
        ),
        Layer(
            "communes",
            titles("Communes"),
            titles("Communes"),
            communes,
            "polygons",
            "Statbel",
            "2024",
            style=styles.single(filled=False, colour="#333333", label=titles("Communes")),
        ),
        Layer(
            "need",
            titles("Besoins"),
            titles("Besoins"),
            read_table(brussels_workspace, "need"),
            "table",
            "IBSA",
            "2024",
        ),
    ]


def test_real_brussels_layers_open_styled_in_qgis(brussels_layers, tmp_path, qgis_check):
    path = tmp_path / "brussels_layers.gpkg"
    export(brussels_layers, path, format="gpkg", command=COMMAND)
    code, errors = ogrinfo(path) if shutil.which("ogrinfo") else (0, "")
    assert code == 0 and errors == ""
    code, seen = qgis_check("gpkg", path)
    assert code == 0
    found = {layer["name"]: layer for layer in seen}
    assert set(found) == {"sectors_rate", "neighbourhoods", "communes", "need"}
    expected = {
        "sectors_rate": (724, "graduatedSymbol", 5),
        "neighbourhoods": (145, "categorizedSymbol", 2),
        "communes": (19, "singleSymbol", None),
    }
    for name, (count, renderer, classes) in expected.items():
        layer = found[name]
        assert layer["valid"] and layer["feature_count"] == count, name
        assert layer["crs"] == "EPSG:31370" and layer["geometry_type"] == 2, name
        assert layer["style_source"] == "database", name
        assert layer["renderer"]["type"] == renderer, name
        assert layer["renderer"].get("class_count") == classes, name
    rate = found["sectors_rate"]["renderer"]
    assert rate["attribute"].startswith('coalesce("rate"')
    assert rate["labels"] == [e.label for e in brussels_layers[0].style.legend("fr")[:5]]
    assert found["need"]["valid"] and found["need"]["feature_count"] == len(brussels_layers[3].data)


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "fgb", "shp", "csv", "xlsx"])
def test_empty_layers_missing_geometries_and_reserved_names(tmp_path, fmt):
    empty = gpd.GeoDataFrame(
        {"v": np.array([], dtype=float)}, geometry=gpd.GeoSeries([], crs=31370), crs=31370
    )
    odd = gpd.GeoDataFrame(
        {"v": [1.0, 2.0], "fid": [5, 6], "geom": ["a", "b"]},
        geometry=[None, box(X0, Y0, X0 + 10, Y0 + 10)],
        crs=31370,
    )
    source = [
        Layer(
            "empty",
            titles("e"),
            titles("e"),
            empty,
            "polygons",
            "a",
            "b",
            style=styles.graduated(empty["v"], field="v"),
        ),
        Layer(
            "odd",
            titles("o"),
            titles("o"),
            odd,
            "polygons",
            "a",
            "b",
            style=styles.graduated(odd["v"], field="v"),
        ),
    ]
    target = tmp_path / ("out" + (EXPORTERS[fmt].suffix if EXPORTERS[fmt].single_file else ""))
    written = export(source, target, format=fmt)
    for path in written:
        if path.suffix in (".gpkg", ".geojson", ".fgb", ".shp", ".csv", ".xlsx"):
            code, errors = ogrinfo(path)
            assert code == 0 and errors == "", (path.name, errors)
    if fmt == "gpkg":
        back = pyogrio.read_dataframe(target, layer="odd")
        assert back["fid_"].tolist() == [5, 6] and back["geom_"].tolist() == ["a", "b"]
        assert back.geometry.isna().tolist() == [True, False]
        assert len(pyogrio.read_dataframe(target, layer="empty")) == 0
