"""The settings of the HTTP service, declared once: name, default and help.

``socialatlas serve`` makes one command-line option (and one ``SOCIALATLAS_<NAME>`` environment
variable) of each field of :class:`Settings`; :func:`service.app.create_app` takes the same object.
Nothing here is read from the environment at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from geo.errors import ProblemsError


def setting(default: Any, help: str) -> Any:
    """A settings field: its default and the help text shown by ``socialatlas serve --help``."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Everything the service can be told; every field has a default except the workspace."""

    workspace: Path | None = setting(None, "The workspace GeoPackage to serve (read once, at start).")
    host: str = setting("127.0.0.1", "Address to listen on (0.0.0.0 for every interface).")
    port: int = setting(8000, "Port to listen on.")
    threads: int = setting(4, "Threads answering requests.")
    cors_origins: tuple[str, ...] = setting(
        ("*",), "Origins web pages may call the API from, comma-separated; * for any, empty for none."
    )
    default_limit: int = setting(100, "Features or sites per page when a request gives no limit.")
    max_limit: int = setting(10_000, "Largest limit a request may ask for (above: 400 Bad Request).")
    max_request_bytes: int = setting(1_048_576, "Largest request body accepted (above: 413).")
    request_timeout: int = setting(60, "Seconds a connection may stay idle before it is closed.")
    cache_max_age: int = setting(3600, "Seconds clients and proxies may reuse a response (Cache-Control).")
    pdf_rate_limit: int = setting(
        10,
        "Maps, reports, downloads and study-area diagnostics a client may ask for per minute (0: no limit).",
    )
    max_renders: int = setting(
        2, "Maps, reports, downloads and study-area diagnostics made at once (beyond: 429)."
    )
    write_token: str = setting("", "Token required by write endpoints; empty: writing is off.")

    def __post_init__(self) -> None:
        problems = []
        if not 0 <= self.port <= 65_535:
            problems.append(f"port {self.port}: give a port between 0 and 65535")
        for name in (
            "threads",
            "default_limit",
            "max_limit",
            "max_request_bytes",
            "request_timeout",
            "max_renders",
        ):
            if getattr(self, name) < 1:
                problems.append(f"{name} {getattr(self, name)}: give a number of at least 1")
        if self.cache_max_age < 0 or self.pdf_rate_limit < 0:
            problems.append("cache_max_age and pdf_rate_limit cannot be negative")
        if self.default_limit > self.max_limit:
            problems.append(f"default_limit {self.default_limit} is above max_limit {self.max_limit}")
        if problems:
            raise ProblemsError("service settings", problems)


def describe() -> list[tuple[str, Any, str]]:
    """(name, default, help) of every setting, in declaration order."""
    return [(f.name, f.default, f.metadata["help"]) for f in fields(Settings)]


def split_origins(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """CORS origins given as one comma-separated string (``*``, ``https://a.be,https://b.be``)."""
    if isinstance(text, tuple):
        return text
    return tuple(origin.strip().rstrip("/") for origin in text.split(",") if origin.strip())
