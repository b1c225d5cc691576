"""Where panel entries live: the shared cache, and with Redis a copy in this process in front of it.

A warm read must not pay a Redis round trip and a decode per section, so with a shared
cache each process keeps the entries it has seen in its own bytes-bounded memory cache
and asks the shared cache again only when its copy is past the TTL (another process may
have refreshed it meanwhile) - unless this process is refreshing that key right now, in
which case its copy is served as it is. Entries written here go to both; clearing a
tenant clears both, and every other process clears its copy on the change notice.
"""
from __future__ import annotations

from datetime import datetime

from app.cache.backend import CacheBackend, CacheEntry
from app.clock import Clock
from app.panel.model import DataKind
from app.panel.policy import CachePolicy


class SectionEntries:
    """Panel cache entries: ``shared`` (Redis or the in-process cache) with an optional ``local`` copy."""

    def __init__(self, shared: CacheBackend, local: CacheBackend | None, policy: CachePolicy, clock: Clock):
        self.shared = shared
        self.local = local
        self.policy = policy
        self.clock = clock

    def fresh_here(self, key: str, kind: DataKind, now: datetime) -> CacheEntry | None:
        """The entry if this process's own copy is fresh (the warm path: no shared cache involved)."""
        entry = (self.local or self.shared).get(key)
        return entry if entry is not None and self.policy.is_fresh(entry, kind, now) else None

    def get(self, key: str, kind: DataKind, *, refreshing: bool = False) -> CacheEntry | None:
        """The newest entry for key; the local copy alone while it is fresh or ``refreshing``."""
        if self.local is None:
            return self.shared.get(key)
        mine = self.local.get(key)
        now = self.clock.now()
        if mine is not None and (refreshing or self.policy.is_fresh(mine, kind, now)):
            return mine
        theirs = self.shared.get(key)
        if theirs is None or (mine is not None and mine.fetched_at >= theirs.fetched_at):
            return mine
        keep = self.policy.keep_remaining(theirs, kind, now)
        if keep > 0:
            self.local.set(key, theirs, keep_seconds=keep)
        return theirs

    def fresh(self, key: str, kind: DataKind) -> CacheEntry | None:
        """A still-fresh entry someone else published (coalescing across processes)."""
        entry = self.get(key, kind)
        return entry if entry is not None and self.policy.is_fresh(entry, kind, self.clock.now()) else None

    def set(self, key: str, entry: CacheEntry, keep_seconds: float) -> None:
        self.shared.set(key, entry, keep_seconds=keep_seconds)
        if self.local is not None:
            self.local.set(key, entry, keep_seconds=keep_seconds)

    def forget_local(self, prefix: str) -> int:
        """Drop this process's copies under prefix (another process changed the tenant)."""
        return self.local.delete_prefix(prefix) if self.local is not None else 0

    def forget(self, prefix: str) -> int:
        """Drop every entry under prefix, shared and local."""
        return self.shared.delete_prefix(prefix) + self.forget_local(prefix)
