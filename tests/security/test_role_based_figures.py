"""Role-based figures, enforced on the server on every panel surface: a rep without the finance role gets
credit and invoices as badges only (and prices not at all) in the widget API, the Pipedrive JSON panel and
the HubSpot app card, while a user with the finance role gets the figures. Roles come from the verified
credential and the CRM's users API, never from the browser.
"""
from __future__ import annotations

import json

import pytest

from app.crm.demo.integration import DemoIntegration
from app.crm.demo.seed import DEMO_COMPANY
from tests.fakes.hubspot_fixtures import post_signed, proxy_query
from tests.fakes.pipedrive import FakePipedrive
from tests.fakes.pipedrive_fixtures import CALLBACK, https_client, install, link_organization
from tests.scenarios.admin_support import bearer

#: badges for credit and invoices, prices hidden, stock in full - unless a rule names the finance role
POLICY = {"default": {"credit": "badges", "invoices": "badges", "pricing": "hidden", "stock": "full"},
          "rules": [{"kind": "role", "values": ["Finance"],
                     "levels": {"credit": "full", "invoices": "full", "pricing": "full", "stock": "full"}}]}
FIGURES = ("credit_limit", "balance", "available_credit", "outstanding_total", "unit_price", "outstanding")


def set_policy(services, tenant) -> None:
    settings = services.tenants.get(tenant.id).settings
    settings.figure_policy = POLICY
    services.tenants.save_settings(tenant.id, settings)


def assert_badges_only(sections: dict) -> None:
    credit, invoices, pricing = sections["credit"], sections["invoices"], sections["pricing"]
    assert credit["visibility"] == invoices["visibility"] == "badges" and pricing["visibility"] == "hidden"
    assert credit["data"] is None and invoices["data"] is None and invoices.get("summary") is None
    assert pricing["data"] is None and pricing["badges"] == [] and pricing["as_of"] is None
    assert all(set(b) == {"code", "label"} for b in credit["badges"] + invoices["badges"])
    assert sections["stock"]["visibility"] == "full" and sections["stock"]["data"] is not None
    text = json.dumps({k: sections[k] for k in ("credit", "invoices", "pricing")})
    assert not any(f'"{name}"' in text for name in FIGURES), text


def assert_full(sections: dict) -> None:
    assert {s["visibility"] for s in sections.values()} == {"full"}
    assert sections["credit"]["data"]["credit_limit"] is not None or "credit_limit" in sections["credit"]["data"]
    assert sections["invoices"]["summary"] is not None and sections["pricing"]["data"] is not None


def widget_panel(client, services, user: str) -> dict:
    demo = services.crm.of_kind(DemoIntegration)
    credential = demo.store.sign_widget_context(DEMO_COMPANY, user, "ACC-1001")
    session = client.post("/api/v1/widget/session", json={"crm": "demo", "credential": credential})
    assert session.status_code == 200, session.json
    response = client.get("/api/v1/panel/accounts/ACC-1001", headers=bearer(session.json["token"]))
    assert response.status_code == 200, response.json
    return response.json["sections"]


def test_widget_api_badges_for_a_rep_figures_for_finance(client, services, demo_tenant):
    assert widget_panel(client, services, "demo-rep")["credit"]["data"] is not None     # no policy: all in full
    set_policy(services, demo_tenant)
    assert_badges_only(widget_panel(client, services, "demo-rep"))
    assert_full(widget_panel(client, services, "demo-finance"))
    # the panel the session exchange answers with is restricted the same way
    credential = services.crm.of_kind(DemoIntegration).store.sign_widget_context(DEMO_COMPANY, "demo-rep", "ACC-1001")
    session = client.post("/api/v1/widget/session", json={"crm": "demo", "credential": credential,
                                                          "account": "ACC-1001"})
    assert_badges_only(session.json["panel"]["sections"])


def test_a_widget_token_cannot_claim_a_role_the_crm_did_not_give(client, services, demo_tenant):
    set_policy(services, demo_tenant)
    forged = services.widget_tokens.mint(demo_tenant.id, "demo-rep", "demo", "ACC-1001")[0] + "x"
    assert client.get("/api/v1/panel/accounts/ACC-1001", headers=bearer(forged)).status_code == 401
    # the roles come from the session exchange; nothing the browser sends names them
    demo = services.crm.of_kind(DemoIntegration)
    credential = demo.store.sign_widget_context(DEMO_COMPANY, "demo-rep", "ACC-1001")
    session = client.post("/api/v1/widget/session", json={"crm": "demo", "credential": credential,
                                                          "roles": ["Finance"]})
    assert session.status_code in (200, 422)
    if session.status_code == 200:
        panel = client.get("/api/v1/panel/accounts/ACC-1001?roles=Finance", headers=bearer(session.json["token"]))
        assert_badges_only(panel.json["sections"])


@pytest.fixture
def pipedrive(app, services, clock, fake_hubspot):
    """An installed Pipedrive company, organization 7 linked to a sandbox customer, and two users:
    191 (role Sales) and 192 (role Finance) in Pipedrive's users API."""
    fake = FakePipedrive(fake_hubspot.rsps, clock, CALLBACK)
    browser = https_client(app)
    assert install(browser, fake).status_code == 303
    tenant = services.tenants.find("pipedrive", str(fake.company.company_id))
    link_organization(services, tenant, fake)
    fake.add_user(191, role=(2, "Sales"))
    fake.add_user(192, role=(3, "Finance"))
    return browser, fake, tenant


def pipedrive_objects(browser, fake, user_id: int) -> list[dict]:
    response = browser.get("/pipedrive/panel", query_string={
        "resource": "organization", "view": "details", "selectedIds": "7", "token": fake.sign_jwt(user_id=user_id)})
    assert response.status_code == 200, response.json
    return response.json["data"]


def test_pipedrive_json_panel_badges_for_a_rep_figures_for_finance(services, pipedrive):
    browser, fake, tenant = pipedrive
    set_policy(services, tenant)
    rep = pipedrive_objects(browser, fake, 191)
    credit = next(o for o in rep if "customer" in o)              # the "can I sell?" credit object
    assert not {"credit_limit", "balance", "available_credit", "overdue"} & set(credit)
    assert "Only the badges" in credit["note"]
    assert not any("outstanding" in o for o in rep)                                   # no invoice figures
    finance = pipedrive_objects(browser, fake, 192)
    credit = next(o for o in finance if "customer" in o)
    assert {"credit_limit", "balance"} <= set(credit) or "available_credit" in credit
    assert ("GET", "/v1/users/191") in fake.calls and ("GET", "/v1/roles/3") in fake.calls


def card(client, clock, user: str) -> dict:
    response = post_signed(client, clock, f"/api/v1/hubspot/card?{proxy_query(user=user)}",
                           {"objectTypeId": "0-2", "objectId": 201})
    assert response.status_code == 200, response.json
    return response.json["panel"]["sections"]


def test_hubspot_card_badges_for_a_rep_figures_for_finance(client, services, clock, hs_linked, fake_hubspot):
    fake_hubspot.add_user("301", role=("r-sales", "Sales"), teams=(("t-east", "East"),))
    fake_hubspot.add_user("302", role=("r-fin", "Finance"))
    set_policy(services, hs_linked)
    assert_badges_only(card(client, clock, "301"))
    assert_full(card(client, clock, "302"))
    # a rule for a team works the same way (names or ids)
    settings = services.tenants.get(hs_linked.id).settings
    settings.figure_policy = {**POLICY, "rules": [{**POLICY["rules"][0], "kind": "team", "values": ["east"]}]}
    services.tenants.save_settings(hs_linked.id, settings)
    assert_full(card(client, clock, "301"))


def test_a_crm_that_cannot_say_the_role_gets_the_default(client, services, clock, hs_linked, fake_hubspot):
    """Fail closed: the users API refusing (e.g. an install without the users scope) means no role."""
    fake_hubspot.add_user("302", role=("r-fin", "Finance"))
    fake_hubspot.fail_next("GET", "/settings/v3/users/302", 403)
    set_policy(services, hs_linked)
    assert_badges_only(card(client, clock, "302"))


def widget_readiness(client, services, user: str, deal_id: str = "D-2001") -> dict:
    demo = services.crm.of_kind(DemoIntegration)
    credential = demo.store.sign_widget_context(DEMO_COMPANY, user, "ACC-1001")
    session = client.post("/api/v1/widget/session", json={"crm": "demo", "credential": credential})
    response = client.get(f"/api/v1/deals/{deal_id}/readiness", headers=bearer(session.json["token"]))
    assert response.status_code == 200, response.json
    return response.json


def test_deal_readiness_quotes_no_figure_of_a_section_the_viewer_does_not_see(client, services, demo_tenant):
    """D-2001's prices are far below the customer's ERP prices: the finding reaches every viewer, the ERP
    price only those who see pricing in full; stock quantities only those who see stock in full."""
    set_policy(services, demo_tenant)
    finance = widget_readiness(client, services, "demo-finance")
    price = next(i["message"] for i in finance["items"] if i["reason"] == "price_deviation")
    assert "%" in price and all(line["customer_price"] is not None for line in finance["lines"])
    rep = widget_readiness(client, services, "demo-rep")
    assert [(i["severity"], i["reason"], i["owner"]) for i in rep["items"]] == \
        [(i["severity"], i["reason"], i["owner"]) for i in finance["items"]]      # same verdict, same owners
    price = next(i["message"] for i in rep["items"] if i["reason"] == "price_deviation")
    assert "%" not in price and "€" not in price and "EUR" not in price
    assert all(line["customer_price"] is None and line["customer_currency"] == "" for line in rep["lines"])
    assert all(line["available"] is not None for line in rep["lines"])                      # stock: full
    settings = services.tenants.get(demo_tenant.id).settings
    settings.figure_policy = {**POLICY, "default": {**POLICY["default"], "stock": "badges"}}
    services.tenants.save_settings(demo_tenant.id, settings)
    rep = widget_readiness(client, services, "demo-rep")
    assert all(line["available"] is None and line["short"] is None for line in rep["lines"])
    stock = [i["message"] for i in rep["items"] if i["reason"] == "insufficient_stock"]
    assert stock and not any(ch.isdigit() for ch in stock[0])


def test_the_hubspot_deal_card_restricts_readiness_too(services, client, clock, hs_linked, fake_hubspot):
    """CUST-0002 pays 112.70 for SKU-1014: a deal at 90.00 is a price deviation for everyone; the ERP price
    in it only for the finance role (pricing is hidden for the others)."""
    fake_hubspot.add_user("301", role=("r-sales", "Sales"))
    fake_hubspot.add_user("302", role=("r-fin", "Finance"))
    fake_hubspot.add_deal("503", company_id="201",
                          lines=[{"name": "Pump", "hs_sku": "SKU-1014", "quantity": 2, "price": "90.00"}])
    fake_hubspot.deals["503"]["properties"]["deal_currency_code"] = "USD"
    set_policy(services, hs_linked)

    def readiness(user: str) -> dict:
        response = post_signed(client, clock, f"/api/v1/hubspot/card?{proxy_query(user=user)}",
                               {"objectTypeId": "0-3", "objectId": 503})
        assert response.status_code == 200, response.json
        return response.json["deal"]["readiness"]

    rep, finance = readiness("301"), readiness("302")
    assert [i["reason"] for i in rep["items"]] == [i["reason"] for i in finance["items"]] == ["price_deviation"]
    assert "112.70" in finance["items"][0]["message"] and finance["lines"][0]["customer_price"] is not None
    assert "112.70" not in rep["items"][0]["message"] and rep["lines"][0]["customer_price"] is None
