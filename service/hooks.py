"""Request and response hooks shared by every endpoint: errors, language, ETag/304, gzip, CORS.

One error handler renders every error as an OGC API exception body ``{"code", "description"}``;
views raise and never build error responses themselves.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from importlib.metadata import version

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from geo.errors import SocialAtlasError
from service.params import parse_lang
from service.state import state

READ_METHODS = ("GET", "HEAD", "OPTIONS")
JSON_TYPES = (
    "application/json",
    "application/geo+json",
    "application/schema+json",
    "application/vnd.oai.openapi+json",
)
GZIP_MIN_BYTES = 1024
EXPOSED_HEADERS = "Content-Crs, Content-Language, ETag, Link"
CODES = {
    400: "InvalidParameterValue",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "RequestEntityTooLarge",
    500: "ServerError",
}
log = logging.getLogger("socialatlas.service")


def install(app: Flask) -> None:
    """Register the hooks and the error handler on ``app``."""
    app.before_request(_before)
    app.after_request(_after)
    app.register_error_handler(Exception, _render_error)


def _before() -> Response | None:
    if request.method not in READ_METHODS:
        raise MethodNotAllowed(
            valid_methods=list(READ_METHODS),
            description="This service is read-only: use GET (write endpoints are off).",
        )
    limit = state().settings.max_request_bytes
    if (request.content_length or 0) > limit:
        raise RequestEntityTooLarge(description=f"A request body may have at most {limit} bytes.")
    g.lang = parse_lang(request.args.get("lang"), list(request.accept_languages))
    g.gzip = request.accept_encodings["gzip"] > 0
    if request.method == "OPTIONS":
        return None
    g.etag = _etag()
    if request.if_none_match.contains_weak(g.etag):
        response = Response(status=304)
        response.set_etag(g.etag)
        return response
    return None


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
        response.set_etag(etag)
        response.headers["Cache-Control"] = f"public, max-age={settings.cache_max_age}"
    elif response.status_code >= 400:
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
        response.headers["Access-Control-Allow-Methods"] = ", ".join(READ_METHODS)
        response.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language, If-None-Match"
        response.headers["Access-Control-Max-Age"] = "86400"


def _scrub(message: str) -> str:
    """A message without the server's file paths (the workspace is named, not located)."""
    try:
        workspace = state().workspace
    except (KeyError, RuntimeError):
        return message
    for path in (workspace.resolve(), workspace, workspace.resolve().parent, workspace.parent):
        text = str(path)
        if len(text) > 1:
            message = message.replace(text, "the workspace" if path.suffix else "")
    return message


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
