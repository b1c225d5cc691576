"""Salesforce end to end against the fake org: install -> Canvas panel -> Opportunity won (outbound message,
twice) -> one ERP order -> its number on the Opportunity."""
from __future__ import annotations

import re

from app.crm.inbound import InboundRequest
from app.erp.registry import env_connection
from tests.fakes.orders import drain, erp_orders
from tests.fakes.salesforce_fixtures import *  # noqa: F403  (Salesforce fixtures)
from tests.fakes.salesforce_fixtures import ACCOUNT_ID, OPPORTUNITY_ID, run_install
from tests.fakes.salesforce_messages import ORG_ID, canvas_envelope, outbound_message, signed_request


def test_install_canvas_win_twice_one_order_number_on_the_opportunity(client, services, fake_salesforce, clock):
    # 1. the Salesforce admin installs (connected app, PKCE) and lands on the settings page, signed in
    response = run_install(client, fake_salesforce)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/settings"
    tenant = services.tenants.find("salesforce", ORG_ID)
    assert tenant.active and tenant.name == "Acme"
    assert 'href="/salesforce/settings"' in client.get("/admin/settings").get_data(as_text=True)
    setup = client.get("/salesforce/settings").get_data(as_text=True)
    outbound_url = re.search(r"<code>(https://erp-panel\.test/salesforce/outbound/[^<]+)</code>", setup).group(1)

    # the admin connects the ERP and links the Account to its ERP customer (the panel's link; orders
    # also read the Account's ERP_Customer_Id__c)
    conn = env_connection(None, "sandbox")
    services.tenants.save_erp_connection(tenant.id, conn.connector, conn.config, conn.secrets)
    services.tenants.link_account(tenant.id, ACCOUNT_ID, "CUST-0001")
    fake_salesforce.add_account(ACCOUNT_ID, "Müller & Söhne GmbH", erp_customer_id="CUST-0001")
    fake_salesforce.add_opportunity(OPPORTUNITY_ID, ACCOUNT_ID, won=False, lines=[
        {"name": "Widget", "code": "SKU-1001", "quantity": 2, "price": 10}])

    # 2. a rep opens the Opportunity: Salesforce POSTs the signed request to the Canvas app URL
    envelope = canvas_envelope(record_type="Opportunity", record={"Id": OPPORTUNITY_ID, "AccountId": ACCOUNT_ID},
                               issued_at=int(clock.timestamp()))
    signed = signed_request(envelope)
    page = client.post("/salesforce/canvas", data={"signed_request": signed})
    assert page.status_code == 200 and "set-cookie" not in {k.lower() for k in page.headers.keys()}
    assert "frame-ancestors" in page.headers["Content-Security-Policy"]
    assert "https://*.force.com" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert f'data-account="{ACCOUNT_ID}"' in html and f'data-deal="{OPPORTUNITY_ID}"' in html
    # the widget exchanges the signed request for its session, then reads the account's panel
    session = client.post("/api/v1/widget/session", json={"crm": "salesforce", "credential": signed})
    assert session.status_code == 200, session.json
    assert session.json["object_id"] == ACCOUNT_ID
    token = session.json["token"]
    panel = client.get(f"/api/v1/panel/accounts/{ACCOUNT_ID}", headers={"Authorization": f"Bearer {token}"})
    assert panel.status_code == 200 and panel.json["erp_customer_id"] == "CUST-0001"
    other = client.get("/api/v1/panel/accounts/0015e000009ZzZzAAK", headers={"Authorization": f"Bearer {token}"})
    assert other.status_code == 403

    # 3. the Opportunity is won; the Flow's outbound message arrives twice (at least once, 24 h of retries)
    fake_salesforce.records["Opportunity"][OPPORTUNITY_ID].update(IsWon=True, StageName="Closed Won")
    message = outbound_message([("04l5e000000Q1w2AAC", OPPORTUNITY_ID, True)])
    path = outbound_url.removeprefix("https://erp-panel.test")
    for _ in range(2):
        ack = client.post(path, data=message, content_type="text/xml; charset=utf-8")
        assert ack.status_code == 200 and ack.content_type.startswith("text/xml")
        assert "<Ack>true</Ack>" in ack.get_data(as_text=True)

    # 4. the worker creates the ERP order once and writes its number back onto the Opportunity
    drain(services, clock)
    assert len(erp_orders(services, tenant, OPPORTUNITY_ID)) == 1
    record = fake_salesforce.records["Opportunity"][OPPORTUNITY_ID]
    assert record["ERP_Order_Number__c"].startswith("SO-") and record["ERP_Order_Status__c"] == "Open"
    assert record["ERP_Order_Problem__c"] is None
    assert [opp for opp, _ in fake_salesforce.patches] == [OPPORTUNITY_ID]


def test_a_sandbox_org_installs_at_test_salesforce_com(client, services, fake_salesforce):
    start = client.get("/salesforce/sandbox/install")
    assert start.headers["Location"].startswith("https://test.salesforce.com/services/oauth2/authorize?")
    code, state = fake_salesforce.approve(start.headers["Location"])
    done = client.get(f"/salesforce/sandbox/oauth/callback?code={code}&state={state}")
    assert done.status_code == 303
    tenant = services.tenants.find("salesforce", ORG_ID)
    creds = services.tenants.get_crm_credentials(tenant.id)
    assert creds.api_domain == "https://acme.my.salesforce.com" and creds.refresh_token


def test_limit_exceeded_while_writing_back_is_retried_later(sf_tenant, services, fake_salesforce, clock):
    fake_salesforce.add_account(ACCOUNT_ID, "Acme", erp_customer_id="CUST-0001")
    fake_salesforce.add_opportunity(OPPORTUNITY_ID, ACCOUNT_ID, lines=[
        {"name": "Widget", "code": "SKU-1001", "quantity": 1, "price": 10}])
    integration = services.crm.get("salesforce")
    url = integration.outbound_url(sf_tenant)
    request = InboundRequest("POST", url, outbound_message([("04l5e000000Q1w3AAC", OPPORTUNITY_ID, True)]),
                             path_params={"tenant_id": sf_tenant.id, "secret": url.rsplit("/", 1)[-1]})
    [event] = integration.events(request).won
    services.orders.intake.accept(event)
    fake_salesforce.fail_next("PATCH", f"sobjects/Opportunity/{OPPORTUNITY_ID}", 403)   # REQUEST_LIMIT_EXCEEDED
    drain(services, clock)
    assert len(erp_orders(services, sf_tenant, OPPORTUNITY_ID)) == 1
    assert fake_salesforce.records["Opportunity"][OPPORTUNITY_ID]["ERP_Order_Number__c"].startswith("SO-")
    assert fake_salesforce.failures == []
