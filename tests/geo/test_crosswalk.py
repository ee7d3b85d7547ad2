import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from geo.crosswalk import METHODS, nesting_summary, sector_crosswalk, to_neighbourhoods
from geo.errors import InputError
from geo.workspace import read_table


def _units(codes, geoms, **extra):
    return gpd.GeoDataFrame({"code": codes, **extra}, geometry=geoms, crs=31370)


@pytest.fixture()
def small():
    # sector A lies 70 % in residential N1 and 30 % in the park N700; sector B wholly in N1.
    sectors = _units(["A", "B"], [box(0, 0, 100, 100), box(100, 0, 200, 100)])
    neighbourhoods = _units(
        ["1", "700"],
        [box(0, 0, 200, 100).difference(box(70, 0, 100, 100)), box(70, 0, 100, 100)],
        residential=[True, False],
    )
    return sectors, neighbourhoods


@pytest.mark.parametrize(
    ("method", "a_to_1", "a_to_700"), [("largest", 1.0, 0.0), ("area", 0.7, 0.3), ("residential", 1.0, 0.0)]
)
def test_weights_by_method(small, method, a_to_1, a_to_700):
    table = sector_crosswalk(*small, method=method).set_index(["sector_code", "neighbourhood_code"])
    assert table.loc[("A", "1"), "weight"] == pytest.approx(a_to_1)
    assert table.loc[("A", "700"), "weight"] == pytest.approx(a_to_700)
    assert table.loc[("A", "1"), "area_share"] == pytest.approx(0.7)
    assert table.loc[("B", "1"), "weight"] == 1.0


def test_area_weights_split_counts(small):
    table = sector_crosswalk(*small, method="area")
    moved = to_neighbourhoods(gpd.pd.Series({"A": 100.0, "B": 50.0}), table)
    assert moved.to_dict() == pytest.approx({"1": 120.0, "700": 30.0})


def test_sector_only_in_non_residential_falls_back_to_area():
    sectors = _units(["A"], [box(0, 0, 100, 100)])
    neighbourhoods = _units(["800"], [box(0, 0, 100, 100)], residential=[False])
    table = sector_crosswalk(sectors, neighbourhoods, method="residential")
    assert table["weight"].tolist() == [1.0]


def test_unknown_method_lists_the_methods(small):
    with pytest.raises(InputError, match="choose one of largest, area, residential"):
        sector_crosswalk(*small, method="best")


def test_real_crosswalk_matches_the_published_nesting(brussels_workspace):
    table = read_table(brussels_workspace, "sector_neighbourhood")
    assert nesting_summary(table) == {
        "sectors": 724,
        "at_least_99pct": 600,
        "at_least_95pct": 696,
        "worst_share": pytest.approx(0.8032, abs=1e-4),
    }
    sums = table.groupby("sector_code")["weight"].sum()
    assert len(sums) == 724 and np.allclose(sums, 1.0)
    assert set(METHODS) == {"largest", "area", "residential"}


def test_largest_share_agrees_with_an_independent_point_check(brussels_workspace):
    """The neighbourhood holding a sector's largest share holds most of its sample points."""
    sectors = read_table(brussels_workspace, "sectors")
    neighbourhoods = read_table(brussels_workspace, "neighbourhoods").set_index("code")
    nested = sectors[sectors["neighbourhood_share"] >= 0.99]
    points = nested.geometry.representative_point()
    inside = shapely.contains(neighbourhoods.geometry.loc[nested["neighbourhood_code"]].values, points.values)
    assert inside.mean() > 0.995
