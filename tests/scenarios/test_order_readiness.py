"""Order readiness of open deals through the widget API: ready, warnings and blocked, on the sandbox ERP and on
the ERPNext and Odoo fakes (the demo CRM's deals; the fakes are seeded from the sandbox catalogue).

D-2008 (12 × SKU-1025 at the customer's own price, in stock) is ready; D-2001 has prices far below the customer's
ERP prices and an item out of stock (warnings); D-2006 names an item the ERP does not know and D-2007's company is
not linked (blocked).
"""
from __future__ import annotations

import pytest

from app.crm.demo.seed import DEMO_COMPANY
from tests.fakes.erp_apps import app_on


@pytest.fixture(params=["sandbox", "erpnext", "odoo"])
def erp_app(request, app, base_config, clock, faults, monkeypatch):
    if request.param == "sandbox":
        yield app
        return
    for built, _fake, _vendor in app_on(request.param, base_config, clock, faults, monkeypatch):
        yield built


def readiness(app, deal_id: str, object_id: str = "") -> tuple[int, dict]:
    services = app.extensions["erp_panel"]
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    token, _ = services.widget_tokens.mint(tenant.id, "rep-1", "demo", object_id)
    response = app.test_client().get(f"/api/v1/deals/{deal_id}/readiness", headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.get_json()


def findings(body: dict) -> list[tuple[str, str, str | None]]:
    return [(i["severity"], i["reason"], i["owner"]) for i in body["items"]]


def test_a_deal_at_the_customers_prices_with_stock_is_ready(erp_app):
    status, body = readiness(erp_app, "D-2008")
    assert status == 200, body
    assert (body["state"], body["items"], body["deal_won"]) == ("ready", [], False)
    assert body["erp_customer_id"] == "CUST-0001" and body["summary"].startswith("Ready")


def test_prices_off_the_customers_price_and_missing_stock_are_warnings_for_the_rep(erp_app):
    status, body = readiness(erp_app, "D-2001")
    assert status == 200 and body["state"] == "warnings"
    assert ("warning", "price_deviation", "rep") in findings(body)
    price = next(i["message"] for i in body["items"] if i["reason"] == "price_deviation")
    assert "SKU-1001" in price and "below the customer's ERP price" in price and "(the sales rep)" in price


def test_each_line_carries_its_stock_across_warehouses_and_the_customers_price(erp_app):
    from decimal import Decimal
    _, body = readiness(erp_app, "D-2001")
    services = erp_app.extensions["erp_panel"]
    connector, _ = services.erp.connector_for(services.tenants.find("demo", DEMO_COMPANY))
    assert body["currency"] == "EUR" and Decimal(body["amount"]) > 0
    for line in body["lines"]:
        stock = connector.list_stock([line["sku"]])
        summed = sum((max(s.available, Decimal(0)) for s in stock), Decimal(0))
        assert Decimal(line["available"]) == summed                        # summed across the warehouses
        assert Decimal(line["short"]) == max(Decimal(line["quantity"]) - summed, Decimal(0))
        price = {q.item_code: q.unit_price for q in connector.get_prices("CUST-0001", [line["sku"]])}
        assert Decimal(line["customer_price"]) == price[line["sku"]]
    assert sum(Decimal(line["quantity"]) * Decimal(line["deal_price"]) for line in body["lines"]) == \
        Decimal(body["amount"])


def test_a_deal_whose_company_is_not_linked_has_stock_but_no_customer_price(erp_app):
    _, body = readiness(erp_app, "D-2007")
    assert [(line["sku"], line["customer_price"]) for line in body["lines"]] == [("SKU-1001", None)]
    assert body["lines"][0]["available"] is not None                     # stock is the same for every customer


@pytest.mark.parametrize(("deal_id", "reason", "owner", "words"), [
    ("D-2006", "unknown_sku", "rep", "Replace SKU-9999"),
    ("D-2007", "missing_erp_customer_link", "admin", "Link the deal's company"),
])
def test_what_would_stop_the_order_blocks_and_names_who_fixes_it(erp_app, deal_id, reason, owner, words):
    status, body = readiness(erp_app, deal_id)
    assert status == 200 and body["state"] == "blocked"
    blocker = next(i for i in body["items"] if i["reason"] == reason)
    assert (blocker["severity"], blocker["owner"]) == ("blocker", owner) and words in blocker["message"]
    assert body["items"][0]["severity"] == "blocker"                       # blockers come first


def test_the_result_is_cached_briefly_and_then_checked_again(app, services, clock):
    connector, _ = services.erp.connector_for(services.tenants.find("demo", DEMO_COMPANY))
    connector.faults.calls.clear()
    readiness(app, "D-2008")
    first = dict(connector.faults.calls)
    assert readiness(app, "D-2008")[1]["state"] == "ready"
    assert dict(connector.faults.calls) == first                               # served from the panel cache
    clock.advance(services.settings.readiness_ttl + 1)
    readiness(app, "D-2008")
    assert connector.faults.calls["find_items"] == 2 * first["find_items"]


def test_an_unknown_deal_is_a_404_problem_and_another_records_session_is_refused(app):
    status, body = readiness(app, "D-404")
    assert (status, body["reason"]) == (404, "deal_not_found")
    assert readiness(app, "D-2001", object_id="ACC-1001")[0] == 200           # the deal's own account
    status, body = readiness(app, "D-2001", object_id="ACC-1002")
    assert (status, body["reason"]) == (403, "wrong_record")


def test_without_a_widget_token_nothing_is_read(client):
    response = client.get("/api/v1/deals/D-2001/readiness")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
