"""Indicators per unit and theme: hand-computed cases on the tiny region, identities on real Brussels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnostics.levels import Inputs, built_in_levels, read_inputs
from diagnostics.supply import Options, definitions, diagnose
from diagnostics.themes import load_themes


def _rows(inputs: Inputs, theme: str, **options) -> pd.DataFrame:
    result = diagnose(
        inputs, load_themes(), built_in_levels(inputs), theme_ids=[theme], options=Options(**options)
    )
    return result.indicators.set_index(["level", "code"])


def test_pharmacies_by_hand(tiny: Inputs) -> None:
    rows = _rows(tiny, "pharmacies")
    located = rows["sites_located"]
    assert located[("sectors", "S1")] == 1 and located[("sectors", "S2")] == 1
    assert located[("communes", "C1")] == 2 and located[("region", "region")] == 2  # C lies outside
    assert rows.loc[("sectors", "S1"), "rate"] == pytest.approx(1.0)  # 1 site / 1,000 × 1,000
    assert rows.loc[("sectors", "S2"), "rate"] == pytest.approx(1 / 3)
    assert rows.loc[("sectors", "S4"), "rate"] == 0
    assert rows.loc[("region", "region"), "rate"] == pytest.approx(2 / 6)
    assert rows.loc[("sectors", "S1"), "lq"] == pytest.approx(3.0)
    assert rows.loc[("sectors", "S1"), "rate_diff_commune"] == pytest.approx(1.0 - 0.5)
    assert rows.loc[("sectors", "S1"), "rate_ratio_commune"] == pytest.approx(2.0)
    # catchment 1,000 of cost = 1.3 × distance: each pharmacy reaches only the centre it stands on;
    # C (outside) reaches nobody. Accessibility = 1 / residents reached, per 1,000.
    assert rows.loc[("sectors", "S1"), "fca_2sfca"] == pytest.approx(1.0)
    assert rows.loc[("sectors", "S2"), "fca_e2sfca"] == pytest.approx(1 / 3)
    assert rows.loc[("sectors", "S4"), "fca_2sfca"] == 0
    assert rows.loc[("region", "region"), "fca_2sfca"] == pytest.approx(2 / 6)
    # nearest: 0 m for S1 and S2, 1,000 m for S4 (B is 1 km south of its centre)
    assert rows.loc[("sectors", "S4"), "nearest_m"] == pytest.approx(1000)
    assert rows.loc[("region", "region"), "nearest_m"] == pytest.approx(2000 * 1000 / 6000)
    assert rows.loc[("region", "region"), "within_walk"] == pytest.approx(100 * 4000 / 6000)


def test_not_applicable_never_zero_or_infinite(tiny: Inputs) -> None:
    rows = _rows(tiny, "mental_health")
    s3 = rows.loc[("sectors", "S3")]
    assert s3["status"] == "not_applicable"
    assert s3["sites_located"] == 1  # supply is still counted
    population_based = definitions().index[definitions()["population_based"]]
    assert s3[population_based].isna().all()


def test_active_on_is_the_declared_zone(tiny: Inputs) -> None:
    active = _rows(tiny, "mental_health")["sites_active"]
    # D lies in S3 (commune C2) but declares commune C1: active on S1, S2, C1, both neighbourhoods
    assert active[("sectors", "S1")] == 1 and active[("sectors", "S2")] == 1
    assert active[("sectors", "S3")] == 0 and active[("communes", "C2")] == 0
    assert active[("communes", "C1")] == 1 and active[("region", "region")] == 1
    assert active[("neighbourhoods", "N1")] == 1 and active[("neighbourhoods", "N2")] == 1


def test_small_counts_suppressed_with_their_ratios(tiny: Inputs) -> None:
    rows = _rows(tiny, "home_care")  # target: people aged 65+
    # S2 has 3 (primary); S1 would then be recoverable from the commune total (secondary)
    assert rows.loc[("sectors", "S2"), "status"] == "suppressed"
    assert rows.loc[("sectors", "S1"), "status"] == "suppressed"
    for code in ("S1", "S2"):
        assert np.isnan(
            rows.loc[("sectors", code), ["target", "rate", "need_share", "lq"]].astype(float)
        ).all()
    assert rows.loc[("sectors", "S4"), "status"] == "ok"
    assert rows.loc[("communes", "C1"), "target"] == 103
    ok = rows[rows["status"] == "ok"]["target"]
    assert not ((ok > 0) & (ok < 5)).any()


def test_threshold_is_configurable(tiny: Inputs) -> None:
    rows = _rows(tiny, "home_care", threshold=0)
    assert rows.loc[("sectors", "S2"), "target"] == 3


def test_unknown_theme_is_a_clear_error(tiny: Inputs) -> None:
    from geo.errors import InputError

    with pytest.raises(InputError, match="unknown theme 'pharmacy'.*pharmacies"):
        _rows(tiny, "pharmacy")


@pytest.fixture(scope="module")
def brussels(brussels_with_osm: Path) -> tuple[Inputs, pd.DataFrame]:
    inputs = read_inputs(brussels_with_osm)
    result = diagnose(inputs, load_themes(), built_in_levels(inputs))
    return inputs, result.indicators


def test_brussels_counts_add_up_across_levels(brussels: tuple[Inputs, pd.DataFrame]) -> None:
    inputs, table = brussels
    for theme, rows in table.groupby("theme"):
        totals = rows.groupby("level")["sites_located"].sum()
        # every site inside the region lies in exactly one sector, neighbourhood and commune
        assert totals["sectors"] == totals["neighbourhoods"] == totals["communes"] == totals["region"], theme
    pharmacies = table[(table["theme"] == "pharmacies") & (table["level"] == "region")].iloc[0]
    assert pharmacies["sites_located"] == 414  # 426 OSM pharmacies, 12 outside the region
    assert pharmacies["target"] == pytest.approx(1_246_136)


def test_brussels_non_residential_neighbourhoods_not_applicable(
    brussels: tuple[Inputs, pd.DataFrame],
) -> None:
    inputs, table = brussels
    hoods = table[(table["level"] == "neighbourhoods") & (table["theme"] == "pharmacies")]
    non_residential = set(inputs.units["neighbourhoods"].query("~residential")["code"].astype(str))
    assert len(non_residential) == 27
    rows = hoods[hoods["code"].isin(non_residential)]
    assert (rows["status"] == "not_applicable").all()
    assert rows["rate"].isna().all() and rows["fca_e2sfca"].isna().all()
    assert np.isfinite(table["rate"].dropna()).all()


def test_brussels_accessibility_conserves_supply(brussels: tuple[Inputs, pd.DataFrame]) -> None:
    """Σ target × E2SFCA over the region = the pharmacies that reach someone (3 of 426 reach nobody)."""
    _, table = brussels
    region = table[(table["theme"] == "pharmacies") & (table["level"] == "region")].iloc[0]
    assert region["fca_e2sfca"] * region["target"] / 1000 == pytest.approx(426 - 3)


def test_brussels_early_childhood_has_no_target(brussels: tuple[Inputs, pd.DataFrame]) -> None:
    _, table = brussels
    rows = table[(table["theme"] == "early_childhood") & (table["level"] == "communes")]
    assert (rows["status"] == "no_data").all() and rows["sites_located"].sum() > 0


def test_custom_zone_counts_by_area_share(tiny: Inputs) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    zone = gpd.GeoDataFrame(
        {"zoning": ["clss"], "code": ["Z1"], "name_fr": ["Z1"], "name_nl": ["Z1"]},
        geometry=[box(0, 0, 1400, 1000)],
        crs=31370,
    )
    tiny.units["zoning_clss"] = zone
    rows = _rows(tiny, "pharmacies").loc[("zoning_clss", "Z1")]
    assert rows["target"] == pytest.approx(1000 + 3000 * 0.4)  # all of S1, 40 % of S2's area
    assert rows["sites_located"] == 1  # A; B lies at x = 1,500
    assert rows["rate"] == pytest.approx(1 / 2200 * 1000)
