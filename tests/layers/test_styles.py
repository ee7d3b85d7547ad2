"""Styles: classes, colours and legends, and their four renderings (QML, SLD, MapLibre, matplotlib)."""

import json
import subprocess
import xml.etree.ElementTree as ET

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from shapely.geometry import Point, Polygon, box

from geo.errors import InputError
from layers import styles
from layers.layer import LegendEntry

SE = "{http://www.opengis.net/se}"
SLD = "{http://www.opengis.net/sld}"
OGC = "{http://www.opengis.net/ogc}"
SPECIAL_COLOURS = {s: styles.SPECIAL_SYMBOLS[s][0] for s in styles.SPECIALS}


def squares(values, statuses=None):
    """A row of unit squares with a ``rate`` column (and ``rate_status``)."""
    frame = gpd.GeoDataFrame(
        {"rate": np.array(values, dtype=float)},
        geometry=[box(i, 0, i + 1, 1) for i in range(len(values))],
        crs=31370,
    )
    if statuses is not None:
        frame["rate_status"] = statuses
    return frame


def rate_style(frame, **options):
    status = frame.get("rate_status")
    return styles.graduated(frame["rate"], field="rate", status=status, **options)


@pytest.fixture()
def with_specials():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, np.nan, np.nan, np.nan, 99]
    status = ["ok"] * 10 + ["no_data", "not_applicable", "suppressed", "suppressed"]
    return squares(values, status)


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "text"),
    [
        (1234.5, "fr", 1, "1 234,5"),
        (1234.5, "nl", 1, "1.234,5"),
        (1234.5, "en", 1, "1,234.5"),
        (1234567, "fr", 0, "1 234 567"),
        (1234567, "nl", 0, "1.234.567"),
        (-0.25, "fr", 2, "-0,25"),
        (-0.0001, "en", 1, "0.0"),
        (0.5, "nl", 0, "0"),
    ],
)
def test_numbers_are_written_as_each_language_writes_them(value, lang, decimals, text):
    assert styles.format_number(value, lang, decimals=decimals) == text


def test_colour_ramps_are_the_colorbrewer_schemes():
    assert styles.ramp_colours("YlGnBu", 5) == ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
    assert styles.ramp_colours("RdBu", 3) == ["#ef8a62", "#f7f7f7", "#67a9cf"]
    assert styles.ramp_colours("PuBu", 2) == ["#ece7f2", "#2b8cbe"]
    assert styles.ramp_colours("YlOrRd", 4, reverse=True)[0] == "#e31a1c"
    for name, table in styles.RAMPS.items():
        for n, colours in table.items():
            assert len(colours) == n and len(set(colours)) == n, name
    with pytest.raises(InputError, match="3 to 9"):
        styles.ramp_colours("Blues", 12)
    with pytest.raises(InputError, match="not a colour ramp"):
        styles.ramp_colours("jet", 5)


def test_graduated_legend_in_three_languages_with_unit_and_counts(with_specials):
    style = rate_style(
        with_specials, method="equal", k=3, unit={"fr": "‰", "nl": "‰", "en": "per 1,000"}, fixed=None
    )
    fr, nl, en = (style.legend(lang) for lang in ("fr", "nl", "en"))
    assert [e.label for e in fr[:3]] == ["1 – 4 ‰", "4 – 7 ‰", "7 – 10 ‰"]
    assert [e.label for e in en[:3]] == ["1 – 4 per 1,000", "4 – 7 per 1,000", "7 – 10 per 1,000"]
    assert [e.count for e in fr[:3]] == [4, 3, 3]  # closed above: 4 falls in the first class
    assert [e.label for e in fr[3:]] == [
        "Pas de données",
        "Sans objet (non résidentiel)",
        "Secret statistique (< seuil)",
    ]
    assert [e.label for e in nl[3:]] == [
        "Geen gegevens",
        "Niet van toepassing (niet-residentieel)",
        "Statistisch geheim",
    ]
    assert [e.label for e in en[3:]] == [
        "No data",
        "Not applicable (non-residential)",
        "Suppressed (small count)",
    ]
    assert [e.count for e in fr[3:]] == [1, 1, 2]  # the suppressed 99 is suppressed, not a value
    assert [e.colour for e in fr[3:]] == list(SPECIAL_COLOURS.values())
    assert fr[4].hatch and fr[5].hatch and not fr[3].hatch
    assert all(isinstance(e, LegendEntry) and e.symbol == "fill" for e in fr)


def test_thousands_and_decimals_in_labels():
    frame = squares([1200.5, 2500.25, 3900, 15000.75])
    style = rate_style(frame, method="equal", k=2, unit="hab./km²")
    assert style.legend("fr")[0].label == "1 200 – 8 101 hab./km²"
    assert style.legend("nl")[1].label == "8.101 – 15.001 hab./km²"
    small = rate_style(squares([0.012, 0.5, 0.9]), method="equal", k=2)
    assert small.legend("en")[0].label == "0.01 – 0.46"


def test_special_statuses_are_shown_only_when_present():
    style = rate_style(squares([1, 2, 3, 4], ["ok"] * 4), k=2)
    assert len(style.legend("fr")) == 2
    style = rate_style(squares([1, 2, np.nan, 4]), k=2)  # no status column: NaN is "no data"
    assert [e.label for e in style.legend("en")][-1] == "No data"


def test_status_wins_over_the_value_and_nan_is_no_data():
    frame = squares([1, 2, 3, 50, np.nan], ["ok", "ok", "ok", "suppressed", "ok"])
    style = rate_style(frame, method="quantiles", k=3)
    colours = style.feature_colours(frame)
    assert colours[3] == SPECIAL_COLOURS["suppressed"] and colours[4] == SPECIAL_COLOURS["no_data"]
    assert style.edges()[-1] == 3  # the suppressed 50 takes no part in the breaks
    assert list(style.statuses(frame)) == ["ok", "ok", "ok", "suppressed", "no_data"]


def test_unknown_status_is_refused():
    with pytest.raises(InputError, match="unknown status 'secret'"):
        rate_style(squares([1, 2], ["ok", "secret"]))


def test_few_distinct_values_make_one_class_per_value():
    style = rate_style(squares([0, 0, 1, 1, 1, 2]), method="jenks", k=5)
    assert [e.label for e in style.legend("fr")] == ["0", "1", "2"]
    assert [e.count for e in style.legend("fr")] == [2, 3, 1]
    single = rate_style(squares([7, 7, 7]), k=5)
    assert [e.label for e in single.legend("fr")] == ["7"]
    empty = rate_style(squares([np.nan, np.nan], ["no_data", "not_applicable"]))
    assert empty.classes == () and [e.count for e in empty.legend("fr")] == [1, 1]


def test_fixed_breaks_make_two_maps_comparable():
    edges = [0, 10, 20, 40]
    a = rate_style(squares([1, 2, 15]), method="fixed", fixed=edges)
    b = rate_style(squares([25, 30, 35, 39]), method="fixed", fixed=edges)
    assert [c.colour for c in a.classes] == [c.colour for c in b.classes]
    assert (
        [e.label for e in a.legend("fr")]
        == [e.label for e in b.legend("fr")]
        == ["0 – 10", "10 – 20", "20 – 40"]
    )
    assert [e.count for e in b.legend("fr")] == [0, 0, 4]
    with pytest.raises(InputError, match="outside the edges"):
        rate_style(squares([1, 50]), method="fixed", fixed=edges)


def test_diverging_ramp_is_centred_on_the_reference_value():
    values = np.array([0.2, 0.5, 0.8, 0.9, 1.0, 1.1, 1.5, 2.0, 3.0, 4.0])
    style = styles.graduated(values, field="lq", method="quantiles", k=4, ramp="RdBu", centre=1)
    edges = style.edges()
    assert 1.0 in edges.tolist()
    below = [c.colour for c in style.classes if c.upper <= 1]
    above = [c.colour for c in style.classes if c.lower >= 1]
    reds, blues = set(styles.RAMPS["RdBu"][11][:5]), set(styles.RAMPS["RdBu"][11][6:])
    assert below and above and set(below) <= reds | {"#ef8a62", "#ca0020", "#f4a582"}
    assert set(above) <= blues | {"#67a9cf", "#0571b0", "#92c5de"}
    with pytest.raises(InputError, match="diverging ramp"):
        styles.graduated(values, field="lq", ramp="YlGnBu", centre=1)


def test_categorised_keeps_the_most_frequent_values_and_groups_the_rest():
    values = ["a"] * 5 + ["b"] * 4 + ["c"] * 3 + ["d"] * 2 + ["e"] + [None]
    labels = {"b": {"fr": "Bé", "nl": "Bee", "en": "Bee"}, "a": "A"}
    style = styles.categorised(values, field="cat", labels=labels, max_classes=4)
    entries = style.legend("nl")
    assert [e.label for e in entries] == ["Bee", "A", "c", "Andere"]
    assert [e.count for e in entries] == [4, 5, 3, 4]  # d, d, e and the missing value are "other"
    assert entries[-1].colour == styles.OTHER_COLOUR and entries[0].symbol == "marker"
    assert [e.colour for e in entries[:3]] == [c.upper() for c in styles.OKABE_ITO[:3]]
    frame = gpd.GeoDataFrame({"cat": values}, geometry=[Point(i, 0) for i in range(len(values))])
    assert list(style.feature_colours(frame)[[0, 5, 12, 15]]) == [
        "#56B4E9",
        "#E69F00",
        styles.OTHER_COLOUR,
        styles.OTHER_COLOUR,
    ]


def test_first_item_of_lists():
    assert styles.first_item(["C-SP-03;C-SP-07", "", None, "A-1"]).tolist() == ["C-SP-03", None, None, "A-1"]


def test_proportional_circles_have_area_proportional_to_the_value():
    style = styles.proportional([0, 25, 100, np.nan], field="places", max_size=20, unit="places")
    sizes = style.size_for(np.array([0, 25, 100, 400]))
    assert sizes.tolist() == pytest.approx([0, 10, 20, 20 * 2])
    assert [e.label for e in style.legend("fr")] == ["100 places", "25 places", "5 places"]
    assert all(e.symbol == "circle" and e.size for e in style.legend("fr")[:3])
    with pytest.raises(InputError, match="0 or more"):
        styles.proportional([-1, 2], field="x")


# --- QML ------------------------------------------------------------------------------------------


def parse_qml(text):
    assert text.startswith("<!DOCTYPE qgis")
    return ET.fromstring(text.split("\n", 1)[1])


def test_qml_is_a_graduated_renderer_with_k_classes_and_drawn_specials(with_specials):
    style = rate_style(with_specials, method="jenks", k=4)
    root = parse_qml(style.qml("nl"))
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "graduatedSymbol"
    assert renderer.get("attr") == f'coalesce("rate", {float(style.edges()[0])!r})'  # NULL values are drawn
    ranges = renderer.findall("ranges/range")
    assert len(ranges) == 4 and ranges[0].get("label") == style.legend("nl")[0].label
    assert [float(r.get("upper")) for r in ranges] == pytest.approx(style.edges()[1:].tolist())
    symbols = renderer.findall("symbols/symbol")
    assert len(symbols) == 4
    layer = symbols[0].find("layer")
    colour = next(o for o in layer.iter("Option") if o.get("name") == "color").get("value")
    assert colour == "255,255,204,255"
    expressions = [o.get("value") for o in symbols[0].iter("Option") if o.get("name") == "expression"]
    assert any("'suppressed' THEN '#bdbdbd'" in e and '"rate" IS NULL' in e for e in expressions)
    assert any("'diagonal_x'" in e and "ELSE 'no'" in e for e in expressions)
    assert root.findtext("layerGeometryType") == "2"


def test_qml_without_specials_classifies_on_the_field_itself():
    root = parse_qml(rate_style(squares([1, 2, 3, 4])).qml())
    assert root.find("renderer-v2").get("attr") == "rate"
    assert not [o for o in root.iter("Option") if o.get("name") == "expression"]


def test_qml_categorised_single_and_proportional():
    cat = styles.categorised(["a", "b", "c", None], field="kind", max_classes=2)
    renderer = parse_qml(cat.qml()).find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "kind"
    assert [c.get("value") for c in renderer.findall("categories/category")] == ["a", ""]  # "" = all others
    single = parse_qml(styles.single(filled=False, colour="#333333").qml()).find("renderer-v2")
    assert single.get("type") == "singleSymbol"
    assert any(o.get("name") == "style" and o.get("value") == "no" for o in single.iter("Option"))
    prop = parse_qml(styles.proportional([1, 4], field="beds", geometry="polygons").qml())
    assert prop.find("renderer-v2").get("type") == "singleSymbol"
    assert prop.find(".//layer[@class='CentroidFill']/symbol") is not None
    size = [o.get("value") for o in prop.iter("Option") if o.get("name") == "expression"]
    assert any(e.startswith('coalesce(scale_exp("beds", 0, 4.0, 0, 24, 0.5)') for e in size)


# --- SLD ------------------------------------------------------------------------------------------

RULE_ORDER = [
    "Name",
    "Description",
    "LegendGraphic",
    "Filter",
    "ElseFilter",
    "MinScaleDenominator",
    "MaxScaleDenominator",
    "PolygonSymbolizer",
    "PointSymbolizer",
    "LineSymbolizer",
    "TextSymbolizer",
]
FILTER_OPS = {
    "And",
    "Or",
    "Not",
    "PropertyIsEqualTo",
    "PropertyIsGreaterThan",
    "PropertyIsGreaterThanOrEqualTo",
    "PropertyIsLessThanOrEqualTo",
    "PropertyIsNull",
}


def check_sld(text):
    """Structural checks against the SLD 1.1 / SE 1.1 schemas: elements, namespaces and their order."""
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{SLD}StyledLayerDescriptor" and root.get("version") == "1.1.0"
    layer = root.find(f"{SLD}NamedLayer")
    assert layer.find(f"{SE}Name").text
    user = layer.find(f"{SLD}UserStyle")
    assert [child.tag for child in user] == [f"{SE}Name", f"{SE}Description", f"{SE}FeatureTypeStyle"]
    rules = user.find(f"{SE}FeatureTypeStyle").findall(f"{SE}Rule")
    for rule in rules:
        tags = [child.tag.split("}")[1] for child in rule]
        assert tags == sorted(tags, key=RULE_ORDER.index), tags
        assert rule.find(f"{SE}Description/{SE}Title").text
        condition = rule.find(f"{OGC}Filter")
        if condition is not None:
            assert len(condition) == 1
            for element in condition.iter():
                name = element.tag.split("}")[1]
                assert name in FILTER_OPS | {"Filter", "PropertyName", "Literal"}, name
        for fill in rule.iter(f"{SE}Fill"):
            tags = [child.tag.split("}")[1] for child in fill]
            assert tags == sorted(tags, key=["GraphicFill", "SvgParameter"].index)
        for parameter in rule.iter(f"{SE}SvgParameter"):
            assert parameter.get("name") in {"fill", "stroke", "stroke-width", "stroke-linejoin"}
            if parameter.get("name") in ("fill", "stroke"):
                assert len(parameter.text) == 7 and parameter.text.startswith("#")
        for graphic in rule.iter(f"{SE}Graphic"):
            tags = [child.tag.split("}")[1] for child in graphic]
            assert tags == sorted(tags, key=["Mark", "Opacity", "Size", "Rotation"].index)
    return rules


def test_sld_has_one_rule_per_class_then_one_per_special(with_specials):
    style = rate_style(with_specials, method="quantiles", k=4)
    rules = check_sld(style.sld("en", name="rates", title="Rates"))
    assert len(rules) == 4 + 3
    titles = [r.find(f"{SE}Description/{SE}Title").text for r in rules]
    assert titles == [e.label for e in style.legend("en")]
    first, second = rules[0].find(f"{OGC}Filter/{OGC}And"), rules[1].find(f"{OGC}Filter/{OGC}And")
    assert first[0].tag == f"{OGC}PropertyIsGreaterThanOrEqualTo"  # the first class includes its lower edge
    assert second[0].tag == f"{OGC}PropertyIsGreaterThan"
    suppressed = rules[-1]
    assert suppressed.find(f".//{OGC}Literal").text == "suppressed"
    assert suppressed.find(f".//{SE}GraphicFill//{SE}WellKnownName").text == "x"
    no_data = rules[4].find(f"{OGC}Filter/{OGC}Or")
    assert no_data.find(f"{OGC}PropertyIsNull") is not None


def test_sld_for_categories_points_and_proportional_symbols():
    cat = styles.categorised(["a", "b", "c"], field="kind", max_classes=2)
    rules = check_sld(cat.sld())
    assert (
        rules[-1].find(f"{SE}ElseFilter") is not None and rules[0].find(f".//{SE}PointSymbolizer") is not None
    )
    prop = check_sld(styles.proportional([1, 9], field="beds").sld())
    size = prop[0].find(f".//{SE}Size/{OGC}Mul/{OGC}Function")
    assert size.get("name") == "sqrt"
    check_sld(styles.single(label="Communes", filled=False).sld())


# --- MapLibre -------------------------------------------------------------------------------------


def evaluate(expression, properties):
    """A small evaluator of the MapLibre expressions the styles use."""
    if not isinstance(expression, list):
        return expression
    op, *args = expression
    if op == "get":
        return properties.get(args[0])
    if op == "typeof":
        value = evaluate(args[0], properties)
        return "number" if isinstance(value, int | float) and not isinstance(value, bool) else "other"
    if op in ("==", "!="):
        same = evaluate(args[0], properties) == evaluate(args[1], properties)
        return same if op == "==" else not same
    if op == "to-string":
        value = evaluate(args[0], properties)
        return "" if value is None else str(value)
    if op == "case":
        for condition, output in zip(args[:-1:2], args[1::2], strict=True):
            if evaluate(condition, properties):
                return evaluate(output, properties)
        return evaluate(args[-1], properties)
    if op == "step":
        value, output = evaluate(args[0], properties), args[1]
        for stop, colour in zip(args[2::2], args[3::2], strict=True):
            if value >= stop:
                output = colour
        return output
    if op == "match":
        value = evaluate(args[0], properties)
        for label, output in zip(args[1:-1:2], args[2:-1:2], strict=True):
            if value == label:
                return output
        return args[-1]
    raise AssertionError(f"unexpected operator {op}")


def test_maplibre_layer_colours_every_feature_as_the_other_renderings(with_specials):
    style = rate_style(with_specials, method="quantiles", k=4)
    layer = style.maplibre("fr", id="rates", source="atlas")
    assert json.loads(json.dumps(layer)) == layer
    assert layer["type"] == "fill" and layer["id"] == "rates" and layer["source"] == "atlas"
    expression = layer["paint"]["fill-color"]
    assert expression[0] == "case" and expression[-1][0] == "step"
    records = with_specials.drop(columns="geometry").astype(object).where(with_specials.notna(), None)
    expected = style.feature_colours(with_specials)
    for props, colour in zip(records.to_dict("records"), expected, strict=True):
        assert evaluate(expression, props) == colour
    legend = layer["metadata"]["socialatlas:legend"]
    assert [item["label"] for item in legend] == [e.label for e in style.legend("fr")]


def test_maplibre_circles_for_points_categories_and_proportional_symbols():
    cat = styles.categorised(["a", "b", "c", None], field="kind", max_classes=2)
    layer = cat.maplibre()
    assert layer["type"] == "circle" and layer["paint"]["circle-color"][0] == "match"
    assert evaluate(layer["paint"]["circle-color"], {"kind": "a"}) == cat.classes[0].colour
    assert evaluate(layer["paint"]["circle-color"], {"kind": None}) == styles.OTHER_COLOUR
    prop = styles.proportional([4, 16], field="beds", max_size=12).maplibre()
    assert prop["type"] == "circle" and prop["paint"]["circle-radius"][0] == "*"


# --- matplotlib -----------------------------------------------------------------------------------


def test_draw_uses_the_same_colours_and_hatches_the_specials(with_specials):
    style = rate_style(with_specials, method="quantiles", k=4)
    fig, ax = plt.subplots()
    style.draw(with_specials, ax, lang="fr")
    fills = ax.collections[0]
    drawn = [to_hex(c) for c in fills.get_facecolors()]
    assert drawn == [c.lower() for c in style.feature_colours(with_specials)]
    hatches = {c.get_hatch() for c in ax.collections if c.get_hatch()}
    assert hatches == {styles.SPECIAL_SYMBOLS["not_applicable"][1], styles.SPECIAL_SYMBOLS["suppressed"][1]}
    plt.close(fig)


def test_draw_polygons_as_one_collection_for_fills_each_hatch_and_outlines(with_specials):
    style = rate_style(with_specials, method="quantiles", k=4)
    fig, ax = plt.subplots()
    style.draw(with_specials, ax)
    fills, dots, crosses, outlines = ax.collections
    assert len(fills.get_paths()) == len(outlines.get_paths()) == len(with_specials)
    assert (dots.get_hatch(), len(dots.get_paths())) == ("..", 1)  # not applicable
    assert (crosses.get_hatch(), len(crosses.get_paths())) == ("xx", 2)  # suppressed
    assert to_hex(outlines.get_edgecolor()[0]) == styles.OUTLINE and not outlines.get_facecolor().size
    plt.close(fig)


def test_draw_leaves_holes_empty():
    ring = box(0, 0, 10, 10).exterior.coords
    hole = box(4, 4, 6, 6).exterior.coords  # turning the same way as the ring
    frame = gpd.GeoDataFrame(geometry=[Polygon(ring, [hole])], crs=31370)
    fig = Figure(figsize=(1, 1), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    styles.single(colour="#000000").draw(frame, ax)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())
    assert pixels[50, 50, 0] == 255 and pixels[80, 20, 0] == 0  # hole white, ring black


def test_draw_points_and_proportional_circles():
    frame = gpd.GeoDataFrame(
        {"kind": ["a", "b", "a"], "beds": [1, 4, np.nan]},
        geometry=[Point(0, 0), Point(1, 1), Point(2, 2)],
        crs=31370,
    )
    fig, ax = plt.subplots()
    styles.categorised(frame["kind"], field="kind").draw(frame, ax)
    prop = styles.proportional(frame["beds"], field="beds", max_size=10)
    prop.draw(frame, ax)
    points, circles = ax.collections
    assert len(points.get_offsets()) == 3
    assert sorted(circles.get_sizes().tolist()) == pytest.approx([25, 100])  # diameters 5 and 10 points
    plt.close(fig)


# --- real data, and what QGIS makes of the QML ----------------------------------------------------


@pytest.fixture(scope="module")
def sectors_rate(brussels_workspace):
    from geo.workspace import read_table

    sectors = read_table(brussels_workspace, "sectors")
    rng = np.random.default_rng(7)
    rate = sectors["population"] / (sectors.area / 1e6)
    status = np.where(sectors["population"] == 0, "not_applicable", "ok").astype(object)
    status[rng.random(len(sectors)) < 0.04] = "suppressed"
    status[rng.random(len(sectors)) < 0.03] = "no_data"
    rate[status != "ok"] = np.nan
    return sectors.assign(rate=rate, rate_status=status)


def test_real_sectors_every_feature_has_one_colour_and_the_counts_add_up(sectors_rate):
    style = rate_style(sectors_rate, method="jenks", k=5, unit="hab./km²")
    entries = style.legend("fr")
    assert sum(e.count for e in entries) == len(sectors_rate) == 724
    colours = style.feature_colours(sectors_rate)
    assert all(c is not None for c in colours)
    assert set(colours) <= {e.colour for e in entries}
    assert len(parse_qml(style.qml()).findall("renderer-v2/ranges/range")) == 5


QGIS_COLOURS = r"""
import json, os, sys, tempfile
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
home = tempfile.mkdtemp()
for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "QGIS_CUSTOM_CONFIG_PATH"):
    os.environ.setdefault(var, home)
from qgis.core import (QgsApplication, QgsExpressionContextUtils, QgsRenderContext, QgsSymbolLayer,
                       QgsVectorLayer)
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()
layer = QgsVectorLayer(sys.argv[1], "layer", "ogr")
message, ok = layer.loadNamedStyle(sys.argv[2])
renderer = layer.renderer()
context = QgsRenderContext()
context.expressionContext().appendScopes(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
renderer.startRender(context, layer.fields())
colours = {}
for feature in layer.getFeatures():
    context.expressionContext().setFeature(feature)
    symbol = renderer.symbolForFeature(feature, context)
    if symbol is None:
        colours[feature["row"]] = None
        continue
    fill = symbol.symbolLayer(0)
    prop = fill.dataDefinedProperties().property(QgsSymbolLayer.PropertyFillColor)
    colour = fill.color()
    if prop.isActive():
        colour = prop.valueAsColor(context.expressionContext(), colour)[0]
    colours[feature["row"]] = colour.name()
renderer.stopRender(context)
print(json.dumps({"ok": ok, "type": renderer.type(), "colours": colours}))
os._exit(0)
"""


def test_qgis_draws_every_feature_with_the_colour_of_its_class_or_status(sectors_rate, tmp_path):
    probe = subprocess.run(["/usr/bin/python3", "-c", "import qgis.core"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("QGIS Python bindings are not installed (../shared/tools/install_qgis.sh)")
    style = rate_style(sectors_rate, method="quantiles", k=5)
    data = sectors_rate.assign(row=np.arange(len(sectors_rate)))
    data.to_file(tmp_path / "rates.gpkg", layer="rates", engine="pyogrio")
    (tmp_path / "rates.qml").write_text(style.qml("fr"), encoding="utf-8")
    (tmp_path / "probe.py").write_text(QGIS_COLOURS)
    done = subprocess.run(
        [
            "/usr/bin/python3",
            str(tmp_path / "probe.py"),
            str(tmp_path / "rates.gpkg"),
            str(tmp_path / "rates.qml"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    seen = json.loads(done.stdout)
    assert seen["ok"] and seen["type"] == "graduatedSymbol"
    expected = [c.lower() for c in style.feature_colours(sectors_rate)]
    assert [seen["colours"][str(i)] for i in range(len(expected))] == expected
    assert {"#d9d9d9", "#ffffff", "#bdbdbd"} <= set(expected)  # the specials were there to be drawn


def test_colour_table_is_usable_as_pandas_values():
    style = rate_style(squares([1, 2, 3]), k=3)
    assert pd.Series(style.feature_colours(squares([1, 2, 3]))).notna().all()
