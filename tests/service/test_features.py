"""OGC API – Features on the real Brussels workspace: documents, paging, bbox, CRS, filters, OpenAPI."""

import json

import geopandas as gpd
import pytest
import shapely

from geo.errors import InputError
from geo.workspace import read_table
from service.params import CRS84, epsg_uri

GEOJSON = "application/geo+json"
LAMBERT = epsg_uri(31370)


def links(body, rel):
    return [link["href"] for link in body["links"] if link["rel"] == rel]


def test_landing_page_links_everything(client):
    body = client.get("/").get_json()
    for rel in ("self", "service-desc", "conformance", "data"):
        assert links(body, rel), rel
    assert links(body, "service-desc")[0].endswith("/api")
    assert "OpenStreetMap" in body["attribution"] and "Statbel" in body["attribution"]


def test_conformance(client):
    classes = client.get("/conformance").get_json()["conformsTo"]
    for suffix in (
        "features-1/1.0/conf/core",
        "features-1/1.0/conf/geojson",
        "features-1/1.0/conf/oas30",
        "features-2/1.0/conf/crs",
        "features-3/1.0/conf/queryables",
        "features-3/1.0/conf/filter",
        "cql2/1.0/conf/cql2-text",
    ):
        assert any(c.endswith(suffix) for c in classes), suffix


def test_collections_are_the_catalogue(client, brussels_with_osm):
    from layers.catalogue import catalogue

    body = client.get("/collections").get_json()
    assert [c["id"] for c in body["collections"]] == [layer.id for layer in catalogue(brussels_with_osm)]
    sectors = next(c for c in body["collections"] if c["id"] == "sectors")
    assert sectors["crs"] == [CRS84, epsg_uri(4326), LAMBERT, epsg_uri(3812)]
    assert sectors["storageCrs"] == LAMBERT
    lon0, lat0, lon1, lat1 = sectors["extent"]["spatial"]["bbox"][0]
    assert 4.2 < lon0 < lon1 < 4.5 and 50.7 < lat0 < lat1 < 50.95
    x0, y0, x1, y1 = sectors["extent"]["spatial"]["storageCrsBbox"][0]
    assert 140_000 < x0 < x1 < 160_000 and 160_000 < y0 < y1 < 180_000
    assert links(sectors, "items")[0].endswith("/collections/sectors/items")
    assert client.get("/collections/sectors").get_json() == sectors


def walk(client, url):
    """Every feature id met following the next links from ``url``, and the pages seen."""
    ids, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == GEOJSON
        body = response.get_json()
        ids += [f["id"] for f in body["features"]]
        assert body["numberReturned"] == len(body["features"])
        pages += 1
        url = (links(body, "next") or [None])[0]
    return ids, pages


def test_paging_never_drops_or_repeats_a_feature(client):
    ids, pages = walk(client, "/collections/sectors/items?limit=100")
    assert len(ids) == 724 and len(set(ids)) == 724 and pages == 8
    assert ids == sorted(ids)  # stable order: by feature id
    ids, _ = walk(client, "/collections/sites/items?limit=97&filter=commune_code='21004'")
    expected = client.get("/collections/sites/items?limit=10000&commune_code=21004").get_json()
    assert ids == [f["id"] for f in expected["features"]] and len(ids) == expected["numberMatched"] > 97


def test_prev_links_and_offsets_past_the_end(client):
    body = client.get("/collections/sectors/items?limit=100&offset=200").get_json()
    prev = client.get(links(body, "prev")[0]).get_json()
    assert [f["id"] for f in prev["features"]] == [
        f["id"] for f in client.get("/collections/sectors/items?limit=100&offset=100").get_json()["features"]
    ]
    past = client.get("/collections/sectors/items?offset=5000").get_json()
    assert past["numberReturned"] == 0 and past["numberMatched"] == 724 and not links(past, "next")


def test_default_limit_and_counts(client):
    body = client.get("/collections/sites/items").get_json()
    assert body["numberReturned"] == 100 and body["numberMatched"] == 1283
    assert body["timeStamp"].endswith("Z") and body["type"] == "FeatureCollection"


def test_bbox_in_lambert_and_crs84_agree(client, brussels_with_osm):
    sites = read_table(brussels_with_osm, "sites")
    box = (148_000.0, 169_000.0, 151_000.0, 172_000.0)
    url = "/collections/sites/items?limit=10000&bbox={}&bbox-crs={}"
    lambert = client.get(url.format(",".join(map(str, box)), LAMBERT)).get_json()
    inside = sites[sites.intersects(shapely.box(*box))]
    assert sorted(f["id"] for f in lambert["features"]) == sorted(inside["site_id"])
    assert lambert["numberMatched"] == len(inside) > 50
    # the same box in degrees holds the Lambert box (and a bit more around it)
    lonlat = gpd.GeoSeries([shapely.box(*box)], crs=31370).to_crs(4326).total_bounds
    degrees = client.get(url.format(",".join(map(str, lonlat)), CRS84)).get_json()
    expected = sites.to_crs(4326).cx[lonlat[0] : lonlat[2], lonlat[1] : lonlat[3]]
    assert sorted(f["id"] for f in degrees["features"]) == sorted(expected["site_id"])
    assert set(inside["site_id"]) <= {f["id"] for f in degrees["features"]}
    # EPSG:4326 takes latitude first
    swapped = ",".join(map(str, (lonlat[1], lonlat[0], lonlat[3], lonlat[2])))
    lat_first = client.get(url.format(swapped, epsg_uri(4326))).get_json()
    assert [f["id"] for f in lat_first["features"]] == [f["id"] for f in degrees["features"]]


def test_bbox_on_polygons_is_exact(client, brussels_with_osm):
    sectors = read_table(brussels_with_osm, "sectors")
    point = sectors.geometry.iloc[100].representative_point()
    box = (point.x - 1, point.y - 1, point.x + 1, point.y + 1)
    body = client.get(
        f"/collections/sectors/items?bbox-crs={LAMBERT}&bbox={','.join(map(str, box))}"
    ).get_json()
    assert [f["id"] for f in body["features"]] == [sectors["code"].iloc[100]]


def test_world_bbox_and_bbox_outside_the_data(client):
    assert client.get("/collections/sectors/items?bbox=-180,-90,180,90").get_json()["numberMatched"] == 724
    assert client.get("/collections/sectors/items?bbox=2.0,49.0,2.1,49.1").get_json()["numberMatched"] == 0


@pytest.mark.parametrize(
    ("crs", "header", "first_axis"),
    [
        (None, CRS84, (4.2, 4.5)),
        ("EPSG:4326", epsg_uri(4326), (50.7, 51.0)),
        (LAMBERT, LAMBERT, (140_000, 160_000)),
        ("http://www.opengis.net/def/crs/EPSG/0/3812", epsg_uri(3812), (640_000, 660_000)),
    ],
)
def test_output_crs_and_axis_order(client, crs, header, first_axis):
    url = "/collections/sites/items?limit=20" + (f"&crs={crs}" if crs else "")
    response = client.get(url)
    assert response.headers["Content-Crs"] == f"<{header}>"
    for feature in response.get_json()["features"]:
        first = feature["geometry"]["coordinates"][0]
        assert first_axis[0] < first < first_axis[1]


def test_one_feature(client):
    response = client.get(f"/collections/sectors/items/21001A00-?crs={LAMBERT}")
    body = response.get_json()
    assert response.mimetype == GEOJSON and response.headers["Content-Crs"] == f"<{LAMBERT}>"
    assert body["id"] == "21001A00-" and body["properties"]["commune_code"] == "21001"
    assert body["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert links(body, "self")[0].endswith("/collections/sectors/items/21001A00-")
    site = client.get("/collections/sites/items/osm:15672").get_json()
    assert site["properties"]["name_fr"] == "Hôpital Militaire Reine Astrid"


def test_property_filters_and_cql2_agree(client, brussels_with_osm):
    sectors = read_table(brussels_with_osm, "sectors")
    by_param = client.get("/collections/sectors/items?commune_code=21001&limit=1000").get_json()
    by_filter = client.get("/collections/sectors/items?filter=commune_code='21001'&limit=1000").get_json()
    expected = sorted(sectors.loc[sectors["commune_code"] == "21001", "code"])
    assert [f["id"] for f in by_param["features"]] == [f["id"] for f in by_filter["features"]] == expected
    crowded = client.get(
        "/collections/sectors/items?limit=1000&filter-lang=cql2-text"
        "&filter=population >= 3000 AND (commune_code IN ('21001','21004') OR name_fr LIKE 'SAINT%')"
    ).get_json()
    mask = (sectors["population"] >= 3000) & (
        sectors["commune_code"].isin(["21001", "21004"]) | sectors["name_fr"].str.startswith("SAINT")
    )
    assert sorted(f["id"] for f in crowded["features"]) == sorted(sectors.loc[mask, "code"])
    assert client.get("/collections/sites/items?published=true").get_json()["numberMatched"] == 1283


def test_queryables(client):
    body = client.get("/collections/sectors/queryables").get_json()
    assert body["properties"]["population"]["type"] == "integer"
    assert body["properties"]["commune_code"]["type"] == "string"
    assert body["properties"]["neighbourhood_share"]["type"] == "number"
    assert body["additionalProperties"] is False and body["$id"].endswith("/collections/sectors/queryables")


def test_openapi_has_no_remote_reference(client):
    response = client.get("/api")
    assert response.headers["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    document = response.get_json()
    refs = []

    def collect(node):
        if isinstance(node, dict):
            refs.extend(v for k, v in node.items() if k == "$ref")
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document)
    assert refs and all(ref.startswith("#/") for ref in refs)
    for ref in set(refs):  # every local reference resolves
        node = document
        for part in ref[2:].split("/"):
            node = node[part]
    assert document["components"]["parameters"]["limit"]["schema"]["maximum"] == 10_000
    assert "/collections/sites/items" in document["paths"]
    params = {p["$ref"] for p in document["paths"]["/collections/sectors/items"]["get"]["parameters"]}
    assert "#/components/parameters/property.commune_code.string" in params


def test_openapi_validates_with_the_spec_validator(client):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(client.get("/api").get_json())


@pytest.mark.parametrize(
    "url",
    [
        "/collections/sectors/items?limit=3",
        "/collections/sites/items?limit=50&crs=EPSG:31370",
        "/collections/region/items",
        "/collections/sectors/items/21001A00-",
        "/collections/sites/items/osm:15672?crs=EPSG:4326",
        "/collections/sectors",
        "/collections",
        "/",
        "/conformance",
        "/collections/sectors/queryables",
        "/collections/nope",
        "/collections/sectors/items?limit=0",
    ],
)
def test_responses_satisfy_the_openapi_document(client, url):
    import schemathesis

    schema = schemathesis.openapi.from_dict(client.get("/api").get_json())
    path = url.split("?")[0]
    if path.startswith("/collections/") and path.count("/") == 4:
        path = path.rsplit("/", 1)[0] + "/{featureId}"
    if path == "/collections/nope":
        path = "/collections/sectors"
    response = client.get(url)
    schema[path]["GET"].validate_response(response)
    json.loads(response.get_data(as_text=True))


@pytest.mark.parametrize("app_name", ["brussels_app", "demo_app"])
def test_every_collection_answers_per_the_openapi_document(request, app_name):
    import schemathesis

    client = request.getfixturevalue(app_name).test_client()
    document = client.get("/api").get_json()
    schema = schemathesis.openapi.from_dict(document)
    collections = client.get("/collections").get_json()["collections"]
    assert len(collections) >= 19
    kinds = {}  # one collection of each feature schema (collections with the same properties share one)
    for collection in collections:
        items = document["paths"][f"/collections/{collection['id']}/items"]["get"]["responses"]["200"]
        kinds.setdefault(items["content"]["application/geo+json"]["schema"]["$ref"], collection["id"])
    assert len(kinds) >= 5
    for cid in kinds.values():
        base = f"/collections/{cid}"
        for path, url in (
            (base, base),
            (f"{base}/queryables", f"{base}/queryables"),
            (f"{base}/items", f"{base}/items?limit=3&crs={LAMBERT}"),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            schema[path]["GET"].validate_response(response)
        features = client.get(f"{base}/items?limit=1").get_json()["features"]
        if features:
            response = client.get(f"{base}/items/{features[0]['id']}")
            schema[f"{base}/items/{{featureId}}"]["GET"].validate_response(response)


def test_collection_from_a_hand_built_layer():
    import datetime

    import numpy as np
    import pandas as pd

    from layers.layer import Layer
    from service.collection import collection_from_layer

    data = gpd.GeoDataFrame(
        {
            "name": ["b", "a", None],
            "value": [1.5, np.nan, np.inf],
            "when": [datetime.date(2024, 1, 31), None, datetime.date(2025, 1, 1)],
            "flag": [True, False, True],
        },
        geometry=[shapely.Point(150_000, 170_000), None, shapely.Point(151_000, 171_000)],
        crs=31370,
    )
    layer = Layer(
        id="t",
        title={"fr": "t"},
        description={"fr": "t"},
        data=data,
        kind="points",
        attribution="",
        vintage="",
    )
    collection = collection_from_layer(layer)
    assert list(collection.ids) == [1, 2, 3]  # no id column: row numbers
    features = [json.loads(text) for text in collection.features_json(LAMBERT)]
    assert [f["id"] for f in features] == [1, 2, 3]
    assert features[1]["geometry"] is None and features[0]["geometry"]["coordinates"] == [150000.0, 170000.0]
    assert features[0]["properties"] == {"name": "b", "value": 1.5, "when": "2024-01-31", "flag": True}
    assert features[1]["properties"]["value"] is None and features[2]["properties"]["value"] is None
    assert features[2]["properties"]["name"] is None
    assert collection.types() == {"name": "string", "value": "number", "when": "string", "flag": "boolean"}
    everywhere = collection.select(bbox=(-180, -90, 180, 90))
    assert list(everywhere) == [0, 2]  # the feature without geometry is in no box
    assert list(collection.select(filter_text="flag = true AND value IS NULL")) == [2]
    table = collection_from_layer(
        Layer(
            id="tab",
            title={"fr": "t"},
            description={"fr": "t"},
            kind="table",
            attribution="",
            vintage="",
            data=pd.DataFrame({"code": ["x", "y"], "n": [1, 2]}),
        )
    )
    assert list(table.ids) == ["x", "y"] and table.extent() is None
    assert json.loads(table.features_json(CRS84)[0])["geometry"] is None
    with pytest.raises(InputError, match="table without geometry"):
        table.select(bbox=(4, 50, 5, 51))


# ---- real clients against a live server (each skipped where absent) ---------------------------


def _ogrinfo(*args):
    import shutil
    import subprocess

    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo (GDAL) is not installed")
    done = subprocess.run(["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gdal_lists_every_collection(live_server, client):
    out = _ogrinfo(f"OAPIF:{live_server}")
    for collection in client.get("/collections").get_json()["collections"]:
        assert f": {collection['id']} (title: " in out
    summary = _ogrinfo("-so", f"OAPIF:{live_server}", "sectors")
    assert "Feature Count: 724" in summary and "population: Integer" in summary


def test_gdal_reads_every_page(live_server, tmp_path):
    import subprocess

    _ogrinfo("--version")
    out = tmp_path / "sites.geojson"
    done = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{live_server}", "sites", "-oo", "PAGE_SIZE=500"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    ids = [f["properties"]["site_id"] for f in json.loads(out.read_text())["features"]]
    assert len(ids) == len(set(ids)) == 1283


def test_qgis_loads_the_collections_in_both_crs(live_server, qgis_check):
    code, layers = qgis_check("oapif", live_server, "sectors")
    assert code == 0, layers
    assert layers[0]["feature_count"] == 724 and layers[0]["crs"] == "EPSG:4326"
    assert "commune_code" in layers[0]["fields"]
    # QGIS 3.22's OAPIF provider asks for CRS84 only; the items in Lambert 72 load as GeoJSON
    code, layers = qgis_check(
        "vector", f"{live_server}/collections/sectors/items?limit=1000&crs={LAMBERT}", "l72"
    )
    assert code == 0, layers
    assert layers[0]["feature_count"] == 724 and layers[0]["crs"] == "EPSG:31370"
    x0, y0, x1, y1 = layers[0]["extent"]
    assert 140_000 < x0 < x1 < 160_000 and 160_000 < y0 < y1 < 180_000
    code, layers = qgis_check("oapif", live_server, "sites")
    assert code == 0 and layers[0]["feature_count"] == 1283


def _schemathesis(live_server, *options):
    import subprocess
    import sys

    pytest.importorskip("schemathesis")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{live_server}/api",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--workers",
            "4",
            "--no-color",
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-5000:]
    return done.stdout


def test_schemathesis_finds_no_server_error_nor_broken_schema(live_server):
    import re

    # every collection runs the same code: fuzz the service documents, the directory and a few
    # collections of each kind (units, need, sites); every collection's answers are checked above
    some = (
        "^/$|^/api$|^/conformance$|^/collections$|^/rest/"
        "|^/collections/(sectors|region|need_share_cpas|sites)(/.*)?$"
    )
    out = _schemathesis(
        live_server,
        "--phases",
        "fuzzing",
        "--max-examples",
        "10",
        "--seed",
        "2024",
        "--include-path-regex",
        some,
    )
    selected, tested = re.search(r"Selected: (\d+)/", out), re.search(r"Tested: (\d+)", out)
    assert selected and tested and int(tested[1]) >= 20 and int(selected[1]) - int(tested[1]) <= 2
    assert re.search(r"\d+ generated, \d+ passed", out)
    _schemathesis(
        live_server,
        "--phases",
        "coverage",
        "--include-path-regex",
        "^/collections/sites/items$|^/rest/search/organisation$",
        "--seed",
        "2024",
    )
