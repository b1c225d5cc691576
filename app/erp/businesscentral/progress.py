"""Business Central: where sales orders stand after creation, in one or two collection reads.

``salesOrders`` filtered on every key at once (``externalDocumentNumber eq … or …``) with
``$expand=salesOrderLines`` gives each line's ``quantity``, ``shippedQuantity`` and ``invoicedQuantity``
(https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/resources/dynamics_salesorderline).
An order shipped and invoiced in full is deleted from ``salesOrders`` by BC; its posted invoices keep
the external document number, so one ``salesInvoices`` read, only for keys missing from the orders or
with invoiced lines, gives ``number``, ``status`` (Open, Paid, Canceled, …) and ``remainingAmount``
(https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/resources/dynamics_salesinvoice).
BC has no cancelled sales order: a deleted order with no live invoice is simply not found.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from app.domain.progress import OrderProgress, stage_of
from app.erp.businesscentral.client import BCClient, any_of
from app.erp.fields import amount, require

VENDOR = "Business Central"
#: keys per request (the filter travels in the query string)
BATCH = 50
ORDER_FIELDS = "id,number,externalDocumentNumber,status,fullyShipped,currencyCode"
INVOICE_FIELDS = "number,externalDocumentNumber,orderNumber,status,remainingAmount,totalAmountIncludingTax,currencyCode"
DEAD_INVOICE = ("Canceled", "Corrective")


def read_progress(client: BCClient, keys: Sequence[str]) -> dict[str, OrderProgress]:
    """Progress of the orders (or, once invoiced in full, their invoices) carrying these keys."""
    orders: dict[str, dict[str, Any]] = {}
    for start in range(0, len(keys), BATCH):
        for row in client.collection(client.path("salesOrders"), select=ORDER_FIELDS, expand="salesOrderLines",
                                     filter=any_of("externalDocumentNumber", list(keys[start:start + BATCH]))):
            orders.setdefault(str(require(row, "externalDocumentNumber", vendor=VENDOR, record="sales order")), row)
    billed = [k for k in keys if k not in orders or any(
        amount(line, "invoicedQuantity", vendor=VENDOR, record="sales order line") > 0
        for line in orders[k].get("salesOrderLines") or [])]
    invoices: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(billed), BATCH):
        for row in client.collection(client.path("salesInvoices"), select=INVOICE_FIELDS,
                                     filter=any_of("externalDocumentNumber", billed[start:start + BATCH])):
            if row.get("status") not in DEAD_INVOICE:
                invoices.setdefault(str(row.get("externalDocumentNumber")), []).append(row)
    found = {key: _from_order(key, row, invoices.get(key, [])) for key, row in orders.items()}
    for key, rows in invoices.items():
        if key not in found:
            found[key] = _from_invoices(key, rows)
    return found


def _owed(invoices: list[dict[str, Any]]) -> tuple[tuple[str, ...], Decimal | None]:
    numbers = tuple(sorted(str(require(i, "number", vendor=VENDOR, record="sales invoice")) for i in invoices))
    owed = sum((amount(i, "remainingAmount", vendor=VENDOR, record="sales invoice") for i in invoices), Decimal(0))
    return numbers, (owed if invoices else None)


def _from_order(key: str, row: dict[str, Any], invoices: list[dict[str, Any]]) -> OrderProgress:
    lines = require(row, "salesOrderLines", vendor=VENDOR, record="sales order")
    ordered = sum((amount(ln, "quantity", vendor=VENDOR, record="sales order line") for ln in lines), Decimal(0))
    shipped = sum((amount(ln, "shippedQuantity", vendor=VENDOR, record="sales order line") for ln in lines),
                  Decimal(0))
    invoiced = sum((amount(ln, "invoicedQuantity", vendor=VENDOR, record="sales order line") for ln in lines),
                   Decimal(0))
    numbers, owed = _owed(invoices)
    stage = stage_of(cancelled=False,
                     delivered="full" if ordered and shipped >= ordered else ("partly" if shipped > 0 else "none"),
                     invoiced=bool(ordered) and invoiced >= ordered, paid=owed == 0)
    return OrderProgress(idempotency_key=key, order_number=str(require(row, "number", vendor=VENDOR,
                                                                       record="sales order")),
                         stage=stage, status_raw=str(row.get("status") or ""), delivered_quantity=shipped,
                         ordered_quantity=ordered, invoice_numbers=numbers, outstanding=owed,
                         currency=str(row.get("currencyCode") or ""))


def _from_invoices(key: str, invoices: list[dict[str, Any]]) -> OrderProgress:
    numbers, owed = _owed(invoices)
    first = invoices[0]
    return OrderProgress(idempotency_key=key, order_number=str(first.get("orderNumber") or first.get("number")),
                         stage=stage_of(cancelled=False, delivered="full", invoiced=True, paid=owed == 0),
                         status_raw=f"Invoiced ({first.get('status')})", invoice_numbers=numbers, outstanding=owed,
                         currency=str(first.get("currencyCode") or ""))
