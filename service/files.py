"""Files made for a request (exports, maps, reports): made in a private temporary folder, answered, gone.

Nothing made for a request is written beside the workspace or anywhere a parameter names: each
file is made in a new temporary folder, opened, and the folder deleted at once; the answer streams
the open (already unlinked) file, whose space is freed when the answer is closed, whether the
client read it all or went away. Names in ``Content-Disposition`` are layer ids, never paths.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from flask import Response, request
from werkzeug.wsgi import wrap_file

from layers.export import EXPORTERS, export
from layers.layer import Layer

MIMETYPES = {
    "gpkg": "application/geopackage+sqlite3",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "pdf": "application/pdf",
    "png": "image/png",
}


def made(write: Callable[[Path], object], name: str) -> IO[bytes]:
    """The file ``write(path)`` makes at ``path`` (in a new temporary folder), opened and unlinked."""
    with tempfile.TemporaryDirectory(prefix="socialatlas-") as folder:
        path = Path(folder) / name
        write(path)
        return open(path, "rb")  # noqa: SIM115 — closed by the answer that streams it


def exported(layers: Sequence[Layer], format: str, *, lang: str, command: str) -> IO[bytes]:
    """``layers`` exported as one ``format`` file (gpkg or xlsx), opened and unlinked."""
    suffix = EXPORTERS[format].suffix

    def write(path: Path) -> None:
        export(layers, path, format=format, lang=lang, command=command)

    return made(write, f"export{suffix}")


def read_all(handle: IO[bytes]) -> bytes:
    """The whole content of ``handle``, which is closed."""
    with handle:
        return handle.read()


def attachment(filename: str, *, inline: bool = False) -> dict[str, str]:
    """A ``Content-Disposition`` header naming the file (ASCII letters, digits, ``._-`` only)."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename)
    return {"Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{safe}"'}


def send(data: bytes | IO[bytes], format: str, filename: str, *, inline: bool = False) -> Response:
    """An answer carrying ``data`` (bytes, or an open file streamed then closed) as ``filename``."""
    headers = attachment(filename, inline=inline)
    if isinstance(data, bytes):
        return Response(data, mimetype=MIMETYPES[format], headers=headers)
    size = os.fstat(data.fileno()).st_size
    response = Response(
        wrap_file(request.environ, data), mimetype=MIMETYPES[format], headers=headers, direct_passthrough=True
    )
    response.content_length = size
    return response
