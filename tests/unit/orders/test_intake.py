"""Intake: inbox row + job in one transaction, atomic dedupe on event id and on (tenant, deal)."""
from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.domain.events import DealWon
from app.orders.intake import ACCEPTED, DUPLICATE_DEAL, DUPLICATE_EVENT, InvalidEvent
from app.orders.tables import order_inbox, order_jobs, order_records


def won(tenant_id: str, deal: str = "D-2001", event: str = "evt-1") -> DealWon:
    return DealWon(tenant_id=tenant_id, crm_deal_id=deal, event_id=event,
                   occurred_at=datetime(2026, 11, 23, 11, 59, tzinfo=UTC), crm="demo")


def count(services, table) -> int:
    with services.db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def test_wiring_installs_intake_and_orders(services):
    assert services.orders.intake is not None
    assert services.orders.queue is not None and services.orders.flow is not None
    assert services.orders.audit is not None


def test_accept_stores_event_and_enqueues_one_job(services, demo_tenant):
    result = services.orders.intake.accept(won(demo_tenant.id))
    assert result.status == ACCEPTED and result.job_id is not None
    job = services.orders.queue.get(result.job_id)
    assert (job.kind, job.status, job.crm_deal_id, job.event_id) == ("create_order", "queued", "D-2001", "evt-1")
    assert job.correlation_id == result.correlation_id
    record = services.orders.records.get(demo_tenant.id, "D-2001")
    assert record.state == "queued" and record.idempotency_key.startswith("CRM-")
    steps = services.orders.audit.trail(demo_tenant.id, event_id="evt-1")
    assert [(s.step, s.outcome) for s in steps] == [("intake", "accepted")]


def test_same_event_twice_is_a_duplicate_event(services, demo_tenant):
    first = services.orders.intake.accept(won(demo_tenant.id))
    again = services.orders.intake.accept(won(demo_tenant.id))
    assert again.status == DUPLICATE_EVENT and again.job_id == first.job_id
    assert count(services, order_jobs) == 1 and count(services, order_inbox) == 1


def test_second_event_for_same_deal_is_a_duplicate_deal(services, demo_tenant):
    first = services.orders.intake.accept(won(demo_tenant.id, event="evt-1"))
    other = services.orders.intake.accept(won(demo_tenant.id, event="evt-2"))
    assert other.status == DUPLICATE_DEAL and other.job_id == first.job_id
    assert count(services, order_jobs) == 1
    outcomes = [s.outcome for s in services.orders.audit.trail(demo_tenant.id, crm_deal_id="D-2001")]
    assert outcomes == ["accepted", "duplicate_deal"]


def test_same_ids_in_another_tenant_are_independent(services, demo_tenant):
    other = services.tenants.upsert_tenant("demo", "other-company", "Other")
    assert services.orders.intake.accept(won(demo_tenant.id)).status == ACCEPTED
    assert services.orders.intake.accept(won(other.id)).status == ACCEPTED
    assert count(services, order_jobs) == 2 and count(services, order_records) == 2


def test_event_without_ids_is_refused_and_nothing_stored(services, demo_tenant):
    with pytest.raises(InvalidEvent):
        services.orders.intake.accept(won(demo_tenant.id, event=""))
    assert count(services, order_inbox) == 0 and count(services, order_jobs) == 0


def test_concurrent_duplicates_create_exactly_one_job(services, demo_tenant):
    barrier = threading.Barrier(10)
    results = []

    def deliver(i):
        barrier.wait()
        results.append(services.orders.intake.accept(won(demo_tenant.id, event=f"evt-{i % 3}")).status)

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(ACCEPTED) == 1
    assert count(services, order_jobs) == 1
