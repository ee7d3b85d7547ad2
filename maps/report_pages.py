"""The pages of the diagnostic report (see :mod:`maps.report`): one builder per kind of page.

Each builder takes the :class:`~maps.report.ReportPlan`, the page's index and its argument and
returns a Figure. Numbers come from the diagnostic's tables as they are, formatted by
:func:`maps.tables.format_indicator`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure

from diagnostics.need import catalogue as need_catalogue
from layers.layer import LANGS, Layer, LegendEntry
from layers.styles import categorised, single
from maps import furniture, paths
from maps.frame import Frame, boundaries_block, plot_map
from maps.furniture import LegendBlock
from maps.page import text as page_text
from maps.report_texts import t
from maps.sheet import GAP, Sheet, new_sheet, produced_line, source_list
from maps.tables import (
    STATUS_NOTE,
    Column,
    Table,
    draw_table,
    format_count,
    format_indicator,
    measure,
    paragraph,
    shows_status,
    unit_label,
    wrap,
)

if TYPE_CHECKING:
    from maps.report import ReportPlan

AREA_FILL = "#fdb863"
RING_FILL = "#fee9cf"
AREA_LINE = "#7f2704"
ADJACENT_LINE = "#2166ac"
WHERE_COLOURS = {"area": "#D55E00", "ring": "#0072B2"}
SERIES_COLOURS = ("#D55E00", "#E69F00", "#F0E442", "#009E73", "#56B4E9", "#0072B2")

# rows of a theme's table: indicators in this order, when the theme has them
THEME_ROWS = (
    "sites_located",
    "sites_active",
    "capacity",
    "sites_without_capacity",
    "target",
    "need_share",
    "rate",
    "rate_eb",
    "coverage",
    "fca_2sfca",
    "fca_e2sfca",
    "nearest_m",
    "within_walk",
    "rate_diff_commune",
    "rate_diff_region",
    "lq",
    "e2sfca_ratio_region",
)
SECTOR_COLUMNS = ("target", "rate", "fca_e2sfca", "nearest_m", "within_walk", "underserved")


# --- shared pieces --------------------------------------------------------------------------------


def definitions_of(plan: ReportPlan) -> pd.DataFrame:
    table = plan.result.diagnostic.definitions.set_index("indicator")
    table["population_based"] = table["population_based"].astype(str).str.lower().isin(("1", "true"))
    return table


def text_of(value: object) -> str:
    """A cell's text: empty for None and NaN."""
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()


def unit_name(row: pd.Series | dict[str, Any], lang: str, names: str = "auto") -> str:
    fr = text_of(row.get("name_fr"))
    nl = text_of(row.get("name_nl")) or fr
    mode = names if names != "auto" else {"fr": "fr", "nl": "nl"}.get(lang, "both")
    if mode == "nl":
        return nl or fr
    if mode == "both" and nl and nl.casefold() != fr.casefold():
        return f"{fr} / {nl}"
    return fr or nl


def _footer(plan: ReportPlan) -> list[str]:
    spec = plan.spec
    lang = spec.lang
    line = t("footer", lang, title=spec.heading(), area=plan.result.area.name)
    return [f"{line} · {produced_line(lang, date=spec.date, author=spec.author)}"]


def report_sheet(plan: ReportPlan, page: int, title: str, subtitle: str = "") -> Sheet:
    return new_sheet(
        size=plan.spec.size,
        lang=plan.spec.lang,
        title=title,
        subtitle=subtitle or plan.result.area.name,
        synthetic=plan.synthetic,
        footer=_footer(plan),
        page=(page + 1, plan.total or 1),
    )


def body(plan: ReportPlan) -> tuple[float, float, float]:
    """Room (mm) on a flowing page (first and next) and the width of its tables."""
    sheet = report_sheet(plan, 0, t("methods", plan.spec.lang))
    room = sheet.top - sheet.bottom
    return room, room, sheet.inner


def theme_label(plan: ReportPlan, theme: str) -> str:
    themes = plan.result.diagnostic.themes.set_index("theme")
    return str(themes.loc[theme, f"label_{plan.spec.lang}"] or themes.loc[theme, "label_fr"])


def _ring_label(plan: ReportPlan) -> str:
    lang = plan.spec.lang
    width = furniture.format_length(plan.result.area.ring_width, lang=lang).replace(" ", "\u00a0")
    return t("ring", lang, width=width)


def _commune_name(plan: ReportPlan, code: str) -> str:
    communes = plan.base.communes
    rows = communes[communes["code"].astype(str) == code]
    return unit_name(rows.iloc[0], plan.spec.lang, plan.spec.names) if len(rows) else code


def _polygons(name: str, geometry: Any, colour: str, title: str, *, filled: bool = True) -> Layer:
    style = single(
        geometry="polygons", colour=colour, label=title, filled=filled, outline="none" if filled else colour
    )
    return Layer(
        id=name,
        title=dict.fromkeys(LANGS, title),
        description=dict.fromkeys(LANGS, title),
        data=gpd.GeoDataFrame(geometry=[geometry], crs=31370),
        kind="polygons",
        attribution="",
        vintage="",
        style=style,
    )


def _map(
    plan: ReportPlan,
    sheet: Sheet,
    box: tuple[float, float, float, float],
    layers: Sequence[Layer],
    *,
    adjacent: bool,
) -> Frame:
    """Draw a map of the area and its ring (with ``layers``) in ``box``; return its frame."""
    area = plan.result.area
    x0, y0, x1, y1 = shapely.union(area.geometry, area.ring).bounds
    pad = 0.04 * max(x1 - x0, y1 - y0)
    frame = Frame(
        (x0 - pad, y0 - pad, x1 + pad, y1 + pad), None, None, True, plan.base.neighbourhoods is not None
    )
    ax = sheet.axes(box)
    base = [
        _polygons("ring", area.ring, RING_FILL, _ring_label(plan)),
        _polygons("area", area.geometry, AREA_FILL, t("study_area", plan.spec.lang)),
    ]
    plot_map([*base, *layers], plan.base, ax=ax, frame=frame, lang=plan.spec.lang, names=plan.spec.names)
    if adjacent and len(area.adjacent.units):
        geoms = np.asarray(area.adjacent.units.geometry.array, dtype=object)
        paths.outline_polygons(
            ax, geoms, color=ADJACENT_LINE, linewidth=0.9, zorder=7.2, linestyle=(0, (4, 2))
        )
    paths.outline_polygons(ax, [area.geometry], color=AREA_LINE, linewidth=1.8, zorder=7.5)
    return frame


def _area_block(plan: ReportPlan, *, adjacent: bool) -> LegendBlock:
    lang = plan.spec.lang
    entries = [
        LegendEntry(t("study_area", lang), AREA_FILL, "fill"),
        LegendEntry(_ring_label(plan), RING_FILL, "fill"),
    ]
    if adjacent:
        entries.append(LegendEntry(t("adjacent", lang), ADJACENT_LINE, "line", size=0.9))
    return LegendBlock(plan.result.area.name, tuple(entries))


# --- cover ----------------------------------------------------------------------------------------


def _sources(plan: ReportPlan) -> list[str]:
    """One line per source named in the workspace's provenance, with its vintage."""
    table = plan.provenance
    if table.empty or "attribution" not in table.columns:
        return []
    return source_list(
        list(zip(table["attribution"].map(text_of), table["vintage"].map(text_of), strict=True))
    )


def cover(plan: ReportPlan, page: int, _: Any) -> Figure:
    spec = plan.spec
    lang = spec.lang
    area = plan.result.area
    sheet = new_sheet(
        size=spec.size, lang=lang, synthetic=plan.synthetic, footer=_footer(plan), page=(page + 1, plan.total)
    )
    ax = sheet.ax
    y = sheet.top - 8
    ax.text(sheet.left, y, t("kicker", lang), fontsize=10, color="#555555", va="top")
    y -= 9
    ax.text(sheet.left, y, spec.heading(), fontsize=24, fontweight="bold", color="#111111", va="top")
    y -= 14
    for line in wrap(area.name, sheet.inner, 18, bold=True):
        ax.text(sheet.left, y, line, fontsize=18, fontweight="bold", color=AREA_LINE, va="top")
        y -= 8.5
    y -= 3
    members = ", ".join(
        f"{unit_name(row, lang, spec.names)} ({row['code']})" for _, row in area.members.iterrows()
    )
    communes = ", ".join(_commune_name(plan, code) for code in area.communes)
    facts = [
        (t("members", lang), members),
        (t("communes", lang), communes),
        (t("ring_width", lang), furniture.format_length(area.ring_width, lang=lang)),
        (t("date", lang), (spec.date or pd.Timestamp.today().date()).isoformat()),
    ]
    if spec.author:
        facts.append((page_text("author", lang), spec.author))
    table = Table(
        (Column("", 2.1), Column("", 3.4)),
        tuple(facts),
        fontsize=8.5,
        header=False,
        zebra=False,
    )
    measured = measure(table, 120)
    bottom = draw_table(ax, measured, sheet.left, y)
    # locator: the region and its communes, the area in colour
    side = 58.0
    locator = sheet.axes((sheet.right - side, y - side + 6, side, side))
    locator.set_axis_off()
    region = plan.base.region
    rx0, ry0, rx1, ry1 = region.total_bounds
    pad = 0.03 * max(rx1 - rx0, ry1 - ry0)
    locator.set_xlim(rx0 - pad, rx1 + pad)
    locator.set_ylim(ry0 - pad, ry1 + pad)
    locator.set_aspect("equal", adjustable="box", anchor="C")
    tolerance = max(rx1 - rx0, ry1 - ry0) / 500
    paths.fill_polygons(
        locator,
        shapely.simplify(np.asarray(plan.base.communes.geometry.array), tolerance),
        facecolor="#ebe8e1",
    )
    paths.outline_polygons(
        locator,
        shapely.simplify(np.asarray(plan.base.communes.geometry.array), tolerance),
        color="#9a968d",
        linewidth=0.4,
    )
    paths.fill_polygons(locator, [area.ring], facecolor=RING_FILL, zorder=2)
    paths.fill_polygons(locator, [area.geometry], facecolor=AREA_FILL, zorder=3)
    paths.outline_polygons(locator, [area.geometry], color=AREA_LINE, linewidth=1.0, zorder=4)
    paths.outline_polygons(
        locator,
        shapely.simplify(np.asarray(region.geometry.array), tolerance),
        color="#3d3a35",
        linewidth=0.8,
        zorder=5,
    )
    y = min(bottom, y - side + 6) - 10
    y = sheet.heading(t("contents", lang), y)
    rows = tuple((title, str(number)) for title, number in plan.contents)
    contents = Table((Column("", 8.0), Column("", 1.0, "right")), rows, fontsize=8.5, header=False)
    y = draw_table(ax, measure(contents, sheet.inner * 0.75), sheet.left, y) - 8
    y = sheet.heading(t("sources", lang), y)
    for line in _sources(plan):
        y = paragraph(ax, line, sheet.left, y, sheet.inner, size=7.0, color="#444444") - 0.8
    if plan.synthetic:
        paragraph(
            ax,
            t("synthetic_note", lang),
            sheet.left,
            y - 2,
            sheet.inner,
            size=8.0,
            bold=True,
            color="#b2182b",
        )
    sheet.fig.set_label(f"{spec.heading()} — {area.name}")
    return sheet.fig


# --- location -------------------------------------------------------------------------------------


def location(plan: ReportPlan, page: int, _: Any) -> Figure:
    lang = plan.spec.lang
    sheet = report_sheet(plan, page, t("location_title", lang))
    figures = _key_figures(plan)
    measured = measure(figures, sheet.inner * 0.62)
    table_h = measured.header_height + sum(measured.heights)
    legend_w = sheet.inner * 0.35
    frame_block = _area_block(plan, adjacent=True)
    map_h = sheet.top - sheet.bottom - max(table_h, 45) - 2 * GAP
    box = (sheet.left, sheet.top - map_h, sheet.inner, map_h)
    frame = _map(plan, sheet, box, [], adjacent=True)
    blocks = [frame_block, boundaries_block(frame, lang=lang)]
    legend_ax = sheet.axes((sheet.left, sheet.bottom, legend_w, max(table_h, 45)))
    furniture.legend(legend_ax, blocks, lang=lang, fontsize=7.0)
    draw_table(sheet.ax, measured, sheet.right - sheet.inner * 0.62, sheet.top - map_h - GAP)
    sheet.fig.set_label(t("location_title", lang))
    return sheet.fig


def _key_figures(plan: ReportPlan) -> Table:
    lang = plan.spec.lang
    result = plan.result
    area = result.area
    profile = result.profile
    rows: list[tuple[str, str]] = []
    population = profile[(profile["indicator"] == "pop_total") & (profile["level"] == "study_area")]
    if len(population):
        row = population.iloc[0]
        rows.append(
            (
                t("population", lang),
                format_indicator(row["value"], "persons", lang, status=str(row["status"])),
            )
        )
    rows.append(
        (
            t("members", lang),
            ", ".join(
                f"{unit_name(r, lang, plan.spec.names)} ({r['code']})" for _, r in area.members.iterrows()
            ),
        )
    )
    rows.append((t("communes", lang), ", ".join(_commune_name(plan, c) for c in area.communes)))
    rows.append((t("ring_width", lang), furniture.format_length(area.ring_width, lang=lang)))
    adjacent = area.adjacent.units
    rows.append(
        (
            t("adjacent", lang),
            ", ".join(f"{unit_name(r, lang, plan.spec.names)} ({r['code']})" for _, r in adjacent.iterrows())
            or "–",
        )
    )
    where = result.sites["where"].astype(str) if len(result.sites) else pd.Series(dtype=str)
    rows.append((t("sites_inside", lang), format_count(int((where == "area").sum()), lang)))
    rows.append((t("sites_around", lang), format_count(int((where == "ring").sum()), lang)))
    return Table((Column(t("figures", lang), 1.9), Column("", 3.0)), tuple(rows), fontsize=7.2)


# --- profile --------------------------------------------------------------------------------------


def _profile_columns(plan: ReportPlan) -> list[tuple[str, str, str]]:
    """(level, code, heading) of the profile's columns: the area, its communes, the region."""
    lang = plan.spec.lang
    columns = [("study_area", "area", t("study_area", lang))]
    columns += [("communes", code, _commune_name(plan, code)) for code in plan.result.area.communes]
    columns.append(("region", "region", t("region", lang)))
    return columns


def profile_table(plan: ReportPlan) -> Table:
    """The need profile: per indicator, count and share of residents in each column."""
    lang = plan.spec.lang
    profile = plan.result.profile
    columns = _profile_columns(plan)
    header = [Column(t("indicator", lang), 4.2), Column(t("year", lang), 0.9, "right")]
    for _, _, heading in columns:
        header += [Column(heading, 1.6, "right"), Column(t("share", lang), 1.0, "right")]
    rows = []
    for _, group in profile.groupby("indicator", sort=False):
        keyed = {(str(r["level"]), str(r["code"])): r for _, r in group.iterrows()}
        first = group.iloc[0]
        cells = [str(first.get(f"label_{lang}") or first["label_fr"]), str(int(first["year"]))]
        for level, code, _ in columns:
            row = keyed.get((level, code))
            if row is None:
                cells += ["–", "–"]
                continue
            status = str(row["status"])
            cells.append(format_indicator(row["value"], "persons", lang, status=status))
            cells.append(format_indicator(row["share_of_residents"], "%", lang, status=status))
        rows.append(tuple(cells))
    return Table(tuple(header), tuple(rows), fontsize=7.0)


def profile(plan: ReportPlan, page: int, _: Any) -> Figure:
    lang = plan.spec.lang
    sheet = report_sheet(plan, page, t("profile_title", lang))
    y = paragraph(sheet.ax, t("profile_note", lang), sheet.left, sheet.top, sheet.inner, size=8.0) - 2
    table = profile_table(plan)
    y = draw_table(sheet.ax, measure(table, sheet.inner), sheet.left, y) - 1.5
    if shows_status(table, lang):
        y = paragraph(sheet.ax, STATUS_NOTE[lang], sheet.left, y, sheet.inner, size=6.5, color="#555555")
    y -= 6
    y = sheet.heading(t("chart_title", lang), y)
    groups = plan.result.profile.loc[plan.result.profile["indicator"] != "pop_total", "indicator"].nunique()
    height = min(y - sheet.bottom - 14, max(groups, 1) * (6.0 + 4.0 * len(_profile_columns(plan))))
    _chart(plan, sheet, (sheet.left + 62, y - 4 - height, sheet.inner - 64, height))
    sheet.fig.set_label(t("profile_title", lang))
    return sheet.fig


def _chart(plan: ReportPlan, sheet: Sheet, box: tuple[float, float, float, float]) -> None:
    """Grouped horizontal bars: share of residents per indicator, area against communes and region."""
    lang = plan.spec.lang
    profile = plan.result.profile
    profile = profile[profile["indicator"] != "pop_total"]
    indicators = list(dict.fromkeys(profile["indicator"]))
    columns = _profile_columns(plan)
    ax = sheet.axes(box)
    n = len(columns)
    height = 0.8 / max(n, 1)
    top = 0.0
    for c, (level, code, heading) in enumerate(columns):
        values, labels = [], []
        for indicator in indicators:
            rows = profile[
                (profile["indicator"] == indicator) & (profile["level"] == level) & (profile["code"] == code)
            ]
            row = rows.iloc[0] if len(rows) else None
            value = float(row["share_of_residents"]) if row is not None else np.nan
            status = str(row["status"]) if row is not None else "no_data"
            values.append(value if status == "ok" and np.isfinite(value) else 0.0)
            labels.append(format_indicator(value, "%", lang, status=status) if row is not None else "–")
        positions = np.arange(len(indicators)) - 0.4 + height * (c + 0.5)
        colour = (
            SERIES_COLOURS[0]
            if level == "study_area"
            else SERIES_COLOURS[-1]
            if level == "region"
            else SERIES_COLOURS[1 + (c - 1) % 3]
        )
        ax.barh(positions, values, height=height * 0.92, color=colour, label=heading, edgecolor="none")
        for y, value, label in zip(positions, values, labels, strict=True):
            ax.text(value, y, f" {label}", va="center", ha="left", fontsize=6.0, color="#333333")
        top = max(top, max(values, default=0.0))
    ax.set_yticks(np.arange(len(indicators)))
    names = []
    for indicator in indicators:
        row = profile[profile["indicator"] == indicator].iloc[0]
        names.append("\n".join(wrap(str(row.get(f"label_{lang}") or row["label_fr"]), 58, 6.5)))
    ax.set_yticklabels(names, fontsize=6.5)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.18 if top > 0 else 1)
    ax.tick_params(axis="x", labelsize=6.5)
    ax.xaxis.set_major_formatter(
        lambda v, _: format_indicator(v, "ratio", lang).rstrip("0").rstrip(",.") or "0"
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)
    ax.legend(loc="lower right", fontsize=6.5, frameon=True, framealpha=0.9, edgecolor="#cccccc")


# --- themes ---------------------------------------------------------------------------------------


def _theme_rows(plan: ReportPlan, theme: str) -> pd.DataFrame:
    table = plan.result.diagnostic.indicators
    return table[table["theme"] == theme]


def theme_table(plan: ReportPlan, theme: str) -> Table:
    """Supply and need of a theme: area, ring, communes, region (values as in the indicator table)."""
    lang = plan.spec.lang
    rows = _theme_rows(plan, theme)
    definitions = definitions_of(plan)
    keyed = {(str(r["level"]), str(r["code"])): r for _, r in rows.iterrows()}
    columns = [("study_area", "area", t("study_area", lang)), ("study_area", "ring", _ring_label(plan))]
    columns += [("communes", code, _commune_name(plan, code)) for code in plan.result.area.communes]
    columns.append(("region", "region", t("region", lang)))
    header = [Column(t("indicator", lang), 4.2)]
    header += [Column(heading, 1.6, "right") for _, _, heading in columns]
    header.append(Column(t("unit", lang), 1.7))
    out: list[tuple[str, ...]] = []
    bold = set()
    statuses = rows["status"].astype(str)
    for indicator in THEME_ROWS:
        if indicator not in definitions.index or indicator not in rows.columns:
            continue
        unit = str(definitions.loc[indicator, "unit"])
        based = bool(definitions.loc[indicator, "population_based"])
        # an indicator the theme does not have (capacity, coverage) is left out; one hidden by a
        # status everywhere is shown, with the status
        if rows[indicator].isna().all() and not (based and (statuses != "ok").all()):
            continue
        cells = [str(definitions.loc[indicator, f"label_{lang}"])]
        for level, code, _ in columns:
            row = keyed.get((level, code))
            if row is None:
                cells.append("–")
                continue
            cells.append(
                format_indicator(row[indicator], unit, lang, status=str(row["status"]) if based else "ok")
            )
        cells.append(unit_label(unit, lang))
        if indicator in ("sites_located", "rate", "fca_e2sfca"):
            bold.add(len(out))
        out.append(tuple(cells))
    return Table(tuple(header), tuple(out), fontsize=6.8, bold=frozenset(bold))


def underserved_table(plan: ReportPlan, theme: str) -> Table | None:
    """The least served sectors of the area for a theme (highest under-served score, status ok)."""
    lang = plan.spec.lang
    rows = _theme_rows(plan, theme)
    sectors = rows[(rows["level"] == "sectors") & (rows["status"] == "ok") & rows["underserved"].notna()]
    sectors = sectors.sort_values("underserved", ascending=False, kind="stable").head(plan.spec.underserved)
    if sectors.empty or plan.spec.underserved == 0:
        return None
    definitions = definitions_of(plan)
    header = [Column(t("sector", lang), 2.5), Column(t("code", lang), 1.35)]
    header += [Column(str(definitions.loc[c, f"label_{lang}"]), 1.6, "right") for c in SECTOR_COLUMNS]
    out = []
    for _, row in sectors.iterrows():
        cells = [unit_name(row, lang, plan.spec.names), str(row["code"])]
        cells += [
            format_indicator(row[c], str(definitions.loc[c, "unit"]), lang, status=str(row["status"]))
            for c in SECTOR_COLUMNS
        ]
        out.append(tuple(cells))
    return Table(tuple(header), tuple(out), fontsize=6.5, header_fontsize=6.0)


def adjacent_line(plan: ReportPlan, theme: str) -> str:
    """``Lieux situés dans les unités adjacentes : NAME (n), …`` from the indicator table."""
    lang = plan.spec.lang
    rows = _theme_rows(plan, theme)
    adjacent = rows[rows["level"] == "adjacent"]
    parts = [
        f"{unit_name(r, lang, plan.spec.names)} ({format_indicator(r['sites_located'], 'sites', lang)})"
        for _, r in adjacent.iterrows()
    ]
    colon = page_text("colon", lang)
    return f"{t('adjacent_line', lang)}{colon}{', '.join(parts) or '–'}."


def _theme_subtitle(plan: ReportPlan, theme: str) -> str:
    lang = plan.spec.lang
    row = plan.result.diagnostic.themes.set_index("theme").loc[theme]
    colon = page_text("colon", lang)
    target = str(row["target"])
    labels = need_catalogue()
    if target in labels.index:
        target = str(labels.loc[target, f"label_{lang}"])
    parts = [
        f"{t('target', lang)}{colon}{target}",
        t("catchment", lang, catchment=format_count(row["catchment_m"], lang)),
        t("walk", lang, walk=format_count(row["walk_m"], lang)),
    ]
    norm = row.get("norm")
    if norm is not None and pd.notna(norm):
        parts.append(
            f"{t('norm', lang)}{colon}{format_count(norm, lang)} {row.get('norm_unit') or ''}".strip()
        )
    return " · ".join(parts)


def _theme_sites(plan: ReportPlan, theme: str) -> gpd.GeoDataFrame:
    sites = plan.result.sites
    if sites.empty:
        return sites
    member = sites["themes"].fillna("").astype(str).str.split(";").map(lambda ids: theme in ids)
    return sites[member.to_numpy(dtype=bool)]


def theme_page(plan: ReportPlan, page: int, theme: str) -> Figure:
    lang = plan.spec.lang
    sheet = report_sheet(plan, page, theme_label(plan, theme), _theme_subtitle(plan, theme))
    ax = sheet.ax
    y = sheet.heading(t("supply_table", lang), sheet.top, size=9.0)
    table = theme_table(plan, theme)
    y = draw_table(ax, measure(table, sheet.inner), sheet.left, y) - 1.0
    if shows_status(table, lang):
        y = paragraph(ax, STATUS_NOTE[lang], sheet.left, y, sheet.inner, size=6.0, color="#555555")
    y -= 3.0
    sectors = underserved_table(plan, theme)
    sectors_m = measure(sectors, sheet.inner) if sectors is not None else None
    sectors_h = (sectors_m.header_height + sum(sectors_m.heights)) if sectors_m is not None else 6.0
    adjacent = adjacent_line(plan, theme)
    adjacent_h = len(wrap(adjacent, sheet.inner, 7.0)) * 7.0 * 1.25 * 25.4 / 72 + 1
    lower = 9.0 * 1.25 * 25.4 / 72 + 2.5 + sectors_h + 3 + adjacent_h
    y = sheet.heading(t("map_title", lang), y, size=9.0)
    map_h = y - sheet.bottom - lower - GAP
    legend_w = 58.0
    box = (sheet.left, y - map_h, sheet.inner - legend_w - GAP, map_h)
    themes = plan.result.diagnostic.themes.set_index("theme")
    if int(str(themes.loc[theme, "sites"])) == 0:
        # no map: what follows moves up
        y = paragraph(ax, t("no_sites", lang), sheet.left, y - 2, sheet.inner, size=8.0, style="italic") - 4
    else:
        sites = _theme_sites(plan, theme)
        layers = []
        blocks = []
        if len(sites):
            labels = {"area": t("inside", lang), "ring": t("around", lang)}
            style = categorised(
                sites["where"],
                field="where",
                labels=labels,
                palette=WHERE_COLOURS,
                geometry="points",
                title=theme_label(plan, theme),
            )
            layers.append(
                Layer(
                    id=f"sites_{theme}",
                    title=dict.fromkeys(LANGS, theme_label(plan, theme)),
                    description={},
                    data=sites,
                    kind="points",
                    attribution="",
                    vintage="",
                    style=style,
                )
            )
            blocks.append(LegendBlock(theme_label(plan, theme), tuple(style.legend(lang))))
        frame = _map(plan, sheet, box, layers, adjacent=False)
        blocks += [_area_block(plan, adjacent=False), boundaries_block(frame, lang=lang)]
        legend_ax = sheet.axes((sheet.right - legend_w, y - map_h, legend_w, map_h))
        furniture.legend(legend_ax, blocks, lang=lang, fontsize=6.8)
        y -= map_h + GAP
    y = sheet.heading(t("underserved", lang), y, size=9.0)
    if sectors_m is not None:
        y = draw_table(ax, sectors_m, sheet.left, y) - 3
    else:
        y = paragraph(ax, t("no_underserved", lang), sheet.left, y, sheet.inner, size=7.0, style="italic") - 3
    paragraph(ax, adjacent, sheet.left, y, sheet.inner, size=7.0)
    sheet.fig.set_label(theme_label(plan, theme))
    return sheet.fig


BUILDERS: dict[str, Callable[[ReportPlan, int, Any], Figure]] = {
    "cover": cover,
    "location": location,
    "profile": profile,
    "theme": theme_page,
}
