"""What an order costs the ERP: one call per kind, the reads at once, credit reused while seconds old;
and the number reaching the deal in the same job, with a failed write-back retried ahead of new orders."""
from __future__ import annotations

import threading
from concurrent.futures import Executor

import pytest

from app.crm.demo.seed import DEMO_COMPANY
from app.crm.demo.tables import demo_deals
from app.orders.reads import OrderReads
from app.orders.worker import Worker
from tests.fakes.orders import (
    add_demo_deals,
    deal_row,
    drain,
    erp_orders,
    install_flaky_crm,
    job_statuses,
    won_event,
)


@pytest.fixture
def tenant(services):
    return services.tenants.find("demo", DEMO_COMPANY)


def test_an_order_asks_the_erp_once_per_kind(services, tenant, clock, faults):
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))      # two lines, one batched item read
    assert Worker(services, "w").drain() == 1
    assert dict(faults.calls) == {"find_order": 1, "find_items": 1, "get_credit": 1, "create_order": 1}
    assert deal_row(services, "D-2001")["erp_order_number"] == erp_orders(services, tenant, "D-2001")[0].order_number


def test_credit_read_seconds_ago_is_reused_then_read_again(services, tenant, clock, faults):
    [later] = add_demo_deals(services, 1)                              # ACC-1001 as well
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))      # ACC-1001 -> CUST-0001
    Worker(services, "w").drain()
    clock.advance(services.settings.order_credit_max_age)
    services.orders.intake.accept(won_event(services, tenant, "D-2008"))      # same customer, 10 s later
    Worker(services, "w").drain()
    assert faults.calls["get_credit"] == 1
    steps = [(e.step, e.detail) for e in services.orders.audit.trail(tenant.id, crm_deal_id="D-2008")]
    assert ("validate", "credit read at most 10 s ago reused") in steps
    clock.advance(1)                                                   # now 11 s since the read
    services.orders.intake.accept(won_event(services, tenant, later))
    Worker(services, "w").drain()
    assert faults.calls["get_credit"] == 2
    assert all(deal_row(services, d)["erp_order_number"] for d in ("D-2001", "D-2008", later))


def test_the_panels_fresh_credit_serves_the_order_check(services, tenant, clock, faults):
    services.panel.read(tenant, "ACC-1001")                           # a rep just opened the account
    assert faults.calls["get_credit"] == 1
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    Worker(services, "w").drain()
    assert faults.calls["get_credit"] == 1 and deal_row(services, "D-2001")["erp_order_number"]


def test_an_old_credit_read_is_not_trusted(services, tenant, clock, faults):
    services.panel.read(tenant, "ACC-1001")
    clock.advance(services.settings.order_credit_max_age + 1)         # still fresh for the panel (5 min)...
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    Worker(services, "w").drain()
    assert faults.calls["get_credit"] == 2                            # ...but too old to approve an order


def test_the_order_lookup_items_and_credit_are_read_at_once(services, tenant, faults):
    faults.gate = gate = threading.Event()                            # ERP calls wait here until released
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    worker = threading.Thread(target=Worker(services, "w").run_once)
    worker.start()
    assert faults.wait_for_calls(3)                                   # all three in flight together
    assert dict(faults.calls) == {"find_order": 1, "find_items": 1, "get_credit": 1}
    gate.set()
    worker.join(10)
    assert deal_row(services, "D-2001")["erp_order_number"]


class NoThreads(Executor):
    def submit(self, fn, /, *args, **kwargs):
        raise AssertionError("a tenant capped at one request at a time must not read in parallel")


def test_a_tenant_capped_at_one_request_reads_one_at_a_time(services, tenant):
    reads = OrderReads(NoThreads(), services.panel, credit_max_age=10)
    erp, fingerprint = services.erp.connector_for(tenant)
    facts = reads.gather(erp, tenant=tenant, fingerprint=fingerprint, key="CRM-X", item_codes=["SKU-1001"],
                         customer_id="CUST-0001", at_once=1)
    assert facts.existing is None and facts.items["SKU-1001"].sellable and facts.credit.customer_id == "CUST-0001"


def test_the_order_job_writes_the_number_back_itself(services, tenant, clock):
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    assert Worker(services, "w").drain() == 1                         # one job: no second trip through the queue
    assert job_statuses(services) == [("create_order", "D-2001", "done")]
    assert services.orders.records.get(tenant.id, "D-2001").state == "written_back"
    assert deal_row(services, "D-2001")["write_back_count"] == 1


def test_a_failed_write_back_is_retried_ahead_of_new_orders(services, tenant, clock, faults):
    flaky = install_flaky_crm(services, 1)
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    Worker(services, "w").run_once()                                  # order created; the CRM answered 500
    [retry] = services.orders.queue.list(status="queued")
    assert (retry.kind, retry.attempts, retry.last_error_reason) == ("write_back", 1, "crm_unavailable")
    assert services.orders.records.get(tenant.id, "D-2001").state == "created"
    for deal_id in ("D-2002", "D-2004", "D-2005"):                    # a backlog of new won deals
        services.orders.intake.accept(won_event(services, tenant, deal_id))
    clock.set(retry.run_after)
    assert Worker(services, "w").run_once().id == retry.id            # the waiting deal goes first
    assert flaky.attempts == 2 and deal_row(services, "D-2001")["write_back_count"] == 1
    drain(services, clock)
    assert faults.calls["create_order"] == 4


class SimulatedCrash(BaseException):
    """Stands for SIGKILL: not an Exception, so the worker cannot record anything."""


def test_an_order_created_before_the_deal_vanished_from_the_crm_is_still_recorded(services, tenant, clock, faults):
    def crash(_number):
        raise SimulatedCrash()

    faults.after_create = crash
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    with pytest.raises(SimulatedCrash):
        Worker(services, "doomed").run_once()               # the ERP has the order; we recorded nothing
    faults.after_create = None
    with services.db.write() as conn:                        # then someone deletes the deal in the CRM
        conn.execute(demo_deals.delete().where(demo_deals.c.id == "D-2001"))
    clock.advance(services.settings.worker_lease_seconds + 1)
    drain(services, clock)
    [order] = erp_orders(services, tenant, "D-2001")
    record = services.orders.records.get(tenant.id, "D-2001")
    assert (record.state, record.erp_order_number) == ("created", order.order_number)    # adopted, not "failed"
    assert [j.kind for j in services.orders.queue.list(status="dead")] == ["write_back"]  # nowhere to write it
