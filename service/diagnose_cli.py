"""``socialatlas diagnose``: supply against need for every unit, or for a study area."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
import numpy as np
import pandas as pd

from diagnostics.levels import built_in_levels, read_inputs
from diagnostics.outputs import TITLES, area_tables, diagnostic_tables, store
from diagnostics.study_area import RING, AreaDiagnostic, diagnose_area, study_area
from diagnostics.supply import Options, diagnose
from diagnostics.themes import load_themes
from geo.crs import METRIC
from geo.errors import InputError
from geo.manifest import Provenance
from geo.sources import read_table, read_vector
from layers.catalogue import result_layers
from layers.export import export


def read_polygon(path: Path) -> object:
    frame = read_vector(path)
    if frame.crs is None:
        raise InputError(f"{path}: the polygon file has no CRS; save it with one (e.g. EPSG:31370)")
    shapes = frame.to_crs(METRIC).geometry
    polygons = shapes[shapes.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polygons.empty:
        raise InputError(f"{path}: holds no polygon to use as the study area")
    return polygons.union_all()


def _costs(path: Path | None) -> pd.DataFrame | None:
    if path is None:
        return None
    return read_table(path)


def diagnostic_provenance(inputs_provenance: pd.DataFrame) -> Provenance:
    attributions = "; ".join(dict.fromkeys(a for a in inputs_provenance["attribution"].astype(str) if a))
    vintages = ", ".join(dict.fromkeys(v for v in inputs_provenance["vintage"].astype(str) if v))
    return Provenance(source="socialatlas diagnostic", vintage=vintages, licence="", attribution=attributions)


def _fmt(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.3g}"


def _echo_area(result: AreaDiagnostic) -> None:
    area = result.area
    click.echo(
        f"study area: {area.name} ({len(area.members)} {area.members['level'].iloc[0]}), "
        f"communes {', '.join(area.communes)}; ring {area.ring_width:g} m; "
        f"{len(area.adjacent.units)} adjacent units"
    )
    header = ("theme", "inside", "ring", "active", "per 1,000", "commune", "region")
    click.echo(f"{header[0]:<30} " + " ".join(f"{h:>9}" for h in header[1:]))
    table = result.diagnostic.indicators
    for theme in dict.fromkeys(table["theme"]):
        rows = table[table["theme"] == theme].set_index(["level", "code"])
        located = rows["sites_located"].astype(float)
        rate = rows["rate"].astype(float)
        first_commune = (table["level"] == "communes") & (table["theme"] == theme)
        commune = table.loc[first_commune, "rate"].astype(float).to_numpy()
        values = (
            f"{located[('study_area', 'area')]:.0f}",
            f"{located[('study_area', 'ring')]:.0f}",
            f"{rows['sites_active'].astype(float)[('study_area', 'area')]:.0f}",
            _fmt(rate[("study_area", "area")]),
            _fmt(commune[0]) if len(commune) else "",
            _fmt(rate[("region", "region")]),
        )
        click.echo(f"{theme:<30} " + " ".join(f"{v:>9}" for v in values))


AREA_OPTIONS = (
    click.option(
        "--area",
        "units",
        multiple=True,
        help="A neighbourhood or sector of the study area, by FR/NL name or code; repeat for each.",
    ),
    click.option(
        "--polygon", type=click.Path(dir_okay=False, path_type=Path), help="The study area as a polygon file."
    ),
    click.option(
        "--ring", type=float, default=RING, show_default=True, help="Width of the surroundings, in metres."
    ),
    click.option("--name", help="Name of the study area (default: its units' names)."),
    click.option("--theme", "theme_ids", multiple=True, help="Only this theme (repeatable; default: all)."),
)


def area_options(function: Callable[..., None]) -> Callable[..., None]:
    """The study-area options, declared once for every command that takes a study area."""
    for option in reversed(AREA_OPTIONS):
        function = option(function)
    return function


@click.command("diagnose")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(dir_okay=False, path_type=Path))
@area_options
@click.option(
    "--themes",
    "theme_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Extra themes file.",
)
@click.option(
    "--demand",
    type=click.Choice(["sectors", "cells"]),
    default="sectors",
    show_default=True,
    help="Demand points: sector population centres or 100 m population cells.",
)
@click.option(
    "--detour",
    type=float,
    default=Options.detour,
    show_default=True,
    help="Network ÷ straight-line distance.",
)
@click.option(
    "--costs",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Origin–destination table (origin = sector code, destination = site_id, cost) from any router.",
)
@click.option("--cost-unit", default="min", show_default=True, help="Unit of the --costs values.")
@click.option(
    "--threshold",
    type=float,
    default=Options.threshold,
    show_default=True,
    help="Suppress need counts below.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the CSV, XLSX and GeoPackage files.",
)
def diagnose_command(
    workspace_path: Path,
    units: tuple[str, ...],
    polygon: Path | None,
    ring: float,
    name: str | None,
    theme_ids: tuple[str, ...],
    theme_files: tuple[Path, ...],
    demand: str,
    detour: float,
    costs: Path | None,
    cost_unit: str,
    threshold: float,
    out: Path | None,
) -> None:
    """Supply against need: every theme, every unit — or one study area and its surroundings.

    Without --area/--polygon the indicators of every sector, neighbourhood, commune and zone are
    stored in the workspace (for layers, maps and the service) and, with --out, written as files.
    """
    themes = load_themes(theme_files)
    themes.select(list(theme_ids))  # unknown themes fail before any work
    options = Options(
        demand=demand, detour=detour, costs=_costs(costs), cost_unit=cost_unit, threshold=threshold
    )
    inputs = read_inputs(workspace_path)
    levels = built_in_levels(inputs)
    command = "socialatlas " + " ".join(sys.argv[1:])
    provenance = diagnostic_provenance(inputs.provenance)
    if inputs.synthetic:
        click.echo("SYNTHETIC DEMONSTRATION DATA — not real places or people.")
    if units or polygon:
        area = study_area(
            inputs,
            levels,
            units=list(units),
            polygon=read_polygon(polygon) if polygon else None,
            ring=ring,
            name=name,
        )
        result = diagnose_area(inputs, themes, levels, area, theme_ids=list(theme_ids), options=options)
        _echo_area(result)
        if out is None:
            return
        tables = area_tables(result, synthetic=inputs.synthetic, command=command)
        stem = "diagnostic"
    else:
        diagnostic = diagnose(inputs, themes, levels, theme_ids=list(theme_ids), options=options)
        store(workspace_path, diagnostic, provenance, synthetic=inputs.synthetic)
        counts = diagnostic.indicators.groupby("level").size()
        click.echo(
            f"{len(diagnostic.themes)} themes × "
            + ", ".join(f"{n // len(diagnostic.themes)} {lvl}" for lvl, n in counts.items())
            + f": stored in {workspace_path}"
        )
        if out is None:
            return
        tables = diagnostic_tables(diagnostic, synthetic=inputs.synthetic, command=command)
        stem = "indicators"
    out.mkdir(parents=True, exist_ok=True)
    layers = result_layers(
        tables,
        TITLES,
        attribution=provenance.attribution,
        vintage=provenance.vintage,
        synthetic=inputs.synthetic,
    )
    files = export(layers, out / f"{stem}.gpkg", format="gpkg", command=command)
    files += export(layers, out / f"{stem}.xlsx", format="xlsx", command=command)
    files += export(layers, out / "csv", format="csv", command=command)
    click.echo(
        f"written: {out / f'{stem}.gpkg'}, {out / f'{stem}.xlsx'} and {out / 'csv'}/ ({len(files)} files)"
    )
