"""Creates the demo tenant: demo CRM company + ERP connection + account links."""
from __future__ import annotations

from app.crm.demo.seed import ACCOUNTS, DEMO_COMPANY, seed_demo_crm
from app.erp.registry import env_connection
from app.tenants.model import Tenant


def ensure_demo_tenant(services) -> Tenant:
    """Idempotently seed the demo CRM and install erp-panel into it."""
    with services.db.write() as conn:
        seed_demo_crm(conn, services.clock.now())
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    if tenant is None or not tenant.active:
        tenant = services.tenants.upsert_tenant("demo", DEMO_COMPANY, "Demo Company")
    if services.tenants.get_erp_connection(tenant.id) is None:
        conn = env_connection(None, services.settings.erp_connector)
        services.tenants.save_erp_connection(tenant.id, conn.connector, conn.config, conn.secrets)
    links = services.tenants.list_links(tenant.id)
    for account_id, _name, customer in ACCOUNTS:
        if customer and account_id not in links:
            services.tenants.link_account(tenant.id, account_id, customer, source="demo")
    return tenant
