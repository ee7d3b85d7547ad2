"""Directory search in the shape of the social.brussels web services, so partner sites can switch.

``/rest/search/organisation`` finds the published activity sites located in a unit
(``locatedAt``), active on one (``activeOn``), near a point (``location`` + ``distance`` in km),
with agreements, categories or sectors; ``/rest/sectors``, ``/rest/sectors/{id}/organisations``
and ``/rest/agreements`` list the taxonomy. Searching is :func:`geo.search.search_sites`; this
module only parses the request and writes the bilingual records (shapes in ``service/README.md``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
from flask import Blueprint, Response, request, url_for

from geo.crs import WGS84
from geo.directory import LINKS, SITES, UNIT_LEVELS
from geo.errors import InputError, SourceNotFoundError
from geo.importers import DATA, taxonomy_sectors
from geo.search import Query, fold_name, parse_point, resolve_unit, search_sites
from geo.sites import split_list
from geo.workspace import list_tables, read_table
from service.hooks import cacheable
from service.params import SUPPORTED_CRS, check_params, parse_crs_uri, parse_distance, parse_limit, parse_list
from service.params import parse_offset as _parse_offset
from service.state import state

bp = Blueprint("directory", __name__, url_prefix="/rest")

SEARCH_PARAMS = (
    "locatedAt",
    "activeOn",
    "location",
    "distance",
    "crs",
    "agreements",
    "categories",
    "sectors",
    "offset",
    "limit",
    "lang",
)
LIST_PARAMS = ("lang",)
RESOLVED_CACHE = 4096  # unit names remembered
# the columns of the sites geo.search.search_sites filters on (its filters' fields)
SEARCHED_COLUMNS = ("categories", "accreditations", "authorities", "offer_types", "languages")
_NO_ROWS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Directory:
    """The published sites of a workspace and the taxonomy, ready to search and to write out."""

    sites: gpd.GeoDataFrame | None  # published sites, EPSG:31370, by site_id; None: no sites
    links: pd.DataFrame
    units: dict[str, pd.DataFrame]
    records: dict[str, dict[str, Any]]
    sectors: pd.DataFrame  # sector_id, sector_fr, sector_nl, sector_en
    categories: pd.DataFrame  # category_id, sector_id, category_fr, category_nl, category_en
    agreements: pd.DataFrame  # accreditation_id, authority, label_fr, label_nl, label_en
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # "sectors"/"agreements" → id → sites
    names: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)  # see resolve
    link_groups: dict[tuple[str, str, str], np.ndarray] | None = None  # (relation, level, code) → rows
    resolved: dict[str, tuple[str, str] | str] = field(default_factory=dict)  # text → unit, or why not
    rows: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)  # (level, code) → its row
    unit_positions: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # level → code → rows
    searched: gpd.GeoDataFrame | None = None  # the columns of the sites a search reads

    def resolve(self, text: str) -> tuple[str, str]:
        """The (level, code) of the unit named ``text``, as :func:`geo.search.resolve_unit` finds it.

        ``resolve_unit`` folds the names of every unit on each call (some 20 ms for Brussels); here a
        name or code naming exactly one unit is looked up in :attr:`names`, made once, and anything
        else (no match, several, ``level:text``) goes to ``resolve_unit`` for its answer or its
        message, which is remembered: the units do not change while they are served.
        """
        hint, _, wanted = text.rpartition(":") if not text.startswith("http") else ("", "", text)
        matches = self.names.get(("code", wanted), []) + self.names.get(("name", fold_name(wanted)), [])
        found_units = {unit for unit in matches if not hint or unit[0] == hint}
        if len(found_units) == 1:
            return found_units.pop()
        found = self.resolved.get(text)
        if found is None:
            try:
                found = resolve_unit(self.units, text)
            except InputError as error:
                found = str(error)
            if len(self.resolved) >= RESOLVED_CACHE:
                self.resolved.clear()
            self.resolved[text] = found
        if isinstance(found, str):
            raise InputError(found)
        return found

    def links_of(self, places: dict[str, tuple[str, str]]) -> pd.DataFrame:
        """The rows of :attr:`links` of these (relation → (level, code)): what a search reads of them."""
        if self.link_groups is None:
            return self.links
        positions = [self.link_groups.get((relation, *unit), _NO_ROWS) for relation, unit in places.items()]
        return self.links.iloc[np.concatenate(positions)] if positions else self.links.iloc[:0]

    def unit_rows(self, *units: tuple[str, str]) -> dict[str, pd.DataFrame]:
        """Only the rows of ``units`` (level, code), by level: what a search needs to find them again."""
        out: dict[str, pd.DataFrame] = {}
        for level, code in units:
            rows = self.rows.get((level, code))
            if rows is None:
                frame = self.units[level]
                rows = self.rows[(level, code)] = frame.iloc[self.unit_positions[level][code]]
            out[level] = pd.concat([out[level], rows]) if level in out else rows
        return out


def _value(value: object) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _names(table: pd.DataFrame, key: str, prefix: str) -> dict[str, dict[str, Any]]:
    return {
        str(row[key]): {
            "id": str(row[key]),
            "nameFr": row[f"{prefix}_fr"],
            "nameNl": row[f"{prefix}_nl"],
            "nameEn": row[f"{prefix}_en"],
        }
        for _, row in table.iterrows()
    }


def _unit_names(units: dict[str, pd.DataFrame]) -> dict[str, dict[str, dict[str, Any]]]:
    """Level → code → ``{code, nameFr, nameNl}``."""
    return {
        level: {
            str(code): {"code": str(code), "nameFr": fr, "nameNl": nl}
            for code, fr, nl in zip(frame["code"], frame["name_fr"], frame["name_nl"], strict=True)
        }
        for level, frame in units.items()
    }


def _unit(names: dict[str, dict[str, dict[str, Any]]], level: str, code: object) -> dict[str, Any] | None:
    if _value(code) is None:
        return None
    return names.get(level, {}).get(str(code), {"code": str(code), "nameFr": None, "nameNl": None})


def _records(
    sites: gpd.GeoDataFrame, units: dict[str, pd.DataFrame], taxonomy: pd.DataFrame, agreements: pd.DataFrame
) -> dict[str, dict[str, Any]]:
    categories = _names(taxonomy, "category_id", "category")
    sectors = _names(taxonomy.drop_duplicates("sector_id"), "sector_id", "sector")
    sector_of = taxonomy_sectors()
    agreement_names = _names(agreements, "accreditation_id", "label")
    authority = dict(zip(agreements["accreditation_id"], agreements["authority"], strict=True))
    lonlat = sites.geometry.to_crs(WGS84)
    unit_names = _unit_names(units)
    records = {}
    rows = pd.DataFrame(sites.drop(columns=sites.geometry.name)).to_dict("records")
    for site, point, geographic in zip(rows, sites.geometry.to_numpy(), lonlat.to_numpy(), strict=True):
        cats = split_list(site.get("categories"))
        blank = {"nameFr": None, "nameNl": None, "nameEn": None}
        records[str(site["site_id"])] = {
            "id": str(site["site_id"]),
            "source": _value(site.get("source")),
            "sourceId": _value(site.get("source_id")),
            "nameFr": _value(site.get("name_fr")),
            "nameNl": _value(site.get("name_nl")),
            "organisation": {
                "id": _value(site.get("organisation_id")),
                "nameFr": _value(site.get("organisation_fr")),
                "nameNl": _value(site.get("organisation_nl")),
            },
            "address": {
                "streetFr": _value(site.get("street_fr")),
                "streetNl": _value(site.get("street_nl")),
                "number": _value(site.get("number")),
                "postcode": _value(site.get("postcode")),
                "communeCode": _value(site.get("commune_declared")),
            },
            "location": None
            if point is None or point.is_empty
            else {
                "lat": round(geographic.y, 7),
                "lon": round(geographic.x, 7),
                "x": round(point.x, 2),
                "y": round(point.y, 2),
            },
            "locatedIn": {
                "sector": _unit(unit_names, "sectors", site.get("sector_code")),
                "neighbourhood": _unit(unit_names, "neighbourhoods", site.get("neighbourhood_code")),
                "commune": _unit(unit_names, "communes", site.get("commune_code")),
            },
            "outsideRegion": bool(site.get("outside_region", False)),
            "categories": [categories.get(c, {"id": c, **blank}) for c in cats],
            "sectors": [
                sectors.get(s, {"id": s, **blank})
                for s in dict.fromkeys(sector_of[c] for c in cats if c in sector_of)
            ],
            "agreements": [
                {**agreement_names.get(a, {"id": a, **blank}), "authority": authority.get(a)}
                for a in split_list(site.get("accreditations"))
            ],
            "offerTypes": split_list(site.get("offer_types")),
            "languages": split_list(site.get("languages")),
            "zoneAction": [
                {"level": level, "code": code}
                for level, _, code in (z.partition(":") for z in split_list(site.get("zone_action")))
            ],
            "capacity": {
                "places": _value(site.get("capacity_places")),
                "beds": _value(site.get("capacity_beds")),
            },
            "headOfficeOnly": bool(site.get("head_office_only", False)),
            "updated": _value(site.get("updated")),
        }
    return records


def directory_from_workspace(path: Path) -> Directory:
    """Load the published sites, their unit links, the units and the taxonomy of a workspace."""
    tables = list_tables(path)
    units = {
        level: read_table(path, level)
        for level in tables
        if level in UNIT_LEVELS or level.startswith("zoning_")
    }
    taxonomy = pd.read_csv(DATA / "taxonomy.csv", dtype=str)
    agreements = pd.read_csv(DATA / "accreditations.csv", dtype=str)
    sites = None
    links = pd.DataFrame(columns=["site_id", "relation", "level", "code"])
    counts: dict[str, dict[str, int]] = {"sectors": {}, "agreements": {}}
    records: dict[str, dict[str, Any]] = {}
    if SITES in tables:
        table = read_table(path, SITES)
        sites = table[table["published"].astype(bool)].sort_values("site_id").reset_index(drop=True)
        links = read_table(path, LINKS) if LINKS in tables else links
        records = _records(sites, units, taxonomy, agreements)
        for record in records.values():
            for key in ("sectors", "agreements"):
                for item in record[key]:
                    counts[key][item["id"]] = counts[key].get(item["id"], 0) + 1
    names: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for level, frame in units.items():
        for code, fr, nl in zip(frame["code"], frame["name_fr"], frame["name_nl"], strict=True):
            unit = (level, str(code))
            names.setdefault(("code", str(code)), []).append(unit)
            for name in dict.fromkeys((fold_name(fr), fold_name(nl))):
                names.setdefault(("name", name), []).append(unit)
    groups = links.astype({"relation": str, "level": str, "code": str}).groupby(["relation", "level", "code"])
    unit_positions: dict[str, dict[str, list[int]]] = {}
    for level, frame in units.items():
        for position, code in enumerate(frame["code"].astype(str)):
            unit_positions.setdefault(level, {}).setdefault(code, []).append(position)
    searched = None
    if sites is not None:
        used = ["site_id", *(c for c in SEARCHED_COLUMNS if c in sites.columns), sites.geometry.name]
        searched = sites[used]
    return Directory(
        names=names,
        unit_positions=unit_positions,
        searched=searched,
        link_groups={
            cast(tuple[str, str, str], key): np.asarray(rows) for key, rows in groups.indices.items()
        },
        sites=sites,
        links=links,
        units=units,
        records=records,
        sectors=taxonomy.drop_duplicates("sector_id")[["sector_id", "sector_fr", "sector_nl", "sector_en"]],
        categories=taxonomy,
        agreements=agreements,
        counts=counts,
    )


def _directory() -> Directory:
    return state().directory


def _ids(name: str, known: pd.Series) -> list[str]:
    wanted = parse_list(request.args.getlist(name))
    unknown = [w for w in wanted if w not in set(known)]
    if unknown:
        raise InputError(
            f"{name}: unknown id(s) {', '.join(map(repr, unknown[:5]))}; "
            f"see /rest/{'agreements' if name == 'agreements' else 'sectors'} for the ids"
        )
    return wanted


def _point(text: str, crs_text: str | None) -> tuple[float, float]:
    crs = None
    if crs_text is not None:
        crs = f"EPSG:{SUPPORTED_CRS[parse_crs_uri(crs_text)][0]}"
        if crs == "EPSG:4326" and parse_crs_uri(crs_text).endswith("CRS84"):
            crs = "OGC:CRS84"
    try:
        return parse_point(text, crs=crs)
    except InputError as error:
        message = str(error).replace("--near-crs", "crs").replace("--near ", "location ")
        raise InputError(message) from None


def _search(*, sectors: list[str] | None = None) -> Response:
    directory = _directory()
    args = request.args
    check_params(args.keys(), SEARCH_PARAMS, where=request.path)
    settings = state().settings
    limit = parse_limit(args.get("limit"), default=settings.default_limit, maximum=settings.max_limit)
    offset = _parse_offset(args.get("offset"))
    if directory.sites is None:
        raise SourceNotFoundError("this workspace has no activity sites")
    filters = {
        "accreditation": _ids("agreements", directory.agreements["accreditation_id"]),
        "category": _ids("categories", directory.categories["category_id"]),
        "sector": sectors if sectors is not None else _ids("sectors", directory.sectors["sector_id"]),
    }
    near = _point(args["location"], args.get("crs")) if "location" in args else None
    if near is None and "crs" in args:
        raise InputError("crs: gives the CRS of location; add location=LAT,LON or location=X,Y")
    places: dict[str, tuple[str, str]] = {}  # relation → (level, code)
    for name, relation in (("locatedAt", "located_in"), ("activeOn", "active_on")):
        if args.get(name):
            try:
                places[relation] = directory.resolve(args[name])
            except InputError as error:
                raise InputError(f"{name}: {error}") from None
    query = Query(
        located_in=":".join(places["located_in"]) if "located_in" in places else None,
        active_on=":".join(places["active_on"]) if "active_on" in places else None,
        near=near,
        distance_m=parse_distance(args.get("distance")),
        filters=filters,
    )
    found = search_sites(  # given only the columns, units and links it reads: the same answer, sooner
        directory.searched if directory.searched is not None else directory.sites,
        directory.links_of(places),
        directory.unit_rows(*places.values()),
        query,
        sectors_of=taxonomy_sectors(),
    )
    page = found.iloc[offset : offset + limit]
    results = []
    for site_id, distance in zip(page["site_id"], page.get("distance_m", [None] * len(page)), strict=True):
        record = dict(directory.records[str(site_id)])
        if distance is not None:
            record["distance"] = round(float(distance) / 1000, 3)
        results.append(record)
    links = []
    if offset + limit < len(found):
        links.append({"rel": "next", "href": _page_url(offset + limit, limit)})
    if offset > 0:
        links.append({"rel": "prev", "href": _page_url(max(0, offset - limit), limit)})
    return _json(
        {
            "total": int(len(found)),
            "offset": offset,
            "limit": limit,
            "results": results,
            "links": links,
            **_provenance(),
        }
    )


def _provenance() -> dict[str, Any]:
    collection = state().collections.get("sites")
    return {
        "attribution": collection.layer.attribution if collection else "",
        "synthetic": state().synthetic,
    }


def _page_url(offset: int, limit: int) -> str:
    params: dict[str, Any] = request.args.to_dict(flat=False)
    params.update(offset=[str(offset)], limit=[str(limit)])
    assert request.endpoint is not None
    return url_for(request.endpoint, _external=True, **(request.view_args or {}), **params)


def _json(body: object) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), mimetype="application/json")


@bp.get("/search/organisation")
@cacheable
def search() -> Response:
    """Published activity sites matching every criterion given, paged."""
    return _search()


@bp.get("/sectors")
@cacheable
def sectors() -> Response:
    """The sectors of the taxonomy with their categories and how many published sites each has."""
    check_params(request.args.keys(), LIST_PARAMS, where=request.path)
    directory = _directory()
    categories = _names(directory.categories, "category_id", "category")
    results = [
        {
            **_names(pd.DataFrame([row]), "sector_id", "sector")[row["sector_id"]],
            "count": directory.counts["sectors"].get(row["sector_id"], 0),
            "categories": [
                categories[c]
                for c in directory.categories.loc[
                    directory.categories["sector_id"] == row["sector_id"], "category_id"
                ]
            ],
        }
        for _, row in directory.sectors.iterrows()
    ]
    return _json({"total": len(results), "results": results, **_provenance()})


@bp.get("/sectors/<sector_id>/organisations")
@cacheable
def sector_sites(sector_id: str) -> Response:
    """The published sites of one sector (same parameters as the search, but ``sectors``)."""
    directory = _directory()
    if sector_id not in set(directory.sectors["sector_id"]):
        raise SourceNotFoundError(f"no sector {sector_id!r}; see /rest/sectors for the ids")
    if "sectors" in request.args:
        raise InputError("sectors: the sector is in the path already")
    return _search(sectors=[sector_id])


@bp.get("/agreements")
@cacheable
def agreements() -> Response:
    """The agreements (accreditations) with their authority and how many published sites hold each."""
    check_params(request.args.keys(), LIST_PARAMS, where=request.path)
    directory = _directory()
    names = _names(directory.agreements, "accreditation_id", "label")
    results = [
        {
            **names[row["accreditation_id"]],
            "authority": row["authority"],
            "count": directory.counts["agreements"].get(row["accreditation_id"], 0),
        }
        for _, row in directory.agreements.iterrows()
    ]
    return _json({"total": len(results), "results": results, **_provenance()})
