"""Creating a missing ERP customer from a CRM account: off by default, a duplicate guard, link, audit (sandbox)."""
from __future__ import annotations

import sqlalchemy as sa

from app.crm.demo.tables import demo_accounts
from app.ops.tables import admin_audit
from tests.scenarios.admin_support import bearer, page_text, post_form, sign_in, sign_in_demo_admin

CREATE = "/api/v1/admin/account-links/{}/erp-customer"


def add_account(services, account_id: str, name: str) -> None:
    """A CRM account the demo CRM holds without an ERP link."""
    with services.db.write() as conn:
        conn.execute(demo_accounts.insert().values(id=account_id, company="demo-company", name=name,
                                                   erp_customer_hint=None))


def allow_creation(client, token: str) -> None:
    response = client.put("/api/v1/admin/settings", json={"create_customers": True}, headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["create_customers"] is True


def audit_actions(services, tenant_id: str) -> list[tuple[str, str]]:
    with services.db.read() as conn:
        rows = conn.execute(sa.select(admin_audit.c.action, admin_audit.c.target)
                            .where(admin_audit.c.tenant_id == tenant_id).order_by(admin_audit.c.id)).all()
    return [(r.action, r.target) for r in rows]


def api_token(client, services, tenant_id: str) -> str:
    token = sign_in(client, services, tenant_id)
    client.delete_cookie("__Host-erp_panel_admin")
    return token


def test_creation_is_off_by_default(client, demo_tenant, services):
    token = api_token(client, services, demo_tenant.id)
    assert client.get("/api/v1/admin/settings", headers=bearer(token)).get_json()["create_customers"] is False
    response = client.post(CREATE.format("ACC-1008"), json={}, headers=bearer(token))
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    assert response.get_json()["reason"] == "customer_creation_off"
    assert services.tenants.erp_customer_for(demo_tenant.id, "ACC-1008") is None


def test_a_strong_match_refuses_until_the_admin_confirms(client, demo_tenant, services):
    add_account(services, "ACC-2001", "Mueller & Soehne")
    token = api_token(client, services, demo_tenant.id)
    allow_creation(client, token)
    refused = client.post(CREATE.format("ACC-2001"), json={}, headers=bearer(token))
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    problem = refused.get_json()
    assert problem["reason"] == "duplicate_customer" and problem["matches"] == ["CUST-0001"]
    assert "Müller & Söhne GmbH (CUST-0001)" in problem["detail"]
    assert services.tenants.erp_customer_for(demo_tenant.id, "ACC-2001") is None

    created = client.post(CREATE.format("ACC-2001"), json={"confirm": True, "tax_id": "DE 222 333 444",
                                                           "currency": "eur", "email": "info@ms.example"},
                          headers=bearer(token))
    assert created.status_code == 201, created.get_data(as_text=True)
    customer = created.get_json()["customer"]
    assert customer["customer_id"] != "CUST-0001" and customer["name"] == "Mueller & Soehne"
    assert (customer["tax_id"], customer["currency"], customer["email"]) == ("DE 222 333 444", "EUR",
                                                                               "info@ms.example")
    assert services.tenants.erp_customer_for(demo_tenant.id, "ACC-2001") == customer["customer_id"]
    # the id is written back to the CRM account's field
    assert services.crm.connector_for(demo_tenant).get_account("ACC-2001").erp_customer_id == customer["customer_id"]
    assert [a for a in audit_actions(services, demo_tenant.id) if a[1] == "ACC-2001"] == [
        ("customer.create", "ACC-2001"), ("link.save", "ACC-2001")]
    again = client.post(CREATE.format("ACC-2001"), json={"confirm": True}, headers=bearer(token))
    assert again.status_code == 409 and again.get_json()["reason"] == "already_linked"


def test_an_account_without_a_match_is_created_from_the_orphans_list(client, demo_tenant, services):
    sign_in_demo_admin(client)
    assert "Create in the ERP" not in page_text(client.get("/admin/settings"))
    response = post_form(client, "/admin/settings/orders", {"credit_hold_policy": "block", "create_customers": "on",
                                                            "create_customers_shown": "1"})
    assert response.status_code == 303
    page = page_text(client.get("/admin/settings"))
    assert "Create in the ERP" in page
    created = post_form(client, "/admin/settings/links/create-customer", {"crm_account_id": "ACC-1008"})
    assert created.status_code == 303, page_text(created)
    customer_id = services.tenants.erp_customer_for(demo_tenant.id, "ACC-1008")
    assert customer_id and customer_id.startswith("CUST-")
    assert "The customer was created in the ERP" in page_text(client.get(created.headers["Location"]))
    assert ("customer.create", "ACC-1008") in audit_actions(services, demo_tenant.id)


def test_the_settings_page_offers_create_anyway_after_a_duplicate(client, demo_tenant, services):
    add_account(services, "ACC-2002", "Mueller & Soehne")
    sign_in_demo_admin(client)
    post_form(client, "/admin/settings/orders", {"credit_hold_policy": "block", "create_customers": "on",
                                                 "create_customers_shown": "1"})
    refused = post_form(client, "/admin/settings/links/create-customer", {"crm_account_id": "ACC-2002"})
    assert refused.status_code == 409
    body = page_text(refused)
    assert "The ERP already has Müller & Söhne GmbH (CUST-0001)" in body and "Create a new customer anyway" in body
    created = post_form(client, "/admin/settings/links/create-customer", {"crm_account_id": "ACC-2002",
                                                                          "confirm": "1"})
    assert created.status_code == 303
    assert services.tenants.erp_customer_for(demo_tenant.id, "ACC-2002") not in (None, "CUST-0001")


def test_unchecking_the_switch_turns_creation_off_again(client, demo_tenant, services):
    sign_in_demo_admin(client)
    post_form(client, "/admin/settings/orders", {"credit_hold_policy": "block", "create_customers": "on",
                                                 "create_customers_shown": "1"})
    assert services.tenants.get(demo_tenant.id).settings.create_customers is True
    post_form(client, "/admin/settings/orders", {"credit_hold_policy": "block", "create_customers_shown": "1"})
    assert services.tenants.get(demo_tenant.id).settings.create_customers is False
    refused = post_form(client, "/admin/settings/links/create-customer", {"crm_account_id": "ACC-1008"})
    assert refused.status_code == 403 and "Creating customers in the ERP is off" in page_text(refused)


def test_the_switch_takes_on_or_off_only(client, demo_tenant, services):
    token = api_token(client, services, demo_tenant.id)
    response = client.put("/api/v1/admin/settings", json={"create_customers": "sometimes"}, headers=bearer(token))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert services.tenants.get(demo_tenant.id).settings.create_customers is False
