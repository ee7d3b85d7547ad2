"""The workspace: one GeoPackage holding every table of a project, each with its provenance.

Writes are atomic: a workspace is written to a temporary file beside its target and moved over it
only when complete, so a failed build leaves the previous workspace untouched.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from geo.errors import InputError, SourceNotFoundError, WorkspaceError
from geo.manifest import Provenance

PROVENANCE_TABLE = "provenance"
INFO_TABLE = "workspace_info"


@dataclass(frozen=True)
class TableRecord:
    """What a workspace says about one of its tables."""

    title: str
    provenance: Provenance
    method: str = ""
    synthetic: bool = False


def _write_frame(
    path: Path, name: str, frame: pd.DataFrame, record: TableRecord | None, *, first: bool
) -> None:
    options = {"IDENTIFIER": record.title} if record else {}
    if record:
        prov = record.provenance
        options["DESCRIPTION"] = (
            f"{record.title}. Source: {prov.source} ({prov.vintage}). "
            f"{prov.attribution}." + (" SYNTHETIC DEMONSTRATION DATA." if record.synthetic else "")
        )
    frame = frame.copy()
    for column in frame.columns:
        if column != "geometry" and (
            isinstance(frame[column].dtype, pd.StringDtype | pd.CategoricalDtype)
            or frame[column].dtype == object
        ):
            values = frame[column].astype(object)
            frame[column] = values.where(values.notna(), None)  # NULL in the file, not the text "<NA>"
    pyogrio.write_dataframe(
        frame,
        path,
        layer=name,
        driver="GPKG",
        dataset_options={"VERSION": "1.3"} if first else None,
        layer_options={**options, "OVERWRITE": "YES"},
        append=False,
    )


def _provenance_rows(tables: Mapping[str, pd.DataFrame], records: Mapping[str, TableRecord]) -> pd.DataFrame:
    missing = sorted(set(tables) - set(records))
    if missing:
        raise InputError(f"tables without provenance: {', '.join(missing)}")
    built_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = [
        {
            "table_name": name,
            "title": rec.title,
            **asdict(rec.provenance),
            "method": rec.method,
            "synthetic": rec.synthetic,
            "built_at": built_at,
        }
        for name, rec in records.items()
        if name in tables
    ]
    return pd.DataFrame(rows)


@contextmanager
def _replacing(path: Path, *, copy: bool) -> Iterator[Path]:
    """A temporary file beside ``path`` (a copy of it when ``copy``), moved over it on success.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp.gpkg", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if copy:
            shutil.copyfile(path, tmp)
        else:
            tmp.unlink()
        yield tmp
        # keep the mode of the workspace it replaces (a new one gets the usual 0644, not mkstemp's 0600)
        tmp.chmod(path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except (OSError, DataSourceError, DataLayerError, sqlite3.Error) as error:
        raise WorkspaceError(
            f"{path}: cannot write the workspace ({error}); the previous workspace is unchanged"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}-journal").unlink(missing_ok=True)


def write_workspace(
    path: str | Path,
    tables: Mapping[str, pd.DataFrame],
    records: Mapping[str, TableRecord],
    *,
    info: Mapping[str, str],
) -> Path:
    """Write a new workspace atomically.

    Parameters
    ----------
    path
        The GeoPackage to create or replace.
    tables
        Table name → frame; GeoDataFrames become feature tables, DataFrames attribute tables.
    records
        Table name → its title, provenance and method; every table needs one.
    info
        Workspace-level facts (title, manifest, crosswalk method…), stored in ``workspace_info``.

    Raises
    ------
    WorkspaceError
        When the file cannot be written; the previous workspace, if any, is left as it was.
    """
    path = Path(path)
    provenance = _provenance_rows(tables, records)
    if not path.parent.is_dir():
        raise SourceNotFoundError(f"{path.parent}: the folder for the workspace does not exist")
    with _replacing(path, copy=False) as tmp:
        for position, (name, frame) in enumerate(tables.items()):
            _write_frame(tmp, name, frame, records[name], first=position == 0)
        _write_frame(tmp, PROVENANCE_TABLE, provenance, None, first=not tables)
        built_at = provenance["built_at"].iloc[0] if len(provenance) else ""
        info_table = pd.DataFrame({"key": [*info, "built_at"], "value": [*map(str, info.values()), built_at]})
        _write_frame(tmp, INFO_TABLE, info_table, None, first=False)
    return path


def update_workspace(
    path: str | Path, tables: Mapping[str, pd.DataFrame], records: Mapping[str, TableRecord]
) -> Path:
    """Add or replace tables of an existing workspace, atomically, keeping all the others.

    The workspace is copied beside itself, changed, and moved over the original only when every
    table is written; their provenance rows are replaced.
    """
    path = _existing_workspace(path)
    added = _provenance_rows(tables, records)
    with _replacing(path, copy=True) as tmp:
        kept = pyogrio.read_dataframe(tmp, layer=PROVENANCE_TABLE)
        kept = kept[~kept["table_name"].isin(list(tables))]
        for name, frame in tables.items():
            _write_frame(tmp, name, frame, records[name], first=False)
        _write_frame(tmp, PROVENANCE_TABLE, pd.concat([kept, added], ignore_index=True), None, first=False)
    return path


def _existing_workspace(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise SourceNotFoundError(f"{path}: no such workspace; build one with 'socialatlas workspace build'")
    return path


def list_tables(path: str | Path) -> list[str]:
    """Names of the tables of a workspace."""
    path = _existing_workspace(path)
    try:
        return [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except (DataSourceError, DataLayerError):
        raise InputError(f"{path}: is not a GeoPackage workspace") from None


def read_table(path: str | Path, name: str, *, where: str | None = None) -> pd.DataFrame | gpd.GeoDataFrame:
    """One table of a workspace (a GeoDataFrame for feature tables), optionally only the rows of an
    SQL ``where`` clause."""
    path = _existing_workspace(path)
    if name not in (tables := list_tables(path)):
        raise SourceNotFoundError(f"{path}: no table {name!r}; tables are {', '.join(tables)}")
    return pyogrio.read_dataframe(path, layer=name, read_geometry=True, where=where)


def read_info(path: str | Path) -> dict[str, str]:
    """The ``workspace_info`` key/value pairs."""
    table = read_table(path, INFO_TABLE)
    return dict(zip(table["key"], table["value"], strict=True))
