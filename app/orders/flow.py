"""The order flow: a won deal becomes exactly one ERP sales order, and its number lands on the deal.

Per create_order job: take the deal's lock; re-read the deal from the CRM; then, at once, ask the
ERP for an order with the deal's idempotency key (adopt it if a previous attempt created it and
died before recording it), for the deal's items (one batched read) and for the customer's credit
(or reuse a credit read at most seconds old); validate, apply the credit-hold policy, map to an
OrderRequest and create it without a second lookup. The job then writes the number onto the deal
itself and commits the outcome, the write-back and its own completion in one transaction; a
write-back that fails becomes a write_back job (retried ahead of new orders). Shadow mode runs the
same steps but records the order and the write-back it would have made instead of making them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.domain.deal import Deal
from app.domain.ids import idempotency_key
from app.domain.order import OrderRequest, OrderResult
from app.errors import UpstreamNotFound
from app.ops.observe import observe_number_written
from app.orders import validate
from app.orders.claim import reads_at_once
from app.orders.mapping import MappingError, build_request, request_summary
from app.orders.queue import CHECK_WON, CREATE_ORDER, RECONCILE, WRITE_BACK, Job
from app.orders.reads import OrderFacts, OrderReads, linked_customer
from app.orders.reconcile import Reconciliation
from app.orders.records import CREATED, SHADOW, WRITTEN_BACK
from app.orders.reopened import ReopenedCheck
from app.orders.retry import StepError, rejected
from app.orders.writeback import WriteBackStep, order_write_back, shadow_write_back
from app.tenants.model import Tenant

if TYPE_CHECKING:
    from app.clock import Clock
    from app.crm.registry import CRMRegistry
    from app.erp.registry import ERPRegistry
    from app.orders.audit import AuditLog
    from app.orders.queue import JobQueue
    from app.orders.records import OrderRecords
    from app.storage.db import Database
    from app.tenants.store import TenantStore


class OrderFlow:
    """Runs one claimed job (create_order or write_back); raises on failure, see ``fail``."""

    def __init__(self, *, db: Database, clock: Clock, tenants: TenantStore, erp: ERPRegistry, crm: CRMRegistry,
                 queue: JobQueue, records: OrderRecords, audit: AuditLog, reads: OrderReads,
                 lock_seconds: float = 120) -> None:
        self.db = db
        self.reads = reads
        self.clock = clock
        self.tenants = tenants
        self.erp = erp
        self.crm = crm
        self.queue = queue
        self.records = records
        self.audit = audit
        self.lock_seconds = lock_seconds
        self.write_back = WriteBackStep(db=db, tenants=tenants, crm=crm, queue=queue, records=records, audit=audit)
        #: reconciliation (built after the intake, which it hands missing events to; set by the composition root)
        self.reconcile: Reconciliation | None = None
        self.reopened = ReopenedCheck(db=db, clock=clock, tenants=tenants, crm=crm, queue=queue, records=records,
                                      audit=audit)

    def run(self, job: Job) -> None:
        """Process one claimed job to completion (its completion is committed here)."""
        if job.kind == CREATE_ORDER:
            self.create_order(job)
        elif job.kind == WRITE_BACK:
            self.write_back.run(job)
        elif job.kind == CHECK_WON:
            self.reopened.run(job)
        elif job.kind == RECONCILE and self.reconcile is not None:
            self.reconcile.run_job(job, self._tenant(job))
        else:
            raise StepError("unknown_job_kind", f"no handler for job kind {job.kind!r}", retriable=False)

    def fail(self, job: Job, exc: BaseException) -> str:
        """Record a failed attempt: retry with backoff or dead-letter (and tell the deal why)."""
        return self.write_back.record_failure(job, exc)

    def _step(self, job: Job, step: str, outcome: str, detail: str = "") -> None:
        """Audit a step; it is stored with the transaction that ends this job attempt."""
        self.audit.defer(job.lease_token or "", tenant_id=job.tenant_id, crm_deal_id=job.crm_deal_id, step=step,
                         outcome=outcome, correlation_id=job.correlation_id, job_id=job.id,
                         event_id=job.event_id, detail=detail)

    def _tenant(self, job: Job) -> Tenant:
        tenant = self.tenants.get(job.tenant_id)
        if tenant is None or not tenant.active:
            raise rejected("tenant_inactive", "erp-panel is not installed for this CRM account any more.")
        return tenant

    # -- create_order ----------------------------------------------------------------
    def create_order(self, job: Job) -> None:
        tenant = self._tenant(job)
        erp, fingerprint = self.erp.connector_for(tenant)
        key = idempotency_key(tenant.id, job.crm_deal_id)
        locked = self.records.lock(tenant.id, job.crm_deal_id, self.lock_seconds)
        if locked is None:
            raise StepError("deal_locked", "another worker holds this deal's lock", retriable=True)
        token, record = locked
        try:
            if record.state in (CREATED, WRITTEN_BACK) and record.erp_order_number:
                self._finish(job, token, outcome="already_created",
                             detail=f"order {record.erp_order_number} was recorded before")
                return
            try:
                deal = self.crm.connector_for(tenant).get_deal(job.crm_deal_id)
            except UpstreamNotFound:
                # The deal is gone from the CRM; an order an earlier attempt created is still recorded.
                existing = erp.find_order(key)
                if existing is None:
                    raise
                self._record_created(job, token, tenant, existing, flagged=record.credit_flagged, outcome="adopted")
                return
            self._step(job, "crm_read", "ok", f"{len(deal.lines)} lines, status {deal.status}")
            self.records.note_deal_value(record, deal.value, deal.currency)
            customer_id = linked_customer(self.tenants, tenant.id, deal)
            facts = self.reads.gather(erp, tenant=tenant, fingerprint=fingerprint, key=key,
                                      item_codes=validate.deal_skus(deal),
                                      customer_id=customer_id, at_once=reads_at_once(erp.max_concurrent_requests))
            if facts.existing is not None and not tenant.settings.shadow_mode:
                self._step(job, "erp_lookup", "found", f"order {facts.existing.order_number} exists for {key}")
                self._record_created(job, token, tenant, facts.existing, flagged=record.credit_flagged,
                                     outcome="adopted")
                return
            self._step(job, "erp_lookup", "found" if facts.existing else "not_found", key)
            request, flagged = self._prepare(job, tenant, deal, customer_id, facts, key)
            if tenant.settings.shadow_mode:
                self._record_shadow(job, token, tenant, request_summary(request), flagged, facts.existing)
                return
            if flagged:
                # Persist the flag before the ERP call, so a retry that adopts the order keeps it.
                with self.db.write() as conn:
                    self.records.update(conn, tenant.id, job.crm_deal_id, credit_flagged=True)
            result = erp.create_order_after_lookup(request)
            self._step(job, "erp_create", "created" if result.created_now else "found",
                       f"order {result.order_number} ({result.status_raw})")
            self._record_created(job, token, tenant, result, flagged=flagged, outcome="created")
        except Exception:
            self._release(job, token)
            raise

    def _release(self, job: Job, token: str) -> None:
        """Give the deal lock back after a failed attempt (the failure itself is recorded by ``fail``)."""
        with self.db.write() as conn:
            self.records.unlock(conn, job.tenant_id, job.crm_deal_id, token)

    def _prepare(self, job: Job, tenant: Tenant, deal: Deal, customer_id: str | None, facts: OrderFacts,
                 key: str) -> tuple[OrderRequest, bool]:
        """Validate the deal against what the ERP said; returns (OrderRequest, credit_flagged). Raises on problems."""
        problems, flagged = validate.order_problems(deal, customer_id=customer_id, items=facts.items,
                                                    credit=facts.credit, policy=tenant.settings.credit_hold_policy)
        if problems:
            self._step(job, "validate", "failed", "; ".join(p.reason for p in problems))
            raise rejected(problems[0].reason, " ".join(_sentence(p.message) for p in problems))
        if not customer_id:     # never so: order_problems names a missing link (this tells the type checker)
            link = validate.missing_link()
            raise rejected(link.reason, link.message)
        try:
            request = build_request(deal, customer_id=customer_id, currency=deal.currency.upper(), idempotency_key=key,
                                    correlation_id=job.correlation_id, field_mapping=tenant.settings.field_mapping,
                                    extra={"credit_hold": "flagged"} if flagged else None)
        except MappingError as exc:
            raise rejected(exc.problem.reason, exc.problem.message) from None
        notes = ["credit hold: flagged"] if flagged else []
        if facts.credit_reused:
            notes.append(f"credit read at most {self.reads.credit_max_age:g} s ago reused")
        self._step(job, "validate", "ok", "; ".join(notes))
        return request, flagged

    # -- outcomes --------------------------------------------------------------------
    def _finish(self, job: Job, token: str, *, outcome: str, detail: str, written: str | None = None,
                retry_write_back: StepError | None = None, **record_values: Any) -> None:
        """One transaction: the record, the deal lock, a write-back retry if needed, the job, its audit."""
        with self.db.write() as conn:
            self.records.settle(conn, job.tenant_id, job.crm_deal_id, token, **record_values)
            self._step(job, "order", outcome, detail)
            if written is not None:
                self._step(job, "write_back", "ok", written)
                observe_number_written(conn, job.tenant_id, job.crm_deal_id, self.clock.now())
            if retry_write_back is not None:
                status = self.queue.enqueue_retry(conn, tenant_id=job.tenant_id, kind=WRITE_BACK,
                                                  crm_deal_id=job.crm_deal_id, correlation_id=job.correlation_id,
                                                  failure=retry_write_back)
                self._step(job, "write_back", "dead" if status == "dead" else "retry",
                           f"{retry_write_back.reason}: {retry_write_back.message}")
            self.queue.complete(conn, job)
            self.audit.flush(conn, job.lease_token or "")

    def _record_created(self, job: Job, token: str, tenant: Tenant, result: OrderResult, *, flagged: bool,
                        outcome: str) -> None:
        """Write the number onto the deal now, then record the order (and a write-back retry if that failed)."""
        update = order_write_back(tenant.settings, order_number=result.order_number, status=str(result.status),
                                  status_raw=result.status_raw, flagged=flagged)
        failure = self.write_back.write_now(job, tenant, update)
        written: dict[str, Any] = {"state": WRITTEN_BACK, "written_back_at": self.clock.now()} if failure is None else {
            "state": CREATED}
        self._finish(job, token, outcome=outcome, detail=f"order {result.order_number}",
                     written=f"order {result.order_number}" if failure is None else None, retry_write_back=failure,
                     erp_order_number=result.order_number, erp_status=str(result.status),
                     erp_status_raw=result.status_raw, credit_flagged=flagged, failure_reason=None,
                     failure_text=None, correlation_id=job.correlation_id, **written)

    def _record_shadow(self, job: Job, token: str, tenant: Tenant, order: dict[str, Any], flagged: bool,
                       existing: OrderResult | None) -> None:
        would = shadow_write_back(tenant.settings, order_number=existing.order_number if existing else None,
                                  status="open", flagged=flagged)
        self._finish(job, token, outcome="shadow", detail="shadow mode: recorded the order instead of creating it",
                     state=SHADOW, shadow_order=order, shadow_write_back=would, credit_flagged=flagged)


def _sentence(text: str) -> str:
    """End a message with a full stop so several problems read as separate sentences."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
