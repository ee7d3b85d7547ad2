"""Limits on the costly requests: maps, reports, GeoPackages and study-area diagnostics.

Such a request costs seconds of CPU where a page of features costs a millisecond, so a burst of
them could take the whole machine. Two guards, checked before any work starts:

- **at most N jobs at once** for the whole server (``max_renders``): a job beyond them is refused
  at once (429) rather than queued, so waiting requests never hold the server's threads;
- **a token bucket per client** (``pdf_rate_limit`` per minute, the bucket holding as many): a
  client asking for more is refused (429) until its bucket refills.

Refusals are ``429 Too Many Requests`` with ``Retry-After`` (seconds): the time until the client's
next token, or the recent mean duration of a job when the server is busy.

Drawing itself takes :data:`DRAWING`: matplotlib keeps its settings (``rcParams``) per process and
the page builders change them for the time of a page, so two pages drawn at once in two threads
could mix their settings. Jobs therefore overlap in their computing and exporting, and draw one
after another.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from werkzeug.exceptions import ServiceUnavailable, TooManyRequests

DRAWING = threading.Lock()  # matplotlib's settings are per process: one page is drawn at a time
DRAWING_WAIT = 120.0  # seconds a job may wait for its turn to draw (beyond: 503)
MAX_CLIENTS = 10_000  # buckets kept; beyond, the full ones are forgotten
DEFAULT_DURATION = 5.0  # seconds a job is assumed to take before any has run


class RenderLimiter:
    """At most ``concurrent`` jobs at once, and ``per_minute`` jobs per client (0: no client limit).

    ``clock`` returns seconds (monotonic); tests pass their own.
    """

    def __init__(
        self, *, concurrent: int, per_minute: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if concurrent < 1 or per_minute < 0:
            raise ValueError("concurrent must be at least 1 and per_minute 0 or more")
        self.concurrent = concurrent
        self.per_minute = per_minute
        self._clock = clock
        self._slots = threading.BoundedSemaphore(concurrent)
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # client → (tokens, time of count)
        self._duration = DEFAULT_DURATION  # moving mean of job durations, for Retry-After

    @property
    def capacity(self) -> float:
        return float(self.per_minute)

    @property
    def rate(self) -> float:
        """Tokens regained per second."""
        return self.per_minute / 60.0

    def tokens(self, client: str) -> float:
        """Tokens left to ``client`` now."""
        with self._lock:
            return self._refilled(client, self._clock())

    def _refilled(self, client: str, now: float) -> float:
        tokens, then = self._buckets.get(client, (self.capacity, now))
        return min(self.capacity, tokens + (now - then) * self.rate)

    def _take(self, client: str) -> None:
        if self.per_minute == 0:
            return
        with self._lock:
            now = self._clock()
            tokens = self._refilled(client, now)
            if tokens < 1.0:
                wait = math.ceil((1.0 - tokens) / self.rate)
                raise TooManyRequests(
                    description=f"at most {self.per_minute} maps, reports or downloads per minute per "
                    f"client; retry in {wait} s",
                    retry_after=wait,
                )
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > MAX_CLIENTS:
                self._forget_full(now)

    def _forget_full(self, now: float) -> None:
        full = [c for c in self._buckets if self._refilled(c, now) >= self.capacity]
        for client in full:
            del self._buckets[client]

    @contextmanager
    def job(self, client: str) -> Iterator[None]:
        """Run one costly job for ``client``, or raise 429 Too Many Requests (with Retry-After).

        A job refused because the server is busy costs the client no token.
        """
        if not self._slots.acquire(blocking=False):
            wait = max(1, math.ceil(self._duration))
            raise TooManyRequests(
                description=f"the server is making {self.concurrent} maps, reports or downloads already; "
                f"retry in {wait} s",
                retry_after=wait,
            )
        try:
            self._take(client)
            start = self._clock()
            yield
            with self._lock:
                self._duration = 0.8 * self._duration + 0.2 * max(0.0, self._clock() - start)
        finally:
            self._slots.release()


@contextmanager
def drawing(wait: float = DRAWING_WAIT) -> Iterator[None]:
    """Hold :data:`DRAWING` while drawing; after ``wait`` seconds in line, 503 with Retry-After."""
    if not DRAWING.acquire(timeout=wait):
        raise ServiceUnavailable(
            description="the server has been drawing other maps for too long; retry in a minute",
            retry_after=60,
        )
    try:
        yield
    finally:
        DRAWING.release()
