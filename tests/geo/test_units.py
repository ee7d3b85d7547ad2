"""Loaders on the real Brussels files and on broken copies of them."""

import json
from dataclasses import replace

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon

from geo.errors import CRSError, InputError, ProblemsError, SourceNotFoundError
from geo.manifest import read_manifest
from geo.units import units_from_file, units_from_frame


@pytest.fixture(scope="module")
def manifest(brussels_dir):
    return read_manifest("brussels-2024", data_dir=brussels_dir)


def test_real_units_have_the_official_counts(manifest):
    sectors, notes = units_from_file(manifest.sectors, "sectors")
    neighbourhoods, _ = units_from_file(manifest.neighbourhoods, "neighbourhoods")
    communes, _ = units_from_file(manifest.communes, "communes")
    assert (len(sectors), len(neighbourhoods), len(communes)) == (724, 145, 19)
    assert sectors["population"].sum() == 1_246_136
    assert neighbourhoods["residential"].sum() == 118
    assert sectors.crs.to_epsg() == 31370 and sectors.is_valid.all()
    assert sectors["code"].iloc[0] == "21001A00-" and set(sectors["commune_code"]) == set(communes["code"])
    assert neighbourhoods["code"].dtype == "string" and "700" in set(neighbourhoods["code"])
    assert notes == []
    # the region's area as published in PROVENANCE.md: 162.42 km²
    assert sectors.area.sum() / 1e6 == pytest.approx(162.42, abs=0.2)


def test_communes_are_the_union_of_their_sectors(manifest):
    sectors, _ = units_from_file(manifest.sectors, "sectors")
    communes, _ = units_from_file(manifest.communes, "communes")
    communes = communes.set_index("code")
    for code, group in sectors.groupby("commune_code"):
        union = shapely.union_all(group.geometry.values)
        assert union.symmetric_difference(communes.geometry[code]).area < 1.0, code


def _square(x, y, size=100.0):
    return Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])


def _frame(codes, geoms, **extra):
    return gpd.GeoDataFrame(
        {"code": codes, "name_fr": codes, "name_nl": codes, **extra}, geometry=geoms, crs=31370
    )


def test_invalid_geometry_is_repaired_and_reported():
    bowtie = Polygon([(150000, 170000), (150100, 170100), (150100, 170000), (150000, 170100)])
    units, notes = units_from_frame(
        _frame(["a", "b"], [bowtie, _square(151000, 170000)]),
        "communes",
        columns={"code": "code", "name_fr": "name_fr", "name_nl": "name_nl"},
        where="communes.gpkg",
    )
    assert units.is_valid.all() and units.area.iloc[0] == pytest.approx(5000.0)
    assert len(notes) == 1 and "feature 1 (a)" in notes[0] and "Self-intersection" in notes[0]


def test_duplicate_codes_are_all_listed():
    frame = _frame(["a", "b", "a", "b"], [_square(150000 + 200 * i, 170000) for i in range(4)])
    with pytest.raises(ProblemsError) as error:
        units_from_frame(
            frame,
            "communes",
            columns={"code": "code", "name_fr": "name_fr", "name_nl": "name_nl"},
            where="c.gpkg",
        )
    assert error.value.problems == [
        "code 'a' appears 2 times (features [1, 3])",
        "code 'b' appears 2 times (features [2, 4])",
    ]


def test_missing_geometry_is_an_error_naming_the_feature():
    frame = _frame(["a", "b"], [_square(150000, 170000), None])
    with pytest.raises(ProblemsError, match=r"feature 2 \(b\): has no geometry"):
        units_from_frame(
            frame,
            "communes",
            columns={"code": "code", "name_fr": "name_fr", "name_nl": "name_nl"},
            where="c.gpkg",
        )


def test_misnamed_column_is_named(brussels_copy, brussels_dir):
    path = brussels_copy / "statbel_sectors_2024.geojson"
    path.write_text(path.read_text().replace('"population"', '"pop"'))
    manifest = read_manifest("brussels-2024", data_dir=brussels_copy)
    with pytest.raises(ProblemsError, match=r"column 'population' \(for population\) is missing"):
        units_from_file(manifest.sectors, "sectors")


def test_non_numeric_population_names_the_row(brussels_copy):
    path = brussels_copy / "communes_2024.geojson"
    data = json.loads(path.read_text())
    data["features"][3]["properties"]["population"] = "unknown"
    path.write_text(json.dumps(data))
    manifest = read_manifest("brussels-2024", data_dir=brussels_copy)
    with pytest.raises(InputError, match=r"column 'population' must hold numbers: row 5 \('unknown'\)"):
        units_from_file(manifest.communes, "communes")


def test_lambert_coordinates_declared_as_wgs84_are_detected(brussels_dir, tmp_path):
    sectors = gpd.read_file(brussels_dir / "communes_2024.geojson").to_crs(31370)
    path = tmp_path / "communes_2024.geojson"
    sectors.set_crs(4326, allow_override=True).to_file(path)  # metres written as if degrees
    manifest = read_manifest("brussels-2024", data_dir=brussels_dir)
    source = replace(manifest.communes, file=path)
    with pytest.raises(CRSError, match=r"declared in WGS84 \(EPSG:4326\) but their values fit Lambert 72"):
        units_from_file(source, "communes")


def test_missing_crs_is_an_error(brussels_dir, tmp_path):
    communes = gpd.read_file(brussels_dir / "communes_2024.geojson").to_crs(31370)
    path = tmp_path / "communes.shp"
    communes.to_file(path)
    path.with_suffix(".prj").unlink()
    manifest = read_manifest("brussels-2024", data_dir=brussels_dir)
    source = replace(manifest.communes, file=path)
    with pytest.raises(CRSError, match="communes.shp: declares no coordinate reference system"):
        units_from_file(source, "communes")


def test_unreadable_file_is_named(brussels_copy):
    (brussels_copy / "monitoring_districts.geojson").write_text("this is not GeoJSON")
    manifest = read_manifest("brussels-2024", data_dir=brussels_copy)
    with pytest.raises(InputError, match="monitoring_districts.geojson: cannot be read as a vector file"):
        units_from_file(manifest.neighbourhoods, "neighbourhoods")


def test_missing_file_is_named_in_the_manifest_check(brussels_copy):
    (brussels_copy / "communes_2024.geojson").unlink()
    with pytest.raises(ProblemsError, match=r"\[communes\] file .*communes_2024.geojson does not exist"):
        read_manifest("brussels-2024", data_dir=brussels_copy)


def test_unknown_preset_lists_the_presets():
    with pytest.raises(SourceNotFoundError, match="presets are brussels-2024"):
        read_manifest("paris-2030")
