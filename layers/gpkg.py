"""The GeoPackage export: all layers in one GeoPackage 1.3 with their QGIS styles and metadata.

The GeoPackage is written directly with one SQLite connection in one transaction (geometries as
GeoPackage binary from shapely's WKB; spatial index, triggers and metadata tables as GDAL lays them
out): opening a GeoPackage with GDAL once per layer costs more and more as layers accumulate (over
half a minute for 200 layers of sectors). Layers built on the same geometries (indicator layers of
one frame) share their encoded geometries, and their R-tree is copied rather than rebuilt.
``python3 bench/export.py`` compares the two.

Each vector layer's QGIS style (QML) and SLD go in ``layer_styles`` as its default style, the same
in the other languages and the layer's other named styles (``Layer.styles``) as alternatives;
metadata in ``gpkg_metadata`` (GDAL's layout, so GDAL and QGIS show it) and ``gpkg_contents``;
tables as attribute tables. :func:`layers.export.export` registers :func:`export_gpkg` as ``gpkg``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.crs import WGS84
from layers.layer import LANGS, Layer
from layers.metadata import SYNTHETIC_NOTICE, ExportOptions, layer_metadata, summary

GEOMETRY_COLUMN = "geom"


def _project(geoms: np.ndarray, source: CRS, target: CRS) -> np.ndarray:
    """Geometries (an array) from ``source`` to ``target`` CRS."""
    if source.equals(target):
        return geoms
    return gpd.GeoSeries(geoms, crs=source).to_crs(target).to_numpy()


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
            (name, identifier, summary(layer, options.lang), _now()),
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
            (name, identifier, summary(layer, options.lang), _now(), *extent, srs_id),
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
