"""The ``socialatlas`` command line: parse, call the packages below, print; errors in one place."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import click
import pandas as pd

from diagnostics.build import STEPS, BuildReport, build_workspace
from geo.crosswalk import METHODS
from geo.directory import LINKS, SITES, StoreReport, store_sites
from geo.errors import InputError, SocialAtlasError
from geo.importers import IMPORTERS, detect_format, import_sites, taxonomy_sectors
from geo.manifest import Provenance, read_manifest
from geo.quality import CHECKS, quality_report, quality_summary
from geo.search import FILTERS, Query, parse_point, search_sites
from geo.sites import FIELDS
from geo.workspace import PROVENANCE_TABLE, list_tables, read_info, read_table
from service.diagnose_cli import diagnose_command
from service.layers_cli import layers_export, layers_group
from service.maps_cli import atlas_command, map_command, report_command, series_command

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
DEMO_AREA = ("Port Haut", "Houblon Centre")  # the study area of the demonstration job
DEMO_ATLAS = "primary_care_neighbourhoods"  # the indicator layer of its atlas


@contextmanager
def _progress(label: str, steps: tuple[str, ...]) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr (on a terminal only), advanced by calling the yielded function."""
    if not sys.stderr.isatty():
        yield lambda _step: None
        return
    with click.progressbar(
        length=len(steps), label=label, file=sys.stderr, item_show_func=lambda s: s, show_eta=False
    ) as bar:

        def advance(step: str) -> None:
            bar.update(1, step)

        yield advance
        bar.update(len(steps) - bar.pos, "done")


def _print_build(report: BuildReport) -> None:
    counts = ", ".join(f"{n} {name}" for name, n in report.counts.items())
    click.echo(f"workspace: {report.path}")
    click.echo(f"  units: {counts}")
    click.echo(f"  population: {report.population:,}")
    nest = report.nesting
    click.echo(
        f"  crosswalk: {nest['at_least_99pct']} of {nest['sectors']} sectors ≥ 99 % in one "
        f"neighbourhood, {nest['at_least_95pct']} ≥ 95 %, worst {nest['worst_share']:.1%}"
    )
    for note in report.notes:
        click.echo(f"  note: {note}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version("socialatlas"), prog_name="socialatlas")
def cli() -> None:
    """Where is the offer, where is the need, and where do they not meet?

    Social-health supply and need on the statistical sectors, neighbourhoods and communes of
    Brussels (or any city like it).
    """


@cli.group()
def workspace() -> None:
    """Build and inspect workspaces (one GeoPackage per project)."""


@workspace.command("build")
@click.argument("manifest")
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The workspace GeoPackage to write (replaced atomically).",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder holding the files the manifest names (default: the manifest's folder).",
)
@click.option(
    "--crosswalk",
    type=click.Choice(list(METHODS)),
    default="residential",
    show_default=True,
    help="How sector counts move to neighbourhoods: " + "; ".join(f"{k}: {v}" for k, v in METHODS.items()),
)
def workspace_build(manifest: str, out: Path, data_dir: Path | None, crosswalk: str) -> None:
    """Build a workspace from the files a MANIFEST names (a path, or a preset: brussels-2024, demo)."""
    sources = read_manifest(manifest, data_dir=data_dir)
    with _progress("building", STEPS) as step:
        report = build_workspace(sources, out, crosswalk_method=crosswalk, progress=step)
    _print_build(report)


@workspace.command("info")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def workspace_info(path: Path) -> None:
    """List the tables of a workspace with their row counts and provenance."""
    for key, value in read_info(path).items():
        click.echo(f"{key}: {value}")
    provenance = read_table(path, PROVENANCE_TABLE).set_index("table_name")
    for name in list_tables(path):
        if name not in provenance.index:
            continue
        rec = provenance.loc[name]
        click.echo(
            f"{name}: {len(read_table(path, name))} rows — {rec['title']}; "
            f"{rec['source']} ({rec['vintage']}); {rec['attribution']}"
            + (" [SYNTHETIC]" if rec["synthetic"] else "")
        )


@cli.group()
def sites() -> None:
    """Import, search and check the activity sites of a workspace."""


KNOWN_SOURCES = {
    "osm": Provenance("OpenStreetMap extract", "", "ODbL 1.0", "© OpenStreetMap contributors (ODbL)")
}


def _parse_columns(values: tuple[str, ...]) -> dict[str, str]:
    columns = {}
    for value in values:
        field, sep, column = value.partition("=")
        if not sep or not column:
            raise InputError(f"--column {value!r}: write FIELD=COLUMN, e.g. --column name_fr=Nom")
        columns[field.strip()] = column.strip()
    return columns


def _print_store(report: StoreReport) -> None:
    click.echo(
        f"source {report.source}: {report.imported} sites imported"
        + (f" (replacing {report.replaced})" if report.replaced else "")
        + f"; {report.total} sites in the workspace"
    )
    click.echo(
        f"  outside the region (kept, flagged): {report.outside_region}; "
        f"without location: {report.without_location}"
    )
    click.echo("  located per commune:")
    for name, count in report.per_commune.items():
        click.echo(f"    {name}: {count}")
    if len(report.problems):
        counts = report.problems.groupby("status").size()
        click.echo(
            "  problems: "
            + ", ".join(f"{n} {status}" for status, n in counts.items())
            + " (table site_import_report of the workspace; --report FILE for a CSV)"
        )
        for row in report.problems.head(5).itertuples():
            click.echo(f"    row {row.row} ({row.source_id}): {row.status}: {row.reason}")
    for note in report.notes[:5]:
        click.echo(f"  note: {note}")


def _import(
    workspace_path: Path,
    file: Path,
    *,
    source: str | None,
    fmt: str | None,
    columns: dict[str, str],
    provenance: Provenance,
) -> StoreReport:
    fmt = fmt or detect_format(file)
    imported = import_sites(file, source=source, fmt=fmt, columns=columns)
    return store_sites(workspace_path, imported, provenance=provenance, file=str(file), fmt=fmt)


@sites.command("import")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", help="Name of the source; re-importing it replaces its sites (default: file name).")
@click.option("--format", "fmt", type=click.Choice(list(IMPORTERS)), help="Default: from the file.")
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Which column holds a field: " + ", ".join([*FIELDS, "lat", "lon", "x", "y"]) + ".",
)
@click.option("--crs", help="CRS of the coordinates (4326, 31370, 3812; default: told from their values).")
@click.option("--attribution", help="Attribution carried into every output.")
@click.option("--licence", default="", help="Licence of the source.")
@click.option("--vintage", default="", help="Date or year of the data.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the rows with problems to this CSV.",
)
def sites_import(
    workspace_path: Path,
    file: Path,
    source: str | None,
    fmt: str | None,
    columns: tuple[str, ...],
    crs: str | None,
    attribution: str | None,
    licence: str,
    vintage: str,
    report: Path | None,
) -> None:
    """Import the sites of FILE into WORKSPACE and place them in its units.

    FILE is a CSV/XLSX table with coordinates, a GeoJSON/GeoPackage/Shapefile/FlatGeobuf layer, an
    OpenStreetMap extract, or a directory JSON in the social.brussels shape (data/directory_format.md).
    """
    mapping = _parse_columns(columns) | ({"crs": crs} if crs else {})
    fmt = fmt or detect_format(file)
    known = KNOWN_SOURCES.get(fmt)
    provenance = Provenance(
        source=known.source if known else file.name,
        vintage=vintage,
        licence=licence or (known.licence if known else ""),
        attribution=attribution or (known.attribution if known else file.name),
    )
    stored = _import(workspace_path, file, source=source, fmt=fmt, columns=mapping, provenance=provenance)
    _print_store(stored)
    if report is not None:
        stored.problems.to_csv(report, index=False)
        click.echo(f"  problem rows written to {report}")


@sites.command("search")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--located-in", help="Sector, neighbourhood, commune or zone: code or FR/NL name.")
@click.option("--active-on", help="Unit the sites are active on (their zone d'action).")
@click.option("--near", help="A point: lat,lon (WGS84) or x,y (Lambert 72 or 2008).")
@click.option("--near-crs", help="CRS of --near when its values are ambiguous.")
@click.option(
    "--distance", "distance_km", type=float, default=1.0, show_default=True, help="Kilometres around --near."
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="NAME=VALUE",
    help=f"Keep sites with this value; NAME is one of {', '.join(FILTERS)}. Repeatable.",
)
@click.option("--output", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
def sites_search(
    workspace_path: Path,
    located_in: str | None,
    active_on: str | None,
    near: str | None,
    near_crs: str | None,
    distance_km: float,
    filters: tuple[str, ...],
    output: str,
    limit: int,
) -> None:
    """Search the sites: located in a unit, active on a unit, near a point, with filters."""
    wanted: dict[str, list[str]] = {}
    for value in filters:
        name, sep, item = value.partition("=")
        if not sep or name not in FILTERS:
            raise InputError(f"--filter {value!r}: write NAME=VALUE with NAME one of {', '.join(FILTERS)}")
        wanted.setdefault(name, []).append(item)
    units = {
        level: read_table(workspace_path, level)
        for level in list_tables(workspace_path)
        if level in ("sectors", "neighbourhoods", "communes") or level.startswith("zoning_")
    }
    query = Query(
        located_in=located_in,
        active_on=active_on,
        near=parse_point(near, crs=near_crs) if near else None,
        distance_m=distance_km * 1000,
        filters=wanted,
    )
    found = search_sites(
        _sites(workspace_path), read_table(workspace_path, LINKS), units, query, sectors_of=taxonomy_sectors()
    )
    columns = [
        c
        for c in (
            "site_id",
            "name_fr",
            "name_nl",
            "street_fr",
            "number",
            "postcode",
            "commune_code",
            "categories",
            "distance_m",
        )
        if c in found
    ]
    shown = found[columns].head(limit)
    if output == "csv":
        click.echo(shown.to_csv(index=False), nl=False)
    else:
        click.echo(shown.to_string(index=False) if len(shown) else "no site matches")
        click.echo(f"{len(found)} site(s)" + (f", first {limit} shown" if len(found) > limit else ""))


@sites.command("quality")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for quality.csv and quality.txt.",
)
@click.option("--lang", type=click.Choice(["fr", "nl", "en"]), default="fr", show_default=True)
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Date records are judged stale against (default: today).",
)
def sites_quality(workspace_path: Path, out: Path, lang: str, as_of: datetime | None) -> None:
    """Report sites whose records need the directory team's attention."""
    _write_quality(workspace_path, out, lang=lang, as_of=as_of.date() if as_of else None)


def _sites(workspace_path: Path) -> pd.DataFrame:
    if SITES not in list_tables(workspace_path):
        raise InputError(
            f"{workspace_path}: has no activity sites yet; import them with 'socialatlas sites import'"
        )
    return read_table(workspace_path, SITES)


def _write_quality(workspace_path: Path, out: Path, *, lang: str, as_of: date | None) -> None:
    site_table = _sites(workspace_path)
    units = {level: read_table(workspace_path, level) for level in ("sectors", "neighbourhoods", "communes")}
    report = quality_report(site_table, units, today=as_of)
    report["check_label"] = report["check"].map(lambda c: CHECKS[c][{"fr": 0, "nl": 1, "en": 2}[lang]])
    summary = quality_summary(report, total=len(site_table), lang=lang)
    if read_info(workspace_path).get("synthetic") == "True":
        summary += "\n(SYNTHETIC DEMONSTRATION DATA)"
    out.mkdir(parents=True, exist_ok=True)
    report.to_csv(out / "quality.csv", index=False)
    (out / "quality.txt").write_text(summary + "\n", encoding="utf-8")
    click.echo(summary)
    click.echo(f"quality report: {out / 'quality.csv'} ({len(report)} rows), {out / 'quality.txt'}")


@cli.command("demo")
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Folder for the outputs.",
)
def demo(out: Path) -> None:
    """Run the main job on the embedded SYNTHETIC demonstration region."""
    out.mkdir(parents=True, exist_ok=True)
    sources = read_manifest(DEMO_DIR / "manifest.toml")
    with _progress("demo workspace", STEPS) as step:
        report = build_workspace(sources, out / "demo.gpkg", progress=step)
    click.echo("SYNTHETIC DEMONSTRATION DATA — not real places or people.")
    _print_build(report)
    provenance = Provenance(
        source="socialatlas demonstration directory (synthetic)",
        vintage="2025",
        licence="CC0 1.0",
        attribution="socialatlas — synthetic demonstration data",
    )
    _print_store(
        _import(
            report.path,
            DEMO_DIR / "directory.json.gz",
            source="directory",
            fmt="directory",
            columns={},
            provenance=provenance,
        )
    )
    # the synthetic directory is a snapshot of 1 January 2025: staleness is judged at that date
    _write_quality(report.path, out / "quality", lang="fr", as_of=date(2025, 1, 1))
    context = click.get_current_context()
    context.invoke(diagnose_command, workspace_path=report.path)
    context.invoke(diagnose_command, workspace_path=report.path, units=DEMO_AREA, out=out / "diagnostic")
    context.invoke(layers_export, workspace_path=report.path, out=out / "layers.gpkg")
    maps = out / "maps"
    maps.mkdir(exist_ok=True)
    context.invoke(report_command, workspace_path=report.path, units=DEMO_AREA, out=maps / "report.pdf")
    context.invoke(atlas_command, workspace_path=report.path, layer_id=DEMO_ATLAS, out=maps / "atlas.pdf")
    context.invoke(series_command, workspace_path=report.path, by="theme", out=maps / "series_themes.pdf")
    context.invoke(
        series_command,
        workspace_path=report.path,
        by="accreditation",
        values=("A-COCOF",),
        out=maps / "series_cocof.pdf",
    )


@cli.command("demo-data")
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEMO_DIR,
    show_default=True,
    help="Folder to write the demonstration files into.",
)
@click.option("--seed", type=int, default=2019, show_default=True)
def demo_data(out: Path, seed: int) -> None:
    """Regenerate the synthetic demonstration region files (deterministic for a seed)."""
    from geo.demo import generate_demo, write_demo

    out.mkdir(parents=True, exist_ok=True)
    for path in write_demo(generate_demo(seed=seed), out):
        click.echo(str(path))


cli.add_command(diagnose_command)
cli.add_command(layers_group)
for _command in (map_command, series_command, atlas_command, report_command):
    cli.add_command(_command)


def _settings_options(function: Callable[..., None]) -> Callable[..., None]:
    """One option per field of :class:`service.settings.Settings` (declared there once)."""
    from service.settings import describe

    for name, default, help_text in reversed(describe()):
        kind: Any = type(default) if default is not None else str
        if name == "workspace":
            kind = click.Path(dir_okay=False, path_type=Path)
        elif name == "cors_origins":
            kind, default = str, ",".join(default)
        option = click.option(
            f"--{name.replace('_', '-')}",
            name,
            type=kind,
            default=default,
            show_default=name != "write_token",
            required=name == "workspace",
            envvar=f"SOCIALATLAS_{name.upper()}",
            show_envvar=True,
            help=help_text,
        )
        function = option(function)
    return function


@cli.command("serve")
@_settings_options
@click.option("--dev", is_flag=True, help="Use the Flask development server (for development only).")
def serve(dev: bool, **values: Any) -> None:
    """Serve a workspace over HTTP: OGC API – Features and the directory search (read-only)."""
    import waitress

    from service.app import create_app
    from service.settings import Settings, split_origins

    settings = Settings(**(values | {"cors_origins": split_origins(values["cors_origins"])}))
    app = create_app(settings)
    click.echo(f"serving {settings.workspace} on http://{settings.host}:{settings.port}/ (API: /api)")
    if dev:
        app.run(host=settings.host, port=settings.port, threaded=True, debug=False)
        return
    gc.collect()
    gc.freeze()  # the loaded workspace lives as long as the server: keep it out of the collector's scans
    waitress.serve(
        app,
        host=settings.host,
        port=settings.port,
        threads=settings.threads,
        channel_timeout=settings.request_timeout,
        max_request_body_size=settings.max_request_bytes,
        ident="socialatlas",
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning user errors into one line on stderr and exit status 2."""
    try:
        status = cli.main(args=argv, prog_name="socialatlas", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except SocialAtlasError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    except Exception as error:  # a bug, not a user error: say so without a trace unless asked
        if os.environ.get("SOCIALATLAS_DEBUG"):
            raise
        click.echo(
            f"internal error: {type(error).__name__}: {error} "
            "(set SOCIALATLAS_DEBUG=1 for the details and report it)",
            err=True,
        )
        sys.exit(3)
    sys.exit(status if isinstance(status, int) else 0)
