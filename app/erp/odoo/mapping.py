"""Odoo records -> domain objects (pure functions).

Models and fields: res.partner (account module credit fields), account.move, product.product
computed quantities, sale.order (https://www.odoo.com/documentation/19.0/developer/reference/external_api.html).
Every field is read through ``VendorRecord``: a missing one is an error naming it, never a zero.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.credit import CustomerCredit, HoldReason
from app.domain.invoice import Invoice, InvoiceStatus
from app.domain.money import ZERO, currency_code
from app.domain.order import OrderResult, OrderStatus
from app.domain.stock import ItemInfo, StockLine
from app.erp.fields import VendorRecord

#: sale.order state (<=16 has "done"; 17+ uses a separate ``locked`` flag instead)
ORDER_STATUS = {"draft": OrderStatus.DRAFT, "sent": OrderStatus.PENDING, "sale": OrderStatus.OPEN,
                "done": OrderStatus.CLOSED, "cancel": OrderStatus.CANCELLED}
OPEN_PAYMENT_STATES = ["not_paid", "partial"]
VENDOR = "Odoo"


def m2o_name(value: Any) -> str:
    """Display name of a many2one read as [id, name]."""
    return str(value[1]) if isinstance(value, list | tuple) and len(value) > 1 else ""


def m2o_id(value: Any) -> int | None:
    return int(value[0]) if isinstance(value, list | tuple) and value else None


def record(row: dict[str, Any] | None, model: str) -> VendorRecord:
    """An Odoo record of ``model`` as read by search_read/read, field by field."""
    return VendorRecord(row, VENDOR, model)


def credit_from(partner: dict[str, Any], invoices: list[Invoice], today: date, currency: str) -> CustomerCredit:
    """Credit status: ``credit`` (total receivable) is the balance; overdue from invoice due dates.

    ``credit_limit`` is company-dependent and only meaningful when positive
    (``use_partner_credit_limit``). Odoo core has no blocking credit hold (only a warning), so
    on_hold comes from an archived partner or a balance over the limit.
    """
    row = record(partner, "res.partner")
    balance = row.amount("credit")
    overdue = sum((inv.outstanding for inv in invoices if inv.is_overdue(today)), ZERO)
    limit: Decimal | None = row.amount("credit_limit")
    limit = limit if limit and limit > 0 and row.value("use_partner_credit_limit") else None
    reason, note = HoldReason.NONE, ""
    if row.value("active") is False:
        reason, note = HoldReason.DISABLED, "Customer is archived in Odoo"
    elif limit is not None and balance > limit:
        reason, note = HoldReason.OVER_LIMIT, "Total receivable exceeds the credit limit"
    return CustomerCredit(customer_id=row.text("ref") or str(row.value("id")), customer_name=row.text("name"),
                          currency=currency, credit_limit=limit, balance=balance, overdue=overdue,
                          on_hold=reason != HoldReason.NONE, hold_reason=reason, hold_note=note)


def invoice_from(move: dict[str, Any], customer_id: str) -> Invoice:
    """account.move (out_invoice) -> Invoice; status from state/payment_state, raw payment_state kept."""
    row = record(move, "account.move")
    total, residual = row.amount("amount_total"), row.amount("amount_residual")
    payment_state, state = row.text("payment_state"), row.value("state")
    if state == "draft":
        status = InvoiceStatus.DRAFT
    elif state == "cancel":
        status = InvoiceStatus.CANCELLED
    elif payment_state in ("paid", "in_payment", "reversed") or residual <= 0:
        status = InvoiceStatus.PAID
    elif payment_state == "partial" or residual < total:
        status = InvoiceStatus.PARTIAL
    else:
        status = InvoiceStatus.OPEN
    return Invoice(number=row.text("name") or str(row.value("id")), customer_id=customer_id,
                   issue_date=row.date("invoice_date"), due_date=row.date("invoice_date_due"),
                   currency=currency_code(m2o_name(row.value("currency_id"))), total=total, outstanding=residual,
                   status=status, status_raw=payment_state or str(state or ""))


def quantities(row: dict[str, Any] | None) -> tuple[Decimal, Decimal]:
    """(qty_available, free_qty) of a product.product read in a warehouse context."""
    product = record(row, "product.product")
    return product.amount("qty_available"), product.amount("free_qty")


def stock_from(product: dict[str, Any], warehouse: str, on_hand: Decimal, free: Decimal) -> StockLine:
    """qty_available = on hand; free_qty = on hand - reserved, so reserved = the difference."""
    row = record(product, "product.product")
    # name and unit are display text: the code and "Unit" stand in when Odoo sends none
    return StockLine(item_code=row.text("default_code") or str(row.value("id")),
                     item_name=str(row.optional("name") or row.optional("display_name") or ""),
                     warehouse=warehouse, on_hand=on_hand, reserved=max(on_hand - free, Decimal(0)),
                     uom=m2o_name(row.optional("uom_id")) or "Unit")


def item_from(product: dict[str, Any]) -> ItemInfo:
    """A product.product read with ``active_test`` off; an archived product or one without ``sale_ok``
    ("Can be Sold") is not offered on sale orders
    (https://github.com/odoo/odoo/blob/18.0/addons/product/models/product_template.py)."""
    row = record(product, "product.product")
    sellable = bool(row.value("active")) and bool(row.value("sale_ok"))
    return ItemInfo(row.text("default_code"), row.text("name"), sellable)


def order_from(order: dict[str, Any], idempotency_key: str, *, created_now: bool) -> OrderResult:
    row = record(order, "sale.order")
    state = row.text("state")
    # total and currency are informational on the result
    return OrderResult(idempotency_key=idempotency_key, erp_id=str(row.value("id")), order_number=row.text("name"),
                       status=ORDER_STATUS.get(state, OrderStatus.OPEN), status_raw=state, created_now=created_now,
                       total=row.optional_amount("amount_total"),
                       currency=currency_code(m2o_name(row.optional("currency_id"))))
