"""Unit levels for the diagnostics: how sectors make up each unit, and which units sites are in.

Every target population is known per statistical sector; a level (neighbourhoods, communes, the
region, a custom zoning, a study area) says how its units are made of sectors:

- ``weights`` (sectors × units, sparse): the share of each sector's residents counted in each unit —
  the workspace crosswalk weights for neighbourhoods, 1 for communes and the region, the area share
  for polygons (custom zones, study areas);
- ``largest``: the unit holding the largest share of each sector (-1 for none), used to place
  demand points and zones d'action;
- ``located``: the unit each site lies in (-1 outside every unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from geo.joins import locate, unit_index
from geo.workspace import list_tables, read_info, read_table

BUILT_IN = ("sectors", "neighbourhoods", "communes", "region")
LOCATED_COLUMNS = {
    "sectors": "sector_code",
    "neighbourhoods": "neighbourhood_code",
    "communes": "commune_code",
}


@dataclass(frozen=True)
class Inputs:
    """What the diagnostics read from a workspace."""

    sectors: gpd.GeoDataFrame
    units: dict[str, gpd.GeoDataFrame]  # level → units (neighbourhoods, communes, region, zoning_*)
    crosswalk: pd.DataFrame
    need: pd.DataFrame
    sites: gpd.GeoDataFrame
    site_units: pd.DataFrame
    provenance: pd.DataFrame
    synthetic: bool
    title: str


def read_inputs(path: str | Path) -> Inputs:
    """Read the tables the diagnostics need from the workspace at ``path``."""
    tables = list_tables(path)
    units = {
        name: read_table(path, name)
        for name in tables
        if name in ("neighbourhoods", "communes", "region") or name.startswith("zoning_")
    }
    if "sites" in tables:
        sites = read_table(path, "sites")
        site_units = read_table(path, "site_units")
    else:
        sites = gpd.GeoDataFrame({"site_id": pd.Series(dtype=str)}, geometry=[], crs=31370)
        site_units = pd.DataFrame(columns=["site_id", "relation", "level", "code"])
    provenance = read_table(path, "provenance")
    info = read_info(path)
    return Inputs(
        sectors=read_table(path, "sectors"),
        units=units,
        crosswalk=read_table(path, "sector_neighbourhood"),
        need=read_table(path, "need", where="level = 'sectors'"),
        sites=sites,
        site_units=site_units,
        provenance=pd.DataFrame(provenance),
        synthetic=bool(provenance["synthetic"].astype(str).str.lower().isin(("1", "true")).any()),
        title=info.get("title", ""),
    )


@dataclass(frozen=True)
class Level:
    """One level of units and how it is made of sectors."""

    name: str
    units: gpd.GeoDataFrame  # code, name_fr, name_nl, residential, geometry
    weights: sparse.csr_array  # sectors × units
    largest: np.ndarray  # per sector: unit index or -1
    located: np.ndarray  # per site: unit index or -1
    commune: np.ndarray  # per unit: index of its commune (most residents), -1 for communes/region

    @property
    def codes(self) -> np.ndarray:
        return self.units["code"].astype(str).to_numpy()


def _matrix(
    rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]
) -> sparse.csr_array:
    return sparse.csr_array(sparse.coo_array((values, (rows, cols)), shape=shape))


def _largest(weights: sparse.csr_array) -> np.ndarray:
    dense_rows = weights.tocsr()
    out = np.full(weights.shape[0], -1)
    has = np.diff(dense_rows.indptr) > 0
    out[has] = np.asarray(dense_rows.argmax(axis=1)).ravel()[has]
    return out


def _index(codes: pd.Series, of: np.ndarray) -> np.ndarray:
    """Position of each value of ``codes`` in ``of`` (-1 when absent or missing)."""
    lookup = pd.Index(of)
    return lookup.get_indexer(codes.astype(object).where(codes.notna(), None))


def _communes_of(
    weights: sparse.csr_array, sector_commune: np.ndarray, population: np.ndarray, n: int
) -> np.ndarray:
    """For each unit, the commune holding most of its residents (or most of its area share)."""
    coo = weights.tocoo()
    by = coo.data * np.where(population[coo.row] > 0, population[coo.row], 1e-9)
    pair = pd.DataFrame({"unit": coo.col, "commune": sector_commune[coo.row], "w": by})
    best = pair.groupby(["unit", "commune"])["w"].sum().reset_index().sort_values("w").groupby("unit").last()
    out = np.full(n, -1)
    out[best.index.to_numpy()] = best["commune"].to_numpy()
    return out


def _residential(units: pd.DataFrame) -> pd.Series:
    if "residential" in units:
        return units["residential"].fillna(True).astype(bool)
    return pd.Series(True, index=units.index)


def built_in_levels(inputs: Inputs) -> dict[str, Level]:
    """Sectors, neighbourhoods, communes and the region (and any workspace zoning)."""
    sectors = inputs.sectors.reset_index(drop=True)
    n = len(sectors)
    sector_codes = sectors["code"].astype(str).to_numpy()
    population = sectors["population"].fillna(0).to_numpy(dtype=float)
    communes = inputs.units["communes"].reset_index(drop=True)
    commune_of_sector = _index(sectors["commune_code"], communes["code"].astype(str).to_numpy())
    located_site = {
        name: inputs.sites[column] if column in inputs.sites else pd.Series(pd.NA, index=inputs.sites.index)
        for name, column in LOCATED_COLUMNS.items()
    }
    levels: dict[str, Level] = {}

    def add(name: str, units: pd.DataFrame, weights: sparse.csr_array, located: np.ndarray) -> None:
        units = units.reset_index(drop=True).copy()
        units["residential"] = _residential(units).to_numpy() & (weights.T @ population > 0)
        commune = (
            np.full(len(units), -1)
            if name in ("communes", "region")
            else _communes_of(weights, commune_of_sector, population, len(units))
        )
        levels[name] = Level(name, gpd.GeoDataFrame(units), weights, _largest(weights), located, commune)

    eye = np.arange(n)
    sector_units = sectors.drop(columns=["neighbourhood_code", "neighbourhood_share"], errors="ignore")
    add(
        "sectors",
        sector_units,
        _matrix(eye, eye, np.ones(n), (n, n)),
        _index(located_site["sectors"], sector_codes),
    )
    hoods = inputs.units["neighbourhoods"].reset_index(drop=True)
    hood_codes = hoods["code"].astype(str).to_numpy()
    cw = inputs.crosswalk
    add(
        "neighbourhoods",
        hoods,
        _matrix(
            _index(cw["sector_code"], sector_codes),
            _index(cw["neighbourhood_code"], hood_codes),
            cw["weight"].to_numpy(dtype=float),
            (n, len(hoods)),
        ),
        _index(located_site["neighbourhoods"], hood_codes),
    )
    ok = commune_of_sector >= 0
    add(
        "communes",
        communes,
        _matrix(eye[ok], commune_of_sector[ok], np.ones(ok.sum()), (n, len(communes))),
        _index(located_site["communes"], communes["code"].astype(str).to_numpy()),
    )
    inside = ~inputs.sites.get("outside_region", pd.Series(False, index=inputs.sites.index)).fillna(
        True
    ).astype(bool) & inputs.sites.get("located", pd.Series(False, index=inputs.sites.index)).fillna(
        False
    ).astype(bool)
    add(
        "region",
        inputs.units["region"],
        _matrix(eye, np.zeros(n, dtype=int), np.ones(n), (n, 1)),
        np.where(inside.to_numpy(), 0, -1),
    )
    for name, zones in inputs.units.items():
        if name.startswith("zoning_"):
            levels[name] = polygon_level(name, zones, inputs.sectors, inputs.sites, levels["communes"])
    return levels


def polygon_level(
    name: str, zones: gpd.GeoDataFrame, sectors: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, communes: Level
) -> Level:
    """A level of polygons (custom zones, a study area): sectors count by the share of their area
    inside each zone (areal weighting); sites by point in polygon."""
    zones = zones.reset_index(drop=True)
    sectors = sectors.reset_index(drop=True)
    tree = shapely.STRtree(sectors.geometry.to_numpy())
    zone_idx, sector_idx = tree.query(zones.geometry.to_numpy(), predicate="intersects")
    overlap = shapely.area(
        shapely.intersection(zones.geometry.to_numpy()[zone_idx], sectors.geometry.to_numpy()[sector_idx])
    )
    share = overlap / shapely.area(sectors.geometry.to_numpy()[sector_idx])
    keep = share > 1e-9
    weights = _matrix(sector_idx[keep], zone_idx[keep], share[keep], (len(sectors), len(zones)))
    if len(sites) and len(zones):
        codes = locate(sites.geometry, unit_index(zones))
        located = _index(codes, zones["code"].astype(str).to_numpy())
    else:
        located = np.full(len(sites), -1)
    units = zones.copy()
    population = sectors["population"].fillna(0).to_numpy(dtype=float)
    units["residential"] = _residential(zones).to_numpy() & (weights.T @ population > 0)
    commune_of_sector = communes.largest
    commune = _communes_of(weights, commune_of_sector, population, len(zones))
    return Level(name, gpd.GeoDataFrame(units), weights, _largest(weights), located, commune)


def active_matrix(
    site_units: pd.DataFrame, site_ids: np.ndarray, levels: dict[str, Level]
) -> sparse.csr_array:
    """Sites × sectors: the sectors each site is active on, from its declared zone d'action.

    A zone covers the sectors whose largest part lies in it (all sectors of a commune; all sectors
    for the region); a site is then active on every unit that holds one of those sectors.
    """
    n_sectors = len(levels["sectors"].units)
    declared = site_units[site_units["relation"] == "active_on"]
    site_pos = _index(declared["site_id"], site_ids)
    rows, cols = [], []
    for level_name, group in declared.groupby("level"):
        positions = site_pos[declared["level"].to_numpy() == level_name]
        level = levels.get(str(level_name))
        if level is None:
            continue
        unit_pos = _index(group["code"], level.codes)
        for site, unit in zip(positions, unit_pos, strict=True):
            if site < 0 or unit < 0:
                continue
            covered = np.flatnonzero(level.largest == unit)
            rows.append(np.full(len(covered), site))
            cols.append(covered)
    if not rows:
        return sparse.csr_array((len(site_ids), n_sectors))
    r, c = np.concatenate(rows), np.concatenate(cols)
    m = _matrix(r, c, np.ones(len(r)), (len(site_ids), n_sectors))
    m.data[:] = 1.0
    return m


def sector_membership(level: Level) -> sparse.csr_array:
    """Sectors × units: 1 where the unit holds the largest part of the sector."""
    ok = level.largest >= 0
    rows = np.flatnonzero(ok)
    return _matrix(rows, level.largest[ok], np.ones(len(rows)), (len(level.largest), len(level.units)))
