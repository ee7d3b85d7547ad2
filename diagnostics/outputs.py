"""Writing a diagnostic: into the workspace, as CSV and XLSX tables, and as a GeoPackage of results.

Every file is written beside its target and moved into place only when complete.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from diagnostics.study_area import AreaDiagnostic
from diagnostics.supply import Diagnostic
from geo.errors import SourceNotFoundError
from geo.manifest import Provenance
from geo.workspace import TableRecord, update_workspace, write_workspace

TITLES = {
    "indicators": "Indicateurs offre / besoin par unité et thème",
    "equity": "Équité entre unités (Gini, Theil) par thème",
    "themes": "Thèmes : offre retenue, population cible, méthode",
    "definitions": "Définitions des indicateurs (FR/NL/EN)",
    "method": "Méthode et paramètres du diagnostic",
    "profile": "Profil de la population et des besoins",
    "study_sites": "Lieux dans la zone d'étude et ses alentours",
    "study_area": "Zone d'étude et alentours",
    "study_adjacent": "Unités adjacentes à la zone d'étude",
    "members": "Unités composant la zone d'étude",
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


def _records(
    tables: Mapping[str, pd.DataFrame], provenance: Provenance, *, synthetic: bool
) -> dict[str, TableRecord]:
    return {name: TableRecord(TITLES.get(name, name), provenance, synthetic=synthetic) for name in tables}


def store(workspace: str | Path, diagnostic: Diagnostic, provenance: Provenance, *, synthetic: bool) -> Path:
    """Add (or replace) the diagnostic tables in the workspace, atomically."""
    tables = diagnostic_tables(diagnostic, synthetic=synthetic)
    return update_workspace(workspace, tables, _records(tables, provenance, synthetic=synthetic))


def write_geopackage(
    path: str | Path,
    tables: Mapping[str, pd.DataFrame],
    provenance: Provenance,
    *,
    synthetic: bool,
    title: str,
) -> Path:
    """All ``tables`` in one new GeoPackage (layers for GeoDataFrames), with their provenance."""
    return write_workspace(
        path, tables, _records(tables, provenance, synthetic=synthetic), info={"title": title}
    )


def write_tables(folder: str | Path, tables: Mapping[str, pd.DataFrame], *, stem: str) -> list[Path]:
    """One CSV (UTF-8 with BOM, for spreadsheets) per table and one XLSX workbook with a sheet per
    table, geometries left out. Written into a temporary folder, then moved in place."""
    folder = Path(folder)
    if not folder.parent.is_dir():
        raise SourceNotFoundError(f"{folder.parent}: the folder for the results does not exist")
    folder.mkdir(exist_ok=True)
    plain = {
        name: pd.DataFrame(frame.drop(columns="geometry", errors="ignore")) for name, frame in tables.items()
    }
    written = []
    with tempfile.TemporaryDirectory(dir=folder, prefix=".writing-") as tmp:
        staged = []
        for name, frame in plain.items():
            target = Path(tmp) / f"{stem}_{name}.csv"
            frame.to_csv(target, index=False, encoding="utf-8-sig")
            staged.append(target)
        workbook = Path(tmp) / f"{stem}.xlsx"
        with pd.ExcelWriter(workbook, engine="openpyxl") as writer:
            for name, frame in plain.items():
                frame.to_excel(writer, sheet_name=name[:31], index=False)
        staged.append(workbook)
        for file in staged:
            os.replace(file, folder / file.name)
            written.append(folder / file.name)
    return written
