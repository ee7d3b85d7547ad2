"""Geometries as matplotlib paths: holes stay holes whatever the rings' orientation."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from layers import paths


@pytest.mark.parametrize("hole_ccw", [True, False])
def test_polygons_are_filled_around_their_holes(hole_ccw):
    hole = shapely.box(4, 4, 6, 6).exterior.coords
    hole = hole if hole_ccw else list(hole)[::-1]
    polygon = shapely.Polygon(shapely.box(0, 0, 10, 10).exterior.coords, [hole])
    (path,) = paths.polygon_paths([polygon])
    # the exterior turns one way and the hole the other, whatever the input's orientation
    exterior, inner = path.vertices[:5], path.vertices[5:]
    assert shapely.LinearRing(exterior).is_ccw and not shapely.LinearRing(inner).is_ccw
    fig = Figure(figsize=(1, 1), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    paths.fill_polygons(ax, [polygon], facecolor="black")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())
    assert pixels[50, 50, 0] == 255 and pixels[90, 10, 0] == 0  # hole white, ring black


def test_boundary_lines_give_every_ring_of_multipolygons():
    multi = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)])
    holed = shapely.Polygon(
        shapely.box(0, 0, 10, 10).exterior.coords, [shapely.box(4, 4, 6, 6).exterior.coords]
    )
    lines = paths.boundary_lines([multi, None, holed])
    assert len(lines) == 4 and all(len(line) == 5 for line in lines)


def test_every_geometry_gets_its_path_in_order():
    holed = shapely.Polygon(
        shapely.box(2, 2, 9, 9).exterior.coords,
        [shapely.box(4, 4, 5, 5).exterior.coords, shapely.box(6, 6, 7, 7).exterior.coords],
    )
    multi = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), holed])
    mixed = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (1, 1)])])
    geoms = [None, shapely.Polygon(), multi, shapely.Point(1, 1), mixed, shapely.box(0, 0, 2, 1)]
    found = paths.polygon_paths(geoms)
    assert [len(p.vertices) for p in found] == [0, 0, 20, 0, 5, 5]  # 4 rings of 5 vertices in multi
    codes = found[2].codes
    assert codes is not None
    assert (codes == paths.Path.MOVETO).sum() == 4 and (codes == paths.Path.CLOSEPOLY).sum() == 4
    assert codes[0] == paths.Path.MOVETO and codes[4] == paths.Path.CLOSEPOLY
    # the box of the last geometry, counter-clockwise: the order of the input is kept
    assert shapely.LinearRing(found[5].vertices).is_ccw
    assert found[5].get_extents().bounds == (0, 0, 2, 1)
    assert paths.polygon_paths([]) == []
