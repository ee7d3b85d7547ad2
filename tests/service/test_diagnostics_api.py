"""Diagnostics over HTTP: themes, stored indicators (JSON, CSV, XLSX), under-served units, study areas."""

from __future__ import annotations

import io
import json
import math
import sqlite3
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.workspace import read_table

SA = "/diagnostics/study-area"
AREA = "area=Marolles&area=Anneessens"
THEMES = ("pharmacies", "primary_care")


def _plain(value: object) -> object:
    """A stored value as JSON writes it (None for a missing number)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


@lru_cache(maxsize=2)
def _stored(path: Path) -> pd.DataFrame:
    return pd.DataFrame(read_table(path, "indicators"))


@lru_cache(maxsize=4)
def _diagnosed(
    path: Path, units: tuple[str, ...] = (), polygon_wkb: bytes | None = None, ring: float = 1000.0
):
    """The study-area diagnostic as the library makes it (what the API must answer)."""
    from diagnostics.levels import built_in_levels, read_inputs
    from diagnostics.study_area import diagnose_area, study_area
    from diagnostics.themes import load_themes

    inputs = read_inputs(path)
    levels = built_in_levels(inputs)
    polygon = shapely.from_wkb(polygon_wkb) if polygon_wkb else None
    area = study_area(
        inputs, levels, units=list(units), polygon=polygon, ring=ring, name="test" if polygon else None
    )
    return diagnose_area(inputs, load_themes(), levels, area, theme_ids=list(THEMES))


# ---- themes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_themes_have_labels_in_the_request_language(dclient, brussels_diagnosed, lang):
    body = dclient.get(f"/diagnostics/themes?lang={lang}").get_json()
    stored = pd.DataFrame(read_table(brussels_diagnosed, "themes")).set_index("theme")
    assert body["stored"] is True and [t["id"] for t in body["themes"]] == list(stored.index)
    for theme in body["themes"]:
        assert theme["title"] == stored.loc[theme["id"], f"label_{lang}"]
        assert theme["sites"] == stored.loc[theme["id"], "sites"]
        assert {link["rel"] for link in theme["links"]} == {"indicators", "underserved"}
    assert "OpenStreetMap" in body["attribution"] and body["synthetic"] is False


def test_themes_without_a_stored_diagnostic_are_the_built_in_ones(client):
    body = client.get("/diagnostics/themes?lang=nl").get_json()
    assert body["stored"] is False
    assert "pharmacies" in [t["id"] for t in body["themes"]]
    assert next(t for t in body["themes"] if t["id"] == "pharmacies")["title"] == "Apotheken"


# ---- stored indicators -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "theme", "level", "codes"),
    [
        ("theme=pharmacies&level=neighbourhoods", ["pharmacies"], ["neighbourhoods"], None),
        ("theme=seniors,home_care&level=communes", ["seniors", "home_care"], ["communes"], None),
        ("level=sectors&code=21001A011&code=21001A00-", None, ["sectors"], ["21001A011", "21001A00-"]),
        ("code=21009", None, None, ["21009"]),
    ],
)
def test_indicator_rows_equal_the_stored_table(dclient, brussels_diagnosed, query, theme, level, codes):
    table = _stored(brussels_diagnosed)
    keep = np.ones(len(table), dtype=bool)
    for column, wanted in (("theme", theme), ("level", level), ("code", codes)):
        if wanted is not None:
            keep &= table[column].isin(wanted).to_numpy()
    expected = table[keep]
    response = dclient.get(f"/diagnostics/indicators?{query}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["numberReturned"] == len(expected) > 0
    assert body["rows"] == _records(expected)  # every value exactly as stored, null where missing
    assert [i["id"] for i in body["indicators"]] == [
        c for c in table.columns if c not in ("theme", "level", "code", "name_fr", "name_nl", "status")
    ]


def test_every_stored_row_is_served(dclient, brussels_diagnosed):
    body = dclient.get("/diagnostics/indicators").get_json()
    assert body["numberReturned"] == len(_stored(brussels_diagnosed)) == 15 * (1 + 19 + 145 + 724)


def test_indicator_labels_follow_the_language(dclient):
    fr = dclient.get("/diagnostics/indicators?code=region&lang=fr").get_json()["indicators"]
    nl = dclient.get("/diagnostics/indicators?code=region", headers={"Accept-Language": "nl"}).get_json()
    rate = {i["id"]: i for i in fr}["rate"]
    assert rate["label"] == "Offre pour 1 000 personnes cibles" and rate["unit"] == "per 1000"
    assert {i["id"]: i for i in nl["indicators"]}["rate"]["label"].startswith("Aanbod per 1.000")


def test_indicators_as_csv_equal_the_stored_table(dclient, brussels_diagnosed):
    response = dclient.get("/diagnostics/indicators?theme=pharmacies&level=neighbourhoods&f=csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="indicators.csv"'
    read = pd.read_csv(io.BytesIO(response.data), dtype={"code": str})
    table = _stored(brussels_diagnosed)
    expected = table[(table["theme"] == "pharmacies") & (table["level"] == "neighbourhoods")]
    assert list(read.columns) == list(table.columns)
    assert read["code"].tolist() == expected["code"].tolist()
    for column in ("rate", "fca_e2sfca", "underserved", "target"):
        assert np.array_equal(read[column].to_numpy(float), expected[column].to_numpy(float), equal_nan=True)


def test_indicators_as_xlsx_equal_the_stored_table(dclient, brussels_diagnosed):
    response = dclient.get("/diagnostics/indicators?theme=food_aid&level=communes&f=xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    sheets = pd.read_excel(io.BytesIO(response.data), sheet_name=None, dtype={"code": str})
    assert {"metadata", "indicators", "definitions"} <= set(sheets)
    table = _stored(brussels_diagnosed)
    expected = table[(table["theme"] == "food_aid") & (table["level"] == "communes")]
    read = sheets["indicators"]
    assert read["code"].tolist() == expected["code"].tolist()
    assert np.allclose(read["rate"].to_numpy(float), expected["rate"].to_numpy(float), equal_nan=True)


def test_no_stored_diagnostic_is_a_clear_404(client):
    response = client.get("/diagnostics/indicators")
    assert response.status_code == 404
    assert "socialatlas diagnose" in response.get_json()["description"]
    assert client.get("/diagnostics/underserved?theme=pharmacies").status_code == 404


# ---- under-served units ------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "limit"), [("sectors", 10), ("neighbourhoods", 200), ("communes", 3)])
def test_underserved_units_are_ranked_by_their_stored_score(dclient, brussels_diagnosed, level, limit):
    body = dclient.get(f"/diagnostics/underserved?theme=pharmacies&level={level}&limit={limit}").get_json()
    table = _stored(brussels_diagnosed)
    rows = table[(table["theme"] == "pharmacies") & (table["level"] == level)]
    ok = rows[(rows["status"] == "ok") & rows["underserved"].notna()]
    assert body["numberMatched"] == len(ok) and body["numberReturned"] == min(limit, len(ok))
    scores = [r["underserved"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)
    assert [r["rank"] for r in body["results"]] == list(range(1, len(scores) + 1))
    expected = ok.sort_values(["underserved", "code"], ascending=[False, True]).head(limit)
    assert [r["code"] for r in body["results"]] == expected["code"].tolist()
    first = expected.iloc[0]
    assert body["results"][0]["fca_e2sfca"] == first["fca_e2sfca"]
    assert body["results"][0]["nearest_m"] == first["nearest_m"]
    assert set(r["code"] for r in body["results"]) <= set(ok["code"])  # never a unit without status ok


def test_underserved_gives_the_score_weights_and_inputs(dclient):
    from diagnostics.themes import load_themes

    score = dclient.get("/diagnostics/underserved?theme=pharmacies").get_json()["score"]
    assert score["weights"] == load_themes().weights and math.isclose(sum(score["weights"].values()), 1.0)
    assert score["inputs"]["e2sfca"]["indicator"] == "fca_e2sfca"
    assert score["inputs"]["e2sfca"]["weight"] == score["weights"]["e2sfca"]
    assert "standard score" in score["method"]


# ---- study areas -------------------------------------------------------------------------------------


def test_study_area_values_equal_diagnose_area(dclient, brussels_diagnosed):
    response = dclient.get(f"{SA}?{AREA}&theme=pharmacies&theme=primary_care")
    assert response.status_code == 200
    body = response.get_json()
    expected = _diagnosed(brussels_diagnosed, ("Marolles", "Anneessens"))
    assert body["indicators"] == _records(expected.diagnostic.indicators)
    assert body["profile"] == _records(expected.profile)
    assert [s["site_id"] for s in body["sites"]] == expected.sites["site_id"].tolist()
    area = body["area"]
    assert area["name"] == expected.area.name == "Marolles + Anneessens"
    assert [m["code"] for m in area["members"]] == expected.area.members["code"].tolist()
    assert area["communes"] == ["21004"] and area["ringWidth"] == 1000
    assert area["geometry"]["type"] in ("Polygon", "MultiPolygon")
    lon, lat = np.array(shapely.geometry.shape(area["geometry"]).centroid.coords[0])
    assert 4.33 < lon < 4.36 and 50.83 < lat < 50.85  # CRS84, around the Marolles
    assert body["themes"] == list(THEMES) and body["synthetic"] is False


def test_study_area_as_csv_xlsx_and_gpkg(dclient, brussels_diagnosed, tmp_path):
    query = f"{SA}?{AREA}&theme=pharmacies&theme=primary_care"
    expected = _diagnosed(brussels_diagnosed, ("Marolles", "Anneessens")).diagnostic.indicators
    csv = pd.read_csv(io.BytesIO(dclient.get(query + "&f=csv").data), dtype={"code": str})
    assert csv["code"].tolist() == expected["code"].tolist()
    assert np.array_equal(csv["rate"].to_numpy(float), expected["rate"].to_numpy(float), equal_nan=True)
    sheets = pd.read_excel(io.BytesIO(dclient.get(query + "&f=xlsx").data), sheet_name=None)
    assert {"metadata", "indicators", "profile", "study_sites"} <= set(sheets)
    response = dclient.get(query + "&f=gpkg")
    assert response.headers["Content-Disposition"] == 'attachment; filename="study_area.gpkg"'
    path = tmp_path / "area.gpkg"
    path.write_bytes(response.data)
    layers = dict(pyogrio.list_layers(path))
    assert {"study_area", "study_sites", "study_adjacent", "indicators", "profile"} <= set(layers)
    assert len(pyogrio.read_dataframe(path, layer="study_area")) == 2
    with sqlite3.connect(path) as db:
        styled = {row[0] for row in db.execute("SELECT f_table_name FROM layer_styles")}
    assert {"study_area", "study_sites"} <= styled


def test_a_posted_polygon_in_lambert_is_diagnosed_as_the_library_does(dclient, brussels_diagnosed):
    box = shapely.box(148_500, 169_500, 149_500, 170_500)
    body = {
        "type": "Feature",
        "properties": {},
        "geometry": json.loads(shapely.to_geojson(box)),
    }
    document = {
        "type": "FeatureCollection",
        "features": [body],
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::31370"}},
    }
    response = dclient.post(f"{SA}?theme=pharmacies&theme=primary_care&name=test", json=document)
    assert response.status_code == 200, response.get_json()
    expected = _diagnosed(brussels_diagnosed, polygon_wkb=shapely.to_wkb(box))
    assert response.get_json()["indicators"] == _records(expected.diagnostic.indicators)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_posted_polygon_in_longitude_latitude(dclient):
    polygon = {
        "type": "Polygon",
        "coordinates": [
            [[4.345, 50.835], [4.355, 50.835], [4.355, 50.842], [4.345, 50.842], [4.345, 50.835]]
        ],
    }
    response = dclient.post(f"{SA}?theme=pharmacies&lang=nl", json=polygon)
    assert response.status_code == 200
    body = response.get_json()
    assert body["area"]["name"] == "Studiegebied"
    area = body["indicators"][[r["level"] for r in body["indicators"]].index("study_area")]
    assert area["theme"] == "pharmacies" and area["target"] > 0


# ---- errors: one shape, 4xx, a clear message ---------------------------------------------------------

BAD = [
    ("/diagnostics/indicators?theme=nope", 400, "unknown theme 'nope'; themes are primary_care"),
    ("/diagnostics/indicators?level=streets", 400, "unknown level 'streets'; levels are"),
    ("/diagnostics/indicators?level=communes&code=21001A00-", 400, "no unit of level communes"),
    ("/diagnostics/indicators?f=html", 400, "give one of json, csv, xlsx"),
    ("/diagnostics/indicators?colour=red", 400, "unknown parameter(s) 'colour'"),
    ("/diagnostics/underserved", 400, "theme: give one theme"),
    ("/diagnostics/underserved?theme=pharmacies&level=region", 400, "the region is one unit"),
    ("/diagnostics/underserved?theme=pharmacies&limit=0", 400, "limit 0"),
    ("/diagnostics/themes?f=csv", 400, "give one of json"),
    (SA, 400, "give the neighbourhoods or sectors of the study area"),
    (
        f"{SA}?area=Marols",
        400,
        "area 'Marols': no sector, neighbourhood, commune or zone is called or coded "
        "'Marols'; did you mean 'MAROLLES'",
    ),
    (f"{SA}?area=Marolles&area=21001A00-", 400, "not a mix of both"),
    (f"{SA}?{AREA}&ring=0", 400, "ring 0: give a number above 0"),
    (f"{SA}?{AREA}&ring=60000", 400, "at most 5000 metres"),
    (f"{SA}?{AREA}&ring=wide", 400, "'wide' is not a number"),
    (f"{SA}?{AREA}&theme=dentists", 400, "unknown theme 'dentists'"),
    (f"{SA}?{AREA}&f=shp", 400, "give one of json, csv, xlsx, gpkg"),
]


@pytest.mark.parametrize(("url", "status", "fragment"), BAD)
def test_bad_requests_have_one_shape(dclient, brussels_diagnosed, url, status, fragment):
    response = dclient.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"code", "description"} and body["code"] == "InvalidParameterValue"
    assert fragment in body["description"]
    assert str(brussels_diagnosed.parent) not in response.get_data(as_text=True)


def _ring(*points: tuple[float, float]) -> list[list[float]]:
    return [list(p) for p in (*points, points[0])]


POSTS = [
    ({"type": "Point", "coordinates": [4.35, 50.84]}, 400, "a GeoJSON 'Point' is not a polygon"),
    (
        {
            "type": "Polygon",
            "coordinates": [_ring((4.345, 50.835), (4.355, 50.842), (4.355, 50.835), (4.345, 50.842))],
        },
        400,
        "the polygon is invalid (Self-intersection",
    ),
    (
        {"type": "Polygon", "coordinates": [_ring((148000, 169000), (149000, 169000), (149000, 170000))]},
        400,
        "these coordinates are Lambert 72 (EPSG:31370) but the polygon is read as longitude, latitude",
    ),
    (
        {"type": "Polygon", "coordinates": [_ring((2.33, 48.85), (2.36, 48.85), (2.36, 48.87))]},
        400,
        "lies outside the region",
    ),
    ({"type": "Polygon", "coordinates": "x"}, 400, "not a readable GeoJSON polygon"),
    ({"type": "FeatureCollection", "features": []}, 400, "holds no feature"),
    (
        {
            "type": "Polygon",
            "coordinates": [_ring((4.34, 50.83), (4.36, 50.83), (4.36, 50.85))],
            "crs": {"type": "name", "properties": {"name": "EPSG:32631"}},
        },
        400,
        "not served",
    ),
]


@pytest.mark.parametrize(("document", "status", "fragment"), POSTS)
def test_bad_polygons_are_refused_with_the_reason(dclient, document, status, fragment):
    response = dclient.post(SA, json=document)
    assert response.status_code == status
    assert fragment in response.get_json()["description"]


def test_a_body_must_be_small_geojson(dclient, diagnosed_app):
    assert dclient.post(SA, data=b"{", content_type="application/json").status_code == 400
    wrong = dclient.post(SA, data=b"<gml/>", content_type="application/xml")
    assert wrong.status_code == 415 and wrong.get_json()["code"] == "UnsupportedMediaType"
    limit = diagnosed_app.extensions["socialatlas"].settings.max_request_bytes
    big = dclient.post(SA, data=b" " * (limit + 1), content_type="application/json")
    assert big.status_code == 413 and big.get_json()["code"] == "RequestEntityTooLarge"
    both = dclient.post(f"{SA}?area=Marolles", json={"type": "Polygon", "coordinates": []})
    assert both.status_code == 400 and "not both" in both.get_json()["description"]
    refused = dclient.post("/diagnostics/indicators")
    assert refused.status_code == 405 and refused.get_json()["code"] == "MethodNotAllowed"


def test_study_areas_are_cached(dclient, monkeypatch):
    import service.analysis

    url = f"{SA}?area=Marolles&theme=seniors&ring=500"
    first = dclient.get(url)
    assert first.status_code == 200

    def fail(*args, **kwargs):
        raise AssertionError("diagnosed again")

    monkeypatch.setattr(service.analysis, "diagnose_area", fail)
    again = dclient.get(url + "&f=csv")  # same area, another format: from the cache
    assert again.status_code == 200 and again.mimetype == "text/csv"
    other = dclient.get(f"{SA}?area=Marolles&theme=seniors&ring=600")
    assert other.status_code == 500  # another ring is another area: computed (and here, failing)


# ---- the demonstration workspace and the OpenAPI document --------------------------------------------


def test_demo_diagnostics_say_they_are_synthetic(demo_client):
    indicators = demo_client.get("/diagnostics/indicators?theme=pharmacies&level=communes").get_json()
    assert indicators["synthetic"] is True and indicators["numberReturned"] == 19
    area = demo_client.get(f"{SA}?area=Port Haut&area=Houblon Centre&theme=pharmacies")
    assert area.status_code == 200 and area.get_json()["synthetic"] is True
    assert area.get_json()["area"]["name"] == "Port Haut + Houblon Centre"


@pytest.mark.parametrize(
    ("path", "method", "url"),
    [
        ("/diagnostics/themes", "GET", "/diagnostics/themes?lang=en"),
        ("/diagnostics/indicators", "GET", "/diagnostics/indicators?theme=pharmacies&level=communes"),
        ("/diagnostics/indicators", "GET", "/diagnostics/indicators?theme=pharmacies&level=communes&f=csv"),
        ("/diagnostics/indicators", "GET", "/diagnostics/indicators?theme=nope"),
        ("/diagnostics/underserved", "GET", "/diagnostics/underserved?theme=pharmacies&limit=5"),
        (SA, "GET", f"{SA}?{AREA}&theme=pharmacies&theme=primary_care"),
        (SA, "GET", f"{SA}?area=Marols"),
    ],
)
def test_answers_satisfy_the_openapi_document(dclient, path, method, url):
    import schemathesis

    schema = schemathesis.openapi.from_dict(dclient.get("/api").get_json())
    schema[path][method].validate_response(dclient.open(url, method=method))


def test_schemathesis_finds_no_server_error_in_the_diagnostics(diagnosed_app, serve, schemathesis_run):
    import re

    with serve(diagnosed_app) as url:
        out = schemathesis_run(
            url,
            "--phases",
            "fuzzing",
            "--max-examples",
            "8",
            "--seed",
            "2024",
            "--include-path-regex",
            "^/diagnostics/|^/collections/\\{collectionId\\}/styles/",
        )
    tested = re.search(r"Tested: (\d+)", out)
    assert tested and int(tested[1]) >= 6
