"""Order workers as separate processes on PostgreSQL: many job threads each, exactly one order per deal,
and a job enqueued by one process wakes another process's idle worker at once (LISTEN/NOTIFY).

Each "process" is its own service graph (engine, queue, caches) in this test process, like
test_scale_out's web processes; they share only the database, as real worker processes do.
"""
from __future__ import annotations

import threading

import pytest

from app import create_app
from app.crm.demo.seed import DEMO_COMPANY
from app.orders.worker import WorkerPool
from tests.fakes.orders import add_demo_deals, deal_row, erp_orders, use_naive_erp, wait_for, won_event

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_processes(base_config, pg_url, clock, faults, request):
    config = {**base_config, "database_url": pg_url, **getattr(request, "param", {})}
    apps = [create_app(config, clock=clock, sandbox_faults=faults) for _ in range(2)]
    yield [a.extensions["erp_panel"] for a in apps]
    for a in apps:
        a.extensions["erp_panel"].close()


def _run(pool: WorkerPool) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=pool.run, args=(stop,), daemon=True)
    thread.start()
    return thread, stop


def _stop(*running: tuple[threading.Thread, threading.Event]) -> None:
    for _, stop in running:
        stop.set()
    for thread, _ in running:
        thread.join(30)
        assert not thread.is_alive()


def test_two_worker_processes_with_many_threads_create_each_order_once(two_processes, faults):
    web, other = two_processes
    for services in two_processes:
        use_naive_erp(services)             # the ERP stores a second order happily: only the flow prevents it
    tenant = web.tenants.find("demo", DEMO_COMPANY)
    deals = add_demo_deals(web, 40)
    pools = [WorkerPool(services, threads=8, worker_id=f"process-{n}") for n, services in enumerate(two_processes)]
    faults.gate = gate = threading.Event()
    running = [_run(pool) for pool in pools]
    for n, deal_id in enumerate(deals):     # every event delivered twice, to either process's intake
        event = won_event(web, tenant, deal_id, f"evt-{deal_id}")
        assert two_processes[n % 2].orders.intake.accept(event).status == "accepted"
        assert two_processes[(n + 1) % 2].orders.intake.accept(event).status == "duplicate_event"
    assert faults.wait_for_calls(16 * 3)    # both processes' 8 threads inside the ERP at once
    gate.set()
    assert wait_for(pools[0], lambda: web.orders.queue.pending_count() == 0)
    _stop(*running)
    for deal_id in deals:
        assert len(erp_orders(web, tenant, deal_id)) == 1
        assert deal_row(web, deal_id)["write_back_count"] == 1
    assert pools[0].finished.generation() > 0 and pools[1].finished.generation() > 0
    assert other.orders.queue.list(status="dead") == []


@pytest.mark.parametrize("two_processes", [{"worker_poll_interval": 60}], indirect=True)
def test_a_job_from_another_process_wakes_an_idle_worker_at_once(two_processes):
    web, worker = two_processes
    tenant = web.tenants.find("demo", DEMO_COMPANY)
    pool = WorkerPool(worker, threads=2, worker_id="idle-worker")
    seen = worker.orders.queue.ready.generation()
    running = _run(pool)
    # the worker announces itself once its LISTEN is in place (work may have arrived meanwhile)
    assert worker.orders.queue.ready.wait(seen, 20) != seen
    web.orders.intake.accept(won_event(web, tenant, "D-2001"))           # a web process; the poll is 60 s away
    assert wait_for(pool, lambda: bool(deal_row(web, "D-2001")["erp_order_number"]), timeout=20)
    _stop(running)
