"""A new Pipedrive admin's walk: install -> settings -> panel -> win a deal -> order number on the deal.

Everything Pipedrive does is played by the fake (tests/fakes/pipedrive.py): the OAuth
server, the company's API, the webhook delivery (sent with the Basic credentials
erp-panel registered at install) and the JWTs it signs for panels.
"""
from __future__ import annotations

import base64

import pytest

from app.auth.admin import COOKIE_NAME
from app.crm.pipedrive.fields import CREATE
from app.crm.pipedrive.mapping import (
    FIELD_ERP_CUSTOMER,
    FIELD_FAILURE_REASON,
    FIELD_ORDER_NUMBER,
    FIELD_ORDER_STATUS,
)
from app.erp.registry import env_connection
from tests.fakes.browser_client import csrf_token_in
from tests.fakes.orders import drain, erp_orders
from tests.fakes.pipedrive import field_key
from tests.fakes.pipedrive_fixtures import *  # noqa: F403
from tests.fakes.pipedrive_fixtures import PIPEDRIVE_SETTINGS, install


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def base_config(request, base_config):
    """Pipedrive configured; the walk runs on SQLite and on PostgreSQL."""
    config = {**base_config, **PIPEDRIVE_SETTINGS}
    if request.param == "postgres":
        config["database_url"] = request.getfixturevalue("pg_url")
    return config


SAME_ORIGIN = {"Origin": "https://erp-panel.test", "Sec-Fetch-Site": "same-origin"}


def deliver_as_pipedrive(browser, fake, payload):
    """POST the webhook exactly as Pipedrive would: to the registered URL with the registered Basic auth."""
    [hook] = fake.company.webhooks
    raw = f"{hook['http_auth_user']}:{hook['http_auth_password']}".encode()
    path = hook["subscription_url"].removeprefix("https://erp-panel.test")
    return browser.post(path, json=payload, headers={"Authorization": "Basic " + base64.b64encode(raw).decode()})


def test_new_admin_installs_configures_sees_panel_and_gets_order_number(browser, fake, pd_services, clock):
    # 1. install from the Marketplace listing's link: consent, callback, land on the settings page signed in
    response = install(browser, fake)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/settings"
    assert browser.get_cookie(COOKIE_NAME, domain="erp-panel.test") is not None
    tenant = pd_services.tenants.find("pipedrive", str(fake.company.company_id))

    # 2. settings: the ERP connection (sandbox ERP from ERP_CONFIG_* env, as the settings form would store it)
    #    and the Pipedrive fields page, letting erp-panel create the four custom fields
    conn = env_connection(None, pd_services.settings.erp_connector)
    pd_services.tenants.save_erp_connection(tenant.id, conn.connector, conn.config, conn.secrets)
    fields_page = browser.get("/pipedrive/settings/fields")
    assert fields_page.status_code == 200
    saved = browser.post("/pipedrive/settings/fields", headers=SAME_ORIGIN, data={
        FIELD_ERP_CUSTOMER: CREATE, FIELD_ORDER_NUMBER: CREATE, FIELD_ORDER_STATUS: CREATE,
        FIELD_FAILURE_REASON: CREATE, "csrf_token": csrf_token_in(fields_page)})
    assert saved.status_code == 200 and "Saved." in saved.get_data(as_text=True)

    # the sales team fills in the organization's ERP customer id and builds a deal with products
    org = fake.add_org(7, "Müller & Söhne GmbH")
    org["custom_fields"][field_key("ERP customer ID")] = "CUST-0001"
    fake.company.products.update({501: {"id": 501, "name": "Widget", "code": "SKU-1001"},
                                  502: {"id": 502, "name": "Bolts", "code": "SKU-1003"}})
    fake.add_deal(42, 7, products=[
        {"id": 1, "product_id": 501, "name": "Widget ⚙️ Standard", "item_price": 12.5, "quantity": 10,
         "discount": 0, "discount_type": "percentage", "enabled_flag": True},
        {"id": 2, "product_id": 502, "name": "Bolt M8", "item_price": 8.9, "quantity": 4, "enabled_flag": True}])

    # 3. the panel in the deal view: JWT-signed request, the "can I sell?" line, the deal's order readiness and
    #    lines, then its organization's ERP summary (the deal's prices are far below the customer's ERP prices:
    #    warnings for the rep)
    panel = browser.get("/pipedrive/panel", query_string={"resource": "deal", "view": "details",
                                                          "selectedIds": "42", "token": fake.sign_jwt()})
    assert panel.status_code == 200, panel.get_data(as_text=True)
    objects = panel.get_json()["data"]
    credit = objects[0]
    assert credit["customer"] == "CUST-0001" and credit["header"] == "Can I sell? · Müller & Söhne GmbH"
    assert "this deal" in credit["note"]                                   # the credit room for the deal's amount
    assert (objects[1]["header"], objects[1]["status"]["label"]) == ("Order readiness", "Check first")
    assert any(o["header"] == "Line · Bolt M8" and "4 needed" in o["note"] for o in objects)

    # 4. the rep marks the deal won in Pipedrive; Pipedrive delivers the v2 change webhook
    fake.company.deals[42]["status"] = "won"
    payload = fake.webhook_payload(42, event_id="3f8e1a52-won")
    delivered = deliver_as_pipedrive(browser, fake, payload)
    assert delivered.status_code == 200 and delivered.get_json()["status"] == "accepted"
    assert deliver_as_pipedrive(browser, fake, payload).get_json()["status"] != "accepted"  # Pipedrive's retry

    # 5. the worker creates the ERP order exactly once and writes the number back onto the deal
    drain(pd_services, clock)
    [order] = erp_orders(pd_services, tenant, "42")
    deal_fields = fake.company.deals[42]["custom_fields"]
    assert deal_fields[field_key("ERP order #")] == order.order_number
    assert deal_fields[field_key("ERP order status")]
    assert deal_fields.get(field_key("ERP order problem")) is None
    assert [p[0] for p in fake.patches] == [42]
