"""What the diagnostics, map and report endpoints read, loaded once when the app is created.

- the **stored diagnostic** (``socialatlas diagnose W`` writes the ``indicators``, ``themes``,
  ``definitions`` and ``method`` tables): the indicator table with each row's JSON text made once,
  and arrays of theme, level and code to select rows without pandas on a request;
- the **inputs and levels** of the diagnostics (sectors, units, need, sites and their crosswalks),
  so that a study area is diagnosed on a request without reading the workspace again;
- a small cache of **study-area diagnostics** by request (the workspace does not change while it
  is served, so an area once diagnosed stays right).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from diagnostics.levels import Inputs, Level, built_in_levels, read_inputs
from diagnostics.study_area import AreaDiagnostic, diagnose_area, study_area
from diagnostics.themes import SCORE_INPUTS, ThemeSet, load_themes
from geo.errors import InputError
from geo.search import resolve_unit
from geo.workspace import list_tables, read_table
from layers.layer import LANGS
from service.collection import plain_rows

KEYS = ("theme", "level", "code", "name_fr", "name_nl", "status")
# under-served score input (as the method note names it) → its indicator column
SCORE_COLUMNS = {"e2sfca": "fca_e2sfca", "nearest_m": "nearest_m", "need_share": "need_share", "rate": "rate"}
_WEIGHT = re.compile(r"(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?) × (\w+) \(")
AREA_CACHE = 32


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class StoredDiagnostic:
    """The diagnostic stored in the workspace, ready to select from without pandas."""

    table: pd.DataFrame  # the indicators table as stored
    rows: list[str]  # JSON text of each row
    positions: dict[str, dict[str, np.ndarray]]  # "theme"/"level"/"code" → value → rows (ascending)
    levels: tuple[str, ...]  # in table order
    codes: dict[str, frozenset[str]]  # level → its unit codes
    themes: pd.DataFrame  # indexed by theme id, in stored order
    definitions: pd.DataFrame  # indexed by indicator id
    described: dict[str, list[dict[str, object]]]  # language → the indicators' labels, units, definitions
    method: dict[str, str]
    indicators: list[str]  # indicator columns, in table order

    def select(self, themes: list[str], levels: list[str], codes: list[str]) -> np.ndarray:
        """Positions of the rows of any of ``themes``, any of ``levels`` and any of ``codes`` (an
        empty list: any), in table order."""
        chosen: np.ndarray | None = None
        for key, wanted in (("theme", themes), ("level", levels), ("code", codes)):
            if not wanted:
                continue
            index = self.positions[key]
            found = np.unique(np.concatenate([index.get(w, _NONE) for w in wanted]))
            chosen = found if chosen is None else np.intersect1d(chosen, found, assume_unique=True)
        return np.arange(len(self.rows)) if chosen is None else chosen

    def weights(self) -> dict[str, float]:
        """The under-served score's weights, as the method note gives them (input → weight)."""
        return {name: float(w) for w, name in _WEIGHT.findall(self.method.get("underserved_score", ""))}


_NONE = np.zeros(0, dtype=np.int64)


def _positions(values: pd.Series) -> dict[str, np.ndarray]:
    groups = pd.Series(np.arange(len(values)), index=values.astype(str).to_numpy()).groupby(level=0)
    return {str(key): group.to_numpy(dtype=np.int64) for key, group in groups}


def _described(definitions: pd.DataFrame, indicators: list[str]) -> dict[str, list[dict[str, object]]]:
    rows = definitions.to_dict("index")
    return {
        lang: [
            {
                "id": indicator,
                "label": str(rows[indicator][f"label_{lang}"]),
                "unit": str(rows[indicator]["unit"]),
                "populationBased": bool(rows[indicator]["population_based"]),
                "definition": str(rows[indicator][f"definition_{lang}"]),
            }
            for indicator in indicators
            if indicator in rows
        ]
        for lang in LANGS
    }


def stored_diagnostic(path: Path, tables: list[str]) -> StoredDiagnostic | None:
    """The stored diagnostic of the workspace at ``path`` (None when it has none)."""
    if not {"indicators", "themes", "definitions"} <= set(tables):
        return None
    table = pd.DataFrame(read_table(path, "indicators"))
    definitions = pd.DataFrame(read_table(path, "definitions")).set_index("indicator")
    definitions["population_based"] = (
        definitions["population_based"].astype(str).str.lower().isin(("1", "true"))
    )
    method = {}
    if "method" in tables:
        rows = read_table(path, "method")
        method = dict(zip(rows["key"].astype(str), rows["value"].astype(str), strict=True))
    indicators = [c for c in table.columns if c not in KEYS]
    level = table["level"].astype(str)
    return StoredDiagnostic(
        table=table,
        rows=[_dumps(row) for row in plain_rows(table)],
        positions={name: _positions(table[name]) for name in ("theme", "level", "code")},
        levels=tuple(dict.fromkeys(level)),
        codes={str(k): frozenset(v.astype(str)) for k, v in table["code"].groupby(level)},
        themes=pd.DataFrame(read_table(path, "themes")).set_index("theme"),
        definitions=definitions,
        described=_described(definitions, indicators),
        method=method,
        indicators=indicators,
    )


@dataclass(frozen=True)
class AreaRequest:
    """A study area as asked for: units (names or codes) or a polygon (WKB, EPSG:31370)."""

    units: tuple[str, ...] = ()
    polygon: bytes | None = None
    ring: float = 1000.0
    themes: tuple[str, ...] = ()
    name: str | None = None


@dataclass
class Analysis:
    """The diagnostics' inputs and levels, the themes, the stored diagnostic; study areas on demand."""

    inputs: Inputs
    levels: dict[str, Level]
    themes: ThemeSet
    stored: StoredDiagnostic | None
    attribution: str
    vintage: str
    _areas: OrderedDict[AreaRequest, AreaDiagnostic] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def synthetic(self) -> bool:
        return self.inputs.synthetic

    def theme_ids(self) -> list[str]:
        """The themes of the stored diagnostic, else the built-in ones."""
        if self.stored is not None:
            return [str(t) for t in self.stored.themes.index]
        return list(self.themes.themes)

    def check_themes(self, wanted: list[str], *, known: list[str] | None = None) -> list[str]:
        """``wanted`` when every id is a known theme; else InputError naming them all."""
        known = known if known is not None else self.theme_ids()
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise InputError(
                f"theme: unknown theme {', '.join(map(repr, unknown))}; themes are {', '.join(known)} "
                "(see /diagnostics/themes)"
            )
        return wanted

    def cached_area(self, request: AreaRequest) -> AreaDiagnostic | None:
        """The diagnostic of a study area asked for before, if still cached."""
        with self._lock:
            found = self._areas.get(request)
            if found is not None:
                self._areas.move_to_end(request)
            return found

    def check_area(self, request: AreaRequest) -> None:
        """Refuse a study area that cannot be made, before any costly work (InputError)."""
        if self.cached_area(request) is not None:
            return  # made before: it can be made
        self.check_themes(list(request.themes), known=list(self.themes.themes))
        if request.polygon is not None:
            polygon = shapely.from_wkb(request.polygon)
            region = self.levels["region"].units.geometry.to_numpy()
            if not shapely.intersects(polygon, region).any():
                raise InputError(
                    "body: the polygon lies outside the region; check its coordinates and their CRS"
                )
            return
        units = {k: self.levels[k].units for k in ("neighbourhoods", "sectors")}
        found = []
        for unit in request.units:
            try:
                found.append(resolve_unit(units, unit))
            except InputError as error:
                raise InputError(f"area {unit[:60]!r}: {error}") from None
        if len({level for level, _ in found}) > 1:
            raise InputError("area: give neighbourhoods or sectors, not a mix of both")

    def area(
        self,
        request: AreaRequest,
        *,
        guard: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> AreaDiagnostic:
        """The diagnostic of a study area, cached; ``guard()`` is entered around a computation (a
        cached area costs nothing and is not guarded)."""
        cached = self.cached_area(request)
        if cached is not None:
            return cached
        self.check_area(request)
        polygon = shapely.from_wkb(request.polygon) if request.polygon is not None else None
        with guard():
            area = study_area(
                self.inputs,
                self.levels,
                units=list(request.units),
                polygon=polygon,
                ring=request.ring,
                name=request.name,
            )
            result = diagnose_area(
                self.inputs, self.themes, self.levels, area, theme_ids=list(request.themes) or None
            )
        with self._lock:
            self._areas[request] = result
            while len(self._areas) > AREA_CACHE:
                self._areas.popitem(last=False)
        return result


def score_inputs() -> dict[str, dict[str, str]]:
    """The under-served score's possible inputs: name → indicator column and meaning."""
    return {name: {"indicator": SCORE_COLUMNS[name], "meaning": text} for name, text in SCORE_INPUTS.items()}


def load_analysis(path: Path) -> Analysis:
    """Read what the diagnostics endpoints need from the workspace at ``path``."""
    tables = list_tables(path)
    inputs = read_inputs(path)
    provenance = inputs.provenance
    attribution = "; ".join(dict.fromkeys(a for a in provenance["attribution"].astype(str) if a))
    vintage = ", ".join(dict.fromkeys(v for v in provenance["vintage"].astype(str) if v))
    return Analysis(
        inputs=inputs,
        levels=built_in_levels(inputs),
        themes=load_themes(),
        stored=stored_diagnostic(path, tables),
        attribution=attribution,
        vintage=vintage,
    )
