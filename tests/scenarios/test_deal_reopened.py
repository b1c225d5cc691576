"""A won deal reopened or lost after its ERP order exists: flagged on the deal and in the error queue, nothing
cancelled; only an admin's request cancels the order (ERPNext docstatus 2, Odoo action_cancel), audited; an ERP
that cannot cancel (NetSuite, Business Central) is explained on the page."""
from __future__ import annotations

import html

import pytest

from app.crm.demo.seed import DEMO_COMPANY
from app.domain.ids import idempotency_key
from tests.fakes.erp_apps import app_on
from tests.fakes.orders import deal_row, drain
from tests.scenarios.admin_support import post_form, sign_in_demo_admin

NOT_WON = "exists for a deal that is no longer won"


@pytest.fixture(params=["sandbox", "erpnext", "odoo", "businesscentral"])
def erp_app(request, base_config, clock, faults, monkeypatch):
    if request.param == "sandbox":
        yield request.getfixturevalue("app"), None, "sandbox"
        return
    yield from app_on(request.param, base_config, clock, faults, monkeypatch)


def live_orders(services, tenant, fake, deal_id: str) -> int:
    key = idempotency_key(tenant.id, deal_id)
    if fake is None:
        return len([o for o in services.erp.connector_for(tenant)[0].orders_for(key) if o.status != "Cancelled"])
    return len(fake.orders_for(key))


def test_a_reopened_deal_is_flagged_and_only_the_admin_cancels(erp_app, clock):
    app, fake, vendor = erp_app
    services = app.extensions["erp_panel"]
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    client = app.test_client()
    client.post("/demo/deals/D-2001/won", data={"back": "/demo/accounts/ACC-1001"})
    drain(services, clock)
    number = deal_row(services, "D-2001")["erp_order_number"]
    assert number and live_orders(services, tenant, fake, "D-2001") == 1

    # the rep reopens the deal in the CRM: the CRM's status webhook -> the deal is re-read and flagged
    client.post("/demo/deals/D-2001/status", data={"status": "open", "back": "/demo/accounts/ACC-1001"})
    drain(services, clock)
    row = deal_row(services, "D-2001")
    assert f"Order {number} {NOT_WON} (now open)" in row["erp_failure_reason"]
    assert row["erp_order_number"] == number
    assert live_orders(services, tenant, fake, "D-2001") == 1           # nothing cancelled
    [dead] = services.orders.dead_letters.list(tenant.id)
    assert (dead.crm_deal_id, dead.reason) == ("D-2001", "deal_no_longer_won")
    assert NOT_WON in dead.message

    # the admin sees it in the error queue and requests the cancellation
    sign_in_demo_admin(client)
    page = html.unescape(client.get("/admin/settings").get_data(as_text=True))
    assert "Request cancellation in the ERP" in page and NOT_WON in page
    response = post_form(client, "/admin/settings/orders/cancel", {"crm_deal_id": "D-2001"})
    steps = [(a.step, a.outcome) for a in services.orders.audit.trail(tenant.id, crm_deal_id="D-2001")]
    if vendor == "businesscentral":
        assert response.status_code == 422
        assert "Business Central has no way to cancel a sales order" in html.unescape(response.get_data(as_text=True))
        assert live_orders(services, tenant, fake, "D-2001") == 1
        assert ("cancel_request", "refused") in steps
        return
    assert response.status_code == 303 and response.headers["Location"].endswith("done=cancelled#errors")
    assert live_orders(services, tenant, fake, "D-2001") == 0
    assert ("check_won", "flagged") in steps and ("cancel_request", "ok") in steps
    assert services.orders.dead_letters.list(tenant.id) == []            # settled: out of the error queue


def test_a_deal_won_again_clears_the_flag(app, clock):
    services = app.extensions["erp_panel"]
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    client = app.test_client()
    client.post("/demo/deals/D-2001/won", data={"back": "/demo/accounts/ACC-1001"})
    drain(services, clock)
    client.post("/demo/deals/D-2001/status", data={"status": "lost", "back": "/demo/accounts/ACC-1001"})
    drain(services, clock)
    assert "(now lost)" in deal_row(services, "D-2001")["erp_failure_reason"]
    client.post("/demo/deals/D-2001/won", data={"back": "/demo/accounts/ACC-1001"})
    drain(services, clock)
    assert not deal_row(services, "D-2001")["erp_failure_reason"]
    assert services.orders.records.get(tenant.id, "D-2001").not_won_since is None
    assert services.orders.dead_letters.list(tenant.id) == []


def test_cancelling_a_deal_that_is_still_won_is_refused(app, clock):
    services = app.extensions["erp_panel"]
    client = app.test_client()
    client.post("/demo/deals/D-2001/won", data={"back": "/demo/accounts/ACC-1001"})
    drain(services, clock)
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/orders/cancel", {"crm_deal_id": "D-2001"})
    assert response.status_code == 409
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    assert len(services.erp.connector_for(tenant)[0].find_order(idempotency_key(tenant.id, "D-2001")).order_number)
