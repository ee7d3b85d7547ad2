"""What the app loads once from the workspace and every view reads: settings, collections, directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

from service.collection import Collection
from service.settings import Settings

if TYPE_CHECKING:
    from service.directory import Directory

EXTENSION = "socialatlas"


@dataclass(frozen=True)
class ServiceState:
    """The served workspace, loaded when the app is created; never changed afterwards."""

    settings: Settings
    workspace: Path
    stamp: str  # changes when the workspace file or the software changes (ETag base)
    modified: datetime  # modification time of the workspace file (UTC)
    synthetic: bool
    collections: dict[str, Collection]  # catalogue order
    directory: Directory
    documents: dict[tuple[str, str], str] = field(default_factory=dict)  # (lang, server) → OpenAPI JSON


def state() -> ServiceState:
    """The state of the app handling the current request."""
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]
