"""A HubSpot admin lands on the settings page after the OAuth install and sees HubSpot's own links."""
from __future__ import annotations

from tests.fakes.hubspot import PORTAL_ID
from tests.fakes.hubspot_fixtures import *  # noqa: F403  (HubSpot fixtures)
from tests.fakes.hubspot_fixtures import run_install
from tests.scenarios.admin_support import page_text, post_form


def test_hubspot_admin_lands_signed_in_and_links_a_company(client, services, fake_hubspot):
    assert run_install(client, fake_hubspot).headers["Location"] == "/admin/settings"
    tenant = services.tenants.find("hubspot", str(PORTAL_ID))
    body = page_text(client.get("/admin/settings"))
    assert f"Installed in hubspot account <code>{PORTAL_ID}</code>" in body
    assert 'href="/hubspot/install"' in body
    refused = post_form(client, "/admin/settings/links", {"crm_account_id": "201", "erp_customer_id": "CUST-0001"})
    assert refused.status_code == 422
    assert "Connect the ERP first: every link is checked against the ERP" in page_text(refused)
    services.tenants.save_erp_connection(tenant.id, "sandbox", {}, {})
    fake_hubspot.add_company("201", "Müller & Söhne GmbH")
    assert post_form(client, "/admin/settings/links", {"crm_account_id": "201",
                                                       "erp_customer_id": "CUST-0001"}).status_code == 303
    assert fake_hubspot.companies["201"]["properties"]["erp_customer_id"] == "CUST-0001"
    assert services.tenants.list_links(tenant.id) == {"201": "CUST-0001"}
