"""The ``socialatlas`` command line: parse, call the packages below, print; errors in one place."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

import click

from diagnostics.build import STEPS, BuildReport, build_workspace
from geo.crosswalk import METHODS
from geo.errors import SocialAtlasError
from geo.manifest import read_manifest
from geo.workspace import PROVENANCE_TABLE, list_tables, read_info, read_table

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"


@contextmanager
def _progress(label: str, steps: tuple[str, ...]) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr (on a terminal only), advanced by calling the yielded function."""
    if not sys.stderr.isatty():
        yield lambda _step: None
        return
    with click.progressbar(length=len(steps), label=label, file=sys.stderr,
                           item_show_func=lambda s: s, show_eta=False) as bar:
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
    click.echo(f"  crosswalk: {nest['at_least_99pct']} of {nest['sectors']} sectors ≥ 99 % in one "
               f"neighbourhood, {nest['at_least_95pct']} ≥ 95 %, worst {nest['worst_share']:.1%}")
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
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The workspace GeoPackage to write (replaced atomically).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder holding the files the manifest names (default: the manifest's folder).")
@click.option("--crosswalk", type=click.Choice(list(METHODS)), default="residential",
              show_default=True, help="How sector counts move to neighbourhoods: "
              + "; ".join(f"{k}: {v}" for k, v in METHODS.items()))
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
        click.echo(f"{name}: {len(read_table(path, name))} rows — {rec['title']}; "
                   f"{rec['source']} ({rec['vintage']}); {rec['attribution']}"
                   + (" [SYNTHETIC]" if rec["synthetic"] else ""))


@cli.command("demo")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Folder for the outputs.")
def demo(out: Path) -> None:
    """Run the main job on the embedded SYNTHETIC demonstration region."""
    out.mkdir(parents=True, exist_ok=True)
    sources = read_manifest(DEMO_DIR / "manifest.toml")
    with _progress("demo workspace", STEPS) as step:
        report = build_workspace(sources, out / "demo.gpkg", progress=step)
    click.echo("SYNTHETIC DEMONSTRATION DATA — not real places or people.")
    _print_build(report)


@cli.command("demo-data")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=DEMO_DIR,
              show_default=True, help="Folder to write the demonstration files into.")
@click.option("--seed", type=int, default=2019, show_default=True)
def demo_data(out: Path, seed: int) -> None:
    """Regenerate the synthetic demonstration region files (deterministic for a seed)."""
    from geo.demo import generate_demo, write_demo

    out.mkdir(parents=True, exist_ok=True)
    for path in write_demo(generate_demo(seed=seed), out):
        click.echo(str(path))


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
        click.echo(f"internal error: {type(error).__name__}: {error} "
                   "(set SOCIALATLAS_DEBUG=1 for the details and report it)", err=True)
        sys.exit(3)
    sys.exit(status if isinstance(status, int) else 0)
