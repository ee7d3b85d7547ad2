"""Sites in a workspace: placement on real data, re-import, search with real places, quality."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geo.directory import store_sites
from geo.importers import import_sites
from geo.manifest import Provenance
from geo.search import Query, parse_point, resolve_unit, search_sites
from geo.workspace import read_table

OSM = Provenance("OpenStreetMap", "2026-05", "ODbL 1.0", "© OpenStreetMap contributors")


@pytest.fixture(scope="module")
def osm(brussels_with_osm):
    units = {
        level: read_table(brussels_with_osm, level) for level in ("sectors", "neighbourhoods", "communes")
    }
    return read_table(brussels_with_osm, "sites"), read_table(brussels_with_osm, "site_units"), units


def test_every_osm_point_is_kept_and_outside_ones_flagged(osm, brussels_dir):
    sites, links, units = osm
    raw = gpd.read_file(brussels_dir / "osm_social_health_pois.geojson")
    assert len(sites) == len(raw) == 1283 and sites["located"].all()
    outside = sites["outside_region"]
    assert (sites.loc[outside, "distance_to_region_m"] > 0).all()
    assert (
        sites.loc[~outside, "commune_code"].notna().all() and sites.loc[outside, "commune_code"].isna().all()
    )
    per_commune = sites["commune_code"].value_counts()
    assert per_commune.sum() + outside.sum() == 1283 and per_commune.index.size == 19


def test_sector_assignment_agrees_with_an_independent_check_on_every_site(osm):
    sites, _, units = osm
    sectors = units["sectors"].sort_values("code")
    expected = pd.Series(pd.NA, index=sites.index, dtype="string")
    points = sites.geometry.to_numpy()
    for code, geom in zip(sectors["code"][::-1], sectors.geometry[::-1], strict=True):
        expected[shapely.covers(geom, points)] = code  # lowest code last: wins on a border
    assert sites["sector_code"].fillna("-").tolist() == expected.fillna("-").tolist()
    assert sites["sector_code"].notna().sum() == 1252


def test_reimport_replaces_the_source_and_keeps_others(brussels_with_osm, tmp_path):
    path = tmp_path / "w.gpkg"
    path.write_bytes(brussels_with_osm.read_bytes())
    csv = tmp_path / "cpas.csv"
    csv.write_text("id,name_fr,lat,lon\n1,Antenne,50.8466,4.3528\n")
    store_sites(path, import_sites(csv, source="cpas"), provenance=OSM, file=str(csv), fmt="table")
    again = store_sites(path, import_sites(csv, source="cpas"), provenance=OSM, file=str(csv), fmt="table")
    sites = read_table(path, "sites")
    assert again.replaced == 1 and len(sites) == 1283 + 1
    assert sites["site_id"].is_unique and set(sites["source"]) == {"osm", "cpas"}
    assert read_table(path, "site_sources")["source"].tolist() == ["osm", "cpas"]


def test_pharmacies_within_500_m_of_the_grand_place(osm):
    sites, links, units = osm
    lat, lon = 50.8466, 4.3528
    found = search_sites(
        sites,
        links,
        units,
        Query(near=parse_point(f"{lat},{lon}"), distance_m=500, filters={"category": ["C-SP-03"]}),
    )
    # independent: geodesic distances on the WGS84 coordinates of the OSM file
    pharmacies = sites[sites["categories"].str.contains("C-SP-03")]
    _, _, metres = Geod(ellps="WGS84").inv(
        np.full(len(pharmacies), lon),
        np.full(len(pharmacies), lat),
        pharmacies["input_x"].to_numpy(),
        pharmacies["input_y"].to_numpy(),
    )
    expected = set(pharmacies["site_id"][metres <= 500])
    borderline = set(pharmacies["site_id"][np.abs(metres - 500) < 1])
    assert set(found["site_id"]) ^ expected <= borderline
    assert len(found) >= 5 and found["distance_m"].is_monotonic_increasing
    assert (found["commune_code"] == "21004").all()  # the Grand-Place is in the City of Brussels


def test_located_in_by_name_in_french_or_dutch(osm):
    sites, links, units = osm
    assert resolve_unit(units, "Elsene") == resolve_unit(units, "ixelles") == ("communes", "21009")
    found = search_sites(
        sites, links, units, Query(located_in="Sint-Gillis", filters={"category": ["C-SP-03"]})
    )
    commune = units["communes"].set_index("code").geometry["21013"]
    assert len(found) > 10 and shapely.covers(commune, found.geometry.to_numpy()).all()
    inside = sites[
        shapely.covers(commune, sites.geometry.to_numpy()) & sites["categories"].str.contains("C-SP-03")
    ]
    assert set(found["site_id"]) == set(inside["site_id"])


def test_demo_directory_imports_through_the_public_path(demo_workspace):
    workspace = demo_workspace / "demo.gpkg"
    sites = read_table(workspace, "sites")
    sources = read_table(workspace, "site_sources")
    assert sources["format"].tolist() == ["directory"] and len(sites) > 4000
    supply = sites[sites["published"] & ~sites["head_office_only"]]
    assert abs(len(supply) - 4044) / 4044 < 0.03
    assert 150 < sites["outside_region"].sum() < 260
    links = read_table(workspace, "site_units")
    assert set(links["relation"]) == {"located_in", "active_on"}


def test_quality_report_finds_the_planted_flaws(demo_workspace):
    report = pd.read_csv(demo_workspace / "quality" / "quality.csv")
    flaws = pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "demo" / "flaws.csv")
    found = report.groupby("check")["source_id"].apply(set)
    for flaw, check in [
        ("missing_coordinates", "missing_coordinates"),
        ("swapped_lat_lon", "swapped_lat_lon"),
        ("lambert_mismatch", "lambert_mismatch"),
        ("commune_mismatch", "commune_mismatch"),
        ("duplicate", "duplicate"),
        ("stale", "stale"),
        ("head_office", "not_supply"),
        ("unpublished", "not_supply"),
    ]:
        planted = set(flaws.loc[flaws["flaw"] == flaw, "site_id"])
        assert planted <= found[check], flaw
    swapped = set(flaws.loc[flaws["flaw"] == "swapped_lat_lon", "site_id"])
    lambert = set(flaws.loc[flaws["flaw"] == "lambert_mismatch", "site_id"])
    assert found["lambert_mismatch"] == lambert | swapped  # a swapped WGS84 point disagrees with Lambert too
    for check in ("commune_mismatch", "duplicate", "swapped_lat_lon", "missing_coordinates"):
        assert len(found[check]) == len(set(flaws.loc[flaws["flaw"] == check, "site_id"])), check
    assert "(SYNTHETIC DEMONSTRATION DATA)" in (demo_workspace / "quality" / "quality.txt").read_text()


def test_near_a_lambert_point_equals_near_the_same_point_in_wgs84(osm):
    sites, links, units = osm
    x, y = parse_point("50.8466,4.3528")
    lambert = search_sites(sites, links, units, Query(near=parse_point(f"{x:.2f},{y:.2f}"), distance_m=800))
    wgs84 = search_sites(sites, links, units, Query(near=(x, y), distance_m=800))
    assert lambert["site_id"].tolist() == wgs84["site_id"].tolist() and len(lambert) > 20


def test_active_on_uses_the_declared_zone_not_the_location(demo_workspace):
    workspace = demo_workspace / "demo.gpkg"
    sites, links = read_table(workspace, "sites"), read_table(workspace, "site_units")
    units = {level: read_table(workspace, level) for level in ("sectors", "neighbourhoods", "communes")}
    commune = units["communes"].iloc[0]
    active = search_sites(sites, links, units, Query(active_on=commune["code"]))
    located = search_sites(sites, links, units, Query(located_in=commune["code"]))
    declared = sites[sites["zone_action"].fillna("").str.contains(f"commune:{commune['code']}", regex=False)]
    assert set(active["site_id"]) == set(declared["site_id"]) and len(active) > 0
    assert set(active["site_id"]) != set(located["site_id"])
