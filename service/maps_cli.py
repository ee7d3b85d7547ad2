"""``socialatlas map | series | atlas | report``: printed maps, map series, atlases, diagnostic reports."""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import click

from diagnostics.levels import built_in_levels, read_inputs
from diagnostics.study_area import diagnose_area, study_area
from diagnostics.themes import load_themes
from geo.errors import InputError
from layers.catalogue import catalogue
from layers.layer import LANGS, Layer
from maps.atlas import AtlasSpec, write_atlas
from maps.frame import BaseMap
from maps.kinds import KINDS, make_map
from maps.page import ORIENTATIONS, PAPER, PageSpec, PdfInfo, save_pdf, save_png
from maps.report import ReportSpec, write_report
from maps.series import SeriesSpec, write_series
from service.diagnose_cli import area_options, read_polygon

WORKERS = min(2, os.cpu_count() or 1)

_workspace = click.argument(
    "workspace_path", metavar="WORKSPACE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
_lang = click.option("--lang", type=click.Choice(LANGS), default="fr", show_default=True, help="Language.")
_size = click.option("--size", type=click.Choice(list(PAPER)), default="A4", show_default=True)
_orientation = click.option(
    "--orientation", type=click.Choice(ORIENTATIONS), default="auto", show_default=True
)
_workers = click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=WORKERS,
    show_default=True,
    help="Processes building pages at once.",
)


def _indicator_layers(layers: list[Layer]) -> None:
    if not any(layer.group == "indicators" for layer in layers):
        raise InputError("the workspace holds no indicators yet: run 'socialatlas diagnose WORKSPACE' first")


@click.command("map")
@_workspace
@click.option(
    "--kind",
    type=click.Choice(sorted(KINDS)),
    default="sites",
    show_default=True,
    help="What the map shows.",
)
@click.option("--layer", "layer_id", help="The layer to map (supply_over_need: the supply; default sites).")
@click.option("--need", help="supply_over_need: the need layer under the sites.")
@click.option(
    "--by", type=click.Choice(["sector", "category", "authority"]), help="sites: colour the sites by."
)
@click.option("--focus", help="Zoom to a commune or neighbourhood (code or FR/NL name).")
@click.option("--title", default="", help="Title of the page (default: the layer's title).")
@click.option("--author", default="", help="Author printed in the footer.")
@_size
@_orientation
@_lang
@click.option("--dpi", type=click.IntRange(30, 600), default=150, show_default=True, help="For PNG output.")
@click.option(
    "--out", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="A .pdf or .png file."
)
def map_command(
    workspace_path: Path,
    kind: str,
    layer_id: str | None,
    need: str | None,
    by: str | None,
    focus: str | None,
    title: str,
    author: str,
    size: str,
    orientation: str,
    lang: str,
    dpi: int,
    out: Path,
) -> None:
    """One printed map page (PDF or PNG) of a layer of the workspace."""
    if out.suffix.lower() not in (".pdf", ".png"):
        raise InputError(f"--out {out}: give a .pdf or .png file")
    accepted = set(inspect.signature(KINDS[kind]).parameters)
    given = {"layer": layer_id, "need": need, "by": by}
    if kind == "supply_over_need":
        given = {"supply": layer_id, "need": need}
    options = {k: v for k, v in given.items() if v is not None and k in accepted}
    ignored = [f"--{k}" for k, v in given.items() if v is not None and k not in accepted]
    if ignored:
        raise InputError(f"{', '.join(ignored)}: not an option of the {kind!r} map")
    spec = PageSpec(title=title, size=size, orientation=orientation, lang=lang, focus=focus, author=author)
    figure = make_map(kind, catalogue(workspace_path), spec, **options)
    if out.suffix.lower() == ".png":
        save_png(figure, out, dpi=dpi)
    else:
        save_pdf(figure, out, info=PdfInfo(subject=kind))
    click.echo(f"{figure.get_label()} → {out}")


@click.command("series")
@_workspace
@click.option(
    "--by",
    type=click.Choice(["theme", "accreditation"]),
    default="theme",
    show_default=True,
    help="One map per.",
)
@click.option(
    "--value",
    "values",
    multiple=True,
    help="Only this theme or accreditation: id, prefix (A-COCOF) or pattern (A-COCOF-0[1-5]); repeatable.",
)
@click.option("--need", help="A need or indicator layer drawn under the sites of every page.")
@click.option("--index/--no-index", default=True, show_default=True, help="An index page first.")
@click.option("--author", default="", help="Author printed in the footer.")
@_size
@_orientation
@_lang
@_workers
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The .pdf.")
def series_command(
    workspace_path: Path,
    by: str,
    values: tuple[str, ...],
    need: str | None,
    index: bool,
    author: str,
    size: str,
    orientation: str,
    lang: str,
    workers: int,
    out: Path,
) -> None:
    """A map series in one PDF: one page per theme or per accreditation, same extent and scale."""
    spec = SeriesSpec(
        by="accreditation" if by == "accreditation" else "theme",
        values=values,
        need=need,
        page=PageSpec(size=size, orientation=orientation, lang=lang, author=author),
        index=index,
    )
    path = write_series(catalogue(workspace_path), spec, out, workers=workers)
    click.echo(f"series by {by} → {path}")


def _breaks(text: str | None) -> tuple[float, ...] | None:
    if not text:
        return None
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"--breaks {text!r}: give class edges as numbers separated by commas") from None


@click.command("atlas")
@_workspace
@click.option("--layer", "layer_id", required=True, help="An indicator layer, <theme>_<level>.")
@click.option("--indicator", help="The indicator coloured on the maps (default: the layer's main one).")
@click.option("--breaks", help="Fixed class edges, e.g. 0,0.5,1,2,5 (default: the layer's classes).")
@click.option("--unit", "units", multiple=True, help="Only this unit (code); repeatable.")
@click.option("--per-commune", is_flag=True, help="One PDF per commune in the folder --out.")
@click.option("--author", default="", help="Author printed in the footer.")
@_size
@_lang
@_workers
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(path_type=Path),
    help="The .pdf (a folder with --per-commune).",
)
def atlas_command(
    workspace_path: Path,
    layer_id: str,
    indicator: str | None,
    breaks: str | None,
    units: tuple[str, ...],
    per_commune: bool,
    author: str,
    size: str,
    lang: str,
    workers: int,
    out: Path,
) -> None:
    """An atlas: one page per unit, centred on it, the same classes on every page, its indicators."""
    if not per_commune and out.suffix.lower() != ".pdf":
        raise InputError(f"--out {out}: give a .pdf file (or a folder with --per-commune)")
    layers = catalogue(workspace_path)
    _indicator_layers(layers)
    spec = AtlasSpec(
        layer=layer_id,
        indicator=indicator,
        breaks=_breaks(breaks),
        units=units,
        lang=lang,
        size=size,
        author=author,
    )
    paths = write_atlas(layers, spec, out, per_commune=per_commune, workers=workers)
    shown = str(paths[0]) if len(paths) == 1 else f"{len(paths)} PDF files in {out}"
    click.echo(f"atlas of {layer_id} → {shown}")


@click.command("report")
@_workspace
@area_options
@click.option("--title", default="", help="Title of the report.")
@click.option("--author", default="", help="Author printed on the cover and in the footers.")
@_size
@_lang
@_workers
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The .pdf.")
def report_command(
    workspace_path: Path,
    units: tuple[str, ...],
    polygon: Path | None,
    ring: float,
    name: str | None,
    theme_ids: tuple[str, ...],
    title: str,
    author: str,
    size: str,
    lang: str,
    workers: int,
    out: Path,
) -> None:
    """The diagnostic report (PDF) of a study area: profile, supply by theme, maps, sites, methods."""
    if out.suffix.lower() != ".pdf":
        raise InputError(f"--out {out}: give a .pdf file")
    themes = load_themes()
    themes.select(list(theme_ids))  # unknown themes fail before any work
    inputs = read_inputs(workspace_path)
    levels = built_in_levels(inputs)
    area = study_area(
        inputs,
        levels,
        units=list(units),
        polygon=read_polygon(polygon) if polygon else None,
        ring=ring,
        name=name,
    )
    result = diagnose_area(inputs, themes, levels, area, theme_ids=list(theme_ids))
    base = BaseMap(inputs.units["communes"], inputs.units["region"], inputs.units.get("neighbourhoods"))
    spec = ReportSpec(lang=lang, size=size, title=title, author=author)
    path = write_report(
        result,
        base,
        out,
        spec=spec,
        provenance=inputs.provenance,
        synthetic=inputs.synthetic,
        workers=workers,
    )
    if inputs.synthetic:
        click.echo("SYNTHETIC DEMONSTRATION DATA — not real places or people.")
    click.echo(f"report of {area.name} → {path}")


COMMANDS = (map_command, series_command, atlas_command, report_command)
