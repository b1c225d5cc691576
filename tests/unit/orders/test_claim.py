"""The claim: write-backs first, tenants in turn, each tenant's create jobs within its ERP concurrency,
counted across worker instances. On SQLite and (marked) PostgreSQL."""
from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from cryptography.fernet import Fernet

from app.orders.claim import jobs_at_once, reads_at_once
from app.orders.queue import CREATE_ORDER, WRITE_BACK, JobQueue
from app.orders.retry import Backoff
from app.storage.crypto import SecretBox
from app.storage.db import Database
from app.storage.schema import upgrade
from app.tenants.store import TenantStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("pg_url")
    return f"sqlite:///{tmp_path}/claim.sqlite3"


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def queue(db, clock):
    return JobQueue(db, clock, lease_seconds=60, max_attempts=3, backoff=Backoff(2, 30, random.Random(5)))


@pytest.fixture
def tenants(db, clock):
    return TenantStore(db, SecretBox([Fernet.generate_key().decode()]), clock)


def tenant(tenants, key: str, *, connector: str | None = "sandbox", cap: str | None = None) -> str:
    """A tenant whose ERP connection uses ``connector``, with its "concurrent ERP requests" setting ``cap``."""
    tenant_id = tenants.upsert_tenant("demo", key, key).id
    if connector is not None:
        tenants.save_erp_connection(tenant_id, connector, {"max_concurrent_requests": cap} if cap else {})
    return tenant_id


def add(queue, clock, tenant_id: str, count: int = 1, kind: str = CREATE_ORDER) -> list[int]:
    ids = []
    for _ in range(count):
        with queue.db.write() as conn:
            ids.append(queue.enqueue(conn, tenant_id=tenant_id, kind=kind, crm_deal_id=f"D-{len(ids)}",
                                     correlation_id="c"))
        clock.advance(1)                    # distinct ages: "oldest first" is observable
    return ids


def test_one_tenants_burst_does_not_starve_another(queue, tenants, clock):
    burst, quiet = tenant(tenants, "burst"), tenant(tenants, "quiet")
    add(queue, clock, burst, 30)
    [late] = add(queue, clock, quiet)                       # arrives after the whole burst
    batch = queue.claim_batch("w", 4)
    assert [j.tenant_id for j in batch].count(quiet) == 1 and late in {j.id for j in batch}
    assert queue.claim("w").tenant_id == burst              # then the burst goes on


def test_tenants_take_turns_oldest_job_first(queue, tenants, clock):
    a, b, c = (tenant(tenants, key) for key in "abc")
    jobs = {t: add(queue, clock, t, 3) for t in (a, b, c)}
    batch = queue.claim_batch("w", 6)
    assert sorted(j.id for j in batch) == sorted(jobs[a][:2] + jobs[b][:2] + jobs[c][:2])


def test_write_backs_are_claimed_before_new_orders(queue, tenants, clock):
    a = tenant(tenants, "a")
    add(queue, clock, a, 5)
    [retry] = add(queue, clock, a, kind=WRITE_BACK)          # a deal already in the ERP waits for its number
    assert queue.claim("w").id == retry


def test_create_jobs_of_a_tenant_stay_within_its_erp_concurrency(queue, tenants, clock):
    capped, free = tenant(tenants, "capped", cap="6"), tenant(tenants, "free")   # 6 requests: 2 jobs of 3 reads
    add(queue, clock, capped, 5)
    add(queue, clock, free, 5)
    batch = queue.claim_batch("w", 20)
    assert Counter(j.tenant_id for j in batch) == {capped: 2, free: 5}
    assert queue.claim_batch("w", 20) == []
    with queue.db.write() as conn:
        queue.complete(conn, next(j for j in batch if j.tenant_id == capped))
    assert [j.tenant_id for j in queue.claim_batch("w", 20)] == [capped]        # a slot came free


def test_a_killed_workers_expired_lease_frees_its_slot(queue, tenants, clock):
    capped = tenant(tenants, "capped", cap="3")                                  # one job at a time
    add(queue, clock, capped, 2)
    assert len(queue.claim_batch("w", 5)) == 1
    clock.advance(61)                                                           # its worker died: lease expired
    again = queue.claim_batch("w", 5)
    assert len(again) == 1 and again[0].attempts == 2                           # the same job, taken over


def test_write_backs_are_not_capped(queue, tenants, clock):
    capped = tenant(tenants, "capped", cap="3")
    add(queue, clock, capped, 3)
    add(queue, clock, capped, 3, kind=WRITE_BACK)
    assert Counter(j.kind for j in queue.claim_batch("w", 10)) == {WRITE_BACK: 3, CREATE_ORDER: 1}


@pytest.mark.parametrize("connector,cap,expected", [
    ("erpnext", None, 2),           # the connector's own default: 8 requests
    ("sandbox", None, 85),          # simulated ERP: 256 requests
    (None, None, 2),                # no connection yet (the job will say so): the base default
    ("sandbox", "abc", 85),         # hand-edited nonsense falls back to the default, never breaks the claim
    ("sandbox", "0", 85),
    ("sandbox", "5000", 85),
    ("sandbox", "1", 1),
])
def test_cap_comes_from_the_setting_else_the_connectors_default(queue, tenants, clock, connector, cap, expected):
    t = tenant(tenants, "t", connector=connector, cap=cap)
    add(queue, clock, t, 90)
    assert len(queue.claim_batch("w", 100)) == expected


def test_jobs_and_reads_at_once_for_a_cap():
    assert [jobs_at_once(n) for n in (1, 2, 3, 5, 6, 15)] == [1, 1, 1, 1, 2, 5]
    assert [reads_at_once(n) for n in (1, 2, 3, 8)] == [1, 2, 3, 3]


@pytest.mark.postgres
def test_two_worker_instances_share_a_tenants_cap(pg_url, clock):
    """Two engines (like two worker processes) racing to claim never run more than the tenant's cap."""
    dbs = [Database(pg_url) for _ in range(2)]
    upgrade(dbs[0])
    queues = [JobQueue(d, clock, lease_seconds=60, max_attempts=3) for d in dbs]
    tenants = TenantStore(dbs[0], SecretBox([Fernet.generate_key().decode()]), clock)
    capped = tenant(tenants, "capped", cap="9")                                  # 3 jobs at once
    add(queues[0], clock, capped, 40)
    claimed: list = []
    for _round in range(10):
        start = threading.Barrier(8)

        def race(n, start=start):
            start.wait()
            claimed.extend(queues[n % 2].claim_batch(f"instance-{n % 2}", 2))

        threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(claimed) == 3                                                # never 4, whoever asked
        with dbs[1].write() as conn:
            for job in claimed:
                queues[1].complete(conn, job)
        claimed.clear()
    for d in dbs:
        d.dispose()
