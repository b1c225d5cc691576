"""The JSON admin API: auth, tenant isolation, settings, ERP connection, test connection, links."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.tenants.tables import erp_connections
from tests.fakes import credential_erp
from tests.scenarios.admin_support import bearer, csrf_of, sign_in

OPERATOR = "operator-token-" + "o" * 32
SECRET = "api-Plaintext-secret-42"


@pytest.fixture
def base_config(base_config):
    return {**base_config, "admin_token": OPERATOR}


@pytest.fixture
def admin(services, demo_tenant):
    return bearer(services.admin_sessions.mint(demo_tenant.id, "admin-1"))


def problem(response, status: int, reason: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["reason"] == reason, body
    return body


def test_requires_an_admin_credential(client, demo_tenant):
    problem(client.get("/api/v1/admin/settings"), 401, "admin_auth_required")
    problem(client.get("/api/v1/admin/settings", headers=bearer("not-a-token")), 401, "admin_auth_required")
    widget_like = bearer("eyJhbGciOiJIUzI1NiJ9.e30.x")
    problem(client.get("/api/v1/admin/erp-connection", headers=widget_like), 401, "admin_auth_required")


def test_operator_token_needs_an_explicit_tenant(client, demo_tenant):
    problem(client.get("/api/v1/admin/settings", headers=bearer(OPERATOR)), 404, "tenant_required")
    ok = client.get(f"/api/v1/admin/settings?tenant_id={demo_tenant.id}", headers=bearer(OPERATOR))
    assert ok.status_code == 200 and ok.get_json()["tenant_id"] == demo_tenant.id
    problem(client.get("/api/v1/admin/settings?tenant_id=nope", headers=bearer(OPERATOR)), 404, "unknown_tenant")


def test_another_tenants_session_cannot_read_or_modify(client, services, demo_tenant):
    other = services.tenants.upsert_tenant("demo", "other-company", "Other Co")
    intruder = bearer(services.admin_sessions.mint(other.id, "admin-9"))
    url = f"?tenant_id={demo_tenant.id}"
    problem(client.get("/api/v1/admin/settings" + url, headers=intruder), 403, "wrong_tenant")
    problem(client.get("/api/v1/admin/erp-connection" + url, headers=intruder), 403, "wrong_tenant")
    problem(client.put("/api/v1/admin/settings" + url, json={"shadow_mode": True}, headers=intruder),
            403, "wrong_tenant")
    problem(client.delete("/api/v1/admin/account-links/ACC-1001" + url, headers=intruder), 403, "wrong_tenant")
    problem(client.delete("/api/v1/admin/account-links/ACC-1001", headers=intruder), 404, "link_not_found")
    assert services.tenants.get(demo_tenant.id).settings.shadow_mode is False
    assert services.tenants.erp_customer_for(demo_tenant.id, "ACC-1001") == "CUST-0001"
    own = client.get("/api/v1/admin/account-links", headers=intruder).get_json()
    assert own == {"links": [], "message": ""}


def test_writes_with_only_the_cookie_are_refused(client, services, demo_tenant):
    """A cookie-authenticated API write needs this session's CSRF token (X-CSRF-Token), as every admin write."""
    sign_in(client, services, demo_tenant.id)
    assert client.get("/api/v1/admin/settings").status_code == 200
    problem(client.put("/api/v1/admin/settings", json={"shadow_mode": True}), 403, "csrf_failed")
    assert services.tenants.get(demo_tenant.id).settings.shadow_mode is False
    token = csrf_of(client)
    saved = client.put("/api/v1/admin/settings", json={"shadow_mode": True}, headers={"X-CSRF-Token": token})
    assert saved.status_code == 200 and services.tenants.get(demo_tenant.id).settings.shadow_mode is True


def test_settings_round_trip_and_translate_status(client, services, demo_tenant, admin):
    body = client.get("/api/v1/admin/settings", headers=admin).get_json()
    assert body["credit_hold_policy"] == "block"
    assert body["status_translations"]["open"] == "Open"
    assert "delivery_date" in body["allowed_mapping_fields"]
    response = client.put("/api/v1/admin/settings", headers=admin, json={
        "credit_hold_policy": "create_and_flag", "status_translations": {"open": "Offen"},
        "field_mapping": {"po_reference": "field:po_field_hash"}, "stock_items": ["SKU-1001"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status_translations"]["open"] == "Offen"
    settings = services.tenants.get(demo_tenant.id).settings
    assert settings.credit_hold_policy == "create_and_flag"
    assert settings.translate_status("open") == "Offen"
    assert settings.translate_status("closed") == "Closed"
    assert settings.field_mapping == {"po_reference": "field:po_field_hash"}


def test_settings_validation_gives_reasons(client, demo_tenant, admin):
    body = problem(client.put("/api/v1/admin/settings", headers=admin,
                              json={"field_mapping": {"colour": "x"}}), 422, "bad_field_mapping_key")
    assert "'colour' is not an order field" in body["errors"]["field_mapping.colour"][0]
    body = problem(client.put("/api/v1/admin/settings", headers=admin,
                              json={"credit_hold_policy": "maybe", "status_translations": {"lost": "x"}}),
                   422, "invalid_settings")
    assert body["reasons"] == {"credit_hold_policy": "unknown_credit_policy",
                               "status_translations.lost": "unknown_status"}
    problem(client.put("/api/v1/admin/settings", headers=admin, json={"colour": "red"}), 422, "validation_failed")


def test_erp_connection_secrets_are_write_only_and_encrypted(client, services, demo_tenant, admin):
    with credential_erp.registered() as name:
        response = client.put("/api/v1/admin/erp-connection", headers=admin, json={
            "connector": name, "values": {"url": "https://erp.example.com", "api_key": SECRET}})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert SECRET not in response.get_data(as_text=True)
        assert body["secrets_set"] == ["api_key"] and body["config"]["url"] == "https://erp.example.com"
        assert {f["name"] for f in body["fields"]} == {"url", "company", "api_key", "api_secret",
                                                       "max_concurrent_requests"}    # offered for every ERP
        with services.db.read() as conn:
            raw = conn.execute(sa.select(erp_connections.c.secrets_enc).where(
                erp_connections.c.tenant_id == demo_tenant.id)).scalar_one()
        assert SECRET not in raw
        got = client.get("/api/v1/admin/erp-connection", headers=admin)
        assert SECRET not in got.get_data(as_text=True) and got.get_json()["connector"] == name

        # keep the secret, change the URL; then test the stored connection
        client.put("/api/v1/admin/erp-connection", headers=admin, json={
            "connector": name, "values": {"url": "https://erp2.example.com"}})
        assert services.tenants.get_erp_connection(demo_tenant.id).secrets == {"api_key": SECRET}
        check = client.post("/api/v1/admin/erp-connection/test", headers=admin, json={}).get_json()
        assert check["ok"] is False and check["reason"] == "erp_auth_failed"
        assert "rejected the credentials" in check["sentence"]


def test_erp_connection_validation_gives_reasons(client, demo_tenant, admin):
    body = problem(client.put("/api/v1/admin/erp-connection", headers=admin,
                              json={"connector": "sap-r3", "values": {}}), 422, "unknown_connector")
    assert "sandbox" in body["detail"]
    with credential_erp.registered() as name:
        body = problem(client.put("/api/v1/admin/erp-connection", headers=admin,
                                  json={"connector": name, "values": {"api_key": "k"}}),
                       422, "missing_required_field")
        assert body["errors"] == {"url": ["ERP URL is required."]}
        body = problem(client.put("/api/v1/admin/erp-connection", headers=admin, json={
            "connector": name, "values": {"url": "https://e.example", "api_key": "k", "colour": "red"}}),
            422, "unknown_setting_field")
    problem(client.put("/api/v1/admin/erp-connection", headers=admin, json={"values": {}}),
            422, "validation_failed")


@pytest.mark.parametrize("url, reason, words", [
    ("file:///etc/passwd", "url_bad_scheme", "must start with https://"),
    ("http://erp.example.com", "url_not_https", "ERP_ALLOW_HTTP"),
    ("https://169.254.169.254/latest/meta-data", "url_forbidden_address", "never allowed"),
    ("https://10.0.0.8", "url_private_address", "ERP_ALLOWED_NETWORKS"),
    ("https://0x7f000001", "url_ip_spelling", "unusual spelling"),
])
def test_an_erp_address_outside_the_outbound_policy_is_refused_on_save_and_test(client, demo_tenant, admin, url,
                                                                                  reason, words):
    values = {"url": url, "api_key": "key-1", "api_secret": "secret-1", "company": "Acme"}
    for method, path in (("put", "/api/v1/admin/erp-connection"), ("post", "/api/v1/admin/erp-connection/test")):
        body = problem(getattr(client, method)(path, headers=admin, json={"connector": "erpnext", "values": values}),
                       422, reason)
        assert body["errors"]["url"][0].startswith("Site URL: ") and words in body["errors"]["url"][0]


def test_test_connection_with_the_sandbox_ok_and_in_an_outage(client, faults, demo_tenant, admin):
    ok = client.post("/api/v1/admin/erp-connection/test", headers=admin, json={"connector": "sandbox"})
    assert ok.status_code == 200 and ok.get_json()["ok"] is True
    faults.down = True
    down = client.post("/api/v1/admin/erp-connection/test", headers=admin, json={"connector": "sandbox"})
    body = down.get_json()
    assert body["ok"] is False and body["reason"] == "erp_unavailable"
    assert body["sentence"].startswith("The ERP could not be reached.")


def test_account_links_change_what_the_panel_shows(client, demo_tenant, admin, widget_headers):
    panel = "/api/v1/panel/accounts/ACC-1008"
    assert client.get(panel, headers=widget_headers).get_json()["sections"]["stock"]["state"] == "not_linked"
    put = client.put("/api/v1/admin/account-links/ACC-1008", headers=admin, json={"erp_customer_id": "CUST-0003"})
    assert put.get_json() == {"crm_account_id": "ACC-1008", "erp_customer_id": "CUST-0003", "state": "ok",
                              "erp_customer_name": 'O\'Brien "Quality" Supplies Ltd', "duplicate": False,
                              "message": ""}
    assert client.get(panel, headers=widget_headers).get_json()["sections"]["credit"]["state"] == "ok"
    links = client.get("/api/v1/admin/account-links", headers=admin).get_json()["links"]
    assert {"crm_account_id": "ACC-1008", "erp_customer_id": "CUST-0003", "state": "ok", "duplicate": False,
            "erp_customer_name": 'O\'Brien "Quality" Supplies Ltd', "message": ""} in links
    nope = problem(client.put("/api/v1/admin/account-links/ACC-1009", headers=admin,
                              json={"erp_customer_id": "CUST-NOPE"}), 422, "unknown_customer")
    assert "The ERP has no customer with the id 'CUST-NOPE'" in nope["detail"]
    problem(client.put("/api/v1/admin/account-links/ACC-1009", headers=admin, json={"erp_customer_id": "CUST-0011"}),
            422, "customer_disabled")
    assert client.delete("/api/v1/admin/account-links/ACC-1008", headers=admin).status_code == 204
    assert client.get(panel, headers=widget_headers).get_json()["sections"]["credit"]["state"] == "not_linked"
    problem(client.delete("/api/v1/admin/account-links/ACC-1008", headers=admin), 404, "link_not_found")
    problem(client.put("/api/v1/admin/account-links/ACC-1008", headers=admin, json={"erp_customer_id": " "}),
            422, "missing_required_field")


def test_uninstalled_tenant_is_refused(client, services, demo_tenant, admin):
    services.tenants.mark_uninstalled(demo_tenant.id)
    problem(client.get("/api/v1/admin/settings", headers=admin), 403, "tenant_inactive")
    problem(client.put("/api/v1/admin/account-links/X", headers=admin, json={"erp_customer_id": "C"}),
            403, "tenant_inactive")


def test_connectors_are_listed_with_their_settings(client, admin):
    with credential_erp.registered() as name:
        body = client.get("/api/v1/admin/erp-connectors", headers=admin).get_json()
    by_name = {c["name"]: c for c in body["connectors"]}
    assert by_name["sandbox"]["fields"][0]["name"] == "seed"
    secret = next(f for f in by_name[name]["fields"] if f["name"] == "api_key")
    assert secret["secret"] is True and secret["required"] is True
    problem(client.get("/api/v1/admin/erp-connectors"), 401, "admin_auth_required")
