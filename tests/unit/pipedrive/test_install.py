"""Install (OAuth authorization code) and uninstall against the fake Pipedrive."""
from __future__ import annotations

import base64

import pytest

from app.auth.admin import COOKIE_NAME
from app.errors import Unauthorized
from app.web.crm.install import STATE_COOKIE
from tests.fakes.pipedrive import CLIENT_ID, CLIENT_SECRET
from tests.fakes.pipedrive_fixtures import CALLBACK, https_client, install, start_install


def _cookie(browser, name):
    return browser.get_cookie(name, domain="erp-panel.test")


def test_happy_path_lands_on_settings_with_admin_session(browser, fake, pd_services):
    response = install(browser, fake)
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/settings")
    set_cookies = response.headers.getlist("Set-Cookie")
    admin = next(c for c in set_cookies if c.startswith(COOKIE_NAME + "="))
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in admin
    tenant = pd_services.tenants.find("pipedrive", "13370")
    assert tenant.active and tenant.name == "ACME GmbH"
    claims = pd_services.admin_sessions.verify(_cookie(browser, COOKIE_NAME).value)
    assert (claims.tenant_id, claims.user_id) == (tenant.id, "191352")
    creds = pd_services.tenants.get_crm_credentials(tenant.id)
    assert creds.api_domain == "https://acme.pipedrive.com" and creds.access_token.startswith("at-")
    # token call: Basic auth checked by the fake, exact redirect URI, code grant
    assert fake.token_calls[0]["grant_type"] == "authorization_code"
    assert fake.token_calls[0]["redirect_uri"] == CALLBACK


def test_install_creates_webhook_v2_with_per_tenant_basic_auth(installed, fake, pd_services):
    [hook] = fake.company.webhooks
    assert hook["event_action"] == "change" and hook["event_object"] == "deal" and hook["version"] == "2.0"
    assert hook["subscription_url"] == f"https://erp-panel.test/pipedrive/webhooks/{installed.id}"
    extra = pd_services.tenants.get_crm_credentials(installed.id).extra
    assert hook["http_auth_user"] == extra["webhook_user"]
    assert hook["http_auth_password"] == extra["webhook_password"] and len(extra["webhook_password"]) >= 32
    assert extra["webhook_id"] == str(hook["id"])


def test_tokens_are_encrypted_at_rest(installed, pd_services):
    import sqlalchemy as sa

    from app.tenants.tables import crm_credentials
    creds = pd_services.tenants.get_crm_credentials(installed.id)
    with pd_services.db.read() as conn:
        row = conn.execute(sa.select(crm_credentials)).first()
    stored = " ".join(str(v) for v in row)
    assert creds.access_token not in stored and creds.refresh_token not in stored
    assert creds.extra["webhook_password"] not in stored


def test_reinstall_replaces_the_old_webhook(installed, browser, fake):
    install(browser, fake)
    assert len(fake.company.webhooks) == 1


def test_bad_state_is_refused_and_nothing_stored(browser, fake, pd_services):
    start_install(browser)
    response = browser.get("/pipedrive/oauth/callback", query_string={"code": fake.authorization_code(),
                                                                       "state": "forged-state"})
    assert response.status_code == 400
    assert "another browser" in response.get_data(as_text=True)
    assert pd_services.tenants.find("pipedrive", "13370") is None and fake.token_calls == []


def test_state_from_another_browser_is_refused(pd_app, browser, fake, pd_services):
    state = start_install(browser)
    other = https_client(pd_app)
    response = other.get("/pipedrive/oauth/callback", query_string={"code": fake.authorization_code(),
                                                                     "state": state})
    assert response.status_code == 400 and fake.token_calls == []


def test_reused_state_is_refused(browser, fake, pd_services):
    state = start_install(browser)
    first = browser.get("/pipedrive/oauth/callback", query_string={"code": fake.authorization_code(), "state": state})
    assert first.status_code == 303
    browser.set_cookie(STATE_COOKIE, state, domain="erp-panel.test", secure=True, path="/")
    again = browser.get("/pipedrive/oauth/callback", query_string={"code": fake.authorization_code(), "state": state})
    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True), again.get_data(as_text=True)
    assert len(fake.token_calls) == 1


def test_expired_state_is_refused(browser, fake, clock):
    state = start_install(browser)
    clock.advance(601)
    response = browser.get("/pipedrive/oauth/callback", query_string={"code": fake.authorization_code(),
                                                                       "state": state})
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert fake.token_calls == []


def test_denied_consent_stores_nothing_and_burns_the_state(browser, fake, pd_services):
    state = start_install(browser)
    response = browser.get("/pipedrive/oauth/callback", query_string={"error": "access_denied", "state": state})
    assert response.status_code == 400 and "cancelled" in response.get_data(as_text=True)
    assert pd_services.tenants.list() == [t for t in pd_services.tenants.list() if t.crm == "demo"]
    assert fake.token_calls == []
    browser.set_cookie(STATE_COOKIE, state, domain="erp-panel.test", secure=True, path="/")
    replay = browser.get("/pipedrive/oauth/callback", query_string={"code": fake.authorization_code(), "state": state})
    assert replay.status_code == 400


def test_token_exchange_failure(browser, fake, pd_services):
    state = start_install(browser)
    fake.fail_next("POST", "/oauth/token", 500)
    response = browser.get("/pipedrive/oauth/callback", query_string={"code": fake.authorization_code(),
                                                                       "state": state})
    assert response.status_code == 400 and "did not accept" in response.get_data(as_text=True)
    assert pd_services.tenants.find("pipedrive", "13370") is None


def test_invalid_code_is_refused(browser, fake, pd_services):
    state = start_install(browser)
    response = browser.get("/pipedrive/oauth/callback", query_string={"code": "stolen", "state": state})
    assert response.status_code == 400 and pd_services.tenants.find("pipedrive", "13370") is None


def test_marketplace_install_without_state_installs_but_does_not_sign_in(browser, fake, pd_services):
    response = browser.get("/pipedrive/oauth/callback", query_string={"code": fake.authorization_code()})
    assert response.status_code == 302 and response.headers["Location"] == "/pipedrive/install"
    assert not any(c.startswith(COOKIE_NAME) for c in response.headers.getlist("Set-Cookie"))
    assert pd_services.tenants.find("pipedrive", "13370").active
    assert len(fake.company.webhooks) == 1


def test_non_admin_installer_gets_no_admin_session(browser, fake):
    fake.company.is_admin = False
    response = install(browser, fake)
    assert response.status_code == 200 and "Pipedrive admin" in response.get_data(as_text=True)
    assert not any(c.startswith(COOKIE_NAME) for c in response.headers.getlist("Set-Cookie"))


def _basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_uninstall_deletes_tokens_and_cached_data(installed, browser, pd_services, fake):
    pd_services.cache.add(f"{installed.id}:something", "1", keep_seconds=60)
    body = {"client_id": CLIENT_ID, "company_id": 13370, "user_id": 191352, "timestamp": "2026-11-23T12:00:00Z"}
    response = browser.delete("/pipedrive/oauth/callback", json=body,
                              headers={"Authorization": _basic(CLIENT_ID, CLIENT_SECRET)})
    assert response.status_code == 200
    assert pd_services.tenants.get_crm_credentials(installed.id) is None
    assert pd_services.tenants.get(installed.id).status == "uninstalled"
    assert not pd_services.cache.exists(f"{installed.id}:something")


def test_uninstall_with_wrong_credentials_is_refused(installed, browser, pd_services):
    body = {"client_id": CLIENT_ID, "company_id": 13370, "user_id": 191352}
    for header in (_basic(CLIENT_ID, "guess"), _basic("other", CLIENT_SECRET), "", "Bearer x"):
        response = browser.delete("/pipedrive/oauth/callback", json=body, headers={"Authorization": header})
        assert response.status_code == 401
    assert pd_services.tenants.get(installed.id).active


def test_install_without_configuration_says_so(tmp_path, base_config, clock):
    from app import create_app
    config = {**base_config, "pipedrive_client_id": "", "pipedrive_client_secret": "",
              "database_url": f"sqlite:///{tmp_path}/unconfigured.sqlite3"}
    unconfigured = create_app(config, clock=clock)
    try:
        response = https_client(unconfigured).get("/pipedrive/install")
        assert response.status_code == 404 and "not configured" in response.get_data(as_text=True)
        assert "pipedrive" not in unconfigured.extensions["erp_panel"].crm.names()
    finally:
        unconfigured.extensions["erp_panel"].close()


def test_without_jwt_secret_the_client_secret_verifies_pipedrive_tokens(base_config, clock, tmp_path):
    from app import create_app
    from tests.fakes.pipedrive import JWT_SECRET
    config = {**base_config, "pipedrive_jwt_secret": "", "database_url": f"sqlite:///{tmp_path}/nojwt.sqlite3"}
    application = create_app(config, clock=clock)
    try:
        adapter = application.extensions["erp_panel"].crm.get("pipedrive")
        import jwt
        now = int(clock.timestamp())
        good = jwt.encode({"userId": 1, "companyId": 2, "exp": now + 60}, CLIENT_SECRET, algorithm="HS256")
        assert adapter.verify_widget_credential(good).installation_id == "2"
        other = jwt.encode({"userId": 1, "companyId": 2, "exp": now + 60}, JWT_SECRET, algorithm="HS256")
        with pytest.raises(Unauthorized):
            adapter.verify_widget_credential(other)
    finally:
        application.extensions["erp_panel"].close()
