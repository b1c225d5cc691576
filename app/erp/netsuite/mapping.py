"""NetSuite rows and records -> domain objects (pure functions, no HTTP).

SuiteQL rows may carry values as text or numbers and may leave NULL columns out; required
values go through ``app.erp.fields`` so a missing one is an error naming the field.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from app.domain.credit import CustomerCredit, HoldReason
from app.domain.invoice import Invoice, InvoiceStatus
from app.domain.money import currency_code, to_decimal
from app.domain.order import OrderResult, OrderStatus
from app.domain.stock import ItemInfo, StockLine
from app.erp.fields import amount, optional_amount, require
from app.errors import MissingVendorField

VENDOR = "NetSuite"

#: sales order status codes (saved-search codes ``SalesOrd:A``..``H``; SuiteQL and records may
#: give the bare letter or the display name) -> canonical status
ORDER_STATUS = {
    "A": OrderStatus.PENDING, "pending approval": OrderStatus.PENDING,
    "B": OrderStatus.OPEN, "pending fulfillment": OrderStatus.OPEN,
    "C": OrderStatus.CANCELLED, "cancelled": OrderStatus.CANCELLED,
    "D": OrderStatus.OPEN, "partially fulfilled": OrderStatus.OPEN,
    "E": OrderStatus.OPEN, "pending billing/partially fulfilled": OrderStatus.OPEN,
    "F": OrderStatus.FULFILLED, "pending billing": OrderStatus.FULFILLED,
    "G": OrderStatus.FULFILLED, "billed": OrderStatus.FULFILLED,
    "H": OrderStatus.CLOSED, "closed": OrderStatus.CLOSED,
}


def is_true(value: Any) -> bool:
    """SuiteQL booleans are 'T' / 'F'."""
    return str(value or "").strip().upper() in ("T", "TRUE")


def parse_date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def credit_from(row: dict[str, Any]) -> CustomerCredit:
    """Credit status of one customer row (``queries.customer``).

    Hold: inactive customers cannot be used on transactions (DISABLED); ``creditholdoverride``
    ON puts the customer on credit hold whatever the balance; AUTO lets NetSuite decide by
    the credit limit, which is mirrored here as OVER_LIMIT when the balance exceeds it.
    """
    record = "customer"
    entity = str(require(row, "entityid", vendor=VENDOR, record=record))
    balance = amount(row, "balance", vendor=VENDOR, record=record)
    limit = optional_amount(row, "creditlimit", vendor=VENDOR, record=record)
    override = str(row.get("creditholdoverride") or "AUTO").strip().upper()
    reason, note = HoldReason.NONE, ""
    if is_true(row.get("isinactive")):
        reason, note = HoldReason.DISABLED, "Customer is inactive in NetSuite"
    elif override == "ON":
        reason, note = HoldReason.CREDIT_HOLD, "Credit hold is set to On in NetSuite"
    elif override != "OFF" and limit is not None and limit > 0 and balance > limit:
        reason, note = HoldReason.OVER_LIMIT, "Balance exceeds the credit limit"
    return CustomerCredit(customer_id=entity, customer_name=str(row.get("name") or entity),
                          currency=currency_code(require(row, "currency", vendor=VENDOR, record=record)),
                          credit_limit=limit, balance=balance,
                          overdue=amount(row, "overdue", vendor=VENDOR, record=record),
                          on_hold=reason != HoldReason.NONE, hold_reason=reason, hold_note=note)


def invoice_from(row: dict[str, Any], customer_id: str) -> Invoice:
    """One ``CustInvc`` row; the status comes from the amounts, NetSuite's code is kept raw."""
    record = "invoice"
    total = amount(row, "total", vendor=VENDOR, record=record)
    unpaid = amount(row, "unpaid", vendor=VENDOR, record=record)
    if unpaid <= 0:
        status = InvoiceStatus.PAID
    elif unpaid < total:
        status = InvoiceStatus.PARTIAL
    else:
        status = InvoiceStatus.OPEN
    issued = parse_date(require(row, "trandate", vendor=VENDOR, record=record))
    return Invoice(number=str(require(row, "tranid", vendor=VENDOR, record=record)), customer_id=customer_id,
                   issue_date=issued, due_date=parse_date(row.get("duedate")),
                   currency=currency_code(require(row, "currency", vendor=VENDOR, record=record)),
                   total=total, outstanding=unpaid, status=status, status_raw=str(row.get("status") or ""))


def item_from(row: dict[str, Any]) -> ItemInfo:
    """A ``queries.known_items`` row; an inactive item cannot go on a new sales order."""
    code = str(require(row, "itemid", vendor=VENDOR, record="item"))
    return ItemInfo(code, str(row.get("displayname") or code),
                    not is_true(require(row, "isinactive", vendor=VENDOR, record="item")))


def stock_from(row: dict[str, Any]) -> StockLine:
    """One item/location row: on hand and committed (reserved for sales orders).

    Without the Multiple Units of Measure feature items have no stock unit; "Unit" is shown.
    """
    record = "inventory location"
    return StockLine(item_code=str(require(row, "itemid", vendor=VENDOR, record=record)),
                     item_name=str(row.get("displayname") or row["itemid"]),
                     warehouse=str(require(row, "location", vendor=VENDOR, record=record)),
                     on_hand=amount(row, "onhand", vendor=VENDOR, record=record),
                     reserved=amount(row, "committed", vendor=VENDOR, record=record),
                     uom=str(row.get("uom") or "Unit"))


def _ref_text(value: Any) -> tuple[str, str]:
    """(id, display name) of a REST reference field (``{"id", "refName"}``) or a plain value."""
    if isinstance(value, dict):
        return str(value.get("id") or ""), str(value.get("refName") or value.get("id") or "")
    return str(value or ""), str(value or "")


def order_from(record: dict[str, Any], idempotency_key: str, *, created_now: bool, currency: str = "") -> OrderResult:
    """OrderResult from a ``salesOrder`` record: number = ``tranId``, status from ``status``."""
    code, name = _ref_text(record.get("status") or record.get("orderStatus"))
    code = code.split(":")[-1]
    status = ORDER_STATUS.get(code) or ORDER_STATUS.get(name.lower())
    if status is None:
        raise MissingVendorField(VENDOR, "sales order", "status", unreadable=True)
    _cur_id, cur_name = _ref_text(record.get("currency"))
    return OrderResult(idempotency_key=idempotency_key, erp_id=str(require(record, "id", vendor=VENDOR, record="sales order")),
                       order_number=str(require(record, "tranId", vendor=VENDOR, record="sales order")),
                       status=status, status_raw=name or code, created_now=created_now,
                       total=to_decimal(record.get("total")), currency=currency_code(cur_name) or currency)
