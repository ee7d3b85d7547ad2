"""Fixtures of the service tests: apps on the real Brussels and demo workspaces (with and without the
stored diagnostic), and live servers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def serving(app) -> Iterator[str]:
    """``app`` behind waitress on a free loopback port, in a background thread; yields its base URL."""
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="socialatlas-test")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    finally:
        server.close()
        thread.join(timeout=5)
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=60)  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def live_server(brussels_app) -> Iterator[str]:
    """The Brussels app behind waitress on a free loopback port, in a background thread."""
    with serving(brussels_app) as url:
        yield url


@pytest.fixture(scope="session")
def diagnosed_app(brussels_diagnosed: Path):
    """The app serving the Brussels workspace with its stored diagnostic (no per-client rate limit)."""
    return create_app(Settings(workspace=brussels_diagnosed, pdf_rate_limit=0, max_renders=4))


@pytest.fixture()
def dclient(diagnosed_app):
    return diagnosed_app.test_client()


@pytest.fixture(scope="session")
def serve():
    """:func:`serving`: an app behind waitress on a free loopback port, as a context manager."""
    return serving


@pytest.fixture(scope="session")
def schemathesis_run():
    """Run the schemathesis command line on a live server's ``/api`` with the conformance checks."""
    import subprocess
    import sys

    pytest.importorskip("schemathesis")

    def run(base_url: str, *options: str) -> str:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                f"{base_url}/api",
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,"
                "response_schema_conformance",
                "--workers",
                "4",
                "--no-color",
                *options,
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout[-5000:]
        return done.stdout

    return run
