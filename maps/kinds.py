"""Map kinds: a registry of functions that each turn layers and a page spec into a map page.

A kind picks its layers from the catalogue by id, checks they are what it draws (points, polygons,
a style), sets a default title and calls :func:`maps.page.map_page`. The built-in kinds register
themselves with :func:`register` exactly as a user's own kind would::

    @register("my_kind")
    def my_kind(layers, spec, *, base=None, **options) -> Figure: ...

and :func:`make_map` (``kind`` name, layers, spec, options) is the one entry point used by the
command line and the API.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any, Literal, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from geo.errors import InputError, SourceNotFoundError
from geo.importers import DATA
from layers.layer import LANGS, Layer
from layers.styles import OKABE_ITO, categorised, first_item, single
from maps.frame import BaseMap, find_unit, unit_name
from maps.furniture import LegendBlock
from maps.page import PageSpec, map_page

MapKind = Callable[..., Figure]
KINDS: dict[str, MapKind] = {}
F = TypeVar("F", bound=MapKind)

_AND = {"fr": "et", "nl": "en", "en": "and"}


def register(name: str) -> Callable[[F], F]:
    """Decorator adding a map kind under ``name`` (replacing any kind of that name)."""

    def add(function: F) -> F:
        KINDS[name] = function
        return function

    return add


def make_map(kind: str, layers: Sequence[Layer], spec: PageSpec, **options: Any) -> Figure:
    """The page of map kind ``kind`` for ``layers`` (the catalogue) and ``spec``."""
    try:
        function = KINDS[kind]
    except KeyError:
        raise InputError(f"map kind {kind!r} is not one of: {', '.join(sorted(KINDS))}") from None
    _check_options(kind, function, options)
    return function(layers, spec, **options)


def _check_options(kind: str, function: MapKind, options: dict[str, Any]) -> None:
    """Report unknown and missing options of a map kind by name, rather than as a TypeError."""
    parameters = list(inspect.signature(function).parameters.values())[2:]
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return
    known = {p.name: p for p in parameters if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    problems = [f"unknown option {name!r}" for name in options if name not in known]
    problems += [
        f"option {name!r} is required"
        for name, p in known.items()
        if p.default is p.empty and name not in options
    ]
    if problems:
        allowed = ", ".join(known) or "none"
        raise InputError(f"map kind {kind!r}: {'; '.join(problems)} (options: {allowed})")


def pick(layers: Sequence[Layer], layer_id: str, *, kinds: tuple[str, ...], styled: bool = False) -> Layer:
    """The layer ``layer_id`` of ``layers``, checked to be one of ``kinds`` (and to have a style)."""
    found = next((layer for layer in layers if layer.id == layer_id), None)
    if found is None:
        ids = ", ".join(layer.id for layer in layers if layer.kind in kinds) or "none"
        raise SourceNotFoundError(f"layer {layer_id!r} not found; {'/'.join(kinds)} layers: {ids}")
    if found.kind not in kinds:
        raise InputError(f"layer {layer_id!r} holds {found.kind}; this map needs {' or '.join(kinds)}")
    if styled and found.style is None:
        raise InputError(f"layer {layer_id!r} has no style to draw it with; classify it first")
    return found


def _base(layers: Sequence[Layer], base: BaseMap | None) -> BaseMap:
    return base if base is not None else BaseMap.from_layers(layers)


def _titled(spec: PageSpec, title: str) -> PageSpec:
    return spec if spec.title else replace(spec, title=title)


SiteClasses = Literal["sector", "category", "authority"]
_BY_TITLE = {
    "sector": {"fr": "par secteur", "nl": "per sector", "en": "by sector"},
    "category": {"fr": "par catégorie", "nl": "per categorie", "en": "by category"},
    "authority": {
        "fr": "par autorité d'agrément",
        "nl": "per erkennende overheid",
        "en": "by accrediting authority",
    },
}
_NONE = {
    "sector": {"fr": "Sans catégorie", "nl": "Zonder categorie", "en": "No category"},
    "category": {"fr": "Sans catégorie", "nl": "Zonder categorie", "en": "No category"},
    "authority": {"fr": "Sans agrément", "nl": "Zonder erkenning", "en": "No accreditation"},
}
NONE_COLOUR = "#bdbdbd"


def supply_sites(sites: object) -> gpd.GeoDataFrame:
    """The sites that count as supply: published, not a head office only, with coordinates."""
    assert isinstance(sites, gpd.GeoDataFrame)
    keep = ~sites.geometry.isna() & ~sites.geometry.is_empty
    for flag, wanted in (("published", True), ("head_office_only", False)):
        if flag in sites.columns:
            keep &= sites[flag].fillna(wanted).astype(bool) == wanted
    return sites[keep]


@lru_cache(maxsize=1)
def _reference() -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        pd.read_csv(DATA / "taxonomy.csv", dtype=str),
        pd.read_csv(DATA / "accreditations.csv", dtype=str),
    )


def site_classes(sites: pd.DataFrame, by: SiteClasses) -> tuple[pd.Series, dict[str, dict[str, str]]]:
    """The class of each site (from its first category or accreditation) and the labels of the classes.

    ``sector``: the directory sector of the first category; ``category``: the first category;
    ``authority``: the authority of the first accreditation. Sites with none get ``"none"``.
    """
    taxonomy, accreditations = _reference()
    column = "accreditations" if by == "authority" else "categories"
    first = first_item(sites[column]) if column in sites.columns else pd.Series(None, index=sites.index)
    if by == "sector":
        lookup = dict(zip(taxonomy["category_id"], taxonomy["sector_id"], strict=True))
        table = taxonomy.drop_duplicates("sector_id").set_index("sector_id")
        labels = {i: {lang: str(table.loc[i, f"sector_{lang}"]) for lang in LANGS} for i in table.index}
    elif by == "category":
        lookup = {i: i for i in taxonomy["category_id"]}
        table = taxonomy.set_index("category_id")
        labels = {i: {lang: str(table.loc[i, f"category_{lang}"]) for lang in LANGS} for i in table.index}
    else:
        lookup = dict(zip(accreditations["accreditation_id"], accreditations["authority"], strict=True))
        labels = {a: dict.fromkeys(LANGS, a) for a in accreditations["authority"].unique()}
    classes = pd.Series(
        [lookup.get(v, v) if isinstance(v, str) and v else "none" for v in first],
        index=sites.index,
        dtype=object,
    )
    labels["none"] = _NONE[by]
    return classes, labels


@register("sites")
def sites(
    layers: Sequence[Layer],
    spec: PageSpec,
    *,
    layer: str = "sites",
    by: SiteClasses | None = None,
    base: BaseMap | None = None,
) -> Figure:
    """Activity sites as points coloured by sector, category or accrediting authority.

    Only sites that count as supply are drawn: published, not a head office without activity of
    its own, with coordinates. With ``by`` None, the layer's own style is used when it has one,
    else the sites are coloured by sector. The most frequent classes keep their own colour
    (Okabe–Ito), the rest share "other"; sites without a category or accreditation are grey.
    """
    points = pick(layers, layer, kinds=("points",))
    data = supply_sites(points.data)
    lang = spec.lang
    if by is None and points.style is not None:
        drawn = replace(points, data=data)
    else:
        by = by or "sector"
        if by not in _BY_TITLE:
            raise InputError(f"by {by!r} is not one of {', '.join(_BY_TITLE)}")
        classes, labels = site_classes(data, by)
        order = [v for v in classes.value_counts().index if v != "none"]
        palette = {v: OKABE_ITO[i % len(OKABE_ITO)] for i, v in enumerate(order)} | {"none": NONE_COLOUR}
        style = categorised(
            classes,
            field="site_class",
            labels={v: labels.get(v, dict.fromkeys(LANGS, v)) for v in [*order, "none"]},
            palette=palette,
            geometry="points",
        )
        style = replace(style, marker_size=5.0 if len(data) <= 1500 else 3.5)
        title = {k: f"{points.text('title', k)} {_BY_TITLE[by][k]}" for k in LANGS}
        drawn = replace(points, data=data.assign(site_class=classes), style=style, title=title)
    base = _base(layers, base)
    legend = None
    if spec.focus and drawn.style is not None:
        legend = [_focus_counts(drawn, base, spec)]
    return map_page([drawn], base, _titled(spec, drawn.text("title", lang)), legend=legend)


def _focus_counts(layer: Layer, base: BaseMap, spec: PageSpec) -> LegendBlock:
    """The layer's legend with the counts of the sites inside the focus unit.

    Colours and classes stay those of the whole layer, so that every page of a series matches.
    """
    assert layer.style is not None and spec.focus is not None and isinstance(layer.data, gpd.GeoDataFrame)
    level, unit = find_unit(base, spec.focus)
    inside = layer.data[layer.data.geometry.covered_by(unit.geometry)]
    style = layer.style
    found = style.feature_classes(inside)
    counts = np.bincount(found[found >= 0], minlength=len(style.classes))
    style = replace(
        style, classes=tuple(replace(c, count=int(n)) for c, n in zip(style.classes, counts, strict=True))
    )
    name = unit_name(unit, level, lang=spec.lang, names=spec.names, with_level=False)
    title = f"{layer.text('title', spec.lang)} ({name})"
    return LegendBlock(title, tuple(e for e in style.legend(spec.lang) if e.count))


@register("choropleth")
def choropleth(layers: Sequence[Layer], spec: PageSpec, *, layer: str, base: BaseMap | None = None) -> Figure:
    """An indicator per unit, coloured by its classes (the layer's graduated style)."""
    areas = pick(layers, layer, kinds=("polygons",), styled=True)
    return map_page([areas], _base(layers, base), _titled(spec, areas.text("title", spec.lang)))


@register("proportional")
def proportional(
    layers: Sequence[Layer], spec: PageSpec, *, layer: str, base: BaseMap | None = None
) -> Figure:
    """A count per unit or site as circles of proportional area (the layer's proportional style)."""
    counted = pick(layers, layer, kinds=("polygons", "points"), styled=True)
    return map_page([counted], _base(layers, base), _titled(spec, counted.text("title", spec.lang)))


@register("supply_over_need")
def supply_over_need(
    layers: Sequence[Layer],
    spec: PageSpec,
    *,
    need: str,
    supply: str = "sites",
    supply_style: bool = False,
    base: BaseMap | None = None,
) -> Figure:
    """The supply (points) over the need (a choropleth): where they meet and where they do not.

    The sites are dark dots over the need's colours, unless ``supply_style`` asks for the supply
    layer's own style.
    """
    need_layer = pick(layers, need, kinds=("polygons",), styled=True)
    supply_layer = pick(layers, supply, kinds=("points",))
    lang = spec.lang
    sites = supply_sites(supply_layer.data)
    if supply_style and supply_layer.style is not None:
        supply_layer = replace(supply_layer, data=sites)
    else:
        dots = single(geometry="points", colour="#1a1a1a", label=supply_layer.title, count=len(sites))
        supply_layer = replace(
            supply_layer, data=sites, style=replace(dots, marker_size=3.0, outline="#ffffff")
        )
    title = (
        f"{need_layer.text('title', lang)} {_AND.get(lang, 'et')} {supply_layer.text('title', lang).lower()}"
    )
    return map_page([need_layer, supply_layer], _base(layers, base), _titled(spec, title))
