"""Request and response hooks shared by every endpoint: methods, errors, language, ETag/304, gzip,
CORS, and the store of answers kept for the same request.

One error handler renders every error as an OGC API exception body ``{"code", "description"}``;
views raise and never build error responses themselves.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from geo.errors import SocialAtlasError
from service.params import parse_lang
from service.state import Answer, state

READ_METHODS = ("GET", "HEAD", "OPTIONS")
JSON_TYPES = (
    "application/json",
    "application/geo+json",
    "application/schema+json",
    "application/vnd.oai.openapi+json",
)
GZIP_MIN_BYTES = 1024
KEPT_HEADERS = ("Content-Encoding", "Content-Crs", "Content-Disposition", "Link")
_CACHEABLE = "socialatlas_cacheable"
F = TypeVar("F", bound=Callable[..., Any])
EXPOSED_HEADERS = "Content-Crs, Content-Disposition, Content-Language, ETag, Link, Retry-After"
CODES = {
    400: "InvalidParameterValue",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
    500: "ServerError",
    503: "ServiceUnavailable",
}
log = logging.getLogger("socialatlas.service")
_TEMPORARY = re.compile(re.escape(tempfile.gettempdir()) + r"/[^\s'\"]*")


def install(app: Flask) -> None:
    """Register the hooks and the error handler on ``app``."""
    app.before_request(_before)
    app.after_request(_after)
    app.register_error_handler(Exception, _render_error)


def _before() -> Response | None:
    rule = request.url_rule
    if request.method not in READ_METHODS and (rule is None or request.method not in (rule.methods or ())):
        raise MethodNotAllowed(
            valid_methods=sorted(rule.methods or READ_METHODS) if rule is not None else list(READ_METHODS),
            description="This service is read-only: use GET (only a few endpoints take POST).",
        )
    limit = state().settings.max_request_bytes
    if (request.content_length or 0) > limit:
        raise RequestEntityTooLarge(description=f"A request body may have at most {limit} bytes.")
    g.lang = parse_lang(request.args.get("lang"), list(request.accept_languages))
    g.gzip = request.accept_encodings["gzip"] > 0
    if request.method not in ("GET", "HEAD"):
        return None
    g.etag = _etag()
    if request.if_none_match.contains_weak(g.etag):
        response = Response(status=304)
        response.set_etag(g.etag)
        return response
    if request.method == "GET" and _cacheable():
        kept = state().answers.get((g.etag,))
        if kept is not None:
            g.kept = True
            return Response(kept.data, mimetype=kept.mimetype, headers=list(kept.headers))
    return None


def cacheable(view: F) -> F:
    """Mark a view whose answers are kept and given again to the same request (same ETag).

    For views whose answer depends on the URL, the language and the workspace only, and costs more
    to make than to keep (directory searches, diagnostics): the workspace does not change while
    served, so a kept answer is never stale; a rebuild loads a new state with an empty store.
    """
    setattr(view, _CACHEABLE, True)
    return view


def _cacheable() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, _CACHEABLE, False))


def _keep(response: Response) -> None:
    if (
        request.method != "GET"
        or response.status_code != 200
        or response.direct_passthrough
        or g.get("kept")
        or not _cacheable()
    ):
        return
    headers = tuple((k, v) for k, v in response.headers.items() if k in KEPT_HEADERS)
    state().answers.put((g.etag,), Answer(response.get_data(), response.mimetype or "", headers))


def _etag() -> str:
    """A strong ETag for the representation this request gets: workspace, software, URL, language."""
    parts = [state().stamp, request.url_root, request.full_path, g.lang, "gzip" if g.gzip else "identity"]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _after(response: Response) -> Response:
    settings = state().settings
    etag = g.get("etag")
    if response.status_code in (200, 304) and etag and request.method in ("GET", "HEAD"):
        if response.status_code == 200:
            _compress(response)
            _keep(response)
        response.set_etag(etag)
        response.headers["Cache-Control"] = f"public, max-age={settings.cache_max_age}"
    elif response.status_code >= 400 or request.method not in READ_METHODS:
        response.headers["Cache-Control"] = "no-store"
    if "lang" in g:
        response.headers["Content-Language"] = g.lang
    response.vary.update(("Accept-Language", "Accept-Encoding"))
    response.headers["X-Content-Type-Options"] = "nosniff"
    _cors(response, settings.cors_origins)
    return response


def _compress(response: Response) -> None:
    """Gzip a large JSON body when the client accepts it (deterministic bytes: mtime 0)."""
    if (
        not g.get("gzip")
        or response.direct_passthrough
        or response.mimetype not in JSON_TYPES
        or "Content-Encoding" in response.headers
    ):
        return
    data = response.get_data()
    if len(data) < GZIP_MIN_BYTES:
        return
    response.set_data(gzip.compress(data, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"


def _cors(response: Response, origins: tuple[str, ...]) -> None:
    origin = request.headers.get("Origin")
    if not origin or not origins:
        return
    if "*" in origins:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin.rstrip("/") in origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
    else:
        response.vary.add("Origin")
        return
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        rule = request.url_rule
        methods = sorted(rule.methods or READ_METHODS) if rule is not None else READ_METHODS
        response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
        response.headers["Access-Control-Allow-Headers"] = (
            "Accept, Accept-Language, If-None-Match, Content-Type, Authorization"
        )
        response.headers["Access-Control-Max-Age"] = "86400"


def _scrub(message: str) -> str:
    """A message without the server's file paths (the workspace is named, not located)."""
    try:
        workspace: Path | None = state().workspace
    except (KeyError, RuntimeError):
        workspace = None
    if workspace is not None:
        for path in (workspace.resolve(), workspace, workspace.resolve().parent, workspace.parent):
            text = str(path)
            if len(text) > 1:
                message = message.replace(text, "the workspace" if path.suffix else "")
    return _TEMPORARY.sub("a temporary file", message)


def _render_error(error: Exception) -> Response | HTTPException:
    """Every error as ``{"code", "description"}`` with its status; never a trace or a path."""
    if isinstance(error, HTTPException) and (error.code or 500) < 400:
        return error  # redirects
    if isinstance(error, HTTPException):
        status = error.code or 500
        code = CODES.get(status, (error.name or "Error").replace(" ", ""))
        description = error.description or error.name
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    elif isinstance(error, SocialAtlasError) and error.http_status < 500:
        status, headers = error.http_status, []
        code = CODES.get(status, "InvalidParameterValue")
        description = str(error)
    else:
        log.exception("error answering %s %s", request.method, request.path)
        status, headers, code = 500, [], CODES[500]
        description = "Internal server error; it was logged. Please report it with the URL you asked."
    if status >= 500:
        description = "Internal server error; it was logged. Please report it with the URL you asked."
        if isinstance(error, SocialAtlasError | HTTPException):
            log.error("error answering %s %s: %s", request.method, request.path, error)
    response = jsonify({"code": code, "description": _scrub(str(description))})
    response.status_code = status
    for key, value in headers:
        response.headers[key] = value
    return response


def software_version() -> str:
    """The installed socialatlas version (part of every ETag)."""
    return version("socialatlas")
