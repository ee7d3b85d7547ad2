"""Shapely geometries as matplotlib paths and collections: one artist per layer, not per feature.

Polygons become compound paths (exteriors counter-clockwise, holes clockwise, so that the non-zero
winding rule of PDF and Agg leaves the holes empty) and outlines become one LineCollection; both
are built from shapely's vectorised coordinate arrays, without a Python loop over vertices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.path import Path

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def polygon_paths(geoms: Sequence[Any] | np.ndarray) -> list[Path]:
    """One compound matplotlib Path per (multi)polygon, holes included; an empty Path for others.

    Every ring is a ``MOVETO … CLOSEPOLY`` run of vertices; the rings of all geometries are taken
    apart and coded at once (no Python loop over parts or vertices).
    """
    arr = np.atleast_1d(np.asarray(geoms, dtype=object))
    # exteriors counter-clockwise, holes clockwise: matplotlib fills by the non-zero winding rule
    oriented = shapely.orient_polygons(arr, exterior_cw=False)
    parts, part_of = shapely.get_parts(oriented, return_index=True)
    polygon = shapely.get_type_id(parts) == 3
    rings, ring_of = shapely.get_rings(parts[polygon], return_index=True)
    vertices, vertex_of = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(vertices), Path.LINETO, dtype=Path.code_type)
    if len(vertices):
        first = np.flatnonzero(np.diff(vertex_of, prepend=-1))
        codes[first] = Path.MOVETO
        codes[np.append(first[1:], len(vertices)) - 1] = Path.CLOSEPOLY
    geometry_of = part_of[polygon][ring_of][vertex_of]  # the geometry each vertex belongs to
    ends = np.cumsum(np.bincount(geometry_of, minlength=len(arr)))
    starts = ends - np.bincount(geometry_of, minlength=len(arr))
    return [
        Path(vertices[a:b], codes[a:b]) if b > a else Path(np.empty((0, 2)))
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]


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
