"""NetSuite sales orders, created exactly once per idempotency key.

Idempotency: erp-panel's idempotency key becomes the sales order's
``externalId``. Before creating, the order is read by ``GET .../salesOrder/eid:<key>``; only a
404 leads to ``POST .../salesOrder``. NetSuite keeps one record per external id and record type
(https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_N3532463.html), so a
second POST with the same key is refused rather than duplicated; any refusal of the POST is
therefore answered by reading the key again. ``PUT .../eid:<key>`` (upsert) is deliberately not
used: on a retry it would *update* an order that already exists, rewriting lines someone may
have approved or fulfilled since. The refusal text for a duplicate external id is not
documented; it is not relied on.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.domain.order import OrderLine, OrderRequest, OrderResult, OrderStatus
from app.erp.netsuite import mapping, queries
from app.errors import ERP, UpstreamNotFound, UpstreamRejected, UpstreamUnavailable

RECORD = "salesOrder"


class NetSuiteOrders:
    """Find and create sales orders for one connector (uses its client, customer lookup and settings)."""

    def __init__(self, connector: Any):
        self.connector = connector
        self.client = connector.client

    def _by_key(self, idempotency_key: str) -> dict[str, Any] | None:
        return self.client.get_record(RECORD, f"eid:{idempotency_key}")

    def find(self, idempotency_key: str) -> OrderResult | None:
        record = self._by_key(idempotency_key)
        if record is None:
            return None
        result = mapping.order_from(record, idempotency_key, created_now=False)
        return None if result.status == OrderStatus.CANCELLED else result

    def create(self, request: OrderRequest, *, looked_up: bool = False) -> OrderResult:
        """Create the order unless its key exists; ``looked_up``: the caller has just read the key (nothing)."""
        record = None if looked_up else self._by_key(request.idempotency_key)
        if record is not None:
            return self._existing(record, request)
        if not request.lines:
            raise UpstreamRejected("An order needs at least one line", side=ERP, reason="empty_order")
        body = self.order_body(request)
        try:
            new_id = self.client.create_record(RECORD, body)
        except UpstreamRejected:
            record = self._by_key(request.idempotency_key)   # refused because it exists already?
            if record is not None:
                return self._existing(record, request)
            raise
        record = self.client.get_record(RECORD, new_id) if new_id else self._by_key(request.idempotency_key)
        if record is None:
            raise UpstreamUnavailable("NetSuite accepted the sales order but cannot show it yet; it will be "
                                    "found by its external id on the next attempt", side=ERP, reason="erp_unavailable")
        return mapping.order_from(record, request.idempotency_key, created_now=True, currency=request.currency)

    def _existing(self, record: dict[str, Any], request: OrderRequest) -> OrderResult:
        result = mapping.order_from(record, request.idempotency_key, created_now=False, currency=request.currency)
        if result.status == OrderStatus.CANCELLED:
            raise UpstreamRejected(f"The NetSuite sales order {result.order_number} for this deal was cancelled; "
                                     "NetSuite keeps its external id, so no new order is created automatically", side=ERP,
                                     reason="order_cancelled")
        return result

    def order_body(self, request: OrderRequest) -> dict[str, Any]:
        """The ``salesOrder`` body: references are ``{"id": <internal id>}``, lines ``{"items": [...]}``."""
        try:
            customer = self.connector.customer(request.customer_id)
        except UpstreamNotFound:
            raise UpstreamRejected(f"NetSuite has no customer {request.customer_id}", side=ERP, reason="unknown_customer") from None
        ids = self._item_ids(request)
        currency_id = self._currency_id(request, customer)
        order_date = request.order_date or self.connector.clock.now().date()
        lines = [self._line(line, ids[line.item_code]) for line in request.lines]
        body: dict[str, Any] = {"externalId": request.idempotency_key, "entity": {"id": str(customer["id"])},
                                "currency": {"id": str(currency_id)}, "tranDate": order_date.isoformat(),
                                "otherRefNum": request.idempotency_key, "item": {"items": lines}}
        if request.title:
            body["memo"] = request.title[:999]
        if request.delivery_date:
            body["shipDate"] = request.delivery_date.isoformat()
        if self.connector.subsidiary_id:
            body["subsidiary"] = {"id": self.connector.subsidiary_id}
        if self.connector.location_id:
            body["location"] = {"id": self.connector.location_id}
        return body

    def _item_ids(self, request: OrderRequest) -> dict[str, str]:
        """Item code -> internal id for every line; refuses the order when an item is unknown or inactive."""
        codes = sorted({line.item_code for line in request.lines})
        ids = {str(r["itemid"]): str(r["id"]) for r in self.client.suiteql(queries.items(codes))}
        missing = [code for code in codes if code not in ids]
        if missing:
            raise UpstreamRejected(f"NetSuite has no active item {', '.join(missing)}", side=ERP, reason="unknown_item")
        return ids

    def _currency_id(self, request: OrderRequest, customer: dict[str, Any]) -> Any:
        """The customer's currency, or the order's when it differs (looked up by its symbol)."""
        if request.currency == str(customer.get("currency") or "").upper():
            return customer.get("currencyid")
        rows = self.client.suiteql(queries.currency(request.currency), limit=1)
        if not rows:
            raise UpstreamRejected(f"NetSuite has no currency {request.currency}", side=ERP, reason="currency_mismatch")
        return rows[0]["id"]

    def _line(self, line: OrderLine, item_id: str) -> dict[str, Any]:
        rate = line.unit_price * (Decimal(100) - line.discount_percent) / Decimal(100)
        row: dict[str, Any] = {"item": {"id": item_id}, "quantity": float(line.quantity), "rate": float(rate)}
        if line.description:
            row["description"] = line.description[:4000]
        if self.connector.location_id:
            row["location"] = {"id": self.connector.location_id}
        return row
