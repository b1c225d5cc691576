"""Order status after creation: a scheduled poll per tenant follows every order erp-panel created until
it is paid or cancelled, and writes each change onto the deal through the write-back job.

Scheduling runs in the worker processes' maintenance thread, without a second scheduler: a tenant is due
when it has open orders and its interval has passed; the poll is claimed with the same compare-and-set
on ``ops_tasks`` that runs alerting once (task ``order_status:<tenant id>``), so several workers never
poll one tenant twice. One poll is one batched connector read for all the tenant's open orders
(``ERPConnector.read_order_progress``). The interval is the tenant's setting (default 5 minutes); each
poll that finds nothing new doubles it, up to ``MAX_BACKOFF`` times the setting, and a change brings it
back. Each change, in one transaction: the record's stage and facts, a timeline entry with the time it
was seen, an audit entry, and a ``write_back`` job (status text from the tenant's translation table).
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.clock import Clock
from app.domain.progress import CLOSED_STAGES, OrderProgress
from app.erp.registry import ERPRegistry
from app.errors import UpstreamError
from app.ops.maintenance import TaskClaims
from app.orders.audit import AuditLog
from app.orders.queue import WRITE_BACK, JobQueue
from app.orders.records import CREATED, WRITTEN_BACK, OrderRecord, OrderRecords
from app.orders.tables import order_records, order_timeline, status_polls
from app.storage.db import Database, insert_or_ignore
from app.tenants.model import Tenant
from app.tenants.store import TenantStore

log = logging.getLogger("erp_panel.orders")

TASK_PREFIX = "order_status:"
DEFAULT_MINUTES = 5
#: the longest wait between polls, as a multiple of the tenant's interval (5 min -> at most 1 h 20 min)
MAX_BACKOFF = 16
_OPEN = sa.and_(order_records.c.state.in_((CREATED, WRITTEN_BACK)), order_records.c.erp_order_number.is_not(None),
                sa.or_(order_records.c.order_stage.is_(None),
                       order_records.c.order_stage.not_in([s.value for s in CLOSED_STAGES])))


def poll_interval(tenant: Tenant) -> int:
    """The tenant's poll interval in seconds (its ``status_poll_minutes`` setting, 5 by default)."""
    try:
        minutes = float(tenant.settings.status_poll_minutes)
    except (TypeError, ValueError):
        minutes = DEFAULT_MINUTES
    return int(max(1.0, minutes) * 60)


@dataclass(frozen=True)
class PollOutcome:
    tenant_id: str
    orders: int
    changed: int
    error: str = ""


class OrderStatusPoller:
    """``tick(owner)`` polls every due tenant this worker claimed; ``poll(tenant_id)`` polls one now."""

    def __init__(self, *, db: Database, clock: Clock, tenants: TenantStore, erp: ERPRegistry, queue: JobQueue,
                 records: OrderRecords, audit: AuditLog, claims: TaskClaims):
        self.db, self.clock, self.tenants, self.erp = db, clock, tenants, erp
        self.queue, self.records, self.audit, self.claims = queue, records, audit, claims

    def due(self) -> list[tuple[str, int]]:
        """(tenant id, current interval in seconds) of tenants with open orders whose interval has passed."""
        now = self.clock.now()
        query = (sa.select(order_records.c.tenant_id, status_polls.c.interval_seconds, status_polls.c.last_polled_at)
                 .select_from(order_records.outerjoin(status_polls,
                                                      status_polls.c.tenant_id == order_records.c.tenant_id))
                 .where(_OPEN).distinct())
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        due = []
        for tenant_id, interval, last in rows:
            if last is None or last + timedelta(seconds=interval or 0) <= now:
                due.append((tenant_id, int(interval or 0)))
        return due

    def tick(self, owner: str) -> list[PollOutcome]:
        """Poll each due tenant whose claim this caller wins (the others are some other worker's)."""
        outcomes = []
        for tenant_id, interval in self.due():
            tenant = self.tenants.get(tenant_id)
            if tenant is None or not tenant.active:
                continue
            every = interval or poll_interval(tenant)
            # a little under the interval: a claim that lands a moment early still wins its turn
            if self.claims.claim(TASK_PREFIX + tenant_id, max(every - 1, 0), owner):
                outcomes.append(self.poll(tenant))
        return outcomes

    def poll(self, tenant: Tenant) -> PollOutcome:
        """Read every open order of the tenant in one batched call and record what changed."""
        open_records = self._open(tenant.id)
        changed, error = 0, ""
        if open_records:
            try:
                connector, _fp = self.erp.connector_for(tenant)
                found = connector.read_order_progress([r.idempotency_key for r in open_records])
            except UpstreamError as exc:
                error = exc.reason
                log.warning("order status poll failed", extra={"ctx": {"tenant_id": tenant.id, "reason": exc.reason}})
            else:
                for record in open_records:
                    progress = found.get(record.idempotency_key)
                    if progress is not None and progress.facts() != record.order_progress:
                        self._record_change(record, progress)
                        changed += 1
        self._reschedule(tenant, changed=bool(changed), error=error)
        return PollOutcome(tenant.id, len(open_records), changed, error)

    def _open(self, tenant_id: str) -> list[OrderRecord]:
        with self.db.read() as conn:
            rows = conn.execute(sa.select(order_records).where(order_records.c.tenant_id == tenant_id, _OPEN)).all()
        return [OrderRecord(**row._mapping) for row in rows]

    def _record_change(self, record: OrderRecord, progress: OrderProgress) -> None:
        now = self.clock.now()
        facts = progress.facts()
        correlation = uuid.uuid4().hex
        with self.db.write() as conn:
            self.records.update(conn, record.tenant_id, record.crm_deal_id, order_stage=progress.stage.value,
                                order_progress=facts, stage_seen_at=now)
            conn.execute(order_timeline.insert().values(
                tenant_id=record.tenant_id, crm_deal_id=record.crm_deal_id, order_number=progress.order_number[:100],
                stage=progress.stage.value, facts=facts, seen_at=now))
            self.audit.record(conn, tenant_id=record.tenant_id, crm_deal_id=record.crm_deal_id, step="order_status",
                              outcome=progress.stage.value, correlation_id=correlation,
                              detail=f"order {progress.order_number}: {progress.status_raw}")
            self.queue.enqueue_once(conn, tenant_id=record.tenant_id, kind=WRITE_BACK, crm_deal_id=record.crm_deal_id,
                                    correlation_id=correlation)
        self.queue.notify()

    def _reschedule(self, tenant: Tenant, *, changed: bool, error: str) -> None:
        base, now = poll_interval(tenant), self.clock.now()
        with self.db.write() as conn:
            insert_or_ignore(conn, status_polls, {"tenant_id": tenant.id, "interval_seconds": base,
                                                  "unchanged_polls": 0})
            row = conn.execute(sa.select(status_polls).where(status_polls.c.tenant_id == tenant.id)).one()
            unchanged = 0 if changed else row.unchanged_polls + 1
            values: dict[str, Any] = {"interval_seconds": min(base * 2 ** min(unchanged, 8), base * MAX_BACKOFF),
                                      "unchanged_polls": unchanged, "last_polled_at": now,
                                      "last_error": error[:200] or None}
            if changed:
                values["last_changed_at"] = now
            conn.execute(status_polls.update().where(status_polls.c.tenant_id == tenant.id).values(**values))


@dataclass(frozen=True)
class TimelineEntry:
    stage: str
    order_number: str
    facts: dict[str, Any]
    seen_at: datetime


def timeline(db: Database, tenant_id: str, crm_deal_id: str) -> list[TimelineEntry]:
    """The deal's order timeline, oldest first."""
    with db.read() as conn:
        rows = conn.execute(sa.select(order_timeline).where(
            order_timeline.c.tenant_id == tenant_id, order_timeline.c.crm_deal_id == crm_deal_id)
            .order_by(order_timeline.c.id)).all()
    return [TimelineEntry(r.stage, r.order_number, r.facts, r.seen_at) for r in rows]
