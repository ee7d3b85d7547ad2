"""The synthetic demonstration region: geography, tables, directory, flaws, determinism, files."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geo import demo
from geo.demo import DemoRegion, generate_demo, write_demo

DATA = Path(__file__).resolve().parents[2] / "data"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
SOCIAL = SHARED / "bruxelles_social_2019"
NON_RESIDENTIAL = {700, 701, 702, *range(800, 806), *range(900, 918)}
SITE_KEYS = {
    "id",
    "name",
    "published",
    "head_office_only",
    "address",
    "coordinates",
    "categories",
    "agreements",
    "offer_types",
    "languages",
    "zone_action",
    "capacity",
    "updated",
}


@pytest.fixture(scope="session")
def region() -> DemoRegion:
    return generate_demo()


@pytest.fixture(scope="session")
def metric(region: DemoRegion) -> dict[str, gpd.GeoDataFrame]:
    return {name: getattr(region, name).to_crs(31370) for name in ("sectors", "communes", "neighbourhoods")}


@pytest.fixture(scope="session")
def pieces(metric: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """Sector x neighbourhood intersections with their area (m²) and share of the sector."""
    sectors = metric["sectors"][["id", "population", "geometry"]]
    out = gpd.overlay(sectors, metric["neighbourhoods"][["territory_code", "geometry"]], keep_geom_type=True)
    out["area"] = out.area
    out = out[out["area"] > 0.01]
    out["share"] = out["area"] / out["id"].map(sectors.set_index("id").area)
    return pd.DataFrame(out.drop(columns="geometry"))


@pytest.fixture(scope="session")
def records(region: DemoRegion) -> list[dict]:
    return [s for org in region.directory["organisations"] for s in org["sites"]]


@pytest.fixture(scope="session")
def activity(records: list[dict]) -> list[dict]:
    return [s for s in records if s["published"] and not s["head_office_only"]]


@pytest.fixture(scope="session")
def reference() -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        pd.read_csv(DATA / "taxonomy.csv", dtype=str),
        pd.read_csv(DATA / "accreditations.csv", dtype=str),
    )


def social(name: str) -> pd.DataFrame:
    if not SOCIAL.is_dir():
        pytest.skip("../shared/data/bruxelles_social_2019 is absent")
    return pd.read_csv(SOCIAL / name)


def rank_of_demo_communes(region: DemoRegion) -> list[str]:
    return region.communes.sort_values("population", ascending=False)["nis"].tolist()


# --- geography --------------------------------------------------------------------------------


def test_unit_counts_and_codes(region: DemoRegion) -> None:
    assert abs(len(region.sectors) - 724) <= 10
    assert len(region.communes) == 19
    assert region.communes["nis"].tolist() == [str(99001 + k) for k in range(19)]
    codes = region.neighbourhoods["territory_code"]
    assert len(codes) == 145 and codes.is_unique
    assert set(codes[codes < 700]) == set(range(1, 119))
    assert set(codes[codes >= 700]) == NON_RESIDENTIAL
    assert region.sectors["id"].str.fullmatch(r"99\d{3}[A-Z]\d{2}-").all()
    assert region.sectors["id"].is_unique
    assert (region.sectors["cd_munty_refnis"] == region.sectors["id"].str[:5]).all()
    assert region.communes["postcode"].str.fullmatch(r"\d{4}").all() and region.communes["postcode"].is_unique
    for frame in (region.sectors, region.communes, region.neighbourhoods):
        assert frame.crs.to_epsg() == 4326
        assert frame.geometry.is_valid.all()


@pytest.mark.parametrize(
    ("layer", "fr", "nl"),
    [
        ("sectors", "name_fr", "name_nl"),
        ("communes", "name_fr", "name_nl"),
        ("neighbourhoods", "territory_name_fr", "territory_name_nl"),
    ],
)
def test_names_are_bilingual_and_unique(region: DemoRegion, layer: str, fr: str, nl: str) -> None:
    frame = getattr(region, layer)
    assert frame[fr].is_unique and frame[nl].is_unique
    assert (frame[fr].str.len() > 1).all() and (frame[nl].str.len() > 1).all()


def test_region_is_placed_like_brussels(metric: dict[str, gpd.GeoDataFrame]) -> None:
    whole = shapely.union_all(metric["sectors"].geometry.to_numpy())
    assert whole.geom_type == "Polygon" and not whole.interiors
    assert 150e6 < whole.area < 170e6
    assert shapely.Point(149_000, 170_000).distance(whole.centroid) < 2000
    assert whole.area / whole.convex_hull.area < 0.99  # a blob, not a circle or a convex shape


def test_sectors_partition_the_region(metric: dict[str, gpd.GeoDataFrame]) -> None:
    geoms = metric["sectors"].geometry.to_numpy()
    whole = shapely.union_all(geoms)
    assert shapely.area(geoms).sum() - whole.area < 1.0  # no overlaps
    assert not whole.interiors  # no gaps


def test_communes_are_exact_unions_of_their_sectors(
    region: DemoRegion, metric: dict[str, gpd.GeoDataFrame]
) -> None:
    sectors = metric["sectors"]
    for commune in metric["communes"].itertuples():
        mine = sectors[sectors["cd_munty_refnis"] == commune.nis]
        assert commune.geometry.symmetric_difference(shapely.union_all(mine.geometry.to_numpy())).area < 1.0
        assert commune.population == mine["population"].sum()
        assert commune.geometry.geom_type == "Polygon"
    shares = region.communes["population"] / region.communes["population"].sum()
    assert 0.11 < shares.max() < 0.15


def test_neighbourhoods_partition_the_region(metric: dict[str, gpd.GeoDataFrame]) -> None:
    geoms = metric["neighbourhoods"].geometry.to_numpy()
    whole = shapely.union_all(geoms)
    assert shapely.area(geoms).sum() - whole.area < 1.0
    assert whole.symmetric_difference(shapely.union_all(metric["sectors"].geometry.to_numpy())).area < 1.0


def test_neighbourhoods_are_almost_nested(region: DemoRegion, pieces: pd.DataFrame) -> None:
    top = pieces.groupby("id")["share"].max()
    assert 0.75 <= (top >= 0.99).mean() <= 0.95
    assert 0.70 <= top.min() <= 0.90
    assert abs((top >= 0.99).mean() - region.nesting["nested"]) < 0.01
    straddling = pieces.assign(nis=pieces["id"].str[:5]).groupby("territory_code")["nis"].nunique()
    assert (straddling > 1).any()


def test_population(region: DemoRegion, metric: dict[str, gpd.GeoDataFrame], pieces: pd.DataFrame) -> None:
    sectors = metric["sectors"]
    assert 1_150_000 <= sectors["population"].sum() <= 1_250_000
    main = pieces.sort_values("share").groupby("id")["territory_code"].last()
    assert (sectors.set_index("id").loc[main.index[main >= 700], "population"] <= 50).all()
    density = sectors["population"] / sectors.area
    radius = sectors.centroid.distance(shapely.Point(149_000, 170_000))
    inner, outer = density[radius < radius.quantile(0.3)], density[radius > radius.quantile(0.7)]
    assert inner.median() > 2 * outer.median()


def test_sector_ages(region: DemoRegion) -> None:
    ages = region.sector_ages
    assert list(ages.columns) == [
        "sector_code",
        "age_0_2",
        "age_3_5",
        "age_6_11",
        "age_12_17",
        "age_18_24",
        "age_25_64",
        "age_65_79",
        "age_80_plus",
    ]
    population = region.sectors.set_index("id").loc[ages["sector_code"], "population"].to_numpy()
    assert (ages.iloc[:, 1:].sum(axis=1).to_numpy() == population).all()
    share = ages.iloc[:, 1:].sum() / population.sum() * 100
    assert 3.2 < share["age_0_2"] < 4.0
    assert 9.0 < share["age_65_79"] < 11.0
    assert 3.0 < share["age_80_plus"] < 4.0


def test_indicators_follow_the_ibsa_file(region: DemoRegion, pieces: pd.DataFrame) -> None:
    table = region.indicators
    assert list(table.columns) == ["district_code", "district_name", "indicator", "unit", "year", "value"]
    assert set(table["district_code"]) == set(range(1, 119))
    assert set(table["year"]) == {2020, 2021, 2022, 2023}
    assert len(table) == 118 * 7 * 4
    real_file = SHARED / "brussels" / "ibsa_monitoring_indicators_nl.csv"
    if real_file.is_file():
        real = pd.read_csv(real_file).drop_duplicates(["indicator", "unit"])
        units = dict(zip(real["indicator"], real["unit"], strict=True))
        assert all(units[i] == u for i, u in table[["indicator", "unit"]].drop_duplicates().to_numpy())
    latest = table[table["year"] == 2023].pivot(index="district_code", columns="indicator", values="value")
    ages = region.sector_ages.set_index("sector_code")
    weighted = pieces.join(ages, on="id")
    for column, label in (
        ("age_65_79", "Aandeel van de 65-79 jarigen in de totale bevolking"),
        ("age_80_plus", "Aandeel van de 80 jaar en ouder in de totale bevolking"),
    ):
        mine = weighted.assign(
            n=weighted[column] * weighted["share"], p=weighted["population"] * weighted["share"]
        )
        sums = mine.groupby("territory_code")[["n", "p"]].sum().loc[latest.index]
        assert np.allclose(100 * sums["n"] / sums["p"], latest[label].astype(float), atol=0.05)
    poor = latest["Aandeel begunstigden van een OCMW-inkomen (leefloon of equivalent) in de bevolking"]
    income = latest["Mediaan belastbaar inkomen der aangiften"]
    assert np.corrcoef(poor.astype(float), income.astype(float))[0, 1] < -0.5
    assert income.astype(float).between(12_000, 40_000).all()


# --- directory --------------------------------------------------------------------------------


def test_directory_shape(
    region: DemoRegion, records: list[dict], reference: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    taxonomy, accreditations = reference
    authority = dict(zip(accreditations["accreditation_id"], accreditations["authority"], strict=True))
    directory = region.directory
    assert directory["synthetic"] is True and directory["generated_with_seed"] == 2019
    ids = [s["id"] for s in records]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"SITE-\d{6}", i) for i in ids)
    assert all(re.fullmatch(r"ORG-\d{5}", o["id"]) for o in directory["organisations"])
    assert max(len(o["sites"]) for o in directory["organisations"]) > 20  # CPAS with many antennas
    for site in records:
        assert set(site) == SITE_KEYS
        assert set(site["name"]) == {"fr", "nl"} and set(site["address"]["street"]) == {"fr", "nl"}
        assert set(site["address"]["commune"]) == {"nis", "fr", "nl"}
        assert 1 <= len(site["categories"]) <= 6 and set(site["categories"]) <= set(taxonomy["category_id"])
        assert all(authority[a["id"]] == a["authority"] for a in site["agreements"])
        assert set(site["offer_types"]) <= {"on_site", "at_home", "phone", "online", "street", "residential"}
        assert {z["level"] for z in site["zone_action"]} <= {"commune", "neighbourhood", "region"}
        assert site["capacity"] is None or (
            len(site["capacity"]) == 1 and set(site["capacity"]) <= {"places", "beds"}
        )
        assert date(2017, 1, 1) <= date.fromisoformat(site["updated"]) <= date(2025, 12, 31)
        assert site["coordinates"] is None or set(site["coordinates"]) == {
            "lat",
            "lon",
            "x_lambert72",
            "y_lambert72",
        }
    assert 2.7 < np.mean([len(s["categories"]) for s in records]) < 3.3


def test_published_sites_with_activity(region: DemoRegion, activity: list[dict], records: list[dict]) -> None:
    assert abs(len(activity) - 4044) <= 0.03 * 4044
    back_office = len(records) - len(activity)
    assert 0.03 * len(activity) < back_office < 0.08 * len(activity)
    assert region.sites["activity"].sum() == len(activity)


def test_sites_per_commune_follow_2019(region: DemoRegion) -> None:
    located = region.sites[region.sites["activity"] & ~region.sites["outside"]]
    counts = located["commune_nis"].value_counts()
    for nis, row in zip(rank_of_demo_communes(region), demo.COMMUNE_SITES, strict=True):
        assert counts[nis] == row[1]


def test_calibration_constants_are_the_published_figures() -> None:
    communes = social("sites_per_commune_2019.csv")
    inside = communes.dropna(subset=["nis"]).astype({"nis": int}).set_index("nis")
    for nis, located, public, accredited, other in demo.COMMUNE_SITES:
        assert tuple(inside.loc[nis, ["sites_located", "public_service", "accredited", "other"]]) == (
            located,
            public,
            accredited,
            other,
        )
    outside = communes[communes["nis"].isna()].iloc[0]
    assert tuple(outside[["sites_located", "public_service", "accredited", "other"]]) == demo.OUTSIDE_SITES
    real = SHARED / "brussels" / "communes_2024.geojson"
    if real.is_file():
        by_rank = gpd.read_file(real).sort_values("population", ascending=False)["nis"].astype(int).tolist()
        assert by_rank == [row[0] for row in demo.COMMUNE_SITES]
    authorities = social("accreditations_by_authority_2019.csv")
    published = dict(zip(authorities["authority"], authorities["accredited_sites"], strict=True))
    assert published == demo.AUTHORITY_SITES


def test_accredited_share_per_commune(region: DemoRegion) -> None:
    truth = region.sites.set_index("site_id")
    accredited = Counter(
        truth.at[s["id"], "commune_nis"]
        for o in region.directory["organisations"]
        for s in o["sites"]
        if s["agreements"] and truth.at[s["id"], "activity"] and not truth.at[s["id"], "outside"]
    )
    for nis, row in zip(rank_of_demo_communes(region), demo.COMMUNE_SITES, strict=True):
        assert accredited[nis] == row[3]


def test_sites_outside_the_region(
    region: DemoRegion, activity: list[dict], metric: dict[str, gpd.GeoDataFrame]
) -> None:
    outside = region.sites[region.sites["activity"] & region.sites["outside"]]
    assert 190 <= len(outside) <= 210
    whole = shapely.union_all(metric["sectors"].geometry.to_numpy())
    far = shapely.distance(whole, shapely.points(outside[["x", "y"]].to_numpy()))
    assert ((far >= 2000) & (far <= 25_000)).all()
    ids = set(outside["site_id"])
    assert all(s["address"]["commune"]["nis"].startswith("98") for s in activity if s["id"] in ids)


def test_sites_per_sector_and_authority(
    activity: list[dict], reference: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    taxonomy, _ = reference
    sector_of = dict(zip(taxonomy["category_id"], taxonomy["sector_fr"], strict=True))
    per_sector = Counter(sector for s in activity for sector in {sector_of[c] for c in s["categories"]})
    target = social("sites_per_sector_2015_2019.csv").set_index("sector_fr")["sites_2019"]
    assert set(per_sector) == set(target.index)
    for sector, expected in target.items():
        assert abs(per_sector[sector] - expected) <= max(5, 0.03 * expected), sector
    per_authority = Counter(a for s in activity for a in {x["authority"] for x in s["agreements"]})
    assert dict(per_authority) == demo.AUTHORITY_SITES
    series = Counter(x["id"] for s in activity for x in s["agreements"])
    assert {k: series[k] for k in demo.COCOF_SERIES} == {
        "A-COCOF-01": 40,
        "A-COCOF-02": 22,
        "A-COCOF-03": 15,
        "A-COCOF-04": 5,
        "A-COCOF-05": 5,
    }


def test_points_lie_in_their_sectors(region: DemoRegion, metric: dict[str, gpd.GeoDataFrame]) -> None:
    located = region.sites[~region.sites["outside"]]
    sectors = metric["sectors"].set_index("id").geometry
    inside = shapely.contains_xy(sectors.loc[located["sector_id"]].to_numpy(), located["x"], located["y"])
    assert inside.all()
    communes = metric["communes"].set_index("nis").geometry
    inside = shapely.contains_xy(communes.loc[located["commune_nis"]].to_numpy(), located["x"], located["y"])
    assert inside.all()


def test_flaws_are_where_the_ground_truth_says(region: DemoRegion, records: list[dict]) -> None:
    flaws = region.flaws.groupby("flaw")["site_id"].apply(set)
    assert set(flaws.index) <= {
        "missing_coordinates",
        "swapped_lat_lon",
        "lambert_mismatch",
        "commune_mismatch",
        "duplicate",
        "stale",
        "head_office",
        "unpublished",
    }
    assert {k: len(flaws[k]) for k in demo.FLAW_COUNTS} == demo.FLAW_COUNTS
    assert len(flaws["duplicate"]) == 10 and 100 <= len(flaws["stale"]) <= 200
    truth = region.sites.set_index("site_id")
    to_lambert = Transformer.from_crs(4326, 31370, always_xy=True)
    by_id = {s["id"]: s for s in records}
    for site in records:
        coords, flawed = site["coordinates"], {f for f, ids in flaws.items() if site["id"] in ids}
        assert (coords is None) == ("missing_coordinates" in flawed)
        assert (site["updated"] < "2023-01-01") == ("stale" in flawed)
        assert site["head_office_only"] == ("head_office" in flawed)
        assert (not site["published"]) == ("unpublished" in flawed)
        if coords is None:
            continue
        lat, lon = coords["lat"], coords["lon"]
        if "swapped_lat_lon" in flawed:
            lat, lon = lon, lat
        assert (coords["lat"] < 10) == ("swapped_lat_lon" in flawed)
        x, y = to_lambert.transform(lon, lat)
        assert np.hypot(x - truth.at[site["id"], "x"], y - truth.at[site["id"], "y"]) < 1.0
        gap = np.hypot(x - coords["x_lambert72"], y - coords["y_lambert72"])
        assert (gap > 1000) == ("lambert_mismatch" in flawed)
        if not truth.at[site["id"], "outside"]:
            mismatch = site["address"]["commune"]["nis"] != truth.at[site["id"], "commune_nis"]
            assert mismatch == ("commune_mismatch" in flawed)
    for dup in flaws["duplicate"]:
        original = by_id[truth.at[dup, "duplicate_of"]]
        twin = by_id[dup]
        assert twin["address"] == original["address"]
        assert twin["name"]["fr"].startswith(original["name"]["fr"])
        apart = np.hypot(
            *(
                truth.loc[dup, ["x", "y"]].to_numpy(float)
                - truth.loc[original["id"], ["x", "y"]].to_numpy(float)
            )
        )
        assert apart < 10.0


# --- reference files ----------------------------------------------------------------------------


def test_taxonomy(reference: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    taxonomy, _ = reference
    assert list(taxonomy.columns) == [
        "sector_id",
        "sector_fr",
        "sector_nl",
        "sector_en",
        "category_id",
        "category_fr",
        "category_nl",
        "category_en",
    ]
    assert taxonomy["category_id"].is_unique and not taxonomy.isna().any().any()
    assert taxonomy["category_id"].str.fullmatch(r"C-[A-Z]{2}-\d{2}").all()
    assert (taxonomy["category_id"].str[2:4] == taxonomy["sector_id"].str[2:]).all()
    sizes = taxonomy.groupby("sector_id").size()
    assert sizes.between(4, 10).all() and 100 <= len(taxonomy) <= 160
    assert set(taxonomy["sector_id"]) == set(demo.SECTOR_SITES)
    labels = set(taxonomy["category_fr"].str.lower())
    for needed in (
        "maison médicale",
        "pharmacie",
        "médecin généraliste",
        "service de santé mentale",
        "service actif en toxicomanie",
        "centre de coordination de soins à domicile",
        "soins palliatifs",
        "maison de repos",
        "crèche",
        "aide alimentaire",
        "agence immobilière sociale",
        "service d'aide au logement",
        "planning familial",
        "centre de jour pour seniors",
        "consultation pour enfants one",
        "maison d'accueil pour sans-abri",
    ):
        assert any(label.startswith(needed) for label in labels), needed
    if SOCIAL.is_dir():
        assert set(taxonomy["sector_fr"]) == set(social("sites_per_sector_2015_2019.csv")["sector_fr"])


def test_accreditations(reference: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, accreditations = reference
    assert list(accreditations.columns) == [
        "accreditation_id",
        "authority",
        "label_fr",
        "label_nl",
        "label_en",
    ]
    assert accreditations["accreditation_id"].is_unique and not accreditations.isna().any().any()
    assert set(accreditations["authority"]) == set(demo.AUTHORITY_SITES)
    assert (accreditations.groupby("authority").size() >= 2).all()
    cocof = accreditations.set_index("accreditation_id").loc[list(demo.COCOF_SERIES), "label_fr"].str.lower()
    assert [label.split()[0] for label in cocof] == ["maisons", "services", "services", "centres", "services"]
    if SOCIAL.is_dir():
        published = social("accreditations_by_authority_2019.csv")["authority"]
        assert set(accreditations["authority"]) == set(published)


# --- determinism and files ----------------------------------------------------------------------


def test_same_seed_same_region(region: DemoRegion) -> None:
    again = generate_demo(seed=2019)
    for name in ("sectors", "communes", "neighbourhoods"):
        first, second = getattr(region, name), getattr(again, name)
        pd.testing.assert_frame_equal(first.drop(columns="geometry"), second.drop(columns="geometry"))
        assert (shapely.to_wkb(first.geometry.to_numpy()) == shapely.to_wkb(second.geometry.to_numpy())).all()
    for name in ("sector_ages", "indicators", "sites", "flaws"):
        pd.testing.assert_frame_equal(getattr(region, name), getattr(again, name))
    assert json.dumps(region.directory) == json.dumps(again.directory)


def test_write_demo(region: DemoRegion, tmp_path: Path) -> None:
    paths = write_demo(region, tmp_path)
    assert sorted(p.name for p in paths) == sorted(p.name for p in tmp_path.iterdir())  # no temporary left
    assert {p.name for p in paths} == {
        "sectors.geojson",
        "communes.geojson",
        "neighbourhoods.geojson",
        "sector_ages.csv",
        "indicators.csv",
        "directory.json.gz",
        "flaws.csv",
        "README.md",
    }
    sectors = gpd.read_file(tmp_path / "sectors.geojson")
    assert sectors.crs.to_epsg() == 4326 and len(sectors) == len(region.sectors)
    assert sectors["id"].tolist() == region.sectors["id"].tolist()
    assert sum(p.stat().st_size for p in paths if p.suffix == ".geojson") < 1_000_000
    assert json.loads(gzip.decompress((tmp_path / "directory.json.gz").read_bytes())) == region.directory
    assert (tmp_path / "directory.json.gz").read_bytes() == (
        write_demo(region, tmp_path / "again") and (tmp_path / "again" / "directory.json.gz").read_bytes()
    )
    readme = (tmp_path / "README.md").read_text("utf-8")
    assert "SYNTHETIC" in readme and "seed 2019" in readme
