"""The order pipeline under failures: crashes, ERP outages and rejections, CRM write-back errors."""
from __future__ import annotations

import pytest

from app.crm.demo.seed import DEMO_COMPANY
from app.orders.worker import Worker
from tests.fakes.demo import demo
from tests.fakes.orders import (
    assert_one_order_on_the_deal,
    deal_row,
    drain,
    erp_orders,
    install_flaky_crm,
    job_statuses,
    use_naive_erp,
    won_event,
)


class SimulatedCrash(BaseException):
    """Stands for SIGKILL: not an Exception, so the worker cannot record anything."""


@pytest.fixture
def tenant(services):
    return services.tenants.find("demo", DEMO_COMPANY)


def test_crash_after_erp_accepted_still_one_order_with_the_original_number(services, tenant, clock, faults):
    created = []

    def crash(order_number):
        created.append(order_number)
        raise SimulatedCrash()

    use_naive_erp(services)              # no help from the ERP's own lookup: the flow must find the order
    faults.after_create = crash
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    with pytest.raises(SimulatedCrash):
        Worker(services, "doomed").run_once()
    faults.after_create = None
    assert Worker(services, "survivor").run_once() is None      # the dead worker's lease still holds
    clock.advance(services.settings.worker_lease_seconds + 1)
    drain(services, clock, worker_id="survivor")
    assert [o.order_number for o in erp_orders(services, tenant, "D-2001")] == created
    row = deal_row(services, "D-2001")
    assert row["erp_order_number"] == created[0] and row["write_back_count"] == 1
    steps = [(e.step, e.outcome) for e in services.orders.audit.trail(tenant.id, crm_deal_id="D-2001")]
    assert ("erp_lookup", "found") in steps and ("order", "adopted") in steps


def test_erp_down_for_a_while_then_every_order_is_created_once(services, tenant, clock, faults):
    deals = ["D-2001", "D-2002", "D-2004"]
    for deal_id in deals:
        services.orders.intake.accept(won_event(services, tenant, deal_id))
    faults.down = True
    worker = Worker(services, "w")
    for _ in range(4):                       # several failed rounds, each backing off
        worker.drain()
        clock.advance(30)
    jobs = services.orders.queue.list(status="queued")
    assert {j.crm_deal_id for j in jobs} == set(deals)
    assert {j.last_error_reason for j in jobs} == {"erp_unavailable"}
    assert all(erp_orders(services, tenant, d) == [] for d in deals)
    faults.down = False
    drain(services, clock)
    for deal_id in deals:
        assert len(erp_orders(services, tenant, deal_id)) == 1
        assert deal_row(services, deal_id)["erp_order_number"]


def test_erp_rate_limit_retry_after_is_respected(services, tenant, clock, faults):
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    faults.fail_next(1, "rate_limited")       # sandbox answers 429 with Retry-After: 2
    job = Worker(services, "w").run_once()
    after = services.orders.queue.get(job.id)
    assert after.status == "queued" and after.last_error_reason == "erp_rate_limited"
    assert (after.run_after - clock.now()).total_seconds() >= 2


def test_erp_422_dead_letters_with_reason_and_replay_after_fix_makes_one_order(services, tenant, clock, faults):
    faults.reject_orders_reason = "Delivery date is required for customer CUST-0001"
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    drain(services, clock)
    dead = services.orders.queue.list(status="dead")
    assert [(j.kind, j.last_error_reason) for j in dead] == [("create_order", "erp_rejected")]
    assert "Delivery date is required" in dead[0].last_error
    row = deal_row(services, "D-2001")
    assert row["erp_order_number"] is None and "Delivery date is required" in row["erp_failure_reason"]
    faults.reject_orders_reason = None
    assert services.orders.queue.replay(dead[0].id, tenant.id) is not None
    drain(services, clock)
    assert_one_order_on_the_deal(services, tenant, "D-2001")


def test_crm_write_back_500s_are_retried_without_a_second_order(services, tenant, clock, faults):
    flaky = install_flaky_crm(services, 3)
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    drain(services, clock)
    assert flaky.attempts == 4
    assert faults.calls["create_order"] == 1
    assert len(erp_orders(services, tenant, "D-2001")) == 1
    assert deal_row(services, "D-2001")["write_back_count"] == 1
    assert job_statuses(services) == [("create_order", "D-2001", "done"), ("write_back", "D-2001", "done")]


def test_write_back_that_never_succeeds_is_dead_lettered_and_replay_does_not_recreate(services, tenant, clock,
                                                                                      faults):
    flaky = install_flaky_crm(services, 10_000)
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    drain(services, clock)
    dead = services.orders.queue.list(status="dead")
    assert [(j.kind, j.last_error_reason) for j in dead] == [("write_back", "crm_unavailable")]
    assert flaky.attempts == services.settings.job_max_attempts
    flaky.failures = 0
    services.orders.queue.replay_all(tenant.id)
    drain(services, clock)
    assert faults.calls["create_order"] == 1 and len(erp_orders(services, tenant, "D-2001")) == 1
    assert deal_row(services, "D-2001")["write_back_count"] == 1


def test_validation_failures_dead_letter_with_reason_codes_and_tell_the_deal(services, tenant, clock):
    for deal_id in ("D-2006", "D-2007"):      # unknown SKU; account without ERP link
        services.orders.intake.accept(won_event(services, tenant, deal_id))
    drain(services, clock)
    reasons = {j.crm_deal_id: j.last_error_reason for j in services.orders.queue.list(status="dead")}
    assert reasons == {"D-2006": "unknown_sku", "D-2007": "missing_erp_customer_link"}
    assert "SKU-9999" in deal_row(services, "D-2006")["erp_failure_reason"]
    assert "not linked to an ERP customer" in deal_row(services, "D-2007")["erp_failure_reason"]


def test_deal_reopened_before_processing_creates_no_order(services, tenant, clock):
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    demo(services).store.set_status(DEMO_COMPANY, "D-2001", "open")
    drain(services, clock)
    assert erp_orders(services, tenant, "D-2001") == []
    assert services.orders.queue.list(status="dead")[0].last_error_reason == "deal_not_won"


def test_a_new_won_event_retries_a_deal_that_was_dead_lettered(services, tenant, clock):
    services.orders.intake.accept(won_event(services, tenant, "D-2001", "evt-1"))
    demo(services).store.set_status(DEMO_COMPANY, "D-2001", "open")       # reopened before we processed it
    drain(services, clock)
    assert services.orders.queue.list(status="dead")[0].last_error_reason == "deal_not_won"
    redelivery = services.orders.intake.accept(won_event(services, tenant, "D-2001", "evt-1"))
    assert redelivery.status == "duplicate_event" and services.orders.queue.list(status="dead")
    services.orders.intake.accept(won_event(services, tenant, "D-2001", "evt-2"))  # won again: a new event
    drain(services, clock)
    assert_one_order_on_the_deal(services, tenant, "D-2001")


def test_uninstalled_tenant_dead_letters_and_never_calls_the_crm(services, tenant, clock, faults):
    flaky = install_flaky_crm(services, 0)
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    services.tenants.mark_uninstalled(tenant.id)
    drain(services, clock)
    assert [j.last_error_reason for j in services.orders.queue.list(status="dead")] == ["tenant_inactive"]
    assert flaky.attempts == 0 and faults.calls["create_order"] == 0
