"""What the alert rules and the operations page read from the database, per tenant, in a few queries.

Counts come from ``ops_counts`` summed over each window in the database (one grouped query,
whatever the number of tenants); the queue and the failing deals from the order tables; budgets
from ``ops_budgets``.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.ops.signals import minute
from app.ops.tables import ops_budgets, ops_counts
from app.orders.tables import order_jobs, order_records
from app.storage.db import Database

#: failing deals listed per tenant (alert messages and the operations page)
DEALS_PER_TENANT = 5


@dataclass(frozen=True)
class AffectedDeal:
    """A deal whose order job failed recently, with what it is worth."""

    crm_deal_id: str
    reason: str
    status: str                   # queued (will retry) | dead
    value: str | None = None      # as the CRM reported it, e.g. "12400.00"
    currency: str | None = None


@dataclass(frozen=True)
class BudgetReading:
    vendor: str
    used_ratio: float
    remaining: float
    limit: float
    observed_at: datetime


@dataclass
class TenantInputs:
    """Everything the rules need about one tenant at ``now``."""

    tenant_id: str
    now: datetime
    #: (window seconds, signal, subject) -> events
    counts: dict[tuple[int, str, str], int] = field(default_factory=dict)
    budgets: list[BudgetReading] = field(default_factory=list)
    oldest_ready_at: datetime | None = None
    ready_jobs: int = 0
    waiting_jobs: int = 0
    dead_jobs: int = 0
    failing_deals: list[AffectedDeal] = field(default_factory=list)
    #: signal -> newest bucket it was counted in (any subject, within the longest window)
    last_seen: dict[str, datetime] = field(default_factory=dict)

    def total(self, window: int, signals: tuple[str, ...] | str, subject: str | None = None) -> int:
        """Events of these signals in the window (one subject, or all)."""
        wanted = (signals,) if isinstance(signals, str) else signals
        return sum(n for (w, s, subj), n in self.counts.items()
                   if w == window and s in wanted and (subject is None or subj == subject))

    def subjects(self, window: int, signal: str) -> list[str]:
        """Subjects with at least one event of ``signal`` in the window, sorted."""
        return sorted({subj for (w, s, subj), n in self.counts.items() if w == window and s == signal and n > 0})


def load_inputs(db: Database, now: datetime, windows: tuple[int, ...], *, budget_window: int,
                tenant_ids: list[str] | None = None) -> dict[str, TenantInputs]:
    """TenantInputs for every tenant with something to report (or only ``tenant_ids``)."""
    found: dict[str, TenantInputs] = {}

    def get(tenant_id: str) -> TenantInputs:
        return found.setdefault(tenant_id, TenantInputs(tenant_id, now))

    scope: Scope = (lambda column: column.in_(tenant_ids)) if tenant_ids is not None else (lambda column: sa.true())
    current = minute(now)
    starts = {w: current - timedelta(seconds=w) + timedelta(minutes=1) for w in windows}
    sums = [sa.func.sum(sa.case((ops_counts.c.bucket >= start, ops_counts.c.events), else_=0)).label(f"w{w}")
            for w, start in starts.items()]
    with db.read() as conn:
        rows = conn.execute(sa.select(ops_counts.c.tenant_id, ops_counts.c.signal, ops_counts.c.subject,
                                      sa.func.max(ops_counts.c.bucket).label("newest"), *sums)
                            .where(ops_counts.c.bucket >= min(starts.values()), scope(ops_counts.c.tenant_id))
                            .group_by(ops_counts.c.tenant_id, ops_counts.c.signal, ops_counts.c.subject)).all()
        for row in rows:
            inputs = get(row.tenant_id)
            for w in windows:
                inputs.counts[(w, row.signal, row.subject)] = int(getattr(row, f"w{w}") or 0)
            seen = inputs.last_seen.get(row.signal)
            inputs.last_seen[row.signal] = row.newest if seen is None else max(seen, row.newest)
        for row in conn.execute(sa.select(ops_budgets).where(
                ops_budgets.c.observed_at >= now - timedelta(seconds=budget_window), scope(ops_budgets.c.tenant_id))):
            get(row.tenant_id).budgets.append(BudgetReading(row.vendor, row.used_ratio, row.remaining,
                                                            row.budget_limit, row.observed_at))
        _load_queue(conn, now, scope, get)
        _load_failing_deals(conn, now, scope, get)
    return found


Scope = Callable[[sa.ColumnElement], sa.ColumnElement]
Getter = Callable[[str], TenantInputs]


def _load_queue(conn: sa.Connection, now: datetime, scope: Scope, get: Getter) -> None:
    jobs = order_jobs.c
    ready = sa.or_(sa.and_(jobs.status == "queued", jobs.run_after <= now),
                   sa.and_(jobs.status == "running", jobs.lease_expires_at <= now))
    query = sa.select(jobs.tenant_id,
                      sa.func.min(sa.case((ready, jobs.run_after), else_=None)).label("oldest_ready"),
                      sa.func.sum(sa.case((ready, 1), else_=0)).label("ready"),
                      sa.func.sum(sa.case((jobs.status.in_(("queued", "running")), 1), else_=0)).label("waiting"),
                      sa.func.sum(sa.case((jobs.status == "dead", 1), else_=0)).label("dead")) \
        .where(jobs.status.in_(("queued", "running", "dead")), scope(jobs.tenant_id)).group_by(jobs.tenant_id)
    for row in conn.execute(query):
        inputs = get(row.tenant_id)
        inputs.oldest_ready_at = row.oldest_ready
        inputs.ready_jobs, inputs.waiting_jobs, inputs.dead_jobs = int(row.ready or 0), int(row.waiting or 0), \
            int(row.dead or 0)


def _load_failing_deals(conn: sa.Connection, now: datetime, scope: Scope, get: Getter) -> None:
    jobs, records = order_jobs.c, order_records.c
    query = sa.select(jobs.tenant_id, jobs.crm_deal_id, jobs.status, jobs.last_error_reason,
                      records.deal_value, records.deal_currency) \
        .select_from(order_jobs.outerjoin(order_records, sa.and_(records.tenant_id == jobs.tenant_id,
                                                                  records.crm_deal_id == jobs.crm_deal_id))) \
        .where(jobs.status.in_(("queued", "dead")), jobs.last_error_reason.is_not(None),
               jobs.updated_at >= now - timedelta(hours=1), scope(jobs.tenant_id)) \
        .order_by(jobs.updated_at.desc()).limit(1000)
    listed: dict[str, set[str]] = defaultdict(set)
    for row in conn.execute(query):
        deals = listed[row.tenant_id]
        if row.crm_deal_id in deals or len(deals) >= DEALS_PER_TENANT:
            continue
        deals.add(row.crm_deal_id)
        get(row.tenant_id).failing_deals.append(AffectedDeal(row.crm_deal_id, row.last_error_reason or "",
                                                             row.status, row.deal_value, row.deal_currency))
