"""Read service behind every panel surface (widget, Pipedrive JSON panel, HubSpot card).

For each of the four data kinds: serve fresh cache; otherwise fetch once per key
(coalesced across readers), store, and serve. A failed read is retried at once a
couple of times (connectors without their own read retries), so one dropped call
does not blank a section. When the ERP still fails, serve the last good value
flagged stale up to the kind's stale-if-error limit; with nothing to show the
section says "retrying" (with when), and "unavailable" only after several failed
fetches in a row - never an exception. After a failure readers of that key leave
the ERP alone for a short back-off (2 s, doubling to 15 s). Cold kinds are fetched
in parallel so a cold panel costs about one ERP round trip. Cache keys always
start with the tenant.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from app.cache.backend import CacheBackend, CacheEntry
from app.cache.coalesce import Coalescer
from app.clock import Clock
from app.domain.credit import CustomerCredit
from app.erp.base import ERPConnector
from app.errors import (
    MissingVendorField,
    RateLimited,
    UpstreamError,
    UpstreamMisconfigured,
    UpstreamNotFound,
)
from app.net.client import RetryPolicy, retry_call
from app.panel.model import DataKind, PanelView, Section, SectionState
from app.panel.policy import CachePolicy
from app.tenants.model import Tenant

if TYPE_CHECKING:
    from app.ops.observe import Observer

log = logging.getLogger(__name__)

NOT_FOUND_MESSAGE = "This customer no longer exists in the ERP. Ask an admin to check the account link."
MISSING_FIELD_MESSAGE = ("the ERP's answer lacks a field this section needs; an admin can see which one with "
                         "Test connection on the erp-panel settings page")
NOT_LINKED_MESSAGE = ("This account is not linked to an ERP customer yet. An admin can link it in the "
                      "erp-panel settings.")
RETRYING_MESSAGE = "The ERP did not answer; trying again in a few seconds."


class PanelService:
    """Assembles PanelView objects for a tenant's CRM account."""

    def __init__(self, *, tenants, erp_registry, cache: CacheBackend, coalescer: Coalescer,
                 policy: CachePolicy, clock: Clock, executor: ThreadPoolExecutor, observer: Observer,
                 refresh_min_interval: int = 30, read_retries: int = 2):
        self.tenants = tenants
        self.erp = erp_registry
        self.cache = cache
        self.coalescer = coalescer
        self.policy = policy
        self.clock = clock
        self.executor = executor
        self.refresh_min_interval = refresh_min_interval
        self.read_retries = read_retries
        self.observer = observer

    # -- public API ---------------------------------------------------------------
    def read(self, tenant: Tenant, crm_account_id: str, *, kinds: tuple[DataKind, ...] = tuple(DataKind),
             force_refresh: bool = False) -> PanelView:
        """The panel for one CRM account of this tenant."""
        view = self._assemble(tenant, crm_account_id, kinds, force_refresh)
        self.observer.panel_served(view)
        return view

    def _assemble(self, tenant: Tenant, crm_account_id: str, kinds: tuple[DataKind, ...],
                  force_refresh: bool) -> PanelView:
        now = self.clock.now()
        customer_id = self.tenants.erp_customer_for(tenant.id, crm_account_id)
        if customer_id is None:
            sections = {k: Section(k, SectionState.NOT_LINKED, reason="not_linked", message=NOT_LINKED_MESSAGE)
                        for k in kinds}
            return PanelView(tenant.id, crm_account_id, None, now, sections)
        try:
            connector, fp = self.erp.connector_for(tenant)
        except UpstreamMisconfigured as exc:
            sections = {k: Section(k, SectionState.ERROR, reason=exc.reason, message=exc.message) for k in kinds}
            return PanelView(tenant.id, crm_account_id, customer_id, now, sections)

        sections: dict[DataKind, Section] = {}
        pending = []
        for kind in kinds:
            hit = None if force_refresh else self._fresh_hit(tenant, fp, kind, customer_id)
            if hit is not None:
                self.observer.cache_lookup(kind.value, hit=True)
                sections[kind] = hit
            else:
                pending.append(kind)
        if len(pending) == 1:
            sections[pending[0]] = self._section(tenant, connector, fp, pending[0], customer_id, force_refresh)
        elif pending:
            futures = {kind: self.executor.submit(self._section, tenant, connector, fp, kind, customer_id,
                                                  force_refresh) for kind in pending}
            for kind, future in futures.items():
                sections[kind] = future.result()
        return PanelView(tenant.id, crm_account_id, customer_id, self.clock.now(),
                         {k: sections[k] for k in kinds})

    def refresh(self, tenant: Tenant, crm_account_id: str) -> PanelView:
        """Refresh-now: bypass the cache for this account, at most once per interval."""
        marker = f"{tenant.id}:refresh:{crm_account_id}"
        if not self.cache.add(marker, "1", keep_seconds=self.refresh_min_interval):
            raise RateLimited("This panel was refreshed moments ago; showing cached data is fine for now",
                              reason="refresh_rate_limited", retry_after=self.refresh_min_interval)
        return self.read(tenant, crm_account_id, force_refresh=True)

    def forget_tenant(self, tenant_id: str) -> int:
        """Drop every cached entry of a tenant (uninstall, settings change)."""
        return self.cache.delete_prefix(f"{tenant_id}:")

    # -- the order flow's credit check shares this cache -----------------------------
    def recent_credit(self, tenant: Tenant, fingerprint: str, customer_id: str,
                      max_age: float) -> CustomerCredit | None:
        """The customer's cached credit if it was read at most ``max_age`` seconds ago, else None."""
        entry = self.cache.get(self._key(tenant, fingerprint, DataKind.CREDIT, customer_id))
        if entry is None or entry.kind != "data" or not isinstance(entry.value, CustomerCredit):
            return None
        return entry.value if entry.age(self.clock.now()) <= max_age else None

    def remember_credit(self, tenant: Tenant, fingerprint: str, customer_id: str, credit: CustomerCredit,
                        source: str) -> None:
        """Store a credit read made elsewhere (an order's check), as if the panel had read it now."""
        self.cache.set(self._key(tenant, fingerprint, DataKind.CREDIT, customer_id),
                       CacheEntry(value=credit, fetched_at=self.clock.now(), source=source),
                       keep_seconds=self.policy.keep_seconds(DataKind.CREDIT))

    # -- internals ------------------------------------------------------------------
    def _key(self, tenant: Tenant, fp: str, kind: DataKind, customer_id: str) -> str:
        items = tenant.settings.stock_items if kind in (DataKind.STOCK, DataKind.PRICING) else []
        suffix = hashlib.sha1(",".join(items).encode()).hexdigest()[:8] if items else "default"
        scope = customer_id if kind != DataKind.STOCK else "*"
        return f"{tenant.id}:{fp}:{kind.value}:{scope}:{suffix}"

    def _fresh_hit(self, tenant: Tenant, fp: str, kind: DataKind, customer_id: str) -> Section | None:
        entry = self._fresh_entry(self._key(tenant, fp, kind, customer_id), kind)
        return self._from_entry(kind, entry, entry.age(self.clock.now())) if entry else None

    def _section(self, tenant: Tenant, connector: ERPConnector, fp: str, kind: DataKind, customer_id: str,
                 force: bool) -> Section:
        key = self._key(tenant, fp, kind, customer_id)
        now = self.clock.now()
        cached = self.cache.get(key)
        fresh = not force and cached is not None and self._is_fresh(cached, kind)
        self.observer.cache_lookup(kind.value, hit=fresh)
        if fresh:
            return self._from_entry(kind, cached, cached.age(now))
        if not force:
            failures, reason, message, wait = self._backoff(key)
            if wait > 0:
                return self._degraded(kind, cached, now, reason, message, self._state_after(failures),
                                      retry_after=wait)
        try:
            entry = self.coalescer.run(key, lambda: self._fetch(connector, kind, key, customer_id, tenant),
                                       reread=(lambda: None) if force else (lambda: self._fresh_entry(key, kind)))
        except MissingVendorField as exc:
            # the rep sees "unavailable", never a zero; the admin finds the field with Test connection
            log.warning("tenant %s: %s section unavailable: %s", tenant.id, kind.value, exc.message)
            return self._degraded(kind, cached, now, exc.reason, MISSING_FIELD_MESSAGE, SectionState.UNAVAILABLE)
        except UpstreamError as exc:
            if not exc.retriable:
                return self._degraded(kind, cached, now, exc.reason, exc.message, SectionState.ERROR)
            failures, _, _, wait = self._backoff(key)
            return self._degraded(kind, cached, now, exc.reason, exc.message, self._state_after(max(failures, 1)),
                                  retry_after=wait or self.policy.backoff_after(1))
        except TimeoutError:
            return self._degraded(kind, cached, now, "erp_timeout", "The ERP is taking too long to answer",
                                  SectionState.RETRYING, retry_after=self.policy.backoff_after(1))
        return self._from_entry(kind, entry, entry.age(self.clock.now()))

    # -- error back-off: consecutive failed fetches of a key ------------------------------
    def _state_after(self, failures: int) -> SectionState:
        """What a section with nothing to show says after ``failures`` failed fetches in a row."""
        return SectionState.RETRYING if failures < self.policy.unavailable_after else SectionState.UNAVAILABLE

    def _backoff(self, key: str) -> tuple[int, str, str, float]:
        """(failures in a row, last reason, last message, seconds readers still leave the ERP alone)."""
        streak = self.cache.get(key + ":err")
        if streak is None or streak.kind != "error" or not isinstance(streak.value, dict):
            return 0, "", "", 0.0
        failures = int(streak.value.get("failures", 1))
        wait = self.policy.backoff_after(failures) - streak.age(self.clock.now())
        return failures, streak.source, str(streak.value.get("message", "")), max(wait, 0.0)

    def _record_failure(self, key: str, exc: UpstreamError) -> None:
        """Count one more failed fetch (called by the fetching reader only, not by coalesced followers)."""
        failures = self._backoff(key)[0] + 1
        self.cache.set(key + ":err", CacheEntry(value={"failures": failures, "message": exc.message},
                                                fetched_at=self.clock.now(), source=exc.reason, kind="error"),
                       keep_seconds=self.policy.failure_memory)

    def _fresh_entry(self, key: str, kind: DataKind) -> CacheEntry | None:
        """A still-fresh entry someone else published (coalescing across processes)."""
        entry = self.cache.get(key)
        return entry if entry is not None and self._is_fresh(entry, kind) else None

    def _is_fresh(self, entry: CacheEntry, kind: DataKind) -> bool:
        limit = self.policy.negative_ttl if entry.kind == "not_found" else self.policy.ttl[kind]
        return entry.age(self.clock.now()) < limit

    def _fetch(self, connector: ERPConnector, kind: DataKind, key: str, customer_id: str,
               tenant: Tenant) -> CacheEntry:
        items = tenant.settings.stock_items or None
        readers: dict[DataKind, Callable[[], object]] = {
            DataKind.CREDIT: lambda: connector.get_credit(customer_id),
            DataKind.STOCK: lambda: connector.list_stock(items),
            DataKind.INVOICES: lambda: connector.list_invoices(customer_id, open_only=True),
            DataKind.PRICING: lambda: connector.get_prices(customer_id, items),
        }
        # Connectors that do not retry their own reads (the sandbox, non-HTTP ones) get the same quick retries here.
        retry = RetryPolicy(retries=0 if connector.retries_reads else self.read_retries)
        try:
            with self.observer.scope(tenant.id):      # outbound calls count towards this tenant's budget
                value = retry_call(readers[kind], retry=retry, sleep=self.clock.sleep,
                                   what=f"{connector.name} {kind.value} read")
        except UpstreamNotFound as exc:
            self.observer.erp_read(tenant.id, kind.value, None)     # the ERP answered: no such customer
            entry = CacheEntry(value=exc.message, fetched_at=self.clock.now(), source=connector.name,
                               kind="not_found")
            self.cache.set(key, entry, keep_seconds=self.policy.negative_ttl)
            return entry
        except UpstreamError as exc:
            self.observer.erp_read(tenant.id, kind.value, exc)
            if exc.retriable:
                self._record_failure(key, exc)
            raise
        self.observer.erp_read(tenant.id, kind.value, None)
        entry = CacheEntry(value=value, fetched_at=self.clock.now(), source=connector.name)
        self.cache.set(key, entry, keep_seconds=self.policy.keep_seconds(kind))
        self.cache.delete(key + ":err")
        return entry

    def _from_entry(self, kind: DataKind, entry: CacheEntry, age: float) -> Section:
        if entry.kind == "not_found":
            return Section(kind, SectionState.NOT_FOUND, None, entry.fetched_at, age, entry.source,
                           "unknown_customer", NOT_FOUND_MESSAGE)
        return Section(kind, SectionState.OK, entry.value, entry.fetched_at, age, entry.source)

    def _degraded(self, kind: DataKind, cached: CacheEntry | None, now, reason: str, message: str,
                  state: SectionState, *, retry_after: float | None = None) -> Section:
        """The last good data (stale) if recent enough, else a section in ``state`` explaining itself."""
        if cached is not None and cached.kind == "data":
            age = cached.age(now)
            if age <= self.policy.ttl[kind] + self.policy.stale_limit[kind]:
                return Section(kind, SectionState.STALE, cached.value, cached.fetched_at, age, cached.source,
                               reason, f"Showing the last good data: {message}")
        if state == SectionState.ERROR:
            return Section(kind, SectionState.ERROR, None, None, None, "", reason, message)
        if state == SectionState.RETRYING:
            return Section(kind, SectionState.RETRYING, None, None, None, "", reason, RETRYING_MESSAGE,
                           retry_after=round(retry_after, 1) if retry_after is not None else None)
        text = f"ERP data is unavailable right now: {message}" if message else "ERP data is unavailable right now."
        return Section(kind, SectionState.UNAVAILABLE, None, None, None, "", reason, text)
