from decimal import Decimal

import pytest

from app.domain.ids import idempotency_key
from app.domain.order import OrderLine, OrderRequest
from app.erp.registry import ERPRegistry, available, describe
from app.erp.sandbox import SandboxERP, SandboxFaults
from app.erp.sandbox.catalogue import CUSTOMERS, WAREHOUSES
from app.errors import (
    UpstreamMisconfigured,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)


@pytest.fixture
def erp(clock):
    return SandboxERP(clock=clock, faults=SandboxFaults(sleep=lambda _s: None))


def test_catalogue_is_deterministic_and_rich(clock):
    a, b = SandboxERP(clock=clock), SandboxERP(clock=clock)
    assert a.list_stock() == b.list_stock()
    assert len(a.items) >= 30 and len(WAREHOUSES) == 3 and len(CUSTOMERS) >= 10
    names = " ".join(c.name for c in CUSTOMERS)
    assert "ü" in names and '"' in names and "🚀" in names and "<script>" in names
    assert len({c.currency for c in CUSTOMERS}) >= 4
    assert SandboxERP(clock=clock, seed=1).list_stock() != a.list_stock()


def test_credit_hold_and_overdue_customers(erp):
    assert erp.get_credit("CUST-0004").on_hold
    assert erp.get_credit("CUST-0005").overdue > 0
    assert not erp.get_credit("CUST-0001").on_hold
    with pytest.raises(UpstreamNotFound):
        erp.get_credit("CUST-NOPE")


def test_prices_are_customer_specific(erp):
    acme = {p.item_code: p for p in erp.get_prices("CUST-0002", ["SKU-1001"])}["SKU-1001"]
    assert acme.currency == "USD" and acme.discount_percent == Decimal("10.00")
    yen = erp.get_prices("CUST-0006", ["SKU-1001"])[0]
    assert yen.unit_price == yen.unit_price.to_integral_value()     # JPY has no decimals


def _order(customer="CUST-0001", currency="EUR", lines=None, deal="D1"):
    lines = lines or (OrderLine("SKU-1001", Decimal("2"), Decimal("10")),)
    return OrderRequest(customer, currency, tuple(lines), idempotency_key("t", deal), deal)


def test_create_order_is_idempotent_by_idempotency_key(erp):
    first = erp.create_order(_order())
    again = erp.create_order(_order())
    assert first.created_now and not again.created_now
    assert again.order_number == first.order_number and len(erp.orders_for(first.idempotency_key)) == 1
    assert erp.find_order(first.idempotency_key).order_number == first.order_number
    assert erp.find_order("CRM-UNKNOWN") is None


@pytest.mark.parametrize("request_kwargs, reason", [
    ({"customer": "CUST-NOPE"}, "unknown_customer"),
    ({"customer": "CUST-0011", "currency": "GBP"}, "customer_disabled"),
    ({"currency": "USD"}, "currency_mismatch"),
    ({"lines": (OrderLine("SKU-0000", Decimal("1"), Decimal("1")),)}, "unknown_item"),
    ({"lines": (OrderLine("SKU-1001", Decimal("0"), Decimal("1")),)}, "invalid_quantity"),
])
def test_order_validation_errors(erp, request_kwargs, reason):
    with pytest.raises(UpstreamRejected) as err:
        erp.create_order(_order(**request_kwargs))
    assert err.value.reason == reason and not err.value.retriable


def test_fault_injection(erp):
    erp.faults.fail_next(1, "rate_limited")
    with pytest.raises(UpstreamRateLimited) as err:
        erp.get_credit("CUST-0001")
    assert err.value.retry_after == 2 and err.value.retriable
    erp.faults.down = True
    with pytest.raises(UpstreamUnavailable):
        erp.list_stock()
    assert not erp.check_connection().ok
    erp.faults.reset()
    assert erp.check_connection().ok and erp.faults.total_calls() == 1


def test_registry_describes_and_rejects_unknown_connectors(services):
    assert "sandbox" in available()
    assert describe("sandbox").label.startswith("Built-in sandbox")
    from app.tenants.model import ERPConnectionSettings
    registry: ERPRegistry = services.erp
    with pytest.raises(UpstreamMisconfigured, match="Unknown ERP connector"):
        registry.build(ERPConnectionSettings("sap-r3", {}, {}))
