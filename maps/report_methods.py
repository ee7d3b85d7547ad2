"""The annex (list of sites) and the methods pages of the diagnostic report (see :mod:`maps.report`).

Their content is a flow of headings, paragraphs and tables that :func:`maps.report.plan_report`
lays out on as many pages as it needs; the builders here draw one such page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.figure import Figure

from diagnostics.need import catalogue as need_catalogue
from diagnostics.outputs import TITLES as DIAGNOSTIC_TABLES
from maps.report_pages import definitions_of, report_sheet, text_of, theme_label, unit_name
from maps.report_texts import method_key, t
from maps.tables import (
    STATUS_NOTE,
    Column,
    Table,
    draw_table,
    format_count,
    format_indicator,
    measure,
    paragraph,
    unit_label,
)

if TYPE_CHECKING:
    from maps.report import Op, ReportPlan


def sites_table(plan: ReportPlan) -> Table | None:
    """The sites of the annex: name, address, where, distance, themes."""
    lang = plan.spec.lang
    sites = plan.result.sites
    if sites.empty:
        return None
    labels = {theme: theme_label(plan, theme) for theme in plan.result.diagnostic.themes["theme"]}
    rows = []
    order = sites.assign(_where=sites["where"].map({"area": 0, "ring": 1})).sort_values(
        ["_where", "distance_to_area_m", "site_id"], kind="stable"
    )
    for _, site in order.iterrows():
        name = unit_name(site, lang) or str(site["site_id"])
        street = site.get("street_fr") if lang != "nl" else site.get("street_nl", site.get("street_fr"))
        address = " ".join(
            str(v) for v in (street, site.get("number")) if v is not None and pd.notna(v) and str(v)
        )
        if site.get("postcode") is not None and pd.notna(site.get("postcode")):
            address = f"{address}, {site['postcode']}" if address else str(site["postcode"])
        where = t("where_area", lang) if site["where"] == "area" else t("where_ring", lang)
        themes = ", ".join(labels.get(x, x) for x in str(site["themes"]).split(";") if x)
        rows.append(
            (name, address or "–", where, format_indicator(site["distance_to_area_m"], "m", lang), themes)
        )
    columns = (
        Column(t("name", lang), 3.2),
        Column(t("address", lang), 2.6),
        Column(t("where", lang), 1.1),
        Column(t("distance", lang), 1.1, "right"),
        Column(t("themes", lang).split()[-1].capitalize() if lang != "nl" else "Thema's", 3.6),
    )
    return Table(columns, tuple(rows), fontsize=6.6)


def annex_items(plan: ReportPlan) -> list[Op]:
    lang = plan.spec.lang
    items: list[Op] = [("paragraph", t("annex_note", lang))]
    table = sites_table(plan)
    items.append(("table", table) if table is not None else ("paragraph", t("no_site_list", lang)))
    return items


def method_items(plan: ReportPlan) -> list[Op]:
    lang = plan.spec.lang
    diagnostic = plan.result.diagnostic
    definitions = definitions_of(plan)
    rows = tuple(
        (str(d[f"label_{lang}"]), unit_label(str(d["unit"]), lang), str(d[f"definition_{lang}"]))
        for _, d in definitions.iterrows()
    )
    items: list[Op] = [
        ("heading", t("definitions", lang)),
        (
            "table",
            Table(
                (
                    Column(t("indicator", lang), 2.6),
                    Column(t("unit", lang), 1.0),
                    Column(t("definition", lang), 6.0),
                ),
                rows,
                fontsize=6.6,
            ),
        ),
        ("paragraph", STATUS_NOTE[lang]),
    ]
    themes = diagnostic.themes[diagnostic.themes["theme"].isin(plan.themes)]
    theme_rows = []
    notes = []
    for _, row in themes.iterrows():
        label = str(row[f"label_{lang}"] or row["label_fr"])
        labels = need_catalogue()
        name = (
            str(labels.loc[row["target"], f"label_{lang}"])
            if row["target"] in labels.index
            else row["target"]
        )
        target = f"{name} — {row['target_method']}"
        distances = f"{format_count(row['catchment_m'], lang)} / {format_count(row['walk_m'], lang)}"
        norm = ""
        if pd.notna(row.get("norm")):
            unit, source = row.get("norm_unit") or "", row.get("norm_source") or ""
            norm = f"{format_count(row['norm'], lang)} {unit} ({source})"
        theme_rows.append((label, str(row["supply"]), target, distances, norm))
        notes.append(
            (
                label,
                "; ".join(
                    str(v) for v in (row["accessibility_method"], row["supply_note"]) if v and str(v) != "nan"
                ),
            )
        )
    items += [
        ("heading", t("theme_definitions", lang)),
        (
            "table",
            Table(
                (
                    Column(t("theme", lang), 2.4),
                    Column(t("supply", lang), 2.6),
                    Column(t("target", lang), 3.0),
                    Column(t("distances", lang), 1.2, "right"),
                    Column(t("norm", lang).capitalize(), 2.0),
                ),
                tuple(theme_rows),
                fontsize=6.4,
            ),
        ),
        ("heading", t("accessibility", lang)),
        (
            "table",
            Table(
                (Column(t("theme", lang), 2.2), Column(t("method_notes", lang), 8.0)),
                tuple(notes),
                fontsize=6.4,
            ),
        ),
    ]
    method = tuple((method_key(str(k), lang), str(v)) for k, v in diagnostic.method.items())
    items += [
        ("heading", t("method_notes", lang)),
        ("table", Table((Column(t("key", lang), 2.0), Column(t("value", lang), 8.0)), method, fontsize=6.6)),
    ]
    provenance = plan.provenance
    if not provenance.empty:
        fields = ("source", "vintage", "licence", "attribution")
        grouped: dict[tuple[str, ...], list[str]] = {}
        for _, row in provenance.iterrows():
            name = text_of(row.get("table_name"))
            if name in DIAGNOSTIC_TABLES:  # stored results of a diagnostic: the report made its own
                continue
            key = tuple(text_of(row.get(c)) for c in fields)
            parts = [part.strip() for part in key[-1].split(";") if part.strip()]
            key = (*key[:-1], "; ".join(dict.fromkeys(parts)))
            grouped.setdefault(key, []).append(name)
        rows_p = tuple((", ".join(names), *key) for key, names in grouped.items())
        columns = (
            Column(t("table", lang), 1.8),
            Column(t("source", lang), 3.0),
            Column(t("vintage", lang), 1.6),
            Column(t("licence", lang), 2.0),
            Column(t("attribution", lang), 3.0),
        )
        items += [("heading", t("sources", lang)), ("table", Table(columns, rows_p, fontsize=6.2))]
    return items


def _flow_page(plan: ReportPlan, page: int, ops: Sequence[Op], title: str) -> Figure:
    sheet = report_sheet(plan, page, title)
    y = sheet.top
    for op in ops:
        if op[0] == "heading":
            y = sheet.heading(op[1], y - 1.0, size=10.5) - 0.5
        elif op[0] == "paragraph":
            y = paragraph(sheet.ax, op[1], sheet.left, y, sheet.inner, size=7.5) - 2.0
        else:
            y = draw_table(sheet.ax, measure(op[1], sheet.inner), sheet.left, y, rows=op[2]) - 4.0
    sheet.fig.set_label(title)
    return sheet.fig


def annex(plan: ReportPlan, page: int, ops: Sequence[Op]) -> Figure:
    return _flow_page(plan, page, ops, t("annex", plan.spec.lang))


def methods(plan: ReportPlan, page: int, ops: Sequence[Op]) -> Figure:
    return _flow_page(plan, page, ops, t("methods", plan.spec.lang))


BUILDERS: dict[str, Callable[[ReportPlan, int, Any], Figure]] = {"annex": annex, "methods": methods}
