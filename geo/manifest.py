"""The manifest: which files make a workspace, which columns hold what, and where they come from.

A manifest is a small TOML file, so that next year's files (or another city's) are a matter of
editing names, not code. ``data/sources/`` ships one per known source set; see
``data/sources/README.md`` for the format.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.errors import InputError, ProblemsError, SourceNotFoundError

PRESETS_DIR = Path(__file__).resolve().parent.parent / "data" / "sources"

# Field → (required, help). Declared once; the loaders and the docs read this table.
UNIT_FIELDS: dict[str, dict[str, tuple[bool, str]]] = {
    "sectors": {
        "code": (True, "statistical sector code, e.g. 21004A00-"),
        "name_fr": (True, "French name"),
        "name_nl": (True, "Dutch name"),
        "commune": (True, "NIS code of the commune the sector belongs to"),
        "population": (True, "residents"),
    },
    "neighbourhoods": {
        "code": (True, "neighbourhood code (Monitoring des quartiers MDZONE)"),
        "name_fr": (True, "French name"),
        "name_nl": (True, "Dutch name"),
    },
    "communes": {
        "code": (True, "NIS code"),
        "name_fr": (True, "French name"),
        "name_nl": (True, "Dutch name"),
        "population": (False, "published population, checked against the sum of sectors"),
    },
    "zonings": {
        "code": (True, "zone code"),
        "name_fr": (False, "French name"),
        "name_nl": (False, "Dutch name"),
        "sectors": (False, "sector codes of the zone (a zoning given as a table)"),
    },
}
INDICATOR_FIELDS = {
    "unit_code": "unit code (neighbourhood, sector or commune)",
    "indicator": "indicator label",
    "unit": "unit of measure",
    "year": "year",
    "value": "value",
}


@dataclass(frozen=True)
class Provenance:
    """Where a table comes from; written beside every table of a workspace."""

    source: str
    vintage: str
    licence: str
    attribution: str
    url: str = ""


@dataclass(frozen=True)
class LayerSource:
    """One input file, the columns to read from it, and its provenance."""

    file: Path
    columns: dict[str, str]
    provenance: Provenance
    layer: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    """The whole set of sources of a workspace."""

    path: Path
    title: str
    synthetic: bool
    sectors: LayerSource
    neighbourhoods: LayerSource
    communes: LayerSource
    indicators: LayerSource | None = None
    sector_ages: LayerSource | None = None
    zonings: tuple[LayerSource, ...] = ()


def resolve_manifest(name_or_path: str | Path) -> Path:
    """Find a manifest given as a path or as the name of a shipped preset (``brussels-2024``)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    preset = PRESETS_DIR / f"{str(name_or_path).replace('-', '_')}.toml"
    if preset.is_file():
        return preset
    known = ", ".join(sorted(p.stem.replace("_", "-") for p in PRESETS_DIR.glob("*.toml")))
    raise SourceNotFoundError(f"{name_or_path}: no such manifest file nor preset; presets are {known}")


def read_manifest(name_or_path: str | Path, *, data_dir: str | Path | None = None) -> Manifest:
    """Read a manifest; file paths in it are relative to ``data_dir`` (default: its own folder).

    Raises
    ------
    InputError
        Naming the section and key that is missing or malformed, and every file that is absent.
    """
    path = resolve_manifest(name_or_path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not a valid TOML manifest ({error})") from None
    base = Path(data_dir) if data_dir is not None else path.parent
    problems: list[str] = []

    def layer_source(section: str, spec: Any, fields: dict[str, Any] | None) -> LayerSource | None:
        if not isinstance(spec, dict):
            problems.append(f"[{section}] must be a table with at least 'file'")
            return None
        if "file" not in spec:
            problems.append(f"[{section}] has no 'file'")
            return None
        file = base / spec["file"]
        if not file.exists():
            problems.append(
                f"[{section}] file {file} does not exist"
                + ("" if data_dir else "; give the folder holding the files with --data-dir")
            )
        columns = {name: name for name in (fields or {})}
        columns.update({str(k): str(v) for k, v in spec.get("columns", {}).items()})
        unknown = set(columns) - set(fields or columns)
        if fields is not None and unknown:
            problems.append(
                f"[{section}] columns: unknown field(s) {sorted(unknown)}; fields are {sorted(fields)}"
            )
        prov = {k: str(spec.get(k, "")) for k in ("source", "vintage", "licence", "attribution", "url")}
        for key in ("source", "vintage", "attribution"):
            if not prov[key]:
                problems.append(f"[{section}] needs '{key}' (provenance is written with every table)")
        options = {k: v for k, v in spec.items() if k not in {"file", "columns", "layer", *prov}}
        return LayerSource(
            file=file,
            columns=columns,
            provenance=Provenance(**prov),
            layer=spec.get("layer"),
            options=options,
        )

    units = {}
    for level in ("sectors", "neighbourhoods", "communes"):
        if level not in raw:
            problems.append(f"[{level}] section is missing")
        else:
            units[level] = layer_source(level, raw[level], UNIT_FIELDS[level])
    indicators = (
        layer_source("indicators", raw["indicators"], INDICATOR_FIELDS) if "indicators" in raw else None
    )
    ages = layer_source("sector_ages", raw["sector_ages"], None) if "sector_ages" in raw else None
    zonings = tuple(
        z
        for i, spec in enumerate(raw.get("zonings", []))
        if (z := layer_source(f"zonings.{i}", spec, UNIT_FIELDS["zonings"])) is not None
    )
    if problems:
        raise ProblemsError(f"{path}: the manifest is incomplete", problems)
    sectors, neighbourhoods, communes = (units[level] for level in ("sectors", "neighbourhoods", "communes"))
    assert sectors and neighbourhoods and communes  # a missing one is a problem raised above
    return Manifest(
        path=path,
        title=str(raw.get("title", path.stem)),
        synthetic=bool(raw.get("synthetic", False)),
        sectors=sectors,
        neighbourhoods=neighbourhoods,
        communes=communes,
        indicators=indicators,
        sector_ages=ages,
        zonings=zonings,
    )
