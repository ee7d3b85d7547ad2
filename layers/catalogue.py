"""The layer catalogue of a workspace: every layer a user can export, serve or map, with its id.

- **base**: ``communes``, ``neighbourhoods``, ``sectors``, ``region`` (and ``zoning_*``);
- **need**: ``need_<indicator>`` per neighbourhood for the published need indicators;
- **supply**: ``sites`` (all, by directory sector), ``sites_<theme>`` per theme,
  ``accreditation_<id>`` per accreditation held by some site (the directory's map series);
- **indicators** (once ``socialatlas diagnose`` has stored them): ``<theme>_<level>`` for sectors,
  neighbourhoods, communes and zonings, holding every indicator of the diagnostic, styled by default
  on its main rate and with one more named style per indicator;
- **tables**: the diagnostic tables (``equity``, ``themes``, ``definitions``) as attribute tables.

Class breaks of an indicator are computed over all units of its level, so the maps of one level
compare; pass ``breaks`` to share fixed breaks across maps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from diagnostics.need import catalogue as need_catalogue
from diagnostics.themes import load_themes, supply_mask
from geo.importers import DATA, taxonomy_sectors
from geo.sites import SEPARATOR
from geo.workspace import list_tables, read_table
from layers.labels import UNITS
from layers.layer import LANGS, Layer
from layers.styles import Style, categorised, first_item, graduated, single

LEVEL_TITLES = {
    "communes": {"fr": "Communes", "nl": "Gemeenten", "en": "Municipalities"},
    "neighbourhoods": {
        "fr": "Quartiers du monitoring",
        "nl": "Monitoringwijken",
        "en": "Monitoring neighbourhoods",
    },
    "sectors": {"fr": "Secteurs statistiques", "nl": "Statistische sectoren", "en": "Statistical sectors"},
    "region": {"fr": "Région", "nl": "Gewest", "en": "Region"},
}
SITES_TITLE = {"fr": "Lieux d'activité", "nl": "Activiteitsplaatsen", "en": "Activity sites"}
INDICATOR_LEVELS = ("sectors", "neighbourhoods", "communes")
# indicator → (ramp, centre) for its style; sequential ramps run light (low) to dark (high)
RAMPS: dict[str, tuple[str, float | None]] = {
    "target": ("Purples", None),
    "need_share": ("OrRd", None),
    "nearest_m": ("YlOrRd", None),
    "within_walk": ("YlGnBu", None),
    "rate_diff_commune": ("RdBu", 0.0),
    "rate_diff_region": ("RdBu", 0.0),
    "rate_ratio_commune": ("PuOr", 1.0),
    "lq": ("PuOr", 1.0),
    "e2sfca_ratio_region": ("PuOr", 1.0),
    "underserved": ("RdBu", 0.0),
}
REVERSED = {"underserved"}  # high = under-served = red end of RdBu
DEFAULT_RAMP = ("YlGnBu", None)
NEED_INDICATORS = ("share_cpas", "share_bim", "share_65_79", "share_80_plus", "share_65_alone",
                   "unemployment_rate", "median_income", "social_housing", "density")  # fmt: skip


@dataclass(frozen=True)
class _Context:
    path: Path
    provenance: dict[str, dict[str, str]]
    synthetic: bool
    tables: frozenset[str]

    def prov(self, *names: str) -> tuple[str, str]:
        """Attribution and vintage of the tables ``names``, joined without repeats."""
        found = [self.provenance.get(n, {}) for n in names]
        attribution = "; ".join(
            dict.fromkeys(p.get("attribution", "") for p in found if p.get("attribution"))
        )
        vintage = ", ".join(dict.fromkeys(p.get("vintage", "") for p in found if p.get("vintage")))
        return attribution, vintage


def _context(path: Path) -> _Context:
    table = read_table(path, "provenance")
    provenance = {
        str(row["table_name"]): {str(k): str(v) for k, v in row.items()} for _, row in table.iterrows()
    }
    synthetic = any(p.get("synthetic", "").lower() in ("1", "true") for p in provenance.values())
    return _Context(path, provenance, synthetic, frozenset(list_tables(path)))


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, dict[str, str]]]:
    """Ids → labels (fr/nl/en) of categories, sectors and accreditations."""
    taxonomy = pd.read_csv(DATA / "taxonomy.csv", dtype=str)
    accreditations = pd.read_csv(DATA / "accreditations.csv", dtype=str)
    out: dict[str, dict[str, dict[str, str]]] = {"categories": {}, "sectors": {}, "accreditations": {}}
    for row in taxonomy.itertuples():
        out["categories"][str(row.category_id)] = {
            lang: str(getattr(row, f"category_{lang}")) for lang in LANGS
        }
        out["sectors"][str(row.sector_id)] = {lang: str(getattr(row, f"sector_{lang}")) for lang in LANGS}
    for row in accreditations.itertuples():
        label = {"fr": str(row.label_fr), "nl": str(row.label_nl)}
        label["en"] = str(getattr(row, "label_en", "") or row.label_fr)
        out["accreditations"][str(row.accreditation_id)] = {
            lang: f"{row.authority} — {text}" for lang, text in label.items()
        }
    return out


def _outline(*, colour: str = "#4d4d4d", width: float = 0.5) -> Style:
    return single(geometry="polygons", colour=colour, filled=False, outline=colour, outline_width=width)


def _base_layers(ctx: _Context) -> list[Layer]:
    widths = {"communes": 0.8, "neighbourhoods": 0.5, "sectors": 0.2, "region": 1.2}
    layers = []
    for name, title in [*LEVEL_TITLES.items()] + [
        (t, {lang: t.removeprefix("zoning_") for lang in LANGS})
        for t in sorted(ctx.tables)
        if t.startswith("zoning_")
    ]:
        if name not in ctx.tables:
            continue
        attribution, vintage = ctx.prov(name)
        source = ctx.provenance.get(name, {}).get("source", "")
        layers.append(
            Layer(
                id=name,
                title=title,
                description={lang: f"{text} — {source}" for lang, text in title.items()},
                data=read_table(ctx.path, name),
                kind="polygons",
                attribution=attribution,
                vintage=vintage,
                synthetic=ctx.synthetic,
                style=_outline(width=widths.get(name, 0.6)),
                group="base",
            )
        )
    return layers


def _need_layers(ctx: _Context, hoods: gpd.GeoDataFrame) -> list[Layer]:
    need = read_table(ctx.path, "need", where="level = 'neighbourhoods'")
    known = need_catalogue()
    attribution, vintage = ctx.prov("need", "neighbourhoods")
    layers = []
    for indicator in NEED_INDICATORS:
        rows = need[need["indicator"] == indicator]
        if rows.empty:
            continue
        year = int(rows["year"].max())
        values = rows[rows["year"] == year].set_index("code")["value"]
        data = hoods[["code", "name_fr", "name_nl", "residential", "geometry"]].copy()
        data["value"] = data["code"].astype(str).map(values).astype(float)
        data["status"] = np.where(
            ~data["residential"].fillna(True).astype(bool),
            "not_applicable",
            np.where(data["value"].isna(), "no_data", "ok"),
        )
        data.loc[data["status"] != "ok", "value"] = np.nan
        label = {lang: str(known.loc[indicator, f"label_{lang}"]) for lang in LANGS}
        unit = str(known.loc[indicator, "unit"])
        title = {lang: f"{label[lang]} ({year})" for lang in LANGS}
        layers.append(
            Layer(
                id=f"need_{indicator}",
                title=title,
                description={
                    lang: f"{title[lang]} — {LEVEL_TITLES['neighbourhoods'][lang]}" for lang in LANGS
                },
                data=gpd.GeoDataFrame(data, crs=hoods.crs),
                kind="polygons",
                attribution=attribution,
                vintage=str(year),
                synthetic=ctx.synthetic,
                style=graduated(
                    data["value"], field="value", ramp="OrRd", unit=unit, title=title, status=data["status"]
                ),
                group="need",
            )
        )
    return layers


def _site_style(data: gpd.GeoDataFrame, by: str) -> Style:
    labels = _labels()
    if by == "sector":
        sector_of = taxonomy_sectors()
        values = first_item(data["categories"]).map(lambda c: sector_of.get(c) if c else None)
        data["sector"] = values
        return categorised(
            values, field="sector", labels=_present(labels["sectors"], values), title=SITES_TITLE
        )
    values = first_item(data["categories"])
    data["category"] = values
    return categorised(
        values, field="category", labels=_present(labels["categories"], values), title=SITES_TITLE
    )


def _present(labels: Mapping[str, dict[str, str]], values: pd.Series) -> dict[str, dict[str, str]]:
    """Labels of the values present, most frequent first."""
    order = values.dropna().value_counts().index
    return {str(v): labels.get(str(v), dict.fromkeys(LANGS, str(v))) for v in order}


def _supply_layers(ctx: _Context, sites: gpd.GeoDataFrame) -> list[Layer]:
    attribution, vintage = ctx.prov("sites")
    # only published sites with a location leave the workspace
    published = sites["published"].fillna(True).astype(bool)
    sites = sites[published & ~(sites.geometry.isna() | sites.geometry.is_empty)].reset_index(drop=True)

    def site_layer(layer_id: str, title: dict[str, str], description: dict[str, str], data: gpd.GeoDataFrame,
                   style: Style, group: str = "supply", **extra: str) -> Layer:  # fmt: skip
        return Layer(
            id=layer_id,
            title=title,
            description=description,
            data=data,
            kind="points",
            attribution=attribution,
            vintage=vintage,
            synthetic=ctx.synthetic,
            style=style,
            group=group,
            extra=extra,
        )

    everything = sites.copy()
    everyone = {
        "fr": "Tous les lieux d'activité publiés, par secteur du répertoire",
        "nl": "Alle gepubliceerde activiteitsplaatsen, per sector van de gids",
        "en": "All published activity sites, by directory sector",
    }
    layers = [site_layer("sites", SITES_TITLE, everyone, everything, _site_style(everything, "sector"))]
    sector_of = taxonomy_sectors()
    for theme in load_themes().themes.values():
        chosen = sites[supply_mask(sites, theme, sector_of=sector_of)].reset_index(drop=True)
        if chosen.empty:
            continue
        title = {lang: theme.label(lang) for lang in LANGS}
        description = {lang: f"{SITES_TITLE[lang]} — {title[lang]}" for lang in LANGS}
        layers.append(
            site_layer(f"sites_{theme.id}", title, description, chosen, _site_style(chosen, "category"))
        )
    labels = _labels()["accreditations"]
    held = sites["accreditations"].fillna("").astype(str).str.split(SEPARATOR).explode().str.strip()
    for accreditation in sorted(set(held[held != ""])):
        chosen = sites.loc[sorted(set(held.index[held == accreditation]))].reset_index(drop=True)
        title = labels.get(accreditation, dict.fromkeys(LANGS, accreditation))
        description = {lang: f"{SITES_TITLE[lang]} — {accreditation}: {title[lang]}" for lang in LANGS}
        style = single(geometry="points", colour="#0072B2", label=title, count=len(chosen))
        layers.append(
            site_layer(f"accreditation_{_slug(accreditation)}", title, description, chosen, style, "series",
                       accreditation=accreditation)
        )  # fmt: skip
    return layers


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def indicator_style(
    frame: pd.DataFrame, indicator: str, definitions: pd.DataFrame, *, breaks: np.ndarray | None = None
) -> Style:
    """The style of one indicator column: ramp and centre by kind, statuses drawn distinctly."""
    ramp, centre = RAMPS.get(indicator, DEFAULT_RAMP)
    label = {lang: str(definitions.loc[indicator, f"label_{lang}"]) for lang in LANGS}
    unit = UNITS.get(str(definitions.loc[indicator, "unit"]), str(definitions.loc[indicator, "unit"]))
    status = frame["status"] if definitions.loc[indicator, "population_based"] else None
    return graduated(
        frame[indicator].astype(float),
        field=indicator,
        method="fixed" if breaks is not None else "quantiles",
        fixed=breaks,
        ramp=ramp,
        centre=centre,
        reverse=indicator in REVERSED,
        unit=unit,
        title=label,
        status=status,
    )


def _indicator_layers(ctx: _Context, units: Mapping[str, gpd.GeoDataFrame]) -> list[Layer]:
    table = read_table(ctx.path, "indicators")
    themes = read_table(ctx.path, "themes").set_index("theme")
    definitions = read_table(ctx.path, "definitions").set_index("indicator")
    definitions["population_based"] = (
        definitions["population_based"].astype(str).str.lower().isin(("1", "true"))
    )
    indicators = [i for i in definitions.index if i in table.columns]
    attribution, vintage = ctx.prov("indicators", "sites", "need", "sectors")
    layers = []
    for (theme, level), rows in table.groupby(["theme", "level"], sort=False):
        if level not in units or not (level in INDICATOR_LEVELS or str(level).startswith("zoning_")):
            continue
        geometry = units[str(level)][["code", "geometry"]].assign(code=lambda f: f["code"].astype(str))
        data = gpd.GeoDataFrame(
            rows.drop(columns=["theme", "level"]).merge(geometry, on="code", how="left"),
            crs=units[str(level)].crs,
        )
        shown = [i for i in indicators if data[i].notna().any()]
        styles = {i: indicator_style(data, i, definitions) for i in shown}
        main = next((i for i in ("coverage", "rate", "sites_located") if i in shown), shown[0])
        theme_label = {lang: str(themes.loc[str(theme), f"label_{lang}"]) for lang in LANGS}
        title = {
            lang: f"{theme_label[lang]} — {LEVEL_TITLES.get(str(level), {}).get(lang, level)}"
            for lang in LANGS
        }
        layers.append(
            Layer(
                id=f"{theme}_{level}",
                title=title,
                description={
                    lang: title[lang]
                    + ": "
                    + ", ".join(str(definitions.loc[i, f"label_{lang}"]) for i in shown)
                    for lang in LANGS
                },
                data=data,
                kind="polygons",
                attribution=attribution,
                vintage=vintage,
                synthetic=ctx.synthetic,
                style=styles.get(main),
                styles={i: s for i, s in styles.items() if i != main},
                group="indicators",
                extra={"theme": str(theme), "level": str(level), "indicator": main},
            )
        )
    for name in ("equity", "themes", "definitions", "method"):
        layers.append(
            Layer(
                id=name,
                title={lang: name for lang in LANGS},
                description={lang: name for lang in LANGS},
                data=read_table(ctx.path, name),
                kind="table",
                attribution=attribution,
                vintage=vintage,
                synthetic=ctx.synthetic,
                group="tables",
            )
        )
    return layers


def catalogue(path: str | Path) -> list[Layer]:
    """Every layer of the workspace at ``path``, in catalogue order."""
    ctx = _context(Path(path))
    layers = _base_layers(ctx)
    units = {layer.id: layer.data for layer in layers if isinstance(layer.data, gpd.GeoDataFrame)}
    if "neighbourhoods" in units and "need" in ctx.tables:
        layers += _need_layers(ctx, units["neighbourhoods"])
    if "sites" in ctx.tables:
        layers += _supply_layers(ctx, read_table(ctx.path, "sites"))
    if "indicators" in ctx.tables:
        layers += _indicator_layers(ctx, units)
    return layers


def find(layers: list[Layer], layer_id: str) -> Layer | None:
    """The layer with ``layer_id``, or None."""
    return next((layer for layer in layers if layer.id == layer_id), None)


def result_layers(
    tables: Mapping[str, pd.DataFrame],
    titles: Mapping[str, dict[str, str]],
    *,
    attribution: str,
    vintage: str,
    synthetic: bool,
) -> list[Layer]:
    """Layers of a result (a diagnostic's tables and its study-area geometries), ready to export:
    polygons outlined, sites by where they lie, the rest as tables."""
    where_labels = {
        "area": {"fr": "Dans la zone", "nl": "In het gebied", "en": "In the area"},
        "ring": {"fr": "Aux alentours", "nl": "In de omgeving", "en": "Around it"},
    }
    layers = []
    for name, frame in tables.items():
        title = titles.get(name, dict.fromkeys(LANGS, name))
        style: Style | None = None
        kind: str = "table"
        if isinstance(frame, gpd.GeoDataFrame):
            points = bool(len(frame)) and (frame.geom_type == "Point").all()
            kind = "points" if points else "polygons"
            if name == "study_sites":
                style = categorised(frame["where"], field="where", labels=where_labels, title=title)
            elif name == "study_area":
                style = categorised(
                    frame["code"],
                    field="code",
                    labels={"area": where_labels["area"], "ring": where_labels["ring"]},
                    palette={"area": "#0072B2", "ring": "#E69F00"},
                    geometry="polygons",
                    title=title,
                )
            else:
                style = _outline(width=0.6)
        layers.append(
            Layer(
                id=name,
                title=title,
                description=title,
                data=frame,
                kind=kind,  # type: ignore[arg-type]
                attribution=attribution,
                vintage=vintage,
                synthetic=synthetic,
                style=style,
                group="result",
            )
        )
    return layers
