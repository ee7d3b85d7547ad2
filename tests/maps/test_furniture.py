"""Map furniture: scale bar lengths, label placement without overlaps, legend, inset, north arrow."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle
from matplotlib.text import Text

from layers.layer import LegendEntry
from maps.furniture import (
    LegendBlock,
    convergence,
    format_length,
    format_number,
    inset,
    legend,
    nice_length,
    north_arrow,
    place_labels,
    renderer_of,
    scale_bar,
    scale_factor,
    wrap_name,
)

ROUND = {1.0, 2.0, 2.5, 5.0}


def map_axes(extent=(140000.0, 160000.0, 160000.0, 175000.0), size_mm=(190.0, 150.0)):
    """A figure with one map axes of ``size_mm`` showing ``extent`` (equal aspect)."""
    fig = Figure(figsize=(size_mm[0] / 25.4 + 1, size_mm[1] / 25.4 + 1))
    renderer_of(fig)
    width, height = fig.get_size_inches() * 25.4
    ax = fig.add_axes((10 / width, 10 / height, size_mm[0] / width, size_mm[1] / height))
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    return fig, ax


@pytest.mark.parametrize(
    ("target", "expected"),
    [(3456, 2500), (999, 500), (1000, 1000), (2600, 2500), (0.7, 0.5), (4999, 2500), (5000, 5000), (19, 10)],
)
def test_nice_length_is_the_largest_round_length_not_above_the_target(target, expected):
    assert nice_length(target) == pytest.approx(expected)


@pytest.mark.parametrize("target", [0, -1, math.nan, math.inf])
def test_nice_length_refuses_nonsense(target):
    with pytest.raises(ValueError):
        nice_length(target)


@pytest.mark.parametrize(
    ("metres", "lang", "expected"),
    [
        (500, "fr", "500 m"),
        (1000, "fr", "1 km"),
        (2500, "fr", "2,5 km"),
        (2500, "nl", "2,5 km"),
        (2500, "en", "2.5 km"),
        (250, "en", "250 m"),
    ],
)
def test_format_length(metres, lang, expected):
    assert format_length(metres, lang=lang) == expected


@pytest.mark.parametrize(("lang", "expected"), [("fr", "1\u00a0283"), ("nl", "1.283"), ("en", "1,283")])
def test_format_number_uses_the_separators_of_the_language(lang, expected):
    assert format_number(1283, lang=lang) == expected


def test_lambert72_scale_factor_is_close_to_one_in_brussels_and_web_mercator_is_not():
    assert scale_factor(150000, 170000, crs=31370) == pytest.approx(1.0, abs=2e-4)
    # Web Mercator stretches lengths by 1 / cos(latitude): ≈ 1.58 at 50.85° N
    x, y = 484000.0, 6594000.0
    assert scale_factor(x, y, crs="EPSG:3857") == pytest.approx(1 / math.cos(math.radians(50.85)), rel=2e-3)
    assert abs(convergence(150000, 170000, crs=31370)) < 0.5


@pytest.mark.parametrize(
    "extent",
    [
        (140000.0, 160000.0, 160000.0, 175000.0),  # 20 km wide
        (148000.0, 151000.0, 168000.0, 170500.0),  # 3 km wide
        (149800.0, 150400.0, 169800.0, 170300.0),  # 600 m wide
    ],
)
def test_scale_bar_is_round_and_measures_true_metres(extent):
    fig, ax = map_axes(extent)
    bar = scale_bar(ax, lang="fr")
    first = bar.length_m / 10 ** math.floor(math.log10(bar.length_m))
    assert round(first, 6) in ROUND
    width = extent[1] - extent[0]
    assert 0.1 * width <= bar.length_m <= 0.2 * width * 1.001
    # the bar's length in axis units is the true length times the projection's scale factor
    k = scale_factor((extent[0] + extent[1]) / 2, (extent[2] + extent[3]) / 2, crs=31370)
    assert bar.axis_length == pytest.approx(bar.length_m * k)
    blocks = [a for a in bar.artists if isinstance(a, Rectangle) and a.get_alpha() is None]
    assert len(blocks) == bar.segments
    assert sum(b.get_width() for b in blocks) == pytest.approx(bar.axis_length)
    texts = [a.get_text() for a in bar.artists if isinstance(a, Text)]
    assert texts[0] == "0" and texts[-1] == bar.label == format_length(bar.length_m)


def test_scale_bar_in_web_mercator_is_longer_on_the_map_than_on_the_ground():
    fig, ax = map_axes((470000.0, 500000.0, 6580000.0, 6605000.0))
    bar = scale_bar(ax, crs="EPSG:3857")
    assert bar.axis_length == pytest.approx(bar.length_m * 1.58, rel=0.01)


def test_north_arrow_stays_in_the_frame():
    fig, ax = map_axes()
    artists, box = north_arrow(ax)
    frame = ax.get_window_extent(renderer_of(fig))
    assert artists and frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)


def boxes_overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_place_labels_never_overlaps_and_keeps_the_most_important():
    fig, ax = map_axes((0.0, 1000.0, 0.0, 800.0), size_mm=(120.0, 96.0))
    rng = np.random.default_rng(7)
    points = rng.uniform([50, 50], [950, 750], size=(120, 2))
    names = [f"Quartier {i:03d}-Saint-Nom" for i in range(120)]
    texts = [wrap_name(name) for name in names]
    priority = np.arange(120)[::-1].astype(float)  # label 0 matters most
    placed = place_labels(ax, points, texts, priority=priority, fontsize=7)
    assert 10 < len(placed) < 120  # crowded: some dropped, many kept
    assert placed[0].index == 0
    renderer = renderer_of(fig)
    frame = ax.get_window_extent(renderer)
    # boxes measured by the renderer on the drawn artists, not the ones the algorithm kept
    drawn = [label.artist.get_window_extent(renderer) for label in placed]
    for i, a in enumerate(drawn):
        assert frame.x0 <= a.x0 and a.x1 <= frame.x1 and frame.y0 <= a.y0 and a.y1 <= frame.y1
        for b in drawn[i + 1 :]:
            assert not boxes_overlap(a, b)
    for label, box in zip(placed, drawn, strict=True):
        assert label.artist.get_text() == label.text
        assert box.width == pytest.approx(label.box.width, rel=1e-6)


def test_place_labels_moves_or_drops_labels_under_an_obstacle():
    fig, ax = map_axes((0.0, 1000.0, 0.0, 800.0), size_mm=(120.0, 96.0))
    renderer = renderer_of(fig)
    first = place_labels(ax, [(500, 400)], ["Anderlecht"], fontsize=8)
    assert len(first) == 1
    # a second label at the same place must move off the first one
    second = place_labels(ax, [(500, 400)], ["Anderlecht"], fontsize=8, obstacles=[first[0].box])
    assert len(second) == 1
    assert not boxes_overlap(second[0].artist.get_window_extent(renderer), first[0].box)
    # an obstacle covering the whole frame leaves no room at all
    everything = ax.get_window_extent(renderer)
    assert place_labels(ax, [(500, 400)], ["Uccle"], obstacles=[everything]) == []


def test_place_labels_drops_labels_that_would_leave_the_frame():
    fig, ax = map_axes((0.0, 1000.0, 0.0, 800.0), size_mm=(60.0, 48.0))
    placed = place_labels(ax, [(2, 400), (500, 400)], ["Un nom beaucoup trop long pour le bord", "Ici"])
    assert [label.index for label in placed] == [1]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Uccle", ["Uccle"]),
        ("Woluwe-Saint-Lambert", ["Woluwe-Saint-Lambert", "Woluwe-Saint-\nLambert"]),
        ("Bruxelles / Brussel", ["Bruxelles / Brussel", "Bruxelles\nBrussel"]),
    ],
)
def test_wrap_name(name, expected):
    assert wrap_name(name) == expected


def test_legend_draws_every_entry_with_its_count_and_symbol():
    fig = Figure(figsize=(4, 3))
    ax = fig.add_axes((0.05, 0.05, 0.9, 0.9))
    entries = [
        LegendEntry("Moins de 10", "#ffffcc", "fill", count=1283),
        LegendEntry("Secret statistique", "#dddddd", "fill", count=4, hatch="////"),
        LegendEntry("Lieu", "#0072b2", "marker", count=12, size=5),
        LegendEntry("100 places", "#e69f00", "circle", size=20),
    ]
    columns = legend(ax, [LegendBlock("Taux", tuple(entries[:2])), LegendBlock("Offre", tuple(entries[2:]))])
    assert columns == 1
    texts = [t.get_text() for t in ax.texts]
    assert texts == [
        "Taux",
        "Moins de 10 (1\u00a0283)",
        "Secret statistique (4)",
        "Offre",
        "Lieu (12)",
        "100 places",
    ]
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert len(hatched) == 1
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    radii = sorted(c.get_radius() for c in circles)
    assert radii == pytest.approx([5 * 25.4 / 72 / 2, 20 * 25.4 / 72 / 2])  # diameters in points, drawn in mm


def test_legend_flows_into_columns_when_it_is_too_tall():
    fig = Figure(figsize=(6, 1.2))
    ax = fig.add_axes((0, 0, 1, 1))
    entries = [LegendEntry(f"Classe {i}", "#cccccc") for i in range(20)]
    assert legend(ax, entries, title="Vingt classes") > 1


def region_frame():
    square = shapely.box(0, 0, 10000, 10000)
    halves = [shapely.box(0, 0, 5000, 10000), shapely.box(5000, 0, 10000, 10000)]
    return gpd.GeoDataFrame(geometry=[square], crs=31370), gpd.GeoDataFrame(geometry=halves, crs=31370)


def test_inset_is_hidden_when_the_frame_shows_the_whole_region():
    region, units = region_frame()
    fig = Figure()
    assert inset(fig, (0.7, 0.7, 0.25, 0.25), region, (-100, -100, 10100, 10100), units=units) is None
    assert fig.axes == []


def test_inset_locates_the_frame_in_the_region():
    region, units = region_frame()
    fig = Figure()
    ax = inset(fig, (0.7, 0.7, 0.25, 0.25), region, (1000, 2000, 3000, 5000), units=units)
    assert ax is not None
    frames = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert frames and all(
        (p.get_x(), p.get_y(), p.get_width(), p.get_height()) == (1000, 2000, 2000, 3000) for p in frames
    )
