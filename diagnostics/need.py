"""Need: target populations and need indicators per unit, and how they move between levels.

Need arrives at different levels: sector populations (Statbel), neighbourhood shares (IBSA
Monitoring des quartiers), sometimes sector counts by age. This module puts them in one long table

``level, code, indicator, year, value, unit, method``

where ``method`` says, for every figure, whether it is published, observed, summed or estimated
and how — moving a figure between levels is always explicit.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from geo.crosswalk import to_neighbourhoods

CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "data" / "indicators.csv"
NEED_COLUMNS = ["level", "code", "indicator", "year", "value", "unit", "method"]
AGE_BANDS = (
    "pop_0_2",
    "pop_3_5",
    "pop_6_11",
    "pop_12_17",
    "pop_18_24",
    "pop_25_64",
    "pop_65_79",
    "pop_80_plus",
)


@lru_cache(maxsize=1)
def catalogue() -> pd.DataFrame:
    """The indicator catalogue (``data/indicators.csv``): ids, source labels, units, FR/NL/EN."""
    return pd.read_csv(CATALOGUE_FILE, dtype=str, keep_default_na=False).set_index("id")


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:60]


def published_indicators(raw: pd.DataFrame, *, level: str) -> pd.DataFrame:
    """Published indicators (``unit_code, source_label, unit, year, value``) as need rows.

    Source labels found in the catalogue get its id; others keep a slug of their label, so no
    published figure is lost.
    """
    ids = {row.source_label: idx for idx, row in catalogue().iterrows() if row.source_label}
    out = pd.DataFrame(
        {
            "level": level,
            "code": raw["unit_code"].astype(str),
            "indicator": [ids.get(label) or _slug(label) for label in raw["source_label"]],
            "year": raw["year"].astype("int64"),
            "value": raw["value"].astype(float),
            "unit": raw["unit"],
            "method": "published",
        }
    )
    return out[NEED_COLUMNS]


def _latest(published: pd.DataFrame, indicator: str) -> tuple[int, pd.Series] | None:
    rows = published[published["indicator"] == indicator]
    if rows.empty:
        return None
    year = int(rows["year"].max())
    return year, rows[rows["year"] == year].set_index("code")["value"]


def estimate_sector_counts(
    sectors: pd.DataFrame, crosswalk: pd.DataFrame, published: pd.DataFrame
) -> pd.DataFrame:
    """Estimate sector counts from neighbourhood shares: sector population × share.

    For every catalogue indicator with a ``count_of`` (e.g. ``share_80_plus`` → ``pop_80_plus``),
    the share of a sector is the crosswalk-weighted mean of the latest published shares of the
    neighbourhoods it lies in. A sector whose neighbourhoods publish nothing (non-residential
    ones) takes the population-weighted share of its commune's other sectors, then the region's.
    Each row's ``method`` says which.

    Parameters
    ----------
    sectors
        ``code, commune_code, population``.
    crosswalk
        From :func:`geo.crosswalk.sector_crosswalk`.
    published
        Need rows at neighbourhood level (:func:`published_indicators`).
    """
    population = sectors.set_index("code")["population"].astype(float)
    commune = sectors.set_index("code")["commune_code"]
    frames = []
    for share_id, entry in catalogue().iterrows():
        if not entry.count_of or (latest := _latest(published, str(share_id))) is None:
            continue
        year, shares = latest
        known = crosswalk.assign(share=crosswalk["neighbourhood_code"].map(shares))
        known = known[known["share"].notna() & (known["weight"] > 0)]
        weight = known.groupby("sector_code")["weight"].sum()
        share = (known["share"] * known["weight"]).groupby(known["sector_code"]).sum() / weight
        share = share.reindex(population.index)
        method = pd.Series(
            f"estimated: sector population × neighbourhood share ({year}, crosswalk weights)",
            index=population.index,
        )
        have = share.notna()
        weights = population[have]
        by_commune = (share[have] * weights).groupby(commune[have]).sum() / weights.groupby(
            commune[have]
        ).sum()
        region = float((share[have] * weights).sum() / weights.sum())
        fill_commune = (~have) & commune.map(by_commune).notna()
        share[fill_commune] = commune[fill_commune].map(by_commune)
        method[fill_commune] = (
            f"estimated: sector population × commune share ({year}, no published neighbourhood share)"
        )
        fill_region = share.isna()
        share[fill_region] = region
        method[fill_region] = f"estimated: sector population × regional share ({year})"
        frames.append(
            pd.DataFrame(
                {
                    "level": "sectors",
                    "code": population.index,
                    "indicator": entry.count_of,
                    "year": year,
                    "value": (population * share / 100.0).to_numpy(),
                    "unit": "persons",
                    "method": method.to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=NEED_COLUMNS)


def observed_sector_ages(table: pd.DataFrame, *, year: int) -> pd.DataFrame:
    """Sector counts by age band from a table ``code`` + one column per band of :data:`AGE_BANDS`."""
    rows = table.melt(
        id_vars="code",
        value_vars=[b for b in AGE_BANDS if b in table],
        var_name="indicator",
        value_name="value",
    )
    rows = rows.assign(
        level="sectors", year=year, unit="persons", method="observed (sector population by age band)"
    )
    return rows[NEED_COLUMNS]


def with_totals(sector_counts: pd.DataFrame) -> pd.DataFrame:
    """Add ``pop_65_plus`` (65–79 + 80+) to sector counts where both bands exist."""
    wide = sector_counts.pivot_table(index="code", columns="indicator", values="value")
    if not {"pop_65_79", "pop_80_plus"} <= set(wide.columns):
        return sector_counts
    parts = sector_counts[sector_counts["indicator"].isin(["pop_65_79", "pop_80_plus"])]
    methods = parts.groupby("code")["method"].first()
    total = pd.DataFrame(
        {
            "level": "sectors",
            "code": wide.index,
            "indicator": "pop_65_plus",
            "year": int(parts["year"].max()),
            "value": (wide["pop_65_79"] + wide["pop_80_plus"]).to_numpy(),
            "unit": "persons",
            "method": methods.reindex(wide.index).to_numpy(),
        }
    )
    return pd.concat([sector_counts, total], ignore_index=True)


def aggregate_counts(
    sector_counts: pd.DataFrame, sectors: pd.DataFrame, crosswalk: pd.DataFrame, *, crosswalk_method: str
) -> pd.DataFrame:
    """Move sector counts up: to communes and the region by sums, to neighbourhoods by crosswalk."""
    commune = sectors.set_index("code")["commune_code"]
    frames = []
    for (indicator, year, unit), rows in sector_counts.groupby(["indicator", "year", "unit"]):
        values = rows.set_index("code")["value"]
        kind = "observed" if rows["method"].str.startswith("observed").all() else "estimated"
        by_commune = values.groupby(commune.reindex(values.index)).sum()
        by_neighbourhood = to_neighbourhoods(values, crosswalk)
        for level, series, how in (
            ("communes", by_commune, f"sum of sector counts ({kind})"),
            (
                "neighbourhoods",
                by_neighbourhood,
                f"sector counts ({kind}) moved by the crosswalk ({crosswalk_method} weights)",
            ),
            ("region", pd.Series({"region": values.sum()}), f"sum of sector counts ({kind})"),
        ):
            frames.append(
                pd.DataFrame(
                    {
                        "level": level,
                        "code": series.index.astype(str),
                        "indicator": indicator,
                        "year": year,
                        "value": series.to_numpy(),
                        "unit": unit,
                        "method": how,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def population_rows(sectors: pd.DataFrame, *, year: int, source: str) -> pd.DataFrame:
    """Total population of each sector as need rows."""
    return pd.DataFrame(
        {
            "level": "sectors",
            "code": sectors["code"],
            "indicator": "pop_total",
            "year": year,
            "value": sectors["population"].astype(float),
            "unit": "persons",
            "method": f"observed ({source})",
        }
    )[NEED_COLUMNS]
