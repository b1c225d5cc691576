"""A tenant's error queue as the settings page shows it: dead-lettered order jobs and replay.

Wraps the order pipeline's job queue (``services.orders.queue`` from app.orders.wiring:
``list(tenant_id=, status="dead")`` and ``replay(job_id, tenant_id=)``), always scoped to
one tenant so an admin can neither see nor replay another installation's events.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.errors import NotFound
from app.orders.queue import MAX_JOB_ID

DEAD = "dead"
MAX_SHOWN = 100


@dataclass(frozen=True)
class DeadLetter:
    """One event the order flow gave up on, with the reason it recorded."""

    id: str
    crm_deal_id: str
    kind: str
    reason: str
    message: str
    attempts: int
    failed_at: datetime | None


class DeadLetters:
    """Tenant-scoped read and replay of dead-lettered jobs."""

    def __init__(self, queue):
        self.queue = queue

    def list(self, tenant) -> list[DeadLetter]:
        """The tenant's dead letters, newest first."""
        jobs = self.queue.list(tenant_id=tenant.id, status=DEAD, limit=MAX_SHOWN)
        return [DeadLetter(id=str(job.id), crm_deal_id=job.crm_deal_id, kind=job.kind,
                           reason=job.last_error_reason or "unknown",
                           message=job.last_error or "No reason was recorded.",
                           attempts=job.attempts, failed_at=job.updated_at) for job in jobs]

    def replay(self, tenant, dead_letter_id: str) -> None:
        """Queue one of the tenant's dead letters again; NotFound when it is not (or no longer) dead."""
        try:
            job_id = int(dead_letter_id)
        except (TypeError, ValueError):
            job_id = None
        if job_id is None or not 0 < job_id <= MAX_JOB_ID or self.queue.replay(job_id, tenant_id=tenant.id) is None:
            raise NotFound("This failed event is no longer in the error queue (it may have been replayed "
                           "already).", reason="dead_letter_not_found")
