"""Exports of layers: GeoPackage with QGIS styles, GeoJSON, FlatGeobuf, Shapefile, CSV and XLSX.

One entry point, :func:`export`, over a registry of formats (:data:`EXPORTERS`); a format is a
function ``write(layers, path, options) -> list[Path]`` registered with :func:`register_exporter`.

Every export carries, for each layer, its title and description (fr / nl / en), attribution, data
vintage, the command that made it and, for layers built on the demonstration region, the words
"synthetic demonstration data":

=========  ===========================================================================================
gpkg       all layers in one GeoPackage 1.3 (EPSG:31370 unless asked otherwise); each vector layer's
           QGIS style (QML) and SLD in ``layer_styles`` as its default style, the same in the other
           languages and the layer's other named styles (``Layer.styles``) as alternatives; metadata
           in ``gpkg_metadata`` (GDAL's layout, so GDAL and QGIS show it) and ``gpkg_contents``;
           tables as attribute tables.
geojson    one RFC 7946 file per layer (WGS84 lon/lat, 7 decimals, right-hand rule), metadata in the
           foreign member ``metadata``.
fgb        one FlatGeobuf file per layer, metadata in its header.
shp        one Shapefile per layer: UTF-8 (``.cpg``), ``.qml`` and ``.sld`` beside it, attribute names
           cut to 10 characters (kept readable and unique) with ``<layer>_fields.csv`` mapping them back,
           metadata in a QGIS ``.qmd`` file.
csv        one CSV per layer: ``x``/``y`` (or ``longitude``/``latitude``) for points, ``WKT`` otherwise,
           metadata in a CSVW ``<layer>.csv-metadata.json``.
xlsx       one workbook: a ``metadata`` sheet and one sheet per layer (attributes; x/y for points).
=========  ===========================================================================================

Writes are atomic: files are written in a temporary place beside the target and moved over it only
when all are complete, so a failure leaves no half-written file.

The GeoPackage is written directly with one SQLite connection in one transaction (geometries as
GeoPackage binary from shapely's WKB; spatial index, triggers and metadata tables as GDAL lays them
out): opening a GeoPackage with GDAL once per layer costs more and more as layers accumulate (over
half a minute for 200 layers of sectors). Layers built on the same geometries (indicator layers of
one frame) share their encoded geometries, and their R-tree is copied rather than rebuilt.
``python3 bench/export.py`` compares the two.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from geo.crs import METRIC, WGS84, parse_crs
from geo.errors import InputError, ProblemsError
from layers.layer import LANGS, Layer

SYNTHETIC_NOTICE = (
    "synthetic demonstration data — données de démonstration synthétiques — synthetische demonstratiegegevens"
)
GEOMETRY_COLUMN = "geom"


@dataclass(frozen=True)
class ExportOptions:
    """What every exporter is told besides the layers: CRS, command, language, time."""

    crs: CRS
    command: str = ""
    lang: str = "fr"
    exported: str = ""  # UTC time, ISO 8601


Writer = Callable[[Sequence[Layer], Path, ExportOptions], list[Path]]


@dataclass(frozen=True)
class Format:
    """A registered export format."""

    name: str
    write: Writer
    suffix: str  # of the one file (single_file) or of each layer's main file
    single_file: bool
    tables: bool = True  # can it hold tables (layers of kind "table")?
    fixed_crs: CRS | None = None  # e.g. WGS84 for GeoJSON


EXPORTERS: dict[str, Format] = {}


def register_exporter(
    name: str, *, suffix: str, single_file: bool, tables: bool = True, fixed_crs: CRS | None = None
) -> Callable[[Writer], Writer]:
    """Register ``write`` as the exporter of format ``name`` (built-ins register the same way)."""

    def decorate(write: Writer) -> Writer:
        EXPORTERS[name] = Format(name, write, suffix, single_file, tables, fixed_crs)
        return write

    return decorate


def export(
    layers: Sequence[Layer],
    path: str | Path,
    *,
    format: str,
    crs: str | int | CRS | None = None,
    command: str = "",
    lang: str = "fr",
) -> list[Path]:
    """Export ``layers`` to ``path`` in ``format``; return the files written.

    Parameters
    ----------
    layers
        The layers, in order; their ids name the GeoPackage tables, sheets and files.
    path
        The file for single-file formats (``gpkg``, ``xlsx``), the folder for the others.
    format
        A name of :data:`EXPORTERS`: gpkg, geojson, fgb, shp, csv, xlsx.
    crs
        Output CRS (EPSG code, ``EPSG:n``, URN…); EPSG:31370 by default, always WGS84 for GeoJSON.
    command
        The command line that made the export, recorded in the metadata.
    lang
        Language of the default QGIS style and legend labels (the others are stored too in a GeoPackage).
    """
    if format not in EXPORTERS:
        raise InputError(f"format: {format!r} is not an export format; use one of {', '.join(EXPORTERS)}")
    if lang not in LANGS:
        raise InputError(f"lang: {lang!r} is not a language; use one of {', '.join(LANGS)}")
    fmt = EXPORTERS[format]
    target = Path(path)
    if fmt.fixed_crs is not None:
        if crs is not None and not parse_crs(crs).equals(fmt.fixed_crs, ignore_axis_order=True):
            raise InputError(f"crs: {format} files are always in WGS84 longitude/latitude; leave out the CRS")
        out_crs = fmt.fixed_crs
    else:
        out_crs = METRIC if crs is None else parse_crs(crs)
    _validate(layers, fmt, target)
    options = ExportOptions(
        crs=out_crs,
        command=command,
        lang=lang,
        exported=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    if fmt.single_file:
        with _replacing_file(target) as temporary:
            fmt.write(layers, temporary, options)
        return [target]
    with _replacing_files(target) as temporary:
        written = fmt.write(layers, temporary, options)
    return [target / p.name for p in written]


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")


def _validate(layers: Sequence[Layer], fmt: Format, target: Path) -> None:
    problems = []
    if not layers:
        problems.append("no layer to export")
    if fmt.single_file and target.is_dir():
        problems.append(f"{target} is a folder; give a file name ending in {fmt.suffix}")
    if not fmt.single_file and target.exists() and not target.is_dir():
        problems.append(f"{target} is a file; {fmt.name} export writes one file per layer into a folder")
    seen: dict[str, str] = {}
    for layer in layers:
        where = f"layer {layer.id!r}"
        if not _ID.match(layer.id) or layer.id.lower().startswith(("gpkg_", "rtree_", "sqlite_")):
            problems.append(
                f"{where}: ids are 1 to 63 letters, digits, '_' or '-', not starting with gpkg_, "
                "rtree_ or sqlite_"
            )
        if layer.id.lower() in seen or layer.id.lower() == "layer_styles":
            problems.append(f"{where}: the id is used twice (ids are compared without case)")
        seen[layer.id.lower()] = layer.id
        if layer.kind == "table":
            if not fmt.tables:
                problems.append(
                    f"{where}: is a table; {fmt.name} holds geometries only — export tables as csv or xlsx"
                )
        elif not isinstance(layer.data, gpd.GeoDataFrame):
            problems.append(f"{where}: a {layer.kind} layer needs a GeoDataFrame")
        elif layer.data.crs is None:
            problems.append(f"{where}: its geometries have no CRS")
    if problems:
        raise ProblemsError(f"cannot export to {fmt.name}", problems)


@contextmanager
def _replacing_file(target: Path) -> Iterator[Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f"{target.stem}.", suffix=f".part{target.suffix}", dir=target.parent
    )
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


@contextmanager
def _replacing_files(folder: Path) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=".export-", dir=folder))
    try:
        yield temporary
        for path in sorted(temporary.iterdir()):
            os.replace(path, folder / path.name)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


# --- what every export says about a layer ---------------------------------------------------------


def layer_metadata(layer: Layer, options: ExportOptions) -> dict[str, str]:
    """Title, description, attribution, vintage, command… of a layer, as flat text items."""
    meta = {
        "TITLE": layer.text("title", options.lang),
        "DESCRIPTION": layer.text("description", options.lang),
        **{f"TITLE_{lang.upper()}": layer.text("title", lang) for lang in LANGS},
        **{f"DESCRIPTION_{lang.upper()}": layer.text("description", lang) for lang in LANGS},
        "ATTRIBUTION": layer.attribution,
        "VINTAGE": layer.vintage,
        "COMMAND": options.command,
        "EXPORTED": options.exported,
        "SOFTWARE": "socialatlas",
    }
    if layer.kind != "table":
        meta["CRS"] = _crs_name(options.crs)
    if layer.synthetic:
        meta["SYNTHETIC"] = SYNTHETIC_NOTICE
    meta.update({key.upper(): str(value) for key, value in layer.extra.items() if key.upper() not in meta})
    return meta


def _summary(layer: Layer, lang: str) -> str:
    """One line for places that hold a single description (gpkg_contents, FlatGeobuf header)."""
    text = f"{layer.text('description', lang)} — {layer.attribution} ({layer.vintage})"
    return text + (f" — {SYNTHETIC_NOTICE.upper()}" if layer.synthetic else "")


def _crs_name(crs: CRS) -> str:
    authority = crs.to_authority()
    return f"{authority[0]}:{authority[1]}" if authority else crs.name


def _vector(layer: Layer, crs: CRS) -> gpd.GeoDataFrame:
    data = layer.data
    assert isinstance(data, gpd.GeoDataFrame)
    return data if data.crs is not None and data.crs.equals(crs) else data.to_crs(crs)


def _project(geoms: np.ndarray, source: CRS, target: CRS) -> np.ndarray:
    """Geometries (an array) from ``source`` to ``target`` CRS."""
    if source.equals(target):
        return geoms
    return gpd.GeoSeries(geoms, crs=source).to_crs(target).to_numpy()


def _attributes(frame: pd.DataFrame) -> pd.DataFrame:
    """The non-geometry columns, with text columns as Python objects and None for missing values."""
    columns = [c for c in frame.columns if not isinstance(frame[c].dtype, gpd.array.GeometryDtype)]
    out = pd.DataFrame(index=range(len(frame)))
    for name in columns:
        series = frame[name].reset_index(drop=True)
        if isinstance(series.dtype, pd.CategoricalDtype | pd.StringDtype) or series.dtype == object:
            values = series.astype(object)
            out[str(name)] = values.where(values.notna(), None)
        else:
            out[str(name)] = series
    return out


# --- GeoPackage -----------------------------------------------------------------------------------

_GPKG_SYSTEM = """
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
  description TEXT);
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
  identifier TEXT UNIQUE, description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
  definition TEXT NOT NULL, scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
CREATE TABLE gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
  md_scope TEXT NOT NULL DEFAULT 'dataset', md_standard_uri TEXT NOT NULL,
  mime_type TEXT NOT NULL DEFAULT 'text/xml', metadata TEXT NOT NULL DEFAULT '');
CREATE TABLE gpkg_metadata_reference (reference_scope TEXT NOT NULL, table_name TEXT, column_name TEXT,
  row_id_value INTEGER, timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  md_file_id INTEGER NOT NULL, md_parent_id INTEGER,
  CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
  CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id));
CREATE TABLE layer_styles ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "f_table_catalog" TEXT(256),
  "f_table_schema" TEXT(256), "f_table_name" TEXT(256), "f_geometry_column" TEXT(256),
  "styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, "useAsDefault" BOOLEAN, "description" TEXT,
  "owner" TEXT(30), "ui" TEXT(30),
  "update_time" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
"""
_METADATA_EXTENSION = "http://www.geopackage.org/spec120/#extension_metadata"
_RTREE_EXTENSION = "http://www.geopackage.org/spec120/#extension_rtree"
# The spatial index triggers of the GeoPackage R-tree extension (as GDAL writes them).
_RTREE_TRIGGERS = """
CREATE TRIGGER "rtree_{T}_{G}_insert" AFTER INSERT ON "{T}"
WHEN (new."{G}" NOT NULL AND NOT ST_IsEmpty(NEW."{G}"))
BEGIN INSERT OR REPLACE INTO "rtree_{T}_{G}" VALUES (NEW."fid",
ST_MinX(NEW."{G}"), ST_MaxX(NEW."{G}"), ST_MinY(NEW."{G}"), ST_MaxY(NEW."{G}")); END;

CREATE TRIGGER "rtree_{T}_{G}_update6" AFTER UPDATE OF "{G}" ON "{T}" WHEN OLD."fid" = NEW."fid" AND
(NEW."{G}" NOTNULL AND NOT ST_IsEmpty(NEW."{G}")) AND (OLD."{G}" NOTNULL AND NOT ST_IsEmpty(OLD."{G}"))
BEGIN UPDATE "rtree_{T}_{G}" SET minx = ST_MinX(NEW."{G}"), maxx = ST_MaxX(NEW."{G}"),
miny = ST_MinY(NEW."{G}"), maxy = ST_MaxY(NEW."{G}") WHERE id = NEW."fid"; END;

CREATE TRIGGER "rtree_{T}_{G}_update7" AFTER UPDATE OF "{G}" ON "{T}" WHEN OLD."fid" = NEW."fid" AND
(NEW."{G}" NOTNULL AND NOT ST_IsEmpty(NEW."{G}")) AND (OLD."{G}" ISNULL OR ST_IsEmpty(OLD."{G}"))
BEGIN INSERT INTO "rtree_{T}_{G}" VALUES (NEW."fid",
ST_MinX(NEW."{G}"), ST_MaxX(NEW."{G}"), ST_MinY(NEW."{G}"), ST_MaxY(NEW."{G}")); END;

CREATE TRIGGER "rtree_{T}_{G}_update2" AFTER UPDATE OF "{G}" ON "{T}" WHEN OLD."fid" = NEW."fid" AND
(NEW."{G}" ISNULL OR ST_IsEmpty(NEW."{G}")) BEGIN DELETE FROM "rtree_{T}_{G}" WHERE id = OLD."fid"; END;

CREATE TRIGGER "rtree_{T}_{G}_update5" AFTER UPDATE ON "{T}" WHEN OLD."fid" != NEW."fid" AND
(NEW."{G}" NOTNULL AND NOT ST_IsEmpty(NEW."{G}")) BEGIN DELETE FROM "rtree_{T}_{G}" WHERE id = OLD."fid";
INSERT OR REPLACE INTO "rtree_{T}_{G}" VALUES (NEW."fid",
ST_MinX(NEW."{G}"), ST_MaxX(NEW."{G}"), ST_MinY(NEW."{G}"), ST_MaxY(NEW."{G}")); END;

CREATE TRIGGER "rtree_{T}_{G}_update4" AFTER UPDATE ON "{T}" WHEN OLD."fid" != NEW."fid" AND
(NEW."{G}" ISNULL OR ST_IsEmpty(NEW."{G}"))
BEGIN DELETE FROM "rtree_{T}_{G}" WHERE id IN (OLD."fid", NEW."fid"); END;

CREATE TRIGGER "rtree_{T}_{G}_delete" AFTER DELETE ON "{T}" WHEN old."{G}" NOT NULL
BEGIN DELETE FROM "rtree_{T}_{G}" WHERE id = OLD."fid"; END
"""
_GPKG_TYPES = {  # shapely type id -> GeoPackage geometry type name
    0: "POINT",
    1: "LINESTRING",
    3: "POLYGON",
    4: "MULTIPOINT",
    5: "MULTILINESTRING",
    6: "MULTIPOLYGON",
    7: "GEOMETRYCOLLECTION",
}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _gdal_metadata(items: dict[str, str]) -> str:
    lines = "".join(
        f'    <MDI key="{escape(k, {chr(34): "&quot;"})}">{escape(v)}</MDI>\n' for k, v in items.items()
    )
    return f"<GDALMultiDomainMetadata>\n  <Metadata>\n{lines}  </Metadata>\n</GDALMultiDomainMetadata>\n"


def _now() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _srs_row(crs: CRS) -> tuple[str, int, str, int, str, str]:
    authority = crs.to_authority(min_confidence=90)
    if authority and authority[0] == "EPSG":
        code = int(authority[1])
        return (crs.name, code, "EPSG", code, crs.to_wkt("WKT1_GDAL"), crs.name)
    return (crs.name, 100000, "NONE", 100000, crs.to_wkt("WKT1_GDAL"), crs.name)


def _geometry_blobs(geoms: np.ndarray, srs_id: int) -> tuple[list[bytes | None], str, np.ndarray]:
    """GeoPackage binary geometries (header with envelope + ISO WKB), the column type, the envelopes."""
    type_ids = shapely.get_type_id(geoms)
    present = set(type_ids[type_ids >= 0].tolist())
    for single, multi, make in (
        (0, 4, shapely.multipoints),
        (1, 5, shapely.multilinestrings),
        (3, 6, shapely.multipolygons),
    ):
        if present == {single, multi}:  # mixed single and multi parts: promote to multi
            geoms = geoms.copy()
            geoms[type_ids == single] = make(geoms[type_ids == single][:, None])
    final = sorted(set(shapely.get_type_id(geoms[type_ids >= 0]).tolist()))
    type_name = _GPKG_TYPES.get(final[0], "GEOMETRY") if len(final) == 1 else "GEOMETRY"
    wkb = shapely.to_wkb(geoms, output_dimension=2, byte_order=1, flavor="iso")
    bounds = shapely.bounds(geoms)  # minx, miny, maxx, maxy (NaN for empty / missing)
    empty = shapely.is_empty(geoms)
    header = np.zeros(
        len(geoms),
        dtype=[
            ("magic", "S2"),
            ("version", "u1"),
            ("flags", "u1"),
            ("srs", "<i4"),
            ("envelope", "<f8", (4,)),
        ],
    )
    header["magic"] = b"GP"
    header["flags"] = np.where(empty, 0b10001, 0b00011)  # little-endian; xy envelope, or the empty flag
    header["srs"] = srs_id
    header["envelope"] = bounds[:, [0, 2, 1, 3]]
    raw = header.tobytes()
    size = header.dtype.itemsize
    blobs: list[bytes | None] = [
        None
        if w is None
        else (raw[i * size : i * size + 8] if empty[i] else raw[i * size : (i + 1) * size]) + w
        for i, w in enumerate(wkb)
    ]
    return blobs, type_name, bounds


def _sql_columns(frame: pd.DataFrame, reserved: set[str]) -> list[tuple[str, str, list[object]]]:
    """(name, GeoPackage type, values) of each attribute column, values ready for SQLite (None if missing)."""
    out = []
    taken = set(reserved)
    for name in frame.columns:
        series = frame[name]
        dtype = series.dtype
        if isinstance(dtype, gpd.array.GeometryDtype):
            continue
        column = str(name)
        while column.lower() in taken:
            column += "_"
        taken.add(column.lower())
        values: list[object]
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
            kind = "BOOLEAN" if pd.api.types.is_bool_dtype(dtype) else "INTEGER"
            values = [None if v is None else int(v) for v in _python_values(series)]  # type: ignore[call-overload]
        elif pd.api.types.is_float_dtype(dtype):
            kind = "REAL"
            values = [
                None if v != v or v in (np.inf, -np.inf) else v  # NaN, infinities: missing
                for v in series.to_numpy(dtype=float, na_value=np.nan).tolist()
            ]
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            kind = "DATETIME"
            stamps = series.dt.tz_convert("UTC") if getattr(dtype, "tz", None) else series
            text = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:23] + "Z"
            values = _python_values(text)
        else:
            kind = "TEXT"
            values = [v if v is None or isinstance(v, str) else str(v) for v in _python_values(series)]
        out.append((column, kind, values))
    return out


def _python_values(series: pd.Series) -> list[object]:
    """The values as Python objects, None where missing (NaN, NA, NaT)."""
    values = series.to_numpy(dtype=object)
    out = values.tolist()
    for i in np.flatnonzero(pd.isna(values)):
        out[i] = None
    return out


class _GeometryCache:
    """Results computed once per geometry array: layers built from one frame share its geometries."""

    def __init__(self) -> None:
        self._store: dict[tuple[object, ...], tuple[np.ndarray, object]] = {}

    @staticmethod
    def _key(geoms: np.ndarray, what: tuple[object, ...]) -> tuple[object, ...]:
        # an object array's buffer holds pointers to the geometries: same buffer, same geometries
        return (geoms.__array_interface__["data"][0], geoms.shape[0], geoms.strides[0], *what)

    def get(
        self, geoms: np.ndarray, what: tuple[object, ...], make: Callable[[np.ndarray], object]
    ) -> object:
        key = self._key(geoms, what)
        if key not in self._store:
            self._store[key] = (geoms, make(geoms))  # keeps ``geoms`` alive, so its address stays unique
        return self._store[key][1]

    def find(self, geoms: np.ndarray, what: tuple[object, ...]) -> object:
        hit = self._store.get(self._key(geoms, what))
        return None if hit is None else hit[1]

    def keep(self, geoms: np.ndarray, what: tuple[object, ...], value: object) -> None:
        self._store[self._key(geoms, what)] = (geoms, value)


def _spatial_index(
    con: sqlite3.Connection, name: str, fids: np.ndarray, bounds: np.ndarray, same_as: str | None
) -> None:
    """The R-tree of a feature table: copied node by node from an identical one, else filled."""
    rtree = f"rtree_{name}_{GEOMETRY_COLUMN}"
    con.execute(f"CREATE VIRTUAL TABLE {_quote(rtree)} USING rtree(id, minx, maxx, miny, maxy)")
    if same_as is not None:  # same geometries: the R-tree's shadow tables are the whole index
        for shadow in ("node", "parent", "rowid"):
            con.execute(f"DELETE FROM {_quote(f'{rtree}_{shadow}')}")
            con.execute(
                f"INSERT INTO {_quote(f'{rtree}_{shadow}')} SELECT * FROM {_quote(f'{same_as}_{shadow}')}"
            )
        return
    keep = np.isfinite(bounds).all(axis=1)
    order = np.lexsort(
        (bounds[keep, 1], np.floor(bounds[keep, 0] / 1000))
    )  # roughly west to east: fewer splits
    box = bounds[keep][order]
    con.executemany(
        f"INSERT INTO {_quote(rtree)} VALUES (?, ?, ?, ?, ?)",
        zip(fids[keep][order].tolist(), *(box[:, i].tolist() for i in (0, 2, 1, 3)), strict=True),
    )


def _gpkg_table(
    con: sqlite3.Connection,
    layer: Layer,
    options: ExportOptions,
    srs_id: int,
    identifiers: set[str],
    cache: _GeometryCache,
) -> None:
    name = layer.id
    reserved = {"fid"} if layer.kind == "table" else {"fid", GEOMETRY_COLUMN}
    columns = _sql_columns(layer.data, reserved)
    definitions = ", ".join(f"{_quote(c)} {kind}" for c, kind, _ in columns)
    identifier = layer.text("title", options.lang)
    while identifier in identifiers:
        identifier = f"{identifier} ({name})"
    identifiers.add(identifier)
    fids = list(range(1, len(layer.data) + 1))
    names = ", ".join(["fid", *(_quote(c) for c, _, _ in columns)])
    if layer.kind == "table":
        con.execute(
            f"CREATE TABLE {_quote(name)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"
            + (f", {definitions})" if definitions else ")")
        )
        marks = ", ".join("?" * (len(columns) + 1))
        con.executemany(
            f"INSERT INTO {_quote(name)} ({names}) VALUES ({marks})",
            zip(fids, *(v for _, _, v in columns), strict=True),
        )
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
            "VALUES (?, 'attributes', ?, ?, ?)",
            (name, identifier, _summary(layer, options.lang), _now()),
        )
    else:
        data = layer.data
        assert isinstance(data, gpd.GeoDataFrame)
        source = data.geometry.to_numpy()
        projected: np.ndarray = cache.get(  # type: ignore[assignment]
            source,
            ("project", data.crs.to_wkt(), options.crs.to_wkt()),
            lambda g: _project(g, data.crs, options.crs),
        )
        encoded: tuple[list[bytes | None], str, np.ndarray] = cache.get(  # type: ignore[assignment]
            projected, ("blobs", srs_id), lambda g: _geometry_blobs(g, srs_id)
        )
        blobs, type_name, bounds = encoded
        con.execute(
            f"CREATE TABLE {_quote(name)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
            f"{_quote(GEOMETRY_COLUMN)} {type_name}" + (f", {definitions})" if definitions else ")")
        )
        marks = ", ".join("?" * (len(columns) + 2))
        con.executemany(
            f"INSERT INTO {_quote(name)} (fid, {_quote(GEOMETRY_COLUMN)}"
            + "".join(f", {_quote(c)}" for c, _, _ in columns)
            + f") VALUES ({marks})",
            zip(fids, blobs, *(v for _, _, v in columns), strict=True),
        )
        same_as = cache.find(projected, ("rtree",))
        _spatial_index(con, name, np.asarray(fids), bounds, same_as if isinstance(same_as, str) else None)
        if same_as is None:
            cache.keep(projected, ("rtree",), f"rtree_{name}_{GEOMETRY_COLUMN}")
        keep = np.isfinite(bounds).all(axis=1)
        for trigger in _RTREE_TRIGGERS.format(T=name, G=GEOMETRY_COLUMN).split(";\n\n"):  # ids hold no quote
            con.execute(trigger)
        extent = [float(np.nanmin(bounds[:, i])) if keep.any() else None for i in (0, 1)]
        extent += [float(np.nanmax(bounds[:, i])) if keep.any() else None for i in (2, 3)]
        con.execute(
            "INSERT INTO gpkg_contents VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?, ?)",
            (name, identifier, _summary(layer, options.lang), _now(), *extent, srs_id),
        )
        con.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)",
            (name, GEOMETRY_COLUMN, type_name, srs_id),
        )
        con.execute(
            "INSERT INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index', ?, 'write-only')",
            (name, GEOMETRY_COLUMN, _RTREE_EXTENSION),
        )
        rows = []
        if layer.style is not None:  # the default style, and the same in the other languages
            langs = (options.lang, *(lang for lang in LANGS if lang != options.lang))
            qml = layer.style.qml_by_lang(langs)
            sld = layer.style.sld_by_lang(langs, name=name, titles=layer.title)
            for lang in langs:
                style_name = name if lang == options.lang else f"{name} ({lang})"
                rows.append(
                    (style_name, qml[lang], sld[lang], lang == options.lang, layer.text("title", lang))
                )
        for style_name, style in layer.styles.items():  # other named styles, in the export's language
            title = style.title.get(options.lang) or style_name
            rows.append(
                (
                    style_name,
                    style.qml(options.lang),
                    style.sld(options.lang, name=name, title=title),
                    False,
                    title,
                )
            )
        con.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
            "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
            "VALUES ('', '', ?, ?, ?, ?, ?, ?, ?, '', NULL, ?)",
            [(name, GEOMETRY_COLUMN, n, q, d, int(default), t, _now()) for n, q, d, default, t in rows],
        )
    cursor = con.execute(
        "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) "
        "VALUES ('dataset', 'http://gdal.org', 'text/xml', ?)",
        (_gdal_metadata(layer_metadata(layer, options)),),
    )
    con.execute(
        "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, timestamp, md_file_id) "
        "VALUES ('table', ?, ?, ?)",
        (name, _now(), cursor.lastrowid),
    )


@register_exporter("gpkg", suffix=".gpkg", single_file=True)
def export_gpkg(layers: Sequence[Layer], path: Path, options: ExportOptions) -> list[Path]:
    """All layers in one GeoPackage 1.3 with QGIS styles and metadata (see the module docstring)."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
        con.execute("PRAGMA user_version = 10300")  # GeoPackage 1.3.0
        con.execute("PRAGMA journal_mode = OFF")  # a temporary file, moved into place when complete
        con.execute("PRAGMA synchronous = OFF")
        con.execute("PRAGMA cache_size = -262144")  # 256 MB: pages stay in memory until the commit
        con.executescript(_GPKG_SYSTEM)
        srs = {
            (-1): (
                "Undefined cartesian SRS",
                -1,
                "NONE",
                -1,
                "undefined",
                "undefined cartesian coordinate reference system",
            ),
            0: (
                "Undefined geographic SRS",
                0,
                "NONE",
                0,
                "undefined",
                "undefined geographic coordinate reference system",
            ),
            4326: (
                "WGS 84 geodetic",
                4326,
                "EPSG",
                4326,
                WGS84.to_wkt("WKT1_GDAL"),
                "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
            ),
        }
        row = _srs_row(options.crs)
        srs.setdefault(row[1], row)
        con.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", srs.values())
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles', ?)",
            (_now(),),
        )
        for table in ("gpkg_metadata", "gpkg_metadata_reference"):
            con.execute(
                "INSERT INTO gpkg_extensions VALUES (?, NULL, 'gpkg_metadata', ?, 'read-write')",
                (table, _METADATA_EXTENSION),
            )
        dataset = {
            "TITLE": "socialatlas",
            "COMMAND": options.command,
            "EXPORTED": options.exported,
            "LAYERS": ", ".join(layer.id for layer in layers),
        }
        if any(layer.synthetic for layer in layers):
            dataset["SYNTHETIC"] = SYNTHETIC_NOTICE
        cursor = con.execute(
            "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) "
            "VALUES ('dataset', 'http://gdal.org', 'text/xml', ?)",
            (_gdal_metadata(dataset),),
        )
        con.execute(
            "INSERT INTO gpkg_metadata_reference (reference_scope, timestamp, md_file_id) "
            "VALUES ('geopackage', ?, ?)",
            (_now(), cursor.lastrowid),
        )
        identifiers: set[str] = {"layer_styles"}
        cache = _GeometryCache()
        for layer in layers:
            _gpkg_table(con, layer, options, row[1], identifiers, cache)
        con.commit()
    finally:
        con.close()
    return [path]


# --- one file per layer ---------------------------------------------------------------------------


@register_exporter("geojson", suffix=".geojson", single_file=False, fixed_crs=WGS84)
def export_geojson(layers: Sequence[Layer], folder: Path, options: ExportOptions) -> list[Path]:
    """One RFC 7946 GeoJSON file per layer (WGS84 lon/lat, 7 decimals), metadata as a foreign member."""
    written = []
    for layer in layers:
        properties = json.loads(
            _attributes(layer.data).to_json(
                orient="records", date_format="iso", force_ascii=False, double_precision=15
            )
        )
        if layer.kind == "table":
            geometries: list[object] = [None] * len(properties)
            bbox = None
        else:
            geoms = shapely.transform(_vector(layer, WGS84).geometry.to_numpy(), lambda xy: np.round(xy, 7))
            geoms = shapely.orient_polygons(geoms, exterior_cw=False)  # the right-hand rule of RFC 7946
            geometries = [None if g is None else json.loads(g) for g in shapely.to_geojson(geoms)]
            present = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
            bbox = [round(float(v), 7) for v in shapely.total_bounds(present)] if present.size else None
        collection: dict[str, object] = {"type": "FeatureCollection", "name": layer.id}
        if bbox:
            collection["bbox"] = bbox
        collection["metadata"] = {key.lower(): value for key, value in layer_metadata(layer, options).items()}
        collection["features"] = [
            {"type": "Feature", "properties": p, "geometry": g}
            for p, g in zip(properties, geometries, strict=True)
        ]
        path = folder / f"{layer.id}.geojson"
        path.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        written.append(path)
    return written


@register_exporter("fgb", suffix=".fgb", single_file=False, tables=False)
def export_fgb(layers: Sequence[Layer], folder: Path, options: ExportOptions) -> list[Path]:
    """One FlatGeobuf file per layer, with title, description and metadata in its header."""
    written = []
    for layer in layers:
        frame = _vector(layer, options.crs)
        data = gpd.GeoDataFrame(_attributes(frame), geometry=frame.geometry.to_numpy(), crs=frame.crs)
        path = folder / f"{layer.id}.fgb"
        pyogrio.write_dataframe(
            data,
            path,
            driver="FlatGeobuf",
            layer=layer.id,
            layer_options={
                "TITLE": layer.text("title", options.lang),
                "DESCRIPTION": _summary(layer, options.lang),
                # FlatGeobuf's packed R-tree cannot hold a feature without geometry
                "SPATIAL_INDEX": "YES" if data.geometry.notna().all() else "NO",
            },
            layer_metadata=layer_metadata(layer, options),
            promote_to_multi=True,
        )
        written.append(path)
    return written


_ABBREVIATIONS = {
    "accreditation": "accred",
    "accreditations": "accred",
    "authorities": "auth",
    "authority": "auth",
    "capacity": "cap",
    "categories": "cats",
    "category": "cat",
    "commune": "comm",
    "communes": "comms",
    "declared": "decl",
    "distance": "dist",
    "indicator": "ind",
    "languages": "lang",
    "neighbourhood": "nbhd",
    "neighbourhoods": "nbhds",
    "number": "num",
    "office": "off",
    "organisation": "org",
    "outside": "out",
    "population": "pop",
    "region": "reg",
    "sector": "sect",
    "sectors": "sects",
    "status": "st",
    "types": "typ",
}
_STOP_WORDS = {"to", "of", "the", "per", "in", "on", "and"}


def short_names(names: Sequence[str], *, width: int = 10) -> dict[str, str]:
    """Readable, unique column names of at most ``width`` characters (for Shapefiles).

    Only names that are too long change: small words (``to``, ``of``…) go first, then long words
    take their usual abbreviation (``neighbourhood`` → ``nbhd``, ``status`` → ``st``), then lose
    inner vowels and finally their last letters, longest word first; clashes get a number.
    ``neighbourhood_code`` → ``nbhd_code``, ``distance_to_region_m`` → ``dist_reg_m``.
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        words = [w for w in re.split(r"[_\W]+", name) if w] or ["field"]
        if len("_".join(words)) > width and len(words) > 1:
            words = [w for w in words if w.lower() not in _STOP_WORDS] or words
        for word in sorted(set(words), key=len, reverse=True):
            if len("_".join(words)) <= width:
                break
            if word.lower() in _ABBREVIATIONS:
                words = [_ABBREVIATIONS[w.lower()] if w == word else w for w in words]
        while len("_".join(words)) > width:
            longest = max(range(len(words)), key=lambda i: (len(words[i]), i))
            word = words[longest]
            inner = [i for i, ch in enumerate(word[:-1]) if i > 0 and ch.lower() in "aeiou"]
            if inner and len(word) > 4:
                words[longest] = word[: inner[-1]] + word[inner[-1] + 1 :]
            elif len(word) > 2:
                words[longest] = word[:-1]
            else:
                words = ["".join(words)[:width]]
        short = "_".join(words)
        n = 1
        while short.lower() in used:
            n += 1
            short = f"{short[: width - len(str(n)) - 1]}_{n}"
        used.add(short.lower())
        out[name] = short
    return out


def _qmd(layer: Layer, options: ExportOptions) -> str:
    """QGIS layer metadata (.qmd), read by QGIS with the Shapefile."""
    meta = layer_metadata(layer, options)
    keywords = "".join(
        f"<keyword>{escape(v)}</keyword>" for v in (layer.group, meta.get("SYNTHETIC", "")) if v
    )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.0\">\n"
        f"  <identifier>{escape(layer.id)}</identifier>\n  <parentidentifier></parentidentifier>\n"
        f"  <language>{options.lang}</language>\n  <type>dataset</type>\n"
        f"  <title>{escape(meta['TITLE'])}</title>\n"
        f"  <abstract>{escape(_summary(layer, options.lang))}</abstract>\n"
        f'  <keywords vocabulary="socialatlas">{keywords}</keywords>\n'
        f"  <rights>{escape(layer.attribution)}</rights>\n"
        f"  <history>{escape(options.command)}</history>\n"
        f"  <history>exported {escape(options.exported)}; data vintage {escape(layer.vintage)}</history>\n"
        "</qgis>\n"
    )


@register_exporter("shp", suffix=".shp", single_file=False)
def export_shp(layers: Sequence[Layer], folder: Path, options: ExportOptions) -> list[Path]:
    """One Shapefile per layer with .cpg, .qml, .sld, .qmd and a ``<layer>_fields.csv`` name map."""
    written = []
    for layer in layers:
        attributes = _attributes(layer.data)
        for column in attributes.columns:
            if pd.api.types.is_datetime64_any_dtype(attributes[column].dtype):
                attributes[column] = attributes[column].dt.strftime("%Y-%m-%dT%H:%M:%S")
            elif pd.api.types.is_bool_dtype(attributes[column].dtype):
                attributes[column] = attributes[column].astype("Int64")
        names = short_names([str(c) for c in attributes.columns])
        attributes = attributes.rename(columns=names)
        path = folder / f"{layer.id}.shp"
        if layer.kind == "table":
            pyogrio.write_dataframe(
                attributes, folder / f"{layer.id}.dbf", driver="ESRI Shapefile", encoding="UTF-8"
            )
            path = folder / f"{layer.id}.dbf"
        else:
            frame = _vector(layer, options.crs)
            data = gpd.GeoDataFrame(attributes, geometry=frame.geometry.to_numpy(), crs=frame.crs)
            pyogrio.write_dataframe(
                data, path, driver="ESRI Shapefile", encoding="UTF-8", promote_to_multi=True
            )
            named = {"": layer.style} if layer.style is not None else {}
            for style_name, style in {**named, **layer.styles}.items():  # <id>.qml is QGIS' default
                stem = f"{layer.id}.{_slug(style_name)}" if style_name else layer.id
                title = style.title.get(options.lang) or layer.text("title", options.lang)
                style = style.renamed(names)
                (folder / f"{stem}.qml").write_text(style.qml(options.lang), encoding="utf-8")
                (folder / f"{stem}.sld").write_text(
                    style.sld(options.lang, name=layer.id, title=title), encoding="utf-8"
                )
        (folder / f"{layer.id}.qmd").write_text(_qmd(layer, options), encoding="utf-8")
        pd.DataFrame({"field": list(names), "shapefile_field": list(names.values())}).to_csv(
            folder / f"{layer.id}_fields.csv", index=False, encoding="utf-8"
        )
        written += sorted(
            p for p in folder.iterdir() if p.name.split(".")[0] in (layer.id, f"{layer.id}_fields")
        )
    return written


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "style"


def _table_with_coordinates(layer: Layer, crs: CRS) -> pd.DataFrame:
    """Attributes plus x/y (points) or WKT (other geometries) in ``crs``."""
    if layer.kind == "table":
        return _attributes(layer.data)
    frame = _vector(layer, crs)
    attributes = _attributes(frame)
    geoms = frame.geometry.to_numpy()
    decimals = 7 if crs.is_geographic else 2
    x_name, y_name = ("longitude", "latitude") if crs.is_geographic else ("x", "y")
    type_ids = shapely.get_type_id(geoms)
    if layer.kind == "points" and np.isin(type_ids, [0, -1]).all():
        coords = shapely.get_coordinates(geoms[type_ids == 0])
        x = np.full(len(geoms), np.nan)
        y = np.full(len(geoms), np.nan)
        x[type_ids == 0], y[type_ids == 0] = coords[:, 0].round(decimals), coords[:, 1].round(decimals)
        return attributes.assign(**{x_name: x, y_name: y})
    return attributes.assign(WKT=shapely.to_wkt(geoms, rounding_precision=decimals, trim=True))


@register_exporter("csv", suffix=".csv", single_file=False)
def export_csv(layers: Sequence[Layer], folder: Path, options: ExportOptions) -> list[Path]:
    """One UTF-8 CSV per layer, with a CSVW metadata file (``<layer>.csv-metadata.json``) beside it."""
    written = []
    for layer in layers:
        table = _table_with_coordinates(layer, options.crs)
        path = folder / f"{layer.id}.csv"
        table.to_csv(path, index=False, encoding="utf-8", date_format="%Y-%m-%dT%H:%M:%S")
        meta = layer_metadata(layer, options)
        described = {
            "@context": "http://www.w3.org/ns/csvw",
            "url": path.name,
            "dc:title": [{"@value": layer.text("title", lang), "@language": lang} for lang in LANGS],
            "dc:description": [
                {"@value": layer.text("description", lang), "@language": lang} for lang in LANGS
            ],
            "dc:source": layer.attribution,
            "dc:temporal": layer.vintage,
            "dc:created": options.exported,
            "prov:wasGeneratedBy": options.command,
            "socialatlas:metadata": meta,
            "tableSchema": {"columns": [{"name": str(c), "titles": str(c)} for c in table.columns]},
        }
        metadata_path = folder / f"{layer.id}.csv-metadata.json"
        metadata_path.write_text(json.dumps(described, ensure_ascii=False, indent=1), encoding="utf-8")
        written += [path, metadata_path]
    return written


# --- workbook -------------------------------------------------------------------------------------


def _sheet_names(ids: Sequence[str]) -> list[str]:
    names: list[str] = []
    for layer_id in ids:
        base = re.sub(r"[\[\]:*?/\\]", "_", layer_id)[:31]
        name, n = base, 1
        while name.lower() in {x.lower() for x in [*names, "metadata"]}:
            n += 1
            name = f"{base[: 31 - len(str(n)) - 1]}_{n}"
        names.append(name)
    return names


@register_exporter("xlsx", suffix=".xlsx", single_file=True)
def export_xlsx(layers: Sequence[Layer], path: Path, options: ExportOptions) -> list[Path]:
    """One workbook: a ``metadata`` sheet, then one sheet of attributes per layer (x/y for points)."""
    sheets = _sheet_names([layer.id for layer in layers])
    rows = []
    for layer, sheet in zip(layers, sheets, strict=True):
        note = "" if layer.kind in ("table", "points") else "geometries: see the GeoPackage export"
        rows.append(
            {
                "sheet": sheet,
                "layer": layer.id,
                "rows": len(layer.data),
                **layer_metadata(layer, options),
                "NOTE": note,
            }
        )
    path.unlink(missing_ok=True)  # GDAL creates the workbook with its first sheet
    metadata = pd.DataFrame(rows).astype(object)
    pyogrio.write_dataframe(metadata.where(metadata.notna(), ""), path, layer="metadata", driver="XLSX")
    for layer, sheet in zip(layers, sheets, strict=True):
        table = (
            _table_with_coordinates(layer, options.crs) if layer.kind == "points" else _attributes(layer.data)
        )
        pyogrio.write_dataframe(table, path, layer=sheet, driver="XLSX", append=False)
    return [path]
