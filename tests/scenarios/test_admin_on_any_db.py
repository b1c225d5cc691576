"""The admin repair loop on SQLite and PostgreSQL: encrypted secrets, links, settings, error queue."""
from __future__ import annotations

import sqlalchemy as sa

from app.tenants.tables import erp_connections
from tests.fakes import credential_erp
from tests.fakes.orders import deal_row, drain
from tests.scenarios.admin_support import bearer

SECRET = "pg-Plaintext-secret-77"


def test_admin_api_and_error_queue_on_any_database(any_db_app, any_db_services, clock):
    services, client = any_db_services, any_db_app.test_client()
    tenant = services.tenants.find("demo", "demo-company")
    admin = bearer(services.admin_sessions.mint(tenant.id, "admin-1"))
    with credential_erp.registered() as name:
        response = client.put("/api/v1/admin/erp-connection", headers=admin, json={
            "connector": name, "values": {"url": "https://erp.example.com", "api_key": SECRET}})
        assert response.status_code == 200, response.get_json()
        with services.db.read() as conn:
            raw = conn.execute(sa.select(erp_connections.c.secrets_enc, erp_connections.c.config).where(
                erp_connections.c.tenant_id == tenant.id)).one()
        assert SECRET not in raw.secrets_enc and SECRET not in str(raw.config)
        assert services.tenants.get_erp_connection(tenant.id).secrets == {"api_key": SECRET}
        client.put("/api/v1/admin/erp-connection", headers=admin, json={"connector": "sandbox", "values": {}})

    assert client.put("/api/v1/admin/settings", headers=admin,
                      json={"status_translations": {"open": "Offen"}}).status_code == 200
    assert client.post("/demo/deals/D-2007/won").status_code == 303          # account ACC-1008 is unlinked
    drain(services, clock)
    dead = services.orders.queue.list(tenant_id=tenant.id, status="dead")
    assert [j.last_error_reason for j in dead] == ["missing_erp_customer_link"]
    assert client.put("/api/v1/admin/account-links/ACC-1008", headers=admin,
                      json={"erp_customer_id": "CUST-0001"}).status_code == 200
    assert services.orders.queue.replay(dead[0].id, tenant.id) is not None
    drain(services, clock)
    deal = deal_row(services, "D-2007")
    assert deal["erp_order_number"].startswith("SO-") and deal["erp_order_status"] == "Offen"
