"""Composed pages (atlas pages, report pages, index pages) with the look of the map pages.

A :class:`Sheet` is a Figure of the paper's size with one Axes covering the whole page whose data
coordinates are millimetres from the lower left corner: tables, paragraphs and rules are drawn
there; map frames, legends and charts get Axes of their own (:meth:`Sheet.axes`). Like the map pages
of :mod:`maps.page`, a sheet has the synthetic-data banner when the data are synthetic, a title
and subtitle over a rule, and a footer with the sources, the date of production and the page number.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from geo.errors import InputError
from layers.layer import LANGS
from maps.fonts import page_font
from maps.furniture import MM, PT_MM
from maps.page import BANNER, PAPER, text, title_lines
from maps.tables import wrap

Box = tuple[float, float, float, float]  # left, bottom, width, height in millimetres

MARGIN = 10.0
FOOTER = 11.0
GAP = 3.0
LINE_SPACING = 1.3  # footer lines, in font sizes
RULE_COLOUR = "#888888"

_PAGE = {"fr": "page {n} / {total}", "nl": "pagina {n} / {total}", "en": "page {n} of {total}"}


class PageCanvas(FigureCanvasAgg):
    """An Agg canvas for pages drawn once, when saved: asking for an idle redraw does nothing.

    (geopandas asks for one after every plot call, which with a plain Agg canvas renders the
    whole page each time.)
    """

    def draw_idle(self, *args: Any, **kwargs: Any) -> None:
        return None


@contextlib.contextmanager
def page_settings() -> Iterator[None]:
    """The matplotlib settings every page is built under (font, hatch width)."""
    with matplotlib.rc_context({"font.family": page_font(), "hatch.linewidth": 0.5}):
        yield


def paper_size(size: str, orientation: str) -> tuple[float, float]:
    """Width and height in millimetres of ``size`` (A4, A3) in ``orientation``."""
    if size not in PAPER:
        raise InputError(f"size {size!r} is not one of {', '.join(PAPER)}")
    if orientation not in ("portrait", "landscape"):
        raise InputError(f"orientation {orientation!r} is not portrait or landscape")
    short, long = PAPER[size]
    return (short, long) if orientation == "portrait" else (long, short)


@dataclass
class Sheet:
    """A page being composed; ``top`` and ``bottom`` bound the free room (millimetres)."""

    fig: Figure
    ax: Axes  # the whole page, in millimetres
    width: float
    height: float
    lang: str
    scale: float
    top: float
    bottom: float
    header_top: float = 0.0  # where the title starts (under the banner, if any)

    @property
    def left(self) -> float:
        return MARGIN * self.scale

    @property
    def right(self) -> float:
        return self.width - MARGIN * self.scale

    @property
    def inner(self) -> float:
        """Width between the margins."""
        return self.right - self.left

    def axes(self, box: Box) -> Axes:
        """A new Axes at ``box`` (left, bottom, width, height in millimetres)."""
        left, bottom, w, h = box
        return self.fig.add_axes((left / self.width, bottom / self.height, w / self.width, h / self.height))

    def rule(self, y: float, *, colour: str = RULE_COLOUR, width: float = 0.5) -> None:
        """A horizontal rule across the page at ``y``."""
        self.ax.plot([self.left, self.right], [y, y], color=colour, linewidth=width)

    def heading(self, words: str, y: float, *, size: float = 10.5) -> float:
        """A section heading at ``y``; return the y below it."""
        self.ax.text(
            self.left, y, words, ha="left", va="top", fontsize=size, fontweight="bold", color="#111111"
        )
        return y - size * 1.25 * PT_MM - 1.5

    def footer(self, lines: Sequence[str], page: tuple[int, int] | None = None) -> None:
        """Write the footer (sources, production) and the page number; ``bottom`` moves above it."""
        _footer(self, lines, page)

    def reserve_footer(self, lines: Sequence[str], page: tuple[int, int] | None = None) -> None:
        """Move ``bottom`` above the footer these lines would make, without writing it (yet)."""
        _footer(self, lines, page, draw=False)


def new_sheet(
    *,
    size: str = "A4",
    orientation: str = "portrait",
    lang: str = "fr",
    title: str = "",
    subtitle: str = "",
    synthetic: bool = False,
    footer: Sequence[str] | None = (),
    page: tuple[int, int] | None = None,
    header_right: float = 0.0,
) -> Sheet:
    """A new page with its banner, title, subtitle and footer drawn; build it under :func:`page_settings`.

    ``page`` is (number, total) for the page number at the bottom right; ``header_right`` keeps
    that many millimetres free at the right of the title (for a locator map). With ``footer`` None
    the footer is left to a later :meth:`Sheet.footer` call (``bottom`` then keeps its room).
    """
    if lang not in LANGS:
        raise InputError(f"lang {lang!r} is not one of {', '.join(LANGS)}")
    width, height = paper_size(size, orientation)
    k = (PAPER[size][0] / 210.0) ** 0.5
    fig = Figure(figsize=(width * MM, height * MM), dpi=100)
    PageCanvas(fig)
    fig.set_label(title)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    sheet = Sheet(fig, ax, width, height, lang, k, height - MARGIN * k, MARGIN * k)
    if synthetic:
        _banner(sheet)
    sheet.header_top = sheet.top
    if title:
        _title(sheet, title, subtitle, header_right)
    if footer is None:
        sheet.bottom += (FOOTER + 1.0 + GAP) * k
    else:
        sheet.footer(footer, page)
    return sheet


def _banner(sheet: Sheet) -> None:
    k = sheet.scale
    h = 6.5 * k
    sheet.ax.add_patch(
        Rectangle((sheet.left, sheet.top - h), sheet.inner, h, facecolor=BANNER, edgecolor="none")
    )
    lang = sheet.lang
    words = [text("synthetic", lang)] + [text("synthetic", other) for other in LANGS if other != lang]
    sheet.ax.text(
        sheet.width / 2,
        sheet.top - h / 2,
        "  ·  ".join(words),
        ha="center",
        va="center",
        color="white",
        fontsize=8.0 * k,
        fontweight="bold",
    )
    sheet.top -= h + GAP * k


def _title(sheet: Sheet, title: str, subtitle: str, header_right: float) -> None:
    k = sheet.scale
    room = sheet.inner - header_right
    size, wrapped = title_lines(title, room, k)
    sheet.ax.text(
        sheet.left,
        sheet.top,
        wrapped,
        ha="left",
        va="top",
        fontsize=size,
        fontweight="bold",
        color="#111111",
        linespacing=1.15,
    )
    y = sheet.top - (wrapped.count("\n") + 1) * size * 1.3 * PT_MM - 1.0
    if subtitle:
        sub_size = 9.5 * k
        lines = wrap(subtitle, room, sub_size)
        sheet.ax.text(
            sheet.left,
            y,
            "\n".join(lines),
            ha="left",
            va="top",
            fontsize=sub_size,
            color="#444444",
            linespacing=1.3,
        )
        y -= len(lines) * sub_size * 1.3 * PT_MM
    y -= 1.5
    sheet.rule(y)
    sheet.top = y - GAP * k


def _footer(sheet: Sheet, lines: Sequence[str], page: tuple[int, int] | None, *, draw: bool = True) -> None:
    k = sheet.scale
    sheet.bottom = MARGIN * k
    size = 6.0 * k
    number = ""
    if page is not None:
        number = _PAGE.get(sheet.lang, _PAGE["en"]).format(n=page[0], total=page[1])
    room = sheet.inner - (22.0 * k if number else 0.0)
    wrapped = [part for line in lines if line for part in wrap(line, room, size)]
    used = len(wrapped) * size * LINE_SPACING * PT_MM
    top = sheet.bottom + max(FOOTER * k, used)
    sheet.bottom = top + 1.0 + GAP * k
    if not draw:
        return
    if wrapped:
        sheet.ax.text(
            sheet.left,
            top,
            "\n".join(wrapped),
            ha="left",
            va="top",
            fontsize=size,
            color="#444444",
            linespacing=LINE_SPACING,
        )
    if number:
        sheet.ax.text(sheet.right, top, number, ha="right", va="top", fontsize=size + 0.5, color="#444444")
    sheet.rule(top + 1.0, colour="#bbbbbb", width=0.4)


def source_list(pairs: Sequence[tuple[str, str]]) -> list[str]:
    """``Source (vintage)`` once per source named in (attribution, vintage) pairs.

    Attributions joining several sources (``a; b``) are split; a source takes the vintage given
    with it when that vintage is a single one (not a list of the vintages of several sources).
    """
    vintages: dict[str, str] = {}
    for attribution, vintage in pairs:
        parts = [p.strip() for p in str(attribution or "").split(";") if p.strip() and p.strip() != "nan"]
        vintage = str(vintage or "").strip()
        single = vintage != "nan" and "," not in vintage and ";" not in vintage
        for part in parts:
            if not vintages.get(part) and (len(parts) == 1 or single) and vintage != "nan":
                vintages[part] = vintage
            vintages.setdefault(part, "")
    return [f"{source} ({vintage})" if vintage else source for source, vintage in vintages.items()]


def sources_line(pairs: Sequence[tuple[str, str]], lang: str) -> str:
    """``Sources (millésime) : a (2024) ; b (2026)`` for the footer of a page."""
    listed = source_list(pairs)
    return f"{text('sources', lang)}{text('colon', lang)}" + " ; ".join(listed) if listed else ""


def produced_line(lang: str, *, date: dt.date | None = None, author: str = "") -> str:
    """``Réalisation : socialatlas, 2026-11-22`` (with the author when given)."""
    line = text("produced", lang).format(date=(date or dt.date.today()).isoformat())
    if author:
        line += f" · {text('author', lang)}{text('colon', lang)}{author}"
    return line
