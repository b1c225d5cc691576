"""One harness per ERP connector so the same contract tests run against all of them.

Every harness pairs a connector with the reference data it must reproduce (a fresh
SandboxERP with the same seed: the HTTP fakes are seeded from that catalogue) and with
switches to inject faults and count stored orders.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import responses

from app.erp.base import ERPConnector, ERPRetriableError
from app.erp.erpnext import build_erpnext
from app.erp.odoo import build_odoo
from app.erp.registry import ConnectorContext
from app.erp.sandbox import SandboxERP, SandboxFaults
from app.erp.sandbox.orders import MemoryOrderBook
from app.tenants.model import ERPConnectionSettings
from tests.fakes import erpnext as erpnext_fake
from tests.fakes import odoo as odoo_fake

TIMEOUT = 3.5
RETRIES = 2
PAGE_SIZE = 2


@dataclass
class ERPUnderTest:
    name: str
    connector: ERPConnector
    reference: SandboxERP
    fail_next: Callable[..., None]          # (kind, count=1, path_contains=None)
    orders_for: Callable[[str], int]
    #: calls a persistent read failure needs (1 + retries for HTTP connectors)
    attempts_per_read: int = 1
    fault_kinds: frozenset[str] = frozenset({"unavailable", "timeout", "rate_limited", "validation"})
    create_route: str | None = None         # fault filter hitting only the order insert
    lookup_route: str | None = None         # the order lookup by external reference
    fake: object = None
    secrets: tuple[str, ...] = ()
    sleeps: list[float] = field(default_factory=list)
    #: the vendor's transient-conflict faults, the route of the confirm/submit step they hit, and a
    #: way to leave an unconfirmed order behind (as an earlier attempt or a person would)
    conflict_kinds: tuple[str, ...] = ()
    confirm_route: str | None = None
    leave_draft: Callable[[str], None] | None = None
    #: read -> (record type, field) the read needs, and a way to make the vendor leave that field out
    field_cases: dict[str, tuple[str, str]] = field(default_factory=dict)
    remove_field: Callable[[str, str], None] | None = None
    #: make the ERP stop selling an item it still knows (disabled / archived / not a sales item)
    discontinue: Callable[[str], None] | None = None

    def requests(self, fragment: str) -> list:
        return self.fake.requests_to(fragment) if self.fake is not None else []


def _set(rows: list[dict], key: str, value: str, **changes) -> None:
    """Change the fake ERP's record whose ``key`` is ``value``."""
    for row in rows:
        if row[key] == value:
            row.update(changes)


def _context(clock, sleeps: list[float]) -> ConnectorContext:
    return ConnectorContext(clock=clock, db=None, sandbox_faults=None, timeout=TIMEOUT,
                            extra={"erp_http_sleep": sleeps.append, "erp_http_retries": RETRIES})


def sandbox_harness(clock, mock: responses.RequestsMock) -> ERPUnderTest:
    faults = SandboxFaults(sleep=lambda _s: None)
    erp = SandboxERP(clock=clock, faults=faults, order_book=MemoryOrderBook())

    def fail_next(kind: str, count: int = 1, path_contains: str | None = None) -> None:
        if kind == "timeout_after":
            def lose_answer(_number: str) -> None:
                faults.after_create = None
                raise ERPRetriableError("Sandbox ERP answer lost after commit", reason="erp_timeout")
            faults.after_create = lose_answer
            return
        faults.fail_next(count, kind)

    return ERPUnderTest("sandbox", erp, SandboxERP(clock=clock), fail_next,
                        lambda ref: len([o for o in erp.orders_for(ref) if o.status != "Cancelled"]),
                        discontinue=erp.discontinued.add)


def erpnext_harness(clock, mock: responses.RequestsMock, **fake_options) -> ERPUnderTest:
    fake = erpnext_fake.FakeERPNext(mock, clock, **fake_options)
    sleeps: list[float] = []
    conn = ERPConnectionSettings("erpnext", {"url": fake.url, "company": erpnext_fake.COMPANY,
                                             "warehouses": "", "page_size": PAGE_SIZE},
                                 {"api_key": erpnext_fake.API_KEY, "api_secret": erpnext_fake.API_SECRET})
    return ERPUnderTest("erpnext", build_erpnext(conn, _context(clock, sleeps)), SandboxERP(clock=clock),
                        fake.fail_next, lambda ref: len(fake.orders_for(ref)), attempts_per_read=1 + RETRIES,
                        fault_kinds=frozenset({"unavailable", "timeout", "connection", "rate_limited", "auth",
                                               "validation"}),
                        create_route="POST /api/resource/Sales", lookup_route="GET /api/resource/Sales", fake=fake,
                        secrets=(erpnext_fake.API_KEY, erpnext_fake.API_SECRET), sleeps=sleeps,
                        conflict_kinds=("timestamp_mismatch",), confirm_route="PUT /api/resource/Sales",
                        leave_draft=fake.leave_draft,
                        field_cases={"credit": ("Sales Invoice", "outstanding_amount"),
                                     "credit_limit": ("Customer", "credit_limits"), "stock": ("Bin", "actual_qty"),
                                     "invoices": ("Sales Invoice", "due_date"),
                                     "prices": ("get_item_details", "price_list_rate")},
                        remove_field=lambda record, name: fake.hidden.add((record, name)),
                        discontinue=lambda code: _set(fake.docs["Item"], "name", code, disabled=1))


def odoo_harness(clock, mock: responses.RequestsMock, flavour: str = "json2", version: int = 19) -> ERPUnderTest:
    fake = odoo_fake.FakeOdoo(mock, clock, version=version)
    sleeps: list[float] = []
    conn = ERPConnectionSettings("odoo", {"url": odoo_fake.URL, "database": odoo_fake.DATABASE,
                                          "login": odoo_fake.LOGIN, "api_flavour": flavour, "page_size": PAGE_SIZE},
                                 {"api_key": odoo_fake.API_KEY})
    return ERPUnderTest(f"odoo-{flavour}", build_odoo(conn, _context(clock, sleeps)), SandboxERP(clock=clock),
                        fake.fail_next, lambda ref: len(fake.orders_for(ref)), attempts_per_read=1 + RETRIES,
                        fault_kinds=frozenset({"unavailable", "timeout", "connection", "rate_limited", "auth",
                                               "validation"}),
                        create_route="sale.order/create", lookup_route="sale.order/search_read", fake=fake, secrets=(odoo_fake.API_KEY,), sleeps=sleeps,
                        conflict_kinds=odoo_fake.FakeOdoo.CONFLICTS, confirm_route="sale.order/action_confirm",
                        leave_draft=fake.leave_draft,
                        field_cases={"credit": ("res.partner", "credit"), "credit_limit": ("res.partner", "credit_limit"),
                                     "stock": ("product.product", "qty_available"),
                                     "invoices": ("account.move", "amount_residual"),
                                     "prices": ("product.product", "lst_price")},
                        remove_field=lambda record, name: fake.removed.add((record, name)),
                        discontinue=lambda code: _set(fake.db["product.product"], "default_code", code, active=False))


HARNESSES: dict[str, Callable[..., ERPUnderTest]] = {
    "sandbox": sandbox_harness,
    "erpnext": erpnext_harness,
    "odoo-json2": lambda clock, mock: odoo_harness(clock, mock, "json2", 19),
    "odoo-jsonrpc": lambda clock, mock: odoo_harness(clock, mock, "jsonrpc", 16),
}


def needs(erp: ERPUnderTest, kind: str) -> None:
    """Skip a fault scenario the connector cannot experience (the sandbox has no HTTP)."""
    if kind not in erp.fault_kinds:
        pytest.skip(f"{erp.name} has no '{kind}' failure mode")


def needs_http(erp: ERPUnderTest) -> None:
    if erp.fake is None:
        pytest.skip(f"{erp.name} makes no HTTP calls")
