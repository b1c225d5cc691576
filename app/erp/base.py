"""The ERP connector interface, and what a connector package declares to be registered.

Services talk to every ERP through ERPConnector and only ever see domain objects. Failures are
the shared error tree of :mod:`app.errors` with ``side="erp"`` (so callers decide without
knowing the vendor): UpstreamUnavailable / UpstreamRateLimited - try again later;
UpstreamAuthFailed, UpstreamRejected, UpstreamMisconfigured - retrying will not help;
UpstreamNotFound - the customer/order/item does not exist in the ERP.

Messages must never contain credentials; the vendor HTTP layer redacts vendor text before raising.
"""
from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.clock import Clock
from app.domain.credit import CustomerCredit
from app.domain.customer import CustomerQuery, ERPCustomer
from app.domain.invoice import Invoice
from app.domain.order import OrderRequest, OrderResult
from app.domain.pricing import PriceQuote
from app.domain.progress import OrderProgress
from app.domain.stock import ItemInfo, StockLine
from app.net.policy import OutboundPolicy
from app.storage.db import Database
from app.tenants.model import ERPConnectionSettings

if TYPE_CHECKING:   # the sandbox package imports this module; its fault switches are only typed here
    from app.erp.sandbox.faults import SandboxFaults


#: customer ids per request of ``get_customers`` (keeps filters and URLs well inside vendor limits)
CUSTOMER_BATCH = 50


def batches(ids: Sequence[str], size: int = CUSTOMER_BATCH) -> list[list[str]]:
    """Distinct ids (in order) in chunks of ``size``."""
    unique = list(dict.fromkeys(i for i in ids if i))
    return [unique[n:n + size] for n in range(0, len(unique), size)]


@dataclass(frozen=True)
class ConnectionCheck:
    """Outcome of a connection test shown to the admin."""

    ok: bool
    reason: str
    message: str
    details: dict[str, str] = field(default_factory=dict)


class ERPConnector(abc.ABC):
    """What the panel and the order flow need from an ERP.

    Implementations must put a timeout on every outbound call, retry only
    idempotent reads, and make create_order safe to call twice with the same
    idempotency key (look up by the key before creating).
    """

    #: short vendor name, used as the ``source`` of every read
    name: str = "erp"
    #: True when the connector retries its own idempotent reads (the HTTP connectors do, in VendorHTTP);
    #: the panel retries reads of connectors that do not
    retries_reads: bool = False
    #: how many requests at once the vendor accepts from one account without rejecting or queueing
    #: them: connectors declare their vendor's default (citing it); the registry sets the tenant's
    #: own "concurrent ERP requests" setting on the instance it builds
    max_concurrent_requests: int = 8

    @abc.abstractmethod
    def check_connection(self) -> ConnectionCheck:
        """Verify URL, credentials and permissions; never raises for expected failures."""

    @abc.abstractmethod
    def get_credit(self, customer_id: str) -> CustomerCredit:
        """Credit limit, balance, overdue amount and hold state of one customer."""

    @abc.abstractmethod
    def list_stock(self, item_codes: Sequence[str] | None = None) -> list[StockLine]:
        """Stock per item and warehouse; all stocked items (bounded) when item_codes is None."""

    @abc.abstractmethod
    def list_invoices(self, customer_id: str, *, open_only: bool = True) -> list[Invoice]:
        """The customer's invoices, open ones only by default, oldest due first."""

    @abc.abstractmethod
    def get_prices(self, customer_id: str, item_codes: Sequence[str] | None = None) -> list[PriceQuote]:
        """Customer-specific prices; the customer's price list items when item_codes is None."""

    @abc.abstractmethod
    def find_order(self, idempotency_key: str) -> OrderResult | None:
        """The live (not cancelled) order carrying this idempotency key, if any."""

    @abc.abstractmethod
    def create_order(self, request: OrderRequest) -> OrderResult:
        """Create (and confirm/submit) a sales order; returns the existing one if the
        idempotency key is already used (``created_now`` False)."""

    @abc.abstractmethod
    def find_items(self, item_codes: Sequence[str]) -> dict[str, ItemInfo]:
        """The items among these codes the ERP knows, in ONE request (codes it does not know are absent).

        The order flow validates every line of a deal with this single read before it writes.
        """

    @abc.abstractmethod
    def read_order_progress(self, idempotency_keys: Sequence[str]) -> dict[str, OrderProgress]:
        """Where the orders carrying these idempotency keys stand (stage, deliveries, invoices, amount owed),
        in as few requests as the ERP allows: one list request filtering on every key at once where the
        ERP can (a second one for the orders' invoices where they live apart). Keys the ERP does not
        know are absent; a cancelled order is reported as cancelled."""

    @abc.abstractmethod
    def cancel_order(self, idempotency_key: str) -> OrderResult:
        """Cancel the live order carrying this key, when an admin asked for it (never automatically).

        Connectors whose ERP API cannot cancel a sales order raise ``UpstreamNotSupported`` with what to do
        in the ERP instead; UpstreamNotFound when no live order has the key."""

    @abc.abstractmethod
    def search_customers(self, query: CustomerQuery) -> list[ERPCustomer]:
        """Customers that may match the query, in ONE request where the ERP allows it (at most
        ``query.limit``, active customers only).

        The ERP filters what it can: name words (``CustomerQuery.name_words``: contains, any word), the
        tax id, the e-mail domain, the phone number's last digits; any one criterion is enough. Ranking
        (fuzzy, accent- and case-insensitive) is the linking service's job, not the connector's.
        """

    @abc.abstractmethod
    def get_customers(self, customer_ids: Sequence[str]) -> dict[str, ERPCustomer]:
        """The customers with these ids as links hold them (disabled ones too), by id, in ONE request per
        ``CUSTOMER_BATCH`` ids; ids the ERP does not know are absent."""

    def get_customer(self, customer_id: str) -> ERPCustomer | None:
        """The customer with this id (disabled ones too), or None when the ERP does not know it."""
        return self.get_customers([customer_id]).get(customer_id)

    def create_order_after_lookup(self, request: OrderRequest) -> OrderResult:
        """Create the order when the caller has just asked ``find_order`` for its idempotency key
        (nothing live) and holds the deal's lock, so the connector need not look it up a second time.

        Default: ``create_order`` (which looks up again: correct, one round trip more). Connectors
        whose create_order starts with that lookup override this to skip it.
        """
        return self.create_order(request)

    def close(self) -> None:  # noqa: B027 - optional hook, most connectors hold nothing
        """Release pooled connections (optional)."""


@dataclass(frozen=True)
class ConnectorContext:
    """What a connector factory may use besides the tenant's settings."""

    clock: Clock
    timeout: float
    #: what the ERP URL may reach (ERP_ALLOW_HTTP, ERP_ALLOWED_NETWORKS); https to public addresses by default
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)
    #: extra tries of a failed read (ERP_HTTP_RETRIES); pauses go through ``clock.sleep``
    http_retries: int = 2
    db: Database | None = None
    sandbox_faults: SandboxFaults | None = None


@dataclass(frozen=True)
class SettingField:
    """One input on the admin's ERP connection form."""

    name: str
    label: str
    secret: bool = False         # stored encrypted, never shown back
    required: bool = True
    help: str = ""
    default: str = ""
    multiline: bool = False      # e.g. a PEM private key: a text area, longer values allowed
    url: bool = False            # an address outbound calls go to: checked against the outbound URL policy


#: builds a connector from a tenant's connection settings
ConnectorFactory = Callable[[ERPConnectionSettings, ConnectorContext], ERPConnector]


@dataclass(frozen=True)
class ConnectorSpec:
    """What an ERP package declares (its ``CONNECTOR``): its name, factory and settings form."""

    name: str
    build: ConnectorFactory
    label: str
    fields: tuple[SettingField, ...] = ()
    permissions_help: str = ""
    #: ERP requests at once the vendor accepts from one account by default (see each connector)
    max_concurrent_requests: int = ERPConnector.max_concurrent_requests
    #: a demo surface (generated data): refused in production
    demo_only: bool = False
