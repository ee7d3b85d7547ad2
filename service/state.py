"""What the app loads once from the workspace and every view reads: settings, collections, directory,
the diagnostics' inputs, and the limiter of costly jobs."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from flask import current_app

from service.collection import Collection
from service.settings import Settings

if TYPE_CHECKING:
    from service.analysis import Analysis
    from service.directory import Directory
    from service.limits import RenderLimiter

EXTENSION = "socialatlas"
LIMITER = "socialatlas.limiter"
OUTPUT_CACHE_BYTES = 64 * 1024 * 1024
ANSWER_CACHE_BYTES = 32 * 1024 * 1024
ANSWER_MAX_BYTES = 1024 * 1024
T = TypeVar("T")


class OutputCache(Generic[T]):
    """Answers or files made for a request, by request; least recently used dropped beyond ``budget``
    bytes (``size`` tells the bytes of a value); values larger than ``largest`` are not kept."""

    def __init__(self, budget: int, *, size: Callable[[T], int], largest: int | None = None) -> None:
        self.budget = budget
        self.largest = budget if largest is None else min(largest, budget)
        self._size_of = size
        self._items: OrderedDict[tuple[object, ...], T] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> T | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[object, ...], value: T) -> None:
        size = self._size_of(value)
        if size > self.largest:
            return
        with self._lock:
            if key in self._items:
                self._size -= self._size_of(self._items.pop(key))
            self._items[key] = value
            self._size += size
            while self._size > self.budget:
                _, dropped = self._items.popitem(last=False)
                self._size -= self._size_of(dropped)


@dataclass(frozen=True)
class Answer:
    """A JSON (or CSV, XLSX) answer kept to answer the same request again."""

    data: bytes
    mimetype: str
    headers: tuple[tuple[str, str], ...] = ()


def _files() -> OutputCache[bytes]:
    return OutputCache(OUTPUT_CACHE_BYTES, size=len)


def _answers() -> OutputCache[Answer]:
    return OutputCache(ANSWER_CACHE_BYTES, size=lambda answer: len(answer.data), largest=ANSWER_MAX_BYTES)


@dataclass(frozen=True)
class ServiceState:
    """The served workspace, loaded when the app is created (and again after a rebuild)."""

    settings: Settings
    workspace: Path
    stamp: str  # changes when the workspace file or the software changes (ETag base)
    modified: datetime  # modification time of the workspace file (UTC)
    synthetic: bool
    collections: dict[str, Collection]  # catalogue order
    directory: Directory
    analysis: Analysis
    documents: dict[tuple[str, str], str] = field(default_factory=dict)  # (lang, server) → OpenAPI JSON
    outputs: OutputCache[bytes] = field(default_factory=_files)  # maps and reports made today
    answers: OutputCache[Answer] = field(default_factory=_answers)  # by ETag (see service.hooks)
    styles: dict[tuple[str, ...], str] = field(default_factory=dict)  # (layer, style, format, lang) → text


def state() -> ServiceState:
    """The state of the app handling the current request."""
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]


def limiter() -> RenderLimiter:
    """The limiter of costly jobs of the app handling the current request (kept across reloads)."""
    return current_app.extensions[LIMITER]  # type: ignore[no-any-return]
