"""ERPNext payloads -> domain objects (pure functions, no HTTP).

Field names follow erp-contracts.md section 1 (Customer, Customer Credit Limit, Bin,
Sales Invoice, Sales Order, get_item_details).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.credit import CustomerCredit, HoldReason
from app.domain.invoice import Invoice, InvoiceStatus
from app.domain.money import ZERO, currency_code, to_decimal
from app.domain.order import OrderResult, OrderStatus
from app.domain.pricing import PriceQuote
from app.domain.stock import StockLine

#: Sales Order status (erpnext/controllers/status_updater.py) -> canonical status
ORDER_STATUS = {
    "Draft": OrderStatus.DRAFT,
    "On Hold": OrderStatus.ON_HOLD,
    "To Deliver and Bill": OrderStatus.OPEN,
    "To Bill": OrderStatus.OPEN,
    "To Deliver": OrderStatus.OPEN,
    "Completed": OrderStatus.FULFILLED,
    "Closed": OrderStatus.CLOSED,
    "Cancelled": OrderStatus.CANCELLED,
}


def parse_date(value: Any) -> date | None:
    """Frappe dates are ISO strings ("2025-01-31"); datetimes are cut to the date."""
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def credit_limit_for(customer: dict[str, Any], company: str) -> tuple[Decimal | None, bool]:
    """(limit, bypass) from the customer's per-company ``credit_limits`` rows.

    ERPNext limits are per company; 0 or a missing row means "no limit" (check_credit_limit
    only runs for a positive limit). The group/company fallbacks of get_credit_limit are
    not whitelisted, so a customer without its own row shows no limit.
    """
    for row in customer.get("credit_limits") or []:
        if row.get("company") == company:
            limit = to_decimal(row.get("credit_limit"))
            return (limit if limit and limit > 0 else None), bool(row.get("bypass_credit_limit_check"))
    return None, False


def credit_from(customer: dict[str, Any], company: str, invoices: list[dict[str, Any]], today: date,
                fallback_currency: str = "") -> CustomerCredit:
    """Credit status from the Customer document and its submitted Sales Invoices.

    balance = sum of outstanding_amount (credit notes reduce it); overdue = positive
    outstanding past due_date (the "Overdue" status is set by a daily job, so never trusted).
    On hold: disabled, then frozen (ERPNext refuses new transactions, PartyDisabled /
    PartyFrozen), then over the company credit limit (unless bypass is set).
    """
    balance = sum((to_decimal(inv.get("outstanding_amount")) for inv in invoices), ZERO)
    overdue = ZERO
    for inv in invoices:
        outstanding = to_decimal(inv.get("outstanding_amount"))
        due = parse_date(inv.get("due_date"))
        if outstanding > 0 and due is not None and due < today:
            overdue += outstanding
    limit, bypass = credit_limit_for(customer, company)
    currency = currency_code(customer.get("default_currency")) or fallback_currency
    if not currency and invoices:
        currency = currency_code(invoices[0].get("currency"))
    reason, note = HoldReason.NONE, ""
    if customer.get("disabled"):
        reason, note = HoldReason.DISABLED, "Customer is disabled in ERPNext"
    elif customer.get("is_frozen"):
        reason, note = HoldReason.FROZEN, "Customer account is frozen in ERPNext"
    elif limit is not None and not bypass and balance > limit:
        reason, note = HoldReason.OVER_LIMIT, "Outstanding amount exceeds the credit limit"
    return CustomerCredit(customer_id=customer["name"], customer_name=customer.get("customer_name") or customer["name"],
                          currency=currency, credit_limit=limit, balance=balance, overdue=overdue,
                          on_hold=reason != HoldReason.NONE, hold_reason=reason, hold_note=note)


def invoice_from(row: dict[str, Any], customer_id: str) -> Invoice:
    """One Sales Invoice list row; status from amounts, raw ERPNext status kept."""
    total = to_decimal(row.get("grand_total"))
    outstanding = to_decimal(row.get("outstanding_amount"))
    if row.get("docstatus") == 2:
        status = InvoiceStatus.CANCELLED
    elif row.get("docstatus") == 0:
        status = InvoiceStatus.DRAFT
    elif outstanding <= 0:
        status = InvoiceStatus.PAID
    elif outstanding < total:
        status = InvoiceStatus.PARTIAL
    else:
        status = InvoiceStatus.OPEN
    return Invoice(number=row["name"], customer_id=customer_id, issue_date=parse_date(row.get("posting_date")),
                   due_date=parse_date(row.get("due_date")), currency=currency_code(row.get("currency")),
                   total=total, outstanding=outstanding, status=status, status_raw=str(row.get("status") or ""))


def stock_from(bin_row: dict[str, Any], item: dict[str, Any] | None) -> StockLine:
    """One Bin row; available = actual_qty - reserved_qty (computed by StockLine)."""
    item = item or {}
    return StockLine(item_code=bin_row["item_code"], item_name=item.get("item_name") or bin_row["item_code"],
                     warehouse=bin_row["warehouse"], on_hand=to_decimal(bin_row.get("actual_qty")),
                     reserved=to_decimal(bin_row.get("reserved_qty")),
                     uom=item.get("stock_uom") or bin_row.get("stock_uom") or "Unit")


def price_from(details: dict[str, Any], item: dict[str, Any], currency: str, price_list: str) -> PriceQuote | None:
    """A quote from get_item_details' ``message``; None when the item has no price at all."""
    list_price = to_decimal(details.get("price_list_rate"), None)
    rate = to_decimal(details.get("rate"), None) or list_price
    if not rate:
        return None
    return PriceQuote(item_code=item["item_code"], item_name=item.get("item_name") or item["item_code"],
                      unit_price=rate, list_price=list_price or None,
                      currency=currency_code(details.get("currency")) or currency, price_list=price_list)


def order_from(doc: dict[str, Any], external_ref: str, *, created_now: bool) -> OrderResult:
    """OrderResult from a Sales Order document/list row; the order number is its ``name``."""
    raw = str(doc.get("status") or ("Draft" if doc.get("docstatus") == 0 else ""))
    status = OrderStatus.DRAFT if doc.get("docstatus") == 0 else ORDER_STATUS.get(raw, OrderStatus.OPEN)
    if doc.get("docstatus") == 2:
        status = OrderStatus.CANCELLED
    return OrderResult(external_ref=external_ref, erp_id=doc["name"], order_number=doc["name"], status=status,
                       status_raw=raw, created_now=created_now, total=to_decimal(doc.get("grand_total"), None),
                       currency=currency_code(doc.get("currency")))
