"""Order status after creation, end to end on the demo CRM: an order moving through confirmed -> delivered ->
invoiced -> paid in the ERP (sandbox, ERPNext fake, Odoo fake) appears on the deal within one poll, with the
order timeline served to the widget; two workers never poll one tenant twice; a quiet tenant's polls back off."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.crm.demo.seed import DEMO_COMPANY
from app.orders.tables import status_polls
from tests.fakes.erp_apps import app_on
from tests.fakes.order_status import LIFE, advance, one_poll
from tests.fakes.orders import deal_row, drain


@pytest.fixture(params=["sandbox", "erpnext", "odoo"])
def erp_app(request, base_config, clock, faults, monkeypatch):
    if request.param == "sandbox":
        yield request.getfixturevalue("app"), None
        return
    for built, fake, _vendor in app_on(request.param, base_config, clock, faults, monkeypatch):
        yield built, fake


def won(app, clock, deal_id: str = "D-2001"):
    services = app.extensions["erp_panel"]
    app.test_client().post(f"/demo/deals/{deal_id}/won", data={"back": "/demo/accounts/ACC-1001"})
    drain(services, clock)
    return services, services.tenants.find("demo", DEMO_COMPANY)


def order_api(app, tenant, deal_id: str, object_id: str = ""):
    services = app.extensions["erp_panel"]
    token, _ = services.widget_tokens.mint(tenant.id, "rep-1", "demo", object_id)
    return app.test_client().get(f"/api/v1/deals/{deal_id}/order", headers={"Authorization": f"Bearer {token}"})


def test_each_step_of_the_order_reaches_the_deal_within_one_poll(erp_app, clock):
    app, fake = erp_app
    services, tenant = won(app, clock)
    assert deal_row(services, "D-2001")["erp_order_status"] == "Open"

    one_poll(services, clock)
    assert deal_row(services, "D-2001")["erp_order_status"] == "Confirmed"
    for step, stage in LIFE:
        advance(services, tenant, "D-2001", step, fake)
        [outcome] = one_poll(services, clock)
        assert outcome.changed == 1 and not outcome.error
        assert deal_row(services, "D-2001")["erp_order_status"] == stage.capitalize()

    body = order_api(app, tenant, "D-2001").get_json()
    assert [e["stage"] for e in body["events"]] == ["confirmed", "delivered", "invoiced", "paid"]
    assert (body["stage"], body["stage_text"], body["outstanding"]) == ("paid", "Paid", "0")
    assert len(body["events"][2]["invoice_numbers"]) == 1 and body["invoice_status"].endswith(": Paid")
    assert body["events"][0]["seen_at"] < body["events"][-1]["seen_at"]
    # a paid order is closed: nothing of this tenant is polled any more
    assert one_poll(services, clock) == []


def test_two_workers_never_poll_one_tenant_twice(app, clock):
    services, tenant = won(app, clock)
    erp = services.erp.connector_for(tenant)[0]
    reads = []
    original = erp.read_order_progress
    erp.read_order_progress = lambda keys: reads.append(list(keys)) or original(keys)   # type: ignore[method-assign]
    for _ in range(3):
        clock.advance(301)
        polled = services.orders.status.tick("worker-a") + services.orders.status.tick("worker-b")
        assert len(polled) <= 1
    assert len(reads) >= 1 and all(len(keys) == 1 for keys in reads)
    # once per interval at most, whichever worker asks first
    assert len(reads) <= 3


def test_polls_back_off_while_nothing_changes_and_a_change_resets_them(app, clock):
    services, tenant = won(app, clock)
    intervals = []
    for _ in range(4):
        clock.advance(3600)
        services.orders.status.tick("worker-a")
        with services.db.read() as conn:
            intervals.append(conn.execute(sa.select(status_polls.c.interval_seconds)).scalar())
    assert intervals == [300, 600, 1200, 2400]     # the first poll saw "confirmed": a change
    advance(services, tenant, "D-2001", "deliver")
    clock.advance(3600)
    services.orders.status.tick("worker-a")
    with services.db.read() as conn:
        assert conn.execute(sa.select(status_polls.c.interval_seconds)).scalar() == 300


def test_the_order_api_answers_404_before_an_order_and_refuses_another_records_session(app, clock):
    services = app.extensions["erp_panel"]
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    response = order_api(app, tenant, "D-2001")
    assert response.status_code == 404 and response.get_json()["reason"] == "order_not_found"
    won(app, clock)
    assert order_api(app, tenant, "D-2001", object_id="ACC-1001").status_code == 200
    assert order_api(app, tenant, "D-2001", object_id="ACC-9999").status_code == 403
