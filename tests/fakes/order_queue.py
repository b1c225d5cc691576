"""An in-memory stand-in for the order pipeline's job queue (list + replay), for admin tests.

Follows the interface of app.orders.queue.JobQueue used by the error queue:
``list(tenant_id=, status=, limit=)`` newest first and ``replay(job_id, tenant_id=)``
returning None when there is no such dead job of that tenant.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True)
class FakeJob:
    id: int
    tenant_id: str
    kind: str
    crm_deal_id: str
    status: str
    attempts: int
    last_error_reason: str | None
    last_error: str | None
    updated_at: datetime


class FakeJobQueue:
    def __init__(self, jobs: list[FakeJob]):
        self.jobs = {job.id: job for job in jobs}

    def list(self, *, tenant_id=None, status=None, limit=100):
        jobs = [j for j in self.jobs.values() if (tenant_id is None or j.tenant_id == tenant_id)
                and (status is None or j.status == status)]
        return sorted(jobs, key=lambda j: j.id, reverse=True)[:limit]

    def replay(self, job_id, tenant_id=None):
        if not -2**63 <= job_id < 2**63:       # like the SQLite/PostgreSQL drivers
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        job = self.jobs.get(job_id)
        if job is None or job.status != "dead" or (tenant_id is not None and job.tenant_id != tenant_id):
            return None
        self.jobs[job_id] = replace(job, status="queued", attempts=0)
        return self.jobs[job_id]
