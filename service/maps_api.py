"""Maps, reports, styles and downloads over HTTP.

- ``/maps/{layerId}.pdf`` and ``.png``: a printed map page of any catalogue layer, its map kind
  chosen from the layer (points: ``sites``; styled polygons: ``choropleth``; proportional symbols:
  ``proportional``), zoomed with ``focus=``, in ``lang``, ``size`` and ``orientation``;
- ``/reports/study-area.pdf``: the diagnostic report of a study area (:mod:`maps.report`);
- ``/collections/{id}/styles/{qml|sld|maplibre}``: a layer's style as QGIS, SLD or MapLibre;
- ``/export.gpkg?layer=a&layer=b``: chosen layers in one GeoPackage with their QGIS styles.

Maps, reports and GeoPackages are costly: each is one job of the app's
:class:`service.limits.RenderLimiter` (429 with Retry-After beyond it), made in a private temporary
folder (:mod:`service.files`) and kept in a small cache of made files (same request, same day, same
bytes). Parameters are checked before a job starts, so a wrong request costs no token.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, g, request, url_for

from geo.errors import InputError, SourceNotFoundError
from layers.layer import Layer
from maps.frame import BaseMap, find_unit
from maps.kinds import make_map
from maps.page import ORIENTATIONS, PAPER, PageSpec, save_pdf, save_png
from maps.report import ReportSpec, write_report
from service.diagnostics_api import area_request
from service.files import exported, made, read_all, send
from service.limits import drawing
from service.params import check_params, parse_list
from service.state import limiter, state

bp = Blueprint("maps", __name__)

MAP_PARAMS = ("focus", "lang", "size", "orientation", "indicator")
REPORT_PARAMS = ("area", "ring", "theme", "name", "lang", "size")
STYLE_FORMATS = {
    "qml": ("application/xml", "qml"),
    "sld": ("application/vnd.ogc.sld+xml", "sld"),
    "maplibre": ("application/json", "json"),
}
MAX_EXPORT_LAYERS = 40
PNG_DPI = 150


def _client() -> str:
    return request.remote_addr or "unknown"


def _layers() -> list[Layer]:
    return [collection.layer for collection in state().collections.values()]


def _layer(layer_id: str) -> Layer:
    found = state().collections.get(layer_id)
    if found is None:
        raise SourceNotFoundError(f"no layer {layer_id!r}; the layers are those of /collections")
    return found.layer


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.args.get(name, default)
    if value not in allowed:
        raise InputError(f"{name} {value[:20]!r}: give one of {', '.join(allowed)}")
    return value


def map_kind(layer: Layer) -> str:
    """The map kind drawing ``layer``: sites for points, choropleth or proportional for polygons."""
    if layer.kind == "points":
        return "sites"
    if layer.kind != "polygons" or layer.style is None:
        raise InputError(f"layer {layer.id!r} is a table; only layers with geometries make maps")
    return "proportional" if layer.style.kind == "proportional" else "choropleth"


def styled(layer: Layer, indicator: str | None) -> Layer:
    """``layer`` drawn with its named style ``indicator`` (an indicator layer's other indicators)."""
    if indicator is None or indicator == layer.extra.get("indicator"):
        return layer
    if indicator not in layer.styles:
        named = [layer.extra["indicator"], *layer.styles] if layer.extra.get("indicator") else []
        raise InputError(
            f"indicator {indicator[:40]!r}: layer {layer.id!r} "
            + (f"has the indicators {', '.join(named)}" if named else "has no other style")
        )
    style = layer.styles[indicator]
    title = {lang: f"{text} — {style.title.get(lang) or indicator}" for lang, text in layer.title.items()}
    return replace(layer, style=style, title=title)


def _cached(key: tuple[object, ...], make: Callable[[], bytes]) -> bytes:
    """The file ``make()`` makes, from the cache of made files when the same was asked today."""
    key = (*key, dt.date.today().isoformat())
    found = state().outputs.get(key)
    if found is not None:
        return found
    with limiter().job(_client()):
        data = make()
    state().outputs.put(key, data)
    return data


@bp.get("/maps/<layer_id>.pdf")
def map_pdf(layer_id: str) -> Response:
    """A printed map page of a layer, as PDF."""
    return _map(layer_id, "pdf")


@bp.get("/maps/<layer_id>.png")
def map_png(layer_id: str) -> Response:
    """A printed map page of a layer, as a PNG image (150 dpi)."""
    return _map(layer_id, "png")


def _map(layer_id: str, fmt: str) -> Response:
    check_params(request.args.keys(), MAP_PARAMS, where=request.path)
    layer = styled(_layer(layer_id), request.args.get("indicator"))
    kind = map_kind(layer)
    spec = PageSpec(
        lang=g.lang,
        size=_choice("size", tuple(PAPER), "A4"),
        orientation=_choice("orientation", ORIENTATIONS, "auto"),
        focus=request.args.get("focus") or None,
    )
    layers = [layer if other.id == layer.id else other for other in _layers()]
    base = BaseMap.from_layers(layers)
    if spec.focus is not None:
        find_unit(base, spec.focus)  # an unknown unit is refused before any drawing

    def make() -> bytes:
        with drawing():
            figure = make_map(kind, layers, spec, base=base, layer=layer.id)
            if fmt == "pdf":
                return read_all(made(lambda path: save_pdf(figure, path), "map.pdf"))
            return read_all(made(lambda path: save_png(figure, path, dpi=PNG_DPI), "map.png"))

    key = (
        "map",
        layer_id,
        fmt,
        request.args.get("indicator"),
        spec.focus,
        spec.lang,
        spec.size,
        spec.orientation,
    )
    return send(_cached(key, make), fmt, f"{layer_id}.{fmt}", inline=True)


@bp.get("/reports/study-area.pdf")
def report() -> Response:
    """The diagnostic report of a study area (its neighbourhoods or sectors, ``area=`` repeated)."""
    check_params(request.args.keys(), REPORT_PARAMS, where=request.path)
    found = area_request()
    spec = ReportSpec(lang=g.lang, size=_choice("size", tuple(PAPER), "A4"))
    spec.validate()
    analysis = state().analysis
    base = BaseMap.from_layers(_layers())

    def make() -> bytes:
        result = analysis.area(found)

        def write(path: Path) -> None:
            write_report(
                result,
                base,
                path,
                spec=spec,
                provenance=analysis.inputs.provenance,
                synthetic=analysis.synthetic,
                workers=1,
            )

        with drawing():
            return read_all(made(write, "report.pdf"))

    data = _cached(("report", found, spec.lang, spec.size), make)
    return send(data, "pdf", "study-area-report.pdf", inline=True)


@bp.get("/collections/<collection_id>/styles/<fmt>")
def style(collection_id: str, fmt: str) -> Response:
    """The style of a layer as a QGIS style (qml), an SLD (sld) or a MapLibre style (maplibre)."""
    check_params(request.args.keys(), ("lang", "indicator"), where=request.path)
    if fmt not in STYLE_FORMATS:
        raise SourceNotFoundError(f"no style format {fmt[:20]!r}; give one of {', '.join(STYLE_FORMATS)}")
    layer = styled(_layer(collection_id), request.args.get("indicator"))
    if layer.style is None:
        raise SourceNotFoundError(f"layer {collection_id!r} is a table; it has no style")
    mimetype, suffix = STYLE_FORMATS[fmt]
    key = (collection_id, request.args.get("indicator") or "", fmt, g.lang)
    text = state().styles.get(key)
    if text is None:
        text = _style_text(layer, fmt, g.lang)
        state().styles[key] = text
    name = collection_id + (f"_{request.args['indicator']}" if request.args.get("indicator") else "")
    headers = {"Content-Disposition": f'attachment; filename="{name}.{suffix}"'}
    return Response(text, mimetype=mimetype, headers=headers)


def _style_text(layer: Layer, fmt: str, lang: str) -> str:
    assert layer.style is not None
    if fmt == "qml":
        return layer.style.qml(lang)
    if fmt == "sld":
        return layer.style.sld(lang, name=layer.id, title=layer.text("title", lang))
    items = url_for(
        "features.items", collection_id=layer.id, limit=state().settings.max_limit, _external=True
    )
    document: dict[str, Any] = {
        "version": 8,
        "name": layer.text("title", lang),
        "metadata": {"socialatlas:synthetic": layer.synthetic, "socialatlas:vintage": layer.vintage},
        "sources": {layer.id: {"type": "geojson", "data": items, "attribution": layer.attribution}},
        "layers": [layer.style.maplibre(lang, id=layer.id, source=layer.id)],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


@bp.get("/export.gpkg")
def export_gpkg() -> Response:
    """Chosen layers (``layer=`` repeated) in one GeoPackage, each with its QGIS styles."""
    check_params(request.args.keys(), ("layer", "lang"), where=request.path)
    wanted = parse_list(request.args.getlist("layer"))
    if not wanted:
        raise InputError("layer: give the layers to export, layer=sectors&layer=sites (ids of /collections)")
    if len(wanted) > MAX_EXPORT_LAYERS:
        raise InputError(f"layer: {len(wanted)} layers; export at most {MAX_EXPORT_LAYERS} at once")
    unknown = [w for w in wanted if w not in state().collections]
    if unknown:
        raise InputError(
            f"layer: no layer {', '.join(map(repr, unknown[:5]))}; the layers are those of /collections"
        )
    layers = [_layer(w) for w in wanted]
    command = f"GET {request.full_path.rstrip('?')}"
    with limiter().job(_client()):
        handle = exported(layers, "gpkg", lang=g.lang, command=command)
    name = wanted[0] if len(wanted) == 1 else "layers"
    return send(handle, "gpkg", f"{name}.gpkg")
