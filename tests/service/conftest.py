"""Fixtures of the service tests: apps on the real Brussels and demo workspaces, and a live server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.app import create_app
from service.settings import Settings


@pytest.fixture(scope="session")
def brussels_app(brussels_with_osm: Path):
    """The app serving the real Brussels workspace with the OpenStreetMap sites."""
    return create_app(Settings(workspace=brussels_with_osm))


@pytest.fixture(scope="session")
def demo_app(demo_workspace: Path):
    """The app serving the synthetic demonstration workspace."""
    return create_app(Settings(workspace=demo_workspace / "demo.gpkg"))


@pytest.fixture()
def client(brussels_app):
    return brussels_app.test_client()


@pytest.fixture()
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.fixture(scope="session")
def live_server(brussels_app) -> Iterator[str]:
    """The Brussels app behind waitress on a free loopback port, in a background thread."""
    from waitress import create_server

    server = create_server(brussels_app, host="127.0.0.1", port=0, threads=4, ident="socialatlas-test")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    server.close()
    thread.join(timeout=5)
