"""An ERP order's life after erp-panel created it: its stage, deliveries, invoices and what is still owed.

Every connector reports the same :class:`OrderProgress` for an order, read in one batched call per
poll (``ERPConnector.read_order_progress``); the vendor's own status is kept beside the stage.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any


class OrderStage(StrEnum):
    """Where an ERP order stands after creation; later stages come later in this list."""

    CONFIRMED = "confirmed"
    PARTLY_DELIVERED = "partly_delivered"
    DELIVERED = "delivered"
    INVOICED = "invoiced"
    PAID = "paid"
    CANCELLED = "cancelled"


#: stages after which an order's life in the ERP is over: nothing more to follow
CLOSED_STAGES = frozenset({OrderStage.PAID, OrderStage.CANCELLED})


def stage_of(*, cancelled: bool, delivered: str, invoiced: bool, paid: bool) -> OrderStage:
    """The stage from the facts every ERP reports: cancelled, delivery (``none``/``partly``/``full``),
    fully invoiced, and invoices paid in full (paid counts only once the order is invoiced)."""
    if cancelled:
        return OrderStage.CANCELLED
    if invoiced:
        return OrderStage.PAID if paid else OrderStage.INVOICED
    if delivered == "full":
        return OrderStage.DELIVERED
    if delivered == "partly":
        return OrderStage.PARTLY_DELIVERED
    return OrderStage.CONFIRMED


@dataclass(frozen=True)
class OrderProgress:
    """One order as the ERP reports it now."""

    idempotency_key: str
    order_number: str
    stage: OrderStage
    #: the vendor's own status text (e.g. ERPNext "To Bill", Odoo "sale", NetSuite "F")
    status_raw: str
    #: quantity delivered over all lines; None when the ERP does not report it in its batched read
    delivered_quantity: Decimal | None = None
    ordered_quantity: Decimal | None = None
    invoice_numbers: tuple[str, ...] = ()
    #: amount still owed on the order's invoices; None before the first invoice
    outstanding: Decimal | None = None
    currency: str = ""

    def facts(self) -> dict[str, Any]:
        """What changes over the order's life, as plain JSON (stored, compared, shown on the timeline)."""
        def text(value: Decimal | None) -> str | None:
            return None if value is None else format(value.normalize(), "f")
        return {"stage": self.stage.value, "status_raw": self.status_raw, "order_number": self.order_number,
                "delivered_quantity": text(self.delivered_quantity), "ordered_quantity": text(self.ordered_quantity),
                "invoice_numbers": list(self.invoice_numbers), "outstanding": text(self.outstanding),
                "currency": self.currency}
