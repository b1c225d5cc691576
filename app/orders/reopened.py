"""Deals that move away from won after their ERP order exists (reopened, lost): flagged, never cancelled.

A webhook saying a deal is no longer won is only a hint: a ``check_won`` job re-reads the deal from the
CRM. A deal still (or again) won clears a previous flag. A deal no longer won is marked on its order
record, told on the deal (the write-back's failure reason: "Order SO-123 exists for a deal that is no
longer won …") and put in the error queue (the check job becomes a dead letter with reason
``deal_no_longer_won``; replaying it checks the deal again). Nothing in the ERP changes until an admin
asks for the order's cancellation (``OrderCancellation``), which is audited; connectors that cannot cancel
answer ``UpstreamNotSupported`` with what to do in the ERP instead.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from typing import Any

from app.clock import Clock
from app.errors import Conflict, NotFound, UpstreamError
from app.orders.audit import AuditLog
from app.orders.queue import CHECK_WON, DEAD, WRITE_BACK, Job, JobQueue
from app.orders.records import CREATED, WRITTEN_BACK, OrderRecord, OrderRecords
from app.storage.db import Database
from app.tenants.model import Tenant

log = logging.getLogger("erp_panel.orders")

NOT_WON = "deal_no_longer_won"


def not_won_sentence(record: OrderRecord) -> str:
    """What the deal and the error queue say about an order whose deal is no longer won."""
    status = f" (now {record.not_won_status})" if record.not_won_status else ""
    return (f"Order {record.erp_order_number} exists for a deal that is no longer won{status}. Nothing was "
            "cancelled; an admin can request its cancellation in the ERP from erp-panel's error queue.")


class ReopenedCheck:
    """The ``check_won`` job: re-read the deal and flag (or clear) it."""

    def __init__(self, *, db: Database, clock: Clock, tenants: Any, crm: Any, queue: JobQueue,
                 records: OrderRecords, audit: AuditLog):
        self.db, self.clock, self.tenants, self.crm = db, clock, tenants, crm
        self.queue, self.records, self.audit = queue, records, audit

    def _audit(self, conn: Any, job: Job, outcome: str, detail: str) -> None:
        self.audit.record(conn, tenant_id=job.tenant_id, crm_deal_id=job.crm_deal_id, step=CHECK_WON,
                          outcome=outcome, correlation_id=job.correlation_id, job_id=job.id, detail=detail)

    def run(self, job: Job) -> None:
        tenant = self.tenants.get(job.tenant_id)
        record = self.records.get(job.tenant_id, job.crm_deal_id)
        if tenant is None or not tenant.active or record is None or record.state not in (CREATED, WRITTEN_BACK):
            with self.db.write() as conn:
                self.queue.complete(conn, job)
                self._audit(conn, job, "skipped", "no ERP order for this deal")
            return
        deal = self.crm.connector_for(tenant).get_deal(job.crm_deal_id)
        flagged_before = [j.id for j in self.queue.list(tenant_id=job.tenant_id, status=DEAD,
                                                         crm_deal_id=job.crm_deal_id) if j.kind == CHECK_WON]
        with self.db.write() as conn:
            if deal.is_won:
                if record.not_won_since is not None:
                    self.records.update(conn, job.tenant_id, job.crm_deal_id, not_won_since=None, not_won_status=None)
                    self.queue.enqueue_once(conn, tenant_id=job.tenant_id, kind=WRITE_BACK,
                                            crm_deal_id=job.crm_deal_id, correlation_id=job.correlation_id)
                for job_id in flagged_before:       # won again: the earlier flag leaves the error queue
                    self.queue.settle_dead(conn, job_id)
                self.queue.complete(conn, job)
                self._audit(conn, job, "still_won", "the deal is won: nothing to flag")
                return
            status = (deal.status or "not won")[:40]
            self.records.update(conn, job.tenant_id, job.crm_deal_id, not_won_since=record.not_won_since or
                                self.clock.now(), not_won_status=status)
            sentence = not_won_sentence(replace(record, not_won_status=status))
            self.queue.enqueue_once(conn, tenant_id=job.tenant_id, kind=WRITE_BACK, crm_deal_id=job.crm_deal_id,
                                    correlation_id=job.correlation_id)
            self.queue.dead_letter(conn, job, NOT_WON, sentence)
            self._audit(conn, job, "flagged", sentence)
        self.queue.notify()


class OrderCancellation:
    """An admin's request to cancel a flagged deal's order in the ERP (audited; never automatic)."""

    def __init__(self, *, db: Database, clock: Clock, erp: Any, queue: JobQueue, records: OrderRecords,
                 audit: AuditLog):
        self.db, self.clock, self.erp = db, clock, erp
        self.queue, self.records, self.audit = queue, records, audit

    def request(self, tenant: Tenant, crm_deal_id: str, *, actor: str) -> str:
        """Ask the ERP to cancel the order of a deal that is no longer won; returns the sentence for the admin.

        NotFound when the deal has no order, Conflict when its deal is still won; an ERP that cannot cancel
        (``UpstreamNotSupported``) or refuses raises its UpstreamError after the refusal was audited."""
        record = self.records.get(tenant.id, str(crm_deal_id))
        if record is None or not record.erp_order_number or record.state not in (CREATED, WRITTEN_BACK):
            raise NotFound("This deal has no ERP order.", reason="order_not_found")
        if record.not_won_since is None:
            raise Conflict("This deal is still won; only orders of deals that are no longer won can be cancelled "
                           "from here.", reason="deal_still_won")
        correlation = uuid.uuid4().hex
        try:
            connector, _fp = self.erp.connector_for(tenant)
            result = connector.cancel_order(record.idempotency_key)
        except UpstreamError as exc:
            self.audit.record(None, tenant_id=tenant.id, crm_deal_id=record.crm_deal_id, step="cancel_request",
                              outcome="refused", correlation_id=correlation,
                              detail=f"by {actor}: order {record.erp_order_number}: {exc.reason}: {exc.message}")
            raise
        checks = [job.id for job in self.queue.list(tenant_id=tenant.id, status=DEAD, crm_deal_id=record.crm_deal_id)
                  if job.kind == CHECK_WON]
        with self.db.write() as conn:
            self.records.update(conn, tenant.id, record.crm_deal_id, cancel_requested_at=self.clock.now())
            for job_id in checks:               # settled: out of the error queue
                self.queue.settle_dead(conn, job_id)
            self.audit.record(conn, tenant_id=tenant.id, crm_deal_id=record.crm_deal_id, step="cancel_request",
                              outcome="ok", correlation_id=correlation,
                              detail=f"by {actor}: order {result.order_number} is now {result.status_raw}")
        return f"The ERP cancelled order {result.order_number} ({result.status_raw})."
