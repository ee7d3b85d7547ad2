"""Importers of activity sites: one per kind of file users have, all feeding one core.

Each importer reads a file into records for :func:`geo.sites.sites_from_records`. They are
registered in :data:`IMPORTERS` by format name, the built-ins the same way a user's would be
(:func:`register`); :func:`import_sites` picks one from the format given or from the file.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from pyproj import CRS

from geo.crs import parse_crs
from geo.errors import InputError, SourceNotFoundError
from geo.sites import FIELDS, SiteImport, join_list, sites_from_records
from geo.sources import read_table, read_vector

DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Records:
    """What an importer returns: records, their CRS (None: detect) and their row numbers."""

    frame: pd.DataFrame
    crs: CRS | None
    rows: list[int] | None = None


Importer = Callable[[Path, Mapping[str, str]], Records]
IMPORTERS: dict[str, Importer] = {}


def register(name: str) -> Callable[[Importer], Importer]:
    """Register an importer under a format name."""

    def add(function: Importer) -> Importer:
        IMPORTERS[name] = function
        return function

    return add


@lru_cache(maxsize=1)
def taxonomy_sectors() -> dict[str, str]:
    """Category id → directory sector id, from the taxonomy (``data/taxonomy.csv``)."""
    table = pd.read_csv(DATA / "taxonomy.csv", dtype=str)
    return dict(zip(table["category_id"], table["sector_id"], strict=True))


def taxonomy_categories() -> frozenset[str]:
    """Category ids of the directory taxonomy."""
    return frozenset(taxonomy_sectors())


# Column names recognised without a mapping (lower case) for each field and for coordinates.
_GUESSES: dict[str, tuple[str, ...]] = {
    "source_id": ("id", "site_id", "identifier", "identifiant"),
    "name_fr": ("name_fr", "nom", "nom_fr", "name"),
    "name_nl": ("name_nl", "naam", "naam_nl"),
    "postcode": ("postcode", "code_postal", "cp", "zip"),
    "commune_declared": ("commune", "gemeente"),
    "lon": ("lon", "lng", "long", "longitude"),
    "lat": ("lat", "latitude"),
    "x": ("x", "x_lambert", "x_lambert72", "lambert_x", "x_31370", "x_3812", "coord_x"),
    "y": ("y", "y_lambert", "y_lambert72", "lambert_y", "y_31370", "y_3812", "coord_y"),
}


def _map_columns(frame: pd.DataFrame, columns: Mapping[str, str], where: str) -> pd.DataFrame:
    """Records from a table: mapped columns, else recognised names, else the field's own name."""
    lower = {c.lower(): c for c in frame.columns}
    known = set(FIELDS) | {"x", "y", "lon", "lat", "crs"}
    unknown = sorted(set(columns) - known)
    if unknown:
        raise InputError(f"--column {unknown[0]}=…: unknown field; fields are {', '.join(sorted(known))}")
    missing = [f"{field}={col}" for field, col in columns.items() if col not in frame.columns]
    if missing:
        raise InputError(
            f"{where}: no column {', '.join(missing)}; columns are {', '.join(map(str, frame.columns))}"
        )
    out = pd.DataFrame(index=frame.index)
    for field in [*FIELDS, "lon", "lat", "x", "y"]:
        column = columns.get(field) or next(
            (lower[g] for g in (field, *_GUESSES.get(field, ())) if g in lower), None
        )
        if column is not None:
            out[field] = frame[column]
    return out


def _with_xy(records: pd.DataFrame, columns: Mapping[str, str]) -> Records:
    crs = parse_crs(columns["crs"], parameter="--crs") if "crs" in columns else None
    if "lon" in records and "lat" in records and not ({"x", "y"} <= set(columns)):
        records = records.assign(x=records.pop("lon"), y=records.pop("lat"))
        crs = crs or CRS.from_epsg(4326)
    return Records(records.drop(columns=["lon", "lat"], errors="ignore"), crs)


@register("table")
def read_site_table(path: Path, columns: Mapping[str, str]) -> Records:
    """CSV (UTF-8 or cp1252) or XLSX with coordinate columns: lat/lon, or x/y in Lambert."""
    return _with_xy(_map_columns(read_table(path), columns, str(path)), columns)


@register("vector")
def read_site_layer(path: Path, columns: Mapping[str, str]) -> Records:
    """GeoJSON, GeoPackage, Shapefile, FlatGeobuf points; attributes mapped as for tables."""
    frame = read_vector(path, layer=columns.get("layer"))
    geoms = frame.geometry.to_numpy()
    points = shapely.point_on_surface(geoms)
    records = _map_columns(pd.DataFrame(frame.drop(columns="geometry")), columns, str(path))
    records["x"], records["y"] = shapely.get_x(points), shapely.get_y(points)
    return Records(records, frame.crs, rows=list(range(1, len(frame) + 1)))


@lru_cache(maxsize=1)
def osm_rules() -> pd.DataFrame:
    """The OSM tag → category table (``data/osm_categories.csv``)."""
    return pd.read_csv(DATA / "osm_categories.csv", dtype=str, keep_default_na=False)


def osm_categories(tags: Mapping[Any, Any]) -> list[str]:
    """Categories of an OSM feature by the rules of ``data/osm_categories.csv``."""
    name = " ".join(str(tags.get(k, "")) for k in ("name", "name:fr", "name:nl"))
    found = []
    rules = osm_rules()[["key", "value", "name_pattern", "category_id"]].astype(str)
    for key, value, pattern, category in rules.itertuples(index=False, name=None):
        if str(tags.get(key, "")) == value and (not pattern or re.search(pattern, name)):
            found.append(category)
    return list(dict.fromkeys(found))


@register("osm")
def read_osm(path: Path, columns: Mapping[str, str]) -> Records:
    """An OpenStreetMap extract (points with amenity/healthcare tags), categories by tag rules."""
    frame = read_vector(path)
    tags = pd.DataFrame(frame.drop(columns="geometry"))
    if "osm_id" not in tags:
        raise InputError(f"{path}: an OSM extract needs an 'osm_id' property on each feature")
    points = shapely.point_on_surface(frame.geometry.to_numpy())

    def tag(key: str) -> pd.Series:
        return tags[key] if key in tags else pd.Series(pd.NA, index=tags.index)

    records = pd.DataFrame(
        {
            "source_id": tags["osm_id"].astype("string"),
            "name_fr": tag("name:fr").fillna(tag("name")),
            "name_nl": tag("name:nl").fillna(tag("name")),
            "street_fr": tag("addr:street"),
            "number": tag("addr:housenumber"),
            "postcode": tag("addr:postcode"),
            "commune_declared": tag("addr:city"),
            "categories": [join_list(osm_categories(row)) for row in tags.to_dict("records")],
            "capacity_places": tag("capacity"),
            "updated": pd.NA,
            "x": shapely.get_x(points),
            "y": shapely.get_y(points),
        }
    )
    records["tags"] = [
        join_list(
            f"{k}={row[k]}"
            for k in ("amenity", "healthcare", "social_facility")
            if k in row and pd.notna(row[k])
        )
        for row in tags.to_dict("records")
    ]
    return Records(records, frame.crs, rows=list(range(1, len(frame) + 1)))


def _text(value: Any, lang: str) -> Any:
    return value.get(lang) if isinstance(value, dict) else value


@register("directory")
def read_directory(path: Path, columns: Mapping[str, str]) -> Records:
    """A directory in the social.brussels shape: organisations with their activity sites.

    The accepted record shape is written in ``data/directory_format.md``; the file may be
    gzipped (``.json.gz``).
    """
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix.lower() == ".gz" else path.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except (OSError, EOFError):
        raise InputError(f"{path}: not a readable gzip file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: a directory JSON file must be UTF-8") from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    organisations = data.get("organisations") if isinstance(data, dict) else data
    if not isinstance(organisations, list):
        raise InputError(f'{path}: expected {{"organisations": [...]}} (see data/directory_format.md)')
    rows = []
    for org in organisations:
        for site in org.get("sites", []) if isinstance(org, dict) else []:
            if not isinstance(site, dict):
                continue
            address = site.get("address") or {}
            commune = address.get("commune") or {}
            coords = site.get("coordinates") or {}
            capacity = site.get("capacity") or {}
            agreements = site.get("agreements") or []
            rows.append(
                {
                    "source_id": site.get("id"),
                    "organisation_id": org.get("id"),
                    "organisation_fr": _text(org.get("name"), "fr"),
                    "organisation_nl": _text(org.get("name"), "nl"),
                    "name_fr": _text(site.get("name"), "fr"),
                    "name_nl": _text(site.get("name"), "nl"),
                    "street_fr": _text(address.get("street"), "fr"),
                    "street_nl": _text(address.get("street"), "nl"),
                    "number": address.get("number"),
                    "postcode": address.get("postcode"),
                    "commune_declared": commune.get("nis") if isinstance(commune, dict) else commune,
                    "categories": site.get("categories") or [],
                    "accreditations": [a.get("id") for a in agreements if isinstance(a, dict)],
                    "authorities": list(
                        dict.fromkeys(a.get("authority") for a in agreements if isinstance(a, dict))
                    ),
                    "offer_types": site.get("offer_types") or [],
                    "languages": site.get("languages") or [],
                    "zone_action": [
                        f"{z.get('level')}:{z.get('code')}"
                        for z in site.get("zone_action") or []
                        if isinstance(z, dict)
                    ],
                    "capacity_places": capacity.get("places"),
                    "capacity_beds": capacity.get("beds"),
                    "published": site.get("published", True),
                    "head_office_only": site.get("head_office_only", False),
                    "updated": site.get("updated"),
                    "lambert_x": coords.get("x_lambert72"),
                    "lambert_y": coords.get("y_lambert72"),
                    "x": coords.get("lon"),
                    "y": coords.get("lat"),
                }
            )
    if not rows:
        raise InputError(f"{path}: holds no activity site (organisations[].sites[] is empty)")
    return Records(
        pd.DataFrame(rows).astype({"x": "string", "y": "string"}),
        CRS.from_epsg(4326),
        rows=list(range(1, len(rows) + 1)),
    )


def detect_format(path: Path) -> str:
    """The importer for a file, from its name and, for GeoJSON, its properties."""
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}:
        return "table"
    if suffix == ".json" or path.name.lower().endswith(".json.gz"):
        return "directory"
    if suffix == ".geojson" and b'"osm_id"' in path.read_bytes()[:200_000]:
        return "osm"
    return "vector"


def import_sites(
    path: str | Path,
    *,
    source: str | None = None,
    fmt: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> SiteImport:
    """Read sites from a file with the importer of its format.

    Parameters
    ----------
    path
        The file.
    source
        Name of the source in the workspace (default: the file's stem); re-importing the same
        source replaces its sites.
    fmt
        One of :data:`IMPORTERS` (default: from the file).
    columns
        Field → column for tables and layers (``source_id``, ``name_fr``, ``lat``, ``lon``, ``x``,
        ``y``, …), and ``crs`` for the coordinates' CRS.
    """
    path = Path(path)
    if not path.exists():
        raise SourceNotFoundError(f"{path}: no such file; check the path")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    fmt = fmt or detect_format(path)
    if fmt not in IMPORTERS:
        raise InputError(f"--format {fmt!r} is unknown; formats are {', '.join(IMPORTERS)}")
    records = IMPORTERS[fmt](path, dict(columns or {}))
    return sites_from_records(
        records.frame,
        source=source or path.stem,
        where=str(path),
        crs=records.crs,
        rows=records.rows,
        known_categories=taxonomy_categories(),
    )
