"""ERPNext specifics beyond the contract: error bodies, v16 ctx, drafts, test connection."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests
import responses

from app.domain.credit import HoldReason
from app.domain.order import OrderStatus
from app.erp.erpnext.client import ERPNEXT, describe_frappe_error, server_messages
from app.errors import UpstreamAuthFailed, UpstreamRateLimited, UpstreamRejected
from app.net.vendor_http import VendorHTTP
from tests.contract.erp.harness import erpnext_harness
from tests.contract.erp.test_orders_contract import order_request
from tests.fakes.erpnext import frappe_error


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as m:
        yield m


def response_from(reply) -> requests.Response:
    status, headers, body = reply
    response = requests.Response()
    response.status_code, response._content = status, body.encode()
    response.headers.update(headers)
    return response


def test_server_messages_are_decoded_twice_and_stripped_of_html():
    inner = json.dumps({"message": "Credit limit has been crossed for customer <b>CUST-0001</b> (60,000/50,000)"})
    assert server_messages(json.dumps([inner])) == ["Credit limit has been crossed for customer CUST-0001 "
                                                    "(60,000/50,000)"]
    assert server_messages("") == []


@pytest.mark.parametrize("reply, cls, reason", [
    (frappe_error(417, "ValidationError", "Credit limit has been crossed for customer CUST-0001"),
     UpstreamRejected, "credit_limit_exceeded"),
    (frappe_error(417, "PartyFrozen", "Accounts are frozen"), UpstreamRejected, "customer_frozen"),
    (frappe_error(417, "RateLimitExceededError", "Too many calls"), UpstreamRateLimited, "erp_rate_limited"),
    (frappe_error(403, "PermissionError", "Not permitted"), UpstreamAuthFailed, "erp_permission_denied"),
])
def test_exc_type_decides_class_and_reason(reply, cls, reason):
    http = VendorHTTP("https://erp.example.test", table=ERPNEXT)
    error = http.error_from(response_from(reply))
    assert type(error) is cls and error.reason == reason
    assert "Traceback" not in error.message


def test_v2_error_body_is_understood():
    body = {"errors": [{"type": "MandatoryError", "message": "Value missing for Sales Order: Customer"}]}
    vendor = describe_frappe_error(response_from((417, {}, json.dumps(body))))
    assert vendor.code == "MandatoryError" and "Customer" in vendor.message and vendor.reason == "missing_field"


def test_credit_limit_rejection_reaches_the_caller_as_a_clear_reason(mock, clock):
    erp = erpnext_harness(clock, mock)
    erp.fake.reject_orders = "Credit limit has been crossed for customer CUST-0001 (60000 / 50000)"
    with pytest.raises(UpstreamRejected) as info:
        erp.connector.create_order(order_request("CRM-CL"))
    assert info.value.reason == "credit_limit_exceeded" and info.value.status == 417
    assert "Credit limit has been crossed" in info.value.message


def test_frozen_customer_is_on_hold_and_cannot_order(mock, clock):
    erp = erpnext_harness(clock, mock)
    credit = erp.connector.get_credit("CUST-0004")
    assert credit.on_hold and credit.hold_reason == HoldReason.FROZEN
    with pytest.raises(UpstreamRejected) as info:
        erp.connector.create_order(order_request("CRM-FROZEN", customer="CUST-0004"))
    assert info.value.reason == "customer_frozen"


def test_overdue_ignores_the_lagging_status_field(mock, clock):
    erp = erpnext_harness(clock, mock)
    assert all(row["status"] != "Overdue" for row in erp.fake.docs["Sales Invoice"])
    assert any(inv.is_overdue(clock.now().date()) for inv in erp.connector.list_invoices("CUST-0005"))


def test_v16_item_details_ctx_parameter(mock, clock):
    erp = erpnext_harness(clock, mock, version=16)
    quotes = erp.connector.get_prices("CUST-0001", ["SKU-1001"])
    assert quotes[0].unit_price == erp.reference.get_prices("CUST-0001", ["SKU-1001"])[0].unit_price


def test_order_body_follows_the_documented_shape(mock, clock):
    erp = erpnext_harness(clock, mock)
    erp.connector.create_order(order_request("CRM-SHAPE"))
    body = erp.fake.requests_to("Sales%20Order", "POST")[0].body
    assert body["docstatus"] == 1 and body["po_no"] == "CRM-SHAPE" and body["company"] == "Acme Ltd"
    assert body["delivery_date"] >= body["transaction_date"]
    assert body["items"][0] == {"item_code": "SKU-1001", "qty": 2.0, "rate": 12.5,
                                "delivery_date": body["delivery_date"], "warehouse": "Main – Berlin"}


def test_missing_warehouse_is_reported_clearly(mock, clock):
    erp = erpnext_harness(clock, mock)
    erp.fake.default_warehouse = None
    with pytest.raises(UpstreamRejected) as info:
        erp.connector.create_order(order_request("CRM-NOWH"))
    assert "warehouse" in info.value.message


def test_a_leftover_draft_is_submitted_instead_of_duplicated(mock, clock):
    erp = erpnext_harness(clock, mock)
    erp.fake.docs["Sales Order"].append({"name": "SAL-ORD-2026-00099", "po_no": "CRM-DRAFT", "docstatus": 0,
                                         "status": "Draft", "grand_total": 25.0, "currency": "EUR"})
    result = erp.connector.create_order(order_request("CRM-DRAFT"))
    assert (result.order_number, result.status, result.created_now) == ("SAL-ORD-2026-00099", OrderStatus.OPEN, False)
    assert erp.orders_for("CRM-DRAFT") == 1


def test_unique_custom_field_duplicate_is_answered_by_rereading(mock, clock, monkeypatch):
    erp = erpnext_harness(clock, mock, unique_field="crm_deal_id")
    erp.connector.idempotency_field = "crm_deal_id"
    first = erp.connector.create_order(order_request("CRM-UNIQ"))
    real_lookup, lookups = erp.connector._live_orders, []

    def racing_lookup(ref):
        # the first lookup runs before another worker's insert became visible
        lookups.append(ref)
        return [] if len(lookups) == 1 else real_lookup(ref)

    monkeypatch.setattr(erp.connector, "_live_orders", racing_lookup)
    again = erp.connector.create_order(order_request("CRM-UNIQ"))
    assert again.order_number == first.order_number and not again.created_now
    assert len(erp.fake.docs["Sales Order"]) == 1


def test_check_connection_reports_ok_and_each_failure(mock, clock):
    erp = erpnext_harness(clock, mock)
    assert erp.connector.check_connection().ok
    erp.fake.fail_next("auth")
    assert erp.connector.check_connection().reason == "bad_credentials"
    erp.fake.fail_next("connection", count=3)
    assert erp.connector.check_connection().reason == "wrong_url"
    erp.fake.denied.add("Bin")
    check = erp.connector.check_connection()
    assert (check.ok, check.reason, check.details["doctype"]) == (False, "missing_permission", "Bin")
    erp.fake.denied.clear()
    erp.connector.company = "No Such Co"
    assert erp.connector.check_connection().reason == "unknown_company"


def test_total_of_order_lines_uses_discounted_rate(mock, clock):
    erp = erpnext_harness(clock, mock)
    request = order_request("CRM-DISC")
    line = request.lines[0]
    discounted = type(line)(line.item_code, line.quantity, line.unit_price, discount_percent=Decimal("10"))
    request = type(request)(**{**request.__dict__, "lines": (discounted,)})
    assert erp.connector.create_order(request).total == Decimal("22.5")


def test_check_connection_on_a_site_that_is_not_frappe(mock, clock):
    from app.erp.erpnext import build_erpnext
    from app.erp.registry import ConnectorContext
    from app.tenants.model import ERPConnectionSettings

    mock.get("https://www.example.test/api/method/frappe.auth.get_logged_user", body="<html>Welcome</html>",
             content_type="text/html")
    ctx = ConnectorContext(clock=clock, timeout=5)
    connector = build_erpnext(ERPConnectionSettings("erpnext", {"url": "https://www.example.test", "company": "X"},
                                                    {"api_key": "k", "api_secret": "s"}), ctx)
    check = connector.check_connection()
    assert (check.ok, check.reason) == (False, "wrong_url")


def test_the_fake_like_erpnext_does_not_enforce_unique_po_no(mock, clock):
    erp = erpnext_harness(clock, mock)
    doc = erp.connector._order_doc(order_request("CRM-TWICE"))
    erp.connector.client.insert("Sales Order", doc)
    erp.connector.client.insert("Sales Order", doc)
    assert erp.orders_for("CRM-TWICE") == 2      # only the connector's lookup keeps orders single
    assert erp.connector.find_order("CRM-TWICE").order_number == "SAL-ORD-2026-00001"
