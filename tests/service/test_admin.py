"""Write endpoints: off by default, a bearer token when on, an atomic rebuild and a reload."""

from __future__ import annotations

import shutil
import threading

import pytest
from werkzeug.exceptions import Forbidden

import service.admin
from service.app import create_app
from service.settings import Settings

REBUILD = "/admin/rebuild-diagnostics"
TOKEN = "correct horse battery staple"


@pytest.fixture(scope="module")
def writable(brussels_with_osm, tmp_path_factory):
    """An app on a private copy of the Brussels workspace (no diagnostic yet), with a write token."""
    folder = tmp_path_factory.mktemp("writable")
    path = folder / "brussels.gpkg"
    shutil.copyfile(brussels_with_osm, path)
    return create_app(Settings(workspace=path, write_token=TOKEN))


def test_writing_is_off_without_a_token(client):
    response = client.post(REBUILD, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 403 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == "Forbidden" and "--write-token" in body["description"]


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "Unauthorized"),
        ({"Authorization": ""}, 401, "Unauthorized"),
        ({"Authorization": f"Basic {TOKEN}"}, 401, "Unauthorized"),
        ({"Authorization": "Bearer "}, 401, "Unauthorized"),
        ({"Authorization": "Bearer wrong"}, 403, "Forbidden"),
        ({"Authorization": f"Bearer {TOKEN}x"}, 403, "Forbidden"),
        ({"Authorization": f"Bearer {TOKEN[:-1]}"}, 403, "Forbidden"),
    ],
)
def test_a_write_needs_the_bearer_token(writable, headers, status, code):
    response = writable.test_client().post(REBUILD, headers=headers)
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"code", "description"} and body["code"] == code
    assert TOKEN not in response.get_data(as_text=True)
    if status == 401:
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert response.headers["Cache-Control"] == "no-store"


def test_tokens_are_compared_in_constant_time(monkeypatch):
    seen = []

    def compare(a, b):
        seen.append((a, b))
        return a == b

    monkeypatch.setattr(service.admin.hmac, "compare_digest", compare)
    with pytest.raises(Forbidden, match="wrong write token"):
        service.admin.check_token("Bearer guess", TOKEN)
    assert seen == [(b"guess", TOKEN.encode())]


def test_only_post_and_only_one_rebuild_at_a_time(writable):
    client = writable.test_client()
    assert client.get(REBUILD).status_code == 405
    assert client.post(f"{REBUILD}?force=1", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 400
    with service.admin._REBUILDING:
        busy = client.post(REBUILD, headers={"Authorization": f"Bearer {TOKEN}"})
    assert busy.status_code == 409 and busy.get_json()["code"] == "Conflict"


def test_a_rebuild_stores_the_diagnostic_atomically_and_reloads(writable):
    client = writable.test_client()
    workspace = writable.extensions["socialatlas"].workspace
    assert client.get("/diagnostics/indicators?level=communes").status_code == 404
    assert "pharmacies_sectors" not in [c["id"] for c in client.get("/collections").get_json()["collections"]]
    etag = client.get("/").headers["ETag"]
    readers_saw: list[int] = []

    def read_meanwhile() -> None:  # the service keeps answering from the old state during a rebuild
        readers_saw.append(writable.test_client().get("/collections/sectors/items?limit=1").status_code)

    reader = threading.Timer(1.0, read_meanwhile)
    reader.start()
    response = client.post(REBUILD, headers={"Authorization": f"Bearer {TOKEN}"})
    reader.join()
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["rebuilt"] is True and "pharmacies" in body["themes"]
    assert body["units"]["sectors"] == 724 and body["rows"] == len(body["themes"]) * (1 + 19 + 145 + 724)
    assert str(workspace) not in response.get_data(as_text=True)
    assert readers_saw == [200]
    indicators = client.get("/diagnostics/indicators?level=communes&theme=pharmacies").get_json()
    assert indicators["numberReturned"] == 19
    assert "pharmacies_sectors" in [c["id"] for c in client.get("/collections").get_json()["collections"]]
    assert client.get("/").headers["ETag"] != etag  # a new workspace: new tags
    assert sorted(p.name for p in workspace.parent.iterdir()) == [workspace.name]  # no temporary left


def test_the_write_token_is_a_setting(capsys):
    from service.cli import main

    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "--write-token" in out and "SOCIALATLAS_WRITE_TOKEN" in out
