"""The sector → neighbourhood crosswalk, with its shares and an explicit method.

Neighbourhoods are almost, not exactly, unions of sectors. The crosswalk keeps, for every piece of a
sector lying in a neighbourhood, its area and its share of the sector, then gives it a ``weight``
by one of :data:`METHODS`; the weights of a sector sum to 1, so a sector count ``c`` moves to the
neighbourhoods as ``c × weight``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo._validate import require_metric
from geo.errors import InputError

METHODS: dict[str, str] = {
    "largest": "each sector goes whole to the neighbourhood holding the largest share of its area",
    "area": "a sector's counts are split between neighbourhoods in proportion to area",
    "residential": (
        "a sector's counts are split in proportion to the area of its parts in residential "
        "neighbourhoods (parts in parks, railway and industrial zones get no residents); "
        "area weights where a sector has no residential part"
    ),
}
SLIVER_SHARE = 0.001  # pieces under 0.1 % of a sector's area are digitising differences, not parts


def sector_crosswalk(
    sectors: gpd.GeoDataFrame, neighbourhoods: gpd.GeoDataFrame, *, method: str = "residential"
) -> pd.DataFrame:
    """Build the crosswalk between sectors and neighbourhoods.

    Parameters
    ----------
    sectors, neighbourhoods
        Units in the common schema (``code``, geometry in EPSG:31370); neighbourhoods carry
        ``residential``.
    method
        One of :data:`METHODS`.

    Returns
    -------
    DataFrame
        ``sector_code, neighbourhood_code, area_m2, area_share, largest, weight`` — one row per
        piece; ``area_share`` is the share of the sector's area, ``weight`` the share of its
        counts given to the neighbourhood by ``method``.
    """
    if method not in METHODS:
        raise InputError(f"crosswalk method {method!r} is unknown; choose one of {', '.join(METHODS)}")
    require_metric(sectors, where="sectors")
    require_metric(neighbourhoods, where="neighbourhoods")
    s_geoms = sectors.geometry.values
    n_geoms = neighbourhoods.geometry.values
    s_idx, n_idx = shapely.STRtree(n_geoms).query(s_geoms, predicate="intersects")
    areas = shapely.area(shapely.intersection(s_geoms[s_idx], n_geoms[n_idx]))
    sector_area = shapely.area(s_geoms)[s_idx]
    table = pd.DataFrame(
        {
            "sector_code": sectors["code"].to_numpy()[s_idx],
            "neighbourhood_code": neighbourhoods["code"].to_numpy()[n_idx],
            "area_m2": areas,
            "area_share": areas / sector_area,
            "residential": neighbourhoods["residential"].to_numpy()[n_idx],
        }
    )
    table = table[table["area_share"] >= SLIVER_SHARE]
    orphans = sorted(set(sectors["code"]) - set(table["sector_code"]))
    if orphans:
        raise InputError(
            f"sectors outside every neighbourhood: {', '.join(orphans[:10])}; "
            "check that both files cover the same region"
        )
    table = table.sort_values(["sector_code", "area_share"], ascending=[True, False])
    table["largest"] = ~table["sector_code"].duplicated()
    if method == "largest":
        raw = table["largest"].astype(float)
    elif method == "area":
        raw = table["area_share"]
    else:
        residential = table["area_share"].where(table["residential"], 0.0)
        has_residential = residential.groupby(table["sector_code"]).transform("sum") > 0
        raw = residential.where(has_residential, table["area_share"])
    table["weight"] = raw / raw.groupby(table["sector_code"]).transform("sum")
    return table.drop(columns="residential").reset_index(drop=True)


def to_neighbourhoods(values: pd.Series, crosswalk: pd.DataFrame) -> pd.Series:
    """Move sector counts (indexed by sector code) to neighbourhoods with the crosswalk weights."""
    moved = crosswalk["sector_code"].map(values).fillna(0.0) * crosswalk["weight"]
    return moved.groupby(crosswalk["neighbourhood_code"]).sum()


def nesting_summary(crosswalk: pd.DataFrame) -> dict[str, float]:
    """How well sectors nest in neighbourhoods: counts of sectors by their largest share."""
    largest = crosswalk[crosswalk["largest"]]["area_share"]
    return {
        "sectors": int(largest.size),
        "at_least_99pct": int((largest >= 0.99).sum()),
        "at_least_95pct": int((largest >= 0.95).sum()),
        "worst_share": float(np.round(largest.min(), 4)),
    }
