"""Sandbox ERP connector: the embedded default and the fake used by tests.

Behaves like a real ERP behind the connector interface: typed errors, customer
specific prices, overdue invoices, an order book that does not enforce unique
references (like ERPNext's po_no), latency and faults from SandboxFaults.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from app.clock import Clock
from app.domain.credit import CustomerCredit, HoldReason
from app.domain.customer import CustomerQuery, ERPCustomer
from app.domain.invoice import Invoice, InvoiceStatus
from app.domain.money import quantize
from app.domain.order import OrderRequest, OrderResult, OrderStatus
from app.domain.pricing import PriceQuote
from app.domain.progress import OrderProgress
from app.domain.stock import ItemInfo, StockLine
from app.erp.base import ConnectionCheck, ERPConnector
from app.erp.sandbox import catalogue
from app.erp.sandbox.faults import SandboxFaults
from app.erp.sandbox.orders import MemoryOrderBook, SqlOrderBook, StoredOrder
from app.erp.sandbox.progress import moved, progress_of
from app.errors import ERP, UpstreamNotFound, UpstreamRateLimited, UpstreamRejected, UpstreamUnavailable

#: items the stock section shows when the tenant picked none (keeps the panel small)
DEFAULT_STOCK_ITEMS = 12
#: status the sandbox gives a freshly submitted order (ERPNext wording)
NEW_ORDER_STATUS = "To Deliver and Bill"


class SandboxERP(ERPConnector):
    """Deterministic in-process ERP."""

    name = "sandbox"
    #: simulated: no vendor cap; high enough that one tenant's burst of won deals runs in parallel
    max_concurrent_requests = 256

    def __init__(self, *, clock: Clock, faults: SandboxFaults | None = None,
                 order_book: MemoryOrderBook | SqlOrderBook | None = None, seed: int = 42):
        self.clock = clock
        self.faults = faults or SandboxFaults()
        self.orders = order_book or MemoryOrderBook()
        self.items = {item.code: item for item in catalogue.build_items(seed)}
        self.customers = {c.id: c for c in catalogue.CUSTOMERS}
        #: item codes the ERP still knows but no longer sells (like a disabled ERPNext Item)
        self.discontinued: set[str] = set()
        self._stock = catalogue.build_stock(seed, tuple(self.items.values()))
        self._seed = seed
        self._invoice_day: date | None = None
        self._invoices: tuple[catalogue.SeedInvoice, ...] = ()

    # -- plumbing -----------------------------------------------------------------
    def _enter(self, operation: str) -> None:
        fault = self.faults.enter(operation)
        if fault is None:
            return
        if fault == "rate_limited":
            raise UpstreamRateLimited("Sandbox ERP: too many requests", side=ERP, retry_after=2, status=429)
        if fault == "timeout":
            raise UpstreamUnavailable("Sandbox ERP did not answer in time", side=ERP, reason="erp_timeout")
        if fault == "validation":
            raise UpstreamRejected("Sandbox ERP rejected the request", side=ERP, status=422)
        raise UpstreamUnavailable("Sandbox ERP is unavailable (503)", side=ERP, status=503)

    def _customer(self, customer_id: str) -> catalogue.Customer:
        customer = self.customers.get(customer_id)
        if customer is None:
            raise UpstreamNotFound(f"Customer {customer_id} does not exist in the ERP", side=ERP, reason="unknown_customer")
        return customer

    def _invoices_today(self) -> tuple[catalogue.SeedInvoice, ...]:
        today = self.clock.now().date()
        if today != self._invoice_day:
            self._invoices = catalogue.build_invoices(self._seed, today)
            self._invoice_day = today
        return self._invoices

    def _price_for(self, customer: catalogue.Customer, item: catalogue.Item) -> tuple[Decimal, Decimal]:
        rate = catalogue.RATES[customer.currency]
        places = 0 if customer.currency == "JPY" else 2
        list_price = quantize(item.list_price_eur * rate, places)
        unit = quantize(list_price * (Decimal(100) - customer.discount) / Decimal(100), places)
        return unit, list_price

    # -- reads --------------------------------------------------------------------
    def check_connection(self) -> ConnectionCheck:
        try:
            self._enter("check_connection")
        except UpstreamUnavailable as exc:
            return ConnectionCheck(False, exc.reason, exc.message)
        return ConnectionCheck(True, "ok", "Connected to the built-in sandbox ERP",
                               {"customers": str(len(self.customers)), "items": str(len(self.items))})

    def get_credit(self, customer_id: str) -> CustomerCredit:
        self._enter("get_credit")
        customer = self._customer(customer_id)
        today = self.clock.now().date()
        mine = [inv for inv in self._invoices_today() if inv.customer_id == customer_id]
        balance = sum((inv.outstanding for inv in mine), Decimal(0))
        overdue = sum((inv.outstanding for inv in mine if inv.due_date < today), Decimal(0))
        reason = HoldReason(customer.hold_reason)
        on_hold = customer.on_hold
        if not on_hold and customer.credit_limit and balance > customer.credit_limit:
            on_hold, reason = True, HoldReason.OVER_LIMIT
        return CustomerCredit(customer_id=customer.id, customer_name=customer.name, currency=customer.currency,
                              credit_limit=customer.credit_limit, balance=balance, overdue=overdue,
                              on_hold=on_hold, hold_reason=reason if on_hold else HoldReason.NONE,
                              hold_note=customer.hold_note if on_hold else "")

    def list_stock(self, item_codes: Sequence[str] | None = None) -> list[StockLine]:
        self._enter("list_stock")
        codes = list(item_codes) if item_codes else sorted(self.items)[:DEFAULT_STOCK_ITEMS]
        lines = []
        for code in codes:
            item = self.items.get(code)
            if item is None:
                continue
            for wh in catalogue.WAREHOUSES:
                if (code, wh) in self._stock:
                    on_hand, reserved = self._stock[(code, wh)]
                    lines.append(StockLine(code, item.name, wh, on_hand, reserved, item.uom))
        return lines

    def list_invoices(self, customer_id: str, *, open_only: bool = True) -> list[Invoice]:
        self._enter("list_invoices")
        self._customer(customer_id)
        result = []
        for inv in self._invoices_today():
            if inv.customer_id != customer_id or (open_only and inv.outstanding <= 0):
                continue
            if inv.outstanding <= 0:
                status, raw = InvoiceStatus.PAID, "Paid"
            elif inv.outstanding < inv.total:
                status, raw = InvoiceStatus.PARTIAL, "Partly Paid"
            else:
                status, raw = InvoiceStatus.OPEN, "Unpaid"
            result.append(Invoice(inv.number, customer_id, inv.issue_date, inv.due_date, inv.currency,
                                  inv.total, inv.outstanding, status, raw))
        return sorted(result, key=lambda i: (i.due_date, i.number))

    def get_prices(self, customer_id: str, item_codes: Sequence[str] | None = None) -> list[PriceQuote]:
        self._enter("get_prices")
        customer = self._customer(customer_id)
        codes = list(item_codes) if item_codes else sorted(self.items)[:DEFAULT_STOCK_ITEMS]
        quotes = []
        for code in codes:
            item = self.items.get(code)
            if item is None:
                continue
            unit, list_price = self._price_for(customer, item)
            quotes.append(PriceQuote(code, item.name, unit, list_price, customer.currency, customer.price_list))
        return quotes

    def find_items(self, item_codes: Sequence[str]) -> dict[str, ItemInfo]:
        self._enter("find_items")
        return {code: ItemInfo(code, self.items[code].name, code not in self.discontinued)
                for code in item_codes if code in self.items}

    # -- customers ----------------------------------------------------------------
    def search_customers(self, query: CustomerQuery) -> list[ERPCustomer]:
        self._enter("search_customers")
        found = [c for c in self.customers.values() if not c.disabled and catalogue.may_match(c, query)]
        return [catalogue.customer_record(c) for c in found[:query.limit]]

    def get_customers(self, customer_ids: Sequence[str]) -> dict[str, ERPCustomer]:
        self._enter("get_customers")
        return {cid: catalogue.customer_record(self.customers[cid]) for cid in customer_ids if cid in self.customers}

    # -- orders -------------------------------------------------------------------
    def find_order(self, idempotency_key: str) -> OrderResult | None:
        self._enter("find_order")
        found = [o for o in self.orders.find(idempotency_key) if o.status != "Cancelled"]
        return _result(found[0], created_now=False) if found else None

    def create_order(self, request: OrderRequest) -> OrderResult:
        existing = self.find_order(request.idempotency_key)
        if existing is not None:
            return existing
        return self.create_order_after_lookup(request)

    def create_order_after_lookup(self, request: OrderRequest) -> OrderResult:
        self._enter("create_order")
        if self.faults.reject_orders_reason:
            raise UpstreamRejected(self.faults.reject_orders_reason, side=ERP, status=417, vendor_code="ValidationError")
        customer = self.customers.get(request.customer_id)
        if customer is None:
            raise UpstreamRejected(f"Could not find Customer: {request.customer_id}", side=ERP, reason="unknown_customer",
                                     status=417, vendor_code="LinkValidationError")
        if customer.disabled:
            raise UpstreamRejected(f"Customer {customer.name} is disabled", side=ERP, reason="customer_disabled",
                                     status=417, vendor_code="PartyDisabled")
        if not request.lines:
            raise UpstreamRejected("Items cannot be empty", side=ERP, reason="empty_order", status=417)
        if request.currency != customer.currency:
            raise UpstreamRejected(
                f"Currency {request.currency} does not match the customer's billing currency {customer.currency}", side=ERP,
                reason="currency_mismatch", status=417)
        self._check_lines(request)
        total = sum((line.amount for line in request.lines), Decimal(0))
        stored = self.orders.add(
            idempotency_key=request.idempotency_key, customer_id=customer.id, currency=request.currency,
            total=total, status=NEW_ORDER_STATUS,
            lines=[{"item_code": ln.item_code, "qty": str(ln.quantity), "rate": str(ln.unit_price)}
                   for ln in request.lines],
            correlation_id=request.correlation_id, created_at=self.clock.now())
        if self.faults.after_create is not None:
            self.faults.after_create(stored.order_number)
        return _result(stored, created_now=True)

    def _check_lines(self, request: OrderRequest) -> None:
        """Refuses the first line ERPNext would refuse: unknown or disabled item, quantity not positive."""
        for line in request.lines:
            if line.item_code not in self.items:
                raise UpstreamRejected(f"Item {line.item_code} not found", side=ERP, reason="unknown_item", status=417)
            if line.item_code in self.discontinued:
                raise UpstreamRejected(f"Item {line.item_code} is disabled", side=ERP, reason="item_not_sellable", status=417)
            if line.quantity <= 0:
                raise UpstreamRejected(f"Quantity for {line.item_code} must be positive", side=ERP,
                                         reason="invalid_quantity", status=417)

    def read_order_progress(self, idempotency_keys: Sequence[str]) -> dict[str, OrderProgress]:
        """One read of the order book for every key (like one filtered list request)."""
        self._enter("read_order_progress")
        found: dict[str, OrderProgress] = {}
        for order in self.orders.find_many(idempotency_keys):
            if order.idempotency_key not in found or order.status != "Cancelled":
                found[order.idempotency_key] = progress_of(order)
        return found

    def advance_order(self, idempotency_key: str, step: str) -> OrderProgress:
        """Move the live order with this key on, as a person in the ERP would (``progress.STEPS``)."""
        live = [o for o in self.orders.find(idempotency_key) if o.status != "Cancelled"]
        if not live:
            raise UpstreamNotFound(f"No live order with reference {idempotency_key}", side=ERP)
        status, progress = moved(live[0], step)
        self.orders.change(live[0].order_number, status=status, progress=progress)
        return next(progress_of(o) for o in self.orders.find(idempotency_key)
                    if o.order_number == live[0].order_number)

    def cancel_order(self, idempotency_key: str) -> OrderResult:
        """The sandbox cancels like ERPNext (status Cancelled; the order stays in the book)."""
        self._enter("cancel_order")
        self.advance_order(idempotency_key, "cancel")
        return _result(self.orders.find(idempotency_key)[-1], created_now=False)

    def orders_for(self, idempotency_key: str) -> list[StoredOrder]:
        """Every stored order with this reference (tests: must never exceed one)."""
        return self.orders.find(idempotency_key)


def _result(order: StoredOrder, *, created_now: bool) -> OrderResult:
    status = {"Draft": OrderStatus.DRAFT, "On Hold": OrderStatus.ON_HOLD, "Completed": OrderStatus.FULFILLED,
              "Closed": OrderStatus.CLOSED, "Cancelled": OrderStatus.CANCELLED}.get(order.status, OrderStatus.OPEN)
    return OrderResult(idempotency_key=order.idempotency_key, erp_id=order.order_number, order_number=order.order_number,
                       status=status, status_raw=order.status, created_now=created_now, total=order.total,
                       currency=order.currency)
