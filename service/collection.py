"""A layer of the catalogue as the API serves it: features in a stable order, ready to page and filter.

Built once per layer when the app is created: feature ids (the unit code, the site id, or a row
number) in ascending order and bounding boxes as a numpy array for the ``bbox`` filter; each
feature's GeoJSON text is made on first use and cached per output CRS. The workspace does not
change while it is served, so none of this is ever invalidated.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo.crs import METRIC
from geo.errors import InputError
from layers.layer import Layer
from service import cql2
from service.params import CRS84, STORAGE_CRS, SUPPORTED_CRS, lat_first

ID_COLUMNS = ("code", "site_id", "id")
# coordinates are rounded to about a centimetre
DECIMALS = {"degrees": 7, "metres": 2}


def json_type(dtype: Any) -> str:
    """The JSON Schema type of a column."""
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    return "string"


def plain_rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as dicts of JSON-ready Python values (None for missing and non-finite numbers)."""
    columns: dict[str, list[object]] = {}
    for name in frame.columns:
        values: list[object]
        series = frame[name]
        if pd.api.types.is_bool_dtype(series.dtype):
            values = [None if pd.isna(v) else bool(v) for v in series]
        elif pd.api.types.is_integer_dtype(series.dtype):
            values = [None if pd.isna(v) else int(v) for v in series]
        elif pd.api.types.is_numeric_dtype(series.dtype):
            floats = series.astype(float).to_numpy()
            values = [float(v) if np.isfinite(v) else None for v in floats]
        else:
            values = [None if _missing(v) else str(v) for v in series]
        columns[str(name)] = values
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _missing(value: object) -> bool:
    return (
        value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value))
    )


def _text(value: object) -> str:
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Properties with one JSON type per column: booleans, integers, numbers (no infinity) or text.

    Object columns are typed from their values (``None`` aside); anything else becomes text, so
    the type announced in the queryables and the OpenAPI document is the one every value has.
    """
    columns = {}
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_float_dtype(series.dtype):
            series = series.where(np.isfinite(series.astype(float)))  # infinity is written null
        elif not (pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype)):
            kind = pd.api.types.infer_dtype(series, skipna=True)
            if kind == "boolean":
                series = series.astype("boolean")
            elif kind == "integer":
                series = series.astype("Int64")
            elif kind in ("floating", "mixed-integer-float", "decimal"):
                numbers = pd.to_numeric(series, errors="coerce").astype(float)
                series = numbers.where(np.isfinite(numbers))
            elif kind != "string":
                series = pd.Series(
                    [None if _missing(v) else _text(v) for v in series], index=series.index, dtype=object
                )
        columns[str(name)] = series
    return pd.DataFrame(columns, index=frame.index)


def _feature_ids(frame: pd.DataFrame) -> np.ndarray:
    for name in ID_COLUMNS:
        if name in frame.columns:
            values = frame[name]
            if values.notna().all() and values.is_unique and (values.astype(str).str.len() > 0).all():
                return values.astype(str).to_numpy(dtype=object)
    return np.arange(1, len(frame) + 1, dtype=np.int64)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Collection:
    """One served layer. Positions (0…n-1) follow the feature ids in ascending order."""

    layer: Layer
    ids: np.ndarray  # str (object) or int64, ascending
    properties: pd.DataFrame  # the queryables, in id order
    geometry: np.ndarray | None  # shapely geometries in EPSG:31370 (None: a table)
    bounds: np.ndarray  # (n, 4) xmin, ymin, xmax, ymax in EPSG:31370; NaN without geometry
    _by_id: dict[str, int]
    _features: dict[str, list[str]] = field(default_factory=dict)
    _types: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def id(self) -> str:
        return self.layer.id

    @property
    def has_geometry(self) -> bool:
        return self.geometry is not None

    def __len__(self) -> int:
        return len(self.ids)

    def types(self) -> dict[str, str]:
        """Property name → JSON Schema type (worked out once: the properties never change)."""
        if not self._types:
            self._types.update(
                {str(name): json_type(dtype) for name, dtype in self.properties.dtypes.items()}
            )
        return self._types

    def extent(
        self, crs_uri: str | None = None, *, margin: float = 0.0
    ) -> tuple[float, float, float, float] | None:
        """Bounding box of the features (x/longitude first) in ``crs_uri`` (default: EPSG:31370).

        ``margin`` (metres) widens the box before it is transformed. None for a table or a layer
        whose features all lack a geometry.
        """
        finite = np.isfinite(self.bounds).all(axis=1)
        if not finite.any():
            return None
        b = self.bounds[finite]
        box = (
            float(b[:, 0].min()) - margin,
            float(b[:, 1].min()) - margin,
            float(b[:, 2].max()) + margin,
            float(b[:, 3].max()) + margin,
        )
        if crs_uri is None or SUPPORTED_CRS[crs_uri][0] == 31370:
            return box
        to = _transformer(STORAGE_CRS, crs_uri)
        return tuple(float(v) for v in to.transform_bounds(*box, densify_pts=21))  # type: ignore[return-value]

    def position(self, feature_id: str) -> int | None:
        """Position of a feature from its id as written in a URL."""
        return self._by_id.get(feature_id)

    def features_json(self, crs_uri: str) -> list[str]:
        """Each feature as GeoJSON text with coordinates in ``crs_uri`` (cached per CRS)."""
        cached = self._features.get(crs_uri)
        if cached is not None:
            return cached
        with self._lock:
            if crs_uri not in self._features:
                self._features[crs_uri] = self._serialise(crs_uri)
            return self._features[crs_uri]

    def _serialise(self, crs_uri: str) -> list[str]:
        if self.geometry is None:
            geometry_json = ["null"] * len(self)
        else:
            series = gpd.GeoSeries(self.geometry, crs=METRIC)
            epsg = SUPPORTED_CRS[crs_uri][0]
            if epsg != 31370:
                series = series.to_crs(epsg)
            decimals = DECIMALS["degrees" if epsg == 4326 else "metres"]
            swap = lat_first(crs_uri)

            def round_xy(coords: np.ndarray) -> np.ndarray:
                coords = np.round(coords, decimals)
                return coords[:, ::-1] if swap else coords

            geometries = shapely.transform(series.to_numpy(), round_xy)
            geometry_json = [g if g is not None else "null" for g in shapely.to_geojson(geometries)]
        properties_json = [_dumps(row) for row in plain_rows(self.properties)]
        return [
            f'{{"type":"Feature","id":{_dumps(self._id_value(i))},"geometry":{g},"properties":{p}}}'
            for i, (g, p) in enumerate(zip(geometry_json, properties_json, strict=True))
        ]

    def _id_value(self, position: int) -> str | int:
        value = self.ids[position]
        return value if isinstance(value, str) else int(value)

    def select(
        self,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        bbox_crs: str = CRS84,
        equals: dict[str, str] | None = None,
        filter_text: str | None = None,
    ) -> np.ndarray:
        """Positions of the features matching every condition, ascending (so in feature id order).

        Parameters
        ----------
        bbox
            (xmin, ymin, xmax, ymax), easting/longitude first, in ``bbox_crs``; features whose
            geometry intersects it are kept.
        equals
            Property → value as text: features whose property equals the value.
        filter_text
            A CQL2-text filter over the properties.
        """
        keep = np.ones(len(self), dtype=bool)
        if bbox is not None:
            keep &= self._in_bbox(bbox, bbox_crs)
        for name, text in (equals or {}).items():
            keep &= cql2.to_mask(
                cql2.Comparison("=", cql2.Property(name), self._literal(name, text)), self.properties
            )
        if filter_text is not None:
            keep &= cql2.filter_mask(filter_text, self.properties)
        return np.flatnonzero(keep)

    def _literal(self, name: str, text: str) -> cql2.Literal:
        kind = json_type(self.properties[name].dtype)
        if kind == "boolean":
            if text.lower() not in ("true", "false"):
                raise InputError(f"{name} {text[:40]!r}: give true or false")
            return cql2.Literal(text.lower() == "true")
        if kind in ("integer", "number"):
            try:
                value = float(text)
            except ValueError:
                raise InputError(f"{name} {text[:40]!r}: {name} holds numbers; give a number") from None
            return cql2.Literal(value)
        return cql2.Literal(text)

    def _in_bbox(self, bbox: tuple[float, float, float, float], bbox_crs: str) -> np.ndarray:
        if self.geometry is None:
            raise InputError(f"bbox: collection {self.id!r} is a table without geometry")
        x0, y0, x1, y1 = bbox
        boxes = [bbox] if x0 <= x1 else [(x0, y0, 180.0, y1), (-180.0, y0, x1, y1)]
        keep = np.zeros(len(self), dtype=bool)
        extent = self.extent(bbox_crs, margin=1000.0)  # the data, with room to spare
        if extent is None:
            return keep
        to = _transformer(bbox_crs, STORAGE_CRS)

        def to_metric(coords: np.ndarray) -> np.ndarray:
            return np.column_stack(to.transform(coords[:, 0], coords[:, 1]))

        for box in boxes:
            area = shapely.box(*box).intersection(shapely.box(*extent))  # data beyond: nothing to find
            if area.is_empty:
                continue
            if SUPPORTED_CRS[bbox_crs][0] != 31370:
                area = shapely.transform(shapely.segmentize(area, max(area.length / 400, 1e-9)), to_metric)
            ax0, ay0, ax1, ay1 = area.bounds
            b = self.bounds
            candidates = np.flatnonzero(
                (b[:, 0] <= ax1) & (b[:, 2] >= ax0) & (b[:, 1] <= ay1) & (b[:, 3] >= ay0)
            )
            if len(candidates):
                shapely.prepare(area)
                keep[candidates[shapely.intersects(area, self.geometry[candidates])]] = True
        return keep


@lru_cache(maxsize=32)
def _transformer(source: str, target: str) -> Transformer:
    """A (thread-safe, reused: building one takes long) transformer between served CRSs, x/lon first."""

    def crs(uri: str) -> object:
        return "OGC:CRS84" if uri == CRS84 else SUPPORTED_CRS[uri][0]

    return Transformer.from_crs(crs(source), crs(target), always_xy=True)


def collection_from_layer(layer: Layer) -> Collection:
    """The served form of a layer: sorted by feature id, serialised properties, bounding boxes."""
    data = layer.data
    geometry_name = data.geometry.name if isinstance(data, gpd.GeoDataFrame) else None
    if isinstance(data, gpd.GeoDataFrame) and data.crs is not None and not data.crs.equals(METRIC):
        data = data.to_crs(METRIC)
    ids = _feature_ids(data)
    order = np.argsort(ids, kind="stable")
    data = data.iloc[order].reset_index(drop=True)
    ids = ids[order]
    properties = _normalise(pd.DataFrame(data.drop(columns=[geometry_name] if geometry_name else [])))
    geometry = data.geometry.to_numpy() if geometry_name else None
    if geometry is not None:
        geometry = np.array([None if g is None or g.is_empty else g for g in geometry], dtype=object)
        bounds = shapely.bounds(geometry)
    else:
        bounds = np.full((len(data), 4), np.nan)
    return Collection(
        layer=layer,
        ids=ids,
        properties=properties,
        geometry=geometry,
        bounds=bounds,
        _by_id={str(v): i for i, v in enumerate(ids)},
    )
