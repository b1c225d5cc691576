"""Odoo records -> domain objects (pure functions). Field names per erp-contracts.md section 2."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.credit import CustomerCredit, HoldReason
from app.domain.invoice import Invoice, InvoiceStatus
from app.domain.money import ZERO, currency_code, to_decimal
from app.domain.order import OrderResult, OrderStatus
from app.domain.stock import StockLine

#: sale.order state (<=16 has "done"; 17+ uses a separate ``locked`` flag instead)
ORDER_STATUS = {"draft": OrderStatus.DRAFT, "sent": OrderStatus.PENDING, "sale": OrderStatus.OPEN,
                "done": OrderStatus.CLOSED, "cancel": OrderStatus.CANCELLED}
OPEN_PAYMENT_STATES = ["not_paid", "partial"]


def m2o_name(value: Any) -> str:
    """Display name of a many2one read as [id, name]."""
    return str(value[1]) if isinstance(value, list | tuple) and len(value) > 1 else ""


def m2o_id(value: Any) -> int | None:
    return int(value[0]) if isinstance(value, list | tuple) and value else None


def parse_date(value: Any) -> date | None:
    """Odoo sends dates as "YYYY-MM-DD" strings and False for empty."""
    return date.fromisoformat(str(value)[:10]) if value else None


def credit_from(partner: dict[str, Any], invoices: list[Invoice], today: date, currency: str) -> CustomerCredit:
    """Credit status: ``credit`` (total receivable) is the balance; overdue from invoice due dates.

    ``credit_limit`` is company-dependent and only meaningful when positive
    (``use_partner_credit_limit``). Odoo core has no blocking credit hold (only a warning), so
    on_hold comes from an archived partner or a balance over the limit.
    """
    balance = to_decimal(partner.get("credit"))
    overdue = sum((inv.outstanding for inv in invoices if inv.is_overdue(today)), ZERO)
    limit = to_decimal(partner.get("credit_limit"))
    limit = limit if limit and limit > 0 and partner.get("use_partner_credit_limit", True) else None
    reason, note = HoldReason.NONE, ""
    if partner.get("active") is False:
        reason, note = HoldReason.DISABLED, "Customer is archived in Odoo"
    elif limit is not None and balance > limit:
        reason, note = HoldReason.OVER_LIMIT, "Total receivable exceeds the credit limit"
    return CustomerCredit(customer_id=str(partner.get("ref") or partner["id"]), customer_name=partner.get("name") or "",
                          currency=currency, credit_limit=limit, balance=balance, overdue=overdue,
                          on_hold=reason != HoldReason.NONE, hold_reason=reason, hold_note=note)


def invoice_from(move: dict[str, Any], customer_id: str) -> Invoice:
    """account.move (out_invoice) -> Invoice; status from state/payment_state, raw payment_state kept."""
    total = to_decimal(move.get("amount_total"))
    residual = to_decimal(move.get("amount_residual"))
    payment_state = str(move.get("payment_state") or "")
    if move.get("state") == "draft":
        status = InvoiceStatus.DRAFT
    elif move.get("state") == "cancel":
        status = InvoiceStatus.CANCELLED
    elif payment_state in ("paid", "in_payment", "reversed") or residual <= 0:
        status = InvoiceStatus.PAID
    elif payment_state == "partial" or residual < total:
        status = InvoiceStatus.PARTIAL
    else:
        status = InvoiceStatus.OPEN
    return Invoice(number=str(move.get("name") or move["id"]), customer_id=customer_id,
                   issue_date=parse_date(move.get("invoice_date")), due_date=parse_date(move.get("invoice_date_due")),
                   currency=currency_code(m2o_name(move.get("currency_id"))), total=total, outstanding=residual,
                   status=status, status_raw=payment_state or str(move.get("state") or ""))


def stock_from(product: dict[str, Any], warehouse: str, quantities: dict[str, Any]) -> StockLine:
    """qty_available = on hand; free_qty = on hand - reserved, so reserved = the difference."""
    on_hand = to_decimal(quantities.get("qty_available"))
    free = to_decimal(quantities.get("free_qty"), on_hand)
    return StockLine(item_code=product.get("default_code") or str(product["id"]),
                     item_name=product.get("name") or product.get("display_name") or "",
                     warehouse=warehouse, on_hand=on_hand, reserved=max(on_hand - free, Decimal(0)),
                     uom=m2o_name(product.get("uom_id")) or "Unit")


def order_from(order: dict[str, Any], external_ref: str, *, created_now: bool) -> OrderResult:
    state = str(order.get("state") or "")
    return OrderResult(external_ref=external_ref, erp_id=str(order["id"]), order_number=str(order.get("name") or ""),
                       status=ORDER_STATUS.get(state, OrderStatus.OPEN), status_raw=state, created_now=created_now,
                       total=to_decimal(order.get("amount_total"), None),
                       currency=currency_code(m2o_name(order.get("currency_id"))))
