"""Per-data-type cache policy (fresh TTL and stale-if-error limit)."""
from __future__ import annotations

from dataclasses import dataclass

from app.panel.model import DataKind

#: after an ERP error, readers skip the ERP for this long and serve stale/unavailable
ERROR_BACKOFF_SECONDS = 15


@dataclass(frozen=True)
class CachePolicy:
    ttl: dict[DataKind, int]
    stale_limit: dict[DataKind, int]
    negative_ttl: int
    error_backoff: int = ERROR_BACKOFF_SECONDS

    @classmethod
    def from_settings(cls, s) -> CachePolicy:
        return cls(
            ttl={DataKind.STOCK: s.ttl_stock, DataKind.CREDIT: s.ttl_credit,
                 DataKind.INVOICES: s.ttl_invoices, DataKind.PRICING: s.ttl_pricing},
            stale_limit={DataKind.STOCK: s.stale_limit_stock, DataKind.CREDIT: s.stale_limit_credit,
                         DataKind.INVOICES: s.stale_limit_invoices, DataKind.PRICING: s.stale_limit_pricing},
            negative_ttl=s.negative_ttl,
        )

    def keep_seconds(self, kind: DataKind) -> int:
        """How long a cache backend keeps an entry: fresh life plus the stale-if-error window."""
        return self.ttl[kind] + self.stale_limit[kind]
