"""Shapely geometries as matplotlib paths and collections; they live in :mod:`layers.paths`."""

from layers.paths import boundary_lines, fill_polygons, outline_polygons, polygon_paths

__all__ = ["boundary_lines", "fill_polygons", "outline_polygons", "polygon_paths"]
