"""``socialatlas layers``: the layer catalogue, exports with styles, styles alone, rasters."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from geo.errors import InputError
from layers.catalogue import catalogue
from layers.export import EXPORTERS, export
from layers.layer import LANGS, Layer
from layers.surfaces import KINDS, surface

STYLE_FORMATS = ("qml", "sld", "maplibre")


def _chosen(layers: list[Layer], ids: tuple[str, ...], groups: tuple[str, ...]) -> list[Layer]:
    known = {layer.id: layer for layer in layers}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InputError(f"--layer {', '.join(unknown)}: no such layer; 'socialatlas layers list' shows them")
    chosen = [known[i] for i in ids] + [
        layer for layer in layers if layer.group in groups and layer.id not in ids
    ]
    return chosen or layers


@click.group("layers")
def layers_group() -> None:
    """The layers of a workspace: list, export with their styles, styles, rasters."""


@layers_group.command("list")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(LANGS), default="fr", show_default=True)
def layers_list(workspace_path: Path, lang: str) -> None:
    """Every layer: id, group, features, style and title."""
    for layer in catalogue(workspace_path):
        style = f"{layer.style.kind} ({len(layer.style.classes)})" if layer.style else "-"
        click.echo(
            f"{layer.id:<44} {layer.group:<11} {len(layer.data):>6} {style:<16} {layer.text('title', lang)}"
        )


@layers_group.command("export")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out", "-o", required=True, type=click.Path(path_type=Path), help="File (gpkg, xlsx) or folder."
)
@click.option("--format", "fmt", type=click.Choice(list(EXPORTERS)), default="gpkg", show_default=True)
@click.option("--layer", "ids", multiple=True, help="Layer id (repeatable; default: every layer).")
@click.option(
    "--group", "groups", multiple=True, help="Every layer of a group: base, need, supply, series, indicators."
)
@click.option("--crs", help="Output CRS (default EPSG:31370; GeoJSON is always WGS84).")
@click.option("--lang", type=click.Choice(LANGS), default="fr", show_default=True)
def layers_export(
    workspace_path: Path,
    out: Path,
    fmt: str,
    ids: tuple[str, ...],
    groups: tuple[str, ...],
    crs: str | None,
    lang: str,
) -> None:
    """Export layers with their styles and metadata (a GeoPackage opens styled in QGIS)."""
    layers = _chosen(catalogue(workspace_path), ids, groups)
    files = export(
        layers, out, format=fmt, crs=crs, command="socialatlas " + " ".join(sys.argv[1:]), lang=lang
    )
    click.echo(f"{len(layers)} layers → {out} ({len(files)} files)")


@layers_group.command("style")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("layer_id", metavar="LAYER")
@click.option("--format", "fmt", type=click.Choice(STYLE_FORMATS), default="qml", show_default=True)
@click.option("--lang", type=click.Choice(LANGS), default="fr", show_default=True)
@click.option(
    "--indicator", help="For indicator layers: the style of this indicator (default: the main rate)."
)
def layers_style(workspace_path: Path, layer_id: str, fmt: str, lang: str, indicator: str | None) -> None:
    """Print a layer's style as QGIS QML, SLD or a MapLibre style layer."""
    import json

    layer = _chosen(catalogue(workspace_path), (layer_id,), ())[0]
    style = layer.styles.get(indicator, None) if indicator else layer.style
    if style is None:
        raise InputError(f"layer {layer_id!r} has no style {indicator or ''}".strip())
    if fmt == "maplibre":
        click.echo(
            json.dumps(style.maplibre(lang, id=layer.id, source=layer.id), ensure_ascii=False, indent=1)
        )
    else:
        click.echo(style.qml(lang) if fmt == "qml" else style.sld(lang, name=layer.id))


@layers_group.command("raster")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.option(
    "--out", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The .tif to write."
)
@click.option("--theme", help="Theme of an accessibility or density raster.")
@click.option(
    "--weights",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Population grid to spread residents by.",
)
@click.option("--lang", type=click.Choice(LANGS), default="fr", show_default=True)
def layers_raster(
    workspace_path: Path, kind: str, out: Path, theme: str | None, weights: Path | None, lang: str
) -> None:
    """A 100 m Cloud-Optimised GeoTIFF (with its QGIS style): population, accessibility or density."""
    made = surface(workspace_path, kind, theme=theme, weights=weights)
    files = made.write(out, lang=lang)
    click.echo(f"{made.title[lang]} → {', '.join(map(str, files))}")
