"""The panel API through the Flask test client: sessions, auth, isolation, errors, headers."""
from app.crm.demo.seed import DEMO_COMPANY
from tests.fakes.demo import demo


def _session(client, services, account="ACC-1001", company=DEMO_COMPANY):
    ctx = demo(services).store.sign_widget_context(company, "rep-7", account)
    return client.post("/api/v1/widget/session", json={"crm": "demo", "credential": ctx})


def test_widget_session_then_panel(client, services):
    resp = _session(client, services)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["object_id"] == "ACC-1001" and 0 < body["expires_in"] <= 300
    panel = client.get("/api/v1/panel/accounts/ACC-1001", headers={"Authorization": f"Bearer {body['token']}"})
    assert panel.status_code == 200
    data = panel.get_json()
    assert data["linked"] and data["customer_name"] == "Müller & Söhne GmbH"
    assert set(data["sections"]) == {"credit", "stock", "invoices", "pricing"}
    for section in data["sections"].values():
        assert section["state"] == "ok" and section["as_of"] and section["stale"] is False
    assert data["sections"]["credit"]["data"]["balance"].replace(".", "").isdigit()   # money as exact strings
    assert panel.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in panel.headers


def test_tampered_expired_or_foreign_credentials_are_rejected(client, services, clock):
    ctx = demo(services).store.sign_widget_context(DEMO_COMPANY, "rep", "ACC-1001")
    tampered = ctx[:-2] + ("AA" if not ctx.endswith("AA") else "BB")
    for credential in (tampered, "garbage", ""):
        resp = client.post("/api/v1/widget/session", json={"crm": "demo", "credential": credential})
        assert resp.status_code in (401, 422)
        assert resp.headers["Content-Type"] == "application/problem+json"
    clock.advance(301)
    resp = client.post("/api/v1/widget/session", json={"crm": "demo", "credential": ctx})
    assert resp.status_code == 401 and resp.get_json()["reason"] == "invalid_crm_credential"
    # signed correctly but for a CRM company where erp-panel is not installed
    resp = _session(client, services, company="not-installed")
    assert resp.status_code == 401 and resp.get_json()["reason"] == "not_installed"
    resp = client.post("/api/v1/widget/session", json={"crm": "salesforce", "credential": ctx})
    assert resp.status_code == 401


def test_the_session_and_the_first_panel_read_in_one_round_trip(client, services):
    ctx = demo(services).store.sign_widget_context(DEMO_COMPANY, "rep-7", "ACC-1003")
    body = client.post("/api/v1/widget/session", json={"crm": "demo", "credential": ctx,
                                                        "account": "ACC-1003"}).get_json()
    panel = body["panel"]
    assert panel["crm_account_id"] == "ACC-1003" and panel["glance"]["verdict"] == "on_hold"
    read = client.get("/api/v1/panel/accounts/ACC-1003", headers={"Authorization": f"Bearer {body['token']}"})
    assert read.get_json()["sections"]["credit"]["data"] == panel["sections"]["credit"]["data"]
    # a session bound to one record reads no other, as with the token
    other = client.post("/api/v1/widget/session", json={"crm": "demo", "credential": ctx, "account": "ACC-1001"})
    assert other.status_code == 200 and other.get_json()["panel"] is None
    assert _session(client, services).get_json()["panel"] is None                  # no account named: no read


def test_session_request_validation_is_problem_json(client):
    resp = client.post("/api/v1/widget/session", json={"crm": "demo"})
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["reason"] == "validation_failed" and "credential" in str(body["errors"])
    assert resp.headers["Content-Type"] == "application/problem+json"


def test_panel_requires_a_valid_token(client, services, demo_tenant, clock):
    assert client.get("/api/v1/panel/accounts/ACC-1001").get_json()["reason"] == "missing_token"
    bad = client.get("/api/v1/panel/accounts/ACC-1001", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.get_json()["reason"] == "invalid_widget_token"
    token, _ = services.widget_tokens.mint(demo_tenant.id, "rep", "demo")
    clock.advance(301)
    expired = client.get("/api/v1/panel/accounts/ACC-1001", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401


def test_token_bound_to_a_record_cannot_read_another(client, services):
    token = _session(client, services, account="ACC-1001").get_json()["token"]
    resp = client.get("/api/v1/panel/accounts/ACC-1002", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 403 and resp.get_json()["reason"] == "wrong_record"


def test_tenant_comes_from_the_token_not_the_request(client, services, demo_tenant):
    other = services.tenants.upsert_tenant("demo", "rival", "Rival Inc")
    services.tenants.save_erp_connection(other.id, "sandbox", {}, {})
    services.tenants.link_account(other.id, "RIVAL-1", "CUST-0002")
    token, _ = services.widget_tokens.mint(demo_tenant.id, "rep", "demo")
    headers = {"Authorization": f"Bearer {token}"}
    # the rival's account id is unknown inside the demo tenant, whatever query parameters say
    resp = client.get(f"/api/v1/panel/accounts/RIVAL-1?tenant_id={other.id}&portal_id=rival", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["linked"] is False
    assert resp.get_json()["sections"]["credit"]["data"] is None


def test_uninstalled_tenant_tokens_stop_working(client, services, demo_tenant, widget_headers):
    services.tenants.mark_uninstalled(demo_tenant.id)
    resp = client.get("/api/v1/panel/accounts/ACC-1001", headers=widget_headers)
    assert resp.status_code == 401 and resp.get_json()["reason"] == "tenant_inactive"


def test_refresh_endpoint_rate_limit_is_problem_json(client, widget_headers):
    assert client.post("/api/v1/panel/accounts/ACC-1001/refresh", headers=widget_headers).status_code == 200
    resp = client.post("/api/v1/panel/accounts/ACC-1001/refresh", headers=widget_headers)
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "30" and resp.get_json()["reason"] == "refresh_rate_limited"


def test_stale_sections_when_the_erp_fails(client, widget_headers, faults, clock):
    client.get("/api/v1/panel/accounts/ACC-1001", headers=widget_headers)
    faults.down = True
    clock.advance(120)
    body = client.get("/api/v1/panel/accounts/ACC-1001", headers=widget_headers).get_json()
    stock = body["sections"]["stock"]
    assert stock["state"] == "stale" and stock["stale"] is True and stock["age_seconds"] == 120
    assert stock["data"] and stock["reason"] == "erp_unavailable"
    assert body["sections"]["credit"]["state"] == "ok"


def test_unknown_routes_and_methods_are_problem_json(client):
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404 and resp.headers["Content-Type"] == "application/problem+json"
    resp = client.delete("/api/v1/panel/accounts/ACC-1")
    assert resp.status_code == 405 and resp.get_json()["reason"] == "method_not_allowed"


def test_security_headers(client):
    widget = client.get("/widgets/account-panel/")
    csp = widget.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://*.pipedrive.com https://app.hubspot.com" in csp
    assert "*" not in csp.split("frame-ancestors")[1].replace("https://*.", "")
    assert "X-Frame-Options" not in widget.headers
    api = client.get("/healthz")
    assert "frame-ancestors 'none'" in api.headers["Content-Security-Policy"]
    for resp in (widget, api):
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/widgets/other/").status_code == 404


def test_health_and_metrics(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ok", "ready": True, "database": {"state": "ok", "dialect": "sqlite"},
                                "redis": {"state": "not_configured"}}
    assert client.get("/metrics").status_code == 200
