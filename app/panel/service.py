"""Read service behind every panel surface (widget, Pipedrive JSON panel, HubSpot card).

For each of the four data kinds: serve fresh cache; a key just past its TTL is served
as it is while one background refresh runs (stale-while-revalidate, coalesced across
readers and processes), so an expiry never makes a reader wait; otherwise fetch once
per key (coalesced across readers), store, and serve. A failed read is retried at once a
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

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from app.cache.backend import CacheEntry
from app.cache.coalesce import Coalescer
from app.cache.invalidation import EVERYTHING, Invalidations
from app.clock import Clock
from app.domain.credit import CustomerCredit
from app.errors import (
    MissingVendorField,
    RateLimited,
    UpstreamError,
    UpstreamMisconfigured,
    UpstreamNotFound,
)
from app.net.client import RetryPolicy, retry_call
from app.panel import messages
from app.panel.backoff import ErrorBackoff
from app.panel.entries import SectionEntries
from app.panel.model import DataKind, PanelView, Section, SectionState
from app.panel.policy import CachePolicy
from app.panel.revalidate import Revalidator
from app.panel.sections import (
    ITEM_KINDS,
    NOT_LINKED_MESSAGE,
    ReadScope,
    degraded,
    from_entry,
    section_key,
)
from app.tenants.cache import TenantCache
from app.tenants.model import Tenant

if TYPE_CHECKING:
    from app.ops.observe import Observer

log = logging.getLogger(__name__)

#: suffix of the key that keeps the last good credit read past the stale limit (``CachePolicy.last_known``)
LAST_CREDIT = ":last"


class PanelService:
    """Assembles PanelView objects for a tenant's CRM account."""

    def __init__(self, *, tenants: TenantCache, entries: SectionEntries, coalescer: Coalescer, policy: CachePolicy,
                 clock: Clock, executor: Executor, refresher: Executor, invalidations: Invalidations,
                 observer: Observer, refresh_min_interval: int = 30, read_retries: int = 2):
        self.tenants = tenants
        self.entries = entries
        self.cache = entries.shared          # markers (refresh-now limit) and error streaks: shared by processes
        self.backoff = ErrorBackoff(entries.shared, policy, clock)
        self.coalescer = coalescer
        self.revalidator = Revalidator(coalescer, refresher)
        self.policy = policy
        self.clock = clock
        self.executor = executor
        self.invalidations = invalidations
        self.refresh_min_interval = refresh_min_interval
        self.read_retries = read_retries
        self.observer = observer
        invalidations.listen(self._forget_local)

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
            connector, fp = self.tenants.connector_for(tenant)
        except UpstreamMisconfigured as exc:
            sections = {k: Section(k, SectionState.ERROR, reason=exc.reason, message=messages.rep_message(exc))
                        for k in kinds}
            return PanelView(tenant.id, crm_account_id, customer_id, now, sections)
        work = ReadScope(tenant, connector, fp, customer_id)
        sections = {}
        pending = []
        for kind in kinds:
            hit = None if force_refresh else self._cached_section(work, kind, now)
            if hit is not None:
                self.observer.cache_lookup(kind.value, hit=True)
                sections[kind] = hit
            else:
                pending.append(kind)
        if pending:
            sections.update(self._load(work, pending, force_refresh))
        last = self._last_credit(work, sections.get(DataKind.CREDIT))
        return PanelView(tenant.id, crm_account_id, customer_id, self.clock.now(),
                         {k: sections[k] for k in kinds}, last_credit=last.value if last else None,
                         last_credit_at=last.fetched_at if last else None)

    def refresh(self, tenant: Tenant, crm_account_id: str) -> PanelView:
        """Refresh-now: bypass the cache for this account, at most once per interval."""
        marker = f"{tenant.id}:refresh:{crm_account_id}"
        if not self.cache.add(marker, "1", keep_seconds=self.refresh_min_interval):
            raise RateLimited("This panel was refreshed moments ago; showing cached data is fine for now",
                              reason="refresh_rate_limited", retry_after=self.refresh_min_interval)
        return self.read(tenant, crm_account_id, force_refresh=True)

    def forget_tenant(self, tenant_id: str) -> int:
        """Drop every cached entry of a tenant (uninstall, settings change), here and in every process."""
        dropped = self.entries.forget(f"{tenant_id}:")
        self.invalidations.publish(tenant_id)
        return dropped

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait for the background refreshes started so far (tests, shutdown)."""
        return self.revalidator.settle(timeout)

    # -- the order flow's credit check shares this cache -----------------------------
    def recent_credit(self, tenant: Tenant, fingerprint: str, customer_id: str,
                      max_age: float) -> CustomerCredit | None:
        """The customer's cached credit if it was read at most ``max_age`` seconds ago, else None."""
        # the shared cache: the newest read of any process
        entry = self.cache.get(section_key(tenant.id, fingerprint, DataKind.CREDIT, customer_id))
        if entry is None or entry.kind != "data" or not isinstance(entry.value, CustomerCredit):
            return None
        return entry.value if entry.age(self.clock.now()) <= max_age else None

    def remember_credit(self, tenant: Tenant, fingerprint: str, customer_id: str, credit: CustomerCredit,
                        source: str) -> None:
        """Store a credit read made elsewhere (an order's check), as if the panel had read it now."""
        self.entries.set(section_key(tenant.id, fingerprint, DataKind.CREDIT, customer_id),
                         CacheEntry(value=credit, fetched_at=self.clock.now(), source=source),
                         keep_seconds=self.policy.keep_seconds(DataKind.CREDIT))

    # -- internals ------------------------------------------------------------------
    def _forget_local(self, tenant_id: str) -> None:
        self.entries.forget_local("" if tenant_id == EVERYTHING else f"{tenant_id}:")

    def _key(self, work: ReadScope, kind: DataKind) -> str:
        return section_key(work.tenant.id, work.fp, kind, work.customer_id,
                           work.items_suffix if kind in ITEM_KINDS else "default")

    def _cached_section(self, work: ReadScope, kind: DataKind, now: datetime) -> Section | None:
        """The section from the cache without waiting: fresh, or just expired while one refresh runs behind it.
        None when the reader has to load it (cold, too old, or the ERP failed just now)."""
        key = self._key(work, kind)
        entry = self.entries.fresh_here(key, kind, now)
        if entry is not None:
            return from_entry(kind, entry, entry.age(now))
        refreshing = self.revalidator.refreshing(key)
        entry = self.entries.get(key, kind, refreshing=refreshing)
        if entry is None:
            return None
        if not self.policy.is_fresh(entry, kind, now):
            if not self.policy.revalidates(entry, kind, now):
                return None
            if not refreshing:
                if self.backoff.streak(key).wait > 0:
                    return None               # failed just now: ``_load`` serves it flagged stale
                self.revalidator.refresh(key, partial(self._fetch, work, kind, key),
                                         partial(self.entries.fresh, key, kind))
        return from_entry(kind, entry, entry.age(now))

    def _load(self, work: ReadScope, kinds: list[DataKind], force: bool) -> dict[DataKind, Section]:
        """Sections the cache cannot serve: the back-off's answer, or a fetch (one per key, however many
        readers wait; different kinds in parallel, so a cold panel costs about one ERP round trip)."""
        now = self.clock.now()
        sections: dict[DataKind, Section] = {}
        fetches = {}
        for kind in kinds:
            key = self._key(work, kind)
            cached = self.entries.get(key, kind)
            fresh = not force and cached is not None and self.policy.is_fresh(cached, kind, now)
            self.observer.cache_lookup(kind.value, hit=fresh)
            if fresh and cached is not None:
                sections[kind] = from_entry(kind, cached, cached.age(now))
                continue
            streak = self.backoff.streak(key) if not force else None
            if streak is not None and streak.wait > 0:
                sections[kind] = degraded(self.policy, kind, cached, now, streak.reason, streak.message,
                                          self.backoff.state_after(streak.failures), retry_after=streak.wait,
                                          since=streak.since)
                continue
            fetch = partial(self._fetch, work, kind, key)
            reread = (lambda: None) if force else partial(self.entries.fresh, key, kind)
            fetches[kind] = (key, cached, fetch, reread)
        if len(fetches) == 1:
            kind, (key, cached, fetch, reread) = next(iter(fetches.items()))
            sections[kind] = self._outcome(work, kind, key, cached, now,
                                           lambda: self.coalescer.run(key, fetch, reread))
        elif fetches:
            handles = {kind: self.coalescer.start(key, fetch, reread, self.executor)
                       for kind, (key, _, fetch, reread) in fetches.items()}
            for kind, handle in handles.items():
                key, cached = fetches[kind][0], fetches[kind][1]
                sections[kind] = self._outcome(work, kind, key, cached, now,
                                               partial(self.coalescer.wait, handle))
        return sections

    def _outcome(self, work: ReadScope, kind: DataKind, key: str, cached: CacheEntry | None, now: datetime,
                 fetched: Callable[[], CacheEntry]) -> Section:
        try:
            entry = fetched()
        except MissingVendorField as exc:
            # the rep sees "unavailable", never a zero; the admin finds the field with Test connection
            log.warning("tenant %s: %s section unavailable: %s", work.tenant.id, kind.value, exc.message)
            return degraded(self.policy, kind, cached, now, exc.reason, messages.rep_message(exc),
                            SectionState.UNAVAILABLE)
        except UpstreamError as exc:
            # the vendor's wording is for the admin (log, reason code); the rep reads a plain sentence
            log.warning("tenant %s: %s section read failed (%s): %s", work.tenant.id, kind.value, exc.reason,
                        exc.message)
            if not exc.retriable:
                return degraded(self.policy, kind, cached, now, exc.reason, messages.rep_message(exc),
                                SectionState.ERROR)
            streak = self.backoff.streak(key)
            return degraded(self.policy, kind, cached, now, exc.reason, messages.rep_message(exc),
                            self.backoff.state_after(max(streak.failures, 1)),
                            retry_after=streak.wait or self.policy.backoff_after(1), since=streak.since or now)
        except TimeoutError:
            return degraded(self.policy, kind, cached, now, "erp_timeout", messages.SLOW,
                            SectionState.RETRYING, retry_after=self.policy.backoff_after(1), since=now)
        return from_entry(kind, entry, entry.age(self.clock.now()))

    def _fetch(self, work: ReadScope, kind: DataKind, key: str) -> CacheEntry:
        connector, customer_id = work.connector, work.customer_id
        items = work.tenant.settings.stock_items or None
        readers: dict[DataKind, Callable[[], object]] = {
            DataKind.CREDIT: lambda: connector.get_credit(customer_id),
            DataKind.STOCK: lambda: connector.list_stock(items),
            DataKind.INVOICES: lambda: connector.list_invoices(customer_id, open_only=True),
            DataKind.PRICING: lambda: connector.get_prices(customer_id, items),
        }
        # Connectors that do not retry their own reads (the sandbox, non-HTTP ones) get the same quick retries here.
        retry = RetryPolicy(retries=0 if connector.retries_reads else self.read_retries)
        try:
            with self.observer.scope(work.tenant.id):     # outbound calls count towards this tenant's budget
                value = retry_call(readers[kind], retry=retry, sleep=self.clock.sleep,
                                   what=f"{connector.name} {kind.value} read")
        except UpstreamNotFound as exc:
            self.observer.erp_read(work.tenant.id, kind.value, None)     # the ERP answered: no such customer
            entry = CacheEntry(value=exc.message, fetched_at=self.clock.now(), source=connector.name,
                               kind="not_found")
            self.entries.set(key, entry, keep_seconds=self.policy.negative_ttl)
            return entry
        except UpstreamError as exc:
            self.observer.erp_read(work.tenant.id, kind.value, exc)
            if exc.retriable:
                self.backoff.failed(key, exc)
            raise
        self.observer.erp_read(work.tenant.id, kind.value, None)
        entry = CacheEntry(value=value, fetched_at=self.clock.now(), source=connector.name)
        self.entries.set(key, entry, keep_seconds=self.policy.keep_seconds(kind))
        if kind == DataKind.CREDIT:
            self.cache.set(key + LAST_CREDIT, entry, keep_seconds=self.policy.last_known)
        self.backoff.succeeded(key)
        return entry

    def _last_credit(self, work: ReadScope, section: Section | None) -> CacheEntry | None:
        """The last good credit read when the credit section has nothing to show (past its stale limit, or the
        ERP refuses): a credit hold and the customer's name must not vanish in a long outage."""
        if section is None or section.data is not None or section.state == SectionState.NOT_FOUND:
            return None
        entry = self.cache.get(self._key(work, DataKind.CREDIT) + LAST_CREDIT)
        return entry if entry is not None and isinstance(entry.value, CustomerCredit) else None
