"""Searching the directory the three ways it is searched: located in, active on, near a point."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import METRIC, WGS84, candidate_crs, parse_crs
from geo.errors import InputError
from geo.sites import split_list

FILTERS = ("category", "sector", "accreditation", "authority", "offer_type", "language")
_FILTER_FIELDS = {
    "category": "categories",
    "sector": "sectors",
    "accreditation": "accreditations",
    "authority": "authorities",
    "offer_type": "offer_types",
    "language": "languages",
}


@dataclass(frozen=True)
class Query:
    """A directory search; every part is optional and parts combine with AND."""

    located_in: str | None = None
    active_on: str | None = None
    near: tuple[float, float] | None = None  # EPSG:31370
    distance_m: float = 1000.0
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)


def fold_name(text: object) -> str:
    """A name folded for matching: no accents, lower case, hyphens as spaces, single spaces."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace("-", " ").split())


def resolve_unit(units: Mapping[str, pd.DataFrame], text: str) -> tuple[str, str]:
    """Find a unit by code or by its French or Dutch name (case and accents ignored).

    ``level:text`` (``communes:Ixelles``) restricts the search to one level.

    Raises
    ------
    InputError
        When nothing matches (with the closest names) or several units do (with their levels).
    """
    level_hint, _, wanted = (
        text.rpartition(":") if ":" in text and not text.startswith("http") else ("", "", text)
    )
    candidates = {lvl: frame for lvl, frame in units.items() if not level_hint or lvl == level_hint}
    folded = fold_name(wanted)
    matches, names = [], []
    for level, frame in candidates.items():
        for code, fr, nl in zip(frame["code"], frame["name_fr"], frame["name_nl"], strict=True):
            names += [str(fr), str(nl)]
            if wanted == code or folded in (fold_name(fr), fold_name(nl)):
                matches.append((level, str(code), str(fr)))
    unique = list(dict.fromkeys(matches))
    if len(unique) == 1:
        return unique[0][0], unique[0][1]
    if not unique:
        by_fold = {fold_name(name): name for name in names}
        close = [by_fold[f] for f in difflib.get_close_matches(folded, list(by_fold), n=3, cutoff=0.6)]
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise InputError(f"no sector, neighbourhood, commune or zone is called or coded {wanted!r}{hint}")
    listed = ", ".join(f"{level}:{code} ({name})" for level, code, name in unique[:6])
    raise InputError(f"{wanted!r} names several units: {listed}; write it as level:code")


def parse_point(text: str, *, crs: str | None = None) -> tuple[float, float]:
    """A point given as ``lat,lon`` (WGS84) or ``x,y`` (Lambert 72 or 2008), into EPSG:31370.

    Without ``crs`` the CRS is told from the values (``50.84,4.35`` is lat,lon).
    """
    try:
        a, b = (float(v) for v in text.replace(";", ",").split(","))
    except ValueError:
        raise InputError(
            f"--near {text!r}: give two numbers, lat,lon (50.84,4.35) or x,y in Lambert (149000,170000)"
        ) from None
    if crs is None:
        found = candidate_crs(np.array([b]), np.array([a]))
        if found == [4326]:
            return tuple(gpd.GeoSeries.from_xy([b], [a], crs=WGS84).to_crs(METRIC).iloc[0].coords[0])
        found = candidate_crs(np.array([a]), np.array([b]))
        if not found:
            raise InputError(f"--near {text!r}: not a point in Belgium (lat,lon or Lambert x,y)")
        source = parse_crs(found[0])
    else:
        source = parse_crs(crs, parameter="--near-crs")
        if source.to_epsg() == 4326:
            a, b = b, a
    point = gpd.GeoSeries.from_xy([a], [b], crs=source).to_crs(METRIC).iloc[0]
    return point.x, point.y


def search_sites(
    sites: gpd.GeoDataFrame,
    links: pd.DataFrame,
    units: Mapping[str, pd.DataFrame],
    query: Query,
    *,
    sectors_of: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Sites matching a query; sorted by distance when ``near`` is given (``distance_m`` column).

    Parameters
    ----------
    sites, links
        The ``sites`` and ``site_units`` tables of a workspace.
    units
        Level → units, to resolve names given in ``located_in`` / ``active_on``.
    sectors_of
        Category id → directory sector id, for the ``sector`` filter.
    """
    keep = np.ones(len(sites), dtype=bool)
    for relation, text in (("located_in", query.located_in), ("active_on", query.active_on)):
        if text:
            level, code = resolve_unit(units, text)
            ids = links[(links["relation"] == relation) & (links["level"] == level) & (links["code"] == code)]
            keep &= sites["site_id"].isin(ids["site_id"]).to_numpy()
    for name, wanted in query.filters.items():
        if name not in _FILTER_FIELDS:
            raise InputError(f"unknown filter {name!r}; filters are {', '.join(FILTERS)}")
        if not wanted:
            continue
        wanted_set = {w.strip() for w in wanted}
        if name == "sector":
            mapping = sectors_of or {}
            values = [{mapping.get(c, "") for c in split_list(v)} for v in sites["categories"]]
        else:
            values = [set(split_list(v)) for v in sites[_FILTER_FIELDS[name]]]
        keep &= np.array([bool(v & wanted_set) for v in values], dtype=bool)
    found = sites[keep].copy()
    if query.near is not None:
        if not 0 < query.distance_m <= 50_000:
            raise InputError(
                f"--distance {query.distance_m / 1000:g} km: give a distance above 0 and at most 50 km"
            )
        centre = shapely.Point(query.near)
        distance = shapely.distance(found.geometry.to_numpy(), centre)
        found["distance_m"] = np.round(distance, 1)
        found = found[found["distance_m"] <= query.distance_m].sort_values(["distance_m", "site_id"])
    return found
