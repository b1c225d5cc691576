"""HubSpot end to end against the fake HubSpot: install -> card data -> win a deal -> order number on the deal."""
from __future__ import annotations

from app.erp.registry import env_connection
from tests.fakes.hubspot import PORTAL_ID
from tests.fakes.hubspot_fixtures import *  # noqa: F403  (HubSpot fixtures)
from tests.fakes.hubspot_fixtures import post_card, post_signed, run_install
from tests.fakes.orders import drain, erp_orders


def won_webhook(deal_id: str, event_id: int, occurred_ms: int) -> list[dict]:
    return [{"eventId": event_id, "subscriptionId": 25, "portalId": PORTAL_ID, "appId": 54321,
             "occurredAt": occurred_ms, "subscriptionType": "deal.propertyChange", "attemptNumber": 0,
             "objectId": int(deal_id), "propertyName": "dealstage", "propertyValue": "closedwon",
             "changeSource": "CRM"}]


def test_install_card_win_and_order_number_on_the_hubspot_deal(client, services, fake_hubspot, clock):
    # 1. the HubSpot admin installs the app and lands on the settings page, signed in
    response = run_install(client, fake_hubspot)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/settings"
    tenant = services.tenants.find("hubspot", str(PORTAL_ID))
    # the admin connects the ERP and links the HubSpot company to its ERP customer
    conn = env_connection(None, "sandbox")
    services.tenants.save_erp_connection(tenant.id, conn.connector, conn.config, conn.secrets)
    services.tenants.link_account(tenant.id, "201", "CUST-0001")
    fake_hubspot.add_company("201", "Müller & Söhne GmbH")
    fake_hubspot.add_deal("501", company_id="201", lines=[
        {"name": "Widget", "hs_sku": "SKU-1001", "quantity": "2", "price": "10"}])

    # 2. a sales rep opens the deal: the app card shows the company's ERP data
    card = post_card(client, clock, "/api/v1/hubspot/card", {"objectTypeId": "0-3", "objectId": 501})
    assert card.status_code == 200, card.json
    assert card.json["company_id"] == "201" and card.json["panel"]["erp_customer_id"] == "CUST-0001"
    assert card.json["panel"]["sections"]["credit"]["state"] == "ok"

    # 3. the deal is won in HubSpot; HubSpot delivers the dealstage webhook (twice: at-least-once)
    fake_hubspot.deals["501"]["properties"]["dealstage"] = "closedwon"
    occurred = int(clock.timestamp() * 1000)
    first = post_signed(client, clock, "/api/v1/hubspot/webhooks", won_webhook("501", 9001, occurred))
    assert first.status_code == 200 and first.json["accepted"] == 1
    retry = post_signed(client, clock, "/api/v1/hubspot/webhooks", won_webhook("501", 9001, occurred))
    assert retry.json == {"accepted": 0, "duplicates": 1, "ignored": {}}

    # 4. the worker creates the ERP order once and writes its number back onto the HubSpot deal
    drain(services, clock)
    orders = erp_orders(services, tenant, "501")
    assert len(orders) == 1
    props = fake_hubspot.deals["501"]["properties"]
    assert props["erp_order_number"].startswith("SO-") and props["erp_order_status"] == "Open"
    assert props["erp_failure_reason"] == ""
    assert [deal for deal, _ in fake_hubspot.patches] == ["501"]


def test_hubspot_429_and_write_back_outage_are_retried_by_the_worker(client, services, fake_hubspot, clock):
    run_install(client, fake_hubspot)
    tenant = services.tenants.find("hubspot", str(PORTAL_ID))
    conn = env_connection(None, "sandbox")
    services.tenants.save_erp_connection(tenant.id, conn.connector, conn.config, conn.secrets)
    fake_hubspot.add_company("201", "Müller & Söhne GmbH", erp_customer_id="CUST-0001")   # link via the property
    fake_hubspot.add_deal("502", stage="closedwon", company_id="201", lines=[
        {"name": "Widget", "hs_sku": "SKU-1001", "quantity": "1", "price": "10"}])
    occurred = int(clock.timestamp() * 1000)
    assert post_signed(client, clock, "/api/v1/hubspot/webhooks",
                       won_webhook("502", 1, occurred)).json["accepted"] == 1
    fake_hubspot.fail_next("GET", "/crm/v3/objects/deals/502", 429)            # deal read: rate limited
    fake_hubspot.fail_next("PATCH", "/crm/v3/objects/deals/502", 503, times=4)  # write-back: one job's 3 tries + 1
    drain(services, clock)
    assert len(erp_orders(services, tenant, "502")) == 1
    assert fake_hubspot.deals["502"]["properties"]["erp_order_number"].startswith("SO-")
    assert fake_hubspot.failures == []
