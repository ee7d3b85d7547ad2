"""The synthetic demonstration region (:data:`_README`): a fake city with the structure of Brussels.

:func:`generate_demo` builds it from a seed, in EPSG:31370 on a 1 m grid; :func:`write_demo` writes it in
WGS84 (6 decimals), shared borders from the same vertices: communes stay exact unions of sectors."""

from __future__ import annotations

import gzip
import itertools
import json
import operator
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPoint, Polygon

SEED = 2019
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CENTRE = np.array([149_000.0, 170_000.0])
AREA = 161.0e6
REACH = float(np.sqrt(AREA / np.pi))
N_SECTORS, N_NEIGHBOURHOODS, N_COMMUNES, N_OUTSIDE = 724, 145, 19, 12
YEARS = (2020, 2021, 2022, 2023)
STALE_BEFORE = date(2023, 1, 1)


def _pairs(text: str, sep: str = " ") -> list[tuple[str, ...]]:
    return [tuple(w.split(sep)) for w in text.split("|")]


# French noun, Dutch noun, French article (du, la = de la, l = de l', des).
_NOUNS = _pairs(
    "Tilleuls Linden des|Moulin Molen du|Gare Station la|Marché Markt du|Château Kasteel du|Étang Vijver l|"
    "Bois Bos du|Chapelle Kapel la|Pont Brug du|Fontaine Fontein la|Église Kerk l|Prairie Weide la|"
    "Ruisseau Beek du|Colline Heuvel la|Verger Boomgaard du|Chêne Eik du|Hêtres Beuken des|"
    "Saules Wilgen des|Roses Rozen des|Abbaye Abdij l|Ferme Hoeve la|Brasserie Brouwerij la|Tour Toren la|"
    "Forge Smidse la|Jardin Tuin du|Cerisiers Kersen des|Alouettes Leeuweriken des|Rossignol Nachtegaal du|"
    "Cygne Zwaan du|Lion Leeuw du|Soleil Zon du|Étoile Ster l|Lune Maan la|Source Bron la|Vallée Vallei la|"
    "Port Haven du|Canal Kanaal du|Digue Dijk la|Sablon Zavel du|Houblon Hop du|Blé Koren du|Lin Vlas du|"
    "Tisserands Wevers des|Peupliers Populieren des|Noisetiers Hazelaars des|Bruyère Heide la|"
    "Genêts Brem des|Pigeons Duiven des|Hirondelles Zwaluwen des|Abeilles Bijen des|Renard Vos du|"
    "Cerf Hert du|Meuniers Molenaars des|Vignes Wijngaard des|Puits Put du|Carrière Groeve la|"
    "Poste Post la|Écluse Sluis l|Orme Olm l|Bouleaux Berken des|Marais Moeras du|Horloge Klok l|"
    "Arbre Boom l|Couvent Klooster du")
_STREETS = _pairs("Rue straat|Avenue laan|Place plein|Chaussée steenweg|Square square|Clos gaarde|"
                  "Drève dreef|Chemin weg|Quai kaai|Parvis voorplein|Impasse gang|Sentier pad|Cité hof|"
                  "Boulevard boulevard")
_PREFIXES = _pairs("Val dal|Mont berg|Champ veld|Sart rode|Rive oever|Gué voorde|Ham hem|Bourg burg")
_QUALIFIERS = _pairs("Nord Noord|Sud Zuid|Est Oost|Ouest West|Centre Centrum|Haut Boven|Bas Beneden")
_ORG_PREFIXES = _pairs(
    "Réseau/Netwerk|Maison/Huis|Fondation/Stichting|Association/Vereniging|Centre/Centrum|Foyer/Thuis", "/")
# Non-residential neighbourhoods (IBSA codes): 800-805 named so, cemeteries and parks after a noun.
_NON_RESIDENTIAL = dict(zip(range(800, 806), _pairs(
    "Zone industrielle du Canal/Industriezone Kanaal|Zone industrielle Nord/Industriezone Noord|"
    "Zone portuaire/Havengebied|Zone industrielle Sud/Industriezone Zuid|Gare de l'Ouest/Weststation|"
    "Gare de formation/Vormingsstation", "/"), strict=True))
_GREEN = {**dict.fromkeys(range(700, 703), ("Cimetière", "kerkhof")),
          **dict.fromkeys(range(900, 918), ("Parc", "park")), 906: ("Forêt", "woud"), 914: ("Bois", "bos")}
# Residents of the real communes in 2024 by rank: the sizes of the demo communes (centre: 13 %).
_POPULATION_BY_RANK = (195703, 130027, 126196, 98171, 89068, 86613, 60673, 57945, 53984, 49647,
                       49168, 45105, 42525, 35310, 26789, 25771, 25535, 25278, 22628)
# Published 2019 figures (shared/data/bruxelles_social_2019): the rows of sites_per_commune in the
# population rank of the real communes (real NIS, located, public service, accredited, other).
COMMUNE_SITES = ((21004, 963, 191, 487, 363), (21015, 365, 46, 218, 114), (21001, 274, 69, 174, 56),
                 (21012, 269, 53, 161, 66), (21009, 251, 54, 149, 72), (21016, 201, 48, 133, 43),
                 (21018, 154, 30, 97, 40), (21007, 143, 37, 98, 23), (21010, 128, 31, 84, 25),
                 (21005, 146, 24, 95, 38), (21013, 213, 46, 142, 44), (21006, 99, 31, 62, 17),
                 (21019, 101, 26, 57, 34), (21002, 89, 20, 51, 26), (21014, 156, 36, 81, 52),
                 (21003, 73, 25, 42, 21), (21008, 66, 18, 38, 18), (21017, 81, 22, 45, 25),
                 (21011, 48, 15, 31, 11))
OUTSIDE_SITES = (200, 2, 54, 144)
SECTOR_SITES = {"S-AS": 118, "S-PD": 740, "S-SA": 156, "S-LO": 368, "S-AF": 96, "S-AV": 160, "S-IS": 432,
                "S-PE": 848, "S-EJ": 902, "S-AJ": 142, "S-FA": 567, "S-SE": 904, "S-PH": 674, "S-PS": 264,
                "S-SP": 827, "S-SM": 394, "S-AD": 243, "S-ED": 38, "S-AM": 634, "S-LG": 34, "S-CR": 156,
                "S-SO": 590}
AUTHORITY_SITES = {"Autorité fédérale": 8, "Région de Bruxelles-Capitale": 232, "SLRB": 63,
                   "Communauté française": 177, "ONE": 596, "COCOF": 546, "PHARE": 88, "COCOM": 203,
                   "Vlaamse Gemeenschap": 193, "VAPH": 49, "VDAB": 1, "Kind en Gezin": 240, "VGC": 45,
                   "OIP Iriscare": 201}
COCOF_SERIES = {"A-COCOF-01": 40, "A-COCOF-02": 22, "A-COCOF-03": 15, "A-COCOF-04": 5, "A-COCOF-05": 5}
FLAW_COUNTS = {"missing_coordinates": 20, "swapped_lat_lon": 8, "lambert_mismatch": 6, "commune_mismatch": 15}
N_DUPLICATES, N_HEAD_OFFICES, N_PUBLISHED_HEAD_OFFICES, N_UNPUBLISHED = 10, 90, 50, 110
# The category each accreditation type stands for, in the order of data/accreditations.csv.
_ACCREDITATION_CATEGORY = {f"A-{a}-{k + 1:02d}": f"C-{c}" for a, cs in {
    "FED": "AM-01 AV-03 SP-08", "RBC": "IS-01 LO-01 IS-02 LO-03 IS-05 LO-06", "SLRB": "LO-02 AM-04",
    "CF": "AJ-01 EJ-02 EJ-04 IS-04 AV-01 AF-01 AF-05 AJ-02",
    "ONE": "PE-01 PE-03 PE-02 EJ-01 EJ-03 EJ-05 FA-05", "PHARE": "PH-01 PH-03 PH-02 PH-04 PH-05 PH-06",
    "COCOF": "SP-01 SM-01 AD-01 SP-06 SP-07 FA-01 SA-01 SE-06 AS-02 AS-06 IS-01 AM-04 FA-03 SE-01 "
             "SE-03 PS-04 AM-02 AM-05", "COCOM": "AS-02 SA-02 SA-01 SA-03 SM-01 SE-06 SA-04 AS-06 FA-01",
    "VG": "AS-02 PE-06 SM-01 EJ-04 IS-04 EJ-06 AV-04 SE-06 AM-06 SE-01", "VAPH": "PH-01 PH-03 PH-03 PH-03",
    "VDAB": "IS-06 IS-06", "KG": "PE-01 PE-03 PE-02 PE-05 FA-04 EJ-03", "VGC": "SE-08 EJ-01 EJ-03 SE-03",
    "IRIS": "SE-01 SE-02 SE-03 SE-05 SM-04 SM-03 SP-08 SE-04"}.items() for k, c in enumerate(cs.split())}
# Capacity by category: b = beds, p = places, and the range drawn from.
_CAPACITY = {f"C-{k}": (v[0], int(v[1:].split("-")[0]), int(v.split("-")[1])) for k, v in _pairs(
    "SA-01:b15-60|SA-02:b20-120|SE-01:b40-180|SE-02:b60-200|SE-05:b5-30|PH-02:b10-60|SM-03:b8-40|SM-04:b30-90|"
    "AD-04:b10-30|AJ-02:b8-30|AM-01:b40-300|LG-04:b6-15|SP-04:b150-800|SP-08:b30-150|PE-01:p14-84|PE-02:p4-40|"
    "PE-04:p8-24|EJ-03:p20-120|SE-03:p10-30|PH-01:p10-60|SA-03:p20-80|SM-06:p10-30", ":")}
_OFFERS = {"residential": {c for c, v in _CAPACITY.items() if v[0] == "b"},
           "at_home": {"C-SE-06", "C-SE-07", "C-SP-05", "C-SP-06", "C-SP-07", "C-SM-05", "C-PH-03"},
           "street": {"C-SA-04", "C-AD-02", "C-PS-05"}, "phone": {"C-SM-02", "C-LG-03"}}
# Never drawn at random: public-only, the COCOF map series, and categories with a capacity.
_NOT_DRAWN = {"C-AS-01", "C-AS-03", "C-LO-02", "C-AF-01", "C-SP-01", "C-SM-01", "C-AD-01", "C-SP-06",
              "C-SP-07"} | set(_CAPACITY)
_COMMUNAL = ["C-LO-03", "C-SE-08", "C-EJ-02", "C-IS-06", "C-CR-01", "C-AM-06", "C-PS-02", "C-AF-04"]
_LANGUAGES = ["ar", "es", "tr", "pt", "it", "pl", "ro", "ru", "de", "ber", "ln", "fa"]
_BANDS = ["age_0_2", "age_3_5", "age_6_11", "age_12_17", "age_18_24", "age_25_64", "age_65_79", "age_80_plus"]


@dataclass(frozen=True)
class DemoRegion:
    """The generated region: units (EPSG:4326), tables, the directory and its ground truth:
    ``sites`` says where each record really is, whatever it declares; ``flaws`` its flaws;
    ``nesting`` the share of sectors ≥ 99 % in one neighbourhood (``nested``), the ``worst``."""

    seed: int
    sectors: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame
    neighbourhoods: gpd.GeoDataFrame
    sector_ages: pd.DataFrame
    indicators: pd.DataFrame
    directory: dict[str, Any]
    sites: pd.DataFrame
    flaws: pd.DataFrame
    nesting: dict[str, float]


class _Geography:
    """The region in EPSG:31370 by sector: neighbourhood and commune labels, population, splits."""

    nb: np.ndarray
    nb_code: np.ndarray
    pop: np.ndarray
    com: np.ndarray

    def __init__(self, region: Polygon, polys: np.ndarray) -> None:
        self.region, self.polys = region, polys
        self.splits: dict[int, tuple[Polygon, Polygon, int]] = {}
        self.cent = shapely.get_coordinates(shapely.centroid(polys))
        inner = shapely.buffer(polys, -2.0)
        self.inner = np.where(shapely.area(inner) > 0, inner, polys)
        shapely.prepare(self.inner)
        i, j = shapely.STRtree(polys).query(polys, predicate="intersects")
        i, j = i[i < j], j[i < j]
        length = shapely.length(shapely.intersection(shapely.boundary(polys[i]), shapely.boundary(polys[j])))
        self.nbrs: list[dict[int, float]] = [{} for _ in polys]  # neighbours: length of border shared
        for a, b, w in zip(i.tolist(), j.tolist(), length.tolist(), strict=True):
            if w > 0.5:
                self.nbrs[a][b] = self.nbrs[b][a] = w


def _de(noun: tuple[str, ...], *, hyphen: bool = False) -> str:
    """``du Moulin``, ``de la Gare``, ``de l'Étang``, ``des Tilleuls`` (hyphenated in communes)."""
    article = {"du": "du ", "la": "de la ", "l": "de l'", "des": "des "}[noun[2]]
    return (article.replace(" ", "-") if hyphen else article) + noun[0]


def _noun(rng: np.random.Generator) -> tuple[str, ...]:
    return _NOUNS[int(rng.integers(len(_NOUNS)))]


def _pick(rng: np.random.Generator, weight: np.ndarray) -> int:
    cum = np.cumsum(weight)  # one index drawn with probability proportional to weight
    return int(np.searchsorted(cum, rng.uniform() * cum[-1], side="right"))


def _distance(points: np.ndarray, to: np.ndarray) -> np.ndarray:
    return np.hypot(points[:, None, 0] - to[None, :, 0], points[:, None, 1] - to[None, :, 1])


def _polar(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance and bearing (clockwise from north) from the centre, signed distance to the canal."""
    dx, dy = (points - CENTRE).T
    canal = np.sin(1.13) * (-900.0 - dx) + np.cos(1.13) * dy  # a line SW to NNE, positive west of it
    return np.hypot(dx, dy), np.mod(np.arctan2(dx, dy), 2 * np.pi), canal


def _region(rng: np.random.Generator) -> Polygon:
    """An irregular blob of :data:`AREA` m² centred on :data:`CENTRE`, on a 1 m grid."""
    theta = np.linspace(0.0, 2 * np.pi, 480, endpoint=False)
    log_r = np.zeros_like(theta)
    for k in range(2, 18):
        amplitude = (0.14 if k < 7 else 0.03) / k**0.5
        log_r += rng.normal(0.0, amplitude) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r = np.exp(log_r) * np.sqrt(AREA / (np.sum(np.exp(2 * log_r)) * np.pi / theta.size))
    ring = np.round(CENTRE + np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
    return shapely.set_precision(Polygon(ring), 1.0)


def _sectors(rng: np.random.Generator, region: Polygon, n: int) -> np.ndarray:
    """``n`` Voronoi cells of spaced seeds, denser in the centre, clipped and noded on a 1 m grid."""
    density = lambda p: np.exp(-_polar(p)[0] / 3000.0) + 0.12  # noqa: E731
    x0, y0, x1, y1 = region.bounds
    grid = np.stack(np.meshgrid(np.arange(x0, x1, 100.0), np.arange(y0, y1, 100.0)), -1).reshape(-1, 2)
    per_m2 = n / (density(grid[shapely.contains_xy(region, *grid.T)]).sum() * 1e4)
    points, count = np.empty((n, 2)), 0
    while count < n:
        cand = rng.uniform((x0, y0), (x1, y1), size=(2048, 2))
        lam = density(cand)
        keep = shapely.contains_xy(region, *cand.T) & (rng.uniform(size=2048) < lam / 1.12)
        for p, lp in zip(cand[keep], lam[keep], strict=True):
            if count and np.min(np.hypot(*(points[:count] - p).T)) < 0.6 / np.sqrt(lp * per_m2):
                continue
            points[count], count = p, count + 1
            if count == n:
                break
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(
        MultiPoint(points), extend_to=region.buffer(3000))), region)
    lines = shapely.set_precision(shapely.union_all(shapely.boundary(cells)), 1.0)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    inside, owner = shapely.STRtree(cells).query(shapely.point_on_surface(faces), predicate="within")
    label = np.full(len(faces), -1)
    label[inside] = owner
    return np.asarray([shapely.union_all(faces[label == c]) for c in range(len(cells))], dtype=object)


def _longest_border(nbrs: dict[int, float], labels: np.ndarray, accept: Callable[[int], bool]
                    ) -> int | None:
    """The accepted label sharing the longest border with a sector, if any."""
    border: dict[int, float] = {}
    for t, w in nbrs.items():
        if accept(int(labels[t])):
            border[int(labels[t])] = border.get(int(labels[t]), 0.0) + w
    return max(sorted(border), key=lambda k: border[k]) if border else None


def _contiguous(labels: np.ndarray, nbrs: list[dict[int, float]], anchors: dict[int, int]
                ) -> np.ndarray:
    """Relabel until each label is one connected group holding its anchor sector."""
    labels, changed = labels.copy(), True
    while changed:
        changed = False
        for lab, anchor in sorted(anchors.items()):
            members = set(np.flatnonzero(labels == lab).tolist())
            seen, stack = {anchor}, [anchor]
            while stack:
                for t in nbrs[stack.pop()]:
                    if t in members and t not in seen:
                        seen.add(t)
                        stack.append(t)
            for s in sorted(members - seen):
                best = _longest_border(nbrs[s], labels, partial(operator.ne, lab))
                if best is not None:
                    labels[s], changed = best, True
    return labels


def _neighbourhoods(rng: np.random.Generator, g: _Geography) -> None:
    """Cluster sectors into 145 neighbourhoods; make 27 small non-residential ones (IBSA codes)."""
    centres = g.cent[rng.choice(len(g.cent), N_NEIGHBOURHOODS, replace=False)].copy()
    for _ in range(12):  # k-means on the sector centroids
        lab = np.argmin(_distance(g.cent, centres), axis=1)
        centres = np.array([g.cent[lab == c].mean(axis=0) if (lab == c).any() else centres[c]
                            for c in range(N_NEIGHBOURHOODS)])
    seeds: list[int] = []
    for c in range(N_NEIGHBOURHOODS):
        order = np.argsort(np.hypot(*(g.cent - centres[c]).T), kind="stable").tolist()
        seeds.append(next(o for o in order if o not in seeds))
    anchors = dict(enumerate(seeds))
    g.nb = _contiguous(np.argmin(_distance(g.cent, g.cent[seeds]), axis=1), g.nbrs, anchors)
    at, codes = g.cent[seeds], np.zeros(N_NEIGHBOURHOODS, dtype=int)
    r = _polar(at)[0]
    near_canal = np.argsort(np.abs(_polar(at)[2]) + 1e9 * (r < 1200), kind="stable")[:6].tolist()
    station = min(near_canal, key=lambda c: r[c])
    codes[station] = 804
    codes[sorted((c for c in near_canal if c != station), key=lambda c: -at[c, 1])] = [
        801, 802, 800, 805, 803]
    codes[rng.choice(np.flatnonzero((codes == 0) & (r > 0.5 * REACH)), 3, replace=False)] = [700, 701, 702]
    free = np.flatnonzero(codes == 0)
    weight = (r[free] / REACH) ** 2 + 0.05
    parks = rng.choice(free, 18, replace=False, p=weight / weight.sum())
    forest = np.argmax([shapely.area(g.polys[g.nb == p]).sum() for p in parks])
    codes[parks] = np.insert(rng.permutation([c for c in range(900, 918) if c != 906]), forest, 906)
    for lab in np.flatnonzero(codes):
        members = np.flatnonzero(g.nb == lab)
        keep = 6 if codes[lab] == 906 else int(rng.integers(1, 4))
        g.nb[members[np.argsort(np.hypot(*(g.cent[members] - g.cent[seeds[lab]]).T))][keep:]] = -1
    homes = np.flatnonzero(codes == 0)  # the freed sectors join the nearest residential neighbourhood
    g.nb[g.nb < 0] = homes[np.argmin(_distance(g.cent[g.nb < 0], at[homes]), axis=1)]
    g.nb, g.nb_code = _contiguous(g.nb, g.nbrs, anchors), codes


def _splits(rng: np.random.Generator, g: _Geography) -> None:
    """Cut 15 % of the sectors along a diagonal, the minor piece (1-25 %) to the next neighbourhood."""
    border_sectors = [s for s in range(len(g.polys)) if any(g.nb[t] != g.nb[s] for t in g.nbrs[s])]
    for s in rng.permutation(border_sectors).tolist():
        poly = g.polys[s]
        if len(g.splits) == round(0.15 * len(g.polys)):
            break
        if any(t in g.splits for t in g.nbrs[s]):
            continue
        other = _longest_border(g.nbrs[s], g.nb, partial(operator.ne, int(g.nb[s])))
        touching = shapely.union_all([g.polys[t] for t in g.nbrs[s] if g.nb[t] == other]).boundary
        target = 0.012 + 0.238 * rng.uniform() ** 3
        ring = np.asarray(poly.exterior.coords)[:-1]
        m, best = len(ring), None
        for i, d in ((i, d) for i in range(m) for d in (2, 3) if d < m - 1):
            minor = Polygon(ring[[(i + q) % m for q in range(d + 1)]])
            major = Polygon(ring[[(i + d + q) % m for q in range(m - d + 1)]])
            share = minor.area / poly.area
            if (0.012 <= share <= 0.25 and minor.is_valid and major.is_valid
                    and abs(minor.area + major.area - poly.area) < 1.0
                    and shapely.intersection(minor.boundary, touching).length > 1.0
                    and (best is None or abs(share - target) < best[0])):
                best = (abs(share - target), major, minor)
        if best is not None and other is not None:
            g.splits[s] = (best[1], best[2], other)


def _population(rng: np.random.Generator, g: _Geography) -> None:
    """Residents per sector: density falling from the centre; 0-50 in non-residential areas."""
    res, r = g.nb_code[g.nb] == 0, _polar(g.cent)[0]
    raw = shapely.area(g.polys) / 1e4 * (240 * np.exp(-r / 2800) + 18) * rng.lognormal(0, 0.35, r.size)
    g.pop = np.where(res, 0, rng.integers(0, 51, r.size) * (rng.uniform(size=r.size) < 0.6))
    left = int(rng.integers(1_180_000, 1_220_001)) - int(g.pop.sum())
    quota = raw[res] / raw[res].sum() * left
    share = np.floor(quota).astype(int)
    share[np.argsort(-(quota - share), kind="stable")[: left - share.sum()]] += 1
    g.pop[res] = share


def _communes(rng: np.random.Generator, g: _Geography) -> np.ndarray:
    """Group sectors into 19 communes (power diagram fitted to target populations); the seeds."""
    turn = rng.uniform(0, 2 * np.pi, 2)
    angles = [turn[n // 12] + 2 * np.pi * k / n + rng.normal(0, 0.08) for n in (6, 12) for k in range(n)]
    radius = np.array([0.0] + [rng.uniform(0.36, 0.44) * REACH] * 6 + [rng.uniform(0.74, 0.82) * REACH] * 12)
    seeds = CENTRE + radius[:, None] * np.vstack([[0.0, 0.0], np.column_stack([np.sin(angles),
                                                                               np.cos(angles)])])
    shares = np.array(_POPULATION_BY_RANK[1:], dtype=float)
    target = g.pop.sum() * np.concatenate(
        [[0.13], rng.permutation(shares / shares.sum() * 0.87)])
    d2, weight = _distance(g.cent, seeds) ** 2, np.zeros(N_COMMUNES)
    for it in range(2500):
        got = np.bincount(np.argmin(d2 - weight, axis=1), g.pop, N_COMMUNES)
        weight += 2e5 * (1 - it / 3000) * np.clip(np.log((target + 1) / (got + 1)), -1, 1)
    lab, anchors = np.argmin(d2 - weight, axis=1), {}
    for c in range(N_COMMUNES):
        anchors[c] = int(np.argmin(np.hypot(*(g.cent - seeds[c]).T) + 1e9 * (lab != c)))
        lab[anchors[c]] = c
    g.com = _contiguous(lab, g.nbrs, anchors)
    return seeds


def _tables(rng: np.random.Generator, g: _Geography, seeds: np.ndarray
            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Codes and names: communes (by label), places outside, sectors, neighbourhoods (by label)."""
    nouns = [_NOUNS[i] for i in rng.choice(len(_NOUNS), N_COMMUNES + N_OUTSIDE, replace=False)]
    names = [(f"{p[0]}-{_de(n, hyphen=True)}", n[1] + p[1]) for n in nouns
             for p in [_PREFIXES[int(rng.integers(len(_PREFIXES)))]]]
    com = pd.DataFrame(names[:N_COMMUNES], columns=["name_fr", "name_nl"])
    com["population"] = np.bincount(g.com, g.pop, N_COMMUNES).astype(int)
    com["nis"] = (com["name_fr"].rank(method="first").astype(int) + 99000).astype(str)
    turn = np.argsort(np.argsort(_polar(seeds)[1] + 10 * (np.arange(N_COMMUNES) == 0)))
    com["postcode"] = [str(9100 + 10 * ((t + 1) % N_COMMUNES)) for t in turn]  # centre: 9100
    out = pd.DataFrame(names[N_COMMUNES:], columns=["name_fr", "name_nl"]).assign(
        nis=[f"{98001 + k}" for k in range(N_OUTSIDE)], postcode=[f"{9300 + 10 * k}" for k in
                                                                   range(N_OUTSIDE)])
    combos = [(t, n) for t in _STREETS for n in _NOUNS]
    picks = [combos[i] for i in rng.choice(len(combos), len(g.polys), replace=False)]
    nis, ids = com["nis"].tolist(), np.empty(len(g.polys), dtype=object)
    for c in range(N_COMMUNES):  # codes by distance from the most populated sector
        members = np.flatnonzero(g.com == c)
        first = g.cent[members[np.argmax(g.pop[members])]]
        order = members[np.argsort(np.hypot(*(g.cent[members] - first).T), kind="stable")]
        ids[order] = [f"{nis[c]}{chr(65 + k // 30)}{k % 30:02d}-" for k in range(len(order))]
    sec = pd.DataFrame({"id": ids, "name_fr": [f"{t[0]} {_de(n)}" for t, n in picks], "name_nl": [
        n[1] + t[1] for t, n in picks], "cd_munty_refnis": np.array(nis)[g.com], "population": g.pop})
    where = np.array([g.cent[g.nb == k].mean(axis=0) for k in range(N_NEIGHBOURHOODS)])
    main = [com.at[np.bincount(g.com[g.nb == k], minlength=N_COMMUNES).argmax(), "nis"]
            for k in range(N_NEIGHBOURHOODS)]
    code = g.nb_code.copy()
    code[sorted(np.flatnonzero(code == 0), key=lambda k: (main[k], _polar(where[[k]])[1][0]))] = \
        np.arange(1, (code == 0).sum() + 1)
    pool = [n[:2] for n in _NOUNS] + [(f"{n[0]} {q[0]}", f"{n[1]} {q[1]}")
                                      for n in _NOUNS for q in _QUALIFIERS]
    picked = iter(pool[i] for i in rng.choice(len(pool), N_NEIGHBOURHOODS, replace=False))
    green = iter(_NOUNS[i] for i in rng.choice(len(_NOUNS), len(_GREEN), replace=False))
    nb = pd.DataFrame([(c, *(_NON_RESIDENTIAL.get(c) or next(
        (f"{_GREEN[c][0]} {_de(n)}", n[1] + _GREEN[c][1]) for n in green) if c >= 700 else next(picked)))
        for c in code.tolist()], columns=["territory_code", "territory_name_fr", "territory_name_nl"])
    return com, out, sec, nb


def _frames(g: _Geography, com: pd.DataFrame, sec: pd.DataFrame, nb: pd.DataFrame
            ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    """The three layers in WGS84, and the sector → neighbourhood crosswalk (area shares)."""
    atoms, rows = [], []
    for s, poly in enumerate(g.polys):
        major, *minor = g.splits.get(s, (poly,))
        atoms += [major, *minor[:1]]
        rows += [(s, int(g.nb[s]), major.area / poly.area)] + [
            (s, o, m.area / poly.area) for m, o in ([minor] if minor else [])]
    xwalk = pd.DataFrame(rows, columns=["sector", "label", "share"])
    to = Transformer.from_crs(31370, 4326, always_xy=True)  # (lon, lat) to 6 decimals, by vertex
    wgs, atoms_wgs = (shapely.transform(np.asarray(a, dtype=object), lambda xy: np.round(
        np.column_stack(to.transform(*xy.T)), 6)) for a in (g.polys, atoms))
    sectors = gpd.GeoDataFrame(sec, geometry=wgs, crs=4326)
    communes = gpd.GeoDataFrame(com[["nis", "name_fr", "name_nl", "population", "postcode"]], crs=4326,
                                geometry=[shapely.union_all(wgs[g.com == c]) for c in range(N_COMMUNES)])
    hoods = gpd.GeoDataFrame(nb, crs=4326, geometry=[
        shapely.union_all(atoms_wgs[xwalk["label"].to_numpy() == k]) for k in range(len(nb))])
    return (sectors.sort_values("id", ignore_index=True), communes.sort_values("nis", ignore_index=True),
            hoods.sort_values("territory_code", ignore_index=True), xwalk)


def _ages(rng: np.random.Generator, g: _Geography, seeds: np.ndarray) -> np.ndarray:
    """Residents by age band: a Brussels-like profile, younger centre, older periphery."""
    base = np.array([3.6, 3.6, 7.3, 6.8, 8.5, 56.7, 10.0, 3.5])
    effect = np.array([-0.6, -0.5, -0.8, -0.4, -1.0, -2.0, 3.5, 1.8])
    old = 2.4 * _polar(seeds)[0] / REACH + rng.normal(0, 0.25, N_COMMUNES)
    old = old[g.com] - np.average(old[g.com], weights=g.pop + 1)
    p = np.clip(base + old[:, None] * effect, 0.5, None) * rng.lognormal(0, 0.1, (len(g.pop), 8))
    return np.array([rng.multinomial(n, q / q.sum()) for n, q in zip(g.pop, p, strict=True)])


def _indicators(rng: np.random.Generator, g: _Geography, ages: np.ndarray, xwalk: pd.DataFrame,
                nb: pd.DataFrame) -> pd.DataFrame:
    """IBSA-like indicators, long form, residential neighbourhoods, poorer centre and west side."""
    w, s, lab = (xwalk[c].to_numpy() for c in ("share", "sector", "label"))
    pop = np.bincount(lab, w * g.pop[s], len(nb))
    share = [100 * np.bincount(lab, w * ages[s, k], len(nb)) / np.maximum(pop, 1) for k in (6, 7)]
    where = np.array([np.average(g.cent[g.nb == k], axis=0, weights=g.pop[g.nb == k] + 1)
                      for k in range(len(nb))])
    poor = 1 - _polar(where)[0] / REACH + 0.2 * (_polar(where)[2] > 0) + rng.normal(0, 0.1, len(nb))
    poor = (poor - poor.min()) / (poor.max() - poor.min())
    noise = lambda sd: rng.normal(0, sd, len(nb))  # noqa: E731
    latest = {  # label: (unit, value in 2023, yearly trend, decimals)
        "Aandeel van de 65-79 jarigen in de totale bevolking": ("%", share[0], 0.995, 2),
        "Aandeel van de 80 jaar en ouder in de totale bevolking": ("%", share[1], 1.0, 2),
        "Aandeel begunstigden van een OCMW-inkomen (leefloon of equivalent) in de bevolking":
            ("%", np.clip(0.8 + 13 * poor**1.4 + noise(0.6), 0.3, None), 1.02, 2),
        "Aandeel van de rechthebbenden op de verhoogde tegemoetkoming in de totale bevolking":
            ("%", np.clip(6 + 46 * poor + noise(2.5), 3, None), 1.01, 2),
        "Werkloosheidsgraad": ("%", np.clip(5 + 24 * poor + noise(1.5), 3, None), 0.97, 2),
        "Mediaan belastbaar inkomen der aangiften": ("€", 31000 - 14000 * poor + noise(900), 1.025, 0),
        "Totale bevolking": ("Aantal inwoners", pop, 1.004, 0)}
    rows, codes, names = [], nb["territory_code"].tolist(), nb["territory_name_nl"].tolist()
    for k in sorted((k for k in range(len(nb)) if codes[k] < 700), key=codes.__getitem__):
        for label, (unit, value, trend, digits) in latest.items():
            for year in YEARS:
                v = value[k] / trend ** (YEARS[-1] - year) * (1 + rng.normal(0, 0.01) * (year < 2023))
                rows.append((codes[k], names[k], label, unit, year,
                             round(float(v), 2) if digits else int(round(v))))
    return pd.DataFrame(rows, columns=["district_code", "district_name", "indicator", "unit", "year",
                                       "value"])


def _skeleton(rng: np.random.Generator, com: pd.DataFrame) -> list[dict[str, Any]]:
    """Published activity sites per commune as in the 2019 figures, then ~5 % back-office records."""
    rank = np.argsort(-com["population"].to_numpy(), kind="stable").tolist()
    sites: list[dict[str, Any]] = []
    new = lambda lab, kind, **more: {"com": lab, "place": lab, "kind": kind, "acc": False,  # noqa: E731
                                     "published": True, "head": False, "back": False, "flaws": [],
                                     "dup": -1, "original": False, **more}
    for k, lab in enumerate([*rank, -1]):
        n, pub, acc, other = COMMUNE_SITES[k][1:] if lab >= 0 else OUTSIDE_SITES
        both = pub + acc + other - n
        flags = [(1, 1)] * both + [(1, 0)] * (pub - both) + [(0, 1)] * (acc - both) + [(0, 0)] * other
        sites += [new(lab, ("cpas" if j < max(1, round(0.05 * pub)) else "admin") if p else "asso",
                      acc=bool(a)) for j, (p, a) in enumerate(flags)]
    for lab in rng.choice(N_COMMUNES, N_DUPLICATES).tolist():  # a duplicate replaces a plain site
        plain = [i for i, s in enumerate(sites) if s["com"] == lab and s["kind"] == "asso"
                 and not s["acc"] and s["dup"] < 0 and not s["original"]]
        slot, original = rng.choice(plain, 2, replace=False).tolist()
        sites[slot]["dup"], sites[original]["original"] = original, True
    return sites + [new(_pick(rng, com.population.to_numpy(float)), "head" if n < N_HEAD_OFFICES else "asso",
                        back=True, head=n < N_HEAD_OFFICES, published=n < N_PUBLISHED_HEAD_OFFICES)
                    for n in range(N_HEAD_OFFICES + N_UNPUBLISHED)]


def _agreements(rng: np.random.Generator, sites: list[dict[str, Any]], tax: pd.DataFrame,
                acc: pd.DataFrame) -> None:
    """Accredited sites per authority as published, then a type each (the COCOF series exactly)."""
    sector_of = dict(tax[["category_id", "sector_id"]].values)
    ids = {a: [x for x in acc.loc[acc["authority"] == a, "accreditation_id"] if x not in COCOF_SERIES]
           for a in AUTHORITY_SITES}
    holders = rng.permutation([i for i, s in enumerate(sites) if s["acc"]]).tolist()
    tokens = rng.permutation(np.repeat(list(AUTHORITY_SITES), list(AUTHORITY_SITES.values())))
    auth = {i: [str(t)] for i, t in zip(holders, tokens, strict=False)}
    ring = itertools.cycle(holders)
    for t in tokens[len(holders):].tolist():  # second and third authorities of a site
        auth[next(i for i in ring if t not in auth[i] and len(auth[i]) < 3)].append(t)
    cocof = sorted((i for i in holders if "COCOF" in auth[i] and sites[i]["com"] >= 0),
                   key=lambda i: sites[i]["kind"] != "asso")
    series = dict(zip(cocof, np.repeat(list(COCOF_SERIES), list(COCOF_SERIES.values())), strict=False))
    weight = {a: np.array([SECTOR_SITES[sector_of[_ACCREDITATION_CATEGORY[x]]] / (k + 1)
                           for k, x in enumerate(ids[a])]) for a in ids}
    for i, s in enumerate(sites):
        s["agreements"] = [str(series[i]) if a == "COCOF" and i in series else
                           ids[a][_pick(rng, weight[a])] for a in auth.get(i, [])]


def _categories(rng: np.random.Generator, sites: list[dict[str, Any]], tax: pd.DataFrame) -> None:
    """Categories of the agreements first, then sectors drawn towards the 2019 sites per sector."""
    sector_of = dict(tax[["category_id", "sector_id"]].values)
    names = list(SECTOR_SITES)
    free = {n: [c for c, s in sector_of.items() if s == n and c not in _NOT_DRAWN] for n in names}
    draw = lambda j: free[names[j]][int(rng.integers(len(free[names[j]])))]  # noqa: E731
    target, count = np.array(list(SECTOR_SITES.values()), dtype=float), np.zeros(len(names))
    todo = [s for s in sites if s["dup"] < 0 and not s["back"]]
    for s in sites:
        cats = ["C-AS-01"] * (s["kind"] == "cpas") + [_ACCREDITATION_CATEGORY[a] for a in s["agreements"]]
        cats += [_COMMUNAL[int(rng.integers(len(_COMMUNAL)))]] * (s["kind"] == "admin" and not cats)
        s["categories"] = list(dict.fromkeys(cats)) if not s["back"] else [
            draw(j) for j in sorted(set(rng.integers(0, len(names), rng.integers(1, 4)).tolist()))]
    for s in todo:
        count[[names.index(n) for n in {sector_of[c] for c in s["categories"]}]] += 1
    for left, k in enumerate(rng.permutation(len(todo)).tolist()):
        cats = todo[k]["categories"]
        have = np.isin(names, [sector_of[c] for c in cats])
        extra = min(int(rng.poisson(np.clip(target - count, 0, None).sum() / (len(todo) - left))), 4)
        for _ in range(min(max(extra, 0 if cats else 1), 5 - len(cats))):
            j = _pick(rng, (np.clip(target - count, 0, None) + 0.01) * ~have)
            cats.append(draw(j))
            have[j], count[j] = True, count[j] + 1
        for j in np.flatnonzero(have).tolist():  # sometimes a second category in the same sector
            pick = draw(j)
            if len(cats) < 6 and rng.uniform() < 0.36 and pick not in cats:
                cats.append(pick)


def _locate(rng: np.random.Generator, g: _Geography, sites: list[dict[str, Any]]) -> None:
    """Points 2 m inside sectors of the commune (denser where people live), or 2-25 km outside."""
    members, box = [np.flatnonzero(g.com == c) for c in range(N_COMMUNES)], shapely.bounds(g.inner)
    for s in sites:
        while s["com"] >= 0 and "x" not in s:
            sector = int(members[s["com"]][_pick(rng, g.pop[members[s["com"]]] + 300.0)])
            xy = np.round(rng.uniform(box[sector, :2], box[sector, 2:], (16, 2)), 1)
            for x, y in xy[shapely.contains_xy(g.inner[sector], *xy.T)][:1].tolist():
                minor, other = g.splits.get(sector, (None, None, -1))[1:]
                label = other if minor is not None and shapely.contains_xy(minor, x, y) else g.nb[sector]
                s.update(x=x, y=y, sector=sector, label=int(label))
        while "x" not in s:
            x, y = np.round(CENTRE + rng.uniform(-35_000, 35_000, 2), 1)
            far = g.region.distance(shapely.Point(x, y))
            if 2000 <= far <= 25_000 and rng.uniform() < np.exp(-far / 8000):
                s.update(x=float(x), y=float(y), sector=-1, label=-1, place=N_COMMUNES + int(
                    _polar(np.array([[x, y]]))[1][0] // (2 * np.pi / N_OUTSIDE)))


def _organise(rng: np.random.Generator, sites: list[dict[str, Any]], places: list[dict[Any, Any]],
              tax: pd.DataFrame) -> list[dict[str, Any]]:
    """Group the records into organisations (public, associations, head offices); name them."""
    short = {c: (f.split(" (")[0], n.split(" (")[0]) for c, f, n in
             tax[["category_id", "category_fr", "category_nl"]].values}
    orgs: list[dict[str, Any]] = []
    for kind, org_fr, org_nl in (("cpas", "CPAS de {}", "OCMW {}"),
                                 ("admin", "Administration communale de {}", "Gemeentebestuur {}")):
        for key in sorted({s["place"] for s in sites if s["kind"] == kind}):
            members = [s for s in sites if s["kind"] == kind and s["place"] == key]
            fr, nl = places[key]["name_fr"], places[key]["name_nl"]
            orgs.append({"name": (org_fr.format(fr), org_nl.format(nl)), "status": "public",
                         "sites": members})
            for j, s in enumerate(members):
                cat, noun = short[s["categories"][0]], _noun(rng)
                s["name"] = (f"{cat[0]} de {fr}", f"{cat[1]} {nl}") if kind == "admin" else (
                    f"CPAS de {fr}" + f" – Antenne {_de(noun)}" * (j > 0),
                    f"OCMW {nl}" + f" – Antenne {noun[1]}" * (j > 0))
    rest = [sites[i] for i in rng.permutation(len(sites)).tolist()
            if sites[i]["kind"] == "asso" and sites[i]["dup"] < 0]
    while rest:
        size = [1, 2, 3, 4, 6, 9, 14][_pick(rng, np.array([.7, .12, .07, .05, .03, .02, .01]))]
        members, rest, noun = rest[:size], rest[size:], _noun(rng)
        for s in members:
            cat, own = short[s["categories"][0]], noun if size > 1 else _noun(rng)
            s["name"] = (f"{cat[0]} {_de(own)}", f"{cat[1]} {own[1]}")
        prefix, vzw = _ORG_PREFIXES[int(rng.integers(len(_ORG_PREFIXES)))], rng.uniform() < 0.2
        status = "fondation" if size > 1 and prefix[0] == "Fondation" else "vzw" if vzw else "asbl"
        orgs.append({"name": members[0]["name"] if size == 1 else (
            f"{prefix[0]} {_de(noun)}", f"{prefix[1]} {noun[1]}"), "sites": members, "status": status})
    largest = sorted((o for o in orgs if o["status"] != "public"), key=lambda o: -len(o["sites"]))
    for s, o in zip((s for s in sites if s["kind"] == "head"), largest, strict=False):
        s["categories"] = o["sites"][0]["categories"][:1]
        s["name"] = (f"{o['name'][0]} – siège social", f"{o['name'][1]} – maatschappelijke zetel")
        o["sites"].insert(0, s)
    return orgs


def _details(rng: np.random.Generator, s: dict[str, Any], com_nbrs: list[list[int]],
             nis: list[str], codes: list[int]) -> None:
    """Address, last update, capacity, offer, languages and zone of action of one record."""
    kind, noun = _STREETS[int(rng.integers(len(_STREETS)))], _noun(rng)
    s["street"], s["number"] = (f"{kind[0]} {_de(noun)}", noun[1] + kind[1]), str(rng.integers(1, 250))
    s["updated"] = (date(2017, 1, 1) + timedelta(int(rng.integers(0, 2191))) if rng.uniform() < 0.034
                    else date(2023, 1, 1) + timedelta(int(rng.integers(0, 912))))
    cap = sorted(_CAPACITY[c] for c in s["categories"] if c in _CAPACITY)
    s["capacity"] = None if not cap or s["head"] else {
        {"b": "beds", "p": "places"}[cap[0][0]]: int(rng.integers(cap[0][1], cap[0][2] + 1))}
    u = rng.uniform(size=6)
    offer = {k for k, cats in _OFFERS.items() if set(s["categories"]) & cats}
    offer |= {"on_site", *["phone"] * int(u[0] < 0.4), *["online"] * int(u[1] < 0.15)}
    s["offer"] = [] if s["head"] else [o for o in ("on_site", "at_home", "phone", "online", "street",
                                                    "residential") if o in offer]
    s["languages"] = ["fr"] + ["nl"] * int(u[2] < 0.55 or s["com"] < 0) + ["en"] * int(u[3] < 0.35) \
        + sorted(_LANGUAGES[i] for i in rng.permutation(len(_LANGUAGES))[:min(int(rng.poisson(0.3)), 4)])
    zone = [("region", "region")]
    if s["com"] >= 0 and u[4] < 0.45:
        zone = [("commune", nis[c]) for c in [s["com"], *com_nbrs[s["com"]]] if c == s["com"] or u[5] < 0.15]
    elif s["com"] >= 0 and u[4] < 0.72:
        zone = [("neighbourhood", str(codes[s["label"]]))]
    elif s["com"] < 0 and u[4] < 0.3:
        zone = [("commune", nis[int(rng.integers(N_COMMUNES))])]
    s["zone"] = [{"level": lv, "code": c} for lv, c in zone]


def _record(s: dict[str, Any], where: dict[str, Any], to: Transformer, authority: dict[str, str]
            ) -> dict[str, Any]:
    """The published shape of one record, flaws included."""
    x, y, flaws = s["x"], s["y"], s["flaws"]
    lon, lat = (round(float(v), 6) for v in to.transform(x, y))
    lat, lon = (lon, lat) if "swapped_lat_lon" in flaws else (lat, lon)
    if "lambert_mismatch" in flaws:
        x, y = round(x + s["shift"][0], 1), round(y + s["shift"][1], 1)
    address = {"street": {"fr": s["street"][0], "nl": s["street"][1]}, "number": s["number"],
               "postcode": where["postcode"], "commune": {"nis": where["nis"], "fr": where["name_fr"],
                                                          "nl": where["name_nl"]}}
    return {"id": s["id"], "name": {"fr": s["name"][0], "nl": s["name"][1]}, "published": s["published"],
            "head_office_only": s["head"], "address": address,
            "coordinates": None if "missing_coordinates" in flaws else {
                "lat": lat, "lon": lon, "x_lambert72": x, "y_lambert72": y},
            "categories": s["categories"],
            "agreements": [{"id": a, "authority": authority[a]} for a in s["agreements"]],
            "offer_types": s["offer"], "languages": s["languages"], "zone_action": s["zone"],
            "capacity": s["capacity"], "updated": s["updated"].isoformat()}


def _directory(rng: np.random.Generator, g: _Geography, tables: tuple[pd.DataFrame, ...],
               tax: pd.DataFrame, acc: pd.DataFrame, seed: int
               ) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """The directory of activity sites, its ground truth and its flaws."""
    com, out, sec, nb = tables
    places = com.to_dict("records") + out.to_dict("records")
    sites = _skeleton(rng, com)
    _agreements(rng, sites, tax, acc)
    _categories(rng, sites, tax)
    _locate(rng, g, sites)
    orgs = _organise(rng, sites, places, tax)
    pairs = {(int(g.com[s]), int(g.com[t])) for s, n in enumerate(g.nbrs) for t in n}
    com_nbrs = [sorted(b for a, b in pairs if a == c and b != c) for c in range(N_COMMUNES)]
    ids, codes, nis = sec["id"].tolist(), nb["territory_code"].tolist(), com["nis"].tolist()
    for s in (s for org in orgs for s in org["sites"]):
        _details(rng, s, com_nbrs, nis, codes)
    homonyms = Counter(s["name"][0] for org in orgs for s in org["sites"])
    for s in (s for org in orgs for s in org["sites"] if homonyms[s["name"][0]] > 1):  # told apart by street
        s["name"] = tuple(f"{n} – {street}" for n, street in zip(s["name"], s["street"], strict=True))
    for s in (s for s in sites if s["dup"] >= 0):  # same name and address, or a near-identical
        twin, near = sites[s["dup"]], rng.uniform() < 0.5  # name, a metre or two away
        s.update({k: v for k, v in twin.items() if k not in ("dup", "flaws", "original")})
        step = rng.uniform(0.3, 1.7)  # stays in the sector: sites lie at least 2 m inside it
        s.update(x=round(twin["x"] + step, 1), y=round(twin["y"] + step / 2, 1), flaws=["duplicate"],
                 updated=date(2023, 1, 1) + timedelta(int(rng.integers(0, 912))), twin=twin)
        if near:
            s["name"] = (twin["name"][0] + " asbl", twin["name"][1] + " vzw")
        next(o for o in orgs if any(m is twin for m in o["sites"]))["sites"].append(s)
    pool = [s for s in sites if s["com"] >= 0 and s["dup"] < 0 and not s["original"] and not s["back"]]
    picks = iter(rng.choice(len(pool), sum(FLAW_COUNTS.values()), replace=False).tolist())
    for flaw, n in FLAW_COUNTS.items():
        for s in (pool[next(picks)] for _ in range(n)):
            s["flaws"].append(flaw)
            s["shift"] = rng.choice([-1, 1], 2) * rng.uniform(1200, 4000, 2)
            if flaw == "commune_mismatch":
                s["place"] = int(rng.choice(com_nbrs[s["com"]]))
    ordered = [s for o in orgs for s in o["sites"] if s["dup"] < 0] + [s for s in sites if s["dup"] >= 0]
    for k, s in enumerate(ordered, 1):
        s["id"] = f"SITE-{k:06d}"
        s["flaws"] += ["stale"] * int(s["updated"] < STALE_BEFORE) + ["head_office"] * int(s["head"]) \
            + ["unpublished"] * int(not s["published"])
    to = Transformer.from_crs(31370, 4326, always_xy=True)
    authority = dict(acc[["accreditation_id", "authority"]].values)
    directory = {"synthetic": True, "source": "socialatlas demonstration directory (synthetic)",
                 "generated_with_seed": seed, "organisations": [
                     {"id": f"ORG-{k:05d}", "name": {"fr": o["name"][0], "nl": o["name"][1]},
                      "legal_status": o["status"],
                      "sites": [_record(s, places[s["place"]], to, authority) for s in o["sites"]]}
                     for k, o in enumerate(orgs, 1)]}
    org_of = {s["id"]: f"ORG-{k:05d}" for k, o in enumerate(orgs, 1) for s in o["sites"]}
    truth = pd.DataFrame([{  # where each record really is; categories and agreements: see the directory
        "site_id": s["id"], "org_id": org_of[s["id"]], "activity": s["published"] and not s["head"],
        "outside": s["com"] < 0, "commune_nis": places[s["com"]]["nis"] if s["com"] >= 0 else None,
        "sector_id": ids[s["sector"]] if s["com"] >= 0 else None, "x": s["x"], "y": s["y"],
        "territory_code": codes[s["label"]] if s["com"] >= 0 else None,
        "duplicate_of": s["twin"]["id"] if "twin" in s else None} for s in ordered])
    flaws = pd.DataFrame([(s["id"], f) for s in ordered for f in s["flaws"]], columns=["site_id", "flaw"])
    return directory, truth, flaws.sort_values(["site_id", "flaw"], ignore_index=True)


def generate_demo(*, seed: int = SEED, data_dir: Path = DATA_DIR) -> DemoRegion:
    """Generate the synthetic demonstration region; no file is written.

    Parameters
    ----------
    seed
        Seed of the random generator: the same seed gives the same region.
    data_dir
        Folder of ``taxonomy.csv`` and ``accreditations.csv``, whose ids the directory uses.
    """
    rng = np.random.default_rng(seed)
    tax, acc = (pd.read_csv(data_dir / f"{n}.csv", dtype=str) for n in ("taxonomy", "accreditations"))
    region = _region(rng)
    g = _Geography(region, _sectors(rng, region, N_SECTORS))
    _neighbourhoods(rng, g)
    _splits(rng, g)
    _population(rng, g)
    seeds = _communes(rng, g)
    com, out, sec, nb = _tables(rng, g, seeds)
    sectors, communes, hoods, xwalk = _frames(g, com, sec, nb)
    ages = _ages(rng, g, seeds)
    indicators = _indicators(rng, g, ages, xwalk, nb)
    directory, sites, flaws = _directory(rng, g, (com, out, sec, nb), tax, acc, seed)
    table = pd.concat([sec["id"].rename("sector_code"), pd.DataFrame(ages, columns=_BANDS)], axis=1)
    top = xwalk.groupby("sector")["share"].max()
    return DemoRegion(seed, sectors, communes, hoods, table.sort_values("sector_code", ignore_index=True),
                      indicators, directory, sites, flaws,
                      {"nested": float((top >= 0.99).mean()), "worst": float(top.min())})


_README = """# Demonstration region: SYNTHETIC DATA

Everything here is **synthetic**, generated by `geo/demo.py` with seed {seed}: no place, name, code,
person or organisation is real. The region has the structure of the Brussels-Capital Region and
lies where Brussels lies. Files are in WGS84 (EPSG:4326), 6 decimals.

- `sectors.geojson`: {n_sectors} sectors: `id` (commune NIS + letter + 2 digits + `-`), `name_fr`,
  `name_nl`, `cd_munty_refnis`, `population` ({population:,} in all; 0-50 in non-residential areas).
- `communes.geojson`: 19 communes, exact unions of their sectors: `nis` (99001-99019), `name_fr`,
  `name_nl`, `population` (sum of its sectors), `postcode` (fake).
- `neighbourhoods.geojson`: 145 neighbourhoods partitioning the region: `territory_code` (1-118
  residential; 700-702 cemeteries, 800-805 industry and railway, 900-917 parks and woods),
  `territory_name_fr`, `territory_name_nl`; {nested:.1%} of the sectors lie at least 99 % in one
  neighbourhood, the worst {worst:.1%}; some straddle communes.
- `sector_ages.csv`: residents per sector by age band (`sector_code`, `age_0_2` ... `age_80_plus`).
- `indicators.csv`: IBSA long form (`district_code,district_name,indicator,unit,year,value`, Dutch
  labels), 118 residential neighbourhoods, 2020-2023; 2023 age shares = `sector_ages.csv` by area.
- `directory.json.gz`: the directory of activity sites (gzipped JSON);
  `flaws.csv` (`site_id,flaw`): its flaws.

**directory.json.gz**: `synthetic`, `source`, `generated_with_seed`, `organisations`: `id`, `name`
(`fr`, `nl`), `legal_status` (`asbl`, `vzw`, `fondation`, `public`), `sites`: `id`; `name` (`fr`,
`nl`); `published` (false: unpublished back-office record); `head_office_only` (true: head office
without activity of its own, not supply); `address`: `street` (`fr`, `nl`), `number`, `postcode`,
`commune` (`nis`, `fr`, `nl`: declared; `98xxx` outside the region); `coordinates`: `lat`, `lon`,
`x_lambert72`, `y_lambert72` (EPSG:31370), or null; `categories` (`data/taxonomy.csv`);
`agreements`: `id` (`data/accreditations.csv`), `authority`; `offer_types` (`on_site`, `at_home`,
`phone`, `online`, `street`, `residential`); `languages`; `zone_action`: `level` (`commune`,
`neighbourhood`, `region`), `code`; `capacity`: `places` or `beds`, or null; `updated`: last update.
Calibrated on the published 2019 figures of the Brussels directory: {activity} published sites with
activity ({outside} of them 2-25 km outside the region), per commune (real communes by population
rank), per sector and per authority; COCOF series: 40 maisons médicales, 22 mental health, 15
addiction, 5 home-care coordination, 5 palliative care services.

**Flaws**: `missing_coordinates` (null), `swapped_lat_lon`, `lambert_mismatch` (x/y over 1 km from
lat/lon), `commune_mismatch` (declared commune is not where the point is), `duplicate` (second
record, same organisation: same name and address, or near-identical name less than 10 m away),
`stale` (last update before 2023), `head_office`, `unpublished`. Here: {flaw_counts}.
"""


def _write_gzip(path: Path, *, data: bytes) -> None:
    """Gzip with no time stamp, so that the same data always gives the same bytes."""
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(data)


def write_demo(region: DemoRegion, out_dir: Path) -> list[Path]:
    """Write the files of the demonstration region into ``out_dir``, each one atomically.

    Returns
    -------
    list of Path
        The files written.
    """
    act, flaws, out = region.sites["activity"], region.flaws, Path(out_dir)
    directory = json.dumps(region.directory, ensure_ascii=False, indent=1) + "\n"
    texts = {"README.md": _README.format(
                 seed=region.seed, n_sectors=len(region.sectors), population=region.sectors.population.sum(),
                 activity=int(act.sum()), outside=int((act & region.sites["outside"]).sum()),
                 flaw_counts=", ".join(f"{v} {k}" for k, v in flaws["flaw"].value_counts().items()),
                 **region.nesting)}
    writers: dict[str, Callable[[Path], object]] = {
        **{f"{n}.geojson": partial(getattr(region, n).to_file, layer=n, COORDINATE_PRECISION=6)
           for n in ("sectors", "communes", "neighbourhoods")},
        **{f"{n}.csv": partial(t.to_csv, index=False) for n, t in (
            ("sector_ages", region.sector_ages), ("indicators", region.indicators), ("flaws", flaws))},
        **{n: partial(Path.write_text, data=t, encoding="utf-8") for n, t in texts.items()},
        "directory.json.gz": partial(_write_gzip, data=directory.encode("utf-8"))}
    out.mkdir(parents=True, exist_ok=True)
    for name, write in writers.items():  # through a temporary file in the same folder, then renamed
        tmp = out / f".tmp{os.getpid()}.{name}"  # keeps the extension: it names the format
        try:
            write(tmp)
            os.replace(tmp, out / name)
        finally:
            tmp.unlink(missing_ok=True)
    return [out / name for name in writers]
