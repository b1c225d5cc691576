"""The one composition root: every service and integration of a process, typed, built in one place.

The web app, the worker and the CLI all call :func:`build_services`; nothing is looked up by name
and nothing is optional by accident: a missing module is an import error. What *is* optional is
configuration: a CRM integration whose app credentials are not set is simply not in ``crm``.
No Flask here (the worker uses it too).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from app.auth.admin import AdminSessions
from app.auth.widget_token import WidgetTokens
from app.cache.backend import CacheBackend, MemoryCache
from app.cache.breaker import CircuitBreaker
from app.cache.coalesce import Coalescer
from app.cache.flush_backlog import FlushBacklog
from app.cache.invalidation import Invalidations, RedisInvalidations
from app.cache.redis_backend import RedisCache
from app.cache.resilient import ResilientCache
from app.clock import Clock
from app.config import Settings, outbound_policy
from app.crm.base import CRMDeps
from app.crm.registry import CRMRegistry
from app.crm.viewers import ViewerDirectory
from app.erp.base import ConnectorContext
from app.erp.registry import ERPRegistry
from app.erp.sandbox.faults import SandboxFaults
from app.erp.sandbox.switches import SharedSwitches
from app.linking.service import LinkingService
from app.ops.admin_audit import AdminAuditLog
from app.ops.alerting import EmbeddedAlerts, Notifier
from app.ops.channels import SmtpConfig
from app.ops.collector import DatabaseCollector
from app.ops.contacts import AlertContactsStore
from app.ops.maintenance import Maintenance, TaskClaims
from app.ops.metrics import TENANTS
from app.ops.observe import Observer
from app.ops.retention import Retention, default_targets
from app.ops.signals import Signals
from app.orders.audit import AuditLog
from app.orders.claim import READS_AT_ONCE
from app.orders.dead_letters import DeadLetters
from app.orders.flow import OrderFlow
from app.orders.intake import OrderIntake
from app.orders.queue import JobQueue
from app.orders.readiness import OrderReadiness
from app.orders.reads import OrderReads
from app.orders.reconcile import Reconciliation
from app.orders.records import OrderRecords
from app.orders.reopened import OrderCancellation
from app.orders.retry import Backoff
from app.orders.status_poll import OrderStatusPoller
from app.panel.entries import SectionEntries
from app.panel.policy import CachePolicy
from app.panel.service import PanelService
from app.storage.crypto import SecretBox
from app.storage.db import Database
from app.tenants.cache import TenantCache
from app.tenants.store import TenantStore

#: threads for work off the request path (background refreshes of panel entries and tenant copies)
REFRESH_WORKERS = 4
REFRESH_THREAD_PREFIX = "erp-panel-refresh"


@dataclass
class OrderServices:
    """The closed-won order pipeline: what webhooks, the worker, the admin API and the CLI use."""

    intake: OrderIntake
    queue: JobQueue
    flow: OrderFlow
    audit: AuditLog
    records: OrderRecords
    dead_letters: DeadLetters
    #: order readiness of open deals (the order flow's rules before close)
    readiness: OrderReadiness
    #: runs an order job's parallel ERP reads (besides the one in the job's own thread)
    read_executor: ThreadPoolExecutor
    #: order status after creation: the scheduled per-tenant poll of open orders
    status: OrderStatusPoller
    #: an admin's request to cancel the order of a deal that is no longer won
    cancellation: OrderCancellation
    #: won deals vs order records vs ERP orders, per tenant and window (scheduled daily and on demand)
    reconciliation: Reconciliation

    def close(self) -> None:
        self.read_executor.shutdown(wait=False, cancel_futures=True)


@dataclass
class OpsServices:
    """``services.ops``: observation seams, embedded alerting, retention and the scrape-time collector."""

    signals: Signals
    observer: Observer
    #: who changed an installation's setup, when, before/after (secrets masked)
    admin_audit: AdminAuditLog
    contacts: AlertContactsStore
    alerts: EmbeddedAlerts
    retention: Retention
    maintenance: Maintenance
    collector: DatabaseCollector


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
    executor: ThreadPoolExecutor
    #: background work off the request path: stale-while-revalidate refreshes, tenant reloads
    refresher: ThreadPoolExecutor
    sandbox_faults: SandboxFaults
    erp: ERPRegistry
    panel: PanelService
    crm: CRMRegistry
    #: verified CRM callers as viewers (roles, teams) for role-based figures, cached briefly
    viewers: ViewerDirectory
    orders: OrderServices
    linking: LinkingService
    widget_tokens: WidgetTokens
    admin_sessions: AdminSessions
    ops: OpsServices

    def close(self) -> None:
        self.invalidations.close()
        self.ops.signals.stop_background()
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.refresher.shutdown(wait=False, cancel_futures=True)
        if self.orders is not None:
            self.orders.close()
        self.db.dispose()


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
        redis = RedisCache.from_url(settings.redis_url, settings.redis_namespace)
        cache = ResilientCache(redis, MemoryCache(clock, settings.cache_max_bytes),
                               CircuitBreaker(clock, reset_seconds=settings.redis_retry_seconds),
                               FlushBacklog(db, clock))
        return CacheLayer(cache, MemoryCache(clock, settings.cache_max_bytes), cache,
                          RedisInvalidations(redis.client, settings.redis_namespace))
    return CacheLayer(MemoryCache(clock, settings.cache_max_bytes), None, None, Invalidations())


def build_orders(settings: Settings, db: Database, clock: Clock, tenants: TenantStore, erp: ERPRegistry,
                 crm: CRMRegistry, panel: PanelService, *, cache: CacheBackend, executor: ThreadPoolExecutor,
                 observer: Observer, claims: TaskClaims, admin_audit: AdminAuditLog) -> OrderServices:
    """The order pipeline: inbox intake, durable queue with back-off, flow, audit, records, dead letters."""
    audit = AuditLog(db, clock)
    records = OrderRecords(db, clock)
    backoff = Backoff(base=settings.job_backoff_base, cap=settings.job_backoff_cap, floor=settings.job_backoff_floor)
    queue = JobQueue(db, clock, lease_seconds=settings.worker_lease_seconds, max_attempts=settings.job_max_attempts,
                     backoff=backoff)
    # Threads start on demand: a web process that never runs jobs never starts one.
    read_executor = ThreadPoolExecutor(max_workers=max(1, settings.worker_threads) * (READS_AT_ONCE - 1),
                                       thread_name_prefix="order-reads")
    reads = OrderReads(read_executor, panel, settings.order_credit_max_age)
    flow = OrderFlow(db=db, clock=clock, tenants=tenants, erp=erp, crm=crm, queue=queue, records=records,
                     audit=audit, reads=reads, lock_seconds=settings.worker_lease_seconds)
    readiness = OrderReadiness(tenants=tenants, erp=erp, crm=crm, panel=panel, reads=reads, cache=cache, clock=clock,
                               executor=executor, observer=observer, ttl=settings.readiness_ttl,
                               deadline=settings.readiness_timeout, credit_max_age=settings.ttl_credit)
    intake = OrderIntake(db, clock, queue, records, audit)
    reconciliation = Reconciliation(db=db, clock=clock, tenants=tenants, erp=erp, crm=crm, intake=intake, queue=queue,
                                    records=records, claims=claims)
    flow.reconcile = reconciliation
    status = OrderStatusPoller(db=db, clock=clock, tenants=tenants, erp=erp, queue=queue, records=records, audit=audit,
                               claims=claims)
    return OrderServices(intake=intake, queue=queue, flow=flow, audit=audit,
                         records=records, dead_letters=DeadLetters(queue, admin_audit), read_executor=read_executor,
                         readiness=readiness, status=status,
                         cancellation=OrderCancellation(db=db, clock=clock, erp=erp, queue=queue, records=records,
                                                        audit=audit),
                         reconciliation=reconciliation)


def build_ops(settings: Settings, clock: Clock, db: Database, secrets: SecretBox, tenants: TenantStore) -> OpsServices:
    """The operations services for one process."""
    TENANTS.limit = settings.metrics_tenant_limit
    signals = Signals(db, clock)
    policy = outbound_policy(settings)
    contacts = AlertContactsStore(db, secrets, clock, policy)
    notifier = Notifier(SmtpConfig.from_settings(settings), policy, clock, timeout=settings.smtp_timeout)
    alerts = EmbeddedAlerts(db, clock, tenants, contacts, notifier, settings.public_base_url)
    retention = Retention(db, clock, default_targets(settings), batch_size=settings.retention_batch_size)
    maintenance = Maintenance(TaskClaims(db, clock), signals,
                              alerts=alerts.evaluate_all if settings.embedded_alerts else None,
                              retention=retention.run_once, alert_interval=settings.alert_interval)
    return OpsServices(signals=signals, observer=Observer(signals), admin_audit=AdminAuditLog(db, clock),
                       contacts=contacts, alerts=alerts,
                       retention=retention, maintenance=maintenance, collector=DatabaseCollector(db, clock))


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
    erp = ERPRegistry(tenants, ConnectorContext(clock=clock, timeout=settings.erp_timeout,
                                                outbound=outbound_policy(settings),
                                                http_retries=settings.erp_http_retries, db=db,
                                                sandbox_faults=faults),
                      production=settings.is_production)
    tenant_cache = TenantCache(tenants, erp, clock, caches.invalidations, refresher,
                               max_age=settings.tenant_cache_seconds, max_bytes=settings.cache_max_bytes // 4)
    policy = CachePolicy.from_settings(settings)
    panel = PanelService(tenants=tenant_cache, entries=SectionEntries(caches.shared, caches.local, policy, clock),
                         coalescer=coalescer, policy=policy, clock=clock, executor=executor, refresher=refresher,
                         invalidations=caches.invalidations, observer=ops.observer,
                         refresh_min_interval=settings.refresh_min_interval, read_retries=settings.panel_read_retries)
    crm = CRMRegistry.build(CRMDeps(settings=settings, clock=clock, db=db, secrets=secrets, tenants=tenants,
                                    tenant_cache=tenant_cache,
                                    cache=caches.shared, panel=panel))
    orders = build_orders(settings, db, clock, tenants, erp, crm, panel, cache=caches.shared, executor=executor,
                          observer=ops.observer, claims=ops.maintenance.claims,
                          admin_audit=ops.admin_audit)
    ops.maintenance.status_polls = orders.status.tick
    ops.maintenance.reconciliations = orders.reconciliation.schedule
    return Services(settings=settings, clock=clock, db=db, secrets=secrets, tenants=tenants,
                    tenant_cache=tenant_cache, invalidations=caches.invalidations, cache=caches.shared,
                    coalescer=coalescer, executor=executor, refresher=refresher, sandbox_faults=faults, erp=erp,
                    panel=panel, crm=crm, viewers=ViewerDirectory(crm, clock),
                    orders=orders,
                    linking=LinkingService(tenants, erp, crm),
                    widget_tokens=WidgetTokens([settings.secret_key], clock, settings.widget_token_ttl),
                    admin_sessions=AdminSessions([settings.secret_key], clock), ops=ops)
