"""Links are checked when saved and shown with their health on the settings page (sandbox ERP)."""
from __future__ import annotations

from tests.scenarios.admin_support import csrf_of, page_text, post_form, sign_in_demo_admin


def test_a_bad_id_is_refused_with_a_sentence(client, demo_tenant, services):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/links", {"crm_account_id": "ACC-1008", "erp_customer_id": "CUST-NOPE"})
    assert response.status_code == 422
    body = page_text(response)
    assert "The ERP has no customer with the id 'CUST-NOPE'." in body
    assert 'value="CUST-NOPE"' in body                       # the admin's input is kept
    assert "ACC-1008" not in services.tenants.list_links(demo_tenant.id)


def test_a_disabled_customer_is_refused_with_a_sentence(client, demo_tenant, services):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/links", {"crm_account_id": "ACC-1008", "erp_customer_id": "CUST-0011"})
    assert response.status_code == 422
    assert "Dormant Industries Ltd (CUST-0011) is disabled in the ERP" in page_text(response)


def test_an_erp_outage_refuses_the_link_with_a_sentence(client, demo_tenant, services, faults):
    sign_in_demo_admin(client)
    csrf = csrf_of(client)              # loading the page reads the ERP too: fail only the check itself
    faults.fail_next(1, "unavailable")
    response = post_form(client, "/admin/settings/links", {"crm_account_id": "ACC-1008", "erp_customer_id": "CUST-0003"},
                         csrf=csrf)
    assert response.status_code == 422
    assert "could not be asked whether customer CUST-0003 exists" in page_text(response)


def test_links_show_names_and_health_gone_and_duplicate_flagged(client, demo_tenant, services):
    services.tenants.link_account(demo_tenant.id, "ACC-2001", "CUST-0001")     # a second account, same customer
    services.tenants.link_account(demo_tenant.id, "ACC-2002", "CUST-0011")     # linked before it was disabled
    sign_in_demo_admin(client)
    body = page_text(client.get("/admin/settings"))
    assert "Müller & Söhne GmbH CUST-0001" in " ".join(body.replace("<code>", "").replace("</code>", "").split())
    assert "Customer gone" in body                                            # the demo's Ghost Customer
    assert "The ERP no longer knows customer CUST-9999" in body
    assert "Customer disabled" in body and "Dormant Industries Ltd (CUST-0011) is disabled" in body
    assert "OK · duplicate" in body and "CRM account ACC-2001 also link to this customer." in body
    assert "links will make orders fail" in body


def test_health_when_the_erp_is_down_says_not_checked(client, demo_tenant, faults):
    sign_in_demo_admin(client)
    faults.fail_next(50, "unavailable")
    page = client.get("/admin/settings")
    assert page.status_code == 200
    body = page_text(page)
    assert "Could not check the links against the ERP" in body and "Not checked" in body
