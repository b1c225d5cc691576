"""Dead letters: order jobs the pipeline gave up on, with their reasons, and the one way to replay them.

The settings page's error queue, the admin API and ``erp-panel jobs replay`` all go through
:class:`DeadLetters`, always scoped to one tenant when an admin asks (an admin can neither see nor
replay another installation's events). A job that is not (or no longer) dead is reported with one
reason code, ``dead_letter_not_found``. Every replay is an admin action in the admin audit, by the
actor the caller verified.
"""
from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime

from app.errors import NotFound
from app.ops.admin_audit import Actor, AdminAuditLog
from app.orders.queue import DEAD, MAX_JOB_ID, JobQueue

MAX_SHOWN = 100
#: how many dead letters one "replay all" puts back at most
MAX_REPLAY = 10_000


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
    """Read and replay dead-lettered jobs."""

    def __init__(self, queue: JobQueue, audit: AdminAuditLog):
        self.queue = queue
        self.audit = audit

    def list(self, tenant_id: str) -> builtins.list[DeadLetter]:
        """The tenant's dead letters, newest first."""
        jobs = self.queue.list(tenant_id=tenant_id, status=DEAD, limit=MAX_SHOWN)
        return [DeadLetter(id=str(job.id), crm_deal_id=job.crm_deal_id, kind=job.kind,
                           reason=job.last_error_reason or "unknown",
                           message=job.last_error or "No reason was recorded.",
                           attempts=job.attempts, failed_at=job.updated_at) for job in jobs]

    def replay(self, tenant_id: str | None, dead_letter_id: object, actor: Actor) -> int:
        """Queue one dead letter (of this tenant; any tenant for ``None``) again with fresh attempts;
        NotFound (``dead_letter_not_found``) when it is not, or no longer, dead."""
        try:
            job_id = int(str(dead_letter_id))
        except ValueError:
            job_id = 0
        job = self.queue.replay(job_id, tenant_id) if 0 < job_id <= MAX_JOB_ID else None
        if job is None:
            raise NotFound("This failed event is no longer in the error queue (it may have been replayed "
                           "already).", reason="dead_letter_not_found")
        self.audit.record(job.tenant_id, actor, "dead_letter.replay", target=f"job {job_id}",
                          before={"status": DEAD, "deal": job.crm_deal_id}, after={"status": job.status})
        return job_id

    def replay_all(self, tenant_id: str | None, actor: Actor) -> builtins.list[int]:
        """Queue every dead letter (of this tenant; of all for ``None``) again; returns their job ids."""
        dead = self.queue.list(tenant_id=tenant_id, status=DEAD, limit=MAX_REPLAY)
        replayed = [job for job in dead if self.queue.replay(job.id, tenant_id) is not None]
        owners: set[str | None] = {job.tenant_id for job in replayed} or {tenant_id}
        for owner in sorted(owners, key=str):
            ids = [job.id for job in replayed if job.tenant_id == owner]
            self.audit.record(owner, actor, "dead_letter.replay_all", target="all failed events",
                              after={"job_ids": ids[:100]}, detail=f"{len(ids)} failed events queued again")
        return [job.id for job in replayed]
