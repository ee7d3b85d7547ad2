"""The application factory: ``create_app(settings)`` loads the workspace once and wires the blueprints.

Nothing is built at import time. The workspace is read when the app is created and never again:
it must not change while it is served (restart the service after rebuilding it).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from geo.errors import InputError
from geo.workspace import read_info
from layers.catalogue import catalogue
from service import directory, features, hooks
from service.collection import collection_from_layer
from service.settings import Settings
from service.state import EXTENSION, ServiceState


def create_app(settings: Settings) -> Flask:
    """A Flask app serving the workspace named in ``settings``.

    Raises
    ------
    InputError
        When no workspace is given.
    SourceNotFoundError, InputError
        When the workspace cannot be read (raised here, at start, never on a request).
    """
    if settings.workspace is None:
        raise InputError("workspace: give the workspace GeoPackage to serve (--workspace)")
    path = settings.workspace
    collections = {layer.id: collection_from_layer(layer) for layer in catalogue(path)}
    stat = path.stat()
    app = Flask("socialatlas")
    app.config.update(MAX_CONTENT_LENGTH=settings.max_request_bytes, JSON_SORT_KEYS=False)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.url_map.strict_slashes = False
    app.extensions[EXTENSION] = ServiceState(
        settings=settings,
        workspace=path,
        stamp=f"{hooks.software_version()}:{stat.st_mtime_ns}:{stat.st_size}",
        modified=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
        synthetic=read_info(path).get("synthetic") == "True",
        collections=collections,
        directory=directory.directory_from_workspace(path),
    )
    hooks.install(app)
    app.register_blueprint(features.bp)
    app.register_blueprint(directory.bp)
    return app
