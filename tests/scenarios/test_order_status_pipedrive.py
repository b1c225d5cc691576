"""Order status after creation on a Pipedrive deal (the fake Pipedrive): each step of the order in the ERP
reaches the deal's status, delivery status and invoice status fields within one poll."""
from __future__ import annotations

import uuid

from app.crm.pipedrive.mapping import (
    FIELD_DELIVERY_STATUS,
    FIELD_INVOICE_STATUS,
    FIELD_ORDER_NUMBER,
    FIELD_ORDER_STATUS,
)
from app.domain.events import DealWon
from tests.fakes.order_status import LIFE, advance, one_poll
from tests.fakes.orders import drain
from tests.fakes.pipedrive_fixtures import *  # noqa: F403


def test_the_order_life_reaches_the_pipedrive_deal_fields(linked, fake, pd_services, clock):
    tenant, _customer = linked
    keys = {name: fake.add_text_field("deal", label) for name, label in (
        (FIELD_ORDER_NUMBER, "ERP order #"), (FIELD_ORDER_STATUS, "ERP order status"),
        (FIELD_DELIVERY_STATUS, "ERP delivery status"), (FIELD_INVOICE_STATUS, "ERP invoice status"))}
    tenant.settings.crm_fields = {**tenant.settings.crm_fields, **keys}
    pd_services.tenants.save_settings(tenant.id, tenant.settings)
    fake.company.products[501] = {"id": 501, "name": "Widget", "code": "SKU-1001"}
    fake.company.deal_products[42] = [{"id": 1, "product_id": 501, "name": "Widget", "item_price": 12.5,
                                       "quantity": 4, "enabled_flag": True}]
    fake.company.deals[42]["status"] = "won"
    pd_services.orders.intake.accept(DealWon(tenant_id=tenant.id, crm_deal_id="42", event_id=uuid.uuid4().hex,
                                             occurred_at=clock.now(), crm="pipedrive"))
    drain(pd_services, clock)
    fields = fake.company.deals[42]["custom_fields"]
    assert fields[keys[FIELD_ORDER_NUMBER]] and fields[keys[FIELD_ORDER_STATUS]] == "Open"
    assert keys[FIELD_DELIVERY_STATUS] not in fields          # nothing said about deliveries before the first poll

    one_poll(pd_services, clock)
    assert (fields[keys[FIELD_ORDER_STATUS]], fields[keys[FIELD_DELIVERY_STATUS]],
            fields[keys[FIELD_INVOICE_STATUS]]) == ("Confirmed", "Not delivered", "Not invoiced")
    for step, stage in LIFE:
        advance(pd_services, tenant, "42", step)
        one_poll(pd_services, clock)
        assert fields[keys[FIELD_ORDER_STATUS]] == stage.capitalize()
    assert fields[keys[FIELD_DELIVERY_STATUS]] == "Delivered"
    assert fields[keys[FIELD_INVOICE_STATUS]].endswith(": Paid")
