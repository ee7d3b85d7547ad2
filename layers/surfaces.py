"""Raster layers of a workspace: population, supply density and accessibility surfaces at 100 m.

Each surface is computed from the workspace tables (:mod:`geo.population` spreads the sector
counts over the cells; :mod:`diagnostics.fca` gives the accessibility) and carries its titles, unit,
method, attribution and vintage, ready for :func:`layers.rasters.write_raster`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine

from diagnostics.fca import DETOUR, parse_decay
from diagnostics.levels import Inputs, read_inputs
from diagnostics.supply import sector_target
from diagnostics.themes import Theme, load_themes, supply_mask
from geo.errors import InputError
from geo.importers import taxonomy_sectors
from geo.population import PopulationCells, population_cells
from layers.rasters import accessibility_surface, density_surface, population_surface, write_raster

GHS_ATTRIBUTION = "JRC GHSL GHS-POP R2023A"


@dataclass(frozen=True)
class Surface:
    """A raster layer: values per cell and what they mean."""

    id: str
    array: np.ndarray
    transform: Affine
    title: dict[str, str]
    unit: dict[str, str]
    description: dict[str, str]
    method: str
    attribution: str
    vintage: str
    synthetic: bool

    def write(self, path: str | Path, *, lang: str = "fr") -> list[Path]:
        """The surface as a Cloud-Optimised GeoTIFF with its QGIS style beside it."""
        return write_raster(
            path,
            self.array,
            self.transform,
            title=self.title,
            unit=self.unit,
            description=self.description,
            attribution=self.attribution,
            vintage=self.vintage,
            synthetic=self.synthetic,
            method=self.method,
            lang=lang,
        )


def _provenance(inputs: Inputs, *tables: str) -> tuple[str, str]:
    rows = inputs.provenance[inputs.provenance["table_name"].isin(tables)]
    attribution = "; ".join(dict.fromkeys(a for a in rows["attribution"].astype(str) if a))
    vintage = ", ".join(dict.fromkeys(v for v in rows["vintage"].astype(str) if v))
    return attribution, vintage


def _cells(inputs: Inputs, weights: str | Path | None, cell: float) -> PopulationCells:
    return population_cells(inputs.sectors, cell=cell, weights=weights)


def population(inputs: Inputs, *, weights: str | Path | None = None, cell: float = 100.0) -> Surface:
    """Residents per cell: each sector's population spread over its cells (evenly, or in
    proportion to a population grid such as GHS-POP); the cells of a sector add up to it."""
    cells = _cells(inputs, weights, cell)
    array, transform = population_surface(cells)
    attribution, vintage = _provenance(inputs, "sectors")
    if weights is not None:
        attribution = f"{attribution}; {GHS_ATTRIBUTION}"
    return Surface(
        id="population",
        array=array,
        transform=transform,
        title={"fr": "Population par cellule", "nl": "Bevolking per cel", "en": "Population per cell"},
        unit={"fr": "habitants", "nl": "inwoners", "en": "residents"},
        description={
            "fr": f"Habitants par cellule de {cell:g} m, total {cells.total:,.0f}",
            "nl": f"Inwoners per cel van {cell:g} m, totaal {cells.total:,.0f}",
            "en": f"Residents per {cell:g} m cell, total {cells.total:,.0f}",
        },
        method=cells.method,
        attribution=attribution,
        vintage=vintage,
        synthetic=inputs.synthetic,
    )


def _theme_sites(inputs: Inputs, theme_id: str) -> tuple[Theme, np.ndarray, np.ndarray]:
    theme = load_themes().select([theme_id])[0]
    sites = inputs.sites.reset_index(drop=True)
    chosen = supply_mask(sites, theme, sector_of=taxonomy_sectors())
    chosen &= ~(sites.geometry.isna() | sites.geometry.is_empty).to_numpy()
    if not chosen.any():
        raise InputError(f"theme {theme_id!r}: no site of this theme has a location in the workspace")
    xy = np.column_stack([sites.geometry.x.to_numpy()[chosen], sites.geometry.y.to_numpy()[chosen]])
    capacity = np.ones(chosen.sum())
    if theme.capacity:
        raw = sites[theme.capacity].astype(float).to_numpy()[chosen]
        if np.isfinite(raw).any():
            capacity = np.where(np.isfinite(raw), raw, float(np.nanmedian(raw)))
    return theme, xy, capacity


def accessibility(inputs: Inputs, theme_id: str, *, cell: float = 100.0, detour: float = DETOUR) -> Surface:
    """E2SFCA accessibility of every cell for a theme, per 1,000 of its target population."""
    theme, xy, supply = _theme_sites(inputs, theme_id)
    target, target_method = sector_target(
        inputs.need, theme.target, inputs.sectors["code"].astype(str).to_numpy()
    )
    if not np.isfinite(target).any():
        raise InputError(f"theme {theme_id!r}: its target population {theme.target} is not in the workspace")
    cells = population_cells(inputs.sectors, cell=cell, values=np.nan_to_num(target))
    decay = parse_decay(theme.decay, max_cost=theme.catchment)
    array, transform = accessibility_surface(
        cells, xy, supply, max_cost=theme.catchment, decay=decay, detour=detour, per=1000.0
    )
    attribution, vintage = _provenance(inputs, "sectors", "sites", "need")
    label = {lang: theme.label(lang) for lang in ("fr", "nl", "en")}
    prefix = {"fr": "Accessibilité E2SFCA", "nl": "Bereikbaarheid E2SFCA", "en": "E2SFCA accessibility"}
    return Surface(
        id=f"accessibility_{theme_id}",
        array=array,
        transform=transform,
        title={lang: f"{prefix[lang]} — {label[lang]}" for lang in label},
        unit={"fr": "pour 1 000", "nl": "per 1.000", "en": "per 1,000"},
        description={lang: label[lang] for lang in label},
        method=f"E2SFCA on {cell:g} m cells ({target_method}); Euclidean × detour {detour:g}, catchment "
        f"{theme.catchment:g} m, {decay.describe()}",
        attribution=attribution,
        vintage=vintage,
        synthetic=inputs.synthetic,
    )


def density(inputs: Inputs, theme_id: str, *, cell: float = 100.0, bandwidth: float = 500.0) -> Surface:
    """Sites of a theme per km², smoothed by a quartic kernel of ``bandwidth`` metres, on the grid
    of the population surface."""
    theme, xy, _ = _theme_sites(inputs, theme_id)
    cells = _cells(inputs, None, cell)
    array, transform = density_surface(xy, bandwidth=bandwidth, grid=(cells.transform, cells.shape))
    attribution, vintage = _provenance(inputs, "sites")
    label = {lang: theme.label(lang) for lang in ("fr", "nl", "en")}
    prefix = {"fr": "Densité de l'offre", "nl": "Dichtheid van het aanbod", "en": "Supply density"}
    return Surface(
        id=f"density_{theme_id}",
        array=array,
        transform=transform,
        title={lang: f"{prefix[lang]} — {label[lang]}" for lang in label},
        unit={"fr": "lieux/km²", "nl": "plaatsen/km²", "en": "sites/km²"},
        description={lang: label[lang] for lang in label},
        method=f"quartic kernel density, bandwidth {bandwidth:g} m, {cell:g} m cells, {len(xy)} sites",
        attribution=attribution,
        vintage=vintage,
        synthetic=inputs.synthetic,
    )


KINDS: dict[str, Callable[..., Surface]] = {
    "population": population,
    "accessibility": accessibility,
    "density": density,
}


def surface(
    path: str | Path, kind: str, *, theme: str | None = None, weights: str | Path | None = None
) -> Surface:
    """One surface of the workspace at ``path``: ``population`` (optionally ``weights``),
    ``accessibility`` or ``density`` (of a ``theme``)."""
    if kind not in KINDS:
        raise InputError(f"raster kind {kind!r} is unknown; use one of {', '.join(KINDS)}")
    inputs = read_inputs(path)
    if kind == "population":
        return population(inputs, weights=weights)
    if theme is None:
        raise InputError(f"a {kind} raster needs --theme (one of {', '.join(load_themes().themes)})")
    return KINDS[kind](inputs, theme)
