"""A :class:`~layers.styles.Style` as an OGC SLD 1.1 / Symbology Encoding document.

One rule per value class, followed by one rule per special status present (later rules paint over
earlier ones): no data, not applicable and suppressed each get their fill colour, and the last two
a mark tiled as a hatch. Proportional symbols scale a circle with the square root of the value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from layers.colours import HATCH_COLOUR, SPECIAL_SYMBOLS
from layers.labels import Placeholders

if TYPE_CHECKING:
    from layers.styles import Style

SLD_NS = "http://www.opengis.net/sld"
SE_NS = "http://www.opengis.net/se"
OGC_NS = "http://www.opengis.net/ogc"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_PX_PER_PT_SLD = 0.3528 / 0.28  # SE pixels are 0.28 mm


def _se(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{SE_NS}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _ogc(tag: str, *children: ET.Element, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.Element(f"{{{OGC_NS}}}{tag}", attrs)
    element.extend(children)
    if text is not None:
        element.text = text
    return element


def _compare(op: str, name: str, value: object) -> ET.Element:
    return _ogc(op, _ogc("PropertyName", text=name), _ogc("Literal", text=str(value)))


def _all_of(*conditions: ET.Element) -> ET.Element:
    return conditions[0] if len(conditions) == 1 else _ogc("And", *conditions)


def _s_params(parent: ET.Element, **params: str) -> None:
    for key, value in params.items():
        _se(parent, "SvgParameter", value, name=key.replace("_", "-"))


def _s_polygon(rule: ET.Element, style: Style, colour: str | None, hatch_mark: str = "") -> None:
    symbolizer = _se(rule, "PolygonSymbolizer")
    if colour is not None:
        _s_params(_se(symbolizer, "Fill"), fill=colour)
    stroke = _se(symbolizer, "Stroke")
    _s_params(
        stroke,
        stroke=style.outline,
        stroke_width=f"{style.outline_width * _PX_PER_PT_SLD:.2f}",
        stroke_linejoin="bevel",
    )
    if hatch_mark:
        graphic = _se(_se(_se(rule, "PolygonSymbolizer"), "Fill"), "GraphicFill")
        graphic = _se(graphic, "Graphic")
        mark = _se(graphic, "Mark")
        _se(mark, "WellKnownName", hatch_mark)
        if hatch_mark == "circle":
            _s_params(_se(mark, "Fill"), fill=HATCH_COLOUR)
        else:
            _s_params(_se(mark, "Stroke"), stroke=HATCH_COLOUR, stroke_width="0.8")
        _se(graphic, "Size", "3" if hatch_mark == "circle" else "8")


def _s_point(rule: ET.Element, style: Style, colour: str, size: ET.Element | str) -> None:
    graphic = _se(_se(rule, "PointSymbolizer"), "Graphic")
    mark = _se(graphic, "Mark")
    _se(mark, "WellKnownName", "circle")
    _s_params(_se(mark, "Fill"), fill=colour)
    proportional = style.kind == "proportional"
    _s_params(_se(mark, "Stroke"), stroke="#ffffff" if proportional else style.outline, stroke_width="0.5")
    if proportional:
        _se(graphic, "Opacity", "0.8")
    element = _se(graphic, "Size")
    if isinstance(size, str):
        element.text = size
    else:
        element.append(size)


def _s_rule(parent: ET.Element, name: str, title: str, condition: ET.Element | None) -> ET.Element:
    rule = _se(parent, "Rule")
    _se(rule, "Name", name)
    _se(_se(rule, "Description"), "Title", title)
    if condition is not None:
        if condition.tag == f"{{{SE_NS}}}ElseFilter":
            rule.append(condition)
        else:
            ET.SubElement(rule, f"{{{OGC_NS}}}Filter").append(condition)
    return rule


def render_sld(style: Style, langs: Sequence[str], *, name: str, titles: Mapping[str, str]) -> dict[str, str]:
    """The SLD of ``style`` for the layer ``name`` in each language of ``langs``, titled ``titles[lang]``."""
    text = Placeholders()
    title = text(titles)
    for prefix, uri in (("", SLD_NS), ("se", SE_NS), ("ogc", OGC_NS), ("xsi", _XSI)):
        ET.register_namespace(prefix, uri)
    root = ET.Element(
        f"{{{SLD_NS}}}StyledLayerDescriptor",
        {
            "version": "1.1.0",
            f"{{{_XSI}}}schemaLocation": f"{SLD_NS} http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd",
        },
    )
    layer = ET.SubElement(root, f"{{{SLD_NS}}}NamedLayer")
    _se(layer, "Name", name)
    user = ET.SubElement(layer, f"{{{SLD_NS}}}UserStyle")
    _se(user, "Name", name)
    _se(_se(user, "Description"), "Title", title)
    rules = _se(user, "FeatureTypeStyle")
    field_name = style.field or ""
    points = style.geometry == "points"
    marker = f"{style.marker_size * _PX_PER_PT_SLD:.2f}"
    if style.kind == "proportional":
        if not points:
            _s_polygon(_s_rule(rules, "base", title, None), style, "#f0f0f0")
        size = _ogc(
            "Mul",
            _ogc("Literal", text=repr(style.max_size * _PX_PER_PT_SLD / math.sqrt(style.max_value or 1))),
            _ogc("Function", _ogc("PropertyName", text=field_name), name="sqrt"),
        )
        positive = _compare("PropertyIsGreaterThan", field_name, 0)
        for i, c in enumerate(style.classes[:1]):
            _s_point(
                _s_rule(rules, f"class_{i}", title, positive),
                style,
                c.colour,
                size,
            )
    else:
        for i, c in enumerate(style.classes):
            condition: ET.Element | None = None
            if style.kind == "graduated":
                conditions = []
                if c.lower is not None and math.isfinite(c.lower):
                    op = "PropertyIsGreaterThanOrEqualTo" if i == 0 else "PropertyIsGreaterThan"
                    conditions.append(_compare(op, field_name, repr(c.lower)))
                if c.upper is not None and math.isfinite(c.upper):
                    conditions.append(_compare("PropertyIsLessThanOrEqualTo", field_name, repr(c.upper)))
                condition = (
                    _all_of(*conditions)
                    if conditions
                    else _ogc("Not", _ogc("PropertyIsNull", _ogc("PropertyName", text=field_name)))
                )
            elif style.kind == "categorised":
                condition = (
                    ET.Element(f"{{{SE_NS}}}ElseFilter")
                    if c.value is None
                    else _compare("PropertyIsEqualTo", field_name, c.value)
                )
            rule = _s_rule(rules, f"class_{i}", text(c.label), condition)
            if points:
                _s_point(rule, style, c.colour, marker)
            else:
                _s_polygon(rule, style, c.colour if style.filled else None)
    if style.kind in ("graduated", "proportional"):
        for special in style.specials:
            if not special.count:
                continue
            status = str(special.value)
            is_status = (
                _compare("PropertyIsEqualTo", style.status_field, status) if style.status_field else None
            )
            if status == "no_data":
                missing = _ogc("PropertyIsNull", _ogc("PropertyName", text=field_name))
                condition = _ogc("Or", is_status, missing) if is_status is not None else missing
            elif is_status is None:
                continue
            else:
                condition = is_status
            rule = _s_rule(rules, status, text(special.label), condition)
            fill, _, _, mark = SPECIAL_SYMBOLS[status]
            if points:
                _s_point(rule, style, fill, marker)
            else:
                _s_polygon(rule, style, fill, mark)
    ET.indent(root)
    return text.fill(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode"), langs
    )
