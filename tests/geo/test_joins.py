import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from geo.errors import CRSError
from geo.joins import locate, unit_index
from geo.workspace import read_table


@pytest.fixture()
def two_squares():
    units = gpd.GeoDataFrame(
        {"code": ["B", "A"]}, geometry=[box(100, 0, 200, 100), box(0, 0, 100, 100)], crs=31370
    )
    return unit_index(units, cell=7.0)


@pytest.mark.parametrize(
    ("point", "code"),
    [
        (Point(50, 50), "A"),
        (Point(150, 50), "B"),
        (Point(100, 50), "A"),  # on the shared border: the lowest code, deterministically
        (Point(0, 0), "A"),  # on the outer boundary: inside
        (Point(250, 50), None),
        (Point(-1e6, 5), None),
        (Point(), None),
        (None, None),
    ],
)
def test_locate_known_cases(two_squares, point, code):
    found = locate(gpd.GeoSeries([point], crs=31370), two_squares).iloc[0]
    assert (found if isinstance(found, str) else None) == code


def test_points_must_be_metric(two_squares):
    with pytest.raises(CRSError, match="EPSG:31370"):
        locate(gpd.GeoSeries([Point(4.35, 50.85)], crs=4326), two_squares)


@pytest.mark.parametrize("level", ["sectors", "neighbourhoods", "communes"])
def test_placement_agrees_with_an_independent_point_in_polygon(brussels_workspace, level):
    units = read_table(brussels_workspace, level)
    rng = np.random.default_rng(7)
    xmin, ymin, xmax, ymax = units.total_bounds
    x, y = rng.uniform(xmin, xmax, 50_000), rng.uniform(ymin, ymax, 50_000)
    # points on borders too: vertices of the polygons themselves
    vertices = shapely.get_coordinates(units.geometry.values)[::97]
    x, y = np.r_[x, vertices[:, 0]], np.r_[y, vertices[:, 1]]
    found = locate(gpd.GeoSeries(gpd.points_from_xy(x, y), crs=31370), unit_index(units))
    ordered = units.sort_values("code")
    expected = np.full(len(x), None, dtype=object)
    for code, geom in zip(ordered["code"][::-1], ordered.geometry[::-1], strict=True):
        expected[shapely.intersects_xy(geom, x, y)] = code  # lowest code written last, so wins
    assert np.array_equal(found.astype(object).where(found.notna(), None).to_numpy(), expected)
