"""Order contract: create once per external reference, find it again, never duplicate on retries."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from app.domain.ids import idempotency_key
from app.domain.order import OrderLine, OrderRequest, OrderStatus
from app.errors import UpstreamRejected, UpstreamUnavailable


def order_request(ref: str, *, customer: str = "CUST-0001", items=(("SKU-1001", "2", "12.50"),)) -> OrderRequest:
    return OrderRequest(customer_id=customer, currency="EUR", idempotency_key=ref, crm_deal_id="D-1",
                        title="Widgets for Q1",
                        lines=tuple(OrderLine(code, Decimal(qty), Decimal(price)) for code, qty, price in items))


def test_same_idempotency_key_twice_creates_one_order(erp):
    ref = idempotency_key("tenant-1", "D-1")
    first = erp.connector.create_order(order_request(ref))
    second = erp.connector.create_order(order_request(ref))
    assert first.created_now and not second.created_now
    assert first.order_number and second.order_number == first.order_number
    assert first.status == OrderStatus.OPEN and first.status_raw
    assert first.total == Decimal("25.00")
    assert erp.orders_for(ref) == 1


def test_find_order_by_idempotency_key(erp):
    ref = idempotency_key("tenant-1", "D-2")
    assert erp.connector.find_order(ref) is None
    created = erp.connector.create_order(order_request(ref))
    found = erp.connector.find_order(ref)
    assert found is not None and not found.created_now
    assert (found.order_number, found.erp_id, found.idempotency_key) == (created.order_number, created.erp_id, ref)


def test_create_after_a_lookup_creates_once_without_looking_up_again(erp):
    ref = idempotency_key("tenant-1", "D-3")
    assert erp.connector.find_order(ref) is None
    if erp.fake is not None:
        erp.fake.seen.clear()
    created = erp.connector.create_order_after_lookup(order_request(ref))
    assert created.created_now and created.order_number and erp.orders_for(ref) == 1
    assert erp.connector.find_order(ref).order_number == created.order_number
    if erp.fake is not None:
        lookups = [r for r in erp.fake.seen if re.search(erp.lookup_route, erp.fake.route_key(r))]
        assert len(lookups) == 1, "only the find_order after the create looks the reference up"


def test_different_refs_create_different_orders(erp):
    a = erp.connector.create_order(order_request("CRM-A"))
    b = erp.connector.create_order(order_request("CRM-B"))
    assert a.order_number != b.order_number


def test_lost_answer_after_commit_is_recovered_without_a_duplicate(erp):
    erp.fail_next("timeout_after", path_contains=erp.create_route)
    with pytest.raises(UpstreamUnavailable):
        erp.connector.create_order(order_request("CRM-LOST"))
    again = erp.connector.create_order(order_request("CRM-LOST"))
    assert not again.created_now
    assert erp.orders_for("CRM-LOST") == 1


def test_order_writes_are_not_retried(erp):
    erp.fail_next("unavailable", path_contains=erp.create_route)
    with pytest.raises(UpstreamUnavailable):
        erp.connector.create_order(order_request("CRM-WRITE"))
    assert erp.orders_for("CRM-WRITE") == 0
    if erp.fake is not None:
        inserts = [r for r in erp.fake.seen if erp.create_route in erp.fake.route_key(r)]
        assert len(inserts) == 1
    assert erp.connector.create_order(order_request("CRM-WRITE")).created_now
    assert erp.orders_for("CRM-WRITE") == 1


def test_unknown_item_is_a_validation_error(erp):
    with pytest.raises(UpstreamRejected) as info:
        erp.connector.create_order(order_request("CRM-BAD", items=(("SKU-9999", "1", "5"),)))
    assert not info.value.retriable and info.value.message
    assert erp.orders_for("CRM-BAD") == 0


def test_erp_rejection_is_a_validation_error(erp):
    erp.fail_next("validation", path_contains=erp.create_route)
    with pytest.raises(UpstreamRejected):
        erp.connector.create_order(order_request("CRM-REJECT"))
    assert erp.orders_for("CRM-REJECT") == 0
