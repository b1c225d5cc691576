"""The claim statement: lease a batch of ready jobs fairly, within each tenant's ERP concurrency.

One UPDATE ... RETURNING leases up to ``batch`` jobs at once:

* ready: queued and due, or running with an expired lease (a killed worker's job); a job whose
  lease expired on its last allowed attempt becomes a dead letter ("worker_lost") in the same
  statement instead of running again;
* write-backs before creates: a write-back (retrying a CRM update) never waits behind new orders;
* round-robin between tenants: every tenant's oldest ready job comes before any tenant's second,
  so one tenant's burst of won deals cannot starve another tenant;
* per-tenant ERP concurrency: create_order jobs of a tenant run at most ``jobs_at_once`` at a time,
  counted over every worker process (running jobs with a live lease are in the table). The cap
  comes from the tenant's "concurrent ERP requests" setting (ERP connection form) or its
  connector's default; each create job makes at most READS_AT_ONCE requests at a time.

Write-back jobs do not call the ERP and are not capped. The caller serialises claims (a
PostgreSQL transaction-level advisory lock, SQLite's single writer) so two workers cannot both
take the last free slot of a tenant.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.erp.registry import CONCURRENCY_FIELD, MAX_CONCURRENCY, default_concurrency
from app.orders.tables import order_jobs
from app.storage.metadata import UTCDateTime
from app.tenants.tables import erp_connections

QUEUED, RUNNING, DEAD = "queued", "running", "dead"
CREATE_ORDER, WRITE_BACK = "create_order", "write_back"
#: re-read a deal that moved away from won after its order existed (flag it; never cancel)
CHECK_WON = "check_won"
#: compare won deals, order records and ERP orders for one tenant (the correlation id carries the window)
RECONCILE = "reconcile"

#: ERP reads a create_order job makes at once (order lookup, items, credit); its create is alone
READS_AT_ONCE = 3
#: the message a job gets when its worker vanished on its last allowed attempt
WORKER_LOST = "The worker processing this job stopped responding on its last attempt"


def jobs_at_once(max_concurrent_requests: int) -> int:
    """create_order jobs of one tenant allowed at a time for this many ERP requests at once."""
    return max(1, max_concurrent_requests // READS_AT_ONCE)


def reads_at_once(max_concurrent_requests: int) -> int:
    """How many of its reads one job may run in parallel under this cap."""
    return max(1, min(READS_AT_ONCE, max_concurrent_requests))


def _requests_cap(default: int | sa.ColumnElement[int]) -> sa.ColumnElement[Any]:
    """The tenant's cap on ERP requests at once, in SQL: its setting when it is a valid whole number,
    else its connector's default, else ``default`` (no connection yet)."""
    setting = erp_connections.c.config[CONCURRENCY_FIELD].as_string()
    # 1 to 999 (MAX_CONCURRENCY), checked before the cast so a hand-edited value cannot break the claim
    valid = setting.regexp_match(f"^[1-9][0-9]{{0,{len(str(MAX_CONCURRENCY)) - 1}}}$")
    by_connector = sa.case(default_concurrency(), value=erp_connections.c.connector, else_=default)
    return sa.case((valid, sa.cast(setting, sa.Integer)), else_=by_connector)


def claim_statement() -> sa.Update:
    """UPDATE ... RETURNING that leases the next ``:batch`` jobs (see the module docstring).

    Built once per process (it only takes bound parameters: now, worker_id, token_prefix,
    lease_until, batch, default_cap), so SQLAlchemy compiles it once.
    """
    jobs = order_jobs
    now = sa.bindparam("now", type_=UTCDateTime)
    ready = sa.or_(sa.and_(jobs.c.status == QUEUED, jobs.c.run_after <= now),
                   sa.and_(jobs.c.status == RUNNING, jobs.c.lease_expires_at <= now))
    write_back_first = sa.case((jobs.c.kind == WRITE_BACK, 0), else_=1)
    uses_erp = sa.case((jobs.c.kind == CREATE_ORDER, 1), else_=0)
    candidates = sa.select(
        jobs.c.id, jobs.c.tenant_id, jobs.c.kind, jobs.c.run_after, write_back_first.label("priority"),
        sa.func.row_number().over(partition_by=jobs.c.tenant_id,
                                  order_by=(write_back_first, jobs.c.run_after, jobs.c.id)).label("turn"),
        sa.func.row_number().over(partition_by=(jobs.c.tenant_id, uses_erp),
                                  order_by=(jobs.c.run_after, jobs.c.id)).label("erp_turn"),
    ).where(ready).subquery("candidates")
    running = sa.select(jobs.c.tenant_id, sa.func.count().label("busy")).where(
        jobs.c.status == RUNNING, jobs.c.lease_expires_at > now, jobs.c.kind == CREATE_ORDER,
    ).group_by(jobs.c.tenant_id).subquery("running")
    cap = _requests_cap(sa.bindparam("default_cap", type_=sa.Integer))
    room = sa.case((cap < READS_AT_ONCE, 1), else_=cap // READS_AT_ONCE) - sa.func.coalesce(running.c.busy, 0)
    admitted = (
        sa.select(candidates.c.id)
        .select_from(candidates
                     .outerjoin(running, running.c.tenant_id == candidates.c.tenant_id)
                     .outerjoin(erp_connections, erp_connections.c.tenant_id == candidates.c.tenant_id))
        .where(sa.or_(candidates.c.kind != CREATE_ORDER, candidates.c.erp_turn <= room))
        .order_by(candidates.c.turn, candidates.c.priority, candidates.c.run_after, candidates.c.id)
        .limit(sa.bindparam("batch", type_=sa.Integer))
    )
    lost = sa.and_(jobs.c.status == RUNNING, jobs.c.attempts >= jobs.c.max_attempts)

    def unless_lost(value: Any, lost_value: Any = None) -> sa.Case[Any]:
        return sa.case((lost, lost_value), else_=value)

    token = sa.bindparam("token_prefix", type_=sa.String) + sa.cast(jobs.c.id, sa.String)
    return (
        jobs.update()
        .where(jobs.c.id.in_(admitted.scalar_subquery()), ready)     # ready again: re-checked under the row lock
        .values(status=unless_lost(RUNNING, DEAD),
                attempts=unless_lost(jobs.c.attempts + 1, jobs.c.attempts),
                lease_owner=unless_lost(sa.bindparam("worker_id", type_=sa.String)),
                lease_expires_at=unless_lost(sa.bindparam("lease_until", type_=UTCDateTime)),
                lease_token=unless_lost(token),
                last_error_reason=unless_lost(jobs.c.last_error_reason, "worker_lost"),
                last_error=unless_lost(jobs.c.last_error, WORKER_LOST),
                updated_at=now)
        .returning(*jobs.c)
    )
