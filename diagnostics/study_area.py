"""The study-area diagnostic: a set of units (or a polygon), its surroundings, all themes at once.

A study area is the union of chosen neighbourhoods or sectors, or a polygon. Its surroundings are
a **ring** of a given width around it (which may reach beyond the region, where sites outside it
still serve its residents) and the **adjacent units** of the same level. For every theme the
diagnostic gives the supply located inside, in the ring and in each adjacent unit, the supply
active on the area, the target population and every indicator of :mod:`diagnostics.supply`, next
to the communes of the area and the region; and the need profile of the area against the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from diagnostics.levels import Inputs, Level, polygon_level
from diagnostics.need import AGE_BANDS, catalogue
from diagnostics.privacy import small
from diagnostics.supply import Diagnostic, Options, diagnose
from diagnostics.themes import ThemeSet, supply_mask
from geo.errors import InputError
from geo.importers import taxonomy_sectors
from geo.search import resolve_unit

RING = 1000.0
PROFILE = ("pop_total", *AGE_BANDS, "pop_65_plus", "cpas_beneficiaries", "bim_beneficiaries")


@dataclass(frozen=True)
class StudyArea:
    """A study area and its surroundings, as levels the diagnostics can run on."""

    name: str
    geometry: shapely.Geometry
    ring: shapely.Geometry
    ring_width: float
    parts: Level  # units "area" and "ring"
    adjacent: Level  # the adjacent units of the same level
    members: pd.DataFrame  # level, code, name_fr, name_nl of the units making the area
    communes: list[str]  # codes of the communes the area lies in
    sectors: np.ndarray  # rows of the sectors whose largest part lies in the area


def _sub_level(level: Level, rows: np.ndarray, name: str) -> Level:
    """The units ``rows`` of ``level`` as a level of their own."""
    new_index = np.full(len(level.units), -1)
    new_index[rows] = np.arange(len(rows))
    largest = np.where(level.largest >= 0, new_index[np.maximum(level.largest, 0)], -1)
    located = np.where(level.located >= 0, new_index[np.maximum(level.located, 0)], -1)
    return Level(
        name,
        gpd.GeoDataFrame(level.units.iloc[rows].reset_index(drop=True)),
        sparse.csr_array(level.weights[:, rows]),
        largest,
        located,
        level.commune[rows],
    )


def _parts_level(
    area: shapely.Geometry,
    ring: shapely.Geometry,
    area_weights: np.ndarray | None,
    inputs: Inputs,
    communes: Level,
    name: str,
) -> Level:
    units = gpd.GeoDataFrame(
        {
            "code": ["area", "ring"],
            "name_fr": [name, f"{name} — alentours"],
            "name_nl": [name, f"{name} — omgeving"],
        },
        geometry=[area, ring],
        crs=inputs.sectors.crs,
    )
    level = polygon_level("study_area", units, inputs.sectors, inputs.sites, communes)
    if area_weights is None:
        return level
    weights = level.weights.tolil()
    weights[:, 0] = area_weights.reshape(-1, 1)  # the area counts exactly its units' residents
    weights = sparse.csr_array(weights)
    population = inputs.sectors["population"].fillna(0).to_numpy(dtype=float)
    units["residential"] = weights.T @ population > 0
    largest = np.where(area_weights > 0.5, 0, np.where(level.largest == 0, -1, level.largest))
    return Level(level.name, units, weights, largest, level.located, level.commune)


def study_area(
    inputs: Inputs,
    levels: Mapping[str, Level],
    *,
    units: Sequence[str] = (),
    polygon: shapely.Geometry | None = None,
    ring: float = RING,
    name: str | None = None,
) -> StudyArea:
    """A study area from units (names or codes of neighbourhoods or sectors, FR or NL) or a polygon
    in EPSG:31370, with a ring of ``ring`` metres and the adjacent units."""
    if not ring > 0:
        raise InputError(f"--ring {ring!r}: give the width of the surroundings in metres (> 0)")
    if bool(units) == (polygon is not None):
        raise InputError(
            "give the study area either as units (--units) or as a polygon (--polygon), not both"
        )
    if polygon is not None:
        if polygon.is_empty or not polygon.is_valid or polygon.area <= 0:
            raise InputError("--polygon: the study area polygon is empty or invalid")
        base = levels["neighbourhoods"]
        area = polygon
        share = shapely.area(shapely.intersection(base.units.geometry.to_numpy(), area)) / shapely.area(
            base.units.geometry.to_numpy()
        )
        inside = np.flatnonzero(share >= 0.5)
        area_weights = None
        member_level = base
    else:
        found = [resolve_unit({k: levels[k].units for k in ("neighbourhoods", "sectors")}, u) for u in units]
        kinds = {lvl for lvl, _ in found}
        if len(kinds) > 1:
            raise InputError("--units: give neighbourhoods or sectors, not a mix of both")
        member_level = levels[kinds.pop()]
        positions = dict(zip(member_level.codes, range(len(member_level.units)), strict=True))
        inside = np.array(list(dict.fromkeys(positions[c] for _, c in found)))
        area = shapely.union_all(member_level.units.geometry.to_numpy()[inside])
        area_weights = np.asarray(member_level.weights[:, inside].sum(axis=1)).ravel()
    ring_geom = shapely.difference(shapely.buffer(area, ring), area)
    touching = shapely.intersects(member_level.units.geometry.to_numpy(), shapely.buffer(area, 1.0))
    adjacent_rows = np.setdiff1d(np.flatnonzero(touching), inside)
    label = name or " + ".join(member_level.units["name_fr"].astype(str).iloc[inside].str.title())
    parts = _parts_level(area, ring_geom, area_weights, inputs, levels["communes"], label)
    adjacent = _sub_level(member_level, adjacent_rows, "adjacent")
    area_sectors = np.flatnonzero(parts.largest == 0)
    commune_rows = np.unique(levels["communes"].largest[area_sectors])
    members = member_level.units.iloc[inside][["code", "name_fr", "name_nl"]].assign(level=member_level.name)
    return StudyArea(
        name=label,
        geometry=area,
        ring=ring_geom,
        ring_width=ring,
        parts=parts,
        adjacent=adjacent,
        members=members[["level", "code", "name_fr", "name_nl"]].reset_index(drop=True),
        communes=[str(c) for c in levels["communes"].codes[commune_rows[commune_rows >= 0]]],
        sectors=area_sectors,
    )


@dataclass
class AreaDiagnostic:
    """Everything the study-area diagnostic produces (tables; geometries as GeoDataFrames)."""

    area: StudyArea
    diagnostic: Diagnostic  # indicators for the area, ring, adjacent units, its sectors, communes, region
    profile: pd.DataFrame  # indicator × area / communes / region, counts and % of residents
    sites: gpd.GeoDataFrame  # sites inside, in the ring, with their themes
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)


def need_profile(
    inputs: Inputs, levels: Mapping[str, Level], area: StudyArea, *, threshold: float
) -> pd.DataFrame:
    """Counts of every need indicator for the area, each of its communes and the region, with the
    share of residents; counts below ``threshold`` suppressed."""
    need = inputs.need[inputs.need["level"] == "sectors"]
    codes = inputs.sectors["code"].astype(str).to_numpy()
    columns: list[tuple[str, str, np.ndarray]] = [
        ("study_area", "area", area.parts.weights[:, [0]].toarray().ravel())
    ]
    communes = levels["communes"]
    for code in area.communes:
        column = int(np.flatnonzero(communes.codes == code)[0])
        columns.append(("communes", code, communes.weights[:, [column]].toarray().ravel()))
    columns.append(("region", "region", np.ones(len(codes))))
    rows = []
    labels = catalogue()
    population = {
        key: float(w @ inputs.sectors["population"].fillna(0).to_numpy(dtype=float)) for _, key, w in columns
    }
    for indicator in PROFILE:
        values = need[need["indicator"] == indicator]
        if values.empty:
            continue
        year = int(values["year"].max())
        per_sector = (
            values[values["year"] == year].set_index("code")["value"].reindex(codes).to_numpy(dtype=float)
        )
        for level, key, w in columns:
            covered = w > 0
            value = np.nan if np.isnan(per_sector[covered]).any() else float(w @ np.nan_to_num(per_sector))
            hidden = bool(small(np.array([value]), threshold=threshold)[0])
            rows.append(
                {
                    "indicator": indicator,
                    "label_fr": labels.loc[indicator, "label_fr"],
                    "label_nl": labels.loc[indicator, "label_nl"],
                    "label_en": labels.loc[indicator, "label_en"],
                    "year": year,
                    "level": level,
                    "code": key,
                    "value": np.nan if hidden else value,
                    "share_of_residents": np.nan
                    if hidden or not population[key]
                    else 100 * value / population[key],
                    "status": "suppressed" if hidden else ("no_data" if np.isnan(value) else "ok"),
                }
            )
    return pd.DataFrame(rows)


def diagnose_area(
    inputs: Inputs,
    themes: ThemeSet,
    levels: Mapping[str, Level],
    area: StudyArea,
    *,
    theme_ids: list[str] | None = None,
    options: Options | None = None,
) -> AreaDiagnostic:
    """The diagnostic of ``area``: every theme, inside / around / active on, against its communes and
    the region."""
    options = options or Options()
    run_levels = {
        "sectors": levels["sectors"],
        "communes": levels["communes"],
        "region": levels["region"],
        "study_area": area.parts,
        "adjacent": area.adjacent,
    }
    result = diagnose(inputs, themes, run_levels, theme_ids=theme_ids, options=options)
    table = result.indicators
    area_sector_codes = set(levels["sectors"].codes[area.sectors])
    keep = (
        table["level"].isin(["study_area", "adjacent", "region"])
        | ((table["level"] == "communes") & table["code"].isin(area.communes))
        | ((table["level"] == "sectors") & table["code"].isin(area_sector_codes))
    )
    result.indicators = table[keep].reset_index(drop=True)
    result.method["study_area"] = (
        f"{area.name}: {len(area.members)} {area.members['level'].iloc[0]}, "
        f"communes {', '.join(area.communes)}; "
        f"surroundings: a ring of {area.ring_width:g} m and {len(area.adjacent.units)} adjacent units"
    )
    return AreaDiagnostic(
        area=area,
        diagnostic=result,
        profile=need_profile(inputs, levels, area, threshold=options.threshold),
        sites=area_sites(inputs, themes, area, theme_ids=theme_ids),
    )


def area_sites(
    inputs: Inputs, themes: ThemeSet, area: StudyArea, *, theme_ids: list[str] | None = None
) -> gpd.GeoDataFrame:
    """The sites of any chosen theme located in the area or its ring, with their themes."""
    sites = inputs.sites.reset_index(drop=True)
    sector_of = taxonomy_sectors()
    chosen = themes.select(theme_ids)
    member = np.array([supply_mask(sites, theme, sector_of=sector_of) for theme in chosen]).reshape(
        len(chosen), -1
    )
    where = np.array(["area", "ring", ""], dtype=object)[
        np.where(area.parts.located >= 0, area.parts.located, 2)
    ]
    keep = (where != "") & member.any(axis=0)
    out = sites.loc[
        keep,
        [
            "site_id",
            "name_fr",
            "name_nl",
            "street_fr",
            "number",
            "postcode",
            "categories",
            "accreditations",
            "geometry",
        ],
    ].copy()
    out.insert(1, "where", where[keep])
    out.insert(
        2,
        "themes",
        [";".join(t.id for t, m in zip(chosen, column, strict=True) if m) for column in member[:, keep].T],
    )
    out["distance_to_area_m"] = np.round(shapely.distance(out.geometry.to_numpy(), area.geometry), 1)
    return gpd.GeoDataFrame(
        out.sort_values(["where", "site_id"]).reset_index(drop=True), crs=inputs.sites.crs
    )
