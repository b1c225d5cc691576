"""Installs the order pipeline into the service graph (``app.services.INTEGRATIONS``)."""
from __future__ import annotations

from dataclasses import dataclass

from app.orders.audit import AuditLog
from app.orders.flow import OrderFlow
from app.orders.intake import OrderIntake
from app.orders.queue import JobQueue
from app.orders.records import OrderRecords
from app.orders.retry import Backoff


@dataclass
class OrderServices:
    """``services.orders``: what the worker, admin API and CLI use."""

    queue: JobQueue
    flow: OrderFlow
    audit: AuditLog
    records: OrderRecords


def install(services) -> None:
    """Set ``services.intake`` (for CRM webhook adapters) and ``services.orders``."""
    settings = services.settings
    audit = AuditLog(services.db, services.clock)
    records = OrderRecords(services.db, services.clock)
    backoff = Backoff(base=settings.job_backoff_base, cap=settings.job_backoff_cap, floor=settings.job_backoff_floor)
    queue = JobQueue(services.db, services.clock, lease_seconds=settings.worker_lease_seconds,
                     max_attempts=settings.job_max_attempts, backoff=backoff)
    flow = OrderFlow(db=services.db, clock=services.clock, tenants=services.tenants, erp=services.erp,
                     crm=services.crm, queue=queue, records=records, audit=audit,
                     lock_seconds=settings.worker_lease_seconds)
    services.intake = OrderIntake(services.db, services.clock, queue, records, audit)
    services.orders = OrderServices(queue=queue, flow=flow, audit=audit, records=records)
