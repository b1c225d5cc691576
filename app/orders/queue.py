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

import sqlalchemy as sa

from app.clock import Clock
from app.orders.retry import Backoff
from app.orders.tables import order_jobs
from app.storage.db import Database

#: job ids are sa.Integer: INTEGER (32-bit) on PostgreSQL, whose driver refuses a larger value with an
#: error; nothing larger can name a job on either backend
MAX_JOB_ID = 2**31 - 1

QUEUED, RUNNING, DONE, DEAD = "queued", "running", "done", "dead"
CREATE_ORDER, WRITE_BACK = "create_order", "write_back"


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


def _job(row) -> Job:
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

    # -- producing -----------------------------------------------------------------
    def enqueue(self, conn, *, tenant_id: str, kind: str, crm_deal_id: str, correlation_id: str,
                event_id: str = "", delay: float = 0.0) -> int:
        """Add a job inside the caller's transaction; returns its id."""
        now = self.clock.now()
        result = conn.execute(order_jobs.insert().values(
            tenant_id=tenant_id, kind=kind, crm_deal_id=crm_deal_id, event_id=event_id,
            correlation_id=correlation_id, status=QUEUED, attempts=0, max_attempts=self.max_attempts,
            run_after=now + timedelta(seconds=delay), created_at=now, updated_at=now))
        return int(result.inserted_primary_key[0])

    def enqueue_once(self, conn, *, tenant_id: str, kind: str, crm_deal_id: str, correlation_id: str) -> int:
        """Enqueue unless a job of this kind for the deal is still waiting (it will read current state)."""
        waiting = conn.execute(sa.select(order_jobs.c.id).where(
            order_jobs.c.tenant_id == tenant_id, order_jobs.c.crm_deal_id == crm_deal_id,
            order_jobs.c.kind == kind, order_jobs.c.status == QUEUED)).scalar()
        if waiting is not None:
            return int(waiting)
        return self.enqueue(conn, tenant_id=tenant_id, kind=kind, crm_deal_id=crm_deal_id,
                            correlation_id=correlation_id)

    # -- consuming -----------------------------------------------------------------
    def claim(self, worker_id: str) -> Job | None:
        """Lease the oldest ready job (queued and due, or running with an expired lease)."""
        now = self.clock.now()
        ready = sa.or_(sa.and_(order_jobs.c.status == QUEUED, order_jobs.c.run_after <= now),
                       sa.and_(order_jobs.c.status == RUNNING, order_jobs.c.lease_expires_at <= now))
        while True:
            with self.db.write() as conn:
                row = conn.execute(sa.select(order_jobs).where(ready)
                                   .order_by(order_jobs.c.run_after, order_jobs.c.id).limit(1)
                                   .with_for_update(skip_locked=True)).first()
                if row is None:
                    return None
                if row.status == RUNNING and row.attempts >= row.max_attempts:
                    # A worker died on the last allowed attempt: stop here instead of crash-looping.
                    conn.execute(order_jobs.update().where(order_jobs.c.id == row.id).values(
                        status=DEAD, lease_owner=None, lease_token=None, lease_expires_at=None,
                        last_error_reason="worker_lost",
                        last_error="The worker processing this job stopped responding on its last attempt",
                        updated_at=now))
                    continue
                token = uuid.uuid4().hex
                conn.execute(order_jobs.update().where(order_jobs.c.id == row.id).values(
                    status=RUNNING, attempts=row.attempts + 1, lease_owner=worker_id, lease_token=token,
                    lease_expires_at=now + timedelta(seconds=self.lease_seconds), updated_at=now))
                claimed = conn.execute(sa.select(order_jobs).where(order_jobs.c.id == row.id)).first()
                return _job(claimed)

    def _fenced(self, conn, job: Job, **values) -> bool:
        values["updated_at"] = self.clock.now()
        result = conn.execute(order_jobs.update().where(
            order_jobs.c.id == job.id, order_jobs.c.lease_token == job.lease_token,
            order_jobs.c.status == RUNNING).values(**values))
        return result.rowcount == 1

    def complete(self, conn, job: Job) -> bool:
        """Mark done (False when the lease was lost meanwhile)."""
        return self._fenced(conn, job, status=DONE, lease_owner=None, lease_token=None, lease_expires_at=None,
                            last_error_reason=None, last_error=None)

    def retry(self, conn, job: Job, reason: str, message: str, retry_after: float | None = None) -> str:
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

    def dead_letter(self, conn, job: Job, reason: str, message: str) -> str:
        """Stop retrying; keep the reason for the admin. Returns "dead" (or "" if the lease was lost)."""
        ok = self._fenced(conn, job, status=DEAD, lease_owner=None, lease_token=None, lease_expires_at=None,
                          last_error_reason=reason, last_error=message[:1000])
        return DEAD if ok else ""

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
            return _job(conn.execute(sa.select(order_jobs).where(order_jobs.c.id == job_id)).first())

    def revive(self, conn, job_id: int) -> bool:
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
                order_jobs.c.status.in_((QUEUED, RUNNING)))).scalar())
