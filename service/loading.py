"""Loading the served state from a workspace: once when the app is created, again after a rebuild."""

from __future__ import annotations

from datetime import UTC, datetime

from geo.errors import InputError
from geo.workspace import read_info
from layers.catalogue import catalogue
from service import directory, hooks
from service.analysis import load_analysis
from service.collection import collection_from_layer
from service.settings import Settings
from service.state import ServiceState


def load_state(settings: Settings) -> ServiceState:
    """Everything the views read from the workspace named in ``settings``.

    Raises
    ------
    InputError
        When no workspace is given.
    SourceNotFoundError, InputError
        When the workspace cannot be read.
    """
    if settings.workspace is None:
        raise InputError("workspace: give the workspace GeoPackage to serve (--workspace)")
    path = settings.workspace
    collections = {layer.id: collection_from_layer(layer) for layer in catalogue(path)}
    stat = path.stat()
    return ServiceState(
        settings=settings,
        workspace=path,
        stamp=f"{hooks.software_version()}:{stat.st_mtime_ns}:{stat.st_size}",
        modified=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
        synthetic=read_info(path).get("synthetic") == "True",
        collections=collections,
        directory=directory.directory_from_workspace(path),
        analysis=load_analysis(path),
    )
