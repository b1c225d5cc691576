"""Installs the order pipeline into the service graph (``app.services.INTEGRATIONS``)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from app.orders.audit import AuditLog
from app.orders.claim import READS_AT_ONCE
from app.orders.flow import OrderFlow
from app.orders.intake import OrderIntake
from app.orders.queue import JobQueue
from app.orders.reads import OrderReads
from app.orders.records import OrderRecords
from app.orders.retry import Backoff


@dataclass
class OrderServices:
    """``services.orders``: what the worker, admin API and CLI use."""

    queue: JobQueue
    flow: OrderFlow
    audit: AuditLog
    records: OrderRecords
    #: runs an order job's parallel ERP reads (besides the one in the job's own thread)
    read_executor: ThreadPoolExecutor

    def close(self) -> None:
        self.read_executor.shutdown(wait=False, cancel_futures=True)


def install(services) -> None:
    """Set ``services.intake`` (for CRM webhook adapters) and ``services.orders``."""
    settings = services.settings
    audit = AuditLog(services.db, services.clock)
    records = OrderRecords(services.db, services.clock)
    backoff = Backoff(base=settings.job_backoff_base, cap=settings.job_backoff_cap, floor=settings.job_backoff_floor)
    queue = JobQueue(services.db, services.clock, lease_seconds=settings.worker_lease_seconds,
                     max_attempts=settings.job_max_attempts, backoff=backoff)
    # Threads start on demand: a web process that never runs jobs never starts one.
    read_executor = ThreadPoolExecutor(max_workers=max(1, settings.worker_threads) * (READS_AT_ONCE - 1),
                                       thread_name_prefix="order-reads")
    reads = OrderReads(read_executor, services.panel, settings.order_credit_max_age)
    flow = OrderFlow(db=services.db, clock=services.clock, tenants=services.tenants, erp=services.erp,
                     crm=services.crm, queue=queue, records=records, audit=audit, reads=reads,
                     lock_seconds=settings.worker_lease_seconds)
    services.intake = OrderIntake(services.db, services.clock, queue, records, audit)
    services.orders = OrderServices(queue=queue, flow=flow, audit=audit, records=records,
                                    read_executor=read_executor)
