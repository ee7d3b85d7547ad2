"""The geographic units: statistical sectors, neighbourhoods, communes, the region, custom zonings.

Every loader returns units in one schema, in EPSG:31370, whatever the file looked like:

``code`` (text), ``name_fr``, ``name_nl``, level-specific columns, ``geometry``.

``units_from_file`` reads and maps a file, ``units_from_frame`` does the same from a frame already
in memory; both validate (unique codes, polygons, CRS) and repair invalid geometries, reporting
each repair.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo._validate import repair_polygons, require_columns, require_unique
from geo.crs import METRIC
from geo.errors import InputError, ProblemsError
from geo.manifest import UNIT_FIELDS, LayerSource
from geo.sources import numeric_column, read_table, read_vector

LEVELS = ("sectors", "neighbourhoods", "communes")


def _code_text(values: pd.Series) -> pd.Series:
    """Codes as text: integers stay integers (``12`` not ``12.0``), text is stripped."""
    if pd.api.types.is_float_dtype(values) and np.all(np.mod(values.dropna(), 1) == 0):
        values = values.astype("Int64")
    return values.astype("string").str.strip()


def units_from_frame(
    frame: gpd.GeoDataFrame,
    level: str,
    *,
    columns: Mapping[str, str],
    where: str,
    non_residential_from: int | None = None,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Map, validate and project units given as a GeoDataFrame.

    Parameters
    ----------
    frame
        The units as read, in any CRS.
    level
        ``sectors``, ``neighbourhoods``, ``communes`` or ``zonings``.
    columns
        Field → column in ``frame``; fields are those of :data:`geo.manifest.UNIT_FIELDS`.
    where
        Name of the source (file) for messages.
    non_residential_from
        Neighbourhoods only: codes from this number on are non-residential (700 in Brussels).

    Returns
    -------
    units, notes
        The units in the common schema and EPSG:31370, and one note per repaired geometry.
    """
    fields = UNIT_FIELDS[level]
    wanted = {f: c for f, c in columns.items() if fields.get(f, (False,))[0] or c in frame.columns}
    require_columns(frame, wanted, where=where)
    out = pd.DataFrame({"code": _code_text(frame[wanted["code"]])}, index=frame.index)
    require_unique(out, "code", where=where, label=wanted["code"])
    for name in ("name_fr", "name_nl"):
        out[name] = frame[wanted[name]].astype("string").str.strip() if name in wanted else out["code"]
    if "commune" in wanted:
        out["commune_code"] = _code_text(frame[wanted["commune"]])
    if "population" in wanted:
        pop = numeric_column(frame, wanted["population"], where=where)
        if ((pop < 0) | pop.isna()).any():
            rows = [
                f"feature {i + 1} ({out['code'].iloc[i]})"
                for i in np.flatnonzero(((pop < 0) | pop.isna()).to_numpy())[:10]
            ]
            raise ProblemsError(
                f"{where}: column {wanted['population']!r} needs a population ≥ 0 for every unit", rows
            )
        out["population"] = pop.round().astype("int64")
    if level == "neighbourhoods":
        numeric = pd.to_numeric(out["code"], errors="coerce")
        limit = non_residential_from if non_residential_from is not None else np.inf
        out["residential"] = ~(numeric >= limit)
    units = gpd.GeoDataFrame(out, geometry=frame.geometry.to_crs(METRIC).values, crs=METRIC)
    units, notes = repair_polygons(units, ids=units["code"], where=where)
    units["geometry"] = shapely.force_2d(units.geometry.values)
    return units.sort_values("code").reset_index(drop=True), notes


def units_from_file(source: LayerSource, level: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read units from the file of a manifest section (see :func:`units_from_frame`)."""
    frame = read_vector(source.file, layer=source.layer)
    return units_from_frame(
        frame,
        level,
        columns=source.columns,
        where=str(source.file),
        non_residential_from=source.options.get("non_residential_from"),
    )


def check_nesting(sectors: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> list[str]:
    """Check that every sector names an existing commune; return notes on population differences.

    Communes are exact unions of sectors: their population is recomputed as the sum of their
    sectors; a published commune population that differs is reported, not used.
    """
    unknown = sorted(set(sectors["commune_code"]) - set(communes["code"]))
    if unknown:
        raise InputError(
            f"sectors name commune codes that are not in the communes file: "
            f"{', '.join(unknown[:10])}; check the 'commune' column of [sectors]"
        )
    notes = []
    sums = sectors.groupby("commune_code")["population"].sum()
    if "population" in communes:
        published = communes.set_index("code")["population"]
        for code in published.index[published != sums.reindex(published.index, fill_value=0)]:
            notes.append(
                f"commune {code}: published population {published[code]} differs from the "
                f"sum of its sectors {sums.get(code, 0)}; the sum is used"
            )
    return notes


def communes_with_population(sectors: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Communes with ``population`` set to the sum of their sectors."""
    sums = sectors.groupby("commune_code")["population"].sum()
    out = communes.copy()
    out["population"] = out["code"].map(sums).fillna(0).astype("int64")
    return out


def region_from_units(communes: gpd.GeoDataFrame, *, name_fr: str, name_nl: str) -> gpd.GeoDataFrame:
    """The region as one feature: the union of the communes, with its population."""
    geometry = shapely.union_all(communes.geometry.values, grid_size=0.01)
    return gpd.GeoDataFrame(
        {
            "code": ["region"],
            "name_fr": [name_fr],
            "name_nl": [name_nl],
            "population": [int(communes["population"].sum())],
        },
        geometry=[geometry],
        crs=METRIC,
    )


def zoning_from_source(source: LayerSource, sectors: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """A custom zoning, from polygons or from a table listing the sectors of each zone.

    A table needs a ``code`` column and a ``sectors`` column; each row lists one or more sector
    codes separated by ``;`` or ``,`` (several rows may share a zone code). The zone is the union of
    its sectors.
    """
    name = str(source.options.get("name") or source.file.stem)
    where = str(source.file)
    if source.file.suffix.lower() in {".csv", ".txt", ".xlsx", ".xlsm"}:
        table = read_table(source.file)
        columns = {**source.columns, "sectors": source.columns.get("sectors", "sectors")}
        require_columns(table, {f: c for f, c in columns.items() if f in ("code", "sectors")}, where=where)
        pairs = table.assign(_sector=table[columns["sectors"]].str.split(r"[;,]"))
        pairs = pairs.explode("_sector")
        pairs["_sector"] = pairs["_sector"].str.strip()
        unknown = sorted(set(pairs["_sector"].dropna()) - set(sectors["code"]))
        if unknown:
            raise InputError(
                f"{where}: unknown sector code(s) {', '.join(unknown[:10])}; "
                "give Statbel sector codes such as 21004A00-"
            )
        geoms = sectors.set_index("code").geometry
        groups = pairs.groupby(columns["code"])
        rows = []
        for code, group in groups:
            first = group.iloc[0]
            rows.append(
                {
                    "code": str(code),
                    "name_fr": first.get(columns.get("name_fr", ""), str(code)),
                    "name_nl": first.get(columns.get("name_nl", ""), str(code)),
                    "geometry": shapely.union_all(geoms.loc[group["_sector"]].values, grid_size=0.01),
                }
            )
        zones = gpd.GeoDataFrame(rows, crs=METRIC)
        notes: list[str] = []
    else:
        zones, notes = units_from_frame(
            read_vector(source.file, layer=source.layer), "zonings", columns=source.columns, where=where
        )
    zones.insert(0, "zoning", name)
    return zones, notes
