"""JSON panel endpoint: JWT verification, tenant from the token only, Pipedrive panel limits."""
from __future__ import annotations

import json

import jwt as pyjwt
import pytest

from app.crm.pipedrive import panels
from tests.fakes.pipedrive import CLIENT_SECRET


def get_panel(browser, token, resource="organization", selected="7", **extra):
    return browser.get("/pipedrive/panel", query_string={"resource": resource, "view": "details",
                                                          "selectedIds": selected, "token": token, **extra})


def check_against_schema(body: dict) -> None:
    """What Pipedrive enforces: declared keys only, <=10 objects, <=20 fields, label/currency shapes."""
    schema = panels.load_schema()["properties"]["data"]
    declared = schema["items"]["properties"]
    assert len(body["data"]) <= schema["maxItems"] == panels.MAX_OBJECTS
    for obj in body["data"]:
        assert set(obj) <= set(declared), set(obj) - set(declared)
        assert {"id", "header"} <= set(obj) and len(set(obj) - {"id", "header"}) <= panels.MAX_FIELDS
        for key, value in obj.items():
            kind = declared[key].get("$ref", "").rsplit("/", 1)[-1]
            if kind == "label":
                assert set(value) == {"color", "label"} and len(value["label"]) <= 40
                assert value["color"] in {"green", "red", "blue", "yellow", "purple", "grey"}
            elif kind == "currency":
                assert set(value) == {"code", "value"} and len(value["code"]) == 3
            elif kind in ("numerical",):
                assert isinstance(value, int | float)
            elif kind == "text":
                assert isinstance(value, str) and len(value) <= 255
    assert len(declared) - 2 <= panels.MAX_FIELDS


def test_organization_panel_shows_the_erp_summary(linked, browser, fake):
    tenant, customer = linked
    response = get_panel(browser, fake.sign_jwt())
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    check_against_schema(body)
    credit = body["data"][0]
    assert credit["customer"] == customer and credit["status"]["label"] in ("Good to sell", "On hold", "Over limit",
                                                                           "Overdue")
    assert credit["header"].startswith("Can I sell?") and credit["note"]        # the glance line comes first
    assert any(o["header"] == "Open invoices" for o in body["data"])
    assert any(o["header"].startswith("Stock") for o in body["data"])


def test_deal_panel_shows_the_deals_readiness_and_organization(linked, browser, fake):
    response = get_panel(browser, fake.sign_jwt(), resource="deal", selected="42")
    assert response.status_code == 200
    body = response.get_json()
    check_against_schema(body)
    credit, readiness, finding = body["data"][:3]
    assert (readiness["header"], readiness["status"]) == ("Order readiness", {"color": "red", "label": "Blocked"})
    assert finding["header"] == "Must fix" and "Add the products" in finding["note"]    # deal 42 has none
    assert credit["customer"] == linked[1]
    get_panel(browser, fake.sign_jwt(), resource="deal", selected="42")
    # deal -> organization and the readiness are both remembered: the second load reads the deal no more
    assert fake.calls.count(("GET", "/api/v2/deals/42")) == 2


def test_unlinked_organization_says_how_to_link(installed, browser, fake):
    fake.add_org(8, "No link Ltd")
    body = get_panel(browser, fake.sign_jwt(), selected="8").get_json()
    check_against_schema(body)
    assert body["data"][0]["header"] == "Not linked to the ERP"


def test_wrong_secret_is_refused(linked, browser, fake):
    response = get_panel(browser, fake.sign_jwt(secret="not-the-secret-but-just-as-long-0123456789"))
    assert response.status_code == 401 and response.get_json()["error"]["title"] == "Not authorized"


def test_client_secret_is_not_accepted_when_a_jwt_secret_is_configured(linked, browser, fake):
    assert get_panel(browser, fake.sign_jwt(secret=CLIENT_SECRET)).status_code == 401


def test_expired_token_is_refused(linked, browser, fake, clock):
    token = fake.sign_jwt(lifetime=300)
    clock.advance(300 + 31)
    assert get_panel(browser, token).status_code == 401


def test_alg_none_is_refused(linked, browser, fake):
    token = pyjwt.encode({"userId": 191352, "companyId": 13370}, key=None, algorithm="none")
    assert get_panel(browser, token).status_code == 401


def test_other_company_gets_nothing_even_with_query_params(linked, browser, fake):
    token = fake.sign_jwt(company_id=99999)
    response = get_panel(browser, token, companyId="13370", userId="191352")
    assert response.status_code == 403 and "not installed" in json.dumps(response.get_json())


def test_missing_token_is_refused(linked, browser):
    assert browser.get("/pipedrive/panel", query_string={"resource": "organization", "selectedIds": "7",
                                                          "companyId": "13370"}).status_code == 401


def test_token_without_claims_is_refused(linked, browser, fake):
    from tests.fakes.pipedrive import JWT_SECRET
    token = pyjwt.encode({"sub": "x"}, JWT_SECRET, algorithm="HS256")
    assert get_panel(browser, token).status_code == 401


def test_non_numeric_record_is_a_panel_error(linked, browser, fake):
    response = get_panel(browser, fake.sign_jwt(), selected="7;drop")
    assert response.status_code == 404 and "error" in response.get_json()


def test_schema_file_is_served(browser):
    response = browser.get("/pipedrive/panel-schema.json")
    assert response.status_code == 200
    assert response.get_json()["properties"]["data"]["items"]["additionalProperties"] is False


def test_panel_json_caps_objects(linked):
    today_panel = {"linked": True, "erp_customer_id": "C", "customer_name": "C", "sections": {
        "credit": {"state": "ok", "data": None, "as_of": None},
        "invoices": {"state": "ok", "as_of": None, "summary": {"currency": "EUR", "open_count": 9, "overdue_count": 9,
                                                              "outstanding_total": 9, "overdue_total": 9},
                     "data": [{"number": f"I{i}", "is_overdue": True, "days_overdue": i, "due_date": None,
                               "outstanding": 1, "currency": "EUR", "status_raw": "", "status": "open"}
                              for i in range(9)]},
        "stock": {"state": "ok", "as_of": None, "data": [
            {"item_code": f"S{i}", "item_name": "x", "warehouse": "W", "available": i, "on_hand": i}
            for i in range(9)]}}}
    body = panels.panel_json(today_panel)
    assert len(body["data"]) == panels.MAX_OBJECTS
    check_against_schema(body)


def test_frame_entry_passes_only_pipedrive_iframe_params(browser):
    response = browser.get("/pipedrive/frame/panel", query_string={
        "id": "abc123", "resource": "deal", "selectedIds": "42", "userId": "1", "companyId": "2", "token": "t"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/widgets/account-panel/?crm=pipedrive&id=abc123&resource=deal&record=42"
    assert "frame-ancestors https://*.pipedrive.com" in response.headers["Content-Security-Policy"]
    org = browser.get("/pipedrive/frame/panel", query_string={"id": "x", "resource": "organization",
                                                               "selectedIds": "7"})
    assert org.headers["Location"].endswith("crm=pipedrive&id=x&resource=organization&account=7")


def test_widget_session_accepts_the_pipedrive_jwt(linked, browser, fake):
    response = browser.post("/api/v1/widget/session", json={"crm": "pipedrive", "credential": fake.sign_jwt()})
    assert response.status_code == 200 and response.get_json()["crm"] == "pipedrive"
    token = response.get_json()["token"]
    account = browser.get("/api/v1/pipedrive/records/deal/42/account", headers={"Authorization": f"Bearer {token}"})
    assert account.status_code == 200 and account.get_json() == {"crm_account_id": "7"}
    panel = browser.get("/api/v1/panel/accounts/7", headers={"Authorization": f"Bearer {token}"})
    assert panel.status_code == 200 and panel.get_json()["erp_customer_id"] == linked[1]


def test_widget_session_refuses_bad_pipedrive_jwts(linked, browser, fake, clock):
    expired = fake.sign_jwt(lifetime=60)
    clock.advance(120)
    for credential in (fake.sign_jwt(secret="s" * 40), expired, fake.sign_jwt(company_id=4242)):
        response = browser.post("/api/v1/widget/session", json={"crm": "pipedrive", "credential": credential})
        assert response.status_code == 401


def test_record_account_endpoint_needs_a_pipedrive_tenant(linked, browser, widget_headers_for_demo):
    response = browser.get("/api/v1/pipedrive/records/deal/42/account", headers=widget_headers_for_demo)
    assert response.status_code == 404 and response.get_json()["reason"] == "not_pipedrive"


def test_person_panel_shows_the_persons_organization(linked, browser, fake):
    fake.company.persons[3] = {"id": 3, "name": "Ada", "org_id": {"value": 7, "name": "ACME GmbH"}}
    response = get_panel(browser, fake.sign_jwt(), resource="person", selected="3")
    assert response.status_code == 200 and response.get_json()["data"][0]["customer"] == linked[1]


def test_deal_without_organization_shows_only_its_readiness(linked, browser, fake):
    fake.add_deal(43, None)
    response = get_panel(browser, fake.sign_jwt(), resource="deal", selected="43")
    assert response.status_code == 200
    headers = [o["header"] for o in response.get_json()["data"]]
    assert headers[0] == "Order readiness" and "Stock" not in " ".join(headers)
    assert any("Link the deal's company" in o.get("note", "") for o in response.get_json()["data"])


def test_pipedrive_outage_while_resolving_is_a_panel_error(linked, browser, fake):
    fake.fail_next("GET", r"/api/v2/deals/42$", 503)
    response = get_panel(browser, fake.sign_jwt(), resource="deal", selected="42")
    assert response.status_code == 502 and response.get_json()["error"]["title"] == "Pipedrive unavailable"


def test_a_retrying_section_tells_the_rep_to_reload_the_json_panel():
    # a JSON panel cannot load again by itself, unlike the widget and the HubSpot card
    section = {"state": "retrying", "message": "The ERP did not answer; trying again in a few seconds."}
    assert panels._state_note(section) == "The ERP did not answer; reload the panel in a few seconds."
    assert panels._state_note({"state": "stale"}) == "ERP not answering; figures may be out of date."


@pytest.mark.parametrize(("code", "price", "label", "first"), [
    # the demo's first linked customer, CUST-0001 (EUR, 5 % off), pays 700.74 for SKU-1025 (668 in stock)
    ("SKU-1025", 700.74, "Ready", None),
    ("SKU-1025", 600.00, "Check first", "Check"),
    ("SKU-9999", 10.00, "Blocked", "Must fix"),
])
def test_deal_panel_readiness_ready_warnings_blocked(linked, browser, fake, code, price, label, first):
    fake.company.products[601] = {"id": 601, "name": "Thing", "code": code}
    fake.add_deal(44, 7, products=[{"id": 9, "product_id": 601, "name": "Thing", "item_price": price, "quantity": 12,
                                    "enabled_flag": True}])
    body = get_panel(browser, fake.sign_jwt(), resource="deal", selected="44").get_json()
    check_against_schema(body)
    assert body["data"][0]["header"].startswith("Can I sell?")             # the glance line first
    head = body["data"][1]
    assert (head["header"], head["status"]["label"]) == ("Order readiness", label)
    if first:
        assert body["data"][2]["header"] == first
    line = next(o for o in body["data"] if o["header"].startswith("Line ·"))
    assert line["item"] == code and "12 needed" in line["note"] and "deal price" in line["note"]
