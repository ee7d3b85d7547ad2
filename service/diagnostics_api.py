"""Diagnostics over HTTP: themes, the stored indicators, the under-served units, study areas.

- ``/diagnostics/themes``: the themes with their labels in the request's language;
- ``/diagnostics/indicators``: rows of the stored indicator table (``socialatlas diagnose W``) by
  theme, level and unit code, as JSON, CSV or XLSX;
- ``/diagnostics/underserved``: the units of a level ranked by their under-served score (status ok
  only), with the score's weights and inputs;
- ``/diagnostics/study-area``: the diagnostic of a study area made of neighbourhoods or sectors
  (GET, ``area=`` repeated) or of a posted GeoJSON polygon (POST), computed on the request
  (:func:`diagnostics.study_area.diagnose_area`) and cached, as JSON, CSV, XLSX or a GeoPackage.

Views parse (``service.params``), select or compute (``service.analysis``) and write; every
stored value is written as stored (JSON ``null`` for a missing number).
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np
import pandas as pd
import shapely
from flask import Blueprint, Response, g, request, url_for
from pyproj import Transformer
from werkzeug.exceptions import UnsupportedMediaType

from diagnostics.outputs import TITLES, area_tables
from diagnostics.study_area import RING, AreaDiagnostic
from geo.errors import InputError, SourceNotFoundError
from layers.catalogue import LEVEL_TITLES, result_layers
from layers.layer import LANGS
from service.analysis import Analysis, AreaRequest, StoredDiagnostic, score_inputs
from service.collection import plain_rows
from service.files import exported, read_all, send
from service.hooks import cacheable
from service.params import check_params, parse_limit, parse_list, parse_number, parse_polygon
from service.state import limiter, state

bp = Blueprint("diagnostics", __name__, url_prefix="/diagnostics")

JSON = "application/json"
FORMATS = ("json", "csv", "xlsx")
AREA_FORMATS = ("json", "csv", "xlsx", "gpkg")
MAX_UNITS = 200
MAX_RING = 5000.0
MAX_VERTICES = 100_000
POLYGON_NAME = {"fr": "Zone d'étude", "nl": "Studiegebied", "en": "Study area"}
NO_DIAGNOSTIC = (
    "this workspace holds no stored diagnostic: run 'socialatlas diagnose WORKSPACE' and restart the "
    "service (or POST /admin/rebuild-diagnostics where writing is on)"
)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json(body: object) -> Response:
    return Response(_dumps(body), mimetype=JSON)


def _analysis() -> Analysis:
    return state().analysis


def _stored() -> StoredDiagnostic:
    stored = _analysis().stored
    if stored is None:
        raise SourceNotFoundError(NO_DIAGNOSTIC)
    return stored


def _format(allowed: tuple[str, ...]) -> str:
    wanted = request.args.get("f", "json")
    if wanted not in allowed:
        raise InputError(f"f {wanted[:20]!r}: give one of {', '.join(allowed)}")
    return wanted


def _provenance() -> dict[str, Any]:
    analysis = _analysis()
    return {"attribution": analysis.attribution, "vintage": analysis.vintage, "synthetic": analysis.synthetic}


def _client() -> str:
    return request.remote_addr or "unknown"


def _command() -> str:
    """The request, recorded in exported files as the command that made them."""
    return f"{request.method} {request.full_path.rstrip('?')}"


def _theme_label(theme: str, lang: str) -> dict[str, Any]:
    """Labels of a theme: from the stored diagnostic, else from the built-in themes."""
    stored = _analysis().stored
    if stored is not None and theme in stored.themes.index:
        row = stored.themes.loc[theme].to_dict()
        labels = {k: str(row.get(f"label_{k}") or row.get("label_fr")) for k in LANGS}
    else:
        labels = {k: _analysis().themes.themes[theme].label(k) for k in LANGS}
    return {"title": labels[lang], "labels": labels}


# --- themes -------------------------------------------------------------------------------------------


@bp.get("/themes")
@cacheable
def themes() -> Response:
    """The themes of the diagnostic with their labels, target population, catchment and supply."""
    check_params(request.args.keys(), ("lang", "f"), where=request.path)
    _format(("json",))
    analysis = _analysis()
    stored = analysis.stored
    results = []
    for theme in analysis.theme_ids():
        entry: dict[str, Any] = {"id": theme, **_theme_label(theme, g.lang)}
        if stored is not None:
            row = stored.themes.loc[theme].to_dict()
            entry |= {
                "target": str(row["target"]),
                "supply": str(row["supply"]),
                "sites": int(row["sites"]),
                "catchment_m": float(row["catchment_m"]),
                "walk_m": float(row["walk_m"]),
            }
        else:
            spec = analysis.themes.themes[theme]
            entry |= {
                "target": spec.target,
                "supply": spec.selector(),
                "catchment_m": spec.catchment,
                "walk_m": spec.walk,
            }
        entry["links"] = [
            {
                "rel": "indicators",
                "href": url_for("diagnostics.indicators", theme=theme, _external=True),
                "type": JSON,
            },
            {
                "rel": "underserved",
                "href": url_for("diagnostics.underserved", theme=theme, _external=True),
                "type": JSON,
            },
        ]
        results.append(entry)
    return _json({"stored": stored is not None, "themes": results, **_provenance()})


# --- indicators ---------------------------------------------------------------------------------------


def _levels(stored: StoredDiagnostic, wanted: list[str]) -> list[str]:
    unknown = [w for w in wanted if w not in stored.levels]
    if unknown:
        raise InputError(
            f"level: unknown level {', '.join(map(repr, unknown))}; levels are {', '.join(stored.levels)}"
        )
    return wanted


def _codes(stored: StoredDiagnostic, wanted: list[str], levels: list[str]) -> list[str]:
    if not wanted:
        return wanted
    known = [stored.codes[level] for level in (levels or stored.levels)]
    unknown = [w for w in wanted if not any(w in codes for codes in known)]
    if unknown:
        where = f"level {', '.join(levels)}" if levels else "any level"
        raise InputError(
            f"code: no unit of {where} has the code {', '.join(map(repr, unknown[:5]))}; "
            "codes are those of /collections/{level}/items (e.g. 21001A00-, 21001)"
        )
    return wanted


@bp.get("/indicators")
@cacheable
def indicators() -> Response:
    """Rows of the stored indicator table, by theme, level and unit code (each repeatable)."""
    check_params(request.args.keys(), ("theme", "level", "code", "f", "lang"), where=request.path)
    fmt = _format(FORMATS)
    stored = _stored()
    args = request.args
    themes = _analysis().check_themes(parse_list(args.getlist("theme")))
    levels = _levels(stored, parse_list(args.getlist("level")))
    codes = _codes(stored, parse_list(args.getlist("code")), levels)
    rows = stored.select(themes, levels, codes)
    if fmt == "csv":
        text = stored.table.iloc[rows].to_csv(index=False, lineterminator="\n")
        return send(text.encode("utf-8"), "csv", "indicators.csv")
    if fmt == "xlsx":
        tables = {
            "indicators": stored.table.iloc[rows].reset_index(drop=True),
            "definitions": stored.definitions.reset_index(),
        }
        with limiter().job(_client()):
            handle = exported(_layers(tables), "xlsx", lang=g.lang, command=_command())
        return send(read_all(handle), "xlsx", "indicators.xlsx")
    head = {
        "theme": themes or _analysis().theme_ids(),
        "level": levels or list(stored.levels),
        "numberReturned": len(rows),
        "indicators": stored.described[g.lang],
        **_provenance(),
    }
    text = _dumps(head)
    body = text[:-1] + ',"rows":[' + ",".join(stored.rows[i] for i in rows) + "]}"
    return Response(body, mimetype=JSON)


def _layers(tables: dict[str, pd.DataFrame]) -> list[Any]:
    analysis = _analysis()
    return result_layers(
        tables,
        TITLES,
        attribution=analysis.attribution,
        vintage=analysis.vintage,
        synthetic=analysis.synthetic,
    )


# --- under-served units -------------------------------------------------------------------------------


@bp.get("/underserved")
@cacheable
def underserved() -> Response:
    """The units of a level ranked by their under-served score, most under-served first."""
    check_params(request.args.keys(), ("theme", "level", "limit", "f", "lang"), where=request.path)
    _format(("json",))
    stored = _stored()
    args = request.args
    if not args.get("theme"):
        raise InputError(f"theme: give one theme; themes are {', '.join(_analysis().theme_ids())}")
    theme = _analysis().check_themes([args["theme"]])[0]
    level = _levels(stored, [args.get("level", "sectors")])[0]
    if level == "region":
        raise InputError("level 'region': the region is one unit; rank sectors, neighbourhoods or communes")
    limit = parse_limit(args.get("limit"), default=20, maximum=state().settings.max_limit)
    table = stored.table
    rows = stored.select([theme], [level], [])
    chosen = table.iloc[rows]
    chosen = chosen[(chosen["status"] == "ok") & chosen["underserved"].notna()]
    chosen = chosen.sort_values(["underserved", "code"], ascending=[False, True], kind="stable")
    weights = stored.weights()
    inputs = {name: {**spec, "weight": weights.get(name)} for name, spec in score_inputs().items()}
    used = [spec["indicator"] for name, spec in inputs.items() if spec["weight"]]
    columns = ["code", "name_fr", "name_nl", "underserved", "target", *used]
    results = [
        {"rank": rank, **row} for rank, row in enumerate(plain_rows(chosen[columns].head(limit)), start=1)
    ]
    return _json(
        {
            "theme": theme,
            **_theme_label(theme, g.lang),
            "level": level,
            "levelTitle": LEVEL_TITLES.get(level, {}).get(g.lang, level),
            "numberMatched": len(chosen),
            "numberReturned": len(results),
            "score": {
                "method": stored.method.get("underserved_score", ""),
                "weights": weights,
                "inputs": inputs,
            },
            "results": results,
            **_provenance(),
        }
    )


# --- study areas --------------------------------------------------------------------------------------

AREA_PARAMS = ("area", "ring", "theme", "name", "f", "lang")


def area_request(*, polygon: bytes | None = None, units_param: str = "area") -> AreaRequest:
    """The study area a request asks for (units from ``area=``, or the polygon posted), checked."""
    args = request.args
    units = tuple(parse_list(args.getlist(units_param)))
    if polygon is None and not units:
        raise InputError(
            f"{units_param}: give the neighbourhoods or sectors of the study area, by name or code "
            f"({units_param}=Marolles&{units_param}=Anneessens), or POST a GeoJSON polygon"
        )
    if len(units) > MAX_UNITS:
        raise InputError(f"{units_param}: {len(units)} units; a study area has at most {MAX_UNITS}")
    ring = parse_number(
        args.get("ring"), parameter="ring", default=RING, minimum=0.0, maximum=MAX_RING, unit=" metres"
    )
    name = args.get("name") or None
    if name is not None and len(name) > 120:
        raise InputError("name: give at most 120 characters")
    if polygon is not None and name is None:
        name = POLYGON_NAME[g.lang]
    themes = tuple(parse_list(args.getlist("theme")))
    found = AreaRequest(units=units, polygon=polygon, ring=ring, themes=themes, name=name)
    _analysis().check_area(found)
    return found


def _posted_polygon() -> bytes:
    if "area" in request.args:
        raise InputError("area: give the study area either as area= (GET) or as a posted polygon, not both")
    if request.mimetype not in ("application/json", "application/geo+json"):
        raise UnsupportedMediaType(
            description="post the study area as GeoJSON "
            "(Content-Type: application/geo+json or application/json)"
        )
    try:
        document = json.loads(request.get_data(cache=False))
    except (ValueError, UnicodeDecodeError):
        raise InputError(
            "body: not JSON; post a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection"
        ) from None
    polygon = parse_polygon(document, max_vertices=MAX_VERTICES)
    return bytes(shapely.to_wkb(polygon))


def _geojson(geometry: shapely.Geometry) -> Any:
    to = Transformer.from_crs(31370, "OGC:CRS84", always_xy=True)
    moved = shapely.transform(
        geometry, lambda xy: np.round(np.column_stack(to.transform(xy[:, 0], xy[:, 1])), 7)
    )
    return json.loads(shapely.to_geojson(moved))


def area_json(result: AreaDiagnostic) -> dict[str, Any]:
    """The JSON answer of a study-area diagnostic (tables as rows; geometries in CRS84)."""
    area = result.area
    sites = result.sites
    lonlat = sites.geometry.to_crs("OGC:CRS84") if len(sites) else sites.geometry
    site_rows = plain_rows(pd.DataFrame(sites.drop(columns=sites.geometry.name)))
    for row, point in zip(site_rows, lonlat, strict=True):
        row["lon"], row["lat"] = (round(point.x, 7), round(point.y, 7)) if point is not None else (None, None)
    return {
        "area": {
            "name": area.name,
            "ringWidth": area.ring_width,
            "members": plain_rows(area.members),
            "communes": area.communes,
            "adjacent": plain_rows(pd.DataFrame(area.adjacent.units[["code", "name_fr", "name_nl"]])),
            "geometry": _geojson(area.geometry),
            "ring": _geojson(area.ring),
        },
        "themes": list(dict.fromkeys(str(t) for t in result.diagnostic.themes["theme"])),
        "indicators": plain_rows(result.diagnostic.indicators),
        "profile": plain_rows(result.profile),
        "sites": site_rows,
        "method": dict(result.diagnostic.method),
    }


def _answer(found: AreaRequest, fmt: str) -> Response:
    files = fmt in ("xlsx", "gpkg")
    heavy = files or _analysis().cached_area(found) is None
    guard: AbstractContextManager[object] = limiter().job(_client()) if heavy else nullcontext()
    with guard:  # one job: the diagnostic (unless cached) and the file
        result = _analysis().area(found)
        if files:
            tables = area_tables(result, synthetic=_analysis().synthetic, command=_command())
            handle = exported(_layers(tables), fmt, lang=g.lang, command=_command())
    if fmt == "json":
        return _json({**area_json(result), **_provenance()})
    if fmt == "csv":
        text = result.diagnostic.indicators.to_csv(index=False, lineterminator="\n")
        return send(text.encode("utf-8"), "csv", "study_area.csv")
    return send(handle if fmt == "gpkg" else read_all(handle), fmt, f"study_area.{fmt}")


@bp.route("/study-area", methods=["GET", "POST"])
def study_area() -> Response:
    """The diagnostic of a study area: ``area=`` units (GET) or a GeoJSON polygon (POST)."""
    check_params(request.args.keys(), AREA_PARAMS, where=request.path)
    fmt = _format(AREA_FORMATS)
    polygon = _posted_polygon() if request.method == "POST" else None
    return _answer(area_request(polygon=polygon), fmt)
