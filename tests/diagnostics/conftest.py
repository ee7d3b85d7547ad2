"""A tiny hand-made region whose indicators can be worked out by hand.

Four 1 km square sectors (x, y in metres, EPSG:31370)::

    S3 (0 residents)   | S4 (2,000)          commune C2 = S3 + S4
    S1 (1,000)         | S2 (3,000)          commune C1 = S1 + S2
    neighbourhood N1   | neighbourhood N2

People aged 65+: S1 100, S2 3 (below the privacy threshold), S3 0, S4 200.
Sites: pharmacy A at the centre of S1, pharmacy B at the centre of S2, pharmacy C 1 km east of
the region (outside it), mental-health service D in S3 declaring commune C1 as its zone d'action.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from diagnostics.levels import Inputs


def _units(codes, boxes, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": codes, "name_fr": codes, "name_nl": codes, **columns}, geometry=boxes, crs=31370
    )


@pytest.fixture()
def tiny() -> Inputs:
    sectors = _units(
        ["S1", "S2", "S3", "S4"],
        [
            box(0, 0, 1000, 1000),
            box(1000, 0, 2000, 1000),
            box(0, 1000, 1000, 2000),
            box(1000, 1000, 2000, 2000),
        ],
        commune_code=["C1", "C1", "C2", "C2"],
        population=[1000.0, 3000.0, 0.0, 2000.0],
    )
    need = pd.DataFrame(
        [("sectors", s, ind, 2024, v, "persons", "observed")
         for ind, values in {"pop_total": [1000, 3000, 0, 2000], "pop_65_plus": [100, 3, 0, 200]}.items()
         for s, v in zip(["S1", "S2", "S3", "S4"], values, strict=True)],
        columns=["level", "code", "indicator", "year", "value", "unit", "method"],
    )  # fmt: skip
    points = {"A": (500, 500), "B": (1500, 500), "C": (2500, 500), "D": (500, 1500)}
    sites = gpd.GeoDataFrame(
        {
            "site_id": list(points),
            "name_fr": list(points),
            "name_nl": list(points),
            "street_fr": "",
            "number": "",
            "postcode": "",
            "categories": ["C-SP-03", "C-SP-03", "C-SP-03", "C-SM-01"],
            "accreditations": ["", "", "", "A-COCOF-02"],
            "tags": "",
            "published": True,
            "head_office_only": False,
            "capacity_places": float("nan"),
            "capacity_beds": float("nan"),
            "sector_code": ["S1", "S2", None, "S3"],
            "neighbourhood_code": ["N1", "N2", None, "N1"],
            "commune_code": ["C1", "C1", None, "C2"],
            "located": True,
            "outside_region": [False, False, True, False],
        },
        geometry=[Point(xy) for xy in points.values()],
        crs=31370,
    )
    site_units = pd.DataFrame(
        [("D", "active_on", "communes", "C1")], columns=["site_id", "relation", "level", "code"]
    )
    crosswalk = pd.DataFrame(
        {
            "sector_code": ["S1", "S2", "S3", "S4"],
            "neighbourhood_code": ["N1", "N2", "N1", "N2"],
            "area_m2": 1e6,
            "area_share": 1.0,
            "largest": True,
            "weight": 1.0,
        }
    )
    units = {
        "neighbourhoods": _units(
            ["N1", "N2"], [box(0, 0, 1000, 2000), box(1000, 0, 2000, 2000)], residential=[True, True]
        ),
        "communes": _units(["C1", "C2"], [box(0, 0, 2000, 1000), box(0, 1000, 2000, 2000)]),
        "region": _units(["region"], [box(0, 0, 2000, 2000)]),
    }
    return Inputs(
        sectors=sectors,
        units=units,
        crosswalk=crosswalk,
        need=need,
        sites=sites,
        site_units=site_units,
        provenance=pd.DataFrame({"attribution": ["test"], "vintage": ["2024"], "synthetic": [False]}),
        synthetic=False,
        title="tiny",
    )
