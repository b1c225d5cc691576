"""pytest fixtures for Salesforce tests (import * from a conftest or test module)."""
from __future__ import annotations

import pytest
import responses

from app.erp.registry import env_connection
from tests.fakes.salesforce import CLIENT_ID, FakeSalesforce
from tests.fakes.salesforce_messages import CONSUMER_SECRET, ORG_ID

PUBLIC = "https://erp-panel.test"
ACCOUNT_ID = "0015e000002AbCdAAK"
OPPORTUNITY_ID = "0065e000003AbCdAAK"


@pytest.fixture
def base_config(base_config) -> dict:
    """The shared test config plus a configured Salesforce connected app."""
    return {**base_config, "salesforce_client_id": CLIENT_ID, "salesforce_client_secret": CONSUMER_SECRET}


@pytest.fixture
def fake_salesforce():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeSalesforce(rsps).install()


def run_install(client, fake: FakeSalesforce, *, sandbox: bool = False):
    """The admin clicks install, logs in to Salesforce, allows access, comes back: the callback response."""
    prefix = "/salesforce/sandbox" if sandbox else "/salesforce"
    start = client.get(f"{prefix}/install")
    assert start.status_code == 302, start.data
    code, state = fake.approve(start.headers["Location"])
    return client.get(f"{prefix}/oauth/callback?code={code}&state={state}")


@pytest.fixture
def sf_tenant(client, services, fake_salesforce):
    """An installed Salesforce tenant (org ORG_ID) with the sandbox ERP connected."""
    response = run_install(client, fake_salesforce)
    assert response.status_code == 303, response.data
    tenant = services.tenants.find("salesforce", ORG_ID)
    conn = env_connection(None, "sandbox")
    services.tenants.save_erp_connection(tenant.id, conn.connector, conn.config, conn.secrets)
    return tenant
