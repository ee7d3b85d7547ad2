"""Supply against need, per theme and per unit: the indicator table of a diagnostic.

For every theme and every unit of every level, one row of ``KEY_COLUMNS`` and the indicators (see
:func:`definitions`). Supply counts are always given; every value built on the target population
carries the row's ``status``:

- ``ok``;
- ``not_applicable``: the unit has no residents (non-residential neighbourhoods, empty sectors) or
  no target population — never 0, never infinite;
- ``no_data``: the target population is not in the workspace (e.g. children under 3 where no
  sector age table was given);
- ``suppressed``: the target count is below the privacy threshold (or suppressed to protect one
  that is), see :mod:`diagnostics.privacy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from diagnostics.fca import (
    DETOUR,
    NO_DECAY,
    Costs,
    euclidean_costs,
    nearest_distance,
    parse_decay,
    table_costs,
    two_step_fca,
)
from diagnostics.indicators import eb_rates, gini, rate, theil, zscores
from diagnostics.levels import Inputs, Level, active_matrix, sector_membership
from diagnostics.privacy import THRESHOLD, suppressed
from diagnostics.themes import SCORE_INPUTS, Theme, ThemeSet, supply_mask
from geo.errors import InputError
from geo.importers import taxonomy_sectors
from geo.population import demand_points, population_cells

DEFINITIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "diagnostic_indicators.csv"


@lru_cache(maxsize=1)
def definitions() -> pd.DataFrame:
    """The indicators of a diagnostic (``data/diagnostic_indicators.csv``): unit, whether they rest on
    the target population, labels and definitions in FR/NL/EN."""
    table = pd.read_csv(DEFINITIONS_FILE, dtype=str, keep_default_na=False)
    table["population_based"] = table["population_based"] == "true"
    return table.set_index("id")


def indicator_ids() -> list[str]:
    return list(definitions().index)


STATUSES = ("ok", "not_applicable", "no_data", "suppressed")
KEY_COLUMNS = ["theme", "level", "code", "name_fr", "name_nl", "status"]


@dataclass(frozen=True)
class Options:
    """How accessibility is computed and what is published."""

    demand: str = "sectors"  # sectors: sector population centres; cells: 100 m population cells
    detour: float = DETOUR
    costs: pd.DataFrame | None = None  # origin (sector code), destination (site_id), cost
    cost_unit: str = "min"
    threshold: float = THRESHOLD

    def __post_init__(self) -> None:
        if self.demand not in ("sectors", "cells"):
            raise InputError(f"--demand {self.demand!r}: choose 'sectors' or 'cells'")
        if not self.detour >= 1:
            raise InputError(f"--detour {self.detour!r}: a detour factor is at least 1")
        if self.threshold < 0:
            raise InputError(f"--threshold {self.threshold!r}: give a count ≥ 0")
        if self.costs is not None and self.demand != "sectors":
            raise InputError(
                "--costs: an origin–destination table needs --demand sectors (origins = sector codes)"
            )


@dataclass
class Diagnostic:
    """The indicator table and what is needed to read it."""

    indicators: pd.DataFrame  # KEY_COLUMNS + DEFINITIONS
    equity: pd.DataFrame  # theme, level, indicator, gini, theil, units
    themes: pd.DataFrame  # one row per theme: labels, selector, target, catchment, method notes
    definitions: pd.DataFrame  # indicator, unit, labels, population_based
    method: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def sector_target(need: pd.DataFrame, indicator: str, codes: np.ndarray) -> tuple[np.ndarray, str]:
    """The target population per sector (latest year), NaN where unknown, and how it was obtained."""
    rows = need[(need["level"] == "sectors") & (need["indicator"] == indicator)]
    if rows.empty:
        return np.full(len(codes), np.nan), f"no sector figures for {indicator} in the workspace"
    year = int(rows["year"].max())
    latest = rows[rows["year"] == year]
    values = latest.set_index("code")["value"].reindex(codes).to_numpy(dtype=float)
    methods = "; ".join(sorted(set(latest["method"].astype(str))))
    return values, f"{indicator} {year}: {methods}"


@dataclass(frozen=True)
class _Demand:
    """Demand points of one theme and the sector each belongs to."""

    xy: np.ndarray
    demand: np.ndarray
    sector: np.ndarray  # row of the sector
    ids: np.ndarray  # origin ids for an OD table (sector codes)
    method: str


def _demand(inputs: Inputs, target: np.ndarray, options: Options, cache: dict[str, object]) -> _Demand:
    sectors = inputs.sectors
    known = np.where(np.isfinite(target), target, 0.0)
    if options.demand == "sectors":
        if "points" not in cache:
            cache["points"] = demand_points(sectors)
        points = cache["points"]
        assert isinstance(points, pd.DataFrame)
        return _Demand(
            points[["x", "y"]].to_numpy(),
            known,
            np.arange(len(sectors)),
            sectors["code"].astype(str).to_numpy(),
            "sector population centres (centroid, or a point on the surface when outside)",
        )
    if "cells" not in cache:
        cache["cells"] = population_cells(sectors)
    cells = cache["cells"]
    row = pd.Index(sectors["code"].astype(str)).get_indexer(cells.sector_code)  # type: ignore[attr-defined]
    population = sectors["population"].to_numpy(dtype=float)
    share = rate(known[row], population[row], per=1.0)
    return _Demand(
        np.column_stack([cells.x, cells.y]),  # type: ignore[attr-defined]
        cells.population * np.nan_to_num(share),  # type: ignore[attr-defined]
        row,
        np.array([], dtype=str),
        "100 m population cells, target spread in proportion to residents",
    )


def _costs(
    demand: _Demand, sites_xy: np.ndarray, site_ids: np.ndarray, theme: Theme, options: Options
) -> Costs:
    if options.costs is None:
        return euclidean_costs(demand.xy, sites_xy, max_cost=theme.catchment, detour=options.detour)
    return table_costs(
        options.costs, list(demand.ids), list(site_ids), max_cost=theme.catchment, unit=options.cost_unit
    )


@dataclass(frozen=True)
class _Reach:
    """Per-sector sums over the demand points of one theme (for any aggregation to units)."""

    demand: np.ndarray  # Σ d
    access_2sfca: np.ndarray  # Σ d × A (2SFCA)
    access_e2sfca: np.ndarray  # Σ d × A (E2SFCA)
    nearest: np.ndarray  # Σ d × distance to the nearest site
    within: np.ndarray  # Σ d where the nearest site is within walking distance
    note: str


def _reach(
    demand: _Demand,
    sites_xy: np.ndarray,
    supply: np.ndarray,
    site_ids: np.ndarray,
    theme: Theme,
    options: Options,
) -> _Reach:
    n = int(demand.sector.max()) + 1 if len(demand.sector) else 0

    def per_sector(values: np.ndarray) -> np.ndarray:
        return np.bincount(demand.sector, weights=demand.demand * values, minlength=n)

    costs = _costs(demand, sites_xy, site_ids, theme, options)
    plain = two_step_fca(demand.demand, supply, costs, decay=NO_DECAY)
    decay = parse_decay(theme.decay, max_cost=theme.catchment)
    enhanced = two_step_fca(demand.demand, supply, costs, decay=decay)
    nearest = nearest_distance(demand.xy, sites_xy) if len(sites_xy) else np.full(len(demand.xy), np.inf)
    unreached = int(enhanced.unreached.sum())
    note = (
        f"{costs.method}, catchment {theme.catchment:g} {costs.unit}, {decay.describe(costs.unit)}; "
        f"demand: {demand.method}; {unreached} of {len(supply)} sites reach no target population "
        "(their supply is counted nowhere)"
    )
    return _Reach(
        np.bincount(demand.sector, weights=demand.demand, minlength=n),
        per_sector(plain.accessibility),
        per_sector(enhanced.accessibility),
        per_sector(np.where(np.isfinite(nearest), nearest, np.nan)),
        per_sector((nearest <= theme.walk).astype(float)),
        note,
    )


def _status(level: Level, target: np.ndarray, threshold: float) -> np.ndarray:
    residential = level.units["residential"].to_numpy(dtype=bool)
    status = np.full(len(target), "ok", dtype=object)
    status[~np.isfinite(target)] = "no_data"
    status[np.isfinite(target) & (target <= 0)] = "not_applicable"
    hidden = suppressed(np.where(status == "ok", target, np.nan), level.commune, threshold=threshold)
    status[hidden] = "suppressed"
    status[~residential] = "not_applicable"
    return status


def _level_frame(
    theme: Theme,
    level: Level,
    *,
    target_s: np.ndarray,
    population_s: np.ndarray,
    supply: dict[str, np.ndarray],
    active: sparse.csr_array,
    reach: _Reach | None,
    parents: Mapping[str, pd.DataFrame],
    weights: Mapping[str, float],
    threshold: float,
) -> pd.DataFrame:
    w_t = level.weights.T
    n = len(level.units)
    unknown = w_t @ (~np.isfinite(target_s)).astype(float) > 0
    target = np.where(unknown, np.nan, w_t @ np.nan_to_num(target_s))
    population = w_t @ population_s
    chosen = supply["mask"]
    where = level.located[chosen]
    inside = where >= 0
    located = np.bincount(where[inside], minlength=n).astype(float)
    capacity = np.bincount(where[inside], weights=supply["capacity"][chosen][inside], minlength=n)
    no_capacity = np.bincount(where[inside], weights=supply["capacity_unknown"][chosen][inside], minlength=n)
    members = sector_membership(level)
    active_units = np.asarray(((active[chosen] @ members) > 0).sum(axis=0)).ravel().astype(float)
    numerator = capacity if theme.capacity and supply["capacity_known"] else located
    frame = pd.DataFrame(
        {
            "theme": theme.id,
            "level": level.name,
            "code": level.codes,
            "name_fr": level.units.get("name_fr", pd.Series("", index=level.units.index)).to_numpy(),
            "name_nl": level.units.get("name_nl", pd.Series("", index=level.units.index)).to_numpy(),
            "status": _status(level, target, threshold),
            "sites_located": located,
            "sites_active": active_units,
            "capacity": capacity if theme.capacity and supply["capacity_known"] else np.nan,
            "sites_without_capacity": no_capacity if theme.capacity else np.nan,
            "target": target,
            "need_share": rate(target, population, per=100.0),
            "rate": rate(numerator, target),
            "coverage": rate(capacity, target, per=theme.coverage_per)
            if theme.coverage_per and supply["capacity_known"]
            else np.nan,
        }
    )
    if reach is not None:
        d = w_t @ reach.demand
        frame["fca_2sfca"] = rate(w_t @ reach.access_2sfca, d)
        frame["fca_e2sfca"] = rate(w_t @ reach.access_e2sfca, d)
        frame["nearest_m"] = rate(w_t @ reach.nearest, d, per=1.0)
        frame["within_walk"] = rate(w_t @ reach.within, d, per=100.0)
    else:
        for column in ("fca_2sfca", "fca_e2sfca", "nearest_m", "within_walk"):
            frame[column] = np.nan
    ok = frame["status"].to_numpy() == "ok"
    frame["rate_eb"] = eb_rates(np.where(ok, numerator, np.nan), np.where(ok, target, np.nan))
    communes, region = parents.get("communes"), parents.get("region")
    if communes is not None and level.name not in ("communes", "region"):
        parent_rate = np.where(level.commune >= 0, communes["rate"].to_numpy()[level.commune], np.nan)
        frame["rate_diff_commune"] = frame["rate"] - parent_rate
        frame["rate_ratio_commune"] = rate(frame["rate"].to_numpy(), parent_rate, per=1.0)
    else:
        frame["rate_diff_commune"] = frame["rate_ratio_commune"] = np.nan
    if region is not None:
        frame["rate_diff_region"] = frame["rate"] - region["rate"].iloc[0]
        frame["lq"] = rate(frame["rate"].to_numpy(), np.full(n, region["rate"].iloc[0]), per=1.0)
        frame["e2sfca_ratio_region"] = rate(
            frame["fca_e2sfca"].to_numpy(), np.full(n, region["fca_e2sfca"].iloc[0]), per=1.0
        )
    else:  # the region compared with itself
        frame["rate_diff_region"] = 0.0
        frame["lq"] = frame["e2sfca_ratio_region"] = 1.0
    signs = {
        "e2sfca": ("fca_e2sfca", -1),
        "nearest_m": ("nearest_m", 1),
        "need_share": ("need_share", 1),
        "rate": ("rate", -1),
    }
    score = np.zeros(n)
    for name, weight in weights.items():
        column, sign = signs[name]
        score += weight * sign * zscores(frame[column].to_numpy(), ok)
    frame["underserved"] = score if n > 1 else np.nan
    population_based = list(definitions().index[definitions()["population_based"]])
    frame.loc[~ok, population_based] = np.nan
    return frame[KEY_COLUMNS + indicator_ids()]


def _supply(
    sites: pd.DataFrame, theme: Theme, sector_of: Mapping[str, str]
) -> tuple[dict[str, np.ndarray], str]:
    mask = supply_mask(sites, theme, sector_of=sector_of)
    if theme.capacity:
        raw = pd.to_numeric(sites[theme.capacity], errors="coerce").to_numpy(dtype=float)
        known = np.isfinite(raw) & (raw >= 0)
    else:
        raw, known = np.ones(len(sites)), np.ones(len(sites), dtype=bool)
    capacity = np.where(known, raw, 0.0)
    chosen_known = known & mask
    note = ""
    fca_supply = np.where(known, raw, 1.0)
    if theme.capacity:
        if chosen_known.any():
            median = float(np.median(raw[chosen_known]))
            fca_supply = np.where(known, raw, median)
            missing = int((mask & ~known).sum())
            note = (
                f"supply = {theme.capacity}; {missing} of {int(mask.sum())} sites without it count with "
                f"the median capacity ({median:g}) in the accessibility"
            )
        else:
            fca_supply = np.ones(len(sites))
            note = f"no site gives {theme.capacity}: supply counted in sites, coverage not computed"
    return {
        "mask": mask,
        "capacity": capacity,
        "capacity_unknown": (~known).astype(float),
        "capacity_known": np.array(bool(chosen_known.any())),
        "fca_supply": fca_supply,
    }, note


def diagnose(
    inputs: Inputs,
    themes: ThemeSet,
    levels: Mapping[str, Level],
    *,
    theme_ids: list[str] | None = None,
    options: Options | None = None,
) -> Diagnostic:
    """Every indicator of :func:`definitions` for every theme and every unit of ``levels``.

    ``levels`` must hold ``communes`` and ``region`` (the comparisons) and ``sectors``.
    """
    options = options or Options()
    chosen = themes.select(theme_ids)
    sites = inputs.sites.reset_index(drop=True)
    sector_of = taxonomy_sectors()
    site_ids = sites["site_id"].astype(str).to_numpy()
    active = active_matrix(inputs.site_units, site_ids, dict(levels))
    geoms = sites.geometry.to_numpy()
    has_point = ~(pd.isna(geoms) | (sites.geometry.is_empty.to_numpy()))
    xy = (
        np.column_stack([sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()])
        if len(sites)
        else np.empty((0, 2))
    )
    codes = inputs.sectors["code"].astype(str).to_numpy()
    population_s = inputs.sectors["population"].fillna(0).to_numpy(dtype=float)
    order = ["region", "communes"] + [name for name in levels if name not in ("region", "communes")]
    frames, equity, rows = [], [], []
    cache: dict[str, object] = {}
    for theme in chosen:
        supply, supply_note = _supply(sites, theme, sector_of)
        target_s, target_note = sector_target(inputs.need, theme.target, codes)
        reach = None
        fca_note = "not computed: no target population"
        if np.isfinite(target_s).any():
            use = supply["mask"] & has_point
            demand = _demand(inputs, target_s, options, cache)
            reach = _reach(demand, xy[use], supply["fca_supply"][use], site_ids[use], theme, options)
            fca_note = reach.note
        parents: dict[str, pd.DataFrame] = {}
        for name in order:
            frame = _level_frame(
                theme,
                levels[name],
                target_s=target_s,
                population_s=population_s,
                supply=supply,
                active=active,
                reach=reach,
                parents=parents,
                weights=themes.weights,
                threshold=options.threshold,
            )
            parents.setdefault(name, frame)
            frames.append(frame)
            ok = frame["status"] == "ok"
            for indicator in ("rate", "fca_e2sfca"):
                values = frame.loc[ok, indicator].to_numpy(dtype=float)
                weight = frame.loc[ok, "target"].to_numpy(dtype=float)
                equity.append(
                    (theme.id, name, indicator, gini(values, weight), theil(values, weight), int(ok.sum()))
                )
        rows.append(
            {
                "theme": theme.id,
                "label_fr": theme.label("fr"),
                "label_nl": theme.label("nl"),
                "label_en": theme.label("en"),
                "supply": theme.selector(),
                "sites": int(supply["mask"].sum()),
                "capacity_field": theme.capacity or "",
                "target": theme.target,
                "target_method": target_note,
                "catchment_m": theme.catchment,
                "walk_m": theme.walk,
                "accessibility_method": fca_note,
                "supply_note": supply_note,
                "norm": theme.norm if theme.norm is not None else np.nan,
                "norm_unit": theme.norm_unit,
                "norm_source": theme.norm_source,
            }
        )
    weights_text = ", ".join(f"{w:g} × {name} ({SCORE_INPUTS[name]})" for name, w in themes.weights.items())
    method = {
        "underserved_score": f"Σ weight × standard score across the units of the level with status ok: "
        f"{weights_text}",
        "privacy_threshold": f"need counts below {options.threshold:g} suppressed (and one more per commune "
        "when a single one would be recoverable), with every rate built on them",
        "cost": "origin–destination table"
        if options.costs is not None
        else f"Euclidean × detour {options.detour:g}",
        "demand": options.demand,
        "comparison": "rate_diff_* = unit − reference; "
        "lq = (share of supply) / (share of target population), relative to the region",
        "equity": "Gini and Theil T across units with status ok, weighted by the target population",
    }
    return Diagnostic(
        indicators=pd.concat(frames, ignore_index=True),
        equity=pd.DataFrame(equity, columns=["theme", "level", "indicator", "gini", "theil", "units"]),
        themes=pd.DataFrame(rows),
        definitions=definitions().reset_index().rename(columns={"id": "indicator"}),
        method=method,
    )
