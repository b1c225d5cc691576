"""Sections the read service answers with (from a cache entry, or degraded with a plain sentence), and their cache keys."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from app.cache.backend import CacheEntry
from app.erp.base import ERPConnector
from app.panel import messages
from app.panel.model import DataKind, Section, SectionState
from app.panel.policy import CachePolicy
from app.tenants.model import Tenant

NOT_FOUND_MESSAGE = "This customer no longer exists in the ERP. Ask an admin to check the account link."
NOT_LINKED_MESSAGE = ("This account is not linked to an ERP customer yet. An admin can link it in the "
                      "erp-panel settings.")


def from_entry(kind: DataKind, entry: CacheEntry, age: float) -> Section:
    """The section for a cached entry: its data, or "not found" for a negative entry."""
    if entry.kind == "not_found":
        return Section(kind, SectionState.NOT_FOUND, None, entry.fetched_at, age, entry.source,
                       "unknown_customer", NOT_FOUND_MESSAGE)
    return Section(kind, SectionState.OK, entry.value, entry.fetched_at, age, entry.source)


def degraded(policy: CachePolicy, kind: DataKind, cached: CacheEntry | None, now: datetime, reason: str,
             message: str, state: SectionState, *, retry_after: float | None = None,
             since: datetime | None = None) -> Section:
    """The last good data (stale) if recent enough, else a section in ``state`` explaining itself.

    ``message`` is the rep's sentence (``app.panel.messages``), ``since`` when the ERP stopped answering."""
    if cached is not None and cached.kind == "data":
        age = cached.age(now)
        if age <= policy.ttl[kind] + policy.stale_limit[kind]:
            return Section(kind, SectionState.STALE, cached.value, cached.fetched_at, age, cached.source,
                           reason, messages.STALE.format(why=message), unreachable_since=since)
    if state == SectionState.ERROR:
        return Section(kind, SectionState.ERROR, None, None, None, "", reason, message)
    if state == SectionState.RETRYING:
        return Section(kind, SectionState.RETRYING, None, None, None, "", reason, messages.RETRYING,
                       retry_after=round(retry_after, 1) if retry_after is not None else None,
                       unreachable_since=since)
    return Section(kind, SectionState.UNAVAILABLE, None, None, None, "", reason,
                   messages.UNAVAILABLE.format(why=message or messages.UNREACHABLE), unreachable_since=since)


#: kinds whose cache key depends on the tenant's chosen stock items
ITEM_KINDS = (DataKind.STOCK, DataKind.PRICING)


def section_key(tenant_id: str, fp: str, kind: DataKind, customer_id: str, items_suffix: str = "default") -> str:
    """The cache key of one section: tenant first, then the connection fingerprint, kind, customer (stock is
    the same for every customer) and the hash of the tenant's chosen stock items (stock and pricing)."""
    scope = customer_id if kind != DataKind.STOCK else "*"
    return f"{tenant_id}:{fp}:{kind.value}:{scope}:{items_suffix}"


@dataclass(frozen=True)
class ReadScope:
    """What one panel read is about: the tenant, its connector (and settings fingerprint), the ERP customer."""

    tenant: Tenant
    connector: ERPConnector
    fp: str
    customer_id: str

    @cached_property
    def items_suffix(self) -> str:
        items = self.tenant.settings.stock_items
        return hashlib.sha1(",".join(items).encode(), usedforsecurity=False).hexdigest()[:8] if items else "default"
