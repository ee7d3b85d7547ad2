"""A diagnostic as named tables: stored in the workspace, or handed to the exporters of ``layers``."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from diagnostics.study_area import AreaDiagnostic
from diagnostics.supply import Diagnostic
from geo.manifest import Provenance
from geo.workspace import TableRecord, update_workspace

TITLES: dict[str, dict[str, str]] = {
    "indicators": {
        "fr": "Indicateurs offre / besoin par unité et thème",
        "nl": "Indicatoren aanbod / behoefte per eenheid en thema",
        "en": "Supply / need indicators per unit and theme",
    },
    "equity": {
        "fr": "Équité entre unités (Gini, Theil) par thème",
        "nl": "Gelijkheid tussen eenheden (Gini, Theil) per thema",
        "en": "Equity across units (Gini, Theil) per theme",
    },
    "themes": {
        "fr": "Thèmes : offre retenue, population cible, méthode",
        "nl": "Thema's: aanbod, doelpopulatie, methode",
        "en": "Themes: supply, target population, method",
    },
    "definitions": {
        "fr": "Définitions des indicateurs",
        "nl": "Definities van de indicatoren",
        "en": "Indicator definitions",
    },
    "method": {
        "fr": "Méthode et paramètres du diagnostic",
        "nl": "Methode en parameters van de diagnose",
        "en": "Method and parameters of the diagnostic",
    },
    "profile": {
        "fr": "Profil de la population et des besoins",
        "nl": "Profiel van de bevolking en de behoeften",
        "en": "Population and need profile",
    },
    "study_sites": {
        "fr": "Lieux dans la zone d'étude et ses alentours",
        "nl": "Plaatsen in het studiegebied en de omgeving",
        "en": "Sites in the study area and around it",
    },
    "study_area": {
        "fr": "Zone d'étude et alentours",
        "nl": "Studiegebied en omgeving",
        "en": "Study area and surroundings",
    },
    "study_adjacent": {
        "fr": "Unités adjacentes à la zone d'étude",
        "nl": "Aangrenzende eenheden",
        "en": "Units adjacent to the study area",
    },
    "members": {
        "fr": "Unités composant la zone d'étude",
        "nl": "Eenheden van het studiegebied",
        "en": "Units making up the study area",
    },
}


def method_table(diagnostic: Diagnostic, *, synthetic: bool, command: str = "") -> pd.DataFrame:
    """The method notes as a key/value table (with the command that produced them)."""
    rows = dict(diagnostic.method)
    if command:
        rows["command"] = command
    if synthetic:
        rows["data"] = "SYNTHETIC DEMONSTRATION DATA — not real places or people"
    return pd.DataFrame({"key": list(rows), "value": list(rows.values())})


def diagnostic_tables(
    diagnostic: Diagnostic, *, synthetic: bool, command: str = ""
) -> dict[str, pd.DataFrame]:
    """The attribute tables of a diagnostic, by name."""
    return {
        "indicators": diagnostic.indicators,
        "equity": diagnostic.equity,
        "themes": diagnostic.themes,
        "definitions": diagnostic.definitions,
        "method": method_table(diagnostic, synthetic=synthetic, command=command),
    }


def area_tables(result: AreaDiagnostic, *, synthetic: bool, command: str = "") -> dict[str, pd.DataFrame]:
    """Tables and layers of a study-area diagnostic, by name (GeoDataFrames for the layers)."""
    area = result.area
    crs = result.sites.crs
    parts = gpd.GeoDataFrame(
        area.parts.units[["code", "name_fr", "name_nl"]].assign(ring_width_m=area.ring_width),
        geometry=[area.geometry, area.ring],
        crs=crs,
    )
    adjacent = gpd.GeoDataFrame(area.adjacent.units[["code", "name_fr", "name_nl", "geometry"]], crs=crs)
    return {
        "study_area": parts,
        "study_adjacent": adjacent,
        "study_sites": result.sites,
        **diagnostic_tables(result.diagnostic, synthetic=synthetic, command=command),
        "profile": result.profile,
        "members": area.members,
    }


def store(workspace: str | Path, diagnostic: Diagnostic, provenance: Provenance, *, synthetic: bool) -> Path:
    """Add (or replace) the diagnostic tables in the workspace, atomically."""
    tables = diagnostic_tables(diagnostic, synthetic=synthetic)
    records = {name: TableRecord(TITLES[name]["fr"], provenance, synthetic=synthetic) for name in tables}
    return update_workspace(workspace, tables, records)
