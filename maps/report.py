"""The diagnostic report of a study area (the CLSS pre-diagnostic), in French, Dutch or English.

From an :class:`diagnostics.study_area.AreaDiagnostic` the report composes:

1. a cover: title, area, its units and communes, date, contents, sources (and the synthetic-data
   banner on demonstration data);
2. the location map of the area, its ring and the adjacent units, with key figures;
3. the population and need profile of the area against its communes and the region (a table and
   a chart);
4. one page per theme: supply inside, around and active on the area with every indicator against
   the communes and the region, a map of the theme's sites, the least served sectors of the area
   and the sites in the adjacent units;
5. an annex listing the sites (name, address, where, themes);
6. methods: indicator definitions, theme definitions, method notes, sources and attributions.

Every number printed is a value of the diagnostic's tables (``result.diagnostic.indicators``,
``result.profile``, ``result.sites``), formatted for the language with
:func:`maps.tables.format_indicator` — never recomputed; special statuses print as text, never 0.

:func:`plan_report` decides the pages (long tables are split across pages there),
:func:`report_page` builds one (a module-level page function, so that :func:`write_report` can
build pages on several cores).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from diagnostics.study_area import AreaDiagnostic
from geo.errors import InputError
from layers.layer import LANGS
from maps.frame import BaseMap, NameMode
from maps.page import PAPER, PdfInfo
from maps.render import write_pages
from maps.report_texts import t
from maps.sheet import page_settings
from maps.tables import Measured, Table, measure, paragraph_height, split_rows

# a page of flowing content: ("heading", text) | ("paragraph", text) | ("table", Table, rows)
Op = tuple[Any, ...]


@dataclass(frozen=True)
class ReportSpec:
    """How to write the report.

    Parameters
    ----------
    lang
        ``fr``, ``nl`` or ``en``.
    size
        ``A4`` or ``A3`` (portrait).
    title
        The report's title (default: "Pré-diagnostic social-santé" in the language).
    themes
        Only these themes, in this order (default: every theme of the diagnostic).
    underserved
        How many of the least served sectors to list per theme.
    date, author
        Date of production (default today) and author.
    names
        Unit names on the maps: ``auto`` (the language), ``fr``, ``nl`` or ``both``.
    """

    lang: str = "fr"
    size: str = "A4"
    title: str = ""
    themes: tuple[str, ...] = ()
    underserved: int = 5
    date: dt.date | None = None
    author: str = ""
    names: NameMode = "auto"

    def validate(self) -> None:
        problems = []
        if self.lang not in LANGS:
            problems.append(f"lang {self.lang!r} is not one of {', '.join(LANGS)}")
        if self.size not in PAPER:
            problems.append(f"size {self.size!r} is not one of {', '.join(PAPER)}")
        if self.underserved < 0:
            problems.append(f"underserved {self.underserved!r}: give a number of sectors ≥ 0")
        if problems:
            raise InputError("report: " + "; ".join(problems))

    def heading(self) -> str:
        return self.title or t("title", self.lang)


@dataclass(frozen=True)
class ReportPlan:
    """Everything the pages need and the list of pages: (kind, argument)."""

    result: AreaDiagnostic
    base: BaseMap
    spec: ReportSpec
    provenance: pd.DataFrame
    synthetic: bool
    themes: tuple[str, ...]
    pages: tuple[tuple[str, Any], ...] = ()
    contents: tuple[tuple[str, int], ...] = field(default=())  # section title, first page (1-based)

    @property
    def total(self) -> int:
        return len(self.pages)


def _theme_ids(result: AreaDiagnostic, wanted: tuple[str, ...]) -> tuple[str, ...]:
    known = [str(x) for x in result.diagnostic.themes["theme"]]
    if not wanted:
        return tuple(known)
    unknown = [x for x in wanted if x not in known]
    if unknown:
        raise InputError(f"themes {', '.join(unknown)}: not in the diagnostic; known: {', '.join(known)}")
    return tuple(wanted)


def _flow(items: list[Op], first: float, room: float, width: float) -> list[list[Op]]:
    """Lay ``items`` (headings, paragraphs, tables) out on pages ``room`` mm high (``first`` on the
    first): tables are split between pages with their header repeated, headings stay with what
    follows them."""
    pages: list[list[Op]] = [[]]
    left = first
    heading_h = 10.5 * 1.25 * 25.4 / 72 + 1.5 + 2.0
    for n, item in enumerate(items):
        kind = item[0]
        if kind == "heading":
            following = items[n + 1] if n + 1 < len(items) else None
            need = heading_h + (
                _first_row_height(following[1], width) if following and following[0] == "table" else 0
            )
            if left < need and pages[-1]:
                pages.append([])
                left = room
            pages[-1].append(item)
            left -= heading_h
        elif kind == "paragraph":
            h = paragraph_height(item[1], 7.5, width) + 2.0
            if left < h and pages[-1]:
                pages.append([])
                left = room
            pages[-1].append(item)
            left -= h
        else:
            measured = measure(item[1], width)
            pieces = split_rows(measured, left - 2.0, room - 2.0)
            for p, rows in enumerate(pieces):
                if p:
                    pages.append([])
                    left = room
                if len(rows):
                    pages[-1].append(("table", item[1], rows))
                    left -= measured.header_height + sum(measured.heights[i] for i in rows) + 4.0
    return pages


def _first_row_height(table: Table, width: float) -> float:
    measured: Measured = measure(table, width)
    return measured.header_height + (measured.heights[0] if measured.heights else 0.0)


def plan_report(
    result: AreaDiagnostic,
    base: BaseMap,
    *,
    spec: ReportSpec | None = None,
    provenance: pd.DataFrame | None = None,
    synthetic: bool = False,
) -> ReportPlan:
    """The pages of the report of ``result``: cover, location, profile, one per theme, the annex and
    the methods (the last two as long as their tables need)."""
    from maps import report_methods, report_pages

    spec = spec or ReportSpec()
    spec.validate()
    plan = ReportPlan(
        result,
        base,
        spec,
        provenance if provenance is not None else pd.DataFrame(),
        synthetic,
        _theme_ids(result, spec.themes),
    )
    lang = spec.lang
    first, room, width = report_pages.body(plan)
    annex = _flow(report_methods.annex_items(plan), first, room, width)
    methods = _flow(report_methods.method_items(plan), first, room, width)
    layout: list[tuple[str, Any]] = [("cover", None), ("location", None), ("profile", None)]
    contents = [(t("location_title", lang), 2), (t("profile_title", lang), 3)]
    for theme in plan.themes:
        contents.append((report_pages.theme_label(plan, theme), len(layout) + 1))
        layout.append(("theme", theme))
    contents.append((t("annex", lang), len(layout) + 1))
    layout += [("annex", ops) for ops in annex]
    contents.append((t("methods", lang), len(layout) + 1))
    layout += [("methods", ops) for ops in methods]
    return ReportPlan(
        result, base, spec, plan.provenance, synthetic, plan.themes, tuple(layout), tuple(contents)
    )


def report_page(plan: ReportPlan, page: int) -> Figure:
    """Page ``page`` (0-based) of the report planned by ``plan``."""
    from maps import report_methods, report_pages

    kind, argument = plan.pages[page]
    builders = report_pages.BUILDERS | report_methods.BUILDERS
    with page_settings():
        figure: Figure = builders[kind](plan, page, argument)
    return figure


def report(
    result: AreaDiagnostic,
    base: BaseMap,
    *,
    spec: ReportSpec | None = None,
    provenance: pd.DataFrame | None = None,
    synthetic: bool = False,
) -> list[Figure]:
    """Every page of the report, built in this process (see :func:`write_report` for a PDF)."""
    plan = plan_report(result, base, spec=spec, provenance=provenance, synthetic=synthetic)
    return [report_page(plan, i) for i in range(plan.total)]


def write_report(
    result: AreaDiagnostic,
    base: BaseMap,
    path: str | Path,
    *,
    spec: ReportSpec | None = None,
    provenance: pd.DataFrame | None = None,
    synthetic: bool = False,
    workers: int = 2,
) -> Path:
    """Write the report of ``result`` as the PDF ``path``, its pages built by ``workers`` processes."""
    plan = plan_report(result, base, spec=spec, provenance=provenance, synthetic=synthetic)
    path = Path(path)
    title = f"{plan.spec.heading()} — {result.area.name}"
    written = write_pages(
        report_page,
        plan,
        {path: list(range(plan.total))},
        workers=workers,
        info=PdfInfo(
            title=title,
            author=plan.spec.author or "socialatlas",
            subject=t("kicker", plan.spec.lang),
            keywords=("CLSS", "diagnostic", result.area.name),
        ),
        titles={path: title},
    )
    return written[0]
