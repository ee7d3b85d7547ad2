"""The OpenAPI paths of the diagnostics, maps, reports, styles, downloads and write endpoints.

Part of the document :func:`service.openapi.openapi_document` builds (self-contained): the values a
client may give (themes, levels, layers, formats) are enumerated from what the workspace holds, so
a client or a fuzzer learns them from the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.analysis import Analysis
from service.collection import Collection
from service.files import MIMETYPES
from service.settings import Settings

_REF = "#/components/schemas/"
_PARAM = "#/components/parameters/"
_TEXTS = {
    304: "Not modified (If-None-Match matched the ETag).",
    400: "A parameter or the body is wrong; the description says which and why.",
    401: "No write token given (Authorization: Bearer <token>).",
    403: "Writing is off on this server, or the token is wrong.",
    404: "No such layer or style, or no stored diagnostic in the workspace.",
    405: "Method not allowed on this path.",
    409: "A rebuild is running already.",
    413: "Request body too large.",
    415: "The body is not GeoJSON.",
    429: "Too many maps, reports or downloads: at once on the server, or per minute for this client.",
    500: "Internal error (logged).",
    503: "The server has been drawing other maps for too long; retry later.",
}
BINARY = {"type": "string", "format": "binary"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _errors(*codes: int, read: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for code in sorted({400, 405, 500, *codes, *((304,) if read else ())}):
        out[str(code)] = {"description": _TEXTS[code]}
        if code != 304:
            out[str(code)]["content"] = {"application/json": {"schema": _ref("exception")}}
        if code in (429, 503):
            out[str(code)]["headers"] = {
                "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
            }
    return out


def _query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
        **extra,
    }


def _list(items: dict[str, Any], name: str, description: str, **extra: Any) -> dict[str, Any]:
    return _query(name, {"type": "array", "items": items}, description, style="form", explode=True, **extra)


def _enum(values: list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": values} if values else {"type": "string"}


def _formats(*formats: str) -> dict[str, Any]:
    return _query("f", {"type": "string", "enum": list(formats)}, "Output format (default json).")


def _files(description: str, schema: dict[str, Any] | None, *formats: str) -> dict[str, Any]:
    content: dict[str, Any] = {}
    if schema is not None:
        content["application/json"] = {"schema": schema}
    for fmt in formats:
        content[MIMETYPES[fmt]] = {"schema": {"type": "string"} if fmt == "csv" else BINARY}
    return {"description": description, "content": content}


def output_schemas() -> dict[str, Any]:
    """The schemas of the answers of these endpoints."""
    text = {"type": "string"}
    number = {"type": "number", "nullable": True}
    count = {"type": "integer", "minimum": 0}
    provenance = {"attribution": text, "vintage": text, "synthetic": {"type": "boolean"}}
    labels = {"type": "object", "properties": {k: text for k in ("fr", "nl", "en")}}
    link = {"type": "object", "properties": {"href": text, "rel": text, "type": text}}
    row = {"type": "object", "additionalProperties": True}
    return {
        "themeList": {
            "type": "object",
            "required": ["themes"],
            "properties": {
                "stored": {"type": "boolean"},
                "themes": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "title"],
                        "properties": {
                            "id": text,
                            "title": text,
                            "labels": labels,
                            "target": text,
                            "supply": text,
                            "sites": count,
                            "catchment_m": {"type": "number"},
                            "walk_m": {"type": "number"},
                            "links": {"type": "array", "items": link},
                        },
                    },
                },
                **provenance,
            },
        },
        "indicatorRows": {
            "type": "object",
            "required": ["numberReturned", "rows"],
            "properties": {
                "theme": {"type": "array", "items": text},
                "level": {"type": "array", "items": text},
                "numberReturned": count,
                "indicators": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": text,
                            "label": text,
                            "unit": text,
                            "populationBased": {"type": "boolean"},
                            "definition": text,
                        },
                    },
                },
                "rows": {"type": "array", "items": row},
                **provenance,
            },
        },
        "underservedUnits": {
            "type": "object",
            "required": ["theme", "level", "results"],
            "properties": {
                "theme": text,
                "title": text,
                "labels": labels,
                "level": text,
                "levelTitle": text,
                "numberMatched": count,
                "numberReturned": count,
                "score": {
                    "type": "object",
                    "properties": {
                        "method": text,
                        "weights": {"type": "object", "additionalProperties": {"type": "number"}},
                        "inputs": {"type": "object", "additionalProperties": row},
                    },
                },
                "results": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["rank", "code", "underserved"],
                        "properties": {
                            "rank": {"type": "integer", "minimum": 1},
                            "code": text,
                            "name_fr": {"type": "string", "nullable": True},
                            "name_nl": {"type": "string", "nullable": True},
                            "underserved": number,
                            "target": number,
                        },
                    },
                },
                **provenance,
            },
        },
        "areaDiagnostic": {
            "type": "object",
            "required": ["area", "indicators", "profile", "sites"],
            "properties": {
                "area": {
                    "type": "object",
                    "properties": {
                        "name": text,
                        "ringWidth": {"type": "number"},
                        "members": {"type": "array", "items": row},
                        "communes": {"type": "array", "items": text},
                        "adjacent": {"type": "array", "items": row},
                        "geometry": {"type": "object"},
                        "ring": {"type": "object"},
                    },
                },
                "themes": {"type": "array", "items": text},
                "indicators": {"type": "array", "items": row},
                "profile": {"type": "array", "items": row},
                "sites": {"type": "array", "items": row},
                "method": {"type": "object", "additionalProperties": text},
                **provenance,
            },
        },
        "rebuilt": {
            "type": "object",
            "required": ["rebuilt"],
            "properties": {
                "rebuilt": {"type": "boolean"},
                "themes": {"type": "array", "items": text},
                "rows": count,
                "units": {"type": "object", "additionalProperties": count},
                "modified": text,
                "seconds": {"type": "number"},
            },
        },
    }


def _area_parameters(analysis: Analysis, *, units: bool = True) -> list[dict[str, Any]]:
    params = [
        _query(
            "ring",
            {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 5000, "default": 1000},
            "Width of the surroundings, in metres.",
        ),
        _list(_enum(list(analysis.themes.themes)), "theme", "Only these themes (default: all)."),
        _query("name", {"type": "string", "maxLength": 120}, "Name of the study area."),
        {"$ref": _PARAM + "lang"},
    ]
    if units:
        params.insert(
            0,
            _list(
                {"type": "string"},
                "area",
                "A neighbourhood or sector of the area, by FR/NL name or code (repeat for each).",
                example=["Marolles", "Anneessens"],
            ),
        )
    return params


def diagnostics_paths(analysis: Analysis) -> dict[str, Any]:
    """``/diagnostics/...``."""
    stored = analysis.stored
    themes = analysis.theme_ids()
    levels = list(stored.levels) if stored is not None else []
    lang = {"$ref": _PARAM + "lang"}
    area_json = _files("The diagnostic of the study area.", _ref("areaDiagnostic"), "csv", "xlsx", "gpkg")
    geojson = {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}}
    return {
        "/diagnostics/themes": {
            "get": {
                "summary": "Themes of the diagnostic",
                "operationId": "diagnostic_themes",
                "tags": ["Diagnostics"],
                "parameters": [lang, _formats("json")],
                "responses": {"200": _files("The themes.", _ref("themeList")), **_errors()},
            }
        },
        "/diagnostics/indicators": {
            "get": {
                "summary": "Stored indicators per unit and theme",
                "operationId": "diagnostic_indicators",
                "tags": ["Diagnostics"],
                "parameters": [
                    _list(_enum(themes), "theme", "Themes (default: all)."),
                    _list(_enum(levels), "level", "Levels (default: all)."),
                    _list({"type": "string"}, "code", "Unit codes (default: all)."),
                    _formats("json", "csv", "xlsx"),
                    lang,
                ],
                "responses": {
                    "200": _files("Rows of the indicator table.", _ref("indicatorRows"), "csv", "xlsx"),
                    **_errors(404, 429),
                },
            }
        },
        "/diagnostics/underserved": {
            "get": {
                "summary": "Units ranked by their under-served score",
                "operationId": "diagnostic_underserved",
                "tags": ["Diagnostics"],
                "parameters": [
                    {**_query("theme", _enum(themes), "The theme."), "required": True},
                    _query("level", _enum([v for v in levels if v != "region"]), "Level (default sectors)."),
                    _query("limit", {"type": "integer", "minimum": 1, "default": 20}, "Units to list."),
                    _formats("json"),
                    lang,
                ],
                "responses": {
                    "200": _files("The most under-served units first.", _ref("underservedUnits")),
                    **_errors(404),
                },
            }
        },
        "/diagnostics/study-area": {
            "get": {
                "summary": "Diagnostic of a study area made of neighbourhoods or sectors",
                "operationId": "diagnostic_study_area",
                "tags": ["Diagnostics"],
                "parameters": [*_area_parameters(analysis), _formats("json", "csv", "xlsx", "gpkg")],
                "responses": {"200": area_json, **_errors(429)},
            },
            "post": {
                "summary": "Diagnostic of a study area given as a GeoJSON polygon",
                "operationId": "diagnostic_study_area_polygon",
                "tags": ["Diagnostics"],
                "parameters": [
                    *_area_parameters(analysis, units=False),
                    _formats("json", "csv", "xlsx", "gpkg"),
                ],
                "requestBody": {
                    "required": True,
                    "description": "A GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection, in "
                    "longitude/latitude, or with a crs member naming EPSG:31370 or EPSG:3812.",
                    "content": {
                        "application/geo+json": {"schema": geojson},
                        "application/json": {"schema": geojson},
                    },
                },
                "responses": {"200": area_json, **_errors(413, 415, 429, read=False)},
            },
        },
    }


def maps_paths(collections: Mapping[str, Collection], settings: Settings) -> dict[str, Any]:
    """``/maps/...``, ``/reports/...``, ``/collections/{id}/styles/...``, ``/export.gpkg``."""
    del settings  # the same for every server; kept for symmetry with the other path builders
    mappable = [
        cid for cid, c in collections.items() if c.layer.kind != "table" and c.layer.style is not None
    ]
    lang = {"$ref": _PARAM + "lang"}
    map_parameters = [
        {
            "name": "layerId",
            "in": "path",
            "required": True,
            "schema": _enum(mappable),
            "description": "A layer of /collections with geometries.",
        },
        _query("focus", {"type": "string"}, "A commune or neighbourhood to zoom to (name or code)."),
        _query("size", {"type": "string", "enum": ["A4", "A3"]}, "Paper size."),
        _query("orientation", {"type": "string", "enum": ["auto", "portrait", "landscape"]}, "Orientation."),
        _query("indicator", {"type": "string"}, "Another indicator of an indicator layer."),
        lang,
    ]
    paths: dict[str, Any] = {}
    for fmt in ("pdf", "png"):
        paths[f"/maps/{{layerId}}.{fmt}"] = {
            "get": {
                "summary": f"A map of a layer ({fmt.upper()})",
                "operationId": f"map_{fmt}",
                "tags": ["Maps"],
                "parameters": map_parameters,
                "responses": {"200": _files(f"The map page ({fmt}).", None, fmt), **_errors(404, 429, 503)},
            }
        }
    paths["/collections/{collectionId}/styles/{styleFormat}"] = {
        "get": {
            "summary": "The style of a layer (QGIS QML, SLD or MapLibre)",
            "operationId": "layer_style",
            "tags": ["Maps"],
            "parameters": [
                {"name": "collectionId", "in": "path", "required": True, "schema": _enum(mappable)},
                {
                    "name": "styleFormat",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": ["qml", "sld", "maplibre"]},
                },
                _query("indicator", {"type": "string"}, "Another indicator of an indicator layer."),
                lang,
            ],
            "responses": {
                "200": {
                    "description": "The style.",
                    "content": {
                        "application/xml": {"schema": {"type": "string"}},
                        "application/vnd.ogc.sld+xml": {"schema": {"type": "string"}},
                        "application/json": {"schema": {"type": "object"}},
                    },
                },
                **_errors(404),
            },
        }
    }
    paths["/export.gpkg"] = {
        "get": {
            "summary": "Layers in one GeoPackage with their QGIS styles",
            "operationId": "export_gpkg",
            "tags": ["Maps"],
            "parameters": [
                {
                    **_list(_enum(list(collections)), "layer", "Layers to export (ids of /collections)."),
                    "required": True,
                },
                lang,
            ],
            "responses": {"200": _files("The GeoPackage.", None, "gpkg"), **_errors(429)},
        }
    }
    return paths


def report_paths(analysis: Analysis) -> dict[str, Any]:
    """``/reports/study-area.pdf``."""
    return {
        "/reports/study-area.pdf": {
            "get": {
                "summary": "The diagnostic report of a study area (PDF)",
                "operationId": "report_study_area",
                "tags": ["Maps"],
                "parameters": [
                    *_area_parameters(analysis),
                    _query("size", {"type": "string", "enum": ["A4", "A3"]}, "Paper size."),
                ],
                "responses": {"200": _files("The report.", None, "pdf"), **_errors(429, 503)},
            }
        }
    }


def admin_paths() -> dict[str, Any]:
    """``/admin/...`` (write endpoints; off unless the server has a write token)."""
    return {
        "/admin/rebuild-diagnostics": {
            "post": {
                "summary": "Run the diagnostic again, store it, reload (needs the write token)",
                "operationId": "rebuild_diagnostics",
                "tags": ["Admin"],
                "security": [{"writeToken": []}],
                "responses": {
                    "200": _files("The diagnostic was stored and loaded.", _ref("rebuilt")),
                    **_errors(401, 403, 409, read=False),
                },
            }
        }
    }


SECURITY_SCHEMES = {
    "writeToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The server's --write-token; write endpoints are off without one.",
    }
}
