"""pytest fixtures for HubSpot tests (imported by the HubSpot conftest files)."""
from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
import responses

from app.erp.registry import env_connection
from tests.fakes.hubspot import CLIENT_ID, CLIENT_SECRET, PORTAL_ID, USER_ID, FakeHubSpot, signed_headers

PUBLIC = "https://erp-panel.test"


@pytest.fixture
def hs_sleeps(clock) -> list[float]:
    """Backoff waits the HubSpot client asked for (through the injected clock: recorded, never slept)."""
    return clock.slept


@pytest.fixture
def base_config(base_config) -> dict:
    """The shared test config plus a configured HubSpot app (so ``app``/``client``/``services`` have it)."""
    return {**base_config, "hubspot_client_id": CLIENT_ID, "hubspot_client_secret": CLIENT_SECRET,
            "hubspot_app_id": "54321"}


@pytest.fixture
def fake_hubspot():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeHubSpot(rsps).install()


def run_install(client, fake: FakeHubSpot):
    """Admin clicks install, approves in HubSpot, comes back: returns the callback response."""
    start = client.get("/hubspot/install")
    assert start.status_code == 302, start.data
    code, state = fake.approve(start.headers["Location"])
    return client.get(f"/hubspot/oauth/callback?code={code}&state={state}")


@pytest.fixture
def hs_tenant(client, services, fake_hubspot):
    """An installed HubSpot tenant (portal 62515)."""
    response = run_install(client, fake_hubspot)
    assert response.status_code == 303, response.data
    return services.tenants.find("hubspot", str(fake_hubspot.portal_id))


@pytest.fixture
def hs_linked(services, hs_tenant, fake_hubspot):
    """The HubSpot tenant with an ERP connection (sandbox) and company 201 linked to CUST-0002."""
    conn = env_connection(None, "sandbox")
    services.tenants.save_erp_connection(hs_tenant.id, conn.connector, conn.config, conn.secrets)
    services.tenants.link_account(hs_tenant.id, "201", "CUST-0002")
    fake_hubspot.add_company("201", "Acme Corporation")
    return hs_tenant


def post_signed(client, clock, path: str, payload, *, secret: str = CLIENT_SECRET, skew_ms: int = 0,
                body: bytes | None = None, uri: str | None = None):
    """POST ``payload`` the way HubSpot would, v3-signed at the frozen clock's now (+ skew)."""
    raw = body if body is not None else json.dumps(payload).encode()
    ts = int(clock.timestamp() * 1000) + skew_ms
    headers = signed_headers("POST", uri or PUBLIC + path, raw, ts, secret=secret)
    return client.post(path, data=raw, headers=headers)


def proxy_query(portal=PORTAL_ID, user=USER_ID) -> str:
    """What HubSpot's fetch proxy appends to an app card's request URL before signing it (ProxyMetadata)."""
    return urlencode({"portalId": portal, "userId": user, "userEmail": "rep@example.com", "appId": "54321"})


def post_card(client, clock, path: str, payload, *, portal=PORTAL_ID, **kwargs):
    """An app card's hubspot.fetch as it reaches us: proxy parameters on the URL, the whole URL v3-signed."""
    return post_signed(client, clock, f"{path}?{proxy_query(portal)}", payload, **kwargs)
