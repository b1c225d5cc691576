"""The settings page with the NetSuite and Business Central connectors against their fakes:
"Test connection" names each failure in plain words, saving stores secrets encrypted."""
from __future__ import annotations

import html

import pytest
import responses
import sqlalchemy as sa

from app.tenants.tables import erp_connections
from tests.fakes import businesscentral as bc_fake
from tests.fakes import netsuite as ns_fake
from tests.scenarios.admin_support import post_form, sign_in_demo_admin

NETSUITE_FORM = {"connector": "netsuite", "setting-account_id": ns_fake.ACCOUNT, "setting-auth_method": "m2m",
                 "setting-client_id": ns_fake.CLIENT_ID, "setting-certificate_id": ns_fake.CERTIFICATE_ID,
                 "setting-private_key": ns_fake.PRIVATE_KEY_PEM}
BC_FORM = {"connector": "businesscentral", "setting-tenant_id": bc_fake.TENANT, "setting-environment": bc_fake.ENVIRONMENT,
           "setting-company_id": bc_fake.COMPANY_ID, "setting-client_id": bc_fake.CLIENT_ID,
           "setting-client_secret": bc_fake.CLIENT_SECRET}


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as m:
        yield m


def sentence(response) -> str:
    body = html.unescape(response.get_data(as_text=True))
    return body.split('check-result" role="status">')[1].split("</p>")[0]


def check(client, form: dict, **changes: str) -> str:
    return sentence(post_form(client, "/admin/settings/erp", dict(form, action="test", **changes)))


def test_netsuite_test_connection_explains_each_failure(client, demo_tenant, mock, clock):
    fake = ns_fake.FakeNetSuite(mock, clock)
    sign_in_demo_admin(client)
    assert check(client, NETSUITE_FORM).startswith("The connection works.")
    assert check(client, NETSUITE_FORM, **{"setting-certificate_id": "other-cert"}).startswith(
        "The ERP rejected the credentials.")
    assert check(client, NETSUITE_FORM, **{"setting-account_id": "7654321"}).startswith(
        "The ERP account id is wrong or the account cannot be reached.")
    assert check(client, NETSUITE_FORM, **{"setting-location_id": "99"}).startswith(
        "A location was not found in the ERP.")
    fake.denied.add("inventoryitemlocations")
    denied = check(client, NETSUITE_FORM)
    assert denied.startswith("The ERP user is missing a permission.") and "item locations" in denied


def test_netsuite_tba_and_saved_settings_serve_the_panel(client, services, demo_tenant, mock, clock, widget_headers):
    ns_fake.FakeNetSuite(mock, clock)
    sign_in_demo_admin(client)
    tba = {"connector": "netsuite", "setting-account_id": "1234567-sb1", "setting-auth_method": "tba",
           "setting-consumer_key": ns_fake.CONSUMER_KEY, "setting-consumer_secret": ns_fake.CONSUMER_SECRET,
           "setting-token_id": ns_fake.TOKEN_ID, "setting-token_secret": "wrong"}
    assert check(client, tba).startswith("The ERP rejected the credentials.")
    saved = post_form(client, "/admin/settings/erp", dict(NETSUITE_FORM, action="save"))
    assert saved.status_code == 303, saved.get_data(as_text=True)
    with services.db.read() as conn:
        raw = conn.execute(sa.select(erp_connections.c.secrets_enc).where(
            erp_connections.c.tenant_id == demo_tenant.id)).scalar_one()
    assert ns_fake.PRIVATE_KEY_PEM.splitlines()[1] not in raw
    page = html.unescape(client.get("/admin/settings").get_data(as_text=True))
    assert ns_fake.PRIVATE_KEY_PEM.splitlines()[1] not in page and '<textarea id="setting-private_key"' in page
    panel = client.get("/api/v1/panel/accounts/ACC-1001", headers=widget_headers).get_json()
    assert panel["sections"]["credit"]["state"] == "ok" and panel["sections"]["credit"]["source"] == "netsuite"


def test_business_central_test_connection_explains_each_failure(client, demo_tenant, mock, clock):
    fake = bc_fake.FakeBusinessCentral(mock, clock)
    sign_in_demo_admin(client)
    assert check(client, BC_FORM).startswith("The connection works.")
    wrong_secret = check(client, BC_FORM, **{"setting-client_secret": "not-the-secret"})
    assert wrong_secret.startswith("The ERP rejected the credentials.") and "AADSTS7000215" in wrong_secret
    assert check(client, BC_FORM, **{"setting-tenant_id": "fabrikam.onmicrosoft.com"}).startswith(
        "The Microsoft Entra tenant was not found.")
    assert check(client, BC_FORM, **{"setting-environment": "sandbox"}).startswith(
        "The Business Central environment was not found.")
    assert check(client, BC_FORM, **{"setting-company_id": "00000000-0000-4000-8000-000000000000"}).startswith(
        "The company was not found in the ERP.")
    fake.denied.add("salesInvoices")
    assert check(client, BC_FORM).startswith("The ERP user is missing a permission.")
