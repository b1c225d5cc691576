"""OAuth install: happy path, every failure the callback can meet, uninstall."""
from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlparse

import sqlalchemy as sa

from app.auth.admin import COOKIE_NAME
from app.tenants.tables import crm_credentials, oauth_states
from app.web.crm.install import STATE_COOKIE
from tests.fakes.browser_client import csrf_token_in
from tests.fakes.hubspot import CLIENT_ID, PORTAL_ID, USER_ID
from tests.fakes.hubspot_fixtures import run_install


def _start(client):
    response = client.get("/hubspot/install")
    assert response.status_code == 302
    return response.headers["Location"]


def test_authorize_url_has_client_scopes_state_and_pkce(client, services, fake_hubspot):
    url = _start(client)
    parsed = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == "https://app.hubspot.com/oauth/authorize"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == "https://erp-panel.test/hubspot/oauth/callback"
    assert set(query["scope"].split()) >= {"crm.objects.companies.read", "crm.objects.deals.read",
                                           "crm.objects.deals.write", "crm.objects.line_items.read",
                                           "crm.schemas.deals.write"}
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    with services.db.read() as conn:
        stored = conn.execute(sa.select(oauth_states.c.state_hash)).scalars().all()
    assert query["state"] not in stored
    assert hashlib.sha256(query["state"].encode()).hexdigest() in stored


def test_install_creates_tenant_tokens_properties_and_admin_session(client, services, fake_hubspot, clock):
    response = run_install(client, fake_hubspot)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/settings"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(COOKIE_NAME + "=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    tenant = services.tenants.find("hubspot", str(PORTAL_ID))
    token = cookie.split(";")[0].split("=", 1)[1]
    claims = services.admin_sessions.verify(token)
    assert (claims.tenant_id, claims.user_id) == (tenant.id, str(USER_ID))
    creds = services.tenants.get_crm_credentials(tenant.id)
    assert creds.access_token in fake_hubspot.access_tokens
    assert (creds.expires_at - clock.now()).total_seconds() == 1800
    with services.db.read() as conn:
        raw = conn.execute(sa.select(crm_credentials)).first()
    assert creds.access_token not in raw.access_token_enc and creds.refresh_token not in raw.refresh_token_enc
    assert fake_hubspot.properties == {"erp_order_number", "erp_order_status", "erp_failure_reason",
                                       "erp_delivery_status", "erp_invoice_status"}
    assert tenant.settings.crm_fields["order_number"] == "erp_order_number"


def test_reinstall_tolerates_existing_properties(client, services, fake_hubspot):
    assert run_install(client, fake_hubspot).status_code == 303
    assert run_install(client, fake_hubspot).status_code == 303
    assert len(services.tenants.list()) == 2        # demo + one HubSpot tenant, not two


def test_hub_id_from_token_metadata_when_response_lacks_it(client, services, fake_hubspot):
    fake_hubspot.include_hub_id = False
    assert run_install(client, fake_hubspot).status_code == 303
    assert services.tenants.find("hubspot", str(PORTAL_ID)) is not None
    assert any(path.startswith("/oauth/v1/access-tokens/") for _m, path in
               [(c.request.method, urlparse(c.request.url).path) for c in fake_hubspot.rsps.calls])


def _assert_failed(response, services, words: str):
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)
    assert not any(c.startswith(COOKIE_NAME) for c in response.headers.getlist("Set-Cookie"))   # nobody signed in
    assert services.tenants.find("hubspot", str(PORTAL_ID)) is None


def test_unknown_state_is_refused(client, services, fake_hubspot):
    code, _ = fake_hubspot.approve(_start(client))
    _assert_failed(client.get(f"/hubspot/oauth/callback?code={code}&state=forged"), services,
                   "another browser")   # a state this browser never started


def test_missing_state_is_refused(client, services, fake_hubspot):
    code, _ = fake_hubspot.approve(_start(client))
    _assert_failed(client.get(f"/hubspot/oauth/callback?code={code}"), services, "missing its state")


def test_reused_state_is_refused(client, services, fake_hubspot):
    code, state = fake_hubspot.approve(_start(client))
    assert client.get(f"/hubspot/oauth/callback?code={code}&state={state}").status_code == 303
    client.set_cookie(STATE_COOKIE, state)        # replayed in the browser that started it
    again = client.get(f"/hubspot/oauth/callback?code={code}&state={state}")
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)


def test_expired_state_is_refused(client, services, fake_hubspot, clock):
    code, state = fake_hubspot.approve(_start(client))
    clock.advance(minutes=10, seconds=1)
    _assert_failed(client.get(f"/hubspot/oauth/callback?code={code}&state={state}"), services, "expired")


def test_denied_consent_installs_nothing_and_spends_the_state(client, services, fake_hubspot):
    code, state = fake_hubspot.approve(_start(client))
    _assert_failed(client.get(f"/hubspot/oauth/callback?error=access_denied&state={state}"), services,
                   "cancelled")
    client.set_cookie(STATE_COOKIE, state)        # replayed in the browser that started it
    _assert_failed(client.get(f"/hubspot/oauth/callback?code={code}&state={state}"), services, "already used")


def test_rejected_code_is_reported(client, services, fake_hubspot):
    _, state = fake_hubspot.approve(_start(client))
    _assert_failed(client.get(f"/hubspot/oauth/callback?code=wrong&state={state}"), services,
                   "crm_oauth_refused")


def test_token_endpoint_outage_is_reported(client, services, fake_hubspot):
    code, state = fake_hubspot.approve(_start(client))
    fake_hubspot.fail_next("POST", "/oauth/v3/token", 503)
    _assert_failed(client.get(f"/hubspot/oauth/callback?code={code}&state={state}"), services,
                   "crm_unavailable")


def test_pkce_verifier_must_match_the_challenge(client, services, fake_hubspot):
    url = _start(client)
    code, state = fake_hubspot.approve(url)
    fake_hubspot.codes[code] = base64.urlsafe_b64encode(hashlib.sha256(b"other").digest()).rstrip(b"=").decode()
    _assert_failed(client.get(f"/hubspot/oauth/callback?code={code}&state={state}"), services,
                   "crm_oauth_refused")


def test_property_setup_failure_is_reported(client, services, fake_hubspot):
    code, state = fake_hubspot.approve(_start(client))
    fake_hubspot.fail_next("POST", "/crm/v3/properties/deals", 403)
    response = client.get(f"/hubspot/oauth/callback?code={code}&state={state}")
    assert response.status_code == 400 and "ERP order fields could not be created" in response.get_data(as_text=True)


def test_uninstall_revokes_and_forgets(client, services, hs_tenant, fake_hubspot):
    refresh = services.tenants.get_crm_credentials(hs_tenant.id).refresh_token
    services.cache.add(f"{hs_tenant.id}:marker", "1", keep_seconds=60)
    page = client.get("/hubspot/uninstall")
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    refused = client.post("/hubspot/uninstall")                      # the cookie alone: no CSRF token
    assert refused.status_code == 403 and services.tenants.get(hs_tenant.id).status == "active"
    done = client.post("/hubspot/uninstall", data={"csrf_token": csrf_token_in(page)})
    assert done.status_code == 200
    assert fake_hubspot.deleted_refresh_tokens == [refresh]
    assert services.tenants.get(hs_tenant.id).status == "uninstalled"
    assert services.tenants.get_crm_credentials(hs_tenant.id) is None
    assert not services.cache.exists(f"{hs_tenant.id}:marker")


def test_uninstall_needs_an_admin_session(app, fake_hubspot):
    response = app.test_client().post("/hubspot/uninstall")
    assert response.status_code == 401


def test_admin_links_point_at_install_and_uninstall(services, hs_tenant):
    links = services.crm.get("hubspot").settings_links(hs_tenant)
    assert [link.href for link in links] == ["/hubspot/install", "/hubspot/uninstall"]


def test_without_app_credentials_hubspot_routes_say_not_configured(base_config, clock, faults):
    from app import create_app
    unconfigured = create_app({**base_config, "hubspot_client_id": "", "hubspot_client_secret": ""},
                              clock=clock, sandbox_faults=faults)
    try:
        client = unconfigured.test_client()
        page = client.get("/hubspot/install")
        assert page.status_code == 404 and "not configured" in page.get_data(as_text=True)
        api = client.post("/api/v1/hubspot/webhooks", json=[])
        assert api.status_code == 404 and api.json["reason"] == "hubspot_not_configured"
        assert "hubspot" not in unconfigured.extensions["erp_panel"].crm.names()
    finally:
        unconfigured.extensions["erp_panel"].close()
