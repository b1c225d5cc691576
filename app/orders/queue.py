"""Durable job queue in the app database (the transactional outbox).

Claiming: PostgreSQL ``SELECT ... FOR UPDATE SKIP LOCKED`` so workers never wait
on each other's candidate rows; SQLite serialises writers with BEGIN IMMEDIATE
(``Database.write``) plus the busy timeout, where FOR UPDATE renders as nothing.
A claim takes a lease; a job whose lease expired (killed worker) is claimable
again. Every state change after a claim is fenced by the lease token, so a
worker that lost its lease cannot overwrite the new owner's outcome.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.clock import Clock
from app.erp.base import ERPConnector
from app.orders.claim import (
    CHECK_WON,
    CREATE_ORDER,
    DEAD,
    QUEUED,
    RECONCILE,
    RUNNING,
    WRITE_BACK,
    claim_statement,
)
from app.orders.retry import Backoff, StepError
from app.orders.tables import order_jobs
from app.orders.wakeup import Wakeup
from app.storage.db import Database

#: job ids are sa.Integer: INTEGER (32-bit) on PostgreSQL, whose driver refuses a larger value with an
#: error; nothing larger can name a job on either backend
MAX_JOB_ID = 2**31 - 1
#: PostgreSQL advisory lock serialising claims (any constant other locks of this app do not use)
CLAIM_LOCK_ID = 0x0E1B_0C1A
#: PostgreSQL NOTIFY channel: a job is ready now (idle workers claim at once instead of at their next poll)
READY_CHANNEL = "erp_panel_jobs"

DONE = "done"
_CLAIM_LOCK = sa.select(sa.func.pg_advisory_xact_lock(CLAIM_LOCK_ID))
__all__ = ["CHECK_WON", "CREATE_ORDER", "RECONCILE", "DEAD", "DONE", "QUEUED", "RUNNING", "WRITE_BACK", "Job", "JobQueue"]


@dataclass(frozen=True)
class Job:
    id: int
    tenant_id: str
    kind: str
    crm_deal_id: str
    event_id: str
    correlation_id: str
    status: str
    attempts: int
    max_attempts: int
    run_after: datetime
    lease_owner: str | None
    lease_token: str | None
    lease_expires_at: datetime | None
    last_error_reason: str | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


def _job(row: sa.Row[Any]) -> Job:
    return Job(**row._mapping)


class JobQueue:
    """Enqueue, claim with a lease, complete, retry with backoff, dead-letter, replay."""

    def __init__(self, db: Database, clock: Clock, *, lease_seconds: float = 120, max_attempts: int = 8,
                 backoff: Backoff | None = None):
        self.db = db
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.backoff = backoff or Backoff()
        self.ready = Wakeup()
        self._claim = claim_statement()

    # -- producing -----------------------------------------------------------------
    def enqueue(self, conn: sa.Connection, *, tenant_id: str, kind: str, crm_deal_id: str, correlation_id: str,
                event_id: str = "", delay: float = 0.0) -> int:
        """Add a job inside the caller's transaction; returns its id.

        On PostgreSQL a job due now also sends NOTIFY (delivered at commit), so idle workers in other
        processes claim it at once; call ``notify`` after the commit for workers in this process.
        """
        now = self.clock.now()
        job_id = conn.execute(order_jobs.insert().values(
            tenant_id=tenant_id, kind=kind, crm_deal_id=crm_deal_id, event_id=event_id,
            correlation_id=correlation_id, status=QUEUED, attempts=0, max_attempts=self.max_attempts,
            run_after=now + timedelta(seconds=delay), created_at=now, updated_at=now)
            .returning(order_jobs.c.id)).scalar_one()
        if delay <= 0 and conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_notify(READY_CHANNEL, "")))
        return int(job_id)

    def enqueue_once(self, conn: sa.Connection, *, tenant_id: str, kind: str, crm_deal_id: str, correlation_id: str) -> int:
        """Enqueue unless a job of this kind for the deal is still waiting (it will read current state)."""
        waiting = self._waiting(conn, tenant_id, kind, crm_deal_id)
        if waiting is not None:
            return waiting
        return self.enqueue(conn, tenant_id=tenant_id, kind=kind, crm_deal_id=crm_deal_id,
                            correlation_id=correlation_id)

    def enqueue_retry(self, conn: sa.Connection, *, tenant_id: str, kind: str, crm_deal_id: str, correlation_id: str,
                      failure: StepError) -> str:
        """Record a first attempt that already failed elsewhere (the order job's own write-back) as a job
        of ``kind`` with one attempt used: queued after the backoff delay, or a dead letter at once when
        the failure is permanent. Returns the job's status (queued | dead)."""
        waiting = self._waiting(conn, tenant_id, kind, crm_deal_id)
        if waiting is not None:
            return QUEUED
        now = self.clock.now()
        dead = not failure.retriable or self.max_attempts <= 1
        delay = 0.0 if dead else self.backoff.delay(1, failure.retry_after)
        conn.execute(order_jobs.insert().values(
            tenant_id=tenant_id, kind=kind, crm_deal_id=crm_deal_id, event_id="", correlation_id=correlation_id,
            status=DEAD if dead else QUEUED, attempts=1, max_attempts=self.max_attempts,
            run_after=now + timedelta(seconds=delay), last_error_reason=failure.reason,
            last_error=failure.message[:1000], created_at=now, updated_at=now))
        return DEAD if dead else QUEUED

    def _waiting(self, conn: sa.Connection, tenant_id: str, kind: str, crm_deal_id: str) -> int | None:
        waiting = conn.execute(sa.select(order_jobs.c.id).where(
            order_jobs.c.tenant_id == tenant_id, order_jobs.c.crm_deal_id == crm_deal_id,
            order_jobs.c.kind == kind, order_jobs.c.status == QUEUED)).scalar()
        return None if waiting is None else int(waiting)

    def notify(self) -> None:
        """Tell this process's idle workers that a job is ready (after the enqueueing commit)."""
        self.ready.notify()

    # -- consuming -----------------------------------------------------------------
    def claim_batch(self, worker_id: str, limit: int) -> list[Job]:
        """Lease up to ``limit`` ready jobs in one statement: write-backs first, tenants in turn, each
        tenant's create jobs within its ERP concurrency (``app.orders.claim``)."""
        leased: list[Job] = []
        while len(leased) < limit:
            now = self.clock.now()
            params = {"now": now, "worker_id": worker_id, "token_prefix": uuid.uuid4().hex[:12],
                      "lease_until": now + timedelta(seconds=self.lease_seconds), "batch": limit - len(leased),
                      "default_cap": ERPConnector.max_concurrent_requests}
            with self.db.write() as conn:
                if self.db.is_postgres:
                    # Serialise claims (held to this transaction's end) so the running-job count each
                    # claim sees is exact: two workers cannot both take a tenant's last free slot.
                    conn.execute(_CLAIM_LOCK)
                rows = conn.execute(self._claim, params).all()
            jobs = [_job(row) for row in rows]
            leased += sorted((job for job in jobs if job.status == RUNNING), key=lambda j: (j.run_after, j.id))
            if len(jobs) == len(leased) or not jobs:
                break       # nothing was dead-lettered as "worker_lost": what we got is all there is
        return leased

    def claim(self, worker_id: str) -> Job | None:
        """Lease the next ready job (see ``claim_batch``)."""
        jobs = self.claim_batch(worker_id, 1)
        return jobs[0] if jobs else None

    def _fenced(self, conn: sa.Connection, job: Job, **values: Any) -> bool:
        values["updated_at"] = self.clock.now()
        result = conn.execute(order_jobs.update().where(
            order_jobs.c.id == job.id, order_jobs.c.lease_token == job.lease_token,
            order_jobs.c.status == RUNNING).values(**values))
        return result.rowcount == 1

    def complete(self, conn: sa.Connection, job: Job) -> bool:
        """Mark done (False when the lease was lost meanwhile)."""
        return self._fenced(conn, job, status=DONE, lease_owner=None, lease_token=None, lease_expires_at=None,
                            last_error_reason=None, last_error=None)

    def retry(self, conn: sa.Connection, job: Job, reason: str, message: str, retry_after: float | None = None) -> str:
        """Schedule another attempt after a backoff delay, or dead-letter when attempts are used up.

        Returns the new status (queued | dead), or "" when the lease was lost.
        """
        if job.attempts >= job.max_attempts:
            return self.dead_letter(conn, job, reason, f"{message} (gave up after {job.attempts} attempts)")
        delay = self.backoff.delay(job.attempts, retry_after)
        ok = self._fenced(conn, job, status=QUEUED, lease_owner=None, lease_token=None, lease_expires_at=None,
                          run_after=self.clock.now() + timedelta(seconds=delay),
                          last_error_reason=reason, last_error=message[:1000])
        return QUEUED if ok else ""

    def dead_letter(self, conn: sa.Connection, job: Job, reason: str, message: str) -> str:
        """Stop retrying; keep the reason for the admin. Returns "dead" (or "" if the lease was lost)."""
        ok = self._fenced(conn, job, status=DEAD, lease_owner=None, lease_token=None, lease_expires_at=None,
                          last_error_reason=reason, last_error=message[:1000])
        return DEAD if ok else ""

    def settle_dead(self, conn: sa.Connection, job_id: int) -> bool:
        """A dead letter whose cause an admin settled another way (e.g. cancelled the order): done, out of
        the error queue."""
        result = conn.execute(order_jobs.update().where(order_jobs.c.id == job_id, order_jobs.c.status == DEAD)
                              .values(status=DONE, updated_at=self.clock.now()))
        return result.rowcount == 1

    # -- operating -----------------------------------------------------------------
    def replay(self, job_id: int, tenant_id: str | None = None) -> Job | None:
        """Put one dead job back in the queue with fresh attempts; None when no such dead job."""
        if not 0 < job_id <= MAX_JOB_ID:
            return None
        where = [order_jobs.c.id == job_id, order_jobs.c.status == DEAD]
        if tenant_id is not None:
            where.append(order_jobs.c.tenant_id == tenant_id)
        with self.db.write() as conn:
            result = conn.execute(order_jobs.update().where(*where).values(
                status=QUEUED, attempts=0, run_after=self.clock.now(), updated_at=self.clock.now()))
            if result.rowcount != 1:
                return None
            row = conn.execute(sa.select(order_jobs).where(order_jobs.c.id == job_id)).first()
            return _job(row) if row is not None else None

    def revive(self, conn: sa.Connection, job_id: int) -> bool:
        """Requeue a dead job inside the caller's transaction (a new won event for its deal); True if it was dead."""
        now = self.clock.now()
        result = conn.execute(order_jobs.update().where(order_jobs.c.id == job_id, order_jobs.c.status == DEAD)
                              .values(status=QUEUED, attempts=0, run_after=now, updated_at=now))
        return result.rowcount == 1

    def replay_all(self, tenant_id: str | None = None) -> int:
        """Replay every dead job (of one tenant when given); returns how many."""
        where = [order_jobs.c.status == DEAD]
        if tenant_id is not None:
            where.append(order_jobs.c.tenant_id == tenant_id)
        with self.db.write() as conn:
            result = conn.execute(order_jobs.update().where(*where).values(
                status=QUEUED, attempts=0, run_after=self.clock.now(), updated_at=self.clock.now()))
            return result.rowcount

    def get(self, job_id: int) -> Job | None:
        if not 0 < job_id <= MAX_JOB_ID:
            return None
        with self.db.read() as conn:
            row = conn.execute(sa.select(order_jobs).where(order_jobs.c.id == job_id)).first()
        return _job(row) if row else None

    def list(self, *, tenant_id: str | None = None, status: str | None = None, crm_deal_id: str | None = None,
             limit: int = 100) -> list[Job]:
        """Jobs newest first, filtered by tenant/status/deal."""
        query = sa.select(order_jobs)
        if tenant_id is not None:
            query = query.where(order_jobs.c.tenant_id == tenant_id)
        if status:
            query = query.where(order_jobs.c.status == status)
        if crm_deal_id:
            query = query.where(order_jobs.c.crm_deal_id == crm_deal_id)
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(order_jobs.c.id.desc()).limit(limit)).all()
        return [_job(r) for r in rows]

    def pending_count(self) -> int:
        """Jobs not finished yet (queued or running)."""
        with self.db.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(order_jobs).where(
                order_jobs.c.status.in_((QUEUED, RUNNING)))).scalar_one())
