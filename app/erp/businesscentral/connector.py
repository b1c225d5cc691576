"""Business Central connector (API v2.0) for one environment and company.

Customer ids in the CRM link are BC customer numbers; item codes are item numbers.
Credit is reported in the company's local currency, as BC keeps ``balanceDue`` and
``creditLimit``. Stock: the standard API has only ``items.inventory`` (all locations
together); per-location quantities need a custom API page, so one line per item is shown
with the quantity still to ship on open sales orders as "reserved". Prices: API v2.0
exposes no price lists or price calculation, so quotes are the item's unit price converted
to the customer's currency with BC's own exchange rates; customer prices, price groups and
line discounts are not evaluated (BC applies them when it prices a document itself).
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
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
from app.erp.businesscentral import customers, mapping
from app.erp.businesscentral.client import BCClient, any_of, literal
from app.erp.businesscentral.orders import BCOrders
from app.erp.businesscentral.probe import probe_connection
from app.erp.businesscentral.progress import read_progress
from app.erp.fields import amount, require
from app.errors import ERP, UpstreamNotFound, UpstreamNotSupported, UpstreamRejected

DEFAULT_ITEMS = 12
CUSTOMER_FIELDS = "id,number,displayName,blocked,balanceDue,creditLimit,currencyCode"
INVOICE_FIELDS = "id,number,invoiceDate,dueDate,currencyCode,totalAmountIncludingTax,remainingAmount,status"
ITEM_FIELDS = "id,number,displayName,type,inventory,unitPrice,baseUnitOfMeasureCode"


class BusinessCentralConnector(ERPConnector):
    name = "businesscentral"
    #: BC online processes at most 5 OData requests of an environment at once and queues the rest
    #: (up to 95; beyond 100 it answers 429)
    #: (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/operational-limits-online)
    max_concurrent_requests = 5

    def __init__(self, client: BCClient, *, clock: Clock, tenant_id: str, environment: str):
        self.client, self.clock, self.tenant_id, self.environment = client, clock, tenant_id, environment
        self.orders = BCOrders(self)
        self._local_currency: str | None = None

    def close(self) -> None:
        self.client.close()
        self.client.tokens.close()

    def check_connection(self) -> ConnectionCheck:
        return probe_connection(self)

    def local_currency(self) -> str:
        """The company's LCY code (General Ledger Setup), read once."""
        if self._local_currency is None:
            rows = self.client.collection(self.client.path("generalLedgerSetup"), select="localCurrencyCode")
            code = str(require(rows[0] if rows else {}, "localCurrencyCode", vendor=mapping.VENDOR,
                               record="general ledger setup")).upper()
            self._local_currency = code
        return self._local_currency

    def customer(self, number: str) -> dict[str, Any]:
        rows = self.client.collection(self.client.path("customers"), filter=f"number eq {literal(number)}",
                                      select=CUSTOMER_FIELDS, expand="customerFinancialDetail", limit=1)
        if not rows:
            raise UpstreamNotFound(f"Customer {number} does not exist in Business Central", side=ERP, reason="unknown_customer",
                                   status=404)
        return rows[0]

    def search_customers(self, query: CustomerQuery) -> list[ERPCustomer]:
        return customers.search(self, query)

    def get_customers(self, customer_ids: Sequence[str]) -> dict[str, ERPCustomer]:
        return customers.get_many(self, customer_ids)

    def get_credit(self, customer_id: str) -> CustomerCredit:
        return mapping.credit_from(self.customer(customer_id), self.local_currency())

    def list_invoices(self, customer_id: str, *, open_only: bool = True) -> list[Invoice]:
        where = f"customerNumber eq {literal(customer_id)}" + (" and status eq 'Open'" if open_only else "")
        rows = self.client.collection(self.client.path("salesInvoices"), filter=where, select=INVOICE_FIELDS,
                                      orderby="dueDate,number")
        if not rows:
            self.customer(customer_id)          # an unknown customer is "not found", not "no invoices"
        invoices = [mapping.invoice_from(row, customer_id) for row in rows]
        return sorted(invoices, key=lambda i: (i.due_date or i.issue_date, i.number))

    def items(self, item_codes: Sequence[str] | None) -> list[dict[str, Any]]:
        if item_codes:
            return self.client.collection(self.client.path("items"), filter=any_of("number", list(item_codes)),
                                          select=ITEM_FIELDS)
        return self.client.collection(self.client.path("items"), filter="type eq 'Inventory'", select=ITEM_FIELDS,
                                      orderby="number", limit=DEFAULT_ITEMS)

    def committed(self, codes: set[str]) -> dict[str, Decimal]:
        """Quantity still to ship on open sales orders, per item (lines filtered here: a nested
        ``$filter`` inside ``$expand`` is not documented for API pages)."""
        orders = self.client.collection(self.client.path("salesOrders"), filter="fullyShipped eq false",
                                        select="id", expand="salesOrderLines")
        totals: dict[str, Decimal] = {}
        for order in orders:
            for line in require(order, "salesOrderLines", vendor=mapping.VENDOR, record="sales order"):
                code = str(line.get("lineObjectNumber") or "")
                if line.get("lineType") != "Item" or code not in codes:
                    continue
                record = "sales order line"
                left = amount(line, "quantity", vendor=mapping.VENDOR, record=record) - amount(
                    line, "shippedQuantity", vendor=mapping.VENDOR, record=record)
                totals[code] = totals.get(code, Decimal(0)) + max(left, Decimal(0))
        return totals

    def list_stock(self, item_codes: Sequence[str] | None = None) -> list[StockLine]:
        items = [i for i in self.items(item_codes) if i.get("type") == "Inventory"]
        if not items:
            return []
        committed = self.committed({str(i.get("number")) for i in items})
        return [mapping.stock_from(i, committed.get(str(i.get("number")), Decimal(0))) for i in items]

    def exchange_factor(self, currency: str) -> tuple[Decimal, int]:
        """(local -> currency factor, decimal places) from BC's latest exchange rate up to today."""
        places_rows = self.client.collection(self.client.path("currencies"), filter=f"code eq {literal(currency)}",
                                             select="code,amountDecimalPlaces", limit=1)
        places = int(str(places_rows[0].get("amountDecimalPlaces") or "2:2").split(":")[-1]) if places_rows else 2
        if currency == self.local_currency():
            return Decimal(1), places
        today = self.clock.now().date().isoformat()
        rates = self.client.collection(
            self.client.path("currencyExchangeRates"), filter=f"currencyCode eq {literal(currency)} and "
            f"startingDate le {today}", orderby="startingDate desc", limit=1)
        if not rates:
            raise UpstreamRejected(f"Business Central has no exchange rate for {currency}", side=ERP, reason="missing_rate")
        record = "currency exchange rate"
        rate = amount(rates[0], "exchangeRateAmount", vendor=mapping.VENDOR, record=record)
        relational = amount(rates[0], "relationalExchangeRateAmount", vendor=mapping.VENDOR, record=record)
        return rate / relational, places

    def get_prices(self, customer_id: str, item_codes: Sequence[str] | None = None) -> list[PriceQuote]:
        customer = self.customer(customer_id)
        currency = str(customer.get("currencyCode") or self.local_currency()).upper()
        items = self.items(item_codes)
        if not items:
            return []
        factor, places = self.exchange_factor(currency)
        return [mapping.price_from(i, currency, factor, places) for i in items]

    def find_items(self, item_codes: Sequence[str]) -> dict[str, ItemInfo]:
        """One items query filtered by number for all codes."""
        if not item_codes:
            return {}
        rows = self.client.collection(self.client.path("items"), filter=any_of("number", list(item_codes)),
                                      select="number,displayName,blocked")
        return items_by_code(mapping.item_from(row) for row in rows)

    def read_order_progress(self, idempotency_keys: Sequence[str]) -> dict[str, OrderProgress]:
        """One salesOrders read for every key (plus salesInvoices for orders invoiced or gone)."""
        return read_progress(self.client, list(idempotency_keys))

    def cancel_order(self, idempotency_key: str) -> OrderResult:
        """Not offered: Business Central has no cancelled sales order; its API can only delete an order
        (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/api/dynamics_salesorder_delete),
        which erp-panel never does on its own."""
        raise UpstreamNotSupported("Business Central has no way to cancel a sales order, only to delete it: open "
                                   "the order in Business Central and delete it there if it is no longer wanted.",
                                   side=ERP)

    def find_order(self, idempotency_key: str) -> OrderResult | None:
        return self.orders.find(idempotency_key)

    def create_order(self, request: OrderRequest) -> OrderResult:
        return self.orders.create(request)

    def create_order_after_lookup(self, request: OrderRequest) -> OrderResult:
        return self.orders.create(request, looked_up=True)
