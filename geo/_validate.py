"""Checks made at the public entry points, each reporting every problem it finds at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.validation import explain_validity

from geo.crs import METRIC
from geo.errors import CRSError, InputError, ProblemsError


def require_columns(frame: pd.DataFrame, columns: Mapping[str, str], *, where: str) -> None:
    """Check that every mapped column exists.

    Parameters
    ----------
    columns
        Field → column name in the file (``{"code": "CD_SECTOR"}``); the field names the option
        a user sets to point at another column.
    """
    have = [c for c in frame.columns if c != "geometry"]
    missing = [
        f"column {col!r} (for {field}) is missing"
        for field, col in columns.items()
        if col not in frame.columns
    ]
    if missing:
        raise ProblemsError(
            f"{where}: columns are {', '.join(map(repr, have))}; map the missing ones with the "
            "column options of the manifest",
            missing,
        )


def require_unique(frame: pd.DataFrame, column: str, *, where: str, label: str | None = None) -> None:
    """Check that a code column has no empty and no repeated value; list the offending features.

    ``label`` is the column's name in the user's file, when it differs from ``column``.
    """
    values = frame[column]
    column = label or column
    problems = [
        f"feature {i + 1}: empty {column!r}"
        for i in range(len(frame))
        if pd.isna(values.iloc[i]) or str(values.iloc[i]).strip() == ""
    ]
    repeated: dict[object, list[int]] = {}
    for i in np.flatnonzero((values.duplicated(keep=False) & values.notna()).to_numpy()):
        repeated.setdefault(values.iloc[i], []).append(int(i) + 1)
    for code, positions in repeated.items():
        problems.append(f"code {code!r} appears {len(positions)} times (features {positions})")
    if problems:
        raise ProblemsError(f"{where}: {column!r} must identify each feature once", problems)


def require_metric(frame: gpd.GeoDataFrame | gpd.GeoSeries, *, where: str) -> None:
    """Check that a frame is in the metric CRS before distances or areas are computed."""
    if frame.crs is None or not frame.crs.equals(METRIC):
        raise CRSError(f"{where}: must be in EPSG:31370 before metric work, not {frame.crs}")


def repair_polygons(
    frame: gpd.GeoDataFrame, *, ids: Iterable[object], where: str
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Make every geometry a valid (Multi)Polygon, returning the repaired frame and a report.

    Invalid polygons are repaired with :func:`shapely.make_valid` (structure method, keeping the
    polygonal part); each repair is reported with the feature's code and the reason. Missing,
    empty or non-polygonal geometries cannot be repaired and raise :class:`ProblemsError`.
    """
    ids = list(ids)
    geoms = frame.geometry.to_numpy()
    problems, notes = [], []
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    kinds = shapely.get_type_id(geoms)
    for i in range(len(geoms)):
        if missing[i]:
            problems.append(f"feature {i + 1} ({ids[i]}): has no geometry")
        elif kinds[i] not in (3, 6):
            problems.append(f"feature {i + 1} ({ids[i]}): is a {geoms[i].geom_type}, not a polygon")
    if problems:
        raise ProblemsError(f"{where}: every feature needs a polygon", problems)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        for i in invalid.nonzero()[0]:
            reason = explain_validity(geoms[i])
            fixed = shapely.make_valid(geoms[i], method="structure", keep_collapsed=False)
            if fixed.geom_type == "GeometryCollection":
                fixed = shapely.union_all([g for g in fixed.geoms if g.geom_type.endswith("Polygon")])
            if fixed.is_empty:
                raise InputError(
                    f"{where}: feature {i + 1} ({ids[i]}): invalid geometry "
                    f"({reason}) that has no area once repaired; fix it in the source"
                )
            geoms[i] = fixed
            notes.append(f"{where}: feature {i + 1} ({ids[i]}): invalid geometry ({reason}) repaired")
        frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
    return frame, notes
