"""Health of each tenant at a glance (the operations page and its JSON API).

Built from the same inputs and rules as the embedded alerting, so the page and the alerts never
disagree: ERP reachable (its latest read worked, failed, or there was none), the last successful
read, the order queue, the failures of the last hour, the API budgets and the rules firing now.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.ops.inputs import TenantInputs, load_inputs
from app.ops.rules import (
    API_BUDGET,
    BUDGET_WINDOW,
    FAILURE_WINDOW,
    QUEUE_DELAY,
    VENDOR_NAMES,
    WINDOWS,
    evaluate,
)
from app.ops.signals import AUTH_FAILURE, READ_FAILED, READ_OK, SYNC_FAILED, SYNC_OK
from app.ops.tables import ops_alert_states, ops_counts
from app.storage.db import Database
from app.tenants.model import Tenant
from app.tenants.tables import erp_connections

OK, WARNING, FAILING = "ok", "warning", "failing"
#: rules that only warn (the integration still works); any other firing rule means it is failing
WARNING_RULES = frozenset({API_BUDGET.name, QUEUE_DELAY.name})


@dataclass(frozen=True)
class BudgetView:
    vendor: str
    used_percent: float
    remaining: float


@dataclass
class TenantHealth:
    tenant_id: str
    name: str
    crm: str
    erp_connector: str | None
    erp_state: str                     # ok | failing | no_reads | not_configured
    last_successful_read: datetime | None
    syncs_last_hour: int
    failed_last_hour: int
    queue_ready: int
    queue_waiting: int
    queue_dead: int
    oldest_ready_seconds: float | None
    budgets: list[BudgetView] = field(default_factory=list)
    firing: list[str] = field(default_factory=list)          # rule titles firing now
    summaries: list[str] = field(default_factory=list)       # their one-sentence explanations
    owner_notified: list[str] = field(default_factory=list)  # rules whose owner was told
    status: str = OK

    @property
    def failure_percent(self) -> float:
        return 100.0 * self.failed_last_hour / self.syncs_last_hour if self.syncs_last_hour else 0.0


def _erp_state(connector: str | None, inputs: TenantInputs) -> str:
    if connector is None:
        return "not_configured"
    good, bad = inputs.last_seen.get(READ_OK), inputs.last_seen.get(READ_FAILED)
    if inputs.total(WINDOWS[-1], AUTH_FAILURE, "erp") or (bad is not None and (good is None or bad > good)):
        return "failing"
    return "ok" if good is not None else "no_reads"


def health_report(db: Database, now: datetime, tenants: list[Tenant]) -> list[TenantHealth]:
    """Health rows for these tenants (a list of Tenant), in the given order."""
    ids = [t.id for t in tenants]
    inputs = load_inputs(db, now, WINDOWS, budget_window=BUDGET_WINDOW, tenant_ids=ids)
    with db.read() as conn:
        connectors = dict(conn.execute(sa.select(erp_connections.c.tenant_id, erp_connections.c.connector)
                                       .where(erp_connections.c.tenant_id.in_(ids))).all())
        last_read = dict(conn.execute(sa.select(ops_counts.c.tenant_id, sa.func.max(ops_counts.c.bucket))
                                      .where(ops_counts.c.tenant_id.in_(ids), ops_counts.c.signal == READ_OK,
                                             ops_counts.c.bucket >= now - timedelta(days=8))
                                      .group_by(ops_counts.c.tenant_id)).all())
        notified = conn.execute(sa.select(ops_alert_states.c.tenant_id, ops_alert_states.c.rule).where(
            ops_alert_states.c.tenant_id.in_(ids), ops_alert_states.c.firing.is_(True),
            ops_alert_states.c.notified == "firing")).all()
    told: dict[str, list[str]] = {}
    for row in notified:
        told.setdefault(row.tenant_id, []).append(row.rule)
    rows = []
    for tenant in tenants:
        data = inputs.get(tenant.id) or TenantInputs(tenant.id, now)
        findings = [f for f in evaluate(data) if f.firing]
        ok, failed = data.total(FAILURE_WINDOW, SYNC_OK), data.total(FAILURE_WINDOW, SYNC_FAILED)
        oldest = (now - data.oldest_ready_at).total_seconds() if data.oldest_ready_at else None
        status = OK if not findings else (WARNING if all(f.rule.name in WARNING_RULES for f in findings)
                                          else FAILING)
        rows.append(TenantHealth(
            tenant.id, tenant.name or tenant.installation_id, tenant.crm, connectors.get(tenant.id),
            _erp_state(connectors.get(tenant.id), data), last_read.get(tenant.id), ok + failed, failed,
            data.ready_jobs, data.waiting_jobs, data.dead_jobs, oldest,
            [BudgetView(VENDOR_NAMES.get(b.vendor, b.vendor), round(100 * b.used_ratio, 1), b.remaining)
             for b in data.budgets],
            [f.rule.title for f in findings], [f.summary for f in findings], told.get(tenant.id, []), status))
    return rows
