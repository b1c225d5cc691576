"""Cancel contract: an admin's cancellation request cancels the order where the ERP's API can, and is a
"not supported" capability error naming what to do in the ERP where it cannot (nothing changes then)."""
from __future__ import annotations

import pytest

from app.domain.ids import idempotency_key
from app.domain.order import OrderStatus
from app.domain.progress import OrderStage
from app.errors import UpstreamNotFound, UpstreamNotSupported
from tests.contract.erp.test_orders_contract import order_request

CANCELS = {"sandbox", "erpnext", "odoo-json2", "odoo-jsonrpc"}


def test_cancel_on_request_or_say_what_to_do_in_the_erp(erp):
    ref = idempotency_key("tenant-1", "D-CANCEL-REQ")
    erp.connector.create_order(order_request(ref))
    if erp.name not in CANCELS:
        with pytest.raises(UpstreamNotSupported) as info:
            erp.connector.cancel_order(ref)
        assert not info.value.retriable and info.value.reason == "erp_not_supported"
        assert erp.orders_for(ref) == 1 and erp.connector.find_order(ref) is not None
        return
    cancelled = erp.connector.cancel_order(ref)
    assert cancelled.status == OrderStatus.CANCELLED
    assert erp.orders_for(ref) == 0 and erp.connector.find_order(ref) is None
    assert erp.connector.read_order_progress([ref])[ref].stage == OrderStage.CANCELLED


def test_cancelling_an_unknown_order_is_not_found(erp):
    if erp.name not in CANCELS:
        pytest.skip(f"{erp.name} does not cancel orders")
    with pytest.raises(UpstreamNotFound):
        erp.connector.cancel_order("CRM-NOT-THERE")
