"""The application factory: ``create_app(settings)`` loads the workspace once and wires the blueprints.

Nothing is built at import time. The workspace is read when the app is created and never again:
it must not change while it is served (restart the service after rebuilding it), except through
the service's own write endpoint (``POST /admin/rebuild-diagnostics``), which rewrites it atomically
and loads it again (:func:`service.loading.load_state`).
"""

from __future__ import annotations

from flask import Flask

from service import admin, diagnostics_api, directory, features, hooks, maps_api
from service.limits import RenderLimiter
from service.loading import load_state
from service.settings import Settings
from service.state import EXTENSION, LIMITER


def create_app(settings: Settings) -> Flask:
    """A Flask app serving the workspace named in ``settings``.

    Raises
    ------
    InputError
        When no workspace is given.
    SourceNotFoundError, InputError
        When the workspace cannot be read (raised here, at start, never on a request).
    """
    loaded = load_state(settings)
    app = Flask("socialatlas")
    app.config.update(MAX_CONTENT_LENGTH=settings.max_request_bytes, JSON_SORT_KEYS=False)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.url_map.strict_slashes = False
    app.extensions[EXTENSION] = loaded
    app.extensions[LIMITER] = RenderLimiter(
        concurrent=settings.max_renders, per_minute=settings.pdf_rate_limit
    )
    hooks.install(app)
    for blueprint in (features.bp, directory.bp, diagnostics_api.bp, maps_api.bp, admin.bp):
        app.register_blueprint(blueprint)
    return app
