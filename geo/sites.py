"""Activity sites: one schema, whatever directory they come from.

An importer turns a file into *records* — a DataFrame with the fields of :data:`FIELDS` and the raw
coordinates ``x``/``y`` — and :func:`sites_from_records` checks them row by row: every good row is
kept, every bad one is reported with its row number and reason, and the file as a whole is refused
only when nothing in it can be trusted (no identifiers, no way to tell its CRS).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from geo.crs import METRIC, candidate_crs, check_declared_crs, crs_label
from geo.errors import CRSError, InputError
from geo.sources import parse_numbers

SEPARATOR = ";"
# field → help; list fields hold several values joined with SEPARATOR
FIELDS: dict[str, str] = {
    "source_id": "identifier of the site in its source",
    "organisation_id": "identifier of the organisation running the site",
    "organisation_fr": "organisation name in French",
    "organisation_nl": "organisation name in Dutch",
    "name_fr": "site name in French",
    "name_nl": "site name in Dutch",
    "street_fr": "street in French",
    "street_nl": "street in Dutch",
    "number": "house number",
    "postcode": "postcode",
    "commune_declared": "commune as declared (NIS code or name)",
    "categories": "category ids (list)",
    "accreditations": "accreditation ids (list)",
    "authorities": "accrediting authorities (list)",
    "offer_types": "offer types (list)",
    "languages": "languages (list)",
    "zone_action": "units the site is active on, as level:code (list), e.g. communes:21001",
    "capacity_places": "places (childcare, day care)",
    "capacity_beds": "beds (residential care)",
    "published": "published in the directory (true/false)",
    "head_office_only": "head office without activity of its own (true/false)",
    "updated": "date of the last update (YYYY-MM-DD)",
    "tags": "tags of the source, e.g. amenity=pharmacy for OpenStreetMap (list)",
    "lambert_x": "Lambert 72 x as declared beside WGS84 coordinates",
    "lambert_y": "Lambert 72 y as declared beside WGS84 coordinates",
}
LIST_FIELDS = (
    "categories",
    "accreditations",
    "authorities",
    "offer_types",
    "languages",
    "zone_action",
    "tags",
)
NUMBER_FIELDS = ("capacity_places", "capacity_beds", "lambert_x", "lambert_y")
FLAG_FIELDS = {"published": True, "head_office_only": False}
REPORT_COLUMNS = ["row", "source_id", "status", "reason"]


@dataclass
class SiteImport:
    """Sites read from one source, and the report of what was done with each problem row."""

    source: str
    sites: gpd.GeoDataFrame
    report: pd.DataFrame
    crs: str


def join_list(values: Iterable[object]) -> str:
    """Several values as one list field (``a;b``), empty values left out."""
    return SEPARATOR.join(str(v).strip() for v in values if v is not None and str(v).strip())


def split_list(value: object) -> list[str]:
    """The values of a list field."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return []
    return [v.strip() for v in re.split(r"[;,|]", str(value)) if v.strip()]


def _flags(values: pd.Series, default: bool) -> pd.Series:
    text = values.astype("string").str.strip().str.lower()
    truthy = text.isin(["1", "true", "yes", "oui", "ja", "y", "t"])
    falsy = text.isin(["0", "false", "no", "non", "nee", "n", "f"])
    return pd.Series(np.where(truthy, True, np.where(falsy, False, default)), index=values.index)


def sites_from_records(
    records: pd.DataFrame,
    *,
    source: str,
    where: str,
    crs: CRS | None,
    rows: Iterable[int] | None = None,
    known_categories: frozenset[str] | set[str] | None = None,
) -> SiteImport:
    """Check and normalise site records into sites in EPSG:31370.

    Parameters
    ----------
    records
        Fields of :data:`FIELDS` (missing ones are left empty) and raw coordinates ``x``, ``y``.
    source
        Name of the source (``osm``, ``directory``…); sites of a source replace that source's
        sites on re-import.
    where
        The file, for messages.
    crs
        CRS of ``x``/``y``; ``None`` detects WGS84, Lambert 72 or Lambert 2008 from their values.
    rows
        Row number of each record in the file as a user sees it (default: header + 1).
    known_categories
        Category ids of the taxonomy; unknown ones are reported (and kept).
    """
    records = records.reset_index(drop=True)
    row = np.asarray(list(rows) if rows is not None else range(2, len(records) + 2))
    problems: list[tuple[int, str, str, str]] = []
    ids = records.get("source_id", pd.Series(pd.NA, index=records.index)).astype("string").str.strip()
    if ids.isna().all() or (ids == "").all():
        raise InputError(
            f"{where}: no site has an identifier; map the identifier column "
            "(source_id) with --column source_id=COLUMN"
        )
    missing_id = ids.isna() | (ids == "")
    duplicate = ids.duplicated(keep="first") & ~missing_id
    first_row = dict(zip(ids[~duplicate & ~missing_id], row[~duplicate & ~missing_id], strict=True))
    for i in np.flatnonzero(missing_id):
        problems.append((int(row[i]), "", "rejected", "no identifier"))
    for i in np.flatnonzero(duplicate):
        problems.append(
            (int(row[i]), str(ids[i]), "rejected", f"duplicate identifier (first at row {first_row[ids[i]]})")
        )
    keep = ~(missing_id | duplicate).to_numpy()
    records, ids, row = records[keep].reset_index(drop=True), ids[keep].reset_index(drop=True), row[keep]

    xy = records.reindex(columns=["x", "y"]).astype("string")
    x, bad_x = parse_numbers(xy, "x")
    y, bad_y = parse_numbers(xy, "y")
    unusable = pd.Series(bad_x | bad_y)
    for i in np.flatnonzero(unusable.to_numpy()):
        problems.append(
            (
                int(row[i]),
                str(ids[i]),
                "kept without location",
                f"coordinates are not numbers (x={xy['x'][i]!r}, y={xy['y'][i]!r})",
            )
        )
    x[unusable], y[unusable] = np.nan, np.nan
    for i in np.flatnonzero((x.isna() | y.isna()).to_numpy() & ~unusable.to_numpy()):
        problems.append((int(row[i]), str(ids[i]), "kept without location", "no coordinates"))
    if crs is None:
        found = candidate_crs(x.to_numpy(), y.to_numpy())
        if not found:
            if (x.notna() & y.notna()).any():
                raise CRSError(
                    f"{where}: cannot tell the CRS of the coordinates from their values; "
                    "give it with --crs (4326, 31370 or 3812)"
                )
            found = [4326]
        crs = CRS.from_epsg(found[0])
    else:
        check_declared_crs(x.to_numpy(), y.to_numpy(), crs, where=where)

    out = pd.DataFrame({"site_id": source + ":" + ids, "source": source, "source_id": ids})
    for field in FIELDS:
        if field == "source_id":
            continue
        values = records[field] if field in records else pd.Series(pd.NA, index=records.index)
        if field in LIST_FIELDS:
            out[field] = [
                join_list(split_list(v)) if not isinstance(v, list) else join_list(v) for v in values
            ]
        elif field in NUMBER_FIELDS:
            numbers, bad = parse_numbers(pd.DataFrame({field: values.astype("string")}), field)
            out[field] = numbers
            for i in np.flatnonzero(bad):
                problems.append(
                    (int(row[i]), str(ids[i]), "kept", f"{field} is not a number ({values[i]!r}), left empty")
                )
        elif field in FLAG_FIELDS:
            out[field] = _flags(values, FLAG_FIELDS[field]).astype(bool)
        else:
            out[field] = values.astype("string").str.strip()
    if known_categories is not None:
        for position, cats in enumerate(out["categories"]):
            unknown = [c for c in split_list(cats) if c not in known_categories]
            if not cats:
                tags = f" ({out['tags'][position]})" if out["tags"][position] else ""
                problems.append(
                    (
                        int(row[position]),
                        str(ids[position]),
                        "kept",
                        f"no category{tags}: placed and searchable, counted in no theme",
                    )
                )
            elif unknown:
                problems.append(
                    (
                        int(row[position]),
                        str(ids[position]),
                        "kept",
                        f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}",
                    )
                )
    out["input_crs"] = crs_label(crs)
    out["input_x"], out["input_y"] = x.to_numpy(), y.to_numpy()
    points = gpd.GeoSeries.from_xy(x, y, crs=crs).to_crs(METRIC)
    points[x.isna() | y.isna()] = None
    sites = gpd.GeoDataFrame(out, geometry=points.values, crs=METRIC)
    report = pd.DataFrame(problems, columns=REPORT_COLUMNS).sort_values("row", kind="stable")
    return SiteImport(source=source, sites=sites, report=report.reset_index(drop=True), crs=crs_label(crs))
