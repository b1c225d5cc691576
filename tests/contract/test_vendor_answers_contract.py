"""What vendor answers mean, the same for every connector: a transient conflict is retried later."""
from __future__ import annotations

import pytest

from app.domain.order import OrderStatus
from app.erp.base import ERPRetriableError
from tests.contract.test_orders_contract import order_request


def test_a_concurrent_change_in_the_erp_is_transient_and_the_retry_creates_the_order_once(erp):
    if not erp.conflict_kinds:
        pytest.skip(f"{erp.name} has no concurrent writers")
    for kind in erp.conflict_kinds:
        ref = f"CRM-CONFLICT-{kind}"
        erp.leave_draft(ref)                       # an earlier attempt left the order unconfirmed
        erp.fail_next(kind, path_contains=erp.confirm_route)
        with pytest.raises(ERPRetriableError) as info:
            erp.connector.create_order(order_request(ref))
        assert info.value.retriable and info.value.reason == "erp_concurrent_update", kind
        again = erp.connector.create_order(order_request(ref))
        assert again.status == OrderStatus.OPEN and not again.created_now
        assert erp.orders_for(ref) == 1, kind

