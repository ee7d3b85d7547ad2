"""One style specification, four renderings: QGIS QML, OGC SLD 1.1, a MapLibre layer, matplotlib.

A :class:`Style` is built once from the values it will show (:func:`graduated`, :func:`categorised`,
:func:`proportional`, :func:`single`) and then rendered as a QGIS style (``qml``), an OGC Symbology
Encoding / SLD 1.1 document (``sld``), a MapLibre GL style layer (``maplibre``) or drawn on a
matplotlib axis (``draw``), all with the same classes, colours and legend labels in fr / nl / en.

Special statuses
----------------
Indicator columns hold NaN where there is no figure, and a companion text column
``<field>_status`` says why: ``ok``, ``no_data``, ``not_applicable`` or ``suppressed``. A status other
than ``ok`` wins over the value (a suppressed figure that leaked into the column is still drawn as
suppressed); a NaN with status ``ok`` or no status column is drawn as "no data". Each special status
has its own symbol (:data:`SPECIAL_SYMBOLS`) and legend label.

How QGIS draws them. A QGIS layer has one renderer, and a graduated renderer never draws a feature
whose value is NULL, while a rule-based renderer would no longer be reported (nor restyled) as
graduated. So the QML keeps a ``graduatedSymbol`` renderer with exactly the ``k`` value classes, and:

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

The SLD has one rule per value class followed by one rule per special status present (later rules
paint over earlier ones). The MapLibre layer uses a ``case`` on the status before a ``step`` on the
value, whose stops are nudged up by one ulp so that classes stay closed above as everywhere else.
QML symbol layers are written as ``Option`` maps, which QGIS reads from 3.22 on.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from geo.errors import InputError
from layers.classify import Method, as_float, breaks, classify
from layers.layer import LANGS, LegendEntry

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

StyleKind = Literal["graduated", "categorised", "single", "proportional"]
GeometryKind = Literal["polygons", "points"]
Text = str | Mapping[str, str]

STATUSES = ("ok", "no_data", "not_applicable", "suppressed")
SPECIALS = ("no_data", "not_applicable", "suppressed")
SPECIAL_LABELS: dict[str, dict[str, str]] = {
    "no_data": {"fr": "Pas de données", "nl": "Geen gegevens", "en": "No data"},
    "not_applicable": {
        "fr": "Sans objet (non résidentiel)",
        "nl": "Niet van toepassing (niet-residentieel)",
        "en": "Not applicable (non-residential)",
    },
    "suppressed": {
        "fr": "Secret statistique (< seuil)",
        "nl": "Statistisch geheim",
        "en": "Suppressed (small count)",
    },
}
HATCH_COLOUR = "#636363"  # colour of every hatch (matplotlib draws hatches in the edge colour)
# status -> (fill colour, matplotlib hatch, QGIS brush style, SLD mark tiled as a fill)
SPECIAL_SYMBOLS: dict[str, tuple[str, str | None, str, str]] = {
    "no_data": ("#d9d9d9", None, "no", ""),
    "not_applicable": ("#ffffff", "..", "dense6", "circle"),
    "suppressed": ("#bdbdbd", "xx", "diagonal_x", "x"),
}
OTHER_LABEL = {"fr": "Autres", "nl": "Andere", "en": "Other"}
OTHER_COLOUR = "#999999"
OUTLINE = "#808080"

# ColorBrewer (Cynthia Brewer, colorbrewer2.org), colour-blind safe schemes, 3 to 9 (sequential)
# or 3 to 11 (diverging) classes, light to dark / first to last.
_SEQUENTIAL = {
    "YlGnBu": (
        "edf8b1 7fcdbb 2c7fb8|ffffcc a1dab4 41b6c4 225ea8|ffffcc a1dab4 41b6c4 2c7fb8 253494|"
        "ffffcc c7e9b4 7fcdbb 41b6c4 2c7fb8 253494|ffffcc c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84|"
        "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84|"
        "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 253494 081d58"
    ),
    "YlOrRd": (
        "ffeda0 feb24c f03b20|ffffb2 fecc5c fd8d3c e31a1c|ffffb2 fecc5c fd8d3c f03b20 bd0026|"
        "ffffb2 fed976 feb24c fd8d3c f03b20 bd0026|ffffb2 fed976 feb24c fd8d3c fc4e2a e31a1c b10026|"
        "ffffcc ffeda0 fed976 feb24c fd8d3c fc4e2a e31a1c b10026|"
        "ffffcc ffeda0 fed976 feb24c fd8d3c fc4e2a e31a1c bd0026 800026"
    ),
    "PuBu": (
        "ece7f2 a6bddb 2b8cbe|f1eef6 bdc9e1 74a9cf 0570b0|f1eef6 bdc9e1 74a9cf 2b8cbe 045a8d|"
        "f1eef6 d0d1e6 a6bddb 74a9cf 2b8cbe 045a8d|f1eef6 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 034e7b|"
        "fff7fb ece7f2 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 034e7b|"
        "fff7fb ece7f2 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 045a8d 023858"
    ),
    "OrRd": (
        "fee8c8 fdbb84 e34a33|fef0d9 fdcc8a fc8d59 d7301f|fef0d9 fdcc8a fc8d59 e34a33 b30000|"
        "fef0d9 fdd49e fdbb84 fc8d59 e34a33 b30000|fef0d9 fdd49e fdbb84 fc8d59 ef6548 d7301f 990000|"
        "fff7ec fee8c8 fdd49e fdbb84 fc8d59 ef6548 d7301f 990000|"
        "fff7ec fee8c8 fdd49e fdbb84 fc8d59 ef6548 d7301f b30000 7f0000"
    ),
    "Blues": (
        "deebf7 9ecae1 3182bd|eff3ff bdd7e7 6baed6 2171b5|eff3ff bdd7e7 6baed6 3182bd 08519c|"
        "eff3ff c6dbef 9ecae1 6baed6 3182bd 08519c|eff3ff c6dbef 9ecae1 6baed6 4292c6 2171b5 084594|"
        "f7fbff deebf7 c6dbef 9ecae1 6baed6 4292c6 2171b5 084594|"
        "f7fbff deebf7 c6dbef 9ecae1 6baed6 4292c6 2171b5 08519c 08306b"
    ),
    "Greens": (
        "e5f5e0 a1d99b 31a354|edf8e9 bae4b3 74c476 238b45|edf8e9 bae4b3 74c476 31a354 006d2c|"
        "edf8e9 c7e9c0 a1d99b 74c476 31a354 006d2c|edf8e9 c7e9c0 a1d99b 74c476 41ab5d 238b45 005a32|"
        "f7fcf5 e5f5e0 c7e9c0 a1d99b 74c476 41ab5d 238b45 005a32|"
        "f7fcf5 e5f5e0 c7e9c0 a1d99b 74c476 41ab5d 238b45 006d2c 00441b"
    ),
    "Purples": (
        "efedf5 bcbddc 756bb1|f2f0f7 cbc9e2 9e9ac8 6a51a3|f2f0f7 cbc9e2 9e9ac8 756bb1 54278f|"
        "f2f0f7 dadaeb bcbddc 9e9ac8 756bb1 54278f|f2f0f7 dadaeb bcbddc 9e9ac8 807dba 6a51a3 4a1486|"
        "fcfbfd efedf5 dadaeb bcbddc 9e9ac8 807dba 6a51a3 4a1486|"
        "fcfbfd efedf5 dadaeb bcbddc 9e9ac8 807dba 6a51a3 54278f 3f007d"
    ),
}
_DIVERGING = {
    "RdBu": (
        "ef8a62 f7f7f7 67a9cf|ca0020 f4a582 92c5de 0571b0|ca0020 f4a582 f7f7f7 92c5de 0571b0|"
        "b2182b ef8a62 fddbc7 d1e5f0 67a9cf 2166ac|b2182b ef8a62 fddbc7 f7f7f7 d1e5f0 67a9cf 2166ac|"
        "b2182b d6604d f4a582 fddbc7 d1e5f0 92c5de 4393c3 2166ac|"
        "b2182b d6604d f4a582 fddbc7 f7f7f7 d1e5f0 92c5de 4393c3 2166ac|"
        "67001f b2182b d6604d f4a582 fddbc7 d1e5f0 92c5de 4393c3 2166ac 053061|"
        "67001f b2182b d6604d f4a582 fddbc7 f7f7f7 d1e5f0 92c5de 4393c3 2166ac 053061"
    ),
    "PuOr": (
        "f1a340 f7f7f7 998ec3|e66101 fdb863 b2abd2 5e3c99|e66101 fdb863 f7f7f7 b2abd2 5e3c99|"
        "b35806 f1a340 fee0b6 d8daeb 998ec3 542788|b35806 f1a340 fee0b6 f7f7f7 d8daeb 998ec3 542788|"
        "b35806 e08214 fdb863 fee0b6 d8daeb b2abd2 8073ac 542788|"
        "b35806 e08214 fdb863 fee0b6 f7f7f7 d8daeb b2abd2 8073ac 542788|"
        "7f3b08 b35806 e08214 fdb863 fee0b6 d8daeb b2abd2 8073ac 542788 2d004b|"
        "7f3b08 b35806 e08214 fdb863 fee0b6 f7f7f7 d8daeb b2abd2 8073ac 542788 2d004b"
    ),
    "BrBG": (
        "d8b365 f5f5f5 5ab4ac|a6611a dfc27d 80cdc1 018571|a6611a dfc27d f5f5f5 80cdc1 018571|"
        "8c510a d8b365 f6e8c3 c7eae5 5ab4ac 01665e|8c510a d8b365 f6e8c3 f5f5f5 c7eae5 5ab4ac 01665e|"
        "8c510a bf812d dfc27d f6e8c3 c7eae5 80cdc1 35978f 01665e|"
        "8c510a bf812d dfc27d f6e8c3 f5f5f5 c7eae5 80cdc1 35978f 01665e|"
        "543005 8c510a bf812d dfc27d f6e8c3 c7eae5 80cdc1 35978f 01665e 003c30|"
        "543005 8c510a bf812d dfc27d f6e8c3 f5f5f5 c7eae5 80cdc1 35978f 01665e 003c30"
    ),
}
# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")


def _table(schemes: str) -> dict[int, tuple[str, ...]]:
    rows = [tuple(f"#{c}" for c in row.split()) for row in schemes.split("|")]
    return {len(row): row for row in rows}


RAMPS: dict[str, dict[int, tuple[str, ...]]] = {
    name: _table(text) for name, text in {**_SEQUENTIAL, **_DIVERGING}.items()
}
DIVERGING = frozenset(_DIVERGING)


def ramp_colours(name: str, n: int, *, reverse: bool = False) -> list[str]:
    """``n`` colours of the ColorBrewer scheme ``name`` (fewer than 3 are taken from the 3-class scheme)."""
    if name not in RAMPS:
        raise InputError(f"ramp: {name!r} is not a colour ramp; use one of {', '.join(RAMPS)}")
    table = RAMPS[name]
    if n < 1 or n > max(table):
        raise InputError(f"ramp: {name} has 3 to {max(table)} colours; {n} classes asked")
    colours = list(table[n]) if n >= 3 else [table[3][i] for i in ((1,) if n == 1 else (0, 2))]
    return colours[::-1] if reverse else colours


def _centred_colours(name: str, sides: Sequence[int], *, reverse: bool) -> list[str]:
    """Diverging colours for classes below (-1), astride (0) and above (+1) the centre."""
    below, above, astride = sides.count(-1), sides.count(1), sides.count(0)
    if astride > 1:
        raise InputError("centre: more than one class straddles the centre; make the centre an edge")
    n = 2 * max(below, above) + astride
    n = max(n, 3 if astride else 4)
    if n > max(RAMPS[name]):
        raise InputError(f"ramp: {name} has at most {max(RAMPS[name])} colours; use fewer classes")
    colours = ramp_colours(name, n, reverse=reverse)
    mid = n // 2
    lower = colours[mid - below : mid]
    upper = colours[mid + astride : mid + astride + above]
    return lower + colours[mid : mid + astride] + upper


# --- numbers and labels ---------------------------------------------------------------------------


def format_number(value: float, lang: str = "fr", *, decimals: int = 0) -> str:
    """A number as readers of ``lang`` write it: fr ``1 234,5``, nl ``1.234,5``, en ``1,234.5``."""
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    if lang == "fr":
        return text.replace(",", " ").replace(".", ",")
    if lang == "nl":
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def auto_decimals(edges: Sequence[float] | np.ndarray) -> int:
    """Decimals that show the edges distinctly: 0 for wide ranges, more for narrow ones."""
    e = np.asarray(edges, dtype=float)
    e = e[np.isfinite(e)]
    if e.size == 0 or np.all(e == np.round(e)):
        return 0
    span = float(e.max() - e.min()) or float(np.abs(e).max()) or 1.0
    decimals = max(0, 1 - math.floor(math.log10(span)))
    while decimals < 6 and np.unique(np.round(e, decimals)).size < np.unique(e).size:
        decimals += 1
    return decimals


def _texts(text: Text | None, what: str) -> dict[str, str]:
    if text is None:
        return dict.fromkeys(LANGS, "")
    if isinstance(text, str):
        return dict.fromkeys(LANGS, text)
    texts = {lang: str(text.get(lang) or text.get("fr") or text.get("en") or "") for lang in LANGS}
    if not any(texts.values()):
        raise InputError(f"{what}: give a text in fr, nl or en")
    return texts


def _with_unit(text: str, unit: str) -> str:
    return f"{text} {unit}" if unit else text


def _range_label(lower: float, upper: float, lang: str, decimals: int, unit: str) -> str:
    lo, hi = format_number(lower, lang, decimals=decimals), format_number(upper, lang, decimals=decimals)
    if lower == upper or lo == hi:
        return _with_unit(hi, unit)
    if math.isinf(lower):
        return _with_unit(f"≤ {hi}", unit)
    if math.isinf(upper):
        return _with_unit(f"> {lo}", unit)
    return _with_unit(f"{lo} – {hi}", unit)


# --- the specification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StyleClass:
    """One class of a style: a value range (graduated), a value (categorised) or a status (special).

    ``value`` is the category for categorised styles (None for "all other values") and the status
    for special classes. ``size`` is a marker diameter in points (proportional legend circles).
    """

    colour: str
    label: dict[str, str]
    count: int | None = None
    lower: float | None = None
    upper: float | None = None
    value: str | int | float | None = None
    size: float | None = None
    hatch: str | None = None


@dataclass(frozen=True)
class Style:
    """How a layer is drawn; see the module docstring. Build it with the functions below."""

    kind: StyleKind
    geometry: GeometryKind = "polygons"
    field: str | None = None
    classes: tuple[StyleClass, ...] = ()
    specials: tuple[StyleClass, ...] = ()
    status_field: str | None = None
    unit: dict[str, str] = dataclasses.field(default_factory=lambda: dict.fromkeys(LANGS, ""))
    title: dict[str, str] = dataclasses.field(default_factory=lambda: dict.fromkeys(LANGS, ""))
    method: str = ""
    filled: bool = True
    outline: str = OUTLINE
    outline_width: float = 0.25  # points
    marker_size: float = 5.0  # points (diameter of point markers)
    max_size: float = 0.0  # points: diameter of the proportional circle at max_value
    max_value: float = 0.0

    # -- values per feature -------------------------------------------------------------------------

    def statuses(self, frame: pd.DataFrame) -> np.ndarray:
        """Effective status of each row: its special status, else ``no_data`` for NaN, else ``ok``."""
        if self.kind in ("single", "categorised") or self.field is None:
            return np.full(len(frame), "ok", dtype=object)
        return _effective_status(
            as_float(frame[self.field], parameter=self.field),
            frame[self.status_field] if self.status_field in frame.columns else None,
            where=self.status_field or "status",
        )

    def feature_classes(self, frame: pd.DataFrame) -> np.ndarray:
        """Index into ``classes`` of each row; -1 for special statuses and unclassed values."""
        if self.kind in ("single", "proportional"):
            return np.where(self.statuses(frame) == "ok", 0, -1)
        assert self.field is not None
        if self.kind == "categorised":
            keys = [_key(c.value) for c in self.classes]
            lookup: dict[str | None, int] = {k: i for i, k in enumerate(keys) if k is not None}
            other = keys.index(None) if None in keys else -1
            return np.array([lookup.get(_key(v), other) for v in frame[self.field]], dtype=np.int64)
        edges = self.edges()
        index = classify(frame[self.field], edges)
        index[self.statuses(frame) != "ok"] = -1
        return index

    def feature_colours(self, frame: pd.DataFrame) -> np.ndarray:
        """Fill colour of each row as the four renderings draw it; None where nothing is drawn."""
        palette = np.array([c.colour for c in self.classes] + [None], dtype=object)
        colours = palette[self.feature_classes(frame)]  # -1 picks the trailing None
        status = self.statuses(frame)
        for special in SPECIALS:
            colours[status == special] = SPECIAL_SYMBOLS[special][0]
        return colours

    def edges(self) -> np.ndarray:
        """Class edges of a graduated style (empty otherwise)."""
        if self.kind != "graduated" or not self.classes:
            return np.empty(0)
        return np.array([self.classes[0].lower] + [c.upper for c in self.classes], dtype=float)

    def sizes(self, frame: pd.DataFrame) -> np.ndarray:
        """Marker diameter (points) of each row: ∝ √value for proportional styles."""
        if self.kind != "proportional":
            return np.full(len(frame), self.marker_size)
        return self.size_for(as_float(frame[self.field], parameter=str(self.field)))

    def size_for(self, values: np.ndarray) -> np.ndarray:
        """Proportional circle diameter (points) for values: area proportional to the value."""
        v = np.clip(np.nan_to_num(np.asarray(values, dtype=float), nan=0.0), 0.0, None)
        return self.max_size * np.sqrt(v / self.max_value) if self.max_value > 0 else np.zeros(v.shape)

    def renamed(self, names: Mapping[str, str]) -> Style:
        """The same style on renamed columns (e.g. the 10-character names of a Shapefile)."""
        return replace(
            self,
            field=names.get(self.field, self.field) if self.field else None,
            status_field=names.get(self.status_field, self.status_field) if self.status_field else None,
        )

    # -- the four renderings ------------------------------------------------------------------------

    def legend(self, lang: str = "fr") -> list[LegendEntry]:
        """Legend lines in ``lang``: value classes in order, then the special statuses present."""
        symbol: Literal["fill", "marker", "line", "circle"]
        if self.kind == "proportional":
            symbol = "circle"
        elif self.geometry == "points":
            symbol = "marker"
        else:
            symbol = "fill" if self.filled else "line"
        entries = [
            LegendEntry(
                label=c.label[lang] if lang in c.label else c.label["fr"],
                colour=c.colour,
                symbol=symbol,
                count=c.count,
                size=c.size if self.kind == "proportional" else None,
                hatch=c.hatch,
            )
            for c in self.classes
        ]
        special_symbol: Literal["fill", "marker"] = "marker" if self.geometry == "points" else "fill"
        entries += [
            LegendEntry(
                label=s.label[lang], colour=s.colour, symbol=special_symbol, count=s.count, hatch=s.hatch
            )
            for s in self.specials
            if s.count
        ]
        return entries

    def qml(self, lang: str = "fr") -> str:
        """A QGIS 3 style file (QML) for this style, with labels in ``lang``."""
        return _qml(self, (lang,))[lang]

    def sld(self, lang: str = "fr", *, name: str = "layer", title: str | None = None) -> str:
        """An OGC SLD 1.1 / Symbology Encoding document for the layer ``name`` (titled ``title``)."""
        return _sld(self, (lang,), name=name, titles={lang: title or self.title.get(lang) or name})[lang]

    def qml_by_lang(self, langs: Sequence[str] = LANGS) -> dict[str, str]:
        """:meth:`qml` in each language of ``langs``, built once (faster than one call per language)."""
        return _qml(self, tuple(langs))

    def sld_by_lang(
        self, langs: Sequence[str] = LANGS, *, name: str = "layer", titles: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """:meth:`sld` in each language of ``langs``, built once; ``titles`` per language."""
        titles = {lang: (titles or {}).get(lang) or self.title.get(lang) or name for lang in langs}
        return _sld(self, tuple(langs), name=name, titles=titles)

    def maplibre(
        self, lang: str = "fr", *, id: str | None = None, source: str | None = None
    ) -> dict[str, Any]:
        """A MapLibre GL style layer (``fill`` or ``circle``), with the legend in ``metadata``."""
        return _maplibre(self, lang, id=id, source=source)

    def draw(self, gdf: gpd.GeoDataFrame, ax: Axes, *, lang: str = "fr") -> None:
        """Draw ``gdf`` on ``ax`` with the same classes and colours as the other renderings."""
        _draw(self, gdf, ax)


def _key(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"  # as QGIS and MapLibre write booleans
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _effective_status(values: np.ndarray, status: object, *, where: str) -> np.ndarray:
    out = np.where(np.isnan(values), "no_data", "ok").astype(object)
    if status is None:
        return out
    given = pd.Series(status, dtype=object).reset_index(drop=True)
    unknown = sorted({str(s) for s in given.dropna().unique()} - set(STATUSES))
    if unknown:
        raise InputError(
            f"{where}: unknown status {', '.join(map(repr, unknown))}; use {', '.join(STATUSES)}"
        )
    values_given = given.to_numpy()
    for special in SPECIALS:
        out[values_given == special] = special
    return out


def _special_classes(status: np.ndarray) -> tuple[StyleClass, ...]:
    return tuple(
        StyleClass(
            colour=SPECIAL_SYMBOLS[s][0],
            label=dict(SPECIAL_LABELS[s]),
            count=int(np.sum(status == s)),
            value=s,
            hatch=SPECIAL_SYMBOLS[s][1],
        )
        for s in SPECIALS
    )


def _status_field(field_name: str, status: object) -> str | None:
    if status is None:
        return None
    if isinstance(status, pd.Series) and status.name:
        return str(status.name)
    return f"{field_name}_status"


# --- constructors ---------------------------------------------------------------------------------


def graduated(
    values: object,
    *,
    field: str,
    method: Method | str = "quantiles",
    k: int = 5,
    ramp: str = "YlGnBu",
    fixed: Sequence[float] | np.ndarray | None = None,
    centre: float | None = None,
    reverse: bool = False,
    unit: Text = "",
    title: Text | None = None,
    status: object = None,
    labels: Sequence[Mapping[str, str]] | None = None,
    decimals: int | None = None,
    geometry: GeometryKind = "polygons",
) -> Style:
    """A choropleth (polygons) or graduated colour points on the numeric column ``field``.

    Parameters
    ----------
    values
        The column's values (NaN where missing); they set the breaks and the counts per class.
    method, k, fixed, centre
        Classification (see :func:`layers.classify.breaks`). Give the same ``fixed`` edges to maps
        that must be compared. ``centre`` (with a diverging ``ramp`` such as ``RdBu`` or ``PuOr``)
        makes a reference value an edge and centres the colours on it: 0 for differences, 1 for
        location quotients.
    ramp, reverse
        ColorBrewer scheme (:data:`RAMPS`), light to dark (or first to last colour when diverging).
    unit
        Unit shown after the numbers of the legend, in each language (``"%"``, ``{"fr": "hab./km²"…}``).
    status
        The ``<field>_status`` column (``ok``, ``no_data``, ``not_applicable``, ``suppressed``), or
        None when NaN simply means "no data".
    labels
        Class labels per language replacing the generated ones (one mapping per class).
    decimals
        Decimals of the legend numbers; chosen from the edges when None.
    """
    x = as_float(values, parameter=field)
    statuses = _effective_status(x, status, where=_status_field(field, status) or field)
    x_ok = np.where(statuses == "ok", x, np.nan)
    edges = breaks(x_ok, method=method, k=k, fixed=fixed, centre=centre)
    if method == "fixed" and np.isfinite(x_ok).any():
        outside = np.isfinite(x_ok) & ((x_ok < edges[0]) | (x_ok > edges[-1]))
        if outside.any():
            raise InputError(
                f"fixed: {int(outside.sum())} value(s) of {field!r} lie outside the edges "
                f"{edges[0]:g} – {edges[-1]:g}; "
                "widen the first and last edges (or use -inf / inf)"
            )
    n = max(edges.size - 1, 0)
    index = classify(x_ok, edges)
    counts = np.bincount(index[index >= 0], minlength=n)
    if centre is not None and n:
        if ramp not in DIVERGING:
            raise InputError(f"centre: needs a diverging ramp ({', '.join(sorted(DIVERGING))}), not {ramp!r}")
        sides = [-1 if edges[i + 1] <= centre else 1 if edges[i] >= centre else 0 for i in range(n)]
        colours = _centred_colours(ramp, sides, reverse=reverse)
    else:
        colours = ramp_colours(ramp, n, reverse=reverse) if n else []
    units = _texts(unit, "unit")
    if labels is not None:
        if len(labels) != n:
            raise InputError(f"labels: {len(labels)} labels given for {n} classes")
        texts = [_texts(label, "labels") for label in labels]
    else:
        single_values = (
            method != "fixed" and n > 1 and all(np.unique(x_ok[index == i]).size == 1 for i in range(n))
        )
        shown = np.unique(x_ok[index >= 0]) if single_values else edges
        d = auto_decimals(shown) if decimals is None else decimals
        texts = []
        for i in range(n):
            if single_values:
                only = float(x_ok[index == i][0])
                texts.append({lang: _range_label(only, only, lang, d, units[lang]) for lang in LANGS})
            else:
                texts.append(
                    {lang: _range_label(edges[i], edges[i + 1], lang, d, units[lang]) for lang in LANGS}
                )
    classes = tuple(
        StyleClass(
            colour=colours[i],
            label=texts[i],
            count=int(counts[i]),
            lower=float(edges[i]),
            upper=float(edges[i + 1]),
        )
        for i in range(n)
    )
    return Style(
        kind="graduated",
        geometry=geometry,
        field=field,
        classes=classes,
        specials=_special_classes(statuses),
        status_field=_status_field(field, status),
        unit=units,
        title=_texts(title, "title"),
        method=str(method),
    )


def categorised(
    values: object,
    *,
    field: str,
    labels: Mapping[Any, Mapping[str, str] | str] | None = None,
    palette: Sequence[str] | Mapping[Any, str] | None = None,
    geometry: GeometryKind = "points",
    title: Text | None = None,
    other: Text | None = None,
    max_classes: int = len(OKABE_ITO),
) -> Style:
    """One colour per value of ``field`` (Okabe–Ito by default), e.g. sites by their first category.

    The ``max_classes - 1`` most frequent values keep their own colour when there are more values
    than colours; the rest share an "other" class in grey. ``labels`` maps a value to its label
    (per language) and sets the legend order; values without a label show as they are. ``palette``
    is a list of colours in legend order or a mapping value -> colour.
    """
    series = pd.Series(values, dtype=object).map(_key)
    counts = series.dropna().value_counts(sort=False)
    order = [_key(v) for v in labels] if labels else []
    present = [v for v in order if v in counts.index] + sorted(v for v in counts.index if v not in order)
    colours_given = dict(palette) if isinstance(palette, Mapping) else None
    colour_list = (
        list(palette) if palette is not None and not isinstance(palette, Mapping) else list(OKABE_ITO)
    )
    if geometry == "polygons" and palette is None:
        colour_list = colour_list[:-1]  # no black fills
    limit = min(max_classes, len(colour_list)) if colours_given is None else max_classes
    kept = present
    if len(present) > limit:
        frequent = set(counts.loc[present].sort_values(ascending=False, kind="stable").index[: limit - 1])
        kept = [v for v in present if v in frequent]
    label_of = {_key(k): _texts(v, "labels") for k, v in (labels or {}).items()}
    classes = [
        StyleClass(
            colour=(colours_given or {}).get(value, None)
            or ({_key(k): c for k, c in colours_given.items()}.get(value) if colours_given else None)
            or colour_list[i % len(colour_list)],
            label=label_of.get(value) or dict.fromkeys(LANGS, str(value)),
            count=int(counts[value]),
            value=value,
        )
        for i, value in enumerate(kept)
    ]
    rest = int(counts.drop(kept).sum()) + int(series.isna().sum())
    if rest or len(kept) < len(present):
        classes.append(
            StyleClass(
                colour=OTHER_COLOUR,
                label=_texts(other, "other") if other else dict(OTHER_LABEL),
                count=rest,
                value=None,
            )
        )
    return Style(
        kind="categorised",
        geometry=geometry,
        field=field,
        classes=tuple(classes),
        title=_texts(title, "title"),
    )


def single(
    *,
    geometry: GeometryKind = "polygons",
    colour: str = "#0072B2",
    label: Text = "",
    filled: bool = True,
    outline: str | None = None,
    outline_width: float = 0.5,
    marker_size: float = 5.0,
    count: int | None = None,
) -> Style:
    """One symbol for every feature: a fill (or, with ``filled=False``, an outline in ``colour``)."""
    return Style(
        kind="single",
        geometry=geometry,
        classes=(StyleClass(colour=colour, label=_texts(label, "label"), count=count),),
        filled=filled,
        outline=outline or (colour if not filled else OUTLINE),
        outline_width=outline_width,
        marker_size=marker_size,
        title=_texts(label, "label"),
    )


def _nice(value: float) -> float:
    """The largest of 1, 2, 2.5, 5 × 10^n not above ``value``."""
    power = 10.0 ** math.floor(math.log10(value))
    return max(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power <= value * (1 + 1e-12))


def proportional(
    values: object,
    *,
    field: str,
    geometry: GeometryKind = "points",
    colour: str = "#0072B2",
    max_size: float = 24.0,
    unit: Text = "",
    title: Text | None = None,
    status: object = None,
    legend_values: Sequence[float] | None = None,
) -> Style:
    """Circles whose area is proportional to ``field`` (diameter ∝ √value), e.g. capacity in places.

    ``max_size`` is the diameter in points of the circle of the largest value. On a polygon layer
    the circles are drawn at the polygons' centroids over a neutral fill showing special statuses.
    """
    x = as_float(values, parameter=field)
    if (x < 0).any():
        raise InputError(f"{field}: proportional symbols need values of 0 or more; use a graduated style")
    statuses = _effective_status(x, status, where=_status_field(field, status) or field)
    ok = x[(statuses == "ok") & ~np.isnan(x)]
    top = float(ok.max()) if ok.size and ok.max() > 0 else 0.0
    units = _texts(unit, "unit")
    if legend_values is None:
        legend_values = sorted({_nice(top), _nice(top / 4), _nice(top / 16)}, reverse=True) if top else []
    shown = [float(v) for v in legend_values if v > 0]
    d = auto_decimals(shown) if shown else 0
    style = Style(kind="proportional", geometry=geometry, field=field, max_size=max_size, max_value=top)
    sizes = style.size_for(np.array(shown))
    classes = tuple(
        StyleClass(
            colour=colour,
            label={lang: _with_unit(format_number(v, lang, decimals=d), units[lang]) for lang in LANGS},
            value=v,
            size=float(s),
        )
        for v, s in zip(shown, sizes, strict=True)
    )
    if not classes:
        classes = (StyleClass(colour=colour, label=dict.fromkeys(LANGS, ""), value=0.0, size=0.0),)
    return replace(
        style,
        classes=classes,
        specials=_special_classes(statuses)
        if geometry == "polygons"
        else (),  # points without value: no circle
        status_field=_status_field(field, status),
        unit=units,
        title=_texts(title, "title"),
    )


def first_item(values: object, *, sep: str = ";") -> pd.Series:
    """First item of ``sep``-joined lists (``"C-SP-03;C-SP-07"`` → ``"C-SP-03"``), for categorised sites."""
    items = [
        v.split(sep)[0].strip() or None if isinstance(v, str) else None
        for v in pd.Series(values, dtype=object)
    ]
    return pd.Series(items, dtype=object, index=values.index if isinstance(values, pd.Series) else None)


# --- MapLibre -------------------------------------------------------------------------------------

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
        steps += [float(np.nextafter(_bounded(c.lower), np.inf)), c.colour]
    return ["case", *_status_cases(style, value), ["step", value, classes[0].colour, *steps]]


def _bounded(x: float | None) -> float:
    x = 0.0 if x is None else float(x)
    return max(min(x, 1e300), -1e300)


def _maplibre(style: Style, lang: str, *, id: str | None, source: str | None) -> dict[str, Any]:
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


# --- matplotlib -----------------------------------------------------------------------------------


def _draw(style: Style, gdf: gpd.GeoDataFrame, ax: Axes) -> None:
    if len(gdf) == 0:
        return
    geoms = gdf.geometry
    status = style.statuses(gdf)
    if style.kind == "proportional":
        if style.geometry == "polygons":
            base = np.full(len(gdf), "#f0f0f0", dtype=object)
            for special in SPECIALS:
                base[status == special] = SPECIAL_SYMBOLS[special][0]
            _draw_polygons(style, geoms, base, status, ax)
            points = geoms.representative_point()
        else:
            points = geoms
        sizes = style.sizes(gdf)
        order = np.argsort(-sizes, kind="stable")
        drawn = order[(sizes[order] > 0) & (status[order] == "ok")]
        ax.scatter(
            points.x.to_numpy()[drawn],
            points.y.to_numpy()[drawn],
            s=sizes[drawn] ** 2,
            c=style.classes[0].colour,
            alpha=0.8,
            edgecolors="#ffffff",
            linewidths=0.5,
            zorder=3,
        )
        return
    colours = style.feature_colours(gdf)
    if style.geometry == "polygons":
        _draw_polygons(style, geoms, colours, status, ax)
        return
    shown = np.array([c is not None for c in colours])
    ax.scatter(
        geoms.x.to_numpy()[shown],
        geoms.y.to_numpy()[shown],
        s=style.marker_size**2,
        c=list(colours[shown]),
        edgecolors=style.outline,
        linewidths=0.3,
        zorder=3,
    )


def _draw_polygons(
    style: Style, geoms: gpd.GeoSeries, colours: np.ndarray, status: np.ndarray, ax: Axes
) -> None:
    shown = np.array([c is not None for c in colours])
    if not style.filled:
        geoms.plot(ax=ax, facecolor="none", edgecolor=style.outline, linewidth=style.outline_width)
        return
    if shown.any():
        geoms[shown].plot(ax=ax, color=list(colours[shown]), linewidth=0)
    for special in SPECIALS:
        hatch = SPECIAL_SYMBOLS[special][1]
        mask = status == special
        if hatch and mask.any():
            geoms[mask].plot(ax=ax, facecolor="none", edgecolor=HATCH_COLOUR, hatch=hatch, linewidth=0)
    if shown.any():
        geoms[shown].plot(ax=ax, facecolor="none", edgecolor=style.outline, linewidth=style.outline_width)


# --- QGIS QML -------------------------------------------------------------------------------------


class _Texts:
    """Placeholders for texts in several languages, filled in after the document is serialised once."""

    _TOKEN = re.compile("\ue000(\\d+)\ue001")  # private-use characters, never in a label

    def __init__(self) -> None:
        self.texts: list[Mapping[str, str]] = []

    def __call__(self, text: Mapping[str, str]) -> str:
        self.texts.append(text)
        return f"\ue000{len(self.texts) - 1}\ue001"

    def fill(self, xml: str, langs: Sequence[str]) -> dict[str, str]:
        def one(lang: str) -> str:
            def text(match: re.Match[str]) -> str:
                texts = self.texts[int(match.group(1))]
                return escape(texts.get(lang) or texts.get("fr") or "", {'"': "&quot;"})

            return self._TOKEN.sub(text, xml)

        return {lang: one(lang) for lang in langs}


_QGIS_METHODS = {"quantiles": "Quantile", "jenks": "Jenks", "equal": "EqualInterval", "fixed": "Custom"}


def quote_field(name: str) -> str:
    """A column name as a QGIS expression identifier."""
    return '"' + name.replace('"', '""') + '"'


def _rgba(colour: str) -> str:
    c = colour.lstrip("#")
    return f"{int(c[0:2], 16)},{int(c[2:4], 16)},{int(c[4:6], 16)},255"


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
        "color": _rgba(colour),
        "style": "solid" if style.filled else "no",
        "outline_color": _rgba(style.outline),
        "outline_style": "solid",
        "outline_width": f"{style.outline_width:g}",
        "outline_width_unit": "Point",
        "joinstyle": "bevel",
    }
    layers = [("SimpleFill", base, {"fillColor": special_colour} if special_colour else {})]
    if special_hatch:
        hatch = {**base, "color": _rgba(HATCH_COLOUR), "style": "no", "outline_style": "no"}
        layers.append(("SimpleFill", hatch, {"fillStyle": special_hatch}))
    return layers


def _q_marker_layer(
    style: Style, colour: str, *, size: float, expressions: dict[str, str]
) -> tuple[str, dict[str, str], dict[str, str]]:
    options = {
        "name": "circle",
        "color": _rgba(colour),
        "outline_color": _rgba("#ffffff" if style.kind == "proportional" else style.outline),
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


def _qml(style: Style, langs: tuple[str, ...]) -> dict[str, str]:
    text = _Texts()
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
        lowest = _bounded(classes[0].lower)
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
                lower=repr(_bounded(c.lower)),
                upper=repr(_bounded(c.upper)),
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


# --- OGC SLD 1.1 / Symbology Encoding -------------------------------------------------------------

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


def _sld(style: Style, langs: tuple[str, ...], *, name: str, titles: Mapping[str, str]) -> dict[str, str]:
    text = _Texts()
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
