"""Install (PKCE, identity check, admin flag), the Canvas page, the outbound endpoint, set-up and disconnect."""
from __future__ import annotations

import base64
import hashlib
import html
import re
from urllib.parse import parse_qs, urlparse

from app import create_app
from app.crm.salesforce.install import OUTBOUND_SECRET
from tests.fakes.browser_client import csrf_token_in
from tests.fakes.salesforce_fixtures import ACCOUNT_ID, run_install
from tests.fakes.salesforce_messages import ORG_ID, canvas_envelope, outbound_message, signed_request


def test_authorize_url_has_client_scopes_state_and_pkce(client, fake_salesforce):
    location = client.get("/salesforce/install").headers["Location"]
    assert location.startswith("https://login.salesforce.com/services/oauth2/authorize?")
    query = parse_qs(urlparse(location).query)
    assert query["scope"] == ["api refresh_token"] and query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["https://erp-panel.test/salesforce/oauth/callback"]
    assert len(query["code_challenge"][0]) == len(base64.urlsafe_b64encode(hashlib.sha256().digest()).rstrip(b"="))


def test_install_stores_org_instance_and_an_outbound_secret_kept_across_reinstalls(client, services, fake_salesforce):
    assert run_install(client, fake_salesforce).status_code == 303
    tenant = services.tenants.find("salesforce", ORG_ID)
    creds = services.tenants.get_crm_credentials(tenant.id)
    assert creds.api_domain == "https://acme.my.salesforce.com" and creds.extra["org_currency"] == "EUR"
    secret = creds.extra[OUTBOUND_SECRET]
    assert len(secret) >= 40
    run_install(client, fake_salesforce)
    assert services.tenants.get_crm_credentials(tenant.id).extra[OUTBOUND_SECRET] == secret


def test_a_tampered_identity_url_is_refused(client, services, fake_salesforce):
    fake_salesforce.tamper_identity = True
    response = run_install(client, fake_salesforce)
    assert response.status_code == 400 and "answer did not verify" in html.unescape(response.get_data(as_text=True))
    assert [t for t in services.tenants.list() if t.crm == "salesforce"] == []


def test_a_user_without_customize_application_is_installed_but_not_signed_in(client, services, fake_salesforce):
    fake_salesforce.customize_application = False
    response = run_install(client, fake_salesforce)
    assert response.status_code == 200 and "Only a Salesforce admin" in response.get_data(as_text=True)
    assert services.tenants.find("salesforce", ORG_ID).active


def test_canvas_page_serves_the_widget_without_cookies_framed_only_by_crms(client, sf_tenant, clock):
    signed = signed_request(canvas_envelope(record={"Id": ACCOUNT_ID}, issued_at=int(clock.timestamp())))
    page = client.post("/salesforce/canvas", data={"signed_request": signed})
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors" in csp and "https://*.force.com" in csp and "https://*.salesforce.com" in csp
    html = page.get_data(as_text=True)
    assert 'data-crm="salesforce"' in html and f'data-account="{ACCOUNT_ID}"' in html
    assert re.search(r'src="/widgets/account-panel/panel\.[0-9a-f]{10}\.js"', html)      # fingerprinted, absolute


def test_canvas_page_refuses_what_does_not_verify(client, sf_tenant):
    assert client.get("/salesforce/canvas").status_code == 405
    forged = signed_request(canvas_envelope(record={"Id": ACCOUNT_ID}), "not-the-consumer-secret")
    refused = client.post("/salesforce/canvas", data={"signed_request": forged})
    assert refused.status_code == 401 and "data-credential" not in refused.get_data(as_text=True)
    other_org = signed_request(canvas_envelope(org_id="00D5e000000ZzZzEAK"))
    assert client.post("/salesforce/canvas", data={"signed_request": other_org}).status_code == 403


def _outbound_path(services, tenant) -> str:
    return services.crm.get("salesforce").outbound_url(tenant).removeprefix("https://erp-panel.test")


def test_outbound_endpoint_acks_refuses_wrong_secret_wrong_org_and_bad_xml(client, services, sf_tenant):
    path = _outbound_path(services, sf_tenant)
    message = outbound_message([("04l5e000000Q1w2AAC", "0065e000003AbCd", False)])
    ok = client.post(path, data=message, content_type="text/xml")
    assert ok.status_code == 200 and ok.get_data(as_text=True).count("<Ack>true</Ack>") == 1
    wrong_secret = path.rsplit("/", 1)[0] + "/" + "x" * 43
    assert client.post(wrong_secret, data=message, content_type="text/xml").status_code == 401
    other_org = outbound_message([("04l5e000000Q1w2AAC", "0065e000003AbCd", True)], org_id="00D5e000000ZzZzEAK")
    assert client.post(path, data=other_org, content_type="text/xml").status_code == 401
    for bad in (b"<not-soap/>", b'<!DOCTYPE x [<!ENTITY a "a">]><x>&a;</x>', b"\xff\xfe"):
        answer = client.post(path, data=bad, content_type="text/xml")
        assert answer.status_code == 400 and answer.content_type.startswith("application/problem+json")


def test_settings_page_shows_the_outbound_url_to_the_admin_only(app, client, services, sf_tenant):
    page = client.get("/salesforce/settings").get_data(as_text=True)
    assert services.crm.get("salesforce").outbound_url(sf_tenant) in page
    assert "https://erp-panel.test/salesforce/canvas" in page
    assert app.test_client().get("/salesforce/settings").status_code == 401


def test_disconnect_revokes_the_refresh_token_at_the_org(client, services, sf_tenant, fake_salesforce):
    refresh = services.tenants.get_crm_credentials(sf_tenant.id).refresh_token
    page = client.get("/salesforce/uninstall")
    assert client.post("/salesforce/uninstall").status_code == 403           # the cookie alone: no CSRF token
    assert client.post("/salesforce/uninstall", data={"csrf_token": csrf_token_in(page)}).status_code == 200
    assert fake_salesforce.revoked == [refresh]
    assert services.tenants.get_crm_credentials(sf_tenant.id) is None


def test_without_app_credentials_salesforce_routes_say_not_configured(base_config, clock, faults):
    application = create_app({**base_config, "salesforce_client_id": "", "salesforce_client_secret": ""},
                             clock=clock, sandbox_faults=faults)
    client = application.test_client()
    assert client.get("/salesforce/install").status_code == 404
    assert client.post("/salesforce/canvas", data={"signed_request": "x.y"}).status_code == 404
    application.extensions["erp_panel"].close()
