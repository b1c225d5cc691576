"""The shared cache with a way down: Redis when it answers, the in-process cache when not.

Every operation goes to Redis while the breaker is closed. A Redis failure (down,
unreachable, timed out, dying mid-request) is logged once per outage, counted in
``erp_panel_cache_fallback_total`` and answered from the in-process cache, so a
panel read or an admin save never fails because of Redis; coalescing and the
refresh-now rate limit become per process for the outage. After
``reset_seconds`` one caller probes Redis again; when it answers, deferred flushes
run first (entries from before a save must not come back), the in-process copies
are dropped and Redis is used again.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa

from app.cache.backend import CacheBackend, CacheEntry, CacheUnavailable
from app.cache.breaker import BreakerState, CircuitBreaker
from app.cache.flush_backlog import FlushBacklog
from app.ops.metrics import CACHE_FALLBACKS, DEFERRED_FLUSHES, REDIS_UP

log = logging.getLogger("erp_panel.cache")

T = TypeVar("T")

#: the order worker retries deferred flushes at most this often (seconds)
DEFERRED_RETRY_INTERVAL = 30.0


class ResilientCache(CacheBackend):
    """A CacheBackend over Redis (``primary``) that degrades to ``fallback`` behind a circuit breaker."""

    def __init__(self, primary: Any, fallback: CacheBackend, breaker: CircuitBreaker,
                 backlog: FlushBacklog | None = None):
        self.primary = primary          # RedisCache (CacheBackend + ping)
        self.fallback = fallback
        self.breaker = breaker
        self.backlog = backlog
        self._last_deferred_retry: float | None = None
        self._retry_lock = threading.Lock()
        REDIS_UP.set(1)

    # -- the one routing rule --------------------------------------------------------
    def _run(self, operation: str, primary: Callable[[], T], fallback: Callable[[], T]) -> T:
        mode = self.breaker.acquire()
        if mode is None:
            CACHE_FALLBACKS.labels(operation).inc()
            return fallback()
        try:
            if mode == BreakerState.HALF_OPEN:
                # The probe: flushes deferred during the outage run before anything is read from Redis.
                self.primary.ping()
                self._retry_deferred()
            result = primary()
        except CacheUnavailable as exc:
            self._failed(operation, exc)
            return fallback()
        if self.breaker.success():
            self._recovered()
        return result

    def _failed(self, operation: str, exc: CacheUnavailable) -> None:
        CACHE_FALLBACKS.labels(operation).inc()
        if self.breaker.failure():
            REDIS_UP.set(0)
            log.warning("Redis is unavailable; serving from the in-process cache until it answers again",
                        extra={"ctx": {"operation": operation, "error": str(exc),
                                       "retry_seconds": self.breaker.reset_seconds}})

    def _recovered(self) -> None:
        try:
            self._retry_deferred()
        except CacheUnavailable as exc:
            self._failed("retry_flushes", exc)
            return
        REDIS_UP.set(1)
        log.info("Redis answers again; using the shared cache", extra={"ctx": {}})
        self.fallback.delete_prefix("")

    # -- CacheBackend -------------------------------------------------------------------
    def get(self, key: str) -> CacheEntry | None:
        return self._run("get", lambda: self.primary.get(key), lambda: self.fallback.get(key))

    def set(self, key: str, entry: CacheEntry, keep_seconds: float) -> None:
        self._run("set", lambda: self.primary.set(key, entry, keep_seconds),
                  lambda: self.fallback.set(key, entry, keep_seconds))

    def add(self, key: str, value: str, keep_seconds: float) -> bool:
        return self._run("add", lambda: self.primary.add(key, value, keep_seconds),
                         lambda: self.fallback.add(key, value, keep_seconds))

    def exists(self, key: str) -> bool:
        return self._run("exists", lambda: self.primary.exists(key), lambda: self.fallback.exists(key))

    def delete(self, key: str) -> None:
        self._run("delete", lambda: self.primary.delete(key), lambda: self.fallback.delete(key))

    def delete_prefix(self, prefix: str) -> int:
        """Delete from Redis, or record the flush for when Redis is back; never raises for Redis."""
        local = self.fallback.delete_prefix(prefix)

        def deferred() -> int:
            DEFERRED_FLUSHES.inc()
            if self.backlog is not None:
                self.backlog.record(prefix)
            return local
        return self._run("delete_prefix", lambda: self.primary.delete_prefix(prefix) + local, deferred)

    # -- maintenance ------------------------------------------------------------------
    def retry_deferred_flushes(self) -> int:
        """Run recorded flushes now if Redis answers (throttled; the order worker calls this when idle)."""
        now = self.breaker.clock.monotonic()
        with self._retry_lock:
            last = self._last_deferred_retry
            if last is not None and now - last < DEFERRED_RETRY_INTERVAL:
                return 0
            self._last_deferred_retry = now
        return self._run("retry_flushes", self._retry_deferred, lambda: 0)

    def _retry_deferred(self) -> int:
        if self.backlog is None:
            return 0
        try:
            pending = self.backlog.pending()
            for prefix, requested_at in pending:
                self.primary.delete_prefix(prefix)      # CacheUnavailable: the caller falls back
                self.backlog.done(prefix, requested_at)
        except sa.exc.SQLAlchemyError as exc:
            log.error("could not run deferred cache flushes", extra={"ctx": {"error_type": type(exc).__name__}})
            return 0
        if pending:
            log.info("ran deferred cache flushes", extra={"ctx": {"count": len(pending)}})
        return len(pending)

    def check(self) -> dict[str, Any]:
        """Readiness view of Redis: {"state": "ok"} or {"state": "down", ...} (probes when allowed)."""
        ok = self._run("ping", lambda: (self.primary.ping(), True)[1], lambda: False)
        if ok:
            return {"state": "ok"}
        down_for = self.breaker.seconds_open()
        return {"state": "down", "fallback": "in-process cache",
                "down_for_seconds": round(down_for, 1) if down_for is not None else None,
                "breaker": self.breaker.state.value}
