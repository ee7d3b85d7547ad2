"""A :class:`~layers.styles.Style` as a MapLibre GL style layer (``fill`` or ``circle``).

Colours are expressions: a ``case`` on the status (special statuses first, then a missing value)
before a ``step`` on the value, whose stops are nudged up by one ulp so that classes stay closed
above as everywhere else; a ``match`` for categories. The legend goes in the layer's ``metadata``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from layers.classify import finite_edge
from layers.colours import OTHER_COLOUR, SPECIAL_SYMBOLS

if TYPE_CHECKING:
    from layers.styles import Style

_PX_PER_PT = 96 / 72  # MapLibre sizes are CSS pixels


def _status_cases(style: Style, get_value: list[Any]) -> list[Any]:
    """``case`` branches giving each special status its colour (status first, then missing value)."""
    cases: list[Any] = []
    if style.status_field:
        for special in ("suppressed", "not_applicable", "no_data"):
            cases += [["==", ["get", style.status_field], special], SPECIAL_SYMBOLS[special][0]]
    cases += [["!=", ["typeof", get_value], "number"], SPECIAL_SYMBOLS["no_data"][0]]
    return cases


def _maplibre_colour(style: Style) -> Any:
    classes = style.classes
    if style.kind == "single" or not classes:
        return classes[0].colour if classes else SPECIAL_SYMBOLS["no_data"][0]
    value = ["get", style.field]
    if style.kind == "categorised":
        known = [c for c in classes if c.value is not None]
        fallback = next((c.colour for c in classes if c.value is None), OTHER_COLOUR)
        if not known:
            return fallback
        pairs: list[Any] = []
        for c in known:
            pairs += [str(c.value), c.colour]
        return ["match", ["to-string", value], *pairs, fallback]
    if style.kind == "proportional":
        return (
            ["case", *_status_cases(style, value), "#f0f0f0"]
            if style.geometry == "polygons"
            else classes[0].colour
        )
    # graduated, closed above: a value equal to an edge belongs to the class below it
    steps: list[Any] = []
    for c in classes[1:]:
        steps += [float(np.nextafter(finite_edge(c.lower), np.inf)), c.colour]
    return ["case", *_status_cases(style, value), ["step", value, classes[0].colour, *steps]]


def style_layer(
    style: Style, lang: str = "fr", *, id: str | None = None, source: str | None = None
) -> dict[str, Any]:
    """The MapLibre layer of ``style`` with the legend in ``lang``; ``id`` and ``source`` as given."""
    legend = [
        {"label": e.label, "colour": e.colour, "count": e.count, "size": e.size, "hatch": e.hatch}
        for e in style.legend(lang)
    ]
    layer: dict[str, Any] = {"id": id or style.field or style.kind}
    if source:
        layer["source"] = source
    colour = _maplibre_colour(style)
    circles = style.geometry == "points" or style.kind == "proportional"
    if not circles:
        paint: dict[str, Any] = {"fill-color": colour, "fill-outline-color": style.outline}
        if not style.filled:
            paint = {"fill-color": "rgba(0,0,0,0)", "fill-outline-color": style.outline}
        layer.update(type="fill", paint=paint)
    else:
        if style.kind == "proportional":
            value = ["to-number", ["get", style.field], 0]
            radius: Any = [
                "*",
                style.max_size / 2 * _PX_PER_PT,
                ["sqrt", ["/", ["max", 0, value], style.max_value or 1]],
            ]
            colour = style.classes[0].colour
        else:
            radius = style.marker_size / 2 * _PX_PER_PT
        layer.update(
            type="circle",
            paint={
                "circle-color": colour,
                "circle-radius": radius,
                "circle-stroke-color": "#ffffff" if style.kind == "proportional" else style.outline,
                "circle-stroke-width": 0.5,
                "circle-opacity": 0.8 if style.kind == "proportional" else 1.0,
            },
        )
    layer["metadata"] = {
        "socialatlas:kind": style.kind,
        "socialatlas:field": style.field,
        "socialatlas:status_field": style.status_field,
        "socialatlas:title": style.title.get(lang, ""),
        "socialatlas:legend": legend,
    }
    if style.kind == "proportional" and style.geometry == "polygons":
        layer["metadata"]["socialatlas:note"] = (
            "circles at the polygons' centroids: use a point source (centroids) for this layer"
        )
    return layer
