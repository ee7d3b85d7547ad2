"""The quality report of a directory, for the team that maintains it.

Each check looks at placed sites (see :func:`geo.joins.place_sites`) and returns one row per site
it flags: ``site_id, source_id, name, check, detail``. Checks never change the sites.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import METRIC, candidate_crs

STALE_YEARS = 2
DUPLICATE_METRES = 10.0
FAR_FROM_COMMUNE_M = 500.0
LAMBERT_TOLERANCE_M = 100.0

# check → labels (fr, nl, en)
CHECKS: dict[str, tuple[str, str, str]] = {
    "missing_coordinates": ("coordonnées manquantes", "coördinaten ontbreken", "coordinates missing"),
    "outside_region": ("hors de la région", "buiten het gewest", "outside the region"),
    "commune_mismatch": (
        "commune déclarée ≠ coordonnées",
        "opgegeven gemeente ≠ coördinaten",
        "declared commune disagrees with the coordinates",
    ),
    "swapped_lat_lon": (
        "latitude et longitude inversées",
        "breedte- en lengtegraad verwisseld",
        "latitude and longitude swapped",
    ),
    "lambert_mismatch": (
        "Lambert ≠ WGS84",
        "Lambert ≠ WGS84",
        "Lambert coordinates disagree with WGS84 (wrong CRS)",
    ),
    "duplicate": ("doublon probable", "waarschijnlijk dubbel", "probable duplicate"),
    "not_supply": (
        "siège ou fiche non publiée compté comme offre",
        "zetel of niet-gepubliceerde fiche",
        "head office or unpublished record",
    ),
    "stale": (
        "non mis à jour depuis plus de 2 ans",
        "meer dan 2 jaar niet bijgewerkt",
        "not updated for more than two years",
    ),
}
Check = Callable[[gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame], date], pd.DataFrame]


def _rows(sites: pd.DataFrame, mask: np.ndarray, check: str, detail: object) -> pd.DataFrame:
    chosen = sites[mask]
    details = detail[mask] if isinstance(detail, np.ndarray | pd.Series) else detail
    return pd.DataFrame(
        {
            "site_id": chosen["site_id"].to_numpy(),
            "source_id": chosen["source_id"].to_numpy(),
            "name": chosen["name_fr"].fillna(chosen["name_nl"]).to_numpy(),
            "check": check,
            "detail": np.asarray(details, dtype=object)
            if isinstance(details, np.ndarray | pd.Series)
            else details,
        }
    )


def _missing(sites: gpd.GeoDataFrame, units: dict, today: date) -> pd.DataFrame:
    return _rows(sites, ~sites["located"].to_numpy(dtype=bool), "missing_coordinates", "no usable point")


def _outside(sites: gpd.GeoDataFrame, units: dict, today: date) -> pd.DataFrame:
    far = sites["outside_region"].fillna(False).to_numpy(dtype=bool)
    detail = sites["distance_to_region_m"].map(lambda d: f"{d / 1000:.2f} km from the region")
    return _rows(sites, far, "outside_region", detail.to_numpy())


def _commune(sites: gpd.GeoDataFrame, units: dict, today: date) -> pd.DataFrame:
    communes = units["communes"].set_index("code")
    by_name = {
        str(n).lower(): c
        for c, f, nl in zip(communes.index, communes["name_fr"], communes["name_nl"], strict=True)
        for n in (f, nl)
    }
    declared = sites["commune_declared"].astype("string").str.strip()
    code = declared.where(declared.isin(communes.index), declared.str.lower().map(by_name))
    check = (code.notna() & sites["located"] & ~sites["outside_region"].fillna(False)).to_numpy(dtype=bool)
    check = check & (code != sites["commune_code"]).fillna(False).to_numpy(dtype=bool)
    geoms = communes.geometry.reindex(code[check]).to_numpy()
    distance = np.full(len(sites), np.nan)
    distance[check] = shapely.distance(geoms, sites.geometry.to_numpy()[check])
    flag = check & (distance > 0)
    detail = [
        f"declared {d}, located in {c}, {m:.0f} m from {d}" + (" (far)" if m > FAR_FROM_COMMUNE_M else "")
        for d, c, m in zip(code, sites["commune_code"], distance, strict=True)
    ]
    return _rows(sites, flag, "commune_mismatch", np.array(detail, dtype=object))


def _swapped(sites: gpd.GeoDataFrame, units: dict, today: date) -> pd.DataFrame:
    wgs = (sites["input_crs"] == "WGS84 (EPSG:4326)").to_numpy()
    x, y = sites["input_x"].to_numpy(dtype=float), sites["input_y"].to_numpy(dtype=float)
    swapped = wgs & np.array(
        [
            candidate_crs(np.array([b]), np.array([a])) == [4326]
            and candidate_crs(np.array([a]), np.array([b])) != [4326]
            for a, b in zip(x, y, strict=True)
        ]
    )
    return _rows(sites, swapped, "swapped_lat_lon", "lon/lat read the other way round lie in Belgium")


def _lambert(sites: gpd.GeoDataFrame, units: dict, today: date) -> pd.DataFrame:
    if "lambert_x" not in sites:
        return _rows(sites, np.zeros(len(sites), bool), "lambert_mismatch", "")
    declared = gpd.GeoSeries.from_xy(sites["lambert_x"], sites["lambert_y"], crs=METRIC).to_numpy()
    gap = shapely.distance(declared, sites.geometry.to_numpy())
    flag = np.nan_to_num(gap, nan=0.0) > LAMBERT_TOLERANCE_M
    detail = np.array([f"Lambert point {g / 1000:.2f} km from the WGS84 point" for g in gap], dtype=object)
    return _rows(sites, flag, "lambert_mismatch", detail)


def _normal(text: pd.Series) -> pd.Series:
    return text.fillna("").astype(str).str.lower().str.replace(r"[^\w]+", " ", regex=True).str.strip()


def _duplicates(sites: gpd.GeoDataFrame, units: dict, today: date) -> pd.DataFrame:
    name = _normal(sites["name_fr"].fillna(sites["name_nl"]))
    address = (
        _normal(sites["street_fr"].fillna(sites["street_nl"]))
        + " "
        + _normal(sites["number"])
        + " "
        + _normal(sites["postcode"])
    )
    pairs: dict[int, int] = {}
    key = name + "|" + address
    has_address = (address.str.strip() != "") & (name != "")
    for _, group in sites[has_address].groupby(key[has_address]):
        for i in group.index[1:]:
            pairs[sites.index.get_loc(i)] = sites.index.get_loc(group.index[0])
    located = np.flatnonzero(sites["located"].to_numpy(dtype=bool))
    geoms = sites.geometry.to_numpy()
    tree = shapely.STRtree(geoms[located])
    left, right = tree.query(geoms[located], predicate="dwithin", distance=DUPLICATE_METRES)
    for a, b in zip(located[left], located[right], strict=True):
        if (
            a > b
            and a not in pairs
            and name.iloc[a]
            and difflib.SequenceMatcher(None, name.iloc[a], name.iloc[b]).ratio() >= 0.85
        ):
            pairs[a] = b
    mask = np.zeros(len(sites), bool)
    mask[list(pairs)] = True
    detail = np.array(
        [f"same as {sites['site_id'].iloc[pairs[i]]}" if i in pairs else "" for i in range(len(sites))],
        dtype=object,
    )
    return _rows(sites, mask, "duplicate", detail)


def _not_supply(sites: gpd.GeoDataFrame, units: dict, today: date) -> pd.DataFrame:
    head = sites["head_office_only"].to_numpy(dtype=bool)
    hidden = ~sites["published"].to_numpy(dtype=bool)
    detail = np.where(head, "head office without activity of its own", "not published")
    return _rows(sites, head | hidden, "not_supply", detail)


def _stale(sites: gpd.GeoDataFrame, units: dict, today: date) -> pd.DataFrame:
    updated = pd.to_datetime(sites["updated"], errors="coerce")
    limit = pd.Timestamp(today) - pd.DateOffset(years=STALE_YEARS)
    flag = (updated < limit).to_numpy(dtype=bool)
    detail = updated.dt.strftime("last updated %Y-%m-%d").to_numpy(dtype=object)
    return _rows(sites, flag, "stale", detail)


REGISTRY: dict[str, Check] = {
    "missing_coordinates": _missing,
    "outside_region": _outside,
    "commune_mismatch": _commune,
    "swapped_lat_lon": _swapped,
    "lambert_mismatch": _lambert,
    "duplicate": _duplicates,
    "not_supply": _not_supply,
    "stale": _stale,
}


def quality_report(
    sites: gpd.GeoDataFrame, units: dict[str, gpd.GeoDataFrame], *, today: date | None = None
) -> pd.DataFrame:
    """Every flagged site, one row per site and check, in the order of :data:`CHECKS`."""
    today = today or date.today()
    sites = sites.reset_index(drop=True)
    return pd.concat([REGISTRY[name](sites, units, today) for name in CHECKS], ignore_index=True)


def quality_summary(report: pd.DataFrame, *, total: int, lang: str = "fr") -> str:
    """A short text: how many sites each check flags, in French, Dutch or English."""
    index = {"fr": 0, "nl": 1, "en": 2}[lang]
    title = {
        "fr": "Qualité de l'annuaire",
        "nl": "Kwaliteit van de sociale kaart",
        "en": "Directory quality",
    }[lang]
    sites_word = {"fr": "lieux", "nl": "locaties", "en": "sites"}[lang]
    lines = [f"{title}: {total} {sites_word}"]
    counts = report["check"].value_counts()
    for check, labels in CHECKS.items():
        lines.append(f"  {labels[index]}: {int(counts.get(check, 0))}")
    return "\n".join(lines)
