"""Writing the outcome onto the CRM deal, and recording failed attempts.

The order job writes the number back itself, right after the create (``write_now``), so a
deal does not wait in line a second time. Only when that fails does a write_back job retry
it (claimed ahead of new orders); that job reads the order record when it runs (so it always
writes the latest state) and never touches the ERP, so retrying it can never create a second
order. Status texts come from the tenant's editable translation table.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from app.crm.base import WriteBack
from app.ops.observe import observe_number_written
from app.orders.queue import CREATE_ORDER, DEAD, WRITE_BACK, Job
from app.orders.records import CREATED, FAILED, SHADOW, WRITTEN_BACK, OrderRecord
from app.orders.reopened import not_won_sentence
from app.orders.retry import StepError, classify
from app.tenants.model import Tenant, TenantSettings

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from app.crm.registry import CRMRegistry
    from app.orders.audit import AuditLog
    from app.orders.queue import JobQueue
    from app.orders.records import OrderRecords
    from app.storage.db import Database
    from app.tenants.store import TenantStore

CREDIT_FLAG_KEY = "flagged_credit_hold"


def status_text(settings: TenantSettings, status: str, flagged: bool) -> str:
    """Translated order status, with the credit-hold flag appended when the order was flagged."""
    text = settings.translate_status(status)
    if flagged:
        text = f"{text} - {settings.translate_status(CREDIT_FLAG_KEY)}"
    return text


def order_write_back(settings: TenantSettings, *, order_number: str, status: str, status_raw: str, flagged: bool) -> WriteBack:
    """What the deal shows for an ERP order: its number and translated status."""
    return WriteBack(order_number=order_number, status_text=status_text(settings, status or "open", flagged),
                     erp_status=status_raw or "")


def delivery_text(settings: TenantSettings, facts: dict[str, Any]) -> str:
    """The order's delivery status for the deal: from the quantities where the ERP reports them."""
    delivered, ordered = facts.get("delivered_quantity"), facts.get("ordered_quantity")
    if delivered is not None and ordered is not None:
        done, total = Decimal(delivered), Decimal(ordered)
        key = "delivered" if total and done >= total else ("partly_delivered" if done > 0 else "not_delivered")
    else:
        key = {"partly_delivered": "partly_delivered", "delivered": "delivered", "invoiced": "delivered",
               "paid": "delivered", "cancelled": "cancelled"}.get(facts.get("stage", ""), "not_delivered")
    return settings.translate_status(key)


def invoice_text(settings: TenantSettings, facts: dict[str, Any]) -> str:
    """The order's invoice status for the deal: its invoice numbers and what is still owed, or paid."""
    numbers = ", ".join(facts.get("invoice_numbers") or [])
    if not numbers:
        return settings.translate_status("not_invoiced")
    owed = Decimal(facts.get("outstanding") or "0")
    if owed <= 0:
        return f"{numbers}: {settings.translate_status('paid')}"
    return f"{numbers}: {owed} {facts.get('currency') or ''} {settings.translate_status('outstanding')}".replace("  ", " ")


def build_write_back(record: OrderRecord, settings: TenantSettings) -> WriteBack | None:
    """What the deal should show for this record (None while there is nothing to say yet)."""
    if record.state in (CREATED, WRITTEN_BACK) and record.erp_order_number and record.not_won_since is not None:
        # the deal was reopened or lost after its order existed: say so on the deal; nothing was cancelled
        return WriteBack(order_number=record.erp_order_number,
                         status_text=status_text(settings, record.order_stage or record.erp_status or "open",
                                                 record.credit_flagged),
                         failure_reason=not_won_sentence(record), erp_status=record.erp_status_raw or "")
    if record.state in (CREATED, WRITTEN_BACK) and record.erp_order_number and record.order_progress:
        facts = record.order_progress
        return WriteBack(order_number=record.erp_order_number,
                         status_text=status_text(settings, record.order_stage or "open", record.credit_flagged),
                         erp_status=str(facts.get("status_raw") or ""), delivery_status=delivery_text(settings, facts),
                         invoice_status=invoice_text(settings, facts))
    if record.state in (CREATED, WRITTEN_BACK) and record.erp_order_number:
        return order_write_back(settings, order_number=record.erp_order_number, status=record.erp_status or "open",
                                status_raw=record.erp_status_raw or "", flagged=record.credit_flagged)
    if record.state == FAILED:
        key = "blocked_credit_hold" if record.failure_reason == "credit_hold" else "failed"
        return WriteBack(order_number=None, status_text=settings.translate_status(key),
                         failure_reason=record.failure_text or record.failure_reason)
    return None


def shadow_write_back(settings: TenantSettings, *, order_number: str | None, status: str, flagged: bool = False,
                      failure: str | None = None) -> dict[str, Any]:
    """The write-back shadow mode would have made (as plain JSON)."""
    if failure:
        return {"order_number": None, "status_text": settings.translate_status("failed"), "failure_reason": failure}
    return {"order_number": order_number or "(assigned by the ERP)",
            "status_text": status_text(settings, status, flagged), "failure_reason": None}


class WriteBackStep:
    def __init__(self, *, db: Database, tenants: TenantStore, crm: CRMRegistry, queue: JobQueue,
                 records: OrderRecords, audit: AuditLog) -> None:
        self.db = db
        self.tenants = tenants
        self.crm = crm
        self.queue = queue
        self.records = records
        self.audit = audit

    def _audit(self, conn: Connection, job: Job, step: str, outcome: str, detail: str = "") -> None:
        self.audit.record(conn, tenant_id=job.tenant_id, crm_deal_id=job.crm_deal_id, step=step, outcome=outcome,
                          correlation_id=job.correlation_id, job_id=job.id, event_id=job.event_id, detail=detail)

    def write_now(self, job: Job, tenant: Tenant, update: WriteBack) -> StepError | None:
        """The order job's own write-back: None when the CRM took it, else the classified failure
        (the caller records it as a write_back job with this first attempt used)."""
        try:
            self.crm.connector_for(tenant).write_back(job.crm_deal_id, update, correlation_id=job.correlation_id)
        except Exception as exc:  # noqa: BLE001 - every failure is classified and retried or dead-lettered
            return classify(exc)
        return None

    def run(self, job: Job) -> None:
        """Write the record's current state onto the deal (shadow mode: record it instead)."""
        tenant = self.tenants.get(job.tenant_id)
        record = self.records.get(job.tenant_id, job.crm_deal_id)
        if tenant is None or not tenant.active:
            self._skip(job, "the app is uninstalled from this CRM account")
            return
        update = build_write_back(record, tenant.settings) if record is not None else None
        if record is None or update is None:
            self._skip(job, "nothing to write yet")
            return
        if tenant.settings.shadow_mode:
            with self.db.write() as conn:
                self.records.update(conn, job.tenant_id, job.crm_deal_id, shadow_write_back={
                    "order_number": update.order_number, "status_text": update.status_text,
                    "failure_reason": update.failure_reason})
                self.queue.complete(conn, job)
                self._audit(conn, job, "write_back", "shadow", "shadow mode: nothing written to the CRM")
            return
        self.crm.connector_for(tenant).write_back(job.crm_deal_id, update, correlation_id=job.correlation_id)
        with self.db.write() as conn:
            values: dict[str, Any] = {"written_back_at": self.records.clock.now()}
            if record.state == CREATED:
                values["state"] = WRITTEN_BACK
                observe_number_written(conn, job.tenant_id, job.crm_deal_id, values["written_back_at"])
            self.records.update(conn, job.tenant_id, job.crm_deal_id, **values)
            self.queue.complete(conn, job)
            self._audit(conn, job, "write_back", "ok",
                        f"order {update.order_number}" if update.order_number else "failure reason written")

    def _skip(self, job: Job, why: str) -> None:
        with self.db.write() as conn:
            self.queue.complete(conn, job)
            self._audit(conn, job, "write_back", "skipped", why)

    def record_failure(self, job: Job, exc: BaseException) -> str:
        """Retry or dead-letter the job; a dead create_order marks the record failed and tells the deal."""
        err = classify(exc)
        tenant = self.tenants.get(job.tenant_id)
        shadow = bool(tenant and tenant.settings.shadow_mode)
        with self.db.write() as conn:
            if err.retriable:
                status = self.queue.retry(conn, job, err.reason, err.message, err.retry_after)
            else:
                status = self.queue.dead_letter(conn, job, err.reason, err.message)
            self.audit.flush(conn, job.lease_token or "")
            self._audit(conn, job, job.kind, "dead" if status == DEAD else "retry", f"{err.reason}: {err.message}")
            if status == DEAD and job.kind == CREATE_ORDER:
                record = self.records.get(job.tenant_id, job.crm_deal_id, conn=conn)
                if record is not None and record.state in (CREATED, WRITTEN_BACK):
                    return status  # the order exists; never overwrite it with a failure
                values: dict[str, Any] = {"state": SHADOW if shadow else FAILED, "failure_reason": err.reason,
                                          "failure_text": err.plain}
                if tenant is not None and shadow:
                    values["shadow_write_back"] = shadow_write_back(tenant.settings, order_number=None,
                                                                    status="failed", failure=err.plain)
                self.records.update(conn, job.tenant_id, job.crm_deal_id, **values)
                if not shadow:
                    self.queue.enqueue_once(conn, tenant_id=job.tenant_id, kind=WRITE_BACK,
                                            crm_deal_id=job.crm_deal_id, correlation_id=job.correlation_id)
        return status
