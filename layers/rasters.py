"""Raster layers on the 100 m grid: population, supply density, accessibility; written as COGs.

The surfaces share the grid of :func:`geo.population.population_cells` (EPSG:31370, cell edges on
multiples of the cell size), so they overlay cell for cell. :func:`write_raster` writes one as a
Cloud-Optimised GeoTIFF (DEFLATE, tiled, overviews when large enough, NaN as nodata) carrying its
title, description, attribution, vintage, unit and method as GDAL metadata, with a QGIS style
(``.qml`` beside it, single-band pseudocolour in quantile classes of a colour-blind-safe
ColorBrewer ramp) that QGIS applies when it opens the file.
"""

from __future__ import annotations

import math
import os
import tempfile
import xml.etree.ElementTree as ET
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from affine import Affine
from rasterio.enums import Resampling
from rasterio.io import MemoryFile

from diagnostics.fca import DETOUR, Decay, euclidean_costs, parse_decay, two_step_fca
from geo.crs import METRIC
from geo.errors import InputError
from geo.population import PopulationCells, grid_for
from layers.classify import breaks
from layers.colours import qgis_colour, ramp_colours
from layers.labels import Text, auto_decimals, range_label
from layers.layer import LANGS

Grid = tuple[Affine, tuple[int, int]]

RAMP = "YlGnBu"  # ColorBrewer, colour-blind safe and print friendly, light (few) to dark (many)
SYNTHETIC_NOTE = {
    "fr": "Données synthétiques de démonstration : ni lieux ni personnes réels.",
    "nl": "Synthetische demonstratiegegevens: geen echte plaatsen of personen.",
    "en": "Synthetic demonstration data: not real places or people.",
}
BLOCK = 256


# ---------------------------------------------------------------- surfaces


def _cell_index(transform: Affine, shape: tuple[int, int], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Flat cell index of each point, -1 outside the grid."""
    col = np.floor((x - transform.c) / transform.a).astype(np.int64)
    row = np.floor((y - transform.f) / transform.e).astype(np.int64)
    inside = (row >= 0) & (row < shape[0]) & (col >= 0) & (col < shape[1])
    return np.where(inside, row * shape[1] + col, -1)


def population_surface(cells: PopulationCells) -> tuple[np.ndarray, Affine]:
    """Residents per cell on the grid of ``cells``; NaN (nodata) where no sector has a cell.

    The array sums (``np.nansum``) to the population the cells were made from.
    """
    size = cells.shape[0] * cells.shape[1]
    flat = cells.row * cells.shape[1] + cells.col
    total = np.bincount(flat, weights=cells.population, minlength=size)
    covered = np.bincount(flat, minlength=size) > 0
    return np.where(covered, total, np.nan).reshape(cells.shape), cells.transform


def _points(points_xy: np.ndarray, *, name: str) -> np.ndarray:
    xy = np.asarray(points_xy, dtype=float)
    if xy.size == 0:
        return xy.reshape(0, 2)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise InputError(f"{name}: give an array of (x, y) rows in EPSG:31370, not shape {xy.shape}")
    if not np.isfinite(xy).all():
        bad = np.flatnonzero(~np.isfinite(xy).all(axis=1))
        raise InputError(f"{name}: rows {(bad + 1).tolist()[:20]} have no coordinates")
    return xy


def density_surface(
    points_xy: np.ndarray,
    *,
    cell: float = 100.0,
    bandwidth: float | None = None,
    weights: np.ndarray | None = None,
    grid: Grid | None = None,
) -> tuple[np.ndarray, Affine]:
    """Supply density on a grid: sites per cell, or sites per km² smoothed by a quartic kernel.

    Parameters
    ----------
    points_xy
        Site coordinates, an (n, 2) array in EPSG:31370.
    cell
        Cell size in metres when ``grid`` is not given.
    bandwidth
        None: count the sites in each cell (the counts add up to the number of sites inside the
        grid). A radius in metres: quartic (biweight) kernel density, ``K(d) ∝ (1 - (d/h)²)²``
        for ``d < h``, in sites per km². Each site's kernel is normalised over the cell centres
        it reaches, so a site whose reach lies on the grid adds exactly one site
        (Σ density × cell area in km² = number of sites, less what falls off the grid); a site
        whose radius reaches no cell centre counts in its own cell.
    weights
        A value per site to add up instead of 1 (capacity in places, beds).
    grid
        ``(transform, shape)`` to compute on, e.g. ``(cells.transform, cells.shape)`` of a
        :class:`~geo.population.PopulationCells`; by default the aligned grid around the sites.

    Returns
    -------
    (array, transform)
        float64 array of shape ``grid`` shape.
    """
    xy = _points(points_xy, name="points_xy")
    w = np.ones(len(xy)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(xy),) or not np.isfinite(w).all():
        raise InputError(f"weights: give one finite number per site ({len(xy)}), not {w.shape}")
    if bandwidth is not None and (not np.isfinite(bandwidth) or bandwidth <= 0):
        raise InputError(f"bandwidth: give a positive radius in metres, not {bandwidth!r}")
    if grid is None:
        if not len(xy):
            raise InputError("points_xy: no sites, and no grid to put an empty surface on")
        margin = bandwidth or 0.0
        (xmin, ymin), (xmax, ymax) = xy.min(axis=0) - margin, xy.max(axis=0) + margin
        grid = grid_for((xmin, ymin, xmax + cell / 2, ymax + cell / 2), cell=cell)
    transform, shape = grid
    size = shape[0] * shape[1]
    if bandwidth is None:
        flat = _cell_index(transform, shape, xy[:, 0], xy[:, 1])
        on = flat >= 0
        return np.bincount(flat[on], weights=w[on], minlength=size).reshape(shape), transform

    step = float(transform.a)
    reach = int(math.ceil(bandwidth / step)) + 1
    dr, dc = np.mgrid[-reach : reach + 1, -reach : reach + 1]
    dr, dc = dr.ravel(), dc.ravel()
    out = np.zeros(size)
    chunk = max(1, 2_000_000 // dr.size)
    for start in range(0, len(xy), chunk):
        x, y, mass = xy[start : start + chunk, 0], xy[start : start + chunk, 1], w[start : start + chunk]
        col0 = np.floor((x - transform.c) / step).astype(np.int64)
        row0 = np.floor((transform.f - y) / step).astype(np.int64)
        col, row = col0[:, None] + dc, row0[:, None] + dr
        cx, cy = transform.c + (col + 0.5) * step, transform.f - (row + 0.5) * step
        u2 = ((cx - x[:, None]) ** 2 + (cy - y[:, None]) ** 2) / bandwidth**2
        k = np.where(u2 < 1.0, (1.0 - u2) ** 2, 0.0)
        norm = k.sum(axis=1)
        alone = norm <= 0
        k[alone, dr.size // 2] = 1.0  # offset (0, 0): the site's own cell
        norm[alone] = 1.0
        k *= (mass / norm)[:, None]
        inside = (row >= 0) & (row < shape[0]) & (col >= 0) & (col < shape[1])
        out += np.bincount((row * shape[1] + col)[inside], weights=k[inside], minlength=size)
    return (out / (step * step / 1e6)).reshape(shape), transform


def accessibility_surface(
    cells: PopulationCells,
    sites_xy: np.ndarray,
    supply: np.ndarray,
    *,
    max_cost: float,
    decay: Decay | str = "none",
    detour: float = DETOUR,
    per: float = 1.0,
) -> tuple[np.ndarray, Affine]:
    """Floating-catchment accessibility (2SFCA, E2SFCA with a decay) of every cell.

    Each cell is a demand point at its centre with its residents; costs are Euclidean distances
    × the detour factor of :func:`diagnostics.fca.euclidean_costs`, up to ``max_cost`` metres.

    Parameters
    ----------
    sites_xy, supply
        Site coordinates (n, 2) in EPSG:31370 and the supply of each (places, or 1 per site).
    max_cost
        Catchment in metres of estimated network distance.
    decay
        A :class:`diagnostics.fca.Decay` or its text (``"none"``, ``"bands"``, ``"gaussian:500"``).
    detour
        Network ÷ straight-line distance (:data:`diagnostics.fca.DETOUR` by default).
    per
        Scale of the result: 1 gives supply per resident, 1000 supply per 1,000 residents.

    Returns
    -------
    (array, transform)
        Accessibility of each cell (NaN outside the sectors), on the grid of ``cells``. Cells
        without residents still get the accessibility a resident there would have.
    """
    rule = parse_decay(decay, max_cost=max_cost) if isinstance(decay, str) else decay
    origins = np.column_stack([cells.x, cells.y])
    costs = euclidean_costs(origins, np.asarray(sites_xy, dtype=float), max_cost=max_cost, detour=detour)
    result = two_step_fca(cells.population, np.asarray(supply, dtype=float), costs, decay=rule)
    out = np.full(cells.shape[0] * cells.shape[1], np.nan)
    out[cells.row * cells.shape[1] + cells.col] = result.accessibility * per
    return out.reshape(cells.shape), cells.transform


# ---------------------------------------------------------------- writing


def _text(value: Text, lang: str) -> str:
    if isinstance(value, str):
        return value
    return value.get(lang) or value.get("fr") or next(iter(value.values()), "")


def raster_qml(array: np.ndarray, *, unit: str, lang: str = "fr", k: int = 5) -> str:
    """A QGIS style: single-band pseudocolour, discrete quantile classes of YlGnBu.

    The classes are those of the vector styles (:func:`layers.classify.breaks` with
    ``method="quantiles"``: edges are values of the surface, ties merge classes) with the same
    ColorBrewer colours and legend labels (``lower – upper unit`` in ``lang``'s number format).
    Each class is drawn for values up to its upper edge; the last one has no upper limit so the
    maximum is always drawn.
    """
    edges = breaks(array, method="quantiles", k=k)
    if edges.size == 0:  # no value at all: one class, for a style QGIS can still open
        edges = np.array([0.0, 0.0])
    colours = ramp_colours(RAMP, len(edges) - 1)
    decimals = auto_decimals(edges)
    lo, hi = float(edges[0]), float(edges[-1])
    root = ET.Element(
        "qgis", {"version": "3.22.0", "styleCategories": "AllStyleCategories", "minScale": "1e+08"}
    )
    pipe = ET.SubElement(root, "pipe")
    renderer = ET.SubElement(
        pipe,
        "rasterrenderer",
        {
            "type": "singlebandpseudocolor",
            "band": "1",
            "opacity": "1",
            "alphaBand": "-1",
            "classificationMin": repr(lo),
            "classificationMax": repr(hi),
            "nodataColor": "",
        },
    )
    ET.SubElement(renderer, "rasterTransparency")
    limits = ET.SubElement(renderer, "minMaxOrigin")
    for tag, text in (("limits", "None"), ("extent", "WholeRaster"), ("statAccuracy", "Exact")):
        ET.SubElement(limits, tag).text = text
    shader = ET.SubElement(ET.SubElement(renderer, "rastershader"), "colorrampshader")
    shader.attrib.update(
        {
            "colorRampType": "DISCRETE",
            "classificationMode": "3",  # quantile
            "clip": "0",
            "minimumValue": repr(lo),
            "maximumValue": repr(hi),
            "labelPrecision": str(decimals),
        }
    )
    source = ET.SubElement(shader, "colorramp", {"type": "gradient", "name": "[source]"})
    options = ET.SubElement(source, "Option", {"type": "Map"})
    for name, value in (
        ("color1", qgis_colour(colours[0])),
        ("color2", qgis_colour(colours[-1])),
        ("discrete", "0"),
        ("rampType", "gradient"),
        (
            "stops",
            ":".join(f"{i / (len(colours) - 1):g};{qgis_colour(c)}" for i, c in enumerate(colours[1:-1], 1)),
        ),
    ):
        ET.SubElement(options, "Option", {"type": "QString", "name": name, "value": value})
    for i, colour in enumerate(colours):
        lower, upper = float(edges[i]), float(edges[i + 1])
        label = range_label(lower, upper, lang, decimals, unit)
        value = "inf" if i == len(colours) - 1 else repr(upper)
        ET.SubElement(shader, "item", {"alpha": "255", "value": value, "label": label, "color": colour})
    ET.SubElement(pipe, "brightnesscontrast", {"brightness": "0", "contrast": "0", "gamma": "1"})
    ET.SubElement(pipe, "huesaturation", {"saturation": "0", "grayscaleMode": "0", "colorizeOn": "0"})
    ET.SubElement(pipe, "rasterresampler", {"maxOversampling": "2"})
    ET.SubElement(root, "blendMode").text = "0"
    ET.indent(root)
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, "unicode") + "\n"
    )


def _tags(
    *,
    title: Text,
    unit: Text,
    description: Text,
    attribution: str,
    vintage: str,
    synthetic: bool,
    method: str,
    lang: str,
) -> dict[str, str]:
    def described(code: str) -> str:
        text = _text(description, code)
        return f"{text} {SYNTHETIC_NOTE[code]}".strip() if synthetic else text

    tags = {
        "TITLE": _text(title, lang),
        "DESCRIPTION": described(lang),
        "ATTRIBUTION": attribution,
        "VINTAGE": vintage,
        "UNIT": _text(unit, lang),
        "METHOD": method,
        "SYNTHETIC": "yes" if synthetic else "no",
        "LANGUAGE": lang,
        "TIFFTAG_IMAGEDESCRIPTION": _text(title, lang),
        "TIFFTAG_COPYRIGHT": attribution,
    }
    for code in LANGS:
        if not isinstance(title, str):
            tags[f"TITLE_{code.upper()}"] = _text(title, code)
        if not isinstance(description, str) or synthetic:
            tags[f"DESCRIPTION_{code.upper()}"] = described(code)
        if not isinstance(unit, str):
            tags[f"UNIT_{code.upper()}"] = _text(unit, code)
    return tags


def _cog_available() -> bool:
    with rasterio.Env() as env:
        return "COG" in env.drivers()


def _write_cog(target: Path, array: np.ndarray, transform: Affine, tags: dict[str, str], unit: str) -> None:
    profile = {
        "driver": "GTiff",
        "height": array.shape[0],
        "width": array.shape[1],
        "count": 1,
        "dtype": array.dtype.name,
        "crs": METRIC,
        "transform": transform,
        "nodata": np.nan,
    }
    with ExitStack() as stack:
        memory = stack.enter_context(MemoryFile())
        with memory.open(**profile) as dataset:
            dataset.write(array, 1)
            dataset.update_tags(**tags)
            dataset.set_band_description(1, tags["TITLE"])
            dataset.set_band_unit(1, unit)
            if not _cog_available():
                factors = [f for f in (2, 4, 8, 16, 32) if max(array.shape) / f >= BLOCK / 2]
                dataset.build_overviews(factors, Resampling.average)
        source = stack.enter_context(memory.open())
        if _cog_available():
            options = {"BLOCKSIZE": BLOCK, "OVERVIEWS": "AUTO", "OVERVIEW_RESAMPLING": "AVERAGE"}
            options["PREDICTOR"] = "YES"  # floating-point predictor for float data
            driver = "COG"
        else:
            options = {"TILED": "YES", "BLOCKXSIZE": BLOCK, "BLOCKYSIZE": BLOCK, "COPY_SRC_OVERVIEWS": "YES"}
            options["PREDICTOR"] = "3"
            driver = "GTiff"
        rasterio.shutil.copy(source, str(target), driver=driver, COMPRESS="DEFLATE", **options)


def write_raster(
    path: str | Path,
    array: np.ndarray,
    transform: Affine,
    *,
    title: Text,
    unit: Text,
    description: Text,
    attribution: str,
    vintage: str,
    synthetic: bool,
    method: str,
    lang: str = "fr",
    classes: int = 5,
) -> list[Path]:
    """Write a surface as a Cloud-Optimised GeoTIFF in EPSG:31370 with its QGIS style beside it.

    Parameters
    ----------
    path
        The ``.tif`` to write; the style goes to the same name with ``.qml``. Both are written
        to temporary files in the same folder and moved into place, so a failure leaves any
        previous version intact.
    array, transform
        The surface (2-D, NaN for nodata) and its grid, as the ``*_surface`` functions return.
    title, unit, description
        Text, or a mapping language → text (``fr``, ``nl``, ``en``): the metadata and the style's
        class labels use ``lang``, and every language given is kept as ``TITLE_NL``, etc.
    attribution, vintage, method
        Sources' attribution, data vintage, and how the surface was made.
    synthetic
        Built on the demonstration data: tagged ``SYNTHETIC=yes`` and said in the description.
    classes
        Number of quantile classes of the style.

    Returns
    -------
    list of Path
        The GeoTIFF and the ``.qml``.
    """
    path = Path(path)
    if path.suffix.lower() not in (".tif", ".tiff"):
        raise InputError(f"path: a GeoTIFF needs a .tif name, not {path.name!r}")
    if lang not in LANGS:
        raise InputError(f"lang: choose one of {', '.join(LANGS)}, not {lang!r}")
    data = np.asarray(array)
    if data.ndim != 2 or 0 in data.shape:
        raise InputError(f"array: a raster needs a 2-D array, not shape {data.shape}")
    if not np.issubdtype(data.dtype, np.floating):
        data = data.astype("float64")
    tags = _tags(
        title=title,
        unit=unit,
        description=description,
        attribution=attribution,
        vintage=vintage,
        synthetic=synthetic,
        method=method,
        lang=lang,
    )
    qml = raster_qml(data, unit=tags["UNIT"], lang=lang, k=classes)
    path.parent.mkdir(parents=True, exist_ok=True)
    style = path.with_suffix(".qml")
    temps: list[Path] = []
    try:
        for suffix in (path.suffix, ".qml"):
            fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{suffix}", dir=path.parent)
            os.close(fd)
            temps.append(Path(name))
        _write_cog(temps[0], data, transform, tags, tags["UNIT"])
        temps[1].write_text(qml, encoding="utf-8")
        for temp in temps:
            temp.chmod(0o644)  # mkstemp makes private files; these are for sharing
        os.replace(temps[0], path)
        os.replace(temps[1], style)
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)
    # Statistics GDAL or QGIS cached for a previous version of the file would now be wrong.
    Path(f"{path}.aux.xml").unlink(missing_ok=True)
    return [path, style]
