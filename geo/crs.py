"""Coordinate reference systems: parsing, the metric CRS, and detection from coordinates.

Brussels data arrives in WGS84 (EPSG:4326), Belgian Lambert 72 (EPSG:31370) or Lambert 2008
(EPSG:3812). Metric work happens in :data:`METRIC`. This is the one place that knows how to read a
CRS given by a user and how to tell, from the coordinates themselves, which CRS they are in.
"""

from __future__ import annotations

import re

import numpy as np
from pyproj import CRS
from pyproj.exceptions import CRSError as _PyprojCRSError

from geo.errors import CRSError

METRIC = CRS.from_epsg(31370)
WGS84 = CRS.from_epsg(4326)
LAMBERT_2008 = CRS.from_epsg(3812)

# Plausible extents of Belgium (with a margin) in each CRS we detect: (xmin, ymin, xmax, ymax).
# WGS84 is given as (lon, lat).
_BELGIUM_EXTENTS: dict[int, tuple[float, float, float, float]] = {
    4326: (2.0, 49.0, 7.0, 52.0),
    31370: (15_000.0, 15_000.0, 310_000.0, 255_000.0),
    3812: (500_000.0, 500_000.0, 820_000.0, 760_000.0),
}
_NAMES = {4326: "WGS84 (EPSG:4326)", 31370: "Lambert 72 (EPSG:31370)", 3812: "Lambert 2008 (EPSG:3812)"}

_URN = re.compile(r"urn:ogc:def:crs:(?:EPSG|OGC):[^:]*:(\w+)$", re.IGNORECASE)
_URI = re.compile(r"https?://www\.opengis\.net/def/crs/(?:EPSG|OGC)/[^/]+/(\w+)$", re.IGNORECASE)


def parse_crs(value: object, *, parameter: str = "crs") -> CRS:
    """Read a CRS given as an EPSG code, ``EPSG:n``, an OGC URN or URI, or ``CRS84``.

    Parameters
    ----------
    value
        The CRS as a user gave it: ``31370``, ``"EPSG:3812"``, ``"lambert72"``,
        ``"http://www.opengis.net/def/crs/OGC/1.3/CRS84"``, a :class:`pyproj.CRS`.
    parameter
        The name of the option or column the value came from, for the error message.

    Raises
    ------
    CRSError
        When the value names no CRS.
    """
    if isinstance(value, CRS):
        return value
    text = str(value).strip()
    aliases = {"wgs84": "EPSG:4326", "lambert72": "EPSG:31370", "lambert2008": "EPSG:3812"}
    text = aliases.get(text.lower(), text)
    match = _URN.match(text) or _URI.match(text)
    if match:
        code = match.group(1)
        text = "OGC:CRS84" if code.upper() == "CRS84" else f"EPSG:{code}"
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        return CRS.from_user_input(text)
    except _PyprojCRSError:
        raise CRSError(
            f"{parameter}: {value!r} is not a coordinate reference system; "
            "give an EPSG code such as 4326, 31370 or 3812"
        ) from None


def crs_label(crs: CRS) -> str:
    """A short human name for a CRS (``Lambert 72 (EPSG:31370)``)."""
    epsg = crs.to_epsg()
    return _NAMES.get(epsg or -1, crs.to_string())


def candidate_crs(x: np.ndarray, y: np.ndarray) -> list[int]:
    """EPSG codes among WGS84, Lambert 72 and Lambert 2008 whose Belgian extent holds most points.

    Coordinates are taken in (x, y) = (easting, northing) or (lon, lat) order. NaNs are ignored.
    Returns the codes in which at least 95 % of the finite points fall inside Belgium, best first.
    """
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return []
    x, y = x[ok], y[ok]
    scored = []
    for epsg, (x0, y0, x1, y1) in _BELGIUM_EXTENTS.items():
        inside = float(np.mean((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)))
        if inside >= 0.95:
            scored.append((inside, epsg))
    return [epsg for _, epsg in sorted(scored, reverse=True)]


def check_declared_crs(x: np.ndarray, y: np.ndarray, declared: CRS, *, where: str) -> None:
    """Raise when coordinates clearly are not in the CRS they are declared in.

    Only the three Belgian CRSs are checked (other CRSs are trusted). The classic mistake — Lambert
    metres declared as WGS84 degrees, or lat/lon swapped — is named as such.
    """
    epsg = declared.to_epsg()
    if declared.equals(CRS.from_user_input("OGC:CRS84")):
        epsg = 4326
    if epsg not in _BELGIUM_EXTENTS:
        return
    found = candidate_crs(x, y)
    if epsg in found or not np.isfinite(x).any():
        return
    if epsg == 4326 and candidate_crs(y, x) == [4326]:
        raise CRSError(
            f"{where}: coordinates look like latitude/longitude swapped; "
            "longitude (about 4.3) must come first as x, latitude (about 50.8) as y"
        )
    if found:
        raise CRSError(
            f"{where}: coordinates are declared in {_NAMES[epsg]} but their values fit "
            f"{_NAMES[found[0]]}; declare the CRS they are really in (e.g. --crs {found[0]})"
        )
    raise CRSError(
        f"{where}: coordinates declared in {_NAMES[epsg]} lie outside Belgium; "
        "check the CRS and the coordinate columns"
    )
