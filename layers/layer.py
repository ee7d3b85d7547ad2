"""A layer: data plus its style, titles and provenance — the one thing exports, the API and maps share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import geopandas as gpd
import pandas as pd

if TYPE_CHECKING:
    from layers.styles import Style

LANGS = ("fr", "nl", "en")
Kind = Literal["polygons", "points", "table"]


@dataclass(frozen=True)
class LegendEntry:
    """One line of a legend: what a symbol means, in one language."""

    label: str
    colour: str  # "#rrggbb"
    symbol: Literal["fill", "marker", "line", "circle"] = "fill"
    count: int | None = None  # features in this class, when known
    size: float | None = None  # marker / circle size in points, for proportional symbols
    hatch: str | None = None  # matplotlib hatch for "suppressed" / "not applicable"


@dataclass(frozen=True)
class Layer:
    """A vector layer or table of the catalogue.

    ``title`` and ``description`` map a language (``fr``, ``nl``, ``en``) to text. ``data`` is in
    EPSG:31370 for vector layers. ``style`` is the default style (None for tables); ``styles`` holds
    other named styles of the same data (a QGIS user picks them in the layer's style menu).
    """

    id: str
    title: dict[str, str]
    description: dict[str, str]
    data: gpd.GeoDataFrame | pd.DataFrame
    kind: Kind
    attribution: str
    vintage: str
    synthetic: bool = False
    style: Style | None = None
    styles: dict[str, Style] = field(default_factory=dict)  # other named styles, e.g. one per indicator
    group: str = "base"  # base, supply, indicators, study_area, tables
    extra: dict[str, str] = field(default_factory=dict)

    def text(self, what: Literal["title", "description"], lang: str = "fr") -> str:
        """Title or description in ``lang``, falling back to French."""
        texts = self.title if what == "title" else self.description
        return texts.get(lang) or texts.get("fr") or self.id
