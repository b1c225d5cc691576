"""The order flow: a won deal becomes exactly one ERP sales order.

Per create_order job: take the deal's lock, ask the ERP for an order with the
deal's idempotency key (adopt it if a previous attempt created it and died before
recording it), otherwise re-read the deal from the CRM, resolve and check the ERP
customer, validate, apply the credit-hold policy, map to an OrderRequest and
create it. The outcome, the write-back job and the job's completion are committed
in one transaction. Shadow mode runs the same steps but records the order and the
write-back it would have made instead of calling create_order / write_back.
"""
from __future__ import annotations

from app.domain.ids import idempotency_key
from app.domain.order import OrderResult
from app.erp.base import ERPConnector
from app.orders import validate
from app.orders.mapping import MappingError, build_request, request_summary
from app.orders.queue import CREATE_ORDER, WRITE_BACK, Job
from app.orders.records import CREATED, SHADOW, WRITTEN_BACK
from app.orders.retry import StepError, rejected
from app.orders.writeback import WriteBackStep, shadow_write_back


class OrderFlow:
    """Runs one claimed job (create_order or write_back); raises on failure, see ``fail``."""

    def __init__(self, *, db, clock, tenants, erp, crm, queue, records, audit, lock_seconds: float = 120):
        self.db = db
        self.clock = clock
        self.tenants = tenants
        self.erp = erp
        self.crm = crm
        self.queue = queue
        self.records = records
        self.audit = audit
        self.lock_seconds = lock_seconds
        self.write_back = WriteBackStep(db=db, tenants=tenants, crm=crm, queue=queue, records=records, audit=audit)

    def run(self, job: Job) -> None:
        """Process one claimed job to completion (its completion is committed here)."""
        if job.kind == CREATE_ORDER:
            self.create_order(job)
        elif job.kind == WRITE_BACK:
            self.write_back.run(job)
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

    def _tenant(self, job: Job):
        tenant = self.tenants.get(job.tenant_id)
        if tenant is None or not tenant.active:
            raise rejected("tenant_inactive", "erp-panel is not installed for this CRM account any more.")
        return tenant

    # -- create_order ----------------------------------------------------------------
    def create_order(self, job: Job) -> None:
        tenant = self._tenant(job)
        erp, _settings_fingerprint = self.erp.connector_for(tenant)
        key = idempotency_key(tenant.id, job.crm_deal_id)
        token = self.records.try_lock(tenant.id, job.crm_deal_id, self.lock_seconds)
        if token is None:
            raise StepError("deal_locked", "another worker holds this deal's lock", retriable=True)
        try:
            record = self.records.get(tenant.id, job.crm_deal_id)
            if record is not None and record.state in (CREATED, WRITTEN_BACK) and record.erp_order_number:
                self._finish(job, token, step="order", outcome="already_created",
                             detail=f"order {record.erp_order_number} was recorded before")
                return
            existing = erp.find_order(key)
            if existing is not None and not tenant.settings.shadow_mode:
                self._step(job, "erp_lookup", "found", f"order {existing.order_number} exists for {key}")
                self._record_created(job, token, existing, flagged=record.credit_flagged if record else False,
                                     outcome="adopted")
                return
            self._step(job, "erp_lookup", "found" if existing else "not_found", key)
            request, flagged = self._prepare(job, tenant, erp, key)
            if tenant.settings.shadow_mode:
                self._record_shadow(job, token, tenant, request_summary(request), flagged, existing)
                return
            if flagged:
                # Persist the flag before the ERP call, so a retry that adopts the order keeps it.
                with self.db.write() as conn:
                    self.records.update(conn, tenant.id, job.crm_deal_id, credit_flagged=True)
            result = erp.create_order(request)
            self._step(job, "erp_create", "created" if result.created_now else "found",
                       f"order {result.order_number} ({result.status_raw})")
            self._record_created(job, token, result, flagged=flagged, outcome="created")
        except Exception:
            self._release(job, token)
            raise

    def _release(self, job: Job, token: str) -> None:
        """Give the deal lock back after a failed attempt (the failure itself is recorded by ``fail``)."""
        with self.db.write() as conn:
            self.records.unlock(conn, job.tenant_id, job.crm_deal_id, token)

    def _prepare(self, job: Job, tenant, erp: ERPConnector, key: str):
        """Re-read and validate the deal; returns (OrderRequest, credit_flagged). Raises on problems."""
        deal = self.crm.connector_for(tenant).get_deal(job.crm_deal_id)
        self.records.note_deal_value(tenant.id, job.crm_deal_id, deal.value, deal.currency)
        self._step(job, "crm_read", "ok", f"{len(deal.lines)} lines, status {deal.status}")
        problems = validate.check_deal(deal)
        customer_id = (deal.account.erp_customer_id if deal.account else None) or (
            self.tenants.erp_customer_for(tenant.id, deal.account.crm_account_id) if deal.account else None)
        if not customer_id:
            problems.append(validate.Problem("missing_erp_customer_link",
                                             "The deal's company is not linked to an ERP customer; link it on "
                                             "the erp-panel settings page and replay the order."))
        skus = sorted({line.sku for line in deal.lines if line.sku})
        if skus:
            problems += validate.check_items(erp.item_exists(skus))
        flagged = False
        if customer_id:
            credit = erp.get_credit(customer_id)
            problems += validate.check_currency(deal, credit)
            credit_problems, flagged = validate.credit_decision(credit, tenant.settings.credit_hold_policy)
            problems += credit_problems
        if problems:
            self._step(job, "validate", "failed", "; ".join(p.reason for p in problems))
            raise rejected(problems[0].reason, " ".join(_sentence(p.message) for p in problems))
        try:
            request = build_request(deal, customer_id=customer_id, currency=deal.currency.upper(), external_ref=key,
                                    correlation_id=job.correlation_id, field_mapping=tenant.settings.field_mapping,
                                    extra={"credit_hold": "flagged"} if flagged else None)
        except MappingError as exc:
            raise rejected(exc.problem.reason, exc.problem.message) from None
        self._step(job, "validate", "ok", "credit hold: flagged" if flagged else "")
        return request, flagged

    # -- outcomes --------------------------------------------------------------------
    def _finish(self, job: Job, token: str, *, step: str, outcome: str, detail: str, **record_values) -> None:
        with self.db.write() as conn:
            if record_values:
                self.records.update(conn, job.tenant_id, job.crm_deal_id, **record_values)
            self.records.unlock(conn, job.tenant_id, job.crm_deal_id, token)
            if record_values.get("state") == CREATED:
                self.queue.enqueue_once(conn, tenant_id=job.tenant_id, kind=WRITE_BACK, crm_deal_id=job.crm_deal_id,
                                        correlation_id=job.correlation_id)
            self.queue.complete(conn, job)
            self.audit.flush(conn, job.lease_token or "")
            self.audit.record(conn, tenant_id=job.tenant_id, crm_deal_id=job.crm_deal_id, step=step,
                              outcome=outcome, correlation_id=job.correlation_id, job_id=job.id,
                              event_id=job.event_id, detail=detail)

    def _record_created(self, job: Job, token: str, result: OrderResult, *, flagged: bool,
                        outcome: str) -> None:
        self._finish(job, token, step="order", outcome=outcome, detail=f"order {result.order_number}",
                     state=CREATED, erp_order_number=result.order_number, erp_status=str(result.status),
                     erp_status_raw=result.status_raw, credit_flagged=flagged, failure_reason=None,
                     failure_text=None, correlation_id=job.correlation_id)

    def _record_shadow(self, job: Job, token: str, tenant, order: dict, flagged: bool,
                       existing: OrderResult | None) -> None:
        would = shadow_write_back(tenant.settings, order_number=existing.order_number if existing else None,
                                  status="open", flagged=flagged)
        self._finish(job, token, step="order", outcome="shadow",
                     detail="shadow mode: recorded the order instead of creating it",
                     state=SHADOW, shadow_order=order, shadow_write_back=would, credit_flagged=flagged)


def _sentence(text: str) -> str:
    """End a message with a full stop so several problems read as separate sentences."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
