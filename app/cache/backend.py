"""Cache backends.

Entries carry their own fetch time; the read service decides fresh / stale /
expired from that, so a backend only needs to keep an entry for its maximum
useful life (fresh TTL + stale-if-error window) and then drop it.
"""
from __future__ import annotations

import abc
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cachetools import TLRUCache

from app.clock import Clock


class CacheUnavailable(Exception):
    """The shared cache server could not be used (down, unreachable, timed out)."""


@dataclass(frozen=True)
class CacheEntry:
    """A cached read. ``kind`` is "data" or "not_found" (negative cache)."""

    value: Any
    fetched_at: datetime
    source: str
    kind: str = "data"

    def age(self, now: datetime) -> float:
        return max((now - self.fetched_at).total_seconds(), 0.0)


class CacheBackend(abc.ABC):
    """Minimal cache API the services use; every key must already contain the tenant id."""

    @abc.abstractmethod
    def get(self, key: str) -> CacheEntry | None: ...

    @abc.abstractmethod
    def set(self, key: str, entry: CacheEntry, keep_seconds: float) -> None: ...

    @abc.abstractmethod
    def add(self, key: str, value: str, keep_seconds: float) -> bool:
        """Set only if absent (atomic); True when this call set it. Used for rate limits/markers."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    def delete(self, key: str) -> None: ...

    @abc.abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Drop every key starting with prefix (tenant clean-up); returns how many."""

    def retry_deferred_flushes(self) -> int:
        """Run prefix deletions that had to wait for a shared cache to come back; returns how many.

        Only a backend that can lose its server has any; the rest have nothing to do.
        """
        return 0

    def check(self) -> dict[str, Any]:
        """Readiness view of the shared cache server; an in-process cache has none."""
        return {"state": "not_configured"}


class _Slot:
    __slots__ = ("value", "keep")

    def __init__(self, value: Any, keep: float):
        self.value = value
        self.keep = keep


class MemoryCache(CacheBackend):
    """In-process cache on cachetools' TLRUCache with per-entry lifetimes and the injected clock."""

    def __init__(self, clock: Clock, maxsize: int = 50_000):
        self._cache: TLRUCache = TLRUCache(maxsize=maxsize, ttu=lambda _k, slot, now: now + slot.keep,
                                           timer=clock.monotonic)
        self._lock = threading.Lock()

    def get(self, key: str) -> CacheEntry | None:
        with self._lock:
            slot = self._cache.get(key)
        return slot.value if slot is not None and isinstance(slot.value, CacheEntry) else None

    def set(self, key: str, entry: CacheEntry, keep_seconds: float) -> None:
        with self._lock:
            self._cache[key] = _Slot(entry, keep_seconds)

    def add(self, key: str, value: str, keep_seconds: float) -> bool:
        with self._lock:
            if self._cache.get(key) is not None:
                return False
            self._cache[key] = _Slot(value, keep_seconds)
            return True

    def exists(self, key: str) -> bool:
        with self._lock:
            return self._cache.get(key) is not None

    def delete(self, key: str) -> None:
        with self._lock:
            self._cache.pop(key, None)

    def delete_prefix(self, prefix: str) -> int:
        with self._lock:
            keys = [k for k in list(self._cache.keys()) if k.startswith(prefix)]
            for k in keys:
                self._cache.pop(k, None)
            return len(keys)
