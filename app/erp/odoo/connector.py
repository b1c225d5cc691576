"""Odoo connector (JSON-2 or JSON-RPC): partners, products, invoices, pricelists, sale orders.

Customer ids: the CRM link holds either the partner's numeric id or its ``ref``
("Internal Reference", e.g. CUST-0001). Item codes are ``product.product.default_code``.
Idempotency: the idempotency key goes into
``client_order_ref`` (not unique) and is looked up before creating; create and confirm
are separate transactions, so a retry confirms a found draft/sent order instead of
creating another.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.clock import Clock
from app.domain.credit import CustomerCredit
from app.domain.customer import CustomerQuery, ERPCustomer
from app.domain.invoice import Invoice
from app.domain.order import OrderRequest, OrderResult
from app.domain.pricing import PriceQuote
from app.domain.progress import OrderProgress
from app.domain.stock import ItemInfo, StockLine, items_by_code
from app.erp.base import ConnectionCheck, ERPConnector
from app.erp.odoo import customers, mapping
from app.erp.odoo.prices import OdooPricer
from app.erp.odoo.probe import probe_connection
from app.erp.odoo.progress import read_progress
from app.erp.odoo.transport import OdooTransport
from app.errors import ERP, UpstreamNotFound, UpstreamRejected

DEFAULT_ITEMS = 12
DEFAULT_PAGE_SIZE = 200
MAX_ROWS = 5000
PRODUCT_FIELDS = ["id", "default_code", "name", "uom_id", "product_tmpl_id", "categ_id", "lst_price", "currency_id"]


class OdooConnector(ERPConnector):
    """ERPConnector for one Odoo database/company."""

    name = "odoo"
    retries_reads = True          # every read goes through VendorHTTP with retries
    #: Odoo sets no per-account cap; a server answers as many requests at once as it has HTTP workers
    #: (the ``workers`` option, https://www.odoo.com/documentation/18.0/administration/on_premise/deploy.html);
    #: 8 leaves a small server's workers free for its human users too
    max_concurrent_requests = 8

    def __init__(self, transport: OdooTransport, *, clock: Clock, company_id: int | None = None,
                 warehouse_id: int | None = None, pricelist_id: int | None = None, page_size: int = DEFAULT_PAGE_SIZE):
        self.rpc = transport
        self.clock = clock
        self.company_id = company_id
        self.warehouse_id = warehouse_id
        self.pricelist_id = pricelist_id
        self.page_size = max(int(page_size), 1)
        self.pricer = OdooPricer(self)

    def close(self) -> None:
        self.rpc.close()

    @property
    def context(self) -> dict[str, Any]:
        return {"allowed_company_ids": [self.company_id]} if self.company_id else {}

    def search_read(self, model: str, domain: list, fields: list[str], *, order: str | None = None,
                    limit: int | None = None, context: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """All matching records, paged with offset/limit (read-only, so retried)."""
        wanted = min(limit or MAX_ROWS, MAX_ROWS)
        rows: list[dict[str, Any]] = []
        while len(rows) < wanted:
            size = min(self.page_size, wanted - len(rows))
            kwargs: dict[str, Any] = {"domain": domain, "fields": fields, "offset": len(rows), "limit": size}
            if order:
                kwargs["order"] = order
            page = self.rpc.call(model, "search_read", kwargs=kwargs, context={**self.context, **(context or {})},
                                 safe=True)
            rows.extend(page or [])
            if len(page or []) < size:
                break
        return rows

    # -- reads --------------------------------------------------------------------
    def check_connection(self) -> ConnectionCheck:
        return probe_connection(self)

    def partner(self, customer_id: str) -> dict[str, Any]:
        field = "id" if customer_id.isdigit() else "ref"
        value: Any = int(customer_id) if field == "id" else customer_id
        rows = self.search_read("res.partner", [(field, "=", value)],
                                ["id", "name", "ref", "active", "credit", "credit_limit", "use_partner_credit_limit",
                                 "property_product_pricelist", "currency_id"],
                                limit=1, context={"active_test": False})
        if not rows:
            raise UpstreamNotFound(f"Customer {customer_id} does not exist in Odoo", side=ERP, reason="unknown_customer")
        return rows[0]

    def search_customers(self, query: CustomerQuery) -> list[ERPCustomer]:
        return customers.search(self, query)

    def get_customers(self, customer_ids: Sequence[str]) -> dict[str, ERPCustomer]:
        return customers.get_many(self, customer_ids)

    def _invoices(self, partner_id: int, customer_id: str, *, open_only: bool) -> list[Invoice]:
        domain: list = [("move_type", "=", "out_invoice"), ("partner_id", "child_of", partner_id)]
        domain += ([("state", "=", "posted"), ("payment_state", "in", mapping.OPEN_PAYMENT_STATES)] if open_only
                   else [("state", "!=", "cancel")])
        moves = self.search_read("account.move", domain, ["id", "name", "invoice_date", "invoice_date_due",
                                                           "amount_total", "amount_residual", "currency_id",
                                                           "state", "payment_state"],
                                 order="invoice_date_due asc, name asc")
        invoices = [mapping.invoice_from(m, customer_id) for m in moves]
        return sorted(invoices, key=lambda i: (i.due_date or i.issue_date, i.number))

    def get_credit(self, customer_id: str) -> CustomerCredit:
        partner = self.partner(customer_id)
        invoices = self._invoices(partner["id"], customer_id, open_only=True)
        currency = mapping.m2o_name(partner.get("currency_id"))
        return mapping.credit_from(partner, invoices, self.clock.now().date(), currency)

    def list_invoices(self, customer_id: str, *, open_only: bool = True) -> list[Invoice]:
        partner = self.partner(customer_id)
        return self._invoices(partner["id"], customer_id, open_only=open_only)

    def products(self, item_codes: Sequence[str] | None) -> list[dict[str, Any]]:
        if item_codes:
            return self.search_read("product.product", [("default_code", "in", list(item_codes))], PRODUCT_FIELDS)
        return self.search_read("product.product", [("sale_ok", "=", True), ("default_code", "!=", False)],
                                PRODUCT_FIELDS, order="default_code asc", limit=DEFAULT_ITEMS)

    def _warehouses(self) -> list[dict[str, Any]]:
        domain: list = [("id", "=", self.warehouse_id)] if self.warehouse_id else []
        if self.company_id and not self.warehouse_id:
            domain.append(("company_id", "=", self.company_id))
        return self.search_read("stock.warehouse", domain, ["id", "name"], order="id asc")

    def list_stock(self, item_codes: Sequence[str] | None = None) -> list[StockLine]:
        """One read per warehouse with the warehouse in the context (computed qty fields).

        Odoo 17+ reads ``warehouse_id`` from the context; older versions read ``warehouse``
        (https://github.com/OCA/stock-logistics-availability/pull/82) - both keys are sent so either version scopes correctly.
        Odoo answers 0 for items never stocked in a warehouse; such empty lines are dropped.
        """
        products = self.products(item_codes)
        if not products:
            return []
        ids = [p["id"] for p in products]
        lines = []
        for warehouse in self._warehouses():
            scoped = {**self.context, "warehouse_id": warehouse["id"], "warehouse": warehouse["id"]}
            quantities = self.rpc.call("product.product", "read", ids=ids,
                                       kwargs={"fields": ["qty_available", "free_qty"]}, context=scoped, safe=True)
            by_id = {q["id"]: q for q in quantities or []}
            for product in products:
                on_hand, free = mapping.quantities(by_id.get(product["id"]))
                if on_hand or free:
                    lines.append(mapping.stock_from(product, warehouse["name"], on_hand, free))
        return sorted(lines, key=lambda s: (s.item_code, s.warehouse))

    def get_prices(self, customer_id: str, item_codes: Sequence[str] | None = None) -> list[PriceQuote]:
        partner = self.partner(customer_id)
        return self.pricer.quotes(partner, self.products(item_codes))

    def find_items(self, item_codes: Sequence[str]) -> dict[str, ItemInfo]:
        """One search_read on product.product by ``default_code in [...]``, archived ones included so
        they read as not sellable rather than unknown (an active product wins over an archived twin)."""
        if not item_codes:
            return {}
        rows = self.search_read("product.product", [("default_code", "in", list(item_codes))],
                                ["default_code", "name", "sale_ok", "active"], context={"active_test": False})
        return items_by_code(mapping.item_from(row) for row in rows)

    # -- orders -------------------------------------------------------------------
    def _orders(self, idempotency_key: str) -> list[dict[str, Any]]:
        return self.search_read("sale.order", [("client_order_ref", "=", idempotency_key), ("state", "!=", "cancel")],
                                ["id", "name", "state", "amount_total", "currency_id", "client_order_ref"],
                                order="id asc")

    def find_order(self, idempotency_key: str) -> OrderResult | None:
        orders = self._orders(idempotency_key)
        return mapping.order_from(orders[0], idempotency_key, created_now=False) if orders else None

    def read_order_progress(self, idempotency_keys: Sequence[str]) -> dict[str, OrderProgress]:
        """One sale.order search_read for every key (lines and invoices only of orders that moved)."""
        return read_progress(self.search_read, list(idempotency_keys))

    def cancel_order(self, idempotency_key: str) -> OrderResult:
        """``sale.order.action_cancel`` on the live order. The context key ``disable_cancel_warning`` skips the
        confirmation wizard Odoo opens for confirmed orders in the web client (sale/models/sale_order.py,
        https://github.com/odoo/odoo/blob/17.0/addons/sale/models/sale_order.py); not confirmed on every version."""
        orders = self._orders(idempotency_key)
        if not orders:
            raise UpstreamNotFound(f"Odoo has no live sale order with reference {idempotency_key}", side=ERP)
        order_id = int(orders[0]["id"])
        self.rpc.call("sale.order", "action_cancel", ids=[order_id],
                      context={**self.context, "disable_cancel_warning": True})
        rows = self.rpc.call("sale.order", "read", ids=[order_id], safe=True, context=self.context,
                             kwargs={"fields": ["id", "name", "state", "amount_total", "currency_id"]})
        return mapping.order_from(rows[0], idempotency_key, created_now=False)

    def _confirm(self, order_id: int, idempotency_key: str, *, created_now: bool) -> OrderResult:
        self.rpc.call("sale.order", "action_confirm", ids=[order_id], context=self.context)
        rows = self.rpc.call("sale.order", "read", ids=[order_id], safe=True, context=self.context,
                             kwargs={"fields": ["id", "name", "state", "amount_total", "currency_id"]})
        return mapping.order_from(rows[0], idempotency_key, created_now=created_now)

    def create_order(self, request: OrderRequest) -> OrderResult:
        orders = self._orders(request.idempotency_key)
        if orders:
            found = orders[0]
            if found.get("state") in ("draft", "sent"):
                # created by an earlier attempt whose confirm did not happen (separate transaction)
                return self._confirm(found["id"], request.idempotency_key, created_now=False)
            return mapping.order_from(found, request.idempotency_key, created_now=False)
        return self.create_order_after_lookup(request)

    def create_order_after_lookup(self, request: OrderRequest) -> OrderResult:
        """Partner and product ids, create, confirm, read back the number (a draft found by an earlier
        ``find_order`` is the caller's to adopt)."""
        if not request.lines:
            raise UpstreamRejected("An order needs at least one line", side=ERP, reason="empty_order")
        partner = self.partner(request.customer_id)
        products = {p["default_code"]: p["id"] for p in self.products([ln.item_code for ln in request.lines])}
        missing = sorted({ln.item_code for ln in request.lines} - set(products))
        if missing:
            raise UpstreamRejected(f"Odoo has no product with code {', '.join(missing)}", side=ERP, reason="unknown_item")
        values: dict[str, Any] = {
            "partner_id": partner["id"], "client_order_ref": request.idempotency_key,
            "origin": (request.title or f"CRM deal {request.crm_deal_id}")[:120],
            "order_line": [[0, 0, {"product_id": products[ln.item_code], "product_uom_qty": float(ln.quantity),
                                   "price_unit": float(ln.unit_price), "discount": float(ln.discount_percent),
                                   **({"name": ln.description} if ln.description else {})}]
                           for ln in request.lines]}
        pricelist = self.pricelist_id or mapping.m2o_id(partner.get("property_product_pricelist"))
        if pricelist:
            values["pricelist_id"] = pricelist
        if self.company_id:
            values["company_id"] = self.company_id
        if self.warehouse_id:
            values["warehouse_id"] = self.warehouse_id
        if request.delivery_date:
            values["commitment_date"] = f"{request.delivery_date.isoformat()} 00:00:00"   # a Datetime field
        created = self.rpc.call("sale.order", "create", kwargs={"vals_list": [values]}, context=self.context)
        order_id = created[0] if isinstance(created, list) else created
        return self._confirm(int(order_id), request.idempotency_key, created_now=True)

