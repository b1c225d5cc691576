"""Exactly one ERP order and one write-back per won deal, whatever the deliveries and workers do."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from app.crm.demo.seed import DEMO_COMPANY
from app.crm.demo.webhook import build_won_webhook
from app.orders.queue import CREATE_ORDER
from app.orders.worker import Worker
from tests.fakes.demo import demo
from tests.fakes.orders import (
    add_demo_deals,
    deal_row,
    drain,
    erp_orders,
    job_statuses,
    use_naive_erp,
    won_event,
)


class Gate:
    """A SandboxFaults gate that says when the first ERP call arrived, then holds it until released."""

    def __init__(self):
        self.entered = threading.Event()
        self.release = threading.Event()

    def wait(self, timeout=None):
        self.entered.set()
        return self.release.wait(timeout)


def _run_workers(services, count: int = 4) -> None:
    """``count`` worker threads, each running jobs until the queue has nothing ready."""
    barrier = threading.Barrier(count)

    def work(n):
        barrier.wait()
        Worker(services, f"worker-{n}").drain()

    with ThreadPoolExecutor(count) as pool:
        list(pool.map(work, range(count)))


def test_50_concurrent_duplicate_webhooks_and_4_workers_make_one_order(any_db_app, clock):
    services = any_db_app.extensions["erp_panel"]
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    demo(services).store.set_status(DEMO_COMPANY, "D-2001", "won")
    body, headers = build_won_webhook(demo(services).store, DEMO_COMPANY, "D-2001", event_id="evt-dup")
    barrier = threading.Barrier(50)

    def deliver(_):
        client = any_db_app.test_client()
        barrier.wait()
        return client.post("/webhooks/demo", data=body, headers=headers).status_code

    with ThreadPoolExecutor(50) as pool:
        codes = list(pool.map(deliver, range(50)))
    assert codes.count(202) == 1 and codes.count(200) == 49
    _run_workers(services, 4)
    drain(services, clock)
    assert len(erp_orders(services, tenant, "D-2001")) == 1
    row = deal_row(services, "D-2001")
    assert row["write_back_count"] == 1 and row["erp_order_number"].startswith("SO-")


def test_four_workers_on_many_deals_create_each_order_once(any_db_services, clock):
    services = any_db_services
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    use_naive_erp(services)
    deals = add_demo_deals(services, 12)
    for deal_id in deals:
        services.orders.intake.accept(won_event(services, tenant, deal_id))
    _run_workers(services, 4)
    drain(services, clock)
    for deal_id in deals:
        assert len(erp_orders(services, tenant, deal_id)) == 1
        assert deal_row(services, deal_id)["write_back_count"] == 1


def test_overlapping_jobs_for_one_deal_are_serialised_by_the_deal_lock(services, clock, faults):
    """Even if two create jobs for one deal ran at once (replay racing a retry), the ERP gets one order."""
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    use_naive_erp(services)
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    with services.db.write() as conn:
        services.orders.queue.enqueue(conn, tenant_id=tenant.id, kind=CREATE_ORDER, crm_deal_id="D-2001",
                                      correlation_id="second-job")
    gate = Gate()
    faults.gate = gate                     # the first worker's ERP calls wait here
    first = threading.Thread(target=Worker(services, "w1").run_once)
    first.start()
    assert gate.entered.wait(10)           # w1 holds the deal lock and is inside the ERP
    faults.gate = None
    second = Worker(services, "w2").run_once()
    assert second is not None
    assert services.orders.queue.get(second.id).last_error_reason == "deal_locked"
    gate.release.set()
    first.join()
    drain(services, clock)
    assert len(erp_orders(services, tenant, "D-2001")) == 1
    assert deal_row(services, "D-2001")["write_back_count"] == 1


def test_distinct_event_ids_for_the_same_deal_make_one_order(services, clock):
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    first = services.orders.intake.accept(won_event(services, tenant, "D-2002", "evt-a"))
    second = services.orders.intake.accept(won_event(services, tenant, "D-2002", "evt-b"))
    drain(services, clock)
    clock.advance(days=3)
    third = services.orders.intake.accept(won_event(services, tenant, "D-2002", "evt-c"))
    drain(services, clock)
    assert (first.status, second.status, third.status) == ("accepted", "duplicate_deal", "duplicate_deal")
    assert len(erp_orders(services, tenant, "D-2002")) == 1
    assert deal_row(services, "D-2002")["write_back_count"] == 1
    assert job_statuses(services) == [("create_order", "D-2002", "done")]    # it wrote the number back itself
