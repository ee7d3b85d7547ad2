"""The OpenAPI 3.0 definition of the service, self-contained (no remote ``$ref``).

Built from the collections actually served: each collection gets its own paths, with its
properties as query parameters and as the schema of its features, so a client (or a fuzzer) knows
exactly what each answer holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib.metadata import version
from typing import Any

from service import openapi_outputs as outputs
from service.analysis import Analysis
from service.collection import Collection
from service.params import CRS84, ITEMS_PARAMS, SUPPORTED_CRS
from service.settings import Settings

OPENAPI_TYPE = "application/vnd.oai.openapi+json;version=3.0"
_REF = "#/components/schemas/"
_PARAM = "#/components/parameters/"
_LANG_TITLES = {
    "fr": "socialatlas — OGC API Features et recherche dans le répertoire",
    "nl": "socialatlas — OGC API Features en zoeken in de sociale kaart",
    "en": "socialatlas — OGC API Features and directory search",
}


def _name(collection: Collection) -> str:
    """A component name for a collection's schemas (letters, digits, ``._-`` only)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", collection.id)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _nullable(kind: str) -> dict[str, Any]:
    return {"type": kind, "nullable": True}


def _array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def _content(schema: dict[str, Any], mimetype: str = "application/json") -> dict[str, Any]:
    return {mimetype: {"schema": schema}}


def _ok(description: str, schema: dict[str, Any], mimetype: str = "application/json", **headers: Any) -> dict:
    response: dict[str, Any] = {"description": description, "content": _content(schema, mimetype)}
    if headers:
        response["headers"] = headers
    return response


def _errors(*codes: int) -> dict[str, Any]:
    texts = {
        304: "Not modified (If-None-Match matched the ETag).",
        400: "A parameter is wrong; the description says which and why.",
        404: "No such collection, feature or sector.",
        405: "Only GET, HEAD and OPTIONS are accepted.",
        500: "Internal error (logged).",
    }
    out: dict[str, Any] = {}
    for code in sorted({304, 400, *codes, 405, 500}):
        out[str(code)] = {"description": texts[code]}
        if code != 304:
            out[str(code)]["content"] = _content(_ref("exception"))
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


def _geometry_schemas() -> dict[str, Any]:
    position = _array({"type": "number"}, minItems=2, maxItems=3)
    line = _array(position, minItems=2)
    ring = _array(position, minItems=4)
    kinds = {
        "Point": position,
        "MultiPoint": _array(position),
        "LineString": line,
        "MultiLineString": _array(line),
        "Polygon": _array(ring),
        "MultiPolygon": _array(_array(ring)),
    }
    schemas: dict[str, Any] = {
        f"geometry{kind}": _object(
            {"type": {"type": "string", "enum": [kind]}, "coordinates": coords}, ("type", "coordinates")
        )
        for kind, coords in kinds.items()
    }
    members = [_ref(f"geometry{kind}") for kind in kinds]
    schemas["geometryCollection"] = _object(
        {
            "type": {"type": "string", "enum": ["GeometryCollection"]},
            "geometries": _array({"oneOf": members}),
        },
        ("type", "geometries"),
    )
    schemas["geometryGeoJSON"] = {"oneOf": [*members, _ref("geometryCollection")]}
    return schemas


def _common_schemas() -> dict[str, Any]:
    link = _object(
        {
            "href": {"type": "string"},
            "rel": {"type": "string"},
            "type": {"type": "string"},
            "title": {"type": "string"},
        },
        ("href", "rel"),
    )
    bbox = _array(_array({"type": "number"}, minItems=4, maxItems=6), minItems=1)
    collection = _object(
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "attribution": {"type": "string"},
            "itemType": {"type": "string"},
            "links": _array(_ref("link")),
            "extent": _object(
                {"spatial": _object({"bbox": bbox, "crs": {"type": "string"}, "storageCrsBbox": bbox})}
            ),
            "crs": _array({"type": "string"}),
            "storageCrs": {"type": "string"},
        },
        ("id", "links"),
    )
    return {
        "exception": _object({"code": {"type": "string"}, "description": {"type": "string"}}, ("code",)),
        "link": link,
        "landingPage": _object(
            {
                "title": {"type": "string"},
                "description": {"type": "string"},
                "attribution": {"type": "string"},
                "links": _array(_ref("link")),
            },
            ("links",),
        ),
        "confClasses": _object({"conformsTo": _array({"type": "string"})}, ("conformsTo",)),
        "collection": collection,
        "collections": _object(
            {
                "links": _array(_ref("link")),
                "collections": _array(_ref("collection")),
                "crs": _array({"type": "string"}),
            },
            ("links", "collections"),
        ),
        "queryables": _object(
            {"type": {"type": "string"}, "properties": {"type": "object"}, "title": {"type": "string"}},
            ("type", "properties"),
        ),
        **_geometry_schemas(),
    }


def _common_parameters(settings: Settings) -> dict[str, Any]:
    crs_schema = {"type": "string", "enum": list(SUPPORTED_CRS)}
    return {
        "lang": _query(
            "lang",
            {"type": "string", "enum": ["fr", "nl", "en"]},
            "Language of titles (default: Accept-Language, then fr).",
        ),
        "f": _query("f", {"type": "string", "enum": ["json"]}, "Output format."),
        "f-features": _query("f", {"type": "string", "enum": ["json", "geojson"]}, "Output format."),
        "limit": _query(
            "limit",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": settings.max_limit,
                "default": settings.default_limit,
            },
            f"Items per page (1 to {settings.max_limit}); follow the 'next' link for the rest.",
        ),
        "offset": _query(
            "offset", {"type": "integer", "minimum": 0, "default": 0}, "Index of the first item."
        ),
        "bbox": _query(
            "bbox",
            _array({"type": "number"}, minItems=4, maxItems=6),
            "xmin,ymin,xmax,ymax in the axis order of bbox-crs (default CRS84: lon,lat).",
            style="form",
            explode=False,
        ),
        "bbox-crs": _query("bbox-crs", crs_schema, "CRS of bbox (default CRS84)."),
        "crs": _query("crs", crs_schema, "CRS of the coordinates in the answer (default CRS84)."),
        "datetime": _query(
            "datetime", {"type": "string"}, "Instant or interval (RFC 3339); the layers have no time."
        ),
        "filter": _query("filter", {"type": "string"}, "A CQL2-text filter over the queryables."),
        "filter-lang": _query(
            "filter-lang", {"type": "string", "enum": ["cql2-text"]}, "Language of filter."
        ),
    }


def _feature_schemas(collection: Collection, schema: str) -> dict[str, Any]:
    """``feature_<schema>`` and ``features_<schema>``: a feature and a page of the collection."""
    properties = {name: _nullable(kind) for name, kind in collection.types().items()}
    geometry = {"oneOf": [_ref("geometryGeoJSON"), {"type": "object", "nullable": True, "enum": [None]}]}
    feature = _object(
        {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "geometry": geometry,
            "properties": {**_object(properties), "nullable": True},
            "links": _array(_ref("link")),
        },
        ("type", "geometry", "properties"),
    )
    count = {"type": "integer", "minimum": 0}
    features = _object(
        {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": _array(_ref(f"feature_{schema}")),
            "links": _array(_ref("link")),
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": count,
            "numberReturned": count,
            "attribution": {"type": "string"},
        },
        ("type", "features"),
    )
    return {f"feature_{schema}": feature, f"features_{schema}": features}


def _property_parameter(name: str, kind: str) -> tuple[str, dict[str, Any]]:
    """A property filter as a shared parameter component: (component name, parameter)."""
    key = re.sub(r"[^A-Za-z0-9._-]", "_", f"property.{name}.{kind}")
    return key, _query(name, {"type": kind}, f"Features whose {name} equals this value.")


def _collection_paths(collection: Collection, schema: str) -> dict[str, Any]:
    cid, name = collection.id, _name(collection)
    page, feature = _ref(f"features_{schema}"), _ref(f"feature_{schema}")
    crs_header = {
        "Content-Crs": {"description": "CRS of the coordinates, as <URI>.", "schema": {"type": "string"}}
    }
    reserved = set(ITEMS_PARAMS)
    properties = [
        {"$ref": _PARAM + _property_parameter(prop, kind)[0]}
        for prop, kind in collection.types().items()
        if prop not in reserved
    ]
    common = [{"$ref": _PARAM + "f"}, {"$ref": _PARAM + "lang"}]
    title = collection.layer.text("title", "en")
    return {
        f"/collections/{cid}": {
            "get": {
                "summary": f"{title}: description",
                "operationId": f"describe_{name}",
                "tags": ["Features"],
                "parameters": common,
                "responses": {"200": _ok("The collection.", _ref("collection")), **_errors()},
            }
        },
        f"/collections/{cid}/queryables": {
            "get": {
                "summary": f"{title}: queryables",
                "operationId": f"queryables_{name}",
                "tags": ["Features"],
                "parameters": common,
                "responses": {
                    "200": _ok(
                        "The properties a filter may use.", _ref("queryables"), "application/schema+json"
                    ),
                    **_errors(),
                },
            }
        },
        f"/collections/{cid}/items": {
            "get": {
                "summary": f"{title}: features",
                "operationId": f"features_{name}",
                "tags": ["Features"],
                "parameters": [
                    *(
                        {"$ref": _PARAM + name}
                        for name in (
                            "limit",
                            "offset",
                            "bbox",
                            "bbox-crs",
                            "crs",
                            "datetime",
                            "filter",
                            "filter-lang",
                            "lang",
                        )
                    ),
                    {"$ref": _PARAM + "f-features"},
                    *properties,
                ],
                "responses": {
                    "200": _ok("A page of features.", page, "application/geo+json", **crs_header),
                    **_errors(400),
                },
            }
        },
        f"/collections/{cid}/items/{{featureId}}": {
            "get": {
                "summary": f"{title}: one feature",
                "operationId": f"feature_{name}",
                "tags": ["Features"],
                "parameters": [
                    {
                        "name": "featureId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        **({"example": str(collection.ids[0])} if len(collection) else {}),
                    },
                    {"$ref": _PARAM + "crs"},
                    {"$ref": _PARAM + "f-features"},
                    {"$ref": _PARAM + "lang"},
                ],
                "responses": {
                    "200": _ok("The feature.", feature, "application/geo+json", **crs_header),
                    **_errors(400, 404),
                },
            }
        },
    }


def _directory_schemas() -> dict[str, Any]:
    text = _nullable("string")
    names = {"id": {"type": "string"}, "nameFr": text, "nameNl": text, "nameEn": text}
    unit = {**_object({"code": {"type": "string"}, "nameFr": text, "nameNl": text}), "nullable": True}
    site = _object(
        {
            "id": {"type": "string"},
            "source": text,
            "sourceId": text,
            "nameFr": text,
            "nameNl": text,
            "organisation": _object({"id": text, "nameFr": text, "nameNl": text}),
            "address": _object(
                {"streetFr": text, "streetNl": text, "number": text, "postcode": text, "communeCode": text}
            ),
            "location": {
                **_object(
                    {n: {"type": "number"} for n in ("lat", "lon", "x", "y")}, ("lat", "lon", "x", "y")
                ),
                "nullable": True,
            },
            "locatedIn": _object({"sector": unit, "neighbourhood": unit, "commune": unit}),
            "outsideRegion": {"type": "boolean"},
            "categories": _array(_object(names, ("id",))),
            "sectors": _array(_object(names, ("id",))),
            "agreements": _array(_object({**names, "authority": text}, ("id",))),
            "offerTypes": _array({"type": "string"}),
            "languages": _array({"type": "string"}),
            "zoneAction": _array(_object({"level": {"type": "string"}, "code": {"type": "string"}})),
            "capacity": _object({"places": _nullable("number"), "beds": _nullable("number")}),
            "headOfficeOnly": {"type": "boolean"},
            "updated": text,
            "distance": {"type": "number", "description": "Kilometres from location."},
        },
        ("id", "nameFr", "nameNl", "location", "categories", "agreements"),
    )
    provenance = {"attribution": {"type": "string"}, "synthetic": {"type": "boolean"}}
    count = {"type": "integer", "minimum": 0}
    return {
        "site": site,
        "siteList": _object(
            {
                "total": count,
                "offset": count,
                "limit": count,
                "results": _array(_ref("site")),
                "links": _array(_ref("link")),
                **provenance,
            },
            ("total", "offset", "limit", "results"),
        ),
        "sectorList": _object(
            {
                "total": count,
                "results": _array(_object({**names, "count": count, "categories": _array(_object(names))})),
                **provenance,
            },
            ("total", "results"),
        ),
        "agreementList": _object(
            {
                "total": count,
                "results": _array(_object({**names, "authority": text, "count": count})),
                **provenance,
            },
            ("total", "results"),
        ),
    }


def _directory_paths() -> dict[str, Any]:
    lang = {"$ref": _PARAM + "lang"}
    search = [
        _query(
            "locatedAt", {"type": "string"}, "Sector, neighbourhood, commune or zone (FR/NL name or code)."
        ),
        _query("activeOn", {"type": "string"}, "Unit the sites are active on (zone d'action)."),
        _query("location", {"type": "string"}, "A point: LAT,LON (WGS84) or X,Y (Lambert 72 or 2008)."),
        _query(
            "distance",
            {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 50},
            "Kilometres around location (default 1).",
        ),
        _query(
            "crs",
            {"type": "string", "enum": list(SUPPORTED_CRS)},
            "CRS of location when its values are ambiguous.",
        ),
        _query("agreements", {"type": "string"}, "Agreement ids, comma-separated (any of)."),
        _query("categories", {"type": "string"}, "Category ids, comma-separated (any of)."),
        {"$ref": _PARAM + "offset"},
        {"$ref": _PARAM + "limit"},
        lang,
    ]
    sites = {"200": _ok("A page of published activity sites.", _ref("siteList")), **_errors(400, 404)}
    return {
        "/rest/search/organisation": {
            "get": {
                "summary": "Search the directory",
                "operationId": "search_organisation",
                "tags": ["Directory"],
                "parameters": [
                    *search,
                    _query("sectors", {"type": "string"}, "Sector ids, comma-separated."),
                ],
                "responses": sites,
            }
        },
        "/rest/sectors": {
            "get": {
                "summary": "Sectors and their categories",
                "operationId": "sectors",
                "tags": ["Directory"],
                "parameters": [lang],
                "responses": {"200": _ok("The sectors.", _ref("sectorList")), **_errors(400)},
            }
        },
        "/rest/sectors/{sectorId}/organisations": {
            "get": {
                "summary": "Published activity sites of a sector",
                "operationId": "sector_organisations",
                "tags": ["Directory"],
                "parameters": [
                    {"name": "sectorId", "in": "path", "required": True, "schema": {"type": "string"}},
                    *search,
                ],
                "responses": sites,
            }
        },
        "/rest/agreements": {
            "get": {
                "summary": "Agreements (accreditations)",
                "operationId": "agreements",
                "tags": ["Directory"],
                "parameters": [lang],
                "responses": {"200": _ok("The agreements.", _ref("agreementList")), **_errors(400)},
            }
        },
    }


def openapi_document(
    collections: Mapping[str, Collection],
    *,
    settings: Settings,
    lang: str,
    server: str,
    analysis: Analysis | None = None,
) -> dict[str, Any]:
    """The OpenAPI 3.0 document of the service at ``server`` (its base URL).

    With ``analysis`` (the diagnostics' data), the diagnostics, maps, reports, styles, downloads and
    write endpoints are described too.
    """
    common = [{"$ref": _PARAM + "f"}, {"$ref": _PARAM + "lang"}]
    paths: dict[str, Any] = {
        "/": {
            "get": {
                "summary": "Landing page",
                "operationId": "landing",
                "tags": ["Features"],
                "parameters": common,
                "responses": {"200": _ok("The landing page.", _ref("landingPage")), **_errors(400)},
            }
        },
        "/api": {
            "get": {
                "summary": "This API definition",
                "operationId": "api",
                "tags": ["Features"],
                "parameters": common,
                "responses": {
                    "200": _ok("OpenAPI 3.0 document.", {"type": "object"}, OPENAPI_TYPE),
                    **_errors(400),
                },
            }
        },
        "/conformance": {
            "get": {
                "summary": "Conformance classes",
                "operationId": "conformance",
                "tags": ["Features"],
                "parameters": common,
                "responses": {"200": _ok("The conformance classes.", _ref("confClasses")), **_errors(400)},
            }
        },
        "/collections": {
            "get": {
                "summary": "Collections",
                "operationId": "collections",
                "tags": ["Features"],
                "parameters": common,
                "responses": {"200": _ok("The collections.", _ref("collections")), **_errors(400)},
            }
        },
    }
    schemas = {**_common_schemas(), **_directory_schemas()}
    parameters = _common_parameters(settings)
    shared: dict[tuple[tuple[str, str], ...], str] = {}  # collections with the same properties share schemas
    for collection in collections.values():
        types = collection.types()
        schema = shared.setdefault(tuple(types.items()), _name(collection))
        if schema == _name(collection):
            schemas.update(_feature_schemas(collection, schema))
        paths.update(_collection_paths(collection, schema))
        parameters.update(_property_parameter(prop, kind) for prop, kind in types.items())
    paths.update(_directory_paths())
    tags = [{"name": "Features"}, {"name": "Directory"}]
    components: dict[str, Any] = {"schemas": schemas, "parameters": parameters}
    if analysis is not None:
        paths.update(outputs.diagnostics_paths(analysis))
        paths.update(outputs.maps_paths(collections, settings))
        paths.update(outputs.report_paths(analysis))
        paths.update(outputs.admin_paths())
        schemas.update(outputs.output_schemas())
        components["securitySchemes"] = outputs.SECURITY_SCHEMES
        tags += [{"name": "Diagnostics"}, {"name": "Maps"}, {"name": "Admin"}]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": _LANG_TITLES[lang],
            "version": version("socialatlas"),
            "description": "Read-only but for the write endpoints (off without a write token). "
            "Coordinates default to CRS84 (longitude, latitude); "
            f"crs= also serves {', '.join(u for u in SUPPORTED_CRS if u != CRS84)}.",
            "license": {"name": "EUPL-1.2"},
        },
        "servers": [{"url": server or "/"}],
        "tags": tags,
        "paths": paths,
        "components": components,
    }
