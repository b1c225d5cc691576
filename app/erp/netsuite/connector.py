"""NetSuite connector: reads through SuiteQL, sales orders through the REST record API.

Customer ids in the CRM link are NetSuite "Customer ID"s (``entityid``); item codes are
item "Name/Number"s (``itemid``). Each panel section costs one SuiteQL query (prices: the
customer row plus one price query; stock without item codes: the item list plus one stock query).
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
from app.erp.netsuite import customers, mapping, pricing, queries
from app.erp.netsuite.client import SuiteTalkClient
from app.erp.netsuite.orders import NetSuiteOrders
from app.erp.netsuite.probe import probe_connection
from app.erp.netsuite.progress import read_progress
from app.errors import ERP, UpstreamNotFound, UpstreamNotSupported

DEFAULT_ITEMS = 12


class NetSuiteConnector(ERPConnector):
    """ERPConnector for one NetSuite account (and optionally one subsidiary/location)."""

    name = "netsuite"
    #: NetSuite governs concurrency per account, shared by REST, SOAP and RESTlets: 5 on the smallest
    #: service tier (15 / 20 on bigger ones, +10 per SuiteCloud Plus licence); over it REST answers 429
    #: (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1500275531.html). 4 leaves
    #: the smallest account one request for the panel; admins of bigger accounts raise it
    max_concurrent_requests = 4

    def __init__(self, client: SuiteTalkClient, *, clock: Clock, account: str, auth_method: str,
                 subsidiary_id: str = "", location_id: str = "", stock_locations: Sequence[str] = ()):
        self.client, self.clock, self.account, self.auth_method = client, clock, account, auth_method
        self.subsidiary_id, self.location_id = subsidiary_id, location_id
        self.stock_locations = [x for x in stock_locations if x]
        self.orders = NetSuiteOrders(self)

    def close(self) -> None:
        self.client.close()

    def check_connection(self) -> ConnectionCheck:
        return probe_connection(self)

    def customer(self, customer_id: str) -> dict[str, Any]:
        """The customer row of ``queries.customer``; UpstreamNotFound when there is none."""
        rows = self.client.suiteql(queries.customer(customer_id), limit=1)
        if not rows:
            raise UpstreamNotFound(f"Customer {customer_id} does not exist in NetSuite", side=ERP, reason="unknown_customer",
                                   status=404)
        return rows[0]

    def search_customers(self, query: CustomerQuery) -> list[ERPCustomer]:
        return customers.search(self, query)

    def get_customers(self, customer_ids: Sequence[str]) -> dict[str, ERPCustomer]:
        return customers.get_many(self, customer_ids)

    def get_credit(self, customer_id: str) -> CustomerCredit:
        return mapping.credit_from(self.customer(customer_id))

    def list_invoices(self, customer_id: str, *, open_only: bool = True) -> list[Invoice]:
        rows = self.client.suiteql(queries.invoices(customer_id, open_only=open_only))
        if not rows:
            raise UpstreamNotFound(f"Customer {customer_id} does not exist in NetSuite", side=ERP, reason="unknown_customer",
                                   status=404)
        invoices = [mapping.invoice_from(row, customer_id) for row in rows if row.get("id") not in (None, "")]
        return sorted(invoices, key=lambda i: (i.due_date or i.issue_date, i.number))

    def _codes(self, item_codes: Sequence[str] | None) -> list[str]:
        if item_codes:
            return list(dict.fromkeys(item_codes))
        return [str(r["itemid"]) for r in self.client.suiteql(queries.default_items(), limit=DEFAULT_ITEMS)]

    def list_stock(self, item_codes: Sequence[str] | None = None) -> list[StockLine]:
        codes = self._codes(item_codes)
        if not codes:
            return []
        return [mapping.stock_from(row) for row in self.client.suiteql(queries.stock(codes, self.stock_locations))]

    def get_prices(self, customer_id: str, item_codes: Sequence[str] | None = None) -> list[PriceQuote]:
        customer = self.customer(customer_id)
        codes = self._codes(item_codes)
        if not codes:
            return []
        rows = self.client.suiteql(queries.prices(codes, int(str(customer["id"])), int(str(customer["currencyid"]))))
        levels: dict[int, dict[str, Any]] = {}
        if customer.get("pricelevel") not in (None, ""):
            levels[int(str(customer["pricelevel"]))] = {"name": customer.get("pricelevelname"),
                                                        "discountpct": customer.get("discountpct")}
        wanted = {int(str(r["customerlevel"])) for r in rows if r.get("customerlevel") not in (None, "")} - set(levels)
        if wanted:
            levels.update({int(str(r["id"])): r for r in self.client.suiteql(queries.price_levels(sorted(wanted)))})
        return pricing.quotes(customer, rows, levels, str(customer.get("currency") or ""))

    def find_items(self, item_codes: Sequence[str]) -> dict[str, ItemInfo]:
        """One SuiteQL query for all codes."""
        if not item_codes:
            return {}
        return items_by_code(mapping.item_from(row)
                             for row in self.client.suiteql(queries.known_items(list(item_codes))))

    def read_order_progress(self, idempotency_keys: Sequence[str]) -> dict[str, OrderProgress]:
        """One SuiteQL query for every key (orders joined to their invoices)."""
        return read_progress(self.client.suiteql, list(idempotency_keys))

    def cancel_order(self, idempotency_key: str) -> OrderResult:
        """Not offered: cancelling a NetSuite sales order is a UI action ("Cancel Order") with no documented
        REST record equivalent, and closing lines would change what fulfilment sees."""
        raise UpstreamNotSupported("erp-panel cannot cancel NetSuite sales orders: open the order in NetSuite and "
                                   "use Cancel Order (or close its lines).", side=ERP)

    def find_order(self, idempotency_key: str) -> OrderResult | None:
        return self.orders.find(idempotency_key)

    def create_order(self, request: OrderRequest) -> OrderResult:
        return self.orders.create(request)

    def create_order_after_lookup(self, request: OrderRequest) -> OrderResult:
        return self.orders.create(request, looked_up=True)
