"""Order readiness of an open deal: the order flow's validation and the advisory checks, before close.

Reads the deal from the CRM, then asks the ERP at once (the order flow's parallel reads) for the
deal's items, the customer's credit (or reuses the panel's cached credit), the stock of the deal's
items and the customer's prices for them; runs the order flow's own rules
(``app.orders.validate.order_problems``) and the advisory checks (``readiness_checks``). The result
is cached briefly per deal in the panel cache (tenant-prefixed, so a settings change or uninstall
drops it). It never keeps the CRM waiting: past ``deadline`` seconds the answer is "could not
check" while the check finishes in the background and fills the cache for the next look.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as futures_wait
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from app.cache.backend import CacheBackend, CacheEntry
from app.clock import Clock
from app.domain.deal import Deal
from app.domain.readiness import Owner, Readiness, ReadinessItem, ReadinessState, Severity
from app.errors import NotFound, UpstreamError, UpstreamNotFound
from app.orders import readiness_checks as checks
from app.orders import validate
from app.orders.claim import reads_at_once
from app.orders.reads import Failed, OrderReads, linked_customer
from app.tenants.model import Tenant

log = logging.getLogger("erp_panel.orders")

DEFAULT_TOLERANCE = Decimal("2")
ERP_NOT_CONNECTED = ("Connect the ERP on the erp-panel settings page (an admin); until then no order can be "
                     "created.")


def tolerance_of(tenant: Tenant) -> Decimal:
    """The tenant's price tolerance in percent (the admin's setting, 2 % by default)."""
    try:
        value = Decimal(str(tenant.settings.price_tolerance_percent))
    except (InvalidOperation, ValueError):
        return DEFAULT_TOLERANCE
    return value if value.is_finite() and value >= 0 else DEFAULT_TOLERANCE


class OrderReadiness:
    """``check(tenant, deal id)`` -> :class:`Readiness` (cached for ``ttl`` seconds)."""

    def __init__(self, *, tenants: Any, erp: Any, crm: Any, panel: Any, reads: OrderReads, cache: CacheBackend,
                 clock: Clock, executor: Executor, observer: Any, ttl: float = 60.0, deadline: float = 4.0,
                 credit_max_age: float = 300.0):
        self.tenants, self.erp, self.crm, self.panel = tenants, erp, crm, panel
        self.reads, self.cache, self.clock, self.executor = reads, cache, clock, executor
        self.observer = observer
        self.ttl, self.deadline, self.credit_max_age = ttl, deadline, credit_max_age
        self._running: set[Future[Readiness]] = set()
        self._lock = threading.Lock()

    def key(self, tenant_id: str, crm_deal_id: str) -> str:
        return f"{tenant_id}:readiness:{crm_deal_id}"

    def check(self, tenant: Tenant, crm_deal_id: str) -> Readiness:
        """The deal's readiness: cached when checked less than ``ttl`` seconds ago, else checked now
        (NotFound when the CRM has no such deal)."""
        key = self.key(tenant.id, crm_deal_id)
        entry = self.cache.get(key)
        if entry is not None and isinstance(entry.value, Readiness) and entry.age(self.clock.now()) < self.ttl:
            return entry.value
        future = self.executor.submit(self._check_and_keep, tenant, crm_deal_id, key)
        with self._lock:
            self._running.add(future)
        future.add_done_callback(self._finished)
        try:
            return future.result(timeout=self.deadline)
        except FutureTimeout:
            return Readiness.unknown(crm_deal_id, f"The CRM or the ERP did not answer within {self.deadline:g} s; the "
                                     "check goes on and its result shows the next time this deal is opened.",
                                     self.clock.now(), "readiness_timeout")

    def _finished(self, future: Future[Readiness]) -> None:
        with self._lock:
            self._running.discard(future)

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait for checks still running in the background (tests, shutdown); True when none is left."""
        with self._lock:
            running = set(self._running)
        return not futures_wait(running, timeout=timeout).not_done if running else True

    def _check_and_keep(self, tenant: Tenant, crm_deal_id: str, key: str) -> Readiness:
        with self.observer.scope(tenant.id):          # outbound calls count towards this tenant's budget
            readiness = self.compute(tenant, crm_deal_id)
        if readiness.state != ReadinessState.UNKNOWN:
            self.cache.set(key, CacheEntry(value=readiness, fetched_at=readiness.checked_at, source="readiness"),
                           keep_seconds=self.ttl)
        return readiness

    # -- the check itself --------------------------------------------------------------
    def compute(self, tenant: Tenant, crm_deal_id: str) -> Readiness:
        """Check the deal now (uncached)."""
        now = self.clock.now()
        try:
            deal = self.crm.connector_for(tenant).get_deal(crm_deal_id)
        except UpstreamNotFound:
            raise NotFound("The CRM has no such deal (or erp-panel may not read it)", reason="deal_not_found") from None
        except UpstreamError as exc:
            return Readiness.unknown(crm_deal_id, f"The CRM did not answer ({exc.reason}); the deal could not be "
                                     "checked. Open it again in a moment.", now, exc.reason)
        customer_id = linked_customer(self.tenants, tenant.id, deal)
        about = {"deal_title": deal.title, "deal_status": deal.status, "deal_won": deal.is_won,
                 "crm_account_id": deal.account.crm_account_id if deal.account else "",
                 "erp_customer_id": customer_id or "", "amount": checks.order_amount(deal),
                 "currency": deal.currency, "lines": checks.line_facts(deal, None, None)}
        try:
            erp, fingerprint = self.erp.connector_for(tenant)
        except UpstreamError:
            problems, _ = validate.order_problems(deal, customer_id=customer_id, items=None, credit=None,
                                                  policy=tenant.settings.credit_hold_policy, require_won=False)
            items = checks.from_problems(problems, flagged=False, credit=None)
            items.append(ReadinessItem(Severity.BLOCKER, "erp_not_configured", ERP_NOT_CONNECTED, Owner.ADMIN))
            return Readiness.from_items(deal.crm_deal_id, items, now, **about)
        return self._judge(tenant, deal, customer_id, erp, fingerprint, about)

    def _judge(self, tenant: Tenant, deal: Deal, customer_id: str | None, erp: Any, fingerprint: str,
               about: dict[str, Any]) -> Readiness:
        skus = validate.deal_skus(deal)
        credit = (self.panel.recent_credit(tenant, fingerprint, customer_id, self.credit_max_age)
                  if customer_id else None)
        reads: dict[str, Callable[[], Any]] = {}
        if skus:
            reads["items"] = lambda: erp.find_items(skus)
            reads["stock"] = lambda: erp.list_stock(skus)
        if customer_id and credit is None:
            reads["credit"] = lambda: erp.get_credit(customer_id)
        if customer_id and skus:
            reads["prices"] = lambda: erp.get_prices(customer_id, skus)
        results = self.reads.run(reads, reads_at_once(erp.max_concurrent_requests)) if reads else {}
        found: list[ReadinessItem] = []
        values = {name: self._value(name, outcome, found, customer_id) for name, outcome in results.items()}
        if "credit" in values and values["credit"] is not None:
            credit = values["credit"]
            self.panel.remember_credit(tenant, fingerprint, customer_id, credit, erp.name)
        items = values.get("items") if skus else {}
        problems, flagged = validate.order_problems(deal, customer_id=customer_id, items=items, credit=credit,
                                                    policy=tenant.settings.credit_hold_policy, require_won=False)
        found = checks.from_problems(problems, flagged=flagged, credit=credit) + found
        if credit is not None:
            found += checks.check_credit_room(deal, credit)
        # price and stock only for items the ERP sells (the others are blockers already)
        sold = replace(deal, lines=tuple(line for line in deal.lines if items is None or (
            line.sku in items and items[line.sku].sellable)))
        if values.get("prices") is not None:
            found += checks.check_prices(sold, values["prices"], tolerance_of(tenant))
        if values.get("stock") is not None:
            found += checks.check_stock(sold, values["stock"])
        found += checks.check_mapping(deal, tenant.settings.field_mapping, customer_id or "")
        about = {**about, "lines": checks.line_facts(deal, values.get("stock"), values.get("prices"))}
        readiness = Readiness.from_items(deal.crm_deal_id, found, self.clock.now(), **about)
        answered = not results or any(not isinstance(o, Failed) for o in results.values())
        if not answered and readiness.state != ReadinessState.BLOCKED:
            # the ERP answered nothing: no verdict beyond the deal's own problems
            return Readiness(readiness.crm_deal_id, ReadinessState.UNKNOWN, readiness.checked_at, readiness.items,
                             **about)
        return readiness

    def _value(self, name: str, outcome: Any, found: list[ReadinessItem], customer_id: str | None) -> Any:
        """A read's value, or None after recording why it is missing."""
        if not isinstance(outcome, Failed):
            return outcome
        exc = outcome.exc
        if name == "credit" and isinstance(exc, UpstreamNotFound):
            found.append(ReadinessItem(Severity.BLOCKER, "unknown_customer",
                                       f"The linked ERP customer {customer_id} does not exist in the ERP; an admin "
                                       "must correct the account link on the erp-panel settings page.", Owner.ADMIN))
            return None
        reason = getattr(exc, "reason", type(exc).__name__)
        what = {"items": "the products", "stock": "the stock", "credit": "the customer's credit",
                "prices": "the customer's prices"}[name]
        if not isinstance(exc, UpstreamError):
            log.warning("readiness read %s failed: %s", name, type(exc).__name__)
        found.append(ReadinessItem(Severity.UNCHECKED, f"{name}_not_checked",
                                   f"Could not check {what} in the ERP ({reason}); open the deal again shortly."))
        return None
