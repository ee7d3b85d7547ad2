"""Request parsers: pure functions from query-string text to checked values, raising InputError.

Views call these and never parse by hand; every message names the parameter, what is wrong with
the value given and what to write instead. Nothing here sees a request or a file.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer

from geo.crs import candidate_crs, crs_label, parse_crs
from geo.errors import CRSError, InputError

# query parameters of every OGC API request, and of items requests (the rest are property filters)
COMMON_PARAMS = ("f", "lang")
ITEMS_PARAMS = (
    *COMMON_PARAMS,
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "filter",
    "filter-lang",
)

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
LANGS = ("fr", "nl", "en")


def epsg_uri(code: int) -> str:
    """The OGC URI of an EPSG code (``http://www.opengis.net/def/crs/EPSG/0/31370``)."""
    return f"http://www.opengis.net/def/crs/EPSG/0/{code}"


# The CRSs features are served in, by URI: (EPSG code used for the checks, latitude first?)
SUPPORTED_CRS: dict[str, tuple[int, bool]] = {
    CRS84: (4326, False),
    epsg_uri(4326): (4326, True),
    epsg_uri(31370): (31370, False),
    epsg_uri(3812): (3812, False),
}
STORAGE_CRS = epsg_uri(31370)

_CRS_TEXT = re.compile(
    r"(?:https?://www\.opengis\.net/def/crs/(?:EPSG|OGC)/[\w.]+/\w+"
    r"|urn:ogc:def:crs:(?:EPSG|OGC):[\w.]*:\w+|EPSG:\d{1,6}|\d{1,6}|(?:OGC:)?CRS84)",
    re.IGNORECASE,
)


def check_params(given: Iterable[str], allowed: Iterable[str], *, where: str) -> None:
    """Refuse query parameters the operation does not define (OGC API – Features, 400)."""
    known = set(allowed)
    unknown = sorted(set(given) - known)
    if unknown:
        raise InputError(
            f"{where}: unknown parameter(s) {', '.join(map(repr, unknown))}; "
            f"known parameters are {', '.join(sorted(known))}"
        )


@lru_cache(maxsize=256)
def parse_crs_uri(text: str, *, parameter: str = "crs") -> str:
    """The URI of a supported CRS, given as a URI, a URN, ``EPSG:n``, a code or ``CRS84``.

    Raises
    ------
    CRSError
        When the text names no CRS, or a CRS the service does not serve.
    """
    text = text.strip()
    supported = ", ".join(SUPPORTED_CRS)
    if not _CRS_TEXT.fullmatch(text):
        raise CRSError(f"{parameter} {text[:80]!r}: not a CRS URI; give one of {supported}")
    if text.upper().removeprefix("OGC:") == "CRS84":
        return CRS84
    crs = parse_crs(text, parameter=parameter)
    for uri in SUPPORTED_CRS:
        if crs == _crs_object(uri):
            return uri
    raise CRSError(f"{parameter} {text!r}: this CRS is not served; give one of {supported}")


@lru_cache(maxsize=8)
def _crs_object(uri: str) -> CRS:
    return parse_crs(uri)


def lat_first(crs_uri: str) -> bool:
    """Whether coordinates in this CRS are written latitude first (EPSG:4326), per its axis order."""
    return SUPPORTED_CRS[crs_uri][1]


def _number(text: str, parameter: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{parameter}: {text[:40]!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{parameter}: {text[:40]!r} is not a finite number")
    return value


def parse_bbox(text: str, *, crs_uri: str = CRS84) -> tuple[float, float, float, float]:
    """A ``bbox`` (4 or 6 numbers, in the axis order of ``crs_uri``) as (xmin, ymin, xmax, ymax).

    The result is easting/longitude first whatever the CRS's axis order. A box whose values fit
    another Belgian CRS than the one declared is refused with the ``bbox-crs`` to write, as is an
    EPSG:4326 box written longitude first. In degrees, ``xmin > xmax`` crosses the antimeridian.
    """
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise InputError(
            f"bbox {text[:80]!r}: give 4 numbers, xmin,ymin,xmax,ymax in the axis order of bbox-crs "
            "(default CRS84: lon_min,lat_min,lon_max,lat_max)"
        )
    values = [_number(p, "bbox") for p in parts]
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    a0, b0, a1, b1 = values
    x0, y0, x1, y1 = (b0, a0, b1, a1) if lat_first(crs_uri) else (a0, b0, a1, b1)
    _check_bbox_crs((x0, y0, x1, y1), crs_uri, text)
    if y0 > y1 or (x0 > x1 and SUPPORTED_CRS[crs_uri][0] != 4326):
        raise InputError(f"bbox {text!r}: the lower corner comes first (min before max)")
    return x0, y0, x1, y1


def _check_bbox_crs(box: tuple[float, float, float, float], crs_uri: str, text: str) -> None:
    epsg, latfirst = SUPPORTED_CRS[crs_uri]
    xs, ys = np.array([box[0], box[2]]), np.array([box[1], box[3]])
    found = candidate_crs(xs, ys)
    declared = "CRS84 (longitude, latitude)" if crs_uri == CRS84 else crs_label(_crs_object(crs_uri))
    if epsg == 4326 and latfirst and candidate_crs(ys, xs) == [4326]:
        raise CRSError(
            f"bbox {text!r}: EPSG:4326 takes latitude first (lat_min,lon_min,lat_max,lon_max); "
            f"swap the values or give bbox-crs={CRS84} for longitude first"
        )
    if found and epsg not in found:
        fits = crs_label(_crs_object(epsg_uri(found[0])))
        raise CRSError(
            f"bbox {text!r}: these values are {fits} coordinates but bbox-crs is {declared}; "
            f"add bbox-crs={epsg_uri(found[0])} (or give the box in {declared})"
        )
    if epsg == 4326 and (np.abs(xs) > 180).any() | (np.abs(ys) > 90).any():
        raise CRSError(
            f"bbox {text!r}: longitudes lie in [-180, 180] and latitudes in [-90, 90]; for Lambert "
            f"coordinates add bbox-crs={epsg_uri(31370)}"
        )


def parse_limit(text: str | None, *, default: int, maximum: int) -> int:
    """The page size: ``default`` when absent; 400 below 1 or above ``maximum``."""
    if text is None:
        return default
    value = _integer(text, "limit")
    if not 1 <= value <= maximum:
        raise InputError(f"limit {value}: give a number from 1 to {maximum} and follow the 'next' links")
    return value


def parse_offset(text: str | None) -> int:
    """The index of the first item of a page (0 when absent)."""
    if text is None:
        return 0
    value = _integer(text, "offset")
    if value < 0:
        raise InputError(f"offset {value}: give 0 or more")
    return value


def _integer(text: str, parameter: str) -> int:
    if not re.fullmatch(r"\s*[+-]?\d{1,12}\s*", text):
        raise InputError(f"{parameter} {text[:40]!r}: give a whole number")
    return int(text)


def parse_lang(param: str | None, accepted: Sequence[tuple[str, float]] = ()) -> str:
    """The language of titles: ``lang=`` if given (fr, nl, en), else the best of Accept-Language.

    ``accepted`` is the Accept-Language header as (language tag, quality) pairs, best first.
    French when nothing matches.
    """
    if param is not None:
        lang = param.strip().lower()
        if lang not in LANGS:
            raise InputError(f"lang {param[:20]!r}: give one of {', '.join(LANGS)}")
        return lang
    for tag, quality in accepted:
        primary = tag.split("-")[0].lower()
        if quality > 0 and primary in LANGS:
            return primary
    return "fr"


_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))?")


def parse_datetime(text: str) -> tuple[str | None, str | None]:
    """A ``datetime`` instant or interval (RFC 3339, ``..`` or empty for open ends) as (start, end)."""
    parts = text.split("/")
    if len(parts) > 2 or (len(parts) == 2 and all(p in ("", "..") for p in parts)):
        raise InputError(f"datetime {text[:60]!r}: give an instant or an interval start/end")
    bounds: list[str | None] = []
    for part in parts:
        if len(parts) == 2 and part in ("", ".."):
            bounds.append(None)
            continue
        if not _INSTANT.fullmatch(part):
            raise InputError(f"datetime {part[:40]!r}: write 2024-01-31 or 2024-01-31T12:00:00Z")
        try:
            datetime.fromisoformat(part.replace("z", "Z").replace("t", "T"))
        except ValueError:
            raise InputError(f"datetime {part!r}: no such date") from None
        bounds.append(part)
    return (bounds[0], bounds[-1])


def parse_list(values: Iterable[str]) -> list[str]:
    """Values of a parameter given repeated and/or comma-separated, blanks dropped, order kept."""
    out = [item.strip() for value in values for item in value.split(",")]
    return list(dict.fromkeys(item for item in out if item))


def parse_distance(text: str | None, *, default_km: float = 1.0, maximum_km: float = 50.0) -> float:
    """A search radius in kilometres, returned in metres."""
    if text is None:
        return default_km * 1000
    value = _number(text, "distance")
    if not 0 < value <= maximum_km:
        raise InputError(f"distance {value:g}: give kilometres above 0 and at most {maximum_km:g}")
    return value * 1000


def parse_number(
    text: str | None, *, parameter: str, default: float, minimum: float, maximum: float, unit: str = ""
) -> float:
    """A number within ``(minimum, maximum]``; ``default`` when absent."""
    if text is None:
        return default
    value = _number(text, parameter)
    if not minimum < value <= maximum:
        raise InputError(
            f"{parameter} {value:g}: give a number above {minimum:g} and at most {maximum:g}{unit}"
        )
    return value


POLYGON_TYPES = ("Polygon", "MultiPolygon")


def _polygons_of(document: object) -> list[dict[str, object]]:
    """The polygon geometries of a GeoJSON geometry, Feature or FeatureCollection."""
    if not isinstance(document, dict):
        raise InputError("body: give a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection")
    kind = document.get("type")
    if kind in POLYGON_TYPES:
        return [document]
    if kind == "Feature":
        return _polygons_of(document.get("geometry"))
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list) or not features:
            raise InputError("body: the FeatureCollection holds no feature")
        return [polygon for feature in features for polygon in _polygons_of(feature)]
    raise InputError(
        f"body: a GeoJSON {str(kind)[:30]!r} is not a polygon; give a Polygon, MultiPolygon, Feature or "
        "FeatureCollection of polygons"
    )


def _body_crs(document: dict[str, object]) -> int:
    """The EPSG code named by a GeoJSON 2008 ``crs`` member (CRS84 longitude/latitude without one)."""
    member = document.get("crs")
    if member is None:
        return 4326
    name = member.get("properties", {}).get("name") if isinstance(member, dict) else None
    if not isinstance(name, str):
        raise CRSError('crs: write the member as {"type": "name", "properties": {"name": "EPSG:31370"}}')
    return SUPPORTED_CRS[parse_crs_uri(name)][0]


def parse_polygon(document: object, *, max_vertices: int = 100_000) -> shapely.Geometry:
    """A study-area polygon posted as GeoJSON, in EPSG:31370 (a shapely geometry).

    Coordinates are longitude, latitude (RFC 7946) unless a GeoJSON 2008 ``crs`` member names
    Lambert 72 or Lambert 2008 (always easting first). Refuses non-polygons, more than
    ``max_vertices`` vertices, invalid or empty polygons, and coordinates that plainly are in another
    CRS than the one declared.
    """
    polygons = _polygons_of(document)
    assert isinstance(document, dict)
    epsg = _body_crs(document)
    try:
        geometries = [shapely.from_geojson(json.dumps(p)) for p in polygons]
    except (shapely.errors.GEOSException, ValueError, TypeError) as error:
        raise InputError(f"body: not a readable GeoJSON polygon ({str(error)[:120]})") from None
    vertices = int(sum(shapely.get_num_coordinates(geometries)))
    if vertices > max_vertices:
        raise InputError(f"body: {vertices} vertices; simplify the polygon to at most {max_vertices}")
    coordinates = shapely.get_coordinates(geometries)
    found = candidate_crs(coordinates[:, 0], coordinates[:, 1])
    if found and epsg not in found:
        declared = "longitude, latitude (CRS84)" if epsg == 4326 else crs_label(_crs_object(epsg_uri(epsg)))
        fits = crs_label(_crs_object(epsg_uri(found[0])))
        raise CRSError(
            f"body: these coordinates are {fits} but the polygon is read as {declared}; add "
            f'"crs": {{"type": "name", "properties": {{"name": "EPSG:{found[0]}"}}}} to the GeoJSON'
        )
    for geometry in geometries:
        if not shapely.is_valid(geometry):
            reason = shapely.is_valid_reason(geometry)
            raise InputError(f"body: the polygon is invalid ({reason}); repair it (e.g. QGIS Fix geometries)")
    merged = shapely.union_all(geometries)
    if merged.is_empty or merged.area <= 0:
        raise InputError("body: the polygon is empty")
    if epsg != 31370:
        to = Transformer.from_crs("OGC:CRS84" if epsg == 4326 else epsg, 31370, always_xy=True)
        merged = shapely.transform(merged, lambda xy: np.column_stack(to.transform(xy[:, 0], xy[:, 1])))
    return merged
