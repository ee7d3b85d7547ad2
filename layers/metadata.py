"""What every export says about a layer: the export's options and the layer's metadata items.

Each format stores these items its own way (GeoPackage metadata, GeoJSON foreign member,
FlatGeobuf header, QGIS ``.qmd``, CSVW, a workbook sheet); they are made here once.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyproj import CRS

from layers.layer import LANGS, Layer

SYNTHETIC_NOTICE = (
    "synthetic demonstration data — données de démonstration synthétiques — synthetische demonstratiegegevens"
)


@dataclass(frozen=True)
class ExportOptions:
    """What every exporter is told besides the layers: CRS, command, language, time."""

    crs: CRS
    command: str = ""
    lang: str = "fr"
    exported: str = ""  # UTC time, ISO 8601


def layer_metadata(layer: Layer, options: ExportOptions) -> dict[str, str]:
    """Title, description, attribution, vintage, command… of a layer, as flat text items."""
    meta = {
        "TITLE": layer.text("title", options.lang),
        "DESCRIPTION": layer.text("description", options.lang),
        **{f"TITLE_{lang.upper()}": layer.text("title", lang) for lang in LANGS},
        **{f"DESCRIPTION_{lang.upper()}": layer.text("description", lang) for lang in LANGS},
        "ATTRIBUTION": layer.attribution,
        "VINTAGE": layer.vintage,
        "COMMAND": options.command,
        "EXPORTED": options.exported,
        "SOFTWARE": "socialatlas",
    }
    if layer.kind != "table":
        meta["CRS"] = crs_name(options.crs)
    if layer.synthetic:
        meta["SYNTHETIC"] = SYNTHETIC_NOTICE
    meta.update({key.upper(): str(value) for key, value in layer.extra.items() if key.upper() not in meta})
    return meta


def summary(layer: Layer, lang: str) -> str:
    """One line for places that hold a single description (gpkg_contents, FlatGeobuf header)."""
    text = f"{layer.text('description', lang)} — {layer.attribution} ({layer.vintage})"
    return text + (f" — {SYNTHETIC_NOTICE.upper()}" if layer.synthetic else "")


def crs_name(crs: CRS) -> str:
    """``AUTHORITY:code`` of a CRS (its name when it has no code)."""
    authority = crs.to_authority()
    return f"{authority[0]}:{authority[1]}" if authority else crs.name
