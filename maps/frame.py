"""The map frame: base map, thematic layers, focus unit, scale bar, north arrow and unit names.

:func:`plot_map` draws all of it on one matplotlib Axes in EPSG:31370 (equal aspect) — an Axes of
a printed page (see :mod:`maps.page`) or of the caller's own figure. :class:`BaseMap` holds the
communes (filled light, outlined, named), the neighbourhoods (outlined and named when zoomed in) and
the region; :func:`resolve_frame` turns an extent or a unit's name into what the frame shows.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import geopandas as gpd
import matplotlib
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.transforms import Bbox
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from geo.errors import InputError
from geo.search import fold_name
from layers.layer import Layer, LegendEntry
from maps import furniture, paths
from maps.fonts import page_font
from maps.furniture import MM, LegendBlock

Bounds = tuple[float, float, float, float]
CRS = "EPSG:31370"
NameMode = Literal["auto", "fr", "nl", "both"]

# colours of the base map
LAND = "#f1efea"
NEIGHBOURHOOD_LINE = "#b4b0a7"
COMMUNE_LINE = "#7b776f"
REGION_LINE = "#3d3a35"
FOCUS_LINE = "#1a1a1a"
PLAIN = {"points": "#1f4e79", "polygons": "#9ecae1", "table": "#999999"}  # layers without a style

ZOOMED = 0.6  # a frame narrower than this share of the region shows the neighbourhoods
NEIGHBOURHOOD_NAMES = 40.0  # name neighbourhoods at 1:40 000 and larger scales (metres per mm)

_TEXTS: dict[str, dict[str, str]] = {
    "boundaries": {"fr": "Limites", "nl": "Grenzen", "en": "Boundaries"},
    "region": {"fr": "Région", "nl": "Gewest", "en": "Region"},
    "communes": {"fr": "Commune", "nl": "Gemeente", "en": "Municipality"},
    "neighbourhoods": {
        "fr": "Quartier du monitoring",
        "nl": "Monitoringwijk",
        "en": "Monitoring neighbourhood",
    },
    "colon": {"fr": " : ", "nl": ": ", "en": ": "},
}


def _text(key: str, lang: str) -> str:
    return _TEXTS[key].get(lang) or _TEXTS[key]["fr"]


@dataclass(frozen=True)
class BaseMap:
    """The base of every map: communes (filled, named), neighbourhoods (outlined when zoomed), region."""

    communes: gpd.GeoDataFrame
    region: gpd.GeoDataFrame
    neighbourhoods: gpd.GeoDataFrame | None = None
    layers: tuple[Layer, ...] = ()  # the catalogue layers they come from, for their sources

    @classmethod
    def from_layers(cls, layers: Iterable[Layer]) -> BaseMap:
        """The base map from the catalogue layers ``communes``, ``neighbourhoods`` and ``region``."""
        found = {layer.id: layer for layer in layers if layer.id in ("communes", "neighbourhoods", "region")}
        if "communes" not in found:
            raise InputError("map: the layers hold no 'communes' layer to draw the base map from")
        communes = _metric(found["communes"].data)
        region = (
            _metric(found["region"].data)
            if "region" in found
            else gpd.GeoDataFrame(geometry=[communes.union_all()], crs=communes.crs)
        )
        neighbourhoods = _metric(found["neighbourhoods"].data) if "neighbourhoods" in found else None
        return cls(communes, region, neighbourhoods, tuple(found.values()))

    @property
    def bounds(self) -> Bounds:
        x0, y0, x1, y1 = (float(v) for v in self.region.total_bounds)
        return x0, y0, x1, y1

    def title(self, lang: str) -> str:
        """The region's name."""
        column = "name_nl" if lang == "nl" else "name_fr"
        if column in self.region.columns and len(self.region):
            return str(self.region[column].iloc[0])
        return ""


def _geoms(frame: gpd.GeoDataFrame) -> np.ndarray:
    """The shapely geometries of ``frame`` as a plain object array (shapely calls skip pandas)."""
    return np.asarray(frame.geometry.array, dtype=object)


def _metric(data: object) -> gpd.GeoDataFrame:
    if not isinstance(data, gpd.GeoDataFrame):
        raise InputError("map: a layer to draw has no geometry")
    if data.crs is not None and data.crs.to_epsg() != 31370:
        return data.to_crs(CRS)
    return data


def find_unit(base: BaseMap, query: str) -> tuple[str, gpd.GeoSeries]:
    """The unit named by ``query`` (``level:code``, a code, or a French or Dutch name) and its level.

    Raises InputError with the closest names when nothing matches.
    """
    levels: dict[str, gpd.GeoDataFrame] = {"communes": base.communes}
    if base.neighbourhoods is not None:
        levels["neighbourhoods"] = base.neighbourhoods
    level_hint, _, wanted = query.partition(":") if ":" in query else ("", "", query)
    if level_hint and level_hint not in levels:
        raise InputError(f"focus {query!r}: level {level_hint!r} is not one of {', '.join(levels)}")
    key = fold_name(wanted)
    names: list[str] = []
    for level, frame in levels.items():
        if level_hint and level != level_hint:
            continue
        for _, row in frame.iterrows():
            candidates = [str(row.get("code", ""))] + [str(row.get(c, "")) for c in ("name_fr", "name_nl")]
            if key in (fold_name(c) for c in candidates):
                return level, row
            names.extend(str(row.get(c, "")) for c in ("name_fr", "name_nl"))
    close = difflib.get_close_matches(wanted, sorted(set(names)), n=4, cutoff=0.6)
    hint = (
        f"; did you mean {', '.join(close)}?" if close else "; give a commune or neighbourhood code or name"
    )
    raise InputError(f"focus {query!r}: no commune or neighbourhood has this code or name{hint}")


def name_mode(lang: str, names: NameMode = "auto") -> str:
    """Which names to print: ``fr``, ``nl``, or ``both`` (the default for English)."""
    if names != "auto":
        return names
    return {"fr": "fr", "nl": "nl"}.get(lang, "both")


def unit_name(
    row: gpd.GeoSeries, level: str, *, lang: str, names: NameMode = "auto", with_level: bool = True
) -> str:
    """``Commune : Ixelles``, ``Gemeente: Elsene``, ``Municipality: Ixelles / Elsene`` (or the name only)."""
    mode = name_mode(lang, names)
    name = str(row.get("name_nl" if mode == "nl" else "name_fr", ""))
    other = str(row.get("name_nl", ""))
    if mode == "both" and fold_name(other) != fold_name(name):
        name = f"{name} / {other}"
    return f"{_text(level, lang)}{_text('colon', lang)}{name}" if with_level else name


@dataclass(frozen=True)
class Frame:
    """What a map frame shows: the extent (margin included) and the unit it focuses on, if any."""

    extent: Bounds
    focus: BaseGeometry | None = None
    focus_name: str | None = None  # "Commune : Ixelles", in the page's language
    zoomed: bool = False
    neighbourhoods: bool = False  # outline the neighbourhoods

    @property
    def whole_region(self) -> bool:
        return not self.zoomed and self.focus is None


def resolve_frame(
    base: BaseMap,
    *,
    extent: Bounds | None = None,
    focus: str | None = None,
    margin: float = 0.03,
    neighbourhoods: bool | None = None,
    lang: str = "fr",
    names: NameMode = "auto",
) -> Frame:
    """The frame showing ``extent`` (xmin, ymin, xmax, ymax), else the ``focus`` unit, else the region.

    ``margin`` is added around it as a share of its larger side. Neighbourhoods are outlined when
    ``neighbourhoods`` says so or, when it is None, when the frame is narrower than 60 % of the region.
    """
    geometry = focus_name = None
    if focus:
        level, row = find_unit(base, focus)
        geometry = row.geometry
        focus_name = unit_name(row, level, lang=lang, names=names)
    if extent is not None:
        x0, y0, x1, y1 = extent
    elif geometry is not None:
        x0, y0, x1, y1 = geometry.bounds
    else:
        x0, y0, x1, y1 = base.bounds
    pad = margin * max(x1 - x0, y1 - y0)
    bounds = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    region = base.bounds
    zoomed = (bounds[2] - bounds[0]) < ZOOMED * (region[2] - region[0])
    show = base.neighbourhoods is not None and (neighbourhoods if neighbourhoods is not None else zoomed)
    return Frame(bounds, geometry, focus_name, zoomed, bool(show))


def fit_extent(extent: Bounds, width_mm: float, height_mm: float) -> Bounds:
    """Grow ``extent`` around its centre to the aspect ratio of a frame ``width_mm`` × ``height_mm``."""
    x0, y0, x1, y1 = extent
    w, h = x1 - x0, y1 - y0
    target = width_mm / height_mm
    if w / h < target:
        w = h * target
    else:
        h = w / target
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


# --- legend ---------------------------------------------------------------------------------------------


def legend_blocks(layers: Sequence[Layer], *, lang: str) -> list[LegendBlock]:
    """One legend block per drawn layer, from its style (a plain symbol with its count otherwise)."""
    blocks = []
    for layer in layers:
        if layer.kind == "table":
            continue
        title = layer.text("title", lang)
        if layer.style is not None:
            entries = tuple(layer.style.legend(lang))
        else:
            symbol: Literal["marker", "fill"] = "marker" if layer.kind == "points" else "fill"
            entries = (LegendEntry(title, PLAIN[layer.kind], symbol, count=len(layer.data)),)
        blocks.append(LegendBlock(title, entries))
    return blocks


def boundaries_block(frame: Frame, *, lang: str) -> LegendBlock:
    """The legend block of the base map's lines: region, communes, neighbourhoods, focus unit."""
    lines = [
        LegendEntry(_text("region", lang), REGION_LINE, "line", size=1.0),
        LegendEntry(_text("communes", lang), COMMUNE_LINE, "line", size=0.6),
    ]
    if frame.neighbourhoods:
        lines.append(LegendEntry(_text("neighbourhoods", lang), NEIGHBOURHOOD_LINE, "line", size=0.4))
    if frame.focus_name:
        lines.append(LegendEntry(frame.focus_name, FOCUS_LINE, "line", size=1.6))
    return LegendBlock(_text("boundaries", lang), tuple(lines))


# --- drawing --------------------------------------------------------------------------------------------


def _draw_plain(layer: Layer, ax: Axes) -> None:
    data = layer.data
    assert isinstance(data, gpd.GeoDataFrame)
    geoms = _geoms(data)
    if layer.kind == "points":
        xy = shapely.get_coordinates(geoms[~shapely.is_missing(geoms)])
        ax.scatter(xy[:, 0], xy[:, 1], s=9, c=PLAIN["points"], edgecolors="white", linewidths=0.3)
    else:
        paths.fill_polygons(ax, geoms, facecolor=PLAIN["polygons"], alpha=0.8)


def draw_layers(layers: Sequence[Layer], ax: Axes, *, lang: str) -> None:
    """Draw each layer with its style (a plain symbol when it has none), polygons under points."""
    for layer in layers:
        if layer.kind == "table" or not isinstance(layer.data, gpd.GeoDataFrame):
            continue
        data = _metric(layer.data)
        before = set(ax.get_children())
        if layer.style is not None:
            layer.style.draw(data, ax, lang=lang)
        else:
            _draw_plain(replace(layer, data=data), ax)
        # whatever z-order a style uses, fills go under the base map's lines, symbols above them
        for artist in ax.get_children():
            if artist not in before:
                symbols = layer.kind == "points" or _is_scatter(artist)
                artist.set_zorder((6.0 if symbols else 1.5) + min(max(artist.get_zorder(), 0), 9) / 100)


def _is_scatter(artist: object) -> bool:
    """Markers (a scatter: proportional circles at the centroids of polygons) rather than fills."""
    return (
        isinstance(artist, PathCollection)
        and artist.axes is not None
        and artist.get_offset_transform() is artist.axes.transData
    )


def plot_map(
    layers: Sequence[Layer],
    base: BaseMap,
    *,
    ax: Axes | None = None,
    frame: Frame | None = None,
    lang: str = "fr",
    names: NameMode = "auto",
    labels: bool = True,
    text_scale: float = 1.0,
) -> tuple[Figure, Axes]:
    """Draw a map frame of ``layers`` over ``base`` on ``ax`` (a new figure when None).

    The extent (``frame``, default the whole region) is grown to the aspect ratio of ``ax``; the
    communes are filled light and outlined, the neighbourhoods outlined when the frame says so, the
    focus unit outlined with the rest veiled; then come the layers (each by its style), a scale bar,
    a north arrow and the unit names (placed without overlaps, in ``names``' language).
    """
    frame = frame or resolve_frame(base, lang=lang, names=names)
    with matplotlib.rc_context({"font.family": page_font(), "hatch.linewidth": 0.5}):
        if ax is None:
            x0, y0, x1, y1 = frame.extent
            width = 180.0
            fig = Figure(figsize=(width * MM, width * (y1 - y0) / (x1 - x0) * MM), dpi=100)
            FigureCanvasAgg(fig)
            ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
        fig = furniture.figure_of(ax)
        _draw_frame(layers, base, ax, frame, lang=lang, names=names, labels=labels, text_scale=text_scale)
    return fig, ax


def _draw_frame(
    layers: Sequence[Layer],
    base: BaseMap,
    ax: Axes,
    frame: Frame,
    *,
    lang: str,
    names: NameMode,
    labels: bool,
    text_scale: float,
) -> None:
    width_mm, height_mm = furniture.axes_size_mm(ax)
    x0, y0, x1, y1 = fit_extent(frame.extent, width_mm, height_mm)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
        spine.set_color("#555555")
    metres_per_mm = (x1 - x0) / width_mm
    tolerance = 0.08 * metres_per_mm  # 0.08 mm on paper: invisible, and a much lighter PDF
    box = shapely.box(x0, y0, x1, y1)
    communes = _geoms(base.communes)
    communes = shapely.simplify(
        communes[shapely.intersects(communes, box)], tolerance, preserve_topology=False
    )
    paths.fill_polygons(ax, communes, facecolor=LAND, zorder=0.5)
    draw_layers(layers, ax, lang=lang)
    # a style may autoscale or label the axes (geopandas names them after the CRS): undo it
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("")
    ax.set_ylabel("")
    if frame.neighbourhoods and base.neighbourhoods is not None:
        hoods = _geoms(base.neighbourhoods)
        hoods = shapely.simplify(hoods[shapely.intersects(hoods, box)], tolerance, preserve_topology=False)
        paths.outline_polygons(ax, hoods, color=NEIGHBOURHOOD_LINE, linewidth=0.35, zorder=3.0)
    paths.outline_polygons(ax, communes, color=COMMUNE_LINE, linewidth=0.6, zorder=3.2)
    region = shapely.simplify(_geoms(base.region), tolerance, preserve_topology=False)
    paths.outline_polygons(ax, region, color=REGION_LINE, linewidth=1.0, zorder=3.4)
    if frame.focus is not None:
        focus = shapely.simplify(frame.focus, tolerance)
        outside = shapely.difference(box.buffer(metres_per_mm), focus)
        for path in paths.polygon_paths([outside]):
            ax.add_patch(PathPatch(path, facecolor="white", edgecolor="none", alpha=0.5, zorder=7))
        paths.outline_polygons(ax, [focus], color=FOCUS_LINE, linewidth=1.6, zorder=7.5)

    bar = furniture.scale_bar(ax, lang=lang, crs=CRS, fontsize=6.5 * text_scale)
    _, arrow_box = furniture.north_arrow(ax, crs=CRS, lang=lang, size_mm=9.0 * text_scale)
    if labels:
        obstacles = [b for b in (bar.box, arrow_box) if b is not None]
        _labels(
            ax,
            base,
            box,
            tolerance,
            obstacles,
            mode=name_mode(lang, names),
            zoomed=frame.zoomed,
            neighbourhoods=frame.neighbourhoods and metres_per_mm <= NEIGHBOURHOOD_NAMES,
            scale=text_scale,
        )


# --- unit names -----------------------------------------------------------------------------------------


def _names(frame: gpd.GeoDataFrame, mode: str, *, upper: bool = False) -> list[list[str]]:
    out = []
    for fr, nl in zip(frame.get("name_fr", frame.index), frame.get("name_nl", frame.index), strict=True):
        fr, nl = str(fr), str(nl) if nl is not None else str(fr)
        if upper:
            fr, nl = fr.upper(), nl.upper()
        if mode == "nl":
            out.append(furniture.wrap_name(nl))
        elif mode == "both" and fold_name(fr) != fold_name(nl):
            out.append([f"{fr}\n{nl}", f"{fr} / {nl}"])
        else:
            out.append(furniture.wrap_name(fr))
    return out


def _label_points(geoms: np.ndarray, box: BaseGeometry, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """A label point in the visible part of each unit (pole of inaccessibility) and that part's area."""
    points = np.full((len(geoms), 2), np.nan)
    areas = np.zeros(len(geoms))
    visible = shapely.intersection(geoms, box)
    for i, geom in enumerate(visible):
        if geom is None or geom.is_empty or geom.area <= 0:
            continue
        parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
        if not parts:
            continue
        point = polylabel(max(parts, key=lambda p: p.area), tolerance=tolerance)
        points[i] = point.x, point.y
        areas[i] = geom.area
    return points, areas


def _labels(
    ax: Axes,
    base: BaseMap,
    box: BaseGeometry,
    tolerance: float,
    obstacles: list[Bbox],
    *,
    mode: str,
    zoomed: bool,
    neighbourhoods: bool,
    scale: float,
) -> None:
    points, areas = _label_points(_geoms(base.communes), box, tolerance * 10)
    keep = areas > 0
    placed = furniture.place_labels(
        ax,
        points[keep],
        [t for t, ok in zip(_names(base.communes, mode), keep, strict=True) if ok],
        priority=areas[keep],
        fontsize=(8.5 if zoomed else 7.0) * scale,
        fontweight="bold",
        color="#4a4741",
        obstacles=obstacles,
    )
    if neighbourhoods and base.neighbourhoods is not None:
        hoods = base.neighbourhoods
        points, areas = _label_points(_geoms(hoods), box, tolerance * 5)
        keep = areas > 0
        furniture.place_labels(
            ax,
            points[keep],
            [t for t, ok in zip(_names(hoods, mode, upper=True), keep, strict=True) if ok],
            priority=areas[keep],
            fontsize=5.5 * scale,
            fontstyle="italic",
            color="#5f5b54",
            obstacles=[*obstacles, *(label.box for label in placed)],
            offsets=furniture.OFFSETS[:5],
            halo="box",
        )
