"""Dead letters: the tenant-scoped error queue over the order job queue, and its one replay path."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.errors import NotFound
from app.ops.admin_audit import Actor
from app.orders.dead_letters import DeadLetters
from tests.fakes.order_queue import FakeJob, FakeJobQueue

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
MINE, THEIRS = "t-1", "t-2"
ADMIN = Actor("admin-7", "settings_page")


class RecordedAudit:
    """Collects what DeadLetters records (tenant, actor, action, target, after)."""

    def __init__(self):
        self.rows = []

    def record(self, tenant_id, actor, action, *, target="", before=None, after=None, detail=""):
        self.rows.append((tenant_id, actor.user_id, action, target, after))


@pytest.fixture
def queue():
    return FakeJobQueue([FakeJob(1, "t-1", "create_order", "D-1", "dead", 8, None, None, NOW),
                         FakeJob(2, "t-1", "write_back", "D-2", "dead", 3, "crm_rejected", "CRM said no", NOW),
                         FakeJob(3, "t-2", "create_order", "D-3", "dead", 8, "x", "y", NOW),
                         FakeJob(4, "t-1", "create_order", "D-4", "queued", 0, None, None, NOW)])


def test_lists_only_this_tenants_dead_jobs_newest_first(queue):
    rows = DeadLetters(queue, RecordedAudit()).list(MINE)
    assert [(r.id, r.crm_deal_id, r.reason, r.message) for r in rows] == [
        ("2", "D-2", "crm_rejected", "CRM said no"), ("1", "D-1", "unknown", "No reason was recorded.")]


def test_replay_is_scoped_and_reports_missing_jobs(queue):
    audit = RecordedAudit()
    letters = DeadLetters(queue, audit)
    letters.replay(MINE, "2", ADMIN)
    assert queue.jobs[2].status == "queued"
    for job_id in ("2", "3", "4", "abc", None, "0", "-1", str(2**80)):
        with pytest.raises(NotFound):
            letters.replay(MINE, job_id, ADMIN)
    letters.replay(THEIRS, "3", ADMIN)
    assert queue.jobs[3].status == "queued"
    # every replay that happened is an admin action of the job's own tenant; refused ones are not
    assert audit.rows == [(MINE, "admin-7", "dead_letter.replay", "job 2", {"status": "queued"}),
                          (THEIRS, "admin-7", "dead_letter.replay", "job 3", {"status": "queued"})]


def test_replay_all_records_one_action_per_tenant(queue):
    audit = RecordedAudit()
    assert sorted(DeadLetters(queue, audit).replay_all(None, ADMIN)) == [1, 2, 3]
    assert [(t, a, target) for t, _u, a, target, _after in audit.rows] == [
        (MINE, "dead_letter.replay_all", "all failed events"), (THEIRS, "dead_letter.replay_all", "all failed events")]
