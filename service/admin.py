"""Write endpoints: off unless the ``write_token`` setting is set, and then only with that token.

``POST /admin/rebuild-diagnostics`` runs the diagnostic of every theme on the served workspace
(as ``socialatlas diagnose W`` does), stores it atomically (the workspace is copied, changed and
moved over the original only when complete: readers never see half a workspace) and loads the app's
state again, so the next requests see the new tables.

Without a token set, every write endpoint answers 403. With one, a request must carry
``Authorization: Bearer <token>``: no or another scheme is 401 (with ``WWW-Authenticate``), a wrong
token 403. Tokens are compared in constant time. One rebuild runs at a time (409 otherwise).
"""

from __future__ import annotations

import hmac
import threading
import time

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Conflict, Forbidden, Unauthorized

from diagnostics.levels import built_in_levels, read_inputs
from diagnostics.outputs import store
from diagnostics.supply import diagnose
from diagnostics.themes import load_themes
from service.diagnose_cli import diagnostic_provenance
from service.loading import load_state
from service.params import check_params
from service.state import EXTENSION, state

bp = Blueprint("admin", __name__, url_prefix="/admin")

_REBUILDING = threading.Lock()  # one rebuild at a time, in this process


def check_token(header: str | None, token: str) -> None:
    """Refuse a request unless ``header`` is ``Bearer <token>`` (401 without it, 403 when wrong)."""
    if not token:
        raise Forbidden(
            description="writing is off on this server; start it with --write-token "
            "(or SOCIALATLAS_WRITE_TOKEN) to enable the write endpoints"
        )
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Unauthorized(
            description="give the write token as 'Authorization: Bearer <token>'",
            www_authenticate=WWWAuthenticate("bearer", {"realm": "socialatlas"}),
        )
    if not hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8")):
        raise Forbidden(description="wrong write token")


@bp.post("/rebuild-diagnostics")
def rebuild_diagnostics() -> Response:
    """Diagnose every theme again, store the tables atomically, reload the served state."""
    check_params(request.args.keys(), (), where=request.path)
    settings = state().settings
    check_token(request.headers.get("Authorization"), settings.write_token)
    if not _REBUILDING.acquire(blocking=False):
        raise Conflict(description="a rebuild is running already; try again when it is done")
    try:
        start = time.monotonic()
        path = state().workspace
        inputs = read_inputs(path)
        result = diagnose(inputs, load_themes(), built_in_levels(inputs))
        store(path, result, diagnostic_provenance(inputs.provenance), synthetic=inputs.synthetic)
        current_app.extensions[EXTENSION] = load_state(settings)
    finally:
        _REBUILDING.release()
    counts = result.indicators.groupby("level").size()
    return jsonify(
        {
            "rebuilt": True,
            "themes": [str(t) for t in result.themes["theme"]],
            "rows": int(len(result.indicators)),
            "units": {str(level): int(n) // max(1, len(result.themes)) for level, n in counts.items()},
            "modified": state().modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "seconds": round(time.monotonic() - start, 1),
        }
    )
