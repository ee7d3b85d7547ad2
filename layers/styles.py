"""One style specification, four renderings: QGIS QML, OGC SLD 1.1, a MapLibre layer, matplotlib.

A :class:`Style` is built once from the values it will show (:func:`graduated`, :func:`categorised`,
:func:`proportional`, :func:`single`) and then rendered as a QGIS style (``qml``, :mod:`layers.qml`),
an OGC Symbology Encoding / SLD 1.1 document (``sld``, :mod:`layers.sld`), a MapLibre GL style layer
(``maplibre``, :mod:`layers.maplibre`) or drawn on a matplotlib axis (``draw``, :mod:`layers.draw`),
all with the same classes, colours (:mod:`layers.colours`) and legend labels in fr / nl / en
(:mod:`layers.labels`).

Special statuses
----------------
Indicator columns hold NaN where there is no figure, and a companion text column
``<field>_status`` says why: ``ok``, ``no_data``, ``not_applicable`` or ``suppressed``. A status other
than ``ok`` wins over the value (a suppressed figure that leaked into the column is still drawn as
suppressed); a NaN with status ``ok`` or no status column is drawn as "no data". Each special status
has its own symbol (:data:`SPECIAL_SYMBOLS`) and legend label. How each rendering shows them is told
in its module.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from geo.errors import InputError
from layers.classify import Method, as_float, breaks, classify
from layers.colours import (
    DIVERGING,
    HATCH_COLOUR,
    OKABE_ITO,
    OTHER_COLOUR,
    OUTLINE,
    RAMPS,
    SPECIAL_SYMBOLS,
    SPECIALS,
    STATUSES,
    centred_colours,
    ramp_colours,
)
from layers.draw import draw_style
from layers.labels import (
    OTHER_LABEL,
    SPECIAL_LABELS,
    Text,
    auto_decimals,
    format_number,
    range_label,
    texts,
    with_unit,
)
from layers.layer import LANGS, LegendEntry
from layers.maplibre import style_layer
from layers.qml import quote_field, render_qml
from layers.sld import OGC_NS, SE_NS, SLD_NS, render_sld

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

__all__ = [  # what other modules import from here, including names now defined beside it
    "DIVERGING",
    "HATCH_COLOUR",
    "OGC_NS",
    "OKABE_ITO",
    "OTHER_COLOUR",
    "OTHER_LABEL",
    "OUTLINE",
    "RAMPS",
    "SE_NS",
    "SLD_NS",
    "SPECIALS",
    "SPECIAL_LABELS",
    "SPECIAL_SYMBOLS",
    "STATUSES",
    "GeometryKind",
    "Style",
    "StyleClass",
    "StyleKind",
    "Text",
    "auto_decimals",
    "categorised",
    "first_item",
    "format_number",
    "graduated",
    "proportional",
    "quote_field",
    "ramp_colours",
    "single",
]

StyleKind = Literal["graduated", "categorised", "single", "proportional"]
GeometryKind = Literal["polygons", "points"]

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
        return render_qml(self, (lang,))[lang]

    def sld(self, lang: str = "fr", *, name: str = "layer", title: str | None = None) -> str:
        """An OGC SLD 1.1 / Symbology Encoding document for the layer ``name`` (titled ``title``)."""
        return render_sld(self, (lang,), name=name, titles={lang: title or self.title.get(lang) or name})[
            lang
        ]

    def qml_by_lang(self, langs: Sequence[str] = LANGS) -> dict[str, str]:
        """:meth:`qml` in each language of ``langs``, built once (faster than one call per language)."""
        return render_qml(self, tuple(langs))

    def sld_by_lang(
        self, langs: Sequence[str] = LANGS, *, name: str = "layer", titles: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """:meth:`sld` in each language of ``langs``, built once; ``titles`` per language."""
        titles = {lang: (titles or {}).get(lang) or self.title.get(lang) or name for lang in langs}
        return render_sld(self, tuple(langs), name=name, titles=titles)

    def maplibre(
        self, lang: str = "fr", *, id: str | None = None, source: str | None = None
    ) -> dict[str, Any]:
        """A MapLibre GL style layer (``fill`` or ``circle``), with the legend in ``metadata``."""
        return style_layer(self, lang, id=id, source=source)

    def draw(self, gdf: gpd.GeoDataFrame, ax: Axes, *, lang: str = "fr") -> None:
        """Draw ``gdf`` on ``ax`` with the same classes and colours as the other renderings."""
        draw_style(self, gdf, ax)


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
        colours = centred_colours(ramp, sides, reverse=reverse)
    else:
        colours = ramp_colours(ramp, n, reverse=reverse) if n else []
    units = texts(unit, "unit")
    if labels is not None:
        if len(labels) != n:
            raise InputError(f"labels: {len(labels)} labels given for {n} classes")
        class_labels = [texts(label, "labels") for label in labels]
    else:
        single_values = (
            method != "fixed" and n > 1 and all(np.unique(x_ok[index == i]).size == 1 for i in range(n))
        )
        shown = np.unique(x_ok[index >= 0]) if single_values else edges
        d = auto_decimals(shown) if decimals is None else decimals
        class_labels = []
        for i in range(n):
            if single_values:
                only = float(x_ok[index == i][0])
                class_labels.append({lang: range_label(only, only, lang, d, units[lang]) for lang in LANGS})
            else:
                class_labels.append(
                    {lang: range_label(edges[i], edges[i + 1], lang, d, units[lang]) for lang in LANGS}
                )
    classes = tuple(
        StyleClass(
            colour=colours[i],
            label=class_labels[i],
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
        title=texts(title, "title"),
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
    label_of = {_key(k): texts(v, "labels") for k, v in (labels or {}).items()}
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
                label=texts(other, "other") if other else dict(OTHER_LABEL),
                count=rest,
                value=None,
            )
        )
    return Style(
        kind="categorised",
        geometry=geometry,
        field=field,
        classes=tuple(classes),
        title=texts(title, "title"),
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
        classes=(StyleClass(colour=colour, label=texts(label, "label"), count=count),),
        filled=filled,
        outline=outline or (colour if not filled else OUTLINE),
        outline_width=outline_width,
        marker_size=marker_size,
        title=texts(label, "label"),
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
    units = texts(unit, "unit")
    if legend_values is None:
        legend_values = sorted({_nice(top), _nice(top / 4), _nice(top / 16)}, reverse=True) if top else []
    shown = [float(v) for v in legend_values if v > 0]
    d = auto_decimals(shown) if shown else 0
    style = Style(kind="proportional", geometry=geometry, field=field, max_size=max_size, max_value=top)
    sizes = style.size_for(np.array(shown))
    classes = tuple(
        StyleClass(
            colour=colour,
            label={lang: with_unit(format_number(v, lang, decimals=d), units[lang]) for lang in LANGS},
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
        title=texts(title, "title"),
    )


def first_item(values: object, *, sep: str = ";") -> pd.Series:
    """First item of ``sep``-joined lists (``"C-SP-03;C-SP-07"`` → ``"C-SP-03"``), for categorised sites."""
    items = [
        v.split(sep)[0].strip() or None if isinstance(v, str) else None
        for v in pd.Series(values, dtype=object)
    ]
    return pd.Series(items, dtype=object, index=values.index if isinstance(values, pd.Series) else None)
