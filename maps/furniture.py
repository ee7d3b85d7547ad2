"""Map furniture: scale bar, north arrow, inset, legend, label placement and the sources block.

Every function draws on a matplotlib Axes it is given and returns what it drew, so that a page can
keep the boxes of the furniture out of the way of the labels. Lengths on paper are given in
millimetres (``mm``) or points (``pt``); lengths on the ground in metres of the map's CRS
(EPSG:31370 unless told otherwise).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, cast

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure
from matplotlib.font_manager import findfont, get_font
from matplotlib.ft2font import LoadFlags
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Polygon, Rectangle
from matplotlib.patheffects import Stroke
from matplotlib.text import Text
from matplotlib.transforms import Affine2D, Bbox, ScaledTranslation, Transform
from pyproj import CRS, Proj, Transformer

from layers.layer import LegendEntry
from maps.paths import fill_polygons, outline_polygons

MM = 1 / 25.4  # inches per millimetre
PT_MM = 25.4 / 72  # millimetres per point
INK = "#222222"
HALO = "white"
NICE_STEPS = (1.0, 2.0, 2.5, 5.0)
# segments of a scale bar by the first digit of its length: each segment is a round number
SEGMENTS = {1.0: 4, 2.0: 4, 2.5: 5, 5.0: 5}

_WORDS = {
    "scale": {"fr": "Échelle", "nl": "Schaal", "en": "Scale"},
    "north": {"fr": "N", "nl": "N", "en": "N"},
}
_DECIMAL = {"fr": ",", "nl": ",", "en": "."}
_THOUSANDS = {"fr": "\u00a0", "nl": ".", "en": ","}


def format_number(value: float, *, lang: str = "fr", decimals: int = 0) -> str:
    """``value`` with the thousands separator and decimal mark of ``lang`` (1 283 / 1.283 / 1,283)."""
    text = f"{value:,.{decimals}f}"
    return (
        text.replace(",", "\x00")
        .replace(".", _DECIMAL.get(lang, "."))
        .replace("\x00", _THOUSANDS.get(lang, ","))
    )


def figure_of(ax: Axes) -> Figure:
    """The top-level figure of ``ax``."""
    fig = ax.figure
    while isinstance(fig, SubFigure):
        fig = fig.figure
    assert isinstance(fig, Figure)
    return fig


def renderer_of(fig: Figure) -> RendererBase:
    """A renderer measuring text as the saved page will (an Agg canvas is attached when needed)."""
    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(fig)
    return canvas.get_renderer()


def mm_transform(ax: Axes, x: float, y: float) -> Transform:
    """Transform from millimetres on paper, with origin at the point (x, y) in axes fraction."""
    fig = figure_of(ax)
    return Affine2D().scale(MM) + fig.dpi_scale_trans + ScaledTranslation(x, y, cast(Affine2D, ax.transAxes))


def axes_size_mm(ax: Axes) -> tuple[float, float]:
    """Width and height of ``ax`` on paper, in millimetres."""
    fig = figure_of(ax)
    box = ax.get_position()
    width, height = fig.get_size_inches()
    return box.width * width / MM, box.height * height / MM


# --- scale bar ------------------------------------------------------------------------------------


def nice_length(target: float) -> float:
    """The largest 1, 2, 2.5 or 5 × 10^k not above ``target`` (a round length for a scale bar)."""
    if not math.isfinite(target) or target <= 0:
        raise ValueError(f"scale bar target length must be a positive number, got {target!r}")
    power = 10 ** math.floor(math.log10(target))
    best = power
    for step in NICE_STEPS:
        if step * power <= target * (1 + 1e-9):
            best = step * power
    return best


@lru_cache(maxsize=8)
def _to_lonlat(crs: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(crs), 4326, always_xy=True)


@lru_cache(maxsize=256)
def _factors(crs: str, x: float, y: float) -> tuple[float, float]:
    lon, lat = _to_lonlat(crs).transform(x, y)
    factors = Proj(CRS.from_user_input(crs)).get_factors(lon, lat)
    return float(factors.parallel_scale), float(factors.meridian_convergence)


def scale_factor(x: float, y: float, *, crs: str | int = 31370) -> float:
    """Projection scale factor at (x, y): map length = true length × factor (≈ 1 in EPSG:31370)."""
    return _factors(str(crs) if isinstance(crs, int) else crs, round(x, -2), round(y, -2))[0]


def convergence(x: float, y: float, *, crs: str | int = 31370) -> float:
    """Meridian convergence at (x, y) in degrees: the angle from grid north to true north."""
    return _factors(str(crs) if isinstance(crs, int) else crs, round(x, -2), round(y, -2))[1]


def format_length(metres: float, *, lang: str = "fr", unit: bool = True) -> str:
    """``1 km``, ``2,5 km``, ``500 m`` — metres below one kilometre, kilometres above."""
    if metres >= 1000:
        km = metres / 1000
        decimals = 0 if float(km).is_integer() else len(f"{km:g}".split(".")[1])
        return format_number(km, lang=lang, decimals=decimals) + (" km" if unit else "")
    return format_number(metres, lang=lang) + (" m" if unit else "")


@dataclass
class ScaleBar:
    """What :func:`scale_bar` drew: the true length, its length in axis units, the labels and boxes."""

    length_m: float
    axis_length: float
    segments: int
    label: str
    labels: list[str]
    artists: list[Artist] = field(default_factory=list)
    box: Bbox | None = None  # display coordinates, for keeping labels away


def scale_bar(
    ax: Axes,
    *,
    lang: str = "fr",
    crs: str | int = 31370,
    fraction: float = 0.2,
    location: Literal["lower left", "lower right"] = "lower left",
    height_mm: float = 1.6,
    fontsize: float = 6.5,
    zorder: float = 20,
) -> ScaleBar:
    """Draw a metric scale bar of a round length ≈ ``fraction`` of the frame width.

    The bar is drawn in data coordinates with alternating black and white segments and labels
    ``0 … 2 km``; its length in axis units is the true length times the projection's scale factor at
    the centre of the frame, so it measures true metres on the ground.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width_mm, _ = axes_size_mm(ax)
    per_mm = (x1 - x0) / width_mm  # metres of the map per millimetre of paper
    factor = scale_factor((x0 + x1) / 2, (y0 + y1) / 2, crs=crs)
    length = nice_length(fraction * (x1 - x0) / factor)
    first = round(length / 10 ** math.floor(math.log10(length)), 6)
    segments = SEGMENTS.get(first, 4)
    axis_length = length * factor
    pad = 4 * per_mm
    bar_h = height_mm * per_mm
    left = x0 + pad if location == "lower left" else x1 - pad - axis_length
    base = y0 + pad + 2.2 * per_mm
    step = axis_length / segments
    artists: list[Artist] = []
    for i in range(segments):
        rect = Rectangle(
            (left + i * step, base),
            step,
            bar_h,
            facecolor=INK if i % 2 == 0 else "white",
            edgecolor=INK,
            linewidth=0.5,
            zorder=zorder + 1,
        )
        ax.add_patch(rect)
        artists.append(rect)
    ticks = [0, segments]
    if segments % 2 == 0:
        ticks.insert(1, segments // 2)
    labels = []
    for i in ticks:
        text = format_length(i * length / segments, lang=lang, unit=i == segments)
        if i == 0:
            text = "0"
        labels.append(text)
        artists.append(
            ax.text(
                left + i * step,
                base + bar_h + 0.8 * per_mm,
                text,
                ha="center",
                va="bottom",
                fontsize=fontsize,
                color=INK,
                zorder=zorder + 2,
            )
        )
    label = format_length(length, lang=lang)
    # white backing around what was drawn, measured, so labels stay readable over dark fills
    renderer = renderer_of(figure_of(ax))
    drawn = Bbox.union([a.get_window_extent(renderer) for a in artists])
    (bx0, by0), (bx1, by1) = ax.transData.inverted().transform(drawn.get_points())
    pad = 1.5 * per_mm
    back = Rectangle(
        (bx0 - pad, by0 - pad),
        bx1 - bx0 + 2 * pad,
        by1 - by0 + 2 * pad,
        facecolor="white",
        edgecolor="none",
        alpha=0.8,
        zorder=zorder,
    )
    ax.add_patch(back)
    artists.append(back)
    box = back.get_window_extent(renderer)
    return ScaleBar(length, axis_length, segments, label, labels, artists, box)


# --- north arrow ------------------------------------------------------------------------------------


def north_arrow(
    ax: Axes,
    *,
    crs: str | int | None = 31370,
    x: float = 0.965,
    y: float = 0.955,
    size_mm: float = 9.0,
    lang: str = "fr",
    zorder: float = 20,
) -> tuple[list[Artist], Bbox]:
    """Draw a north arrow whose top is at (x, y) in axes fraction; return its artists and box.

    With a ``crs``, the arrow points to true north (rotated by the meridian convergence at the centre
    of the frame, a fraction of a degree in EPSG:31370).
    """
    angle = 0.0
    if crs is not None:
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        angle = convergence((x0 + x1) / 2, (y0 + y1) / 2, crs=crs)
    half = size_mm * 0.32
    shape = Affine2D().translate(0, -size_mm).rotate_deg(-angle)
    place = mm_transform(ax, x, y)
    left = Polygon([(0, size_mm), (-half, 0), (0, size_mm * 0.28)], closed=True)
    right = Polygon([(0, size_mm), (half, 0), (0, size_mm * 0.28)], closed=True)
    artists: list[Artist] = []
    for patch, colour in ((left, INK), (right, "white")):
        patch.set_transform(shape + place)
        patch.set_facecolor(colour)
        patch.set_edgecolor(INK)
        patch.set_linewidth(0.6)
        patch.set_zorder(zorder + 1)
        ax.add_patch(patch)
        artists.append(patch)
    letter = Text(
        0,
        -size_mm - 1.2,
        _WORDS["north"].get(lang, "N"),
        ha="center",
        va="top",
        fontsize=7.5,
        fontweight="bold",
        color=INK,
        transform=place,
        zorder=zorder + 1,
    )
    ax.add_artist(letter)
    artists.append(letter)
    back = Rectangle(
        (-half - 1.5, -size_mm - 5.2),
        2 * half + 3,
        size_mm + 6.4,
        facecolor="white",
        edgecolor="none",
        alpha=0.8,
        transform=place,
        zorder=zorder,
    )
    ax.add_patch(back)
    artists.append(back)
    return artists, back.get_window_extent(renderer_of(figure_of(ax)))


# --- inset ---------------------------------------------------------------------------------------------


def covers(extent: Sequence[float], region_bounds: Sequence[float], *, tolerance: float = 0.02) -> bool:
    """True when ``extent`` (xmin, ymin, xmax, ymax) shows the whole of ``region_bounds``."""
    ex0, ey0, ex1, ey1 = extent
    rx0, ry0, rx1, ry1 = region_bounds
    slack = tolerance * max(rx1 - rx0, ry1 - ry0)
    return ex0 <= rx0 + slack and ey0 <= ry0 + slack and ex1 >= rx1 - slack and ey1 >= ry1 - slack


def inset(
    fig: Figure,
    rect: Sequence[float],
    region: gpd.GeoDataFrame,
    extent: Sequence[float],
    *,
    units: gpd.GeoDataFrame | None = None,
    colour: str = "#d7301f",
    force: bool = False,
) -> Axes | None:
    """A locator map in ``rect`` (figure fraction): the region, its units and the frame's extent.

    Returns None (and draws nothing) when the frame already shows the whole region, unless ``force``.
    """
    region_bounds = tuple(float(v) for v in region.total_bounds)
    if not force and covers(extent, region_bounds):
        return None
    ax = fig.add_axes(tuple(rect))  # type: ignore[arg-type]
    ax.set_axis_off()
    rx0, ry0, rx1, ry1 = region_bounds
    pad = 0.04 * max(rx1 - rx0, ry1 - ry0)
    ax.set_xlim(rx0 - pad, rx1 + pad)
    ax.set_ylim(ry0 - pad, ry1 + pad)
    ax.set_aspect("equal", adjustable="box", anchor="C")
    tolerance = max(rx1 - rx0, ry1 - ry0) / 400
    geoms = shapely.simplify(region.geometry.values, tolerance)
    fill_polygons(ax, geoms, facecolor="#e6e3dc", zorder=1)
    if units is not None:
        outline_polygons(
            ax, shapely.simplify(units.geometry.values, tolerance), color="#9a968d", linewidth=0.3, zorder=2
        )
    outline_polygons(ax, geoms, color="#55524c", linewidth=0.6, zorder=3)
    ex0, ey0, ex1, ey1 = extent
    # clip the frame to the inset so that a frame larger on one side stays visible
    ex0, ey0 = max(ex0, rx0 - pad), max(ey0, ry0 - pad)
    ex1, ey1 = min(ex1, rx1 + pad), min(ey1, ry1 + pad)
    ax.add_patch(
        Rectangle(
            (ex0, ey0), ex1 - ex0, ey1 - ey0, facecolor=colour, alpha=0.15, edgecolor=colour, linewidth=1.0
        )
    )
    ax.add_patch(
        Rectangle((ex0, ey0), ex1 - ex0, ey1 - ey0, facecolor="none", edgecolor=colour, linewidth=1.0)
    )
    return ax


# --- legend --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegendBlock:
    """A titled group of legend entries (one per layer, plus the base map's boundaries)."""

    title: str
    entries: tuple[LegendEntry, ...]


ROW_MM = 4.4
TITLE_MM = 5.0
BLOCK_GAP_MM = 2.5
SYMBOL_MM = (6.5, 3.6)
LABEL_GAP_MM = 2.0


def _chars_per_line(width_mm: float, fontsize: float) -> int:
    # DejaVu Sans averages ≈ 0.56 em per character in mixed-case text
    return max(8, int(width_mm / (fontsize * PT_MM * 0.56)))


def entry_text(entry: LegendEntry, *, lang: str = "fr") -> str:
    """The label of a legend entry, with its count when known: ``Label (1 283)``."""
    if entry.count is None:
        return entry.label
    return f"{entry.label} ({format_number(entry.count, lang=lang)})"


def _symbol_width(entries: Sequence[LegendEntry]) -> float:
    width = SYMBOL_MM[0]
    for entry in entries:
        if entry.symbol in ("circle", "marker") and entry.size:
            width = max(width, entry.size * PT_MM + 0.5)
    return width


def _rows(
    blocks: Sequence[LegendBlock], width_mm: float, fontsize: float, lang: str
) -> list[tuple[str, Any, float]]:
    """Flatten blocks into rows: ("title", text, height) or ("entry", (entry, wrapped, symw), height)."""
    rows: list[tuple[str, Any, float]] = []
    line_mm = fontsize * PT_MM * 1.25
    for b, block in enumerate(blocks):
        if b:
            rows.append(("gap", None, BLOCK_GAP_MM))
        symbol_w = _symbol_width(block.entries)
        if block.title:
            chars = _chars_per_line(width_mm, fontsize + 0.5)
            title = textwrap.fill(block.title, chars)
            rows.append(("title", title, TITLE_MM + (title.count("\n")) * line_mm))
        chars = _chars_per_line(width_mm - symbol_w - LABEL_GAP_MM, fontsize)
        for entry in block.entries:
            text = textwrap.fill(entry_text(entry, lang=lang), chars)
            height = max(ROW_MM, (text.count("\n") + 1) * line_mm + 1.0)
            if entry.symbol in ("circle", "marker") and entry.size:
                height = max(height, entry.size * PT_MM + 1.0)
            rows.append(("entry", (entry, text, symbol_w), height))
    return rows


COLUMN_GAP_MM = 4.0
COLUMN_MIN_MM = 55.0

Row = tuple[str, Any, float]


def _columns(
    blocks: Sequence[LegendBlock],
    width: float,
    height: float,
    fontsize: float,
    lang: str,
    columns: int | None,
) -> tuple[list[list[Row]], float]:
    """Rows of the legend arranged in columns, and the column width.

    Blocks sit side by side while the width allows columns of ``COLUMN_MIN_MM``; a block too tall
    for ``height`` flows on in the next column; more columns are added (up to 4) until all fits.
    """
    room = max(1, int((width + COLUMN_GAP_MM) // (COLUMN_MIN_MM + COLUMN_GAP_MM)))
    n = columns or min(max(len(blocks), 1), room)
    while True:
        col_w = (width - (n - 1) * COLUMN_GAP_MM) / n
        layout = _flow(_rows(blocks, col_w, fontsize, lang), height, n)
        if columns or len(layout) <= n or n >= 4:
            return layout, col_w
        n += 1


def legend_size(
    blocks: Sequence[LegendBlock], *, width_mm: float, fontsize: float = 7.0, lang: str = "fr"
) -> float:
    """Height in millimetres the legend needs in a panel ``width_mm`` wide (blocks side by side)."""
    layout, _ = _columns(blocks, width_mm, math.inf, fontsize, lang, None)
    return max((sum(row[2] for row in column) for column in layout), default=0.0)


def _draw_symbol(
    ax: Axes, entry: LegendEntry, transform: Transform, cx: float, cy: float, zorder: float
) -> None:
    w, h = SYMBOL_MM
    if entry.symbol == "fill":
        ax.add_patch(
            Rectangle(
                (cx - w / 2, cy - h / 2),
                w,
                h,
                facecolor=entry.colour,
                edgecolor="#666666",
                linewidth=0.4,
                hatch=entry.hatch,
                transform=transform,
                zorder=zorder,
            )
        )
    elif entry.symbol == "line":
        ax.add_line(
            Line2D(
                [cx - w / 2, cx + w / 2],
                [cy, cy],
                color=entry.colour,
                linewidth=entry.size or 1.0,
                transform=transform,
                zorder=zorder,
            )
        )
    else:  # marker, circle: size is the diameter in points
        diameter = (entry.size or (5.0 if entry.symbol == "marker" else 8.0)) * PT_MM
        ax.add_patch(
            Circle(
                (cx, cy),
                diameter / 2,
                facecolor=entry.colour,
                edgecolor="white" if entry.symbol == "marker" else "#444444",
                linewidth=0.4,
                alpha=0.95 if entry.symbol == "marker" else 0.8,
                hatch=entry.hatch,
                transform=transform,
                zorder=zorder,
            )
        )


def legend(
    ax: Axes,
    entries: Sequence[LegendEntry] | Sequence[LegendBlock],
    *,
    title: str = "",
    lang: str = "fr",
    fontsize: float = 7.0,
    columns: int | None = None,
    zorder: float = 5,
) -> int:
    """Draw a legend filling ``ax`` (a panel of the page, axis off) from its top left corner.

    ``entries`` are LegendEntry (one block titled ``title``) or LegendBlock. Fills get a patch
    (hatched when the entry says so), markers a dot, proportional circles a circle of their size,
    lines a stroke; counts follow the labels. Blocks sit side by side when ``ax`` is wide enough;
    entries that do not fit in its height flow into further columns (``columns`` forces their
    number). Returns the number of columns used.
    """
    blocks: list[LegendBlock]
    if entries and isinstance(entries[0], LegendEntry):
        blocks = [LegendBlock(title, tuple(e for e in entries if isinstance(e, LegendEntry)))]
    else:
        blocks = [b for b in entries if isinstance(b, LegendBlock)]
    ax.set_axis_off()
    width, height = axes_size_mm(ax)
    layout, col_w = _columns(blocks, width, height, fontsize, lang, columns)
    transform = mm_transform(ax, 0, 1)
    for c, column in enumerate(layout):
        x = c * (col_w + COLUMN_GAP_MM)
        y = 0.0
        for kind, content, row_h in column:
            if kind == "title":
                ax.text(
                    x,
                    -y - 0.5,
                    content,
                    ha="left",
                    va="top",
                    fontsize=fontsize + 0.5,
                    fontweight="bold",
                    color=INK,
                    transform=transform,
                    zorder=zorder,
                    linespacing=1.1,
                )
            elif kind == "entry":
                entry, text, symbol_w = content
                cy = -y - row_h / 2
                _draw_symbol(ax, entry, transform, x + symbol_w / 2, cy, zorder)
                ax.text(
                    x + symbol_w + LABEL_GAP_MM,
                    cy,
                    text,
                    ha="left",
                    va="center",
                    fontsize=fontsize,
                    color=INK,
                    transform=transform,
                    zorder=zorder,
                    linespacing=1.1,
                )
            y += row_h
    return len(layout)


def _flow(rows: list[Row], height: float, blocks_apart: int) -> list[list[Row]]:
    """Cut rows into columns no taller than ``height``; the first ``blocks_apart`` blocks start one each."""
    columns: list[list[Row]] = [[]]
    used = 0.0
    for i, row in enumerate(rows):
        # keep a block title with its first entry, and start no column with a gap
        need = row[2] + (rows[i + 1][2] if row[0] == "title" and i + 1 < len(rows) else 0.0)
        new_block = row[0] == "gap" and len(columns) < blocks_apart
        if columns[-1] and (new_block or used + need > height + 1e-6):
            columns.append([])
            used = 0.0
            if row[0] == "gap":
                continue
        columns[-1].append(row)
        used += row[2]
    return columns


# --- labels ----------------------------------------------------------------------------------------------

# candidate offsets in points: centred first, then small shifts around
OFFSETS: tuple[tuple[float, float], ...] = (
    (0, 0),
    (0, 7),
    (0, -7),
    (9, 0),
    (-9, 0),
    (7, 6),
    (-7, 6),
    (7, -6),
    (-7, -6),
    (0, 13),
    (0, -13),
)


@dataclass(frozen=True)
class PlacedLabel:
    """A label that found room: the index of its point, its text, its box in display coordinates."""

    index: int
    text: str
    box: Bbox
    artist: Text


def _overlaps(box: Bbox, boxes: np.ndarray) -> bool:
    if len(boxes) == 0:
        return False
    return bool(
        np.any(
            (box.x0 < boxes[:, 2]) & (box.x1 > boxes[:, 0]) & (box.y0 < boxes[:, 3]) & (box.y1 > boxes[:, 1])
        )
    )


class _Widths:
    """Lower bounds of text boxes from the font's advance widths: a cheap first test before measuring."""

    def __init__(self, probe: Text, dpi: float) -> None:
        self.font = get_font(findfont(probe.get_fontproperties()))
        self.size = float(probe.get_fontsize())
        self.dpi = dpi
        self.advance: dict[str, float] = {}
        self.line = self.size * dpi / 72  # em height in pixels

    def box(self, text: str) -> tuple[float, float]:
        self.font.set_size(self.size, self.dpi)
        lines = text.split("\n")
        width = 0.0
        for line in lines:
            total = 0.0
            for char in line:
                if char not in self.advance:
                    glyph = self.font.load_char(ord(char), flags=LoadFlags.NO_HINTING)
                    self.advance[char] = glyph.horiAdvance / 64
                total += self.advance[char]
            width = max(width, total)
        # kerning can only shrink a line by a little; glyphs fill most of the em height
        return 0.92 * width, 0.85 * self.line * len(lines)


def place_labels(
    ax: Axes,
    points: Sequence[Sequence[float]] | np.ndarray,
    texts: Sequence[str | Sequence[str]],
    *,
    priority: Sequence[float] | np.ndarray | None = None,
    fontsize: float = 7.0,
    color: str = INK,
    fontweight: str = "normal",
    fontstyle: str = "normal",
    halo: Literal["stroke", "box", "none"] = "stroke",
    obstacles: Sequence[Bbox] = (),
    offsets: Sequence[tuple[float, float]] = OFFSETS,
    pad: float = 1.5,
    zorder: float = 12,
) -> list[PlacedLabel]:
    """Place labels at ``points`` (data coordinates) greedily, without overlaps.

    Labels are tried by decreasing ``priority`` (e.g. the area of their unit), at every candidate
    offset (points) and, for a text given as a sequence, every alternative wording (the name on one
    line, then wrapped). A candidate is first tested with a lower bound of its box from the font's
    advance widths, then measured with the renderer; the first whose box (grown by ``pad`` points)
    stays inside the axes and overlaps no placed label and no ``obstacle`` (display-coordinate
    boxes: scale bar, north arrow…) wins; a label that fits nowhere is dropped. Text stays text: the
    ``stroke`` halo is a white copy drawn as a path underneath, the ``box`` halo a light backing.
    """
    fig = figure_of(ax)
    renderer = renderer_of(fig)
    xy = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(texts) != len(xy):
        raise ValueError(f"place_labels: {len(xy)} points but {len(texts)} texts")
    order = (
        np.argsort(-np.asarray(priority, dtype=float), kind="stable")
        if priority is not None
        else range(len(xy))
    )
    frame = ax.get_window_extent(renderer)
    grow = pad * fig.dpi / 72
    boxes: list[list[float]] = [[b.x0, b.y0, b.x1, b.y1] for b in obstacles]
    placed: list[PlacedLabel] = []
    style: dict[str, Any] = {
        "fontsize": fontsize,
        "fontweight": fontweight,
        "fontstyle": fontstyle,
        "ha": "center",
        "va": "center",
        "linespacing": 1.0,
        "clip_on": False,
    }
    sizes: dict[str, Bbox] = {}
    probe = ax.text(0, 0, "", transform=fig.dpi_scale_trans, **style)
    widths = _Widths(probe, fig.dpi)

    def measure(option: str) -> Bbox:
        # a label's box around its anchor: measured once, shifted for every candidate
        if option not in sizes:
            probe.set_text(option)
            sizes[option] = probe.get_window_extent(renderer).frozen()
        return sizes[option]

    def fits(box: Bbox | tuple[float, float, float, float], existing: np.ndarray) -> bool:
        x0, y0, x1, y1 = box.extents if isinstance(box, Bbox) else box
        inside = x0 >= frame.x0 and x1 <= frame.x1 and y0 >= frame.y0 and y1 <= frame.y1
        grown = Bbox.from_extents(x0 - grow, y0 - grow, x1 + grow, y1 + grow)
        return inside and not _overlaps(grown, existing)

    for i in order:
        x, y = xy[i]
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        ax_x, ax_y = ax.transData.transform((x, y))
        entry = texts[i]
        options = [entry] if isinstance(entry, str) else [str(option) for option in entry]
        found = None
        existing = np.asarray(boxes, dtype=float).reshape(-1, 4)
        for dx, dy in offsets:
            cx, cy = ax_x + dx * fig.dpi / 72, ax_y + dy * fig.dpi / 72
            for option in options:
                w, h = widths.box(option)
                if not fits((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), existing):
                    continue  # even the smallest box it can have does not fit here
                box = measure(option).translated(cx, cy)
                if fits(box, existing):
                    found = (option, box, dx, dy)
                    break
            if found:
                break
        if found is None:
            continue
        option, box, dx, dy = found
        grown = Bbox.from_extents(box.x0 - grow, box.y0 - grow, box.x1 + grow, box.y1 + grow)
        boxes.append(list(grown.extents))
        shift = ax.transData + ScaledTranslation(dx / 72, dy / 72, fig.dpi_scale_trans)
        if halo == "stroke":
            ax.text(
                x,
                y,
                option,
                color=HALO,
                transform=shift,
                zorder=zorder,
                path_effects=[Stroke(linewidth=2.2, foreground=HALO)],
                **style,
            )
        backing = (
            {"boxstyle": "round,pad=0.12", "facecolor": HALO, "edgecolor": "none", "alpha": 0.7}
            if halo == "box"
            else None
        )
        artist = ax.text(
            x, y, option, color=color, transform=shift, zorder=zorder + 0.1, bbox=backing, **style
        )
        placed.append(PlacedLabel(int(i), option, box, artist))
    probe.remove()
    return placed


def wrap_name(name: str) -> list[str]:
    """Wordings to try for a place name: as is, then in two lines broken at a hyphen or a space."""
    options = [name]
    for sep in (" / ", "-", " "):
        cuts = [
            i
            for i in range(1, len(name) - 1)
            if name.startswith(sep, i) and not (sep == " " and (name[i - 1] in "/-" or name[i + 1] in "/-"))
        ]
        if not cuts:
            continue
        cut = min(cuts, key=lambda i: abs(i - len(name) / 2))
        first = name[:cut] + ("-" if sep == "-" else "")
        options.append(f"{first.rstrip()}\n{name[cut + len(sep) :].lstrip()}")
    return list(dict.fromkeys(options))


# --- sources -----------------------------------------------------------------------------------------------


def sources_block(
    fig: Figure,
    rect: Sequence[float],
    lines: Sequence[str],
    *,
    fontsize: float = 6.0,
    color: str = "#444444",
) -> Text:
    """Write the sources, attribution, vintage and production lines in ``rect`` (figure fraction).

    Lines are wrapped to the width of ``rect`` (measured with the renderer); the block hangs from
    its top left corner.
    """
    left, bottom, width, height = rect
    width_mm = width * fig.get_size_inches()[0] / MM
    block = fig.text(
        left, bottom + height, "", ha="left", va="top", fontsize=fontsize, color=color, linespacing=1.3
    )
    renderer = renderer_of(fig)
    room = width * fig.bbox.width
    chars = int(width_mm / (fontsize * PT_MM * 0.45))  # generous first guess, narrowed until it fits
    while True:
        block.set_text(
            "\n".join(textwrap.fill(line, chars, break_on_hyphens=False) for line in lines if line)
        )
        if chars <= 20 or block.get_window_extent(renderer).width <= room:
            return block
        chars -= 4
