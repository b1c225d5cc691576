"""Cache backends.

Entries carry their own fetch time; the read service decides fresh / stale /
expired from that, so a backend only needs to keep an entry for its maximum
useful life (fresh TTL + stale-if-error window) and then drop it.
"""
from __future__ import annotations

import abc
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cachetools import TLRUCache

from app.cache.sizing import deep_sizeof
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


#: default bound of one in-process cache, in bytes of the values it holds (CACHE_MAX_BYTES)
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


#: the slot object and the cache's own bookkeeping (links, expiry entry) per key, measured on CPython 3.11
SLOT_OVERHEAD = 300


class _Slot:
    __slots__ = ("value", "keep", "size")

    def __init__(self, key: str, value: Any, keep: float):
        self.value = value
        self.keep = keep
        self.size = sys.getsizeof(key) + deep_sizeof(value) + SLOT_OVERHEAD


class MemoryCache(CacheBackend):
    """In-process cache on cachetools' TLRUCache with per-entry lifetimes and the injected clock.

    Bounded in bytes: each entry counts its key, its value (``deep_sizeof``) and the slot's
    overhead; past ``max_bytes`` the least recently used entries go first. A value larger than
    the whole bound is not kept at all.
    """

    def __init__(self, clock: Clock, max_bytes: int = DEFAULT_MAX_BYTES):
        self._cache: TLRUCache = TLRUCache(maxsize=max_bytes, ttu=lambda _k, slot, now: now + slot.keep,
                                           timer=clock.monotonic, getsizeof=lambda slot: slot.size)
        self._lock = threading.Lock()

    @property
    def bytes_used(self) -> int:
        """Bytes the entries held now account for (never above ``max_bytes``)."""
        with self._lock:
            return int(self._cache.currsize)

    @property
    def max_bytes(self) -> int:
        return int(self._cache.maxsize)

    def _put(self, key: str, slot: _Slot) -> None:
        try:
            self._cache[key] = slot
        except ValueError:              # larger than the whole bound: not cached
            self._cache.pop(key, None)

    def _slot(self, key: str) -> _Slot | None:
        try:
            return self._cache[key]     # one lookup (``get`` would check the expiry twice)
        except KeyError:
            return None

    def get(self, key: str) -> CacheEntry | None:
        with self._lock:
            slot = self._slot(key)
        return slot.value if slot is not None and isinstance(slot.value, CacheEntry) else None

    def set(self, key: str, entry: CacheEntry, keep_seconds: float) -> None:
        with self._lock:
            self._put(key, _Slot(key, entry, keep_seconds))

    def add(self, key: str, value: str, keep_seconds: float) -> bool:
        with self._lock:
            if self._slot(key) is not None:
                return False
            self._put(key, _Slot(key, value, keep_seconds))
            return True

    def exists(self, key: str) -> bool:
        with self._lock:
            return self._slot(key) is not None

    def delete(self, key: str) -> None:
        with self._lock:
            self._cache.pop(key, None)

    def delete_prefix(self, prefix: str) -> int:
        with self._lock:
            keys = [k for k in list(self._cache.keys()) if k.startswith(prefix)]
            for k in keys:
                self._cache.pop(k, None)
            return len(keys)
