"""The sandbox ERP's orders after creation: deliveries, invoices and payments that can move.

The sandbox keeps what happened to an order in its ``progress`` (delivered quantity, invoices with
what is still owed) and its status in ERPNext's wording ("To Deliver and Bill", "To Bill",
"Completed", "Cancelled"), so the demo and the tests can move an order the way people in an ERP do.
"""
from __future__ import annotations

from decimal import Decimal

from app.domain.progress import OrderProgress, stage_of
from app.erp.sandbox.orders import StoredOrder

#: what a person can do to an order in the sandbox
STEPS = ("deliver_part", "deliver", "invoice", "pay", "cancel")


def ordered_quantity(order: StoredOrder) -> Decimal:
    return sum((Decimal(str(line["qty"])) for line in order.lines), Decimal(0))


def progress_of(order: StoredOrder) -> OrderProgress:
    """The order as the sandbox reports it now."""
    ordered = ordered_quantity(order)
    delivered = Decimal(str(order.progress.get("delivered", "0")))
    invoices = order.progress.get("invoices", [])
    billed = sum((Decimal(inv["amount"]) for inv in invoices), Decimal(0))
    outstanding = sum((Decimal(inv["outstanding"]) for inv in invoices), Decimal(0)) if invoices else None
    delivery = "full" if ordered and delivered >= ordered else ("partly" if delivered > 0 else "none")
    stage = stage_of(cancelled=order.status == "Cancelled", delivered=delivery,
                     invoiced=bool(invoices) and billed >= order.total, paid=outstanding == 0)
    return OrderProgress(idempotency_key=order.idempotency_key, order_number=order.order_number, stage=stage,
                         status_raw=order.status, delivered_quantity=delivered, ordered_quantity=ordered,
                         invoice_numbers=tuple(inv["number"] for inv in invoices), outstanding=outstanding,
                         currency=order.currency)


def moved(order: StoredOrder, step: str) -> tuple[str, dict]:
    """(status, progress) of the order after ``step`` (one of STEPS); ValueError for another step."""
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}; one of {', '.join(STEPS)}")
    progress = dict(order.progress)
    ordered = ordered_quantity(order)
    if step == "cancel":
        return "Cancelled", progress
    if step in ("deliver_part", "deliver"):
        half = (ordered / 2).to_integral_value() or Decimal(1)
        progress["delivered"] = str(ordered if step == "deliver" else min(half, ordered))
    elif step == "invoice":
        number = f"SINV-{order.order_number.removeprefix('SO-')}"
        progress["invoices"] = [{"number": number, "amount": str(order.total), "outstanding": str(order.total)}]
    else:
        progress["invoices"] = [dict(inv, outstanding="0") for inv in progress.get("invoices", [])]
    delivered = Decimal(str(progress.get("delivered", "0"))) >= ordered
    billed = bool(progress.get("invoices"))
    status = "Completed" if delivered and billed else ("To Bill" if delivered else
                                                       ("To Deliver" if billed else "To Deliver and Bill"))
    return status, progress
