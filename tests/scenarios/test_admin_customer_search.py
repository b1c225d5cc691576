"""Finding the ERP customer on the settings page and through the admin API (sandbox ERP)."""
from __future__ import annotations

from tests.scenarios.admin_support import bearer, page_text, post_form, sign_in, sign_in_demo_admin


def test_search_finds_mueller_for_mueller_und_soehne_and_links_it(client, demo_tenant, services):
    sign_in_demo_admin(client)
    page = client.get("/admin/settings?customer_name=Mueller&for_account=ACC-1008")
    body = page_text(page)
    assert page.status_code == 200
    assert "Müller & Söhne GmbH" in body and "CUST-0001" in body
    assert "strong match" in body and 'value="ACC-1008"' in body
    response = post_form(client, "/admin/settings/links", {"crm_account_id": "ACC-1008", "erp_customer_id": "CUST-0001"})
    assert response.status_code == 303
    assert services.tenants.erp_customer_for(demo_tenant.id, "ACC-1008") == "CUST-0001"


def test_search_by_tax_id_domain_and_phone_on_the_page(client, demo_tenant):
    sign_in_demo_admin(client)
    for args, expected in (("customer_tax_id=FR 403 032 650 45", "Café Lumière SARL"),
                           ("customer_email_domain=zuerich-praezision.ch", "Zürich Präzision AG"),
                           ("customer_phone=%2B1 (415) 555-0100", "Acme Corporation")):
        body = page_text(client.get(f"/admin/settings?{args}"))
        assert expected in body, args


def test_a_search_without_matches_says_so(client, demo_tenant):
    sign_in_demo_admin(client)
    body = page_text(client.get("/admin/settings?customer_name=Qwertzuiop"))
    assert "No ERP customer matches this search." in body


def test_an_erp_outage_during_a_search_is_a_sentence(client, demo_tenant, faults):
    sign_in_demo_admin(client)
    faults.fail_next(5, "unavailable")
    page = client.get("/admin/settings?customer_name=Mueller")
    assert page.status_code == 200
    assert "Could not search the ERP's customers" in page_text(page)


def test_admin_api_search_ranks_and_explains(client, demo_tenant, services):
    token = sign_in(client, services, demo_tenant.id)
    client.delete_cookie("__Host-erp_panel_admin")
    response = client.get("/api/v1/admin/erp-customers?name=muller%20sohne", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    first = response.get_json()["matches"][0]
    assert first["customer"]["customer_id"] == "CUST-0001" and first["matched_on"] == ["name"]
    assert first["strong"] is True
    by_tax = client.get("/api/v1/admin/erp-customers?tax_id=DE123456789", headers=bearer(token)).get_json()
    assert [m["customer"]["customer_id"] for m in by_tax["matches"]] == ["CUST-0001"]
    too_long = client.get("/api/v1/admin/erp-customers?name=" + "x" * 500, headers=bearer(token))
    assert too_long.status_code == 422
    assert too_long.mimetype == "application/problem+json"
