"""Building a workspace from a manifest: units, crosswalk, need — read, checked, written at once."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from diagnostics.need import (
    NEED_COLUMNS,
    aggregate_counts,
    estimate_sector_counts,
    observed_sector_ages,
    population_rows,
    published_indicators,
    with_totals,
)
from geo.crosswalk import METHODS, nesting_summary, sector_crosswalk, to_neighbourhoods
from geo.errors import InputError
from geo.manifest import Manifest, Provenance
from geo.sources import indicators_from_file, numeric_column, read_table
from geo.units import (
    check_nesting,
    communes_with_population,
    region_from_units,
    units_from_file,
    zoning_from_source,
)
from geo.workspace import TableRecord, write_workspace

STEPS = ("sectors", "neighbourhoods", "communes", "crosswalk", "need", "write")


@dataclass
class BuildReport:
    """What a build did: counts, the crosswalk's nesting figures, and notes for the user."""

    path: Path
    counts: dict[str, int]
    population: int
    nesting: dict[str, float]
    notes: list[str] = field(default_factory=list)


def _year(vintage: str) -> int:
    match = re.search(r"(19|20)\d\d", vintage)
    if not match:
        raise InputError(f"vintage {vintage!r} has no year; write it as 2024 or 2024-01-01")
    return int(match.group(0))


def _joined(*provenances: Provenance, source: str) -> Provenance:
    return Provenance(
        source=source,
        vintage="; ".join(dict.fromkeys(p.vintage for p in provenances)),
        licence="; ".join(dict.fromkeys(p.licence for p in provenances if p.licence)),
        attribution="; ".join(dict.fromkeys(p.attribution for p in provenances)),
    )


def _sector_ages(manifest: Manifest) -> pd.DataFrame | None:
    source = manifest.sector_ages
    if source is None:
        return None
    table = read_table(source.file)
    code = source.columns.get("code", "code")
    bands = {band: column for band, column in source.columns.items() if band != "code"}
    missing = [c for c in [code, *bands.values()] if c not in table.columns]
    if missing:
        raise InputError(
            f"{source.file}: missing column(s) {', '.join(missing)}; columns are {', '.join(table.columns)}"
        )
    out = pd.DataFrame({"code": table[code].str.strip()})
    for band, column in bands.items():
        out[band] = numeric_column(table, column, where=str(source.file))
    return out


def build_workspace(
    manifest: Manifest,
    out: str | Path,
    *,
    crosswalk_method: str = "residential",
    progress: Callable[[str], None] | None = None,
) -> BuildReport:
    """Read every source of a manifest, derive the crosswalk and the need table, write the workspace.

    Nothing is written unless every step succeeds; see :func:`geo.workspace.write_workspace`.
    """
    step = progress or (lambda _name: None)
    if crosswalk_method not in METHODS:
        raise InputError(f"--crosswalk {crosswalk_method!r} is unknown; choose one of {', '.join(METHODS)}")
    notes: list[str] = []
    step("sectors")
    sectors, n = units_from_file(manifest.sectors, "sectors")
    notes += n
    step("neighbourhoods")
    neighbourhoods, n = units_from_file(manifest.neighbourhoods, "neighbourhoods")
    notes += n
    step("communes")
    communes, n = units_from_file(manifest.communes, "communes")
    notes += n + check_nesting(sectors, communes)
    communes = communes_with_population(sectors, communes)
    region = region_from_units(communes, name_fr=manifest.title, name_nl=manifest.title)
    zones = [zoning_from_source(z, sectors) for z in manifest.zonings]
    for _, n in zones:
        notes += n

    step("crosswalk")
    crosswalk = sector_crosswalk(sectors, neighbourhoods, method=crosswalk_method)
    main = crosswalk[crosswalk["largest"]].set_index("sector_code")
    sectors["neighbourhood_code"] = sectors["code"].map(main["neighbourhood_code"])
    sectors["neighbourhood_share"] = sectors["code"].map(main["area_share"]).round(4)
    population = to_neighbourhoods(sectors.set_index("code")["population"], crosswalk)
    neighbourhoods["population"] = neighbourhoods["code"].map(population).fillna(0).round(1)

    step("need")
    year = _year(manifest.sectors.provenance.vintage)
    published = pd.DataFrame(columns=NEED_COLUMNS)
    if manifest.indicators is not None:
        raw, n = indicators_from_file(
            manifest.indicators.file,
            manifest.indicators.columns,
            missing=manifest.indicators.options.get("missing", []),
        )
        notes += n
        level = str(manifest.indicators.options.get("level", "neighbourhoods"))
        units = {"neighbourhoods": neighbourhoods, "sectors": sectors, "communes": communes}[level]
        unknown = sorted(set(raw["unit_code"]) - set(units["code"]))
        if unknown:
            raise InputError(
                f"{manifest.indicators.file}: unit code(s) {', '.join(unknown[:10])} "
                f"are not {level} of the workspace"
            )
        published = published_indicators(raw, level=level)
        if level == "neighbourhoods":
            non_residential = set(neighbourhoods.loc[~neighbourhoods["residential"], "code"])
            dropped = published["code"].isin(non_residential)
            if dropped.any():
                notes.append(
                    f"{int(dropped.sum())} published value(s) of non-residential "
                    "neighbourhoods left out: population-based figures do not apply there"
                )
            published = published[~dropped]
    counts = [population_rows(sectors, year=year, source=manifest.sectors.provenance.source)]
    ages = _sector_ages(manifest)
    if ages is not None:
        counts.append(observed_sector_ages(ages, year=year))
    estimated = estimate_sector_counts(sectors, crosswalk, published)
    observed = set(pd.concat(counts)["indicator"])
    counts.append(estimated[~estimated["indicator"].isin(observed)])
    sector_counts = with_totals(pd.concat(counts, ignore_index=True))
    need = pd.concat(
        [
            sector_counts,
            aggregate_counts(sector_counts, sectors, crosswalk, crosswalk_method=crosswalk_method),
            published,
        ],
        ignore_index=True,
    )[NEED_COLUMNS]

    step("write")
    synthetic = manifest.synthetic
    p_sec, p_nbh, p_com = (
        manifest.sectors.provenance,
        manifest.neighbourhoods.provenance,
        manifest.communes.provenance,
    )
    sources = [p_sec, p_nbh] + ([manifest.indicators.provenance] if manifest.indicators else [])
    tables: dict[str, pd.DataFrame] = {
        "sectors": sectors,
        "neighbourhoods": neighbourhoods,
        "communes": communes,
        "region": region,
        "sector_neighbourhood": crosswalk,
        "need": need,
    }
    records = {
        "sectors": TableRecord("Statistical sectors", p_sec, "read as published; EPSG:31370", synthetic),
        "neighbourhoods": TableRecord(
            "Monitoring neighbourhoods",
            p_nbh,
            "population = sector populations moved by the crosswalk; residential = code below "
            f"{manifest.neighbourhoods.options.get('non_residential_from', 'none')}",
            synthetic,
        ),
        "communes": TableRecord("Communes", p_com, "population = sum of their sectors", synthetic),
        "region": TableRecord("Region", p_com, "union of the communes", synthetic),
        "sector_neighbourhood": TableRecord(
            "Sector to neighbourhood crosswalk",
            _joined(p_sec, p_nbh, source="overlay of the sectors and the neighbourhoods"),
            f"{crosswalk_method}: {METHODS[crosswalk_method]}",
            synthetic,
        ),
        "need": TableRecord(
            "Target populations and need indicators",
            _joined(*sources, source="sector populations and published indicators"),
            "per row, in the 'method' column",
            synthetic,
        ),
    }
    for zoning, _ in zones:
        name = f"zoning_{zoning['zoning'].iloc[0]}"
        source = next(
            z
            for z in manifest.zonings
            if str(z.options.get("name") or z.file.stem) == zoning["zoning"].iloc[0]
        )
        tables[name] = zoning
        records[name] = TableRecord(
            f"Custom zoning {zoning['zoning'].iloc[0]}",
            source.provenance,
            "polygons as given, or unions of the listed sectors",
            synthetic,
        )
    info = {
        "title": manifest.title,
        "manifest": str(manifest.path),
        "synthetic": str(synthetic),
        "crosswalk_method": crosswalk_method,
        "crs": "EPSG:31370",
    }
    path = write_workspace(out, tables, records, info=info)
    return BuildReport(
        path=path,
        counts={name: len(frame) for name, frame in tables.items() if isinstance(frame, gpd.GeoDataFrame)},
        population=int(sectors["population"].sum()),
        nesting=nesting_summary(crosswalk),
        notes=notes,
    )
