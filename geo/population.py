"""Where residents live inside their sectors: a 100 m population grid and demand points.

Population counts come per statistical sector. Accessibility measures and raster maps want them
finer, so :func:`population_cells` spreads each sector's residents over the cells of a regular grid
in EPSG:31370 (cell edges on multiples of the cell size, so grids made from different inputs line
up). A cell belongs to the sector its centre falls in; a sector too small to hold a cell centre
puts its residents on the cell that holds its representative point, so no resident is lost. Within
a sector residents are spread evenly, or in proportion to a population grid (GHS-POP, a census
grid) resampled onto the cells. Every sector's cells add up to its population exactly.

:func:`demand_points` is the coarse alternative: one point per sector, at its centroid (or on its
surface when the centroid falls outside it), carrying the sector's demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.features
import rasterio.warp
import shapely
from affine import Affine
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError

from geo._validate import require_columns, require_metric, require_unique
from geo.crs import METRIC
from geo.errors import InputError, ProblemsError, SourceNotFoundError

NO_SECTOR = -1


@dataclass(frozen=True)
class PopulationCells:
    """A population surface in EPSG:31370: residents per grid cell and sector.

    Each entry is one (cell, sector) pair. Every cell whose centre lies in a sector is listed,
    populated or not (a sector with no residents, or cells a weighting grid leaves empty, carry
    0). A cell is listed twice only when a sector too small to hold a cell centre puts its
    residents on a cell that another sector already owns.

    Attributes
    ----------
    x, y
        Cell centres (metres, EPSG:31370).
    population
        Residents of the sector in the cell (float); they add up to each sector's population.
    sector_code
        The sector of each entry.
    transform, shape
        The grid: cell edges on multiples of the cell size, ``shape`` = (rows, columns).
    row, col
        Position of each entry in the grid.
    method
        How the residents were spread, in a sentence for method notes.
    """

    x: np.ndarray
    y: np.ndarray
    population: np.ndarray
    sector_code: np.ndarray
    transform: Affine
    shape: tuple[int, int]
    row: np.ndarray
    col: np.ndarray
    method: str

    @property
    def cell(self) -> float:
        """Cell size in metres."""
        return float(self.transform.a)

    @property
    def total(self) -> float:
        """All residents on the grid."""
        return float(self.population.sum())


def _check_sectors(sectors: gpd.GeoDataFrame, *, where: str) -> None:
    require_metric(sectors, where=where)
    require_columns(sectors, {"code": "code"}, where=where)
    require_unique(sectors, "code", where=where)
    geoms = sectors.geometry.to_numpy()
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    bad |= ~np.isin(shapely.get_type_id(geoms), (3, 6))
    if bad.any():
        codes = sectors["code"].to_numpy()
        raise ProblemsError(
            f"{where}: every sector needs a polygon",
            [f"sector {codes[i]}: has no polygon" for i in np.flatnonzero(bad)],
        )


def _sector_values(
    sectors: gpd.GeoDataFrame, values: pd.Series | np.ndarray | None, *, where: str
) -> np.ndarray:
    """The value to spread per sector, aligned with the rows of ``sectors``.

    ``values`` may be None (column ``population``), an array in the order of the rows, a Series
    with the frame's own index, or a Series indexed by sector code.
    """
    codes = sectors["code"].astype(str)
    if values is None:
        require_columns(sectors, {"population": "population"}, where=where)
        raw = pd.to_numeric(sectors["population"], errors="coerce").to_numpy(dtype=float)
    elif isinstance(values, pd.Series):
        if values.index.equals(sectors.index):
            series = values
        else:
            by_code = values.copy()
            by_code.index = by_code.index.astype(str)
            if by_code.index.has_duplicates:
                raise InputError(f"{where}: values name some sector codes more than once")
            missing = codes[~codes.isin(by_code.index)]
            if len(missing):
                raise ProblemsError(
                    f"{where}: values must be indexed like the sectors or by sector code",
                    [f"sector {c}: has no value" for c in missing.iloc[:20]]
                    + ([f"… and {len(missing) - 20} more"] if len(missing) > 20 else []),
                )
            series = by_code.reindex(codes.to_numpy())
        raw = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    else:
        raw = np.asarray(values, dtype=float)
        if raw.shape != (len(sectors),):
            raise InputError(f"{where}: values has {raw.size} entries for {len(sectors)} sectors")
    bad = ~np.isfinite(raw) | (raw < 0)
    if bad.any():
        raise ProblemsError(
            f"{where}: every sector needs a number ≥ 0 (use 0 for a sector without residents)",
            [f"sector {codes.iloc[i]}: {raw[i]!r}" for i in np.flatnonzero(bad)[:20]]
            + ([f"… and {int(bad.sum()) - 20} more"] if bad.sum() > 20 else []),
        )
    return raw


def grid_for(bounds: tuple[float, float, float, float], *, cell: float) -> tuple[Affine, tuple[int, int]]:
    """The grid with edges on multiples of ``cell`` that covers ``bounds`` (xmin, ymin, xmax, ymax)."""
    if not np.isfinite(cell) or cell <= 0:
        raise InputError(f"cell: the cell size must be a positive number of metres, not {cell!r}")
    xmin, ymin, xmax, ymax = bounds
    x0, y0 = np.floor(xmin / cell) * cell, np.floor(ymin / cell) * cell
    x1, y1 = np.ceil(xmax / cell) * cell, np.ceil(ymax / cell) * cell
    cols = max(int(round((x1 - x0) / cell)), 1)
    rows = max(int(round((y1 - y0) / cell)), 1)
    return Affine(cell, 0.0, float(x0), 0.0, -cell, float(y1)), (rows, cols)


def _weights_on_grid(path: str | Path, transform: Affine, shape: tuple[int, int]) -> np.ndarray:
    """A population grid resampled (bilinear) onto our cells; ≥ 0, 0 where it has no data."""
    path = Path(path)
    if not path.exists():
        raise SourceNotFoundError(f"weights: the population grid {path} does not exist")
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise InputError(f"weights: {path.name} has no coordinate reference system")
            target = np.full(shape, np.nan, dtype="float64")
            rasterio.warp.reproject(
                source=rasterio.band(src, 1),
                destination=target,
                src_nodata=src.nodata,
                dst_transform=transform,
                dst_crs=METRIC,
                dst_nodata=np.nan,
                resampling=Resampling.bilinear,
            )
    except RasterioIOError as exc:
        raise InputError(f"weights: {path.name} is not a raster GDAL can read ({exc})") from exc
    target[~np.isfinite(target)] = 0.0
    return np.clip(target, 0.0, None)


def population_cells(
    sectors: gpd.GeoDataFrame,
    *,
    cell: float = 100.0,
    weights: str | Path | None = None,
    values: pd.Series | np.ndarray | None = None,
) -> PopulationCells:
    """Spread each sector's residents over the grid cells whose centre falls in it.

    Parameters
    ----------
    sectors
        Sectors in EPSG:31370 with ``code`` and ``population`` (unless ``values`` is given).
    cell
        Cell size in metres; cell edges lie on multiples of it.
    weights
        A population grid file (any CRS GDAL knows, e.g.
        ``../shared/data/brussels/ghs_pop_2020_1km_mollweide.tif``). Its values are resampled
        bilinearly onto the cells and each sector's residents are shared in proportion to them;
        a sector whose cells all weigh 0 is spread evenly. Only proportions inside a sector
        matter, so counts per cell and densities give the same result on an equal-area grid.
        Without it, residents are spread evenly over the sector's cells.
    values
        What to spread instead of ``population``: an array in row order, a Series with the
        frame's index or a Series indexed by sector code (a target population, say).

    Returns
    -------
    PopulationCells
        Per (cell, sector): centre, residents, sector code. Each sector's cells add up to its
        value (to float rounding); a sector too small to contain a cell centre gets the cell of
        its representative point.

    Raises
    ------
    InputError
        Sectors not in EPSG:31370, without codes or polygons, with a missing or negative value;
        a weights file that cannot be read or does not cover the sectors.
    """
    where = "sectors for the population grid"
    _check_sectors(sectors, where=where)
    pop = _sector_values(sectors, values, where=where)
    geoms = sectors.geometry.to_numpy()
    codes = sectors["code"].astype(str).to_numpy()
    n = len(geoms)
    transform, shape = grid_for(tuple(shapely.total_bounds(geoms)), cell=cell)
    dtype = "int16" if n < np.iinfo(np.int16).max else "int32"
    index = rasterio.features.rasterize(
        zip(geoms, range(n), strict=True),
        out_shape=shape,
        transform=transform,
        fill=NO_SECTOR,
        all_touched=False,
        dtype=dtype,
    )
    flat = index.ravel()
    cell_id = np.flatnonzero(flat != NO_SECTOR)
    sector = flat[cell_id].astype(np.int64)

    # Sectors holding no cell centre: the cell of their representative point.
    empty = np.flatnonzero(np.bincount(sector, minlength=n) == 0)
    if empty.size:
        points = shapely.point_on_surface(geoms[empty])
        col = np.clip(((shapely.get_x(points) - transform.c) / cell).astype(np.int64), 0, shape[1] - 1)
        row = np.clip(((transform.f - shapely.get_y(points)) / cell).astype(np.int64), 0, shape[0] - 1)
        cell_id = np.concatenate([cell_id, row * shape[1] + col])
        sector = np.concatenate([sector, empty])
        order = np.argsort(cell_id, kind="stable")
        cell_id, sector = cell_id[order], sector[order]

    weight = np.ones(cell_id.size)
    method = f"residents of each sector spread evenly over the {cell:g} m cells whose centre lies in it"
    if weights is not None:
        grid = _weights_on_grid(weights, transform, shape)
        weight = grid.ravel()[cell_id]
        if not weight.any():
            raise InputError(
                f"weights: {Path(weights).name} has no population over the sectors; "
                "give a grid that covers them"
            )
        total = np.bincount(sector, weights=weight, minlength=n)
        even = total[sector] <= 0
        weight[even] = 1.0
        fallback = int(np.count_nonzero(np.bincount(sector[even], minlength=n)))
        method = (
            f"residents of each sector spread over the {cell:g} m cells whose centre lies in it, "
            f"in proportion to {Path(weights).name} resampled bilinearly"
            + (f" (evenly in {fallback} sectors where that grid is empty)" if fallback else "")
        )
    if empty.size:
        method += f"; {empty.size} sectors too small for a cell centre use the cell of an inner point"
    share = weight / np.bincount(sector, weights=weight, minlength=n)[sector]
    row, col = np.divmod(cell_id, shape[1])
    return PopulationCells(
        x=transform.c + (col + 0.5) * cell,
        y=transform.f - (row + 0.5) * cell,
        population=pop[sector] * share,
        sector_code=codes[sector],
        transform=transform,
        shape=shape,
        row=row,
        col=col,
        method=method,
    )


def demand_points(sectors: gpd.GeoDataFrame, values: pd.Series | np.ndarray | None = None) -> pd.DataFrame:
    """One demand point per sector: its centroid, or a point on its surface when that falls outside.

    Parameters
    ----------
    sectors
        Sectors in EPSG:31370 with ``code`` and ``population`` (unless ``values`` is given).
    values
        The demand per sector instead of ``population``: an array in row order, a Series with
        the frame's index or a Series indexed by sector code.

    Returns
    -------
    DataFrame
        ``code``, ``x``, ``y`` (EPSG:31370), ``demand``, and ``position`` (``centroid`` or
        ``point_on_surface``), one row per sector in the frame's order.
    """
    where = "sectors for demand points"
    _check_sectors(sectors, where=where)
    demand = _sector_values(sectors, values, where=where)
    geoms = sectors.geometry.to_numpy()
    points = shapely.centroid(geoms)
    outside = ~shapely.contains_properly(geoms, points)
    if outside.any():
        points = points.copy()
        points[outside] = shapely.point_on_surface(geoms[outside])
    return pd.DataFrame(
        {
            "code": sectors["code"].astype(str).to_numpy(),
            "x": shapely.get_x(points),
            "y": shapely.get_y(points),
            "demand": demand,
            "position": np.where(outside, "point_on_surface", "centroid"),
        }
    )
