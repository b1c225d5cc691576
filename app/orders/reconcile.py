"""Reconciliation: won deals in the CRM vs erp-panel's inbox and order records vs ERP orders found by key.

Per tenant and window (default the last 30 days), scheduled once a day and on demand from the settings
page, as a ``reconcile`` job in the order queue (so it runs in a worker, never in a web request):

1. the CRM's search lists the deals won and changed in the window (``CRMConnector.search_won_deals``);
2. erp-panel's order records of those deals and of the window;
3. one batched ERP read finds every order by its idempotency key (``read_order_progress``).

Findings, each with the fix it got:

* ``missing_event`` - a won deal erp-panel never heard of and the ERP has no order for: its won event was
  lost; it is handed to the intake (once: the intake is unique per deal) and ordered like any other.
* ``adopt_order`` - the ERP has an order with our key but erp-panel has no record of it (or gave up on the
  deal): the order job is queued; it finds the order by its key and records it, creating nothing.
* ``not_won`` - an order exists but the CRM no longer reports its deal won: a ``check_won`` job flags it
  (never cancels).
* ``amount_mismatch`` / ``currency_mismatch`` - the order's total or currency differs from the deal's
  (one order read per ordered deal: ``find_order``); for a person to look at.
"""
from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from app.clock import Clock
from app.domain.deal import WonDeal
from app.domain.events import DealLeftWon, DealWon
from app.domain.ids import idempotency_key
from app.errors import UpstreamError
from app.ops.maintenance import TaskClaims
from app.orders.intake import OrderIntake
from app.orders.queue import CREATE_ORDER, RECONCILE, Job, JobQueue
from app.orders.records import CREATED, FAILED, WRITTEN_BACK, OrderRecord, OrderRecords
from app.orders.tables import order_records, reconciliations
from app.storage.db import Database
from app.tenants.model import Tenant
from app.tenants.store import TenantStore

log = logging.getLogger("erp_panel.orders")

DEFAULT_WINDOW_DAYS = 30
SWEEP_TASK, TASK_PREFIX = "reconcile_sweep", "reconcile:"
SWEEP_CHECK_SECONDS, DAILY_SECONDS = 3600, 24 * 3600 - 60
MAX_WINDOW_DAYS = 366
KINDS = ("missing_event", "adopt_order", "not_won", "amount_mismatch", "currency_mismatch")
#: amounts closer than this are the same (rounding of line totals in the ERP)
TOLERANCE = Decimal("0.01")


@dataclass(frozen=True)
class Report:
    id: int
    tenant_id: str
    window_days: int
    trigger: str
    status: str
    counts: dict[str, int]
    findings: list[dict[str, str]]
    error: str | None
    started_at: datetime
    finished_at: datetime | None


def window_of(value: Any) -> int:
    """A window in days from a form or job (1..MAX_WINDOW_DAYS), the default for anything else."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_WINDOW_DAYS else DEFAULT_WINDOW_DAYS


class Reconciliation:
    """Runs and stores reconciliations (see the module docstring)."""

    def __init__(self, *, db: Database, clock: Clock, tenants: TenantStore, erp: Any, crm: Any, intake: OrderIntake,
                 queue: JobQueue, records: OrderRecords, claims: TaskClaims):
        self.db, self.clock, self.tenants, self.erp, self.crm = db, clock, tenants, erp, crm
        self.intake, self.queue, self.records, self.claims = intake, queue, records, claims

    def schedule(self, owner: str) -> list[str]:
        """The daily sweep: queue a reconciliation of every active tenant with an ERP connection whose last
        one is a day old, claimed per tenant (``reconcile:<tenant id>`` in ``ops_tasks``) so several workers
        queue it once. Looked at hourly (one claim per hour for all tenants). Returns the tenants queued."""
        if not self.claims.claim(SWEEP_TASK, SWEEP_CHECK_SECONDS, owner):
            return []
        queued = []
        for tenant in self.tenants.list():
            if tenant.active and self.tenants.get_erp_connection(tenant.id) is not None and \
                    self.claims.claim(TASK_PREFIX + tenant.id, DAILY_SECONDS, owner):
                self.request(tenant.id, DEFAULT_WINDOW_DAYS, trigger="scheduled")
                queued.append(tenant.id)
        return queued

    def request(self, tenant_id: str, window_days: int = DEFAULT_WINDOW_DAYS, trigger: str = "admin") -> int:
        """Queue a reconciliation of the tenant (a ``reconcile`` job; one waiting per tenant at a time)."""
        with self.db.write() as conn:
            job_id = self.queue.enqueue_once(conn, tenant_id=tenant_id, kind=RECONCILE, crm_deal_id="",
                                             correlation_id=f"{trigger}:{window_of(window_days)}")
        self.queue.notify()
        return job_id

    def run_job(self, job: Job, tenant: Tenant) -> Report:
        """The ``reconcile`` job: run it (the window and trigger travel in the correlation id) and complete."""
        trigger, _sep, days = job.correlation_id.partition(":")
        report = self.run(tenant, window_days=window_of(days), trigger=trigger or "scheduled")
        with self.db.write() as conn:
            self.queue.complete(conn, job)
        return report

    def run(self, tenant: Tenant, *, window_days: int = DEFAULT_WINDOW_DAYS, trigger: str = "scheduled") -> Report:
        """Compare, fix what can be fixed safely, store the report; a CRM or ERP that does not answer gives a
        failed report with the reason."""
        now = self.clock.now()
        with self.db.write() as conn:
            report_id = conn.execute(reconciliations.insert().values(
                tenant_id=tenant.id, window_days=window_days, trigger=trigger[:20], status="running", counts={},
                findings=[], started_at=now).returning(reconciliations.c.id)).scalar_one()
        findings: list[dict[str, str]] = []
        status, error = "done", None
        try:
            findings = self._compare(tenant, now - timedelta(days=window_days))
        except UpstreamError as exc:
            status, error = "failed", f"{exc.reason}: {exc.message}"[:1000]
            log.warning("reconciliation failed", extra={"ctx": {"tenant_id": tenant.id, "reason": exc.reason}})
        counts = {kind: sum(1 for f in findings if f["kind"] == kind) for kind in KINDS}
        with self.db.write() as conn:
            conn.execute(reconciliations.update().where(reconciliations.c.id == report_id).values(
                status=status, counts=counts, findings=findings, error=error, finished_at=self.clock.now()))
        report = self.latest(tenant.id)
        if report is None:      # just written in this database: only a concurrent tenant purge could remove it
            raise RuntimeError(f"reconciliation report {report_id} disappeared")
        return report

    # -- comparing ------------------------------------------------------------------
    def _compare(self, tenant: Tenant, since: datetime) -> list[dict[str, str]]:
        crm = self.crm.connector_for(tenant)
        won = {d.crm_deal_id: d for d in crm.search_won_deals(since)}
        records = self._records(tenant.id, since, list(won))
        connector, _fp = self.erp.connector_for(tenant)
        keys = sorted({idempotency_key(tenant.id, deal) for deal in won} | {r.idempotency_key for r in records.values()})
        orders = connector.read_order_progress(keys) if keys else {}
        findings: list[dict[str, str]] = []
        for deal in won.values():
            key = idempotency_key(tenant.id, deal.crm_deal_id)
            findings += self._won_deal(tenant, deal, records.get(deal.crm_deal_id),
                                       orders[key].order_number if key in orders else None, connector)
        for record in records.values():
            if record.crm_deal_id in won or record.state not in (CREATED, WRITTEN_BACK) or record.not_won_since:
                continue
            current = crm.get_deal(record.crm_deal_id)
            if current.is_won:
                continue        # won but not changed in the window: nothing to say
            self.intake.left_won(DealLeftWon(tenant_id=tenant.id, crm_deal_id=record.crm_deal_id,
                                             status=current.status, crm=tenant.crm))
            findings.append(_finding("not_won", record.crm_deal_id, record.erp_order_number or "",
                                     f"The deal is {current.status or 'not won'} in the CRM.",
                                     "Flagged on the deal and in the error queue; nothing was cancelled."))
        return findings

    def _won_deal(self, tenant: Tenant, deal: WonDeal, record: OrderRecord | None, order_number: str | None,
                  connector: Any) -> list[dict[str, str]]:
        deal_id = deal.crm_deal_id
        if record is None:
            result = self.intake.accept(DealWon(tenant_id=tenant.id, crm_deal_id=deal_id,
                                                event_id=f"reconcile:{deal_id}", occurred_at=self.clock.now(),
                                                crm=tenant.crm))
            if order_number:
                return [_finding("adopt_order", deal_id, order_number, "The ERP has this deal's order; erp-panel "
                                 "had no record of it.", f"Queued the order job (job {result.job_id}): it finds the "
                                 "order by its key and records it; nothing new is created.")]
            return [_finding("missing_event", deal_id, "", "The deal is won but its won event never arrived.",
                             f"Queued its order (job {result.job_id}).")]
        if order_number and (record.state == FAILED or not record.erp_order_number):
            with self.db.write() as conn:
                job_id = self.queue.enqueue_once(conn, tenant_id=tenant.id, kind=CREATE_ORDER, crm_deal_id=deal_id,
                                                 correlation_id=record.correlation_id or "reconcile")
            self.queue.notify()
            return [_finding("adopt_order", deal_id, order_number, "The ERP has this deal's order; erp-panel's "
                             f"record says {record.state}.", f"Queued the order job (job {job_id}) to record it.")]
        if not order_number or record.state not in (CREATED, WRITTEN_BACK):
            return []
        found = connector.find_order(record.idempotency_key)
        if found is None:
            return []
        out = []
        if deal.currency and found.currency and deal.currency.upper() != found.currency.upper():
            out.append(_finding("currency_mismatch", deal_id, found.order_number,
                                f"The deal is in {deal.currency}, the order in {found.currency}.",
                                "Check the order in the ERP against the deal; erp-panel changes neither."))
        elif deal.value is not None and found.total is not None and abs(deal.value - found.total) > TOLERANCE:
            out.append(_finding("amount_mismatch", deal_id, found.order_number,
                                f"The deal is {deal.value} {deal.currency}, the order {found.total} {found.currency}.",
                                "Check the order's lines in the ERP against the deal's (or taxes the ERP adds); "
                                "erp-panel changes neither."))
        return out

    def _records(self, tenant_id: str, since: datetime, deal_ids: list[str]) -> dict[str, OrderRecord]:
        """The tenant's records created in the window, and those of the won deals whatever their age."""
        query = sa.select(order_records).where(order_records.c.tenant_id == tenant_id, sa.or_(
            order_records.c.created_at >= since, order_records.c.crm_deal_id.in_(deal_ids)))
        with self.db.read() as conn:
            return {r.crm_deal_id: OrderRecord(**r._mapping) for r in conn.execute(query)}

    # -- reports --------------------------------------------------------------------
    def latest(self, tenant_id: str) -> Report | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(reconciliations).where(reconciliations.c.tenant_id == tenant_id)
                               .order_by(reconciliations.c.id.desc()).limit(1)).first()
        return Report(**row._mapping) if row else None


def _finding(kind: str, deal_id: str, order_number: str, detail: str, fix: str) -> dict[str, str]:
    return {"kind": kind, "crm_deal_id": deal_id, "order_number": order_number, "detail": detail, "fix": fix}


def report_csv(report: Report) -> str:
    """The report as CSV: a header, one row per finding, then the counts."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kind", "crm_deal_id", "order_number", "detail", "fix"])
    for f in report.findings:
        writer.writerow([_cell(f.get(k, "")) for k in ("kind", "crm_deal_id", "order_number", "detail", "fix")])
    writer.writerow([])
    writer.writerow(["count", "kind"])
    for kind, count in report.counts.items():
        writer.writerow([count, kind])
    return out.getvalue()


def _cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: CRM text must not (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
