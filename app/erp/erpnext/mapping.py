"""ERPNext payloads -> domain objects (pure functions, no HTTP).

Field names follow the Frappe/ERPNext DocTypes (Customer, Customer Credit Limit, Bin, Sales
Invoice, Sales Order) and ``erpnext.stock.get_item_details.get_item_details``
(https://github.com/frappe/erpnext). Every field is read through ``VendorRecord``: one that
is missing from an answer is an error naming it, never a zero.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.credit import CustomerCredit, HoldReason
from app.domain.invoice import Invoice, InvoiceStatus
from app.domain.money import ZERO, currency_code
from app.domain.order import OrderResult, OrderStatus
from app.domain.pricing import PriceQuote
from app.domain.stock import ItemInfo, StockLine
from app.erp.fields import VendorRecord

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


VENDOR = "ERPNext"


def record(row: dict[str, Any] | None, doctype: str) -> VendorRecord:
    """A Frappe document or list row of ``doctype``, read field by field."""
    return VendorRecord(row, VENDOR, doctype)


def credit_limit_for(customer: dict[str, Any], company: str) -> tuple[Decimal | None, bool]:
    """(limit, bypass) from the customer's per-company ``credit_limits`` rows.

    ERPNext limits are per company; 0 or a missing row means "no limit" (check_credit_limit
    only runs for a positive limit). The group/company fallbacks of get_credit_limit are
    not whitelisted, so a customer without its own row shows no limit. The child table itself
    must be in the answer: get_doc always includes it (empty when there are no rows), so its
    absence means field-level permissions hid it - and "no limit" would then be a guess.
    """
    for row in record(customer, "Customer").value("credit_limits") or []:
        limit_row = record(row, "Customer Credit Limit")
        if limit_row.value("company") == company:
            limit = limit_row.amount("credit_limit")
            return (limit if limit > 0 else None), bool(limit_row.value("bypass_credit_limit_check"))
    return None, False


def credit_from(customer: dict[str, Any], company: str, invoices: list[dict[str, Any]], today: date,
                fallback_currency: str = "") -> CustomerCredit:
    """Credit status from the Customer document and its submitted Sales Invoices.

    balance = sum of outstanding_amount (credit notes reduce it); overdue = positive
    outstanding past due_date (the "Overdue" status is set by a daily job, so never trusted).
    On hold: disabled, then frozen (ERPNext refuses new transactions, PartyDisabled /
    PartyFrozen), then over the company credit limit (unless bypass is set).
    """
    doc = record(customer, "Customer")
    balance, overdue = ZERO, ZERO
    for row in invoices:
        invoice = record(row, "Sales Invoice")
        outstanding, due = invoice.amount("outstanding_amount"), invoice.date("due_date")
        balance += outstanding
        if outstanding > 0 and due is not None and due < today:
            overdue += outstanding
    limit, bypass = credit_limit_for(customer, company)
    currency = currency_code(doc.text("default_currency")) or fallback_currency
    if not currency and invoices:
        currency = currency_code(record(invoices[0], "Sales Invoice").text("currency"))
    reason, note = HoldReason.NONE, ""
    if doc.value("disabled"):
        reason, note = HoldReason.DISABLED, "Customer is disabled in ERPNext"
    elif doc.value("is_frozen"):
        reason, note = HoldReason.FROZEN, "Customer account is frozen in ERPNext"
    elif limit is not None and not bypass and balance > limit:
        reason, note = HoldReason.OVER_LIMIT, "Outstanding amount exceeds the credit limit"
    name = doc.text("name")
    # customer_name is display text only; an empty or hidden one falls back to the id
    return CustomerCredit(customer_id=name, customer_name=str(doc.optional("customer_name") or name),
                          currency=currency, credit_limit=limit, balance=balance, overdue=overdue,
                          on_hold=reason != HoldReason.NONE, hold_reason=reason, hold_note=note)


def invoice_from(row: dict[str, Any], customer_id: str) -> Invoice:
    """One Sales Invoice list row; status from amounts, raw ERPNext status kept."""
    doc = record(row, "Sales Invoice")
    total, outstanding, docstatus = doc.amount("grand_total"), doc.amount("outstanding_amount"), doc.value("docstatus")
    if docstatus == 2:
        status = InvoiceStatus.CANCELLED
    elif docstatus == 0:
        status = InvoiceStatus.DRAFT
    elif outstanding <= 0:
        status = InvoiceStatus.PAID
    elif outstanding < total:
        status = InvoiceStatus.PARTIAL
    else:
        status = InvoiceStatus.OPEN
    # status is kept as raw text only (the state above comes from amounts), so it may be absent
    return Invoice(number=doc.text("name"), customer_id=customer_id, issue_date=doc.date("posting_date"),
                   due_date=doc.date("due_date"), currency=currency_code(doc.text("currency")),
                   total=total, outstanding=outstanding, status=status, status_raw=str(doc.optional("status") or ""))


def item_from(row: dict[str, Any]) -> ItemInfo:
    """An Item row; one that is ``disabled`` or not ``is_sales_item`` is not to be sold (both are Check
    fields of the Item DocType, https://github.com/frappe/erpnext/blob/develop/erpnext/stock/doctype/item/item.json)."""
    item = record(row, "Item")
    sellable = not item.value("disabled") and bool(item.value("is_sales_item"))
    return ItemInfo(item.text("name"), item.text("item_name"), sellable)


def stock_from(bin_row: dict[str, Any], item: dict[str, Any] | None) -> StockLine:
    """One Bin row; available = actual_qty - reserved_qty (computed by StockLine)."""
    row = record(bin_row, "Bin")
    code = row.text("item_code")
    # name and unit are display text: the item code and "Unit" stand in when they are not readable
    details = record(item, "Item")
    return StockLine(item_code=code, item_name=str(details.optional("item_name") or code),
                     warehouse=row.text("warehouse"), on_hand=row.amount("actual_qty"),
                     reserved=row.amount("reserved_qty"),
                     uom=str(details.optional("stock_uom") or row.optional("stock_uom") or "Unit"))


def price_from(details: dict[str, Any], item: dict[str, Any], currency: str, price_list: str) -> PriceQuote | None:
    """A quote from get_item_details' ``message``; None when the item has no price at all.

    ``get_basic_details`` starts the answer with ``price_list_rate`` and ``rate`` at 0.0
    (https://github.com/frappe/erpnext/blob/develop/erpnext/stock/get_item_details.py), so both
    are always present: a list rate of 0 means no Item Price matched, a rate of 0 means no
    pricing rule set one (the list rate applies); absence is an error.
    """
    answer = record(details, "get_item_details")
    list_price = answer.amount("price_list_rate")
    rate = answer.amount("rate") or list_price
    if not rate:
        return None
    code = record(item, "Item").text("item_code")
    return PriceQuote(item_code=code, item_name=str(item.get("item_name") or code),
                      unit_price=rate, list_price=list_price or None,
                      currency=currency_code(answer.optional("currency")) or currency, price_list=price_list)


def order_from(doc: dict[str, Any], idempotency_key: str, *, created_now: bool) -> OrderResult:
    """OrderResult from a Sales Order document/list row; the order number is its ``name``."""
    order = record(doc, "Sales Order")
    docstatus = order.value("docstatus")
    # a draft has no status text yet on some versions; total and currency are informational
    raw = str(order.optional("status") or ("Draft" if docstatus == 0 else ""))
    status = OrderStatus.DRAFT if docstatus == 0 else ORDER_STATUS.get(raw, OrderStatus.OPEN)
    if docstatus == 2:
        status = OrderStatus.CANCELLED
    name = order.text("name")
    return OrderResult(idempotency_key=idempotency_key, erp_id=name, order_number=name, status=status,
                       status_raw=raw, created_now=created_now, total=order.optional_amount("grand_total"),
                       currency=currency_code(order.optional("currency")))
