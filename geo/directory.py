"""The directory in a workspace: sites of several sources, placed in the units, replaced by source."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.crs import METRIC
from geo.joins import place_sites
from geo.manifest import Provenance
from geo.sites import REPORT_COLUMNS, SiteImport
from geo.workspace import TableRecord, list_tables, read_info, read_table, update_workspace

SITES, LINKS, SOURCES, REPORT = "sites", "site_units", "site_sources", "site_import_report"
UNIT_LEVELS = ("sectors", "neighbourhoods", "communes")


@dataclass
class StoreReport:
    """What an import changed in a workspace."""

    source: str
    imported: int
    replaced: int
    total: int
    outside_region: int
    without_location: int
    problems: pd.DataFrame
    per_commune: pd.Series
    notes: list[str]


def _units(path: Path) -> dict[str, gpd.GeoDataFrame]:
    names = list_tables(path)
    levels = [*UNIT_LEVELS, *(n for n in names if n.startswith("zoning_"))]
    return {level: read_table(path, level) for level in levels}


def store_sites(
    path: str | Path, imported: SiteImport, *, provenance: Provenance, file: str, fmt: str
) -> StoreReport:
    """Put imported sites in a workspace, replacing the sites of the same source.

    All sites are placed again (located in, active on, outside the region) and the workspace is
    rewritten atomically: on any error it is left as it was.
    """
    path = Path(path)
    tables = list_tables(path)
    synthetic = read_info(path).get("synthetic") == "True"
    previous = read_table(path, SITES) if SITES in tables else None
    replaced = 0
    frames = [imported.sites]
    if previous is not None:
        same = previous["source"] == imported.source
        replaced = int(same.sum())
        base_columns = [c for c in imported.sites.columns if c in previous.columns]
        frames.insert(0, previous.loc[~same, base_columns])
    sites = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=METRIC)
    units = _units(path)
    placed, links, notes = place_sites(sites, units, read_table(path, "region"))

    imported_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sources = read_table(path, SOURCES) if SOURCES in tables else pd.DataFrame()
    if not sources.empty:
        sources = sources[sources["source"] != imported.source]
    described = asdict(provenance)
    described["description"] = described.pop("source")
    sources = pd.concat(
        [
            sources,
            pd.DataFrame(
                [
                    {
                        "source": imported.source,
                        "file": file,
                        "format": fmt,
                        "crs": imported.crs,
                        "sites": len(imported.sites),
                        **described,
                        "imported_at": imported_at,
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    report = (
        read_table(path, REPORT) if REPORT in tables else pd.DataFrame(columns=["source", *REPORT_COLUMNS])
    )
    report = pd.concat(
        [
            report[report["source"] != imported.source],
            imported.report.assign(source=imported.source)[["source", *REPORT_COLUMNS]],
        ],
        ignore_index=True,
    )
    joined = Provenance(
        source="; ".join(sources["source"] + ": " + sources["file"].map(lambda f: Path(f).name)),
        vintage="; ".join(sources["vintage"].astype(str)),
        licence="; ".join(dict.fromkeys(sources["licence"].astype(str))),
        attribution="; ".join(dict.fromkeys(sources["attribution"].astype(str))),
    )
    records = {
        SITES: TableRecord(
            "Activity sites",
            joined,
            "imported by source; located in sectors, "
            "neighbourhoods and communes by point in polygon (EPSG:31370); a point on a "
            "border goes to the lowest code",
            synthetic,
        ),
        LINKS: TableRecord(
            "Sites located in and active on units",
            joined,
            "located_in: point in polygon; active_on: the declared zone d'action",
            synthetic,
        ),
        SOURCES: TableRecord(
            "Sources of the activity sites", joined, "one row per imported source", synthetic
        ),
        REPORT: TableRecord(
            "Problems found while importing sites",
            joined,
            "one row per rejected or questionable record, with its row number",
            synthetic,
        ),
    }
    update_workspace(path, {SITES: placed, LINKS: links, SOURCES: sources, REPORT: report}, records)
    mine = placed[placed["source"] == imported.source]
    names = units["communes"].set_index("code")["name_fr"]
    per_commune = (
        mine["commune_code"]
        .map(names)
        .fillna(
            mine["outside_region"]
            .map({True: "(outside the region)", False: "(no location)"})
            .where(mine["located"], "(no location)")
        )
        .value_counts()
    )
    return StoreReport(
        source=imported.source,
        imported=len(mine),
        replaced=replaced,
        total=len(placed),
        outside_region=int(mine["outside_region"].sum()),
        without_location=int((~mine["located"]).sum()),
        problems=imported.report,
        per_commune=per_commune,
        notes=notes,
    )
