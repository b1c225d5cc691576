"""Per-tenant policies of the order flow: shadow mode, credit hold, field mapping, status translations."""
from __future__ import annotations

import dataclasses

import pytest

from app.crm.demo.seed import DEMO_COMPANY
from app.orders.worker import Worker
from tests.fakes.orders import deal_row, drain, erp_orders, won_event


@pytest.fixture
def tenant(services):
    return services.tenants.find("demo", DEMO_COMPANY)


def _configure(services, tenant, **changes):
    settings = dataclasses.replace(tenant.settings, **changes)
    services.tenants.save_settings(tenant.id, settings)
    return services.tenants.get(tenant.id)


def test_shadow_mode_records_the_order_and_write_back_but_writes_nothing(services, tenant, clock, faults):
    _configure(services, tenant, shadow_mode=True)
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    drain(services, clock)
    assert faults.calls["create_order"] == 0 and erp_orders(services, tenant, "D-2001") == []
    row = deal_row(services, "D-2001")
    assert row["write_back_count"] == 0 and row["erp_order_number"] is None
    record = services.orders.records.get(tenant.id, "D-2001")
    assert record.state == "shadow"
    assert record.shadow_order["customer_id"] == "CUST-0001"
    assert record.shadow_order["idempotency_key"] == record.idempotency_key
    assert [ln["item_code"] for ln in record.shadow_order["lines"]] == ["SKU-1001", "SKU-1003"]
    assert record.shadow_write_back["status_text"] == "Open"


def test_shadow_mode_records_the_failure_it_would_write(services, tenant, clock):
    _configure(services, tenant, shadow_mode=True)
    services.orders.intake.accept(won_event(services, tenant, "D-2007"))
    drain(services, clock)
    record = services.orders.records.get(tenant.id, "D-2007")
    assert record.state == "shadow" and record.failure_reason == "missing_erp_customer_link"
    assert "not linked" in record.shadow_write_back["failure_reason"]
    assert deal_row(services, "D-2007")["write_back_count"] == 0


def test_credit_hold_block_policy_refuses_the_order(services, tenant, clock):
    services.orders.intake.accept(won_event(services, tenant, "D-2003"))      # CUST-0004 is on hold in the sandbox
    drain(services, clock)
    assert erp_orders(services, tenant, "D-2003") == []
    row = deal_row(services, "D-2003")
    assert row["erp_order_status"] == "Blocked: customer on credit hold"
    assert "credit hold" in row["erp_failure_reason"]


def test_credit_hold_create_and_flag_creates_and_flags(services, tenant, clock):
    _configure(services, tenant, credit_hold_policy="create_and_flag")
    services.orders.intake.accept(won_event(services, tenant, "D-2003"))
    drain(services, clock)
    assert len(erp_orders(services, tenant, "D-2003")) == 1
    row = deal_row(services, "D-2003")
    assert row["erp_order_number"] and "credit hold" in row["erp_order_status"]
    assert services.orders.records.get(tenant.id, "D-2003").credit_flagged


def test_status_text_comes_from_the_tenants_translation_table(services, tenant, clock):
    translations = dict(tenant.settings.status_translations, open="Offen")
    _configure(services, tenant, status_translations=translations)
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    drain(services, clock)
    assert deal_row(services, "D-2001")["erp_order_status"] == "Offen"


def test_field_mapping_and_correlation_id_reach_the_erp(services, tenant, clock):
    _configure(services, tenant, field_mapping={"title": "account.name", "channel": "literal:crm"})
    accepted = services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    drain(services, clock)
    [order] = erp_orders(services, tenant, "D-2001")
    assert order.correlation_id == accepted.correlation_id


def test_bad_field_mapping_is_a_clear_dead_letter(services, tenant, clock):
    _configure(services, tenant, field_mapping={"title": "deal.nonsense"})
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    drain(services, clock)
    [dead] = services.orders.queue.list(status="dead")
    assert dead.last_error_reason == "invalid_field_mapping" and "deal.nonsense" in dead.last_error


def test_credit_flag_survives_a_crash_after_the_erp_created_the_order(services, tenant, clock, faults):
    _configure(services, tenant, credit_hold_policy="create_and_flag")

    class Crash(BaseException):
        pass

    def crash(_number):
        raise Crash()

    faults.after_create = crash
    services.orders.intake.accept(won_event(services, tenant, "D-2003"))
    with pytest.raises(Crash):
        Worker(services, "doomed").run_once()
    faults.after_create = None
    clock.advance(services.settings.worker_lease_seconds + 1)
    drain(services, clock)
    assert len(erp_orders(services, tenant, "D-2003")) == 1
    assert "credit hold" in deal_row(services, "D-2003")["erp_order_status"]
