"""In-process copies of what a panel read needs about a tenant, so a warm read does no database
transaction and no decryption.

Per tenant: the tenant record, its built ERP connector (secrets decrypted once, when the
copy is loaded) and the account links asked for so far, loaded together in one transaction.

Freshness:
* every change through the tenant store (settings, links, connection, CRM tokens, install,
  uninstall) drops this process's copy at once and is published to the other processes
  (``Invalidations``: Redis pub/sub when Redis is configured);
* a copy is trusted for ``max_age`` seconds while no channel from other processes is
  connected (no Redis, or Redis down), ``max_age_connected`` while it is (a backstop for a
  lost notice); after that it is re-read in the background while readers keep the copy
  (stale-while-revalidate), and past twice that age a reader loads it itself.

Memory is bounded in bytes (records and links, ``deep_sizeof``), least recently used first.
"""
from __future__ import annotations

import sys
import threading
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cachetools import LRUCache

from app.cache.background import BackgroundWork
from app.cache.coalesce import SingleFlight
from app.cache.invalidation import EVERYTHING, Invalidations
from app.cache.sizing import deep_sizeof
from app.clock import Clock
from app.erp.base import ERPConnector
from app.errors import ERP, UpstreamMisconfigured
from app.tenants.model import Tenant
from app.tenants.store import TenantSnapshot, TenantStore

if TYPE_CHECKING:
    from app.erp.registry import ERPRegistry

#: seconds a copy is trusted without a channel from other processes (TENANT_CACHE_SECONDS)
DEFAULT_MAX_AGE = 10.0
#: seconds a copy is trusted while the channel is connected: only a backstop for a lost notice
MAX_AGE_CONNECTED = 300.0
#: default byte bound (TENANT_CACHE_MAX_BYTES)
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
#: the entry object, the connector reference and the LRU's bookkeeping, per tenant
ENTRY_OVERHEAD = 400
#: one cached link: dict slot plus the key and value strings' headers
LINK_OVERHEAD = 120


@dataclass
class _Entry:
    snapshot_at: float                       # monotonic time of the read
    tenant: Tenant
    connector: tuple[ERPConnector, str] | None
    connector_error: UpstreamMisconfigured | None
    links: dict[str, str | None] = field(default_factory=dict)
    size: int = 0


class TenantCache:
    """Tenant, ERP connector and account links for the read path, from memory."""

    def __init__(self, store: TenantStore, erp: ERPRegistry, clock: Clock, invalidations: Invalidations, executor: Executor, *,
                 max_age: float = DEFAULT_MAX_AGE, max_age_connected: float = MAX_AGE_CONNECTED,
                 max_bytes: int = DEFAULT_MAX_BYTES):
        self.store = store
        self.erp = erp
        self.clock = clock
        self.invalidations = invalidations
        self.max_age = max_age
        self.max_age_connected = max_age_connected
        self._entries: LRUCache[str, _Entry] = LRUCache(maxsize=max_bytes, getsizeof=lambda entry: entry.size)
        #: (crm, CRM account key) -> tenant id; never changes once the tenant exists
        self._ids: LRUCache[tuple[str, str], str] = LRUCache(maxsize=max(max_bytes // 8, 1), getsizeof=_id_size)
        self._background = BackgroundWork(executor)
        self._lock = threading.Lock()
        self._version = 0                    # bumped by every invalidation: loads begun before it are not kept
        self._loads = SingleFlight()
        store.on_change(self.changed)
        invalidations.listen(self.forget)

    # -- the read path ------------------------------------------------------------------
    def tenant(self, tenant_id: str) -> Tenant | None:
        """The tenant (any status), or None when there is no such tenant."""
        entry = self._entry(tenant_id)
        return entry.tenant if entry is not None else None

    def find(self, crm: str, crm_account_key: str) -> Tenant | None:
        """The tenant installed for this CRM account (any status), or None when it never installed."""
        key = (crm, str(crm_account_key))
        with self._lock:
            tenant_id = self._ids.get(key)
        if tenant_id is None:
            found = self.store.find(crm, crm_account_key)
            if found is None:
                return None              # not remembered: the install that creates it must be seen at once
            tenant_id = found.id
            with self._lock:
                try:
                    self._ids[key] = tenant_id
                except ValueError:
                    pass
        return self.tenant(tenant_id)

    def erp_customer_for(self, tenant_id: str, crm_account_id: str) -> str | None:
        """The ERP customer linked to a CRM account of this tenant (None: not linked)."""
        account = str(crm_account_id)
        entry = self._entry(tenant_id)
        if entry is None:
            return None
        if account in entry.links:
            return entry.links[account]
        version = self._version
        customer = self.store.erp_customer_for(tenant_id, account)
        with self._lock:
            if self._version == version and self._entries.get(tenant_id) is entry:
                entry.links[account] = customer
                entry.size += _link_size(account, customer)
                self._keep(tenant_id, entry)
        return customer

    def connector_for(self, tenant: Tenant) -> tuple[ERPConnector, str]:
        """(connector, settings fingerprint); raises UpstreamMisconfigured when the tenant has no usable connection."""
        entry = self._entry(tenant.id)
        if entry is None:
            raise UpstreamMisconfigured("No such installation", side=ERP, reason="erp_not_configured")
        if entry.connector_error is not None:
            raise entry.connector_error
        if entry.connector is None:
            raise RuntimeError("a cache entry holds a connector or the error that prevented it")
        return entry.connector

    # -- invalidation -----------------------------------------------------------------------
    def changed(self, tenant_id: str) -> None:
        """A tenant changed in this process: drop the copy here and tell the other processes."""
        self.invalidations.publish(tenant_id)

    def forget(self, tenant_id: str) -> None:
        """Drop this process's copy of a tenant (``EVERYTHING``: of every tenant)."""
        with self._lock:
            self._version += 1
            if tenant_id == EVERYTHING:
                self._entries.clear()
            else:
                self._entries.pop(tenant_id, None)

    @property
    def bytes_used(self) -> int:
        with self._lock:
            return int(self._entries.currsize)

    # -- loading ---------------------------------------------------------------------------
    def _entry(self, tenant_id: str) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(tenant_id)
        if entry is None:
            return self._loads.do(tenant_id, lambda: self._load(tenant_id))
        age = self.clock.monotonic() - entry.snapshot_at
        limit = self.max_age_connected if self.invalidations.connected else self.max_age
        if age >= 2 * limit:
            return self._loads.do(tenant_id, lambda: self._load(tenant_id))
        if age >= limit:
            # the copy stays until the reload replaced it; if the reload fails, the next reader past the
            # hard limit loads it itself
            self._background.start(tenant_id, lambda: self._loads.do(tenant_id, lambda: self._load(tenant_id)))
        return entry

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait for background reloads started so far (tests)."""
        return self._background.settle(timeout)

    def _load(self, tenant_id: str) -> _Entry | None:
        with self._lock:
            version = self._version
            previous = self._entries.get(tenant_id)
        accounts = list(previous.links) if previous is not None else []
        snapshot = self.store.snapshot(tenant_id, accounts)
        if snapshot.tenant is None:
            return None
        entry = self._build(snapshot.tenant, snapshot)
        with self._lock:
            if self._version == version:
                self._keep(tenant_id, entry)
        return entry

    def _build(self, tenant: Tenant, snapshot: TenantSnapshot) -> _Entry:
        connector, error = None, None
        try:
            connector = self.erp.connector_from(tenant.id, snapshot.connection)
        except UpstreamMisconfigured as exc:
            error = exc
        size = ENTRY_OVERHEAD + deep_sizeof(tenant) + sum(_link_size(a, c) for a, c in snapshot.links.items())
        return _Entry(self.clock.monotonic(), tenant, connector, error, dict(snapshot.links), size)

    def _keep(self, tenant_id: str, entry: _Entry) -> None:
        """Store (again, so the LRU re-counts its size); an entry larger than the whole bound is not kept."""
        try:
            self._entries[tenant_id] = entry
        except ValueError:
            self._entries.pop(tenant_id, None)


def _link_size(account: str, customer: str | None) -> int:
    return LINK_OVERHEAD + sys.getsizeof(account) + (sys.getsizeof(customer) if customer is not None else 0)


def _id_size(tenant_id: str) -> int:
    return LINK_OVERHEAD + 2 * sys.getsizeof(tenant_id)
