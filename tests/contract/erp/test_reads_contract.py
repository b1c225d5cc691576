"""Read contract every ERP connector must meet: credit, stock, invoices, prices, pagination, timeouts.

Expected values come from the sandbox catalogue the fakes are seeded from, so a
connector that maps a field wrongly (or trusts a lagging vendor status) fails here.
"""
from __future__ import annotations

import pytest

from app.domain.credit import HoldReason
from app.domain.stock import StockLine
from app.errors import UpstreamNotFound
from tests.contract.erp.harness import PAGE_SIZE, TIMEOUT, TOTALS_WAREHOUSE, needs_http

ITEMS = ["SKU-1001", "SKU-1002", "SKU-1003", "SKU-1004", "SKU-1005"]


def test_credit_of_a_customer_matches_the_erp_data(erp):
    credit = erp.connector.get_credit("CUST-0001")
    expected = erp.expected_credit(erp.reference.get_credit("CUST-0001"))
    assert (credit.customer_id, credit.customer_name) == ("CUST-0001", expected.customer_name)
    assert credit.currency == expected.currency == "EUR"
    assert credit.credit_limit == expected.credit_limit
    assert credit.balance == expected.balance > 0
    assert credit.overdue == expected.overdue
    assert not credit.on_hold and credit.hold_reason == HoldReason.NONE


def test_overdue_amount_is_computed_from_due_dates(erp):
    credit = erp.connector.get_credit("CUST-0005")
    expected = erp.expected_credit(erp.reference.get_credit("CUST-0005"))
    assert credit.overdue == expected.overdue > 0
    assert credit.balance == expected.balance


def test_disabled_customer_is_on_hold(erp):
    credit = erp.connector.get_credit("CUST-0011")
    assert credit.on_hold and credit.hold_reason == HoldReason.DISABLED


def test_unknown_customer_is_not_found_for_every_read(erp):
    for read in (erp.connector.get_credit, erp.connector.list_invoices, erp.connector.get_prices):
        with pytest.raises(UpstreamNotFound) as info:
            read("CUST-9999")
        assert not info.value.retriable


def _totals(lines) -> list[StockLine]:
    """Reference stock summed over warehouses, for ERPs that report one figure per item."""
    out: dict[str, StockLine] = {}
    for s in lines:
        old = out.get(s.item_code)
        out[s.item_code] = StockLine(s.item_code, s.item_name, TOTALS_WAREHOUSE, s.on_hand + (old.on_hand if old else 0),
                                     s.reserved + (old.reserved if old else 0), s.uom)
    return list(out.values())


def test_stock_per_item_and_warehouse(erp):
    lines = erp.connector.list_stock(ITEMS)
    reference = erp.reference.list_stock(ITEMS)
    if erp.stock_totals_only:
        reference = _totals(reference)
    expected = {(s.item_code, s.warehouse): s for s in reference}
    got = {(s.item_code, s.warehouse): s for s in lines}
    assert {k for k, s in expected.items() if s.on_hand > 0} <= set(got)
    for key, line in got.items():
        if key not in expected and erp.stock_totals_only:   # an item never stocked anywhere: all zero
            assert (line.on_hand, line.reserved) == (0, 0), key
            continue
        assert (line.on_hand, line.reserved, line.available) == (expected[key].on_hand, expected[key].reserved,
                                                                 expected[key].available), key
        assert line.item_name == expected[key].item_name


def test_stock_ignores_unknown_items(erp):
    assert erp.connector.list_stock(["SKU-DOES-NOT-EXIST"]) == []


def test_find_items_answers_every_code_in_one_request(erp):
    items = erp.connector.find_items(["SKU-1001", "SKU-1002", "SKU-9999"])
    assert set(items) == {"SKU-1001", "SKU-1002"}                  # an unknown code is simply absent
    for code, item in items.items():
        assert (item.code, item.name, item.sellable) == (code, erp.reference.items[code].name, True)
    assert erp.connector.find_items([]) == {}


def test_find_items_is_one_request_for_all_codes(erp):
    needs_http(erp)
    erp.connector.find_items(["SKU-1002"])         # signs in first where the API needs a session (JSON-RPC)
    erp.fake.seen.clear()
    erp.connector.find_items(["SKU-1001", "SKU-9998", "SKU-9999"])    # one hit: fits one page of PAGE_SIZE
    assert len(erp.fake.seen) == 1, "one batched read, not one request per item"


def test_find_items_reports_an_item_the_erp_no_longer_sells(erp):
    erp.discontinue("SKU-1003")
    items = erp.connector.find_items(["SKU-1003", "SKU-1004"])
    assert (items["SKU-1003"].sellable, items["SKU-1004"].sellable) == (False, True)


def test_open_invoices_with_overdue_computed_from_due_date(erp, today):
    invoices = erp.connector.list_invoices("CUST-0005")
    expected = erp.reference.list_invoices("CUST-0005")
    assert [i.number for i in invoices] == [i.number for i in expected]
    for got, want in zip(invoices, expected, strict=True):
        assert (got.due_date, got.total, got.outstanding, got.currency, got.status) == \
               (want.due_date, want.total, want.outstanding, want.currency, want.status)
        assert got.is_overdue(today) == want.is_overdue(today)
    assert any(i.is_overdue(today) for i in invoices)
    assert [i.due_date for i in invoices] == sorted(i.due_date for i in invoices)


def test_paid_invoices_are_not_open(erp):
    open_numbers = {i.number for i in erp.connector.list_invoices("CUST-0001")}
    paid = {i.number for i in erp.reference.list_invoices("CUST-0001", open_only=False) if i.outstanding <= 0}
    assert paid and not (open_numbers & paid)


def test_customer_specific_prices(erp):
    quotes = {q.item_code: q for q in erp.connector.get_prices("CUST-0002", ["SKU-1001", "SKU-1002"])}
    for want in erp.reference.get_prices("CUST-0002", ["SKU-1001", "SKU-1002"]):
        got = quotes[want.item_code]
        if erp.list_prices_only:      # documented: no customer-specific price evaluation in the standard API
            assert (got.unit_price, got.list_price, got.currency) == (want.list_price, want.list_price, "USD")
            continue
        assert (got.unit_price, got.list_price, got.currency) == (want.unit_price, want.list_price, "USD")
        assert got.discount_percent == want.discount_percent == 10


def test_prices_in_a_zero_decimal_currency(erp):
    got = erp.connector.get_prices("CUST-0006", ["SKU-1007"])
    want = erp.reference.get_prices("CUST-0006", ["SKU-1007"])
    field = "list_price" if erp.list_prices_only else "unit_price"
    assert [(q.unit_price, q.currency) for q in got] == [(getattr(q, field), q.currency) for q in want]


def test_lists_are_paginated_until_exhausted(erp):
    invoices = erp.connector.list_invoices("CUST-0008")
    assert len(invoices) == len(erp.reference.list_invoices("CUST-0008")) > PAGE_SIZE
    if erp.fake is not None:
        pages = [r for r in erp.fake.seen if erp.invoice_fragment in r.path + str(r.body)]
        assert len(pages) >= 2, "more invoices than one page must take several requests"


def test_every_request_carries_the_configured_timeout(erp):
    needs_http(erp)
    erp.connector.get_credit("CUST-0001")
    erp.connector.list_stock(ITEMS[:2])
    assert erp.fake.seen and all(r.timeout == TIMEOUT for r in erp.fake.seen)


def test_credentials_travel_only_in_the_authorization_header(erp):
    needs_http(erp)
    erp.connector.get_credit("CUST-0001")
    for request in erp.fake.seen:
        assert not any(secret in str(request.params) for secret in erp.secrets)
