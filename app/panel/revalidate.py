"""Background refreshes for stale-while-revalidate: one per key, off the request path.

A reader that finds a key just past its TTL is served the entry it found and asks for a
refresh here; further readers of that key are served the same entry until the refresh
has published a new one. The refresh goes through the coalescer, so it shares a fetch
with any reader that is fetching the key anyway, and across processes only the holder
of the key's lock fetches (the others wait for it to publish). A failed refresh is
counted in the key's error streak by the fetch itself; readers keep the previous value.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor

from app.cache.backend import CacheEntry
from app.cache.background import BackgroundWork
from app.cache.coalesce import Coalescer
from app.errors import UpstreamError

log = logging.getLogger(__name__)


class Revalidator:
    """Starts at most one background refresh per key in this process."""

    def __init__(self, coalescer: Coalescer, executor: Executor):
        self.coalescer = coalescer
        self.work = BackgroundWork(executor)

    def refreshing(self, key: str) -> bool:
        """True while a refresh of key runs here, or any fetch of key is in flight in this process."""
        return self.work.running(key) or self.coalescer.flight.busy(key)

    def refresh(self, key: str, fetch: Callable[[], CacheEntry], reread: Callable[[], CacheEntry | None]) -> None:
        """Start a background refresh of key unless one is already running."""
        self.work.start(key, lambda: self._run(key, fetch, reread))

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait for the refreshes started so far (tests, shutdown); True when all finished."""
        return self.work.settle(timeout)

    def _run(self, key: str, fetch: Callable[[], CacheEntry], reread: Callable[[], CacheEntry | None]) -> None:
        try:
            self.coalescer.run(key, fetch, reread)
        except (UpstreamError, TimeoutError) as exc:
            log.info("background refresh failed (%s); readers keep the previous value",
                     getattr(exc, "reason", type(exc).__name__))
