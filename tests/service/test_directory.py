"""Directory search in the social.brussels shape, on the real Brussels and the demo workspaces."""

import pytest

from geo.importers import taxonomy_sectors
from geo.sites import split_list
from geo.workspace import read_table

SEARCH = "/rest/search/organisation"


def everything(client, url):
    """Every result of a search, following the next links; checks paging on the way."""
    results, offsets = [], []
    while url:
        body = client.get(url).get_json()
        offsets.append(body["offset"])
        assert body["total"] >= len(results) + len(body["results"])
        results += body["results"]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    return results


@pytest.fixture(scope="module")
def demo_sites(demo_workspace):
    sites = read_table(demo_workspace / "demo.gpkg", "sites")
    return sites[sites["published"]]


def test_located_at_a_commune_by_french_or_dutch_name_or_code(client, brussels_with_osm):
    sites = read_table(brussels_with_osm, "sites")
    expected = sorted(sites.loc[sites["commune_code"] == "21009", "site_id"])
    for name in ("Ixelles", "Elsene", "21009", "communes:21009"):
        found = everything(client, f"{SEARCH}?locatedAt={name}&limit=40")
        assert [r["id"] for r in found] == expected, name
    assert all(
        r["locatedIn"]["commune"] == {"code": "21009", "nameFr": "Ixelles", "nameNl": "Elsene"} for r in found
    )


def test_located_at_anderlecht(client, brussels_with_osm):
    body = client.get(f"{SEARCH}?locatedAt=Anderlecht").get_json()
    sites = read_table(brussels_with_osm, "sites")
    assert body["total"] == (sites["commune_code"] == "21001").sum() == 101
    assert body["attribution"] == "© OpenStreetMap contributors" and body["synthetic"] is False


def test_located_at_a_neighbourhood(client, brussels_with_osm):
    sites = read_table(brussels_with_osm, "sites")
    body = client.get(f"{SEARCH}?locatedAt=Marolles&limit=1000").get_json()
    assert sorted(r["id"] for r in body["results"]) == sorted(
        sites.loc[sites["neighbourhood_code"] == "8", "site_id"]
    )


def test_near_a_point_in_any_crs(client):
    by_latlon = client.get(f"{SEARCH}?location=50.8466,4.3528&distance=0.5&limit=1000").get_json()
    distances = [r["distance"] for r in by_latlon["results"]]
    assert by_latlon["total"] > 10 and distances == sorted(distances) and max(distances) <= 0.5
    x, y = 148_880, 170_540  # the same point (Grand-Place) in Lambert 72, about
    by_lambert = client.get(f"{SEARCH}?location={x},{y}&distance=0.5&limit=1000").get_json()
    declared = client.get(f"{SEARCH}?location={x},{y}&crs=EPSG:31370&distance=0.5&limit=1000").get_json()
    assert [r["id"] for r in by_lambert["results"]] == [r["id"] for r in declared["results"]]
    shared = {r["id"] for r in by_latlon["results"]} & {r["id"] for r in by_lambert["results"]}
    assert len(shared) > 0.8 * by_latlon["total"]
    lonlat = client.get(f"{SEARCH}?location=4.3528,50.8466&crs=CRS84&distance=0.5&limit=1000").get_json()
    assert [r["id"] for r in lonlat["results"]] == [r["id"] for r in by_latlon["results"]]


def test_filters_by_agreement_category_and_sector(demo_client, demo_sites):
    cocof = everything(demo_client, f"{SEARCH}?agreements=A-COCOF-12")
    assert len(cocof) == demo_sites["accreditations"].str.contains("A-COCOF-12").sum() == 31
    assert all(
        any(a["id"] == "A-COCOF-12" and a["authority"] == "COCOF" for a in r["agreements"]) for r in cocof
    )
    either = demo_client.get(f"{SEARCH}?categories=C-FA-05,C-AS-01&limit=1").get_json()
    wanted = demo_sites["categories"].map(lambda v: bool({"C-FA-05", "C-AS-01"} & set(split_list(v))))
    assert either["total"] == wanted.sum()
    sector_of = taxonomy_sectors()
    in_sector = demo_sites["categories"].map(lambda v: "S-SP" in {sector_of.get(c) for c in split_list(v)})
    by_param = everything(demo_client, f"{SEARCH}?sectors=S-SP&limit=500")
    by_path = everything(demo_client, "/rest/sectors/S-SP/organisations?limit=500")
    assert [r["id"] for r in by_param] == [r["id"] for r in by_path] and len(by_path) == in_sector.sum()
    both = demo_client.get(f"{SEARCH}?sectors=S-SP&locatedAt=Sterburg&limit=1").get_json()
    assert 0 < both["total"] < len(by_path)


def test_only_published_sites_and_paging_is_complete(demo_client, demo_sites, demo_workspace):
    found = everything(demo_client, f"{SEARCH}?limit=1000")
    assert len(found) == len({r["id"] for r in found}) == len(demo_sites) == 4070
    everything_there = read_table(demo_workspace / "demo.gpkg", "sites")
    unpublished = set(everything_there.loc[~everything_there["published"], "site_id"])
    assert unpublished and not unpublished & {r["id"] for r in found}


def test_active_on(demo_client, demo_workspace):
    links = read_table(demo_workspace / "demo.gpkg", "site_units")
    body = demo_client.get(f"{SEARCH}?activeOn=communes:99002&limit=1").get_json()
    active = links[
        (links["relation"] == "active_on") & (links["level"] == "communes") & (links["code"] == "99002")
    ]
    sites = read_table(demo_workspace / "demo.gpkg", "sites")
    published = set(sites.loc[sites["published"], "site_id"])
    assert body["total"] == len(set(active["site_id"]) & published) > 0


def test_records_are_bilingual(demo_client):
    record = demo_client.get(f"{SEARCH}?locatedAt=Sterburg&limit=1").get_json()["results"][0]
    for key in ("nameFr", "nameNl"):
        assert record[key] and record["organisation"][key] and record["locatedIn"]["commune"][key]
    for item in record["categories"] + record["sectors"] + record["agreements"]:
        assert item["nameFr"] and item["nameNl"] and item["nameEn"]
    assert set(record["location"]) == {"lat", "lon", "x", "y"}


def test_sectors_and_agreements(demo_client, demo_sites):
    sectors = demo_client.get("/rest/sectors").get_json()
    assert sectors["total"] == len(sectors["results"]) == 22
    first = sectors["results"][0]
    assert first["id"] == "S-AS" and first["categories"][0]["id"] == "C-AS-01"
    by_path = demo_client.get("/rest/sectors/S-AS/organisations?limit=1").get_json()
    assert first["count"] == by_path["total"]
    agreements = demo_client.get("/rest/agreements").get_json()
    assert agreements["total"] == 93
    cocof = next(a for a in agreements["results"] if a["id"] == "A-COCOF-12")
    assert cocof["authority"] == "COCOF" and cocof["count"] == 31 and cocof["nameNl"] == "Sociale cohesie"


@pytest.mark.parametrize(
    ("path", "url"),
    [
        (SEARCH, f"{SEARCH}?locatedAt=Ixelles&limit=5"),
        (SEARCH, f"{SEARCH}?location=50.8466,4.3528&distance=0.3"),
        ("/rest/sectors", "/rest/sectors"),
        ("/rest/agreements", "/rest/agreements?lang=nl"),
        ("/rest/sectors/{sectorId}/organisations", "/rest/sectors/S-SP/organisations?limit=3"),
        (SEARCH, f"{SEARCH}?limit=0"),
    ],
)
def test_directory_answers_satisfy_the_openapi_document(client, path, url):
    import schemathesis

    schema = schemathesis.openapi.from_dict(client.get("/api").get_json())
    schema[path]["GET"].validate_response(client.get(url))


def test_a_workspace_without_sites(brussels_workspace):
    from service.app import create_app
    from service.settings import Settings

    client = create_app(Settings(workspace=brussels_workspace)).test_client()
    response = client.get(SEARCH)
    assert response.status_code == 404 and "no activity sites" in response.get_json()["description"]
    assert client.get("/rest/sectors").get_json()["results"][0]["count"] == 0
    assert "sites" not in [c["id"] for c in client.get("/collections").get_json()["collections"]]


def test_units_are_found_as_resolve_unit_finds_them(brussels_app):
    """The service's index of unit names answers exactly what geo.search.resolve_unit answers."""
    from geo.errors import InputError
    from geo.search import resolve_unit

    directory = brussels_app.extensions["socialatlas"].directory

    def outcome(find, text):
        try:
            return find(text)
        except InputError as error:
            return str(error)

    texts = ["Atlantis", "Marols", "", "communes:Atlantis", "sectors:21001A00-", "communes:Ixelles"]
    for level, frame in directory.units.items():
        for row in frame.head(60).itertuples():
            texts += [str(row.code), str(row.name_fr), str(row.name_nl).upper(), f"{level}:{row.code}"]
            texts += [str(row.name_fr).lower().replace("e", "é", 1), f"{level}:{row.name_nl}"]
    for text in texts:
        expected = outcome(lambda t: resolve_unit(directory.units, t), text)
        assert outcome(directory.resolve, text) == expected, text
        assert outcome(directory.resolve, text) == expected, text  # and again, remembered
