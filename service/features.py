"""OGC API – Features: Part 1 Core (GeoJSON, OpenAPI 3.0), Part 2 CRS by reference, Part 3 filters.

Views are parse → select → serialise: parameters go through :mod:`service.params`, features are
chosen by :meth:`service.collection.Collection.select` and written from the per-feature GeoJSON
text each collection caches per CRS.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, g, request, url_for

from geo.errors import InputError, SourceNotFoundError
from service.collection import Collection
from service.openapi import OPENAPI_TYPE, openapi_document
from service.params import (
    COMMON_PARAMS,
    CRS84,
    ITEMS_PARAMS,
    STORAGE_CRS,
    SUPPORTED_CRS,
    check_params,
    parse_bbox,
    parse_crs_uri,
    parse_datetime,
    parse_limit,
    parse_offset,
)
from service.state import state

bp = Blueprint("features", __name__)

GEOJSON = "application/geo+json"
JSON = "application/json"
REL = "http://www.opengis.net/def/rel/ogc/1.0/"
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
)
# Projected CRSs also named in a GeoJSON 2008 "crs" member, which readers predating RFC 7946 (GDAL,
# QGIS) honour; not for EPSG:4326, which they would read longitude first whatever the member says.
LEGACY_CRS_MEMBER = (31370, 3812)
TITLES = {
    "fr": "socialatlas — offre et besoins sociaux-santé",
    "nl": "socialatlas — sociaal-gezondheidsaanbod en -behoeften",
    "en": "socialatlas — social-health supply and need",
}
DESCRIPTIONS = {
    "fr": "Unités géographiques, lieux d'activité et indicateurs, en OGC API – Features.",
    "nl": "Geografische eenheden, activiteitsplaatsen en indicatoren, als OGC API – Features.",
    "en": "Geographic units, activity sites and indicators, as OGC API – Features.",
}
SYNTHETIC = {
    "fr": "DONNÉES DE DÉMONSTRATION SYNTHÉTIQUES",
    "nl": "SYNTHETISCHE DEMONSTRATIEGEGEVENS",
    "en": "SYNTHETIC DEMONSTRATION DATA",
}


def _json(body: object, mimetype: str = JSON, *, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, mimetype=mimetype, headers=headers)


def _check(allowed: tuple[str, ...], *, formats: tuple[str, ...] = ("json",)) -> None:
    check_params(request.args.keys(), allowed, where=request.path)
    _check_format(formats)


def _check_format(formats: tuple[str, ...]) -> None:
    wanted = request.args.get("f")
    if wanted is not None and wanted not in formats:
        raise InputError(f"f {wanted[:20]!r}: this service answers {' or '.join(formats)}")


def _link(href: str, rel: str, mimetype: str = JSON, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": mimetype}
    if title:
        link["title"] = title
    return link


def _collection(collection_id: str) -> Collection:
    found = state().collections.get(collection_id)
    if found is None:
        known = ", ".join(state().collections)
        raise SourceNotFoundError(f"no collection {collection_id!r}; collections are {known}")
    return found


@bp.get("/")
def landing() -> Response:
    """The landing page: what the service is and where everything is."""
    _check(COMMON_PARAMS)
    lang = g.lang
    title = TITLES[lang] + (f" — {SYNTHETIC[lang]}" if state().synthetic else "")
    return _json(
        {
            "title": title,
            "description": DESCRIPTIONS[lang],
            "attribution": "; ".join(
                dict.fromkeys(c.layer.attribution for c in state().collections.values())
            ),
            "links": [
                _link(url_for("features.landing", _external=True), "self", title="this document"),
                _link(
                    url_for("features.api", _external=True), "service-desc", OPENAPI_TYPE, "API definition"
                ),
                _link(url_for("features.conformance", _external=True), "conformance", title="conformance"),
                _link(url_for("features.conformance", _external=True), REL + "conformance"),
                _link(url_for("features.collections", _external=True), "data", title="collections"),
                _link(url_for("features.collections", _external=True), REL + "data"),
            ],
        }
    )


@bp.get("/api")
def api() -> Response:
    """The OpenAPI 3.0 definition of the whole service (self-contained)."""
    _check(COMMON_PARAMS)
    server = request.url_root.rstrip("/")
    key = (g.lang, server)
    if key not in state().documents:
        document = openapi_document(
            state().collections,
            settings=state().settings,
            lang=g.lang,
            server=server,
            analysis=state().analysis,
        )
        state().documents[key] = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return Response(state().documents[key], mimetype=OPENAPI_TYPE)


@bp.get("/conformance")
def conformance() -> Response:
    """The conformance classes this service implements."""
    _check(COMMON_PARAMS)
    return _json({"conformsTo": list(CONFORMANCE)})


def collection_json(collection: Collection, lang: str) -> dict[str, Any]:
    """The description of one collection (also one entry of ``/collections``)."""
    layer = collection.layer
    cid = collection.id
    description = layer.text("description", lang)
    if layer.vintage:
        description += f" — {layer.attribution} ({layer.vintage})"
    if layer.synthetic:
        description = f"{SYNTHETIC[lang]}. {description}"
    body: dict[str, Any] = {
        "id": cid,
        "title": layer.text("title", lang),
        "description": description,
        "attribution": layer.attribution,
        "itemType": "feature",
        "links": [
            _link(url_for("features.collection", collection_id=cid, _external=True), "self"),
            _link(url_for("features.items", collection_id=cid, _external=True), "items", GEOJSON, "features"),
            _link(
                url_for("features.queryables", collection_id=cid, _external=True),
                REL + "queryables",
                "application/schema+json",
                "queryables",
            ),
        ],
    }
    extent = collection.extent(CRS84)
    if extent is not None:
        storage = collection.extent()
        body["extent"] = {
            "spatial": {
                "bbox": [[round(v, 7) for v in extent]],
                "crs": CRS84,
                "storageCrsBbox": [[round(v, 2) for v in storage or ()]],
            }
        }
        body["crs"] = list(SUPPORTED_CRS)
        body["storageCrs"] = STORAGE_CRS
    return body


@bp.get("/collections")
def collections() -> Response:
    """Every collection of the workspace."""
    _check(COMMON_PARAMS)
    return _json(
        {
            "links": [_link(url_for("features.collections", _external=True), "self")],
            "collections": [collection_json(c, g.lang) for c in state().collections.values()],
            "crs": list(SUPPORTED_CRS),
        }
    )


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> Response:
    """One collection."""
    _check(COMMON_PARAMS)
    return _json(collection_json(_collection(collection_id), g.lang))


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str) -> Response:
    """The properties a filter may use, as a JSON Schema."""
    _check(COMMON_PARAMS)
    found = _collection(collection_id)
    return _json(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": url_for("features.queryables", collection_id=collection_id, _external=True),
            "type": "object",
            "title": found.layer.text("title", g.lang),
            "properties": {name: {"title": name, "type": kind} for name, kind in found.types().items()},
            "additionalProperties": False,
        },
        "application/schema+json",
    )


def _crs_header(crs_uri: str) -> dict[str, str]:
    return {"Content-Crs": f"<{crs_uri}>"}


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    """Features of a collection: filtered by bbox, properties and CQL2; paged with offset/limit."""
    found = _collection(collection_id)
    properties = found.types()
    args = request.args
    reserved = set(ITEMS_PARAMS)
    unknown = sorted(set(args) - reserved - set(properties))
    if unknown:
        raise InputError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))}: neither a parameter of items nor a "
            f"property of {collection_id!r} (its properties: {', '.join(properties)})"
        )
    _check_format(("json", "geojson"))
    settings = state().settings
    limit = parse_limit(args.get("limit"), default=settings.default_limit, maximum=settings.max_limit)
    offset = parse_offset(args.get("offset"))
    crs = parse_crs_uri(args["crs"]) if "crs" in args else CRS84
    bbox_crs = parse_crs_uri(args["bbox-crs"], parameter="bbox-crs") if "bbox-crs" in args else CRS84
    bbox = parse_bbox(args["bbox"], crs_uri=bbox_crs) if "bbox" in args else None
    if "datetime" in args:
        parse_datetime(args["datetime"])  # checked; the served layers have no temporal property
    language = args.get("filter-lang", "cql2-text")
    if language != "cql2-text":
        raise InputError(f"filter-lang {language[:20]!r}: only cql2-text is supported")
    equals = {name: args[name] for name in properties if name in args and name not in reserved}
    positions = found.select(bbox=bbox, bbox_crs=bbox_crs, equals=equals, filter_text=args.get("filter"))
    page = positions[offset : offset + limit]
    features = found.features_json(crs)
    links = [_link(_page_url(collection_id, offset, limit), "self", GEOJSON, "this page")]
    if offset + limit < len(positions):
        links.append(_link(_page_url(collection_id, offset + limit, limit), "next", GEOJSON, "next page"))
    if offset > 0:
        links.append(
            _link(_page_url(collection_id, max(0, offset - limit), limit), "prev", GEOJSON, "previous")
        )
    links.append(
        _link(url_for("features.collection", collection_id=collection_id, _external=True), "collection")
    )
    head_members: dict[str, Any] = {
        "type": "FeatureCollection",
        "timeStamp": state().modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "numberMatched": int(len(positions)),
        "numberReturned": int(len(page)),
        "attribution": found.layer.attribution,
        "links": links,
    }
    if SUPPORTED_CRS[crs][0] in LEGACY_CRS_MEMBER:
        head_members["crs"] = {
            "type": "name",
            "properties": {"name": f"urn:ogc:def:crs:EPSG::{SUPPORTED_CRS[crs][0]}"},
        }
    head = json.dumps(head_members, ensure_ascii=False, separators=(",", ":"))
    body = head[:-1] + ',"features":[' + ",".join(features[i] for i in page) + "]}"
    return Response(body, mimetype=GEOJSON, headers=_crs_header(crs))


def _page_url(collection_id: str, offset: int, limit: int) -> str:
    params: dict[str, Any] = request.args.to_dict(flat=False)
    params.update(offset=[str(offset)], limit=[str(limit)])
    return url_for("features.items", collection_id=collection_id, _external=True, **params)


@bp.get("/collections/<collection_id>/items/<path:feature_id>")
def item(collection_id: str, feature_id: str) -> Response:
    """One feature by its id."""
    _check((*COMMON_PARAMS, "crs"), formats=("json", "geojson"))
    found = _collection(collection_id)
    crs = parse_crs_uri(request.args["crs"]) if "crs" in request.args else CRS84
    position = found.position(feature_id)
    if position is None:
        raise SourceNotFoundError(f"collection {collection_id!r} has no feature {feature_id!r}")
    links = [
        _link(
            url_for("features.item", collection_id=collection_id, feature_id=feature_id, _external=True),
            "self",
            GEOJSON,
        ),
        _link(url_for("features.collection", collection_id=collection_id, _external=True), "collection"),
    ]
    text = found.features_json(crs)[position]
    body = text[:-1] + ',"links":' + json.dumps(links, separators=(",", ":")) + "}"
    return Response(body, mimetype=GEOJSON, headers=_crs_header(crs))
