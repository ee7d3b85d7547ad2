"""The atlas: one page per unit of a level, all with the same classes.

For an indicator layer ``<theme>_<level>`` of the catalogue (neighbourhoods, communes, sectors or a
custom zoning), every page is centred on one unit with the surroundings veiled, coloured by one
indicator whose class breaks are computed **once over all units of the level** (the layer's style,
or fixed ``breaks``) so that the pages compare; beside the map, a small table gives that unit's
indicators (values formatted for the language, statuses as text, never 0). A locator map in the
header shows where the unit lies in the region.

:func:`plan_atlas` decides the pages; :func:`atlas_page` builds one (a module-level page function,
so that :func:`maps.render.write_pages` can build pages on several cores); :func:`write_atlas`
writes one PDF, or one per commune.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure

from diagnostics.supply import definitions as indicator_definitions
from geo.errors import InputError, SourceNotFoundError
from layers.catalogue import LEVEL_TITLES, indicator_style
from layers.layer import LANGS, Layer
from layers.styles import Style
from maps import furniture
from maps.frame import BaseMap, Bounds, Frame, NameMode, boundaries_block, fit_extent, legend_blocks, plot_map
from maps.page import PageSpec, PdfInfo, source_lines
from maps.render import write_pages
from maps.sheet import GAP, Sheet, new_sheet, page_settings, sources_line
from maps.tables import Column, Table, draw_table, format_indicator, measure, unit_label

UNIT_OF_LEVEL: dict[str, dict[str, str]] = {
    "communes": {"fr": "Commune", "nl": "Gemeente", "en": "Municipality"},
    "neighbourhoods": {
        "fr": "Quartier du monitoring",
        "nl": "Monitoringwijk",
        "en": "Monitoring neighbourhood",
    },
    "sectors": {"fr": "Secteur statistique", "nl": "Statistische sector", "en": "Statistical sector"},
}
_ZONE = {"fr": "Zone", "nl": "Zone", "en": "Zone"}
_TEXTS = {
    "indicator": {"fr": "Indicateur", "nl": "Indicator", "en": "Indicator"},
    "value": {"fr": "Valeur", "nl": "Waarde", "en": "Value"},
    "unit": {"fr": "Unité", "nl": "Eenheid", "en": "Unit"},
    "colon": {"fr": " : ", "nl": ": ", "en": ": "},
    "no_commune": {"fr": "hors communes", "nl": "buiten de gemeenten", "en": "outside the municipalities"},
}


def _t(key: str, lang: str) -> str:
    return _TEXTS[key].get(lang) or _TEXTS[key]["fr"]


def level_unit(level: str, lang: str) -> str:
    """What one unit of ``level`` is called: ``Quartier du monitoring``, ``Zone clss``…"""
    if level in UNIT_OF_LEVEL:
        return UNIT_OF_LEVEL[level][lang]
    return f"{_ZONE[lang]} {level.removeprefix('zoning_')}"


def _known(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()


def unit_title(row: pd.Series, lang: str, names: NameMode = "auto") -> str:
    """A unit's name in the page's language (both when English and they differ)."""
    fr = _known(row.get("name_fr")) or _known(row.get("code"))
    nl = _known(row.get("name_nl")) or fr
    mode = names if names != "auto" else {"fr": "fr", "nl": "nl"}.get(lang, "both")
    if mode == "nl":
        return nl or fr
    if mode == "both" and nl and nl.casefold() != fr.casefold():
        return f"{fr} / {nl}"
    return fr


# the indicators of the unit table, by default
TABLE = (
    "sites_located",
    "sites_active",
    "capacity",
    "target",
    "need_share",
    "rate",
    "coverage",
    "fca_e2sfca",
    "nearest_m",
    "within_walk",
    "rate_diff_commune",
    "lq",
    "underserved",
)


@dataclass(frozen=True)
class AtlasSpec:
    """What atlas to make.

    Parameters
    ----------
    layer
        An indicator layer of the catalogue, ``<theme>_<level>`` (``primary_care_neighbourhoods``).
    indicator
        The indicator coloured on the maps (default: the layer's main one).
    breaks
        Fixed class edges (default: the layer's classes for the indicator, over all units).
    units
        Only these unit codes (default: every unit of the level).
    table
        The indicators of the unit table (those without any value are left out); the mapped
        indicator is always in it.
    lang, size, names
        Language of every label, paper (A4, A3), unit names on the maps (see :class:`PageSpec`).
    margin, min_extent
        Room around the unit (share of its larger side) and the smallest frame side, in metres.
    date, author
        Date of production (default today) and author in the footers.
    """

    layer: str
    indicator: str | None = None
    breaks: tuple[float, ...] | None = None
    units: tuple[str, ...] = ()
    lang: str = "fr"
    size: str = "A4"
    names: NameMode = "auto"
    margin: float = 0.2
    min_extent: float = 1500.0
    table: tuple[str, ...] = TABLE
    date: dt.date | None = None
    author: str = ""

    def page_spec(self) -> PageSpec:
        return PageSpec(lang=self.lang, size=self.size, names=self.names, date=self.date, author=self.author)


@dataclass(frozen=True)
class AtlasPlan:
    """Everything the pages need, decided once: the layer and its fixed style, the page order."""

    spec: AtlasSpec
    layer: Layer  # the indicator layer, styled on the chosen indicator with the atlas's breaks
    indicator: str
    level: str
    base: BaseMap
    rows: tuple[int, ...]  # row of layer.data on each page
    communes: tuple[str, ...]  # commune code of each page's unit ("" when outside every commune)
    numbers: tuple[tuple[int, int], ...]  # page number and page count printed on each page
    shown: tuple[str, ...]  # indicators in the unit table
    definitions: pd.DataFrame
    locator: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]  # region and communes, simplified once

    @property
    def pages(self) -> int:
        return len(self.rows)


def _natural(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (1 << 30, code)


def commune_of(units: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> np.ndarray:
    """The commune holding the largest part of each unit (its code; "" when it touches none)."""
    geoms = np.asarray(units.geometry.array, dtype=object)
    commune_geoms = np.asarray(communes.geometry.array, dtype=object)
    codes = communes["code"].astype(str).to_numpy()
    out = np.full(len(geoms), "", dtype=object)
    tree = shapely.STRtree(commune_geoms)
    pairs = tree.query(geoms, predicate="intersects")
    if pairs.size == 0:
        return out
    areas = shapely.area(shapely.intersection(geoms[pairs[0]], commune_geoms[pairs[1]]))
    best = pd.DataFrame({"unit": pairs[0], "commune": pairs[1], "area": areas})
    best = best.sort_values("area", ascending=False).drop_duplicates("unit")
    out[best["unit"].to_numpy()] = codes[best["commune"].to_numpy()]
    return out


def _style(layer: Layer, indicator: str, breaks: Sequence[float] | None, definitions: pd.DataFrame) -> Style:
    """The style of ``indicator``: the layer's own (its classes computed over every unit of the
    level), or one with the fixed ``breaks``. One style serves every page."""
    if breaks is not None:
        return indicator_style(layer.data, indicator, definitions, breaks=np.asarray(breaks, dtype=float))
    main = layer.extra.get("indicator")
    style = layer.style if indicator == main else layer.styles.get(indicator)
    if style is None:
        known = ", ".join([*([main] if layer.style is not None and main else []), *layer.styles]) or "none"
        raise InputError(f"layer {layer.id!r} has no classes for {indicator!r} (styled indicators: {known})")
    return style


def plan_atlas(
    layers: Sequence[Layer], spec: AtlasSpec, *, base: BaseMap | None = None, per_commune: bool = False
) -> AtlasPlan:
    """Decide the pages of an atlas: the layer, its classes (once, over all units) and the page order.

    Pages run by unit code (numerically when codes are numbers), grouped by commune when
    ``per_commune`` (each commune's pages then numbered on their own).
    """
    PageSpec(lang=spec.lang, size=spec.size, names=spec.names).validate()
    found = next((layer for layer in layers if layer.id == spec.layer), None)
    if found is None:
        ids = ", ".join(layer.id for layer in layers if layer.group == "indicators") or "none: run 'diagnose'"
        raise SourceNotFoundError(f"layer {spec.layer!r} not found; indicator layers: {ids}")
    if found.group != "indicators" or not isinstance(found.data, gpd.GeoDataFrame):
        raise InputError(f"layer {spec.layer!r} is not an indicator layer (<theme>_<level>)")
    level = found.extra.get("level", "")
    definitions = indicator_definitions()
    indicator = spec.indicator or found.extra.get("indicator") or "rate"
    if indicator not in found.data.columns or indicator not in definitions.index:
        raise InputError(
            f"indicator {indicator!r}: not an indicator of layer {found.id!r}; "
            f"choose one of {', '.join(i for i in definitions.index if i in found.data.columns)}"
        )
    style = _style(found, indicator, spec.breaks, definitions)
    label = {lang: str(definitions.loc[indicator, f"label_{lang}"]) for lang in LANGS}
    layer = replace(found, style=style, styles={}, title={lang: label[lang] for lang in LANGS})
    base = base if base is not None else BaseMap.from_layers(layers)
    data = found.data
    codes = data["code"].astype(str).to_numpy()
    wanted = set(spec.units)
    missing = wanted - set(codes)
    if missing:
        raise InputError(f"units {', '.join(sorted(missing))}: not units of layer {found.id!r}")
    communes = commune_of(data, base.communes) if level != "communes" else codes.astype(object)
    keep = [i for i in range(len(data)) if not wanted or codes[i] in wanted]
    key = (lambda i: (communes[i], _natural(codes[i]))) if per_commune else (lambda i: _natural(codes[i]))
    order = sorted(keep, key=key)
    if per_commune:
        totals = pd.Series([communes[i] for i in order]).value_counts()
        seen: dict[str, int] = {}
        numbers = []
        for i in order:
            seen[communes[i]] = seen.get(communes[i], 0) + 1
            numbers.append((seen[communes[i]], int(totals[communes[i]])))
    else:
        numbers = [(n + 1, len(order)) for n in range(len(order))]
    chosen = {*spec.table, indicator}
    hidden = bool((data["status"].astype(str) != "ok").all())  # e.g. no target population anywhere
    shown = tuple(
        i
        for i in definitions.index
        if i in chosen
        and i in data.columns
        and (data[i].notna().any() or (hidden and bool(definitions.loc[i, "population_based"])))
    )
    unknown = sorted(set(spec.table) - set(definitions.index))
    if unknown:
        raise InputError(f"table: {', '.join(unknown)} are not indicators ({', '.join(definitions.index)})")
    rx0, ry0, rx1, ry1 = base.region.total_bounds
    tolerance = max(rx1 - rx0, ry1 - ry0) / 400
    locator = (
        base.region.set_geometry(base.region.geometry.simplify(tolerance)),
        base.communes.set_geometry(base.communes.geometry.simplify(tolerance)),
    )
    return AtlasPlan(
        spec,
        layer,
        indicator,
        level,
        base,
        tuple(order),
        tuple(str(communes[i]) for i in order),
        tuple(numbers),
        shown,
        definitions,
        locator,
    )


# --- one page ----------------------------------------------------------------------------------------


def _frame(plan: AtlasPlan, unit: pd.Series, name: str) -> Frame:
    """The unit with a margin around it (at least ``min_extent`` metres a side), veiled around."""
    spec = plan.spec
    geometry = unit.geometry
    x0, y0, x1, y1 = geometry.bounds
    pad = spec.margin * max(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w = max((x1 - x0) / 2 + pad, spec.min_extent / 2)
    half_h = max((y1 - y0) / 2 + pad, spec.min_extent / 2)
    extent: Bounds = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    region = plan.base.bounds
    zoomed = (extent[2] - extent[0]) < 0.6 * (region[2] - region[0])
    focus_name = f"{level_unit(plan.level, spec.lang)}{_t('colon', spec.lang)}{name}"
    return Frame(extent, geometry, focus_name, zoomed, bool(zoomed and plan.base.neighbourhoods is not None))


def _unit_table(plan: AtlasPlan, unit: pd.Series, lang: str) -> Table:
    definitions = plan.definitions
    status = str(unit.get("status", "ok"))
    rows = []
    bold = set()
    for n, indicator in enumerate(plan.shown):
        based = bool(definitions.loc[indicator, "population_based"])
        unit_name = str(definitions.loc[indicator, "unit"])
        value = format_indicator(unit[indicator], unit_name, lang, status=status if based else "ok")
        rows.append((str(definitions.loc[indicator, f"label_{lang}"]), value, unit_label(unit_name, lang)))
        if indicator == plan.indicator:
            bold.add(n)
    return Table(
        (
            Column(_t("indicator", lang), 5.6),
            Column(_t("value", lang), 1.7, "right"),
            Column(_t("unit", lang), 1.9),
        ),
        tuple(rows),
        fontsize=6.6,
        bold=frozenset(bold),
        shaded=frozenset(bold),
    )


def atlas_page(plan: AtlasPlan, page: int) -> Figure:
    """Page ``page`` (0-based) of the atlas planned by ``plan``."""
    with page_settings():
        return _atlas_page(plan, page)


def _atlas_page(plan: AtlasPlan, page: int) -> Figure:
    spec = plan.spec
    lang = spec.lang
    data = plan.layer.data
    assert isinstance(data, gpd.GeoDataFrame)
    unit = data.iloc[plan.rows[page]]
    name = unit_title(unit, lang, spec.names)
    code = str(unit["code"])
    layer_title = found_title(plan, lang)
    subtitle = f"{level_unit(plan.level, lang)} {code} · {layer_title}"
    synthetic = plan.layer.synthetic or any(layer.synthetic for layer in plan.base.layers)
    locator = 24.0
    sheet = new_sheet(
        size=spec.size,
        lang=lang,
        title=name,
        subtitle=subtitle,
        synthetic=synthetic,
        footer=None,
        header_right=locator + GAP,
    )
    frame = _frame(plan, unit, name)
    blocks = [*legend_blocks([plan.layer], lang=lang), boundaries_block(frame, lang=lang)]
    table = _unit_table(plan, unit, lang)
    table_w = sheet.inner * 0.56
    legend_w = sheet.inner - table_w - 2 * GAP
    measured = measure(table, table_w)
    table_h = measured.header_height + sum(measured.heights)
    legend_h = furniture.legend_size(blocks, width_mm=legend_w, fontsize=6.8, lang=lang)
    band = max(table_h, legend_h) + 1.0
    map_top = min(sheet.top, _locator(sheet, plan, frame, locator) - GAP)
    # the footer gives the scale, which depends on the room the footer leaves: reserve its room
    # with a provisional scale (only the number of its lines matters), then write it
    sheet.reserve_footer(_footer_lines(plan, 99999.0), plan.numbers[page])
    map_bottom = sheet.bottom + band + GAP
    map_box = (sheet.left, map_bottom, sheet.inner, map_top - map_bottom)
    fitted = fit_extent(frame.extent, map_box[2], map_box[3])
    scale = (fitted[2] - fitted[0]) / map_box[2] * 1000
    sheet.footer(_footer_lines(plan, scale), plan.numbers[page])
    ax = sheet.axes(map_box)
    box = shapely.box(*fitted)
    visible = data.iloc[shapely.intersects(np.asarray(data.geometry.array, dtype=object), box)]
    plot_map([replace(plan.layer, data=visible)], plan.base, ax=ax, frame=frame, lang=lang, names=spec.names)
    legend_ax = sheet.axes((sheet.left, sheet.bottom, legend_w, band))
    furniture.legend(legend_ax, blocks, lang=lang, fontsize=6.8)
    draw_table(sheet.ax, measured, sheet.right - table_w, sheet.bottom + band)
    sheet.fig.set_label(f"{name} — {layer_title}")
    return sheet.fig


def _footer_lines(plan: AtlasPlan, scale: float) -> list[str]:
    """Sources (each once, with its vintage), then production, projection and scale."""
    spec = plan.spec
    used = [*plan.base.layers, plan.layer]
    sources = sources_line([(layer.attribution, layer.vintage) for layer in used], spec.lang)
    # the production line of the map pages, with the scale of this page
    production = source_lines([], spec.page_spec(), scale=scale, size=spec.size)
    return [line for line in (sources, *production) if line]


def found_title(plan: AtlasPlan, lang: str) -> str:
    """``Theme — Level: indicator`` for the subtitle of the pages."""
    definitions = plan.definitions
    theme = plan.layer.extra.get("theme", "")
    level = LEVEL_TITLES.get(plan.level, {}).get(lang, plan.level)
    label = str(definitions.loc[plan.indicator, f"label_{lang}"])
    theme_label = plan.layer.description.get(lang, "").split(" — ")[0] if theme else ""
    return f"{theme_label} — {level}{_t('colon', lang)}{label}" if theme_label else label


def _locator(sheet: Sheet, plan: AtlasPlan, frame: Frame, side: float) -> float:
    """The locator map at the top right of the header; return the y of its bottom."""
    top = sheet.header_top
    rect = (
        (sheet.right - side) / sheet.width,
        (top - side) / sheet.height,
        side / sheet.width,
        side / sheet.height,
    )
    assert frame.focus is not None
    region, communes = plan.locator
    furniture.inset(sheet.fig, rect, region, frame.focus.bounds, units=communes, force=True)
    return top - side


# --- whole atlas ---------------------------------------------------------------------------------------


def atlas(layers: Sequence[Layer], spec: AtlasSpec, *, base: BaseMap | None = None) -> list[Figure]:
    """Every page of the atlas, built in this process (see :func:`write_atlas` for files)."""
    plan = plan_atlas(layers, spec, base=base)
    return [atlas_page(plan, i) for i in range(plan.pages)]


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "unit"


def write_atlas(
    layers: Sequence[Layer],
    spec: AtlasSpec,
    out: str | Path,
    *,
    base: BaseMap | None = None,
    per_commune: bool = False,
    workers: int = 2,
) -> list[Path]:
    """Write the atlas as one PDF ``out`` or, with ``per_commune``, one PDF per commune in the
    folder ``out`` (``<code>-<name>.pdf``); pages are built by ``workers`` processes."""
    plan = plan_atlas(layers, spec, base=base, per_commune=per_commune)
    out = Path(out)
    title = f"{found_title(plan, spec.lang)}"
    if not per_commune:
        outputs: dict[Path, list[int]] = {out: list(range(plan.pages))}
        titles = {out: title}
    else:
        if out.suffix.lower() == ".pdf":
            raise InputError(f"{out}: with per-commune files, give a folder, not a .pdf file")
        names = plan.base.communes.set_index(plan.base.communes["code"].astype(str))
        outputs, titles = {}, {}
        for n, code in enumerate(plan.communes):
            if code in names.index:
                label = unit_title(names.loc[code], spec.lang, spec.names)
            else:
                label = _t("no_commune", spec.lang)
            path = out / f"{code or 'none'}-{_slug(label)}.pdf"
            outputs.setdefault(path, []).append(n)
            titles[path] = f"{title} — {label}"
    return write_pages(
        atlas_page,
        plan,
        outputs,
        workers=workers,
        info=PdfInfo(title=title, subject=plan.layer.id, keywords=("atlas", plan.level)),
        titles=titles,
    )
