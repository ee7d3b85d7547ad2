"""A :class:`~layers.styles.Style` as a QGIS 3 style file (QML).

A QGIS layer has one renderer, and a graduated renderer never draws a feature whose value is NULL,
while a rule-based renderer would no longer be reported (nor restyled) as graduated. So the QML
keeps a ``graduatedSymbol`` renderer with exactly the ``k`` value classes, and:

* classifies on ``coalesce("<field>", <lowest edge>)``, so features without a value fall in the
  first range and are drawn at all;
* gives every range symbol a data-defined fill colour,
  ``CASE WHEN "<field>_status" = 'suppressed' THEN … WHEN "<field>" IS NULL THEN … END``, which is
  NULL (so the class colour stays) for features with a value;
* adds to every range symbol a second fill layer whose data-defined brush style hatches the
  suppressed and not-applicable features and is ``no`` brush for all others.

QGIS therefore reports a ``graduatedSymbol`` renderer with ``k`` ranges (its class attribute is the
``coalesce`` expression, or the bare field when no feature has a special status), and draws every
feature with the colour of its class or status — checked feature by feature against real QGIS 3.22 in
the tests. The one limit: the QGIS layer legend lists the ``k`` value classes only; the special
statuses appear in the legends of the PDF maps, the SLD rules and the MapLibre metadata.

Symbol layers are written as ``Option`` maps, which QGIS reads from 3.22 on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from layers.classify import finite_edge
from layers.colours import HATCH_COLOUR, SPECIAL_SYMBOLS, qgis_colour
from layers.labels import Placeholders, auto_decimals

if TYPE_CHECKING:
    from layers.styles import Style

_QGIS_METHODS = {"quantiles": "Quantile", "jenks": "Jenks", "equal": "EqualInterval", "fixed": "Custom"}


def quote_field(name: str) -> str:
    """A column name as a QGIS expression identifier."""
    return '"' + name.replace('"', '""') + '"'


def _q_options(parent: ET.Element, options: Mapping[str, str]) -> None:
    """Symbol-layer properties as an Option map (read by QGIS 3.22 and later)."""
    block = ET.SubElement(parent, "Option", type="Map")
    for key, value in options.items():
        ET.SubElement(block, "Option", name=key, type="QString", value=value)


def _q_data_defined(parent: ET.Element, expressions: Mapping[str, str]) -> None:
    block = ET.SubElement(ET.SubElement(parent, "data_defined_properties"), "Option", type="Map")
    ET.SubElement(block, "Option", name="name", type="QString", value="")
    props = ET.SubElement(block, "Option", name="properties", type="Map") if expressions else None
    if props is None:
        ET.SubElement(block, "Option", name="properties")
    for key, expression in expressions.items():
        prop = ET.SubElement(props, "Option", name=key, type="Map")  # type: ignore[arg-type]
        ET.SubElement(prop, "Option", name="active", type="bool", value="true")
        ET.SubElement(prop, "Option", name="expression", type="QString", value=expression)
        ET.SubElement(prop, "Option", name="type", type="int", value="3")
    ET.SubElement(block, "Option", name="type", type="QString", value="collection")


def _q_symbol(
    parent: ET.Element,
    name: str,
    kind: str,
    layers: list[tuple[str, dict[str, str], dict[str, str]]],
    sub: ET.Element | None = None,
) -> ET.Element:
    symbol = ET.SubElement(
        parent, "symbol", type=kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    _q_data_defined(symbol, {})
    for i, (cls, options, expressions) in enumerate(layers):
        layer = ET.SubElement(symbol, "layer", {"class": cls, "pass": "0", "locked": "0", "enabled": "1"})
        _q_options(layer, options)
        _q_data_defined(layer, expressions)
        if sub is not None and i == len(layers) - 1:
            layer.append(sub)
    return symbol


def _q_special_expressions(style: Style) -> tuple[str | None, str | None]:
    """QGIS expressions for the fill colour and hatch brush of special statuses (None when none)."""
    if style.field is None or not any(s.count for s in style.specials):
        return None, None
    value = quote_field(style.field)
    colour, hatch = [], []
    if style.status_field:
        status = quote_field(style.status_field)
        for special in ("suppressed", "not_applicable", "no_data"):
            fill, _, brush, _ = SPECIAL_SYMBOLS[special]
            colour.append(f"WHEN {status} = '{special}' THEN '{fill}'")
            if brush != "no":
                hatch.append(f"WHEN {status} = '{special}' THEN '{brush}'")
    colour.append(f"WHEN {value} IS NULL THEN '{SPECIAL_SYMBOLS['no_data'][0]}'")
    return "CASE " + " ".join(colour) + " END", (
        "CASE " + " ".join(hatch) + " ELSE 'no' END" if hatch else None
    )


def _q_fill_layers(style: Style, colour: str) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    special_colour, special_hatch = _q_special_expressions(style)
    base = {
        "color": qgis_colour(colour),
        "style": "solid" if style.filled else "no",
        "outline_color": qgis_colour(style.outline),
        "outline_style": "solid",
        "outline_width": f"{style.outline_width:g}",
        "outline_width_unit": "Point",
        "joinstyle": "bevel",
    }
    layers = [("SimpleFill", base, {"fillColor": special_colour} if special_colour else {})]
    if special_hatch:
        hatch = {**base, "color": qgis_colour(HATCH_COLOUR), "style": "no", "outline_style": "no"}
        layers.append(("SimpleFill", hatch, {"fillStyle": special_hatch}))
    return layers


def _q_marker_layer(
    style: Style, colour: str, *, size: float, expressions: dict[str, str]
) -> tuple[str, dict[str, str], dict[str, str]]:
    options = {
        "name": "circle",
        "color": qgis_colour(colour),
        "outline_color": qgis_colour("#ffffff" if style.kind == "proportional" else style.outline),
        "outline_style": "solid",
        "outline_width": "0.5" if style.kind == "proportional" else "0.3",
        "outline_width_unit": "Point",
        "size": f"{size:g}",
        "size_unit": "Point",
        "scale_method": "diameter",
        "angle": "0",
    }
    return ("SimpleMarker", options, expressions)


def _q_symbol_for(parent: ET.Element, name: str, style: Style, colour: str) -> ET.Element:
    if style.kind == "proportional":
        assert style.field is not None
        scaled = f"{quote_field(style.field)}, 0, {style.max_value!r}, 0, {style.max_size:g}, 0.5"
        size = f"coalesce(scale_exp({scaled}), 0)"
        marker_colour = style.classes[0].colour
        if style.geometry == "points":
            return _q_symbol(
                parent,
                name,
                "marker",
                [_q_marker_layer(style, marker_colour, size=2, expressions={"size": size})],
            )
        sub = ET.Element(
            "symbol", type="marker", name=f"@{name}@1", alpha="0.8", clip_to_extent="1", force_rhr="0"
        )
        _q_data_defined(sub, {})
        marker = _q_symbol(
            ET.Element("x"),
            "",
            "marker",
            [_q_marker_layer(style, marker_colour, size=2, expressions={"size": size})],
        )
        for layer in marker.findall("layer"):
            sub.append(layer)
        centroid: tuple[str, dict[str, str], dict[str, str]] = (
            "CentroidFill",
            {
                "point_on_surface": "1",
                "point_on_all_parts": "0",
                "clip_points": "0",
                "clip_on_current_part_only": "0",
            },
            {},
        )
        return _q_symbol(parent, name, "fill", [*_q_fill_layers(style, "#f0f0f0"), centroid], sub=sub)
    if style.geometry == "points":
        special_colour, _ = _q_special_expressions(style)
        expressions = {"fillColor": special_colour} if special_colour else {}
        return _q_symbol(
            parent,
            name,
            "marker",
            [_q_marker_layer(style, colour, size=style.marker_size, expressions=expressions)],
        )
    return _q_symbol(parent, name, "fill", _q_fill_layers(style, colour))


def render_qml(style: Style, langs: Sequence[str]) -> dict[str, str]:
    """The QML of ``style`` in each language of ``langs`` (built once, its labels filled in per language)."""
    text = Placeholders()
    root = ET.Element("qgis", version="3.22.0", styleCategories="Symbology")
    common: dict[str, str] = {
        "symbollevels": "0",
        "forceraster": "0",
        "enableorderby": "0",
        "referencescale": "-1",
    }
    classes = style.classes
    if style.kind == "graduated" and classes:
        assert style.field is not None
        special_colour, _ = _q_special_expressions(style)
        lowest = finite_edge(classes[0].lower)
        attr = f"coalesce({quote_field(style.field)}, {lowest!r})" if special_colour else style.field
        renderer = ET.SubElement(
            root,
            "renderer-v2",
            {"type": "graduatedSymbol", "attr": attr, "graduatedMethod": "GraduatedColor", **common},
        )
        ranges = ET.SubElement(renderer, "ranges")
        for i, c in enumerate(classes):
            ET.SubElement(
                ranges,
                "range",
                symbol=str(i),
                lower=repr(finite_edge(c.lower)),
                upper=repr(finite_edge(c.upper)),
                label=text(c.label),
                render="true",
            )
        symbols = ET.SubElement(renderer, "symbols")
        for i, c in enumerate(classes):
            _q_symbol_for(symbols, str(i), style, c.colour)
        method = ET.SubElement(renderer, "classificationMethod", id=_QGIS_METHODS.get(style.method, "Custom"))
        ET.SubElement(method, "symmetricMode", enabled="0", symmetrypoint="0", astride="0")
        ET.SubElement(
            method,
            "labelFormat",
            format="%1 - %2",
            trimtrailingzeroes="1",
            labelprecision=str(auto_decimals(style.edges())),
        )
        ET.SubElement(method, "parameters").append(ET.Element("Option"))
        ET.SubElement(method, "extraInformation")
    elif style.kind == "categorised":
        assert style.field is not None
        renderer = ET.SubElement(
            root, "renderer-v2", {"type": "categorizedSymbol", "attr": style.field, **common}
        )
        categories = ET.SubElement(renderer, "categories")
        for i, c in enumerate(classes):
            ET.SubElement(
                categories,
                "category",
                symbol=str(i),
                value="" if c.value is None else str(c.value),
                label=text(c.label),
                render="true",
            )
        symbols = ET.SubElement(renderer, "symbols")
        for i, c in enumerate(classes):
            _q_symbol_for(symbols, str(i), style, c.colour)
    else:  # single, proportional, or graduated without any value (specials only)
        renderer = ET.SubElement(root, "renderer-v2", {"type": "singleSymbol", **common})
        colour = classes[0].colour if style.kind != "graduated" else SPECIAL_SYMBOLS["no_data"][0]
        _q_symbol_for(ET.SubElement(renderer, "symbols"), "0", style, colour)
    ET.SubElement(renderer, "rotation")
    ET.SubElement(renderer, "sizescale")
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerGeometryType").text = "0" if style.geometry == "points" else "2"
    ET.indent(root)
    xml = ET.tostring(root, encoding="unicode")
    return text.fill("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + xml, langs)
