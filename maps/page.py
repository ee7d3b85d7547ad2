"""The printed map page: paper, layout, map frame, base map, furniture, sources — and saving it.

A page is built from layers (each drawn by its own style), a :class:`BaseMap` (communes,
neighbourhoods, region) and a :class:`PageSpec` (paper size and orientation, language, title,
extent). :func:`map_page` returns a matplotlib Figure; :func:`save_pdf` and :func:`save_png` write
it. Everything is vector and offline: no web tiles.

Layout, in millimetres on paper: a synthetic-data banner when any layer is synthetic, the title
and subtitle, the map frame (EPSG:31370, equal aspect), a legend panel with the inset locator map
(beside the frame in landscape, under it in portrait) and the footer with sources, data vintage,
date of production, projection and scale.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from geo.errors import InputError
from layers.layer import LANGS, Layer
from maps import furniture
from maps.fonts import page_font
from maps.frame import BaseMap, Bounds, NameMode, boundaries_block, legend_blocks, plot_map, resolve_frame
from maps.furniture import MM, LegendBlock

Box = tuple[float, float, float, float]  # left, bottom, width, height in millimetres

PAPER: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}  # portrait, mm
ORIENTATIONS = ("auto", "portrait", "landscape")
BANNER = "#b2182b"

TEXTS: dict[str, dict[str, str]] = {
    "synthetic": {
        "fr": "Données de démonstration synthétiques",
        "nl": "Synthetische demonstratiegegevens",
        "en": "Synthetic demonstration data",
    },
    "sources": {"fr": "Sources (millésime)", "nl": "Bronnen (jaargang)", "en": "Sources (vintage)"},
    "produced": {
        "fr": "Réalisation : socialatlas, {date}",
        "nl": "Opgemaakt met socialatlas, {date}",
        "en": "Produced with socialatlas, {date}",
    },
    "author": {"fr": "Auteur", "nl": "Auteur", "en": "Author"},
    "projection": {
        "fr": "Projection : Lambert belge 1972 (EPSG:31370)",
        "nl": "Projectie: Belgische Lambert 1972 (EPSG:31370)",
        "en": "Projection: Belgian Lambert 1972 (EPSG:31370)",
    },
    "scale": {
        "fr": "Échelle 1:{scale} au format {paper}",
        "nl": "Schaal 1:{scale} op {paper}-formaat",
        "en": "Scale 1:{scale} at {paper} size",
    },
    "colon": {"fr": " : ", "nl": ": ", "en": ": "},
}


def text(key: str, lang: str) -> str:
    """A fixed label of the page in ``lang`` (French when the language is unknown)."""
    return TEXTS[key].get(lang) or TEXTS[key]["fr"]


@dataclass(frozen=True)
class PageSpec:
    """What page to make.

    Parameters
    ----------
    title, subtitle
        Printed at the top; the title defaults to the first thematic layer's title.
    size, orientation
        ``A4`` or ``A3``; ``portrait``, ``landscape`` or ``auto`` (the one giving the larger map
        for the frame's aspect ratio).
    lang
        ``fr``, ``nl`` or ``en`` for every label of the page.
    extent
        (xmin, ymin, xmax, ymax) in EPSG:31370; default the region, or the ``focus`` unit.
    focus
        A commune or neighbourhood to zoom to and outline: ``communes:21009``, a code or a name in
        French or Dutch (``Ixelles``, ``Elsene``, ``MAROLLES``).
    margin
        Room added around the extent, as a fraction of its larger side.
    names
        Unit names in ``fr``, ``nl`` or ``both``; ``auto`` follows ``lang`` (both for English).
    labels, neighbourhoods
        Draw unit names; draw neighbourhood outlines (``None``: when the frame is small).
    date, author, notes
        Date of production (default today), who made the page, extra footer lines (method notes).
    """

    title: str = ""
    subtitle: str = ""
    size: str = "A4"
    orientation: str = "auto"
    lang: str = "fr"
    extent: Bounds | None = None
    focus: str | None = None
    margin: float = 0.03
    names: NameMode = "auto"
    labels: bool = True
    neighbourhoods: bool | None = None
    date: dt.date | None = None
    author: str = ""
    notes: tuple[str, ...] = ()

    def validate(self) -> None:
        """Raise InputError naming every bad parameter at once."""
        problems = []
        if self.size not in PAPER:
            problems.append(f"size {self.size!r} is not one of {', '.join(PAPER)}")
        if self.orientation not in ORIENTATIONS:
            problems.append(f"orientation {self.orientation!r} is not one of {', '.join(ORIENTATIONS)}")
        if self.lang not in LANGS:
            problems.append(f"lang {self.lang!r} is not one of {', '.join(LANGS)}")
        if self.names not in ("auto", "fr", "nl", "both"):
            problems.append(f"names {self.names!r} is not one of auto, fr, nl, both")
        if self.extent is not None:
            x0, y0, x1, y1 = self.extent
            if not (np.all(np.isfinite(self.extent)) and x1 > x0 and y1 > y0):
                problems.append(
                    f"extent {self.extent!r} must be xmin, ymin, xmax, ymax with xmax > xmin, ymax > ymin"
                )
        if not 0 <= self.margin < 1:
            problems.append(f"margin {self.margin!r} must be a fraction between 0 and 1")
        if problems:
            raise InputError("map page: " + "; ".join(problems))


# --- layout --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where everything goes on the paper, in millimetres from the lower left corner."""

    size: str
    orientation: str
    paper: tuple[float, float]
    title: Box
    map: Box
    legend: Box
    footer: Box
    inset: Box | None = None
    banner: Box | None = None
    scale: float = 1.0  # text size factor (A3 > A4)


def _layout(
    size: str, orientation: str, *, legend_mm: float, show_inset: bool, banner: bool, title: str = ""
) -> Layout:
    short, long = PAPER[size]
    k = (short / 210.0) ** 0.5  # A3 gets ≈ 1.19 × the furniture of A4
    width, height = (short, long) if orientation == "portrait" else (long, short)
    m = 10.0 * k
    gap = 3.0 * k
    top = height - m
    banner_box = None
    if banner:
        banner_box = (m, top - 6.5 * k, width - 2 * m, 6.5 * k)
        top -= 6.5 * k + gap
    title_size, wrapped = title_lines(title, width - 2 * m, k)
    header = 13.5 * k + wrapped.count("\n") * title_size * 1.3 * furniture.PT_MM
    title_box = (m, top - header, width - 2 * m, header)
    top -= header + gap
    footer_h = 12.0 * k
    footer_box = (m, m, width - 2 * m, footer_h)
    bottom = m + footer_h + gap
    inset_side = 42.0 * k
    if orientation == "portrait":
        band = min(max(legend_mm, inset_side if show_inset else 0.0, 18.0 * k), 0.3 * height)
        map_box = (m, bottom + band + gap, width - 2 * m, top - bottom - band - gap)
        legend_w = width - 2 * m - (inset_side + 2 * gap if show_inset else 0.0)
        legend_box = (m, bottom, legend_w, band)
        side = min(inset_side, band)
        inset_box = (width - m - side, bottom + band - side, side, side) if show_inset else None
    else:
        panel = 68.0 * k
        map_box = (m, bottom, width - 2 * m - panel - 2 * gap, top - bottom)
        px = width - m - panel
        inset_box = None
        legend_top = top
        legend_bottom = bottom
        if show_inset:
            side = min(panel, 50.0 * k)
            inset_box = (px + (panel - side) / 2, bottom, side, side)
            legend_bottom = bottom + side + 2 * gap
        legend_box = (px, legend_bottom, panel, legend_top - legend_bottom)
    return Layout(
        size,
        orientation,
        (width, height),
        title_box,
        map_box,
        legend_box,
        footer_box,
        inset_box,
        banner_box,
        k,
    )


def choose_layout(
    spec: PageSpec,
    extent: Bounds,
    blocks: Sequence[LegendBlock],
    *,
    show_inset: bool,
    banner: bool,
    title: str = "",
) -> Layout:
    """The layout of the page; with orientation ``auto``, the one where the frame's extent is largest."""
    orientations = ("portrait", "landscape") if spec.orientation == "auto" else (spec.orientation,)
    best: tuple[float, Layout] | None = None
    w, h = extent[2] - extent[0], extent[3] - extent[1]
    for orientation in orientations:
        short, long = PAPER[spec.size]
        k = (short / 210.0) ** 0.5
        width = (short if orientation == "portrait" else 68.0 * k) - 2 * 10.0 * k
        if orientation == "portrait" and show_inset:
            width -= 42.0 * k + 6.0 * k
        need = furniture.legend_size(blocks, width_mm=width, fontsize=7.0 * k, lang=spec.lang) + 2
        layout = _layout(
            spec.size, orientation, legend_mm=need, show_inset=show_inset, banner=banner, title=title
        )
        _, _, mw, mh = layout.map
        metres_per_mm = max(w / mw, h / mh)
        if best is None or metres_per_mm < best[0] * 0.98:
            best = (metres_per_mm, layout)
    assert best is not None
    return best[1]


def _axes(fig: Figure, layout: Layout, box: Box) -> Axes:
    width, height = layout.paper
    left, bottom, w, h = box
    return fig.add_axes((left / width, bottom / height, w / width, h / height))


def source_lines(layers: Sequence[Layer], spec: PageSpec, *, scale: float, size: str) -> list[str]:
    """Footer lines: sources with their vintages, production, projection and scale, notes."""
    credited: set[str] = set()
    parts = []
    for layer in layers:
        # an attribution may list several sources ("a; b"): each source is credited once, and the
        # layer's vintage follows the sources it adds
        sources = []
        for source in (p.strip() for p in layer.attribution.split(";")):
            if source and source not in credited:
                credited.add(source)
                sources.append(source)
        if not sources:
            continue
        vintage = f" ({layer.vintage})" if layer.vintage else ""
        part = "; ".join(sources) + vintage
        if part not in parts:
            parts.append(part)
    lang = spec.lang
    lines = [f"{text('sources', lang)}{text('colon', lang)}" + " ; ".join(parts)] if parts else []
    date = (spec.date or dt.date.today()).isoformat()
    produced = [text("produced", lang).format(date=date)]
    if spec.author:
        produced.append(f"{text('author', lang)}{text('colon', lang)}{spec.author}")
    rounded = float(f"{scale:.2g}") if scale < 10000 else round(scale, -3)
    produced.append(text("projection", lang))
    produced.append(text("scale", lang).format(scale=furniture.format_number(rounded, lang=lang), paper=size))
    lines.append(" · ".join(produced))
    lines.extend(spec.notes)
    return lines


def _frac(layout: Layout, x_mm: float, y_mm: float) -> tuple[float, float]:
    return x_mm / layout.paper[0], y_mm / layout.paper[1]


def _banner(fig: Figure, layout: Layout, lang: str) -> None:
    assert layout.banner is not None
    left, bottom, width, height = _fraction(layout, layout.banner)
    fig.add_artist(
        Rectangle(
            (left, bottom), width, height, transform=fig.transFigure, facecolor=BANNER, edgecolor="none"
        )
    )
    words = [text("synthetic", lang)] + [text("synthetic", other) for other in LANGS if other != lang]
    fig.text(
        left + width / 2,
        bottom + height / 2,
        "  ·  ".join(words),
        ha="center",
        va="center",
        color="white",
        fontsize=8.0 * layout.scale,
        fontweight="bold",
    )


def title_lines(title: str, width_mm: float, scale: float = 1.0) -> tuple[float, str]:
    """Font size and wrapped text of a title: 15 pt, shrunk to 11 pt for long titles, then wrapped."""
    size = 15.0 * scale
    chars = width_mm / (size * furniture.PT_MM * 0.6)
    if len(title) > chars:
        size = max(11.0 * scale, size * chars / len(title))
    return size, textwrap.fill(title, int(width_mm / (size * furniture.PT_MM * 0.6)))


def _title(fig: Figure, layout: Layout, title: str, subtitle: str) -> None:
    left, bottom, width_mm, height_mm = layout.title
    size, title = title_lines(title, width_mm, layout.scale)
    top = bottom + height_mm
    fig.text(
        *_frac(layout, left, top),
        title,
        ha="left",
        va="top",
        fontsize=size,
        fontweight="bold",
        color="#111111",
        linespacing=1.15,
    )
    if subtitle:
        lines = title.count("\n") + 1
        sub_size = 9.5 * layout.scale
        fig.text(
            *_frac(layout, left, top - lines * size * 1.3 * furniture.PT_MM - 1.0),
            textwrap.shorten(subtitle, int(width_mm / (sub_size * furniture.PT_MM * 0.55))),
            ha="left",
            va="top",
            fontsize=sub_size,
            color="#444444",
        )
    x0, y0 = _frac(layout, left, bottom)
    x1, _ = _frac(layout, left + width_mm, bottom)
    fig.add_artist(Line2D([x0, x1], [y0, y0], transform=fig.transFigure, color="#888888", linewidth=0.5))


def map_page(
    layers: Sequence[Layer],
    base: BaseMap,
    spec: PageSpec,
    *,
    legend: Sequence[LegendBlock] | None = None,
) -> Figure:
    """Compose one printed map page of ``layers`` over ``base``.

    Parameters
    ----------
    layers
        Thematic layers, drawn in order by ``layer.style.draw`` (polygons under points); each
        gives a legend block (``layer.style.legend``), its attribution and vintage to the footer.
    base
        Communes, neighbourhoods and region under the layers (see :meth:`BaseMap.from_layers`).
    spec
        Paper, orientation, language, title, extent (see :class:`PageSpec`).
    legend
        Legend blocks replacing the ones built from the layers (the boundaries block is kept).

    Returns
    -------
    matplotlib.figure.Figure
        Not yet saved: see :func:`save_pdf`, :func:`save_png`.
    """
    spec.validate()
    with matplotlib.rc_context({"font.family": page_font(), "hatch.linewidth": 0.5}):
        return _map_page(layers, base, spec, legend=legend)


def _map_page(
    layers: Sequence[Layer], base: BaseMap, spec: PageSpec, *, legend: Sequence[LegendBlock] | None
) -> Figure:
    lang = spec.lang
    frame = resolve_frame(
        base,
        extent=spec.extent,
        focus=spec.focus,
        margin=spec.margin,
        neighbourhoods=spec.neighbourhoods,
        lang=lang,
        names=spec.names,
    )
    blocks = [
        *(legend if legend is not None else legend_blocks(layers, lang=lang)),
        boundaries_block(frame, lang=lang),
    ]
    show_inset = not furniture.covers(frame.extent, base.bounds)
    used = [*layers, *(b for b in base.layers if b.id != "neighbourhoods" or frame.neighbourhoods)]
    synthetic = any(layer.synthetic for layer in used)
    title = spec.title or next((layer.text("title", lang) for layer in layers), "") or base.title(lang)
    layout = choose_layout(spec, frame.extent, blocks, show_inset=show_inset, banner=synthetic, title=title)
    width, height = layout.paper

    fig = Figure(figsize=(width * MM, height * MM), dpi=100)
    FigureCanvasAgg(fig)
    fig.set_label(title)
    if synthetic:
        _banner(fig, layout, lang)
    _title(fig, layout, title, spec.subtitle or frame.focus_name or base.title(lang))

    ax = _axes(fig, layout, layout.map)
    plot_map(
        layers,
        base,
        ax=ax,
        frame=frame,
        lang=lang,
        names=spec.names,
        labels=spec.labels,
        text_scale=layout.scale,
    )
    if layout.inset is not None:
        located = frame.extent if frame.focus is None else frame.focus.bounds
        furniture.inset(
            fig, _fraction(layout, layout.inset), base.region, located, units=base.communes, force=True
        )
    furniture.legend(_axes(fig, layout, layout.legend), blocks, lang=lang, fontsize=7.0 * layout.scale)
    x0, x1 = ax.get_xlim()
    scale = (x1 - x0) / layout.map[2] * 1000  # metres on the ground per metre of paper
    furniture.sources_block(
        fig,
        _fraction(layout, layout.footer),
        source_lines(used, spec, scale=scale, size=spec.size),
        fontsize=6.0 * layout.scale,
    )
    return fig


def _fraction(layout: Layout, box: Box) -> tuple[float, float, float, float]:
    width, height = layout.paper
    return box[0] / width, box[1] / height, box[2] / width, box[3] / height


# --- saving --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfInfo:
    """Document metadata of a PDF (Title, Author, Subject, Keywords)."""

    title: str = ""
    author: str = "socialatlas"
    subject: str = ""
    keywords: tuple[str, ...] = field(default=())


@contextlib.contextmanager
def _atomic(path: Path, suffix: str):  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=suffix, dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save_pdf(figures: Figure | Sequence[Figure], path: str | Path, *, info: PdfInfo | None = None) -> Path:
    """Write ``figures`` as the pages of one PDF, atomically; text stays text (embedded TrueType).

    The document's Title defaults to the first figure's label (its title), the CreationDate is now.
    """
    path = Path(path)
    pages = [figures] if isinstance(figures, Figure) else list(figures)
    if not pages:
        raise InputError(f"save_pdf {path}: no page to write")
    info = info or PdfInfo()
    metadata = {
        "Title": info.title or pages[0].get_label() or path.stem,
        "Author": info.author,
        "Subject": info.subject,
        "Keywords": ", ".join(info.keywords),
        "Creator": "socialatlas",
        "CreationDate": dt.datetime.now(dt.UTC).replace(microsecond=0),
    }
    with (
        _atomic(path, ".pdf") as tmp,
        matplotlib.rc_context({"pdf.fonttype": 42, "pdf.compression": 6}),  # text stays text
        PdfPages(tmp, metadata=metadata) as pdf,  # type: ignore[arg-type]
    ):
        for page in pages:
            pdf.savefig(page)
    return path


def save_png(figure: Figure, path: str | Path, *, dpi: float = 150) -> Path:
    """Write ``figure`` as a PNG image at ``dpi``, atomically."""
    path = Path(path)
    with _atomic(path, ".png") as tmp:
        figure.savefig(tmp, format="png", dpi=dpi)
    return path
