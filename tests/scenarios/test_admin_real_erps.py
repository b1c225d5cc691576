"""The settings page with the real ERP connectors against their fakes (responses): test, save, read."""
from __future__ import annotations

import html

import pytest
import responses
import sqlalchemy as sa

from app.tenants.tables import erp_connections
from tests.fakes import erpnext as erpnext_fake
from tests.fakes import odoo as odoo_fake
from tests.scenarios.admin_support import post_form, sign_in_demo_admin

ERPNEXT_FORM = {"connector": "erpnext", "setting-url": erpnext_fake.URL, "setting-company": erpnext_fake.COMPANY,
                "setting-api_key": erpnext_fake.API_KEY, "setting-api_secret": erpnext_fake.API_SECRET}


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as m:
        yield m


def sentence(response) -> str:
    body = html.unescape(response.get_data(as_text=True))
    return body.split('check-result" role="status">')[1].split("</p>")[0]


def test_erpnext_test_connection_explains_each_failure(client, demo_tenant, mock, clock):
    fake = erpnext_fake.FakeERPNext(mock, clock)
    sign_in_demo_admin(client)
    ok = post_form(client, "/admin/settings/erp", dict(ERPNEXT_FORM, action="test"))
    assert sentence(ok).startswith("The connection works.")
    wrong = post_form(client, "/admin/settings/erp", dict(ERPNEXT_FORM, action="test", **{
        "setting-api_secret": "not-the-secret"}))
    assert sentence(wrong).startswith("The ERP rejected the credentials.")
    assert "not-the-secret" not in wrong.get_data(as_text=True)
    fake.denied.add("Bin")
    denied = post_form(client, "/admin/settings/erp", dict(ERPNEXT_FORM, action="test"))
    assert sentence(denied).startswith("The ERP user is missing a permission.")


def test_erpnext_saved_on_the_page_serves_the_panel(client, services, demo_tenant, mock, clock, widget_headers):
    erpnext_fake.FakeERPNext(mock, clock)
    sign_in_demo_admin(client)
    saved = post_form(client, "/admin/settings/erp", dict(ERPNEXT_FORM, action="save"))
    assert saved.status_code == 303, saved.get_data(as_text=True)
    with services.db.read() as conn:
        raw = conn.execute(sa.select(erp_connections.c.secrets_enc).where(
            erp_connections.c.tenant_id == demo_tenant.id)).scalar_one()
    assert erpnext_fake.API_SECRET not in raw and erpnext_fake.API_KEY not in raw
    page = html.unescape(client.get("/admin/settings").get_data(as_text=True))
    assert erpnext_fake.API_SECRET not in page and page.count("Set. Leave blank to keep the stored value.") == 2
    panel = client.get("/api/v1/panel/accounts/ACC-1001", headers=widget_headers).get_json()
    assert panel["sections"]["credit"]["state"] == "ok"
    assert panel["sections"]["credit"]["source"] == "erpnext"


def test_odoo_wrong_database_is_named(client, demo_tenant, mock, clock):
    odoo_fake.FakeOdoo(mock, clock)
    sign_in_demo_admin(client)
    form = {"connector": "odoo", "action": "test", "setting-url": odoo_fake.URL, "setting-database": "nope",
            "setting-api_key": odoo_fake.API_KEY, "setting-login": odoo_fake.LOGIN, "setting-api_flavour": "jsonrpc"}
    wrong_db = post_form(client, "/admin/settings/erp", form)
    assert sentence(wrong_db).startswith("The ERP database name is wrong.")
    right = post_form(client, "/admin/settings/erp", dict(form, **{"setting-database": odoo_fake.DATABASE}))
    assert sentence(right).startswith("The connection works.")
