"""End to end: a closed-won demo deal becomes exactly one sales order in each real ERP's fake.

Mark won -> signed webhook -> intake -> worker -> connector.create_order -> order number written
back onto the deal. Redelivery of the same won event must not create a second ERP order.
"""
from __future__ import annotations

import pytest

from app.crm.demo.seed import DEMO_COMPANY
from app.domain.ids import idempotency_key
from tests.fakes.demo import demo
from tests.fakes.erp_apps import CREATE_ROUTES, ORDER_FIELDS, app_on
from tests.fakes.orders import drain


@pytest.fixture(params=["erpnext", "odoo", "netsuite", "businesscentral"])
def erp_app(request, base_config, clock, faults, monkeypatch):
    yield from app_on(request.param, base_config, clock, faults, monkeypatch)


def test_won_deal_creates_one_erp_order_and_writes_its_number_back(erp_app, clock):
    app, fake, vendor = erp_app
    services = app.extensions["erp_panel"]
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    client = app.test_client()
    response = client.post("/demo/deals/D-2001/won", data={"back": "/demo/accounts/ACC-1001"})
    assert response.status_code == 303
    drain(services, clock)

    ref = idempotency_key(tenant.id, "D-2001")
    orders = fake.orders_for(ref)
    assert len(orders) == 1
    number_field, lines_field = ORDER_FIELDS[vendor]
    order_number = orders[0][number_field]
    deal = demo(services).store.deal_row(DEMO_COMPANY, "D-2001")
    assert deal["erp_order_number"] == order_number
    assert deal["erp_order_status"] == "Open"
    assert len(orders[0][lines_field]) == 2                                   # SKU-1001 and SKU-1003 from the demo deal

    # the CRM redelivers / the rep clicks again: still exactly one ERP order
    client.post("/demo/deals/D-2001/won", data={"back": "/demo/accounts/ACC-1001"})
    drain(services, clock)
    assert len(fake.orders_for(ref)) == 1


def test_erp_outage_during_order_is_retried_until_the_order_exists_once(erp_app, clock):
    app, fake, vendor = erp_app
    services = app.extensions["erp_panel"]
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    fake.fail_next("timeout_after", path_contains=CREATE_ROUTES[vendor])    # the ERP commits, the answer is lost
    app.test_client().post("/demo/deals/D-2001/won", data={"back": "/demo/accounts/ACC-1001"})
    drain(services, clock)
    ref = idempotency_key(tenant.id, "D-2001")
    assert len(fake.orders_for(ref)) == 1
    number_field = ORDER_FIELDS[vendor][0]
    assert demo(services).store.deal_row(DEMO_COMPANY, "D-2001")["erp_order_number"] == fake.orders_for(ref)[0][number_field]


def test_a_wrong_odoo_database_dead_letters_at_once_with_the_reason_for_the_admin(base_config, clock, faults,
                                                                                   monkeypatch):
    for app, fake, _vendor in app_on("odoo", base_config, clock, faults, monkeypatch,
                                     ERP_CONFIG_API_FLAVOUR="jsonrpc", ERP_CONFIG_DATABASE="acme-typo"):
        services = app.extensions["erp_panel"]
        tenant = services.tenants.find("demo", DEMO_COMPANY)
        app.test_client().post("/demo/deals/D-2001/won", data={"back": "/demo/accounts/ACC-1001"})
        drain(services, clock)
        dead = services.orders.queue.list(status="dead")
        assert [(j.kind, j.last_error_reason, j.attempts) for j in dead] == [("create_order", "erp_unknown_database", 1)]
        assert "no database named 'acme-typo'" in dead[0].last_error
        assert fake.orders_for(idempotency_key(tenant.id, "D-2001")) == []
        row = demo(services).store.deal_row(DEMO_COMPANY, "D-2001")
        assert "acme-typo" in row["erp_failure_reason"] and "settings page" in row["erp_failure_reason"]
