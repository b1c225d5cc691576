from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.domain import codec
from app.domain.credit import CustomerCredit, HoldReason
from app.domain.ids import idempotency_key
from app.domain.invoice import Invoice, InvoiceStatus
from app.domain.money import currency_code, to_decimal
from app.domain.order import OrderLine, OrderRequest
from app.domain.pricing import PriceQuote
from app.domain.stock import StockLine


def _invoice(**kw):
    base = dict(number="INV-1", customer_id="C1", issue_date=date(2026, 10, 1), due_date=date(2026, 10, 31),
                currency="EUR", total=Decimal("100"), outstanding=Decimal("100"), status=InvoiceStatus.OPEN)
    base.update(kw)
    return Invoice(**base)


def test_invoice_overdue_is_computed_from_due_date_and_outstanding():
    inv = _invoice()
    assert not inv.is_overdue(date(2026, 10, 31))          # due today is not overdue
    assert inv.is_overdue(date(2026, 11, 1))
    assert inv.days_overdue(date(2026, 11, 10)) == 10
    assert not _invoice(outstanding=Decimal("0"), status=InvoiceStatus.PAID).is_overdue(date(2026, 12, 1))
    assert not _invoice(due_date=None).is_overdue(date(2027, 1, 1))
    # an ERP "Overdue" label does not matter, only the dates and money do
    assert _invoice(status=InvoiceStatus.PARTIAL, status_raw="Unpaid").is_overdue(date(2026, 11, 2))


def test_credit_available_and_over_limit():
    credit = CustomerCredit("C1", "Acme", "EUR", Decimal("1000"), Decimal("1200"), Decimal("0"), False)
    assert credit.available_credit == Decimal("-200")
    assert credit.over_limit
    no_limit = CustomerCredit("C1", "Acme", "EUR", None, Decimal("5"), Decimal("0"), False)
    assert no_limit.available_credit is None and not no_limit.over_limit


def test_price_discount_and_stock_available():
    quote = PriceQuote("SKU", "Item", Decimal("90"), Decimal("100"), "EUR")
    assert quote.discount_percent == Decimal("10.00")
    assert PriceQuote("SKU", "Item", Decimal("90"), None, "EUR").discount_percent is None
    assert StockLine("SKU", "Item", "WH", Decimal("10"), Decimal("4")).available == Decimal("6")


def test_idempotency_key_is_deterministic_and_tenant_scoped():
    key = idempotency_key("tenant-a", "42")
    assert key == idempotency_key("tenant-a", "42")
    assert key != idempotency_key("tenant-b", "42")
    assert key != idempotency_key("tenant-a", "43")
    assert key.startswith("CRM-") and len(key) <= 35   # fits Business Central's externalDocumentNumber


def test_order_totals_apply_discounts():
    req = OrderRequest("C1", "EUR", (OrderLine("A", Decimal("2"), Decimal("10"), discount_percent=Decimal("50")),
                                     OrderLine("B", Decimal("1"), Decimal("5"))), "CRM-X", "42")
    assert req.total == Decimal("15")


def test_codec_round_trips_domain_objects():
    objects = [
        CustomerCredit("C1", "Müller & Söhne 🚀", "EUR", Decimal("1.10"), Decimal("2"), Decimal("0"), True,
                       HoldReason.CREDIT_HOLD, "note"),
        [StockLine("SKU", "<b>x</b>", "WH", Decimal("1.5"), Decimal("0"))],
        _invoice(),
        datetime(2026, 1, 1, tzinfo=UTC),
    ]
    for obj in objects:
        assert codec.loads(codec.dumps(obj)) == obj


def test_codec_refuses_unknown_types():
    import pytest
    with pytest.raises(KeyError):
        codec.loads('{"$t": "Popen", "f": {}}')


def test_money_helpers():
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal(None) is None and to_decimal("") is None     # empty is never a silent zero
    for garbage in ("abc", "NaN", True):
        with pytest.raises(ValueError):
            to_decimal(garbage)
    assert currency_code(" eur ") == "EUR"
    assert currency_code("euro") == ""
