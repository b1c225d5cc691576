"""The admin settings page, driven like an admin in a browser: sign-in, CSRF, links, CRM, tenancy."""
from __future__ import annotations

from app.auth.admin import COOKIE_NAME
from app.crm.base import CRMIntegration, SettingsLink
from app.errors import CRM, UpstreamMisconfigured
from tests.fakes.demo import demo
from tests.scenarios.admin_support import csrf_of, page_text, post_form, sign_in, sign_in_demo_admin


def test_demo_admin_login_sets_a_host_cookie_and_the_page_renders(client, demo_tenant):
    response = client.post("/demo/admin-login")
    assert response.status_code == 303
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE_NAME + "="))
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    page = client.get("/admin/settings")
    body = page_text(page)
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
    assert "not signed in as an admin" in page_text(page)


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
    assert "did not come from an open settings page" in page_text(response)
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
    assert "ERP customer id is required." in page_text(response)


def test_another_tenants_session_sees_and_changes_only_its_own_installation(client, services, demo_tenant):
    other = services.tenants.upsert_tenant("demo", "other-company", "Other Co")
    services.tenants.save_erp_connection(other.id, "sandbox", {}, {})
    sign_in(client, services, other.id)
    page = page_text(client.get("/admin/settings"))
    assert "Settings for Other Co" in page and "CUST-0001" not in page
    linked = post_form(client, "/admin/settings/links", {"crm_account_id": "ACC-1001", "erp_customer_id": "CUST-0009"})
    # saved; the other company's demo CRM has no account ACC-1001 to write the id into, and says so
    assert linked.status_code == 200 and "The link is saved, but" in page_text(linked)
    assert services.tenants.erp_customer_for(demo_tenant.id, "ACC-1001") == "CUST-0001"
    assert services.tenants.erp_customer_for(other.id, "ACC-1001") == "CUST-0009"
    removed = post_form(client, "/admin/settings/links/remove", {"crm_account_id": "ACC-1002"})
    assert removed.status_code == 404
    assert "ACC-1002" in services.tenants.list_links(demo_tenant.id)


class LinkingCRM(CRMIntegration):
    """A CRM integration offering its own settings pages, like Pipedrive/HubSpot do."""

    name = "linkcrm"
    label = "Link CRM"

    @classmethod
    def build(cls, deps):
        return cls(deps)

    def events(self, request):
        raise NotImplementedError

    def connector_for(self, tenant):
        raise UpstreamMisconfigured("this test CRM has no API", side=CRM)

    def settings_links(self, tenant):
        return [SettingsLink("Pick CRM fields", f"/linkcrm/admin/fields?t={tenant.installation_id}"),
                SettingsLink("Sneaky", "javascript:alert(1)")]


def test_crm_section_lists_the_integrations_settings_links(client, services):
    services.crm.add(LinkingCRM(demo(services).deps))
    tenant = services.tenants.upsert_tenant("linkcrm", "acct-7", "Linky")
    sign_in(client, services, tenant.id)
    body = page_text(client.get("/admin/settings"))
    assert '<a href="/linkcrm/admin/fields?t=acct-7">Pick CRM fields</a>' in body
    assert "javascript:" not in body and "Sneaky" not in body


def test_crm_without_admin_links_says_so(client, demo_tenant):
    sign_in_demo_admin(client)
    assert "There are no CRM-specific settings for demo." in page_text(client.get("/admin/settings"))


def test_uninstalled_installation_cannot_be_changed_with_an_old_session(client, services, demo_tenant):
    sign_in_demo_admin(client)
    csrf = csrf_of(client)
    services.tenants.mark_uninstalled(demo_tenant.id)
    page = client.get("/admin/settings")
    assert page.status_code == 403 and "was uninstalled" in page_text(page)
    response = post_form(client, "/admin/settings/links", {"crm_account_id": "A", "erp_customer_id": "B"},
                         csrf=csrf)
    assert response.status_code == 403
    assert "A" not in services.tenants.list_links(demo_tenant.id)


def test_without_the_demo_there_is_no_demo_admin_login(base_config, clock, faults):
    from app import create_app
    app = create_app({**base_config, "demo_enabled": False}, clock=clock, sandbox_faults=faults)
    try:
        client = app.test_client()
        assert client.post("/demo/admin-login").status_code == 404
        assert client.get("/admin/settings").status_code == 401         # the page itself still exists
    finally:
        app.extensions["erp_panel"].close()

