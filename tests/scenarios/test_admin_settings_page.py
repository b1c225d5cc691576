"""The admin settings page, driven like an admin in a browser (Flask test client)."""
from __future__ import annotations

import html

import sqlalchemy as sa

from app.auth.admin import COOKIE_NAME
from app.tenants.tables import erp_connections
from tests.fakes import credential_erp
from tests.scenarios.admin_support import csrf_of, post_form, sign_in, sign_in_demo_admin

SECRET = "s3cr3t-Plaintext-Value"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_demo_admin_login_sets_a_host_cookie_and_the_page_renders(client, demo_tenant):
    response = client.post("/demo/admin-login")
    assert response.status_code == 303
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE_NAME + "="))
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    page = client.get("/admin/settings")
    body = text(page)
    assert page.status_code == 200
    assert "Settings for Demo Company" in body
    assert "Built-in sandbox ERP (demo data)" in body
    assert "ACC-1001" in body and "CUST-0001" in body            # account links
    assert "Order processing is not enabled" in body or "Error queue" in body
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/admin/static/admin.css").status_code == 200


def test_demo_host_page_has_the_admin_button(client, demo_tenant):
    page = client.get("/demo/accounts/ACC-1001")
    assert 'action="/demo/admin-login"' in page.get_data(as_text=True)
    assert "Settings (admin)" in page.get_data(as_text=True)


def test_cross_site_demo_login_is_refused(client, demo_tenant):
    response = client.post("/demo/admin-login", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert COOKIE_NAME not in " ".join(response.headers.getlist("Set-Cookie"))


def test_without_a_session_the_page_says_how_to_sign_in(client, demo_tenant):
    page = client.get("/admin/settings")
    assert page.status_code == 401
    assert page.mimetype == "text/html"
    assert "not signed in as an admin" in text(page)


def test_logout_clears_the_cookie(client, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/logout", {})
    assert response.status_code == 200
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE_NAME + "="))
    assert "Max-Age=0" in cookie or "Expires=Thu, 01 Jan 1970" in cookie
    assert client.get("/admin/settings").status_code == 401


def test_form_post_without_csrf_token_is_refused_with_a_sentence(client, demo_tenant, services):
    sign_in_demo_admin(client)
    response = client.post("/admin/settings/links", data={"crm_account_id": "ACC-X", "erp_customer_id": "C"})
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "did not come from an open settings page" in text(response)
    wrong = post_form(client, "/admin/settings/links", {"crm_account_id": "ACC-X", "erp_customer_id": "C"},
                      csrf="0" * 64)
    assert wrong.status_code == 403
    cross = post_form(client, "/admin/settings/links", {"crm_account_id": "ACC-X", "erp_customer_id": "C"},
                      headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert "ACC-X" not in services.tenants.list_links(demo_tenant.id)


def test_csrf_token_of_one_session_does_not_work_for_another(client, app, services, demo_tenant):
    sign_in_demo_admin(client)
    token = csrf_of(client)
    other = app.test_client()
    sign_in(other, services, demo_tenant.id, user_id="someone-else")
    response = post_form(other, "/admin/settings/links", {"crm_account_id": "A", "erp_customer_id": "B"},
                         csrf=token)
    assert response.status_code == 403


def test_saving_erp_settings_encrypts_secrets_and_keeps_them_when_left_blank(client, services, demo_tenant):
    sign_in_demo_admin(client)
    with credential_erp.registered() as name:
        form = {"connector": name, "action": "save", "setting-url": "https://erp.example.com",
                "setting-company": "", "setting-api_key": SECRET, "setting-api_secret": ""}
        response = post_form(client, "/admin/settings/erp", form)
        assert response.status_code == 303, text(response)
        with services.db.read() as conn:
            row = conn.execute(sa.select(erp_connections).where(
                erp_connections.c.tenant_id == demo_tenant.id)).one()
        assert SECRET not in str(row.secrets_enc) and SECRET not in str(row.config)
        stored = services.tenants.get_erp_connection(demo_tenant.id)
        assert stored.secrets == {"api_key": SECRET}
        assert stored.config == {"url": "https://erp.example.com", "company": "Main"}

        page = text(client.get(f"/admin/settings?connector={name}"))
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
    body = text(response)
    assert "ERP URL is required." in body and "API key is required." in body
    assert services.tenants.get_erp_connection(demo_tenant.id).connector == "sandbox"


def test_unknown_connector_is_a_sentence_on_the_page(client, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/erp", {"connector": "sap-r3", "action": "save"})
    assert response.status_code == 422
    assert "'sap-r3' is not an available ERP connector" in text(response)


def test_test_connection_with_the_sandbox_up_and_down(client, faults, services, demo_tenant):
    sign_in_demo_admin(client)
    form = {"connector": "sandbox", "action": "test", "setting-seed": "42"}
    ok = post_form(client, "/admin/settings/erp", form)
    assert ok.status_code == 200
    assert "The connection works. Connected to the built-in sandbox ERP" in text(ok)
    faults.down = True
    down = post_form(client, "/admin/settings/erp", form)
    body = text(down)
    assert "The ERP could not be reached." in body and "(reason: erp_unavailable)" in body


def test_test_connection_reports_bad_credentials_and_does_not_save(client, services, demo_tenant):
    sign_in_demo_admin(client)
    with credential_erp.registered() as name:
        response = post_form(client, "/admin/settings/erp", {
            "connector": name, "action": "test", "setting-url": "https://erp.example.com",
            "setting-api_key": "wrong"})
    body = text(response)
    assert "The ERP rejected the credentials. The API key was not accepted (HTTP 401)." in body
    assert 'name="setting-api_key" type="password" autocomplete="new-password" value=""' in body
    assert services.tenants.get_erp_connection(demo_tenant.id).connector == "sandbox"


def test_bad_setting_value_gives_a_sentence_not_a_500(client, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/erp", {"connector": "sandbox", "action": "save",
                                                         "setting-seed": "forty-two"})
    assert response.status_code == 422
    assert "These settings cannot be used by the connector" in text(response)


def test_order_behaviour_persists_and_drives_translate_status(client, services, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/orders", {
        "credit_hold_policy": "create_and_flag", "shadow_mode": "on",
        "status-open": "Auftrag offen", "status-closed": "Erledigt",
        "mapping_key": ["delivery_date", "po_reference", ""], "mapping_source": ["field:deal_due", "field:po_no", ""],
        "stock_items": "SKU-1001\n SKU-1003\n\nSKU-1001\n", "default_warehouse": "Main"})
    assert response.status_code == 303, text(response)
    settings = services.tenants.get(demo_tenant.id).settings
    assert settings.credit_hold_policy == "create_and_flag"
    assert settings.shadow_mode is True
    assert settings.translate_status("open") == "Auftrag offen"
    assert settings.translate_status("cancelled") == "Cancelled"
    assert settings.field_mapping == {"delivery_date": "field:deal_due", "po_reference": "field:po_no"}
    assert settings.stock_items == ["SKU-1001", "SKU-1003"]
    page = text(client.get("/admin/settings?done=orders_saved"))
    assert "Order behaviour was saved." in page and 'value="Auftrag offen"' in page

    assert post_form(client, "/admin/settings/orders", {"credit_hold_policy": "block"}).status_code == 303
    assert services.tenants.get(demo_tenant.id).settings.shadow_mode is False


def test_order_behaviour_errors_are_sentences_and_nothing_is_saved(client, services, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/orders", {
        "credit_hold_policy": "maybe", "status-open": "  ",
        "mapping_key": ["colour"], "mapping_source": ["deal_colour"]})
    assert response.status_code == 422
    body = text(response)
    assert "Credit-hold policy must be one of: block, create_and_flag." in body
    assert "The CRM text for status 'open' is required." in body
    assert "'colour' is not an order field that can be mapped" in body
    assert 'value="deal_colour"' in body                       # the admin's input is kept
    assert services.tenants.get(demo_tenant.id).settings.credit_hold_policy == "block"


def test_duplicate_mapping_rows_are_reported(client, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/orders", {
        "credit_hold_policy": "block", "mapping_key": ["notes", "notes"], "mapping_source": ["a", "b"]})
    assert response.status_code == 422
    assert "The order field 'notes' is mapped twice" in text(response)


def test_account_links_on_the_page_change_the_panel(client, services, demo_tenant, widget_headers):
    sign_in_demo_admin(client)
    before = client.get("/api/v1/panel/accounts/ACC-1008", headers=widget_headers).get_json()
    assert before["sections"]["credit"]["state"] == "not_linked"
    added = post_form(client, "/admin/settings/links", {"crm_account_id": "ACC-1008",
                                                        "erp_customer_id": "CUST-0003"})
    assert added.status_code == 303
    after = client.get("/api/v1/panel/accounts/ACC-1008", headers=widget_headers).get_json()
    assert after["linked"] is True and after["sections"]["credit"]["state"] == "ok"

    removed = post_form(client, "/admin/settings/links/remove", {"crm_account_id": "ACC-1008"})
    assert removed.status_code == 303
    gone = client.get("/api/v1/panel/accounts/ACC-1008", headers=widget_headers).get_json()
    assert gone["sections"]["credit"]["state"] == "not_linked"


def test_link_form_errors_are_sentences(client, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/links", {"crm_account_id": "ACC-1", "erp_customer_id": ""})
    assert response.status_code == 422
    assert "ERP customer id is required." in text(response)


def test_another_tenants_session_sees_and_changes_only_its_own_installation(client, services, demo_tenant):
    other = services.tenants.upsert_tenant("demo", "other-company", "Other Co")
    sign_in(client, services, other.id)
    page = text(client.get("/admin/settings"))
    assert "Settings for Other Co" in page and "CUST-0001" not in page
    assert post_form(client, "/admin/settings/links", {"crm_account_id": "ACC-1001",
                                                       "erp_customer_id": "CUST-EVIL"}).status_code == 303
    assert services.tenants.erp_customer_for(demo_tenant.id, "ACC-1001") == "CUST-0001"
    assert services.tenants.erp_customer_for(other.id, "ACC-1001") == "CUST-EVIL"
    removed = post_form(client, "/admin/settings/links/remove", {"crm_account_id": "ACC-1002"})
    assert removed.status_code == 404
    assert "ACC-1002" in services.tenants.list_links(demo_tenant.id)


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


class LinkingCRMAdapter:
    """A CRM adapter offering its own admin pages, like Pipedrive/HubSpot do."""

    name = "linkcrm"

    def verify_widget_credential(self, credential):
        raise NotImplementedError

    def connector_for(self, tenant):
        raise NotImplementedError

    def admin_links(self, tenant):
        return [("Pick CRM fields", f"/linkcrm/admin/fields?t={tenant.crm_account_key}"),
                ("Sneaky", "javascript:alert(1)")]


def test_crm_section_lists_the_adapters_admin_links(client, services):
    services.crm.add(LinkingCRMAdapter())
    tenant = services.tenants.upsert_tenant("linkcrm", "acct-7", "Linky")
    sign_in(client, services, tenant.id)
    body = text(client.get("/admin/settings"))
    assert '<a href="/linkcrm/admin/fields?t=acct-7">Pick CRM fields</a>' in body
    assert "javascript:" not in body and "Sneaky" not in body


def test_crm_without_admin_links_says_so(client, demo_tenant):
    sign_in_demo_admin(client)
    assert "There are no CRM-specific settings for demo." in text(client.get("/admin/settings"))


def test_mapping_source_that_the_order_flow_cannot_read_is_a_sentence(client, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/orders", {
        "credit_hold_policy": "block", "mapping_key": ["delivery_date"], "mapping_source": ["deal_due"]})
    assert response.status_code == 422
    body = text(response)
    assert "The source of 'Requested delivery date' 'deal_due' is not understood." in body
    assert "Use field:<CRM deal field key>" in body


def test_uninstalled_installation_cannot_be_changed_with_an_old_session(client, services, demo_tenant):
    sign_in_demo_admin(client)
    csrf = csrf_of(client)
    services.tenants.mark_uninstalled(demo_tenant.id)
    page = client.get("/admin/settings")
    assert page.status_code == 403 and "was uninstalled" in text(page)
    response = post_form(client, "/admin/settings/links", {"crm_account_id": "A", "erp_customer_id": "B"},
                         csrf=csrf)
    assert response.status_code == 403
    assert "A" not in services.tenants.list_links(demo_tenant.id)


def test_unknown_connector_in_the_address_is_a_sentence(client, demo_tenant):
    sign_in_demo_admin(client)
    page = client.get("/admin/settings?connector=nonesuch")
    assert page.status_code == 200
    assert "'nonesuch' is not an available ERP connector." in text(page)


def test_stock_items_chosen_on_the_page_are_what_the_panel_shows(client, demo_tenant, widget_headers):
    sign_in_demo_admin(client)
    before = client.get("/api/v1/panel/accounts/ACC-1001", headers=widget_headers).get_json()
    shown = sorted({line["item_code"] for line in before["sections"]["stock"]["data"]})
    assert len(shown) > 2
    chosen = [shown[-1], shown[0]]
    assert post_form(client, "/admin/settings/orders", {"credit_hold_policy": "block",
                                                        "stock_items": "\n".join(chosen)}).status_code == 303
    after = client.get("/api/v1/panel/accounts/ACC-1001", headers=widget_headers).get_json()
    assert {line["item_code"] for line in after["sections"]["stock"]["data"]} == set(chosen)


def test_without_the_demo_there_is_no_demo_admin_login(base_config, clock, faults):
    from app import create_app
    app = create_app({**base_config, "demo_enabled": False}, clock=clock, sandbox_faults=faults)
    try:
        client = app.test_client()
        assert client.post("/demo/admin-login").status_code == 404
        assert client.get("/admin/settings").status_code == 401         # the page itself still exists
    finally:
        app.extensions["erp_panel"].close()
