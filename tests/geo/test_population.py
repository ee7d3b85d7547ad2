"""Population grid and demand points: every sector's residents on its cells, none lost."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from shapely.geometry import Polygon, box

from geo.errors import CRSError, InputError, ProblemsError, SourceNotFoundError
from geo.population import PopulationCells, demand_points, population_cells
from geo.workspace import read_table

X0, Y0 = 150_000.0, 170_000.0  # on the 100 m grid
GHS = "ghs_pop_2020_1km_mollweide.tif"


def frame(rows: list[tuple[str, object, float]], crs: int = 31370) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": [r[0] for r in rows], "population": [r[2] for r in rows]},
        geometry=[r[1] for r in rows],
        crs=crs,
    )


def two_squares() -> gpd.GeoDataFrame:
    """A: 1 km × 1 km, 1,000 residents (100 cells); B: 1 km × 500 m east of it, 300 (50 cells)."""
    return frame(
        [
            ("A", box(X0, Y0, X0 + 1000, Y0 + 1000), 1000.0),
            ("B", box(X0 + 1000, Y0, X0 + 2000, Y0 + 500), 300.0),
        ]
    )


def per_sector(cells: PopulationCells) -> pd.Series:
    return pd.Series(cells.population).groupby(cells.sector_code).sum()


def test_two_squares_spread_evenly() -> None:
    cells = population_cells(two_squares())
    assert cells.shape == (10, 20)
    assert cells.transform == Affine(100.0, 0.0, X0, 0.0, -100.0, Y0 + 1000)
    assert (cells.sector_code == "A").sum() == 100
    assert (cells.sector_code == "B").sum() == 50
    np.testing.assert_allclose(cells.population[cells.sector_code == "A"], 10.0)
    np.testing.assert_allclose(cells.population[cells.sector_code == "B"], 6.0)
    assert per_sector(cells).to_dict() == pytest.approx({"A": 1000.0, "B": 300.0}, abs=1e-9)
    # cell centres lie in their sector, at the centres of the 100 m cells
    assert np.all((cells.x - 50) % 100 == 0) and np.all((cells.y - 50) % 100 == 0)
    b = cells.sector_code == "B"
    assert cells.x[b].min() == X0 + 1050 and cells.y[b].max() == Y0 + 450
    assert "evenly" in cells.method


def test_grid_edges_on_multiples_of_the_cell() -> None:
    sectors = frame([("A", box(X0 + 37, Y0 + 12, X0 + 437, Y0 + 290), 50.0)])
    cells = population_cells(sectors)
    assert cells.transform.c % 100 == 0 and cells.transform.f % 100 == 0
    assert cells.total == pytest.approx(50.0)
    coarse = population_cells(sectors, cell=250.0)
    assert coarse.transform.c % 250 == 0 and coarse.cell == 250.0
    assert coarse.total == pytest.approx(50.0)


def test_tiny_sector_keeps_its_residents() -> None:
    """A 30 m sector holds no cell centre: its residents go to the cell of its inner point."""
    tiny = box(X0 + 505, Y0 + 505, X0 + 535, Y0 + 535)
    a = box(X0, Y0, X0 + 1000, Y0 + 1000).difference(tiny)
    sectors = frame([("A", a, 1000.0), ("T", tiny, 7.0), ("B", box(X0 + 1000, Y0, X0 + 2000, Y0 + 500), 0.0)])
    cells = population_cells(sectors)
    t = cells.sector_code == "T"
    assert t.sum() == 1 and cells.population[t][0] == 7.0
    row, col = cells.row[t][0], cells.col[t][0]
    assert (row, col) == (4, 5)  # the cell 500–600 m east, 400–500 m below the top
    shared = (cells.row == row) & (cells.col == col)
    assert sorted(cells.sector_code[shared]) == ["A", "T"]  # the cell is A's too
    assert per_sector(cells).to_dict() == pytest.approx({"A": 1000.0, "T": 7.0, "B": 0.0})
    assert "too small" in cells.method
    # a sector without residents still has its cells, at 0
    assert (cells.sector_code == "B").sum() == 50 and not cells.population[cells.sector_code == "B"].any()


def test_values_instead_of_population() -> None:
    sectors = two_squares()
    by_code = population_cells(sectors, values=pd.Series({"B": 30.0, "A": 200.0}))
    assert per_sector(by_code).to_dict() == pytest.approx({"A": 200.0, "B": 30.0})
    by_row = population_cells(sectors, values=np.array([1.0, 2.0]))
    assert per_sector(by_row).to_dict() == pytest.approx({"A": 1.0, "B": 2.0})
    by_index = population_cells(sectors, values=pd.Series([5.0, 6.0], index=sectors.index))
    assert per_sector(by_index).to_dict() == pytest.approx({"A": 5.0, "B": 6.0})


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        (lambda s: s.to_crs(4326), CRSError, "EPSG:31370"),
        (lambda s: s.assign(code=["A", "A"]), ProblemsError, "'A' appears 2 times"),
        (lambda s: s.assign(population=[1.0, np.nan]), ProblemsError, "sector B"),
        (lambda s: s.assign(population=[1.0, -3.0]), ProblemsError, "≥ 0"),
        (lambda s: s.drop(columns="population"), ProblemsError, "population"),
        (lambda s: s.set_geometry([s.geometry.iloc[0], shapely.Point(X0, Y0)]), ProblemsError, "sector B"),
    ],
)
def test_bad_sectors_are_reported(change, error, words) -> None:
    with pytest.raises(error, match=words):
        population_cells(change(two_squares()))


def test_values_missing_a_sector() -> None:
    with pytest.raises(ProblemsError, match="sector B: has no value"):
        population_cells(two_squares(), values=pd.Series({"A": 1.0}))


def write_weights(path: Path, array: np.ndarray, transform: Affine, crs: int = 31370) -> Path:
    with rasterio.open(
        path, "w", driver="GTiff", height=array.shape[0], width=array.shape[1], count=1,
        dtype="float64", crs=f"EPSG:{crs}", transform=transform, nodata=-1.0,
    ) as out:  # fmt: skip
        out.write(array, 1)
    return path


def test_weighted_in_proportion_to_the_grid(tmp_path: Path) -> None:
    """Weights on the very grid of the cells: each sector shares its residents as they say."""
    rng = np.random.default_rng(4)
    weights = rng.uniform(0.0, 10.0, size=(10, 20))
    weights[:, 10:] = 0.0  # nobody in B according to the grid: B is spread evenly
    weights[0, 0] = -1.0  # nodata counts as no weight
    grid = Affine(100.0, 0.0, X0, 0.0, -100.0, Y0 + 1000)
    path = write_weights(tmp_path / "w.tif", weights, grid)
    cells = population_cells(two_squares(), weights=path)
    a = cells.sector_code == "A"
    w = weights[cells.row[a], cells.col[a]].clip(0)
    np.testing.assert_allclose(cells.population[a], 1000.0 * w / w.sum(), rtol=1e-9)
    assert cells.population[a][(cells.row[a] == 0) & (cells.col[a] == 0)] == 0.0
    np.testing.assert_allclose(cells.population[~a], 6.0)
    assert per_sector(cells).to_dict() == pytest.approx({"A": 1000.0, "B": 300.0}, abs=1e-9)
    assert "w.tif" in cells.method and "evenly in 1 sectors" in cells.method


def test_weights_coarser_and_in_another_crs(tmp_path: Path) -> None:
    """A 1 km grid in Lambert 2008, west half dense and east half empty: A's residents move west."""
    x, y = 649_000.0, 671_000.0  # around (X0, Y0) in EPSG:3812
    weights = np.zeros((4, 8))
    weights[:, :4] = 100.0
    path = write_weights(
        tmp_path / "w3812.tif", weights, Affine(1000.0, 0, x - 2000, 0, -1000.0, y + 2500), 3812
    )
    sectors = frame([("W", box(X0 - 3000, Y0, X0 + 3000, Y0 + 1000), 600.0)])
    cells = population_cells(sectors, weights=path)
    assert cells.total == pytest.approx(600.0)
    west = cells.population[cells.x < X0 - 500].sum()
    east = cells.population[cells.x > X0 + 2000].sum()
    assert west > 10 * east


def test_weights_that_miss_the_sectors(tmp_path: Path) -> None:
    far = write_weights(
        tmp_path / "far.tif", np.ones((3, 3)), Affine(100.0, 0, 20_000.0, 0, -100.0, 30_000.0)
    )
    with pytest.raises(InputError, match="no population over the sectors"):
        population_cells(two_squares(), weights=far)
    with pytest.raises(SourceNotFoundError, match="does not exist"):
        population_cells(two_squares(), weights=tmp_path / "none.tif")
    (tmp_path / "text.tif").write_text("not a raster")
    with pytest.raises(InputError, match="not a raster"):
        population_cells(two_squares(), weights=tmp_path / "text.tif")


def test_demand_points_centroid_or_inside() -> None:
    u_shape = Polygon(
        [(X0, Y0), (X0 + 300, Y0), (X0 + 300, Y0 + 300), (X0 + 200, Y0 + 300), (X0 + 200, Y0 + 100),
         (X0 + 100, Y0 + 100), (X0 + 100, Y0 + 300), (X0, Y0 + 300)]
    )  # fmt: skip
    assert not u_shape.contains(u_shape.centroid)
    sectors = frame([("SQ", box(X0, Y0 + 1000, X0 + 200, Y0 + 1200), 40.0), ("U", u_shape, 9.0)])
    points = demand_points(sectors)
    assert list(points.columns) == ["code", "x", "y", "demand", "position"]
    assert points["position"].tolist() == ["centroid", "point_on_surface"]
    assert points.loc[0, ["x", "y"]].tolist() == [X0 + 100, Y0 + 1100]
    assert u_shape.contains(shapely.Point(points.loc[1, "x"], points.loc[1, "y"]))
    assert points["demand"].tolist() == [40.0, 9.0]
    assert demand_points(sectors, pd.Series({"U": 2.0, "SQ": 1.0}))["demand"].tolist() == [1.0, 2.0]


# ------------------------------------------------------------------ real Brussels


@pytest.fixture(scope="module")
def brussels_sectors(brussels_workspace: Path) -> gpd.GeoDataFrame:
    return read_table(brussels_workspace, "sectors")


@pytest.mark.parametrize("weighted", [False, True])
def test_brussels_every_resident_on_the_grid(
    brussels_sectors: gpd.GeoDataFrame, brussels_dir: Path, weighted: bool
) -> None:
    cells = population_cells(brussels_sectors, weights=brussels_dir / GHS if weighted else None)
    assert cells.total == pytest.approx(1_246_136, abs=1e-6)
    totals = per_sector(cells).reindex(brussels_sectors["code"])
    np.testing.assert_allclose(totals.to_numpy(), brussels_sectors["population"].to_numpy(), atol=1e-6)
    assert len(np.unique(cells.sector_code)) == 724
    assert cells.shape == (168, 170)  # 16.8 km × 17 km at 100 m
    assert (cells.population >= 0).all()


def test_brussels_ghs_weights_move_residents(brussels_sectors: gpd.GeoDataFrame, brussels_dir: Path) -> None:
    """GHS-POP moves residents within sectors (1 km cells against sectors of ~0.2 km²: a few per cent)."""
    even = population_cells(brussels_sectors)
    ghs = population_cells(brussels_sectors, weights=brussels_dir / GHS)
    assert "ghs_pop_2020_1km_mollweide.tif" in ghs.method
    assert np.array_equal(even.row, ghs.row) and np.array_equal(even.col, ghs.col)
    moved = np.abs(ghs.population - even.population).sum() / 2
    assert moved > 0.02 * 1_246_136  # 43,000 residents move to other cells of their sector
    spread = pd.Series(ghs.population).groupby(ghs.sector_code).agg(lambda v: v.max() - v.min())
    assert (spread > 1e-9).sum() > 300  # many sectors are no longer flat


def test_brussels_demand_points(brussels_sectors: gpd.GeoDataFrame) -> None:
    points = demand_points(brussels_sectors)
    assert len(points) == 724 and points["demand"].sum() == 1_246_136
    inside = shapely.contains(
        brussels_sectors.geometry.to_numpy(), shapely.points(points[["x", "y"]].to_numpy())
    )
    assert inside.all()
    assert (points["position"] == "point_on_surface").sum() < 50
