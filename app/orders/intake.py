"""Intake: store a verified DealWon in the inbox and enqueue its job, in one transaction.

Never calls the ERP or the CRM, so webhook handlers can answer 2xx in
milliseconds. Dedupe is done by the database's unique keys (event id, and
(tenant, deal)) with one insert-or-ignore, so concurrent duplicate deliveries on
several processes still produce exactly one job.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from app.clock import Clock
from app.domain.events import DealLeftWon, DealWon
from app.errors import BadRequest
from app.ops.metrics import WON_EVENTS
from app.orders.audit import AuditLog
from app.orders.queue import CHECK_WON, CREATE_ORDER, JobQueue
from app.orders.records import CREATED, WRITTEN_BACK, OrderRecords
from app.orders.tables import order_inbox
from app.storage.db import Database, insert_or_ignore

ACCEPTED, DUPLICATE_EVENT, DUPLICATE_DEAL = "accepted", "duplicate_event", "duplicate_deal"


@dataclass(frozen=True)
class IntakeResult:
    """What happened to an event: accepted (new job) or recognised as a duplicate of ``job_id``'s event."""

    status: str
    job_id: int | None
    correlation_id: str = ""

    @property
    def duplicate(self) -> bool:
        return self.status != ACCEPTED


class InvalidEvent(BadRequest):
    """The event lacks a tenant, deal id or event id (answered 400 problem+json, nothing stored)."""

    reason = "invalid_event"


class OrderIntake:
    """``accept(DealWon)`` for every CRM adapter (demo, Pipedrive, HubSpot)."""

    def __init__(self, db: Database, clock: Clock, queue: JobQueue, records: OrderRecords, audit: AuditLog):
        self.db = db
        self.clock = clock
        self.queue = queue
        self.records = records
        self.audit = audit

    def accept(self, event: DealWon) -> IntakeResult:
        """Store the event and enqueue "create the order", or recognise it as a duplicate."""
        if not (event.tenant_id and event.crm_deal_id and event.event_id):
            raise InvalidEvent("DealWon needs tenant_id, crm_deal_id and event_id")
        correlation_id = uuid.uuid4().hex
        deal_id = str(event.crm_deal_id)
        with self.db.write() as conn:
            inserted = insert_or_ignore(conn, order_inbox, dict(
                tenant_id=event.tenant_id, event_id=str(event.event_id), crm_deal_id=deal_id, crm=event.crm,
                occurred_at=event.occurred_at, received_at=self.clock.now(), correlation_id=correlation_id))
            if inserted:
                job_id = self.queue.enqueue(conn, tenant_id=event.tenant_id, kind=CREATE_ORDER,
                                            crm_deal_id=deal_id, correlation_id=correlation_id,
                                            event_id=str(event.event_id))
                conn.execute(order_inbox.update().where(order_inbox.c.tenant_id == event.tenant_id,
                                                        order_inbox.c.event_id == str(event.event_id))
                             .values(job_id=job_id))
                self.records.ensure(conn, event.tenant_id, deal_id, correlation_id)
                self.audit.record(conn, tenant_id=event.tenant_id, crm_deal_id=deal_id, step="intake",
                                  outcome=ACCEPTED, correlation_id=correlation_id, job_id=job_id,
                                  event_id=str(event.event_id), detail=f"won event from {event.crm or 'crm'}")
                result = IntakeResult(ACCEPTED, job_id, correlation_id)
            else:
                result = self._duplicate(conn, event, deal_id)
        if result.status == ACCEPTED:
            self.queue.notify()         # committed: an idle worker in this process claims it now
        WON_EVENTS.labels(result.status).inc()
        return result

    def left_won(self, event: DealLeftWon) -> int | None:
        """A deal moved away from won: when its ERP order exists, queue one check of the deal (re-read from the
        CRM; a deal no longer won is flagged, never cancelled). Returns the check job's id, or None."""
        deal_id = str(event.crm_deal_id)
        with self.db.write() as conn:
            job_id = self._check_if_ordered(conn, event.tenant_id, deal_id,
                                            f"{event.crm or 'crm'} says the deal is now {event.status or 'not won'}")
        if job_id is not None:
            self.queue.notify()
        return job_id

    def _check_if_ordered(self, conn: sa.Connection, tenant_id: str, deal_id: str, why: str) -> int | None:
        record = self.records.get(tenant_id, deal_id, conn=conn)
        if record is None or record.state not in (CREATED, WRITTEN_BACK) or not record.erp_order_number:
            return None
        correlation_id = uuid.uuid4().hex
        job_id = self.queue.enqueue_once(conn, tenant_id=tenant_id, kind=CHECK_WON, crm_deal_id=deal_id,
                                         correlation_id=correlation_id)
        self.audit.record(conn, tenant_id=tenant_id, crm_deal_id=deal_id, step="intake", outcome="check_won",
                          correlation_id=correlation_id, job_id=job_id, detail=why)
        return job_id

    def _duplicate(self, conn: sa.Connection, event: DealWon, deal_id: str) -> IntakeResult:
        same_event = conn.execute(sa.select(order_inbox.c.job_id, order_inbox.c.correlation_id).where(
            order_inbox.c.tenant_id == event.tenant_id, order_inbox.c.event_id == str(event.event_id))).first()
        status = DUPLICATE_EVENT if same_event is not None else DUPLICATE_DEAL
        row = same_event if same_event is not None else conn.execute(
            sa.select(order_inbox.c.job_id, order_inbox.c.correlation_id).where(
                order_inbox.c.tenant_id == event.tenant_id, order_inbox.c.crm_deal_id == deal_id)).first()
        job_id = row.job_id if row else None
        correlation_id = row.correlation_id if row else ""
        detail = "already received; nothing new enqueued"
        # A new won event for a deal whose order attempt was given up (deal reopened, products fixed, ...)
        # is a reason to try again; a redelivery of the same event is not.
        if status == DUPLICATE_DEAL and job_id is not None and self.queue.revive(conn, job_id):
            detail = "new won event for a dead-lettered deal: its order job was requeued"
        self.audit.record(conn, tenant_id=event.tenant_id, crm_deal_id=deal_id, step="intake", outcome=status,
                          correlation_id=correlation_id, job_id=job_id, event_id=str(event.event_id),
                          detail=detail)
        record = self.records.get(event.tenant_id, deal_id, conn=conn)
        if status == DUPLICATE_DEAL and record is not None and record.not_won_since is not None:
            # won again after it was flagged: the check clears the flag once the deal reads as won
            self._check_if_ordered(conn, event.tenant_id, deal_id, "the deal is won again")
        return IntakeResult(status, job_id, correlation_id)
