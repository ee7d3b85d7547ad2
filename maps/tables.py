"""Tables on printed pages: numbers formatted per language, cells wrapped, rows split across pages.

A :class:`Table` is columns and rows of text. :func:`draw_table` writes it on an Axes whose data
coordinates are millimetres of paper (see :mod:`maps.sheet`); text stays text in the PDF. Cells
are wrapped to their column's width as measured with the page font's advance widths, so a table
knows its height before it is drawn, and :func:`split_rows` cuts a long table into pieces that fit
the room left on each page (the header is repeated on every piece).

:func:`format_indicator` writes an indicator value as the reports and atlases print it: decimals
by unit, the thousands separator and decimal mark of the language, and a short text instead of a
number for the special statuses (``not_applicable``, ``suppressed``, ``no_data``) — never 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ft2font import LoadFlags
from matplotlib.patches import Rectangle

from layers.labels import UNITS
from layers.styles import format_number
from maps.fonts import page_font

PT_MM = 25.4 / 72
INK = "#222222"
RULE = "#9a9a9a"
SHADE = "#f2f0eb"
HEADER = "#e4e1d8"

Align = Literal["left", "right", "center"]

# short texts of the special statuses, for table cells
STATUS_TEXT: dict[str, dict[str, str]] = {
    "not_applicable": {"fr": "s.o.", "nl": "n.v.t.", "en": "n/a"},
    "suppressed": {"fr": "secret", "nl": "geheim", "en": "suppressed"},
    "no_data": {"fr": "pas de données", "nl": "geen gegevens", "en": "no data"},
}
STATUS_NOTE = {
    "fr": "s.o. : sans objet (pas d'habitants ou pas de population cible) ; secret : effectif sous le "
    "seuil de confidentialité ; pas de données : population cible absente de l'espace de travail.",
    "nl": "n.v.t.: niet van toepassing (geen inwoners of geen doelpopulatie); geheim: aantal onder de "
    "vertrouwelijkheidsdrempel; geen gegevens: doelpopulatie niet in de werkruimte.",
    "en": "n/a: not applicable (no residents or no target population); suppressed: count below the "
    "privacy threshold; no data: target population not in the workspace.",
}
COUNT_UNITS = ("sites", "places", "persons", "m")


def unit_label(unit: str, lang: str) -> str:
    """The unit of an indicator as printed in ``lang``."""
    return UNITS.get(unit, {}).get(lang, unit)


def decimals_for(value: float, unit: str) -> int:
    """Decimals of an indicator value: none for counts and metres, 1 for %, 2 for ratios and scores,
    three significant digits (at most 4 decimals) for rates."""
    if unit in COUNT_UNITS:
        return 0
    if unit == "%":
        return 1
    if unit in ("ratio", "score"):
        return 2
    if value == 0 or not math.isfinite(value):
        return 0
    return int(min(4, max(0, 2 - math.floor(math.log10(abs(value))))))


def format_indicator(value: object, unit: str, lang: str, *, status: str = "ok") -> str:
    """An indicator value as printed: ``22 656``, ``0,0441``, ``97,1``; a short status text when
    ``status`` is not ``ok`` (n/a, suppressed, no data), ``–`` for a missing value."""
    if status in STATUS_TEXT:
        return STATUS_TEXT[status].get(lang, STATUS_TEXT[status]["en"])
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(number):
        return "–"
    return format_number(number, lang, decimals=decimals_for(number, unit))


def format_count(value: object, lang: str, *, decimals: int = 0) -> str:
    """A count with the separators of ``lang``; ``–`` when missing."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return format_number(number, lang, decimals=decimals) if math.isfinite(number) else "–"


# --- measuring and wrapping ------------------------------------------------------------------------


class _Advances:
    """Advance widths of the page font's glyphs (points at size 1), per weight."""

    def __init__(self, weight: str) -> None:
        props = FontProperties(family=page_font(), weight=weight)  # type: ignore[arg-type]
        self.font = get_font(findfont(props))
        self.font.set_size(100, 72)
        self.widths: dict[str, float] = {}

    def width(self, text: str, size: float) -> float:
        """Width of one line of ``text`` at ``size`` points, in millimetres."""
        total = 0.0
        for char in text:
            advance = self.widths.get(char)
            if advance is None:
                glyph = self.font.load_char(ord(char), flags=LoadFlags.NO_HINTING)
                advance = self.widths[char] = glyph.horiAdvance / 64 / 100
            total += advance
        return total * size * PT_MM


@lru_cache(maxsize=4)
def _advances(weight: str) -> _Advances:
    return _Advances(weight)


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width in millimetres of the longest line of ``text`` at ``size`` points in the page font."""
    measure = _advances("bold" if bold else "normal")
    return max((measure.width(line, size) for line in text.split("\n")), default=0.0)


def _pieces(word: str, width_mm: float, size: float, bold: bool) -> list[str]:
    """A word too long for a line: cut after its hyphens where possible, else between letters."""
    parts = [part + "-" for part in word.split("-")]
    parts[-1] = parts[-1][:-1]
    pieces: list[str] = []
    current = ""
    for part in parts:
        if current and text_width(current + part, size, bold=bold) > width_mm:
            pieces.append(current)
            current = part
        else:
            current += part
    pieces.append(current)
    out: list[str] = []
    for piece in pieces:
        while text_width(piece, size, bold=bold) > width_mm and len(piece) > 1:
            cut = len(piece) - 1
            while cut > 1 and text_width(piece[:cut], size, bold=bold) > width_mm:
                cut -= 1
            out.append(piece[:cut])
            piece = piece[cut:]
        out.append(piece)
    return out


def wrap(text: str, width_mm: float, size: float, *, bold: bool = False) -> list[str]:
    """``text`` broken into lines no wider than ``width_mm``: at spaces, then (for words longer than
    a line) after hyphens, then between letters."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, size, bold=bold) <= width_mm:
                current = candidate
                continue
            if current:
                lines.append(current)
            if text_width(word, size, bold=bold) > width_mm:
                *full, word = _pieces(word, width_mm, size, bold)
                lines.extend(full)
            current = word
        lines.append(current)
    return lines


# --- tables ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column: its header, its share of the table's width, how its cells are aligned."""

    title: str
    width: float = 1.0
    align: Align = "left"


@dataclass(frozen=True)
class Table:
    """Rows of text under column headers; ``bold`` and ``shaded`` hold row indices."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    fontsize: float = 7.0
    bold: frozenset[int] = frozenset()
    shaded: frozenset[int] = frozenset()
    header: bool = True
    zebra: bool = True
    header_fontsize: float | None = None  # default: fontsize

    def widths(self, width_mm: float) -> list[float]:
        """Width of each column in millimetres for a table ``width_mm`` wide."""
        total = sum(c.width for c in self.columns) or 1.0
        return [width_mm * c.width / total for c in self.columns]


PAD_MM = 1.2  # space left and right of a cell's text
LINE = 1.25  # line height in font sizes


@dataclass(frozen=True)
class Measured:
    """A table's cells wrapped for a width, with the height of the header and of each row."""

    table: Table
    width: float
    header: list[list[str]]
    header_height: float
    cells: list[list[list[str]]]
    heights: list[float] = field(default_factory=list)


def _row_height(cells: Sequence[Sequence[str]], size: float) -> float:
    lines = max((len(c) for c in cells), default=1)
    return lines * size * LINE * PT_MM + 1.4


def measure(table: Table, width_mm: float) -> Measured:
    """Wrap every cell of ``table`` to its column and compute the row heights."""
    widths = table.widths(width_mm)
    size = table.fontsize
    head_size = table.header_fontsize or size
    header = [
        wrap(c.title, w - 2 * PAD_MM, head_size, bold=True)
        for c, w in zip(table.columns, widths, strict=True)
    ]
    cells = [
        [wrap(text, w - 2 * PAD_MM, size, bold=i in table.bold) for text, w in zip(row, widths, strict=True)]
        for i, row in enumerate(table.rows)
    ]
    return Measured(
        table,
        width_mm,
        header,
        _row_height(header, head_size) if table.header else 0.0,
        cells,
        [_row_height(row, size) for row in cells],
    )


def table_height(table: Table, width_mm: float) -> float:
    """Height in millimetres of the whole table drawn ``width_mm`` wide."""
    measured = measure(table, width_mm)
    return measured.header_height + sum(measured.heights)


def split_rows(measured: Measured, first: float, rest: float) -> list[range]:
    """Rows of the table cut into pieces no taller than ``first`` (the room left on the current page)
    and then ``rest`` (a whole page), each piece repeating the header. A piece holds at least one row."""
    pieces: list[range] = []
    start = 0
    room = first
    n = len(measured.heights)
    while start < n:
        used = measured.header_height
        stop = start
        while stop < n and used + measured.heights[stop] <= room + 1e-6:
            used += measured.heights[stop]
            stop += 1
        if stop == start:
            if room < rest and pieces == [] and start == 0 and first < rest:
                pieces.append(range(0, 0))  # nothing fits on this page: start on the next one
                room = rest
                continue
            stop = start + 1
        pieces.append(range(start, stop))
        start = stop
        room = rest
    return pieces


def _cell_text(
    ax: Axes, lines: Sequence[str], x: float, width: float, top: float, align: Align, size: float, bold: bool
) -> None:
    if not lines or not any(lines):
        return
    tx = {"left": x + PAD_MM, "right": x + width - PAD_MM, "center": x + width / 2}[align]
    # anchored on the baseline of the last line, so that cells of a row line up whatever their letters
    pitch = size * LINE * PT_MM
    baseline = top - 0.7 - 0.95 * size * PT_MM - (len(lines) - 1) * pitch
    ax.text(
        tx,
        baseline,
        "\n".join(lines),
        ha=align,
        va="baseline",
        fontsize=size,
        fontweight="bold" if bold else "normal",
        color=INK,
        linespacing=LINE,  # the line pitch is linespacing × the font size
    )


def draw_table(
    ax: Axes, measured: Measured, x: float, top: float, *, rows: Sequence[int] | range | None = None
) -> float:
    """Draw the header and ``rows`` (default all) of a measured table with its top left corner at
    (``x``, ``top``) millimetres; return the y of its bottom edge."""
    table = measured.table
    widths = table.widths(measured.width)
    size = table.fontsize
    chosen = range(len(table.rows)) if rows is None else rows
    y = top
    if table.header:
        h = measured.header_height
        ax.add_patch(Rectangle((x, y - h), measured.width, h, facecolor=HEADER, edgecolor="none", zorder=1))
        left = x
        for column, w, lines in zip(table.columns, widths, measured.header, strict=True):
            _cell_text(ax, lines, left, w, y, column.align, table.header_fontsize or size, True)
            left += w
        y -= h
        ax.plot([x, x + measured.width], [y, y], color=RULE, linewidth=0.6, zorder=2)
    for n, i in enumerate(chosen):
        h = measured.heights[i]
        if i in table.shaded or (table.zebra and n % 2 == 1):
            colour = "#fbe3cf" if i in table.shaded else SHADE
            ax.add_patch(
                Rectangle((x, y - h), measured.width, h, facecolor=colour, edgecolor="none", zorder=1)
            )
        left = x
        for column, w, lines in zip(table.columns, widths, measured.cells[i], strict=True):
            _cell_text(ax, lines, left, w, y, column.align, size, i in table.bold)
            left += w
        y -= h
    ax.plot([x, x + measured.width], [y, y], color=RULE, linewidth=0.6, zorder=2)
    return y


def paragraph(
    ax: Axes,
    text: str,
    x: float,
    top: float,
    width: float,
    *,
    size: float = 7.5,
    bold: bool = False,
    color: str = INK,
    style: str = "normal",
) -> float:
    """Write ``text`` wrapped to ``width`` millimetres from (``x``, ``top``); return the y below it."""
    lines = wrap(text, width, size, bold=bold)
    ax.text(
        x,
        top,
        "\n".join(lines),
        ha="left",
        va="top",
        fontsize=size,
        fontweight="bold" if bold else "normal",
        fontstyle=style,
        color=color,
        linespacing=LINE,
    )
    return top - paragraph_height(lines, size)


def paragraph_height(lines: Sequence[str] | str, size: float, width: float | None = None) -> float:
    """Height in millimetres of wrapped ``lines`` (or of a text wrapped to ``width``) at ``size``."""
    if isinstance(lines, str):
        lines = wrap(lines, width or 1e9, size)
    return len(lines) * size * LINE * PT_MM + 0.8


def shows_status(table: Table, lang: str) -> bool:
    """True when some cell of ``table`` holds a status text (so that its note is worth printing)."""
    words = {texts.get(lang, texts["en"]) for texts in STATUS_TEXT.values()}
    return any(cell in words for row in table.rows for cell in row)
