"""Map series: one map page per theme or per accreditation, all at the same extent and scale.

A series takes the supply layers of the catalogue — ``sites_<theme>`` (by theme) or
``accreditation_<id>`` (by accreditation, the directory's map series) — and makes one page of each,
over an optional need choropleth (a ``need_*`` or indicator layer, the same on every page). Every
page shows the same extent at the same scale: the orientation is chosen once, and the extent is
widened so that the width of the frame, which is the same on every page, sets the scale whatever
the size of each page's legend. An index page (title, one line per map with its number of sites,
sources) comes first unless told otherwise.

:func:`plan_series` decides the pages, :func:`series_page` builds one (a module-level page function
for :func:`maps.render.write_pages`), :func:`series` returns the figures, :func:`write_series`
writes the PDF.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
from matplotlib.figure import Figure

from geo.errors import InputError
from layers.layer import Layer
from layers.styles import Style, single
from maps.frame import BaseMap, Bounds, boundaries_block, legend_blocks, resolve_frame
from maps.kinds import pick, supply_sites
from maps.page import Layout, PageSpec, PdfInfo, choose_layout, map_page, source_lines
from maps.render import write_pages
from maps.sheet import new_sheet, page_settings, produced_line
from maps.tables import Column, Table, draw_table, format_count, measure, paragraph

SeriesBy = Literal["theme", "accreditation"]

_TEXTS: dict[str, dict[str, str]] = {
    "theme": {
        "fr": "Lieux d'activité par thème",
        "nl": "Activiteitsplaatsen per thema",
        "en": "Activity sites by theme",
    },
    "accreditation": {
        "fr": "Lieux d'activité par agrément",
        "nl": "Activiteitsplaatsen per erkenning",
        "en": "Activity sites by accreditation",
    },
    "map": {"fr": "Carte", "nl": "Kaart", "en": "Map"},
    "page": {"fr": "Page", "nl": "Pagina", "en": "Page"},
    "sites": {"fr": "Lieux", "nl": "Plaatsen", "en": "Sites"},
    "over": {"fr": "Fond : {need}", "nl": "Achtergrond: {need}", "en": "Background: {need}"},
    "index": {
        "fr": "Chaque carte montre les lieux qui comptent comme offre (publiés, hors sièges sans activité "
        "propre), à la même échelle et sur la même étendue.",
        "nl": "Elke kaart toont de plaatsen die als aanbod tellen (gepubliceerd, geen zetels zonder eigen "
        "activiteit), op dezelfde schaal en met dezelfde uitsnede.",
        "en": "Each map shows the sites that count as supply (published, not head offices without activity "
        "of their own), at the same scale and extent.",
    },
}


def _t(key: str, lang: str) -> str:
    return _TEXTS[key].get(lang) or _TEXTS[key]["fr"]


@dataclass(frozen=True)
class SeriesSpec:
    """What series to make.

    Parameters
    ----------
    by
        ``theme`` (the ``sites_<theme>`` layers) or ``accreditation`` (the ``accreditation_*`` layers).
    values
        Only these themes or accreditations: ids, prefixes (``A-COCOF`` for every COCOF
        accreditation) or shell patterns (``A-COCOF-0[1-5]``); default all.
    need
        A polygon layer with a style (``need_share_cpas``, ``seniors_neighbourhoods``…) drawn under
        the sites of every page.
    page
        Paper, orientation, language, date… of every page (its title and extent are set per page).
    index
        Put an index page first.
    """

    by: SeriesBy = "theme"
    values: tuple[str, ...] = ()
    need: str | None = None
    page: PageSpec = field(default_factory=PageSpec)
    index: bool = True


@dataclass(frozen=True)
class SeriesPlan:
    """The pages of a series: the layers of each map, their titles, the common extent."""

    spec: SeriesSpec
    maps: tuple[tuple[Layer, ...], ...]  # the layers drawn on each map page
    keys: tuple[str, ...]  # theme or accreditation of each map
    titles: tuple[str, ...]
    counts: tuple[int, ...]  # sites drawn on each map
    base: BaseMap
    page: PageSpec  # with the orientation and the extent of every map page
    synthetic: bool

    @property
    def pages(self) -> int:
        return len(self.maps) + (1 if self.spec.index else 0)


def _recount(style: Style, data: gpd.GeoDataFrame) -> Style:
    """``style`` with the counts of its classes among ``data`` (the sites actually drawn)."""
    found = style.feature_classes(data)
    counts = np.bincount(found[found >= 0], minlength=len(style.classes))
    classes = tuple(replace(c, count=int(n)) for c, n in zip(style.classes, counts, strict=True))
    return replace(style, classes=tuple(c for c in classes if c.count))


def _matches(key: str, values: Sequence[str]) -> bool:
    folded = key.casefold()
    for value in values:
        wanted = value.casefold()
        if folded == wanted or folded.startswith(wanted) or fnmatch.fnmatchcase(folded, wanted):
            return True
    return False


def _candidates(layers: Sequence[Layer], by: SeriesBy) -> list[tuple[str, Layer]]:
    if by == "theme":
        return [(layer.id.removeprefix("sites_"), layer) for layer in layers if layer.id.startswith("sites_")]
    return [
        (layer.extra.get("accreditation", layer.id), layer)
        for layer in layers
        if layer.group == "series" and layer.id.startswith("accreditation_")
    ]


def _map_layer(layer: Layer, *, dots: bool) -> tuple[Layer, int]:
    data = supply_sites(layer.data)
    if dots or layer.style is None or layer.style.kind == "single":
        style = replace(
            single(
                geometry="points", colour="#1a1a1a" if dots else "#0072B2", label=layer.title, count=len(data)
            ),
            marker_size=3.5 if dots else 4.5,
            outline="#ffffff",
        )
    else:
        style = _recount(layer.style, data)
    return replace(layer, data=data, style=style), len(data)


def plan_series(layers: Sequence[Layer], spec: SeriesSpec, *, base: BaseMap | None = None) -> SeriesPlan:
    """Decide the pages of a series: which layers, in which order, at which common extent."""
    spec.page.validate()
    if spec.by not in ("theme", "accreditation"):
        raise InputError(f"by {spec.by!r}: choose theme or accreditation")
    candidates = _candidates(layers, spec.by)
    if not candidates:
        what = "theme" if spec.by == "theme" else "accreditation"
        raise InputError(
            f"series by {what}: the workspace has no {what} layer"
            + (" (its sites carry no accreditations)" if spec.by == "accreditation" else "")
        )
    chosen = [(key, layer) for key, layer in candidates if not spec.values or _matches(key, spec.values)]
    if not chosen:
        known = ", ".join(key for key, _ in candidates)
        raise InputError(f"values {', '.join(spec.values)}: match no {spec.by}; known: {known}")
    lang = spec.page.lang
    need = pick(layers, spec.need, kinds=("polygons",), styled=True) if spec.need else None
    base = base if base is not None else BaseMap.from_layers(layers)
    maps, keys, titles, counts = [], [], [], []
    for key, layer in chosen:
        drawn, count = _map_layer(layer, dots=need is not None)
        maps.append((need, drawn) if need is not None else (drawn,))
        keys.append(key)
        titles.append(layer.text("title", lang))
        counts.append(count)
    used = [layer for group in maps for layer in group if layer is not None] + list(base.layers)
    synthetic = any(layer.synthetic for layer in used)
    page = _common_page(
        spec.page, base, [tuple(x for x in m if x is not None) for m in maps], titles, synthetic
    )
    return SeriesPlan(
        spec,
        tuple(tuple(x for x in m if x is not None) for m in maps),
        tuple(keys),
        tuple(titles),
        tuple(counts),
        base,
        page,
        synthetic,
    )


def _common_page(
    spec: PageSpec, base: BaseMap, maps: Sequence[Sequence[Layer]], titles: Sequence[str], synthetic: bool
) -> PageSpec:
    """The page spec shared by every map: one orientation, and an extent wide enough that the frame's
    width (the same on every page) sets the scale."""
    x0, y0, x1, y1 = spec.extent or base.bounds
    pad = spec.margin * max(x1 - x0, y1 - y0)
    extent: Bounds = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    frame = resolve_frame(base, extent=extent, margin=0.0, lang=spec.lang, names=spec.names)
    lang = spec.lang

    def layout(drawn: Sequence[Layer], title: str, orientation: str) -> Layout:
        blocks = [*legend_blocks(drawn, lang=lang), boundaries_block(frame, lang=lang)]
        return choose_layout(
            replace(spec, orientation=orientation),
            extent,
            blocks,
            show_inset=False,
            banner=synthetic,
            title=title,
        )

    orientation = spec.orientation
    if orientation == "auto":
        orientation = layout(maps[0], titles[0], "auto").orientation
    boxes = [layout(drawn, title, orientation).map for drawn, title in zip(maps, titles, strict=True)]
    width = boxes[0][2]
    height = min(box[3] for box in boxes)
    w, h = extent[2] - extent[0], extent[3] - extent[1]
    if w / h < width / height:  # widen: the width then sets the scale on every page
        cx = (extent[0] + extent[2]) / 2
        half = h * width / height / 2
        extent = (cx - half, extent[1], cx + half, extent[3])
    return replace(spec, orientation=orientation, extent=extent, margin=0.0, focus=None)


# --- pages ---------------------------------------------------------------------------------------------


def series_page(plan: SeriesPlan, page: int) -> Figure:
    """Page ``page`` (0-based) of the series: the index first (when asked), then one map per value."""
    with page_settings():
        if plan.spec.index:
            if page == 0:
                return _index_page(plan)
            page -= 1
        return _map(plan, page)


def _subtitle(plan: SeriesPlan, n: int) -> str:
    lang = plan.page.lang
    parts = [_t(plan.spec.by, lang)]
    if plan.spec.by == "accreditation":
        parts.append(plan.keys[n])
    need = next((layer for layer in plan.maps[n] if layer.kind == "polygons"), None)
    if need is not None:
        parts.append(_t("over", lang).format(need=need.text("title", lang)))
    parts.append(f"{_t('map', lang)} {n + 1} / {len(plan.maps)}")
    return " · ".join(parts)


def _map(plan: SeriesPlan, n: int) -> Figure:
    spec = replace(plan.page, title=plan.titles[n], subtitle=_subtitle(plan, n))
    return map_page(list(plan.maps[n]), plan.base, spec)


def _index_page(plan: SeriesPlan) -> Figure:
    spec = plan.page
    lang = spec.lang
    title = _t(plan.spec.by, lang)
    used = [layer for group in plan.maps for layer in group] + list(plan.base.layers)
    lines = source_lines(used, spec, scale=1.0, size=spec.size)[:1]
    lines.append(produced_line(lang, date=spec.date, author=spec.author))
    orientation = "portrait"
    sheet = new_sheet(
        size=spec.size,
        orientation=orientation,
        lang=lang,
        title=title,
        subtitle=plan.base.title(lang),
        synthetic=plan.synthetic,
        footer=lines,
    )
    y = paragraph(sheet.ax, _t("index", lang), sheet.left, sheet.top, sheet.inner, size=8.0) - 3
    offset = 2 if plan.spec.index else 1
    rows = tuple(
        (
            str(n + offset),
            *((key,) if plan.spec.by == "accreditation" else ()),
            title,
            format_count(count, lang),
        )
        for n, (key, title, count) in enumerate(zip(plan.keys, plan.titles, plan.counts, strict=True))
    )
    columns = [Column(_t("page", lang), 0.8, "right")]
    if plan.spec.by == "accreditation":
        columns.append(Column("", 1.6))
    columns += [
        Column(_t(plan.spec.by, lang).split()[-1].capitalize(), 8.0),
        Column(_t("sites", lang), 1.2, "right"),
    ]
    table = Table(tuple(columns), rows, fontsize=7.5)
    draw_table(sheet.ax, measure(table, sheet.inner), sheet.left, y)
    sheet.fig.set_label(title)
    return sheet.fig


# --- whole series ----------------------------------------------------------------------------------------


def series(layers: Sequence[Layer], spec: SeriesSpec, *, base: BaseMap | None = None) -> list[Figure]:
    """Every page of the series, built in this process (see :func:`write_series` for a PDF)."""
    plan = plan_series(layers, spec, base=base)
    return [series_page(plan, i) for i in range(plan.pages)]


def write_series(
    layers: Sequence[Layer],
    spec: SeriesSpec,
    path: str | Path,
    *,
    base: BaseMap | None = None,
    workers: int = 2,
) -> Path:
    """Write the series as one PDF at ``path``, its pages built by ``workers`` processes."""
    plan = plan_series(layers, spec, base=base)
    path = Path(path)
    title = f"{_t(spec.by, spec.page.lang)} — {plan.base.title(spec.page.lang)}"
    written = write_pages(
        series_page,
        plan,
        {path: list(range(plan.pages))},
        workers=workers,
        info=PdfInfo(title=title, subject=_t(spec.by, spec.page.lang), keywords=("series", spec.by)),
        titles={path: title},
    )
    return written[0]
