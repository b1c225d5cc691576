"""Business Central sales orders, created once per idempotency key.

Idempotency: the idempotency key goes into ``externalDocumentNumber`` (35 characters; the
idempotency key has 28). BC does not enforce uniqueness on it, so every create first looks
for an order with that number, and then for an invoice with it (an order that was shipped
and invoiced in full is removed from ``salesOrders``). The order flow runs one create per deal
at a time, which closes the window between lookup and insert. Header and lines go in one
deep insert (``salesOrderLines`` inside the ``salesOrders`` POST, recommended in
https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/dynamics-rate-limits),
so a refused line leaves no half order behind; orders are never updated afterwards, so no
``If-Match`` is needed. Without ``unitPrice`` BC would price the line itself; the won deal's
price is sent because the order must match what the customer accepted.
"""
from __future__ import annotations

from typing import Any

from app.domain.order import OrderRequest, OrderResult, OrderStatus
from app.erp.businesscentral import mapping
from app.erp.businesscentral.client import literal
from app.errors import ERP, UpstreamRejected

MAX_EXTERNAL_DOCUMENT_NUMBER = 35
ORDER_FIELDS = "id,number,externalDocumentNumber,status,fullyShipped,totalAmountIncludingTax,currencyCode"


class BCOrders:
    def __init__(self, connector: Any):
        self.connector = connector
        self.client = connector.client

    def find(self, idempotency_key: str) -> OrderResult | None:
        by_ref = f"externalDocumentNumber eq {literal(idempotency_key)}"
        orders = self.client.collection(self.client.path("salesOrders"), filter=by_ref, select=ORDER_FIELDS)
        if orders:
            return mapping.order_from(orders[0], idempotency_key, created_now=False)
        invoices = self.client.collection(self.client.path("salesInvoices"), filter=by_ref,
                                          select="id,number,orderNumber,status,totalAmountIncludingTax,currencyCode")
        live = [i for i in invoices if i.get("status") not in ("Canceled", "Corrective")]
        if not live:
            return None
        invoice = live[0]
        return OrderResult(idempotency_key=idempotency_key, erp_id=str(invoice.get("id")),
                           order_number=str(invoice.get("orderNumber") or invoice.get("number")),
                           status=OrderStatus.FULFILLED, status_raw=f"Invoiced ({invoice.get('status')})",
                           created_now=False, total=mapping.amount(invoice, "totalAmountIncludingTax",
                                                                   vendor=mapping.VENDOR, record="sales invoice"),
                           currency=str(invoice.get("currencyCode") or ""))

    def create(self, request: OrderRequest, *, looked_up: bool = False) -> OrderResult:
        """Create the order unless its reference exists; ``looked_up``: the caller has just searched (nothing)."""
        existing = None if looked_up else self.find(request.idempotency_key)
        if existing is not None:
            return existing
        if not request.lines:
            raise UpstreamRejected("An order needs at least one line", side=ERP, reason="empty_order")
        if len(request.idempotency_key) > MAX_EXTERNAL_DOCUMENT_NUMBER:
            raise UpstreamRejected("The deal reference is longer than Business Central's 35-character "
                                     "external document number", side=ERP, reason="reference_too_long")
        try:
            created = self.client.create(self.client.path("salesOrders"), self.body(request))
        except UpstreamRejected:
            existing = self.find(request.idempotency_key)     # created by a concurrent attempt after all?
            if existing is not None:
                return existing
            raise
        return mapping.order_from(created, request.idempotency_key, created_now=True)

    def body(self, request: OrderRequest) -> dict[str, Any]:
        order_date = request.order_date or self.connector.clock.now().date()
        lines = []
        for line in request.lines:
            row: dict[str, Any] = {"lineType": "Item", "lineObjectNumber": line.item_code,
                                   "quantity": float(line.quantity), "unitPrice": float(line.unit_price),
                                   "discountPercent": float(line.discount_percent)}
            if line.description:
                row["description"] = line.description[:100]
            lines.append(row)
        body: dict[str, Any] = {"customerNumber": request.customer_id, "externalDocumentNumber": request.idempotency_key,
                                "orderDate": order_date.isoformat(), "currencyCode": request.currency,
                                "salesOrderLines": lines}
        if request.delivery_date:
            body["requestedDeliveryDate"] = request.delivery_date.isoformat()
        return body
