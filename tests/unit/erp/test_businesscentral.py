"""Business Central specifics beyond the contract suite: paging safety, invoiced orders, blocked values."""
from __future__ import annotations

import pytest
import responses

from app.domain.credit import HoldReason
from app.domain.order import OrderLine, OrderRequest, OrderStatus
from app.erp.businesscentral import build_businesscentral
from app.erp.registry import ConnectorContext
from app.errors import UpstreamMisconfigured, UpstreamRejected
from app.tenants.model import ERPConnectionSettings
from tests.fakes import businesscentral as bc_fake


def connector(clock, **config):
    ctx = ConnectorContext(clock=clock, timeout=3.0)
    settings = {"tenant_id": bc_fake.TENANT, "environment": bc_fake.ENVIRONMENT, "company_id": bc_fake.COMPANY_ID,
                "client_id": bc_fake.CLIENT_ID, **config}
    return build_businesscentral(ERPConnectionSettings("businesscentral", settings,
                                                       {"client_secret": bc_fake.CLIENT_SECRET}), ctx)


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as m:
        yield m


def test_building_the_connector_makes_no_network_call(mock, clock):
    fake = bc_fake.FakeBusinessCentral(mock, clock)
    connector(clock)
    assert fake.seen == []


def test_settings_that_would_change_the_url_are_refused(clock):
    with pytest.raises(UpstreamMisconfigured):
        connector(clock, environment="production/../x")
    with pytest.raises(UpstreamMisconfigured):
        connector(clock, company_id="not-a-guid")


def test_a_next_link_to_another_host_is_not_followed(mock, clock):
    fake = bc_fake.FakeBusinessCentral(mock, clock)
    bc = connector(clock, page_size=2)
    original = fake._collection

    def hostile(req, entity_set, rows):
        status, headers, body = original(req, entity_set, rows)
        return status, headers, body.replace(bc_fake.API, "https://attacker.example")
    fake._collection = hostile
    with pytest.raises(UpstreamRejected, match="another host"):
        bc.list_invoices("CUST-0008")
    assert not any("attacker" in r.path for r in fake.seen)


def test_blank_blocked_in_either_spelling_is_not_a_hold(mock, clock):
    fake = bc_fake.FakeBusinessCentral(mock, clock)
    bc = connector(clock)
    spellings = {c["number"]: c["blocked"] for c in fake.data["customers"]}
    assert {spellings["CUST-0001"], spellings["CUST-0002"]} == {" ", "_x0020_"}
    assert not bc.get_credit("CUST-0001").on_hold and not bc.get_credit("CUST-0002").on_hold
    assert bc.get_credit("CUST-0004").hold_reason == HoldReason.BLOCKED


def test_an_order_invoiced_in_full_is_found_through_its_invoice(mock, clock):
    fake = bc_fake.FakeBusinessCentral(mock, clock)
    bc = connector(clock)
    request = OrderRequest(customer_id="CUST-0001", currency="EUR", idempotency_key="CRM-INVOICED", crm_deal_id="D-8",
                           lines=(OrderLine("SKU-1001", 2, 10),))
    created = bc.create_order(request)
    order = fake.orders_for("CRM-INVOICED")[0]
    fake.data["salesOrders"].remove(order)               # shipped and invoiced: BC deletes the order
    fake.data["salesInvoices"].append({"id": "inv-1", "number": "PS-INV103001", "externalDocumentNumber":
                                       "CRM-INVOICED", "orderNumber": order["number"], "status": "Open",
                                       "totalAmountIncludingTax": 20.0, "currencyCode": "EUR", "customerNumber":
                                       "CUST-0001", "invoiceDate": "2026-11-23", "dueDate": "2026-12-23",
                                       "remainingAmount": 20.0})
    again = bc.create_order(request)
    assert (again.order_number, again.status, again.created_now) == (created.order_number, OrderStatus.FULFILLED,
                                                                    False)
    assert fake.orders_for("CRM-INVOICED") == []
