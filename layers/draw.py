"""A :class:`~layers.styles.Style` drawn on a matplotlib axis, with the colours of the other renderings.

Polygons are drawn as a few :class:`~matplotlib.collections.PathCollection` artists per layer, not
one patch per feature: the fills (a face colour per feature), one hatch collection per hatched
special status, then the outlines, all built from one list of paths (:mod:`layers.paths`, holes
included). Points and proportional circles are one scatter each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely
from matplotlib.collections import PathCollection

from layers.colours import HATCH_COLOUR, SPECIAL_SYMBOLS, SPECIALS
from layers.paths import polygon_paths

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.path import Path
    from pyproj import CRS

    from layers.styles import Style

PROPORTIONAL_BASE = "#f0f0f0"  # neutral fill under proportional circles on polygons


def draw_style(style: Style, gdf: gpd.GeoDataFrame, ax: Axes) -> None:
    """Draw ``gdf`` on ``ax`` with ``style``: polygons under their outlines, markers on top (zorder 3)."""
    if len(gdf) == 0:
        return
    geoms = gdf.geometry
    status = style.statuses(gdf)
    if style.kind == "proportional":
        if style.geometry == "polygons":
            base = np.full(len(gdf), PROPORTIONAL_BASE, dtype=object)
            for special in SPECIALS:
                base[status == special] = SPECIAL_SYMBOLS[special][0]
            _draw_polygons(style, geoms, base, status, ax)
            points = geoms.representative_point()
        else:
            points = geoms
        sizes = style.sizes(gdf)
        order = np.argsort(-sizes, kind="stable")
        drawn = order[(sizes[order] > 0) & (status[order] == "ok")]
        ax.scatter(
            points.x.to_numpy()[drawn],
            points.y.to_numpy()[drawn],
            s=sizes[drawn] ** 2,
            c=style.classes[0].colour,
            alpha=0.8,
            edgecolors="#ffffff",
            linewidths=0.5,
            zorder=3,
        )
        return
    colours = style.feature_colours(gdf)
    if style.geometry == "polygons":
        _draw_polygons(style, geoms, colours, status, ax)
        return
    shown = np.array([c is not None for c in colours])
    ax.scatter(
        geoms.x.to_numpy()[shown],
        geoms.y.to_numpy()[shown],
        s=style.marker_size**2,
        c=list(colours[shown]),
        edgecolors=style.outline,
        linewidths=0.3,
        zorder=3,
    )


def _draw_polygons(
    style: Style, geoms: gpd.GeoSeries, colours: np.ndarray, status: np.ndarray, ax: Axes
) -> None:
    """Fills, hatches of special statuses, then outlines: one collection each, sharing the paths."""
    arr = geoms.to_numpy()
    paths = polygon_paths(arr)
    if not style.filled:
        _add(ax, paths, facecolors="none", edgecolors=style.outline, linewidths=style.outline_width)
        _fit(ax, arr, geoms.crs)
        return
    shown = np.flatnonzero([c is not None for c in colours])
    if not shown.size:
        return
    filled = [paths[i] for i in shown]
    _add(ax, filled, facecolors=list(colours[shown]), edgecolors="none", linewidths=0)
    for special in SPECIALS:
        hatch = SPECIAL_SYMBOLS[special][1]
        which = np.flatnonzero(status == special)
        if hatch and which.size:
            hatched = [paths[i] for i in which]
            _add(ax, hatched, facecolors="none", edgecolors=HATCH_COLOUR, hatch=hatch, linewidths=0)
    _add(ax, filled, facecolors="none", edgecolors=style.outline, linewidths=style.outline_width)
    _fit(ax, arr[shown], geoms.crs)


def _add(ax: Axes, paths: list[Path], **options: object) -> None:
    ax.add_collection(PathCollection(paths, **options), autolim=False)  # type: ignore[arg-type]


def _fit(ax: Axes, drawn: np.ndarray, crs: CRS | None) -> None:
    """Take in the ``drawn`` geometries and keep the map's proportions, as GeoSeries.plot does."""
    x0, y0, x1, y1 = shapely.total_bounds(drawn)
    if not np.isfinite(x0):  # only empty geometries: nothing to take in
        return
    ax.update_datalim([(x0, y0), (x1, y1)])
    ax.autoscale_view()
    if crs is not None and crs.is_geographic:  # a degree of longitude is shorter than one of latitude
        ax.set_aspect(1 / np.cos(np.radians((y0 + y1) / 2)))
    else:
        ax.set_aspect("equal")
