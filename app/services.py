"""Wires settings into the service graph (no Flask here: the worker uses it too)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from app.auth.admin import AdminSessions
from app.auth.widget_token import WidgetTokens
from app.cache.backend import CacheBackend, MemoryCache
from app.cache.coalesce import Coalescer
from app.cache.invalidation import Invalidations
from app.clock import Clock
from app.config import Settings, outbound_policy
from app.crm.demo.adapter import DemoCRMAdapter
from app.crm.demo.connector import DemoCRM
from app.crm.registry import CRMRegistry
from app.erp.registry import ConnectorContext, ERPRegistry
from app.erp.sandbox.faults import SandboxFaults
from app.erp.sandbox.switches import SharedSwitches
from app.ops.wiring import OpsServices, build_ops
from app.panel.entries import SectionEntries
from app.panel.policy import CachePolicy
from app.panel.service import PanelService
from app.plugins import import_optional
from app.storage.crypto import SecretBox
from app.storage.db import Database
from app.tenants.cache import TenantCache
from app.tenants.store import TenantStore


@dataclass
class Services:
    """Everything the web layer and the worker need, built once per process."""

    settings: Settings
    clock: Clock
    db: Database
    secrets: SecretBox
    tenants: TenantStore
    #: the read path's in-process copy of tenants, links and built ERP connectors
    tenant_cache: TenantCache
    invalidations: Invalidations
    cache: CacheBackend
    coalescer: Coalescer
    erp: ERPRegistry
    crm: CRMRegistry
    panel: PanelService
    widget_tokens: WidgetTokens
    sandbox_faults: SandboxFaults
    executor: ThreadPoolExecutor
    #: background work off the request path: stale-while-revalidate refreshes, tenant reloads
    refresher: ThreadPoolExecutor
    ops: OpsServices
    demo_crm: DemoCRM | None = None
    admin_sessions: Any = None       # app.auth.admin.AdminSessions
    intake: Any = None               # app.orders.intake.OrderIntake, set by app.orders.wiring
    orders: Any = None               # order-flow services (queue, flow, audit), set by app.orders.wiring
    extra: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.invalidations.close()
        self.ops.signals.stop_background()
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.refresher.shutdown(wait=False, cancel_futures=True)
        if self.orders is not None:
            self.orders.close()
        self.db.dispose()


#: threads for work off the request path (background refreshes of panel entries and tenant copies)
REFRESH_WORKERS = 4
REFRESH_THREAD_PREFIX = "erp-panel-refresh"

#: integration modules with an ``install(services)`` function, wired in this order when present
INTEGRATIONS = ["app.orders.wiring", "app.crm.pipedrive.wiring", "app.crm.hubspot.wiring"]


def _install_integrations(services: Services) -> None:
    for module_name in INTEGRATIONS:
        module = import_optional(module_name)
        if module is not None:
            module.install(services)


@dataclass
class CacheLayer:
    """The caches of one process: shared entries, this process's copy of them, locks, change notices."""

    shared: CacheBackend
    local: CacheBackend | None
    locks: Any
    invalidations: Invalidations


def build_cache(settings: Settings, clock: Clock, db: Database) -> CacheLayer:
    """With REDIS_URL: Redis for entries and locks, behind a circuit breaker that falls back to the
    in-process cache (and so to per-process coalescing and rate limits) while Redis is unreachable;
    a bytes-bounded copy in this process in front of it; change notices over Redis pub/sub.
    Without: the in-process cache only, no cross-process lock, change notices within this process.
    """
    if settings.redis_url:
        from app.cache.breaker import CircuitBreaker
        from app.cache.flush_backlog import FlushBacklog
        from app.cache.invalidation import RedisInvalidations
        from app.cache.redis_backend import RedisCache
        from app.cache.resilient import ResilientCache
        redis = RedisCache.from_url(settings.redis_url, settings.redis_namespace)
        cache = ResilientCache(redis, MemoryCache(clock, settings.cache_max_bytes),
                               CircuitBreaker(clock, reset_seconds=settings.redis_retry_seconds),
                               FlushBacklog(db, clock))
        return CacheLayer(cache, MemoryCache(clock, settings.cache_max_bytes), cache,
                          RedisInvalidations(redis.client, settings.redis_namespace))
    return CacheLayer(MemoryCache(clock, settings.cache_max_bytes), None, None, Invalidations())


def build_services(settings: Settings, clock: Clock | None = None,
                   sandbox_faults: SandboxFaults | None = None) -> Services:
    """Build the service graph for one process."""
    clock = clock or Clock()
    db = Database(settings.database_url)
    secrets = SecretBox(settings.encryption_keys)
    tenants = TenantStore(db, secrets, clock)
    caches = build_cache(settings, clock, db)
    coalescer = Coalescer(lock_backend=caches.locks, wait_seconds=settings.coalesce_wait)
    faults = sandbox_faults or SandboxFaults(latency_ms=settings.sandbox_latency_ms,
                                             fail_rate=settings.sandbox_fail_rate)
    faults.attach(SharedSwitches(db, clock))       # the demo's outage switch reaches every process
    executor = ThreadPoolExecutor(max_workers=settings.fanout_workers, thread_name_prefix="erp-fanout")
    refresher = ThreadPoolExecutor(max_workers=REFRESH_WORKERS, thread_name_prefix=REFRESH_THREAD_PREFIX)
    ops = build_ops(settings, clock, db, secrets, tenants)
    erp = ERPRegistry(tenants, ConnectorContext(clock=clock, db=db, sandbox_faults=faults,
                                                timeout=settings.erp_timeout, extra=dict(settings.extra),
                                                outbound=outbound_policy(settings)))
    tenant_cache = TenantCache(tenants, erp, clock, caches.invalidations, refresher,
                               max_age=settings.tenant_cache_seconds, max_bytes=settings.cache_max_bytes // 4)
    policy = CachePolicy.from_settings(settings)
    panel = PanelService(tenants=tenant_cache, entries=SectionEntries(caches.shared, caches.local, policy, clock),
                         coalescer=coalescer, policy=policy, clock=clock, executor=executor, refresher=refresher,
                         invalidations=caches.invalidations, observer=ops.observer,
                         refresh_min_interval=settings.refresh_min_interval, read_retries=settings.panel_read_retries)
    crm = CRMRegistry()
    demo_crm = None
    if settings.demo_enabled:
        demo_crm = DemoCRM(db, clock, settings.secret_key)
        crm.add(DemoCRMAdapter(demo_crm))
    services = Services(settings=settings, clock=clock, db=db, secrets=secrets, tenants=tenants,
                        tenant_cache=tenant_cache, invalidations=caches.invalidations, cache=caches.shared,
                        coalescer=coalescer, erp=erp, crm=crm, panel=panel, refresher=refresher,
                        widget_tokens=WidgetTokens([settings.secret_key], clock, settings.widget_token_ttl),
                        sandbox_faults=faults, executor=executor, ops=ops, demo_crm=demo_crm,
                        admin_sessions=AdminSessions([settings.secret_key], clock))
    _install_integrations(services)
    return services
