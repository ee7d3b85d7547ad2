"""Themes: which supply answers which need. Themes are data (``data/themes.toml``), not code.

A user adds themes in a file of the same shape; a theme with the id of a built-in one replaces it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from diagnostics.fca import parse_decay
from diagnostics.need import catalogue
from geo.errors import InputError, ProblemsError, SourceNotFoundError
from geo.sites import SEPARATOR

THEMES_FILE = Path(__file__).resolve().parent.parent / "data" / "themes.toml"
CAPACITY_FIELDS = ("capacity_places", "capacity_beds")
_KEYS = {
    "label_fr",
    "label_nl",
    "label_en",
    "sectors",
    "categories",
    "accreditations",
    "tags",
    "capacity",
    "target",
    "catchment",
    "decay",
    "walk",
    "coverage_per",
    "norm",
    "norm_unit",
    "norm_source",
}


@dataclass(frozen=True)
class Theme:
    """A need and the supply that answers it."""

    id: str
    labels: dict[str, str]
    target: str
    catchment: float
    decay: str = "bands"
    walk: float = 500.0
    sectors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    accreditations: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    capacity: str | None = None
    coverage_per: float | None = None
    norm: float | None = None
    norm_unit: str = ""
    norm_source: str = ""

    def label(self, lang: str = "fr") -> str:
        return self.labels.get(lang) or self.labels["fr"]

    def selector(self) -> str:
        """The supply selector in words, for method notes."""
        parts = [
            f"{name} {', '.join(values)}"
            for name, values in (
                ("sectors", self.sectors),
                ("categories", self.categories),
                ("accreditations", self.accreditations),
                ("tags", self.tags),
            )
            if values
        ]
        return "; ".join(parts)


@dataclass(frozen=True)
class ThemeSet:
    """The themes in use and the under-served score's weights."""

    themes: dict[str, Theme]
    weights: dict[str, float] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def select(self, ids: Sequence[str] | None) -> list[Theme]:
        """Themes by id (all when ``ids`` is empty), with a clear error for unknown ids."""
        if not ids:
            return list(self.themes.values())
        unknown = [i for i in ids if i not in self.themes]
        if unknown:
            raise InputError(
                f"unknown theme {', '.join(map(repr, unknown))}; themes are {', '.join(self.themes)}"
            )
        return [self.themes[i] for i in ids]


def _theme(theme_id: str, raw: Mapping[str, Any], where: str) -> tuple[Theme | None, list[str]]:
    problems = []
    if not re.fullmatch(r"[a-z][a-z0-9_]*", theme_id):
        problems.append(f"{where}: theme id {theme_id!r} must be lower-case letters, digits and '_'")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(unknown)}; keys are {', '.join(sorted(_KEYS))}")
    for key in ("label_fr", "target", "catchment"):
        if key not in raw:
            problems.append(f"{where}: missing {key!r}")
    if not any(raw.get(k) for k in ("sectors", "categories", "accreditations", "tags")):
        problems.append(f"{where}: give at least one of sectors, categories, accreditations or tags")
    target = raw.get("target")
    if target is not None and target not in catalogue().index:
        problems.append(
            f"{where}: target {target!r} is not an indicator of data/indicators.csv "
            f"(e.g. pop_total, pop_0_2, pop_65_plus, cpas_beneficiaries)"
        )
    if raw.get("capacity") not in (None, *CAPACITY_FIELDS):
        problems.append(f"{where}: capacity must be one of {', '.join(CAPACITY_FIELDS)}")
    for key in ("catchment", "walk", "coverage_per"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, int | float) or value <= 0):
            problems.append(f"{where}: {key} must be a positive number of metres, not {value!r}")
    for key in ("sectors", "categories", "accreditations", "tags"):
        if not isinstance(raw.get(key, []), list):
            problems.append(f'{where}: {key} must be a list, e.g. {key} = ["…"]')
    if not problems:
        try:
            parse_decay(str(raw.get("decay", "bands")), max_cost=float(raw["catchment"]))
        except InputError as exc:
            problems.append(f"{where}: {exc}")
    if problems:
        return None, problems
    label_fr = str(raw["label_fr"])
    theme = Theme(
        id=theme_id,
        labels={
            "fr": label_fr,
            "nl": str(raw.get("label_nl") or label_fr),
            "en": str(raw.get("label_en") or label_fr),
        },
        target=str(raw["target"]),
        catchment=float(raw["catchment"]),
        decay=str(raw.get("decay", "bands")),
        walk=float(raw.get("walk", 500)),
        sectors=tuple(raw.get("sectors", ())),
        categories=tuple(raw.get("categories", ())),
        accreditations=tuple(raw.get("accreditations", ())),
        tags=tuple(raw.get("tags", ())),
        capacity=raw.get("capacity"),
        coverage_per=raw.get("coverage_per"),
        norm=raw.get("norm"),
        norm_unit=str(raw.get("norm_unit", "")),
        norm_source=str(raw.get("norm_source", "")),
    )
    return theme, []


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SourceNotFoundError(f"{path}: no such themes file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a valid TOML themes file ({exc})") from None


def load_themes(extra: Sequence[str | Path] = (), *, builtin: bool = True) -> ThemeSet:
    """The built-in themes, then each file of ``extra`` (same shape; same id replaces).

    Every problem of every file is reported at once.
    """
    paths = ([THEMES_FILE] if builtin else []) + [Path(p) for p in extra]
    themes: dict[str, Theme] = {}
    weights = {k: float(v) for k, v in _read(THEMES_FILE)["underserved"]["weights"].items()}
    problems: list[str] = []
    for path in paths:
        raw = _read(path)
        for theme_id, spec in raw.get("themes", {}).items():
            theme, found = _theme(theme_id, spec, f"{path.name} [themes.{theme_id}]")
            problems += found
            if theme:
                themes[theme_id] = theme
        if "underserved" in raw:
            given = raw["underserved"].get("weights", {})
            bad = sorted(set(given) - set(SCORE_INPUTS))
            if bad:
                problems.append(
                    f"{path.name} [underserved]: unknown input(s) {', '.join(bad)}; "
                    f"inputs are {', '.join(SCORE_INPUTS)}"
                )
            else:
                weights = {k: float(v) for k, v in given.items()}
    if problems:
        raise ProblemsError("themes", problems)
    if not themes:
        raise InputError("no themes: give a themes file with at least one [themes.<id>] table")
    return ThemeSet(themes, weights, tuple(str(p) for p in paths))


# under-served score inputs → what they mean (higher = more under-served once signed)
SCORE_INPUTS = {
    "e2sfca": "enhanced 2SFCA accessibility (lower is worse)",
    "nearest_m": "distance from the target population to the nearest site (higher is worse)",
    "need_share": "target population as a share of the residents (higher is more need)",
    "rate": "supply located in the unit per 1,000 of the target population (lower is worse)",
}


def _matches(values: pd.Series, wanted: set[str], *, mapping: Mapping[str, str] | None = None) -> np.ndarray:
    """Per row of a list field (``a;b``): does any of its values (mapped first) belong to ``wanted``."""
    if not wanted:
        return np.zeros(len(values), dtype=bool)
    items = values.astype(object).where(values.notna(), "").astype(str).str.split(SEPARATOR).explode()
    items = items.str.strip()
    if mapping is not None:
        items = items.map(mapping)
    hits = items.isin(wanted)
    return hits.groupby(level=0).any().reindex(values.index, fill_value=False).to_numpy(dtype=bool)


def supply_mask(sites: pd.DataFrame, theme: Theme, *, sector_of: Mapping[str, str]) -> np.ndarray:
    """Which sites count as supply for ``theme``: any selector matches, published, not a head office.

    ``sector_of`` maps category ids to directory sector ids (for the ``sectors`` selector).
    """
    sites = sites.reset_index(drop=True)
    keep = (
        _matches(sites["categories"], set(theme.categories))
        | _matches(sites["categories"], set(theme.sectors), mapping=sector_of)
        | _matches(sites["accreditations"], set(theme.accreditations))
        | _matches(sites["tags"], set(theme.tags))
    )
    published = sites["published"].fillna(True).astype(bool).to_numpy()
    head_office = sites["head_office_only"].fillna(False).astype(bool).to_numpy()
    return keep & published & ~head_office
