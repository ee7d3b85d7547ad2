"""Shapely geometries as matplotlib paths and collections: one artist per layer, not per feature.

Polygons become compound paths (exteriors counter-clockwise, holes clockwise, so that the non-zero
winding rule of PDF and Agg leaves the holes empty) and outlines become one LineCollection; both
are built from shapely's vectorised coordinate arrays, without a Python loop over vertices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.path import Path


def polygon_paths(geoms: Sequence[Any] | np.ndarray) -> list[Path]:
    """One compound matplotlib Path per (multi)polygon, holes included (no per-vertex Python)."""
    paths = []
    # exteriors counter-clockwise, holes clockwise: matplotlib fills by the non-zero winding rule
    oriented = shapely.orient_polygons(np.asarray(geoms, dtype=object), exterior_cw=False)
    for geom in np.atleast_1d(oriented):
        if geom is None or geom.is_empty:
            paths.append(Path(np.empty((0, 2))))
            continue
        parts = shapely.get_parts(geom)
        rings = []
        for part in parts:
            if part.geom_type != "Polygon":
                continue
            rings.append(np.asarray(part.exterior.coords)[:, :2])
            rings.extend(np.asarray(hole.coords)[:, :2] for hole in part.interiors)
        if not rings:
            paths.append(Path(np.empty((0, 2))))
            continue
        vertices = np.concatenate(rings)
        codes = np.full(len(vertices), Path.LINETO, dtype=Path.code_type)
        start = 0
        for ring in rings:
            codes[start] = Path.MOVETO
            codes[start + len(ring) - 1] = Path.CLOSEPOLY
            start += len(ring)
        paths.append(Path(vertices, codes))
    return paths


def boundary_lines(geoms: Sequence[Any] | np.ndarray) -> list[np.ndarray]:
    """The rings of (multi)polygons (or the lines of linear geometries) as coordinate arrays."""
    arr = np.asarray(geoms, dtype=object)
    arr = arr[~shapely.is_missing(arr)]
    bounds = shapely.get_parts(shapely.boundary(arr))
    coords, index = shapely.get_coordinates(bounds, return_index=True)
    if len(coords) == 0:
        return []
    cuts = np.flatnonzero(np.diff(index)) + 1
    return np.split(coords, cuts)


def fill_polygons(
    ax: Axes, geoms: Any, *, facecolor: Any, zorder: float = 1, **kwargs: Any
) -> PathCollection:
    """Fill polygons as one PathCollection."""
    collection = PathCollection(
        polygon_paths(geoms), facecolors=facecolor, edgecolors="none", zorder=zorder, **kwargs
    )
    ax.add_collection(collection, autolim=False)
    return collection


def outline_polygons(
    ax: Axes, geoms: Any, *, color: str, linewidth: float, zorder: float = 3, **kwargs: Any
) -> LineCollection:
    """Draw the outlines of polygons as one LineCollection."""
    lines = LineCollection(
        boundary_lines(geoms),  # type: ignore[arg-type]
        colors=color,
        linewidths=linewidth,
        zorder=zorder,
        capstyle="round",
        joinstyle="round",
        **kwargs,
    )
    ax.add_collection(lines, autolim=False)
    return lines
