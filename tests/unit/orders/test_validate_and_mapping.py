"""Validation reason codes and the field mapping to OrderRequest."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.domain.credit import CustomerCredit, HoldReason
from app.domain.deal import Account, Deal, DealLine
from app.domain.stock import ItemInfo
from app.orders import validate
from app.orders.mapping import MappingError, build_request


def deal(lines=None, *, status="won", currency="EUR", custom=None) -> Deal:
    if lines is None:
        lines = (DealLine("SKU-1", "Widget", Decimal("2"), Decimal("10"), "EUR"),)
    return Deal(crm_deal_id="D-1", title="Big deal", status=status, currency=currency, value=Decimal("20"),
                account=Account("ACC-1", "Acme", "CUST-1"), lines=tuple(lines), is_won=status == "won",
                custom_fields=custom or {})


def credit(currency="EUR", on_hold=False, note="") -> CustomerCredit:
    return CustomerCredit(customer_id="CUST-1", customer_name="Acme", currency=currency,
                          credit_limit=Decimal("1000"), balance=Decimal("0"), overdue=Decimal("0"), on_hold=on_hold,
                          hold_reason=HoldReason.CREDIT_HOLD if on_hold else HoldReason.NONE, hold_note=note)


def reasons(problems):
    return [p.reason for p in problems]


def test_a_good_deal_has_no_problems():
    assert validate.check_deal(deal()) == []
    assert validate.check_currency(deal(), credit()) == []
    assert validate.credit_decision(credit(), "block") == ([], False)


def test_empty_lines_zero_and_negative_quantities():
    assert reasons(validate.check_deal(deal(lines=[]))) == ["empty_lines"]
    bad = [DealLine("SKU-1", "A", Decimal("0"), Decimal("1")), DealLine("SKU-2", "B", Decimal("-3"), Decimal("1"))]
    problems = validate.check_deal(deal(lines=bad))
    assert reasons(problems) == ["invalid_quantity"] and "SKU-1, SKU-2" in problems[0].message


def test_not_won_and_line_without_sku():
    assert reasons(validate.check_deal(deal(status="lost"))) == ["deal_not_won"]
    lines = [DealLine("", "Custom work", Decimal("1"), Decimal("1"))]
    assert reasons(validate.check_deal(deal(lines=lines))) == ["unknown_sku"]


def test_unknown_skus_are_named():
    problems = validate.check_items(["SKU-1", "SKU-9", "SKU-8"], {"SKU-1": ItemInfo("SKU-1", "Widget")})
    assert reasons(problems) == ["unknown_sku"] and problems[0].message.endswith("SKU-8, SKU-9")


def test_items_the_erp_no_longer_sells_are_named():
    known = {"SKU-1": ItemInfo("SKU-1", "Widget"), "SKU-2": ItemInfo("SKU-2", "Old widget", sellable=False)}
    problems = validate.check_items(["SKU-1", "SKU-2", "SKU-3"], known)
    assert reasons(problems) == ["unknown_sku", "item_not_sellable"] and problems[1].message.endswith("SKU-2")


def test_currency_mismatch_against_the_erp_customer():
    problems = validate.check_currency(deal(currency="USD"), credit("EUR"))
    assert reasons(problems) == ["currency_mismatch"] and "USD" in problems[0].message


def test_credit_hold_policies():
    problems, flagged = validate.credit_decision(credit(on_hold=True, note="cheque bounced"), "block")
    assert reasons(problems) == ["credit_hold"] and "cheque bounced" in problems[0].message and not flagged
    assert validate.credit_decision(credit(on_hold=True), "create_and_flag") == ([], True)


def test_mapping_defaults_to_the_deal_title_and_keeps_lines():
    request = build_request(deal(), customer_id="CUST-1", currency="EUR", idempotency_key="CRM-X", correlation_id="c1",
                            field_mapping={})
    assert request.title == "Big deal" and request.idempotency_key == "CRM-X" and request.correlation_id == "c1"
    assert [(ln.item_code, ln.quantity, ln.unit_price) for ln in request.lines] == [
        ("SKU-1", Decimal("2"), Decimal("10"))]


def test_mapping_sources_and_targets():
    mapping = {"title": "account.name", "delivery_date": "field:due", "po": "field:po_number",
               "channel": "literal:crm"}
    request = build_request(deal(custom={"due": "2026-12-24", "po_number": "PO-7"}), customer_id="CUST-1",
                            currency="EUR", idempotency_key="CRM-X", correlation_id="c", field_mapping=mapping)
    assert request.title == "Acme" and request.delivery_date == date(2026, 12, 24)
    assert request.extra == {"po": "PO-7", "channel": "crm"}


@pytest.mark.parametrize("mapping, reason", [({"title": "deal.bogus"}, "invalid_field_mapping"),
                                             ({"order_date": "field:when"}, "invalid_field_value")])
def test_mapping_errors_have_reasons(mapping, reason):
    with pytest.raises(MappingError) as info:
        build_request(deal(custom={"when": "next week"}), customer_id="C", currency="EUR", idempotency_key="K",
                      correlation_id="c", field_mapping=mapping)
    assert info.value.problem.reason == reason
