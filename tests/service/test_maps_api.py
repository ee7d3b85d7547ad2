"""Maps, reports, styles and GeoPackage downloads over HTTP, and the limits on costly requests."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tempfile
import threading
import xml.etree.ElementTree as ET

import pyogrio
import pypdf
import pytest
from werkzeug.exceptions import TooManyRequests

from service.app import create_app
from service.limits import RenderLimiter
from service.settings import Settings
from service.state import LIMITER


def _pdf(data: bytes) -> pypdf.PdfReader:
    assert data[:5] == b"%PDF-"
    return pypdf.PdfReader(io.BytesIO(data))


def _text(reader: pypdf.PdfReader) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture()
def private_tmp(tmp_path, monkeypatch):
    """The temporary folder of this process, for this test only (to see what a request leaves)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


# ---- maps --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "query", "lang"),
    [
        ("pharmacies_neighbourhoods", "", "fr"),
        ("pharmacies_neighbourhoods", "?lang=nl", "nl"),
        ("sites_pharmacies", "?focus=Ixelles&size=A3", "fr"),
        ("need_share_cpas", "?orientation=landscape&lang=en", "en"),
        ("communes", "", "fr"),
    ],
)
def test_a_map_of_a_layer_is_a_one_page_pdf_with_its_title(
    dclient, diagnosed_app, private_tmp, layer, query, lang
):
    title = diagnosed_app.extensions["socialatlas"].collections[layer].layer.text("title", lang)
    response = dclient.get(f"/maps/{layer}.pdf{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="{layer}.pdf"'
    reader = _pdf(response.data)
    assert len(reader.pages) == 1
    assert title.lower() in _text(reader).lower()
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    if "A3" in query:
        assert {round(width / 72 * 25.4), round(height / 72 * 25.4)} == {297, 420}
    if "landscape" in query:
        assert width > height
    assert not os.listdir(private_tmp)  # nothing left behind


def test_a_map_as_png(dclient):
    response = dclient.get("/maps/sites.png?orientation=portrait")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(response.data[16:20], "big")
    height = int.from_bytes(response.data[20:24], "big")
    assert abs(width - 210 / 25.4 * 150) <= 1 and abs(height - 297 / 25.4 * 150) <= 1


def test_an_indicator_layer_maps_any_of_its_indicators(dclient):
    text = _text(_pdf(dclient.get("/maps/pharmacies_neighbourhoods.pdf?indicator=fca_e2sfca").data))
    assert "Pharmacies — Quartiers du monitoring — Accessibilité E2SFCA pour 1 000" in text


BAD_MAPS = [
    ("/maps/nope.pdf", 404, "NotFound", "no layer 'nope'"),
    ("/maps/equity.pdf", 400, "InvalidParameterValue", "is a table"),
    ("/maps/sectors.pdf?focus=Atlantis", 400, "InvalidParameterValue", "focus 'Atlantis'"),
    ("/maps/sectors.pdf?focus=Ixels", 400, "InvalidParameterValue", "did you mean Ixelles"),
    ("/maps/sectors.pdf?size=A0", 400, "InvalidParameterValue", "size 'A0': give one of A4, A3"),
    ("/maps/sectors.pdf?orientation=diagonal", 400, "InvalidParameterValue", "orientation"),
    ("/maps/sectors.pdf?lang=de", 400, "InvalidParameterValue", "lang 'de'"),
    ("/maps/sectors.pdf?dpi=600", 400, "InvalidParameterValue", "unknown parameter(s) 'dpi'"),
    ("/maps/pharmacies_sectors.pdf?indicator=colour", 400, "InvalidParameterValue", "has the indicators"),
    ("/maps/sectors.gif", 404, "NotFound", "not found"),
    ("/reports/study-area.pdf", 400, "InvalidParameterValue", "give the neighbourhoods or sectors"),
    ("/reports/study-area.pdf?area=Atlantis", 400, "InvalidParameterValue", "area 'Atlantis'"),
    ("/reports/study-area.pdf?area=Marolles&size=A5", 400, "InvalidParameterValue", "size 'A5'"),
    ("/collections/equity/styles/qml", 404, "NotFound", "is a table; it has no style"),
    ("/collections/sectors/styles/css", 404, "NotFound", "no style format 'css'"),
    ("/collections/nope/styles/qml", 404, "NotFound", "no layer 'nope'"),
    ("/export.gpkg", 400, "InvalidParameterValue", "layer: give the layers to export"),
    ("/export.gpkg?layer=sectors&layer=nope", 400, "InvalidParameterValue", "no layer 'nope'"),
    ("/export.gpkg?layer=../../etc/passwd", 400, "InvalidParameterValue", "no layer '../../etc/passwd'"),
    (
        "/export.gpkg?" + "&".join(f"layer=l{i}" for i in range(41)),
        400,
        "InvalidParameterValue",
        "at most 40",
    ),
]


@pytest.mark.parametrize(("url", "status", "code", "fragment"), BAD_MAPS)
def test_bad_map_requests_have_one_shape_and_cost_nothing(diagnosed_app, url, status, code, fragment):
    limiter = diagnosed_app.extensions[LIMITER]
    response = diagnosed_app.test_client().get(url)
    assert response.status_code == status and response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == code and fragment in body["description"], body
    assert limiter.tokens("127.0.0.1") == limiter.capacity


# ---- the report --------------------------------------------------------------------------------------


def test_the_study_area_report(dclient):
    url = "/reports/study-area.pdf?area=Marolles&area=Anneessens&theme=pharmacies&theme=primary_care"
    response = dclient.get(url + "&lang=nl")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = _pdf(response.data)
    text = _text(reader)
    assert len(reader.pages) >= 5
    assert (
        "Marolles + Anneessens" in text and "Apotheken" in text and "Sociaal-gezondheidsprediagnose" in text
    )
    french = _text(_pdf(dclient.get(url + "&lang=fr").data))
    assert "Pharmacies" in french and "Sociaal" not in french


# ---- styles ------------------------------------------------------------------------------------------


def test_styles_as_qml_sld_and_maplibre(dclient, diagnosed_app):
    layer = diagnosed_app.extensions["socialatlas"].collections["pharmacies_neighbourhoods"].layer
    qml = dclient.get("/collections/pharmacies_neighbourhoods/styles/qml?lang=nl")
    assert qml.status_code == 200 and qml.data.decode() == layer.style.qml("nl")
    assert ET.fromstring(qml.data).tag == "qgis"
    assert qml.headers["Content-Disposition"] == 'attachment; filename="pharmacies_neighbourhoods.qml"'
    sld = dclient.get("/collections/pharmacies_neighbourhoods/styles/sld")
    assert ET.fromstring(sld.data).tag.endswith("StyledLayerDescriptor")
    style = dclient.get("/collections/sites/styles/maplibre").get_json()
    assert style["version"] == 8 and style["layers"][0]["type"] == "circle"
    source = style["sources"]["sites"]
    assert source["type"] == "geojson" and source["data"].endswith("/collections/sites/items?limit=10000")
    other = dclient.get(
        "/collections/pharmacies_neighbourhoods/styles/maplibre?indicator=nearest_m"
    ).get_json()
    assert other["layers"][0]["metadata"]["socialatlas:field"] == "nearest_m"
    assert other["layers"][0]["metadata"]["socialatlas:title"] == "Distance moyenne au lieu le plus proche"


# ---- GeoPackage downloads ----------------------------------------------------------------------------


def test_a_geopackage_of_chosen_layers_with_their_styles(dclient, tmp_path, private_tmp):
    response = dclient.get(
        "/export.gpkg?layer=sectors&layer=sites&layer=pharmacies_neighbourhoods&layer=equity"
    )
    assert response.status_code == 200 and response.mimetype == "application/geopackage+sqlite3"
    assert response.headers["Content-Disposition"] == 'attachment; filename="layers.gpkg"'
    path = tmp_path / "download.gpkg"
    path.write_bytes(response.data)
    assert int(response.headers["Content-Length"]) == path.stat().st_size
    response.close()
    layers = dict(pyogrio.list_layers(path))
    assert {"sectors", "sites", "pharmacies_neighbourhoods", "equity"} <= set(layers)
    assert len(pyogrio.read_dataframe(path, layer="sectors")) == 724
    with sqlite3.connect(path) as db:
        styles = {row[0] for row in db.execute("SELECT f_table_name FROM layer_styles WHERE useAsDefault")}
    assert {"sectors", "sites", "pharmacies_neighbourhoods"} <= styles
    assert not os.listdir(private_tmp)  # streamed from an unlinked file, now closed


def test_the_geopackage_opens_styled_in_qgis(dclient, tmp_path, qgis_check):
    path = tmp_path / "download.gpkg"
    path.write_bytes(dclient.get("/export.gpkg?layer=pharmacies_neighbourhoods").data)
    code, layers = qgis_check("gpkg", path)
    assert code == 0 and layers[0]["feature_count"] == 145


# ---- limits on costly requests -----------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_token_bucket_refills_and_says_when():
    clock = Clock()
    limiter = RenderLimiter(concurrent=2, per_minute=6, clock=clock)
    for _ in range(6):
        with limiter.job("a"):
            pass
    with pytest.raises(TooManyRequests) as refused, limiter.job("a"):
        pass
    assert refused.value.retry_after == 10  # one token per 10 s
    with limiter.job("b"):  # another client has its own bucket
        pass
    clock.now += 10
    with limiter.job("a"):
        pass
    assert limiter.tokens("a") == pytest.approx(0.0)


def test_a_busy_server_refuses_without_costing_a_token():
    limiter = RenderLimiter(concurrent=1, per_minute=5, clock=Clock())
    with limiter.job("a"):
        with pytest.raises(TooManyRequests) as busy, limiter.job("b"):
            pass
        assert busy.value.retry_after >= 1 and "making 1" in busy.value.description
    assert limiter.tokens("b") == 5


def test_no_client_limit_with_a_rate_of_zero():
    limiter = RenderLimiter(concurrent=1, per_minute=0, clock=Clock())
    for _ in range(100):
        with limiter.job("a"):
            pass


def test_a_job_waiting_too_long_to_draw_gets_503():
    from werkzeug.exceptions import ServiceUnavailable

    from service.limits import DRAWING, drawing

    with DRAWING, pytest.raises(ServiceUnavailable) as late, drawing(wait=0.01):
        pass
    assert late.value.retry_after == 60
    with drawing(wait=0.01):  # free again
        pass


@pytest.fixture(scope="module")
def strict_app(brussels_diagnosed):
    return create_app(Settings(workspace=brussels_diagnosed, pdf_rate_limit=2, max_renders=1))


def test_a_client_beyond_its_rate_gets_429_with_retry_after(strict_app):
    client = strict_app.test_client()
    assert client.get("/export.gpkg?layer=region").status_code == 200
    assert client.get("/export.gpkg?layer=communes").status_code == 200
    refused = client.get("/export.gpkg?layer=region")
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    assert refused.get_json()["code"] == "TooManyRequests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 30
    assert refused.headers["Cache-Control"] == "no-store"
    other = strict_app.test_client().get(
        "/export.gpkg?layer=region", environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    assert other.status_code == 200  # another client
    cheap = client.get("/diagnostics/indicators?theme=pharmacies&level=communes")
    assert cheap.status_code == 200  # only costly requests are limited


def test_a_made_map_is_served_again_without_a_job(strict_app):
    client = strict_app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.3"
    first = client.get("/maps/region.png")
    assert first.status_code == 200
    client.get("/export.gpkg?layer=region")  # the bucket is empty now
    assert client.get("/export.gpkg?layer=region").status_code == 429
    again = client.get("/maps/region.png")
    assert again.status_code == 200 and again.data == first.data


def test_a_busy_server_answers_429(strict_app):
    limiter = strict_app.extensions[LIMITER]
    client = strict_app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.4"
    with limiter.job("someone else"):
        busy = client.get("/maps/communes.pdf?lang=en")
        assert busy.status_code == 429 and "Retry-After" in busy.headers
        assert "making 1" in busy.get_json()["description"]
    assert client.get("/maps/communes.pdf?lang=en").status_code == 200


def test_a_burst_of_map_requests_is_limited_not_queued(brussels_diagnosed, serve):
    import urllib.error
    import urllib.request

    app = create_app(Settings(workspace=brussels_diagnosed, pdf_rate_limit=0, max_renders=2))
    statuses: list[int] = []
    retry: list[str | None] = []
    start = threading.Barrier(8)

    def ask(url: str) -> None:
        start.wait()
        try:
            with urllib.request.urlopen(url, timeout=120) as answer:
                statuses.append(answer.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
            retry.append(error.headers.get("Retry-After"))
            json.loads(error.read())

    with serve(app) as base:
        threads = [threading.Thread(target=ask, args=(f"{base}/maps/sectors.pdf?lang=fr",)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(statuses) == 8 and set(statuses) <= {200, 429}
    assert statuses.count(200) >= 1 and statuses.count(429) >= 1
    assert all(r is not None and int(r) >= 1 for r in retry)


# ---- the OpenAPI document ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/maps/{layerId}.pdf", "/maps/region.pdf"),
        ("/maps/{layerId}.png", "/maps/region.png"),
        ("/maps/{layerId}.pdf", "/maps/equity.pdf"),
        ("/collections/{collectionId}/styles/{styleFormat}", "/collections/sectors/styles/sld"),
        ("/collections/{collectionId}/styles/{styleFormat}", "/collections/sites/styles/maplibre"),
        ("/export.gpkg", "/export.gpkg?layer=region"),
    ],
)
def test_answers_satisfy_the_openapi_document(dclient, path, url):
    import schemathesis

    schema = schemathesis.openapi.from_dict(dclient.get("/api").get_json())
    schema[path]["GET"].validate_response(dclient.get(url))
