"""Job queue: claim order, leases that expire, fencing by lease token, backoff, dead letters, replay."""
from __future__ import annotations

import random

import pytest

from app.orders.queue import CREATE_ORDER, JobQueue
from app.orders.retry import Backoff
from app.storage.db import Database
from app.storage.schema import upgrade


@pytest.fixture
def queue(tmp_path, clock):
    db = Database(f"sqlite:///{tmp_path}/q.sqlite3")
    upgrade(db)
    yield JobQueue(db, clock, lease_seconds=60, max_attempts=3, backoff=Backoff(2, 30, random.Random(5)))
    db.dispose()


def add(queue, deal="D-1", delay=0.0) -> int:
    with queue.db.write() as conn:
        return queue.enqueue(conn, tenant_id="t1", kind=CREATE_ORDER, crm_deal_id=deal, correlation_id="c",
                             delay=delay)


def test_claims_oldest_ready_job_once(queue):
    first, second = add(queue, "D-1"), add(queue, "D-2")
    assert add(queue, "D-3", delay=100) > 0
    a, b = queue.claim("w1"), queue.claim("w2")
    assert (a.id, b.id) == (first, second) and a.attempts == 1 and a.lease_owner == "w1"
    assert queue.claim("w3") is None         # D-3 not due, others leased


def test_expired_lease_is_reclaimed_and_the_old_owner_is_fenced_off(queue, clock):
    add(queue)
    stale = queue.claim("dead-worker")
    clock.advance(61)
    fresh = queue.claim("w2")
    assert fresh.id == stale.id and fresh.attempts == 2 and fresh.lease_token != stale.lease_token
    with queue.db.write() as conn:
        assert queue.complete(conn, stale) is False          # lost its lease: cannot finish the job
        assert queue.complete(conn, fresh) is True
    assert queue.get(fresh.id).status == "done"


def test_retry_backs_off_then_dead_letters_after_max_attempts(queue, clock):
    job_id = add(queue)
    for attempt in range(1, 4):
        job = queue.claim("w")
        assert job.attempts == attempt
        with queue.db.write() as conn:
            status = queue.retry(conn, job, "erp_unavailable", "503")
        if attempt < 3:
            after = queue.get(job_id)
            assert status == "queued" and 0 <= (after.run_after - clock.now()).total_seconds() <= 30
            clock.advance(31)
    dead = queue.get(job_id)
    assert status == "dead" and dead.status == "dead" and dead.last_error_reason == "erp_unavailable"
    assert "gave up after 3 attempts" in dead.last_error


def test_a_worker_dying_on_the_last_attempt_dead_letters_instead_of_crash_looping(queue, clock):
    job_id = add(queue)
    for _ in range(3):
        assert queue.claim("w") is not None
        clock.advance(61)
    assert queue.claim("w") is None
    assert queue.get(job_id).last_error_reason == "worker_lost"


def test_replay_gives_fresh_attempts_and_only_touches_dead_jobs(queue, clock):
    job_id = add(queue)
    job = queue.claim("w")
    with queue.db.write() as conn:
        queue.dead_letter(conn, job, "erp_rejected", "422")
    assert queue.replay(job_id, "other-tenant") is None
    replayed = queue.replay(job_id, "t1")
    assert replayed.status == "queued" and replayed.attempts == 0
    assert queue.replay(job_id, "t1") is None                # no longer dead
    assert queue.claim("w").id == job_id


def test_replay_all_and_listing(queue):
    ids = [add(queue, f"D-{i}") for i in range(3)]
    for _ in ids:
        job = queue.claim("w")
        with queue.db.write() as conn:
            queue.dead_letter(conn, job, "x", "y")
    assert [j.id for j in queue.list(status="dead")] == sorted(ids, reverse=True)
    assert queue.replay_all("t1") == 3 and queue.pending_count() == 3

