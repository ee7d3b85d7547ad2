"""Reading the files users bring: vector layers and tables, with errors that name the file.

Vector layers (GeoJSON, GeoPackage, Shapefile, FlatGeobuf, anything GDAL reads) come back as
GeoDataFrames with their declared CRS checked against their coordinates; tables (CSV in UTF-8 or
cp1252 with any common delimiter, XLSX) come back as DataFrames of text and numbers.
"""

from __future__ import annotations

import csv
import warnings
from collections.abc import Sequence
from io import StringIO
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from geo._validate import require_columns
from geo.crs import check_declared_crs
from geo.errors import CRSError, InputError, SourceNotFoundError

VECTOR_HINT = "a vector file GDAL reads (GeoJSON, GeoPackage, Shapefile, FlatGeobuf)"


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise SourceNotFoundError(f"{path}: no such file; check the path")
    if path.is_dir() and path.suffix.lower() != ".gdb":
        raise InputError(f"{path}: is a folder, not a file")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    return path


def read_vector(path: str | Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read one vector layer, checking that it exists, has features and a believable CRS.

    Parameters
    ----------
    path
        The file.
    layer
        The layer to read in a multi-layer source (GeoPackage); the first layer when omitted.

    Raises
    ------
    SourceNotFoundError
        The file or the layer does not exist.
    InputError
        The file is not a vector file, or has no features.
    CRSError
        The file declares no CRS, or coordinates contradict the declared CRS.
    """
    path = _existing(path)
    if layer is not None:
        try:
            layers = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
        except (DataSourceError, DataLayerError):
            raise InputError(f"{path}: cannot be read as {VECTOR_HINT}") from None
        if layer not in layers:
            raise SourceNotFoundError(f"{path}: no layer {layer!r}; its layers are {', '.join(layers)}")
    try:
        with warnings.catch_warnings():  # mixed-type GeoJSON properties: read as text, checked later
            warnings.filterwarnings("ignore", "Could not parse column", UserWarning)
            frame = pyogrio.read_dataframe(path, layer=layer)
    except (DataSourceError, DataLayerError) as error:
        raise InputError(f"{path}: cannot be read as {VECTOR_HINT} ({error})") from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.isna().all():
        raise InputError(f"{path}: has no geometries; give {VECTOR_HINT}")
    if frame.empty:
        raise InputError(f"{path}: has no features")
    if frame.crs is None:
        raise CRSError(
            f"{path}: declares no coordinate reference system; "
            "save it with its CRS (e.g. EPSG:31370 or EPSG:4326)"
        )
    xmin, ymin, xmax, ymax = (frame.geometry.bounds[c].to_numpy() for c in ("minx", "miny", "maxx", "maxy"))
    check_declared_crs(np.r_[xmin, xmax], np.r_[ymin, ymax], frame.crs, where=str(path))
    return frame


def _sniff_delimiter(sample: str) -> str:
    """The delimiter most frequent in the header line (data lines may hold decimal commas)."""
    header = sample.splitlines()[0] if sample else ""
    counts = {d: header.count(d) for d in (";", "\t", ",", "|")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] and list(counts.values()).count(counts[best]) == 1:
        return best
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_table(path: str | Path, *, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV (UTF-8 or cp1252, delimiter detected) or an XLSX sheet as a DataFrame.

    Every column is read as text first, so that codes such as ``01234`` keep their zeros;
    callers convert the columns they know to numbers with :func:`numeric_column`.
    """
    path = _existing(path)
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        try:
            frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=str)
        except ValueError as error:
            raise InputError(f"{path}: {error}") from None
        except Exception as error:  # openpyxl raises many types for broken files
            raise InputError(f"{path}: cannot be read as an XLSX workbook ({error})") from None
    else:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        if "\x00" in text[:4096]:
            raise InputError(f"{path}: is a binary file, not a CSV table")
        delimiter = _sniff_delimiter(text[:8192])
        try:
            frame = pd.read_csv(
                StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, na_values=[""]
            )
        except pd.errors.EmptyDataError:
            raise InputError(f"{path}: the table is empty") from None
        except pd.errors.ParserError as error:
            raise InputError(f"{path}: cannot be read as a CSV table ({error})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise InputError(f"{path}: the table has a header but no rows")
    return frame


def parse_numbers(
    frame: pd.DataFrame, column: str, *, missing: Sequence[str] = ()
) -> tuple[pd.Series, np.ndarray]:
    """Convert a text column to numbers, accepting decimal commas.

    Values listed in ``missing`` (codes such as ``ND`` or ``VS`` for unavailable or suppressed
    figures) and empty cells become NaN. Returns the numbers and a mask of the rows holding
    anything else (NaN in the numbers).
    """
    text = frame[column].astype("string").str.strip()
    text = text.mask(text.isin(list(missing))).str.replace(",", ".", regex=False)
    values = pd.to_numeric(text, errors="coerce")
    return values.astype(float), (values.isna() & text.notna()).to_numpy()


def describe_rows(frame: pd.DataFrame, column: str, mask: np.ndarray, *, most: int = 10) -> str:
    """``row 5 ('abc'), row 9 ('?') and 3 more``: rows as a user sees them in a spreadsheet."""
    positions = np.flatnonzero(mask)
    text = ", ".join(f"row {i + 2} ({frame[column].iloc[i]!r})" for i in positions[:most])
    return text + (f" and {positions.size - most} more" if positions.size > most else "")


def numeric_column(frame: pd.DataFrame, column: str, *, where: str, missing: Sequence[str] = ()) -> pd.Series:
    """Like :func:`parse_numbers`, but any non-numeric value is an error listing the rows."""
    values, bad = parse_numbers(frame, column, missing=missing)
    if bad.any():
        raise InputError(f"{where}: column {column!r} must hold numbers: {describe_rows(frame, column, bad)}")
    return values


def indicators_from_file(
    file: Path, columns: dict[str, str], *, missing: Sequence[str] = ()
) -> tuple[pd.DataFrame, list[str]]:
    """Read indicators in long form: one row per unit, indicator and year.

    Returns ``unit_code, source_label, unit, year, value`` and notes. Rows without a value, or
    with one of the ``missing`` codes (unavailable, suppressed), are dropped; rows with any other
    non-numeric value are dropped too and each is named in the notes.
    """
    table = read_table(file)
    require_columns(table, columns, where=str(file))
    where = str(file)
    out = pd.DataFrame(
        {
            "unit_code": table[columns["unit_code"]].astype("string").str.strip(),
            "source_label": table[columns["indicator"]].astype("string").str.strip(),
            "unit": table[columns["unit"]].astype("string").str.strip(),
            "year": numeric_column(table, columns["year"], where=where),
        }
    )
    out["value"], bad = parse_numbers(table, columns["value"], missing=missing)
    notes = (
        [
            f"{where}: {int(bad.sum())} row(s) left out, their {columns['value']!r} is not a number: "
            f"{describe_rows(table, columns['value'], bad)}"
        ]
        if bad.any()
        else []
    )
    out = out[out["value"].notna()]
    if out["year"].isna().any():
        raise InputError(
            f"{where}: column {columns['year']!r} is empty in "
            f"{int(out['year'].isna().sum())} row(s) that have a value"
        )
    out["year"] = out["year"].astype("int64")
    key = ["unit_code", "source_label", "year"]
    repeated = out.duplicated(keep="first")
    if repeated.any():
        notes.append(f"{where}: {int(repeated.sum())} exact duplicate row(s) left out")
        out = out[~repeated]
    clash = out.duplicated(key, keep=False)
    if clash.any():
        units = ", ".join(sorted(out.loc[clash, "unit_code"].unique()))
        notes.append(
            f"{where}: {int(clash.sum())} row(s) give different values for the same unit, "
            f"indicator and year (units {units}); these values are ambiguous and left out"
        )
        out = out[~clash]
    return out.reset_index(drop=True), notes
