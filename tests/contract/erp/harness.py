"""One harness per ERP connector so the same contract tests run against all of them.

Every harness pairs a connector with the reference data it must reproduce (a fresh
SandboxERP with the same seed: the HTTP fakes are seeded from that catalogue) and with
switches to inject faults and count stored orders.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest
import responses

from app.domain.credit import CustomerCredit
from app.erp.base import ERPConnector
from app.erp.businesscentral import build_businesscentral
from app.erp.erpnext import build_erpnext
from app.erp.netsuite import build_netsuite
from app.erp.odoo import build_odoo
from app.erp.registry import ConnectorContext
from app.erp.sandbox import SandboxERP, SandboxFaults
from app.erp.sandbox.orders import MemoryOrderBook
from app.errors import ERP, UpstreamUnavailable
from app.tenants.model import ERPConnectionSettings
from tests.fakes import bc_odata
from tests.fakes import businesscentral as bc_fake
from tests.fakes import erpnext as erpnext_fake
from tests.fakes import netsuite as netsuite_fake
from tests.fakes import odoo as odoo_fake

TIMEOUT = 3.5
RETRIES = 2
PAGE_SIZE = 2
#: warehouse name of stock lines from ERPs that report all locations together
TOTALS_WAREHOUSE = "All locations"


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
    lookup_route: str | None = None         # regex on route_key: the order lookup by external reference
    fake: object = None
    secrets: tuple[str, ...] = ()
    sleeps: list[float] = field(default_factory=list)
    #: fragment of path + body that marks an invoice read (pagination test)
    invoice_fragment: str = ""
    #: the ERP reports stock per item only (all locations together), not per warehouse
    stock_totals_only: bool = False
    #: the ERP's standard API offers list prices only (no customer-specific price evaluation)
    list_prices_only: bool = False
    #: converts a reference CustomerCredit into the amounts this ERP reports (e.g. company currency)
    expected_credit: Callable[..., object] = staticmethod(lambda credit: credit)  # type: ignore[assignment]
    #: server-side expiry of every access token (connectors with bearer tokens only)
    expire_tokens: Callable[[], None] | None = None
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
    #: move an order on in the ERP as people there would: (idempotency key, "deliver" | "invoice" | "pay" | ...)
    advance: Callable[[str, str], object] | None = None

    def requests(self, fragment: str) -> list:
        return self.fake.requests_to(fragment) if self.fake is not None else []


def _set(rows: list[dict], key: str, value: str, **changes) -> None:
    """Change the fake ERP's record whose ``key`` is ``value``."""
    for row in rows:
        if row[key] == value:
            row.update(changes)


def _context(clock) -> ConnectorContext:
    """Read retries pause through the clock: a FrozenClock records them (``clock.slept``) and returns."""
    return ConnectorContext(clock=clock, timeout=TIMEOUT, http_retries=RETRIES)


def sandbox_harness(clock, mock: responses.RequestsMock) -> ERPUnderTest:
    faults = SandboxFaults(sleep=lambda _s: None)
    erp = SandboxERP(clock=clock, faults=faults, order_book=MemoryOrderBook())

    def fail_next(kind: str, count: int = 1, path_contains: str | None = None) -> None:
        if kind == "timeout_after":
            def lose_answer(_number: str) -> None:
                faults.after_create = None
                raise UpstreamUnavailable("Sandbox ERP answer lost after commit", side=ERP, reason="erp_timeout")
            faults.after_create = lose_answer
            return
        faults.fail_next(count, kind)

    return ERPUnderTest("sandbox", erp, SandboxERP(clock=clock), fail_next,
                        lambda ref: len([o for o in erp.orders_for(ref) if o.status != "Cancelled"]),
                        discontinue=erp.discontinued.add, advance=erp.advance_order)


def erpnext_harness(clock, mock: responses.RequestsMock, **fake_options) -> ERPUnderTest:
    fake = erpnext_fake.FakeERPNext(mock, clock, **fake_options)
    sleeps = clock.slept
    conn = ERPConnectionSettings("erpnext", {"url": fake.url, "company": erpnext_fake.COMPANY,
                                             "warehouses": "", "page_size": PAGE_SIZE},
                                 {"api_key": erpnext_fake.API_KEY, "api_secret": erpnext_fake.API_SECRET})
    return ERPUnderTest("erpnext", build_erpnext(conn, _context(clock)), SandboxERP(clock=clock),
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
                        invoice_fragment="Sales%20Invoice",
                        discontinue=lambda code: _set(fake.docs["Item"], "name", code, disabled=1),
                        advance=fake.advance)


def odoo_harness(clock, mock: responses.RequestsMock, flavour: str = "json2", version: int = 19) -> ERPUnderTest:
    fake = odoo_fake.FakeOdoo(mock, clock, version=version)
    sleeps = clock.slept
    conn = ERPConnectionSettings("odoo", {"url": odoo_fake.URL, "database": odoo_fake.DATABASE,
                                          "login": odoo_fake.LOGIN, "api_flavour": flavour, "page_size": PAGE_SIZE},
                                 {"api_key": odoo_fake.API_KEY})
    return ERPUnderTest(f"odoo-{flavour}", build_odoo(conn, _context(clock)), SandboxERP(clock=clock),
                        fake.fail_next, lambda ref: len(fake.orders_for(ref)), attempts_per_read=1 + RETRIES,
                        fault_kinds=frozenset({"unavailable", "timeout", "connection", "rate_limited", "auth",
                                               "validation"}),
                        create_route="sale.order/create", lookup_route="sale.order/search_read", fake=fake,
                        secrets=(odoo_fake.API_KEY,), sleeps=sleeps,
                        conflict_kinds=odoo_fake.FakeOdoo.CONFLICTS, confirm_route="sale.order/action_confirm",
                        leave_draft=fake.leave_draft,
                        field_cases={"credit": ("res.partner", "credit"), "credit_limit": ("res.partner", "credit_limit"),
                                     "stock": ("product.product", "qty_available"),
                                     "invoices": ("account.move", "amount_residual"),
                                     "prices": ("product.product", "lst_price")},
                        remove_field=lambda record, name: fake.removed.add((record, name)),
                        invoice_fragment="account.move",
                        discontinue=lambda code: _set(fake.db["product.product"], "default_code", code, active=False),
                        advance=fake.advance)


def netsuite_harness(clock, mock: responses.RequestsMock, auth: str = "m2m") -> ERPUnderTest:
    fake = netsuite_fake.FakeNetSuite(mock, clock)
    sleeps = clock.slept
    config = {"account_id": netsuite_fake.ACCOUNT, "auth_method": auth, "page_size": PAGE_SIZE}
    if auth == "m2m":
        config.update(client_id=netsuite_fake.CLIENT_ID, certificate_id=netsuite_fake.CERTIFICATE_ID)
        secrets = {"private_key": netsuite_fake.PRIVATE_KEY_PEM}
    else:
        secrets = {"consumer_key": netsuite_fake.CONSUMER_KEY, "consumer_secret": netsuite_fake.CONSUMER_SECRET,
                   "token_id": netsuite_fake.TOKEN_ID, "token_secret": netsuite_fake.TOKEN_SECRET}
    conn = ERPConnectionSettings("netsuite", config, secrets)
    return ERPUnderTest(f"netsuite-{auth}", build_netsuite(conn, _context(clock)), SandboxERP(clock=clock),
                        fake.fail_next, lambda ref: len(fake.orders_for(ref)), attempts_per_read=1 + RETRIES,
                        fault_kinds=frozenset({"unavailable", "timeout", "connection", "rate_limited", "auth",
                                               "validation"}),
                        create_route="POST /services/rest/record/v1/salesOrder",
                        lookup_route="GET /services/rest/record/v1/salesOrder/eid:", fake=fake,
                        secrets=tuple(s for s in secrets.values() if "PRIVATE KEY" not in s) + (
                            netsuite_fake.PRIVATE_KEY_PEM.splitlines()[1],),
                        sleeps=sleeps, invoice_fragment="CustInvc",
                        expire_tokens=fake.expire_tokens if auth == "m2m" else None,
                        field_cases={"credit": ("customer", "balance"), "stock": ("inventory location", "onhand"),
                                     "invoices": ("invoice", "unpaid")},
                        remove_field=lambda _record, name: fake.removed.add(name),
                        discontinue=lambda code: fake.db.execute("UPDATE item SET isinactive = 'T' WHERE itemid = ?",
                                                                 (code,)),
                        advance=fake.advance)


def _in_local_currency(credit: CustomerCredit) -> CustomerCredit:
    """Business Central keeps customer balances and limits in the company's local currency."""
    def lcy(value):
        return bc_odata.to_lcy(value, credit.currency)
    return replace(credit, currency=bc_odata.LOCAL_CURRENCY, balance=lcy(credit.balance), overdue=lcy(credit.overdue),
                   credit_limit=lcy(credit.credit_limit) if credit.credit_limit else None)


def businesscentral_harness(clock, mock: responses.RequestsMock) -> ERPUnderTest:
    fake = bc_fake.FakeBusinessCentral(mock, clock)
    sleeps = clock.slept
    conn = ERPConnectionSettings("businesscentral", {"tenant_id": bc_fake.TENANT, "environment": bc_fake.ENVIRONMENT,
                                                     "company_id": bc_fake.COMPANY_ID, "client_id": bc_fake.CLIENT_ID,
                                                     "page_size": PAGE_SIZE},
                                 {"client_secret": bc_fake.CLIENT_SECRET})
    return ERPUnderTest("businesscentral", build_businesscentral(conn, _context(clock)),
                        SandboxERP(clock=clock), fake.fail_next, lambda ref: len(fake.orders_for(ref)),
                        attempts_per_read=1 + RETRIES,
                        fault_kinds=frozenset({"unavailable", "timeout", "connection", "rate_limited", "auth",
                                               "validation"}),
                        create_route="POST /v2.0/", lookup_route=r"^GET .*/(salesOrders|salesInvoices)$", fake=fake,
                        secrets=(bc_fake.CLIENT_SECRET,), sleeps=sleeps,
                        invoice_fragment="salesInvoices", stock_totals_only=True, list_prices_only=True,
                        expected_credit=_in_local_currency, expire_tokens=fake.expire_tokens,
                        field_cases={"credit": ("customer", "balanceDue"), "credit_limit": ("customer", "creditLimit"),
                                     "stock": ("item", "inventory"), "invoices": ("sales invoice", "remainingAmount"),
                                     "prices": ("item", "unitPrice")},
                        remove_field=lambda _record, name: fake.removed.add(name),
                        discontinue=lambda code: _set(fake.data["items"], "number", code, blocked=True),
                        advance=fake.advance)


#: registered connector name -> its harness variants (the contract suite runs every variant of
#: every connector in app.erp.registry; a registered connector without an entry fails the suite)
HARNESSES: dict[str, dict[str, Callable[..., ERPUnderTest]]] = {
    "sandbox": {"sandbox": sandbox_harness},
    "erpnext": {"erpnext": erpnext_harness},
    "odoo": {"odoo-json2": lambda clock, mock: odoo_harness(clock, mock, "json2", 19),
             "odoo-jsonrpc": lambda clock, mock: odoo_harness(clock, mock, "jsonrpc", 16)},
    "netsuite": {"netsuite-m2m": netsuite_harness,
                 "netsuite-tba": lambda clock, mock: netsuite_harness(clock, mock, "tba")},
    "businesscentral": {"businesscentral": businesscentral_harness},
}


def needs(erp: ERPUnderTest, kind: str) -> None:
    """Skip a fault scenario the connector cannot experience (the sandbox has no HTTP)."""
    if kind not in erp.fault_kinds:
        pytest.skip(f"{erp.name} has no '{kind}' failure mode")


def needs_http(erp: ERPUnderTest) -> None:
    if erp.fake is None:
        pytest.skip(f"{erp.name} makes no HTTP calls")
