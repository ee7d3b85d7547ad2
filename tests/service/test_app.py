"""The app as a whole: factory, settings, one error shape, caching, compression, CORS, languages."""

import gzip
import json
from pathlib import Path

import pytest

from geo.errors import InputError, SourceNotFoundError
from service.app import create_app
from service.cli import main
from service.settings import Settings, describe, split_origins


def test_settings_are_declared_once_with_help():
    described = {name: (default, help_text) for name, default, help_text in describe()}
    assert described["max_limit"][0] == 10_000 and described["write_token"][0] == ""
    assert all(help_text for _, help_text in described.values())
    assert split_origins("https://a.be/, https://b.be") == ("https://a.be", "https://b.be")
    assert split_origins("") == ()


def test_settings_report_every_problem_at_once():
    with pytest.raises(InputError) as error:
        Settings(port=70_000, threads=0, default_limit=500, max_limit=100)
    message = str(error.value)
    assert "3 problems" in message and "port 70000" in message and "threads 0" in message
    assert "default_limit 500 is above max_limit 100" in message


def test_create_app_needs_a_readable_workspace(tmp_path):
    with pytest.raises(InputError, match="give the workspace"):
        create_app(Settings())
    with pytest.raises(SourceNotFoundError, match="no such workspace"):
        create_app(Settings(workspace=tmp_path / "missing.gpkg"))


def test_nothing_is_built_at_import():
    import service.app
    import service.features

    assert not any(type(v).__name__ == "Flask" for v in vars(service.app).values())
    assert not any(type(v).__name__ == "Flask" for v in vars(service.features).values())


def test_serve_passes_the_settings_to_waitress(monkeypatch, brussels_with_osm, capsys):
    import waitress

    seen = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **options: seen.update(app=app, **options))
    with pytest.raises(SystemExit) as done:
        main(
            [
                "serve",
                "--workspace",
                str(brussels_with_osm),
                "--port",
                "8123",
                "--threads",
                "2",
                "--cors-origins",
                "https://a.be,https://b.be",
                "--request-timeout",
                "30",
            ]
        )
    assert done.value.code == 0, capsys.readouterr().err
    assert seen["port"] == 8123 and seen["threads"] == 2 and seen["channel_timeout"] == 30
    assert seen["host"] == "127.0.0.1" and seen["max_request_body_size"] == 1_048_576
    assert seen["app"].extensions["socialatlas"].settings.cors_origins == ("https://a.be", "https://b.be")


def test_serve_reports_a_missing_workspace(capsys, tmp_path):
    with pytest.raises(SystemExit) as done:
        main(["serve", "--workspace", str(tmp_path / "nope.gpkg")])
    assert done.value.code == 2 and "no such workspace" in capsys.readouterr().err


def test_serve_help_lists_every_setting(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    for name, _, _ in describe():
        assert f"--{name.replace('_', '-')}" in out
    assert "--dev" in out


# ---- one error shape -------------------------------------------------------------------------

BAD_REQUESTS = [
    ("/collections/nope", 404, "no collection 'nope'"),
    ("/collections/sectors/items/nope", 404, "has no feature 'nope'"),
    ("/nowhere", 404, "not found"),
    ("/collections/sectors/items?bbox=1,2,3", 400, "give 4 numbers"),
    ("/collections/sectors/items?bbox=a,b,c,d", 400, "not a number"),
    (
        "/collections/sectors/items?bbox=148000,169000,150000,171000",
        400,
        "Lambert 72 (EPSG:31370) coordinates",
    ),
    ("/collections/sectors/items?bbox=4.3,50.8,4.4,50.9&bbox-crs=EPSG:31370", 400, "WGS84 (EPSG:4326)"),
    ("/collections/sectors/items?crs=EPSG:32631", 400, "not served"),
    ("/collections/sectors/items?crs=banana", 400, "not a CRS URI"),
    ("/collections/sectors/items?bbox-crs=EPSG:9999999", 400, "bbox-crs"),
    ("/collections/sectors/items?limit=10001", 400, "from 1 to 10000"),
    ("/collections/sectors/items?limit=0", 400, "from 1 to 10000"),
    ("/collections/sectors/items?limit=many", 400, "whole number"),
    ("/collections/sectors/items?offset=-1", 400, "offset -1"),
    ("/collections/sectors/items?colour=red", 400, "unknown parameter(s) 'colour'"),
    ("/collections/sectors/items?population=many", 400, "population holds numbers"),
    ("/collections/sectors/items?filter=colour='red'", 400, "unknown property 'colour'"),
    ("/collections/sectors/items?filter=code=", 400, "expected a property name or a value"),
    ("/collections/sectors/items?filter-lang=cql2-json&filter=x", 400, "only cql2-text"),
    ("/collections/sectors/items?datetime=yesterday", 400, "datetime"),
    ("/collections/sectors/items?f=html", 400, "json or geojson"),
    ("/collections/sectors?limit=5", 400, "unknown parameter(s) 'limit'"),
    ("/?lang=de", 400, "lang 'de'"),
    ("/rest/search/organisation?locatedAt=Atlantis", 400, "locatedAt: no sector, neighbourhood"),
    ("/rest/search/organisation?location=north", 400, "location 'north'"),
    ("/rest/search/organisation?location=50.84,4.35&distance=500", 400, "distance 500"),
    ("/rest/search/organisation?agreements=A-NOPE-99", 400, "unknown id(s) 'A-NOPE-99'"),
    ("/rest/search/organisation?q=pharmacy", 400, "unknown parameter(s) 'q'"),
    ("/rest/sectors/S-NOPE/organisations", 404, "no sector 'S-NOPE'"),
]


@pytest.mark.parametrize(("url", "status", "fragment"), BAD_REQUESTS)
def test_every_error_has_one_shape(client, brussels_with_osm, url, status, fragment):
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"code", "description"}
    assert body["code"] == {400: "InvalidParameterValue", 404: "NotFound"}[status]
    assert fragment.lower() in body["description"].lower()
    text = response.get_data(as_text=True)
    assert str(brussels_with_osm) not in text and str(brussels_with_osm.parent) not in text
    assert "Traceback" not in text and response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writing_is_refused(client, method):
    response = client.open("/collections/sectors/items", method=method, data=b"{}")
    assert response.status_code == 405
    assert response.get_json()["code"] == "MethodNotAllowed"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_a_large_request_body_is_refused(client):
    response = client.get("/", data=b"x" * 2_000_000)
    assert response.status_code == 413 and response.get_json()["code"] == "RequestEntityTooLarge"


def test_a_bug_is_a_500_without_trace_or_path(brussels_app, brussels_with_osm, monkeypatch, caplog):
    collection = brussels_app.extensions["socialatlas"].collections["sectors"]

    def broken(**_):
        raise RuntimeError(f"cannot read {brussels_with_osm}")

    monkeypatch.setattr(collection, "select", broken)
    response = brussels_app.test_client().get("/collections/sectors/items")
    assert response.status_code == 500
    body = response.get_json()
    assert body["code"] == "ServerError" and "logged" in body["description"]
    text = response.get_data(as_text=True)
    assert str(brussels_with_osm) not in text and "Traceback" not in text and "RuntimeError" not in text
    assert "cannot read" in caplog.text  # logged for the operator


# ---- caching, compression, CORS, languages -----------------------------------------------------


def test_etag_and_304(client):
    first = client.get("/collections/sectors/items?limit=5")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get("/collections/sectors/items?limit=5", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    other = client.get("/collections/sectors/items?limit=6", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
    dutch = client.get("/collections/sectors/items?limit=5", headers={"Accept-Language": "nl"})
    assert dutch.headers["ETag"] != etag  # another representation, another tag
    assert (
        client.get("/collections/sectors/items?limit=5").get_data() == first.get_data()
    )  # strong: same bytes


def test_gzip_for_large_json_only_when_accepted(client):
    plain = client.get("/collections/sectors/items?limit=50")
    assert "Content-Encoding" not in plain.headers
    zipped = client.get("/collections/sectors/items?limit=50", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert int(zipped.headers["Content-Length"]) < len(plain.get_data()) / 3
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    small = client.get("/conformance", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers  # not worth it
    refused = client.get("/collections/sectors/items?limit=50", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


def test_cors_any_origin_by_default(client):
    response = client.get("/collections", headers={"Origin": "https://partner.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/collections/sectors/items",
        headers={"Origin": "https://partner.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in client.get("/collections").headers  # no Origin, no CORS


def test_cors_listed_origins_only(brussels_with_osm):
    app = create_app(Settings(workspace=brussels_with_osm, cors_origins=("https://partner.example",)))
    client = app.test_client()
    allowed = client.get("/", headers={"Origin": "https://partner.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://partner.example"
    assert "Origin" in allowed.headers["Vary"]
    other = client.get("/", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    closed = create_app(Settings(workspace=brussels_with_osm, cors_origins=())).test_client()
    assert "Access-Control-Allow-Origin" not in closed.get("/", headers={"Origin": "https://a.be"}).headers


@pytest.mark.parametrize(
    ("query", "headers", "lang", "title"),
    [
        ("", {}, "fr", "Secteurs statistiques"),
        ("", {"Accept-Language": "nl-BE,nl;q=0.9,fr;q=0.5"}, "nl", "Statistische sectoren"),
        ("?lang=en", {"Accept-Language": "nl"}, "en", "Statistical sectors"),
        ("", {"Accept-Language": "de, en;q=0.5"}, "en", "Statistical sectors"),
    ],
)
def test_titles_follow_the_language(client, query, headers, lang, title):
    response = client.get("/collections/sectors" + query, headers=headers)
    assert response.get_json()["title"] == title
    assert response.headers["Content-Language"] == lang


def test_demo_data_says_it_is_synthetic(demo_client):
    landing = demo_client.get("/?lang=en").get_json()
    assert "SYNTHETIC DEMONSTRATION DATA" in landing["title"]
    assert (
        demo_client.get("/collections/sectors?lang=nl")
        .get_json()["description"]
        .startswith("SYNTHETISCHE DEMONSTRATIEGEGEVENS")
    )
    assert demo_client.get("/rest/agreements").get_json()["synthetic"] is True


def test_the_workspace_is_never_named_by_path(client, brussels_with_osm):
    for url in ("/", "/api", "/collections", "/collections/sites", "/rest/sectors"):
        text = client.get(url).get_data(as_text=True)
        assert str(Path(brussels_with_osm).parent) not in text, url
        json.loads(text)


def test_head_answers_the_headers_of_get(client):
    get = client.get("/collections/sectors/items?limit=5")
    head = client.head("/collections/sectors/items?limit=5")
    assert head.status_code == 200 and head.get_data() == b""
    assert (
        head.headers["ETag"] == get.headers["ETag"]
        and head.headers["Content-Crs"] == get.headers["Content-Crs"]
    )


def test_the_service_readme_lists_every_setting():
    readme = (Path(__file__).resolve().parents[2] / "service" / "README.md").read_text(encoding="utf-8")
    for name, _, _ in describe():
        assert f"`--{name.replace('_', '-')}`" in readme, name
