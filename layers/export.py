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

The GeoPackage writer is in :mod:`layers.gpkg`; what every format says about a layer in
:mod:`layers.metadata`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
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
from layers.gpkg import export_gpkg
from layers.layer import LANGS, Layer
from layers.metadata import SYNTHETIC_NOTICE, ExportOptions, layer_metadata, summary

__all__ = [  # the exporters, and the names the GeoPackage writer and metadata moved out of here
    "EXPORTERS",
    "SYNTHETIC_NOTICE",
    "ExportOptions",
    "Format",
    "Writer",
    "export",
    "export_csv",
    "export_fgb",
    "export_geojson",
    "export_gpkg",
    "export_shp",
    "export_xlsx",
    "layer_metadata",
    "register_exporter",
    "short_names",
]

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


# --- tables and geometries for the file formats --------------------------------------------------


def _vector(layer: Layer, crs: CRS) -> gpd.GeoDataFrame:
    data = layer.data
    assert isinstance(data, gpd.GeoDataFrame)
    return data if data.crs is not None and data.crs.equals(crs) else data.to_crs(crs)


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


register_exporter("gpkg", suffix=".gpkg", single_file=True)(export_gpkg)  # see layers.gpkg


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
                "DESCRIPTION": summary(layer, options.lang),
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
        f"  <abstract>{escape(summary(layer, options.lang))}</abstract>\n"
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
