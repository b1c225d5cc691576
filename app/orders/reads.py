"""The ERP reads an order needs, at once: the order by its idempotency key, the deal's items, the credit.

They do not depend on each other, so they run in parallel (up to the tenant's cap on requests at
once) and an order costs one read round trip before its create. Each kind is asked once: the
order lookup here is the only one (the create skips its own), all items go in one batched read,
and the customer's credit comes from the panel's cache when it was read at most
ORDER_CREDIT_MAX_AGE seconds ago; a credit read made here is put back into that cache.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from app.domain.credit import CustomerCredit
from app.domain.deal import Deal
from app.domain.order import OrderResult
from app.domain.stock import ItemInfo
from app.erp.base import ERPConnector
from app.tenants.model import Tenant


def linked_customer(tenants: Any, tenant_id: str, deal: Deal) -> str | None:
    """The ERP customer of the deal's company: the CRM's own field when it names one, else the account link."""
    if deal.account is None:
        return None
    return deal.account.erp_customer_id or tenants.erp_customer_for(tenant_id, deal.account.crm_account_id)


@dataclass(frozen=True)
class OrderFacts:
    """What the ERP said: the order if it exists, the deal's known items, the customer's credit."""

    existing: OrderResult | None
    items: dict[str, ItemInfo]
    credit: CustomerCredit | None
    credit_reused: bool = False


class OrderReads:
    """Runs an order's ERP reads together on a shared executor."""

    def __init__(self, executor: Executor, credit_cache: Any, credit_max_age: float):
        self.executor = executor
        self.credit_cache = credit_cache        # PanelService: recent_credit / remember_credit
        self.credit_max_age = credit_max_age

    def gather(self, erp: ERPConnector, *, tenant: Tenant, fingerprint: str, key: str, item_codes: list[str],
               customer_id: str | None, at_once: int) -> OrderFacts:
        """Read everything the order needs; an existing order wins over any failed read (it is adopted)."""
        credit = None
        if customer_id:
            credit = self.credit_cache.recent_credit(tenant, fingerprint, customer_id, self.credit_max_age)
        reads: dict[str, Callable[[], Any]] = {"order": lambda: erp.find_order(key)}
        if item_codes:
            reads["items"] = lambda: erp.find_items(item_codes)
        if customer_id and credit is None:
            reads["credit"] = lambda: erp.get_credit(customer_id)
        results = self.run(reads, at_once)
        existing = unwrap(results["order"])
        if existing is not None:
            return OrderFacts(existing, {}, credit, credit_reused=credit is not None)
        items = unwrap(results["items"]) if "items" in results else {}
        if "credit" in results:
            fresh = unwrap(results["credit"])
            self.credit_cache.remember_credit(tenant, fingerprint, customer_id, fresh, erp.name)
            return OrderFacts(None, items, fresh)
        return OrderFacts(None, items, credit, credit_reused=credit is not None)

    def run(self, reads: dict[str, Callable[[], Any]], at_once: int) -> dict[str, Any]:
        """Each read's value, or a ``Failed`` holding its exception; ``at_once`` at a time, one of them in the
        calling thread (order readiness runs its reads through here too)."""
        results: dict[str, Any] = {}
        names = list(reads)
        for start in range(0, len(names), max(1, at_once)):
            wave = names[start:start + max(1, at_once)]
            futures = {name: self.executor.submit(_outcome, reads[name]) for name in wave[1:]}
            results[wave[0]] = _outcome(reads[wave[0]])
            for name, future in futures.items():
                results[name] = future.result()
        return results


def _outcome(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except Exception as exc:  # noqa: BLE001 - handed back and re-raised by unwrap in the job's thread
        return Failed(exc)


class Failed:
    """A read that raised (``exc``)."""

    def __init__(self, exc: Exception):
        self.exc = exc


def unwrap(outcome: Any) -> Any:
    """The value of a read, or its exception raised again."""
    if isinstance(outcome, Failed):
        raise outcome.exc
    return outcome
