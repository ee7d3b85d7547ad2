"""The study-area diagnostic: inside, around, active on; against the communes and the region."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import box

from diagnostics.levels import Inputs, built_in_levels, read_inputs
from diagnostics.study_area import diagnose_area, study_area
from diagnostics.themes import load_themes
from geo.errors import InputError


def test_tiny_area_inside_ring_active(tiny: Inputs) -> None:
    levels = built_in_levels(tiny)
    area = study_area(tiny, levels, units=["S1"], ring=1200)
    assert area.name == "S1" and area.communes == ["C1"]
    assert sorted(area.adjacent.codes) == ["S2", "S3", "S4"]  # S4 touches S1 at a corner
    result = diagnose_area(tiny, load_themes(), levels, area, theme_ids=["pharmacies", "mental_health"])
    rows = result.diagnostic.indicators.set_index(["theme", "level", "code"])
    assert rows.loc[("pharmacies", "study_area", "area"), "sites_located"] == 1  # A
    # the ring (1.2 km around S1) holds B (500 m east of S1) but not C (1.5 km east, outside the region)
    assert rows.loc[("pharmacies", "study_area", "ring"), "sites_located"] == 1  # B; C is 1.5 km away
    assert rows.loc[("mental_health", "study_area", "area"), "sites_active"] == 1  # D, active on C1
    assert rows.loc[("pharmacies", "study_area", "area"), "target"] == 1000
    assert set(result.sites["where"]) == {"area", "ring"}
    assert set(result.sites["site_id"]) == {"A", "B", "D"}
    # the area is compared with its commune and the region
    assert ("pharmacies", "communes", "C1") in rows.index and ("pharmacies", "region", "region") in rows.index
    assert ("pharmacies", "communes", "C2") not in rows.index


def test_polygon_area_counts_sectors_by_area_share(tiny: Inputs) -> None:
    levels = built_in_levels(tiny)
    area = study_area(tiny, levels, polygon=box(0, 0, 1500, 1000), name="test")
    result = diagnose_area(tiny, load_themes(), levels, area, theme_ids=["pharmacies"])
    rows = result.diagnostic.indicators.set_index(["level", "code"])
    assert rows.loc[("study_area", "area"), "target"] == pytest.approx(1000 + 3000 / 2)
    assert rows.loc[("study_area", "area"), "sites_located"] == 2


def test_bad_area_requests(tiny: Inputs) -> None:
    levels = built_in_levels(tiny)
    with pytest.raises(InputError, match="not both"):
        study_area(tiny, levels, units=["S1"], polygon=box(0, 0, 1, 1))
    with pytest.raises(InputError, match="ring"):
        study_area(tiny, levels, units=["S1"], ring=0)
    with pytest.raises(InputError, match="'S7'"):
        study_area(tiny, levels, units=["S7"])


def test_marolles_anneessens(brussels_with_osm: Path) -> None:
    inputs = read_inputs(brussels_with_osm)
    levels = built_in_levels(inputs)
    area = study_area(inputs, levels, units=["Marolles", "Anneessens"])
    assert area.name == "Marolles + Anneessens" and area.communes == ["21004"]
    assert set(area.members["code"]) == {"8", "10"}
    result = diagnose_area(inputs, load_themes(), levels, area)
    rows = result.diagnostic.indicators.set_index(["theme", "level", "code"])
    hoods = levels["neighbourhoods"]
    expected = hoods.weights[:, np.isin(hoods.codes, ["8", "10"])].sum(axis=1) @ inputs.sectors["population"]
    assert rows.loc[("pharmacies", "study_area", "area"), "target"] == pytest.approx(expected)
    inside = result.sites[result.sites["where"] == "area"]
    assert (inside["distance_to_area_m"] == 0).all() and (result.sites["where"] == "ring").sum() > 0
    pharmacies_inside = inside["themes"].str.contains("pharmacies").sum()
    assert rows.loc[("pharmacies", "study_area", "area"), "sites_located"] == pharmacies_inside
    profile = result.profile.set_index(["indicator", "level", "code"])
    assert profile.loc[("pop_total", "region", "region"), "value"] == pytest.approx(1_246_136)
    assert not ((profile["value"] > 0) & (profile["value"] < 5)).any()
