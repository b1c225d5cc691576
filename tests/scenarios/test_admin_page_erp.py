"""The settings page's ERP connection section: save (secrets encrypted, kept when blank), test, errors."""
from __future__ import annotations

import sqlalchemy as sa

from app.tenants.tables import erp_connections
from tests.fakes import credential_erp
from tests.scenarios.admin_support import page_text, post_form, sign_in_demo_admin

SECRET = "s3cr3t-Plaintext-Value"


def test_saving_erp_settings_encrypts_secrets_and_keeps_them_when_left_blank(client, services, demo_tenant):
    sign_in_demo_admin(client)
    with credential_erp.registered() as name:
        form = {"connector": name, "action": "save", "setting-url": "https://erp.example.com",
                "setting-company": "", "setting-api_key": SECRET, "setting-api_secret": ""}
        response = post_form(client, "/admin/settings/erp", form)
        assert response.status_code == 303, page_text(response)
        with services.db.read() as conn:
            row = conn.execute(sa.select(erp_connections).where(
                erp_connections.c.tenant_id == demo_tenant.id)).one()
        assert SECRET not in str(row.secrets_enc) and SECRET not in str(row.config)
        stored = services.tenants.get_erp_connection(demo_tenant.id)
        assert stored.secrets == {"api_key": SECRET}
        assert stored.config == {"url": "https://erp.example.com", "company": "Main"}

        page = page_text(client.get(f"/admin/settings?connector={name}"))
        assert SECRET not in page
        assert "Set. Leave blank to keep the stored value." in page

        form.update({"setting-url": "https://erp2.example.com", "setting-api_key": ""})
        assert post_form(client, "/admin/settings/erp", form).status_code == 303
        stored = services.tenants.get_erp_connection(demo_tenant.id)
        assert stored.secrets == {"api_key": SECRET}
        assert stored.config["url"] == "https://erp2.example.com"


def test_missing_required_setting_is_shown_next_to_the_field(client, services, demo_tenant):
    sign_in_demo_admin(client)
    with credential_erp.registered() as name:
        response = post_form(client, "/admin/settings/erp", {
            "connector": name, "action": "save", "setting-url": "", "setting-api_key": ""})
    assert response.status_code == 422
    body = page_text(response)
    assert "ERP URL is required." in body and "API key is required." in body
    assert 'name="setting-url" type="text" value="" aria-invalid="true"' in body
    assert services.tenants.get_erp_connection(demo_tenant.id).connector == "sandbox"


def test_unknown_connector_is_a_sentence_on_the_page(client, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/erp", {"connector": "sap-r3", "action": "save"})
    assert response.status_code == 422
    assert "'sap-r3' is not an available ERP connector" in page_text(response)


def test_test_connection_with_the_sandbox_up_and_down(client, faults, services, demo_tenant):
    sign_in_demo_admin(client)
    form = {"connector": "sandbox", "action": "test", "setting-seed": "42"}
    ok = post_form(client, "/admin/settings/erp", form)
    assert ok.status_code == 200
    assert "The connection works. Connected to the built-in sandbox ERP" in page_text(ok)
    faults.down = True
    down = post_form(client, "/admin/settings/erp", form)
    body = page_text(down)
    assert "The ERP could not be reached." in body and "(reason: erp_unavailable)" in body


def test_test_connection_reports_bad_credentials_and_does_not_save(client, services, demo_tenant):
    sign_in_demo_admin(client)
    with credential_erp.registered() as name:
        response = post_form(client, "/admin/settings/erp", {
            "connector": name, "action": "test", "setting-url": "https://erp.example.com",
            "setting-api_key": "wrong"})
    body = page_text(response)
    assert "The ERP rejected the credentials. The API key was not accepted (HTTP 401)." in body
    assert 'name="setting-api_key" type="password" autocomplete="new-password" value=""' in body
    assert services.tenants.get_erp_connection(demo_tenant.id).connector == "sandbox"


def test_bad_setting_value_gives_a_sentence_not_a_500(client, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/erp", {"connector": "sandbox", "action": "save",
                                                         "setting-seed": "forty-two"})
    assert response.status_code == 422
    assert "These settings cannot be used by the connector" in page_text(response)


def test_saving_forgets_the_tenants_cached_panel_data(client, services, demo_tenant, widget_headers, faults):
    sign_in_demo_admin(client)
    form = {"connector": "sandbox", "action": "save", "setting-seed": "42"}
    post_form(client, "/admin/settings/erp", form)
    client.get("/api/v1/panel/accounts/ACC-1001", headers=widget_headers)
    calls = faults.total_calls()
    client.get("/api/v1/panel/accounts/ACC-1001", headers=widget_headers)
    assert faults.total_calls() == calls                      # served from cache
    post_form(client, "/admin/settings/erp", form)              # same settings, same cache keys
    client.get("/api/v1/panel/accounts/ACC-1001", headers=widget_headers)
    assert faults.total_calls() > calls                       # cache was dropped: fetched again


def test_unknown_connector_in_the_address_is_a_sentence(client, demo_tenant):
    sign_in_demo_admin(client)
    page = client.get("/admin/settings?connector=nonesuch")
    assert page.status_code == 200
    assert "'nonesuch' is not an available ERP connector." in page_text(page)


def test_test_connection_keeps_the_typed_secrets_until_save_without_showing_them(client, services, demo_tenant):
    sign_in_demo_admin(client)
    with credential_erp.registered() as name:
        form = {"connector": name, "action": "test", "setting-url": "https://erp.example.com",
                "setting-company": "", "setting-api_key": credential_erp.GOOD_KEY, "setting-api_secret": ""}
        tested = post_form(client, "/admin/settings/erp", form)
        body = page_text(tested)
        assert "The connection works." in body and credential_erp.GOOD_KEY not in body
        assert "Typed for the connection test; kept until Save" in body
        assert services.tenants.get_erp_connection(demo_tenant.id).connector == "sandbox"     # nothing saved yet
        form.update({"action": "save", "setting-api_key": ""})            # Save without typing the key again
        assert post_form(client, "/admin/settings/erp", form).status_code == 303
        stored = services.tenants.get_erp_connection(demo_tenant.id)
        assert (stored.connector, stored.secrets) == (name, {"api_key": credential_erp.GOOD_KEY})
        assert "kept until Save" not in page_text(client.get(f"/admin/settings?connector={name}"))


def test_an_address_without_https_gets_a_sentence(client, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/erp", {
        "connector": "erpnext", "action": "test", "setting-url": "erp.example.com", "setting-api_key": "k",
        "setting-api_secret": "s", "setting-company": "Acme"})
    assert response.status_code == 422
    assert "The address has no https:// in front; write it as https://erp.example.com." in page_text(response)
