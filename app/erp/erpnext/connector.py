"""ERPNext connector: reads via /api/resource lists, orders as submitted Sales Orders.

Reference: https://docs.frappe.io/framework/user/en/api/rest. Idempotency: the
idempotency key goes into ``po_no`` (not unique in ERPNext), and every create
first looks the key up among live orders (docstatus < 2). The order flow
serialises creates per deal, which closes the lookup/insert race window. Sites that
add a unique custom field can name it in ``idempotency_field``; a duplicate insert
then fails with UniqueValidationError (417) and is answered by re-reading the order.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from app.clock import Clock
from app.domain.credit import CustomerCredit
from app.domain.customer import CustomerQuery, ERPCustomer
from app.domain.invoice import Invoice
from app.domain.order import OrderRequest, OrderResult
from app.domain.pricing import PriceQuote
from app.domain.progress import OrderProgress
from app.domain.stock import ItemInfo, StockLine, items_by_code
from app.erp.base import ConnectionCheck, ERPConnector
from app.erp.erpnext import customers, mapping
from app.erp.erpnext.client import FrappeClient
from app.erp.erpnext.probe import probe_connection
from app.erp.erpnext.progress import read_progress
from app.errors import ERP, UpstreamNotFound, UpstreamRejected

log = logging.getLogger(__name__)

DEFAULT_ITEMS = 12
DEFAULT_PRICE_LIST = "Standard Selling"
ITEM_DETAILS_METHOD = "erpnext.stock.get_item_details.get_item_details"


class ERPNextConnector(ERPConnector):
    """ERPConnector over the Frappe REST API of one ERPNext site and company."""

    name = "erpnext"
    retries_reads = True          # every read goes through VendorHTTP with retries
    #: ERPNext sets no concurrency cap of its own: a site answers as many requests at once as it has
    #: gunicorn web workers (``gunicorn_workers`` in common_site_config.json,
    #: https://docs.frappe.io/framework/v15/user/en/basics/site_config); 8 leaves a small site's
    #: workers free for its human users too
    max_concurrent_requests = 8

    def __init__(self, client: FrappeClient, *, clock: Clock, company: str, warehouses: Sequence[str] = (),
                 price_list: str = "", delivery_days: int = 7, idempotency_field: str = "po_no"):
        self.client = client
        self.clock = clock
        self.company = company
        self.warehouses = [w for w in warehouses if w]
        self.price_list = price_list
        self.delivery_days = delivery_days
        self.idempotency_field = idempotency_field or "po_no"

    def close(self) -> None:
        self.client.http.close()

    # -- reads --------------------------------------------------------------------
    def check_connection(self) -> ConnectionCheck:
        return probe_connection(self)

    def _customer(self, customer_id: str) -> dict:
        try:
            return self.client.get_doc("Customer", customer_id)
        except UpstreamNotFound:
            raise UpstreamNotFound(f"Customer {customer_id} does not exist in ERPNext", side=ERP,
                                   reason="unknown_customer", status=404) from None

    def search_customers(self, query: CustomerQuery) -> list[ERPCustomer]:
        return customers.search(self.client, query)

    def get_customers(self, customer_ids: Sequence[str]) -> dict[str, ERPCustomer]:
        return customers.get_many(self.client, customer_ids)

    def _submitted_invoices(self, customer_id: str, *, open_only: bool) -> list[dict]:
        filters = [["customer", "=", customer_id], ["docstatus", "=", 1], ["company", "=", self.company]]
        if open_only:
            filters.append(["outstanding_amount", "!=", 0])
        return self.client.get_list(
            "Sales Invoice", filters=filters, order_by="due_date asc",
            fields=["name", "posting_date", "due_date", "grand_total", "outstanding_amount", "currency",
                    "status", "docstatus", "is_return"])

    def get_credit(self, customer_id: str) -> CustomerCredit:
        customer = self._customer(customer_id)
        invoices = self._submitted_invoices(customer_id, open_only=True)
        return mapping.credit_from(customer, self.company, invoices, self.clock.now().date())

    def _items(self, item_codes: Sequence[str] | None) -> list[dict]:
        fields = ["item_code", "item_name", "stock_uom"]
        if item_codes:
            return self.client.get_list("Item", fields=fields, filters=[["item_code", "in", list(item_codes)]])
        return self.client.get_list("Item", fields=fields, order_by="item_code asc", limit=DEFAULT_ITEMS,
                                    filters=[["is_stock_item", "=", 1], ["disabled", "=", 0]])

    def list_stock(self, item_codes: Sequence[str] | None = None) -> list[StockLine]:
        items = {mapping.record(row, "Item").text("item_code"): row for row in self._items(item_codes)}
        if not items:
            return []
        filters: list = [["item_code", "in", sorted(items)]]
        if self.warehouses:
            filters.append(["warehouse", "in", self.warehouses])
        bins = self.client.get_list("Bin", filters=filters, order_by="item_code asc",
                                    fields=["item_code", "warehouse", "actual_qty", "reserved_qty",
                                            "projected_qty", "stock_uom"])
        return [mapping.stock_from(row, items.get(mapping.record(row, "Bin").text("item_code"))) for row in bins]

    def list_invoices(self, customer_id: str, *, open_only: bool = True) -> list[Invoice]:
        self._customer(customer_id)
        rows = self._submitted_invoices(customer_id, open_only=open_only)
        invoices = [mapping.invoice_from(row, customer_id) for row in rows]
        if open_only:
            invoices = [inv for inv in invoices if inv.outstanding > 0]
        return sorted(invoices, key=lambda i: (i.due_date or i.issue_date, i.number))

    def get_prices(self, customer_id: str, item_codes: Sequence[str] | None = None) -> list[PriceQuote]:
        """Customer prices from get_item_details, which applies Item Price rows and Pricing Rules.

        The method's first parameter is ``args`` up to v15 and ``ctx`` from v16
        (https://github.com/frappe/erpnext/blob/develop/erpnext/stock/get_item_details.py). We send both keys with the same value: ``frappe.call`` drops keyword arguments the
        function does not declare (``frappe.get_newargs``), so each version picks its own and the
        connector needs no version switch. The call is read-only (no rate is sent, so no Item Price
        is auto-inserted) and therefore marked safe to retry.
        """
        customer = self._customer(customer_id)
        price_list = self.price_list or customer.get("default_price_list") or DEFAULT_PRICE_LIST
        currency = customer.get("default_currency") or ""
        today = self.clock.now().date().isoformat()
        quotes = []
        for item in self._items(item_codes):
            ctx = {"item_code": mapping.record(item, "Item").text("item_code"), "company": self.company, "customer": customer_id,
                   "doctype": "Sales Order", "currency": currency, "conversion_rate": 1,
                   "selling_price_list": price_list, "price_list_currency": currency,
                   "plc_conversion_rate": 1, "qty": 1, "transaction_date": today}
            if self.warehouses:
                ctx["warehouse"] = self.warehouses[0]
            details = self.client.call(ITEM_DETAILS_METHOD, {"args": ctx, "ctx": ctx}, safe=True) or {}
            quote = mapping.price_from(details, item, currency, price_list)
            if quote is not None:
                quotes.append(quote)
        return quotes

    def find_items(self, item_codes: Sequence[str]) -> dict[str, ItemInfo]:
        """One Item list call filtered by ``name in [...]`` (an Item's name is its item code)."""
        if not item_codes:
            return {}
        rows = self.client.get_list("Item", fields=["name", "item_name", "disabled", "is_sales_item"],
                                    filters=[["name", "in", list(item_codes)]])
        return items_by_code(mapping.item_from(row) for row in rows)

    # -- orders -------------------------------------------------------------------
    def _live_orders(self, idempotency_key: str) -> list[dict]:
        return self.client.get_list(
            "Sales Order", order_by="creation asc",
            filters=[[self.idempotency_field, "=", idempotency_key], ["docstatus", "<", 2]],
            fields=["name", "status", "docstatus", "grand_total", "currency", "po_no"])

    def find_order(self, idempotency_key: str) -> OrderResult | None:
        orders = self._live_orders(idempotency_key)
        if len(orders) > 1:
            # po_no is not unique: someone created a second order by hand; report the oldest
            log.warning("ERPNext has %d live Sales Orders for one idempotency key", len(orders))
        return mapping.order_from(orders[0], idempotency_key, created_now=False) if orders else None

    def read_order_progress(self, idempotency_keys: Sequence[str]) -> dict[str, OrderProgress]:
        """One Sales Order list for every key, plus one Sales Invoice list when any was billed."""
        return read_progress(self.client, self.idempotency_field, list(idempotency_keys))

    def cancel_order(self, idempotency_key: str) -> OrderResult:
        """Cancel the submitted Sales Order (docstatus 1 -> 2) with ``frappe.client.cancel``
        (https://github.com/frappe/frappe/blob/version-15/frappe/client.py); a draft cannot be cancelled."""
        live = [o for o in self._live_orders(idempotency_key) if o.get("docstatus") == 1]
        if not live:
            raise UpstreamNotFound(f"ERPNext has no submitted Sales Order with reference {idempotency_key}", side=ERP)
        name = mapping.record(live[0], "Sales Order").text("name")
        self.client.call("frappe.client.cancel", {"doctype": "Sales Order", "name": name}, safe=False)
        return mapping.order_from(self.client.get_doc("Sales Order", name), idempotency_key, created_now=False)

    def create_order(self, request: OrderRequest) -> OrderResult:
        orders = self._live_orders(request.idempotency_key)
        if orders:
            found = orders[0]
            order = mapping.record(found, "Sales Order")
            if order.value("docstatus") == 0:
                # an earlier attempt left a draft (or a person did): submit it instead of adding one
                return mapping.order_from(self._submit(order.text("name")), request.idempotency_key, created_now=False)
            return mapping.order_from(found, request.idempotency_key, created_now=False)
        return self.create_order_after_lookup(request)

    def create_order_after_lookup(self, request: OrderRequest) -> OrderResult:
        """Insert the Sales Order submitted (``docstatus`` 1): one request."""
        if not request.lines:
            raise UpstreamRejected("An order needs at least one line", side=ERP, reason="empty_order")
        try:
            doc = self.client.insert("Sales Order", self._order_doc(request))
        except UpstreamRejected as exc:
            if exc.vendor_code in ("UniqueValidationError", "DuplicateEntryError"):
                existing = self.find_order(request.idempotency_key)
                if existing is not None:
                    return existing
            raise
        inserted = mapping.record(doc, "Sales Order")
        if inserted.value("docstatus") == 0:
            doc = self._submit(inserted.text("name"))
        return mapping.order_from(doc, request.idempotency_key, created_now=True)

    def _submit(self, name: str) -> dict:
        return self.client.update("Sales Order", name, {"docstatus": 1})

    def _order_doc(self, request: OrderRequest) -> dict:
        order_date = request.order_date or self.clock.now().date()
        delivery = request.delivery_date or order_date + timedelta(days=self.delivery_days)
        delivery = max(delivery, order_date)      # "Delivery Date cannot be before Transaction Date"
        warehouse = self.warehouses[0] if self.warehouses else None
        items = []
        for line in request.lines:
            row = {"item_code": line.item_code, "qty": float(line.quantity),
                   "rate": float(line.unit_price * (Decimal(100) - line.discount_percent) / Decimal(100)),
                   "delivery_date": delivery.isoformat()}
            if line.description:
                row["description"] = line.description
            if warehouse:
                row["warehouse"] = warehouse
            items.append(row)
        doc = {"customer": request.customer_id, "company": self.company, "currency": request.currency,
               "transaction_date": order_date.isoformat(), "delivery_date": delivery.isoformat(),
               "po_no": request.idempotency_key, "items": items, "docstatus": 1}
        if self.idempotency_field != "po_no":
            doc[self.idempotency_field] = request.idempotency_key
        if self.price_list:
            doc["selling_price_list"] = self.price_list
        if warehouse:
            doc["set_warehouse"] = warehouse
        if request.title:
            doc["title"] = request.title[:140]
        return doc
