"""What vendor answers mean, the same for every connector: a transient conflict is retried later,
and a field missing from an answer is an error naming it - never a zero on the panel."""
from __future__ import annotations

import pytest

from app.domain.order import OrderStatus
from app.errors import MissingVendorField, UpstreamUnavailable
from tests.contract.erp.test_orders_contract import order_request

READS = {
    "credit": lambda c: c.get_credit("CUST-0001"),
    "credit_limit": lambda c: c.get_credit("CUST-0001"),
    "stock": lambda c: c.list_stock(["SKU-1001", "SKU-1002"]),
    "invoices": lambda c: c.list_invoices("CUST-0005"),
    "prices": lambda c: c.get_prices("CUST-0002", ["SKU-1001"]),
}


def test_a_concurrent_change_in_the_erp_is_transient_and_the_retry_creates_the_order_once(erp):
    if not erp.conflict_kinds:
        pytest.skip(f"{erp.name} has no concurrent writers")
    for kind in erp.conflict_kinds:
        ref = f"CRM-CONFLICT-{kind}"
        erp.leave_draft(ref)                       # an earlier attempt left the order unconfirmed
        erp.fail_next(kind, path_contains=erp.confirm_route)
        with pytest.raises(UpstreamUnavailable) as info:
            erp.connector.create_order(order_request(ref))
        assert info.value.retriable and info.value.reason == "erp_concurrent_update", kind
        again = erp.connector.create_order(order_request(ref))
        assert again.status == OrderStatus.OPEN and not again.created_now
        assert erp.orders_for(ref) == 1, kind


@pytest.mark.parametrize("read", sorted(READS))
def test_a_field_missing_from_an_answer_is_an_error_naming_it(erp, read):
    if read not in erp.field_cases:
        pytest.skip(f"{erp.name} reads no vendor payloads")
    record, name = erp.field_cases[read]
    erp.remove_field(record, name)
    with pytest.raises(MissingVendorField) as info:
        READS[read](erp.connector)
    assert (info.value.record, info.value.field) == (record, name)
    assert f"'{name}'" in info.value.message and record in info.value.message
    assert not info.value.retriable and info.value.reason == "erp_missing_field"
