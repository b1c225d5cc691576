"""pytest fixtures for HubSpot tests (imported by the HubSpot conftest files)."""
from __future__ import annotations

import json

import pytest
import responses

from tests.fakes.hubspot import CLIENT_ID, CLIENT_SECRET, FakeHubSpot, signed_headers

PUBLIC = "https://erp-panel.test"


@pytest.fixture
def hs_sleeps() -> list[float]:
    """Backoff waits the HubSpot client asked for (recorded, never slept)."""
    return []


@pytest.fixture
def base_config(base_config, hs_sleeps) -> dict:
    """The shared test config plus a configured HubSpot app (so ``app``/``client``/``services`` have it)."""
    return {**base_config, "hubspot_client_id": CLIENT_ID, "hubspot_client_secret": CLIENT_SECRET,
            "hubspot_app_id": "54321", "hubspot_sleep": hs_sleeps.append}


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


def post_signed(client, clock, path: str, payload, *, secret: str = CLIENT_SECRET, skew_ms: int = 0,
                body: bytes | None = None, uri: str | None = None):
    """POST ``payload`` the way HubSpot would, v3-signed at the frozen clock's now (+ skew)."""
    raw = body if body is not None else json.dumps(payload).encode()
    ts = int(clock.timestamp() * 1000) + skew_ms
    headers = signed_headers("POST", uri or PUBLIC + path, raw, ts, secret=secret)
    return client.post(path, data=raw, headers=headers)
