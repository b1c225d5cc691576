"""Per-data-type cache policy (fresh TTL, stale-while-revalidate window and stale-if-error limit)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from app.cache.backend import CacheEntry
from app.panel.model import DataKind

if TYPE_CHECKING:
    from app.config import Settings

#: after an ERP error readers of that key skip the ERP for a while and serve stale/retrying/unavailable:
#: 2 s after the first failed fetch, doubling per consecutive failure, at most 15 s
FIRST_ERROR_BACKOFF_SECONDS = 2
ERROR_BACKOFF_SECONDS = 15
#: consecutive failed fetches of a key with nothing to show before "retrying" turns into "unavailable"
UNAVAILABLE_AFTER_FAILURES = 4
#: how long a key's streak of failures is remembered after its last failure
FAILURE_MEMORY_SECONDS = 300
#: how long the last good credit read is kept for its hold and the customer's name (past the stale limit)
LAST_KNOWN_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class CachePolicy:
    ttl: dict[DataKind, int]
    stale_limit: dict[DataKind, int]
    negative_ttl: int
    error_backoff: int = ERROR_BACKOFF_SECONDS
    first_error_backoff: float = FIRST_ERROR_BACKOFF_SECONDS
    unavailable_after: int = UNAVAILABLE_AFTER_FAILURES
    failure_memory: int = FAILURE_MEMORY_SECONDS
    last_known: int = LAST_KNOWN_SECONDS

    @classmethod
    def from_settings(cls, s: Settings) -> CachePolicy:
        return cls(
            ttl={DataKind.STOCK: s.ttl_stock, DataKind.CREDIT: s.ttl_credit,
                 DataKind.INVOICES: s.ttl_invoices, DataKind.PRICING: s.ttl_pricing},
            stale_limit={DataKind.STOCK: s.stale_limit_stock, DataKind.CREDIT: s.stale_limit_credit,
                         DataKind.INVOICES: s.stale_limit_invoices, DataKind.PRICING: s.stale_limit_pricing},
            negative_ttl=s.negative_ttl,
        )

    def backoff_after(self, failures: int) -> float:
        """Seconds readers leave the ERP alone after ``failures`` consecutive failed fetches of a key."""
        exponent = min(max(failures, 1) - 1, 30)
        return min(float(self.error_backoff), self.first_error_backoff * 2.0 ** exponent)

    def keep_seconds(self, kind: DataKind) -> int:
        """How long a cache backend keeps an entry: fresh life plus the stale-if-error window."""
        return self.ttl[kind] + self.stale_limit[kind]

    def is_fresh(self, entry: CacheEntry, kind: DataKind, now: datetime) -> bool:
        """Still inside its TTL (the negative-cache TTL for an unknown customer)."""
        limit = self.negative_ttl if entry.kind == "not_found" else self.ttl[kind]
        return entry.age(now) < limit

    def revalidates(self, entry: CacheEntry, kind: DataKind, now: datetime) -> bool:
        """Past its TTL but young enough to be served while one background refresh runs: up to twice the TTL
        (stale-while-revalidate). Older data is fetched while the reader waits, as on a cold read."""
        return entry.kind == "data" and entry.age(now) < 2 * self.ttl[kind]

    def keep_remaining(self, entry: CacheEntry, kind: DataKind, now: datetime) -> float:
        """Seconds a copy of ``entry`` is still useful (to the end of its stale-if-error window)."""
        life = self.negative_ttl if entry.kind == "not_found" else self.keep_seconds(kind)
        return life - entry.age(now)
