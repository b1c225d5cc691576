"""Dead letters: the tenant-scoped error queue over the order job queue, and its one replay path."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.errors import NotFound
from app.orders.dead_letters import DeadLetters
from tests.fakes.order_queue import FakeJob, FakeJobQueue

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
MINE, THEIRS = "t-1", "t-2"


@pytest.fixture
def queue():
    return FakeJobQueue([FakeJob(1, "t-1", "create_order", "D-1", "dead", 8, None, None, NOW),
                         FakeJob(2, "t-1", "write_back", "D-2", "dead", 3, "crm_rejected", "CRM said no", NOW),
                         FakeJob(3, "t-2", "create_order", "D-3", "dead", 8, "x", "y", NOW),
                         FakeJob(4, "t-1", "create_order", "D-4", "queued", 0, None, None, NOW)])


def test_lists_only_this_tenants_dead_jobs_newest_first(queue):
    rows = DeadLetters(queue).list(MINE)
    assert [(r.id, r.crm_deal_id, r.reason, r.message) for r in rows] == [
        ("2", "D-2", "crm_rejected", "CRM said no"), ("1", "D-1", "unknown", "No reason was recorded.")]


def test_replay_is_scoped_and_reports_missing_jobs(queue):
    letters = DeadLetters(queue)
    letters.replay(MINE, "2")
    assert queue.jobs[2].status == "queued"
    for job_id in ("2", "3", "4", "abc", None, "0", "-1", str(2**80)):
        with pytest.raises(NotFound):
            letters.replay(MINE, job_id)
    letters.replay(THEIRS, "3")
    assert queue.jobs[3].status == "queued"
