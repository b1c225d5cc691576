"""Business Central API v2.0 entities -> domain objects (pure functions, no HTTP).

Field names: APIV2 pages in microsoft/ALAppExtensions (Apps/W1/APIV2/app/src/pages), e.g.
customers (``balanceDue`` and ``creditLimit`` are in local currency, LCY), salesInvoices,
salesOrders, items.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.credit import CustomerCredit, HoldReason
from app.domain.invoice import Invoice, InvoiceStatus
from app.domain.money import currency_code, quantize
from app.domain.order import OrderResult, OrderStatus
from app.domain.pricing import PriceQuote
from app.domain.stock import ItemInfo, StockLine
from app.erp.fields import amount, require
from app.errors import MissingVendorField

VENDOR = "Business Central"
#: stock lines cover every location: the standard API has no per-location quantities
ALL_LOCATIONS = "All locations"
#: salesOrders.status: "Draft" is an order not yet released (Sales Header status Open) - a live order;
#: "In Review" waits for approval; "Open" is released (mapping per the APIV2 sales order buffer,
#: not confirmed against a live environment)
ORDER_STATUS = {"Draft": OrderStatus.OPEN, "In Review": OrderStatus.PENDING, "Open": OrderStatus.OPEN}
_INVOICE_STATUS = {"Draft": InvoiceStatus.DRAFT, "In Review": InvoiceStatus.DRAFT, "Paid": InvoiceStatus.PAID,
                   "Canceled": InvoiceStatus.CANCELLED, "Corrective": InvoiceStatus.CANCELLED}


def parse_date(value: Any) -> date | None:
    text = str(value or "")[:10]
    return None if not text or text == "0001-01-01" else date.fromisoformat(text)   # BC's blank date


def blocked_value(value: Any) -> str:
    """``blocked``: " " is sent as " " or as ``_x0020_`` (seen in captured responses)."""
    text = str(value if value is not None else "").replace("_x0020_", " ").strip()
    return text


def credit_from(row: dict[str, Any], local_currency: str) -> CustomerCredit:
    """Credit status in local currency; creditLimit 0 means "no limit" in BC.

    Hold: ``blocked`` All stops every transaction (DISABLED), Ship or Invoice stops those
    documents (BLOCKED); otherwise a balance above a set limit is OVER_LIMIT (BC itself only
    warns on documents).
    """
    record = "customer"
    number = str(require(row, "number", vendor=VENDOR, record=record))
    balance = amount(row, "balanceDue", vendor=VENDOR, record=record)
    limit = amount(row, "creditLimit", vendor=VENDOR, record=record)
    details = require(row, "customerFinancialDetail", vendor=VENDOR, record=record)
    overdue = amount(details, "overdueAmount", vendor=VENDOR, record="customer financial detail")
    blocked = blocked_value(require(row, "blocked", vendor=VENDOR, record=record))
    reason, note = HoldReason.NONE, ""
    if blocked == "All":
        reason, note = HoldReason.DISABLED, "Customer is blocked for all transactions in Business Central"
    elif blocked:
        reason, note = HoldReason.BLOCKED, f"Customer is blocked for {blocked.lower()} in Business Central"
    elif limit > 0 and balance > limit:
        reason, note = HoldReason.OVER_LIMIT, "Balance exceeds the credit limit"
    return CustomerCredit(customer_id=number, customer_name=str(row.get("displayName") or number),
                          currency=local_currency, credit_limit=limit if limit > 0 else None, balance=balance,
                          overdue=overdue, on_hold=reason != HoldReason.NONE, hold_reason=reason, hold_note=note)


def invoice_from(row: dict[str, Any], customer_id: str) -> Invoice:
    record = "sales invoice"
    total = amount(row, "totalAmountIncludingTax", vendor=VENDOR, record=record)
    remaining = amount(row, "remainingAmount", vendor=VENDOR, record=record)
    raw = str(row.get("status") or "")
    status = _INVOICE_STATUS.get(raw)
    if status is None:
        status = InvoiceStatus.PAID if remaining <= 0 else (
            InvoiceStatus.PARTIAL if remaining < total else InvoiceStatus.OPEN)
    issued = parse_date(require(row, "invoiceDate", vendor=VENDOR, record=record))
    if issued is None:
        raise MissingVendorField(VENDOR, record, "invoiceDate")
    return Invoice(number=str(require(row, "number", vendor=VENDOR, record=record)), customer_id=customer_id,
                   issue_date=issued, due_date=parse_date(row.get("dueDate")),
                   currency=currency_code(require(row, "currencyCode", vendor=VENDOR, record=record)),
                   total=total, outstanding=remaining, status=status, status_raw=raw)


def item_from(item: dict[str, Any]) -> ItemInfo:
    """An item row; a ``blocked`` item cannot be sold
    (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/resources/dynamics_item)."""
    code = str(require(item, "number", vendor=VENDOR, record="item"))
    return ItemInfo(code, str(item.get("displayName") or code), not require(item, "blocked", vendor=VENDOR, record="item"))


def stock_from(item: dict[str, Any], committed: Decimal) -> StockLine:
    """Inventory of all locations; reserved = quantity on open sales orders not yet shipped."""
    record = "item"
    number = str(require(item, "number", vendor=VENDOR, record=record))
    return StockLine(item_code=number, item_name=str(item.get("displayName") or number), warehouse=ALL_LOCATIONS,
                     on_hand=amount(item, "inventory", vendor=VENDOR, record=record), reserved=committed,
                     uom=str(item.get("baseUnitOfMeasureCode") or "Unit"))


def price_from(item: dict[str, Any], currency: str, factor: Decimal, places: int) -> PriceQuote:
    """The item's unit price (local currency) converted with ``factor`` into the customer's currency."""
    record = "item"
    number = str(require(item, "number", vendor=VENDOR, record=record))
    price = quantize(amount(item, "unitPrice", vendor=VENDOR, record=record) * factor, places)
    return PriceQuote(item_code=number, item_name=str(item.get("displayName") or number), unit_price=price,
                      list_price=price, currency=currency, price_list="Item unit price")


def order_from(row: dict[str, Any], idempotency_key: str, *, created_now: bool) -> OrderResult:
    record = "sales order"
    raw = str(require(row, "status", vendor=VENDOR, record=record))
    status = ORDER_STATUS.get(raw)
    if status is None:
        raise MissingVendorField(VENDOR, record, "status", unreadable=True)
    if row.get("fullyShipped") is True:
        status = OrderStatus.FULFILLED
    return OrderResult(idempotency_key=idempotency_key, erp_id=str(require(row, "id", vendor=VENDOR, record=record)),
                       order_number=str(require(row, "number", vendor=VENDOR, record=record)), status=status,
                       status_raw=raw, created_now=created_now,
                       total=amount(row, "totalAmountIncludingTax", vendor=VENDOR, record=record),
                       currency=currency_code(row.get("currencyCode")))
