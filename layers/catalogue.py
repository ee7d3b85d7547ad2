"""The layer catalogue of a workspace: every layer a user can export, serve or map, with its id.

Base layers (units), supply layers (sites) and, when the diagnostics have run, indicator layers.
"""

from __future__ import annotations

from pathlib import Path

from geo.workspace import list_tables, read_table
from layers.layer import Layer

BASE_TITLES = {
    "communes": {"fr": "Communes", "nl": "Gemeenten", "en": "Municipalities"},
    "neighbourhoods": {
        "fr": "Quartiers du monitoring",
        "nl": "Monitoringwijken",
        "en": "Monitoring neighbourhoods",
    },
    "sectors": {"fr": "Secteurs statistiques", "nl": "Statistische sectoren", "en": "Statistical sectors"},
    "region": {"fr": "Région", "nl": "Gewest", "en": "Region"},
    "sites": {"fr": "Lieux d'activité", "nl": "Activiteitsplaatsen", "en": "Activity sites"},
}


def _provenance(path: Path) -> dict[str, dict[str, str]]:
    table = read_table(path, "provenance")
    return {str(row["table_name"]): {str(k): str(v) for k, v in row.items()} for _, row in table.iterrows()}


def catalogue(path: str | Path) -> list[Layer]:
    """Every layer of the workspace at ``path``, in catalogue order."""
    path = Path(path)
    tables = set(list_tables(path))
    provenance = _provenance(path)
    layers = []
    for name, title in BASE_TITLES.items():
        if name not in tables:
            continue
        data = read_table(path, name)
        prov = provenance.get(name, {})
        layers.append(
            Layer(
                id=name,
                title=title,
                description={lang: f"{text} ({prov.get('source', '')})" for lang, text in title.items()},
                data=data,
                kind="points" if name == "sites" else "polygons",
                attribution=prov.get("attribution", ""),
                vintage=prov.get("vintage", ""),
                synthetic=str(prov.get("synthetic", "")).lower() in ("1", "true"),
                group="supply" if name == "sites" else "base",
            )
        )
    return layers


def find(layers: list[Layer], layer_id: str) -> Layer | None:
    """The layer with ``layer_id``, or None."""
    return next((layer for layer in layers if layer.id == layer_id), None)
