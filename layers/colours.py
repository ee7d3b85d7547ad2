"""Colours of the styles: ColorBrewer ramps, Okabe–Ito categories and the symbols of special statuses.

Every ramp is colour-blind safe: the sequential and diverging schemes of ColorBrewer (Cynthia
Brewer, colorbrewer2.org) and, for categories, the Okabe & Ito palette. Indicator values that are
missing, not applicable or suppressed (see :mod:`layers.styles`) have their own fill colour and hatch
(:data:`SPECIAL_SYMBOLS`), the same in every rendering.
"""

from __future__ import annotations

from collections.abc import Sequence

from geo.errors import InputError

STATUSES = ("ok", "no_data", "not_applicable", "suppressed")
SPECIALS = ("no_data", "not_applicable", "suppressed")
HATCH_COLOUR = "#636363"  # colour of every hatch (matplotlib draws hatches in the edge colour)
# status -> (fill colour, matplotlib hatch, QGIS brush style, SLD mark tiled as a fill)
SPECIAL_SYMBOLS: dict[str, tuple[str, str | None, str, str]] = {
    "no_data": ("#d9d9d9", None, "no", ""),
    "not_applicable": ("#ffffff", "..", "dense6", "circle"),
    "suppressed": ("#bdbdbd", "xx", "diagonal_x", "x"),
}
OTHER_COLOUR = "#999999"
OUTLINE = "#808080"

# ColorBrewer (Cynthia Brewer, colorbrewer2.org), colour-blind safe schemes, 3 to 9 (sequential)
# or 3 to 11 (diverging) classes, light to dark / first to last.
_SEQUENTIAL = {
    "YlGnBu": (
        "edf8b1 7fcdbb 2c7fb8|ffffcc a1dab4 41b6c4 225ea8|ffffcc a1dab4 41b6c4 2c7fb8 253494|"
        "ffffcc c7e9b4 7fcdbb 41b6c4 2c7fb8 253494|ffffcc c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84|"
        "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84|"
        "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 253494 081d58"
    ),
    "YlOrRd": (
        "ffeda0 feb24c f03b20|ffffb2 fecc5c fd8d3c e31a1c|ffffb2 fecc5c fd8d3c f03b20 bd0026|"
        "ffffb2 fed976 feb24c fd8d3c f03b20 bd0026|ffffb2 fed976 feb24c fd8d3c fc4e2a e31a1c b10026|"
        "ffffcc ffeda0 fed976 feb24c fd8d3c fc4e2a e31a1c b10026|"
        "ffffcc ffeda0 fed976 feb24c fd8d3c fc4e2a e31a1c bd0026 800026"
    ),
    "PuBu": (
        "ece7f2 a6bddb 2b8cbe|f1eef6 bdc9e1 74a9cf 0570b0|f1eef6 bdc9e1 74a9cf 2b8cbe 045a8d|"
        "f1eef6 d0d1e6 a6bddb 74a9cf 2b8cbe 045a8d|f1eef6 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 034e7b|"
        "fff7fb ece7f2 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 034e7b|"
        "fff7fb ece7f2 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 045a8d 023858"
    ),
    "OrRd": (
        "fee8c8 fdbb84 e34a33|fef0d9 fdcc8a fc8d59 d7301f|fef0d9 fdcc8a fc8d59 e34a33 b30000|"
        "fef0d9 fdd49e fdbb84 fc8d59 e34a33 b30000|fef0d9 fdd49e fdbb84 fc8d59 ef6548 d7301f 990000|"
        "fff7ec fee8c8 fdd49e fdbb84 fc8d59 ef6548 d7301f 990000|"
        "fff7ec fee8c8 fdd49e fdbb84 fc8d59 ef6548 d7301f b30000 7f0000"
    ),
    "Blues": (
        "deebf7 9ecae1 3182bd|eff3ff bdd7e7 6baed6 2171b5|eff3ff bdd7e7 6baed6 3182bd 08519c|"
        "eff3ff c6dbef 9ecae1 6baed6 3182bd 08519c|eff3ff c6dbef 9ecae1 6baed6 4292c6 2171b5 084594|"
        "f7fbff deebf7 c6dbef 9ecae1 6baed6 4292c6 2171b5 084594|"
        "f7fbff deebf7 c6dbef 9ecae1 6baed6 4292c6 2171b5 08519c 08306b"
    ),
    "Greens": (
        "e5f5e0 a1d99b 31a354|edf8e9 bae4b3 74c476 238b45|edf8e9 bae4b3 74c476 31a354 006d2c|"
        "edf8e9 c7e9c0 a1d99b 74c476 31a354 006d2c|edf8e9 c7e9c0 a1d99b 74c476 41ab5d 238b45 005a32|"
        "f7fcf5 e5f5e0 c7e9c0 a1d99b 74c476 41ab5d 238b45 005a32|"
        "f7fcf5 e5f5e0 c7e9c0 a1d99b 74c476 41ab5d 238b45 006d2c 00441b"
    ),
    "Purples": (
        "efedf5 bcbddc 756bb1|f2f0f7 cbc9e2 9e9ac8 6a51a3|f2f0f7 cbc9e2 9e9ac8 756bb1 54278f|"
        "f2f0f7 dadaeb bcbddc 9e9ac8 756bb1 54278f|f2f0f7 dadaeb bcbddc 9e9ac8 807dba 6a51a3 4a1486|"
        "fcfbfd efedf5 dadaeb bcbddc 9e9ac8 807dba 6a51a3 4a1486|"
        "fcfbfd efedf5 dadaeb bcbddc 9e9ac8 807dba 6a51a3 54278f 3f007d"
    ),
}
_DIVERGING = {
    "RdBu": (
        "ef8a62 f7f7f7 67a9cf|ca0020 f4a582 92c5de 0571b0|ca0020 f4a582 f7f7f7 92c5de 0571b0|"
        "b2182b ef8a62 fddbc7 d1e5f0 67a9cf 2166ac|b2182b ef8a62 fddbc7 f7f7f7 d1e5f0 67a9cf 2166ac|"
        "b2182b d6604d f4a582 fddbc7 d1e5f0 92c5de 4393c3 2166ac|"
        "b2182b d6604d f4a582 fddbc7 f7f7f7 d1e5f0 92c5de 4393c3 2166ac|"
        "67001f b2182b d6604d f4a582 fddbc7 d1e5f0 92c5de 4393c3 2166ac 053061|"
        "67001f b2182b d6604d f4a582 fddbc7 f7f7f7 d1e5f0 92c5de 4393c3 2166ac 053061"
    ),
    "PuOr": (
        "f1a340 f7f7f7 998ec3|e66101 fdb863 b2abd2 5e3c99|e66101 fdb863 f7f7f7 b2abd2 5e3c99|"
        "b35806 f1a340 fee0b6 d8daeb 998ec3 542788|b35806 f1a340 fee0b6 f7f7f7 d8daeb 998ec3 542788|"
        "b35806 e08214 fdb863 fee0b6 d8daeb b2abd2 8073ac 542788|"
        "b35806 e08214 fdb863 fee0b6 f7f7f7 d8daeb b2abd2 8073ac 542788|"
        "7f3b08 b35806 e08214 fdb863 fee0b6 d8daeb b2abd2 8073ac 542788 2d004b|"
        "7f3b08 b35806 e08214 fdb863 fee0b6 f7f7f7 d8daeb b2abd2 8073ac 542788 2d004b"
    ),
    "BrBG": (
        "d8b365 f5f5f5 5ab4ac|a6611a dfc27d 80cdc1 018571|a6611a dfc27d f5f5f5 80cdc1 018571|"
        "8c510a d8b365 f6e8c3 c7eae5 5ab4ac 01665e|8c510a d8b365 f6e8c3 f5f5f5 c7eae5 5ab4ac 01665e|"
        "8c510a bf812d dfc27d f6e8c3 c7eae5 80cdc1 35978f 01665e|"
        "8c510a bf812d dfc27d f6e8c3 f5f5f5 c7eae5 80cdc1 35978f 01665e|"
        "543005 8c510a bf812d dfc27d f6e8c3 c7eae5 80cdc1 35978f 01665e 003c30|"
        "543005 8c510a bf812d dfc27d f6e8c3 f5f5f5 c7eae5 80cdc1 35978f 01665e 003c30"
    ),
}
# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")


def _table(schemes: str) -> dict[int, tuple[str, ...]]:
    rows = [tuple(f"#{c}" for c in row.split()) for row in schemes.split("|")]
    return {len(row): row for row in rows}


RAMPS: dict[str, dict[int, tuple[str, ...]]] = {
    name: _table(text) for name, text in {**_SEQUENTIAL, **_DIVERGING}.items()
}
DIVERGING = frozenset(_DIVERGING)


def ramp_colours(name: str, n: int, *, reverse: bool = False) -> list[str]:
    """``n`` colours of the ColorBrewer scheme ``name`` (fewer than 3 are taken from the 3-class scheme)."""
    if name not in RAMPS:
        raise InputError(f"ramp: {name!r} is not a colour ramp; use one of {', '.join(RAMPS)}")
    table = RAMPS[name]
    if n < 1 or n > max(table):
        raise InputError(f"ramp: {name} has 3 to {max(table)} colours; {n} classes asked")
    colours = list(table[n]) if n >= 3 else [table[3][i] for i in ((1,) if n == 1 else (0, 2))]
    return colours[::-1] if reverse else colours


def centred_colours(name: str, sides: Sequence[int], *, reverse: bool) -> list[str]:
    """Diverging colours for classes below (-1), astride (0) and above (+1) the centre."""
    below, above, astride = sides.count(-1), sides.count(1), sides.count(0)
    if astride > 1:
        raise InputError("centre: more than one class straddles the centre; make the centre an edge")
    n = 2 * max(below, above) + astride
    n = max(n, 3 if astride else 4)
    if n > max(RAMPS[name]):
        raise InputError(f"ramp: {name} has at most {max(RAMPS[name])} colours; use fewer classes")
    colours = ramp_colours(name, n, reverse=reverse)
    mid = n // 2
    lower = colours[mid - below : mid]
    upper = colours[mid + astride : mid + astride + above]
    return lower + colours[mid : mid + astride] + upper


def qgis_colour(colour: str) -> str:
    """``#rrggbb`` as QGIS writes colours in styles: ``r,g,b,255``."""
    c = colour.lstrip("#")
    return f"{int(c[0:2], 16)},{int(c[2:4], 16)},{int(c[4:6], 16)},255"
