"""Order status after creation on a HubSpot deal (the fake HubSpot): each step of the order in the ERP reaches
the deal's ``erp_order_status``, ``erp_delivery_status`` and ``erp_invoice_status`` within one poll."""
from __future__ import annotations

import uuid

from app.domain.events import DealWon
from app.erp.registry import env_connection
from tests.fakes.hubspot import PORTAL_ID
from tests.fakes.hubspot_fixtures import *  # noqa: F403  (HubSpot fixtures)
from tests.fakes.hubspot_fixtures import run_install
from tests.fakes.order_status import LIFE, advance, one_poll
from tests.fakes.orders import drain


def test_the_order_life_reaches_the_hubspot_deal_properties(client, services, fake_hubspot, clock):
    run_install(client, fake_hubspot)
    tenant = services.tenants.find("hubspot", str(PORTAL_ID))
    conn = env_connection(None, "sandbox")
    services.tenants.save_erp_connection(tenant.id, conn.connector, conn.config, conn.secrets)
    services.tenants.link_account(tenant.id, "201", "CUST-0001")
    fake_hubspot.add_company("201", "Müller & Söhne GmbH")
    fake_hubspot.add_deal("501", company_id="201", lines=[
        {"name": "Widget", "hs_sku": "SKU-1001", "quantity": "2", "price": "10"}])
    fake_hubspot.deals["501"]["properties"]["dealstage"] = "closedwon"
    services.orders.intake.accept(DealWon(tenant_id=tenant.id, crm_deal_id="501", event_id=uuid.uuid4().hex,
                                          occurred_at=clock.now(), crm="hubspot"))
    drain(services, clock)
    props = fake_hubspot.deals["501"]["properties"]
    assert props["erp_order_status"] == "Open" and "erp_delivery_status" not in props

    one_poll(services, clock)
    assert (props["erp_order_status"], props["erp_delivery_status"], props["erp_invoice_status"]) == (
        "Confirmed", "Not delivered", "Not invoiced")
    for step, stage in LIFE:
        advance(services, tenant, "501", step)
        one_poll(services, clock)
        assert props["erp_order_status"] == stage.capitalize()
    assert props["erp_delivery_status"] == "Delivered"
    assert props["erp_invoice_status"].startswith("SINV-") and props["erp_invoice_status"].endswith(": Paid")
